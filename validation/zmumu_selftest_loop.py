#!/usr/bin/env python3
"""Self-check of zmumu_reference.py: the same analysis written as a plain per-event Python loop
(math module, explicit bin-index arithmetic, no awkward/hist filling), writing the same two
output files, so that ``compare_outputs.py`` can compare it with the vectorised reference.

    zmumu_selftest_loop.py DATASETS.json --golden PATH --out DIR [--base-dir FOLDER]

Deliberately shares no code with zmumu_reference.py except the dataset-JSON conventions.
Float32 cuts: a float32 value x passes `x < c` iff float(x) < float(float32(c)) (what awkward
does in float32); etaSC, Delta R, the dilepton and the histogram values are float64.
Bin index of a Regular(n, lo, hi) axis as boost-histogram computes it:
z = (x - lo) / (hi - lo); z < 0 -> underflow; z >= 1 (or NaN) -> overflow; else floor(z * n).
"""
import argparse
import json
import math
import os
import sys
import time

import hist
import numpy as np
import uproot
import uhi.io.json as uhi_json


def f32(c):
    return float(np.float32(c))


LUMI = 59832.47534


def bin_index(x, n, lo, hi):
    """flow-array index (0 = underflow, n + 1 = overflow)."""
    z = (x - lo) / (hi - lo)
    if z >= 1 or z != z:
        return n + 1
    if z < 0:
        return 0
    return int(z * n) + 1


HISTS = [  # name, axis name, label, n, lo, hi, getter(event dict) -> value or None
    ("MuonGood_eta_1", "MuonGood.eta", None, 50, -2.5, 2.5, lambda e: e["mu"][0]["eta"] if e["mu"] else None),
    ("MuonGood_pt_1", "MuonGood.pt", None, 50, 0.0, 150.0, lambda e: e["mu"][0]["pt"] if e["mu"] else None),
    ("MuonGood_phi_1", "MuonGood.phi", None, 64, -math.pi, math.pi, lambda e: e["mu"][0]["phi"] if e["mu"] else None),
    ("nElectronGood", "events.nElectronGood", None, 3, 0.0, 3.0, lambda e: float(len(e["el"]))),
    ("nMuonGood", "events.nMuonGood", None, 3, 0.0, 3.0, lambda e: float(len(e["mu"]))),
    ("nJets", "events.nJetGood", None, 8, 0.0, 8.0, lambda e: float(len(e["jet"]))),
    ("nBJets", "events.nBJetGood", None, 8, 0.0, 8.0, lambda e: float(e["nb"])),
    ("JetGood_eta_1", "JetGood.eta", None, 50, -2.5, 2.5, lambda e: e["jet"][0]["eta"] if len(e["jet"]) > 0 else None),
    ("JetGood_eta_2", "JetGood.eta", None, 50, -2.5, 2.5, lambda e: e["jet"][1]["eta"] if len(e["jet"]) > 1 else None),
    ("JetGood_pt_1", "JetGood.pt", None, 50, 0.0, 300.0, lambda e: e["jet"][0]["pt"] if len(e["jet"]) > 0 else None),
    ("JetGood_pt_2", "JetGood.pt", None, 50, 0.0, 300.0, lambda e: e["jet"][1]["pt"] if len(e["jet"]) > 1 else None),
    ("JetGood_phi_1", "JetGood.phi", None, 64, -math.pi, math.pi, lambda e: e["jet"][0]["phi"] if len(e["jet"]) > 0 else None),
    ("JetGood_phi_2", "JetGood.phi", None, 64, -math.pi, math.pi, lambda e: e["jet"][1]["phi"] if len(e["jet"]) > 1 else None),
    ("mll", "ll.mass", r"$M_{\ell\ell}$ [GeV]", 100, 0.0, 200.0, lambda e: e["mll"]),
]

FLAGS = ["Flag_goodVertices", "Flag_globalSuperTightHalo2016Filter", "Flag_HBHENoiseFilter",
         "Flag_HBHENoiseIsoFilter", "Flag_EcalDeadCellTriggerPrimitiveFilter", "Flag_BadPFMuonFilter"]


def golden(path):
    with open(path) as f:
        d = json.load(f)
    return {int(r): [(int(a), int(b)) for a, b in v] for r, v in d.items()}


def in_golden(g, run, lumi):
    return any(a <= lumi <= b for a, b in g.get(run, ()))


def objects(ev, prefix, i_fields):
    n = len(ev[prefix + "_pt"])
    return [{f: ev[prefix + "_" + f][i] for f in i_fields} for i in range(n)]


def process_dataset(name, md, files, g):
    is_mc = str(md["isMC"]).lower() == "true"
    xsec = float(md["xsec"]) if is_mc else None
    counts = dict(initial=0, skim=0, presel=0)
    sgw = 0.0
    sumw = sumw2 = 0.0
    arrays = {h[0]: [np.zeros(h[3] + 2), np.zeros(h[3] + 2)] for h in HISTS}
    flags = FLAGS + ([] if is_mc else ["Flag_eeBadScFilter"])
    for fn in files:
        t = uproot.open(fn)["Events"]
        keys = [k for k in t.keys() if k.startswith(("Muon_", "Electron_", "Jet_"))
                or k in flags + ["PV_npvsGood", "HLT_IsoMu24", "run", "luminosityBlock", "genWeight"]]
        keys = [k for k in keys if k.split("_")[0] not in ("Muon", "Electron", "Jet") or k.split("_", 1)[1] in (
            "pt", "eta", "phi", "mass", "charge", "pfRelIso04_all", "tightId", "deltaEtaSC", "pfRelIso03_all",
            "mvaFall17V2Iso_WP80", "jetId", "puId", "btagDeepFlavB")]
        data = t.arrays(keys, library="ak").to_list()
        for ev in data:
            counts["initial"] += 1
            if is_mc:
                sgw += float(ev["genWeight"])
            # skim
            if not ev["PV_npvsGood"] >= 1:
                continue
            if not all(ev[f] for f in flags):
                continue
            if not is_mc and not in_golden(g, ev["run"], ev["luminosityBlock"]):
                continue
            if not any(pt >= 18 for pt in ev["Muon_pt"]):
                continue
            if not ev["HLT_IsoMu24"]:
                continue
            counts["skim"] += 1
            mus = [m for m in objects(ev, "Muon", ("pt", "eta", "phi", "mass", "charge", "pfRelIso04_all", "tightId"))
                   if m["pt"] > 15 and abs(m["eta"]) < f32(2.4) and m["pfRelIso04_all"] < 0.25 and m["tightId"]]
            els = []
            for e in objects(ev, "Electron", ("pt", "eta", "phi", "mass", "charge", "deltaEtaSC", "pfRelIso03_all",
                                             "mvaFall17V2Iso_WP80")):
                sc = abs(e["eta"] + e["deltaEtaSC"])
                if (e["pt"] > 15 and abs(e["eta"]) < f32(2.4) and not (1.4442 <= sc <= 1.5660)
                        and e["pfRelIso03_all"] < f32(0.06) and e["mvaFall17V2Iso_WP80"]):
                    els.append(e)
            leps = mus + els
            jets = []
            for j in objects(ev, "Jet", ("pt", "eta", "phi", "jetId", "puId", "btagDeepFlavB")):
                if not (j["pt"] > 30 and abs(j["eta"]) < f32(2.4) and j["jetId"] >= 2 and (j["puId"] >= 4 or j["pt"] >= 50)):
                    continue
                ok = True
                for lep in leps:
                    dphi = j["phi"] - lep["phi"]
                    dphi = (dphi + math.pi) % (2 * math.pi) - math.pi
                    deta = j["eta"] - lep["eta"]
                    if not math.sqrt(deta * deta + dphi * dphi) > 0.4:
                        ok = False
                        break
                if ok:
                    jets.append(j)
            nb = sum(1 for j in jets if j["btagDeepFlavB"] > f32(0.2783))
            if not (len(leps) == 2 and len(mus) == 2 and len(els) == 0 and mus[0]["pt"] > 25):
                continue
            tot = [0.0, 0.0, 0.0, 0.0]
            for m in mus:
                px, py = m["pt"] * math.cos(m["phi"]), m["pt"] * math.sin(m["phi"])
                pz = m["pt"] * math.sinh(m["eta"])
                en = math.sqrt(px * px + py * py + pz * pz + m["mass"] * m["mass"])
                tot = [tot[0] + px, tot[1] + py, tot[2] + pz, tot[3] + en]
            mll = math.sqrt(max(tot[3] ** 2 - tot[0] ** 2 - tot[1] ** 2 - tot[2] ** 2, 0.0))
            if not (mus[0]["charge"] + mus[1]["charge"] == 0 and 25 < mll < 2000):
                continue
            counts["presel"] += 1
            w = float(ev["genWeight"]) * LUMI * xsec if is_mc else 1.0
            if is_mc:
                sumw += w
                sumw2 += w * w
            e = {"mu": mus, "el": els, "jet": jets, "nb": nb, "mll": mll}
            for hname, _, _, n, lo, hi, get in HISTS:
                x = get(e)
                if x is None:
                    continue
                i = bin_index(x, n, lo, hi)
                arrays[hname][0][i] += w
                arrays[hname][1][i] += w * w
    return is_mc, counts, sgw, sumw, sumw2, arrays


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("datasets")
    ap.add_argument("--golden", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--base-dir", default=None)
    a = ap.parse_args()
    with open(a.datasets) as f:
        cfg = json.load(f)
    base = a.base_dir or os.path.dirname(os.path.abspath(a.datasets))
    g = golden(a.golden)
    cf = {"initial": {}, "skim": {}, "presel": {}, "baseline": {}, "sumw": {"baseline": {}},
          "sumw2": {"baseline": {}}, "sum_genweights": {}}
    out = {}
    for name, d in cfg.items():
        t0 = time.perf_counter()
        md = d["metadata"]
        files = [os.path.join(base, x) for x in d["files"]]
        is_mc, c, sgw, sumw, sumw2, arrays = process_dataset(name, md, files, g)
        sample = md["sample"]
        cf["initial"][name] = c["initial"]
        cf["skim"][name] = c["skim"]
        cf["presel"][name] = {"nominal": c["presel"]}
        cf["baseline"][name] = {sample: {"nominal": c["presel"]}}
        if is_mc:
            cf["sum_genweights"][name] = sgw
            cf["sumw"]["baseline"][name] = {sample: {"nominal": sumw / sgw}}
            cf["sumw2"]["baseline"][name] = {sample: {"nominal": sumw2 / sgw ** 2}}
        for hname, axname, label, n, lo, hi, _ in HISTS:
            axes = [hist.axis.StrCategory(["baseline"], name="cat", label="Category")]
            if is_mc:
                axes.append(hist.axis.StrCategory(["nominal"], name="variation", label="Variation"))
            axes.append(hist.axis.Regular(n, lo, hi, name=axname, label=label or axname))
            h = hist.Hist(*axes, storage=hist.storage.Weight())
            v = h.view(flow=True)
            val, var = arrays[hname]
            if is_mc:
                val, var = val / sgw, var / sgw ** 2
                v.value[0, 0, :] = val
                v.variance[0, 0, :] = var
            else:
                v.value[0, :] = val
                v.variance[0, :] = var
            out[f"{hname}/{sample}/{name}"] = h
        print(f"{name}: {c} ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "histograms.json"), "w") as f:
        json.dump(out, f, default=uhi_json.default)
    with open(os.path.join(a.out, "cutflow.json"), "w") as f:
        json.dump(cf, f, indent=1)


if __name__ == "__main__":
    main()
