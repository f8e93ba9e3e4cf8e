#!/usr/bin/env python3
"""Independent Python (uproot + awkward + hist + correctionlib) reference of the ttbar -> e mu
analysis (`analyses/ttdilep`), compared with pc bin by bin by `compare_outputs.py`.

It is the written definition of the analysis in PocketCoffea 0.9.13's semantics; it uses no
code of the Rust project, nor coffea.  Helpers shared with the Z->mumu reference (dataset JSON,
golden JSON, Delta R, four-vectors) come from `zmumu_reference.py` next to this file.

Definition (per year in YEARS; 2018 UL, NanoAOD v9):
  * skim: PV_npvsGood >= 1; the year's MET filters (`Flag_*`, data also eeBadScFilter); golden
    JSON (data); at least one Muon or Electron with pt >= 15; HLT by primary dataset, in the
    listed order (SingleMuon: IsoMu24, SingleEle: Ele32_WPTight_Gsf): MC takes the OR of all
    paths, data the OR of its own primary dataset's paths AND NOT those listed before it
    (PocketCoffea's overlap removal of `get_HLTsel(primaryDatasets=[...], invert=True)`).
  * objects: MuonGood pt > 20, |eta| < 2.4, pfRelIso04_all < 0.15, tightId; ElectronGood
    pt > 20, |eta| < 2.4, |eta + deltaEtaSC| outside [1.4442, 1.5660], pfRelIso03_all < 0.10,
    mvaFall17V2Iso_WP80; JetGood pt > 30, |eta| < 2.4, jetId >= 2, (puId >= 4 or pt >= 50),
    Delta R > 0.4 from every good lepton; BJetGood: btagDeepFlavB > the year's DeepJet M.
  * ll: the four-vector sum of the good muon and the good electron (PocketCoffea's
    `get_dilepton`, defined with exactly two leptons).
  * preselection: exactly 1 MuonGood and 1 ElectronGood, ll charge 0, leading lepton
    pt > 25, ll mass > 20, at least 2 JetGood.
  * categories: baseline (passthrough), then {b0: 0, b1: 1, b2: >= 2 BJetGood} x
    {mlow: 0 <= m_ll < 100, mhigh: m_ll >= 100}, named "b0_mlow", "b0_mhigh", ...
  * MC weights, multiplied in this order (float64): genWeight, lumi x XS, sf_mu_id
    (muon_Z `NUM_TightID_DEN_TrackerMuons` at ("2018_UL", |eta|, pt)), sf_ele_id
    (electron.json.gz `UL-Electron-ID-SF` at ("2018", wp80iso, eta + deltaEtaSC, pt)), each a
    product over the good leptons; variations nominal, sf_ele_idDown/Up, sf_mu_idDown/Up
    (one factor at its up/down value).  Data weight 1, no variation axis.
  * histograms (per category and variation): memu, JetGood_pt_1, nJets, nBJets, memu_vs_nbjets,
    MuonGood_pt_1, ElectronGood_pt_1; normalised by the dataset's sum of genWeight.

Numerical conventions are the Z->mumu reference's: float32 branches cut against float32
thresholds (NumPy 2 weak scalars), the ECAL-gap supercluster eta, Delta R, masses and weights in
float64; the electron SF is evaluated at the float32 sum eta + deltaEtaSC (as awkward adds two
float32 arrays in PocketCoffea).

Usage::

    ttdilep_reference.py DATASETS.json --out DIR [--data-dir DIR] [--step-size "200 MB"] [-v]

DATA_DIR (default $PC_SHARED_DATA, else ../shared/data) holds corrections/ and lumimasks/.
Writes DIR/histograms.json (UHI, keyed "{histogram}/{sample}/{dataset}") and DIR/cutflow.json.
"""
from __future__ import annotations

import argparse
import json
import math
import os
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
from jec_numpy import default_data_dir  # noqa: E402
from zmumu_reference import LumiMask, delta_r, f64, load_datasets, p4  # noqa: E402

# Per-year facts (PocketCoffea 0.9.13 parameters).
YEARS = {
    "2018": dict(
        lumi_pb=59832.47534,
        flags=["goodVertices", "globalSuperTightHalo2016Filter", "HBHENoiseFilter",
               "HBHENoiseIsoFilter", "EcalDeadCellTriggerPrimitiveFilter", "BadPFMuonFilter"],
        flags_data=["eeBadScFilter"],
        golden="lumimasks/Cert_314472-325175_13TeV_Legacy2018_Collisions18_JSON.txt",
        hlt=OrderedDict([("SingleMuon", ["IsoMu24"]), ("SingleEle", ["Ele32_WPTight_Gsf"])]),
        btag_m=0.2783,
        electron_id="mvaFall17V2Iso_WP80",
        muon_id_sf=("corrections/2018_UL/muon_Z.json.gz", "NUM_TightID_DEN_TrackerMuons", "2018_UL"),
        electron_id_sf=("corrections/2018_UL/electron.json.gz", "UL-Electron-ID-SF", "2018", "wp80iso"),
    ),
}

MUON = dict(pt=20.0, eta=2.4, iso=0.15)
ELECTRON = dict(pt=20.0, eta=2.4, iso=0.10, gap_low=1.4442, gap_high=1.5660)
JET = dict(pt=30.0, eta=2.4, jetId=2, puId=4, puId_maxpt=50.0, dr_lepton=0.4)
SKIM_LEPTON_PT = 15.0
PRESEL = dict(lead_pt=25.0, mll=20.0, njets=2)

CATEGORIES = ["baseline"] + [f"{b}_{m}" for b in ("b0", "b1", "b2") for m in ("mlow", "mhigh")]
WEIGHTS_WITH_VARIATIONS = ["sf_mu_id", "sf_ele_id"]  # multiplication order
VARIATIONS_MC = sorted(["nominal"] + [f"{w}{d}" for w in WEIGHTS_WITH_VARIATIONS for d in ("Up", "Down")])
SF_KEYS = {
    "sf_mu_id": {"nominal": "sf", "Up": "systup", "Down": "systdown"},
    "sf_ele_id": {"nominal": "sf", "Up": "sfup", "Down": "sfdown"},
}

# name -> list of (axis name, bins, lo, hi); the values come from `hist_values`.
HISTOGRAMS = OrderedDict([
    ("memu", [("ll.mass", 40, 0.0, 400.0)]),
    ("JetGood_pt_1", [("JetGood.pt", 50, 0.0, 500.0)]),
    ("nJets", [("events.nJetGood", 10, 0.0, 10.0)]),
    ("nBJets", [("events.nBJetGood", 6, 0.0, 6.0)]),
    ("memu_vs_nbjets", [("ll.mass", 20, 0.0, 400.0), ("events.nBJetGood", 4, 0.0, 4.0)]),
    ("MuonGood_pt_1", [("MuonGood.pt", 50, 0.0, 300.0)]),
    ("ElectronGood_pt_1", [("ElectronGood.pt", 50, 0.0, 300.0)]),
])


def make_hist(name, is_mc):
    axes = [hist.axis.StrCategory(CATEGORIES, name="cat", label="Category")]
    if is_mc:
        axes.append(hist.axis.StrCategory(VARIATIONS_MC, name="variation", label="Variation"))
    for axis, bins, lo, hi in HISTOGRAMS[name]:
        axes.append(hist.axis.Regular(bins, lo, hi, name=axis, label=axis, underflow=True, overflow=True))
    return hist.Hist(*axes, storage=hist.storage.Weight())


def branches(year, is_mc):
    y = YEARS[year]
    out = ["run", "luminosityBlock", "PV_npvsGood"]
    out += ["Flag_" + f for f in y["flags"] + ([] if is_mc else y["flags_data"])]
    out += ["HLT_" + p for paths in y["hlt"].values() for p in paths]
    out += ["Muon_" + b for b in ("pt", "eta", "phi", "mass", "charge", "pfRelIso04_all", "tightId")]
    out += ["Electron_" + b for b in ("pt", "eta", "phi", "mass", "charge", "deltaEtaSC", "pfRelIso03_all",
                                      y["electron_id"])]
    out += ["Jet_" + b for b in ("pt", "eta", "phi", "jetId", "puId", "btagDeepFlavB")]
    return out + (["genWeight"] if is_mc else [])


def hlt_mask(ev, year, is_mc, primary_dataset):
    """MC: OR of every path; data: own paths AND NOT the paths of primary datasets listed before."""
    hlt = YEARS[year]["hlt"]
    fired = {pd: np.logical_or.reduce([ak.to_numpy(ev["HLT_" + p]).astype(bool) for p in paths])
             for pd, paths in hlt.items()}
    if is_mc:
        return np.logical_or.reduce(list(fired.values()))
    if primary_dataset not in hlt:
        raise KeyError(f"primary dataset {primary_dataset!r} is not in the {year} HLT table")
    mask = fired[primary_dataset].copy()
    for pd in hlt:
        if pd == primary_dataset:
            break
        mask &= ~fired[pd]
    return mask


class Scalefactors:
    """The muon and electron ID SF corrections of a year, read once."""

    def __init__(self, data_dir, year):
        y = YEARS[year]
        file, name, self.mu_era = y["muon_id_sf"]
        self.mu = correctionlib.CorrectionSet.from_file(os.path.join(data_dir, file))[name]
        file, name, self.ele_era, self.ele_wp = y["electron_id_sf"]
        self.ele = correctionlib.CorrectionSet.from_file(os.path.join(data_dir, file))[name]

    def factors(self, muons, electrons):
        """{weight: {"nominal"|"Up"|"Down": float64 per event}}: products over the objects."""
        out = OrderedDict()
        mu_counts = ak.to_numpy(ak.num(muons.pt, axis=1))
        mu_abseta = np.abs(ak.to_numpy(ak.flatten(muons.eta)).astype(np.float64))
        mu_pt = ak.to_numpy(ak.flatten(muons.pt)).astype(np.float64)
        el_counts = ak.to_numpy(ak.num(electrons.pt, axis=1))
        el_eta_sc = ak.to_numpy(ak.flatten(electrons.eta + electrons.deltaEtaSC)).astype(np.float64)  # float32 sum
        el_pt = ak.to_numpy(ak.flatten(electrons.pt)).astype(np.float64)
        for w, keys in SF_KEYS.items():
            out[w] = {}
            for k, v in keys.items():
                if w == "sf_mu_id":
                    sf, counts = self.mu.evaluate(self.mu_era, mu_abseta, mu_pt, v), mu_counts
                else:
                    sf, counts = self.ele.evaluate(self.ele_era, v, self.ele_wp, el_eta_sc, el_pt), el_counts
                sf = np.asarray(sf, dtype=np.float64)
                out[w][k] = ak.to_numpy(ak.prod(ak.unflatten(sf, counts), axis=1))
        return out


def good_objects(ev, year):
    """MuonGood, ElectronGood, JetGood (records) and the per-event count of BJetGood."""
    y = YEARS[year]
    mu_sel = ((ev["Muon_pt"] > MUON["pt"]) & (abs(ev["Muon_eta"]) < MUON["eta"])
              & (ev["Muon_pfRelIso04_all"] < MUON["iso"]) & (ev["Muon_tightId"] == True))  # noqa: E712
    muons = ak.zip({f: ev["Muon_" + f][mu_sel] for f in ("pt", "eta", "phi", "mass", "charge")})

    eta_sc = abs(f64(ev["Electron_eta"]) + f64(ev["Electron_deltaEtaSC"]))
    el_sel = ((ev["Electron_pt"] > ELECTRON["pt"]) & (abs(ev["Electron_eta"]) < ELECTRON["eta"])
              & ~((eta_sc >= ELECTRON["gap_low"]) & (eta_sc <= ELECTRON["gap_high"]))
              & (ev["Electron_pfRelIso03_all"] < ELECTRON["iso"])
              & (ev["Electron_" + y["electron_id"]] == True))  # noqa: E712
    electrons = ak.zip({f: ev["Electron_" + f][el_sel]
                        for f in ("pt", "eta", "phi", "mass", "charge", "deltaEtaSC")})

    lep_eta = ak.concatenate([muons.eta, electrons.eta], axis=1)
    lep_phi = ak.concatenate([muons.phi, electrons.phi], axis=1)
    pe = ak.cartesian([ev["Jet_eta"], lep_eta], axis=1, nested=True)
    pp = ak.cartesian([ev["Jet_phi"], lep_phi], axis=1, nested=True)
    clean = ak.all(delta_r(pe["0"], pp["0"], pe["1"], pp["1"]) > JET["dr_lepton"], axis=2)
    jet_pt = ev["Jet_pt"]
    jet_sel = ((jet_pt > JET["pt"]) & (abs(ev["Jet_eta"]) < JET["eta"]) & (ev["Jet_jetId"] >= JET["jetId"])
               & ((ev["Jet_puId"] >= JET["puId"]) | (jet_pt >= JET["puId_maxpt"])) & clean)
    jets = ak.zip({"pt": jet_pt[jet_sel], "btagDeepFlavB": ev["Jet_btagDeepFlavB"][jet_sel]})
    n_b = ak.to_numpy(ak.sum(jets.btagDeepFlavB > y["btag_m"], axis=1))
    return muons, electrons, jets, n_b


def process_chunk(ev, ds, lumimask, acc, sfs):
    is_mc, year = ds["is_mc"], ds["year"]
    y = YEARS[year]
    acc["initial"] += len(ev)
    if is_mc:
        acc["sum_genweights"] += float(np.sum(ak.to_numpy(ev["genWeight"]).astype(np.float64)))

    # skim
    skim = ak.to_numpy(ev["PV_npvsGood"]) >= 1
    for flag in y["flags"] + ([] if is_mc else y["flags_data"]):
        skim &= ak.to_numpy(ev["Flag_" + flag]).astype(bool)
    if not is_mc:
        skim &= lumimask(ak.to_numpy(ev["run"]), ak.to_numpy(ev["luminosityBlock"]))
    skim &= ak.to_numpy(ak.any(ev["Muon_pt"] >= SKIM_LEPTON_PT, axis=1)
                        | ak.any(ev["Electron_pt"] >= SKIM_LEPTON_PT, axis=1))
    skim &= hlt_mask(ev, year, is_mc, ds.get("primary_dataset"))
    acc["skim"] += int(skim.sum())
    ev = ev[skim]
    if len(ev) == 0:
        return

    muons, electrons, jets, n_b = good_objects(ev, year)
    n_mu = ak.to_numpy(ak.num(muons, axis=1))
    n_el = ak.to_numpy(ak.num(electrons, axis=1))
    n_jet = ak.to_numpy(ak.num(jets, axis=1))

    # preselection (ll is defined on the events with one muon and one electron)
    emu = (n_mu == 1) & (n_el == 1)
    m, e = muons[emu][:, 0], electrons[emu][:, 0]
    a, b = p4(m.pt, m.eta, m.phi, m.mass), p4(e.pt, e.eta, e.phi, e.mass)
    px, py, pz, en = (x1 + x2 for x1, x2 in zip(a, b))
    mll = np.zeros(len(ev))
    mll[emu] = np.sqrt(np.maximum(en * en - px * px - py * py - pz * pz, 0.0))
    charge = np.zeros(len(ev), dtype=np.int64)
    charge[emu] = ak.to_numpy(m.charge).astype(np.int64) + ak.to_numpy(e.charge)
    lead = np.zeros(len(ev), dtype=np.float32)
    lead[emu] = np.maximum(ak.to_numpy(m.pt), ak.to_numpy(e.pt))
    presel = emu & (charge == 0) & (lead > PRESEL["lead_pt"]) & (mll > PRESEL["mll"]) & (n_jet >= PRESEL["njets"])
    acc["presel"] += int(presel.sum())

    ev, muons, electrons, jets = ev[presel], muons[presel], electrons[presel], jets[presel]
    mll, n_b, n_jet = mll[presel], n_b[presel], n_jet[presel]
    cats = OrderedDict([("baseline", np.ones(len(ev), dtype=bool))])
    for bname, bsel in (("b0", n_b == 0), ("b1", n_b == 1), ("b2", n_b >= 2)):
        for mname, msel in (("mlow", (mll >= 0) & (mll < 100)), ("mhigh", mll >= 100)):
            cats[f"{bname}_{mname}"] = bsel & msel

    if is_mc:
        base = ak.to_numpy(ev["genWeight"]).astype(np.float64) * (y["lumi_pb"] * ds["xsec"])
        factors = sfs[year].factors(muons, electrons)

        def total(replace=None, key=None):
            w = base
            for name in WEIGHTS_WITH_VARIATIONS:
                w = w * factors[name][key if name == replace else "nominal"]
            return w

        weights = OrderedDict([("nominal", total())])
        for name in WEIGHTS_WITH_VARIATIONS:
            for d in ("Up", "Down"):
                weights[f"{name}{d}"] = total(name, d)
    else:
        weights = {None: np.ones(len(ev))}

    values = {
        "memu": [mll],
        "JetGood_pt_1": [ak.to_numpy(jets.pt[:, 0]).astype(np.float64)],
        "nJets": [n_jet.astype(np.float64)],
        "nBJets": [n_b.astype(np.float64)],
        "memu_vs_nbjets": [mll, n_b.astype(np.float64)],
        "MuonGood_pt_1": [ak.to_numpy(muons.pt[:, 0]).astype(np.float64)],
        "ElectronGood_pt_1": [ak.to_numpy(electrons.pt[:, 0]).astype(np.float64)],
    }
    for cat, sel in cats.items():
        acc["counts"][cat] += int(sel.sum())
        if is_mc:
            acc["sumw"][cat] += float(np.sum(weights["nominal"][sel]))
            acc["sumw2"][cat] += float(np.sum(weights["nominal"][sel] ** 2))
        for hname, vals in values.items():
            axes = {ax[0]: v[sel] for ax, v in zip(HISTOGRAMS[hname], vals)}
            for variation, w in weights.items():
                fill = dict(cat=cat, weight=w[sel], **axes)
                if is_mc:
                    fill["variation"] = variation
                acc["hists"][hname].fill(**fill)


def run(datasets_path, out_dir, data_dir, step_size="200 MB", verbose=False):
    datasets = load_datasets(datasets_path)
    with open(datasets_path) as f:  # load_datasets keeps no primaryDataset
        raw = json.load(f)
    years = sorted({ds["year"] for ds in datasets.values()})
    for year in years:
        if year not in YEARS:
            raise KeyError(f"no parameters for year {year!r} (have {sorted(YEARS)})")
    lumimasks = {yr: LumiMask(os.path.join(data_dir, YEARS[yr]["golden"])) for yr in years}
    sfs = {yr: Scalefactors(data_dir, yr) for yr in years}

    cutflow = OrderedDict((k, OrderedDict()) for k in ["initial", "skim", "presel"] + CATEGORIES)
    cutflow["sumw"] = OrderedDict((c, OrderedDict()) for c in CATEGORIES)
    cutflow["sumw2"] = OrderedDict((c, OrderedDict()) for c in CATEGORIES)
    cutflow["sum_genweights"] = OrderedDict()
    histos = OrderedDict()
    for dname, ds in datasets.items():
        t0 = time.perf_counter()
        ds["primary_dataset"] = raw[dname]["metadata"].get("primaryDataset")
        is_mc, sample = ds["is_mc"], ds["sample"]
        acc = dict(initial=0, skim=0, presel=0, sum_genweights=0.0,
                   counts={c: 0 for c in CATEGORIES}, sumw={c: 0.0 for c in CATEGORIES},
                   sumw2={c: 0.0 for c in CATEGORIES},
                   hists=OrderedDict((h, make_hist(h, is_mc)) for h in HISTOGRAMS))
        for fn in ds["files"]:
            for ev in uproot.iterate(f"{fn}:Events", expressions=branches(ds["year"], is_mc),
                                     step_size=step_size, library="ak"):
                process_chunk(ev, ds, lumimasks[ds["year"]], acc, sfs)

        cutflow["initial"][dname] = acc["initial"]
        cutflow["skim"][dname] = acc["skim"]
        cutflow["presel"][dname] = {"nominal": acc["presel"]}
        for c in CATEGORIES:
            cutflow[c][dname] = {sample: {"nominal": acc["counts"][c]}}
        if is_mc:
            s = acc["sum_genweights"]
            if s == 0 or not math.isfinite(s):
                raise RuntimeError(f"{dname}: sum_genweights = {s}, cannot normalise")
            cutflow["sum_genweights"][dname] = s
            for c in CATEGORIES:
                cutflow["sumw"][c][dname] = {sample: {"nominal": acc["sumw"][c] / s}}
                cutflow["sumw2"][c][dname] = {sample: {"nominal": acc["sumw2"][c] / (s * s)}}
            for h in acc["hists"].values():
                view = h.view(flow=True)
                view.value = view.value / s
                view.variance = view.variance / (s * s)
        for hname, h in acc["hists"].items():
            histos[f"{hname}/{sample}/{dname}"] = h
        if verbose:
            print(f"{dname}: initial={acc['initial']} skim={acc['skim']} presel={acc['presel']} "
                  f"baseline={acc['counts']['baseline']} ({time.perf_counter() - t0:.2f} s)", file=sys.stderr)

    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "histograms.json"), "w") as f:
        json.dump(histos, f, default=uhi_json.default)
    with open(os.path.join(out_dir, "cutflow.json"), "w") as f:
        json.dump(cutflow, f, indent=1)
        f.write("\n")
    return cutflow


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("datasets", help="built dataset JSON (files relative to its folder)")
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--data-dir", default=default_data_dir(),
                    help="folder with corrections/ and lumimasks/ (default $PC_SHARED_DATA or ../shared/data)")
    ap.add_argument("--step-size", default="200 MB", help="uproot.iterate step size (chunking)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    cutflow = run(args.datasets, args.out, args.data_dir, args.step_size, args.verbose)
    print(json.dumps({k: cutflow[k] for k in ("initial", "skim", "presel", "baseline")}, indent=1))


if __name__ == "__main__":
    main()
