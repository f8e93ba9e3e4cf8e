#!/usr/bin/env python3
"""Reference jet calibration (JEC, JER, JES/JER variations) with coffea 0.7's jetmet_tools.

Needs (PyPI): coffea==0.7.29 (with its awkward 1.10, numpy 1.26, scipy), uproot.

For every shared NanoAOD file (`../shared/data/nanoaod/*.root`, or `$PC_SHARED_DATA/nanoaod`)
the jets go through coffea's `CorrectedJetsFactory`, prepared as PocketCoffea 0.9's
`add_jec_variables` does (pt_raw = (1 - rawFactor) * pt, mass likewise, rho =
`fixedGridRhoFastjetAll`, pt_gen = matched GenJet pt or 0), with
  - JEC: Summer19UL18_V5_MC L1FastJet, L2Relative, L3Absolute (AK4PFchs),
  - JES: Summer19UL18_V5_MC Uncertainty (source "jes") and the RegroupedV2
    UncertaintySources (all sources),
  - JER: Summer19UL18_JRV2_MC PtResolution + SF.

Random numbers: coffea draws the stochastic-smearing Gaussians from a numpy PCG64 seeded per
chunk. pc draws one Gaussian per jet from a hash of (seed, run, lumi, event, jet index) (see
`pc-core/src/jetmet/smearing.rs`); this script reimplements that hash and substitutes those
numbers for coffea's (`rand_gauss` is replaced), so every jet, matched or not, can be compared.

Output: `validation/jetmet_reference.json`: per file, the per-event jet counts and, per jet,
the corrected pt (float32, 9 significant digits) after JEC only (`jec_only`), for nominal, JER up/down and every JES source
up/down (the RegroupedV2 sources only for nano_dy, to keep the file small), nominal mass.

Usage: /opt/pcoffea/bin/python validation/jetmet_reference.py
"""

import glob
import json
import math
import os
import sys
import warnings

import awkward as ak
import numpy as np
from coffea.jetmet_tools import CorrectedJetsFactory, JECStack
from coffea.lookup_tools import extractor
from coffea.nanoevents import NanoAODSchema, NanoEventsFactory

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("PC_SHARED_DATA", os.path.join(HERE, "..", "..", "shared", "data"))
JEC = os.path.join(SHARED, "jec")
SEED = 0  # JetCalibConfig::seed default in pc
FILES = [
    "Summer19UL18_V5_MC_L1FastJet_AK4PFchs.jec.txt.gz",
    "Summer19UL18_V5_MC_L2Relative_AK4PFchs.jec.txt.gz",
    "Summer19UL18_V5_MC_L3Absolute_AK4PFchs.jec.txt.gz",
    "Summer19UL18_V5_MC_Uncertainty_AK4PFchs.junc.txt.gz",
    "RegroupedV2_Summer19UL18_V5_MC_UncertaintySources_AK4PFchs.junc.txt.gz",
    "Summer19UL18_JRV2_MC_PtResolution_AK4PFchs.jr.txt.gz",
    "Summer19UL18_JRV2_MC_SF_AK4PFchs.jersf.txt.gz",
]
NAME_MAP = {
    "JetPt": "pt",
    "JetMass": "mass",
    "JetEta": "eta",
    "JetPhi": "phi",
    "JetA": "area",
    "ptGenJet": "pt_gen",
    "ptRaw": "pt_raw",
    "massRaw": "mass_raw",
    "Rho": "event_rho",
}

MASK64 = (1 << 64) - 1


def splitmix64(x):
    z = (x + 0x9E3779B97F4A7C15) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def jet_gauss(seed, run, lumi, event, index):
    """pc's per-jet standard normal: splitmix64 chain, then Box-Muller."""
    h = splitmix64(seed)
    for v in (run, lumi, event, index):
        h = splitmix64(h ^ v)
    a = splitmix64(h)
    b = splitmix64(a)
    u1 = ((a >> 11) + 1) * 2.0**-53
    u2 = (b >> 11) * 2.0**-53
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def build_factory():
    ext = extractor()
    ext.add_weight_sets([f"* * {os.path.join(JEC, f)}" for f in FILES])
    ext.finalize()
    return CorrectedJetsFactory(dict(NAME_MAP), JECStack(ext.make_evaluator()))


def f32_list(a):
    return [float(f"{float(v):.9g}") for v in np.asarray(a, dtype=np.float32)]


def one_file(path, factory, with_sources):
    events = NanoEventsFactory.from_root(path, schemaclass=NanoAODSchema).events()
    jets = events.Jet
    jets["pt_raw"] = (1 - jets.rawFactor) * jets.pt
    jets["mass_raw"] = (1 - jets.rawFactor) * jets.mass
    jets["event_rho"] = ak.broadcast_arrays(events.fixedGridRhoFastjetAll, jets.pt)[0]
    jets["pt_gen"] = ak.values_astype(ak.fill_none(jets.matched_gen.pt, 0), np.float32)

    counts = ak.to_numpy(ak.num(jets))
    run, lumi, evt = (ak.to_numpy(events[b]) for b in ("run", "luminosityBlock", "event"))
    gauss = [
        jet_gauss(SEED, int(run[i]), int(lumi[i]), int(evt[i]), j)
        for i in range(len(counts))
        for j in range(counts[i])
    ]
    gauss = np.asarray(gauss, dtype=np.float32)
    # The package re-exports the class under the module's name: patch the module itself.
    module = sys.modules["coffea.jetmet_tools.CorrectedJetsFactory"]
    module.rand_gauss = lambda item, randomstate: ak.Array(gauss)

    out = factory.build(jets, lazy_cache={})
    flat = lambda a: ak.to_numpy(ak.flatten(a))  # noqa: E731
    res = {
        "counts": [int(c) for c in counts],
        "pt_gen": f32_list(flat(jets.pt_gen)),
        "jec_only": f32_list(flat(out.pt_jec)),
        "nominal": f32_list(flat(out.pt)),
        "nominal_mass": f32_list(flat(out.mass)),
        "JER_up": f32_list(flat(out.JER.up.pt)),
        "JER_down": f32_list(flat(out.JER.down.pt)),
    }
    for name in factory.uncertainties():
        if not name.startswith("JES_") or (name != "JES_jes" and not with_sources):
            continue
        res[f"{name}_up"] = f32_list(flat(out[name].up.pt))
        res[f"{name}_down"] = f32_list(flat(out[name].down.pt))
    return res


def main():
    warnings.simplefilter("ignore")
    factory = build_factory()
    result = {"seed": SEED, "jec_files": FILES, "files": {}}
    for path in sorted(glob.glob(os.path.join(SHARED, "nanoaod", "*.root"))):
        stem = os.path.splitext(os.path.basename(path))[0]
        result["files"][stem] = one_file(path, factory, with_sources=(stem == "nano_dy"))
        print(stem, sum(result["files"][stem]["counts"]), "jets")
    with open(os.path.join(HERE, "jetmet_reference.json"), "w") as f:
        json.dump(result, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
