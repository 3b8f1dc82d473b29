#!/usr/bin/env python3
"""Generate XGBoost conformance fixtures for xylem.

Run inside a venv that has one pinned XGBoost version (see make_venvs.sh):

    python models/generate_xgboost.py --out models/xgboost

Writes models/xgboost/<xgboost.__version__>/<case>/ with model.json, model.ubj,
input.csv, predict.csv, margin.csv, case.json (and optional extras, see
models/README.md).  Everything is seeded: re-running with the same XGBoost
version reproduces the same files.
"""

import json
import math
import re
import os
import shutil

import numpy as np
import xgboost as xgb

from fixture_common import (
    F32_MAX, F32_MIN, NUM_FEATURES, Labels, RowGroups, basis, bernoulli, case_seed, f32,
    gen_numeric, group_sizes, inject_nans, label_info, next64, parse_args,
    threshold_neighbours, vary, version_dir, version_tuple, write_input, write_json,
    write_skipped, write_values)

XGB_VERSION = xgb.__version__
VER = version_tuple(XGB_VERSION)

# Smallest float64 that rounds to +inf in float32 (FLT_MAX + half an ulp).
F32_OVERFLOW = 3.4028235677973366e38

N_TRAIN = 600
N_RANDOM_ROWS = 60
N_NAN_ROWS = 20
N_THRESHOLDS = 24

BASE_PARAMS = {"nthread": 1, "seed": 7, "verbosity": 1}


# --------------------------------------------------------------------------
# Data: fixture_common.gen_numeric and its label makers; label makers here return
# the DMatrix info: dict(label=..., qid=..., label_lower_bound=..., ...)
# --------------------------------------------------------------------------

LABELS = Labels(basis)
signal = LABELS.signal

lab_binary = label_info(LABELS.binary)
lab_reg = label_info(LABELS.reg)
lab_heavy = label_info(LABELS.heavy)
lab_hetero = label_info(LABELS.hetero)
lab_positive = label_info(LABELS.positive)
lab_unit = label_info(LABELS.unit)
lab_poisson = label_info(LABELS.poisson)
lab_gamma = label_info(LABELS.gamma)
lab_tweedie = label_info(LABELS.tweedie)


def lab_classes(k):
    return label_info(LABELS.classes(k))


def lab_multi_target(k):
    return label_info(LABELS.multi_target(k))


def lab_rank(binary):
    def f(rng, X):
        rel = LABELS.relevance(rng, X, binary)
        sizes = group_sizes(rng, len(X))
        return {"label": rel, "qid": np.repeat(np.arange(len(sizes)), sizes)}
    return f


def lab_cox(rng, X):
    s = signal(X)
    t = np.exp(-0.6 * s) * rng.exponential(1.0, len(X)) + 1e-3
    c = rng.exponential(2.0 * np.median(t), len(X)) + 1e-3
    observed = t <= c
    return {"label": np.where(observed, t, -c)}


def lab_aft(rng, X):
    n = len(X)
    t = np.exp(0.5 * signal(X) + rng.normal(0, 0.3, n))
    kind = rng.random(n)
    lower = t.copy()
    upper = t.copy()
    right = kind < 0.25
    upper[right] = np.inf
    interval = (kind >= 0.25) & (kind < 0.40)
    lower[interval] = t[interval] * 0.8
    upper[interval] = t[interval] * 1.3
    return {"label_lower_bound": lower, "label_upper_bound": upper}


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------

class Case:
    def __init__(self, name, objective, label_fn, params=None, rounds=20,
                 booster="gbtree", min_version=None, gen=None, n_features=NUM_FEATURES,
                 feature_names=None, feature_types=None, categorical=None,
                 shuffle_columns=False, early_stopping=False, predict_kind="float",
                 notes=""):
        self.name = name
        self.objective = objective
        self.label_fn = label_fn
        self.params = dict(params or {})
        self.rounds = rounds
        self.booster = booster
        self.min_version = min_version
        self.gen = gen or gen_numeric
        self.n_features = n_features
        self.feature_names = feature_names
        self.feature_types = feature_types
        self.categorical = categorical or {}   # feature index -> number of categories
        self.shuffle_columns = shuffle_columns
        self.early_stopping = early_stopping
        self.predict_kind = predict_kind
        self.notes = notes

    def dmatrix(self, X, **info):
        kw = {"missing": np.nan}
        if self.feature_names:
            kw["feature_names"] = list(self.feature_names)
        if self.feature_types:
            kw["feature_types"] = list(self.feature_types)
        if self.categorical:
            kw["enable_categorical"] = True
        for key in ("label", "qid"):
            if key in info:
                kw[key] = info[key]
        d = xgb.DMatrix(X, **kw)
        for key, val in info.items():
            if key not in ("label", "qid"):
                d.set_float_info(key, val)
        return d


# Categorical data: [num, cat(5), num, cat(20), num]
CAT_FT = ["q", "c", "q", "c", "q"]
CAT_EFFECT_A = np.array([0.8, -1.2, 0.3, 1.5, -0.4])
CAT_EFFECT_B = np.random.default_rng(99).normal(0, 1.0, 20)


def gen_categorical(rng, n, nan=True):
    X = np.empty((n, 5))
    X[:, 0] = np.round(rng.normal(0, 1, n), 3)
    X[:, 1] = rng.integers(0, 5, n)
    X[:, 2] = np.round(rng.uniform(-2, 2, n), 2)
    X[:, 3] = rng.integers(0, 20, n)
    X[:, 4] = rng.integers(0, 8, n)
    if nan:
        X[rng.random(n) < 0.10, 3] = np.nan
        X[rng.random(n) < 0.10, 2] = np.nan
    return X


def cat_signal(X):
    a = CAT_EFFECT_A[X[:, 1].astype(int)]
    b = np.where(np.isnan(X[:, 3]), 2.0, CAT_EFFECT_B[np.nan_to_num(X[:, 3]).astype(int)])
    x2 = np.where(np.isnan(X[:, 2]), -2.0, X[:, 2])
    return a + b + 0.8 * np.sin(2 * X[:, 0]) + 0.5 * x2 * (X[:, 4] > 3)


def lab_cat_reg(rng, X):
    return {"label": cat_signal(X) + rng.normal(0, 0.2, len(X))}


def lab_cat_binary(rng, X):
    return {"label": bernoulli(rng, cat_signal(X))}


NAMED_FEATURES = ["age", "income", "num_accounts", "debt_ratio",
                  "region_code", "balance", "has_mortgage", "score"]
NAMED_TYPES = ["float", "q", "int", "float", "int", "q", "i", "float"]


def cases():
    H = {"tree_method": "hist"}
    E = {"tree_method": "exact"}
    A = {"tree_method": "approx"}
    d4 = {"max_depth": 4, "eta": 0.3}
    cs = [
        Case("binary_logistic", "binary:logistic", lab_binary, {**E, **d4}),
        Case("binary_logitraw", "binary:logitraw", lab_binary, {**H, **d4}),
        Case("binary_hinge", "binary:hinge", lab_binary, {**H, **d4},
             notes="binary:hinge: predict.csv holds 0/1 (margin > 0); kept as predict_kind float."),
        Case("reg_squarederror", "reg:squarederror", lab_reg,
             {**E, "max_depth": 6, "eta": 0.3, "min_child_weight": 2}, rounds=12,
             notes="exact tree method, depth 6"),
        Case("reg_squaredlogerror", "reg:squaredlogerror", lab_positive, {**H, **d4}),
        Case("reg_logistic", "reg:logistic", lab_unit, {**H, **d4}),
        Case("reg_pseudohubererror", "reg:pseudohubererror", lab_heavy,
             {**H, **d4, "huber_slope": 1.0}),
        Case("reg_absoluteerror", "reg:absoluteerror", lab_heavy, {**H, **d4}),
        Case("reg_quantileerror", "reg:quantileerror", lab_hetero,
             {**H, **d4, "quantile_alpha": 0.8}, min_version=(2, 0)),
        Case("reg_quantileerror_multi", "reg:quantileerror", lab_hetero,
             {**H, **d4, "quantile_alpha": [0.1, 0.5, 0.9]}, rounds=10, min_version=(2, 0),
             notes="three quantiles -> three output columns"),
        Case("reg_expectileerror", "reg:expectileerror", lab_hetero,
             {**H, **d4, "expectile_alpha": 0.3}, rounds=10, min_version=(3, 3),
             notes="one expectile: predict == margin"),
        Case("reg_expectileerror_multi", "reg:expectileerror", lab_hetero,
             {**H, **d4, "expectile_alpha": [0.2, 0.5, 0.8]}, rounds=10, min_version=(3, 3),
             notes="three expectiles: predict is non-crossing, p_k = p_(k-1) + 1e-6 + softplus(margin_k); "
                   "base_score holds the expectiles, the margins start from their softplus-inverse gaps"),
        Case("count_poisson", "count:poisson", lab_poisson, {**E, **d4}),
        Case("reg_gamma", "reg:gamma", lab_gamma, {**A, **d4}, notes="approx tree method"),
        Case("reg_tweedie", "reg:tweedie", lab_tweedie,
             {**H, **d4, "tweedie_variance_power": 1.5}),
        Case("multi_softmax", "multi:softmax", lab_classes(4),
             {**H, "max_depth": 3, "eta": 0.3, "num_class": 4}, rounds=10,
             predict_kind="class_index",
             notes="predict.csv holds the argmax class index; margin.csv the 4 raw scores"),
        Case("multi_softprob", "multi:softprob", lab_classes(5),
             {**H, "max_depth": 3, "eta": 0.3, "num_class": 5}, rounds=8),
        Case("rank_pairwise", "rank:pairwise", lab_rank(False), {**H, **d4}),
        Case("rank_ndcg", "rank:ndcg", lab_rank(False), {**A, **d4}, notes="approx tree method"),
        Case("rank_map", "rank:map", lab_rank(True), {**H, **d4}),
        Case("survival_cox", "survival:cox", lab_cox, {**H, **d4},
             notes="predict = exp(margin) (hazard ratio)"),
        Case("survival_aft", "survival:aft", lab_aft,
             {**H, **d4, "aft_loss_distribution": "normal", "aft_loss_distribution_scale": 1.2},
             notes="trained with label_lower_bound/label_upper_bound (right and interval censoring)"),
        Case("dart_binary_logistic", "binary:logistic", lab_binary,
             {**H, **d4, "rate_drop": 0.3, "skip_drop": 0.0, "sample_type": "uniform",
              "normalize_type": "tree"}, booster="dart",
             notes="dart: dropout is training-only; predict uses all trees scaled by weight_drop"),
        Case("dart_multi_softprob", "multi:softprob", lab_classes(3),
             {**H, "max_depth": 3, "eta": 0.3, "num_class": 3, "rate_drop": 0.3, "skip_drop": 0.0},
             booster="dart", rounds=10,
             notes="dart, 3 classes: every tree weighted by weight_drop"),
        Case("gbtree_dropout_binary_logistic", "binary:logistic", lab_binary,
             {**H, **d4, "rate_drop": 0.3, "skip_drop": 0.0}, min_version=(3, 4),
             notes="3.4: gbtree trained with DART's dropout parameters; the file says gbtree and keeps "
                   "the tree weights in gradient_booster.model.weight_drop"),
        Case("gblinear_reg_squarederror", "reg:squarederror", lab_reg,
             {"eta": 0.5, "lambda": 0.1, "alpha": 0.01, "updater": "coord_descent"},
             booster="gblinear", notes="gblinear: missing features contribute 0"),
        Case("gblinear_multi_softprob", "multi:softprob", lab_classes(3),
             {"eta": 0.5, "lambda": 0.1, "updater": "shotgun", "num_class": 3},
             booster="gblinear"),
        Case("forest_binary_logistic", "binary:logistic", lab_binary,
             {**H, **d4, "num_parallel_tree": 4, "subsample": 0.8, "colsample_bynode": 0.8},
             rounds=6, notes="random-forest style: num_parallel_tree=4, 6 rounds -> 24 trees"),
        Case("categorical_partition", "reg:squarederror", lab_cat_reg,
             {**H, **d4, "max_cat_to_onehot": 1}, gen=gen_categorical, n_features=5,
             feature_types=CAT_FT, categorical={1: 5, 3: 20},
             notes="features 1 (5 categories) and 3 (20 categories) are categorical; "
                   "max_cat_to_onehot=1 -> partition (set) splits"),
        Case("categorical_onehot", "binary:logistic", lab_cat_binary,
             {**H, **d4, "max_cat_to_onehot": 64}, gen=gen_categorical, n_features=5,
             feature_types=CAT_FT, categorical={1: 5, 3: 20},
             notes="features 1 (5 categories) and 3 (20 categories) are categorical; "
                   "max_cat_to_onehot=64 -> one-hot (single category) splits"),
        Case("multi_output_tree_regression", "reg:squarederror", lab_multi_target(3),
             {**H, **d4, "multi_strategy": "multi_output_tree"}, rounds=10, min_version=(2, 0),
             notes="vector-leaf trees, 3 regression targets"),
        Case("multi_output_tree_softprob", "multi:softprob", lab_classes(4),
             {**H, "max_depth": 3, "eta": 0.3, "num_class": 4,
              "multi_strategy": "multi_output_tree"}, rounds=10, min_version=(2, 0),
             notes="vector-leaf trees, 4 classes"),
        Case("multi_target_one_output_per_tree", "reg:squarederror", lab_multi_target(3),
             {**H, "max_depth": 3, "eta": 0.3}, rounds=8,
             notes="3 regression targets, one scalar-leaf tree per target per round"),
        Case("feature_names_shuffled", "binary:logistic", lab_binary, {**H, **d4},
             feature_names=NAMED_FEATURES, feature_types=NAMED_TYPES, shuffle_columns=True,
             notes="model has feature_names/feature_types; input.csv columns are in a shuffled "
                   "order and must be matched by name"),
        Case("base_score_binary_logistic", "binary:logistic", lab_binary,
             {**H, **d4, "base_score": 0.3}, notes="explicit base_score=0.3"),
        Case("base_score_count_poisson", "count:poisson", lab_poisson,
             {**H, **d4, "base_score": 2.5}, notes="explicit base_score=2.5"),
        Case("early_stopping", "reg:squarederror", lab_heavy,
             {**H, "max_depth": 5, "eta": 0.6}, rounds=200, early_stopping=True,
             notes="trained with early_stopping_rounds=4 on a validation set; predict.csv uses "
                   "all trees, predict_best.csv uses iteration_range=(0, best_iteration+1)"),
    ]
    return cs


# --------------------------------------------------------------------------
# Model inspection
# --------------------------------------------------------------------------

def model_trees(model):
    gb = model["learner"]["gradient_booster"]
    if "gbtree" in gb:          # dart
        gb = gb["gbtree"]
    if "model" not in gb or "trees" not in gb["model"]:
        return []
    return gb["model"]["trees"]


def split_nodes(model, categorical):
    """Numeric split nodes as (feature, t32, path) with path the list of
    (feature, threshold, goes_left) numeric constraints from the root."""
    out = []
    for tree in model_trees(model):
        left = tree["left_children"]
        right = tree["right_children"]
        feat = tree["split_indices"]
        cond = tree["split_conditions"]
        stype = tree.get("split_type", [0] * len(left))
        cat_sets = {}
        for k, nid in enumerate(tree.get("categories_nodes", [])):
            seg = tree["categories_segments"][k]
            cat_sets[nid] = set(int(c) for c in
                                tree["categories"][seg:seg + tree["categories_sizes"][k]])
        stack = [(0, [])]
        while stack:
            nid, path = stack.pop()
            if left[nid] == -1:
                continue
            f = int(feat[nid])
            is_cat = int(stype[nid]) == 1 or f in categorical
            t = None if is_cat else f32(cond[nid])
            if not is_cat:
                out.append((f, t, path))
            # categorical constraint: (feature, category set, goes_left); a
            # category in the node's set goes right, any other goes left.
            tc = cat_sets.get(nid, set()) if is_cat else t
            lp = path + [(f, tc, True)]
            rp = path + [(f, tc, False)]
            stack.append((right[nid], rp))
            stack.append((left[nid], lp))
    return out


def satisfy_path(row, path, categorical):
    lo = {}
    hi = {}
    for f, t, goes_left in path:
        if f in categorical:
            ncat = categorical[f]
            v = row[f]
            ok = [c for c in range(ncat) if (c in t) != goes_left]
            if ok and (math.isnan(v) or int(v) not in ok):
                row[f] = float(ok[len(ok) // 2])
            continue
        if goes_left:
            hi[f] = min(hi.get(f, math.inf), t)
        else:
            lo[f] = max(lo.get(f, -math.inf), t)
    for f in set(lo) | set(hi):
        a = lo.get(f, -math.inf)
        b = hi.get(f, math.inf)
        v = row[f]
        if not math.isnan(v) and a <= f32(v) < b:
            continue
        if a > -math.inf and b < math.inf:
            v = f32((a + b) / 2.0)
            if not (a <= v < b):
                v = a
        elif a > -math.inf:
            v = a
        elif b < math.inf:
            v = f32(b - max(1.0, abs(b) * 0.25))
        else:
            continue
        row[f] = v


# --------------------------------------------------------------------------
# Adversarial inputs
# --------------------------------------------------------------------------

CAT_SPECIALS = [-1.0, -2.0, 2.9, -0.5, 0.5, 1e10, 16777216.0, 16777217.0, 1e30, math.nan]
NUM_SPECIALS = [0.0, -0.0, 1e30, -1e30]
EXTRA_SPECIALS = [math.inf, -math.inf, 1e39, -1e39, F32_OVERFLOW]


def build_rows(case, model, rng):
    """Returns (main rows, main groups, extra rows, extra groups)."""
    nf = case.n_features
    numeric = [j for j in range(nf) if j not in case.categorical]
    rows, extra = RowGroups(), RowGroups()

    # gblinear has no thresholds: give it more random rows instead.
    n_random = N_RANDOM_ROWS if case.booster != "gblinear" else 2 * N_RANDOM_ROWS
    rows.add("random", list(case.gen(rng, n_random)))

    nan_rows = inject_nans(rng, list(case.gen(rng, N_NAN_ROWS, nan=False)), list(range(nf)))
    nan_rows.append(np.full(nf, np.nan))
    rows.add("nan_injected", nan_rows)

    # thresholds: t32, f32 neighbours, f64 neighbours (round back to t in f32)
    nodes = split_nodes(model, case.categorical)
    seen = set()
    uniq = []
    for f, t, path in nodes:
        if (f, t) not in seen:
            seen.add((f, t))
            uniq.append((f, t, path))
    if len(uniq) > N_THRESHOLDS:
        pick = sorted(rng.choice(len(uniq), N_THRESHOLDS, replace=False))
        uniq = [uniq[i] for i in pick]
    thr_rows = []
    for f, t, path in uniq:
        base = case.gen(rng, 1)[0]
        satisfy_path(base, path, case.categorical)
        thr_rows += vary(base, f, threshold_neighbours(t))
    rows.add("thresholds", thr_rows)

    spec = []
    for j in numeric:
        spec += vary(case.gen(rng, 1)[0], j, NUM_SPECIALS)
    # float32 range edges, each on a different feature
    edges = [F32_MAX, -F32_MAX, next64(F32_MAX, math.inf), 1e-45, -1e-45, 1e-300, -1e-300,
             F32_MIN]
    for i, v in enumerate(edges):
        r = case.gen(rng, 1)[0]
        r[numeric[i % len(numeric)]] = v
        spec.append(r)
    spec.append(np.zeros(nf))
    spec.append(np.full(nf, -0.0))
    rows.add("special_values", spec)

    if case.categorical:
        cat_rows = []
        for j, ncat in sorted(case.categorical.items()):
            values = [float(c) for c in range(ncat)] + [float(ncat), float(ncat + 1), 63.0, 64.0,
                                                         1000.0] + CAT_SPECIALS
            for v in values:
                r = case.gen(rng, 1)[0]
                r[j] = v
                cat_rows.append(r)
        rows.add("categorical_values", cat_rows)

    ext = []
    for j in numeric:
        ext += vary(case.gen(rng, 1)[0], j, EXTRA_SPECIALS)
    for j in sorted(case.categorical):
        for v in (math.inf, -math.inf, 1e39):
            r = case.gen(rng, 1)[0]
            r[j] = v
            ext.append(r)
    r = np.full(nf, math.inf)
    ext.append(r)
    r = np.full(nf, math.nan)
    r[::2] = -math.inf
    ext.append(r)
    extra.add("inf_or_f32_overflow", ext)

    return rows.matrix(), rows.groups, extra.matrix(), extra.groups


# --------------------------------------------------------------------------
# Output (fixture_common.write_input), predictions as float32
# --------------------------------------------------------------------------

def write_pred(path, P):
    """float32 predictions written with %.9g (exact for float32)."""
    return write_values(path, np.asarray(P, dtype=np.float32), fmt=lambda v: "%.9g" % v)


def write_labels(path, model_path, case, X):
    """XGBClassifier.predict on the main rows: its class index (> 0.5 for one column,
    argmax for several, the index itself for multi:softmax)."""
    clf = xgb.XGBClassifier()
    clf.load_model(model_path)
    if not hasattr(clf, "n_classes_"):
        # 1.7 reads n_classes_ only from models the scikit-learn wrapper saved; a
        # Booster's file leaves it unset (predict then fails), so set it as fit() would.
        clf.n_classes_ = int(case.params.get("num_class", 2))
        clf.objective = case.objective
    try:
        labels = clf.predict(X)
    except (xgb.core.XGBoostError, ValueError, TypeError, AttributeError) as e:
        # (without XGBoost's "[hh:mm:ss] " log prefix, so that the file is reproducible)
        reason = re.sub(r"^\[\d\d:\d\d:\d\d\] ", "", str(e).strip().splitlines()[0])
        return {"labels_skipped": "XGBClassifier.predict failed: %s" % reason[:200]}
    with open(path, "w") as fh:
        fh.write("label\n")
        for v in np.asarray(labels).ravel():
            fh.write("%d\n" % int(v))
    return {"labels": "labels.csv", "labels_source": "XGBClassifier.load_model(model.json).predict(X)"}


def train(case, rng):
    X = case.gen(rng, N_TRAIN)
    info = case.label_fn(rng, X)
    dtrain = case.dmatrix(X, **info)
    params = {**BASE_PARAMS, "objective": case.objective, "booster": case.booster, **case.params}
    kw = {"num_boost_round": case.rounds, "verbose_eval": False}
    if case.early_stopping:
        Xv = case.gen(rng, 300)
        dvalid = case.dmatrix(Xv, **case.label_fn(rng, Xv))
        kw["evals"] = [(dvalid, "valid")]
        kw["early_stopping_rounds"] = 4
    booster = xgb.train(params, dtrain, **kw)
    return booster, params


def generate_case(case, outdir):
    rng = np.random.default_rng(case_seed(case.name))
    booster, params = train(case, rng)

    os.makedirs(outdir, exist_ok=True)
    json_path = os.path.join(outdir, "model.json")
    booster.save_model(json_path)
    booster.save_model(os.path.join(outdir, "model.ubj"))
    with open(json_path) as fh:
        text = fh.read()
    # Python's json accepts NaN/Infinity tokens too; record if they appear.
    model = json.loads(text)

    X, groups, Xe, egroups = build_rows(case, model, rng)

    def dm_predict(M, **kw):
        return booster.predict(case.dmatrix(M), **kw)

    # Main rows must be accepted by DMatrix; move any row it rejects to extra.
    keep = []
    moved = []
    try:
        dm_predict(X)
        keep = list(range(len(X)))
    except xgb.core.XGBoostError:
        for i in range(len(X)):
            try:
                dm_predict(X[i:i + 1])
                keep.append(i)
            except xgb.core.XGBoostError:
                moved.append(i)
    if moved:
        print("  %s: %d rows rejected by DMatrix moved to extra" % (case.name, len(moved)))
        Xe = np.vstack([Xe, X[moved]])
        egroups.append({"kind": "dmatrix_rejected", "start": len(Xe) - len(moved),
                        "count": len(moved)})
        X = X[keep]

    pred = dm_predict(X)
    margin = dm_predict(X, output_margin=True)

    nf = case.n_features
    if case.feature_names:
        names = list(case.feature_names)
    else:
        names = ["f%d" % j for j in range(nf)]
    order = list(range(nf))
    if case.shuffle_columns:
        order = list(np.random.default_rng(case_seed(case.name) + 1).permutation(nf))
        if order == list(range(nf)):
            order = order[::-1]
    write_input(os.path.join(outdir, "input.csv"), X[:, order], [names[j] for j in order])
    n_out = write_pred(os.path.join(outdir, "predict.csv"), pred)
    n_margin = write_pred(os.path.join(outdir, "margin.csv"), margin)

    meta = {
        "library": "xgboost",
        "library_version": XGB_VERSION,
        "case": case.name,
        "objective": case.objective,
        "booster": case.booster,
        "models": ["model.json", "model.ubj"],
        "input": "input.csv",
        "predict": "predict.csv",
        "margin": "margin.csv",
        "predict_kind": case.predict_kind,
        "feature_names": bool(case.feature_names),
        "notes": case.notes,
        "num_features": nf,
        "num_rows": int(len(X)),
        "num_predict_columns": n_out,
        "num_margin_columns": n_margin,
        "num_trees": len(model_trees(model)),
        "num_boost_round": int(booster.num_boosted_rounds()),
        "train_params": {k: v for k, v in params.items()},
        "row_groups": groups,
        "columns_shuffled": bool(case.shuffle_columns),
    }
    if case.feature_names:
        meta["model_feature_names"] = names
        meta["input_columns"] = [names[j] for j in order]
    if case.feature_types:
        meta["feature_types"] = list(case.feature_types)
    if case.categorical:
        meta["categorical_features"] = {str(k): v for k, v in sorted(case.categorical.items())}

    if case.early_stopping:
        best = int(booster.best_iteration)
        meta["best_iteration"] = best
        meta["predict_best"] = "predict_best.csv"
        pb = booster.predict(case.dmatrix(X), iteration_range=(0, best + 1))
        write_pred(os.path.join(outdir, "predict_best.csv"), pb)

    # The class XGBClassifier.predict() gives each row (labels.csv), for every classifier.
    if case.objective.split(":")[0] in ("binary", "multi"):
        meta.update(write_labels(os.path.join(outdir, "labels.csv"), json_path, case, X))

    # Cross-check: inplace_predict on the main rows (not part of the contract).
    try:
        ip = booster.inplace_predict(X, missing=np.nan)
        meta["inplace_predict_matches_dmatrix"] = bool(
            np.array_equal(np.asarray(ip, np.float32).ravel(), np.asarray(pred, np.float32).ravel()))
    except xgb.core.XGBoostError as e:
        ip = None
        meta["inplace_predict_matches_dmatrix"] = None

    # Extra rows: +-inf and values that overflow float32; DMatrix rejects them
    # ("Input data contains `inf` or a value too large"), inplace_predict accepts.
    if ip is not None:
        try:
            pe = booster.inplace_predict(Xe, missing=np.nan)
            me = booster.inplace_predict(Xe, missing=np.nan, predict_type="margin")
            write_input(os.path.join(outdir, "input_extra.csv"), Xe[:, order],
                        [names[j] for j in order])
            write_pred(os.path.join(outdir, "predict_extra.csv"), pe)
            write_pred(os.path.join(outdir, "margin_extra.csv"), me)
            meta["extra"] = {
                "input": "input_extra.csv", "predict": "predict_extra.csv",
                "margin": "margin_extra.csv", "source": "Booster.inplace_predict",
                "num_rows": int(len(Xe)), "row_groups": egroups,
                "why": "xgb.DMatrix rejects +-inf and finite float64 values that overflow "
                       "float32; these predictions come from inplace_predict instead",
            }
        except xgb.core.XGBoostError as e:
            meta["extra_skipped"] = "inplace_predict failed: %s" % str(e).splitlines()[0]
    else:
        meta["extra_skipped"] = "inplace_predict not supported for booster %s" % case.booster

    meta["model_json_has_nonfinite_tokens"] = any(
        tok in text for tok in ("NaN", "Infinity"))
    write_json(os.path.join(outdir, "case.json"), meta, indent=1, sort_keys=False)
    return meta


# --------------------------------------------------------------------------
# pandas categoricals (3.1+): the model records its categories (model.cats.enc)
# --------------------------------------------------------------------------

PD_NAMES = ["age", "city", "plan", "zip_code", "score"]
PD_CATEGORIES = {
    # the training frame's category order, which is the code order XGBoost records
    # (a non-ASCII name only from 3.4: before, XGBoost saved such names cut short)
    1: ["oslo", "amsterdam", "madrid", "berlin", "lisbon", "dublin", "helsinki",
        "k\u00f8benhavn" if VER >= (3, 4) else "copenhagen"],
    2: ["plan_%02d" % i for i in range(12)],
    3: [404, 101, 1234, 205, 999, 333],
}
PD_UNSEEN = {1: ["paris", "Berlin", "oslo "], 2: ["plan_12", "PLAN_00"], 3: [0, 5, 100]}


def pandas_frame(pd, rng, n, nan=True):
    age = rng.integers(18, 80, n).astype(float)
    score = np.round(rng.normal(0, 1, n), 3)
    cols = {}
    for j, cats in PD_CATEGORIES.items():
        codes = rng.integers(0, len(cats), n)
        values = [cats[c] for c in codes]
        if nan:
            for i in np.nonzero(rng.random(n) < 0.08)[0]:
                values[i] = None
        dtype = pd.CategoricalDtype(categories=cats)
        cols[PD_NAMES[j]] = pd.Series(values, dtype=dtype)
    if nan:
        age[rng.random(n) < 0.1] = np.nan
    frame = pd.DataFrame({"age": age, "city": cols["city"], "plan": cols["plan"],
                          "zip_code": cols["zip_code"], "score": score})
    return frame


def pandas_label(rng, frame):
    city = frame["city"].cat.codes.to_numpy()
    plan = frame["plan"].cat.codes.to_numpy()
    z = (np.where(np.isin(city, [1, 3, 7]), 1.2, -0.6) + 0.15 * (plan % 5) - 0.3 * (frame["zip_code"].cat.codes.to_numpy() == 2)
         + 0.04 * (np.nan_to_num(frame["age"].to_numpy(), nan=40) - 45) + 0.5 * frame["score"].to_numpy())
    return (rng.random(len(frame)) < 1 / (1 + np.exp(-z))).astype(int)


def frame_cells(frame):
    rows = []
    for _, r in frame.iterrows():
        row = []
        for name in PD_NAMES:
            v = r[name]
            if v is None or (isinstance(v, float) and math.isnan(v)):
                row.append(None)
            elif name in ("age", "score"):
                row.append(repr(float(v)))
            else:
                row.append(str(v))
        rows.append(row)
    return rows


def generate_pandas_case(root):
    import pandas as pd
    from fixture_common import write_cells
    name = "pandas_categorical"
    outdir = os.path.join(root, name)
    rng = np.random.default_rng(case_seed(name))
    train = pandas_frame(pd, rng, N_TRAIN)
    y = pandas_label(rng, train)
    params = {**BASE_PARAMS, "objective": "binary:logistic", "tree_method": "hist", "max_depth": 4,
              "eta": 0.3, "max_cat_to_onehot": 1}
    booster = xgb.train(params, xgb.DMatrix(train, label=y, enable_categorical=True), num_boost_round=20)
    os.makedirs(outdir, exist_ok=True)
    json_path = os.path.join(outdir, "model.json")
    booster.save_model(json_path)
    booster.save_model(os.path.join(outdir, "model.ubj"))

    # Rows: random ones with missing values, then every category of every column.
    X = pandas_frame(pd, rng, 120)
    every = []
    for j, cats in PD_CATEGORIES.items():
        for c in cats:
            row = pandas_frame(pd, rng, 1, nan=False)
            row[PD_NAMES[j]] = pd.Series([c], dtype=pd.CategoricalDtype(categories=cats))
            every.append(row)
    X = pd.concat([X] + every, ignore_index=True)
    for j, cats in PD_CATEGORIES.items():
        X[PD_NAMES[j]] = X[PD_NAMES[j]].astype(pd.CategoricalDtype(categories=cats))
    pred = booster.inplace_predict(X)
    margin = booster.inplace_predict(X, predict_type="margin")
    write_cells(os.path.join(outdir, "input.csv"), frame_cells(X), PD_NAMES)
    write_pred(os.path.join(outdir, "predict.csv"), pred)
    write_pred(os.path.join(outdir, "margin.csv"), margin)
    clf = xgb.XGBClassifier()
    clf.load_model(json_path)
    with open(os.path.join(outdir, "labels.csv"), "w") as fh:
        fh.write("label\n")
        for v in np.asarray(clf.predict(X)).ravel():
            fh.write("%d\n" % int(v))

    # Categories the model never saw: XGBoost refuses them.
    unseen = []
    for j, values in PD_UNSEEN.items():
        for v in values:
            row = pandas_frame(pd, rng, 1, nan=False)
            row[PD_NAMES[j]] = pd.Series([v], dtype=pd.CategoricalDtype(categories=[v]))
            try:
                booster.inplace_predict(row)
                outcome = "predicted"
            except xgb.core.XGBoostError as e:
                outcome = str(e).strip().splitlines()[0].split(": ", 1)[-1][:160]
            unseen.append({"column": PD_NAMES[j], "value": str(v), "xgboost": outcome})
    with open(json_path) as fh:
        cats = json.load(fh)["learner"]["gradient_booster"]["model"]["cats"]
    meta = {
        "library": "xgboost", "library_version": XGB_VERSION, "case": name,
        "objective": "binary:logistic", "booster": "gbtree", "models": ["model.json", "model.ubj"],
        "input": "input.csv", "predict": "predict.csv", "margin": "margin.csv", "predict_kind": "float",
        "feature_names": True, "num_features": len(PD_NAMES), "num_rows": int(len(X)),
        "labels": "labels.csv", "labels_source": "XGBClassifier.load_model(model.json).predict(frame)",
        "train_params": params,
        "input_source": "pandas DataFrame with categorical columns city, plan (strings) and zip_code "
                        "(integers); input.csv holds their values, not codes",
        "predict_source": "Booster.inplace_predict(frame): XGBoost re-codes the frame by the categories "
                          "the model recorded (model.cats.enc)",
        "categories": {PD_NAMES[j]: [str(c) for c in cats_] for j, cats_ in PD_CATEGORIES.items()},
        "cats_enc": cats["enc"],
        "unseen_categories": unseen,
        "notes": "3.1+: a model trained on pandas categoricals stores their categories and predicts "
                 "from values; a value outside them is an error",
    }
    write_json(os.path.join(outdir, "case.json"), meta, indent=1, sort_keys=False)
    return meta


def main():
    args = parse_args(__doc__, "models/xgboost")
    root = version_dir(args.out, XGB_VERSION, args.only)
    print("xgboost %s -> %s" % (XGB_VERSION, root))
    done, skipped = [], []
    for case in cases():
        if args.only and case.name not in args.only:
            continue
        if case.min_version and VER < case.min_version:
            reason = "needs xgboost >= %d.%d" % case.min_version
            skipped.append((case.name, reason))
            print("  skip %-34s %s" % (case.name, reason))
            continue
        outdir = os.path.join(root, case.name)
        try:
            meta = generate_case(case, outdir)
        except xgb.core.XGBoostError as e:
            reason = "XGBoostError: %s" % str(e).strip().splitlines()[0][:200]
            shutil.rmtree(outdir, ignore_errors=True)
            skipped.append((case.name, reason))
            print("  skip %-34s %s" % (case.name, reason))
            continue
        done.append(case.name)
        print("  ok   %-34s trees=%-4d rows=%d+%d" % (
            case.name, meta["num_trees"], meta["num_rows"], meta.get("extra", {}).get("num_rows", 0)))
    if VER >= (3, 1) and (not args.only or "pandas_categorical" in args.only):
        meta = generate_pandas_case(root)
        done.append("pandas_categorical")
        print("  ok   %-34s rows=%d unseen refused=%d" % ("pandas_categorical", meta["num_rows"],
                                                sum(u["xgboost"] != "predicted" for u in meta["unseen_categories"])))
    elif VER < (3, 1):
        skipped.append(("pandas_categorical", "needs xgboost >= 3.1 (models record categories from 3.1)"))
    if args.only is None:
        write_skipped(root, XGB_VERSION, done, skipped)
    print("generated %d cases, skipped %d" % (len(done), len(skipped)))


if __name__ == "__main__":
    main()
