#!/usr/bin/env python3
"""Checks ROOT files written by pc-core's TTree writer against the expected values.

Usage: check_writer.py DIR [--require-root]

DIR holds pairs `sample_<codec>.root` / `sample_<codec>.json`, produced by
`PC_WRITE_SAMPLES_DIR=DIR cargo test -p pc-core write::tests::sample_files`. The JSON
lists, per tree, the number of entries, the cluster boundaries and, per branch, its type
(`f4`, `u4`, `bool`, ...), shape (`scalar`, `fixed:N`, `counted:COUNTER`), title and the
value of every entry.

Each file is read with uproot (every branch of every tree, plus titles, types and basket
boundaries) and, if `import ROOT` works, with ROOT: `TTree::GetEntries`, the cluster
iterator, every branch through `SetBranchAddress`/`GetEntry` (buffers sized by the counter
leaf's `fMaximum`, as ROOT itself does) and the scalar branches through `RDataFrame`.
Anything ROOT prints while doing so (errors, warnings) fails the check.
Exits non-zero on any mismatch.
"""

import ctypes
import glob
import json
import os
import sys
import tempfile

import numpy as np

DTYPES = {
    "bool": np.bool_,
    "i1": np.int8,
    "u1": np.uint8,
    "i2": np.int16,
    "u2": np.uint16,
    "i4": np.int32,
    "u4": np.uint32,
    "i8": np.int64,
    "u8": np.uint64,
    "f4": np.float32,
    "f8": np.float64,
}


class Report:
    def __init__(self):
        self.failures = []

    def check(self, ok, what):
        if not ok:
            self.failures.append(what)
        return ok


def expected_entry(branch, i):
    """Entry i of a branch as a numpy array (1-d for arrays, 0-d for scalars)."""
    return np.asarray(branch["values"][i], dtype=DTYPES[branch["type"]])


def same(a, b):
    a = np.asarray(a)
    b = np.asarray(b)
    return a.shape == b.shape and bool(np.all(a == b))


def check_uproot(path, spec, report):
    import awkward as ak
    import uproot

    with uproot.open(path) as f:
        names = [k.split(";")[0] for k in f.keys()]
        report.check(names == spec["tree_order"], f"{path}: trees {names}, expected {spec['tree_order']}")
        for tname, tspec in spec["trees"].items():
            tree = f[tname]
            where = f"{path}:{tname} (uproot)"
            report.check(tree.num_entries == tspec["entries"],
                         f"{where}: {tree.num_entries} entries, expected {tspec['entries']}")
            report.check(list(tree.keys()) == tspec["branch_order"],
                         f"{where}: branches {list(tree.keys())}, expected {tspec['branch_order']}")
            offsets = [int(x) for x in tree.common_entry_offsets()]
            report.check(offsets == tspec["cluster_boundaries"],
                         f"{where}: basket boundaries {offsets}, expected {tspec['cluster_boundaries']}")
            for bname, bspec in tspec["branches"].items():
                branch = tree[bname]
                bwhere = f"{where}:{bname}"
                report.check(branch.title == bspec["title"],
                             f"{bwhere}: title {branch.title!r}, expected {bspec['title']!r}")
                dtype = np.dtype(DTYPES[bspec["type"]])
                if bspec["shape"].startswith("counted"):
                    arr = branch.array(library="ak")
                    got = ak.to_list(arr)
                    flat = ak.to_numpy(ak.flatten(arr)) if len(arr) else np.zeros(0, dtype)
                    exp_flat = np.array([x for e in bspec["values"] for x in e], dtype=dtype)
                    ok = len(got) == len(bspec["values"]) and \
                        [len(e) for e in got] == [len(e) for e in bspec["values"]] and \
                        flat.dtype == dtype and same(flat, exp_flat)
                else:
                    arr = branch.array(library="np")
                    exp = np.array(bspec["values"], dtype=dtype)
                    ok = arr.dtype == dtype and same(arr, exp)
                report.check(ok, f"{bwhere}: values differ (uproot dtype {arr.type if hasattr(arr, 'type') else arr.dtype})")


class CapturedOutput:
    """Redirects the process's stdout and stderr (C level, where ROOT prints) to a file."""

    def __enter__(self):
        sys.stdout.flush()
        sys.stderr.flush()
        self.file = tempfile.TemporaryFile(mode="w+b")
        self.saved = [os.dup(1), os.dup(2)]
        os.dup2(self.file.fileno(), 1)
        os.dup2(self.file.fileno(), 2)
        return self

    def __exit__(self, *exc):
        import ROOT  # noqa: F401  (flush C stdio too)

        ROOT.gSystem.Sleep(0)
        try:
            ctypes.CDLL(None).fflush(None)
        except OSError:
            pass
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(self.saved[0], 1)
        os.dup2(self.saved[1], 2)
        for fd in self.saved:
            os.close(fd)
        self.file.seek(0)
        self.text = self.file.read().decode(errors="replace")
        self.file.close()
        return False


def check_root(path, spec, report):
    import ROOT

    messages = []
    with CapturedOutput() as out:
        f = ROOT.TFile.Open(path)
        if not report.check(f and not f.IsZombie(), f"{path}: ROOT cannot open it"):
            return ""
        for tname, tspec in spec["trees"].items():
            where = f"{path}:{tname} (ROOT)"
            tree = f.Get(tname)
            if not report.check(bool(tree), f"{where}: missing"):
                continue
            n = tree.GetEntries()
            report.check(n == tspec["entries"], f"{where}: {n} entries, expected {tspec['entries']}")
            starts = []
            it = tree.GetClusterIterator(0)
            start = it.Next()
            while start < n:
                starts.append(int(start))
                start = it.Next()
            report.check(starts == tspec["cluster_boundaries"][:-1],
                         f"{where}: cluster starts {starts}, expected {tspec['cluster_boundaries'][:-1]}")

            # Every branch through SetBranchAddress, buffers sized like ROOT sizes them.
            buffers = {}
            for bname, bspec in tspec["branches"].items():
                branch = tree.GetBranch(bname)
                if not report.check(bool(branch), f"{where}: no branch {bname}"):
                    continue
                leaf = branch.GetLeaf(bname)
                report.check(branch.GetTitle() == bspec["title"],
                             f"{where}:{bname}: title {branch.GetTitle()!r}")
                count = leaf.GetLeafCount()
                size = leaf.GetLen() if not count else max(1, count.GetMaximum())
                buf = np.zeros(size, dtype=DTYPES[bspec["type"]])
                tree.SetBranchAddress(bname, ctypes.c_void_p(buf.ctypes.data))
                buffers[bname] = buf
            mismatched = set()
            for i in range(n):
                tree.GetEntry(i)
                for bname, bspec in tspec["branches"].items():
                    if bname in mismatched or bname not in buffers:
                        continue
                    shape = bspec["shape"]
                    buf = buffers[bname]
                    if shape == "scalar":
                        got = buf[0]
                    elif shape.startswith("fixed:"):
                        got = buf[: int(shape[6:])]
                    else:
                        got = buf[: int(buffers[shape[8:]][0])]
                    if not same(got, expected_entry(bspec, i)):
                        mismatched.add(bname)
                        messages.append(f"{where}:{bname}: entry {i} is {got}, expected {bspec['values'][i]}")
            tree.ResetBranchAddresses()
            for bname in sorted(mismatched):
                report.check(False, f"{where}:{bname}: values differ (SetBranchAddress)")

            # Scalar branches through RDataFrame.
            scalars = [b for b, s in tspec["branches"].items() if s["shape"] == "scalar"]
            if n and scalars:
                # Char_t/UChar_t/Bool_t columns go through an int cast (AsNumpy lacks them).
                df = ROOT.RDataFrame(tree)
                names = []
                for bname in scalars:
                    if tspec["branches"][bname]["type"] in ("i1", "u1", "bool"):
                        df = df.Define(f"_int_{bname}", f"(int){bname}")
                        names.append(f"_int_{bname}")
                    else:
                        names.append(bname)
                cols = df.AsNumpy(names)
                for bname, col in zip(scalars, names):
                    bspec = tspec["branches"][bname]
                    exp = np.array(bspec["values"], dtype=DTYPES[bspec["type"]])
                    got = np.asarray(cols[col])
                    if col != bname:
                        got = got.astype(exp.dtype)
                    report.check(same(got, exp), f"{where}:{bname}: values differ (RDataFrame, dtype {got.dtype})")
        f.Close()
    for m in messages:
        print(m)
    return out.text


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        print(__doc__)
        return 2
    require_root = "--require-root" in argv
    try:
        import ROOT

        ROOT.gROOT.SetBatch(True)
        have_root = True
    except ImportError:
        have_root = False
    try:
        import uproot  # noqa: F401

        have_uproot = True
    except ImportError:
        have_uproot = False
    if require_root and not have_root:
        print("ROOT is required (--require-root) but `import ROOT` fails")
        return 1
    specs = sorted(glob.glob(os.path.join(args[0], "sample_*.json")))
    if not specs:
        print(f"no sample_*.json in {args[0]}")
        return 1
    report = Report()
    for spec_path in specs:
        with open(spec_path) as fh:
            spec = json.load(fh)
        path = os.path.join(args[0], spec["file"])
        print(f"== {path} (codec {spec['codec']})")
        before = len(report.failures)
        if have_uproot:
            check_uproot(path, spec, report)
            print("   uproot: read every branch of", ", ".join(spec["trees"]))
        if have_root:
            text = check_root(path, spec, report)
            noise = [line for line in text.splitlines() if line.strip()]
            report.check(not noise, f"{path}: ROOT printed:\n" + "\n".join(noise))
            print("   ROOT: read every branch;", "printed nothing" if not noise else f"printed {len(noise)} lines")
        for failure in report.failures[before:]:
            print("   FAIL", failure)
    print(f"uproot: {'yes' if have_uproot else 'not importable'}, ROOT: {'yes' if have_root else 'not importable'}")
    if report.failures:
        print(f"{len(report.failures)} failures")
        return 1
    print(f"all {len(specs)} files OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
