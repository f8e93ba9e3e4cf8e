#!/usr/bin/env python3
"""Reference implementation of the `pc dump` JSON-lines format, made with uproot.

Usage:
    python validation/uproot_dump.py FILE.root [--tree Events] [--branches B1,B2] [--entries START:STOP]

Prints one JSON object per entry per line, keys in the order of --branches
(default: every numeric branch, in file order).  Integers as integers, bools
as true/false, float32 as the shortest string that parses back to the same
float32 (like Rust's f32 Display), float64 as Python's shortest repr.
NaN/inf are printed as NaN, Infinity, -Infinity (Python json style).
Used to test validation/compare_dump.py against itself.

Requires: uproot awkward numpy.
"""

import argparse
import json
import math
import sys

import numpy as np
import uproot


def numeric_branches(tree):
    """Names of branches that read as plain numbers (scalar, fixed or jagged)."""
    out = []
    for name, b in tree.iteritems(recursive=True, full_paths=True):
        interp = b.interpretation
        if isinstance(interp, uproot.interpretation.jagged.AsJagged):
            interp = interp.content
        if type(interp) is uproot.interpretation.numerical.AsDtype:
            out.append(name)
    return out


def parse_entries(spec, n):
    if not spec:
        return 0, n
    a, _, b = spec.partition(":")
    start = int(a) if a.strip() else 0
    stop = int(b) if b.strip() else n
    if start < 0:
        start += n
    if stop < 0:
        stop += n
    start = max(0, min(start, n))
    stop = max(start, min(stop, n))
    return start, stop


def fmt_float(x, is_f32):
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if is_f32:
        return np.format_float_positional(np.float32(x), unique=True, trim="-")
    return repr(float(x))


def make_formatter(dtype):
    kind = dtype.kind
    if kind == "b":
        return lambda v: "true" if v else "false"
    if kind in "iu":
        return lambda v: str(int(v))
    if kind == "f":
        is_f32 = dtype.itemsize == 4
        return lambda v: fmt_float(v, is_f32)
    raise TypeError("unsupported dtype %s" % dtype)


def read_columns(tree, names, start, stop):
    """{name: (kind, data)} with python-iterable per-entry values."""
    import awkward as ak

    cols = {}
    wanted = set(names)
    missing = [n for n in names if n not in tree]
    if missing:
        raise KeyError("no such branches: %s" % ",".join(missing))
    # one bulk read (exact names, no formula parsing)
    arrays = tree.arrays(filter_name=lambda n: n in wanted, entry_start=start,
                         entry_stop=stop, library="ak", how=dict)
    for name in names:
        arr = arrays[name]
        if arr.ndim == 1:
            cols[name] = ("scalar", ak.to_numpy(arr), None)
        else:
            flat = ak.to_numpy(ak.flatten(arr, axis=None))
            counts = ak.to_numpy(ak.num(arr, axis=1))
            inner = 1
            if arr.ndim > 2:  # fixed inner dimensions (e.g. X[n][3] or X[3])
                inner = flat.size // max(1, int(ak.sum(counts)))
            offsets = np.concatenate([[0], np.cumsum(counts * inner)])
            cols[name] = ("list", flat, offsets)
    return cols


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("--tree", default="Events")
    ap.add_argument("--branches", default=None, help="comma-separated")
    ap.add_argument("--entries", default=None, help="START:STOP")
    args = ap.parse_args(argv)

    with uproot.open(args.file) as f:
        tree = f[args.tree]
        names = args.branches.split(",") if args.branches else numeric_branches(tree)
        names = [n for n in names if n]
        start, stop = parse_entries(args.entries, tree.num_entries)
        cols = read_columns(tree, names, start, stop)
        fmts = {n: make_formatter(cols[n][1].dtype) for n in names}
        keys = {n: json.dumps(n) for n in names}
        out = sys.stdout
        for i in range(stop - start):
            parts = []
            for n in names:
                kind, data, offsets = cols[n]
                fm = fmts[n]
                if kind == "scalar":
                    parts.append("%s: %s" % (keys[n], fm(data[i])))
                else:
                    vals = data[offsets[i]:offsets[i + 1]]
                    parts.append("%s: [%s]" % (keys[n], ", ".join(fm(v) for v in vals.tolist())))
            out.write("{" + ", ".join(parts) + "}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
