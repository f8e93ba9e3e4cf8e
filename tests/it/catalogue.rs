//! The catalogue of bad inputs: one row per class of bad input, run through the `pc` binary
//! as a user would (`pc zmumu ...`, `pc dump FILE`, `pc correction summary FILE`). Every
//! input is built by this file at test time, from `pc_core::generate` samples, files of the
//! in-repo writer (`FileWriter`), a shared correction file, or by patching bytes of those.
//!
//! Each row asserts its exact exit code (1: an error; 2: a usage error, from clap; 0 only for
//! the run that skips bad files by design), that stderr has an `error:` line naming the file,
//! branch, dataset or key at fault, that nothing panicked and no `Debug` text leaked, that
//! the process ended within [`TIMEOUT`] (else it is killed and the row fails: a hang), and
//! what the output folder holds afterwards: no outputs, an earlier run's files byte for byte,
//! or the failed chunks listed with their events counted apart.
//!
//! The classes:
//! - panics: a basket table not starting at entry 0, an empty basket, overlapping, short,
//!   moved, seek-less and byte-less baskets, a basket key without bytes, a tree whose entry
//!   count disagrees with its branches, a basket claiming just under ROOT's 1 GiB cap, a block
//!   claiming more than its codec can expand to; a chain of 1000 `${...}` references in a
//!   params YAML; YAML nested 100 000 deep (flow) and 5 000 deep (blocks); dataset and
//!   correction JSON nested 100 000 deep;
//! - hangs: a FIFO (to `pc zmumu` and `pc dump`), a directory and `/dev/null` as input files;
//! - silent wrong results: a dataset twice in one JSON, a dataset in two `--datasets` files,
//!   an MC dataset without `xsec`, an `xsec` that is not a number, a parameter key typo
//!   (did-you-mean), a new key in an analysis' typed config section, a parameter value of the
//!   wrong type, `skip_branches` naming a branch that must be read, a dataset year without lumi
//!   parameters, a second run into an output folder a running `pc` holds, counted-array
//!   offsets disagreeing with their counter (`nMuon` vs `Muon_*`) and arrays of one
//!   collection disagreeing with each other (`Muon_eta` vs `Muon_pt`, through `pc zmumu`);
//! - lost work: unreadable files among good ones (every one named at once, nothing written;
//!   with `--skip-bad-files` the run succeeds and lists them in `config.json`), a chunk that
//!   fails (listed in `failed_chunks.json`, its events counted apart in `config.json`), an
//!   output folder that cannot be created (refused before the inputs are looked at), a gzip'd
//!   correction file inflating beyond the limit, a truncated gzip and a corrupt correction
//!   file (also through `pc zmumu`: one error at setup, before any event), a missing input file, a truncated ROOT file, a non-ROOT file;
//! - a malformed command line.
//!

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use pc_core::io::{Codec, RootFile};

use crate::common::{
    ENTRIES, basket_keys, find_all, keylen_at, patched, pc, put_i32, put_i64, scratch, shared_data,
    tables, write_tree,
};

/// The longest a row's process may run before it counts as a hang.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Events of the generated sample, in clusters (and chunks) of [`CHUNK`].
const EVENTS: u64 = 1500;
const CHUNK: u64 = 500;

/// What the output folder must hold after a row's run.
enum Out {
    /// The command has no output folder.
    NoFolder,
    /// Absent, or nothing but the run state `.pc/`.
    Nothing(PathBuf),
    /// The files of an earlier run, byte for byte.
    Unchanged(PathBuf, Vec<(PathBuf, Vec<u8>)>),
    /// The outputs, with `failed_chunks.json` listing the chunks of these entry ranges and
    /// `config.json` counting their events apart from the others'.
    FailedChunks(PathBuf, Vec<[u64; 2]>),
    /// A successful run that left out these files (listed in `config.json`).
    Skipped(PathBuf, Vec<PathBuf>),
}

/// One class of bad input.
struct Row {
    class: &'static str,
    /// The arguments of `pc`.
    args: Vec<OsString>,
    /// The exit code.
    code: i32,
    /// What stderr must contain: the file, branch, dataset or key, and what is wrong.
    names: Vec<String>,
    out: Out,
    /// A `pc` run holding the output folder's lock while the row runs.
    holder: Option<Holder>,
}

fn os(parts: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<OsString> {
    parts.iter().map(|p| p.as_ref().to_owned()).collect()
}

fn text(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// `pc dump --branches BRANCHES FILE`.
fn dump(class: &'static str, file: &Path, branches: &str, names: &[&str]) -> Row {
    let mut all = vec![text(file)];
    all.extend(names.iter().map(|s| s.to_string()));
    Row {
        class,
        args: os(&[&"dump", &"--branches", &branches, &file]),
        code: 1,
        names: all,
        out: Out::NoFolder,
        holder: None,
    }
}

/// `pc correction summary FILE`.
fn correction(class: &'static str, file: &Path, what: &str) -> Row {
    Row {
        class,
        args: os(&[&"correction", &"summary", &file]),
        code: 1,
        names: vec![text(file), what.to_string()],
        out: Out::NoFolder,
        holder: None,
    }
}

/// `pc zmumu` on `datasets` (and `params`) into `out`, small and quick.
fn zmumu(out: &Path, datasets: &[&Path], params: &[&Path], extra: &[&str]) -> Vec<OsString> {
    let mut a = os(&[
        &"zmumu",
        &"--quiet",
        &"--threads",
        &"2",
        &"--chunksize",
        &CHUNK.to_string(),
        &"--data-dir",
        &shared_data(),
        &"-o",
        &out,
    ]);
    for d in datasets {
        a.extend(os(&[&"--datasets", d]));
    }
    for p in params {
        a.extend(os(&[&"--params", p]));
    }
    a.extend(extra.iter().map(OsString::from));
    a
}

/// A `pc zmumu` row that must fail before writing anything into its (fresh) output folder.
fn refused(
    dir: &Path,
    class: &'static str,
    datasets: &[&Path],
    params: &[&Path],
    names: &[&str],
) -> Row {
    let out = dir.join(format!("out-{}", class.replace(' ', "_")));
    Row {
        class,
        args: zmumu(&out, datasets, params, &[]),
        code: 1,
        names: names.iter().map(|s| s.to_string()).collect(),
        out: Out::Nothing(out),
        holder: None,
    }
}

/// A built-dataset JSON entry (`"NAME": {...}`) of an MC dataset of sample `DY`.
fn mc_entry(name: &str, year: &str, xsec: Option<&str>, files: &[&Path]) -> String {
    let mut meta = serde_json::json!({"sample": "DY", "year": year, "isMC": "True"});
    if let Some(x) = xsec {
        meta["xsec"] = x.into();
    }
    let files: Vec<String> = files.iter().map(|f| text(f)).collect();
    let entry = serde_json::json!({"metadata": meta, "files": files});
    format!("{}: {entry}", serde_json::Value::from(name))
}

/// Writes `content` to `dir/name`.
fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

/// A dataset JSON with the one dataset `DY_2018` on `files`.
fn one_dataset(dir: &Path, name: &str, files: &[&Path]) -> PathBuf {
    let entry = mc_entry("DY_2018", "2018", Some("6077.22"), files);
    write(dir, name, format!("{{{entry}}}"))
}

/// A gzip file whose deflate stream truly inflates to at least `inflated` zero bytes (a
/// multiple of 258, plus 1; the trailer gives the size): one
/// dynamic-Huffman block of a literal 0 then 258-byte matches at distance 1, two bits each
/// (deflate's 1032:1 at most), and a true size in the trailer. The CRC is left 0: a reader
/// that checks sizes stops long before it.
fn gzip_bomb(inflated: u64) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        /// `bits` bits of `value`, least significant first (header fields, extra bits).
        fn put(&mut self, value: u64, bits: u32) {
            self.acc |= value << self.n;
            self.n += bits;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// A Huffman code, most significant bit first.
        fn code(&mut self, code: u64, len: u32) {
            let reversed = (0..len).fold(0, |r, i| r | ((code >> i) & 1) << (len - 1 - i));
            self.put(reversed, len);
        }
    }
    let matches = (inflated - 1).div_ceil(258);
    let mut b = Bits {
        out: vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff],
        acc: 0,
        n: 0,
    };
    b.put(1, 1); // BFINAL
    b.put(2, 2); // dynamic Huffman
    b.put(29, 5); // 286 literal/length codes
    b.put(0, 5); // 1 distance code
    b.put(14, 4); // 18 code-length codes, in the order 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1
    for len in [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2] {
        b.put(len, 3);
    }
    // Code-length codes: 18 -> 0, 1 -> 10, 2 -> 11. Literal/length lengths: 0 and 256 have 2
    // bits, 285 (length 258) 1 bit, the rest none (18: a run of 11 + 7 extra bits zeros);
    // the one distance code (distance 1) has 1 bit.
    let (one, two, zeros) = ((0b10, 2), (0b11, 2), |b: &mut Bits, n: u64| {
        b.code(0, 1);
        b.put(n - 11, 7);
    });
    b.code(two.0, two.1); // literal 0
    zeros(&mut b, 138); // 1..=138
    zeros(&mut b, 117); // 139..=255
    b.code(two.0, two.1); // 256
    zeros(&mut b, 28); // 257..=284
    b.code(one.0, one.1); // 285
    b.code(one.0, one.1); // distance 0
    // Data: literal 0 (code 10), then each match: length 258 (code 0), distance 1 (code 0).
    b.code(0b10, 2);
    let mut left = 2 * matches;
    while left > 0 {
        let n = left.min(32);
        b.put(0, n as u32);
        left -= n;
    }
    b.code(0b11, 2); // end of block
    b.put(0, (8 - b.n) % 8);
    let mut out = b.out;
    let size = 1 + 258 * matches;
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&(size as u32).to_le_bytes());
    out
}

/// A `pc` run blocked reading its `--datasets` FIFO while holding `out`'s lock.
struct Holder {
    child: Child,
    fifo: PathBuf,
    stderr: PathBuf,
}

impl Holder {
    /// Starts the run and waits until it holds the lock (its pid is in the lock file).
    fn start(dir: &Path, out: &Path) -> Holder {
        let fifo = make_fifo(&dir.join("holder_datasets.json"));
        let stderr = dir.join("holder.stderr");
        let child = pc()
            .args(zmumu(out, &[&fifo], &[], &[]))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        let pid = child.id().to_string();
        let lock = out.join(".pc/lock");
        let t0 = Instant::now();
        while std::fs::read_to_string(&lock).ok().as_deref() != Some(&pid) {
            assert!(
                t0.elapsed() < TIMEOUT,
                "the holder run never took the lock of {}",
                out.display()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        Holder {
            child,
            fifo,
            stderr,
        }
    }

    /// Feeds the FIFO text that is not JSON: the holder must fail naming it.
    fn release(mut self) -> Result<(), String> {
        let mut w = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&self.fifo)
            .map_err(|e| format!("the holder run no longer reads its FIFO: {e}"))?;
        w.write_all(b"not json").unwrap();
        drop(w);
        let code = wait(&mut self.child)?;
        let err = std::fs::read_to_string(&self.stderr).unwrap();
        if code != 1 || !err.contains("invalid JSON") || !err.contains(&text(&self.fifo)) {
            return Err(format!("the holder run gave {code}: {err}"));
        }
        Ok(())
    }
}

fn make_fifo(path: &Path) -> PathBuf {
    let c_path = std::ffi::CString::new(text(path)).unwrap();
    // SAFETY: `c_path` is a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    path.to_path_buf()
}

/// Waits for `child` at most [`TIMEOUT`]; kills it and fails if it runs longer.
fn wait(child: &mut Child) -> Result<i32, String> {
    let t0 = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status
                .code()
                .ok_or_else(|| format!("killed by a signal: {status}"));
        }
        if t0.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("a hang: still running after {TIMEOUT:?}, killed"));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The files of `dir` (recursively, without `.pc/`) with their bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n != ".pc"))
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    files.sort();
    files
}

fn json_at(path: &Path) -> Result<serde_json::Value, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Checks what the output folder holds after the run.
fn check_out(out: &Out) -> Result<(), String> {
    match out {
        Out::NoFolder => Ok(()),
        Out::Nothing(dir) => {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return Ok(());
            };
            let names: Vec<String> = entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n != ".pc")
                .collect();
            match names.is_empty() {
                true => Ok(()),
                false => Err(format!("{} holds outputs: {names:?}", dir.display())),
            }
        }
        Out::Unchanged(dir, before) => match snapshot(dir) == *before {
            true => Ok(()),
            false => Err(format!("the earlier outputs in {} changed", dir.display())),
        },
        Out::FailedChunks(dir, ranges) => {
            let listed = json_at(&dir.join("failed_chunks.json"))?;
            let got: Vec<[u64; 2]> = listed
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| serde_json::from_value(c["entries"].clone()).unwrap())
                .collect();
            let config = json_at(&dir.join("config.json"))?;
            let events = &config["events"];
            let failed: u64 = ranges.iter().map(|r| r[1] - r[0]).sum();
            let counted = events["failed"] == failed
                && events["processed"] == EVENTS - failed
                && config["chunks"]["failed"] == ranges.len();
            match got == *ranges && counted {
                true => Ok(()),
                false => Err(format!("failed_chunks.json {listed}, events {events}")),
            }
        }
        Out::Skipped(dir, files) => {
            let config = json_at(&dir.join("config.json"))?;
            let skipped: Vec<String> = config["skipped_files"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| s["file"].as_str().unwrap_or_default().to_string())
                .collect();
            let expected: Vec<String> = files.iter().map(|f| text(f)).collect();
            let ok = skipped == expected
                && config["events"]["processed"] == EVENTS
                && dir.join("histograms.json").is_file();
            match ok {
                true => Ok(()),
                false => Err(format!("config.json: {config}")),
            }
        }
    }
}

/// Runs one row; `Ok` with the first `error:` line, or what is wrong.
fn run(row: Row, dir: &Path, i: usize) -> Result<String, String> {
    let (stdout, stderr) = (
        dir.join(format!("{i}.stdout")),
        dir.join(format!("{i}.stderr")),
    );
    let mut child = pc()
        .args(&row.args)
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    let code = wait(&mut child);
    let released = row.holder.map(Holder::release).transpose();
    let code = code?;
    let err = std::fs::read_to_string(&stderr).unwrap();
    let fail = |what: String| Err::<String, _>(format!("{what}\n    stderr: {err}"));
    if err.contains("panicked") || err.contains("RUST_BACKTRACE") {
        return fail("a panic".into());
    }
    if let Some(leak) = ["Os {", "Custom {", "kind: "]
        .iter()
        .find(|s| err.contains(*s))
    {
        return fail(format!("Debug text `{leak}` in the message"));
    }
    if code != row.code {
        return fail(format!("exit code {code}, expected {}", row.code));
    }
    let line = err.lines().find(|l| l.starts_with("error: "));
    if code != 0 && line.is_none() {
        return fail("no `error: ` line".into());
    }
    if let Some(missing) = row.names.iter().find(|n| !err.contains(n.as_str())) {
        return fail(format!("stderr does not name `{missing}`"));
    }
    if let Err(e) = check_out(&row.out) {
        return fail(e);
    }
    released?;
    Ok(line
        .unwrap_or_else(|| err.lines().next().unwrap_or_default())
        .to_string())
}

/// The sample and writer files every row starts from, and the patched variants.
fn rows(dir: &Path) -> Vec<Row> {
    let mut rows = Vec::new();

    // A generated sample, uncompressed so its baskets can be patched, and a run on it into
    // `held` (it must succeed: the rows fail because of what they change).
    let good = dir.join("good.root");
    let mut opts =
        pc_core::generate::GenerateOptions::new(pc_core::generate::SampleKind::DrellYan, EVENTS);
    opts.cluster_size = CHUNK as usize;
    opts.codec = Codec::None;
    pc_core::generate::generate(&good, &opts).unwrap();
    let good_json = one_dataset(dir, "good.json", &[&good]);
    let held = dir.join("held");
    let status = pc()
        .args(zmumu(&held, &[&good_json], &[], &[]))
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "the run on the intact sample failed");
    let sample = std::fs::read(&good).unwrap();

    // Writer files of `nObj`, `Obj_pt[nObj]`, `x` (3 baskets each): uncompressed and zlib.
    let tree = dir.join("tree.root");
    write_tree(&tree, Codec::None);
    let tree_zlib = dir.join("tree_zlib.root");
    write_tree(&tree_zlib, Codec::Zlib(1));
    let (bytes, zbytes) = (
        std::fs::read(&tree).unwrap(),
        std::fs::read(&tree_zlib).unwrap(),
    );
    let t = tables(&bytes, 2); // branch `x`
    let key_x1 = basket_keys(&bytes, "x")[1];

    // Panics: malformed files.
    type Patch<'a> = Box<dyn FnOnce(&mut Vec<u8>) + 'a>;
    let table_cases: Vec<(&'static str, &str, Patch, &str)> = vec![
        (
            "basket table not starting at entry 0",
            "not_at_0",
            Box::new(|b| put_i64(b, t.entry, 5)),
            "basket 0 starts at entry 5, expected 0",
        ),
        (
            "empty basket",
            "empty",
            Box::new(|b| put_i64(b, t.entry + 16, 37)),
            "basket 1 has the empty or reversed entry range 37..37",
        ),
        (
            "overlapping baskets",
            "overlap",
            Box::new(|b| put_i64(b, t.entry + 16, 30)),
            "basket 1 has the empty or reversed entry range 37..30",
        ),
        (
            "baskets short of the branch's entries",
            "short",
            Box::new(|b| put_i64(b, t.entry + 24, 100)),
            "baskets end at entry 100 (basket 2), the branch has 121",
        ),
        (
            "basket boundary moved",
            "moved",
            Box::new(|b| put_i64(b, t.entry + 16, 70)),
            "basket 1: basket holds 41 entries, the branch says 33",
        ),
        (
            "basket without a seek",
            "no_seek",
            Box::new(|b| put_i64(b, t.seek + 8, 0)),
            "baskets end at entry 37 (basket 0)",
        ),
        (
            "basket of 0 bytes",
            "no_bytes",
            Box::new(|b| put_i32(b, t.bytes + 4, 0)),
            "basket 1 has entries 37..78 and 0 bytes",
        ),
        (
            "basket key without bytes",
            "objlen_0",
            Box::new(|b| put_i32(b, key_x1 + 6, 0)),
            "basket 1: basket claims 41 entries but holds no bytes",
        ),
    ];
    for (class, name, patch, expected) in table_cases {
        let file = patched(dir, &format!("{name}.root"), &bytes, patch);
        rows.push(dump(class, &file, "x", &["tree `Events`", "`x`", expected]));
    }
    // The tree's fEntries (its first 64-bit 121) no longer matching its branches.
    let tree_key = RootFile::open(&tree).unwrap().keys()[0].clone();
    let record = tree_key.seek_key as usize + tree_key.keylen as usize;
    let at = record + find_all(&bytes[record..], &ENTRIES.to_be_bytes())[0];
    let file = patched(dir, "entries.root", &bytes, |b| put_i64(b, at, 150));
    rows.push(dump(
        "tree entries disagreeing with its branches",
        &file,
        "x",
        &["`x`", "121 entries, its tree 150"],
    ));
    let key = basket_keys(&zbytes, "x")[0];
    let block = key + keylen_at(&zbytes, key);
    assert_eq!(
        &zbytes[block..block + 2],
        b"ZL",
        "the basket of `x` is compressed"
    );
    let file = patched(dir, "gib.root", &zbytes, |b| {
        put_i32(b, key + 6, (1 << 30) - 1)
    });
    rows.push(dump(
        "basket claiming just under the 1 GiB cap",
        &file,
        "x",
        &[
            "branch `x`, basket 0",
            "claims 1073741823 uncompressed bytes",
        ],
    ));
    let file = patched(dir, "ratio.root", &zbytes, |b| {
        put_i32(b, key + 6, 0xFF_FFFF);
        b[block + 6..block + 9].copy_from_slice(&[0xFF, 0xFF, 0xFF]);
    });
    rows.push(dump(
        "block claiming more than its codec expands to",
        &file,
        "x",
        &[
            "branch `x`, basket 0",
            "more than ZLIB can expand to (1032:1)",
        ],
    ));

    // Panics: malformed parameters and JSON.
    let items: String = (1..=1000)
        .map(|i| format!("\"${{object_preselection.chain.{i}}}\", "))
        .collect();
    let chain = write(
        dir,
        "chain.yaml",
        format!(
            "object_preselection:\n  chain: [{items}1]\n  Muon:\n    pt: \"${{object_preselection.chain.0}}\"\n"
        ),
    );
    let deep_flow = write(
        dir,
        "deep_flow.yaml",
        format!("object_preselection: {}\n", "[".repeat(100_000)),
    );
    let blocks: String = (1..5000)
        .map(|i| format!("{}a:\n", " ".repeat(i)))
        .collect();
    let deep_blocks = write(
        dir,
        "deep_blocks.yaml",
        format!("object_preselection:\n{blocks}"),
    );
    let deep_json = write(
        dir,
        "deep.json",
        format!("{{\"DY_2018\": {}", "[".repeat(100_000)),
    );
    for (class, params, names) in [
        (
            "chain of 1000 ${...} references",
            &chain,
            vec![
                "cannot resolve `object_preselection.Muon.pt`",
                "more than 32 chained references",
            ],
        ),
        (
            "YAML nested 100000 deep (flow)",
            &deep_flow,
            vec!["invalid YAML in", "nested more than 1000 deep"],
        ),
        (
            "YAML nested 5000 deep (blocks)",
            &deep_blocks,
            vec!["invalid YAML in", "recursion limit exceeded"],
        ),
    ] {
        let mut names: Vec<&str> = names;
        let p = text(params);
        names.push(&p);
        rows.push(refused(dir, class, &[&good_json], &[params], &names));
    }
    rows.push(refused(
        dir,
        "dataset JSON nested 100000 deep",
        &[&deep_json],
        &[],
        &[
            &format!("invalid JSON in {}", deep_json.display()),
            "recursion limit exceeded",
        ],
    ));

    // Hangs: files that are not regular files.
    let fifo = make_fifo(&dir.join("fifo.root"));
    let folder = dir.join("folder.root");
    std::fs::create_dir(&folder).unwrap();
    let null = PathBuf::from("/dev/null");
    for (class, name, file, kind) in [
        ("FIFO as input file", "fifo.json", &fifo, "a FIFO"),
        (
            "directory as input file",
            "folder.json",
            &folder,
            "a directory",
        ),
        (
            "/dev/null as input file",
            "null.json",
            &null,
            "a character device",
        ),
    ] {
        let json = one_dataset(dir, name, &[&good, file]);
        let what = format!("{}: not a regular file ({kind})", file.display());
        rows.push(refused(dir, class, &[&json], &[], &["DY_2018", &what]));
    }
    rows.push(dump(
        "FIFO to pc dump",
        &fifo,
        "nMuon",
        &["not a regular file (a FIFO)"],
    ));

    // Silent wrong results: datasets and parameters.
    let entry = mc_entry("DY_2018", "2018", Some("6077.22"), &[&good]);
    let twice = write(dir, "twice.json", format!("{{{entry}, {entry}}}"));
    let other = one_dataset(dir, "other.json", &[&good]);
    let only = |name: &str, year: &str, xsec: Option<&str>| {
        let entry = mc_entry(&format!("DY_{year}"), year, xsec, &[&good]);
        write(dir, name, format!("{{{entry}}}"))
    };
    let no_xsec = only("no_xsec.json", "2018", None);
    let bad_xsec = only("bad_xsec.json", "2018", Some("6k"));
    let no_lumi = only("no_lumi.json", "2019", Some("1"));
    let muon = |name: &str, line: &str| {
        write(
            dir,
            name,
            format!("object_preselection:\n  Muon:\n    {line}\n"),
        )
    };
    let typo = muon("typo.yaml", "ptt: 20");
    let wrong_type = muon("wrong_type.yaml", "pt: twenty");
    let unknown = muon("unknown.yaml", "dxy: 0.2");
    let defined_twice = format!("{}: dataset `DY_2018`: defined twice", twice.display());
    rows.push(refused(
        dir,
        "dataset twice in one JSON",
        &[&twice],
        &[],
        &[&defined_twice],
    ));
    let in_both = format!(
        "dataset `DY_2018` is defined more than once: in {} and {}",
        good_json.display(),
        other.display()
    );
    rows.push(refused(
        dir,
        "dataset in two --datasets files",
        &[&good_json, &other],
        &[],
        &[&in_both],
    ));
    let no_xsec_says = format!("{}: dataset `DY_2018`: MC dataset", no_xsec.display());
    rows.push(refused(
        dir,
        "MC dataset without xsec",
        &[&no_xsec],
        &[],
        &[&no_xsec_says, "has no `xsec`"],
    ));
    let bad_xsec_says = format!(
        "{}: dataset `DY_2018`: metadata `xsec` is `6k`",
        bad_xsec.display()
    );
    rows.push(refused(
        dir,
        "xsec that is not a number",
        &[&bad_xsec],
        &[],
        &[&bad_xsec_says],
    ));
    let skip = write(dir, "skip.yaml", "skip_branches: [Electron_pt]\n");
    rows.push(refused(
        dir,
        "skip_branches naming a branch that must be read",
        &[&good_json],
        &[&skip],
        &["parameter `skip_branches`: `Electron_pt` is not a branch processor `zmumu` may leave unread", "Electron_charge"],
    ));
    let typo_says = format!(
        "{}: unknown parameter `object_preselection.Muon.ptt`; did you mean `object_preselection.Muon.pt`?",
        typo.display()
    );
    rows.push(refused(
        dir,
        "parameter key typo",
        &[&good_json],
        &[&typo],
        &[&typo_says],
    ));
    let unknown_says = format!(
        "parameter `object_preselection.Muon.dxy` (from {}): expected a valid entry of ObjectPreselection",
        unknown.display()
    );
    rows.push(refused(
        dir,
        "a new key in an analysis section (its typed config)",
        &[&good_json],
        &[&unknown],
        &[
            &unknown_says,
            "unknown field `dxy`, expected one of `pt`, `eta`, `iso`, `id`",
            "setup failed (no event was read)",
        ],
    ));
    let type_says = format!(
        "parameter `object_preselection.Muon.pt` (from {}): expected an integer, found a string",
        wrong_type.display()
    );
    rows.push(refused(
        dir,
        "parameter of the wrong type",
        &[&good_json],
        &[&wrong_type],
        &[&type_says],
    ));
    let no_lumi_says = "no parameters for year(s) `2019` (dataset DY_2019)";
    rows.push(refused(
        dir,
        "dataset year without lumi parameters",
        &[&no_lumi],
        &[],
        &[no_lumi_says],
    ));

    // A second run into an output folder while a running `pc` holds it.
    let before = snapshot(&held);
    let holder = Holder::start(dir, &held);
    let pid = holder.child.id();
    rows.push(Row {
        class: "second run into an output folder in use",
        args: zmumu(&held, &[&good_json], &[], &[]),
        code: 1,
        names: vec![format!(
            "{} is in use by another run (pid {pid})",
            held.display()
        )],
        out: Out::Unchanged(held.clone(), before),
        holder: Some(holder),
    });

    // Counted arrays disagreeing with their counter: entry 503 of `nMuon` says one muon more
    // than `Muon_pt` has. Read together (`pc dump`), the reader compares them.

    let key = basket_keys(&sample, "nMuon")[1];
    let at = key + keylen_at(&sample, key) + 4 * 3;
    let count = u32::from_be_bytes(sample[at..at + 4].try_into().unwrap());
    let counter = patched(dir, "counter.root", &sample, |b| {
        b[at..at + 4].copy_from_slice(&(count + 1).to_be_bytes());
    });
    let counter_says = format!(
        "tree `Events`, branch `Muon_pt`, basket 1: entry {} has {count} values but its counter `nMuon` says {}",
        CHUNK + 3,
        count + 1
    );
    rows.push(dump(
        "counted array disagreeing with its counter",
        &counter,
        "nMuon,Muon_pt",
        &[&counter_says],
    ));

    // Arrays of one collection disagreeing with each other: in basket 1 of `Muon_eta`, entry
    // 3 starts one value later (entry 2 gets one more, the total is the same), so muons would
    // mix up values. `pc zmumu`
    // reads no counter; it compares the arrays of each collection.
    let key = basket_keys(&sample, "Muon_eta")[1];
    let keylen = keylen_at(&sample, key);
    let last = u32::from_be_bytes(
        sample[key + keylen - 5..key + keylen - 1]
            .try_into()
            .unwrap(),
    );
    let at = key + last as usize + 4 + 4 * 3;
    let offset = u32::from_be_bytes(sample[at..at + 4].try_into().unwrap());
    let shifted = patched(dir, "shifted.root", &sample, |b| {
        b[at..at + 4].copy_from_slice(&(offset + 4).to_be_bytes());
    });
    let json = one_dataset(dir, "shifted.json", &[&shifted]);
    let out = dir.join("out-shifted");
    rows.push(Row {
        class: "arrays of one collection disagreeing with each other",
        args: zmumu(&out, &[&json], &[], &[]),
        code: 1,
        names: vec![
            format!("failed chunk 1 (dataset DY_2018): {}", shifted.display()),
            "collection `Muon`: entry 2 has".into(),
            "in `Muon_eta` (the arrays of a collection must have the same counts)".into(),
        ],
        out: Out::FailedChunks(out, vec![[CHUNK, 2 * CHUNK]]),
        holder: None,
    });

    // A chunk that fails: basket 1 of `Muon_pt` (entries 500..1000) has no bytes; the other
    // chunks are processed.
    let key = basket_keys(&sample, "Muon_pt")[1];
    let failing = patched(dir, "failing.root", &sample, |b| put_i32(b, key + 6, 0));
    let json = one_dataset(dir, "failing.json", &[&failing]);
    let out = dir.join("out-failing");
    rows.push(Row {
        class: "chunk that fails",
        args: zmumu(&out, &[&json], &[], &[]),
        code: 1,
        names: vec![
            format!(
                "failed chunk 1 (dataset DY_2018): {} entries 500..1000",
                failing.display()
            ),
            "branch `Muon_pt`, basket 1: basket claims 500 entries but holds no bytes".into(),
            "1 of 3 chunks failed (500 events)".into(),
        ],
        out: Out::FailedChunks(out, vec![[CHUNK, 2 * CHUNK]]),
        holder: None,
    });

    // Lost work: unreadable input files.
    let truncated = write(dir, "truncated.root", &sample[..sample.len() / 2]);
    let not_root = write(dir, "not_root.root", "this is not a ROOT file\n");
    let missing = dir.join("missing.root");
    let (truncated_s, missing_s) = (text(&truncated), text(&missing));
    let mixed = one_dataset(dir, "mixed.json", &[&good, &truncated, &missing]);
    rows.push(refused(
        dir,
        "unreadable files among good ones",
        &[&mixed],
        &[],
        &[
            "2 input file(s) cannot be read (use --skip-bad-files to leave them out)",
            &format!("dataset `DY_2018`: {truncated_s}: corrupt or truncated file"),
            &format!("dataset `DY_2018`: {missing_s}: No such file or directory"),
        ],
    ));
    let skip_out = dir.join("out-skip");
    rows.push(Row {
        class: "unreadable files with --skip-bad-files",
        args: zmumu(&skip_out, &[&mixed], &[], &["--skip-bad-files"]),
        code: 0,
        names: vec![
            format!("skipped file (--skip-bad-files): dataset `DY_2018`: {truncated_s}"),
            format!("skipped file (--skip-bad-files): dataset `DY_2018`: {missing_s}"),
        ],
        out: Out::Skipped(skip_out, vec![truncated.clone(), missing.clone()]),
        holder: None,
    });
    for (class, name, file, what) in [
        (
            "missing file",
            "missing.json",
            &missing,
            "No such file or directory",
        ),
        (
            "truncated ROOT file",
            "truncated.json",
            &truncated,
            "corrupt or truncated file: needs bytes",
        ),
        (
            "non-ROOT file",
            "not_root.json",
            &not_root,
            "not a ROOT file (bad magic)",
        ),
    ] {
        let json = one_dataset(dir, name, &[file]);
        let what = format!("{}: {what}", file.display());
        rows.push(refused(dir, class, &[&json], &[], &["DY_2018", &what]));
    }

    // An output folder that cannot be created, refused before the (missing) input is opened.
    let plain = write(dir, "plain_file", "");
    let unwritable = plain.join("out");
    let missing_json = dir.join("missing.json");
    rows.push(Row {
        class: "output folder that cannot be created",
        args: zmumu(&unwritable, &[&missing_json], &[], &[]),
        code: 1,
        names: vec![format!(
            "{}: Not a directory",
            unwritable.join(".pc").display()
        )],
        out: Out::Nothing(unwritable),
        holder: None,
    });

    // Lost work: correction files.
    let bomb = write(dir, "bomb.json.gz", gzip_bomb((2 << 30) + 1));
    rows.push(correction(
        "gzip'd correction file inflating beyond the limit",
        &bomb,
        "inflates to more than 2147483648 bytes",
    ));
    let pileup =
        std::fs::read(shared_data().join("corrections/2018_UL/puWeights.json.gz")).unwrap();
    let cut = write(dir, "cut.json.gz", &pileup[..pileup.len() / 2]);
    rows.push(correction(
        "truncated gzip'd correction file",
        &cut,
        "truncated or corrupt gzip data",
    ));
    let corrupt = write(
        dir,
        "corrupt.json",
        "{\"schema_version\": 2, \"corrections\": [{\"name\": 1",
    );
    rows.push(correction(
        "corrupt correction file",
        &corrupt,
        "invalid correction file",
    ));
    let params = write(
        dir,
        "corrupt_pileup.yaml",
        format!(
            "pileupJSONfiles:\n  \"2018\":\n    file: {}\n",
            text(&corrupt)
        ),
    );
    let corrupt_says = format!(
        "setup `PileupWeight`: invalid correction file {}",
        text(&corrupt)
    );
    rows.push(refused(
        dir,
        "corrupt correction file through pc zmumu",
        &[&good_json],
        &[&params],
        &[
            "setup failed (no event was read)",
            "dataset DY_2018",
            &corrupt_says,
        ],
    ));
    let deep = write(dir, "deep_correction.json", "[".repeat(100_000));
    rows.push(correction(
        "correction JSON nested 100000 deep",
        &deep,
        "recursion limit exceeded",
    ));

    // A malformed command line: clap's usage error.
    rows.push(Row {
        class: "malformed command line",
        args: os(&[&"zmumu", &"--chunksize", &"many"]),
        code: 2,
        names: vec!["invalid value 'many' for '--chunksize <N>'".into()],
        out: Out::NoFolder,
        holder: None,
    });
    rows
}

#[test]
fn every_class_of_bad_input_is_a_clear_error() {
    let dir = scratch("catalogue");
    let rows = rows(&dir);
    let mut table = Vec::new();
    let mut failures = Vec::new();
    for (i, row) in rows.into_iter().enumerate() {
        let (class, code) = (row.class, row.code);
        match run(row, &dir, i) {
            Ok(line) => table.push(format!("{class:50} {code}  {line}")),
            Err(e) => failures.push(format!("{class}: {e}")),
        }
    }
    println!("{}", table.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_gzip_bomb_is_valid_deflate() {
    // A small one with its CRC filled in inflates in full, to zeros (which are not JSON).
    let mut gz = gzip_bomb(1 << 20);
    let n = u32::from_le_bytes(gz[gz.len() - 4..].try_into().unwrap());
    assert!(n >= 1 << 20);
    let crc = !(0..n).fold(!0u32, |c, _| {
        (0..8).fold(c, |c, _| (c >> 1) ^ (0xEDB8_8320 & (c & 1).wrapping_neg()))
    });
    let at = gz.len() - 8;
    gz[at..at + 4].copy_from_slice(&crc.to_le_bytes());
    let dir = scratch("catalogue-bomb");
    let path = write(&dir, "zeros.json.gz", &gz);
    let e = pc_core::correction::CorrectionSet::from_file(&path)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("invalid correction file"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
