#!/usr/bin/env python3
"""Make validation/lumimask_fixture.json: random (run, lumi) pairs on the real golden JSONs, with
the answer of coffea's LumiMask algorithm (re-implemented here with numpy: each run's ranges are
flattened, the starts lowered by one, and a lumi is certified when `searchsorted` lands on an odd
index, i.e. first <= lumi <= last). The Rust test `lumimask::tests` compares against it.

Usage: python validation/lumimask_fixture.py [DATA_DIR]   (default: $PC_SHARED_DATA or ../shared/data)
"""
import json
import os
import sys

import numpy as np

FILES = {
    "Cert_314472-325175_13TeV_Legacy2018_Collisions18_JSON.txt": 3000,
    "Cert_294927-306462_13TeV_UL2017_Collisions17_GoldenJSON.txt": 1000,
    "Cert_271036-284044_13TeV_Legacy2016_Collisions16_JSON.txt": 1000,
    "Cert_Collisions2022_355100_362760_Golden.json": 1000,
}


class CoffeaLumiMask:
    """coffea.lumi_tools.LumiMask, same algorithm."""

    def __init__(self, path):
        with open(path) as f:
            golden = json.load(f)
        self.masks = {}
        for run, lumilist in golden.items():
            mask = np.array(lumilist, dtype=np.uint32).flatten()
            mask[::2] -= 1
            self.masks[np.uint32(int(run))] = mask

    def __call__(self, runs, lumis):
        out = np.zeros(len(runs), dtype=bool)
        for i, (run, lumi) in enumerate(zip(runs, lumis)):
            m = self.masks.get(np.uint32(run))
            if m is not None and np.searchsorted(m, np.uint32(lumi)) % 2 == 1:
                out[i] = True
        return out


def pairs(golden, n, rng):
    """Half near range edges of certified runs, a quarter anywhere in certified runs,
    a quarter in runs absent from the file."""
    runs = sorted(int(r) for r in golden)
    present = set(runs)
    out = []
    for k in range(n):
        kind = k % 4
        if kind in (0, 1):
            run = runs[rng.integers(len(runs))]
            lo, hi = golden[str(run)][rng.integers(len(golden[str(run)]))]
            lumi = int(rng.choice([lo - 1, lo, lo + 1, hi - 1, hi, hi + 1]))
        elif kind == 2:
            run = runs[rng.integers(len(runs))]
            top = max(hi for _, hi in golden[str(run)])
            lumi = int(rng.integers(0, top + 20))
        else:
            while True:
                run = int(rng.integers(runs[0] - 10, runs[-1] + 10))
                if run not in present:
                    break
            lumi = int(rng.integers(0, 2000))
        out.append((run, max(lumi, 0)))
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    data = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
        "PC_SHARED_DATA", os.path.join(here, "..", "..", "shared", "data"))
    rng = np.random.default_rng(20240611)
    cases = []
    for name, n in FILES.items():
        path = os.path.join(data, "lumimasks", name)
        with open(path) as f:
            golden = json.load(f)
        p = pairs(golden, n, rng)
        runs = [r for r, _ in p]
        lumis = [l for _, l in p]
        expected = CoffeaLumiMask(path)(np.array(runs), np.array(lumis))
        # Cross-check with a plain inclusive-range loop.
        for r, l, e in zip(runs, lumis, expected):
            assert e == any(a <= l <= b for a, b in golden.get(str(r), [])), (r, l)
        cases.append({
            "file": name,
            "n_runs": len(golden),
            "runs": runs,
            "lumis": lumis,
            "expected": "".join("1" if e else "0" for e in expected),
        })
        print(f"{name}: {n} pairs, {int(expected.sum())} certified")
    out = os.path.join(here, "lumimask_fixture.json")
    with open(out, "w") as f:
        json.dump({"generator": "validation/lumimask_fixture.py", "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
