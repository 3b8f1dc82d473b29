#!/usr/bin/env python3
"""Check the LightGBM conformance fixtures (models/lightgbm/<version>/<case>/).

Run inside a venv with the LightGBM version whose fixtures are checked:

    python models/verify_lightgbm.py --root models/lightgbm

For every case directory of the venv's LightGBM version (or --version) it checks:

1. the file contract (case.json keys, CSV headers, row counts, the missing-value
   encoding, row_groups covering the rows, values written with repr());
2. LightGBM itself: model.txt (and model_best.txt) reloaded with lgb.Booster
   predict exactly predict.csv / margin.csv / *_f32.csv / *_best.csv, and the
   reloaded model's dump_model() equals model_dump.json;
3. an independent reference implementation of LightGBM prediction that reads
   only model.txt (the rules xylem must follow, see models/lightgbm/README.md)
   reproduces every prediction; mismatches are listed.

Exit status 0 if everything holds.
"""

import argparse
import json
import math
import os
import sys

import numpy as np

from fixture_common import parse_cell, read_csv, read_values

KZ = 1.0000000180025095e-35          # (double)1e-35f, LightGBM's kZeroThreshold

REQUIRED_KEYS = [
    "library", "library_version", "case", "objective", "models", "input", "predict", "margin",
    "predict_kind", "float32_input", "feature_names", "num_features", "num_rows",
    "num_predict_columns", "num_margin_columns", "num_trees", "num_iterations", "train_params",
    "row_groups", "notes",
]


# --------------------------------------------------------------------------
# Reference implementation (reads model.txt only)
# --------------------------------------------------------------------------

# Deliberately wrong variants of the rules, for --mutations: each must change some
# prediction of some fixture, which shows that the fixtures exercise the rule.
MUTATIONS = {
    "no_zero_filter": "keep |x| <= kZeroThreshold as is (the C API maps it to 0.0)",
    "iszero_strict": "IsZero(x) as -kZ < x <= kZ (old LightGBM) instead of -kZ <= x <= kZ",
    "none_nan_default": "missing_type None: NaN goes the default_left way instead of -> 0.0",
    "zero_type_ignores_nan": "missing_type Zero: NaN compared as NaN (goes right) instead of -> 0 -> default",
    "nan_type_nan_is_zero": "missing_type NaN: NaN -> 0.0 and compared",
    "threshold_lt": "numerical split x < threshold instead of x <= threshold",
    "threshold_f32": "threshold and x rounded to float32 before comparing",
    "dump_threshold_clamp": "thresholds clamped to +-1e300 like model_dump.json",
    "cat_nan_is_zero": "categorical NaN -> category 0 (old versions, missing_type != NaN)",
    "cat_floor": "categorical value floor()ed instead of truncated (-0.5 -> -1 -> right)",
    "cat_wrap32": "categorical value cast via int64 and wrapped to int32 (4294967296 -> 0)",
    "cat_saturate": "categorical value saturated to INT_MAX instead of INT_MIN when too big",
    "cat_in_goes_right": "categories in the bitset go right",
    "linear_nan_as_zero": "linear leaf: NaN feature contributes 0 instead of falling back to leaf_value",
    "rf_margin_averaged": "raw_score=True averages the trees of an average_output model",
    "rf_predict_not_averaged": "predict() does not divide by num_iterations for average_output",
    "sqrt_ignored": "'regression sqrt' returned as the raw margin",
    "sigmoid_ignored": "binary/multiclassova sigmoid parameter taken as 1",
}
MUT = set()
# Variants that no dense-input fixture can tell apart from the real rule (expected):
EQUIVALENT = {
    "iszero_strict": "the dense C API maps |x| <= kZ to 0.0 before the tree sees it, so x == -kZ "
                     "never reaches IsZero (it does via CSR input: see README)",
    "cat_saturate": "INT_MAX is beyond every bitset, so it goes right like INT_MIN",
}

class RefTree:
    def __init__(self, kv):
        self.num_leaves = int(kv["num_leaves"])
        self.num_cat = int(kv.get("num_cat", "0"))
        self.leaf_value = [float(v) for v in kv["leaf_value"].split()]
        self.is_linear = int(kv.get("is_linear", "0")) == 1
        if self.num_leaves > 1:
            self.split_feature = [int(v) for v in kv["split_feature"].split()]
            self.threshold = [float(v) for v in kv["threshold"].split()]
            self.decision_type = [int(v) for v in kv.get(
                "decision_type", " ".join(["0"] * (self.num_leaves - 1))).split()]
            self.left = [int(v) for v in kv["left_child"].split()]
            self.right = [int(v) for v in kv["right_child"].split()]
        if self.num_cat > 0:
            self.cat_boundaries = [int(v) for v in kv["cat_boundaries"].split()]
            self.cat_threshold = [int(v) for v in kv["cat_threshold"].split()]
        if self.is_linear:
            self.leaf_const = [float(v) for v in kv["leaf_const"].split()]
            nfeat = [int(v) for v in kv["num_features"].split()]
            # per-leaf lists are separated by two spaces; empty leaves leave extra spaces
            feats = [int(v) for v in kv["leaf_features"].split()]
            coeff = [float(v) for v in kv["leaf_coeff"].split()]
            self.leaf_features, self.leaf_coeff = [], []
            pos = 0
            for n in nfeat:
                self.leaf_features.append(feats[pos:pos + n])
                self.leaf_coeff.append(coeff[pos:pos + n])
                pos += n

    @staticmethod
    def c_int(v):
        """static_cast<int>(double) as x86-64 cvttsd2si does it: truncation, and
        INT_MIN for NaN, +-inf and values out of int range."""
        if math.isnan(v) or math.isinf(v):
            return -2 ** 31
        t = math.trunc(v)
        if t >= 2 ** 31 or t < -2 ** 31:
            return -2 ** 31
        return int(t)

    def decision(self, x, node):
        v = x[self.split_feature[node]]
        dt = self.decision_type[node]
        if dt & 1:                                   # categorical
            L, R = self.left[node], self.right[node]
            if "cat_in_goes_right" in MUT:
                L, R = R, L
            if math.isnan(v):
                if "cat_nan_is_zero" not in MUT:
                    return R
                v = 0.0
            iv = self.c_int(v)
            if "cat_floor" in MUT and not math.isinf(v) and abs(v) < 2 ** 31:
                iv = math.floor(v)
            if "cat_wrap32" in MUT and not math.isinf(v) and abs(v) < 2 ** 63:
                iv = ((int(math.trunc(v)) + 2 ** 31) % 2 ** 32) - 2 ** 31
            if "cat_saturate" in MUT and v >= 2 ** 31:
                iv = 2 ** 31 - 1
            if iv < 0:
                return R
            ci = int(self.threshold[node])
            words = self.cat_threshold[self.cat_boundaries[ci]:self.cat_boundaries[ci + 1]]
            w = iv // 32
            if w < len(words) and (words[w] >> (iv % 32)) & 1:
                return L
            return R
        mt = (dt >> 2) & 3
        t = self.threshold[node]
        if "dump_threshold_clamp" in MUT:
            t = max(-1e300, min(1e300, t))
        if math.isnan(v):
            if mt == 0 and "none_nan_default" in MUT:
                return self.left[node] if dt & 2 else self.right[node]
            if mt == 1 and "zero_type_ignores_nan" in MUT:
                return self.right[node]
            if mt == 2 and "nan_type_nan_is_zero" in MUT:
                v = 0.0
        if math.isnan(v) and mt != 2:
            v = 0.0
        if "iszero_strict" in MUT:
            is_zero = -KZ < v <= KZ
        else:
            is_zero = -KZ <= v <= KZ
        if (mt == 1 and is_zero) or (mt == 2 and math.isnan(v)):
            return self.left[node] if dt & 2 else self.right[node]
        if "threshold_f32" in MUT:
            with np.errstate(over="ignore"):
                v, t = float(np.float32(v)), float(np.float32(t))
        if "threshold_lt" in MUT:
            return self.left[node] if v < t else self.right[node]
        return self.left[node] if v <= t else self.right[node]

    def leaf(self, x):
        if self.num_leaves <= 1:
            return 0
        node = 0
        while node >= 0:
            node = self.decision(x, node)
        return ~node

    def predict(self, x):
        leaf = self.leaf(x)
        if not self.is_linear:
            return self.leaf_value[leaf]
        out = self.leaf_const[leaf]
        for f, c in zip(self.leaf_features[leaf], self.leaf_coeff[leaf]):
            v = x[f]
            if math.isnan(v):
                if "linear_nan_as_zero" in MUT:
                    continue
                return self.leaf_value[leaf]
            out += c * v
        return out


class RefModel:
    def __init__(self, path):
        with open(path) as fh:
            lines = fh.read().split("\n")
        self.header = {}
        self.average_output = False
        self.trees = []
        self.pandas_categorical = None
        i = 0
        while i < len(lines) and not lines[i].startswith("Tree="):
            line = lines[i]
            if line == "average_output":
                self.average_output = True
            elif "=" in line:
                k, v = line.split("=", 1)
                self.header[k] = v
            i += 1
        while i < len(lines) and lines[i].startswith("Tree="):
            kv = {}
            i += 1
            while i < len(lines) and lines[i] != "":
                k, v = lines[i].split("=", 1)
                kv[k] = v
                i += 1
            self.trees.append(RefTree(kv))
            while i < len(lines) and lines[i] == "":
                i += 1
        for line in lines[i:]:
            if line.startswith("pandas_categorical:"):
                self.pandas_categorical = json.loads(line.split(":", 1)[1])
        self.num_class = int(self.header["num_class"])
        self.k = int(self.header.get("num_tree_per_iteration", self.num_class))
        self.num_features = int(self.header["max_feature_idx"]) + 1
        obj = self.header.get("objective", "custom").split()
        self.objective = obj[0] if obj else "custom"
        self.obj_args = {}
        self.sqrt = False
        for tok in obj[1:]:
            if tok == "sqrt":
                self.sqrt = True
            elif ":" in tok:
                a, b = tok.split(":", 1)
                self.obj_args[a] = b

    def raw(self, x, num_iteration=None, average=True):
        """x: list of float64 (already through the C API zero filter)."""
        n_iter = len(self.trees) // self.k
        if num_iteration is not None and 0 < num_iteration < n_iter:
            n_iter = num_iteration
        out = [0.0] * self.k
        for it in range(n_iter):
            for c in range(self.k):
                out[c] += self.trees[it * self.k + c].predict(x)
        if average:
            divide = "rf_predict_not_averaged" not in MUT
        else:
            divide = "rf_margin_averaged" in MUT
        if self.average_output and divide:
            out = [o / n_iter for o in out]
        return out

    def transform(self, m):
        o = self.objective
        if o in ("regression", "regression_l1", "huber", "fair", "quantile", "mape"):
            if self.sqrt and "sqrt_ignored" not in MUT:
                return [math.copysign(1.0, v) * v * v if v != 0 else 0.0 * v * v for v in m]
            return m
        if o in ("poisson", "gamma", "tweedie"):
            return [math.exp(v) for v in m]
        if o == "binary":
            s = float(self.obj_args.get("sigmoid", "1")) if "sigmoid_ignored" not in MUT else 1.0
            return [1.0 / (1.0 + math.exp(-s * v)) for v in m]
        if o == "multiclassova":
            s = float(self.obj_args.get("sigmoid", "1")) if "sigmoid_ignored" not in MUT else 1.0
            return [1.0 / (1.0 + math.exp(-s * v)) for v in m]
        if o == "multiclass":
            wmax = max(m)
            e = [math.exp(v - wmax) for v in m]
            tot = 0.0
            for v in e:
                tot += v
            return [v / tot for v in e]
        if o == "cross_entropy":
            return [1.0 / (1.0 + math.exp(-v)) for v in m]
        if o == "cross_entropy_lambda":
            return [math.log1p(math.exp(v)) for v in m]
        return m                                    # lambdarank, rank_xendcg, custom

    def prepare(self, row):
        """The C API's dense-row conversion: |x| <= kZeroThreshold -> 0 (NaN kept);
        missing trailing features are 0."""
        x = [0.0] * self.num_features
        for j, v in enumerate(row[:self.num_features]):
            if math.isnan(v) or abs(v) > KZ or "no_zero_filter" in MUT:
                x[j] = float(v)
        return x

    def predict(self, row, raw_score=False, num_iteration=None):
        x = self.prepare(row)
        if raw_score:
            # raw_score=True skips average_output (see README: rf margins are sums)
            return self.raw(x, num_iteration, average=False)
        return self.transform(self.raw(x, num_iteration))


# --------------------------------------------------------------------------
# Files (read with fixture_common.read_csv / parse_cell / read_values)
# --------------------------------------------------------------------------

def label_matrix(meta, rows, pandas_categorical):
    """input.csv rows -> float64 matrix; label columns mapped to codes like LightGBM."""
    label_cols = {int(k) for k in meta.get("category_label_columns", {})}
    cat_index = {j: i for i, j in enumerate(sorted(label_cols))}
    X = np.empty((len(rows), len(rows[0])), dtype=np.float64)
    for i, r in enumerate(rows):
        for j, c in enumerate(r):
            if j in label_cols:
                if c in ("", "nan"):
                    X[i, j] = math.nan
                    continue
                cats = [str(v) for v in pandas_categorical[cat_index[j]]]
                X[i, j] = float(cats.index(c)) if c in cats else math.nan
            else:
                X[i, j] = parse_cell(c)
    return X


def frame(meta, rows, float32):
    import pandas as pd
    label_cols = {int(k) for k in meta.get("category_label_columns", {})}
    cat_lists = meta["pandas_categorical"]
    cat_index = {j: i for i, j in enumerate(sorted(label_cols))}
    data = {}
    for j, name in enumerate(meta["feature_names"]):
        col = [r[j] for r in rows]
        if j in label_cols:
            known = cat_lists[cat_index[j]]
            typed = {str(v): v for v in known}
            vals = []
            for c in col:
                if c in ("", "nan"):
                    vals.append(None)
                elif c in typed:
                    vals.append(typed[c])
                else:
                    # unseen label: keep the type of the known labels
                    vals.append(int(c) if isinstance(known[0], int) else c)
            cats = sorted(set(v for v in vals if v is not None), key=str)
            data[name] = pd.Categorical(vals, categories=cats)
        else:
            a = np.array([parse_cell(c) for c in col], dtype=np.float64)
            with np.errstate(over="ignore"):
                data[name] = a.astype(np.float32) if float32 else a
    return pd.DataFrame(data)


class Checker:
    def __init__(self):
        self.errors = []
        self.infos = []

    def fail(self, case, msg):
        self.errors.append("%s: %s" % (case, msg))

    def info(self, case, msg):
        self.infos.append("%s: %s" % (case, msg))


def compare(chk, case, name, got, want, exact=True):
    if got.shape != want.shape:
        chk.fail(case, "%s: shape %s != %s" % (name, got.shape, want.shape))
        return
    same = (got == want) | (np.isnan(got) & np.isnan(want))
    if same.all():
        return
    bad = np.argwhere(~same)
    diff = np.nanmax(np.abs(got - want) / np.maximum(np.abs(want), 1e-300))
    msg = "%s: %d values differ (first row %d: %r vs %r), max rel diff %.3g" % (
        name, len(bad), bad[0][0], got[tuple(bad[0])], want[tuple(bad[0])], diff)
    if exact:
        chk.fail(case, msg)
    else:
        chk.info(case, msg)


def check_case(chk, d, lgb):
    case = os.path.basename(d)
    with open(os.path.join(d, "case.json")) as fh:
        meta = json.load(fh)
    for k in REQUIRED_KEYS:
        if k not in meta:
            chk.fail(case, "case.json lacks %s" % k)
    if meta.get("library") != "lightgbm" or meta.get("case") != case:
        chk.fail(case, "library/case mismatch")
    for f in meta["models"] + [meta["input"], meta["predict"], meta["margin"],
                               meta["float32_input"]["predict"], meta["float32_input"]["margin"]]:
        if not os.path.isfile(os.path.join(d, f)):
            chk.fail(case, "missing file %s" % f)
            return

    # ---- input.csv ----
    header, rows = read_csv(os.path.join(d, meta["input"]))
    if header != meta["feature_names"]:
        chk.fail(case, "input.csv header != feature_names")
    if len(rows) != meta["num_rows"]:
        chk.fail(case, "input.csv has %d rows, case.json says %d" % (len(rows), meta["num_rows"]))
    label_cols = {int(k) for k in meta.get("category_label_columns", {})}
    for i, r in enumerate(rows):
        if len(r) != meta["num_features"]:
            chk.fail(case, "input row %d has %d fields" % (i, len(r)))
            return
        for j, c in enumerate(r):
            if c == "" and i % 2 == 1 or c == "nan" and i % 2 == 0:
                chk.fail(case, "row %d: missing written as %r" % (i, c))
                return
            if j in label_cols or c in ("", "nan"):
                continue
            if repr(float(c)) != c:
                chk.fail(case, "row %d: %r is not repr(float)" % (i, c))
                return
    pos = 0
    for g in meta["row_groups"]:
        if g["start"] != pos:
            chk.fail(case, "row_groups not contiguous at %s" % g)
        pos = g["start"] + g["count"]
    if pos != len(rows):
        chk.fail(case, "row_groups cover %d of %d rows" % (pos, len(rows)))

    # ---- prediction files ----
    preds = {}
    files = {"predict": meta["predict"], "margin": meta["margin"],
             "predict_f32": meta["float32_input"]["predict"],
             "margin_f32": meta["float32_input"]["margin"]}
    if "iterations" in meta:
        files["predict_best"] = meta["iterations"]["predict"]
        files["margin_best"] = meta["iterations"]["margin"]
    for key, f in files.items():
        h, P = read_values(os.path.join(d, f))
        ncol = meta["num_margin_columns"] if key.startswith("margin") else meta["num_predict_columns"]
        want_h = ["prediction"] if ncol == 1 else ["p%d" % k for k in range(ncol)]
        if h != want_h:
            chk.fail(case, "%s header %s" % (f, h))
        if P.shape != (len(rows), ncol):
            chk.fail(case, "%s shape %s" % (f, P.shape))
        with open(os.path.join(d, f)) as fh:
            for line in list(fh)[1:]:
                for c in line.strip().split(","):
                    if repr(float(c)) != c:
                        chk.fail(case, "%s: %r is not repr(float)" % (f, c))
                        break
        preds[key] = P

    # ---- LightGBM reload ----
    booster = lgb.Booster(model_file=os.path.join(d, "model.txt"))
    if booster.num_trees() != meta["num_trees"]:
        chk.fail(case, "reloaded model has %d trees" % booster.num_trees())
    pandas_case = bool(meta.get("input_has_category_labels"))
    if pandas_case:
        X64 = frame(meta, rows, False)
        X32 = frame(meta, rows, True)
    else:
        X64 = np.array([[parse_cell(c) for c in r] for r in rows], dtype=np.float64)
        with np.errstate(over="ignore"):
            X32 = X64.astype(np.float32)
    kw = {"num_threads": 1, "num_iteration": -1}
    compare(chk, case, "reload predict", booster.predict(X64, **kw).reshape(preds["predict"].shape),
            preds["predict"])
    compare(chk, case, "reload margin",
            booster.predict(X64, raw_score=True, **kw).reshape(preds["margin"].shape),
            preds["margin"])
    compare(chk, case, "reload predict_f32",
            booster.predict(X32, **kw).reshape(preds["predict_f32"].shape), preds["predict_f32"])
    compare(chk, case, "reload margin_f32",
            booster.predict(X32, raw_score=True, **kw).reshape(preds["margin_f32"].shape),
            preds["margin_f32"])
    if "iterations" in meta:
        n = meta["iterations"]["num_iterations"]
        compare(chk, case, "reload predict_best",
                booster.predict(X64, num_threads=1, num_iteration=n).reshape(
                    preds["predict_best"].shape), preds["predict_best"])
        tm = meta.get("truncated_model")
        if tm:
            b2 = lgb.Booster(model_file=os.path.join(d, tm["model"]))
            if b2.num_trees() != tm["num_trees"]:
                chk.fail(case, "%s has %d trees" % (tm["model"], b2.num_trees()))
            compare(chk, case, "model_best predict",
                    b2.predict(X64, num_threads=1).reshape(preds["predict_best"].shape),
                    preds["predict_best"])
            compare(chk, case, "model_best margin",
                    b2.predict(X64, num_threads=1, raw_score=True).reshape(
                        preds["margin_best"].shape), preds["margin_best"])
    with open(os.path.join(d, "model_dump.json")) as fh:
        dump = json.load(fh)
    redump = json.loads(json.dumps(booster.dump_model(num_iteration=-1)))
    if not dumps_equal(redump, dump):
        keys = [k for k in set(dump) | set(redump) if dump.get(k) != redump.get(k)]
        chk.fail(case, "model_dump.json differs from the reloaded model's dump_model() in %s"
                 % sorted(keys))

    # ---- reference implementation ----
    ref = RefModel(os.path.join(d, "model.txt"))
    if pandas_case:
        M64 = label_matrix(meta, rows, ref.pandas_categorical)
    else:
        M64 = X64
    with np.errstate(over="ignore"):
        M32 = M64.astype(np.float32).astype(np.float64)
    data = {"case": case, "meta": meta, "ref": ref, "M64": M64, "M32": M32, "preds": preds}
    for name, got, want in ref_predictions(data):
        compare(chk, case, name, got, want)
    return data


def ref_predictions(data):
    """(name, reference predictions, fixture predictions) for every prediction file."""
    meta, ref, preds = data["meta"], data["ref"], data["preds"]
    M64, M32 = data["M64"], data["M32"]
    checks = [("ref predict", M64, False, None, "predict"),
              ("ref margin", M64, True, None, "margin"),
              ("ref predict_f32", M32, False, None, "predict_f32"),
              ("ref margin_f32", M32, True, None, "margin_f32")]
    if "iterations" in meta:
        n = meta["iterations"]["num_iterations"]
        checks += [("ref predict_best", M64, False, n, "predict_best"),
                   ("ref margin_best", M64, True, n, "margin_best")]
    out = []
    for name, M, raw, n, key in checks:
        got = np.array([ref.predict(list(r), raw_score=raw, num_iteration=n) for r in M])
        out.append((name, got.reshape(preds[key].shape), preds[key]))
    return out


def dumps_equal(a, b, path=""):
    """Exact equality, except the statistics that model.txt stores with 6 significant
    digits (a booster that was never reloaded dumps them at full precision)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return False
        for k in a:
            if k in ("internal_value", "internal_weight", "split_gain", "leaf_weight") and \
                    isinstance(a[k], (int, float)) and isinstance(b[k], (int, float)):
                if not math.isclose(a[k], b[k], rel_tol=1e-5, abs_tol=1e-12):
                    return False
            elif not dumps_equal(a[k], b[k], path + "." + k):
                return False
        return True
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(dumps_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def mutation_report(datas):
    """For each deliberately wrong rule: the rows whose predictions change, per case."""
    print("mutation analysis (rows whose prediction changes when a rule is broken):")
    undetected = []
    for mut, what in MUTATIONS.items():
        MUT.clear()
        MUT.add(mut)
        hits = []
        for data in datas:
            rows = set()
            for name, got, want in ref_predictions(data):
                same = (got == want) | (np.isnan(got) & np.isnan(want))
                rows |= set(np.argwhere(~same.reshape(len(same), -1).all(axis=1)).ravel().tolist())
            if rows:
                groups = set()
                for g in data["meta"]["row_groups"]:
                    if any(g["start"] <= r < g["start"] + g["count"] for r in rows):
                        groups.add(g["kind"])
                hits.append("%s:%d[%s]" % (data["case"], len(rows), ",".join(sorted(groups))))
        MUT.clear()
        print("  %-24s %s" % (mut, what))
        if hits:
            print("      " + " ".join(hits))
        elif mut in EQUIVALENT:
            print("      not detectable (expected): " + EQUIVALENT[mut])
        else:
            print("      NOT DETECTED by any fixture")
            undetected.append(mut)
    return undetected


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default="models/lightgbm")
    ap.add_argument("--version", help="fixture version directory (default: the venv's lightgbm)")
    ap.add_argument("--mutations", action="store_true",
                    help="also report which fixture rows detect each broken rule")
    args = ap.parse_args()
    import lightgbm as lgb
    version = args.version or lgb.__version__
    root = os.path.join(args.root, version)
    if not os.path.isdir(root):
        print("no fixtures in %s" % root)
        return 1
    chk = Checker()
    n = 0
    datas = []
    for name in sorted(os.listdir(root)):
        d = os.path.join(root, name)
        if not os.path.isfile(os.path.join(d, "case.json")):
            continue
        try:
            datas.append(check_case(chk, d, lgb))
        except Exception as e:  # report and go on
            chk.fail(name, "exception %s: %s" % (type(e).__name__, e))
        n += 1
    for m in chk.infos:
        print("info  " + m)
    for m in chk.errors:
        print("FAIL  " + m)
    print("%s: %d cases checked, %d failures" % (root, n, len(chk.errors)))
    undetected = []
    if args.mutations:
        undetected = mutation_report([x for x in datas if x])
    return 1 if chk.errors or undetected else 0


if __name__ == "__main__":
    sys.exit(main())
