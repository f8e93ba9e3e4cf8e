#!/usr/bin/env python3
"""Check a histograms.json written by pc with the scikit-hep tools.

1. `uhi validate FILE` (the uhi CLI, run as `python -m uhi validate`; needs the
   `uhi[schema]` extra, i.e. fastjsonschema) must print OK.
2. Every histogram is loaded as the uhi docs show
   (`json.load(f, object_hook=uhi.io.json.object_hook)`, then `hist.Hist(d)`), its axes and
   sums (flow included) are printed, and it is written back with `uhi.io.json.default`:
   the axes and the values/variances hist re-serialises must equal what the file holds
   (so hist read every bin, flow bins included, where we put it).
3. The output-contract layout: keys `histogram/sample/dataset`, first axis `cat`, then
   `variation` (when present), all storage weighted.

Exits non-zero on any failure.

Usage: python validation/check_uhi.py FILE.json [--quiet]
"""

from __future__ import annotations

import json
import subprocess
import sys

import hist
import numpy as np
import uhi.io.json


def fail(msg: str) -> None:
    print(f"FAIL {msg}")
    sys.exit(1)


def axis_summary(ax) -> str:
    kind = type(ax).__name__
    if kind in ("StrCategory", "IntCategory"):
        return f"{ax.name}:{kind}{list(ax)}"
    return f"{ax.name}:{kind}({ax.size}, {ax.edges[0]:g}, {ax.edges[-1]:g})"


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    quiet = "--quiet" in sys.argv
    if len(args) != 1:
        fail("usage: check_uhi.py FILE.json [--quiet]")
    path = args[0]

    proc = subprocess.run(
        [sys.executable, "-m", "uhi", "validate", path], capture_output=True, text=True
    )
    out = (proc.stdout + proc.stderr).strip()
    print(f"uhi validate: {out}")
    if proc.returncode != 0 or not out.startswith("OK"):
        fail(f"uhi validate exited {proc.returncode}")

    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    with open(path, encoding="utf-8") as f:
        data = json.load(f, object_hook=uhi.io.json.object_hook)
    if not isinstance(data, dict) or "uhi_schema" in data or not data:
        fail("expected a non-empty mapping of named histograms")

    for key, d in data.items():
        if key.count("/") != 2:
            fail(f"{key}: key is not histogram/sample/dataset")
        h = hist.Hist(d)
        if h.axes[0].name != "cat" or not isinstance(h.axes[0], hist.axis.StrCategory):
            fail(f"{key}: first axis is not the `cat` string category")
        if h.storage_type is not hist.storage.Weight:
            fail(f"{key}: storage is {h.storage_type.__name__}, not Weight")

        # hist must give back exactly what the file holds.
        again = json.loads(json.dumps(h, default=uhi.io.json.default))
        mine = raw[key]
        for i, (a, b) in enumerate(zip(mine["axes"], again["axes"])):
            a = {k: v for k, v in a.items() if k != "writer_info"}
            b = {k: v for k, v in b.items() if k != "writer_info"}
            if a.get("metadata", {}).get("label", "") == "":
                b.get("metadata", {}).pop("label", None)
            if a != b:
                fail(f"{key}: axis {i} reads back as {b}, file has {a}")
        for field in ("values", "variances"):
            x = np.asarray(mine["storage"][field], dtype=float)
            y = np.asarray(again["storage"][field], dtype=float)
            if x.shape != y.shape or not np.array_equal(x, y):
                fail(f"{key}: storage {field} differ after hist read it")
        view = h.view(flow=True)
        if view.shape != tuple(len(ax) + ax.traits.underflow + ax.traits.overflow for ax in h.axes):
            fail(f"{key}: flow view shape {view.shape} does not match the axes")

        s = h.sum(flow=True)
        s_in = h.sum(flow=False)
        if not quiet:
            axes = ", ".join(axis_summary(ax) for ax in h.axes)
            print(
                f"OK {key}: [{axes}] sum(flow) value={s.value:.17g} "
                f"variance={s.variance:.17g}; in range value={s_in.value:.17g}"
            )
    print(f"OK {len(data)} histograms read by hist {hist.__version__} (uhi {uhi.__version__})")


if __name__ == "__main__":
    main()
