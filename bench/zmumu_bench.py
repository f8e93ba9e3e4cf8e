#!/usr/bin/env python3
"""Side-by-side speed benchmark of the Z->mumu analysis: `pc zmumu` against ROOT RDataFrame
(compiled, bench/zmumu_rdf.C), our read-only floor (`pc bench-read` on the same branches) and
PocketCoffea 0.9.13 (iterative executor, bench/pocketcoffea_zmumu/).

Input: by default it generates (once, cached) a >= 1M-event LZMA NanoAOD-like Drell-Yan file with
`pc generate`; or `--input FILE` takes an existing NanoAOD file (e.g. one written by ROOT with
`make_bench_nano.py` of the reference harness), declared as the same dataset (MC, 2018,
DYJetsToLL, xsec 6077.22 pb). It writes a one-dataset JSON for it, reads the file once (page
cache), checks that RDataFrame (and PocketCoffea) give the same numbers as `pc zmumu` (and that pc
gives byte-identical histograms at every thread count), then times each tool in its own process
(whole process wall time, peak RSS from wait4, CPU used by other processes meanwhile) in
interleaved rounds (pc, RDataFrame, pc, RDataFrame, ...), and prints a markdown table (best of
--repeat), the spread of the repeats and the commands.

The shared folder: $PC_SHARED_DATA (the data folder; its parent holds refharness/), else
../shared/data relative to the repository's parent.

usage: python3 bench/zmumu_bench.py [--input FILE | --events 1000000 --codec lzma:4] [--cache DIR]
                                    [--threads 1,2] [--rdf-threads 1,2] [--repeat 3]
                                    [--repeat-pocketcoffea 1] [--wait-quiet SECONDS]
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
# The shared folder: $PC_SHARED_DATA is its data folder (as for pc itself); the parent holds refharness/.
# Fallback: ../shared/data next to the repository.
SHARED_DATA = os.environ.get("PC_SHARED_DATA") or os.path.join(os.path.dirname(REPO), "shared", "data")
REFHARNESS = os.path.join(os.path.dirname(os.path.abspath(SHARED_DATA)), "refharness")
# root.exe of a PyPI `root` install: $ROOT_EXE, else the one on PATH.
ROOT_EXE_DEFAULT = os.environ.get("ROOT_EXE") or shutil.which("root.exe") or "root.exe"
PC_SHIM = os.path.join(REFHARNESS, "pc_cli_shim.py")
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


def cpu_busy_jiffies():
    """Busy CPU time of the whole machine so far (all processes), in clock ticks."""
    try:
        with open("/proc/stat") as fh:
            v = [int(x) for x in fh.readline().split()[1:]]
    except OSError:
        return None
    return sum(v[:8]) - v[3] - v[4]


def wait_quiet(max_wait, threshold=0.3, window=2.0):
    """Waits (at most max_wait s) until the machine's busy CPU is below `threshold` cores; returns that load."""
    if max_wait <= 0 or cpu_busy_jiffies() is None:
        return None
    hz = os.sysconf("SC_CLK_TCK")
    t_end = time.time() + max_wait
    while True:
        b0 = cpu_busy_jiffies()
        time.sleep(window)
        load = (cpu_busy_jiffies() - b0) / hz / window
        if load < threshold or time.time() > t_end:
            return round(load, 2)
        time.sleep(3)


def run_wait4(cmd, env=None, cwd=None, log=None, stats=None):
    """Runs cmd in its own process; returns (stdout, wall s, peak RSS MiB) with RSS from os.wait4.
    stdout/stderr go to files so that no pipe can block. If `stats` is a dict, it gets the process'
    CPU seconds (user + sys) and the CPU cores other processes used meanwhile (`foreign_cores`)."""
    import tempfile

    with tempfile.TemporaryFile("w+") as fo, tempfile.TemporaryFile("w+") as fe:
        b0 = cpu_busy_jiffies()
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=fo, stderr=fe, text=True, env=env, cwd=cwd)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        b1 = cpu_busy_jiffies()
        p.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        out, err = fo.read(), fe.read()
    if log:
        with open(log, "w") as f:
            f.write(out + "\n--- stderr ---\n" + err)
    if p.returncode != 0:
        sys.exit(f"command failed (rc={p.returncode}): {sh(cmd)}\n{out[-3000:]}\n{err[-3000:]}")
    if stats is not None:
        cpu = usage.ru_utime + usage.ru_stime
        stats["cpu"] = cpu
        if b0 is not None and b1 is not None:
            busy = (b1 - b0) / os.sysconf("SC_CLK_TCK")
            stats["foreign_cores"] = max(0.0, busy - cpu) / wall
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


def compare(pc, other, label, rtol, raw_other_needs_norm=True, loose=None, renorm=False, s_rtol=0.0):
    """Counts exact; histograms: pc (already /S) vs other/S_other bin by bin (under/overflow included),
    sumw and sumw2, within rtol (or loose[name] for histograms the other tool computes in float32).
    renorm: the other tool's histograms are normalised by its own S_other, which differs from the exact
    sum (PocketCoffea sums genWeight in float32): compare the unnormalised sums, i.e. other * (S_other/S)^p,
    and check S_other against S separately within s_rtol.
    Returns a dict with the worst relative difference of each kind."""
    loose = loose or {}
    problems = []
    for k in ("initial", "skim", "presel"):
        if pc["cutflow"][k] != other["cutflow"][k]:
            problems.append(f"cutflow {k}: pc {pc['cutflow'][k]} vs {label} {other['cutflow'][k]}")
    S = other["sum_genweights"]
    s_rel = rel(pc["sum_genweights"], S)
    scale = S / pc["sum_genweights"] if renorm else 1.0
    if renorm and s_rel > s_rtol:
        problems.append(f"sum_genweights: pc {pc['sum_genweights']!r} vs {label} {S!r} (rel diff {s_rel:.2e} > {s_rtol:g})")
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
                b = b / S**p if raw_other_needs_norm else b * scale**p
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
            "loose": loose, "max_rel_diff_loose": worst_loose, "where_loose": loose_where,
            "renormalised": renorm, "s_rtol": s_rtol}


# ---------------------------------------------------------------------------------------------
def inspect_input(pc, path):
    """(entries, codec of most of the Events branches' bytes, number of clusters) of a file, from `pc inspect`."""
    out = subprocess.run([pc, "inspect", "--json", "--tree", "Events", path], check=True, capture_output=True,
                         text=True).stdout
    tree = json.loads(out)[0]
    by_codec = {}
    for br in tree["branches"]:
        by_codec[br.get("codec")] = by_codec.get(br.get("codec"), 0) + (br.get("zip_bytes") or 0)
    codec = max(by_codec, key=by_codec.get) if by_codec else "?"
    return int(tree["entries"]), codec, len(tree["clusters"]) - 1


def warm_page_cache(path):
    """Reads the file once so that every timed run finds it in the page cache (the first would not)."""
    t0 = time.perf_counter()
    with open(path, "rb", buffering=0) as f:
        while f.read(16 << 20):
            pass
    return time.perf_counter() - t0


def int_list(text):
    return [int(x) for x in text.split(",") if x.strip()]


def median(xs):
    w = sorted(xs)
    return w[len(w) // 2] if len(w) % 2 else 0.5 * (w[len(w) // 2 - 1] + w[len(w) // 2])


def spread(rs):
    w = sorted(r["wall"] for r in rs)
    return {"min": w[0], "median": median(w), "max": w[-1], "n": len(w), "range_pct": 100.0 * (w[-1] - w[0]) / w[0],
            "cpu_min": min(r["cpu"] for r in rs), "cpu_median": median([r["cpu"] for r in rs])}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "pc-bench"))
    ap.add_argument("--input", help="an existing NanoAOD file (MC 2018 Drell-Yan) instead of a generated one")
    ap.add_argument("--events", type=int, default=1_000_000, help="events of the generated file (not with --input)")
    ap.add_argument("--codec", default="lzma:4", help="codec of the generated file (not with --input)")
    ap.add_argument("--threads", default="1", help="pc thread counts, comma-separated (e.g. 1,2)")
    ap.add_argument("--rdf-threads", help="RDataFrame thread counts (1 = implicit MT off; default: --threads; "
                    "'none': no RDataFrame)")
    ap.add_argument("--baseline-pc", help="another pc binary (e.g. an older commit's) timed in the same rounds, right "
                    "after pc at each thread count, for a regression check on the same file")
    ap.add_argument("--no-floor", action="store_true", help="do not time the read-only floor")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--repeat-pocketcoffea", type=int, default=1)
    ap.add_argument("--wait-quiet", type=float, default=0,
                    help="before each timed run wait up to this many seconds for other processes to use < 0.3 cores")
    ap.add_argument("--pc", default=os.path.join(REPO, "target", "release", "pc"))
    ap.add_argument("--root-exe", default=ROOT_EXE_DEFAULT)
    ap.add_argument("--data-dir", default=SHARED_DATA)
    ap.add_argument("--pocketcoffea-python", default=os.environ.get("PCOFFEA_PYTHON", "python3"),
                    help="python of a venv with pocket-coffea==0.9.13 (or $PCOFFEA_PYTHON)")
    ap.add_argument("--no-pocketcoffea", action="store_true")
    ap.add_argument("--json", help="write all measurements here (default CACHE/zmumu_bench/<file>/zmumu_bench.json)")
    args = ap.parse_args()
    pc_threads = int_list(args.threads)
    rdf_threads = [] if args.rdf_threads == "none" else int_list(args.rdf_threads) if args.rdf_threads else pc_threads

    pc = os.path.abspath(args.pc)
    os.makedirs(args.cache, exist_ok=True)
    if args.input:
        path = os.path.abspath(args.input)
        if not os.path.exists(path):
            sys.exit(f"no such file: {path}")
    else:
        tag = args.codec.replace(":", "")
        path = os.path.join(args.cache, f"dy_{args.events}_{tag}.root")
        if not os.path.exists(path):
            cmd = [pc, "generate", "--kind", "dy", "--events", str(args.events), "--codec", args.codec,
                   "--cluster-size", "10000", "-o", path + ".part"]
            print("generating:", sh(cmd), flush=True)
            subprocess.run(cmd, check=True)
            os.replace(path + ".part", path)
    n, codec, nclusters = inspect_input(pc, path)
    if not args.input and n != args.events:
        sys.exit(f"{path} has {n} events, not {args.events}")
    size_mib = os.path.getsize(path) / 2**20
    print(f"input: {path} ({size_mib:.0f} MiB, {n} events, {codec}, {nclusters} clusters)", flush=True)
    print(f"read once into the page cache: {warm_page_cache(path):.1f} s", flush=True)

    stem = os.path.splitext(os.path.basename(path))[0]
    work = os.path.join(args.cache, "zmumu_bench", stem)
    os.makedirs(work, exist_ok=True)
    ds_json = os.path.join(work, "datasets.json")
    with open(ds_json, "w") as f:
        json.dump({DATASET: {"metadata": {"das_names": ["local"], "sample": SAMPLE, "year": "2018", "isMC": "True",
                                          "xsec": XSEC, "nevents": str(n),
                                          "size": str(os.path.getsize(path))},
                             "files": [path]}}, f, indent=1)

    commands, runs = {}, {}
    # The simplified zmumu (as the RDataFrame and PocketCoffea versions): no pileup/muon-SF
    # weights, no jet calibration, and (as their configurations) only the nominal variation.
    # Jets are not calibrated, so their mass is not read either (nor by RDataFrame).
    simplified = os.path.join(work, "simplified.yaml")
    with open(simplified, "w") as f:
        f.write("corrections: false\nvariations: {weights: [], shape: []}\n"
                "skip_branches: [Electron_charge, Electron_mass, Jet_mass]\n")
    # An older binary may not know `skip_branches` (it read only what its zmumu declared).
    simplified_base = os.path.join(work, "simplified_base.yaml")
    with open(simplified_base, "w") as f:
        f.write("corrections: false\nvariations: {weights: [], shape: []}\n")

    def timed(cmd, parse=None, **kw):
        wait_quiet(args.wait_quiet)
        st = {}
        out, wall, rss = run_wait4(cmd, stats=st, **kw)
        r = {"wall": wall, "rss": rss, **st}
        if parse:
            r.update(parse(out))
        return r

    # ---- (a) pc zmumu, N threads -----------------------------------------------------------------
    cmd_pc = {}
    for t in pc_threads:
        cmd_pc[t] = [pc, "zmumu", "--datasets", ds_json, "-o", os.path.join(work, f"pc_out_t{t}"), "--threads", str(t),
                     "--quiet", "--data-dir", args.data_dir, "--params", simplified]
        commands[f"pc zmumu, {t} thread(s)"] = sh(cmd_pc[t])
    cmd_base = {}
    if args.baseline_pc:
        for t in pc_threads:
            cmd_base[t] = [os.path.abspath(args.baseline_pc)] + cmd_pc[t][1:]
            cmd_base[t][cmd_base[t].index("-o") + 1] = os.path.join(work, f"base_out_t{t}")
            cmd_base[t][cmd_base[t].index("--params") + 1] = simplified_base
            commands[f"baseline pc zmumu, {t} thread(s)"] = sh(cmd_base[t])

    # ---- (b) RDataFrame compiled (ACLiC +O), 1 thread = implicit MT off, else EnableImplicitMT(N) --
    aclic = os.path.join(args.cache, "aclic")
    os.makedirs(aclic, exist_ok=True)
    macro = os.path.join(HERE, "zmumu_rdf.C")
    setbuild = f'gSystem->SetBuildDir("{aclic}", true);'
    build_cmd = [args.root_exe, "-l", "-b", "-q", "-e", setbuild,
                 "-e", f'if (!gSystem->CompileMacro("{macro}", "kO")) gSystem->Exit(1);']
    print("building the RDataFrame macro (ACLiC +O; cached):", flush=True)
    run_wait4(build_cmd, log=os.path.join(work, "rdf_build.log"))
    cmd_rdf, rdf_json = {}, {}
    for t in rdf_threads:
        rdf_json[t] = os.path.join(work, f"rdf_t{t}.json")
        cmd_rdf[t] = [args.root_exe, "-l", "-b", "-q", "-e", setbuild,
                      f'{macro}+O("{path}", "{rdf_json[t]}", {XSEC!r}, {0 if t == 1 else t})']
        commands[f"RDataFrame compiled, {t} thread(s)"] = sh(cmd_rdf[t])

    def rdf_parse(out):
        j = last_json(out)
        if j["n_event_loops"] != 1:
            sys.exit(f"RDataFrame ran {j['n_event_loops']} event loops")
        return {"loop": j["loop_seconds"], "setup": j["setup_seconds"]}

    def t_pc(t):
        return timed(cmd_pc[t])

    def t_rdf(t):
        return timed(cmd_rdf[t], rdf_parse)

    # ---- first runs (checked below; they count as repeats) ---------------------------------------
    for t in pc_threads:
        print(f"pc zmumu, {t} thread(s) (first run, checked):", flush=True)
        runs[f"pc_t{t}"] = [t_pc(t)]
        if cmd_base:
            print(f"baseline pc zmumu, {t} thread(s) (first run, checked):", flush=True)
            runs[f"base_t{t}"] = [timed(cmd_base[t])]
    for t in rdf_threads:
        print(f"RDataFrame, {t} thread(s) (first run, checked against pc):", flush=True)
        runs[f"rdf_t{t}"] = [t_rdf(t)]

    # ---- (c) read-only floor: pc bench-read on the branches pc zmumu reads ----------------------
    t_ref = pc_threads[0]
    pc_out = os.path.join(work, f"pc_out_t{t_ref}")
    with open(os.path.join(pc_out, "config.json")) as f:
        # The branches the simplified run reads: not those read only `when` corrections are on.
        branches = [b["name"] for b in json.load(f)["branches"] if not b.get("when")]
    cmd_read = {t: [pc, "bench-read", path, "--branches", ",".join(branches), "--threads", str(t)] for t in pc_threads}
    for t in pc_threads:
        commands[f"pc bench-read (floor), {t} thread(s)"] = sh(cmd_read[t])

    def t_read(t):
        return timed(cmd_read[t], lambda out: {"loop": last_json(out)["seconds"]})

    # ---- (d) PocketCoffea 0.9.13, iterative executor ---------------------------------------------
    do_pco = not args.no_pocketcoffea and os.path.exists(args.pocketcoffea_python)
    pco_out = os.path.join(work, "pocketcoffea_out")
    cmd_pco = [args.pocketcoffea_python, PC_SHIM, "run", "--cfg", os.path.join(HERE, "pocketcoffea_zmumu", "config.py"),
               "-o", pco_out, "-e", "iterative", "-c", "150000", "--ignore-grid-certificate"]
    pco_env = dict(os.environ, PCBENCH_DATASETS=ds_json)
    if do_pco:
        commands["PocketCoffea iterative"] = f"PCBENCH_DATASETS={shlex.quote(ds_json)} " + sh(cmd_pco)

    def t_pco():
        return timed(cmd_pco, env=pco_env, cwd=work, log=os.path.join(work, "pocketcoffea.log"))

    # ---- correctness first ------------------------------------------------------------------------
    pc_res = load_pc(pc_out)
    checks = []
    with open(os.path.join(pc_out, "histograms.json"), "rb") as f:
        h_ref = f.read()
    for t in pc_threads[1:]:
        with open(os.path.join(work, f"pc_out_t{t}", "histograms.json"), "rb") as f:
            same = f.read() == h_ref
        checks.append({"tool": f"pc {t} threads", "ok": same, "problems": [] if same else
                       [f"histograms.json of {t} threads differs from {t_ref} thread(s)"],
                       "byte_identical": same})
        print(f"check pc {t} threads vs pc {t_ref} thread(s): histograms.json "
              f"{'byte-identical' if same else 'DIFFERENT'}", flush=True)
    if cmd_base:
        c = compare(pc_res, load_pc(os.path.join(work, f"base_out_t{t_ref}")), "baseline pc", 1e-12,
                    raw_other_needs_norm=False)
        checks.append(c)
    pc_sumw = json.load(open(os.path.join(pc_out, "cutflow.json")))["sumw"]["baseline"][DATASET][SAMPLE]["nominal"]
    for t in rdf_threads:
        with open(rdf_json[t]) as f:
            r = json.load(f)
        rdf_res = {"cutflow": {k: r[k] for k in ("initial", "skim", "presel")},
                   "sum_genweights": r["sum_genweights"], "hists": r["hists"]}
        c = compare(pc_res, rdf_res, f"RDataFrame {t} thread(s)", 1e-9)
        # also the unnormalised presel sums
        c["presel_sumw_rel_diff"] = rel(pc_sumw, r["sumw"] / r["sum_genweights"])
        c["cutflow"] = rdf_res["cutflow"]
        checks.append(c)

    if do_pco:
        print("PocketCoffea (first run, checked against pc; takes minutes):", flush=True)
        runs["pco"] = [t_pco()]
        dump = subprocess.run([args.pocketcoffea_python, "-c", COFFEA_DUMP, os.path.join(pco_out, "output_all.coffea"),
                               DATASET, SAMPLE], check=True, capture_output=True, text=True).stdout
        pco = last_json(dump)
        # PocketCoffea's output histograms are already scaled by 1/sum_genweights, its own sum of genWeight,
        # which awkward accumulates in float32 (ak.sum of a float32 array; 1e-8-1e-7 off the exact sum on
        # 1M events): compare the unnormalised sums (renorm) and that sum separately (1e-6).
        # coffea builds the dimuon four-vector in float32, so `mll` agrees to ~1e-4 only.
        checks.append(compare(pc_res, pco, "PocketCoffea", 1e-8, raw_other_needs_norm=False,
                              loose={"mll": 1e-3}, renorm=True, s_rtol=1e-6))
    print(f"pc cutflow: initial {pc_res['cutflow']['initial']}, skim {pc_res['cutflow']['skim']}, "
          f"presel {pc_res['cutflow']['presel']}", flush=True)
    for c in checks:
        if "max_rel_diff" not in c:
            continue
        print(f"check pc vs {c['tool']}: {'OK' if c['ok'] else 'MISMATCH'}; counts initial/skim/presel equal: "
              f"{c['counts_equal']}; max rel diff {c['max_rel_diff']:.2e} over {c['values_compared']} values "
              f"(rtol {c['rtol']:g}); sum_genweights rel diff {c['sum_genweights_rel_diff']:.2e}"
              + (f"; presel sumw rel diff {c['presel_sumw_rel_diff']:.2e}" if "presel_sumw_rel_diff" in c else "")
              + (f" (histograms compared unnormalised; sum_genweights allowed {c['s_rtol']:g}: float32 sum)"
                 if c.get("renormalised") else ""),
              flush=True)
        for name, tol in c["loose"].items():
            print(f"    {name}: max rel diff {c['max_rel_diff_loose']:.2e} (allowed {tol:g}: {c['tool']} computes it "
                  f"in float32); worst: {c['where_loose']}")
        for p in c["problems"]:
            print("   ", p)
        if c["max_rel_diff"] > c["rtol"]:
            print("    worst:", c["where"])

    # ---- timings: interleaved rounds (floor, then pc and RDataFrame alternating), best of N ---------
    for t in pc_threads:
        if not args.no_floor:
            runs[f"read_t{t}"] = []
    for i in range(args.repeat):
        print(f"timing round {i + 1}/{args.repeat}", flush=True)
        for t in pc_threads:
            if not args.no_floor:
                runs[f"read_t{t}"].append(t_read(t))
        if i == 0 and args.repeat > 1:
            continue  # the first (checked) runs of pc and RDataFrame are this round's
        for t in sorted(set(pc_threads) | set(rdf_threads)):
            if t in pc_threads:
                runs[f"pc_t{t}"].append(t_pc(t))
                if cmd_base:
                    runs[f"base_t{t}"].append(timed(cmd_base[t]))
            if t in rdf_threads:
                runs[f"rdf_t{t}"].append(t_rdf(t))
    if do_pco:
        for _ in range(args.repeat_pocketcoffea - 1):
            runs["pco"].append(t_pco())
    best = {k: min(v, key=lambda r: r["wall"]) for k, v in runs.items() if v}
    spreads = {k: spread(v) for k, v in runs.items() if v}

    rows = []

    def row(name, r, ratio):
        rows.append(f"| {name} | {r['wall']:.2f} | {n / r['wall'] / 1e6:.3f} | {ratio} | {r['rss']:.0f} MiB |")

    def th(t):
        return f"{t} thread" + ("s" if t > 1 else "")

    for t in sorted(set(pc_threads) | set(rdf_threads)):
        pcb = best.get(f"pc_t{t}")
        if pcb:
            row(f"pc zmumu, {th(t)}", pcb, "1.00")
        bb = best.get(f"base_t{t}")
        if bb and pcb:
            row(f"baseline pc ({args.baseline_pc}), {th(t)}", bb, f"{bb['wall'] / pcb['wall']:.2f}x")
        rdf = best.get(f"rdf_t{t}")
        if rdf:
            ratio = f"{rdf['wall'] / pcb['wall']:.2f}x" if pcb else "-"
            row(f"RDataFrame compiled, {th(t)}, whole process", rdf, ratio)
            lratio = f"{rdf['loop'] / pcb['wall']:.2f}x" if pcb else "-"
            rows.append(f"| RDataFrame compiled, {th(t)}, event loop only | {rdf['loop']:.2f} | "
                        f"{n / rdf['loop'] / 1e6:.3f} | {lratio} | |")
        rd = best.get(f"read_t{t}")
        if rd and pcb:
            row(f"pc read-only floor (same {len(branches)} branches), {th(t)}", rd,
                f"pc / floor = {pcb['wall'] / rd['wall']:.2f}")
    if "pco" in best:
        p = best["pco"]
        pcb1 = best.get("pc_t1") or best[f"pc_t{t_ref}"]
        row(f"PocketCoffea 0.9.13, iterative executor (best of {len(runs['pco'])})", p,
            f"{p['wall'] / pcb1['wall']:.1f}x")

    src = "given file" if args.input else "generated by `pc generate`"
    table = [f"Z->mumu on {n:,} events, {os.path.basename(path)} ({size_mib:.0f} MiB, {codec}, {nclusters} clusters, "
             f"{src}); wall time of the whole process, best of {args.repeat}"
             + (f" (PocketCoffea best of {len(runs['pco'])})" if "pco" in runs else "")
             + "; ratio to pc at the same thread count; peak RSS from wait4.",
             "",
             "| implementation | seconds | M events/s | ratio to pc | peak RSS |",
             "|---|---|---|---|---|"] + rows
    print()
    print("\n".join(table))
    print()
    print("Spread of the repeats (wall s: min / median / max, (max-min)/min; CPU cores used by others during the runs):")
    for k, v in runs.items():
        if not v:
            continue
        sp = spreads[k]
        fc = [r["foreign_cores"] for r in v if r.get("foreign_cores") is not None]
        fcs = f"; foreign {min(fc):.2f}-{max(fc):.2f} cores" if fc else ""
        print(f"- {k}: {sp['min']:.2f} / {sp['median']:.2f} / {sp['max']:.2f} ({sp['range_pct']:.0f}%), "
              f"runs {[round(r['wall'], 2) for r in v]}; CPU s min/median {sp['cpu_min']:.2f}/{sp['cpu_median']:.2f}{fcs}")
    for other, label in (("rdf", "RDF"), ("base", "baseline")):
        for t in pc_threads:
            if f"{other}_t{t}" in runs:
                pr = [r["wall"] for r in runs[f"pc_t{t}"]]
                rr = [r["wall"] for r in runs[f"{other}_t{t}"]]
                pairs = sorted(b / a for a, b in zip(pr, rr))
                mp = pairs[len(pairs) // 2] if len(pairs) % 2 else 0.5 * (pairs[len(pairs) // 2 - 1] + pairs[len(pairs) // 2])
                print(f"- {label}/pc per interleaved pair, {th(t)}: sorted {[round(x, 3) for x in pairs]}, median "
                      f"{mp:.3f}; ratio of medians {spreads[f'{other}_t{t}']['median'] / spreads[f'pc_t{t}']['median']:.3f}x; "
                      f"of CPU-time medians {median([r['cpu'] for r in runs[f'{other}_t{t}']]) / median([r['cpu'] for r in runs[f'pc_t{t}']]):.3f}x")
    print("\nCommands:")
    for k, v in commands.items():
        print(f"- {k}: `{v}`")
    print(f"- RDataFrame build (once, not timed): `{sh(build_cmd)}`")

    out_json = args.json or os.path.join(work, "zmumu_bench.json")
    with open(out_json, "w") as f:
        json.dump({"file": path, "events": n, "codec": codec, "clusters": nclusters, "branches": branches,
                   "runs": runs, "best": best, "spread": spreads, "checks": checks, "commands": commands,
                   "table": table, "date": time.strftime("%Y-%m-%d %H:%M:%S"), "uname": " ".join(os.uname()),
                   "cpus": os.cpu_count()}, f, indent=1)
    print(f"\nwrote {out_json}")


if __name__ == "__main__":
    main()
