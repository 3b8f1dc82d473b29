#!/usr/bin/env python3
"""Check the scikit-learn fixtures: recompute every case's predictions and margins from
its model.json alone, with a small numpy implementation of the xylem semantics in
docs/format.md (preprocessing steps, linear part, network, trees, output transforms), and
compare them with scikit-learn's own outputs in predict.csv / margin.csv.

    python models/verify_sklearn.py --root models/sklearn [--xylem build/xylem [--engine tree_nodes]]

With --xylem it also runs `xylem predict` (and --margin) on every case and reports, per
case, how many values are bit-identical to scikit-learn's and the largest relative
difference (to max(1, |value|)). --engine ENGINE passes `--engine ENGINE` to it; cases
that engine cannot run (networks and linear models under tree_nodes) are reported as
skipped, not failed.

Needs numpy only (it never imports scikit-learn), so it is an independent check of
the exporter (python/xylem). Tolerance: 1e-12 relative to max(1, |value|) for float64 models,
1e-5 for float32 networks; class indices must match exactly. Files listed under
case.json's known_differences are recomputed and their differences reported, not
failed (they document where scikit-learn departs from docs/format.md).
"""

import argparse
import glob
import json
import math
import os
import subprocess
import sys

import numpy as np

from fixture_common import read_matrix, read_values


def real(v):
    if isinstance(v, str):
        return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[v]
    return float(v)


def reals(vs, dtype=np.float64):
    return np.array([real(v) for v in vs], dtype=dtype)


def f32_text_ok(path):
    """Every number of a float32 network is written as the shortest text of a float32
    (reading it as float32 and writing it again gives the same text)."""
    doc = json.load(open(path), parse_float=str, parse_int=str)
    net = doc.get("network")
    if not net or net["precision"] != "float32":
        return True
    for layer in net["layers"]:
        for t in layer["weights"] + layer["bias"]:
            if t in ("nan", "inf", "-inf") or str(np.float32(t)) != t:
                return False
    return True


# --------------------------------------------------------------------------
# The semantics (docs/format.md)
# --------------------------------------------------------------------------

def preprocess(doc, X):
    prep = doc.get("preprocessing")
    if not prep:
        return X
    X = X.copy()
    for s in prep["steps"]:
        kind = s["kind"]
        assert X.shape[1] == s["inputs"], (kind, X.shape, s["inputs"])
        if kind == "standard_scale":
            X = (X - reals(s["offsets"])) / reals(s["scales"])
        elif kind == "min_max_scale":
            X = X * reals(s["scales"]) + reals(s["offsets"])
            if "clip" in s:
                lo, hi = real(s["clip"][0]), real(s["clip"][1])
                X = np.where(np.isnan(X), X, np.minimum(np.maximum(X, lo), hi))
        elif kind == "max_abs_scale":
            X = X / reals(s["scales"])
        elif kind == "impute_constant":
            vals = reals(s["values"])
            assert np.all(np.isfinite(vals))
            X = np.where(np.isnan(X), vals, X)
        elif kind == "select_columns":
            X = X[:, s["columns"]]
        elif kind == "one_hot":
            cols = s["columns"]
            assert cols == sorted(set(cols))
            parts, c = [], 0
            for j in range(X.shape[1]):
                if j in cols:
                    cats = reals(s["categories"][cols.index(j)])
                    assert np.all(np.diff(cats) > 0) and np.all(np.isfinite(cats))
                    parts.append((X[:, [j]] == cats[None, :]).astype(np.float64))
                else:
                    parts.append(X[:, [j]])
            X = np.hstack(parts)
        else:
            raise ValueError("unknown step " + kind)
    return X


def linear(doc, X):
    lin = doc["linear"]
    k = lin["num_outputs"]
    W = reals(lin["weights"]).reshape(X.shape[1], k)
    acc = np.tile(reals(lin["bias"]), (X.shape[0], 1))
    for f in range(X.shape[1]):          # feature order, one rounding per operation
        acc = acc + X[:, [f]] * W[f][None, :]
    if lin.get("missing", "skip") == "propagate":
        acc[np.any(np.isnan(X), axis=1)] = np.nan
    return acc


def activate(name, a, dt):
    one = dt(1)
    if name == "identity":
        return a
    if name == "relu":
        return np.where(a > 0, a, dt(0)).astype(dt)
    if name == "tanh":
        return np.tanh(a)
    if name == "logistic":
        with np.errstate(over="ignore"):
            return (one / (one + np.exp(-a))).astype(dt)
    raise ValueError("activation " + name)


def network(doc, X):
    net = doc["network"]
    dt = np.float32 if net["precision"] == "float32" else np.float64
    a = X.astype(dt)
    for layer in net["layers"]:
        W = reals(layer["weights"], dt).reshape(layer["inputs"], layer["outputs"])
        b = reals(layer["bias"], dt)
        a = activate(layer["activation"], (a @ W + b).astype(dt), dt)
    return a


# --------------------------------------------------------------------------
# Trees (docs/format.md, "Prediction": walk, goes_left, category_key, margins)
# --------------------------------------------------------------------------

def category_key(v, rule):
    """-> uint32 key, or None when invalid (v is not NaN)."""
    if rule.get("key", "truncate") == "truncate":
        ok = (v > -1 if rule["negative_fraction_is_zero"] else v >= 0) and v < real(rule["limit"])
        return int(math.trunc(abs(v))) if ok else None
    assert rule["key"] == "exact_integer", rule["key"]
    if not (-2.0 ** 31 <= v < 2.0 ** 31) or v != math.trunc(v):
        return None                      # 2.5, 1e10, +-inf
    key = int(v) & 0xffffffff            # the int32's bits: -1 -> 4294967295
    return key if key < real(rule["limit"]) else None


def tree_leaves(tree, X, rules):
    """Leaf index reached by each row."""
    left = np.array(tree["left_children"])
    right = np.array(tree["right_children"])
    feat = np.array(tree["split_features"])
    thr = reals(tree["thresholds"])
    dl = np.array(tree["default_left"], dtype=bool)
    comps = tree.get("comparisons") or [tree["comparison"]] * len(left)
    assert all(r == "nan_to_default" for r in (tree.get("missing_rules") or [tree["missing_rule"]]))
    sets = dict(zip(tree.get("categorical_nodes", []), map(set, tree.get("category_sets", []))))
    go = rules["categories_go"] == "left"
    crule = rules["category_rule"]
    node = np.zeros(len(X), dtype=np.int64)
    rows = np.arange(len(X))
    while True:
        active = rows[left[node] != -1]
        if not len(active):
            return node
        i = node[active]
        v = X[active, feat[i]]
        out = np.empty(len(active), dtype=bool)
        for a, (ni, x) in enumerate(zip(i, v)):
            if ni in sets:
                if math.isnan(x):
                    out[a] = dl[ni]
                    continue
                if rules["input_precision"] == "float32":
                    x = float(np.float32(x))
                c = category_key(x, crule)
                if c is None:
                    out[a] = dl[ni] if crule["invalid"] == "default" else not go
                else:
                    out[a] = go if c in sets[ni] else not go
                continue
            if rules["input_precision"] == "float32":
                x = float(np.float32(x))
            if math.isnan(x):
                out[a] = dl[ni]
            elif comps[ni] == "<=":
                out[a] = x <= thr[ni]
            else:
                out[a] = x < thr[ni]
        node[active] = np.where(out, left[i], right[i])


def trees_margin(doc, X):
    out = doc["output"]
    k = doc["num_outputs"]
    assert out["accumulation"] == "float64"
    acc = np.zeros((len(X), k))
    if out["base_scores_first"]:
        acc += reals(out["base_scores"])[None, :]
    counts = np.zeros(k)
    for t in doc["trees"]:
        leaves = tree_leaves(t, X, doc["tree_rules"])
        lv = reals(t["leaf_values"]).reshape(len(t["left_children"]), t["leaf_size"])
        w = real(t["weight"])
        if t["leaf_size"] == 1:
            acc[:, t["output"]] = acc[:, t["output"]] + lv[leaves, 0] * w
            counts[t["output"]] += 1
        else:
            acc = acc + lv[leaves] * w
            counts += 1
    if out["aggregation"] == "average":
        acc = np.where(counts > 0, acc / np.maximum(counts, 1), acc)
    scale = real(out["scale"])
    if scale != 1:
        acc = acc * scale
    if not out["base_scores_first"]:
        acc = acc + reals(out["base_scores"])[None, :]
    return acc


def transform(doc, M):
    out = doc["output"]
    t = out["transform"]
    dt = np.float32 if out["transform_precision"] == "float32" else np.float64
    m = M.astype(dt)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if t == "identity":
            return m
        if t in ("sigmoid_pair", "normalized_sigmoid", "sigmoid"):
            if dt is np.float32:      # the float32 sigmoid formula of docs/format.md
                e = np.minimum(-m, np.float32(88.7))
                p = (np.float32(1) / ((np.exp(e) + np.float32(1)) + np.float32(1e-16))).astype(dt)
            else:
                p = 1.0 / (1.0 + np.exp(-m))
            if t == "sigmoid_pair":
                assert m.shape[1] == 1
                return np.hstack([dt(1) - p, p])
            if t == "normalized_sigmoid":
                s = np.zeros(len(p), dtype=dt)
                for k in range(p.shape[1]):
                    s = (s + p[:, k]).astype(dt)
                zero = s == 0          # every sigmoid underflowed: 1/K each (docs/format.md)
                p = np.where(zero[:, None], dt(1), p)
                s = np.where(zero, dt(p.shape[1]), s)
                return (p / s[:, None]).astype(dt)
            return p
        if t == "softmax":
            w = np.max(m, axis=1, keepdims=True)
            e = np.exp(m - w)
            if dt is np.float32:
                s = np.zeros(len(e))
                for k in range(e.shape[1]):
                    s = s + e[:, k].astype(np.float64)
                return e / s.astype(np.float32)[:, None]
            s = np.zeros(len(e))
            for k in range(e.shape[1]):
                s = s + e[:, k]
            return e / s[:, None]
        if t == "exp":
            return np.exp(m)
        if t == "hinge_class":
            return (m > 0).astype(np.float64)
        if t == "argmax_class":
            return np.argmax(m, axis=1)[:, None].astype(np.float64)
    raise ValueError("transform " + t)


def predict(doc, X):
    """(prediction, margin) as float64 arrays (n, width)."""
    Z = preprocess(doc, X)
    assert Z.shape[1] == doc["num_features"]
    M = network(doc, Z) if "network" in doc else linear(doc, Z) if "linear" in doc else trees_margin(doc, Z)
    assert M.shape[1] == doc["num_outputs"]
    return transform(doc, M).astype(np.float64), M.astype(np.float64)


# --------------------------------------------------------------------------
# Checking
# --------------------------------------------------------------------------

def rel_err(got, want):
    both_nan = np.isnan(got) & np.isnan(want)
    eq = (got == want) | both_nan
    with np.errstate(invalid="ignore"):
        e = np.abs(got - want) / np.maximum(1.0, np.abs(want))
    e = np.where(eq, 0.0, e)
    return np.where(np.isnan(e), np.inf, e)


def check_case(dirname):
    c = json.load(open(os.path.join(dirname, "case.json")))
    doc = json.load(open(os.path.join(dirname, c["models"][0])))
    problems = []
    assert doc["format"] == "xylem" and doc["version"] in (2, 3)
    uses_v3 = doc["tree_rules"]["category_rule"].get("key") == "exact_integer"
    if doc["version"] != (3 if uses_v3 else 2):
        problems.append("model.json: version %d, expected %d" % (doc["version"], 3 if uses_v3 else 2))
    for key in ("source", "task", "num_features", "features", "num_outputs", "output", "tree_rules", "trees"):
        if key not in doc:
            problems.append("model.json: missing %s" % key)
    if not f32_text_ok(os.path.join(dirname, c["models"][0])):
        problems.append("model.json: float32 network values that are not float32")
    precision = doc["output"]["accumulation"]
    tol = 1e-5 if precision == "float32" else 1e-12
    _, X = read_matrix(os.path.join(dirname, c["input"]))
    if c["num_rows"] != len(X) or c["num_features"] != X.shape[1]:
        problems.append("case.json: num_rows/num_features disagree with input.csv")
    P, M = predict(doc, X)
    _, WP = read_values(os.path.join(dirname, c["predict"]))
    _, WM = read_values(os.path.join(dirname, c["margin"]))
    worst = {}
    for what, got, want in (("predict", P, WP), ("margin", M, WM)):
        if got.shape != want.shape:
            problems.append("%s: shape %s, file %s" % (what, got.shape, want.shape))
            continue
        if what == "predict" and c["predict_kind"] == "class_index":
            bad = np.flatnonzero(np.any(got != want, axis=1))
            worst[what] = 0.0 if not len(bad) else math.inf
        else:
            e = rel_err(got, want)
            bad = np.flatnonzero(np.any(e > tol, axis=1))
            worst[what] = float(np.max(e))
        if len(bad):
            problems.append("%s: %d rows differ (first rows %s), worst %.3g" % (
                what, len(bad), bad[:5].tolist(), worst[what]))
    ex = c.get("extra")
    if ex:                               # extra rows must match like input.csv
        _, XE = read_matrix(os.path.join(dirname, ex["input"]))
        PE, ME = predict(doc, XE)
        for what, got, f in (("predict", PE, ex["predict"]), ("margin", ME, ex["margin"])):
            _, want = read_values(os.path.join(dirname, f))
            if got.shape != want.shape or np.any(rel_err(got, want) > tol):
                problems.append("%s: rows differ" % f)
    known = []
    for kd in c.get("known_differences", []):
        _, XU = read_matrix(os.path.join(dirname, kd["input"]))
        PU, _ = predict(doc, XU)
        _, WU = read_values(os.path.join(dirname, kd["predict"]))
        n = int(np.sum(np.any(rel_err(PU, WU) > tol, axis=1)))
        known.append("%s: %d of %d rows differ from the docs formula (e.g. xylem %s, sklearn %s)" % (
            kd["input"], n, len(XU), PU[0].tolist(), WU[0].tolist()))
    return c, worst, problems, known


def xylem_outputs(xylem, model, rows, margin, engine=None):
    cmd = [xylem, "predict", model, rows] + (["--margin"] if margin else []) + (["--engine", engine] if engine else [])
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return np.array([[float(v) for v in line.split(",")] for line in out.splitlines()[1:]], dtype=np.float64)


def check_xylem(xylem, dirname, engine=None):
    """-> {kind: (bit-identical values, values, max relative difference)} of `xylem predict`
    (with --engine ENGINE when given)."""
    c = json.load(open(os.path.join(dirname, "case.json")))
    res = {}
    for kind, ref, margin in (("predict", c["predict"], False), ("margin", c["margin"], True)):
        got = xylem_outputs(xylem, os.path.join(dirname, c["models"][0]), os.path.join(dirname, c["input"]), margin,
                            engine)
        _, want = read_values(os.path.join(dirname, ref))
        if got.shape != want.shape:
            res[kind] = (0, want.size, math.inf)
            continue
        same = (got == want) | (np.isnan(got) & np.isnan(want))
        res[kind] = (int(same.sum()), int(same.size), float(np.max(rel_err(got, want))))
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default="models/sklearn")
    ap.add_argument("--xylem", help="also run this xylem binary on every case")
    ap.add_argument("--engine", help="with --xylem: pass --engine ENGINE (reference, tree_nodes, ...); a case "
                    "the engine cannot run is reported as skipped")
    args = ap.parse_args()
    dirs = sorted(os.path.dirname(p) for p in glob.glob(os.path.join(args.root, "*", "*", "case.json")))
    if not dirs:
        print("no cases under %s" % args.root)
        return 1
    failed = skipped = 0
    for d in dirs:
        c, worst, problems, known = check_case(d)
        status = "FAIL" if problems else "ok"
        failed += bool(problems)
        print("%-4s %-40s predict %-9.3g margin %-9.3g" % (
            status, os.path.relpath(d, args.root), worst.get("predict", math.nan), worst.get("margin", math.nan)))
        if args.xylem:
            try:
                r = check_xylem(args.xylem, d, args.engine)
            except subprocess.CalledProcessError as e:
                why = (e.stderr.strip().splitlines() or ["exit %d" % e.returncode])[-1]
                if not args.engine:
                    problems.append("xylem predict failed: " + why)
                    failed += 1
                else:
                    print("       xylem --engine %s: skipped (%s)" % (args.engine, why))
                    skipped += 1
                r = None
            if r is not None:
                tol = 1e-5 if c.get("precision") == "float32" else 1e-12
                line = "  ".join("%s %d/%d bit-identical, max rel %.3g" % (k, *v) for k, v in r.items())
                print("       xylem%s: %s" % (" --engine " + args.engine if args.engine else "", line))
                if c.get("precision") != "float32" and any(v[2] > tol for v in r.values()):
                    problems.append("xylem predict beyond %g" % tol)
                    failed += 1
        for p in problems:
            print("       " + p)
        for k in known:
            print("       known difference: " + k)
    print("%d cases, %d failed" % (len(dirs), failed) +
          (", %d not run by --engine %s" % (skipped, args.engine) if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
