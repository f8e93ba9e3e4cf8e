#!/usr/bin/env python3
"""Side-by-side speed benchmark of the Z->mumu analysis: `pc zmumu` against ROOT RDataFrame
(compiled, bench/zmumu_rdf.C), our read-only floor (`pc bench-read` on the same branches) and
PocketCoffea 0.9.13 (iterative executor, bench/pocketcoffea_zmumu/).

It generates (once, cached) a >= 1M-event LZMA NanoAOD-like Drell-Yan file with `pc generate`,
writes a one-dataset JSON for it, checks that RDataFrame (and PocketCoffea) give the same
numbers as `pc zmumu`, then times each tool in its own process (whole process wall time, peak
RSS from wait4; best of --repeat) and prints a markdown table plus the commands.

usage: python3 bench/zmumu_bench.py [--cache DIR] [--events 1000000] [--codec lzma:4]
                                    [--repeat 3] [--pc-repeat-pocketcoffea 1]
                                    [--root-exe PATH] [--pocketcoffea-python PYTHON | --no-pocketcoffea]
                                    [--json OUT.json]
"""
import argparse
import json
import math
import os
import shlex
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SHARED = os.path.join(os.path.dirname(REPO), "shared")
# root.exe of a PyPI `root` install: $ROOT_EXE, else the one on PATH.
ROOT_EXE_DEFAULT = os.environ.get("ROOT_EXE") or shutil.which("root.exe") or "root.exe"
PC_SHIM = os.path.join(SHARED, "refharness", "pc_cli_shim.py")
XSEC = 6077.22
DATASET = "DYJetsToLL_2018"
SAMPLE = "DYJetsToLL"

COFFEA_DUMP = r"""
import json, sys
from coffea.util import load
out = load(sys.argv[1]); ds = sys.argv[2]; sample = sys.argv[3]
res = {"cutflow": {"initial": int(out["cutflow"]["initial"][ds]), "skim": int(out["cutflow"]["skim"][ds]),
                   "presel": int(out["cutflow"]["presel"][ds]["nominal"])},
       "sum_genweights": float(out["sum_genweights"][ds]), "hists": {}}
for name, d in out["variables"].items():
    H = d[sample][ds][{"cat": "baseline", "variation": "nominal"}]
    res["hists"][name] = {"sumw": [float(x) for x in H.values(flow=True)],
                          "sumw2": [float(x) for x in H.variances(flow=True)]}
print(json.dumps(res))
"""


def sh(cmd):
    return " ".join(shlex.quote(c) for c in cmd)


def run_wait4(cmd, env=None, cwd=None, log=None):
    """Runs cmd in its own process; returns (stdout, wall s, peak RSS MiB) with RSS from os.wait4.
    stdout/stderr go to files so that no pipe can block."""
    import tempfile

    with tempfile.TemporaryFile("w+") as fo, tempfile.TemporaryFile("w+") as fe:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=fo, stderr=fe, text=True, env=env, cwd=cwd)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        out, err = fo.read(), fe.read()
    if log:
        with open(log, "w") as f:
            f.write(out + "\n--- stderr ---\n" + err)
    if p.returncode != 0:
        sys.exit(f"command failed (rc={p.returncode}): {sh(cmd)}\n{out[-3000:]}\n{err[-3000:]}")
    return out, wall, usage.ru_maxrss / 1024.0


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("no JSON line in output")


def best_of(fn, repeat):
    runs = [fn() for _ in range(repeat)]
    return min(runs, key=lambda r: r["wall"]), runs


def rel(a, b):
    if a == b:
        return 0.0
    return abs(a - b) / max(abs(a), abs(b))


# ---------------------------------------------------------------------------------------------
def load_pc(outdir):
    with open(os.path.join(outdir, "histograms.json")) as f:
        h = json.load(f)
    with open(os.path.join(outdir, "cutflow.json")) as f:
        c = json.load(f)
    hists = {}
    for key, v in h.items():
        name = key.split("/")[0]
        st = v["storage"]
        vals, var = st["values"], st["variances"]
        while isinstance(vals[0], list):  # [cat][variation][bins] -> bins
            vals, var = vals[0], var[0]
        hists[name] = {"sumw": vals, "sumw2": var}
    return {"cutflow": {"initial": c["initial"][DATASET], "skim": c["skim"][DATASET],
                        "presel": c["presel"][DATASET]["nominal"]},
            "sum_genweights": c["sum_genweights"][DATASET], "hists": hists}


def compare(pc, other, label, rtol, raw_other_needs_norm=True, loose=None):
    """Counts exact; histograms: pc (already /S) vs other/S_other bin by bin (under/overflow included),
    sumw and sumw2, within rtol (or loose[name] for histograms the other tool computes in float32).
    Returns a dict with the worst relative difference of each kind."""
    loose = loose or {}
    problems = []
    for k in ("initial", "skim", "presel"):
        if pc["cutflow"][k] != other["cutflow"][k]:
            problems.append(f"cutflow {k}: pc {pc['cutflow'][k]} vs {label} {other['cutflow'][k]}")
    S = other["sum_genweights"]
    s_rel = rel(pc["sum_genweights"], S)
    worst, worst_where, nbins = 0.0, "", 0
    worst_loose, loose_where = 0.0, ""
    for name, h in pc["hists"].items():
        o = other["hists"].get(name)
        if o is None:
            problems.append(f"{label}: histogram {name} missing")
            continue
        if len(o["sumw"]) != len(h["sumw"]):
            problems.append(f"{label}: {name} has {len(o['sumw'])} bins (with flow), pc {len(h['sumw'])}")
            continue
        for kind, p in (("sumw", 1), ("sumw2", 2)):
            for i, (a, b) in enumerate(zip(h[kind], o[kind])):
                b = b / S**p if raw_other_needs_norm else b
                d = rel(a, b)
                nbins += 1
                where = f"{name} {kind} bin {i}: pc {a!r} vs {label} {b!r}"
                if name in loose:
                    if d > worst_loose:
                        worst_loose, loose_where = d, where
                        if d > loose[name]:
                            problems.append(f"{where} (rel diff {d:.2e} > {loose[name]:g})")
                elif d > worst:
                    worst, worst_where = d, where
    ok = not problems and worst <= rtol
    counts_equal = all(pc["cutflow"][k] == other["cutflow"][k] for k in ("initial", "skim", "presel"))
    return {"tool": label, "ok": ok, "problems": problems, "counts_equal": counts_equal,
            "max_rel_diff": worst, "where": worst_where,
            "values_compared": nbins, "sum_genweights_rel_diff": s_rel, "rtol": rtol,
            "loose": loose, "max_rel_diff_loose": worst_loose, "where_loose": loose_where}


# ---------------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "pc-bench"))
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--codec", default="lzma:4")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--repeat-pocketcoffea", type=int, default=1)
    ap.add_argument("--pc", default=os.path.join(REPO, "target", "release", "pc"))
    ap.add_argument("--root-exe", default=ROOT_EXE_DEFAULT)
    ap.add_argument("--data-dir", default=os.path.join(SHARED, "data"))
    ap.add_argument("--pocketcoffea-python", default=os.environ.get("PCOFFEA_PYTHON", "python3"),
                    help="python of a venv with pocket-coffea==0.9.13 (or $PCOFFEA_PYTHON)")
    ap.add_argument("--no-pocketcoffea", action="store_true")
    ap.add_argument("--json", help="write all measurements here (default CACHE/zmumu_bench.json)")
    args = ap.parse_args()

    pc = os.path.abspath(args.pc)
    os.makedirs(args.cache, exist_ok=True)
    tag = args.codec.replace(":", "")
    fname = f"dy_{args.events}_{tag}.root"
    path = os.path.join(args.cache, fname)
    if not os.path.exists(path):
        cmd = [pc, "generate", "--kind", "dy", "--events", str(args.events), "--codec", args.codec,
               "--cluster-size", "10000", "-o", path + ".part"]
        print("generating:", sh(cmd), flush=True)
        subprocess.run(cmd, check=True)
        os.replace(path + ".part", path)
    print(f"input: {path} ({os.path.getsize(path) / 2**20:.0f} MiB)", flush=True)

    work = os.path.join(args.cache, "zmumu_bench")
    os.makedirs(work, exist_ok=True)
    ds_json = os.path.join(work, "datasets.json")
    with open(ds_json, "w") as f:
        json.dump({DATASET: {"metadata": {"das_names": ["local"], "sample": SAMPLE, "year": "2018", "isMC": "True",
                                          "xsec": XSEC, "nevents": str(args.events),
                                          "size": str(os.path.getsize(path))},
                             "files": [path]}}, f, indent=1)

    commands, results = {}, {}

    # ---- (a) pc zmumu, 1 thread ----------------------------------------------------------------
    pc_out = os.path.join(work, "pc_out")
    # The simplified zmumu (as the RDataFrame and PocketCoffea versions): no pileup/muon-SF
    # weights, no jet calibration, and (as their configurations) only the nominal variation.
    simplified = os.path.join(work, "simplified.yaml")
    with open(simplified, "w") as f:
        f.write("corrections: false\nvariations: {weights: [], shape: []}\n")
    cmd_pc = [pc, "zmumu", "--datasets", ds_json, "-o", pc_out, "--threads", "1", "--quiet", "--data-dir", args.data_dir,
              "--params", simplified]
    commands["pc zmumu"] = sh(cmd_pc)

    def t_pc():
        _, wall, rss = run_wait4(cmd_pc)
        return {"wall": wall, "rss": rss}

    # ---- (b) RDataFrame compiled (ACLiC +O), 1 thread ------------------------------------------
    aclic = os.path.join(args.cache, "aclic")
    os.makedirs(aclic, exist_ok=True)
    macro = os.path.join(HERE, "zmumu_rdf.C")
    rdf_json = os.path.join(work, "rdf.json")
    setbuild = f'gSystem->SetBuildDir("{aclic}", true);'
    build_cmd = [args.root_exe, "-l", "-b", "-q", "-e", setbuild,
                 "-e", f'if (!gSystem->CompileMacro("{macro}", "kO")) gSystem->Exit(1);']
    print("building the RDataFrame macro (ACLiC +O; cached):", flush=True)
    run_wait4(build_cmd, log=os.path.join(work, "rdf_build.log"))
    cmd_rdf = [args.root_exe, "-l", "-b", "-q", "-e", setbuild, f'{macro}+O("{path}", "{rdf_json}", {XSEC!r}, 0)']
    commands["RDataFrame compiled"] = sh(cmd_rdf)

    def t_rdf():
        out, wall, rss = run_wait4(cmd_rdf)
        j = last_json(out)
        if j["n_event_loops"] != 1:
            sys.exit(f"RDataFrame ran {j['n_event_loops']} event loops")
        return {"wall": wall, "rss": rss, "loop": j["loop_seconds"], "setup": j["setup_seconds"]}

    # ---- (c) read-only floor: pc bench-read on the branches pc zmumu reads ----------------------
    print("pc zmumu (first run, also for its config.json):", flush=True)
    first_pc = t_pc()
    with open(os.path.join(pc_out, "config.json")) as f:
        # The branches the simplified run reads: not those read only `when` corrections are on.
        branches = [b["name"] for b in json.load(f)["branches"] if not b.get("when")]
    cmd_read = [pc, "bench-read", path, "--branches", ",".join(branches), "--threads", "1"]
    commands["pc bench-read (floor)"] = sh(cmd_read)

    def t_read():
        out, wall, rss = run_wait4(cmd_read)
        j = last_json(out)
        return {"wall": wall, "rss": rss, "loop": j["seconds"]}

    # ---- (d) PocketCoffea 0.9.13, iterative executor ---------------------------------------------
    do_pco = not args.no_pocketcoffea and os.path.exists(args.pocketcoffea_python)
    pco_out = os.path.join(work, "pocketcoffea_out")
    cmd_pco = [args.pocketcoffea_python, PC_SHIM, "run", "--cfg", os.path.join(HERE, "pocketcoffea_zmumu", "config.py"),
               "-o", pco_out, "-e", "iterative", "-c", "150000", "--ignore-grid-certificate"]
    pco_env = dict(os.environ, PCBENCH_DATASETS=ds_json)
    if do_pco:
        commands["PocketCoffea iterative"] = f"PCBENCH_DATASETS={shlex.quote(ds_json)} " + sh(cmd_pco)

    def t_pco():
        out, wall, rss = run_wait4(cmd_pco, env=pco_env, cwd=work, log=os.path.join(work, "pocketcoffea.log"))
        return {"wall": wall, "rss": rss}

    # ---- correctness first ------------------------------------------------------------------------
    print("RDataFrame (first run, checked against pc):", flush=True)
    first_rdf = t_rdf()
    pc_res = load_pc(pc_out)
    with open(rdf_json) as f:
        r = json.load(f)
    rdf_res = {"cutflow": {k: r[k] for k in ("initial", "skim", "presel")}, "sum_genweights": r["sum_genweights"],
               "hists": r["hists"]}
    checks = [compare(pc_res, rdf_res, "RDataFrame", 1e-9)]
    # also the unnormalised presel sums
    S = r["sum_genweights"]
    pc_sumw = json.load(open(os.path.join(pc_out, "cutflow.json")))["sumw"]["baseline"][DATASET][SAMPLE]["nominal"]
    checks[0]["presel_sumw_rel_diff"] = rel(pc_sumw, r["sumw"] / S)

    first_pco = None
    if do_pco:
        print("PocketCoffea (first run, checked against pc; takes minutes):", flush=True)
        first_pco = t_pco()
        dump = subprocess.run([args.pocketcoffea_python, "-c", COFFEA_DUMP, os.path.join(pco_out, "output_all.coffea"),
                               DATASET, SAMPLE], check=True, capture_output=True, text=True).stdout
        pco = last_json(dump)
        # PocketCoffea's output histograms are already scaled by 1/sum_genweights (its own float sum, ~1e-9 off);
        # coffea builds the dimuon four-vector in float32, so `mll` agrees to ~1e-4 only.
        checks.append(compare(pc_res, pco, "PocketCoffea", 1e-8, raw_other_needs_norm=False,
                              loose={"mll": 1e-3}))
    for c in checks:
        print(f"check pc vs {c['tool']}: {'OK' if c['ok'] else 'MISMATCH'}; counts initial/skim/presel equal: "
              f"{c['counts_equal']}; max rel diff {c['max_rel_diff']:.2e} over {c['values_compared']} values "
              f"(rtol {c['rtol']:g}); sum_genweights rel diff {c['sum_genweights_rel_diff']:.2e}"
              + (f"; presel sumw rel diff {c['presel_sumw_rel_diff']:.2e}" if "presel_sumw_rel_diff" in c else ""),
              flush=True)
        for name, tol in c["loose"].items():
            print(f"    {name}: max rel diff {c['max_rel_diff_loose']:.2e} (allowed {tol:g}: {c['tool']} computes it "
                  f"in float32); worst: {c['where_loose']}")
        for p in c["problems"]:
            print("   ", p)
        if c["max_rel_diff"] > c["rtol"]:
            print("    worst:", c["where"])

    # ---- timings: interleaved repeats, best of N ----------------------------------------------------
    runs = {"pc": [first_pc], "rdf": [first_rdf], "read": [], "pco": [first_pco] if first_pco else []}
    for i in range(args.repeat):
        print(f"timing round {i + 1}/{args.repeat}", flush=True)
        runs["read"].append(t_read())
        if i > 0 or args.repeat == 1:
            runs["pc"].append(t_pc())
            runs["rdf"].append(t_rdf())
    # the first (checked) runs count as repeats too
    if do_pco:
        for _ in range(args.repeat_pocketcoffea - 1):
            runs["pco"].append(t_pco())
    best = {k: min(v, key=lambda r: r["wall"]) for k, v in runs.items() if v}

    n = args.events
    pcb, rdf, rd = best["pc"], best["rdf"], best["read"]
    rows = []

    def row(name, r, ratio):
        rows.append(f"| {name} | {r['wall']:.2f} | {n / r['wall'] / 1e6:.3f} | {ratio} | {r['rss']:.0f} |")

    row("pc zmumu, 1 thread (whole process)", pcb, "1.00")
    row("RDataFrame compiled, 1 thread (whole process, ROOT start-up included)", rdf,
        f"RDF/pc = {rdf['wall'] / pcb['wall']:.2f}x")
    rows.append(f"| RDataFrame compiled, event loop only | {rdf['loop']:.2f} | {n / rdf['loop'] / 1e6:.3f} | "
                f"RDF loop/pc process = {rdf['loop'] / pcb['wall']:.2f}x | - |")
    if "pco" in best:
        p = best["pco"]
        row(f"PocketCoffea 0.9.13, iterative executor (best of {len(runs['pco'])})", p,
            f"PocketCoffea/pc = {p['wall'] / pcb['wall']:.1f}x")
    else:
        rows.append("| PocketCoffea 0.9.13, iterative | not run | - | - | - |")
    row(f"pc bench-read, {len(branches)} branches, 1 thread (read-only floor, whole process)", rd,
        f"pc/floor = {pcb['wall'] / rd['wall']:.2f}x")

    table = [f"Z->mumu on {n:,} events, {os.path.basename(path)} ({os.path.getsize(path) / 2**20:.0f} MiB, "
             f"{args.codec}); 1 thread each; wall time of the whole process, best of {args.repeat} "
             f"(PocketCoffea best of {len(runs['pco'])}); peak RSS from wait4.",
             "",
             "| implementation | seconds | M events/s | ratio | peak RSS MiB |",
             "|---|---|---|---|---|"] + rows
    print()
    print("\n".join(table))
    print()
    print("All runs (seconds):", {k: [round(r["wall"], 3) for r in v] for k, v in runs.items()})
    print("\nCommands:")
    for k, v in commands.items():
        print(f"- {k}: `{v}`")
    print(f"- RDataFrame build (once, not timed): `{sh(build_cmd)}`")

    out_json = args.json or os.path.join(work, "zmumu_bench.json")
    with open(out_json, "w") as f:
        json.dump({"file": path, "events": n, "codec": args.codec, "branches": branches, "runs": runs,
                   "best": best, "checks": checks, "commands": commands, "table": table}, f, indent=1)
    print(f"\nwrote {out_json}")


if __name__ == "__main__":
    main()
