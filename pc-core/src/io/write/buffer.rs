//! A big-endian output buffer that knows ROOT's object framing.
//!
//! ROOT streams objects into one buffer per key. Positions inside that buffer start at the
//! beginning of the key (the key header occupies the first `fKeylen` bytes), and object and
//! class references are those positions plus `kMapOffset` (2). [`Buf`] keeps an `origin`
//! (the key length) so that [`Buf::pos`] returns such positions while only the object part
//! is stored.

use std::collections::HashMap;

/// Set in a byte-count word to mark it as a byte count.
const BYTE_COUNT_MASK: u32 = 0x4000_0000;
/// Tag that introduces a class name on its first use in a buffer.
const NEW_CLASS_TAG: u32 = 0xFFFF_FFFF;
/// Set in a tag word that refers back to a class written earlier in the buffer.
const CLASS_MASK: u32 = 0x8000_0000;
/// Offset added to buffer positions in references so that 0 can mean "null".
const MAP_OFFSET: u32 = 2;

/// `TObject::fBits` of objects as ROOT writes them from the heap (`kIsOnHeap | kNotDeleted`).
pub(super) const OBJECT_BITS: u32 = 0x0300_0000;

/// A position reserved for a byte count, to be filled by [`Buf::end`].
#[must_use = "every begun object must be ended"]
pub(super) struct Mark(usize);

/// Big-endian serialisation buffer for one key's object.
pub(super) struct Buf {
    data: Vec<u8>,
    origin: usize,
    classes: HashMap<&'static str, u32>,
}

impl Buf {
    /// An empty buffer whose first byte sits at position `origin` of the key buffer.
    pub(super) fn new(origin: usize) -> Buf {
        Buf {
            data: Vec::with_capacity(4096),
            origin,
            classes: HashMap::new(),
        }
    }

    /// A buffer that appends to `data` (whose existing bytes are kept), with the next byte at
    /// position `origin + data.len()`.
    pub(super) fn wrap(data: Vec<u8>, origin: usize) -> Buf {
        Buf {
            data,
            origin,
            classes: HashMap::new(),
        }
    }

    /// The serialised bytes (without the key header).
    pub(super) fn into_bytes(self) -> Vec<u8> {
        self.data
    }

    /// Position of the next byte in the key buffer (key header included).
    pub(super) fn pos(&self) -> usize {
        self.origin + self.data.len()
    }

    pub(super) fn bytes(&mut self, b: &[u8]) {
        self.data.extend_from_slice(b);
    }

    pub(super) fn u8(&mut self, v: u8) {
        self.data.push(v);
    }

    pub(super) fn i16(&mut self, v: i16) {
        self.bytes(&v.to_be_bytes());
    }

    pub(super) fn u16(&mut self, v: u16) {
        self.bytes(&v.to_be_bytes());
    }

    pub(super) fn i32(&mut self, v: i32) {
        self.bytes(&v.to_be_bytes());
    }

    pub(super) fn u32(&mut self, v: u32) {
        self.bytes(&v.to_be_bytes());
    }

    pub(super) fn i64(&mut self, v: i64) {
        self.bytes(&v.to_be_bytes());
    }

    pub(super) fn f32(&mut self, v: f32) {
        self.bytes(&v.to_be_bytes());
    }

    pub(super) fn f64(&mut self, v: f64) {
        self.bytes(&v.to_be_bytes());
    }

    /// A `TString`: one length byte (or 255 and a 4-byte length), then the bytes.
    pub(super) fn tstring(&mut self, s: &str) {
        if s.len() < 255 {
            self.u8(s.len() as u8);
        } else {
            self.u8(255);
            self.u32(s.len() as u32);
        }
        self.bytes(s.as_bytes());
    }

    /// Starts a versioned object: reserves its byte count and writes `version`.
    pub(super) fn begin(&mut self, version: i16) -> Mark {
        let mark = Mark(self.data.len());
        self.u32(0);
        self.i16(version);
        mark
    }

    /// Fills the byte count reserved at `mark` with the number of bytes written since.
    pub(super) fn end(&mut self, mark: Mark) {
        let count = (self.data.len() - mark.0 - 4) as u32 | BYTE_COUNT_MASK;
        self.data[mark.0..mark.0 + 4].copy_from_slice(&count.to_be_bytes());
    }

    /// Starts a polymorphic object pointer (`TObject*` in a collection): byte count and class
    /// tag. The class name is written on its first use in this buffer, later uses refer back.
    /// Returns the mark to end and the reference other pointers to this object must use.
    pub(super) fn begin_any(&mut self, class: &'static str) -> (Mark, u32) {
        let object_ref = self.pos() as u32 + MAP_OFFSET;
        let mark = Mark(self.data.len());
        self.u32(0);
        match self.classes.get(class) {
            Some(&class_ref) => self.u32(class_ref | CLASS_MASK),
            None => {
                let class_ref = self.pos() as u32 + MAP_OFFSET;
                self.classes.insert(class, class_ref);
                self.u32(NEW_CLASS_TAG);
                self.bytes(class.as_bytes());
                self.u8(0);
            }
        }
        (mark, object_ref)
    }

    /// A pointer to an object already written in this buffer (its [`Buf::begin_any`] reference),
    /// or a null pointer for 0.
    pub(super) fn object_ref(&mut self, object_ref: u32) {
        self.u32(object_ref);
    }

    /// A `TObject` base: version 1, `fUniqueID` 0 and `fBits`.
    pub(super) fn tobject(&mut self, bits: u32) {
        self.i16(1);
        self.u32(0);
        self.u32(bits);
    }

    /// A `TNamed` base: byte count, version 1, `TObject`, name and title.
    pub(super) fn tnamed(&mut self, name: &str, title: &str, bits: u32) {
        let mark = self.begin(1);
        self.tobject(bits);
        self.tstring(name);
        self.tstring(title);
        self.end(mark);
    }
}

/// Serialised size of a `TString`.
pub(super) fn tstring_len(s: &str) -> usize {
    if s.len() < 255 {
        1 + s.len()
    } else {
        5 + s.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_and_class_references() {
        let mut b = Buf::new(100);
        let (outer, first) = b.begin_any("TLeafF");
        let m = b.begin(1);
        b.u8(7);
        b.end(m);
        b.end(outer);
        assert_eq!(first, 102);
        // byte count: tag (4) + name (7) + object (4 + 2 + 1)
        assert_eq!(&b.data[..4], &(0x4000_0000u32 | 18).to_be_bytes());
        let (again, second) = b.begin_any("TLeafF");
        b.end(again);
        assert_eq!(second as usize, 100 + 22 + 2);
        // refers back to the first class tag at position 104 (+2)
        assert_eq!(&b.data[26..30], &(0x8000_0000u32 | 106).to_be_bytes());
    }

    #[test]
    fn long_strings_use_the_long_form() {
        let mut b = Buf::new(0);
        let s = "x".repeat(300);
        b.tstring(&s);
        assert_eq!(b.data.len(), tstring_len(&s));
        assert_eq!(&b.data[..5], &[255, 0, 0, 1, 44]);
    }
}
