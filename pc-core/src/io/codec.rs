//! ROOT's compressed-block framing and the codecs inside it.
//!
//! A compressed object is a sequence of blocks, each at most 2^24 - 1 bytes before
//! compression, each behind a 9-byte header: a 2-byte algorithm tag (`ZL`, `XZ`, `L4`,
//! `ZS`), a method byte, then the compressed and uncompressed sizes as 3-byte
//! little-endian integers. LZ4 blocks carry an 8-byte big-endian xxhash64 of the
//! compressed bytes before the payload.

use std::cell::RefCell;
use std::fmt;
use std::str::FromStr;

const HEADER: usize = 9;
const LZ4_CHECKSUM: usize = 8;
const MAX_BLOCK: usize = (1 << 24) - 1;

/// A compression algorithm and level, as in ROOT's `fCompress = 100 * algorithm + level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    None,
    Zlib(u32),
    Lzma(u32),
    Lz4(u32),
    Zstd(u32),
}

impl Codec {
    /// ROOT's integer code (`fCompress`): `100 * algorithm + level`.
    pub fn root_code(self) -> i32 {
        match self {
            Codec::None => 0,
            Codec::Zlib(l) => 100 + l as i32,
            Codec::Lzma(l) => 200 + l as i32,
            Codec::Lz4(l) => 400 + l as i32,
            Codec::Zstd(l) => 500 + l as i32,
        }
    }

    /// The smallest saving worth a basket's compression time, for codecs that trade size
    /// for speed: `lz4:1` stores a branch's baskets uncompressed while its last compressed
    /// basket saved less than this fraction (mostly floats with NanoAOD's reduced mantissas,
    /// which LZ4 barely shrinks). Measured on generated ttbar: 40% instead of 20% takes 11%
    /// off the instructions per event for a 7% larger file. None: always compress.
    pub fn min_saving(self) -> Option<f64> {
        match self {
            Codec::Lz4(0 | 1) => Some(0.4),
            _ => None,
        }
    }

    /// The codec named by a 2-byte block tag, for reports (`inspect`).
    pub fn tag_name(tag: &[u8]) -> &'static str {
        match tag {
            b"ZL" => "ZLIB",
            b"XZ" => "LZMA",
            b"L4" => "LZ4",
            b"ZS" => "ZSTD",
            b"CS" => "OLD",
            _ => "unknown",
        }
    }
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Codec::None => write!(f, "none"),
            Codec::Zlib(l) => write!(f, "zlib:{l}"),
            Codec::Lzma(l) => write!(f, "lzma:{l}"),
            Codec::Lz4(l) => write!(f, "lz4:{l}"),
            Codec::Zstd(l) => write!(f, "zstd:{l}"),
        }
    }
}

impl FromStr for Codec {
    type Err = String;

    /// Parses `none`, `zlib`, `zlib:6`, `lzma:9`, `lz4`, `zstd:5`, ...
    fn from_str(s: &str) -> Result<Codec, String> {
        let (name, level) = match s.split_once(':') {
            Some((n, l)) => {
                let level = l
                    .parse::<u32>()
                    .map_err(|_| format!("bad compression level `{l}` in `{s}`"))?;
                (n, Some(level))
            }
            None => (s, None),
        };
        let codec = match name.to_ascii_lowercase().as_str() {
            "none" | "uncompressed" => Codec::None,
            "zlib" => Codec::Zlib(level.unwrap_or(1)),
            "lzma" => Codec::Lzma(level.unwrap_or(9)),
            "lz4" => Codec::Lz4(level.unwrap_or(4)),
            "zstd" => Codec::Zstd(level.unwrap_or(5)),
            _ => {
                return Err(format!(
                    "unknown codec `{name}` (expected none, zlib, lzma, lz4 or zstd)"
                ));
            }
        };
        match codec {
            Codec::None => Ok(Codec::None),
            Codec::Zlib(0) | Codec::Lzma(0) | Codec::Lz4(0) | Codec::Zstd(0) => Ok(Codec::None),
            Codec::Zlib(l) | Codec::Lzma(l) if l > 9 => Err(format!("level {l} > 9 in `{s}`")),
            Codec::Lz4(l) if l > 12 => Err(format!("level {l} > 12 in `{s}`")),
            Codec::Zstd(l) if l > 22 => Err(format!("level {l} > 22 in `{s}`")),
            c => Ok(c),
        }
    }
}

thread_local! {
    static ZLIB_DECODER: RefCell<libdeflater::Decompressor> = RefCell::new(libdeflater::Decompressor::new());
    static ZSTD_DECODER: RefCell<Option<zstd::bulk::Decompressor<'static>>> = const { RefCell::new(None) };
}

/// Decompresses a sequence of ROOT blocks from `input` into exactly `out.len()` bytes.
/// The error text says which block failed and why; callers add file/branch/basket.
pub fn decompress_into(input: &[u8], out: &mut [u8]) -> Result<(), String> {
    let (mut i, mut o) = (0usize, 0usize);
    while o < out.len() {
        let header = input.get(i..i + HEADER).ok_or_else(|| {
            format!(
                "compressed data ends at byte {} of {} before {} of {} bytes were produced",
                input.len(),
                i + HEADER,
                o,
                out.len()
            )
        })?;
        let tag = [header[0], header[1]];
        let csize = u24(&header[3..6]);
        let usize_ = u24(&header[6..9]);
        let payload = input.get(i + HEADER..i + HEADER + csize).ok_or_else(|| {
            format!("block at byte {i} claims {csize} compressed bytes past the end")
        })?;
        let remaining = out.len() - o;
        let dst = out.get_mut(o..o + usize_).ok_or_else(|| {
            format!("block at byte {i} claims {usize_} bytes, more than the {remaining} expected")
        })?;
        decompress_block(&tag, payload, dst).map_err(|e| format!("block at byte {i}: {e}"))?;
        i += HEADER + csize;
        o += usize_;
    }
    Ok(())
}

/// The most uncompressed bytes a block of algorithm `tag` can give per byte of its payload
/// (the bytes after the 9-byte header), or `None` for tags we cannot decompress anyway.
/// A claim above it is corruption, found before anything of the claimed size is allocated.
fn max_expansion(tag: &[u8]) -> Option<usize> {
    match tag {
        // Deflate: a 258-byte match costs at least 2 bits, 1032:1; the zlib header and
        // checksum only lower the real ratio.
        b"ZL" => Some(1032),
        // LZ4: past the first 15 bytes, every 255 bytes of a match take one length byte.
        b"L4" => Some(255),
        // Zstandard: an RLE block (3-byte header, 1 byte) gives at most the 128 KiB block
        // maximum, 32768:1; frame headers only lower it.
        b"ZS" => Some(32_768),
        // LZMA: a 273-byte rep-match takes 14 binary decisions, each at least
        // log2(2048/2017) bits with 11-bit probabilities moving by 1/32, about 7090:1
        // (16 MiB of zeros in a raw LZMA stream measure 6870:1, in ROOT's .xz blocks 6513:1).
        b"XZ" => Some(7_500),
        _ => None,
    }
}

/// Checks the block headers of a compressed object against its claimed uncompressed size
/// `objlen` without decompressing (so before `objlen` bytes are allocated): the blocks must
/// fit in `input`, produce exactly `objlen` bytes, and none may claim more than its
/// algorithm can expand to.
pub fn check_blocks(input: &[u8], objlen: usize) -> Result<(), String> {
    let (mut i, mut total) = (0usize, 0usize);
    while total < objlen {
        let Some(header) = input.get(i..i + HEADER) else {
            return Err(format!(
                "claims {objlen} uncompressed bytes, but its {} compressed bytes hold blocks for {total}",
                input.len()
            ));
        };
        let (tag, csize, usize_) = (&header[..2], u24(&header[3..6]), u24(&header[6..9]));
        if let Some(ratio) = max_expansion(tag)
            && usize_ > csize.saturating_mul(ratio)
        {
            return Err(format!(
                "block at byte {i} claims {usize_} bytes from {csize} compressed bytes, more than {} can expand to ({ratio}:1)",
                Codec::tag_name(tag)
            ));
        }
        i += HEADER + csize;
        total += usize_;
    }
    if total != objlen || i > input.len() {
        return Err(format!(
            "claims {objlen} uncompressed bytes, its blocks {total} in {i} bytes of {}",
            input.len()
        ));
    }
    Ok(())
}

fn u24(b: &[u8]) -> usize {
    b[0] as usize | (b[1] as usize) << 8 | (b[2] as usize) << 16
}

fn decompress_block(tag: &[u8; 2], payload: &[u8], dst: &mut [u8]) -> Result<(), String> {
    let produced = match tag {
        b"ZL" => ZLIB_DECODER.with(|d| {
            d.borrow_mut()
                .zlib_decompress(payload, dst)
                .map_err(|e| format!("ZLIB: {e:?}"))
        })?,
        b"XZ" => super::xz::decompress(payload, dst)?,
        b"L4" => {
            if payload.len() < LZ4_CHECKSUM {
                return Err("LZ4 block shorter than its checksum".into());
            }
            let (sum, data) = payload.split_at(LZ4_CHECKSUM);
            let expected = u64::from_be_bytes(sum.try_into().expect("8 bytes"));
            let actual = xxhash_rust::xxh64::xxh64(data, 0);
            if expected != actual {
                return Err(format!(
                    "LZ4 checksum mismatch (stored {expected:#x}, computed {actual:#x})"
                ));
            }
            lz4_flex::block::decompress_into(data, dst).map_err(|e| format!("LZ4: {e}"))?
        }
        b"ZS" => ZSTD_DECODER.with(|d| {
            let mut d = d.borrow_mut();
            if d.is_none() {
                *d = Some(zstd::bulk::Decompressor::new().map_err(|e| format!("ZSTD: {e}"))?);
            }
            d.as_mut()
                .expect("initialised above")
                .decompress_to_buffer(payload, dst)
                .map_err(|e| format!("ZSTD: {e}"))
        })?,
        b"CS" => return Err("ROOT's pre-2008 `CS` compression is not supported".into()),
        other => {
            return Err(format!(
                "unknown compression tag {:?}",
                String::from_utf8_lossy(other)
            ));
        }
    };
    if produced != dst.len() {
        return Err(format!(
            "{} produced {produced} bytes, header says {}",
            Codec::tag_name(tag),
            dst.len()
        ));
    }
    Ok(())
}

/// LZ4's acceleration for level `level` of our writer. ROOT writes levels 1-3 with LZ4's
/// fast mode (acceleration 1) and 4-9 with LZ4-HC; we write level 4 and above like ROOT's
/// fast mode and use the low levels for speed: measured on generated Drell-Yan baskets,
/// level 1 (acceleration 16) takes about a third of the instructions of acceleration 1
/// (callgrind) for ~30% larger blocks. Every level decompresses the same way.
fn lz4_acceleration(level: u32) -> i32 {
    match level {
        0 | 1 => 16,
        2 => 8,
        3 => 4,
        _ => 1,
    }
}

/// Appends one ROOT LZ4 block body to `out`: the xxhash64 of the compressed bytes, then
/// the bytes, compressed by liblz4 straight into `out`'s spare capacity.
fn compress_lz4(level: u32, block: &[u8], out: &mut Vec<u8>) -> Option<()> {
    use std::ffi::c_int;
    let len = c_int::try_from(block.len()).ok()?;
    // SAFETY: a pure function of its argument.
    let bound = unsafe { lz4_sys::LZ4_compressBound(len) };
    let at = out.len();
    out.extend_from_slice(&[0; LZ4_CHECKSUM]);
    out.reserve(usize::try_from(bound).ok().filter(|&b| b > 0)?);
    let dst = out.spare_capacity_mut().as_mut_ptr();
    // SAFETY: `block` is `len` readable bytes and `dst` has room for `bound` bytes (reserved
    // above); liblz4 writes at most `bound` bytes there and returns how many (0 on failure).
    let n = unsafe {
        lz4_sys::LZ4_compress_fast(
            block.as_ptr().cast(),
            dst.cast(),
            len,
            bound,
            lz4_acceleration(level),
        )
    };
    let n = usize::try_from(n).ok().filter(|&n| n > 0)?;
    // SAFETY: liblz4 initialised these `n` bytes of the spare capacity.
    unsafe { out.set_len(at + LZ4_CHECKSUM + n) };
    let sum = xxhash_rust::xxh64::xxh64(&out[at + LZ4_CHECKSUM..], 0);
    out[at..at + LZ4_CHECKSUM].copy_from_slice(&sum.to_be_bytes());
    Some(())
}

/// Compresses `data` into ROOT blocks with `codec`. Returns `None` when the codec is
/// [`Codec::None`] or compression does not make the data smaller (ROOT then stores
/// the object uncompressed).
pub fn compress(codec: Codec, data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    compress_into(codec, data, &mut out).then_some(out)
}

thread_local! {
    /// One libdeflate compressor per thread, with its level.
    static ZLIB_ENCODER: RefCell<Option<(u32, libdeflater::Compressor)>> = const { RefCell::new(None) };
    /// One zstd context per thread, with its level and an output buffer (written without
    /// zero-filling it first).
    static ZSTD_ENCODER: RefCell<Option<(u32, zstd::bulk::Compressor<'static>, Vec<u8>)>> = const { RefCell::new(None) };
}

/// Appends `data` compressed into ROOT blocks with `codec` to `out` and returns true; returns
/// false with `out` unchanged when the codec is [`Codec::None`] or compression does not make
/// the data smaller (ROOT then stores the object uncompressed). Encoders are kept per thread.
pub fn compress_into(codec: Codec, data: &[u8], out: &mut Vec<u8>) -> bool {
    if matches!(codec, Codec::None) || data.is_empty() {
        return false;
    }
    let base = out.len();
    let ok = compress_blocks(codec, data, out).is_some() && out.len() - base < data.len();
    if !ok {
        out.truncate(base);
    }
    ok
}

fn compress_blocks(codec: Codec, data: &[u8], out: &mut Vec<u8>) -> Option<()> {
    out.reserve(data.len() / 2 + 64);
    for block in data.chunks(MAX_BLOCK) {
        let start = out.len();
        out.extend_from_slice(&[0; HEADER]);
        let at = out.len();
        let (tag, method): (&[u8; 2], u8) = match codec {
            Codec::Zlib(level) => {
                ZLIB_ENCODER.with(|cell| -> Option<()> {
                    let mut cell = cell.borrow_mut();
                    if cell.as_ref().is_none_or(|(l, _)| *l != level) {
                        let lvl = libdeflater::CompressionLvl::new(level as i32).ok()?;
                        *cell = Some((level, libdeflater::Compressor::new(lvl)));
                    }
                    let (_, c) = cell.as_mut().expect("initialised above");
                    out.resize(at + c.zlib_compress_bound(block.len()), 0);
                    let n = c.zlib_compress(block, &mut out[at..]).ok()?;
                    out.truncate(at + n);
                    Some(())
                })?;
                (b"ZL", 8)
            }
            Codec::Lzma(level) => {
                compress_xz(level, block, out)?;
                (b"XZ", 0)
            }
            Codec::Lz4(level) => {
                compress_lz4(level, block, out)?;
                (b"L4", 1)
            }
            Codec::Zstd(level) => {
                ZSTD_ENCODER.with(|cell| -> Option<()> {
                    let mut cell = cell.borrow_mut();
                    if cell.as_ref().is_none_or(|(l, _, _)| *l != level) {
                        let c = zstd::bulk::Compressor::new(level as i32).ok()?;
                        *cell = Some((level, c, Vec::new()));
                    }
                    let (_, c, packed) = cell.as_mut().expect("initialised above");
                    packed.clear();
                    packed.reserve(zstd::zstd_safe::compress_bound(block.len()));
                    c.compress_to_buffer(block, packed).ok()?;
                    out.extend_from_slice(packed);
                    Some(())
                })?;
                (b"ZS", 1)
            }
            Codec::None => unreachable!("handled by compress_into"),
        };
        let csize = out.len() - start - HEADER;
        if csize >= block.len() || csize > MAX_BLOCK {
            return None;
        }
        let h = &mut out[start..start + HEADER];
        h[..2].copy_from_slice(tag);
        h[2] = method;
        h[3..6].copy_from_slice(&(csize as u32).to_le_bytes()[..3]);
        h[6..9].copy_from_slice(&(block.len() as u32).to_le_bytes()[..3]);
    }
    Some(())
}

/// One `.xz` stream (CRC32 check) of `block` with LZMA2 at preset `level`, appended to `out`.
/// The dictionary is no larger than the block (at least 4 KiB): a bigger one cannot find
/// more matches but costs the encoder its full size in match-finder tables per block (674 MiB
/// at level 9), which made level 9 hundreds of times slower on basket-sized blocks.
fn compress_xz(level: u32, block: &[u8], out: &mut Vec<u8>) -> Option<()> {
    use liblzma::stream::{Action, Check, Filters, LzmaOptions, Status, Stream};
    let mut opts = LzmaOptions::new_preset(level).ok()?;
    let preset_dict = opts_dict_size(level);
    let fit = (block.len() as u32).next_power_of_two().max(4096);
    opts.dict_size(preset_dict.min(fit));
    let mut filters = Filters::new();
    filters.lzma2(&opts);
    let mut enc = Stream::new_stream_encoder(&filters, Check::Crc32).ok()?;
    // Output capacity for an incompressible block; the caller rejects any larger result.
    out.reserve(block.len() + 1024);
    let status = enc.process_vec(block, out, Action::Finish).ok()?;
    (status == Status::StreamEnd).then_some(())
}

/// Dictionary size of the liblzma preset `level` (0-9).
fn opts_dict_size(level: u32) -> u32 {
    const MIB: u32 = 1 << 20;
    match level {
        0 => 256 * 1024,
        1 => MIB,
        2 => 2 * MIB,
        3 | 4 => 4 * MIB,
        5 | 6 => 8 * MIB,
        7 => 16 * MIB,
        8 => 32 * MIB,
        _ => 64 * MIB,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        (0..100_000u32)
            .flat_map(|i| (i % 1000).to_be_bytes())
            .collect()
    }

    #[test]
    fn every_codec_round_trips() {
        let data = sample();
        for codec in ["zlib:1", "zlib:9", "lzma:9", "lz4", "zstd:5"] {
            let codec: Codec = codec.parse().unwrap();
            let packed = compress(codec, &data).expect("compressible");
            assert!(packed.len() < data.len());
            let mut out = vec![0; data.len()];
            decompress_into(&packed, &mut out).unwrap();
            assert_eq!(out, data, "{codec}");
        }
    }

    #[test]
    fn corrupt_blocks_are_errors() {
        let data = sample();
        for codec in ["zlib", "lzma", "lz4", "zstd"] {
            let packed = compress(codec.parse().unwrap(), &data).unwrap();
            let mut out = vec![0; data.len()];
            assert!(decompress_into(&packed[..packed.len() / 2], &mut out).is_err());
            let mut flipped = packed.clone();
            let mid = flipped.len() / 2;
            flipped[mid] ^= 0x55;
            // A flip may still decode (zlib without a distance error), but must not panic.
            let _ = decompress_into(&flipped, &mut out);
        }
    }

    #[test]
    fn compress_into_appends_or_leaves_output_alone() {
        let data = sample();
        // Pseudo-random bytes do not compress: output unchanged, nothing appended.
        let noise: Vec<u8> = (0..10_000u64)
            .map(|i| (xxhash_rust::xxh64::xxh64(&i.to_le_bytes(), 0) >> 7) as u8)
            .collect();
        for codec in ["zlib:1", "lzma:9", "lz4", "zstd:3", "zstd:5"] {
            let codec: Codec = codec.parse().unwrap();
            let mut out = b"prefix".to_vec();
            assert!(compress_into(codec, &data, &mut out), "{codec}");
            assert_eq!(&out[..6], b"prefix");
            assert_eq!(out[6..], compress(codec, &data).unwrap()[..], "{codec}");
            let mut back = vec![0; data.len()];
            decompress_into(&out[6..], &mut back).unwrap();
            assert_eq!(back, data, "{codec}");
            assert!(!compress_into(codec, &noise, &mut out), "{codec}");
            assert_eq!(out.len(), 6 + compress(codec, &data).unwrap().len());
        }
        assert!(!compress_into(Codec::None, &data, &mut Vec::new()));
    }

    #[test]
    fn codec_names_parse() {
        assert_eq!("zlib:1".parse::<Codec>().unwrap(), Codec::Zlib(1));
        assert_eq!("LZMA".parse::<Codec>().unwrap(), Codec::Lzma(9));
        assert_eq!("zstd:0".parse::<Codec>().unwrap(), Codec::None);
        assert!("gzip".parse::<Codec>().is_err());
        assert_eq!(Codec::Lzma(9).root_code(), 209);
    }
}
