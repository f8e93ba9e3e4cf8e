#!/usr/bin/env python3
"""Reference outputs of Python correctionlib for every correction of the shared files.

Needs (PyPI): correctionlib==2.7.0, numpy (the standard library's lzma compresses).

For every correction and compound correction of every file under DATA_DIR/corrections
(recursively), plus the synthetic node file validation/correction_nodes.json (written by
this script: uniform and wrap binnings, value flows, int categories, transforms, hashprng,
generic formulas, every formula function, compound corrections, node types the CMS files
do not use), it builds a table of candidate values per input:
  - reals: every bin edge of the binnings on that input, the neighbouring doubles on
    either side, the bin centres, values beyond both ends and random values in and
    around the range (negated as well when a transform rewrites the input);
  - strings / ints: every category key (repeated so unknown keys are ~10% of draws) plus
    unknown keys.
Rows draw one table entry per input with splitmix64 (seeded by the entry's position),
which the Rust test reproduces, so only the tables and the outputs are stored. Each row
is evaluated by correctionlib one at a time; an exception is recorded as an error.

Output: validation/correction_reference.bin.xz (little-endian, xz):
  b"PCCREF01", u32 entries; per entry: str file (relative to corrections/, or
  "@nodes"), str name, u8 kind (0 correction, 1 compound), u64 seed, u32 rows,
  u8 inputs; per input: u8 type (0 real, 1 int, 2 string), u32 n, then n values
  (f64 / i64 / str); u32 distinct outputs, their f64; then per row a u32 index into
  them, 0xFFFFFFFF for an error. str = u16 length + UTF-8 bytes.

Usage: python validation/correction_reference.py [DATA_DIR]   (default $PC_SHARED_DATA or ../shared/data)
"""
import json
import lzma
import math
import os
import struct
import sys

import correctionlib
import numpy as np

ROWS = 12_000
HERE = os.path.dirname(os.path.abspath(__file__))
NODES = os.path.join(HERE, "correction_nodes.json")
OUT = os.path.join(HERE, "correction_reference.bin.xz")
ERROR = 0xFFFFFFFF
MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def var(name, type_):
    return {"name": name, "type": type_}


def binning(inp, edges, content, flow):
    return {"nodetype": "binning", "input": inp, "edges": edges, "content": content, "flow": flow}


def formula(expr, variables, params=None):
    node = {"nodetype": "formula", "expression": expr, "parser": "TFormula", "variables": variables}
    if params is not None:
        node["parameters"] = params
    return node


def correction(name, inputs, data, generic=None):
    c = {"name": name, "version": 1, "inputs": inputs, "output": var("out", "real"), "data": data}
    if generic:
        c["generic_formulas"] = generic
    return c


FUNCTIONS = (
    "erf(x)+log10(abs(y)+1)+atan2(x,y)+tanh(x)*cosh(y/10)+max(x,y)-min(x,[0])+(x>y)+(x<=1)*[1]"
    "+sqrt(abs(x))^1.5+exp(-abs(y))+asinh(x)+acosh(abs(y)+1)+atanh(tanh(x)/2)+sin(x)*cos(y)"
    "+tan(x/10)+asin(tanh(y))+acos(tanh(x))+atan(y)+sinh(x/5)+log(abs(x)+1)+pow(abs(y),0.3)"
    "+(x==y)+(x!=y)*2+(x>=0)-(y<0)+2^-x/3-x*-1.5e-1"
)


def nodes_file():
    """Synthetic corrections covering what the CMS files do not use."""
    xy = [var("x", "real"), var("y", "real")]
    corrections = [
        correction("uniform_value_flow", xy[:1],
                   binning("x", {"n": 5, "low": 0.0, "high": 10.0}, [1.0, 2.0, 3.0, 4.0, 5.0], 99.0)),
        correction("uniform_clamp", xy[:1],
                   binning("x", {"n": 7, "low": -3.5, "high": 0.7}, [float(i) for i in range(7)], "clamp")),
        correction("uniform_error", xy[:1],
                   binning("x", {"n": 3, "low": 0.1, "high": 0.4}, [1.0, 2.0, 3.0], "error")),
        correction("explicit_wrap", xy[:1], binning("x", [0.0, 1.0, 3.0, 6.0], [1.0, 2.0, 3.0], "wrap")),
        correction("uniform_wrap", xy[:1],
                   binning("x", {"n": 4, "low": -3.14159, "high": 3.14159}, [1.0, 2.0, 3.0, 4.0], "wrap")),
        correction("explicit_inf_value_node", xy,
                   binning("x", ["-inf", -1.0, 0.5, 2.0, "+inf"],
                           [1.0, formula("x*y", ["x", "y"]), 3.0, 4.0], formula("2*x", ["y"]))),
        correction("multi_uniform_clamp", [var("eta", "real"), var("pt", "real")], {
            "nodetype": "multibinning", "inputs": ["eta", "pt"],
            "edges": [{"n": 3, "low": -2.5, "high": 2.5}, [20.0, 30.0, 50.0, "inf"]],
            "content": [float(i) for i in range(9)], "flow": "clamp"}),
        correction("multi_value_formula", [var("eta", "real"), var("pt", "real")], {
            "nodetype": "multibinning", "inputs": ["pt", "eta"],
            "edges": [[20.0, 30.0, 50.0], {"n": 2, "low": 0.0, "high": 2.4}],
            "content": [1.0, formula("x/10", ["pt"]), 3.0, formula("x+y", ["eta", "pt"])],
            "flow": formula("-1+x", ["eta"])}),
        correction("multi_error", [var("eta", "real"), var("pt", "real")], {
            "nodetype": "multibinning", "inputs": ["eta", "pt"],
            "edges": [[-2.4, 0.0, 2.4], [10.0, 20.0, 1000.0]],
            "content": [1.0, 2.0, 3.0, 4.0], "flow": "error"}),
        correction("int_category_default", [var("flavor", "int"), var("pt", "real")], {
            "nodetype": "category", "input": "flavor",
            "content": [{"key": 0, "value": 1.5},
                        {"key": 4, "value": binning("pt", [0.0, 50.0, 100.0], [0.9, 0.8], "clamp")},
                        {"key": 5, "value": formula("0.01*x", ["pt"])}],
            "default": formula("1+x/1000", ["pt"])}),
        correction("int_category_no_default", [var("flavor", "int")], {
            "nodetype": "category", "input": "flavor",
            "content": [{"key": -3, "value": 1.0}, {"key": 2, "value": 2.0}]}),
        correction("string_category_default", [var("syst", "string"), var("pt", "real")], {
            "nodetype": "category", "input": "syst",
            "content": [{"key": k, "value": 1.0 + i} for i, k in enumerate("abcdefghijklmnopq")],
            "default": 0.5}),
        correction("transform_abs", [var("eta", "real")], {
            "nodetype": "transform", "input": "eta", "rule": formula("abs(x)", ["eta"]),
            "content": binning("eta", [0.0, 1.0, 2.5], [1.0, formula("x", ["eta"])], "error")}),
        correction("transform_int_round", [var("x", "real"), var("n", "int")], {
            "nodetype": "transform", "input": "n",
            "rule": binning("x", [-10.0, 0.0, 10.0], [formula("x", ["x"]), formula("x*0.5", ["x"])], "clamp"),
            "content": {"nodetype": "category", "input": "n",
                        "content": [{"key": k, "value": float(k) * 1.5} for k in range(-10, 6)],
                        "default": -1.0}}),
        correction("formula_functions", xy, formula(FUNCTIONS, ["x", "y"], [0.5, 2.0])),
        correction("formularef", [var("a", "real"), var("b", "real"), var("c", "real")],
                   binning("c", [0.0, 1.0, 2.0],
                           [{"nodetype": "formularef", "index": 0, "parameters": [1.0, 2.0, 3.0]},
                            {"nodetype": "formularef", "index": 1, "parameters": [0.5]}], "clamp"),
                   generic=[formula("[0]+[1]*x+[2]*y*y", ["a", "b"]), formula("[0]*z", ["a", "b", "c"])]),
    ]
    hash_inputs = [var("event", "int"), var("pt", "real"), var("eta", "real")]
    for dist in ("stdflat", "stdnormal", "normal"):
        corrections.append(correction(f"hashprng_{dist}", hash_inputs, {
            "nodetype": "hashprng", "inputs": ["event", "pt", "eta"], "distribution": dist}))
    corrections.append(correction("scale_pt", [var("pt", "real"), var("eta", "real")],
                                  binning("eta", [-2.5, 0.0, 2.5], [1.02, formula("1+x/1000", ["pt"])], "clamp")))
    corrections.append(correction("shift_pt", [var("pt", "real")], formula("0.9+x/500", ["pt"])))
    compounds = [
        {"name": "compound_multiply", "inputs": [var("pt", "real"), var("eta", "real")], "output": var("out", "real"),
         "inputs_update": ["pt"], "input_op": "*", "output_op": "*", "stack": ["scale_pt", "shift_pt"]},
        {"name": "compound_last_add", "inputs": [var("eta", "real"), var("pt", "real")], "output": var("out", "real"),
         "inputs_update": ["pt"], "input_op": "+", "output_op": "last", "stack": ["shift_pt", "scale_pt", "shift_pt"]},
        {"name": "compound_divide", "inputs": [var("pt", "real"), var("eta", "real")], "output": var("out", "real"),
         "inputs_update": ["pt"], "input_op": "/", "output_op": "+", "stack": ["scale_pt", "shift_pt"]},
    ]
    return {"schema_version": 2, "description": "synthetic nodes for pc's exactness test",
            "corrections": corrections, "compound_corrections": compounds}


def collect(node, info):
    """Edges, keys and transformed inputs per input name, from one node tree."""
    if isinstance(node, list):
        for n in node:
            collect(n, info)
        return
    if not isinstance(node, dict):
        return
    t = node.get("nodetype")
    if t == "binning":
        info.setdefault(("edges", node["input"]), []).append(node["edges"])
    elif t == "multibinning":
        for inp, edges in zip(node["inputs"], node["edges"]):
            info.setdefault(("edges", inp), []).append(edges)
    elif t == "category":
        info.setdefault(("keys", node["input"]), set()).update(item["key"] for item in node["content"])
    elif t == "transform":
        info[("transformed", node["input"])] = True
    for v in node.values():
        collect(v, info)


def edge_values(edges):
    if isinstance(edges, dict):
        n, lo, hi = edges["n"], edges["low"], edges["high"]
        return [lo + (hi - lo) * k / n for k in range(n + 1)]
    return [float(e) if not isinstance(e, str) else float(e.replace("+", "")) for e in edges]


def real_table(name, info, rng):
    finite = sorted({e for edges in info.get(("edges", name), []) for e in edge_values(edges) if math.isfinite(e)})
    values = []
    for e in finite:
        values += [e, math.nextafter(e, -math.inf), math.nextafter(e, math.inf)]
    values += [(a + b) / 2 for a, b in zip(finite, finite[1:])]
    if finite:
        lo, hi = finite[0], finite[-1]
        span = max(hi - lo, 1.0)
        values += [lo - 1 - abs(lo) * 0.5, hi + 1 + abs(hi) * 0.5]
    else:
        lo, hi, span = 0.0, 100.0, 100.0
        values += [0.0, 1.0]
    values += list(rng.uniform(lo - 0.02 * span, hi + 0.02 * span, 40))
    if info.get(("transformed", name)):
        values += [-v for v in values]
    return values


def key_table(name, type_, info):
    keys = sorted(info.get(("keys", name), set()), key=str)
    if type_ == "string":
        unknown = ["__unknown__", (keys[0] + "x") if keys else "x"]
    else:
        unknown = [-1000, 999_999]
        for e in info.get(("edges", name), []):  # an int input may also be binned
            keys += [int(v) for v in edge_values(e) if math.isfinite(v)]
    repeat = max(1, math.ceil(18 / max(len(keys), 1)))
    return [k for k in keys for _ in range(repeat)] + unknown


def tables(inputs, trees, seed):
    info = {}
    for tree in trees:
        collect(tree, info)
    rng = np.random.default_rng(seed)
    out = []
    for v in inputs:
        if v["type"] == "real":
            out.append(("real", [float(x) for x in real_table(v["name"], info, rng)]))
        elif v["type"] == "int":
            out.append(("int", key_table(v["name"], "int", info) + [int(x) for x in rng.integers(-50, 10**6, 8)]))
        else:
            out.append(("string", key_table(v["name"], "string", info)))
    return out


def pack_str(s):
    b = s.encode()
    return struct.pack("<H", len(b)) + b


def entry(file_label, name, kind, seed, evaluator, inputs, trees):
    tabs = tables(inputs, trees, seed)
    rng = SplitMix64(seed)
    distinct, index, rows = {}, [], 0
    for _ in range(ROWS):
        args = [tab[rng.next() % len(tab)] for _, tab in tabs]
        try:
            value = float(evaluator.evaluate(*args))
            key = struct.pack("<d", value)
            index.append(distinct.setdefault(key, len(distinct)))
        except Exception:
            index.append(ERROR)
        rows += 1
    out = [pack_str(file_label), pack_str(name), struct.pack("<BQIB", kind, seed, rows, len(tabs))]
    for type_, tab in tabs:
        code = {"real": 0, "int": 1, "string": 2}[type_]
        out.append(struct.pack("<BI", code, len(tab)))
        if type_ == "real":
            out.append(struct.pack(f"<{len(tab)}d", *tab))
        elif type_ == "int":
            out.append(struct.pack(f"<{len(tab)}q", *tab))
        else:
            out += [pack_str(s) for s in tab]
    out.append(struct.pack("<I", len(distinct)) + b"".join(distinct))
    out.append(struct.pack(f"<{rows}I", *index))
    errors = sum(i == ERROR for i in index)
    print(f"{file_label:45s} {name:50s} rows {rows} errors {errors} distinct {len(distinct)}", file=sys.stderr)
    return b"".join(out)


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PC_SHARED_DATA", os.path.join(HERE, "../../shared/data"))
    root = os.path.join(data, "corrections")
    with open(NODES, "w") as f:
        json.dump(nodes_file(), f, indent=1)
        f.write("\n")
    files = sorted(os.path.relpath(os.path.join(d, n), root) for d, _, ns in os.walk(root) for n in ns if ".json" in n)
    sources = [(f, os.path.join(root, f)) for f in files] + [("@nodes", NODES)]
    blobs = []
    for label, path in sources:
        cset = correctionlib.CorrectionSet.from_file(path)
        if path.endswith(".gz"):
            import gzip
            with gzip.open(path) as f:
                doc = json.load(f)
        else:
            with open(path) as f:
                doc = json.load(f)
        for c in doc["corrections"]:
            trees = [c["data"], c.get("generic_formulas") or []]
            blobs.append(entry(label, c["name"], 0, len(blobs) + 1, cset[c["name"]], c["inputs"], trees))
        by_name = {c["name"]: c for c in doc["corrections"]}
        for c in doc.get("compound_corrections") or []:
            trees = [by_name[s]["data"] for s in c["stack"]]
            blobs.append(entry(label, c["name"], 1, len(blobs) + 1, cset.compound[c["name"]], c["inputs"], trees))
    raw = b"PCCREF01" + struct.pack("<I", len(blobs)) + b"".join(blobs)
    packed = lzma.compress(raw, preset=9 | lzma.PRESET_EXTREME)
    with open(OUT, "wb") as f:
        f.write(packed)
    print(f"{len(blobs)} entries, {len(raw)} bytes raw, {len(packed)} bytes written to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
