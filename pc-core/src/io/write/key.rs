//! `TKey` headers (always the 64-bit-seek form, version 1004), ROOT's packed date/time and
//! the file UUID.

use std::time::{SystemTime, UNIX_EPOCH};

use super::buffer::{Buf, tstring_len};

/// `TKey` class version 4, plus 1000 for 64-bit seeks.
const KEY_VERSION: i16 = 1004;
/// Size of the fixed fields of a 64-bit key header.
const KEY_FIXED_LEN: usize = 4 + 2 + 4 + 4 + 2 + 2 + 8 + 8;

/// The header in front of every object (and basket) stored in the file.
#[derive(Clone, Debug)]
pub(super) struct KeyHeader {
    /// Total bytes on disk: header plus (possibly compressed) object.
    pub nbytes: i32,
    /// Uncompressed object length.
    pub objlen: i32,
    pub datime: u32,
    pub cycle: i16,
    pub seek_key: u64,
    pub seek_pdir: u64,
    pub class: String,
    pub name: String,
    pub title: String,
    /// Bytes of class-specific header that follow the key and count in `fKeylen`
    /// (the `TBasket` fields for baskets, 0 otherwise).
    pub extra: usize,
}

impl KeyHeader {
    /// Length of this header on disk (`fKeylen`).
    pub fn len(&self) -> usize {
        key_len(&self.class, &self.name, &self.title) + self.extra
    }

    /// Appends the header to `buf`.
    pub fn write(&self, buf: &mut Buf) {
        buf.i32(self.nbytes);
        buf.i16(KEY_VERSION);
        buf.i32(self.objlen);
        buf.u32(self.datime);
        buf.i16(self.len() as i16);
        buf.i16(self.cycle);
        buf.i64(self.seek_key as i64);
        buf.i64(self.seek_pdir as i64);
        buf.tstring(&self.class);
        buf.tstring(&self.name);
        buf.tstring(&self.title);
    }

    /// The header as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut buf = Buf::new(0);
        self.write(&mut buf);
        buf.into_bytes()
    }
}

/// `fKeylen` of a key with these strings.
pub(super) fn key_len(class: &str, name: &str, title: &str) -> usize {
    KEY_FIXED_LEN + tstring_len(class) + tstring_len(name) + tstring_len(title)
}

/// The current time in ROOT's `TDatime` packing (UTC):
/// `(year - 1995) << 26 | month << 22 | day << 17 | hour << 12 | minute << 6 | second`.
pub(super) fn datime_now() -> u32 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    datime(secs)
}

/// `TDatime` packing of a Unix time.
pub(super) fn datime(unix_secs: u64) -> u32 {
    let days = (unix_secs / 86_400) as i64;
    let rem = unix_secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    let year = (year - 1995).clamp(0, 63) as u32;
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    year << 26 | month << 22 | day << 17 | (h as u32) << 12 | (m as u32) << 6 | s as u32
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A version-4-style random UUID, seeded from the time, the process and `salt`.
pub(super) fn uuid(salt: &str) -> [u8; 16] {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    uuid_from(format!("{nanos}/{}/{salt}", std::process::id()).as_bytes())
}

/// A version-4-style UUID that is a hash of `seed`.
pub(super) fn uuid_from(seed: &[u8]) -> [u8; 16] {
    let a = xxhash_rust::xxh64::xxh64(seed, 1);
    let b = xxhash_rust::xxh64::xxh64(seed, 2);
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&a.to_be_bytes());
    out[8..].copy_from_slice(&b.to_be_bytes());
    out[6] = (out[6] & 0x0F) | 0x40;
    out[8] = (out[8] & 0x3F) | 0x80;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datime_packs_calendar_fields() {
        // 2024-02-29 13:14:15 UTC
        let t = 1_709_212_455;
        let d = datime(t);
        assert_eq!(d >> 26, 2024 - 1995);
        assert_eq!(d >> 22 & 0xF, 2);
        assert_eq!(d >> 17 & 0x1F, 29);
        assert_eq!(d >> 12 & 0x1F, 13);
        assert_eq!(d >> 6 & 0x3F, 14);
        assert_eq!(d & 0x3F, 15);
    }

    #[test]
    fn key_length_matches_serialisation() {
        let key = KeyHeader {
            nbytes: 0,
            objlen: 0,
            datime: 0,
            cycle: 1,
            seek_key: 0,
            seek_pdir: 100,
            class: "TTree".into(),
            name: "Events".into(),
            title: "Events".into(),
            extra: 0,
        };
        assert_eq!(key.to_bytes().len(), key.len());
    }
}
