#!/usr/bin/env python3
"""Compare a JSON-lines event dump (e.g. `pc dump`) with uproot, exactly.

Usage:
    python validation/compare_dump.py FILE.root --tree Events --dump-cmd "CMD" \
        [--branches B1,B2] [--entries START:STOP]

CMD is run through the shell and must print one JSON object per entry per
line, e.g. {"nMuon": 2, "Muon_pt": [41.5, 30.25], "HLT_IsoMu24": true}.
CMD may contain the placeholders {file} {tree} {branches} {entries}
(shell-quoted on substitution).  If it contains none of them, the arguments
    {file} --tree {tree} --branches {branches} [--entries {entries}]
are appended, matching the `pc dump` command line.

Comparison is exact: integers equal, bools equal (a JSON bool is required for
bool branches and an integer for integer branches), floats parsed from the
printed text, correctly rounded to the branch dtype (float32 for f4) and
compared bit for bit (any NaN equals any NaN; -0 differs from 0).  Float text
may also be an integer literal (Rust prints 2.0f32 as "2"); NaN/inf may be
NaN, Infinity, -Infinity, inf, -inf or null (= NaN).

Prints the first 10 mismatches (entry number and branch), then a summary line;
exit status 0 only if everything is equal.

Requires: uproot awkward numpy.
"""

import argparse
import json
import math
import re
import shlex
import subprocess
import sys
from fractions import Fraction

import numpy as np
import uproot

sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
from uproot_dump import numeric_branches, parse_entries, read_columns  # noqa: E402

MAX_REPORT = 10


class RawInt(str):
    pass


class RawFloat(str):
    pass


class RawConst(str):
    pass


_BARE_TOKENS = re.compile(r'(?<=[\[:,\s])(-?)(inf|NaN|nan)(?=[\],}\s])')


def parse_line(line):
    def decode(text):
        return json.loads(text, parse_int=RawInt, parse_float=RawFloat, parse_constant=RawConst)

    try:
        return decode(line)
    except ValueError:
        # Tolerate Rust's Display spellings of non-finite floats: inf, -inf, NaN
        fixed = _BARE_TOKENS.sub(lambda m: '"__%s%s__"' % (m.group(1), m.group(2)), line)
        obj = decode(fixed)

        def undo(v):
            if isinstance(v, list):
                return [undo(x) for x in v]
            if isinstance(v, str) and v.startswith("__") and v.endswith("__"):
                return RawConst(v[2:-2])
            return v

        return {k: undo(v) for k, v in obj.items()}


def text_to_f32(text):
    """Correctly rounded decimal -> float32 (avoids double rounding via f64)."""
    d = float(text)
    f = np.float32(d)
    g = float(f)
    if d == g or not math.isfinite(d):
        return f
    # Double rounding can only go wrong if d is exactly halfway between two
    # float32 values (midpoints are exact in f64); then decide exactly.
    other = np.nextafter(f, np.float32(math.copysign(np.inf, d - g)))
    if not np.isfinite(other) or d != (g + float(other)) * 0.5:
        return f
    exact = Fraction(text)
    d0 = abs(Fraction(g) - exact)
    d1 = abs(Fraction(float(other)) - exact)
    if d0 != d1:
        return f if d0 < d1 else other
    # exact tie: even mantissa
    return f if (int(np.array(f).view(np.uint32)) & 1) == 0 else other


def float_from_json(v, is_f32):
    """-> (ok, numpy float or error string)"""
    if v is None:
        text = "nan"
    elif isinstance(v, RawConst):
        text = {"NaN": "nan", "nan": "nan", "-NaN": "nan", "-nan": "nan",
                "Infinity": "inf", "-Infinity": "-inf", "inf": "inf", "-inf": "-inf"}.get(str(v))
        if text is None:
            return False, "bad constant %r" % str(v)
    elif isinstance(v, (RawFloat, RawInt)):
        text = str(v)
    else:
        return False, "expected a number, got %r" % (v,)
    if is_f32:
        return True, text_to_f32(text)
    return True, np.float64(float(text))


def same_float(a, b):
    if np.isnan(a) and np.isnan(b):
        return True
    return a.tobytes() == b.tobytes()


def compare_value(ours, ref, dtype):
    """-> None if equal, else a description."""
    kind = dtype.kind
    if kind == "b":
        if not isinstance(ours, bool):
            return "expected bool, got %s" % _show(ours)
        return None if ours == bool(ref) else "ours %s, uproot %s" % (_show(ours), bool(ref))
    if kind in "iu":
        if not isinstance(ours, RawInt):
            return "expected integer, got %s" % _show(ours)
        return None if int(ours) == int(ref) else "ours %s, uproot %d" % (ours, int(ref))
    if kind == "f":
        is_f32 = dtype.itemsize == 4
        ok, val = float_from_json(ours, is_f32)
        if not ok:
            return val
        r = dtype.type(ref)
        if same_float(val, r):
            return None
        return "ours %s (%r), uproot %r" % (_show(ours), val.item(), r.item())
    return "unsupported dtype %s" % dtype


def _show(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, str):
        return str(v)
    return json.dumps(v)[:60]


def build_command(template, file, tree, branches, entries):
    subs = {
        "file": shlex.quote(file),
        "tree": shlex.quote(tree),
        "branches": shlex.quote(",".join(branches)),
        "entries": shlex.quote(entries or ""),
    }
    if any("{%s}" % k in template for k in subs):
        cmd = template
        for k, v in subs.items():
            cmd = cmd.replace("{%s}" % k, v)
        return cmd
    cmd = "%s %s --tree %s --branches %s" % (template, subs["file"], subs["tree"], subs["branches"])
    if entries:
        cmd += " --entries %s" % subs["entries"]
    return cmd


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("--tree", default="Events")
    ap.add_argument("--dump-cmd", required=True)
    ap.add_argument("--branches", default=None, help="comma-separated (default: all numeric)")
    ap.add_argument("--entries", default=None, help="START:STOP")
    ap.add_argument("--show-cmd", action="store_true", help="print the command that is run")
    args = ap.parse_args(argv)

    with uproot.open(args.file) as f:
        tree = f[args.tree]
        all_numeric = numeric_branches(tree)
        if args.branches:
            names = [n for n in args.branches.split(",") if n]
            bad = [n for n in names if n not in all_numeric]
            if bad:
                print("error: not numeric branches of %s: %s" % (args.tree, ",".join(bad)))
                return 2
        else:
            names = all_numeric
        start, stop = parse_entries(args.entries, tree.num_entries)
        cols = read_columns(tree, names, start, stop)

    cmd = build_command(args.dump_cmd, args.file, args.tree, names, args.entries)
    if args.show_cmd:
        print("running:", cmd if len(cmd) < 500 else cmd[:500] + "...")
    proc = subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        print("error: dump command exited with %d" % proc.returncode)
        sys.stdout.write(proc.stderr.decode(errors="replace")[-2000:])
        return 2

    lines = [l for l in proc.stdout.decode().splitlines() if l.strip()]
    n_expected = stop - start
    mismatches = []
    n_mismatch = 0
    extra_keys = set()

    def report(entry, branch, what):
        nonlocal n_mismatch
        n_mismatch += 1
        if len(mismatches) < MAX_REPORT:
            mismatches.append("entry %s branch %s: %s" % (entry, branch, what))

    if len(lines) != n_expected:
        report("-", "-", "dump printed %d lines, expected %d entries (%d:%d)"
               % (len(lines), n_expected, start, stop))

    for i, line in enumerate(lines[:n_expected]):
        entry = start + i
        try:
            obj = parse_line(line)
        except ValueError as e:
            report(entry, "-", "unparsable line (%s): %s" % (e, line[:80]))
            continue
        if not isinstance(obj, dict):
            report(entry, "-", "line is not a JSON object")
            continue
        extra_keys.update(k for k in obj if k not in cols)
        for name in names:
            kind, data, offsets = cols[name]
            dtype = data.dtype
            if name not in obj:
                report(entry, name, "missing in dump")
                continue
            ours = obj[name]
            if kind == "scalar":
                if isinstance(ours, list):
                    report(entry, name, "ours is a list, uproot has a scalar")
                    continue
                why = compare_value(ours, data[i], dtype)
                if why:
                    report(entry, name, why)
            else:
                ref = data[offsets[i]:offsets[i + 1]]
                if not isinstance(ours, list):
                    report(entry, name, "ours is not a list (%s), uproot has %d values" % (_show(ours), len(ref)))
                    continue
                if ours and isinstance(ours[0], list):  # nested fixed dims: flatten
                    flat = []
                    stack = [ours]
                    while stack:
                        x = stack.pop()
                        if isinstance(x, list):
                            stack.extend(reversed(x))
                        else:
                            flat.append(x)
                    ours = flat
                if len(ours) != len(ref):
                    report(entry, name, "length ours %d, uproot %d" % (len(ours), len(ref)))
                    continue
                for j, (o, r) in enumerate(zip(ours, ref)):
                    why = compare_value(o, r, dtype)
                    if why:
                        report(entry, "%s[%d]" % (name, j), why)

    if extra_keys:
        print("note: dump has keys that were not asked for: %s" % ",".join(sorted(extra_keys))[:300])
    for m in mismatches:
        print(m)
    if n_mismatch:
        print("%d entries x %d branches: %d MISMATCHES" % (n_expected, len(names), n_mismatch))
        return 1
    print("%d events x %d branches: all equal" % (n_expected, len(names)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
