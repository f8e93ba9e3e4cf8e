#!/usr/bin/env python3
"""Side-by-side jet calibration benchmark, one core: pc's `JetCalibrator` against coffea 0.7's
`CorrectedJetsFactory` (PocketCoffea's legacy `jet_calibration` path), in one run.

Both calibrate the same jets (those of a shared NanoAOD file, repeated to >= --jets jets) with
Summer19UL18_V5_MC L1FastJet+L2Relative+L3Absolute, the Uncertainty file (one JES source) and
Summer19UL18_JRV2_MC JER, and produce pt and mass for nominal, JES up/down and JER up/down.
coffea's time includes building the lazy arrays and materialising those ten columns; pc's is
the `calibrate_event` loop (`pc-core/examples/jetmet_bench.rs`, built in release). The text
files are parsed once by both, outside the timing. Prints a markdown table; best of --repeat.

Needs (PyPI): coffea==0.7.29 (awkward 1.10, numpy 1.26), uproot.

usage: /opt/pcoffea/bin/python bench/jetmet_bench.py [--jets 1000000] [--repeat 3]
       [--file ../shared/data/nanoaod/nano_dy.root] [--pc-bench target/release/examples/jetmet_bench]
"""

import argparse
import json
import os
import subprocess
import time
import warnings

import awkward as ak
import numpy as np
import uproot
from coffea.jetmet_tools import CorrectedJetsFactory, JECStack
from coffea.lookup_tools import extractor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.environ.get("PC_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data"))
FILES = [
    "Summer19UL18_V5_MC_L1FastJet_AK4PFchs.jec.txt.gz",
    "Summer19UL18_V5_MC_L2Relative_AK4PFchs.jec.txt.gz",
    "Summer19UL18_V5_MC_L3Absolute_AK4PFchs.jec.txt.gz",
    "Summer19UL18_V5_MC_Uncertainty_AK4PFchs.junc.txt.gz",
    "Summer19UL18_JRV2_MC_PtResolution_AK4PFchs.jr.txt.gz",
    "Summer19UL18_JRV2_MC_SF_AK4PFchs.jersf.txt.gz",
]
NAME_MAP = {
    "JetPt": "pt", "JetMass": "mass", "JetEta": "eta", "JetPhi": "phi", "JetA": "area",
    "ptGenJet": "pt_gen", "ptRaw": "pt_raw", "massRaw": "mass_raw", "Rho": "event_rho",
}


def coffea_jets(path, min_jets):
    """The file's jets as PocketCoffea prepares them, the events repeated to >= min_jets."""
    a = uproot.open(path)["Events"].arrays(
        ["Jet_pt", "Jet_eta", "Jet_phi", "Jet_mass", "Jet_rawFactor", "Jet_area",
         "Jet_genJetIdx", "GenJet_pt", "fixedGridRhoFastjetAll"])
    idx = a.Jet_genJetIdx
    ok = (idx >= 0) & (idx < ak.num(a.GenJet_pt))
    safe = ak.where(ok, idx, 0)
    pt_gen = ak.where(ok, a.GenJet_pt[safe] if len(a) else a.Jet_pt, 0.0)
    jets = ak.zip({
        "pt": a.Jet_pt, "eta": a.Jet_eta, "phi": a.Jet_phi, "mass": a.Jet_mass,
        "area": a.Jet_area,
        "pt_raw": (1 - a.Jet_rawFactor) * a.Jet_pt,
        "mass_raw": (1 - a.Jet_rawFactor) * a.Jet_mass,
        "event_rho": ak.broadcast_arrays(a.fixedGridRhoFastjetAll, a.Jet_pt)[0],
        "pt_gen": ak.values_astype(pt_gen, np.float32),
    })
    reps = -(-min_jets // max(1, ak.sum(ak.num(jets))))
    jets = ak.packed(ak.concatenate([jets] * reps))
    return jets, int(ak.sum(ak.num(jets)))


def time_coffea(factory, jets, repeat):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = factory.build(jets, lazy_cache={})
        cols = [out.pt, out.mass, out.JES_jes.up.pt, out.JES_jes.down.pt, out.JES_jes.up.mass,
                out.JES_jes.down.mass, out.JER.up.pt, out.JER.down.pt, out.JER.up.mass,
                out.JER.down.mass]
        for c in cols:
            np.asarray(ak.flatten(c))
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--jets", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--file", default=os.path.join(SHARED, "nanoaod", "nano_dy.root"))
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    p.add_argument("--pc-bench", default=os.path.join(target, "release", "examples", "jetmet_bench"))
    args = p.parse_args()
    warnings.simplefilter("ignore")

    ext = extractor()
    ext.add_weight_sets([f"* * {os.path.join(SHARED, 'jec', f)}" for f in FILES])
    ext.finalize()
    factory = CorrectedJetsFactory(dict(NAME_MAP), JECStack(ext.make_evaluator()))
    jets, n = coffea_jets(args.file, args.jets)
    t_coffea = time_coffea(factory, jets, args.repeat)

    runs = []
    for _ in range(args.repeat):
        cmd = [args.pc_bench, args.file, os.path.join(SHARED, "jec"), str(args.jets)]
        runs.append(json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout))
    pc = min(runs, key=lambda r: r["seconds"])
    rate_c, rate_pc = n / t_coffea, pc["jets"] / pc["seconds"]
    print(f"jets: coffea {n}, pc {pc['jets']}; one core; best of {args.repeat}\n")
    print("| tool | jets/s | ns/jet | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| coffea 0.7 CorrectedJetsFactory | {rate_c:.3g} | {1e9 / rate_c:.0f} | 1.0 |")
    print(f"| pc JetCalibrator | {rate_pc:.3g} | {1e9 / rate_pc:.0f} | {rate_pc / rate_c:.1f} |")


if __name__ == "__main__":
    main()
