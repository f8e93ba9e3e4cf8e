#!/usr/bin/env python3
"""Reference bin assignments from boost-histogram / hist, for pc-core's histogram tests.

Writes validation/hist_edges_fixture.json (read by pc-core/src/hist/tests.rs):

- "axes": for several Regular / Variable / Integer axes, edge cases (values exactly on the
  edges, 1 ulp below and above, -0.0, huge, +-inf, NaN, random) and the flow-coordinate
  bin boost-histogram puts each in (0 = underflow, bins + 1 = overflow);
- "fills": random entries (with NaN, inf and unknown categories) filled into weighted
  `hist.Hist`s, and the resulting values and variances over all bins (flow included,
  C order, exactly as `view(flow=True)`).

Floats in the inputs are written as IEEE-754 bit patterns ("0x...") so NaN, infinities
and -0.0 survive JSON; the expected sums are plain JSON numbers (shortest round-trip repr).

Usage: python validation/hist_edges_fixture.py [OUT.json]
(needs numpy, boost-histogram, hist).
"""

from __future__ import annotations

import json
import math
import struct
import sys
from pathlib import Path

import boost_histogram as bh
import hist
import numpy as np

HERE = Path(__file__).resolve().parent


def bits(x: float) -> str:
    return "0x%016x" % struct.unpack("<Q", struct.pack("<d", float(x)))[0]


def edge_values(edges: list[float], extra: list[float]) -> list[float]:
    """Every edge, 1 ulp below and above it, plus special values."""
    vals: list[float] = []
    for e in edges:
        vals += [e, math.nextafter(e, -math.inf), math.nextafter(e, math.inf)]
    vals += [
        0.0,
        -0.0,
        5e-324,
        -5e-324,
        1e300,
        -1e300,
        sys.float_info.max,
        -sys.float_info.max,
        math.inf,
        -math.inf,
        math.nan,
    ]
    return vals + extra


def flow_index(ax: bh.axis.Axis, x: float) -> int:
    return int(ax.index(x)) + 1  # boost: -1 underflow .. size overflow


def fill_index(ax: bh.axis.Axis, x: float) -> int:
    """The bin a fill lands in (cross-check of ax.index on small axes)."""
    h = bh.Histogram(ax)
    h.fill([x])
    (nz,) = np.nonzero(h.view(flow=True))
    assert len(nz) == 1, (ax, x)
    return int(nz[0])


def axis_cases(rng: np.random.Generator) -> list[dict]:
    out = []
    regulars = [
        (10, 0.0, 1.0),
        (7, -2.5, 3.1),
        (3, 0.1, 0.7),
        (100, -5.0, 5.0),
        (1, 0.0, 1.0),
        (60, 60.0, 120.0),
        (50, -math.pi, math.pi),
        (13, 1e-3, 1e3),
        (1000003, 0.0, 1.0),  # z * bins rounds up to bins just below stop
    ]
    for bins, start, stop in regulars:
        ax = bh.axis.Regular(bins, start, stop)
        # boost's own edges plus the naive start + i * width ones
        width = (stop - start) / bins
        step = max(1, bins // 50)
        edges = sorted(
            {float(e) for e in ax.edges[::step]}
            | {start + i * width for i in range(0, bins + 1, step)}
            | {float(ax.edges[-1]), float(ax.edges[-2])}
        )
        rnd = list(rng.uniform(start - 0.2 * (stop - start), stop + 0.2 * (stop - start), 30))
        vals = edge_values(edges, [float(v) for v in rnd])
        cases = [[bits(x), flow_index(ax, x)] for x in vals]
        if bins <= 100:
            for x, (_, i) in zip(vals, cases):
                assert fill_index(ax, x) == i, (bins, start, stop, x)
        out.append({"type": "regular", "bins": bins, "start": start, "stop": stop, "cases": cases})

    variables = [
        [0.0, 1.0, 3.0],
        [-1.0, 0.0, 0.1, 0.3, 1.0, 10.0],
        [20.0, 30.0, 45.0, 70.0, 120.0, 250.0, 1000.0],
        [-2.4, -1.5, -0.8, 0.0, 0.8, 1.5, 2.4],
    ]
    for edges in variables:
        ax = bh.axis.Variable(edges)
        rnd = rng.uniform(edges[0] - 1.0, edges[-1] + 1.0, 30)
        vals = edge_values(edges, [float(v) for v in rnd])
        cases = [[bits(x), flow_index(ax, x)] for x in vals]
        for x, (_, i) in zip(vals, cases):
            assert fill_index(ax, x) == i, (edges, x)
        out.append({"type": "variable", "edges": edges, "cases": cases})

    # Integer axes take integers only in boost-histogram (hist refuses float arrays);
    # pc fills them with integral f64 values.
    for start, stop in [(0, 10), (-2, 5), (0, 1)]:
        ax = bh.axis.Integer(start, stop)
        # (not near +-2^31: boost computes x - start in int32 and wraps there)
        ints = list(range(start - 3, stop + 3)) + [-1000000, 1000000, -(2**30), 2**30]
        cases = []
        for n in ints:
            h = bh.Histogram(ax)
            h.fill(np.array([n], dtype=np.int64))
            (nz,) = np.nonzero(h.view(flow=True))
            cases.append([bits(float(n)), int(nz[0])])
        out.append({"type": "integer", "start": start, "stop": stop, "cases": cases})
    return out


def fill_cases(rng: np.random.Generator) -> list[dict]:
    n = 300
    cats = ["a", "b", "c"]
    variations = ["nominal", "up"]
    cat_idx = rng.integers(0, 4, n)  # 3 = unknown label -> overflow bin
    var_idx = rng.integers(0, 2, n)
    x = rng.normal(0.0, 1.8, n)
    x[::37] = np.nan
    x[5::53] = np.inf
    x[7::61] = -np.inf
    y = rng.uniform(-1.5, 12.0, n)
    y[::29] = np.nan
    y[3::41] = 10.0  # exactly on the last edge -> overflow
    w = rng.normal(1.0, 0.5, n)
    nint = rng.integers(-2, 7, n)

    out = []
    h = hist.Hist(
        hist.axis.StrCategory(cats, name="cat"),
        hist.axis.StrCategory(variations, name="variation"),
        hist.axis.Regular(10, -3.0, 3.0, name="x"),
        hist.axis.Variable([-1.0, 0.0, 0.1, 0.3, 1.0, 10.0], name="y"),
        storage=hist.storage.Weight(),
    )
    labels = np.array(cats + ["zz"])[cat_idx]
    h.fill(cat=labels, variation=np.array(variations)[var_idx], x=x, y=y, weight=w)
    view = h.view(flow=True)
    out.append(
        {
            "name": "cat_var_x_y",
            "cats": [[int(c), int(v)] for c, v in zip(cat_idx, var_idx)],
            "values": [[bits(a), bits(b)] for a, b in zip(x, y)],
            "weights": [bits(v) for v in w],
            "shape": list(view.shape),
            "expected_values": [float(v) for v in view.value.ravel()],
            "expected_variances": [float(v) for v in view.variance.ravel()],
        }
    )

    h = hist.Hist(hist.axis.Integer(0, 4, name="n"), storage=hist.storage.Weight())
    h.fill(n=nint, weight=w)
    view = h.view(flow=True)
    out.append(
        {
            "name": "int_n",
            "cats": [[] for _ in range(n)],
            "values": [[bits(float(v))] for v in nint],
            "weights": [bits(v) for v in w],
            "shape": list(view.shape),
            "expected_values": [float(v) for v in view.value.ravel()],
            "expected_variances": [float(v) for v in view.variance.ravel()],
        }
    )
    return out


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "hist_edges_fixture.json"
    rng = np.random.default_rng(20240611)
    data = {
        "generator": f"validation/hist_edges_fixture.py; boost-histogram {bh.__version__}, "
        f"hist {hist.__version__}, numpy {np.__version__}",
        "axes": axis_cases(rng),
        "fills": fill_cases(rng),
    }
    with out.open("w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")
    ncases = sum(len(a["cases"]) for a in data["axes"])
    print(f"wrote {out}: {len(data['axes'])} axes, {ncases} cases, {len(data['fills'])} fills")


if __name__ == "__main__":
    main()
