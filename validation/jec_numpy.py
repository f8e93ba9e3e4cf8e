#!/usr/bin/env python3
"""Jet calibration (JEC + JER hybrid smearing) from the legacy JetMET text files, in plain numpy.

Part of the independent Python reference of the Z->mumu example (`zmumu_reference.py`); it uses
no code of the Rust project and no coffea.  Needs (PyPI): numpy (2.x), uproot 5 and awkward 2
only for `--check`.

What it implements (coffea 0.7 `CorrectedJetsFactory` / CMSSW semantics):
  * Text files (`.jec.txt`, `.jr.txt`, `.jersf.txt`, plain or gzip): a header
    `{N binned-vars... M formula-vars... formula kind...}` then one record per line:
    N (min, max) bin pairs, a count K, K numbers (for a formula: M (min, max) clamp pairs, then
    the parameters [0], [1], ...).  Numbers are read as float32 (as CMSSW and coffea), then used
    in float64.
  * Bin lookup per binned variable: bin i holds [edge_i, edge_i+1); a value outside
    [first edge, last edge] uses the nearest bin and makes a JEC/resolution factor 1 (coffea's
    `jme_standard_function`); JER scale factors use the nearest bin (coffea's `jersf_lookup`).
    A second binned variable is looked up in the bins of the record group of the first.
  * The formula (TFormula subset: + - * / pow max min log log10 exp sqrt abs erf, comparisons,
    x y z t, [i]) is translated into a numpy expression; its variables are clamped to the
    record's [min, max].
  * JEC: levels applied in order; level k is evaluated at JetPt = pt_raw * (product of the
    previous levels), JetEta, JetA, Rho; pt_jec = pt_raw * product (float64).
  * JER (hybrid): resolution sigma(JetEta, Rho, JetPt = pt_jec); gen-matched when pt_gen > 0 and
    |(pt_jec - pt_gen) / pt_jec| < 3 sigma: factor 1 + (sf - 1) (pt_jec - pt_gen) / pt_jec;
    otherwise 1 + N sigma sqrt(max(sf^2 - 1, 0)), N = `jet_gauss` (pc's per-jet normal,
    reimplemented here vectorised from `jetmet_reference.py`); a factor giving pt below
    float32(0.01) / cosh(eta) is replaced by that floor / pt_jec.  Applied to pt_jec and mass_jec.

Cross-check against coffea (the committed `jetmet_reference.json`):

    python validation/jec_numpy.py --check [--data-dir ../shared/data]
"""
from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import re
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

JEC_LEVELS_2018_MC = [
    "Summer19UL18_V5_MC_L1FastJet_AK4PFchs.jec.txt.gz",
    "Summer19UL18_V5_MC_L2Relative_AK4PFchs.jec.txt.gz",
    "Summer19UL18_V5_MC_L3Absolute_AK4PFchs.jec.txt.gz",
]
JER_RESOLUTION_2018_MC = "Summer19UL18_JRV2_MC_PtResolution_AK4PFchs.jr.txt.gz"
JER_SF_2018_MC = "Summer19UL18_JRV2_MC_SF_AK4PFchs.jersf.txt.gz"
MIN_JET_ENERGY = float(np.float32(1e-2))  # coffea's _MIN_JET_ENERGY (a float32)


def default_data_dir():
    """$PC_SHARED_DATA, else ../shared/data relative to the repository."""
    return os.environ.get("PC_SHARED_DATA", os.path.join(HERE, "..", "..", "shared", "data"))


# --------------------------------------------------------------------------------------
# Text format
# --------------------------------------------------------------------------------------
def read_table(path):
    """One table of a JetMET text file: (binned names, formula var names, formula, records);
    records = list of (bins [(lo, hi)...], values [...]) as float32."""
    opener = gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open
    with opener(path, "rt") as f:
        lines = [ln.strip() for ln in f]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    if not lines or not lines[0].startswith("{") or not lines[0].endswith("}"):
        raise ValueError(f"{path}: first line is not a '{{...}}' header")
    tok = lines[0][1:-1].split()
    nb = int(tok[0])
    binned = tok[1:1 + nb]
    ne = int(tok[1 + nb])
    evars = tok[2 + nb:2 + nb + ne]
    formula = tok[2 + nb + ne] if len(tok) > 2 + nb + ne else ""
    records = []
    for ln in lines[1:]:
        if ln.startswith("["):
            raise ValueError(f"{path}: several tables (uncertainty sources) are not supported here")
        x = ln.split()
        bins = [(np.float32(x[2 * i]), np.float32(x[2 * i + 1])) for i in range(nb)]
        k = int(x[2 * nb])
        vals = [np.float32(v) for v in x[2 * nb + 1:]]
        if len(vals) != k:
            raise ValueError(f"{path}: record {ln!r} announces {k} values, has {len(vals)}")
        records.append((bins, vals))
    if not records:
        raise ValueError(f"{path}: no records")
    return binned, evars, formula, records


class Binning:
    """Record index of points in 1 or 2 binned variables (see the module docstring)."""

    def __init__(self, records, ndim):
        if ndim not in (1, 2):
            raise ValueError(f"{ndim} binned variables (1 or 2 supported)")
        self.ndim = ndim
        lo0 = np.array([float(r[0][0][0]) for r in records])
        hi0 = np.array([float(r[0][0][1]) for r in records])
        self.edges0 = np.append(np.unique(lo0), hi0.max())
        if ndim == 1:
            order = np.argsort(lo0, kind="stable")
            self.rec0 = order
            return
        self.inner = []  # per outer bin: (edges, record indices)
        for lo in self.edges0[:-1]:
            members = np.nonzero(lo0 == lo)[0]
            lo1 = np.array([float(records[m][0][1][0]) for m in members])
            hi1 = np.array([float(records[m][0][1][1]) for m in members])
            order = np.argsort(lo1, kind="stable")
            self.inner.append((np.append(lo1[order], hi1.max()), members[order]))

    @staticmethod
    def _find(edges, x):
        i = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(edges) - 2)
        return i, (x < edges[0]) | (x > edges[-1])

    def find(self, xs):
        """(record index, outside-the-binning flag) per point."""
        i0, over = self._find(self.edges0, xs[0])
        if self.ndim == 1:
            return self.rec0[i0], over
        rec = np.empty(len(i0), dtype=np.int64)
        for b in np.unique(i0):
            sel = i0 == b
            edges, members = self.inner[b]
            i1, o1 = self._find(edges, xs[1][sel])
            rec[sel] = members[i1]
            over[sel] |= o1
        return rec, over


# --------------------------------------------------------------------------------------
# TFormula subset -> numpy
# --------------------------------------------------------------------------------------
def _erf(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x)


_FUNCTIONS = {
    "max": "np.maximum", "min": "np.minimum", "pow": "np.power", "log": "np.log",
    "log10": "np.log10", "exp": "np.exp", "sqrt": "np.sqrt", "abs": "np.abs", "fabs": "np.abs",
    "erf": "_erf",
    "TMath::Max": "np.maximum", "TMath::Min": "np.minimum", "TMath::Power": "np.power",
    "TMath::Log": "np.log", "TMath::Log10": "np.log10", "TMath::Exp": "np.exp",
    "TMath::Sqrt": "np.sqrt", "TMath::Abs": "np.abs", "TMath::Erf": "_erf",
}
_VARIABLES = {"x": "v[0]", "y": "v[1]", "z": "v[2]", "t": "v[3]"}


def compile_formula(formula, n_vars):
    """A function f(v, p) of the variable arrays v[0..] and the parameter arrays p[0..]."""
    expr = re.sub(r"\[(\d+)\]", r"p[\1]", formula).replace("^", "**")

    def ident(m):
        name = m.group(0)
        if name == "p":
            return name
        if name in _VARIABLES:
            if int(_VARIABLES[name][2]) >= n_vars:
                raise ValueError(f"formula {formula!r} uses {name!r}, the header has {n_vars} variables")
            return _VARIABLES[name]
        if name in _FUNCTIONS:
            return _FUNCTIONS[name]
        raise ValueError(f"formula {formula!r}: unknown name {name!r}")

    expr = re.sub(r"(?<![\w.])[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z0-9_]+)?", ident, expr)
    return eval("lambda v, p: " + expr, {"__builtins__": {}, "np": np, "_erf": _erf})


class BinnedFormula:
    """A JEC level or a resolution: evaluate(**{name: float64 array}) -> float64 array."""

    def __init__(self, path):
        self.path = path
        self.binned, self.evars, self.formula, records = read_table(path)
        self.binning = Binning(records, len(self.binned))
        ne = len(self.evars)
        vals = [r[1] for r in records]
        npar = len(vals[0]) - 2 * ne
        if npar < 0 or any(len(v) != 2 * ne + npar for v in vals):
            raise ValueError(f"{path}: records do not all hold {2 * ne} clamps + {npar} parameters")
        table = np.array(vals, dtype=np.float32).astype(np.float64).reshape(len(vals), 2 * ne + npar)
        self.clamp_lo = table[:, 0:2 * ne:2]
        self.clamp_hi = table[:, 1:2 * ne:2]
        self.params = table[:, 2 * ne:]
        self.func = compile_formula(self.formula, ne)

    def evaluate(self, **inputs):
        for name in self.binned + self.evars:
            if name not in inputs:
                raise KeyError(f"{self.path}: input {name!r} not given")
        xs = [np.asarray(inputs[n], dtype=np.float64) for n in self.binned]
        rec, over = self.binning.find(xs)
        v = [np.clip(np.asarray(inputs[n], dtype=np.float64), self.clamp_lo[rec, i], self.clamp_hi[rec, i])
             for i, n in enumerate(self.evars)]
        p = [self.params[rec, i] for i in range(self.params.shape[1])]
        raw = np.broadcast_to(np.asarray(self.func(v, p), dtype=np.float64), rec.shape)
        return np.where(over, 1.0, raw)


class JerScaleFactor:
    """evaluate(**inputs) -> (nominal, up, down) float64 arrays (nearest bin outside)."""

    def __init__(self, path):
        self.path = path
        self.binned, _, _, records = read_table(path)
        self.binning = Binning(records, len(self.binned))
        vals = np.array([r[1][:3] for r in records], dtype=np.float32).astype(np.float64)
        self.central, self.down, self.up = vals[:, 0], vals[:, 1], vals[:, 2]

    def evaluate(self, **inputs):
        rec, _ = self.binning.find([np.asarray(inputs[n], dtype=np.float64) for n in self.binned])
        return self.central[rec], self.up[rec], self.down[rec]


# --------------------------------------------------------------------------------------
# pc's per-jet random numbers (validation/jetmet_reference.py: splitmix64, jet_gauss), vectorised
# --------------------------------------------------------------------------------------
def splitmix64(x):
    x = np.asarray(x, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def jet_gauss(seed, run, lumi, event, index):
    """Standard normal per jet from (seed, run, lumi, event, jet index); arrays broadcast."""
    h = splitmix64(np.uint64(seed))
    for v in (run, lumi, event, index):
        h = splitmix64(h ^ np.asarray(v).astype(np.uint64))
    a = splitmix64(h)
    b = splitmix64(a)
    u1 = ((a >> np.uint64(11)) + np.uint64(1)).astype(np.float64) * 2.0**-53
    u2 = (b >> np.uint64(11)).astype(np.float64) * 2.0**-53
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def _jet_gauss_scalar(seed, run, lumi, event, index):
    """The scalar original (as in jetmet_reference.py), to test the vectorised version."""
    mask = (1 << 64) - 1

    def sm(x):
        z = (x + 0x9E3779B97F4A7C15) & mask
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        return z ^ (z >> 31)

    h = sm(seed)
    for v in (run, lumi, event, index):
        h = sm(h ^ v)
    a = sm(h)
    b = sm(a)
    return math.sqrt(-2.0 * math.log(((a >> 11) + 1) * 2.0**-53)) * math.cos(2.0 * math.pi * (b >> 11) * 2.0**-53)


# --------------------------------------------------------------------------------------
# The calibration
# --------------------------------------------------------------------------------------
class JetCalibration:
    """JEC levels + JER smearing of flat jet arrays (see the module docstring)."""

    def __init__(self, jec_dir, levels=JEC_LEVELS_2018_MC, resolution=JER_RESOLUTION_2018_MC,
                 scale_factor=JER_SF_2018_MC, seed=0):
        self.levels = [BinnedFormula(os.path.join(jec_dir, f)) for f in levels]
        self.resolution = BinnedFormula(os.path.join(jec_dir, resolution))
        self.scale_factor = JerScaleFactor(os.path.join(jec_dir, scale_factor))
        self.seed = seed

    def calibrate(self, pt, mass, eta, raw_factor, area, rho, pt_gen, gauss):
        """Flat per-jet arrays (NanoAOD float32 branches; rho per jet; pt_gen 0 if unmatched;
        gauss the per-jet normal). Returns dict of float64 arrays pt_raw, pt_jec, mass_jec,
        resolution, sf, factor (JER), pt, mass (nominal, before rounding)."""
        keep = np.float32(1.0) - np.asarray(raw_factor, dtype=np.float32)
        pt_raw = (keep * np.asarray(pt, dtype=np.float32)).astype(np.float64)
        mass_raw = (keep * np.asarray(mass, dtype=np.float32)).astype(np.float64)
        eta = np.asarray(eta, dtype=np.float32).astype(np.float64)
        common = dict(JetEta=eta, JetA=np.asarray(area, dtype=np.float64), Rho=np.asarray(rho, dtype=np.float64))
        total = np.ones_like(pt_raw)
        for level in self.levels:
            total = total * level.evaluate(JetPt=pt_raw * total, **common)
        pt_jec, mass_jec = total * pt_raw, total * mass_raw
        res = self.resolution.evaluate(JetPt=pt_jec, **common)
        sf, _, _ = self.scale_factor.evaluate(JetPt=pt_jec, **common)
        pt_gen = np.asarray(pt_gen, dtype=np.float64)
        delta = (pt_jec - pt_gen) / pt_jec
        hybrid = (pt_gen > 0) & (np.abs(delta) < 3.0 * res)
        factor = np.where(hybrid, 1.0 + (sf - 1.0) * delta,
                          1.0 + np.sqrt(np.maximum(sf * sf - 1.0, 0.0)) * (res * np.asarray(gauss, dtype=np.float64)))
        min_pt = MIN_JET_ENERGY / np.cosh(eta)
        factor = np.where(factor * pt_jec < min_pt, min_pt / pt_jec, factor)
        return dict(pt_raw=pt_raw, pt_jec=pt_jec, mass_jec=mass_jec, resolution=res, sf=sf,
                    factor=factor, hybrid=hybrid, pt=factor * pt_jec, mass=factor * mass_jec)


def matched_gen_pt(gen_idx, gen_pt):
    """Per jet (jagged awkward inputs): GenJet_pt[genJetIdx] if 0 <= idx < nGenJet, else 0."""
    import awkward as ak

    n_gen = ak.num(gen_pt, axis=1)
    idx = ak.values_astype(gen_idx, np.int64)
    ok = (idx >= 0) & (idx < n_gen)
    safe = ak.where(ok, idx, 0)
    padded = ak.fill_none(ak.pad_none(gen_pt, 1, axis=1), np.float32(0))
    return ak.where(ok, padded[safe], np.float32(0))


def calibrate_events(cal, ev):
    """Calibrated (pt, mass) of an awkward event record's jets (same jagged layout, float32) plus
    the flat calibration details; jets keep their NanoAOD order (sorting is the caller's job)."""
    import awkward as ak

    counts = ak.to_numpy(ak.num(ev["Jet_pt"], axis=1))
    flat = lambda a: ak.to_numpy(ak.flatten(a))  # noqa: E731
    local_index = flat(ak.local_index(ev["Jet_pt"], axis=1))
    rep = lambda a: np.repeat(ak.to_numpy(a), counts)  # noqa: E731
    gauss = jet_gauss(cal.seed, rep(ev["run"]), rep(ev["luminosityBlock"]), rep(ev["event"]), local_index)
    out = cal.calibrate(
        pt=flat(ev["Jet_pt"]), mass=flat(ev["Jet_mass"]), eta=flat(ev["Jet_eta"]),
        raw_factor=flat(ev["Jet_rawFactor"]), area=flat(ev["Jet_area"]),
        rho=rep(ev["fixedGridRhoFastjetAll"]),
        pt_gen=flat(matched_gen_pt(ev["Jet_genJetIdx"], ev["GenJet_pt"])), gauss=gauss)
    out["pt_gen"] = flat(matched_gen_pt(ev["Jet_genJetIdx"], ev["GenJet_pt"]))
    pt = ak.unflatten(out["pt"].astype(np.float32), counts)
    mass = ak.unflatten(out["mass"].astype(np.float32), counts)
    return pt, mass, out


JET_BRANCHES = ["run", "luminosityBlock", "event", "fixedGridRhoFastjetAll", "GenJet_pt"] + [
    "Jet_" + b for b in ("pt", "eta", "mass", "rawFactor", "area", "genJetIdx")]


# --------------------------------------------------------------------------------------
# Cross-check against coffea's numbers (validation/jetmet_reference.json)
# --------------------------------------------------------------------------------------
def check(data_dir, reference, rtol=1e-6):
    import uproot

    with open(reference) as f:
        ref = json.load(f)
    cal = JetCalibration(os.path.join(data_dir, "jec"), seed=ref["seed"])
    # vectorised random numbers == the scalar original
    probe = [(1, 2, 3, i) for i in range(5)] + [(325175, 4294967295, 2**64 - 1, 7)]
    vec = jet_gauss(0, *[np.array(c, dtype=np.uint64) for c in zip(*probe)])
    assert all(vec[i] == _jet_gauss_scalar(0, *probe[i]) for i in range(len(probe))), "jet_gauss mismatch"
    worst, n_jets, n_hybrid, failures = {}, 0, 0, []
    for stem, r in ref["files"].items():
        path = os.path.join(data_dir, "nanoaod", stem + ".root")
        ev = uproot.open(path)["Events"].arrays(JET_BRANCHES, library="ak")
        _, _, out = calibrate_events(cal, ev)
        import awkward as ak
        counts = [int(c) for c in ak.to_numpy(ak.num(ev["Jet_pt"], axis=1))]
        if counts != r["counts"]:
            failures.append(f"{stem}: jet counts differ")
            continue
        n_jets += len(out["pt"])
        n_hybrid += int(out["hybrid"].sum())
        for key, mine in (("pt_gen", out["pt_gen"]), ("jec_only", out["pt_jec"]), ("nominal", out["pt"]),
                          ("nominal_mass", out["mass"])):
            theirs = np.asarray(r[key], dtype=np.float64)
            denom = np.maximum(np.abs(theirs), 1e-30)
            rel = np.abs(mine - theirs) / denom
            rel[(theirs == 0) & (mine == 0)] = 0.0
            worst[key] = max(worst.get(key, 0.0), float(rel.max()) if len(rel) else 0.0)
            bad = np.nonzero(rel > rtol)[0]
            for i in bad[:5]:
                failures.append(f"{stem} {key} jet {i}: ours {mine[i]!r} coffea {theirs[i]!r} (rel {rel[i]:.2e})")
        print(f"{stem}: {len(out['pt'])} jets ({int(out['hybrid'].sum())} gen-matched/scaled)")
    print(f"compared {n_jets} jets ({n_hybrid} scaling method, {n_jets - n_hybrid} stochastic) in "
          f"{len(ref['files'])} files; worst relative difference: "
          + ", ".join(f"{k} {v:.2e}" for k, v in worst.items()))
    if failures:
        print("FAILED (rtol %g):\n  " % rtol + "\n  ".join(failures), file=sys.stderr)
        return 1
    print(f"OK: all within {rtol:g} relative")
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with validation/jetmet_reference.json")
    ap.add_argument("--data-dir", default=default_data_dir(), help="folder with jec/ and nanoaod/")
    ap.add_argument("--reference", default=os.path.join(HERE, "jetmet_reference.json"))
    ap.add_argument("--rtol", type=float, default=1e-6)
    args = ap.parse_args(argv)
    if not args.check:
        ap.error("nothing to do (use --check)")
    return check(args.data_dir, args.reference, args.rtol)


if __name__ == "__main__":
    sys.exit(main())
