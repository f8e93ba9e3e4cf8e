//! Parsing of TTree metadata: TTree, TObjArray, TBranch, TLeaf and embedded TBaskets.
//!
//! Only what a columnar reader needs is kept; every object with a byte count is
//! skipped to its end, so unknown trailing members of newer versions do no harm.

use std::collections::HashMap;
use std::sync::Arc;

use super::bytes::{CLASS_MASK, Cursor, CursorResult, MAP_OFFSET, NEW_CLASS_TAG};
use super::column::LeafType;
use super::table::{Table, TableAt};

/// How a branch's values map onto entries, as declared by its leaf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    Scalar,
    Fixed(usize),
    /// A counted array; the counter branch's name.
    Counted(String),
}

/// Where one basket's bytes are.
#[derive(Clone, Debug)]
pub enum BasketSource {
    /// A keyed basket in the file.
    Disk { seek: u64, nbytes: u32 },
    /// The last basket, stored inside the TTree object (uncompressed).
    Embedded(Arc<EmbeddedBasket>),
}

/// An embedded basket's decoded content.
#[derive(Debug)]
pub struct EmbeddedBasket {
    pub data: Vec<u8>,
    /// Byte offsets of each entry relative to the data, plus the end (`n + 1` values).
    pub offsets: Option<Vec<u32>>,
}

/// One basket: its entry range and where its bytes are.
#[derive(Clone, Debug)]
pub struct BasketMeta {
    pub entry_start: u64,
    pub entry_stop: u64,
    pub source: BasketSource,
}

/// A branch as the reader needs it.
#[derive(Clone, Debug)]
pub struct BranchMeta {
    pub name: String,
    pub title: String,
    /// `Ok(type)` for readable leaves, `Err(reason)` for branches we cannot read as numbers.
    pub leaf: Result<LeafType, String>,
    pub shape: Shape,
    pub entries: u64,
    pub compress: i32,
    /// Parsed on first use ([`super::table`]).
    pub baskets: Table,
    pub tot_bytes: i64,
    pub zip_bytes: i64,
}

/// The TTree members the reader uses.
#[derive(Debug)]
pub struct TreeMeta {
    pub entries: u64,
    pub auto_flush: i64,
    pub cluster_range_end: Vec<i64>,
    pub cluster_size: Vec<i64>,
    pub branches: Vec<BranchMeta>,
}

/// Reference bookkeeping of one buffer: class names and leaf names by position.
#[derive(Default)]
struct Refs {
    classes: HashMap<usize, String>,
    leaves: HashMap<usize, String>,
}

/// What `read_any` found.
enum Any {
    Null,
    /// A reference to an earlier object (its map position).
    Ref(usize),
    /// A new object of `class`; the cursor is at its body, which ends at `end` if known.
    Object {
        class: String,
        begin: usize,
        end: Option<usize>,
    },
}

/// Reads a TBuffer object pointer (`WriteObjectAny`): null, a reference, or a new object.
fn read_any(c: &mut Cursor<'_>, refs: &mut Refs) -> CursorResult<Any> {
    let begin = c.ref_pos();
    let begin_pos = c.pos();
    let first = c.u32()?;
    let (tag, end, class_pos) =
        if first & super::bytes::BYTE_COUNT_MASK == 0 || first == NEW_CLASS_TAG {
            (first, None, None)
        } else {
            let count = (first & !super::bytes::BYTE_COUNT_MASK) as usize;
            let class_pos = c.ref_pos();
            (c.u32()?, Some(begin_pos + 4 + count), Some(class_pos))
        };
    if tag & CLASS_MASK == 0 {
        if let Some(end) = end {
            c.seek(end)?;
        }
        return Ok(if tag == 0 {
            Any::Null
        } else {
            Any::Ref(tag as usize)
        });
    }
    let class = if tag == NEW_CLASS_TAG {
        let name = c.cstring()?;
        let key = match class_pos {
            Some(p) => p + MAP_OFFSET,
            None => refs.classes.len() + 1,
        };
        refs.classes.insert(key, name.clone());
        name
    } else {
        let at = (tag & !CLASS_MASK) as usize;
        refs.classes
            .get(&at)
            .cloned()
            .ok_or_else(|| format!("reference to unknown class at {at}"))?
    };
    Ok(Any::Object {
        class,
        begin: begin + MAP_OFFSET,
        end,
    })
}

/// Reads a TObjArray, calling `item` for each new object (cursor at its body).
fn read_obj_array(
    c: &mut Cursor<'_>,
    refs: &mut Refs,
    mut item: impl FnMut(&mut Cursor<'_>, &mut Refs, &str, usize) -> CursorResult<()>,
) -> CursorResult<()> {
    let (_, end) = c.object_header()?;
    c.tobject()?;
    let _name = c.string()?;
    let size = c.i32()?;
    let _lower = c.i32()?;
    if size < 0 {
        return Err(format!("TObjArray with negative size {size}"));
    }
    for _ in 0..size {
        if let Any::Object { class, begin, end } = read_any(c, refs)? {
            item(c, refs, &class, begin)?;
            match end {
                Some(end) => c.seek(end)?,
                None => return Err(format!("{class} in a TObjArray has no byte count")),
            }
        }
    }
    if let Some(end) = end {
        c.seek(end)?;
    }
    Ok(())
}

/// Parses a TTree object payload (`origin` = its key length).
pub fn parse_tree(buf: &[u8], origin: usize) -> CursorResult<TreeMeta> {
    let mut c = Cursor::new(buf, origin);
    let mut refs = Refs::default();
    let (version, _) = c.object_header()?;
    if !(16..=20).contains(&version) {
        return Err(format!(
            "unsupported TTree version {version} (16-20 are known)"
        ));
    }
    c.tnamed()?;
    for _ in 0..3 {
        c.skip_object("TAttLine/TAttFill/TAttMarker")?;
    }
    let entries = c.i64()?;
    let _tot_bytes = c.i64()?;
    let _zip_bytes = c.i64()?;
    let _saved_bytes = c.i64()?;
    if version >= 18 {
        let _flushed_bytes = c.i64()?;
    }
    let _weight = c.f64()?;
    let _timer = c.i32()?;
    let _scan = c.i32()?;
    let _update = c.i32()?;
    if version >= 17 {
        let _default_entry_offset_len = c.i32()?;
    }
    let n_cluster_range = if version >= 19 {
        c.i32()?.max(0) as usize
    } else {
        0
    };
    let _max_entries = c.i64()?;
    let _max_entry_loop = c.i64()?;
    let _max_virtual_size = c.i64()?;
    let _auto_save = c.i64()?;
    let auto_flush = if version >= 18 { c.i64()? } else { 0 };
    let _estimate = c.i64()?;
    let (cluster_range_end, cluster_size) = if version >= 19 {
        (
            c.array_i64(n_cluster_range, true)?,
            c.array_i64(n_cluster_range, true)?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    if version >= 20 {
        c.skip_object("TIOFeatures")?;
    }
    let entries = u64::try_from(entries).map_err(|_| format!("negative fEntries {entries}"))?;
    let mut branches = Vec::new();
    read_obj_array(&mut c, &mut refs, |c, refs, class, _| {
        parse_branch(c, refs, class, &mut branches)
    })?;
    for b in branches
        .iter_mut()
        .filter(|b| b.leaf.is_ok() && b.entries != entries)
    {
        b.leaf = Err(format!(
            "branch has {} entries, its tree {entries}",
            b.entries
        ));
    }
    Ok(TreeMeta {
        entries,
        auto_flush,
        cluster_range_end,
        cluster_size,
        branches,
    })
}

/// Parses one TBranch-like object (and its sub-branches) into `out`.
fn parse_branch(
    c: &mut Cursor<'_>,
    refs: &mut Refs,
    class: &str,
    out: &mut Vec<BranchMeta>,
) -> CursorResult<()> {
    let (version, _) = c.object_header()?;
    if class != "TBranch" {
        // TBranchElement/TBranchObject start with their TBranch base; keep the name only.
        let (name, title) = match c.object_header()? {
            (_, Some(_)) => c.tnamed()?,
            _ => (String::from("?"), String::new()),
        };
        out.push(unsupported(
            name,
            title,
            format!("{class} (object branches)"),
        ));
        return Ok(());
    }
    if !(10..=13).contains(&version) {
        return Err(format!(
            "unsupported TBranch version {version} (10-13 are known)"
        ));
    }
    let (name, title) = c.tnamed()?;
    c.skip_object("TAttFill")?;
    let compress = c.i32()?;
    let _basket_size = c.i32()?;
    let _entry_offset_len = c.i32()?;
    let write_basket = c.i32()?.max(0) as usize;
    let _entry_number = c.i64()?;
    if version >= 13 {
        c.skip_object("TIOFeatures")?;
    }
    let _offset = c.i32()?;
    let max_baskets = c.i32()?.max(0) as usize;
    let _split = c.i32()?;
    let entries = c.i64()?;
    if version >= 11 {
        let _first_entry = c.i64()?;
    }
    let tot_bytes = c.i64()?;
    let zip_bytes = c.i64()?;

    let mut children = Vec::new();
    read_obj_array(c, refs, |c, refs, class, _| {
        parse_branch(c, refs, class, &mut children)
    })?;

    let mut leaves: Vec<(String, Result<LeafType, String>, Shape)> = Vec::new();
    read_obj_array(c, refs, |c, refs, class, begin| {
        let leaf = parse_leaf(c, refs, class)?;
        refs.leaves.insert(begin, leaf.0.clone());
        leaves.push(leaf);
        Ok(())
    })?;

    let mut embedded = Vec::new();
    read_obj_array(c, refs, |c, _, class, _| {
        if class == "TBasket" {
            embedded.push(parse_embedded_basket(c)?);
        }
        Ok(())
    })?;

    // The basket arrays are only located here (and the baskets on disk counted); the
    // table is parsed when the branch is read.
    let array = |c: &mut Cursor<'_>, size: usize| -> CursorResult<usize> {
        c.skip(1)?; // the speed bump
        let at = c.pos();
        c.skip(max_baskets.checked_mul(size).ok_or("array size overflow")?)?;
        Ok(at)
    };
    let bytes_at = array(c, 4)?;
    let entry_at = array(c, 8)?;
    // fBasketSeek is 64-bit in every TBranch version we read (10-13), whatever the
    // speed-bump byte before it says.
    c.skip(1)?;
    let seek_at = c.pos();
    let mut on_disk = max_baskets.min(write_basket);
    for i in 0..max_baskets {
        if c.seek_field(true)? == 0 {
            on_disk = on_disk.min(i);
        }
    }
    let entries =
        u64::try_from(entries).map_err(|_| format!("branch `{name}`: negative fEntries"))?;
    // ROOT keeps the basket being filled in the TBranch; an empty one holds nothing.
    let embedded = embedded
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, basket)| (n, Arc::new(basket)))
        .collect();
    let baskets = Table::new(TableAt {
        bytes: bytes_at,
        entry: entry_at,
        seek: seek_at,
        max_baskets,
        on_disk,
        embedded,
        entries,
    });

    let (leaf, shape) = match leaves.as_slice() {
        [(_, leaf, shape)] => (leaf.clone(), shape.clone()),
        [] => (Err("no leaf".to_string()), Shape::Scalar),
        _ => (
            Err(format!(
                "{} leaves in one branch (leaf lists)",
                leaves.len()
            )),
            Shape::Scalar,
        ),
    };
    if children.is_empty() || leaf.is_ok() {
        out.push(BranchMeta {
            name,
            title,
            leaf,
            shape,
            entries,
            compress,
            baskets,
            tot_bytes,
            zip_bytes,
        });
    }
    out.extend(children);
    Ok(())
}

fn unsupported(name: String, title: String, why: String) -> BranchMeta {
    BranchMeta {
        name,
        title,
        leaf: Err(why),
        shape: Shape::Scalar,
        entries: 0,
        compress: 0,
        baskets: Table::default(),
        tot_bytes: 0,
        zip_bytes: 0,
    }
}

/// Parses a TLeaf-derived object; returns (name, type or reason, shape).
fn parse_leaf(
    c: &mut Cursor<'_>,
    refs: &mut Refs,
    class: &str,
) -> CursorResult<(String, Result<LeafType, String>, Shape)> {
    let (_, _) = c.object_header()?; // TLeafX
    let (_, _) = c.object_header()?; // TLeaf base
    let (name, title) = c.tnamed()?;
    let len = c.i32()?;
    let _len_type = c.i32()?;
    let _offset = c.i32()?;
    let _is_range = c.bool()?;
    let unsigned = c.bool()?;
    let counter = match read_any(c, refs)? {
        Any::Null => None,
        Any::Ref(at) => Some(
            refs.leaves
                .get(&at)
                .cloned()
                .or_else(|| counter_from_title(&title))
                .ok_or_else(|| format!("leaf `{name}`: unresolved count leaf"))?,
        ),
        Any::Object { class, begin, end } => {
            let counted = parse_leaf(c, refs, &class)?;
            refs.leaves.insert(begin, counted.0.clone());
            if let Some(end) = end {
                c.seek(end)?;
            }
            Some(counted.0)
        }
    };
    let leaf = match (class, unsigned) {
        ("TLeafO", _) => Ok(LeafType::Bool),
        ("TLeafB", false) => Ok(LeafType::I8),
        ("TLeafB", true) => Ok(LeafType::U8),
        ("TLeafS", false) => Ok(LeafType::I16),
        ("TLeafS", true) => Ok(LeafType::U16),
        ("TLeafI", false) => Ok(LeafType::I32),
        ("TLeafI", true) => Ok(LeafType::U32),
        ("TLeafL" | "TLeafG", false) => Ok(LeafType::I64),
        ("TLeafL" | "TLeafG", true) => Ok(LeafType::U64),
        ("TLeafF", _) => Ok(LeafType::F32),
        ("TLeafD", _) => Ok(LeafType::F64),
        (other, _) => Err(format!("leaf class {other}")),
    };
    let shape = match counter {
        Some(counter) => Shape::Counted(counter),
        None if len > 1 => Shape::Fixed(len as usize),
        None => Shape::Scalar,
    };
    Ok((name, leaf, shape))
}

/// `Muon_pt[nMuon]` -> `nMuon`.
fn counter_from_title(title: &str) -> Option<String> {
    let open = title.find('[')?;
    let close = title[open..].find(']')? + open;
    Some(title[open + 1..close].to_string())
}

/// Parses a TBasket streamed inside its TBranch; returns (entries, content).
fn parse_embedded_basket(c: &mut Cursor<'_>) -> CursorResult<(u64, EmbeddedBasket)> {
    let key_start = c.pos();
    let _nbytes = c.i32()?;
    let _key_version = c.i16()?;
    let _objlen = c.i32()?;
    let _datime = c.u32()?;
    let keylen = c.i16()?.max(0) as usize;
    // The TBasket members (18 bytes) and a flag byte end the key header.
    c.seek(
        key_start
            + keylen
                .checked_sub(19)
                .ok_or("embedded basket key too short")?,
    )?;
    let _version = c.u16()?;
    let _buffer_size = c.i32()?;
    let _nev_buf_size = c.i32()?;
    let nev_buf = c.i32()?.max(0) as usize;
    let last = c.i32()?.max(0) as usize;
    let flag = c.u8()?;
    if flag >= 80 {
        return Err("embedded basket asks for generated offsets (flag >= 80)".into());
    }
    let mut offsets = None;
    if flag != 0 && flag % 10 != 2 {
        if nev_buf > 0 {
            let n = c.i32()?.max(0) as usize;
            let raw = c.array_i32(n)?;
            offsets = Some(raw);
        }
        if flag > 40 {
            return Err("embedded basket with a displacement array".into());
        }
    }
    if !(flag == 1 || flag > 10) {
        return Err(format!("embedded basket without its buffer (flag {flag})"));
    }
    let buffer = c.take(last)?;
    let data = buffer
        .get(keylen..)
        .ok_or("embedded basket buffer shorter than its key")?
        .to_vec();
    let border = data.len();
    let offsets = offsets
        .map(|raw| relative_offsets(&raw[..nev_buf.min(raw.len())], keylen, border))
        .transpose()?;
    Ok((nev_buf as u64, EmbeddedBasket { data, offsets }))
}

/// Converts ROOT entry offsets (from the key start) to offsets from the data start,
/// appending the end; checks they are monotone and inside the data.
pub fn relative_offsets(raw: &[i32], keylen: usize, border: usize) -> CursorResult<Vec<u32>> {
    let mut out = Vec::with_capacity(raw.len() + 1);
    let mut prev = 0usize;
    for &o in raw {
        let rel = (o as i64 - keylen as i64)
            .try_into()
            .ok()
            .filter(|&r: &usize| r >= prev && r <= border)
            .ok_or_else(|| format!("entry offset {o} out of order or outside the basket"))?;
        out.push(rel as u32);
        prev = rel;
    }
    out.push(border as u32);
    Ok(out)
}
