#!/usr/bin/env python3
"""Independent Python (uproot + awkward + hist + correctionlib) reference of PocketCoffea's Z->mumu example.

This is the *written* definition of the complete analysis (PocketCoffea's `configs/zmumu`) that
the Rust implementation is compared with, bin by bin (see `compare_outputs.py`).  It does not
use any code from the Rust project, nor coffea.

Needs (PyPI): uproot 5 (5.7.7), awkward 2 (2.14), numpy 2 (2.4), hist (2.12), uhi (1.2),
correctionlib (2.7.0); `jec_numpy.py` (next to this file) for the jet calibration.

What it implements:
  * skim, object selection, preselection, category `baseline`, 14 histograms, cutflow,
    normalisation by sum_genweights (as before);
  * MC jets calibrated before the object selection (PocketCoffea's `jet_calibration`, legacy
    text files in DATA_DIR/jec/): JEC Summer19UL18_V5_MC L1FastJet+L2Relative+L3Absolute
    (AK4PFchs) on raw pt/mass, JER hybrid smearing Summer19UL18_JRV2_MC (nominal SF; random
    numbers = pc's `jet_gauss(0, run, lumi, event, jet index)`), see `jec_numpy.py`; the
    calibrated pt/mass are stored as float32 (like the NanoAOD columns they replace) and the
    jets re-sorted by calibrated pt, descending (stable).  Data jets are untouched.
  * MC weights, multiplied in this order (float64 from the float32 branches): genWeight, lumi,
    XS, pileup (`Collisions18_UltraLegacy_goldenJSON` on Pileup_nTrueInt), sf_mu_id
    (`NUM_TightID_DEN_TrackerMuons`) and sf_mu_iso (`NUM_LooseRelIso_DEN_TightIDandIPCut`),
    each the product over MuonGood of the SF at ("2018_UL", |eta|, pt, "sf"); data weight 1.
  * MC `variation` axis: nominal, pileupDown, pileupUp, sf_mu_idDown, sf_mu_idUp,
    sf_mu_isoDown, sf_mu_isoUp; a variation's weight is the product above with that one factor
    replaced by its up/down value ("up"/"down", "systup"/"systdown").  sumw/sumw2 use the nominal
    weight; presel and category counts are keyed "nominal" only (no shape variations).

Spec references (``shared/reference/pocketcoffea_spec.md``):
  * 2.4  skim, 2.3 object preselection, 2.5 preselection, 2.6 categories, 2.8 histograms
  * 3.2  per-chunk order of operations, 3.3 cutflow and sums, 3.4 normalisation
  * 1.17 output format; ``shared/DESIGN.md`` "Output contract".

Usage::

    zmumu_reference.py DATASETS.json --golden Cert_314472-325175_13TeV_Legacy2018_Collisions18_JSON.txt \\
        --out DIR [--data-dir DIR] [--base-dir FOLDER] [--step-size "200 MB"] [--verbose]
    zmumu_reference.py --check-jets [--data-dir DIR]   # JEC/JER vs coffea (jetmet_reference.json)

DATA_DIR (default $PC_SHARED_DATA, else ../shared/data relative to the repository) holds
`corrections/2018_UL/{puWeights,muon_Z}.json.gz` and `jec/`.

Writes ``DIR/histograms.json`` (UHI JSON, keyed "{histogram}/{sample}/{dataset}") and
``DIR/cutflow.json``; also ``DIR/cut_diagnostics.json`` (how many events each individual cut
rejects; not part of the output contract).

Numerical conventions (decisions of this reference, all documented in the brief or below):
  * Object cuts are evaluated the way awkward/NumPy evaluate them in PocketCoffea: a float32
    branch compared with a Python float compares in float32 (NumPy 2 / NEP 50 "weak scalar"),
    i.e. against the threshold rounded to float32.  This only matters for a value exactly equal
    to float32(threshold) when float32(threshold) < threshold (here: pfRelIso03_all < 0.06);
    such objects are counted in cut_diagnostics.json ("float32_threshold_ties").
  * etaSC = eta + deltaEtaSC, Delta R, the dilepton four-vector and all histogram values /
    weights are computed in float64 from the float32 inputs (as the brief requires).
  * sum_genweights is a float64 sum (numpy pairwise summation) of float32 genWeight.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from collections import OrderedDict

import awkward as ak
import correctionlib
import hist
import numpy as np
import uproot
import uhi.io.json as uhi_json

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jec_numpy  # noqa: E402  (this folder's jet calibration)

# --------------------------------------------------------------------------------------
# Constants of the analysis (spec 2.1, 2.4, 2.7; values for 2018 Nano v9)
# --------------------------------------------------------------------------------------
LUMI_PB = {"2018": 59832.47534}  # pb^-1, PocketCoffea's lumi weight for 2018

MUON = dict(pt=15.0, eta=2.4, iso=0.25)  # tightId, pfRelIso04_all  (PFIsoLoose)
ELECTRON = dict(pt=15.0, eta=2.4, iso=0.06, gap_low=1.4442, gap_high=1.5660)  # mvaFall17V2Iso_WP80
JET = dict(pt=30.0, eta=2.4, jetId=2, puId=4, puId_maxpt=50.0, dr_lepton=0.4)
BTAG_DEEPFLAVB_M_2018 = 0.2783

SKIM_MUON_PT = 18.0  # get_nObj_min(1, 18., "Muon") -> pt >= 18
PRESEL = dict(pt_leading_muon=25.0, mll_low=25.0, mll_high=2000.0)

FLAGS_MC_2018 = [
    "Flag_goodVertices",
    "Flag_globalSuperTightHalo2016Filter",
    "Flag_HBHENoiseFilter",
    "Flag_HBHENoiseIsoFilter",
    "Flag_EcalDeadCellTriggerPrimitiveFilter",
    "Flag_BadPFMuonFilter",
]
FLAGS_DATA_2018 = FLAGS_MC_2018 + ["Flag_eeBadScFilter"]
HLT_2018_SINGLEMUON = ["HLT_IsoMu24"]

CATEGORY = "baseline"  # spec 2.6: {"baseline": [passthrough]}
VARIATION = "nominal"  # the only shape variation (no shape variations requested in zmumu)
# Weights with variations (spec 2.7), in multiplication order after genWeight, lumi, XS
WEIGHTS_WITH_VARIATIONS = ["pileup", "sf_mu_id", "sf_mu_iso"]
VARIATIONS_MC = sorted([VARIATION] + [f"{w}{d}" for w in WEIGHTS_WITH_VARIATIONS for d in ("Up", "Down")])

PILEUP = dict(file="corrections/2018_UL/puWeights.json.gz", name="Collisions18_UltraLegacy_goldenJSON",
              keys={"nominal": "nominal", "Up": "up", "Down": "down"})
MUON_SF = dict(file="corrections/2018_UL/muon_Z.json.gz", year="2018_UL",
               names={"sf_mu_id": "NUM_TightID_DEN_TrackerMuons",
                      "sf_mu_iso": "NUM_LooseRelIso_DEN_TightIDandIPCut"},
               keys={"nominal": "sf", "Up": "systup", "Down": "systdown"})

BRANCHES_MC = (
    ["genWeight", "event", "Pileup_nTrueInt", "fixedGridRhoFastjetAll", "GenJet_pt"]
    + ["Jet_" + b for b in ("rawFactor", "area", "genJetIdx")]
)
BRANCHES_COMMON = (
    ["run", "luminosityBlock", "PV_npvsGood"]
    + FLAGS_DATA_2018
    + HLT_2018_SINGLEMUON
    + ["Muon_" + b for b in ("pt", "eta", "phi", "mass", "charge", "pfRelIso04_all", "tightId")]
    + ["Electron_" + b for b in ("pt", "eta", "phi", "mass", "charge", "deltaEtaSC",
                                   "pfRelIso03_all", "mvaFall17V2Iso_WP80")]
    + ["Jet_" + b for b in ("pt", "eta", "phi", "mass", "jetId", "puId", "btagDeepFlavB")]
)

# --------------------------------------------------------------------------------------
# Histogram definitions (spec 2.8).  name -> (axis name, label, bins, lo, hi, source, position)
#   source: a callable(objects) -> float64 array (per event) or jagged array (per object)
#   position: None for event-level variables, k for "k-th object" (0-based)
# --------------------------------------------------------------------------------------
PI = math.pi
HISTOGRAMS = OrderedDict(
    [
        ("MuonGood_eta_1", ("MuonGood.eta", None, 50, -2.5, 2.5, ("MuonGood", "eta"), 0)),
        ("MuonGood_pt_1", ("MuonGood.pt", None, 50, 0.0, 150.0, ("MuonGood", "pt"), 0)),
        ("MuonGood_phi_1", ("MuonGood.phi", None, 64, -PI, PI, ("MuonGood", "phi"), 0)),
        ("nElectronGood", ("events.nElectronGood", None, 3, 0.0, 3.0, ("events", "nElectronGood"), None)),
        ("nMuonGood", ("events.nMuonGood", None, 3, 0.0, 3.0, ("events", "nMuonGood"), None)),
        ("nJets", ("events.nJetGood", None, 8, 0.0, 8.0, ("events", "nJetGood"), None)),
        ("nBJets", ("events.nBJetGood", None, 8, 0.0, 8.0, ("events", "nBJetGood"), None)),
        ("JetGood_eta_1", ("JetGood.eta", None, 50, -2.5, 2.5, ("JetGood", "eta"), 0)),
        ("JetGood_eta_2", ("JetGood.eta", None, 50, -2.5, 2.5, ("JetGood", "eta"), 1)),
        ("JetGood_pt_1", ("JetGood.pt", None, 50, 0.0, 300.0, ("JetGood", "pt"), 0)),
        ("JetGood_pt_2", ("JetGood.pt", None, 50, 0.0, 300.0, ("JetGood", "pt"), 1)),
        ("JetGood_phi_1", ("JetGood.phi", None, 64, -PI, PI, ("JetGood", "phi"), 0)),
        ("JetGood_phi_2", ("JetGood.phi", None, 64, -PI, PI, ("JetGood", "phi"), 1)),
        ("mll", ("ll.mass", r"$M_{\ell\ell}$ [GeV]", 100, 0.0, 200.0, ("ll", "mass"), None)),
    ]
)


def make_hist(name: str, is_mc: bool) -> hist.Hist:
    """Empty histogram: cat axis, (MC) variation axis, analysis axis; Weight storage."""
    axis_name, label, bins, lo, hi, _, _ = HISTOGRAMS[name]
    axes = [hist.axis.StrCategory([CATEGORY], name="cat", label="Category")]
    if is_mc:
        axes.append(hist.axis.StrCategory(VARIATIONS_MC, name="variation", label="Variation"))
    axes.append(
        hist.axis.Regular(bins, lo, hi, name=axis_name, label=label if label else axis_name,
                          underflow=True, overflow=True)
    )
    return hist.Hist(*axes, storage=hist.storage.Weight())


# --------------------------------------------------------------------------------------
# Dataset JSON (spec 1.1: built dataset JSON)
# --------------------------------------------------------------------------------------
def parse_bool(v) -> bool:
    if isinstance(v, bool):
        return v
    s = str(v).strip().lower()
    if s in ("true", "1", "yes"):
        return True
    if s in ("false", "0", "no"):
        return False
    raise ValueError(f"cannot parse boolean {v!r}")


def expand_env(entry: str) -> str:
    """Replaces each ${VAR} by the environment variable (as pc does); unset or empty is an error."""
    def value(m):
        v = os.environ.get(m.group(1))
        if not v:
            raise KeyError(f"{entry!r} uses the environment variable {m.group(1)}, which is not set")
        return v
    return re.sub(r"\$\{([A-Za-z0-9_]+)\}", value, entry)


def load_datasets(path: str, base_dir: str | None = None):
    """Relative file paths are resolved against the JSON's folder (or base_dir if given);
    ${VAR} in them is replaced by the environment variable."""
    with open(path) as f:
        cfg = json.load(f, object_pairs_hook=OrderedDict)
    base = base_dir if base_dir else os.path.dirname(os.path.abspath(path))
    out = OrderedDict()
    for name, d in cfg.items():
        md = d["metadata"]
        files = []
        for fn in d["files"]:
            fn = expand_env(fn)
            p = fn if os.path.isabs(fn) or "://" in fn else os.path.normpath(os.path.join(base, fn))
            if "://" not in p and not os.path.exists(p):
                raise FileNotFoundError(f"dataset {name}: file {fn!r} -> {p} does not exist")
            files.append(p)
        is_mc = parse_bool(md["isMC"])
        out[name] = dict(
            sample=md["sample"],
            year=str(md["year"]),
            is_mc=is_mc,
            xsec=float(md["xsec"]) if is_mc else None,
            files=files,
        )
    return out


# --------------------------------------------------------------------------------------
# Golden JSON lumi mask (spec 2.4 goldenJson; inclusive [first, last] lumi ranges per run)
# --------------------------------------------------------------------------------------
class LumiMask:
    def __init__(self, path: str):
        with open(path) as f:
            d = json.load(f)
        starts, ends = [], []
        for run, ranges in d.items():
            for lo, hi in ranges:
                starts.append((int(run) << 32) | int(lo))
                ends.append((int(run) << 32) | int(hi))
        order = np.argsort(np.asarray(starts, dtype=np.uint64), kind="stable")
        self.starts = np.asarray(starts, dtype=np.uint64)[order]
        self.ends = np.asarray(ends, dtype=np.uint64)[order]

    def __call__(self, run: np.ndarray, lumi: np.ndarray) -> np.ndarray:
        key = (np.asarray(run).astype(np.uint64) << np.uint64(32)) | np.asarray(lumi).astype(np.uint64)
        # last range whose start <= key; ranges of one run do not overlap and run is the high word
        idx = np.searchsorted(self.starts, key, side="right") - 1
        ok = idx >= 0
        res = np.zeros(len(key), dtype=bool)
        res[ok] = key[ok] <= self.ends[idx[ok]]
        return res


# --------------------------------------------------------------------------------------
# Physics helpers (float64 arithmetic from float32 inputs)
# --------------------------------------------------------------------------------------
def f64(x):
    return ak.values_astype(x, np.float64)


def delta_r(eta1, phi1, eta2, phi2):
    """Delta R with dphi wrapped into [-pi, pi) as (dphi + pi) mod 2pi - pi (numpy np.mod)."""
    dphi = f64(phi1) - f64(phi2)
    dphi = np.mod(dphi + np.pi, 2 * np.pi) - np.pi
    deta = f64(eta1) - f64(eta2)
    return np.sqrt(deta * deta + dphi * dphi)


def p4(pt, eta, phi, mass):
    """Cartesian components (px, py, pz, E) in float64 from float32 (pt, eta, phi, mass)."""
    pt, eta, phi, mass = (np.asarray(a, dtype=np.float64) for a in (pt, eta, phi, mass))
    px = pt * np.cos(phi)
    py = pt * np.sin(phi)
    pz = pt * np.sinh(eta)
    e = np.sqrt(px * px + py * py + pz * pz + mass * mass)
    return px, py, pz, e


# --------------------------------------------------------------------------------------
# One chunk (= one file here) of one dataset: spec 3.2 steps 3-11 for the nominal variation
# --------------------------------------------------------------------------------------
class Corrections:
    """The correction files of DATA_DIR, read once: jet calibration, pileup, muon SFs."""

    def __init__(self, data_dir):
        self.data_dir = data_dir
        self.jets = jec_numpy.JetCalibration(os.path.join(data_dir, "jec"))
        pu = correctionlib.CorrectionSet.from_file(os.path.join(data_dir, PILEUP["file"]))
        self.pileup = pu[PILEUP["name"]]
        mu = correctionlib.CorrectionSet.from_file(os.path.join(data_dir, MUON_SF["file"]))
        self.muon = {w: mu[name] for w, name in MUON_SF["names"].items()}

    def weight_factors(self, ev, muons):
        """{weight: {"nominal"|"Up"|"Down": float64 per event}} for pileup, sf_mu_id, sf_mu_iso."""
        out = OrderedDict()
        n_true = ak.to_numpy(ev["Pileup_nTrueInt"]).astype(np.float64)
        out["pileup"] = {k: np.asarray(self.pileup.evaluate(n_true, v), dtype=np.float64)
                         for k, v in PILEUP["keys"].items()}
        counts = ak.to_numpy(ak.num(muons.pt, axis=1))
        abseta = np.abs(ak.to_numpy(ak.flatten(muons.eta)).astype(np.float64))
        pt = ak.to_numpy(ak.flatten(muons.pt)).astype(np.float64)
        for w, corr in self.muon.items():
            out[w] = {}
            for k, v in MUON_SF["keys"].items():
                sf = np.asarray(corr.evaluate(MUON_SF["year"], abseta, pt, v), dtype=np.float64)
                out[w][k] = ak.to_numpy(ak.prod(ak.unflatten(sf, counts), axis=1))  # 1 if no muon
        return out


def calibrate_jets(ev, corr):
    """MC: JEC + JER on the jets, then all Jet_* columns re-sorted by calibrated pt (descending,
    stable), as PocketCoffea's jet_calibration + sort_by_pt; returns the new event record."""
    pt, mass, _ = jec_numpy.calibrate_events(corr.jets, ev)
    order = ak.argsort(pt, axis=1, ascending=False, stable=True)
    ev["Jet_pt"] = pt
    ev["Jet_mass"] = mass
    for b in ev.fields:
        if b.startswith("Jet_"):
            ev[b] = ev[b][order]
    return ev


def process_chunk(ev, ds, lumimask, acc, diag, corr):
    is_mc = ds["is_mc"]
    n = len(ev)

    # 3.2 step 3: initial count and sum of genweights (before any cut)
    acc["initial"] += n
    if is_mc:
        gw_all = ak.to_numpy(ev["genWeight"]).astype(np.float64)
        acc["sum_genweights"] += float(np.sum(gw_all))

    # ---- 3.2 step 5: skim (spec 2.4), AND of the skim cuts --------------------------------
    skim_cuts = OrderedDict()
    skim_cuts["PV_npvsGood>=1"] = ak.to_numpy(ev["PV_npvsGood"]) >= 1
    flags = FLAGS_MC_2018 if is_mc else FLAGS_DATA_2018
    flag_mask = np.ones(n, dtype=bool)
    for fl in flags:
        flag_mask &= ak.to_numpy(ev[fl]).astype(bool)
    skim_cuts["eventFlags"] = flag_mask
    if not is_mc:
        skim_cuts["goldenJson"] = lumimask(ak.to_numpy(ev["run"]), ak.to_numpy(ev["luminosityBlock"]))
    skim_cuts["nMuon_min1_pt18.0"] = ak.to_numpy(ak.sum(ev["Muon_pt"] >= SKIM_MUON_PT, axis=1) >= 1)
    hlt = np.zeros(n, dtype=bool)
    for path in HLT_2018_SINGLEMUON:  # get_HLTsel(primaryDatasets=["SingleMuon"]): OR of paths
        hlt |= ak.to_numpy(ev[path]).astype(bool)
    skim_cuts["HLT_SingleMuon"] = hlt
    skim_mask = np.logical_and.reduce(list(skim_cuts.values()))
    record_cuts(diag["skim"], skim_cuts)
    acc["skim"] += int(skim_mask.sum())
    ev = ev[skim_mask]
    if len(ev) == 0:
        return

    # ---- 3.2 step 8/11: calibrators (MC jets only; one nominal pass) ----------------------
    if is_mc:
        ev = calibrate_jets(ev, corr)

    # ---- 3.2 step 11.2: object preselection (spec 2.3) ------------------------------------
    mu_pt, mu_eta = ev["Muon_pt"], ev["Muon_eta"]
    # float32 branch vs Python float: compared in float32 as awkward/NumPy do in PocketCoffea
    mu_sel = (
        (mu_pt > MUON["pt"])
        & (abs(mu_eta) < MUON["eta"])
        & (ev["Muon_pfRelIso04_all"] < MUON["iso"])
        & (ev["Muon_tightId"] == True)  # noqa: E712
    )
    diag_ties(diag, "Muon_pfRelIso04_all<", ev["Muon_pfRelIso04_all"], MUON["iso"])
    MuonGood = ak.zip(
        {
            "pt": mu_pt[mu_sel],
            "eta": mu_eta[mu_sel],
            "phi": ev["Muon_phi"][mu_sel],
            "mass": ev["Muon_mass"][mu_sel],
            "charge": ev["Muon_charge"][mu_sel],
        }
    )

    el_eta = ev["Electron_eta"]
    eta_sc = abs(f64(el_eta) + f64(ev["Electron_deltaEtaSC"]))  # etaSC in float64
    el_sel = (
        (ev["Electron_pt"] > ELECTRON["pt"])
        & (abs(el_eta) < ELECTRON["eta"])
        & ~((eta_sc >= ELECTRON["gap_low"]) & (eta_sc <= ELECTRON["gap_high"]))
        & (ev["Electron_pfRelIso03_all"] < ELECTRON["iso"])
        & (ev["Electron_mvaFall17V2Iso_WP80"] == True)  # noqa: E712
    )
    diag_ties(diag, "Electron_pfRelIso03_all<", ev["Electron_pfRelIso03_all"], ELECTRON["iso"])
    ElectronGood = ak.zip(
        {
            "pt": ev["Electron_pt"][el_sel],
            "eta": el_eta[el_sel],
            "phi": ev["Electron_phi"][el_sel],
            "mass": ev["Electron_mass"][el_sel],
            "charge": ev["Electron_charge"][el_sel],
        }
    )

    # LeptonGood: muons then electrons, sorted by pt descending (stable: muons first on ties).
    # (Its order does not affect any output: it is used only for the jet-lepton cleaning and counts.)
    leptons = ak.concatenate([MuonGood, ElectronGood], axis=1)
    order = ak.argsort(leptons.pt, axis=1, ascending=False, stable=True)
    LeptonGood = leptons[order]

    # JetGood (spec 2.3 step 5; Nano v9 2018: jetId as is, PU ID WP L = puId >= 4 unless pt >= 50)
    jet_pt, jet_eta, jet_phi = ev["Jet_pt"], ev["Jet_eta"], ev["Jet_phi"]
    pairs_eta = ak.cartesian([jet_eta, LeptonGood.eta], axis=1, nested=True)
    pairs_phi = ak.cartesian([jet_phi, LeptonGood.phi], axis=1, nested=True)
    dr = delta_r(pairs_eta["0"], pairs_phi["0"], pairs_eta["1"], pairs_phi["1"])
    clean = ak.all(dr > JET["dr_lepton"], axis=2)  # True when there is no lepton
    jet_sel = (
        (jet_pt > JET["pt"])
        & (abs(jet_eta) < JET["eta"])
        & (ev["Jet_jetId"] >= JET["jetId"])
        & ((ev["Jet_puId"] >= JET["puId"]) | (jet_pt >= JET["puId_maxpt"]))
        & clean
    )
    JetGood = ak.zip(
        {
            "pt": jet_pt[jet_sel],
            "eta": jet_eta[jet_sel],
            "phi": jet_phi[jet_sel],
            "btagDeepFlavB": ev["Jet_btagDeepFlavB"][jet_sel],
        }
    )
    BJetGood = JetGood[JetGood.btagDeepFlavB > BTAG_DEEPFLAVB_M_2018]

    # ---- 3.2 step 11.3: count_objects --------------------------------------------------
    nMuonGood = ak.to_numpy(ak.num(MuonGood, axis=1))
    nElectronGood = ak.to_numpy(ak.num(ElectronGood, axis=1))
    nLeptonGood = nMuonGood + nElectronGood
    nJetGood = ak.to_numpy(ak.num(JetGood, axis=1))
    nBJetGood = ak.to_numpy(ak.num(BJetGood, axis=1))

    # ---- dilepton ll: sum of the first two MuonGood four-vectors, float64 ------------------
    # Only meaningful with exactly 2 leptons (preselection requires nMuonGood == 2,
    # nElectronGood == 0); other events get mass = charge = 0 and are rejected anyway.
    n_ev = len(ev)
    ll_mass = np.zeros(n_ev, dtype=np.float64)
    ll_charge = np.zeros(n_ev, dtype=np.int64)
    two = nMuonGood >= 2
    if np.any(two):
        m2 = MuonGood[two][:, :2]
        px1, py1, pz1, e1 = p4(m2.pt[:, 0], m2.eta[:, 0], m2.phi[:, 0], m2.mass[:, 0])
        px2, py2, pz2, e2 = p4(m2.pt[:, 1], m2.eta[:, 1], m2.phi[:, 1], m2.mass[:, 1])
        px, py, pz, e = px1 + px2, py1 + py2, pz1 + pz2, e1 + e2
        ll_mass[two] = np.sqrt(np.maximum(e * e - px * px - py * py - pz * pz, 0.0))
        ll_charge[two] = ak.to_numpy(m2.charge[:, 0]).astype(np.int64) + ak.to_numpy(m2.charge[:, 1])

    # ---- 3.2 step 11.7: preselection (spec 2.5); None -> False ---------------------------
    lead_mu_pt = ak.to_numpy(ak.fill_none(ak.firsts(MuonGood.pt), -np.inf))
    # The AND does not depend on the order; the multiplicity cuts are listed first so that the
    # "removed_in_sequence" diagnostics of the charge/mass cuts only count true dimuon events.
    presel_cuts = OrderedDict()
    presel_cuts["nLeptonGood==2"] = nLeptonGood == 2
    presel_cuts["nMuonGood==2"] = nMuonGood == 2
    presel_cuts["nElectronGood==0"] = nElectronGood == 0
    presel_cuts["MuonGood.pt[0]>25"] = lead_mu_pt > PRESEL["pt_leading_muon"]
    presel_cuts["ll.charge==0"] = two & (ll_charge == 0)
    presel_cuts["ll.mass>25"] = two & (ll_mass > PRESEL["mll_low"])
    presel_cuts["ll.mass<2000"] = two & (ll_mass < PRESEL["mll_high"])
    presel_mask = np.logical_and.reduce(list(presel_cuts.values()))
    record_cuts(diag["presel"], presel_cuts)
    acc["presel"] += int(presel_mask.sum())

    # ---- 3.2 steps 11.9-11.14 on preselected events; category baseline = passthrough -------
    sel = presel_mask
    acc["baseline"] += int(sel.sum())
    if is_mc:
        # weights (spec 2.7), float64: genWeight * lumi * XS * pileup * sf_mu_id * sf_mu_iso
        gw = ak.to_numpy(ev["genWeight"][sel]).astype(np.float64)
        base = gw * LUMI_PB[ds["year"]] * ds["xsec"]
        factors = corr.weight_factors(ev[sel], MuonGood[sel])

        def total(replace=None, key=None):
            w = base
            for name in WEIGHTS_WITH_VARIATIONS:
                w = w * factors[name][key if name == replace else "nominal"]
            return w

        weights = OrderedDict([(VARIATION, total())])
        for name in WEIGHTS_WITH_VARIATIONS:
            for d in ("Up", "Down"):
                weights[f"{name}{d}"] = total(name, d)
        w = weights[VARIATION]
        acc["sumw"] += float(np.sum(w))
        acc["sumw2"] += float(np.sum(w * w))
    else:
        weights = {None: np.ones(int(sel.sum()), dtype=np.float64)}

    columns = {
        "MuonGood": MuonGood[sel],
        "JetGood": JetGood[sel],
        "events": {
            "nElectronGood": nElectronGood[sel],
            "nMuonGood": nMuonGood[sel],
            "nJetGood": nJetGood[sel],
            "nBJetGood": nBJetGood[sel],
        },
        "ll": {"mass": ll_mass[sel]},
    }
    for hname, (_, _, _, _, _, (coll, field), pos) in HISTOGRAMS.items():
        src = columns[coll][field]
        if pos is None:
            values = np.asarray(src, dtype=np.float64)
            has = slice(None)
        else:
            has = ak.to_numpy(ak.num(src, axis=1)) > pos  # events lacking the object are dropped
            values = ak.to_numpy(src[has][:, pos]).astype(np.float64)
        for variation, wv in weights.items():
            fill = {"cat": CATEGORY, HISTOGRAMS[hname][0]: values, "weight": wv[has]}
            if is_mc:
                fill["variation"] = variation
            acc["hists"][hname].fill(**fill)


def record_cuts(store, cuts):
    """Diagnostics per cut: events failing it ("fail"), failing only it with all others passing
    ("fail_only_this"), and removed by it when the cuts are applied one after the other in the
    spec's order ("removed_in_sequence")."""
    masks = list(cuts.values())
    alive = np.ones_like(masks[0], dtype=bool)
    for i, (name, m) in enumerate(cuts.items()):
        others = np.logical_and.reduce([x for j, x in enumerate(masks) if j != i]) if len(masks) > 1 \
            else np.ones_like(m)
        d = store.setdefault(name, {"fail": 0, "fail_only_this": 0, "removed_in_sequence": 0})
        d["fail"] += int((~m).sum())
        d["fail_only_this"] += int((~m & others).sum())
        d["removed_in_sequence"] += int((alive & ~m).sum())
        alive &= m


def diag_ties(diag, name, values, threshold):
    """Count values exactly equal to float32(threshold) where float32 and float64 cuts disagree."""
    t32 = np.float32(threshold)
    if float(t32) != threshold:
        n = int(ak.sum(values == t32))
        if n:
            diag["float32_threshold_ties"][name] = diag["float32_threshold_ties"].get(name, 0) + n


# --------------------------------------------------------------------------------------
# Driver: loop datasets/files, postprocess (spec 3.4), write outputs
# --------------------------------------------------------------------------------------
def run(datasets_path, golden_path, out_dir, verbose=False, step_size="200 MB", base_dir=None,
        data_dir=None):
    datasets = load_datasets(datasets_path, base_dir)
    lumimask = LumiMask(golden_path)
    corr = Corrections(data_dir or jec_numpy.default_data_dir())

    cutflow = OrderedDict(
        [("initial", OrderedDict()), ("skim", OrderedDict()), ("presel", OrderedDict()),
         (CATEGORY, OrderedDict()), ("sumw", OrderedDict([(CATEGORY, OrderedDict())])),
         ("sumw2", OrderedDict([(CATEGORY, OrderedDict())])), ("sum_genweights", OrderedDict())]
    )
    histos = OrderedDict()
    diagnostics = OrderedDict()
    timings = OrderedDict()

    for dname, ds in datasets.items():
        t0 = time.perf_counter()
        is_mc = ds["is_mc"]
        acc = dict(initial=0, skim=0, presel=0, baseline=0, sum_genweights=0.0, sumw=0.0, sumw2=0.0,
                   hists=OrderedDict((h, make_hist(h, is_mc)) for h in HISTOGRAMS))
        diag = {"skim": OrderedDict(), "presel": OrderedDict(), "float32_threshold_ties": {}}
        branches = BRANCHES_COMMON + (BRANCHES_MC if is_mc else [])
        if is_mc:
            branches = [b for b in branches if b != "Flag_eeBadScFilter"]
        for fn in ds["files"]:
            for ev in uproot.iterate(f"{fn}:Events", expressions=branches, step_size=step_size,
                                     library="ak"):
                process_chunk(ev, ds, lumimask, acc, diag, corr)

        # postprocess (spec 3.4): MC histograms /S (variances /S^2), sumw /S, sumw2 /S^2
        cutflow["initial"][dname] = acc["initial"]
        cutflow["skim"][dname] = acc["skim"]
        cutflow["presel"][dname] = {VARIATION: acc["presel"]}
        cutflow[CATEGORY][dname] = {ds["sample"]: {VARIATION: acc["baseline"]}}
        if is_mc:
            S = acc["sum_genweights"]
            if S == 0 or not math.isfinite(S):
                raise RuntimeError(f"{dname}: sum_genweights = {S}, cannot normalise")
            cutflow["sum_genweights"][dname] = S
            cutflow["sumw"][CATEGORY][dname] = {ds["sample"]: {VARIATION: acc["sumw"] / S}}
            cutflow["sumw2"][CATEGORY][dname] = {ds["sample"]: {VARIATION: acc["sumw2"] / (S * S)}}
            for h in acc["hists"].values():
                view = h.view(flow=True)
                view.value = view.value / S
                view.variance = view.variance / (S * S)
        for hname, h in acc["hists"].items():
            if not np.all(np.isfinite(h.view(flow=True).value)):
                raise RuntimeError(f"non-finite values in {hname} of {dname}")  # spec 3.4 step 4
            histos[f"{hname}/{ds['sample']}/{dname}"] = h
        diagnostics[dname] = diag
        timings[dname] = time.perf_counter() - t0
        if verbose:
            print(f"{dname}: initial={acc['initial']} skim={acc['skim']} presel={acc['presel']} "
                  f"baseline={acc['baseline']} ({timings[dname]:.2f} s)", file=sys.stderr)

    # MC-only keys: keep them out of the output when there is no MC dataset at all? No: the
    # contract lists them; they are simply empty dicts in a data-only run.
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "histograms.json"), "w") as f:
        json.dump(histos, f, default=uhi_json.default)
    with open(os.path.join(out_dir, "cutflow.json"), "w") as f:
        json.dump(cutflow, f, indent=1)
        f.write("\n")
    with open(os.path.join(out_dir, "cut_diagnostics.json"), "w") as f:
        json.dump({"datasets": diagnostics}, f, indent=1)  # timings are printed, not stored
        f.write("\n")
    return cutflow, diagnostics, timings


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("datasets", nargs="?", help="built dataset JSON (files relative to its folder)")
    ap.add_argument("--golden", help="golden JSON lumi mask (2018 Legacy)")
    ap.add_argument("--out", help="output folder")
    ap.add_argument("--data-dir", default=jec_numpy.default_data_dir(),
                    help="folder with corrections/ and jec/ (default $PC_SHARED_DATA or ../shared/data)")
    ap.add_argument("--check-jets", action="store_true",
                    help="only compare the jet calibration with coffea's (jetmet_reference.json) and exit")
    ap.add_argument("--base-dir", default=None,
                    help="resolve relative file paths against this folder instead of the JSON's")
    ap.add_argument("--step-size", default="200 MB", help="uproot.iterate step size (chunking)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    if args.check_jets:
        sys.exit(jec_numpy.check(args.data_dir, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                              "jetmet_reference.json")))
    if not (args.datasets and args.golden and args.out):
        ap.error("DATASETS, --golden and --out are required (unless --check-jets)")
    t0 = time.perf_counter()
    cutflow, diag, timings = run(args.datasets, args.golden, args.out, args.verbose, args.step_size,
                                 args.base_dir, args.data_dir)
    print(json.dumps({k: cutflow[k] for k in ("initial", "skim", "presel", CATEGORY)}, indent=1))
    for dname, sec in timings.items():
        print(f"{dname}: {sec:.2f} s", file=sys.stderr)
    print(f"total {time.perf_counter() - t0:.2f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
