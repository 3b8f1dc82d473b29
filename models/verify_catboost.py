#!/usr/bin/env python3
"""Check the CatBoost fixtures, and evaluate CatBoost JSON models by hand.

Run inside the catboost venv (see make_venvs.sh):

    python models/verify_catboost.py --root models/catboost

For every case of catboost.__version__:
  1. parse input.csv the way a consumer must ('' and 'nan' = missing, categorical
     columns are integers), reload each JSON file listed in case.json with
     CatBoost().load_model(format="json"), predict, and compare with predict.csv /
     margin.csv (float64, written with repr(), from the in-memory model right after
     training).  CatBoost's JSON reader is not correctly rounded (some leaf values
     come back 1-2 ulp off), so these may differ in the last bits: reported, tolerated
     up to 1e-12 relative;
  2. evaluate the JSON with the reference evaluator below (an independent reading of
     the format: float32 inputs and borders, `x > border` = bit 1 / right child,
     nan_value_treatment, CityHash64 of the category's decimal string for one-hot
     splits, f64 sum in tree order, scale * sum + bias, with Python's correctly
     rounded float parsing) and require it to reproduce margin.csv exactly;
  3. apply the documented transform to margin.csv in float64 numpy (sigmoid, softmax,
     exp) and compare with predict.csv.
Prints one line per case with the max differences.  Exits non-zero if 1. or 2. fails or if a
transform is off by more than 1e-13 relative (CatBoost computes exp with its own
vectorised FastExp, so its sigmoid/softmax/exp are not bit-identical to libm's).

The reference evaluator (RefModel, cat_hash, to_catboost_data) is also imported by
generate_catboost.py.
"""

import argparse
import json
import math
import os
import sys

import numpy as np

from fixture_common import read_matrix, read_values

# --------------------------------------------------------------------------
# CityHash64, version 1.0 (Geoff Pike and Jyrki Alakuijala, Google, MIT licence),
# which is the version CatBoost carries in util/digest/city.cpp (it differs from
# the later 1.1 mainline release).  CatBoost hashes a categorical value as
#   CalcCatFeatureHash(s) = CityHash64(s) & 0xffffffff      (ui32)
# where s is the value's string (for an integer category: its decimal string).
# The JSON stores that ui32 reinterpreted as a signed int32.
# --------------------------------------------------------------------------

_M64 = (1 << 64) - 1
_K0 = 0xc3a5c85c97cb3127
_K1 = 0xb492b66fbe98f273
_K2 = 0x9ae16a3b2f90404f
_K3 = 0xc949d7c7509e6557
_KMUL = 0x9ddfea08eb382d69


def _ld64(b, i):
    return int.from_bytes(b[i:i + 8], "little")


def _ld32(b, i):
    return int.from_bytes(b[i:i + 4], "little")


def _rot(v, s):
    return v if s == 0 else ((v >> s) | (v << (64 - s))) & _M64


def _shift_mix(v):
    return v ^ (v >> 47)


def _hash16(u, v):
    a = ((u ^ v) * _KMUL) & _M64
    a ^= a >> 47
    b = ((v ^ a) * _KMUL) & _M64
    b ^= b >> 47
    return (b * _KMUL) & _M64


def _len0to16(s):
    n = len(s)
    if n > 8:
        a = _ld64(s, 0)
        b = _ld64(s, n - 8)
        return _hash16(a, _rot((b + n) & _M64, n)) ^ b
    if n >= 4:
        a = _ld32(s, 0)
        return _hash16((n + (a << 3)) & _M64, _ld32(s, n - 4))
    if n > 0:
        y = s[0] + (s[n >> 1] << 8)
        z = n + (s[n - 1] << 2)
        return (_shift_mix(((y * _K2) ^ (z * _K3)) & _M64) * _K2) & _M64
    return _K2


def _len17to32(s):
    n = len(s)
    a = (_ld64(s, 0) * _K1) & _M64
    b = _ld64(s, 8)
    c = (_ld64(s, n - 8) * _K2) & _M64
    d = (_ld64(s, n - 16) * _K0) & _M64
    return _hash16((_rot((a - b) & _M64, 43) + _rot(c, 30) + d) & _M64,
                   (a + _rot(b ^ _K3, 20) - c + n) & _M64)


def _weak32(w, x, y, z, a, b):
    a = (a + w) & _M64
    b = _rot((b + a + z) & _M64, 21)
    c = a
    a = (a + x + y) & _M64
    b = (b + _rot(a, 44)) & _M64
    return (a + z) & _M64, (b + c) & _M64


def _weak32s(s, i, a, b):
    return _weak32(_ld64(s, i), _ld64(s, i + 8), _ld64(s, i + 16), _ld64(s, i + 24), a, b)


def _len33to64(s):
    n = len(s)
    z = _ld64(s, 24)
    a = (_ld64(s, 0) + (n + _ld64(s, n - 16)) * _K0) & _M64
    b = _rot((a + z) & _M64, 52)
    c = _rot(a, 37)
    a = (a + _ld64(s, 8)) & _M64
    c = (c + _rot(a, 7)) & _M64
    a = (a + _ld64(s, 16)) & _M64
    vf = (a + z) & _M64
    vs = (b + _rot(a, 31) + c) & _M64
    a = (_ld64(s, 16) + _ld64(s, n - 32)) & _M64
    z = _ld64(s, n - 8)
    b = _rot((a + z) & _M64, 52)
    c = _rot(a, 37)
    a = (a + _ld64(s, n - 24)) & _M64
    c = (c + _rot(a, 7)) & _M64
    a = (a + _ld64(s, n - 16)) & _M64
    wf = (a + z) & _M64
    ws = (b + _rot(a, 31) + c) & _M64
    r = _shift_mix(((vf + ws) * _K2 + (wf + vs) * _K0) & _M64)
    return (_shift_mix((r * _K0 + vs) & _M64) * _K2) & _M64


def city_hash64(s):
    """CityHash64 v1.0 of a bytes object."""
    n = len(s)
    if n <= 16:
        return _len0to16(s)
    if n <= 32:
        return _len17to32(s)
    if n <= 64:
        return _len33to64(s)
    x = _ld64(s, 0)
    y = _ld64(s, n - 16) ^ _K1
    z = _ld64(s, n - 56) ^ _K0
    v = _weak32s(s, n - 64, n, y)
    w = _weak32s(s, n - 32, (n * _K1) & _M64, _K0)
    z = (z + _shift_mix(v[1]) * _K1) & _M64
    x = (_rot((z + x) & _M64, 39) * _K1) & _M64
    y = (_rot(y, 33) * _K1) & _M64
    left = (n - 1) & ~63
    p = 0
    while True:
        x = (_rot((x + y + v[0] + _ld64(s, p + 16)) & _M64, 37) * _K1) & _M64
        y = (_rot((y + v[1] + _ld64(s, p + 48)) & _M64, 42) * _K1) & _M64
        x ^= w[1]
        y ^= v[0]
        z = _rot(z ^ w[0], 33)
        v = _weak32s(s, p, (v[1] * _K1) & _M64, (x + w[0]) & _M64)
        w = _weak32s(s, p + 32, (z + w[1]) & _M64, y)
        z, x = x, z
        p += 64
        left -= 64
        if left == 0:
            break
    return _hash16((_hash16(v[0], w[0]) + _shift_mix(y) * _K1 + z) & _M64,
                   (_hash16(v[1], w[1]) + x) & _M64)


def cat_hash_u32(value):
    """CatBoost's hash of a categorical value (ui32): CityHash64(str) & 0xffffffff.
    Integers (and integral floats) are hashed as their decimal string."""
    if isinstance(value, (float, np.floating)):
        if not float(value).is_integer():
            raise ValueError("categorical value %r is not an integer" % value)
        value = int(value)
    if isinstance(value, (int, np.integer)):
        value = str(int(value))
    if isinstance(value, str):
        value = value.encode("utf-8")
    return city_hash64(value) & 0xffffffff


def cat_hash(value):
    """The same hash as the JSON writes it: the ui32 reinterpreted as int32."""
    h = cat_hash_u32(value)
    return h - (1 << 32) if h >= (1 << 31) else h


# --------------------------------------------------------------------------
# Reference evaluator for CatBoost JSON models (FloatFeature and OneHotFeature
# splits; OnlineCtr / text / embedding are rejected).
# --------------------------------------------------------------------------

class Unsupported(Exception):
    pass


class RefModel:
    def __init__(self, model):
        if isinstance(model, str):
            with open(model) as fh:
                model = json.load(fh)
        self.js = model
        fi = model["features_info"]
        if fi.get("ctrs") or model.get("ctr_data"):
            raise Unsupported("CTR features")
        for key in ("text_features", "embedding_features", "estimated_features"):
            if fi.get(key):
                raise Unsupported(key)
        self.float_flat = {}
        self.float_nan = {}
        for f in fi.get("float_features", []):
            self.float_flat[f["feature_index"]] = f["flat_feature_index"]
            self.float_nan[f["feature_index"]] = f.get("nan_value_treatment", "AsIs")
        self.cat_flat = {}
        for c in fi.get("categorical_features", []):
            self.cat_flat[c["feature_index"]] = c["flat_feature_index"]
        self.num_flat = 1 + max(list(self.float_flat.values()) + list(self.cat_flat.values()) + [-1])
        sb = model.get("scale_and_bias", [1.0, [0.0]])
        self.scale = float(sb[0])
        bias = sb[1]
        self.bias = [float(b) for b in (bias if isinstance(bias, list) else [bias])]
        self.oblivious = "oblivious_trees" in model
        self.trees = model["oblivious_trees"] if self.oblivious else model["trees"]
        if self.oblivious:
            t0 = self.trees[0]
            self.dim = len(t0["leaf_values"]) // (1 << len(t0["splits"]))
        else:
            node = self.trees[0]
            while "split" in node:
                node = node["left"]
            v = node["value"]
            self.dim = len(v) if isinstance(v, list) else 1
        for t in self._all_splits():
            if t["split_type"] not in ("FloatFeature", "OneHotFeature"):
                raise Unsupported("split_type %s" % t["split_type"])

    def _all_splits(self):
        if self.oblivious:
            for t in self.trees:
                yield from t["splits"]
        else:
            stack = list(self.trees)
            while stack:
                n = stack.pop()
                if "split" in n:
                    yield n["split"]
                    stack.append(n["left"])
                    stack.append(n["right"])

    def bit(self, split, row, as_f32=True):
        """1 (true / right child) or 0 for one split and one input row (flat float64)."""
        if split["split_type"] == "FloatFeature":
            fi = split["float_feature_index"]
            x = row[self.float_flat[fi]]
            b = split["border"]
            if as_f32:
                x = float(np.float32(x))
                b = float(np.float32(b))
            if math.isnan(x):
                t = self.float_nan[fi]
                if t == "AsFalse":
                    x = -math.inf
                elif t == "AsTrue":
                    x = math.inf
                # AsIs: NaN > b is false
            return 1 if x > b else 0
        if split["split_type"] == "OneHotFeature":
            v = row[self.cat_flat[split["cat_feature_index"]]]
            return 1 if cat_hash(v) == split["value"] else 0
        raise Unsupported(split["split_type"])

    def raw_row(self, row, as_f32=True, apply_scale_bias=True):
        acc = [0.0] * self.dim
        for t in self.trees:
            if self.oblivious:
                idx = 0
                for d, s in enumerate(t["splits"]):
                    idx |= self.bit(s, row, as_f32) << d
                vals = t["leaf_values"][idx * self.dim:(idx + 1) * self.dim]
            else:
                node = t
                while "split" in node:
                    node = node["right"] if self.bit(node["split"], row, as_f32) else node["left"]
                v = node["value"]
                vals = v if isinstance(v, list) else [v]
            for k in range(self.dim):
                acc[k] += vals[k]
        if not apply_scale_bias:
            return acc
        return [self.scale * acc[k] + self.bias[k] for k in range(self.dim)]

    def raw(self, X, as_f32=True, apply_scale_bias=True):
        return np.array([self.raw_row(r, as_f32, apply_scale_bias) for r in X], dtype=np.float64)


def loss_type(model_js):
    lf = model_js["model_info"]["params"]["loss_function"]
    return lf["type"] if isinstance(lf, dict) else str(lf).split(":")[0]


def transform(loss, raw):
    """Documented transform, float64 numpy: what predict.csv should hold."""
    raw = np.asarray(raw, dtype=np.float64)
    if loss in ("Logloss", "CrossEntropy"):
        return 1.0 / (1.0 + np.exp(-raw[:, :1]))
    if loss == "MultiClass":
        e = np.exp(raw - raw.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    if loss in ("Poisson", "Tweedie"):
        return np.exp(raw)
    return raw


def ulp_diff(a, b):
    """Max distance in float64 ulps (a, b finite arrays of equal shape)."""
    a = np.ascontiguousarray(a, dtype=np.float64).view(np.int64)
    b = np.ascontiguousarray(b, dtype=np.float64).view(np.int64)
    a = np.where(a < 0, np.int64(-0x8000000000000000) - a, a)
    b = np.where(b < 0, np.int64(-0x8000000000000000) - b, b)
    return int(np.max(np.abs(a - b))) if a.size else 0


# --------------------------------------------------------------------------
# Files (read with fixture_common.read_matrix / read_values)
# --------------------------------------------------------------------------

def to_catboost_data(X, header, cat_cols):
    """float64 matrix -> what CatBoost's predict accepts (a DataFrame with int64
    categorical columns when there are categorical features)."""
    if not cat_cols:
        return X
    import pandas as pd
    df = pd.DataFrame({h: X[:, j] for j, h in enumerate(header)})
    for j in cat_cols:
        df[header[j]] = X[:, j].astype(np.int64)
    return df


def catboost_outputs(model, data, meta):
    """(predict, margin) from a CatBoost object loaded from JSON, as (n, k) float64."""
    kind = meta["predict_type"]
    margin = np.asarray(model.predict(data, prediction_type="RawFormulaVal", thread_count=1),
                        dtype=np.float64)
    if kind == "RawFormulaVal":
        pred = margin
    elif kind == "Probability":
        pred = np.asarray(model.predict(data, prediction_type="Probability", thread_count=1),
                          dtype=np.float64)
        if meta["num_predict_columns"] == 1:
            pred = pred[:, 1]
    else:
        pred = np.asarray(model.predict(data, prediction_type=kind, thread_count=1),
                          dtype=np.float64)
    pred = pred.reshape(len(pred), -1)
    margin = margin.reshape(len(margin), -1)
    return pred, margin


def check_case(d, meta, verbose=True):
    from catboost import CatBoost
    problems = []
    header, X = read_matrix(os.path.join(d, meta["input"]))
    cat_cols = [int(k) for k in meta.get("categorical_features", {})]
    _, want_p = read_values(os.path.join(d, meta["predict"]))
    _, want_m = read_values(os.path.join(d, meta["margin"]))
    data = to_catboost_data(X, header, cat_cols)
    # 1. CatBoost's own JSON loader is not correctly rounded (some leaf values come
    # back 1-2 ulp off), so a model reloaded from JSON may differ in the last bits.
    json_rows_off, json_max = 0, 0.0
    for mf in meta["models"]:
        m = CatBoost()
        m.load_model(os.path.join(d, mf), format="json")
        p, mg = catboost_outputs(m, data, meta)
        json_rows_off = max(json_rows_off, int(np.sum(np.any(mg != want_m, axis=1))))
        json_max = max(json_max, float(np.max(np.abs(mg - want_m))), float(np.max(np.abs(p - want_p))))
        if json_max > 1e-12 * max(1.0, float(np.max(np.abs(want_m)))):
            problems.append("%s reloaded by CatBoost: off by %g" % (mf, json_max))
    # 2. reference evaluator on the JSON (correctly rounded float parsing)
    ref_exact, ref_max = 0, 0.0
    for mf in meta["models"]:
        with open(os.path.join(d, mf)) as fh:
            js = json.load(fh)
        rm = RefModel(js).raw(X)
        ref_exact = int(np.sum(np.all(rm == want_m, axis=1)))
        ref_max = max(ref_max, float(np.max(np.abs(rm - want_m))))
        if ref_exact != len(X):
            problems.append("%s: reference margin differs on %d rows (max %g)"
                            % (mf, len(X) - ref_exact, ref_max))
    # 3. documented transform of margin.csv, float64 numpy
    tp = transform(loss_type(js), want_m)
    t_max = float(np.max(np.abs(tp - want_p)))
    t_ulp = ulp_diff(tp, want_p)
    t_exact = int(np.sum(np.all(tp == want_p, axis=1)))
    t_rel = float(np.max(np.abs(tp - want_p) / np.maximum(np.abs(want_p), 1e-300)))
    if t_rel > 1e-13:
        problems.append("transform off by %g (relative)" % t_rel)
    info = {"rows": len(X), "ref_rows_exact": ref_exact, "ref_max_abs": ref_max,
            "transform_rows_exact": t_exact, "transform_max_abs": t_max,
            "transform_max_ulp": t_ulp, "transform_max_rel": t_rel, "json_reloaded_rows_off": json_rows_off,
            "json_reloaded_max_abs": json_max}
    if verbose:
        print("  %-30s rows=%-4d ref exact %d/%d  transform exact %d/%d (max %.3g, %d ulp)  "
              "json-reload off %d rows (max %.3g)%s" % (
                  meta["case"], len(X), ref_exact, len(X), t_exact, len(X), t_max, t_ulp,
                  json_rows_off, json_max, "" if not problems else "  FAIL: " + "; ".join(problems)))
    return problems, info


def main():
    import catboost
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default="models/catboost")
    args = ap.parse_args()
    root = os.path.join(args.root, catboost.__version__)
    failures = 0
    checked = 0
    for name in sorted(os.listdir(root)):
        d = os.path.join(root, name)
        if not os.path.isfile(os.path.join(d, "case.json")):
            continue
        with open(os.path.join(d, "case.json")) as fh:
            meta = json.load(fh)
        problems, _ = check_case(d, meta)
        checked += 1
        failures += bool(problems)
    # unsupported models: the reference evaluator must refuse them
    manifest = os.path.join(root, "unsupported", "unsupported.json")
    if os.path.isfile(manifest):
        with open(manifest) as fh:
            listed = json.load(fh)["models"]
        for f, info in sorted(listed.items()):
            if info["status"] != "exported":
                print("  unsupported/%s: not exported by CatBoost (%s)" % (f, info.get("error")))
                continue
            checked += 1
            try:
                RefModel(os.path.join(root, "unsupported", f))
                print("  unsupported/%s: NOT rejected by the reference evaluator" % f)
                failures += 1
            except Unsupported as e:
                print("  unsupported/%s: rejected (%s)" % (f, e))
    print("%d passed, %d failed" % (checked - failures, failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
