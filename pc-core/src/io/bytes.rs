//! A bounds-checked big-endian cursor over an in-memory ROOT buffer.
//!
//! Every read returns an error instead of panicking when the buffer is too short,
//! so corrupt or truncated files surface as [`super::IoError::Corrupt`].

/// `0x40000000`: set in a byte count to mark it as such.
pub const BYTE_COUNT_MASK: u32 = 0x4000_0000;
/// Tag announcing a class name that follows.
pub const NEW_CLASS_TAG: u32 = 0xFFFF_FFFF;
/// Set in a tag that refers to an earlier class.
pub const CLASS_MASK: u32 = 0x8000_0000;
/// Offset added to buffer positions in ROOT's reference map.
pub const MAP_OFFSET: usize = 2;

/// Big-endian cursor; `origin` is the position of the buffer's first byte in ROOT's
/// reference numbering (the key length of the object being read).
#[derive(Clone)]
pub struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    origin: usize,
}

pub type CursorResult<T> = Result<T, String>;

macro_rules! be_reader {
    ($($name:ident -> $t:ty),* $(,)?) => {
        $(
            #[doc = concat!("Reads a big-endian `", stringify!($t), "`.")]
            pub fn $name(&mut self) -> CursorResult<$t> {
                let b = self.take(std::mem::size_of::<$t>())?;
                Ok(<$t>::from_be_bytes(b.try_into().expect("size checked")))
            }
        )*
    };
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `buf`, whose first byte has reference position `origin`.
    pub fn new(buf: &'a [u8], origin: usize) -> Cursor<'a> {
        Cursor {
            buf,
            pos: 0,
            origin,
        }
    }

    /// Current position within the buffer.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Position in ROOT's reference numbering (buffer position plus origin).
    pub fn ref_pos(&self) -> usize {
        self.pos + self.origin
    }

    /// Moves to an absolute buffer position.
    pub fn seek(&mut self, pos: usize) -> CursorResult<()> {
        if pos > self.buf.len() {
            return Err(format!(
                "seek to byte {pos} past the end of a {}-byte buffer",
                self.buf.len()
            ));
        }
        self.pos = pos;
        Ok(())
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize) -> CursorResult<()> {
        self.take(n).map(|_| ())
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> CursorResult<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        match end {
            Some(end) => {
                let out = &self.buf[self.pos..end];
                self.pos = end;
                Ok(out)
            }
            None => Err(format!(
                "needs {n} bytes at byte {} of a {}-byte buffer",
                self.pos,
                self.buf.len()
            )),
        }
    }

    be_reader!(u8 -> u8, i16 -> i16, u16 -> u16, i32 -> i32, u32 -> u32, i64 -> i64, f64 -> f64);

    /// Reads a bool stored as one byte.
    pub fn bool(&mut self) -> CursorResult<bool> {
        Ok(self.u8()? != 0)
    }

    /// Reads a TString: a 1-byte length (or 255 then a 4-byte length), then the bytes.
    pub fn string(&mut self) -> CursorResult<String> {
        let mut n = self.u8()? as usize;
        if n == 255 {
            n = self.u32()? as usize;
        }
        Ok(String::from_utf8_lossy(self.take(n)?).into_owned())
    }

    /// Reads a NUL-terminated C string.
    pub fn cstring(&mut self) -> CursorResult<String> {
        let rest = &self.buf[self.pos..];
        let n = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or("unterminated class name")?;
        let s = String::from_utf8_lossy(&rest[..n]).into_owned();
        self.pos += n + 1;
        Ok(s)
    }

    /// Reads a 32- or 64-bit file offset.
    pub fn seek_field(&mut self, wide: bool) -> CursorResult<u64> {
        if wide {
            let v = self.i64()?;
            u64::try_from(v).map_err(|_| format!("negative file offset {v}"))
        } else {
            let v = self.i32()?;
            u64::try_from(v).map_err(|_| format!("negative file offset {v}"))
        }
    }

    /// Reads an object header (byte count and version). Returns the version and the
    /// buffer position just past the object, when a byte count is present.
    pub fn object_header(&mut self) -> CursorResult<(u16, Option<usize>)> {
        let start = self.pos;
        let first = self.u32()?;
        if first & BYTE_COUNT_MASK != 0 {
            let count = (first & !BYTE_COUNT_MASK) as usize;
            let version = self.u16()?;
            Ok((version, Some(start + 4 + count)))
        } else {
            // No byte count: the first two bytes were the version.
            self.pos = start;
            Ok((self.u16()?, None))
        }
    }

    /// Reads a TObject: version, fUniqueID, fBits (and the 2-byte process id if referenced).
    pub fn tobject(&mut self) -> CursorResult<()> {
        let version = self.u16()?;
        if version & 0x4000 != 0 {
            self.skip(4)?;
        }
        let _unique_id = self.u32()?;
        let bits = self.u32()?;
        if bits & (1 << 4) != 0 {
            self.skip(2)?;
        }
        Ok(())
    }

    /// Reads a TNamed (header, TObject, fName, fTitle); returns (name, title).
    pub fn tnamed(&mut self) -> CursorResult<(String, String)> {
        let (_, end) = self.object_header()?;
        self.tobject()?;
        let name = self.string()?;
        let title = self.string()?;
        if let Some(end) = end {
            self.seek(end)?;
        }
        Ok((name, title))
    }

    /// Skips a versioned object that carries a byte count.
    pub fn skip_object(&mut self, what: &str) -> CursorResult<()> {
        match self.object_header()? {
            (_, Some(end)) => self.seek(end),
            (_, None) => Err(format!("{what} has no byte count")),
        }
    }

    /// Reads a big-endian array prefixed by a one-byte "speed bump".
    pub fn array_i64(&mut self, n: usize, speedbump: bool) -> CursorResult<Vec<i64>> {
        if speedbump {
            self.skip(1)?;
        }
        (0..n).map(|_| self.i64()).collect()
    }

    /// Reads `n` big-endian i32 values.
    pub fn array_i32(&mut self, n: usize) -> CursorResult<Vec<i32>> {
        let bytes = self.take(n.checked_mul(4).ok_or("array size overflow")?)?;
        Ok(bytes
            .chunks_exact(4)
            .map(|c| i32::from_be_bytes(c.try_into().expect("4 bytes")))
            .collect())
    }
}
