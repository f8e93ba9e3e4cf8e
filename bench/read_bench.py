#!/usr/bin/env python3
"""Side-by-side read benchmark: `pc bench-read` against uproot 5, in one run.

For each codec it generates (once, cached) a >= 1M-event NanoAOD-like file with
`pc generate`, then times, each in its own process (peak RSS from wait4):
  - pc, 1 thread; pc, 2 threads; two independent pc 1-thread processes at once;
  - pc decompress-only (the decompression floor, reported for every codec);
  - uproot 5 (`TTree.iterate` over the same branches and chunk size, awkward arrays).
and prints a markdown table with ratios. Best of --repeat runs.

usage: python bench/read_bench.py [--events 1000000] [--codecs zlib:1,lz4,zstd:3,none,lzma:9]
                                  [--cache DIR] [--repeat 3] [--pc target/release/pc]
"""
import argparse
import json
import os
import subprocess
import sys
import time

BRANCHES = "nMuon,Muon_pt,Muon_eta,Muon_phi,Muon_mass,Muon_charge,Muon_tightId,Muon_pfRelIso04_all,genWeight"

UPROOT_SNIPPET = r"""
import sys, time, json
t0 = time.perf_counter()
import uproot
path, branches, step = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3])
n = 0
t1 = time.perf_counter()
with uproot.open(path) as f:
    tree = f["Events"]
    for arrays in tree.iterate(branches, step_size=step, library="ak"):
        n += len(arrays)
t = time.perf_counter() - t0
print(json.dumps({"tool": "uproot", "version": uproot.__version__, "events": n, "seconds": t,
                  "read_seconds": time.perf_counter() - t1}))
"""


def run(cmd):
    """Runs cmd, returns (parsed last JSON line, wall seconds, peak RSS in MiB)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    out, err = p.stdout.read(), p.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"command failed: {' '.join(cmd)}\n{err}")
    return json.loads(out.strip().splitlines()[-1]), wall, usage.ru_maxrss / 1024


def run_pair(cmd):
    """Two copies of cmd at once; returns the wall time until both finished."""
    t0 = time.perf_counter()
    procs = [subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(2)]
    for p in procs:
        if p.wait() != 0:
            sys.exit(f"command failed: {' '.join(cmd)}")
    return time.perf_counter() - t0


def best(fn, repeat):
    results = [fn() for _ in range(repeat)]
    return min(results, key=lambda r: r[1] if isinstance(r, tuple) else r)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--codecs", default="zlib:1,lz4,zstd:3,none,lzma:9")
    ap.add_argument("--cache", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "pc-bench"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--chunk", type=int, default=100_000)
    ap.add_argument("--passes", type=int, default=5,
                    help="passes over the file for the 2-thread / 2-process scaling runs")
    ap.add_argument("--pc", default="target/release/pc")
    ap.add_argument("--python-uproot", default=sys.executable, help="python with uproot 5")
    ap.add_argument("--json", help="write all measurements here")
    args = ap.parse_args()
    os.makedirs(args.cache, exist_ok=True)

    rows = []
    for codec in args.codecs.split(","):
        path = os.path.join(args.cache, f"dy_{args.events}_{codec.replace(':', '')}.root")
        if not os.path.exists(path):
            subprocess.run([args.pc, "generate", "--kind", "dy", "--events", str(args.events),
                            "--codec", codec, "--cluster-size", "10000", "-o", path], check=True)
        pc = [args.pc, "bench-read", path, "--branches", BRANCHES, "--chunk-size", str(args.chunk)]
        run(pc)  # warm the page cache
        one = best(lambda: run(pc + ["--threads", "1"]), args.repeat)
        floor = best(lambda: run(pc + ["--threads", "1", "--decompress-only"]), args.repeat)
        # Scaling: longer runs (several passes) so fixed costs do not hide it.
        long = pc + ["--passes", str(args.passes)]
        one_long = best(lambda: run(long + ["--threads", "1"]), args.repeat)
        two = best(lambda: run(long + ["--threads", "2"]), args.repeat)
        pair = best(lambda: run_pair(long + ["--threads", "1"]), args.repeat)
        up = best(lambda: run([args.python_uproot, "-c", UPROOT_SNIPPET, path, BRANCHES, str(args.chunk)]), args.repeat)
        n = one[0]["events"]
        row = {
            "codec": codec,
            "events": n,
            "pc_1t_s": one[1],
            "pc_2t_s": two[1],
            "pc_floor_s": floor[1],
            "pair_s": pair,
            "uproot_s": up[1],
            "uproot_read_s": up[0]["read_seconds"],
            "pc_read_s": one[0]["seconds"],
            "pc_rss_mib": one[2],
            "pc_2t_rss_mib": two[2],
            "uproot_rss_mib": up[2],
            "uproot_version": up[0].get("version"),
        }
        row["speedup_vs_uproot"] = row["uproot_s"] / row["pc_1t_s"]
        row["read_speedup_vs_uproot"] = row["uproot_read_s"] / row["pc_read_s"]
        row["pc_vs_floor"] = row["pc_1t_s"] / row["pc_floor_s"]
        row["pc_1t_long_s"] = one_long[1]
        row["pc_2t_speedup"] = row["pc_1t_long_s"] / row["pc_2t_s"]
        row["two_process_speedup"] = 2 * row["pc_1t_long_s"] / row["pair_s"]
        row["two_thread_efficiency"] = row["pc_2t_speedup"] / row["two_process_speedup"]
        rows.append(row)
        print(json.dumps(row), file=sys.stderr)

    print(f"\nRead {BRANCHES.count(',') + 1} branches of {rows[0]['events']:,} events "
          f"(chunks of {args.chunk:,}; best of {args.repeat}; wall time of the whole process)\n")
    print("Process: wall time of the whole process (uproot: interpreter start and `import uproot` included). "
          "Read: open + read loop only, measured inside each process.\n")
    print("| codec | pc 1 thread (process / read) | M ev/s | uproot 5 (process / read) | pc vs uproot (process / read) "
          f"| decompress floor | pc / floor | pc 2 threads ({args.passes} passes) | 2-thread speed-up | 2-process speed-up | efficiency "
          "| peak RSS pc / uproot |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['codec']} | {r['pc_1t_s']:.3f} / {r['pc_read_s']:.3f} s | {r['events'] / r['pc_1t_s'] / 1e6:.2f} "
              f"| {r['uproot_s']:.3f} / {r['uproot_read_s']:.3f} s "
              f"| {r['speedup_vs_uproot']:.1f}x / {r['read_speedup_vs_uproot']:.1f}x | {r['pc_floor_s']:.3f} s | {r['pc_vs_floor']:.2f} "
              f"| {r['pc_2t_s']:.3f} s | {r['pc_2t_speedup']:.2f}x | {r['two_process_speedup']:.2f}x "
              f"| {100 * r['two_thread_efficiency']:.0f}% | {r['pc_rss_mib']:.0f} / {r['uproot_rss_mib']:.0f} MiB |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
