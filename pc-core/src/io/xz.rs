//! LZMA (`XZ`) block decoding: one liblzma decoder per thread, re-initialised for every
//! block so that its dictionary is allocated once (ROOT's LZMA level 9 asks for 64 MiB),
//! and the block's CRC32 checked with a vectorised CRC instead of liblzma's table one.

use std::cell::RefCell;

use liblzma_sys as sys;

/// Size of the xz stream header and footer.
const STREAM_HEADER: usize = 12;
/// The xz check id of CRC32.
const CHECK_CRC32: u8 = 1;

/// A liblzma stream kept for reuse; freed when its thread ends.
struct Decoder(sys::lzma_stream);

impl Drop for Decoder {
    fn drop(&mut self) {
        // SAFETY: the stream was initialised by `lzma_stream_decoder` (or is still all
        // zero, which `lzma_end` accepts) and is not used afterwards.
        unsafe { sys::lzma_end(&mut self.0) }
    }
}

thread_local! {
    static DECODER: RefCell<Option<Box<Decoder>>> = const { RefCell::new(None) };
}

/// Decodes one xz stream (`payload`) into `dst`; returns the number of bytes produced.
/// The stream's integrity check is verified (CRC32 here, any other by liblzma).
pub fn decompress(payload: &[u8], dst: &mut [u8]) -> Result<usize, String> {
    let crc32 = payload
        .get(7)
        .is_some_and(|&flags| flags & 0x0f == CHECK_CRC32);
    let flags = if crc32 { sys::LZMA_IGNORE_CHECK } else { 0 };
    let produced = DECODER.with(|cell| {
        let mut cell = cell.borrow_mut();
        // SAFETY: an all-zero `lzma_stream` is LZMA_STREAM_INIT.
        let decoder = cell.get_or_insert_with(|| Box::new(Decoder(unsafe { std::mem::zeroed() })));
        let strm = &mut decoder.0;
        // SAFETY: `strm` is LZMA_STREAM_INIT or a stream a previous call initialised;
        // liblzma then reuses its allocations.
        let ret = unsafe { sys::lzma_stream_decoder(strm, u64::MAX, flags) };
        if ret != sys::LZMA_OK {
            return Err(format!("LZMA: decoder initialisation failed ({ret})"));
        }
        strm.next_in = payload.as_ptr();
        strm.avail_in = payload.len();
        strm.next_out = dst.as_mut_ptr();
        strm.avail_out = dst.len();
        // SAFETY: the in/out pointers and lengths describe live slices for this call.
        let ret = unsafe { sys::lzma_code(strm, sys::LZMA_FINISH) };
        let produced = dst.len() - strm.avail_out;
        strm.next_in = std::ptr::null();
        strm.avail_in = 0;
        strm.next_out = std::ptr::null_mut();
        strm.avail_out = 0;
        match ret {
            sys::LZMA_STREAM_END => Ok(produced),
            sys::LZMA_OK | sys::LZMA_BUF_ERROR => {
                Err("LZMA: stream did not end where the block ends".into())
            }
            other => Err(format!("LZMA: {}", describe(other))),
        }
    })?;
    if crc32 {
        verify_crc32(payload, &dst[..produced])?;
    }
    Ok(produced)
}

fn describe(ret: sys::lzma_ret) -> &'static str {
    match ret {
        sys::LZMA_FORMAT_ERROR => "not an xz stream",
        sys::LZMA_OPTIONS_ERROR => "unsupported options",
        sys::LZMA_DATA_ERROR => "corrupt data",
        sys::LZMA_MEM_ERROR => "out of memory",
        sys::LZMA_UNSUPPORTED_CHECK => "unsupported integrity check",
        _ => "decoder error",
    }
}

/// Checks the CRC32 of every block of a decoded xz stream, locating the blocks through the
/// stream's index (liblzma has already validated the structure while decoding).
fn verify_crc32(stream: &[u8], data: &[u8]) -> Result<(), String> {
    let bad = |what: &str| format!("LZMA: {what}");
    let footer = stream
        .len()
        .checked_sub(STREAM_HEADER)
        .map(|at| &stream[at..])
        .ok_or_else(|| bad("stream shorter than its footer"))?;
    let backward = u32::from_le_bytes(footer[4..8].try_into().expect("4 bytes")) as usize;
    let index_start = (stream.len() - STREAM_HEADER)
        .checked_sub((backward + 1).saturating_mul(4))
        .ok_or_else(|| bad("index size past the start of the stream"))?;
    let mut index = Varints(stream.get(index_start + 1..).unwrap_or_default());
    let records = index.next().ok_or_else(|| bad("truncated index"))?;
    let (mut block, mut out) = (STREAM_HEADER, 0usize);
    for _ in 0..records {
        let (unpadded, size) = index
            .next()
            .zip(index.next())
            .ok_or_else(|| bad("truncated index"))?;
        // Block header, compressed data, padding to 4 bytes, then the 4-byte check.
        let end = usize::try_from(unpadded.div_ceil(4).saturating_mul(4))
            .ok()
            .and_then(|padded| block.checked_add(padded))
            .filter(|&end| end >= block + 4 && end <= stream.len())
            .ok_or_else(|| bad("block size in the index past the end of the stream"))?;
        let stored = u32::from_le_bytes(stream[end - 4..end].try_into().expect("4 bytes"));
        let decoded = usize::try_from(size)
            .ok()
            .and_then(|size| data.get(out..out.checked_add(size)?))
            .ok_or_else(|| bad("index sizes disagree with the decoded data"))?;
        let actual = crc32fast::hash(decoded);
        if stored != actual {
            return Err(format!(
                "LZMA: CRC32 mismatch (stored {stored:#010x}, computed {actual:#010x})"
            ));
        }
        block = end;
        out += decoded.len();
    }
    if out != data.len() {
        return Err(bad("index sizes disagree with the decoded data"));
    }
    Ok(())
}

/// The xz format's variable-length integers (7 bits per byte, little-endian).
struct Varints<'a>(&'a [u8]);

impl Iterator for Varints<'_> {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for (i, &b) in self.0.iter().enumerate().take(9) {
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                self.0 = &self.0[i + 1..];
                return Some(value);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xz(data: &[u8], check: liblzma::stream::Check) -> Vec<u8> {
        let mut s = liblzma::stream::Stream::new_easy_encoder(6, check).unwrap();
        let mut out = Vec::with_capacity(data.len() + 1024);
        s.process_vec(data, &mut out, liblzma::stream::Action::Finish)
            .unwrap();
        out
    }

    fn sample() -> Vec<u8> {
        (0..20_000u32)
            .flat_map(|i| (i % 1013).wrapping_mul(i).to_be_bytes())
            .collect()
    }

    #[test]
    fn decodes_every_check_and_reuses_the_decoder() {
        use liblzma::stream::Check;
        let data = sample();
        for check in [Check::Crc32, Check::Crc64, Check::Sha256, Check::None] {
            for _ in 0..2 {
                let packed = xz(&data, check);
                let mut out = vec![0; data.len()];
                assert_eq!(decompress(&packed, &mut out).unwrap(), data.len());
                assert_eq!(out, data);
            }
        }
    }

    #[test]
    fn a_flipped_byte_is_an_error_whatever_it_hits() {
        let data = sample();
        let packed = xz(&data, liblzma::stream::Check::Crc32);
        let mut out = vec![0; data.len()];
        for at in (0..packed.len()).step_by(29).chain([packed.len() - 1]) {
            let mut bad = packed.clone();
            bad[at] ^= 0x20;
            let r = decompress(&bad, &mut out);
            assert!(
                r.is_err() || (r == Ok(data.len()) && out == data),
                "byte {at}: {r:?}"
            );
        }
        // The check itself: the 4 bytes before the index.
        let index_start = packed.len()
            - STREAM_HEADER
            - (u32::from_le_bytes(
                packed[packed.len() - 8..packed.len() - 4]
                    .try_into()
                    .unwrap(),
            ) as usize
                + 1)
                * 4;
        let mut bad = packed.clone();
        bad[index_start - 1] ^= 1;
        let err = decompress(&bad, &mut out).unwrap_err();
        assert!(err.contains("CRC32 mismatch"), "{err}");
    }
}
