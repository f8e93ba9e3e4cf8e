//! Basket payloads: a branch's values over one cluster, big-endian, followed for counted
//! branches by ROOT's entry-offset table.
//!
//! On disk a basket is a key (class `TBasket`, name = branch, title = tree), the `TBasket`
//! fields (version 3, `fBufferSize`, `fNevBufSize`, `fNevBuf`, `fLast`, a flag byte, all
//! counted in `fKeylen`), then the payload, compressed or not. The entry-offset table is an
//! `Int_t` count (`fNevBuf + 1`) followed by that many offsets of each entry's first byte
//! measured from the start of the key; the last one is `fLast`, the end of the data.

use super::buffer::Buf;
use super::key::KeyHeader;
use crate::io::{Column, Layout, Values};

/// `TBasket` class version.
const BASKET_VERSION: i16 = 3;
/// Bytes of `TBasket` fields after the key header: version, 4 ints and the flag byte.
pub(super) const BASKET_FIELDS_LEN: usize = 2 + 4 * 4 + 1;
/// ROOT's default basket buffer size (`fBasketSize`).
pub(super) const BASKET_SIZE: i32 = 32_000;

/// The uncompressed content of one basket and the `TBasket` fields that describe it.
pub(super) struct Payload {
    /// Values, then (for counted branches) the entry-offset table.
    pub bytes: Vec<u8>,
    /// `fNevBuf`: number of entries.
    pub entries: i32,
    /// `fNevBufSize`: entry size for fixed-size branches, offset-table length for counted ones.
    pub nev_buf_size: i32,
    /// `fLast`: key length plus the length of the values.
    pub last: i32,
}

/// Builds the payload of `column` for a basket whose key is `keylen` bytes long.
pub(super) fn payload(column: &Column, entry_bytes: usize, keylen: usize) -> Payload {
    let size = column.values.leaf_type().size();
    let mut bytes = Vec::with_capacity(column.values.len() * size + 8);
    extend_be(&mut bytes, &column.values);
    let data_len = bytes.len();
    let entries = column.entries();
    let last = keylen + data_len;
    let nev_buf_size = match &column.layout {
        Layout::Jagged(offsets) => {
            bytes.reserve(4 * (offsets.len() + 1));
            bytes.extend_from_slice(&(offsets.len() as i32).to_be_bytes());
            for &o in offsets {
                let at = (keylen + o as usize * size) as i32;
                bytes.extend_from_slice(&at.to_be_bytes());
            }
            offsets.len() as i32
        }
        _ => entry_bytes as i32,
    };
    Payload {
        bytes,
        entries: entries as i32,
        nev_buf_size,
        last: last as i32,
    }
}

/// Key header plus `TBasket` fields for a basket holding `payload`, stored as `stored_len`
/// bytes (compressed or not).
pub(super) fn header(key: &KeyHeader, payload: &Payload) -> Vec<u8> {
    let mut buf = Buf::new(0);
    key.write(&mut buf);
    buf.i16(BASKET_VERSION);
    buf.i32(BASKET_SIZE.max(payload.last));
    buf.i32(payload.nev_buf_size);
    buf.i32(payload.entries);
    buf.i32(payload.last);
    buf.u8(0);
    buf.into_bytes()
}

/// Appends `values` in big-endian order (booleans as one byte 0/1).
fn extend_be(out: &mut Vec<u8>, values: &Values) {
    macro_rules! be {
        ($v:expr) => {
            for x in $v {
                out.extend_from_slice(&x.to_be_bytes());
            }
        };
    }
    match values {
        Values::Bool(v) => out.extend(v.iter().map(|&b| u8::from(b))),
        Values::I8(v) => out.extend(v.iter().map(|&x| x as u8)),
        Values::U8(v) => out.extend_from_slice(v),
        Values::I16(v) => be!(v),
        Values::U16(v) => be!(v),
        Values::I32(v) => be!(v),
        Values::U32(v) => be!(v),
        Values::I64(v) => be!(v),
        Values::U64(v) => be!(v),
        Values::F32(v) => be!(v),
        Values::F64(v) => be!(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_payload_has_offsets_from_key_start() {
        let column = Column {
            name: "Muon_pt".into(),
            values: Values::F32(vec![1.0, 2.0, 3.0]),
            layout: Layout::Jagged(vec![0, 2, 2, 3]),
        };
        let p = payload(&column, 4, 50);
        assert_eq!(p.entries, 3);
        assert_eq!(p.last, 50 + 12);
        let table: Vec<i32> = p.bytes[12..]
            .chunks(4)
            .map(|c| i32::from_be_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(table, vec![4, 50, 58, 58, 62]);
    }

    #[test]
    fn scalar_payload_is_plain_big_endian() {
        let column = Column {
            name: "flag".into(),
            values: Values::I16(vec![1, -2]),
            layout: Layout::Scalar,
        };
        let p = payload(&column, 2, 40);
        assert_eq!(p.bytes, vec![0, 1, 0xFF, 0xFE]);
        assert_eq!(p.nev_buf_size, 2);
        assert_eq!(p.last, 44);
    }
}
