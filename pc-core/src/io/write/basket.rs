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

/// The `TBasket` fields that describe one basket's uncompressed payload.
#[derive(Clone, Copy, Debug)]
pub(super) struct Payload {
    /// Uncompressed payload length: values, then (for counted branches) the offset table.
    pub len: usize,
    /// `fNevBuf`: number of entries.
    pub entries: i32,
    /// `fNevBufSize`: entry size for fixed-size branches, offset-table length for counted ones.
    pub nev_buf_size: i32,
    /// `fLast`: key length plus the length of the values.
    pub last: i32,
}

/// Length of the payload of `column`, computed without building it.
pub(super) fn payload_len(column: &Column) -> usize {
    let values = column.values.len() * column.values.leaf_type().size();
    match &column.layout {
        Layout::Jagged(offsets) => values + 4 * (offsets.len() + 1),
        _ => values,
    }
}

/// Appends the payload of `column` for a basket whose key is `keylen` bytes long to `out`
/// (which should be empty: the offset table counts from the start of the key, not of `out`).
pub(super) fn payload_into(
    column: &Column,
    entry_bytes: usize,
    keylen: usize,
    out: &mut Vec<u8>,
) -> Payload {
    let size = column.values.leaf_type().size();
    let start = out.len();
    out.reserve(payload_len(column));
    extend_be(out, &column.values);
    let data_len = out.len() - start;
    let nev_buf_size = match &column.layout {
        Layout::Jagged(offsets) => {
            out.extend_from_slice(&(offsets.len() as i32).to_be_bytes());
            // In 32 bits (vectorises): the writer caps a basket's key plus payload below 2 GiB.
            let (keylen, size) = (keylen as u32, size as u32);
            extend_mapped(out, offsets, |o| keylen.wrapping_add(o.wrapping_mul(size)));
            offsets.len() as i32
        }
        _ => entry_bytes as i32,
    };
    Payload {
        len: out.len() - start,
        entries: column.entries() as i32,
        nev_buf_size,
        last: (keylen + data_len) as i32,
    }
}

/// Key header plus `TBasket` fields for a basket holding `payload`, appended to `out`.
pub(super) fn header_into(key: &KeyHeader, payload: &Payload, out: &mut Vec<u8>) {
    let mut buf = Buf::wrap(std::mem::take(out), 0);
    key.write(&mut buf);
    buf.i16(BASKET_VERSION);
    buf.i32(BASKET_SIZE.max(payload.last));
    buf.i32(payload.nev_buf_size);
    buf.i32(payload.entries);
    buf.i32(payload.last);
    buf.u8(0);
    *out = buf.into_bytes();
}

/// A fixed-size number and its big-endian bytes.
trait BigEndian: Copy {
    type Bytes: Copy;
    fn be(self) -> Self::Bytes;
}

macro_rules! big_endian {
    ($($t:ty),*) => {$(
        impl BigEndian for $t {
            type Bytes = [u8; std::mem::size_of::<$t>()];
            #[inline(always)]
            fn be(self) -> Self::Bytes {
                self.to_be_bytes()
            }
        }
    )*};
}
big_endian!(i16, u16, i32, u32, i64, u64, f32, f64);

/// Appends `f(x)` for every `x` of `src` in big-endian order, written once straight into
/// the spare capacity by a loop the compiler vectorises: with AVX2 byte shuffles where the
/// CPU has them (checked at run time; the portable build may only assume SSE2, which has no
/// byte shuffle, so the byte swaps would stay scalar).
fn extend_mapped<S: Copy, T: BigEndian>(out: &mut Vec<u8>, src: &[S], f: impl Fn(S) -> T) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        return unsafe { extend_mapped_avx2(out, src, f) };
    }
    extend_mapped_body(out, src, f);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn extend_mapped_avx2<S: Copy, T: BigEndian>(out: &mut Vec<u8>, src: &[S], f: impl Fn(S) -> T) {
    extend_mapped_body(out, src, f);
}

#[inline(always)]
fn extend_mapped_body<S: Copy, T: BigEndian>(out: &mut Vec<u8>, src: &[S], f: impl Fn(S) -> T) {
    let n = src.len() * size_of::<T::Bytes>();
    out.reserve(n);
    let dst = out.spare_capacity_mut()[..n]
        .as_mut_ptr()
        .cast::<T::Bytes>();
    for (i, &x) in src.iter().enumerate() {
        // SAFETY: `dst` has room for `src.len()` values of `T::Bytes` (`n` bytes, reserved
        // above); `T::Bytes` is a byte array, so unaligned writes are fine.
        unsafe { dst.add(i).write_unaligned(f(x).be()) };
    }
    // SAFETY: the `n` bytes after the old length were all written above.
    unsafe { out.set_len(out.len() + n) };
}

/// Appends `values` in big-endian order (booleans as one byte 0/1).
fn extend_be(out: &mut Vec<u8>, values: &Values) {
    match values {
        Values::Bool(v) => out.extend(v.iter().map(|&b| u8::from(b))),
        Values::I8(v) => out.extend(v.iter().map(|&x| x as u8)),
        Values::U8(v) => out.extend_from_slice(v),
        Values::I16(v) => extend_mapped(out, v, |x| x),
        Values::U16(v) => extend_mapped(out, v, |x| x),
        Values::I32(v) => extend_mapped(out, v, |x| x),
        Values::U32(v) => extend_mapped(out, v, |x| x),
        Values::I64(v) => extend_mapped(out, v, |x| x),
        Values::U64(v) => extend_mapped(out, v, |x| x),
        Values::F32(v) => extend_mapped(out, v, |x| x),
        Values::F64(v) => extend_mapped(out, v, |x| x),
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
        let mut bytes = Vec::new();
        let p = payload_into(&column, 4, 50, &mut bytes);
        assert_eq!(p.entries, 3);
        assert_eq!(p.last, 50 + 12);
        assert_eq!(p.len, bytes.len());
        assert_eq!(payload_len(&column), bytes.len());
        let table: Vec<i32> = bytes[12..]
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
        let mut bytes = Vec::new();
        let p = payload_into(&column, 2, 40, &mut bytes);
        assert_eq!(bytes, vec![0, 1, 0xFF, 0xFE]);
        assert_eq!(payload_len(&column), 4);
        assert_eq!(p.nev_buf_size, 2);
        assert_eq!(p.last, 44);
    }
}
