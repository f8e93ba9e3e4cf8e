#!/usr/bin/env python3
"""Side-by-side correction benchmark: `pc correction bench` against Python correctionlib's
vectorised evaluate (its core is C++), in one run, one core each.

Cases (from the shared 2018 UL files):
  - muon ID SF `NUM_TightID_DEN_TrackerMuons` (muon_Z.json.gz: year and ValType as
    broadcast strings, abseta and pt as columns: a 2-D binning),
  - pileup weight `Collisions18_UltraLegacy_goldenJSON` (puWeights.json.gz: nTrueInt
    column, variation as a broadcast string).
Inputs are uniform random columns of N rows (same ranges for both tools); the best of
--repeat evaluations is reported as evaluations per second.

Needs (PyPI): correctionlib==2.7.0, numpy.

usage: python bench/correction_bench.py [--n 4000000] [--repeat 5] [--pc target/release/pc]
                                        [--data ../shared/data]
"""
import argparse
import json
import os
import subprocess
import time

import correctionlib
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = [
    ("muon SF (2-D binning)", "2018_UL/muon_Z.json.gz", "NUM_TightID_DEN_TrackerMuons",
     [("year", "2018_UL"), ("abseta", (0.0, 2.4)), ("pt", (15.0, 120.0)), ("ValType", "sf")]),
    ("pileup weight", "2018_UL/puWeights.json.gz", "Collisions18_UltraLegacy_goldenJSON",
     [("NumTrueInteractions", (0.0, 99.0)), ("weights", "nominal")]),
]


def python_rate(path, name, inputs, n, repeat):
    corr = correctionlib.CorrectionSet.from_file(path)[name]
    rng = np.random.default_rng(1)
    args = [rng.uniform(*spec, n) if isinstance(spec, tuple) else spec for _, spec in inputs]
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        out = corr.evaluate(*args)
        best = min(best, time.perf_counter() - t)
    assert len(out) == n
    return n / best


def pc_rate(pc, path, name, inputs, n, repeat):
    cmd = [pc, "correction", "bench", path, name, "--n", str(n), "--repeat", str(repeat)]
    for var, spec in inputs:
        cmd += ["--input", f"{var}=uniform:{spec[0]}:{spec[1]}" if isinstance(spec, tuple) else f"{var}={spec}"]
    line = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(line)["evals_per_s"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--pc", default=os.path.join(HERE, "../target/release/pc"))
    ap.add_argument("--data", default=os.environ.get("PC_SHARED_DATA", os.path.join(HERE, "../../shared/data")))
    a = ap.parse_args()
    print(f"| correction | rows | correctionlib {correctionlib.__version__} (evals/s) | pc (evals/s) | pc / correctionlib |")
    print("| --- | --- | --- | --- | --- |")
    for label, file, name, inputs in CASES:
        path = os.path.join(a.data, "corrections", file)
        py = python_rate(path, name, inputs, a.n, a.repeat)
        ours = pc_rate(a.pc, path, name, inputs, a.n, a.repeat)
        print(f"| {label} | {a.n:,} | {py / 1e6:.1f} M | {ours / 1e6:.1f} M | {ours / py:.2f} |")


if __name__ == "__main__":
    main()
