#!/usr/bin/env python3
"""Generate CatBoost conformance fixtures for xylem.

Run inside the venv with the pinned CatBoost (see make_venvs.sh):

    python models/generate_catboost.py --out models/catboost

Writes models/catboost/<catboost.__version__>/<case>/ with model.json, input.csv,
predict.csv, margin.csv, case.json (see models/catboost/README.md), the rejected
models under unsupported/, cat_hash_vectors.json and findings.json.
Everything is seeded (random_seed, thread_count=1); the two metadata fields that
CatBoost fills with a random GUID and the wall-clock time (model_info.model_guid,
model_info.train_finish_time) are set to fixed values through model.get_metadata()
before saving, so re-running gives byte-identical files.
"""

import json
import math
import os
import sys

import numpy as np
import pandas as pd

import catboost
from catboost import CatBoostClassifier, CatBoostRegressor, Pool

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_common import (  # noqa: E402
    F32_MAX, F32_MIN, NUM_FEATURES, Labels, RowGroups, basis, bernoulli, case_seed, f32,
    gen_numeric, inject_nans, next64, parse_args, read_matrix, read_values,
    threshold_neighbours, vary, version_dir, write_input, write_json, write_values)
import verify_catboost as ref  # noqa: E402  (reference evaluator, CityHash64)

CB_VERSION = catboost.__version__

N_TRAIN = 800
N_RANDOM_ROWS = 60
N_NAN_ROWS = 20
N_THRESHOLDS = 30

# border_count=32 (default 254) keeps the pretty-printed JSON small.
BASE_PARAMS = {"thread_count": 1, "random_seed": 7, "allow_writing_files": False,
               "verbose": False, "border_count": 32}


# --------------------------------------------------------------------------
# Data: fixture_common.gen_numeric and its label makers, and the categorical layouts
# --------------------------------------------------------------------------

def gen_numeric_no_nan(rng, n, nan=True):
    return gen_numeric(rng, n, nan=False)


LABELS = Labels(basis)

# Label makers: (rng, X) -> labels as CatBoost gets them: class labels int64, lab_reg and
# lab_heavy shifted by +3, the multi-target labels by +0.5 per target.


def lab_binary(rng, X):
    return LABELS.binary(rng, X).astype(np.int64)


def lab_reg(rng, X):
    return LABELS.reg(rng, X) + 3.0


def lab_heavy(rng, X):
    return LABELS.heavy(rng, X) + 3.0


lab_hetero = LABELS.hetero
lab_unit = LABELS.unit
lab_poisson = LABELS.poisson
lab_tweedie = LABELS.tweedie


def lab_classes(k):
    def f(rng, X):
        return LABELS.classes(k)(rng, X).astype(np.int64)
    return f


def lab_named(label_fn, names):
    """The classes of label_fn, named: CatBoost keeps the names (class_names) and
    predict() returns them."""
    def f(rng, X):
        return np.asarray(names, dtype=object)[label_fn(rng, X)]
    return f


def lab_multi_target(k):
    def f(rng, X):
        return LABELS.multi_target(k)(rng, X) + np.arange(k) * 0.5
    return f


# Categorical data.  Categories are integers (CatBoost hashes their decimal string).
#   layout A (names f0..f4):            [num, cat A, num(NaNs), cat B, num int]
#   layout B (real names, cat first):   [cat A, num, num(NaNs), cat B, num int]
CATS_A = [0, 1, 2, 3, 4, 5]
CATS_B = [-1, 10, 123456, 10000000000]
EFFECT_A = np.array([0.8, -1.2, 0.3, 1.5, -0.4, 0.0])
EFFECT_B = np.array([1.0, -0.7, 0.4, -1.3])


def make_cat_gen(layout):
    def gen(rng, n, nan=True):
        num0 = np.round(rng.normal(0, 1, n), 3)
        num2 = np.round(rng.uniform(-2, 2, n), 2)
        num4 = rng.integers(0, 8, n).astype(float)
        ca = np.array(CATS_A, dtype=float)[rng.integers(0, len(CATS_A), n)]
        cb = np.array(CATS_B, dtype=float)[rng.integers(0, len(CATS_B), n)]
        if nan:
            num2[rng.random(n) < 0.10] = np.nan
        if layout == "A":
            return np.column_stack([num0, ca, num2, cb, num4])
        return np.column_stack([ca, num0, num2, cb, num4])
    return gen


def cat_parts(X, layout):
    if layout == "A":
        return X[:, 0], X[:, 1], X[:, 2], X[:, 3], X[:, 4]
    return X[:, 1], X[:, 0], X[:, 2], X[:, 3], X[:, 4]


def cat_signal(X, layout):
    num0, ca, num2, cb, num4 = cat_parts(X, layout)
    a = EFFECT_A[[CATS_A.index(int(v)) for v in ca]]
    b = EFFECT_B[[CATS_B.index(int(v)) for v in cb]]
    x2 = np.where(np.isnan(num2), -2.0, num2)
    return a + b + 0.8 * np.sin(2 * num0) + 0.5 * x2 * (num4 > 3)


def lab_cat_binary(layout):
    def f(rng, X):
        return bernoulli(rng, cat_signal(X, layout)).astype(np.int64)
    return f


def lab_cat_reg(layout):
    def f(rng, X):
        return cat_signal(X, layout) + rng.normal(0, 0.2, len(X))
    return f


def lab_cat_classes(layout):
    def f(rng, X):
        s = cat_signal(X, layout)
        num0 = cat_parts(X, layout)[0]
        L = np.column_stack([s, -s, num0, 0.3 * s + np.cos(num0)]) + rng.gumbel(0, 0.4, (len(X), 4))
        return np.argmax(L, axis=1).astype(np.int64)
    return f


NAMED_B = ["region", "age", "income", "plan", "tenure"]


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------

class Case:
    def __init__(self, name, loss, label_fn, params=None, estimator="regressor",
                 gen=None, n_features=NUM_FEATURES, categorical=None, names=None,
                 post=None, pool_json=False, notes=""):
        self.name = name
        self.pool_json = pool_json            # keep model_with_pool.json
        self.loss = loss
        self.label_fn = label_fn
        self.params = dict(params or {})
        self.estimator = estimator
        self.gen = gen or gen_numeric
        self.n_features = n_features
        self.categorical = categorical or {}  # column -> list of training categories
        self.names = names
        self.post = post                      # (model) -> dict of notes, applied after fit
        self.notes = notes

    @property
    def grow_policy(self):
        return self.params.get("grow_policy", "SymmetricTree")

    def feature_names(self):
        return list(self.names) if self.names else ["f%d" % j for j in range(self.n_features)]

    def data(self, X):
        """float64 matrix -> what CatBoost gets: numpy for numeric-only cases (so the
        model's feature_id fields stay empty), a DataFrame with int64 categorical
        columns otherwise."""
        return ref.to_catboost_data(X, self.feature_names(), sorted(self.categorical))

    def pool(self, X, y=None):
        return Pool(self.data(X), label=y, cat_features=sorted(self.categorical) or None)


def set_scale_bias(scale, bias):
    def f(model):
        before = model.get_scale_and_bias()
        model.set_scale_and_bias(scale, bias)
        bb = before[1]
        bb = [float(v) for v in bb] if np.ndim(bb) else float(bb)
        return {"scale_and_bias_before_set": [float(before[0]), bb],
                "set_scale_and_bias": [scale, bias]}
    return f


def cases():
    sym = {"grow_policy": "SymmetricTree"}
    dw = {"grow_policy": "Depthwise"}
    lg = {"grow_policy": "Lossguide"}
    CAT_A = {1: CATS_A, 3: CATS_B}
    CAT_B = {0: CATS_A, 3: CATS_B}
    gA = make_cat_gen("A")
    gB = make_cat_gen("B")
    cs = [
        # tree kinds x {regression, binary}
        Case("symmetric_rmse", "RMSE", lab_reg, {**sym, "depth": 6, "iterations": 20},
             notes="oblivious trees, depth 6; boost_from_average (default for RMSE) -> non-zero bias"),
        Case("symmetric_logloss", "Logloss", lab_binary,
             {**sym, "depth": 5, "iterations": 20}, estimator="classifier",
             notes="oblivious trees; Logloss has boost_from_average=false by default -> bias 0"),
        Case("depthwise_rmse", "RMSE", lab_reg, {**dw, "depth": 4, "iterations": 20},
             notes="non-symmetric trees ('trees' in the JSON)"),
        Case("depthwise_logloss", "Logloss", lab_binary, {**dw, "depth": 4, "iterations": 20},
             estimator="classifier"),
        Case("lossguide_rmse", "RMSE", lab_reg,
             {**lg, "depth": 6, "max_leaves": 12, "iterations": 20}),
        Case("lossguide_logloss", "Logloss", lab_binary,
             {**lg, "depth": 6, "max_leaves": 12, "iterations": 20}, estimator="classifier"),
        # losses
        Case("symmetric_crossentropy", "CrossEntropy", lab_unit,
             {**sym, "depth": 5, "iterations": 20}, estimator="classifier",
             notes="labels are probabilities in [0,1]"),
        Case("symmetric_mae", "MAE", lab_heavy, {**sym, "depth": 4, "iterations": 20}),
        Case("depthwise_quantile", "Quantile:alpha=0.3", lab_hetero,
             {**dw, "depth": 4, "iterations": 20}),
        Case("symmetric_poisson", "Poisson", lab_poisson, {**sym, "depth": 5, "iterations": 20},
             notes="CatBoostRegressor.predict defaults to prediction_type=Exponent for Poisson"),
        Case("lossguide_tweedie", "Tweedie:variance_power=1.5", lab_tweedie,
             {**lg, "depth": 6, "max_leaves": 12, "iterations": 20},
             notes="CatBoostRegressor.predict defaults to prediction_type=Exponent for Tweedie"),
        Case("symmetric_multiclass", "MultiClass", lab_classes(4),
             {**sym, "depth": 4, "iterations": 20}, estimator="classifier",
             notes="4 classes; oblivious leaf_values hold 2^depth * 4 values"),
        Case("depthwise_multiclass", "MultiClass", lab_classes(4),
             {**dw, "depth": 4, "iterations": 20}, estimator="classifier",
             notes="4 classes; non-symmetric leaves hold a list of 4 values"),
        Case("lossguide_multiclass", "MultiClass", lab_classes(4),
             {**lg, "depth": 5, "max_leaves": 8, "iterations": 20}, estimator="classifier"),
        Case("string_classes_multiclass", "MultiClass",
             lab_named(lab_classes(3), ["setosa", "versicolor", "virginica"]),
             {**sym, "depth": 4, "iterations": 20}, estimator="classifier",
             notes="string class names: predict() returns 'setosa', 'versicolor' or 'virginica' (labels.csv)"),
        Case("string_classes_logloss", "Logloss", lab_named(lab_binary, ["no", "yes"]),
             {**dw, "depth": 4, "iterations": 20}, estimator="classifier",
             notes="string class names of a binary model: predict() returns 'no' or 'yes'"),
        Case("integer_classes_logloss", "Logloss", lab_named(lab_binary, [3, 7]),
             {**sym, "depth": 4, "iterations": 20}, estimator="classifier",
             notes="integer class names 3 and 7"),
        Case("symmetric_multirmse", "MultiRMSE", lab_multi_target(3),
             {**sym, "depth": 4, "iterations": 20},
             notes="3 targets; boost_from_average -> a bias per target"),
        Case("depthwise_multirmse", "MultiRMSE", lab_multi_target(3),
             {**dw, "depth": 4, "iterations": 20}),
        # NaN treatments
        Case("nan_max_symmetric", "RMSE", lab_reg,
             {**sym, "depth": 5, "iterations": 20, "nan_mode": "Max"},
             notes="nan_mode=Max -> nan_value_treatment AsTrue on features with NaNs in training"),
        Case("nan_max_depthwise", "Logloss", lab_binary,
             {**dw, "depth": 4, "iterations": 20, "nan_mode": "Max"}, estimator="classifier"),
        Case("nan_forbidden", "RMSE", lab_reg,
             {**sym, "depth": 5, "iterations": 20, "nan_mode": "Forbidden"},
             gen=gen_numeric_no_nan,
             notes="nan_mode=Forbidden, training data without NaN -> every feature AsIs; "
                   "predict still accepts NaN (NaN > border is false -> bit 0)"),
        Case("nan_mixed_lossguide", "RMSE", lab_reg,
             {**lg, "depth": 6, "max_leaves": 12, "iterations": 20, "nan_mode": "Min",
              "per_float_feature_quantization": ["1:nan_mode=Max", "5:nan_mode=Max"]},
             notes="per-feature NaN modes: f1, f5 Max (AsTrue), f3 Min (AsFalse), others AsIs"),
        # scale and bias
        Case("scale_bias_rmse", "RMSE", lab_reg, {**sym, "depth": 4, "iterations": 20},
             post=set_scale_bias(0.75, -1.25),
             notes="model.set_scale_and_bias(0.75, -1.25) after training"),
        Case("scale_bias_logloss", "Logloss", lab_binary,
             {**dw, "depth": 4, "iterations": 20, "boost_from_average": True},
             estimator="classifier", post=set_scale_bias(1.5, 0.25),
             notes="Logloss with boost_from_average=True, then set_scale_and_bias(1.5, 0.25)"),
        Case("scale_bias_multiclass", "MultiClass", lab_classes(4),
             {**sym, "depth": 4, "iterations": 20}, estimator="classifier",
             post=set_scale_bias(0.8, [0.1, -0.2, 0.3, 0.05]),
             notes="set_scale_and_bias(0.8, [0.1, -0.2, 0.3, 0.05]): vector bias"),
        # one-hot categorical, interleaved with float features
        Case("onehot_symmetric_logloss", "Logloss", lab_cat_binary("A"),
             {**sym, "depth": 5, "iterations": 20, "one_hot_max_size": 10},
             estimator="classifier", gen=gA, n_features=5, categorical=CAT_A, pool_json=True,
             notes="model_with_pool.json = save_model(..., pool=train_pool): the same model plus "
                   "features_info.cat_features_hash. columns [num, cat(0..5), num, cat(-1,10,123456,1e10), num]; one_hot_max_size=10 "
                   "-> OneHotFeature splits; float_feature_index 1 is column 2, 2 is column 4"),
        Case("onehot_depthwise_rmse", "RMSE", lab_cat_reg("B"),
             {**dw, "depth": 4, "iterations": 20, "one_hot_max_size": 10},
             gen=gB, n_features=5, categorical=CAT_B, names=NAMED_B,
             notes="real feature names; columns [cat(0..5), num, num, cat(-1,10,123456,1e10), num]: "
                   "float_feature_index 0 is column 1"),
        Case("onehot_lossguide_multiclass", "MultiClass", lab_cat_classes("A"),
             {**lg, "depth": 5, "max_leaves": 8, "iterations": 20, "one_hot_max_size": 10},
             estimator="classifier", gen=gA, n_features=5, categorical=CAT_A),
    ]
    return cs


# --------------------------------------------------------------------------
# Model inspection
# --------------------------------------------------------------------------

def split_paths(js):
    """Every split as (split, path) where path is the list of (split, bit) taken from the
    root.  For oblivious trees the path is empty (every row reaches every level)."""
    out = []
    if "oblivious_trees" in js:
        for t in js["oblivious_trees"]:
            for s in t["splits"]:
                out.append((s, []))
        return out
    for t in js["trees"]:
        stack = [(t, [])]
        while stack:
            node, path = stack.pop()
            if "split" not in node:
                continue
            s = node["split"]
            out.append((s, path))
            stack.append((node["right"], path + [(s, 1)]))
            stack.append((node["left"], path + [(s, 0)]))
    return out


def satisfy_path(row, path, rm, case):
    """Change row so that it follows path (list of (split, bit))."""
    lo, hi = {}, {}
    cat_eq, cat_ne = {}, {}
    for s, bit in path:
        if s["split_type"] == "FloatFeature":
            col = rm.float_flat[s["float_feature_index"]]
            b = f32(s["border"])
            if bit:     # x > b
                lo[col] = max(lo.get(col, -math.inf), b)
            else:       # x <= b
                hi[col] = min(hi.get(col, math.inf), b)
        else:
            col = rm.cat_flat[s["cat_feature_index"]]
            if bit:
                cat_eq[col] = s["value"]
            else:
                cat_ne.setdefault(col, set()).add(s["value"])
    for col in set(lo) | set(hi):
        a = lo.get(col, -math.inf)
        b = hi.get(col, math.inf)
        v = row[col]
        if not math.isnan(v) and a < f32(v) <= b:
            continue
        if b < math.inf:
            v = b
        else:
            v = f32(a + max(1.0, abs(a) * 0.25))
        row[col] = v
    for col in set(cat_eq) | set(cat_ne):
        cats = case.categorical[col]
        ok = [c for c in cats
              if (col not in cat_eq or ref.cat_hash(c) == cat_eq[col])
              and ref.cat_hash(c) not in cat_ne.get(col, set())]
        if not ok:
            ok = [987654321]   # an unseen category satisfies every "not equal"
        if int(row[col]) not in ok:
            row[col] = float(ok[len(ok) // 2])


# --------------------------------------------------------------------------
# Adversarial rows
# --------------------------------------------------------------------------

NUM_SPECIALS = [0.0, -0.0, 1e30, -1e30, F32_MAX, -F32_MAX, next64(F32_MAX, math.inf),
                1e-45, -1e-45, F32_MIN, 1e-300, -1e-300, math.inf, -math.inf, 1e39, -1e39]
CAT_EXTRA = [-1, -2, 99, 1000, 123456, 2147483647, 2147483648, 4294967296, -2147483649,
             10000000000, 9007199254740992]


def build_rows(case, js, rm, rng):
    nf = case.n_features
    numeric = [j for j in range(nf) if j not in case.categorical]
    rg, notes = RowGroups(), {}

    rg.add("random", list(case.gen(rng, N_RANDOM_ROWS)))

    nan_rows = inject_nans(rng, list(case.gen(rng, N_NAN_ROWS, nan=False)), numeric)
    r = case.gen(rng, 1, nan=False)[0]
    r[numeric] = np.nan                        # all numeric features NaN
    nan_rows.append(r)
    rg.add("nan_injected", nan_rows)

    # thresholds: border b (float32), nextafter32(b, +-inf), nextafter64(b, +-inf)
    seen, uniq = set(), []
    for s, path in split_paths(js):
        if s["split_type"] != "FloatFeature":
            continue
        key = (s["float_feature_index"], f32(s["border"]))
        if key not in seen:
            seen.add(key)
            uniq.append((s, path))
    # Prefer (feature, border) pairs whose split is really reached (flipping its bit
    # changes the result); in non-symmetric trees a split between two empty leaves
    # is not.
    order = rng.permutation(len(uniq))
    hit, miss = [], []
    for i in order:
        if len(hit) >= N_THRESHOLDS:
            break
        s, path = uniq[i]
        base = case.gen(rng, 1)[0]
        satisfy_path(base, path, rm, case)
        col = rm.float_flat[s["float_feature_index"]]
        block = vary(base, col, threshold_neighbours(f32(s["border"])))
        if not np.array_equal(rm.raw(block[:1]), rm.raw(block[1:2])):
            hit.append((i, block))
        else:
            miss.append((i, block))
    chosen = sorted(hit + miss[:max(0, N_THRESHOLDS - len(hit))], key=lambda t: t[0])
    thr_rows = [r for _, block in chosen for r in block]
    reached = len(hit)
    uniq = chosen
    rg.add("thresholds", thr_rows)
    notes["thresholds"] = {"pairs": len(uniq), "pairs_where_b_and_next32_up_differ": reached}

    spec = []
    for j in numeric:
        spec += vary(case.gen(rng, 1)[0], j, NUM_SPECIALS)
    for v in (0.0, -0.0, math.inf, -math.inf, 1e39):
        r = case.gen(rng, 1, nan=False)[0]
        r[numeric] = v
        spec.append(r)
    rg.add("special_values", spec)

    if case.categorical:
        cat_rows = []
        for j, cats in sorted(case.categorical.items()):
            values = list(cats) + [v for v in CAT_EXTRA if v not in cats]
            values += [max(cats) + 1, max(cats) + 2]
            for v in values:
                r = case.gen(rng, 1)[0]
                r[j] = float(v)
                cat_rows.append(r)
        rg.add("categorical_values", cat_rows)

    return rg.matrix(), rg.groups, notes


# --------------------------------------------------------------------------
# Output (fixture_common.write_input / write_values)
# --------------------------------------------------------------------------

def json_diff(a, b, path="", out=None):
    """Structural differences a -> b as sorted strings ('+ path', '- path', '~ path'),
    list indices written as [*]."""
    top = out is None
    out = set() if top else out
    if isinstance(a, dict) and isinstance(b, dict):
        for k in set(a) | set(b):
            p = "%s.%s" % (path, k) if path else k
            if k not in a:
                out.add("+ " + p)
            elif k not in b:
                out.add("- " + p)
            else:
                json_diff(a[k], b[k], p, out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for x, y in zip(a, b):
            json_diff(x, y, path + "[*]", out)
    elif a != b:
        out.add("~ " + path)
    return sorted(out) if top else out


def fix_metadata(model, name):
    md = model.get_metadata()
    md["model_guid"] = "xylem-fixture-%s" % name
    md["train_finish_time"] = "1970-01-01T00:00:00Z"


def predictions(case, model, data):
    """(predict, margin, predict_source, predict_type) as the user gets them."""
    margin = np.asarray(model.predict(data, prediction_type="RawFormulaVal", thread_count=1),
                        dtype=np.float64)
    if case.estimator == "classifier":
        proba = np.asarray(model.predict_proba(data, thread_count=1), dtype=np.float64)
        if case.loss in ("Logloss", "CrossEntropy"):
            return proba[:, 1], margin, "predict_proba(X)[:,1]", "Probability"
        return proba, margin, "predict_proba(X)", "Probability"
    default = model._get_default_prediction_type()
    pred = np.asarray(model.predict(data, thread_count=1), dtype=np.float64)
    return pred, margin, "predict(X) [default prediction_type=%s]" % default, default


def generate_case(case, root):
    outdir = os.path.join(root, case.name)
    rng = np.random.default_rng(case_seed(case.name))
    X = case.gen(rng, N_TRAIN)
    y = case.label_fn(rng, X)
    params = {**BASE_PARAMS, "loss_function": case.loss, **case.params}
    cls = CatBoostClassifier if case.estimator == "classifier" else CatBoostRegressor
    model = cls(**params)
    train_pool = case.pool(X, y)
    model.fit(train_pool)
    post_notes = case.post(model) if case.post else {}
    fix_metadata(model, case.name)

    os.makedirs(outdir, exist_ok=True)
    json_path = os.path.join(outdir, "model.json")
    model.save_model(json_path, format="json")
    pool_path = os.path.join(outdir, "model_with_pool.json")
    model.save_model(pool_path, format="json", pool=train_pool)
    with open(json_path, "rb") as fh:
        text = fh.read()
    with open(pool_path, "rb") as fh:
        pool_text = fh.read()
    models = ["model.json"]
    pool_effect = ("identical file" if pool_text == text else
                   json_diff(json.loads(text), json.loads(pool_text)))
    if case.pool_json:
        models.append("model_with_pool.json")
    else:
        os.remove(pool_path)
    js = json.loads(text)
    rm = ref.RefModel(js)

    Xr, groups, row_notes = build_rows(case, js, rm, rng)
    data = case.data(Xr)
    pred, margin, source, ptype = predictions(case, model, data)

    names = case.feature_names()
    cat_cols = sorted(case.categorical)
    write_input(os.path.join(outdir, "input.csv"), Xr, names, cat_cols)
    n_out = write_values(os.path.join(outdir, "predict.csv"), pred)
    n_margin = write_values(os.path.join(outdir, "margin.csv"), margin)

    trees = js["oblivious_trees"] if "oblivious_trees" in js else js["trees"]
    sb = js["scale_and_bias"]
    meta = {
        "library": "catboost",
        "library_version": CB_VERSION,
        "case": case.name,
        "objective": case.loss,
        "models": models,
        "input": "input.csv",
        "predict": "predict.csv",
        "margin": "margin.csv",
        "predict_kind": "float",
        "predict_source": source,
        "predict_type": ptype,
        "margin_source": "predict(X, prediction_type='RawFormulaVal')",
        "feature_names": names,
        "feature_names_in_model": bool(case.categorical),
        "num_features": case.n_features,
        "num_rows": int(len(Xr)),
        "num_predict_columns": n_out,
        "num_margin_columns": n_margin,
        "num_trees": len(trees),
        "tree_layout": "oblivious_trees" if "oblivious_trees" in js else "trees",
        "grow_policy": case.grow_policy,
        "approx_dimension": rm.dim,
        "scale_and_bias": sb,
        "loss_function_json": js["model_info"]["params"]["loss_function"],
        "nan_value_treatment": {
            str(f["flat_feature_index"]): f["nan_value_treatment"]
            for f in js["features_info"]["float_features"]},
        "train_params": params,
        "row_groups": groups,
        "thresholds_check": row_notes["thresholds"],
        "json_with_pool": pool_effect,
        "notes": case.notes,
    }
    if post_notes:
        meta.update(post_notes)
    if case.categorical:
        meta["categorical_features"] = {
            str(k): {"categories": v,
                     "json_value": {str(c): ref.cat_hash(c) for c in v}}
            for k, v in sorted(case.categorical.items())}
        meta["split_types"] = sorted({s["split_type"] for s, _ in split_paths(js)})

    # cross-check (not part of the contract): the JSON reloaded into CatBoost predicts
    # the same, and the reference evaluator reproduces margin.csv.
    problems, info = ref.check_case(outdir, meta, verbose=False)
    meta["self_check"] = info
    if problems:
        raise RuntimeError("%s: %s" % (case.name, problems))
    # float32 rounding of inputs: the same evaluator with float64 comparisons
    m64 = rm.raw(Xr, as_f32=False)
    meta["self_check"]["rows_changed_if_compared_in_float64"] = int(
        np.sum(np.any(m64 != margin.reshape(len(margin), -1), axis=1)))

    # The class predict() gives each row (labels.csv), and the same model in CatBoost's
    # default binary format (model.cbm), which xylem must refuse by name.
    if case.estimator == "classifier":
        classes = model.predict(data, prediction_type="Class", thread_count=1)
        with open(os.path.join(outdir, "labels.csv"), "w", newline="\n") as fh:
            fh.write("label\n")
            for v in np.asarray(classes).ravel():
                fh.write("%s\n" % v)
        meta["labels"] = "labels.csv"
        meta["labels_source"] = "predict(X, prediction_type='Class')"
        meta["class_names"] = [str(c) for c in model.classes_]
    model.save_model(os.path.join(outdir, "model.cbm"))
    meta["cbm"] = "model.cbm: save_model(path) (format cbm), the same model; refused by xylem with its name"

    write_json(os.path.join(outdir, "case.json"), meta, indent=1)
    return meta


# --------------------------------------------------------------------------
# Unsupported models (the importer must reject them)
# --------------------------------------------------------------------------

def generate_unsupported(root):
    out = os.path.join(root, "unsupported")
    os.makedirs(out, exist_ok=True)
    results = {}
    rng = np.random.default_rng(case_seed("unsupported"))
    n = 600
    c = rng.integers(0, 60, n)
    num = np.round(rng.normal(0, 1, n), 3)
    eff = np.random.default_rng(5).normal(0, 1, 60)
    y = eff[c] + np.sin(num) + rng.normal(0, 0.1, n)
    df = pd.DataFrame({"f0": num, "f1": c.astype(np.int64),
                       "f2": np.round(rng.uniform(0, 1, n), 3)})

    for name, extra in (("ctr", {"grow_policy": "SymmetricTree"}),
                        ("ctr_depthwise", {"grow_policy": "Depthwise"})):
        m = CatBoostRegressor(**BASE_PARAMS, iterations=10, depth=4, one_hot_max_size=2, **extra)
        m.fit(df, y, cat_features=[1])
        fix_metadata(m, "unsupported-" + name)
        path = os.path.join(out, name + ".json")
        m.save_model(path, format="json")
        js = json.load(open(path))
        trees = js.get("oblivious_trees") or js.get("trees")
        st = sorted({s["split_type"] for s, _ in split_paths(js)})
        results[name + ".json"] = {
            "status": "exported",
            "contents": "categorical feature f1 with 60 categories (one_hot_max_size=2) -> CTR "
                        "features; %s, %d trees; split types %s; top-level keys %s; "
                        "features_info keys %s" % (extra["grow_policy"], len(trees), st,
                                                   sorted(js), sorted(js["features_info"]))}

    words = ["apple", "banana", "cherry", "date", "elder", "fig", "grape"]
    txt = [" ".join(rng.choice(words, 3)) for _ in range(n)]
    emb = [list(np.round(rng.normal(0, 1, 4), 3)) for _ in range(n)]
    for kind, frame, yk, fit_kw in (
            ("text", pd.DataFrame({"f0": num, "text": txt}),
             np.array(["apple" in t for t in txt]).astype(int), {"text_features": [1]}),
            ("embedding", pd.DataFrame({"f0": num, "emb": emb}),
             (np.array([e[0] for e in emb]) + num > 0).astype(int),
             {"embedding_features": [1]})):
        m = CatBoostClassifier(**BASE_PARAMS, iterations=5, depth=3)
        m.fit(frame, yk, **fit_kw)
        m.save_model(os.path.join(out, kind + ".cbm"))
        results[kind + ".cbm"] = {"status": "exported", "contents": kind + " feature, CatBoost's binary format"}
        name = kind + ".json"
        try:
            m.save_model(os.path.join(out, name), format="json")
            results[name] = {"status": "exported", "contents": kind + " feature"}
        except catboost.CatBoostError as e:
            results[name] = {"status": "not exported", "error": str(e).strip().splitlines()[0]}

    write_json(os.path.join(out, "unsupported.json"),
               {"library_version": CB_VERSION, "models": results}, indent=1)
    lines = ["# Unsupported CatBoost models (catboost %s)" % CB_VERSION, "",
             "Models xylem must refuse to import (with a clear error, not a wrong prediction).",
             "Written by models/generate_catboost.py; unsupported.json holds the same facts.", ""]
    for name, info in sorted(results.items()):
        if info["status"] == "exported":
            lines.append("- `%s`: %s." % (name, info["contents"]))
        else:
            lines.append("- `%s`: not produced: CatBoost refuses to export it to JSON (`%s`)."
                         % (name, info["error"]))
    lines += ["",
              "What marks a CTR model: top-level `ctr_data`, `features_info.ctrs`, and splits with "
              "`\"split_type\": \"OnlineCtr\"` (fields `border`, `ctr_target_border_idx`, "
              "`split_index`; no feature index: the CTR is identified through "
              "`features_info.ctrs`). Text and embedding models cannot be written as JSON at all, "
              "so a JSON importer never sees them.", ""]
    with open(os.path.join(out, "README.md"), "w", newline="\n") as fh:
        fh.write("\n".join(lines))
    return results


# --------------------------------------------------------------------------
# Hash test vectors: CatBoost's own hash of category strings, from the
# cat_features_hash map that save_model(format="json", pool=...) writes.
# --------------------------------------------------------------------------

HASH_VALUES = [0, 1, 2, 3, 4, 5, -1, -2, 10, 99, 123456, 1000, 2147483647, 2147483648,
               4294967296, -2147483649, 10000000000, 9007199254740992,
               -9223372036854775808, 18446744073709551615]


def generate_hash_vectors(root):
    strings = [str(v) for v in HASH_VALUES]
    strings += ["", "a", "abc", "red", "NaN", "nan", "None", "1.5", "-0", "0.0", "é", "日本語"]
    strings += ["x" * k for k in (7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 128, 129)]
    n = len(strings) * 4
    rng = np.random.default_rng(case_seed("hash_vectors"))
    col = [strings[i % len(strings)] for i in range(n)]
    df = pd.DataFrame({"num": rng.normal(0, 1, n), "cat": col})
    m = CatBoostRegressor(**BASE_PARAMS, iterations=2, depth=2)
    m.fit(df, rng.normal(0, 1, n), cat_features=[1])
    tmp = os.path.join(root, ".hash_tmp.json")
    m.save_model(tmp, format="json", pool=Pool(df, cat_features=[1]))
    js = json.load(open(tmp))
    os.remove(tmp)
    table = {e["value"]: e["hash"] for e in js["features_info"]["cat_features_hash"]}
    vectors = []
    for s in strings:
        h = table[s]
        mine = ref.cat_hash_u32(s)
        if mine != h:
            raise RuntimeError("CityHash64 port disagrees with CatBoost for %r" % s)
        vectors.append({"string": s, "hash_u32": h,
                        "json_value_int32": h - (1 << 32) if h >= (1 << 31) else h})
    write_json(os.path.join(root, "cat_hash_vectors.json"),
               {"library_version": CB_VERSION,
                "what": "hash_u32 = CityHash64 v1.0(UTF-8 bytes of string) & 0xffffffff, "
                        "taken from features_info.cat_features_hash of a model saved with "
                        "save_model(format='json', pool=...); OneHotFeature split 'value' "
                        "(and categorical_features[*].values) hold json_value_int32, the "
                        "same 32 bits read as a signed int32. Integer categories are "
                        "hashed as their decimal string.",
                "vectors": vectors}, indent=1, ensure_ascii=False)
    return len(vectors)


# --------------------------------------------------------------------------
# Findings: wrong readings of the format, each evaluated against margin.csv.
# A reading that matches every row is the right one; the others must not.
# --------------------------------------------------------------------------

class Variant(ref.RefModel):
    def __init__(self, js, variant):
        super().__init__(js)
        self.variant = variant

    def bit(self, split, row, as_f32=True):
        v = self.variant
        if split["split_type"] == "FloatFeature":
            fi = split["float_feature_index"]
            col = fi if v == "float_feature_index_as_column" else self.float_flat[fi]
            x = row[col]
            b = split["border"]
            if v != "compare_in_float64":
                x, b = f32(x), f32(b)
            if math.isnan(x) and v != "ignore_nan_value_treatment":
                t = self.float_nan[fi]
                x = -math.inf if t == "AsFalse" else math.inf if t == "AsTrue" else x
            bit = 1 if (x >= b if v == "ge_instead_of_gt" else x > b) else 0
        else:
            bit = super().bit(split, row, as_f32)
            if v == "onehot_equal_is_bit_0":
                bit = 1 - bit
        if v == "non_symmetric_true_goes_left" and not self.oblivious:
            bit = 1 - bit
        return bit

    def raw_row(self, row, as_f32=True, apply_scale_bias=True):
        v = self.variant
        if not self.oblivious or v not in ("oblivious_first_split_is_msb", "leaf_values_dimension_major"):
            return super().raw_row(row, as_f32, apply_scale_bias)
        acc = [0.0] * self.dim
        for t in self.trees:
            depth = len(t["splits"])
            idx = 0
            for d, s in enumerate(t["splits"]):
                sh = (depth - 1 - d) if v == "oblivious_first_split_is_msb" else d
                idx |= self.bit(s, row, as_f32) << sh
            for k in range(self.dim):
                if v == "leaf_values_dimension_major":
                    acc[k] += t["leaf_values"][k * (1 << depth) + idx]
                else:
                    acc[k] += t["leaf_values"][idx * self.dim + k]
        return [self.scale * acc[k] + self.bias[k] for k in range(self.dim)]


VARIANTS = ["compare_in_float64", "ge_instead_of_gt", "ignore_nan_value_treatment",
            "non_symmetric_true_goes_left", "oblivious_first_split_is_msb",
            "leaf_values_dimension_major", "float_feature_index_as_column",
            "onehot_equal_is_bit_0"]


def applicable(variant, js, rm, meta):
    if variant == "non_symmetric_true_goes_left":
        return not rm.oblivious
    if variant == "oblivious_first_split_is_msb":
        return rm.oblivious
    if variant == "leaf_values_dimension_major":
        return rm.oblivious and rm.dim > 1
    if variant == "float_feature_index_as_column":
        return any(k != v for k, v in rm.float_flat.items())
    if variant == "onehot_equal_is_bit_0":
        return "OneHotFeature" in meta.get("split_types", [])
    if variant == "ignore_nan_value_treatment":
        return any(t != "AsIs" for t in rm.float_nan.values())
    return True


def catboost_input_probes():
    """What CatBoost's Python predict does with odd categorical inputs."""
    out = {}
    rng = np.random.default_rng(3)
    n = 200
    df = pd.DataFrame({"x": rng.normal(0, 1, n), "c": rng.integers(0, 4, n)})
    y = df["c"].to_numpy() + df["x"].to_numpy()
    m = CatBoostRegressor(**BASE_PARAMS, iterations=5, depth=2, one_hot_max_size=10)
    m.fit(df, y, cat_features=[1])
    base = pd.DataFrame({"x": [0.1, 0.2, 0.3, 0.4], "c": [0, 1, 2, 3]})
    p_int = m.predict(base)
    as_str = base.copy()
    as_str["c"] = as_str["c"].astype(str)
    out["int_category_equals_decimal_string"] = bool(np.array_equal(p_int, m.predict(as_str)))
    as_fstr = base.copy()
    as_fstr["c"] = [str(float(v)) for v in base["c"]]
    out["int_category_equals_'2.0'_string"] = bool(np.array_equal(p_int, m.predict(as_fstr)))
    for label, vals in (("nan", [0.0, np.nan, 2.0, 3.0]), ("float", [0.0, 1.5, 2.0, 3.0]),
                        ("None", [0, None, 2, 3])):
        bad = base.copy()
        bad["c"] = pd.Series(vals, dtype=object if label == "None" else float)
        try:
            r = m.predict(bad)
            out["categorical_%s" % label] = "accepted: %s" % list(map(float, r))
        except Exception as e:  # CatBoostError, or TypeError for None
            out["categorical_%s" % label] = "rejected (%s): %s" % (
                type(e).__name__, str(e).strip().splitlines()[0])
    return out


def write_findings(root, metas):
    result = {"library_version": CB_VERSION, "wrong_readings": {}, "transforms": {},
              "json_reload_by_catboost": {}, "hash": "see cat_hash_vectors.json"}
    for meta in metas:
        d = os.path.join(root, meta["case"])
        js = json.load(open(os.path.join(d, "model.json")))
        _, X = read_matrix(os.path.join(d, "input.csv"))
        _, M = read_values(os.path.join(d, "margin.csv"))
        rm = ref.RefModel(js)
        row = {}
        for v in VARIANTS:
            if applicable(v, js, rm, meta):
                out = Variant(js, v).raw(X)
                row[v] = int(np.sum(np.any(out != M, axis=1)))
        result["wrong_readings"][meta["case"]] = row
        sc = meta["self_check"]
        lt = ref.loss_type(js)
        kind = {"Logloss": "sigmoid", "CrossEntropy": "sigmoid", "MultiClass": "softmax",
                "Poisson": "exp", "Tweedie": "exp"}.get(lt)
        if kind:
            t = result["transforms"].setdefault(kind, {"cases": 0, "values": 0, "bit_identical": 0,
                                                       "max_abs_diff": 0.0, "max_ulp": 0,
                                                       "max_rel_diff": 0.0})
            t["cases"] += 1
            t["values"] += sc["rows"] * meta["num_predict_columns"]
            t["bit_identical_rows"] = t.get("bit_identical_rows", 0) + sc["transform_rows_exact"]
            t["rows"] = t.get("rows", 0) + sc["rows"]
            t["max_abs_diff"] = max(t["max_abs_diff"], sc["transform_max_abs"])
            t["max_ulp"] = max(t["max_ulp"], sc["transform_max_ulp"])
            t["max_rel_diff"] = max(t["max_rel_diff"], sc["transform_max_rel"])
        jr = {"rows_off": sc["json_reloaded_rows_off"], "max_abs": sc["json_reloaded_max_abs"]}
        if rm.oblivious:
            # leaf values as CatBoost's JSON reader parses them vs correctly rounded
            m = catboost.CatBoost()
            m.load_model(os.path.join(d, "model.json"), format="json")
            mine = np.concatenate([np.asarray(t["leaf_values"], dtype=np.float64)
                                   for t in js["oblivious_trees"]])
            theirs = np.asarray(m.get_leaf_values(), dtype=np.float64)
            jr["leaf_values"] = int(mine.size)
            jr["leaf_values_parsed_differently"] = int(np.sum(mine != theirs))
            jr["max_ulp"] = ref.ulp_diff(mine, theirs)
        result["json_reload_by_catboost"][meta["case"]] = jr
    for t in result["transforms"].values():
        t.pop("bit_identical", None)
    result["categorical_input_probes"] = catboost_input_probes()
    write_json(os.path.join(root, "findings.json"), result, indent=1)
    return result


# --------------------------------------------------------------------------

def main():
    args = parse_args(__doc__, "models/catboost")
    root = version_dir(args.out, CB_VERSION, args.only)
    print("catboost %s -> %s" % (CB_VERSION, root))
    done, metas = [], []
    for case in cases():
        if args.only and case.name not in args.only:
            continue
        meta = generate_case(case, root)
        done.append(case.name)
        metas.append(meta)
        sc = meta["self_check"]
        print("  ok   %-30s trees=%-3d rows=%-4d thr=%d/%d ref_exact=%d/%d transform_ulp=%d "
              "f64_changed=%d" % (
                  case.name, meta["num_trees"], meta["num_rows"],
                  meta["thresholds_check"]["pairs_where_b_and_next32_up_differ"],
                  meta["thresholds_check"]["pairs"], sc["ref_rows_exact"], sc["rows"],
                  sc["transform_max_ulp"], sc["rows_changed_if_compared_in_float64"]))
    if args.only is None:
        res = generate_unsupported(root)
        for k, v in res.items():
            print("  unsupported/%s: %s" % (k, v.get("error", v["status"])))
        print("  hash vectors: %d" % generate_hash_vectors(root))
        f = write_findings(root, metas)
        print("  transforms: %s" % json.dumps(f["transforms"]))
        print("  input probes: %s" % json.dumps(f["categorical_input_probes"]))
        write_json(os.path.join(root, "generated.json"),
                   {"library_version": CB_VERSION, "generated": done}, indent=1)
    print("generated %d cases" % len(done))


if __name__ == "__main__":
    main()
