#!/usr/bin/env python3
"""Independent reference dump of ROOT TTrees, made with uproot.

Usage:
    python validation/dump_reference.py FILE.root [FILE.root ...] --out validation/reference/

For every input file writes <out>/<file stem>.json describing every TTree
(recursing into directories) and every branch: element type, kind
(scalar/jagged/fixed), entry counts, sha256 of the per-entry lengths and of
the flattened values (little-endian bytes of the element dtype, bool as one
byte 0/1), basket boundaries, compression of the first basket, embedded
baskets.  Output is deterministic: sorted keys, one line per branch.

Requires: uproot awkward numpy (+ cramjam xxhash for LZ4/ZSTD baskets).
"""

import argparse
import hashlib
import json
import os
import struct
import sys
import time

import numpy as np
import uproot

# TLeaf class -> (signed short name, unsigned short name)
LEAF_TYPES = {
    "TLeafO": ("bool", "bool"),
    "TLeafB": ("i1", "u1"),
    "TLeafS": ("i2", "u2"),
    "TLeafI": ("i4", "u4"),
    "TLeafL": ("i8", "u8"),
    "TLeafG": ("i8", "u8"),  # Long_t
    "TLeafF": ("f4", "f4"),
    "TLeafD": ("f8", "f8"),
}

COMPRESSION_TAGS = {b"ZL": "ZL", b"CS": "CS", b"XZ": "XZ", b"L4": "L4", b"ZS": "ZS"}


def dumps(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


def sha256_le(arr, short):
    """sha256 hex of the flattened array as little-endian bytes of `short`."""
    arr = np.asarray(arr)
    if short == "bool":
        data = arr.astype(np.bool_).astype(np.uint8)
    else:
        data = arr.astype(np.dtype(short).newbyteorder("<"), copy=False)
    return hashlib.sha256(np.ascontiguousarray(data).tobytes()).hexdigest()


def short_name_of_dtype(dt):
    dt = np.dtype(dt)
    if dt.kind == "b":
        return "bool"
    return "%s%d" % (dt.kind, dt.itemsize)


def key_header_compression(raw_file, seek):
    """Compression tag of the block of the object whose TKey starts at `seek`."""
    raw_file.seek(seek)
    head = raw_file.read(16)
    nbytes, _version, objlen, _datime, keylen = struct.unpack(">ihiIh", head)
    if objlen <= nbytes - keylen:
        return "none"
    raw_file.seek(seek + keylen)
    tag = raw_file.read(2)
    return COMPRESSION_TAGS.get(tag, "unknown:" + tag.hex())


def member_or_none(obj, name):
    try:
        if obj.has_member(name):
            v = obj.member(name)
            if isinstance(v, np.ndarray):
                return [int(x) for x in v]
            if isinstance(v, (np.integer,)):
                return int(v)
            return v
    except Exception:  # pragma: no cover - defensive
        pass
    return None


def branch_record(branch, index, raw_file):
    rec = {"index": index}
    leaves = branch.member("fLeaves")
    rec["entries"] = int(branch.num_entries)
    rec["basket_entry_starts"] = [int(x) for x in branch.entry_offsets]

    # Embedded baskets: baskets stored inside the TTree object itself
    # (uproot counts them from fWriteBasket on).
    write_basket = int(branch.member("fWriteBasket"))
    n_baskets = int(branch.num_baskets)
    embedded = list(range(write_basket, n_baskets))
    if embedded:
        rec["embedded_baskets"] = embedded

    # Compression of the first on-disk basket block.
    seeks = branch.member("fBasketSeek")
    tags = []
    for i in range(min(write_basket, n_baskets)):
        tags.append(key_header_compression(raw_file, int(seeks[i])))
    if 0 in embedded or not tags:
        rec["compression"] = "none"  # first basket lives in the TTree: no block header
    else:
        rec["compression"] = tags[0]
    if len(set(tags)) > 1:
        rec["compression_per_basket"] = tags

    if len(leaves) != 1:
        rec["unsupported"] = "multi-leaf branch (%d leaves: %s)" % (
            len(leaves), ",".join(l.classname for l in leaves))
        return rec
    leaf = leaves[0]
    rec["leaf"] = leaf.classname
    if leaf.classname not in LEAF_TYPES:
        interp = branch.interpretation
        rec["unsupported"] = "%s %s, %s" % (
            type(branch).__name__.split("_v")[0].replace("Model_", ""),
            leaf.classname, type(interp).__name__)
        if hasattr(branch, "streamer") and branch.streamer is not None:
            rec["unsupported"] += " " + str(branch.member("fClassName"))
        return rec
    unsigned = bool(leaf.member("fIsUnsigned")) if leaf.has_member("fIsUnsigned") else False
    short = LEAF_TYPES[leaf.classname][1 if unsigned else 0]
    rec["type"] = short

    interp = branch.interpretation
    fixed_len = int(leaf.member("fLen"))
    count_leaf = leaf.member("fLeafCount")
    if count_leaf is not None:
        rec["kind"] = "jagged"
        cb = branch.count_branch
        rec["counter"] = cb.name if cb is not None else count_leaf.member("fName")
        if fixed_len > 1:
            rec["inner_size"] = fixed_len
    elif fixed_len > 1:
        rec["kind"] = "fixed"
        rec["size"] = fixed_len
    else:
        rec["kind"] = "scalar"

    # Cross-check against uproot's own view of the element type.
    if isinstance(interp, uproot.interpretation.jagged.AsJagged):
        content = interp.content
    else:
        content = interp
    if not isinstance(content, uproot.interpretation.numerical.AsDtype):
        rec["unsupported"] = "uproot interpretation %s" % type(interp).__name__
        return rec
    up_short = short_name_of_dtype(np.dtype(content.to_dtype).base)
    if up_short != short:
        rec["uproot_type"] = up_short

    if rec["kind"] == "jagged":
        arr = branch.array(library="ak")
        import awkward as ak

        counts = ak.to_numpy(ak.num(arr, axis=1)).astype(np.int64)
        flat = ak.to_numpy(ak.flatten(arr, axis=None))
        rec["counts_sha256"] = sha256_le(counts, "u4")
        rec["n_values"] = int(flat.size)
        rec["values_sha256"] = sha256_le(flat, short)
        # Baskets whose number of values equals their number of entries: a
        # reader guessing scalar-vs-jagged from the basket size gets tricked.
        starts = rec["basket_entry_starts"]
        cum = np.concatenate([[0], np.cumsum(counts)])
        tricky = [i for i in range(len(starts) - 1)
                  if starts[i + 1] > starts[i]
                  and cum[starts[i + 1]] - cum[starts[i]] == starts[i + 1] - starts[i]]
        if tricky:
            rec["baskets_values_eq_entries"] = tricky
    else:
        arr = branch.array(library="np")
        flat = np.asarray(arr).reshape(-1)
        rec["n_values"] = int(flat.size)
        rec["values_sha256"] = sha256_le(flat, short)
    return rec


def tree_record(tree, raw_file):
    rec = {"entries": int(tree.num_entries)}
    cluster = {}
    for m in ("fAutoFlush", "fClusterRangeEnd", "fClusterSize", "fNClusterRange"):
        v = member_or_none(tree, m)
        if v is not None:
            cluster[m] = v
    rec["cluster"] = cluster
    try:
        rec["common_entry_offsets"] = [int(x) for x in tree.common_entry_offsets()]
    except Exception as e:  # pragma: no cover
        rec["common_entry_offsets"] = "error: %s" % e
    branches = {}
    # full_paths: sub-branches (none in NanoAOD) are named "parent/child"
    for i, (name, b) in enumerate(tree.iteritems(recursive=True, full_paths=True)):
        try:
            branches[name] = branch_record(b, i, raw_file)
        except Exception as e:
            branches[name] = {"index": i, "entries": int(b.num_entries),
                              "unsupported": "error: %s: %s" % (type(e).__name__, e)}
    rec["branches"] = branches
    return rec


def find_trees(rootdir):
    """{path-without-cycle: TTree}; highest cycle wins."""
    out = {}
    for key, cls in rootdir.classnames(recursive=True).items():
        if cls not in ("TTree", "TNtuple"):
            continue
        path = key.rsplit(";", 1)[0]
        if path not in out:
            out[path] = rootdir[path]
    return out


def write_json(path, file_rec):
    """Valid JSON, sorted keys, one line per branch."""
    lines = ["{"]
    lines.append('"file":%s,' % dumps(file_rec["file"]))
    lines.append('"trees":{')
    tree_names = sorted(file_rec["trees"])
    for ti, tname in enumerate(tree_names):
        t = file_rec["trees"][tname]
        lines.append("%s:{" % dumps(tname))
        bnames = sorted(t["branches"])
        lines.append('"branches":{')
        for bi, bname in enumerate(bnames):
            sep = "," if bi + 1 < len(bnames) else ""
            lines.append("%s:%s%s" % (dumps(bname), dumps(t["branches"][bname]), sep))
        lines.append("},")
        lines.append('"cluster":%s,' % dumps(t["cluster"]))
        lines.append('"common_entry_offsets":%s,' % dumps(t["common_entry_offsets"]))
        lines.append('"entries":%s' % dumps(t["entries"]))
        lines.append("}" + ("," if ti + 1 < len(tree_names) else ""))
    lines.append("}")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    json.loads(text)  # sanity: must be valid JSON
    with open(path, "w") as f:
        f.write(text)


def dump_file(path):
    with uproot.open(path) as f, open(path, "rb") as raw:
        trees = find_trees(f)
        rec = {"file": os.path.basename(path), "trees": {}}
        for tname, tree in trees.items():
            rec["trees"][tname] = tree_record(tree, raw)
    return rec


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--out", required=True, help="output directory")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()
    for path in args.files:
        t1 = time.time()
        rec = dump_file(path)
        stem = os.path.splitext(os.path.basename(path))[0]
        out = os.path.join(args.out, stem + ".json")
        write_json(out, rec)
        nb = sum(len(t["branches"]) for t in rec["trees"].values())
        nu = sum(1 for t in rec["trees"].values() for b in t["branches"].values()
                 if "unsupported" in b)
        print("%s: %d trees, %d branches (%d unsupported) -> %s (%d bytes, %.1fs)" % (
            path, len(rec["trees"]), nb, nu, out, os.path.getsize(out), time.time() - t1))
    print("total %.1fs" % (time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
