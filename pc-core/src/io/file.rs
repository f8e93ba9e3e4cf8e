//! The ROOT file container: header, top directory and keys.
//!
//! Only metadata is read at open time (a few kilobytes); object payloads are read on
//! demand with positioned reads, so one [`RootFile`] can be shared by many threads.

use std::cell::RefCell;
use std::fs::{File, FileType, Metadata, OpenOptions};
use std::os::unix::fs::{FileExt, FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::bytes::Cursor;
use super::codec;
use super::error::{IoError, Result};
use super::tree::Tree;

/// One entry of a directory's key list.
#[derive(Clone, Debug)]
pub struct KeyInfo {
    pub name: String,
    pub title: String,
    pub class_name: String,
    pub cycle: i16,
    /// Position of the key header in the file.
    pub seek_key: u64,
    /// Size of the key header plus the (compressed) payload.
    pub nbytes: u32,
    /// Size of the uncompressed payload.
    pub objlen: u32,
    pub keylen: u16,
}

/// An open ROOT file: the OS handle plus the parsed top-level key list.
#[derive(Clone)]
pub struct RootFile {
    pub(crate) inner: Arc<FileHandle>,
    keys: Vec<KeyInfo>,
    uuid: [u8; 16],
}

/// The file header fields the reader uses.
struct Header {
    /// `fBEGIN`: the position of the first key (the TFile key).
    begin: u64,
    /// `fUUID` (without its 2-byte version).
    uuid: [u8; 16],
}

/// The shared OS handle; reads are positioned (`pread`), so it is `Send + Sync`.
pub(crate) struct FileHandle {
    pub path: PathBuf,
    file: File,
    pub len: u64,
}

impl FileHandle {
    /// Reads exactly `len` bytes at `pos`, or says how the file is too short.
    pub fn read_at(&self, pos: u64, len: usize) -> Result<Vec<u8>> {
        self.check_range(pos, len)?;
        let mut buf = vec![0u8; len];
        self.file
            .read_exact_at(&mut buf, pos)
            .map_err(|source| IoError::Os {
                path: self.path.clone(),
                source,
            })?;
        Ok(buf)
    }

    /// Calls `f` with the `len` bytes at `pos`, read into a per-thread scratch buffer
    /// that is reused from call to call (no allocation or zeroing on the hot path).
    /// `f` must not read from a file itself.
    pub fn with_bytes<T>(&self, pos: u64, len: usize, f: impl FnOnce(&[u8]) -> T) -> Result<T> {
        thread_local! {
            static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        }
        self.check_range(pos, len)?;
        SCRATCH.with(|s| {
            let mut buf = s.borrow_mut();
            if buf.len() < len {
                buf.resize(len, 0);
            }
            let result = self
                .file
                .read_exact_at(&mut buf[..len], pos)
                .map_err(|source| IoError::Os {
                    path: self.path.clone(),
                    source,
                })
                .map(|()| f(&buf[..len]));
            release_if_large(&mut buf);
            result
        })
    }

    /// Calls `f` with the payload of the keyed object at `at`, decompressed if it is
    /// compressed. Like [`FileHandle::with_bytes`], the stored bytes and the decompressed
    /// ones go to per-thread buffers reused from call to call: opening file after file
    /// (a NanoAOD TTree record is megabytes) allocates no new memory for them. `f` must
    /// not read from a file itself.
    pub fn with_payload<T>(&self, at: ObjectAt, f: impl FnOnce(&[u8]) -> T) -> Result<T, String> {
        thread_local! {
            static PAYLOAD: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        }
        let stored = (at.nbytes as usize)
            .checked_sub(at.keylen as usize)
            .ok_or("key is longer than the object")?;
        let objlen = at.objlen as usize;
        let read = self.with_bytes(
            at.seek.saturating_add(u64::from(at.keylen)),
            stored,
            |raw| {
                if stored == objlen {
                    return Ok(f(raw));
                }
                codec::check_blocks(raw, objlen)?;
                PAYLOAD.with(|p| {
                    let mut buf = p.borrow_mut();
                    if buf.len() < objlen {
                        buf.resize(objlen, 0);
                    }
                    let result =
                        codec::decompress_into(raw, &mut buf[..objlen]).map(|()| f(&buf[..objlen]));
                    release_if_large(&mut buf);
                    result
                })
            },
        );
        read.map_err(|e| e.to_string())?
    }

    fn check_range(&self, pos: u64, len: usize) -> Result<()> {
        if pos.checked_add(len as u64).is_none_or(|e| e > self.len) {
            return Err(self.corrupt(format!(
                "needs bytes {pos}..{} but the file has {} bytes (truncated?)",
                pos.saturating_add(len as u64),
                self.len
            )));
        }
        Ok(())
    }

    pub fn corrupt(&self, what: impl Into<String>) -> IoError {
        IoError::Corrupt {
            path: self.path.clone(),
            what: what.into(),
        }
    }
}

/// Per-thread read buffers larger than this are freed after use rather than kept.
const KEEP_BUFFER_BYTES: usize = 16 << 20;

fn release_if_large(buf: &mut Vec<u8>) {
    if buf.len() > KEEP_BUFFER_BYTES {
        *buf = Vec::new();
    }
}

/// Where a keyed object is: its key's position and sizes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ObjectAt {
    pub seek: u64,
    /// Key header plus stored payload.
    pub nbytes: u32,
    /// Uncompressed payload.
    pub objlen: u32,
    pub keylen: u16,
}

impl From<&KeyInfo> for ObjectAt {
    fn from(k: &KeyInfo) -> ObjectAt {
        ObjectAt {
            seek: k.seek_key,
            nbytes: k.nbytes,
            objlen: k.objlen,
            keylen: k.keylen,
        }
    }
}

/// A key header as stored in front of every object.
pub(crate) struct KeyHeader {
    pub nbytes: u32,
    pub objlen: u32,
    pub keylen: u16,
    pub cycle: i16,
    pub seek_key: u64,
    pub class_name: String,
    pub name: String,
    pub title: String,
}

impl KeyHeader {
    pub fn read(c: &mut Cursor<'_>) -> Result<KeyHeader, String> {
        let nbytes = c.i32()?;
        let version = c.i16()?;
        let objlen = c.i32()?;
        let _datime = c.u32()?;
        let keylen = c.i16()?;
        let cycle = c.i16()?;
        let wide = version > 1000;
        let seek_key = c.seek_field(wide)?;
        let _seek_pdir = c.seek_field(wide)?;
        let class_name = c.string()?;
        let name = c.string()?;
        let title = c.string()?;
        if nbytes < 0 || objlen < 0 || keylen < 0 {
            return Err(format!(
                "key `{name}` has negative sizes (nbytes {nbytes}, objlen {objlen}, keylen {keylen})"
            ));
        }
        Ok(KeyHeader {
            nbytes: nbytes as u32,
            objlen: objlen as u32,
            keylen: keylen as u16,
            cycle,
            seek_key,
            class_name,
            name,
            title,
        })
    }
}

impl RootFile {
    /// Opens a file and reads its header and top-level keys. Anything but a regular file
    /// (a FIFO, a device, a socket, a directory) is an error before it is opened.
    pub fn open(path: impl AsRef<Path>) -> Result<RootFile> {
        let path = path.as_ref().to_path_buf();
        let (file, len) = open_regular(&path)?;
        let handle = FileHandle { path, file, len };
        let header = read_header(&handle)?;
        let keys = read_top_keys(&handle, header.begin)?;
        Ok(RootFile {
            inner: Arc::new(handle),
            keys,
            uuid: header.uuid,
        })
    }

    /// The file's UUID (`TFile::fUUID`) as stored in the file header.
    pub fn uuid(&self) -> [u8; 16] {
        self.uuid
    }

    /// The file's UUID in the usual 8-4-4-4-12 lower-case hex form.
    pub fn uuid_string(&self) -> String {
        let hex: String = self.uuid.iter().map(|b| format!("{b:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The top directory's keys (all cycles).
    pub fn keys(&self) -> &[KeyInfo] {
        &self.keys
    }

    /// Names of the TTrees in the top directory (highest cycle only), in key order.
    pub fn tree_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for k in self.keys.iter().filter(|k| k.class_name == "TTree") {
            if !names.contains(&k.name) {
                names.push(k.name.clone());
            }
        }
        names
    }

    /// Opens the TTree `name` (its highest cycle): parses branches and leaves, and locates
    /// their basket tables (parsed when a branch is read).
    pub fn tree(&self, name: &str) -> Result<Tree> {
        let key = self
            .keys
            .iter()
            .filter(|k| k.name == name && k.class_name == "TTree")
            .max_by_key(|k| k.cycle)
            .ok_or_else(|| IoError::MissingTree {
                path: self.inner.path.clone(),
                tree: name.to_string(),
                available: self.tree_names().join(", "),
            })?;
        let at = ObjectAt::from(key);
        self.inner
            .with_payload(at, |payload| {
                Tree::parse(self.inner.clone(), name, payload, at)
            })
            .map_err(|e| self.inner.corrupt(format!("object `{}`: {e}", key.name)))?
    }
}

/// Opens `path` read-only if it is a regular file. It is `stat`ed first, since opening a
/// FIFO for reading blocks until a writer comes; the open itself is non-blocking (and takes
/// no controlling terminal) and the opened file is checked again, in case the path was
/// replaced between the two calls. Returns the file and its length.
fn open_regular(path: &Path) -> Result<(File, u64)> {
    let os = |source| IoError::Os {
        path: path.to_path_buf(),
        source,
    };
    check_regular(path, &std::fs::metadata(path).map_err(os)?)?;
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(os)?;
    let meta = file.metadata().map_err(os)?;
    check_regular(path, &meta)?;
    Ok((file, meta.len()))
}

/// An error unless `meta` describes a regular file.
fn check_regular(path: &Path, meta: &Metadata) -> Result<()> {
    match file_kind(meta.file_type()) {
        None => Ok(()),
        Some(kind) => Err(IoError::NotRegularFile {
            path: path.to_path_buf(),
            kind,
        }),
    }
}

/// What a file type is, unless it is a regular file.
fn file_kind(t: FileType) -> Option<&'static str> {
    Some(if t.is_file() {
        return None;
    } else if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    })
}

/// Reads the file header: magic, `fBEGIN` and `fUUID`. Files of `fVersion` >= 1000000 use
/// 64-bit `fEND`, `fSeekFree` and `fSeekInfo`, which moves the UUID from byte 47 to 59.
fn read_header(h: &FileHandle) -> Result<Header> {
    let head = h
        .read_at(0, 75.min(h.len as usize))
        .map_err(|_| IoError::NotRoot {
            path: h.path.clone(),
        })?;
    if head.len() < 12 || &head[..4] != b"root" {
        return Err(IoError::NotRoot {
            path: h.path.clone(),
        });
    }
    let mut c = Cursor::new(&head, 0);
    (|| -> Result<Header, String> {
        c.seek(4)?;
        let version = c.i32()?;
        // fBEGIN, then fEND, fSeekFree (4 or 8 bytes each), fNbytesFree, nfree,
        // fNbytesName, fUnits, fCompress, fSeekInfo (4 or 8), fNbytesInfo, fUUID.
        let begin = c.i32()?;
        let begin = u64::try_from(begin).map_err(|_| format!("fBEGIN {begin}"))?;
        let wide = version >= 1_000_000;
        c.seek(if wide { 57 } else { 45 })?;
        let _uuid_version = c.u16()?;
        let uuid = c
            .take(16)?
            .try_into()
            .map_err(|_| "fUUID is not 16 bytes".to_string())?;
        Ok(Header { begin, uuid })
    })()
    .map_err(|e| h.corrupt(format!("file header: {e}")))
}

/// Reads the top directory's key list, behind the TFile key at `begin`.
fn read_top_keys(h: &FileHandle, begin: u64) -> Result<Vec<KeyInfo>> {
    // The first key describes the file itself; the TDirectory record follows its name.
    let first = h.read_at(begin, 4096.min((h.len - begin.min(h.len)) as usize))?;
    let mut c = Cursor::new(&first, 0);
    let dir = (|| -> Result<u64, String> {
        let key = KeyHeader::read(&mut c)?;
        // After the key header: the TNamed of the file (name, title), then the TDirectory.
        c.seek(key.keylen as usize)?;
        let _name = c.string()?;
        let _title = c.string()?;
        let version = c.i16()?;
        let _ctime = c.u32()?;
        let _mtime = c.u32()?;
        let _nbytes_keys = c.i32()?;
        let _nbytes_name = c.i32()?;
        let wide = version > 1000;
        let _seek_dir = c.seek_field(wide)?;
        let _seek_parent = c.seek_field(wide)?;
        c.seek_field(wide)
    })()
    .map_err(|e| h.corrupt(format!("top directory: {e}")))?;
    read_key_list(h, dir)
}

/// Reads a key list record at `seek_keys` (a key header, a count, then key headers).
fn read_key_list(h: &FileHandle, seek_keys: u64) -> Result<Vec<KeyInfo>> {
    if seek_keys == 0 {
        return Ok(Vec::new());
    }
    let head = h.read_at(seek_keys, 4)?;
    let nbytes = i32::from_be_bytes(head[..4].try_into().expect("4 bytes"));
    if nbytes <= 0 {
        return Err(h.corrupt(format!("key list at byte {seek_keys} has size {nbytes}")));
    }
    let buf = h.read_at(seek_keys, nbytes as usize)?;
    let mut c = Cursor::new(&buf, 0);
    (|| -> Result<Vec<KeyInfo>, String> {
        let own = KeyHeader::read(&mut c)?;
        c.seek(own.keylen as usize)?;
        let n = c.i32()?;
        if n < 0 {
            return Err(format!("negative key count {n}"));
        }
        (0..n)
            .map(|_| {
                let k = KeyHeader::read(&mut c)?;
                Ok(KeyInfo {
                    name: k.name,
                    title: k.title,
                    class_name: k.class_name,
                    cycle: k.cycle,
                    seek_key: k.seek_key,
                    nbytes: k.nbytes,
                    objlen: k.objlen,
                    keylen: k.keylen,
                })
            })
            .collect()
    })()
    .map_err(|e| h.corrupt(format!("key list: {e}")))
}
