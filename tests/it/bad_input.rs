//! Targeted bad inputs: non-files, broken basket tables, counters that disagree with
//! offsets, and baskets that claim impossible sizes. Each bad file is built here, by the
//! writer or by patching bytes of a real or written file, and must give an error that
//! names what is wrong (never a panic, a hang or a short column).

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use pc_core::io::{IoError, RootFile};

/// A fresh scratch directory for one test.
fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pc-bad-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Opens `path` on another thread and returns its error, failing the test if the open
/// takes more than a few seconds (a FIFO would block it forever).
fn open_error_quickly(path: &Path) -> IoError {
    let (send, recv) = mpsc::channel();
    let p = path.to_path_buf();
    std::thread::spawn(move || {
        let _ = send.send(RootFile::open(&p).err());
    });
    recv.recv_timeout(Duration::from_secs(5))
        .unwrap_or_else(|_| panic!("{}: open did not return within 5 s", path.display()))
        .unwrap_or_else(|| panic!("{}: opened as a ROOT file", path.display()))
}

#[test]
fn fifo_directory_and_device_are_refused_at_once() {
    let dir = scratch("kinds");
    let fifo = dir.join("events.root");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: `c_path` is a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    for (path, kind) in [
        (fifo.as_path(), "FIFO"),
        (dir.as_path(), "directory"),
        (Path::new("/dev/null"), "device"),
    ] {
        let err = open_error_quickly(path);
        assert!(matches!(err, IoError::NotRegularFile { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains(&*path.to_string_lossy()) && text.contains(kind),
            "{text}"
        );
    }
}
