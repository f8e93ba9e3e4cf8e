//! Reading and decoding one basket: key header, decompression, data and entry offsets.

use super::bytes::Cursor;
use super::codec;
use super::file::{FileHandle, KeyHeader};
use super::meta::{BasketMeta, BasketSource, relative_offsets};

/// A decoded basket: big-endian value bytes and, for counted arrays, byte offsets.
pub enum Decoded<'a> {
    /// Decompressed into memory.
    Owned {
        data: Vec<u8>,
        offsets: Option<Vec<u32>>,
    },
    /// An embedded basket, parsed with the tree's metadata.
    Borrowed {
        data: &'a [u8],
        offsets: Option<&'a [u32]>,
    },
}

impl Decoded<'_> {
    pub fn data(&self) -> &[u8] {
        match self {
            Decoded::Owned { data, .. } => data,
            Decoded::Borrowed { data, .. } => data,
        }
    }

    pub fn offsets(&self) -> Option<&[u32]> {
        match self {
            Decoded::Owned { offsets, .. } => offsets.as_deref(),
            Decoded::Borrowed { offsets, .. } => *offsets,
        }
    }
}

/// ROOT caps a basket's buffer at 1 GiB; a larger claim is corruption (and a smaller one
/// must also fit what its compressed blocks can expand to, [`codec::check_blocks`]).
const MAX_BASKET_BYTES: u32 = 1 << 30;

/// Reads and decompresses a basket. The error text names what is wrong; the caller
/// adds file, tree, branch and basket number.
pub fn decode<'a>(file: &'a FileHandle, basket: &'a BasketMeta) -> Result<Decoded<'a>, String> {
    let (seek, nbytes) = match &basket.source {
        BasketSource::Embedded(e) => {
            return Ok(Decoded::Borrowed {
                data: &e.data,
                offsets: e.offsets.as_deref(),
            });
        }
        BasketSource::Disk { seek, nbytes } => (*seek, *nbytes),
    };
    file.with_bytes(seek, nbytes as usize, |raw| {
        decode_bytes(raw, seek, nbytes, basket)
    })
    .map_err(|e| e.to_string())?
}

/// Decodes a basket from its bytes in the file (key header and payload).
fn decode_bytes<'a>(
    raw: &[u8],
    seek: u64,
    nbytes: u32,
    basket: &BasketMeta,
) -> Result<Decoded<'a>, String> {
    let mut c = Cursor::new(raw, 0);
    let key = KeyHeader::read(&mut c).map_err(|e| format!("basket key: {e}"))?;
    let keylen = key.keylen as usize;
    if key.nbytes != nbytes {
        return Err(format!(
            "basket key says {} bytes, the branch says {nbytes}",
            key.nbytes
        ));
    }
    if key.seek_key != seek {
        return Err(format!(
            "basket key says it is at byte {}, the branch says {seek}",
            key.seek_key
        ));
    }
    if key.objlen > MAX_BASKET_BYTES {
        return Err(format!("basket claims {} uncompressed bytes", key.objlen));
    }
    let fields_at = keylen
        .checked_sub(19)
        .filter(|&p| p + 19 <= raw.len())
        .ok_or_else(|| format!("basket key length {keylen} is invalid"))?;
    c.seek(fields_at)?;
    let _version = c.u16()?;
    let _buffer_size = c.i32()?;
    let _nev_buf_size = c.i32()?;
    let nev_buf = c.i32()?;
    let last = c.i32()?;
    let expected = basket.entry_stop - basket.entry_start;
    if nev_buf < 0 || nev_buf as u64 != expected {
        return Err(format!(
            "basket holds {nev_buf} entries, the branch says {expected}"
        ));
    }
    if expected > 0 && key.objlen == 0 {
        return Err(format!(
            "basket claims {expected} entries but holds no bytes"
        ));
    }
    let border = (last as i64 - keylen as i64)
        .try_into()
        .ok()
        .filter(|&b: &usize| b <= key.objlen as usize)
        .ok_or_else(|| format!("basket fLast {last} is outside its {} bytes", key.objlen))?;
    if expected > 0 && key.objlen == 0 {
        return Err(format!(
            "basket claims {expected} entries but holds no bytes"
        ));
    }
    let stored = &raw[keylen..];
    let mut payload = if stored.len() == key.objlen as usize {
        stored.to_vec()
    } else {
        codec::check_blocks(stored, key.objlen as usize).map_err(|e| format!("basket {e}"))?;
        let mut out = vec![0u8; key.objlen as usize];
        codec::decompress_into(stored, &mut out)?;
        out
    };
    let offsets = if payload.len() > border {
        // ROOT stores a count (fNevBuf + 1) and that many offsets from the key start;
        // the last slot is not reliable, the data end (`border`) takes its place.
        let mut oc = Cursor::new(&payload[border..], 0);
        let n = oc.i32()?;
        let n_entries = nev_buf as usize;
        if n < 0 || (n as usize != n_entries + 1 && n as usize != n_entries) {
            return Err(format!(
                "basket offset array has {n} slots for {n_entries} entries"
            ));
        }
        let raw = oc.array_i32(n_entries)?;
        Some(relative_offsets(&raw, keylen, border)?)
    } else {
        None
    };
    payload.truncate(border);
    Ok(Decoded::Owned {
        data: payload,
        offsets,
    })
}
