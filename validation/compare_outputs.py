#!/usr/bin/env python3
"""Compare two analysis output folders (DESIGN.md "Output contract"): histograms.json + cutflow.json.

    compare_outputs.py A_DIR B_DIR [--rtol 1e-9] [--atol 1e-12] [--max-diffs 20] [--ignore-labels]

Checks
  * cutflow.json: identical nested key sets; integer counts exactly equal (and both integers);
    floats (sumw, sumw2, sum_genweights) equal within rtol relative, or atol absolute (for zeros).
  * histograms.json: identical key sets; every histogram passes the UHI JSON schema (what
    `uhi validate` checks) and loads with uhi into hist.Hist (both sides); identical axes (type, edges / categories, flow flags, name and label — labels can be
    skipped with --ignore-labels) and storage type; values and variances, flow bins included,
    equal within rtol relative (atol absolute).
Prints a summary and the first differences; exit status 0 only if everything agrees,
1 on differences, 2 on unreadable input.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys

import hist
import numpy as np
import uhi.io.json as uhi_json
import uhi.schema as uhi_schema


class Diffs:
    def __init__(self, max_shown):
        self.items = []
        self.max_shown = max_shown

    def add(self, where, msg):
        self.items.append(f"{where}: {msg}")

    def __len__(self):
        return len(self.items)


def close(a, b, rtol, atol):
    if a == b:
        return True
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return abs(a - b) <= max(rtol * max(abs(a), abs(b)), atol)


# ------------------------------------------------------------------------------ cutflow
def compare_tree(a, b, path, diffs, rtol, atol, stats):
    if isinstance(a, dict) and isinstance(b, dict):
        ka, kb = set(a), set(b)
        for k in sorted(ka - kb):
            diffs.add(path + "/" + k, "only in A")
        for k in sorted(kb - ka):
            diffs.add(path + "/" + k, "only in B")
        for k in sorted(ka & kb):
            compare_tree(a[k], b[k], path + "/" + k, diffs, rtol, atol, stats)
        return
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, (int, float)) \
            or not isinstance(b, (int, float)):
        if a != b:
            diffs.add(path, f"A={a!r} B={b!r}")
        return
    stats["numbers"] += 1
    # counts (initial, skim, presel, categories) must be integers and exact; sums are floats
    is_count = path.split("/")[1] not in ("sumw", "sumw2", "sum_genweights")
    if is_count:
        if not (isinstance(a, int) and isinstance(b, int)):
            diffs.add(path, f"count is not an integer: A={a!r} B={b!r}")
        elif a != b:
            diffs.add(path, f"A={a} B={b} (counts must be exact)")
    else:
        if not close(float(a), float(b), rtol, atol):
            rel = abs(a - b) / max(abs(a), abs(b))
            diffs.add(path, f"A={a!r} B={b!r} rel.diff={rel:.3g}")


# ------------------------------------------------------------------------------ histograms
def load_hists(path):
    with open(path) as f:
        raw = json.load(f, object_hook=uhi_json.object_hook)
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: top level is not a JSON object")
    return raw


def schema_ok(path, where, diffs):
    """Validate every histogram of a histograms.json against the UHI JSON schema (`uhi validate`)."""
    with open(path) as f:
        raw = json.load(f)
    n_bad = 0
    for k, v in raw.items():
        try:
            uhi_schema.validate_histogram(v)
        except Exception as e:  # noqa: BLE001
            n_bad += 1
            diffs.add(f"histograms/{k} [{where}]", f"fails the UHI schema: {str(e)[:200]}")
    return len(raw) - n_bad


def to_hist(ser, where, diffs):
    try:
        return hist.Hist(ser)
    except Exception as e:  # noqa: BLE001
        diffs.add(where, f"uhi/hist cannot load it: {type(e).__name__}: {e}")
        return None


def axis_desc(ax, ignore_labels):
    d = {"class": type(ax).__name__, "name": ax.name}
    if not ignore_labels:
        d["label"] = ax.label
    t = ax.traits
    d["traits"] = (t.underflow, t.overflow, t.circular, t.growth)
    if isinstance(ax, (hist.axis.StrCategory, hist.axis.IntCategory)):
        d["categories"] = list(ax)
    else:
        d["edges"] = np.asarray(ax.edges, dtype=np.float64)
    return d


def compare_hist(ha, hb, where, diffs, rtol, atol, ignore_labels):
    if ha.ndim != hb.ndim:
        diffs.add(where, f"ndim A={ha.ndim} B={hb.ndim}")
        return
    for i, (xa, xb) in enumerate(zip(ha.axes, hb.axes)):
        da, db = axis_desc(xa, ignore_labels), axis_desc(xb, ignore_labels)
        for k in da:
            va, vb = da[k], db.get(k)
            same = np.array_equal(va, vb) if k == "edges" else va == vb
            if not same:
                if k == "edges" and len(va) == len(vb):
                    j = int(np.argmax(va != vb))
                    msg = f"edge {j}: A={float(va[j])!r} B={float(vb[j])!r}"
                else:
                    msg = f"A={va!r} B={vb!r}"
                diffs.add(f"{where} axis {i} ({xa.name}) {k}", msg)
                return
    sa, sb = ha.storage_type.__name__, hb.storage_type.__name__
    if sa != sb:
        diffs.add(where, f"storage A={sa} B={sb}")
        return
    va, vb = ha.view(flow=True), hb.view(flow=True)
    fields = [("value", "value"), ("variance", "variance")] if sa == "Weight" else [(None, None)]
    for fa, _ in fields:
        a = np.asarray(va[fa] if fa else va, dtype=np.float64)
        b = np.asarray(vb[fa] if fa else vb, dtype=np.float64)
        tol = np.maximum(rtol * np.maximum(np.abs(a), np.abs(b)), atol)
        bad = ~((a == b) | (np.abs(a - b) <= tol) | (np.isnan(a) & np.isnan(b)))
        if bad.any():
            idx = np.argwhere(bad)
            first = tuple(int(x) for x in idx[0])
            diffs.add(where, f"{fa or 'count'}: {len(idx)} bin(s) differ; first flow-index {first}: "
                             f"A={float(a[first])!r} B={float(b[first])!r}")


def main(argv=None):
    ap = argparse.ArgumentParser(description="Compare two analysis output folders.")
    ap.add_argument("a_dir")
    ap.add_argument("b_dir")
    ap.add_argument("--rtol", type=float, default=1e-9)
    ap.add_argument("--atol", type=float, default=1e-12)
    ap.add_argument("--max-diffs", type=int, default=20, help="differences printed")
    ap.add_argument("--ignore-labels", action="store_true", help="do not compare axis labels")
    args = ap.parse_args(argv)

    diffs = Diffs(args.max_diffs)
    stats = {"numbers": 0}

    # cutflow
    try:
        with open(os.path.join(args.a_dir, "cutflow.json")) as f:
            ca = json.load(f)
        with open(os.path.join(args.b_dir, "cutflow.json")) as f:
            cb = json.load(f)
        ha_raw = load_hists(os.path.join(args.a_dir, "histograms.json"))
        hb_raw = load_hists(os.path.join(args.b_dir, "histograms.json"))
    except (OSError, ValueError) as e:
        print(f"ERROR: {e}", file=sys.stderr)
        return 2
    compare_tree(ca, cb, "cutflow", diffs, args.rtol, args.atol, stats)
    n_cutflow = len(diffs)

    # histograms
    ka, kb = set(ha_raw), set(hb_raw)
    for k in sorted(ka - kb):
        diffs.add(f"histograms/{k}", "only in A")
    for k in sorted(kb - ka):
        diffs.add(f"histograms/{k}", "only in B")
    n_schema = sum(schema_ok(os.path.join(d, "histograms.json"), side, diffs)
                   for side, d in (("A", args.a_dir), ("B", args.b_dir)))
    n_loaded = 0
    for k in sorted(ka | kb):
        hs = []
        for side, raw in (("A", ha_raw), ("B", hb_raw)):
            if k in raw:
                h = to_hist(raw[k], f"histograms/{k} [{side}]", diffs)
                n_loaded += h is not None
                hs.append(h)
        if len(hs) == 2 and all(h is not None for h in hs):
            compare_hist(hs[0], hs[1], f"histograms/{k}", diffs, args.rtol, args.atol,
                         args.ignore_labels)

    n_hist = len(diffs) - n_cutflow
    print(f"cutflow: {stats['numbers']} numbers compared, {n_cutflow} difference(s)")
    print(f"histograms: A {len(ka)}, B {len(kb)}, common {len(ka & kb)}, loaded into hist.Hist "
          f"{n_loaded}, schema-valid {n_schema}, {n_hist} difference(s)  (rtol {args.rtol:g}, atol {args.atol:g})")
    if diffs.items:
        print(f"first {min(len(diffs), args.max_diffs)} of {len(diffs)} difference(s):")
        for line in diffs.items[: args.max_diffs]:
            print("  " + line)
        print("RESULT: DIFFERENT")
        return 1
    print("RESULT: IDENTICAL (within tolerance)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
