#!/usr/bin/env python3
"""Generate LightGBM conformance fixtures for xylem.

Run inside a venv that has one pinned LightGBM version (see make_venvs.sh):

    python models/generate_lightgbm.py --out models/lightgbm

Writes models/lightgbm/<lightgbm.__version__>/<case>/ with model.txt,
model_dump.json, input.csv, predict.csv, margin.csv, predict_f32.csv,
margin_f32.csv and case.json (see models/lightgbm/README.md).  Everything is
seeded and single-threaded: re-running with the same LightGBM version
reproduces the same files.
"""

import math
import os

import numpy as np
import lightgbm as lgb

from fixture_common import (
    NUM_FEATURES, Labels, RowGroups, bernoulli, case_seed, f32, gen_numeric, group_sizes,
    inject_nans, label_info, next32, next64, parse_args, vary, version_dir, version_tuple,
    write_cells, write_input, write_json, write_skipped, write_values)

try:
    import pandas as pd
except ImportError:  # pragma: no cover - the pandas case is skipped then
    pd = None

LGB_VERSION = lgb.__version__
VER = version_tuple(LGB_VERSION)

# LightGBM's kZeroThreshold: the float literal 1e-35f widened to double.
KZ = float(np.float32(1e-35))
assert KZ == 1.0000000180025095e-35

N_TRAIN = 800
N_RANDOM_ROWS = 40
N_NAN_ROWS = 16
N_THRESHOLDS = 25
N_CAT_MIXED = 12

BASE_PARAMS = {"num_threads": 1, "deterministic": True, "force_col_wise": True,
               "seed": 7, "verbose": -1}


# --------------------------------------------------------------------------
# Data: fixture_common.gen_numeric, the label makers of fixture_common.Labels over
# LightGBM's own basis, and the LightGBM-only data sets
# --------------------------------------------------------------------------

def gen_unused(rng, n, nan=True):
    """gen_numeric plus a constant column (f8) and an all-NaN column (f9)."""
    X = np.empty((n, NUM_FEATURES + 2))
    X[:, :NUM_FEATURES] = gen_numeric(rng, n, nan)
    X[:, NUM_FEATURES] = 1.5
    X[:, NUM_FEATURES + 1] = np.nan
    return X


def basis(X):
    """Like fixture_common.basis, but on the first 8 columns (gen_unused has 10), NaN-safe
    in every feature, and with extra steps at f4 == 0 and f2 == 0."""
    x0, x1, x2, x3, x4, x5, x6, x7 = X[:, :8].T
    x1m = np.where(np.isnan(x1), -4.0, x1)
    x3m = np.where(np.isnan(x3), 8.0, x3)
    x5m = np.where(np.isnan(x5), 100.0, x5)
    x0m = np.nan_to_num(x0)
    x2m = np.nan_to_num(x2)
    x4m = np.nan_to_num(x4)
    x6m = np.nan_to_num(x6)
    x7m = np.nan_to_num(x7)
    return np.column_stack([
        np.sin(1.7 * x0m),
        x1m / 5.0 * (x2m >= 5),
        np.log1p(x3m) - 1.0,
        -(x4m ** 2) / 5.0 + 0.9 + 0.6 * (x4m == 0),
        (x5m - 100.0) / 40.0,
        x6m * x0m,
        (x7m > 0.6) - 0.4,
        (x2m % 3 == 0) - 0.33 + 0.5 * (x2m == 0),
    ])


LABELS = Labels(basis)
signal = LABELS.signal
class_logits = LABELS.class_logits

# Label makers: (rng, X) -> dict(label=..., group=...)
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


def lab_reg_wide(rng, X):
    # signed labels over a wide range (reg_sqrt trains on sign(y)*sqrt(|y|))
    s = signal(X)
    return {"label": 4.0 * s * np.abs(s) + rng.normal(0, 0.5, len(X))}


def lab_missing(rng, X):
    # missing f5 is a strong signal of its own: splits "NaN vs everything" appear,
    # stored as threshold=inf (NaN goes right)
    s = signal(X) + 3.0 * np.isnan(X[:, 5]) - 2.0 * np.isnan(X[:, 1])
    return {"label": s + rng.normal(0, 0.3, len(X))}


def lab_classes_rare(rng, X):
    """3 common classes plus a rare class 3 (~1.5%) that no tree can split."""
    L = class_logits(X, 3) + rng.gumbel(0, 0.5, (len(X), 3))
    y = np.argmax(L, axis=1).astype(float)
    y[rng.random(len(X)) < 0.015] = 3.0
    return {"label": y}


def lab_rank(rng, X):
    rel = LABELS.relevance(rng, X)
    return {"label": rel, "group": group_sizes(rng, len(X))}


# Categorical layout: [num, cat(6), num (NaNs), cat(60) (NaNs), int, cat(sparse values)]
CAT6 = list(range(6))
CAT60 = list(range(60))
CAT_SPARSE = [0, 3, 31, 32, 33, 63, 64, 200, 1000]
CAT_LAYOUT = {1: CAT6, 3: CAT60, 5: CAT_SPARSE}
CAT_EFFECT_A = np.array([0.8, -1.2, 0.3, 1.5, -0.4, 0.0])
CAT_EFFECT_B = np.random.default_rng(99).normal(0, 1.0, 60)
CAT_EFFECT_C = np.array([0.5, -0.7, 1.1, -1.3, 0.2, 0.9, -0.2, 1.4, -1.0])


def gen_categorical(rng, n, nan=True):
    X = np.empty((n, 6))
    X[:, 0] = np.round(rng.normal(0, 1, n), 3)
    X[:, 1] = rng.integers(0, 6, n)
    X[:, 2] = np.round(rng.uniform(-2, 2, n), 2)
    X[:, 3] = rng.integers(0, 60, n)
    X[:, 4] = rng.integers(0, 8, n)
    X[:, 5] = np.array(CAT_SPARSE, dtype=float)[rng.integers(0, len(CAT_SPARSE), n)]
    if nan:
        X[rng.random(n) < 0.10, 3] = np.nan
        X[rng.random(n) < 0.10, 2] = np.nan
    return X


def cat_signal(X):
    a = CAT_EFFECT_A[np.nan_to_num(X[:, 1]).astype(int) % 6]
    b = np.where(np.isnan(X[:, 3]), 2.0, CAT_EFFECT_B[np.nan_to_num(X[:, 3]).astype(int) % 60])
    idx = {v: i for i, v in enumerate(CAT_SPARSE)}
    c = CAT_EFFECT_C[[idx.get(int(v), 0) if not math.isnan(v) else 0 for v in X[:, 5]]]
    x2 = np.where(np.isnan(X[:, 2]), -2.0, X[:, 2])
    return a + b + c + 0.8 * np.sin(2 * X[:, 0]) + 0.5 * x2 * (X[:, 4] > 3)


def lab_cat_reg(rng, X):
    return {"label": cat_signal(X) + rng.normal(0, 0.2, len(X))}


def lab_cat_binary(rng, X):
    return {"label": bernoulli(rng, cat_signal(X))}


# pandas case: real names, two string categoricals and one int-labelled categorical
PD_COLUMNS = ["age", "income", "city", "plan", "zip_code", "tenure", "score"]
PD_CATEGORIES = {
    # the order is the training frame's category order = pandas_categorical order (codes)
    2: ["oslo", "amsterdam", "madrid", "berlin", "lisbon", "dublin", "helsinki", "copenhagen"],
    3: ["plan_%02d" % i for i in range(25)],
    4: [404, 101, 1234, 205, 999, 333],
}
PD_UNSEEN = {
    2: ["paris", "Berlin", "amsterdam ", "0", "zzz"],
    3: ["plan_25", "plan_1", "PLAN_00", "3", "plan_-1"],
    4: [0, 1, 2, 5, 100, 102, 2147483648, -1],
}


def gen_pandas_codes(rng, n, nan=True):
    """The pandas case as a numeric matrix; categorical columns hold codes."""
    X = np.empty((n, 7))
    X[:, 0] = rng.integers(18, 80, n)
    X[:, 1] = np.round(rng.lognormal(10.5, 0.6, n), 2)
    X[:, 2] = rng.integers(0, 8, n)
    X[:, 3] = rng.integers(0, 25, n)
    X[:, 4] = rng.integers(0, 6, n)
    X[:, 5] = rng.integers(0, 31, n)
    X[:, 6] = np.round(rng.normal(0, 1, n), 3)
    if nan:
        X[rng.random(n) < 0.12, 1] = np.nan
        X[rng.random(n) < 0.08, 2] = np.nan
    return X


PD_CITY = np.array([0.9, -0.6, 0.2, 1.2, -1.1, 0.4, -0.3, 0.7])
PD_PLAN = np.random.default_rng(5).normal(0, 0.8, 25)
PD_ZIP = np.array([0.5, -0.5, 1.0, -1.0, 0.0, 0.8])


def lab_pandas(rng, X):
    inc = np.where(np.isnan(X[:, 1]), 20000.0, X[:, 1])
    city = np.where(np.isnan(X[:, 2]), 1.5, PD_CITY[np.nan_to_num(X[:, 2]).astype(int)])
    s = (0.04 * (X[:, 0] - 45) + 0.8 * (np.log(inc) - 10.5) + city
         + PD_PLAN[X[:, 3].astype(int)] + PD_ZIP[X[:, 4].astype(int)]
         + 0.6 * (X[:, 5] == 0) + 0.5 * np.sin(2 * X[:, 6]))
    return {"label": bernoulli(rng, s)}


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------

class Case:
    def __init__(self, name, label_fn, params, rounds=20, gen=None, n_features=NUM_FEATURES,
                 categorical=None, early_stopping=False, pandas=False, names=None,
                 n_train=N_TRAIN, min_version=None, notes="", expect=None):
        self.name = name
        self.label_fn = label_fn
        self.params = dict(params)
        self.rounds = rounds
        self.gen = gen or gen_numeric
        self.n_features = n_features
        self.categorical = categorical or {}   # feature index -> list of category values
        self.early_stopping = early_stopping
        self.pandas = pandas
        self.names = names or ["f%d" % j for j in range(n_features)]
        self.n_train = n_train
        self.min_version = min_version
        self.legacy = name in LEGACY_CASES     # also generated with LightGBM 3.x
        self.notes = notes
        self.expect = expect or {}             # structural checks, see check_expect()


# The cases also generated with LightGBM 3.x (the rest is left out to keep the fixtures
# small: 3.x predicts by the same rules, see models/lightgbm/README.md).
LEGACY_CASES = {"regression_sqrt", "multiclassova", "categorical_onehot_and_bitset",
                "missing_nan", "missing_zero", "linear_tree", "rf_binary", "pandas_categorical"}


def goss_params():
    if VER >= (4, 0):
        return {"data_sample_strategy": "goss"}
    return {"boosting": "goss"}


def cases():
    S = {"num_leaves": 7, "learning_rate": 0.25}
    CAT = {"min_data_per_group": 5, "cat_smooth": 1.0, "cat_l2": 1.0, "min_data_in_leaf": 5,
           "max_cat_threshold": 32}
    return [
        Case("regression", lab_reg, {"objective": "regression", **S},
             notes="L2; features without NaN in training get missing_type None (NaN -> 0.0 at "
                   "predict time), f1/f3/f5 get missing_type NaN"),
        Case("regression_sqrt", lab_reg_wide, {"objective": "regression", "reg_sqrt": True, **S},
             notes="reg_sqrt=True: objective line 'regression sqrt'; predict = sign(m)*m*m"),
        Case("regression_l1", lab_heavy, {"objective": "regression_l1", **S}),
        Case("huber", lab_heavy, {"objective": "huber", "alpha": 1.2, **S}),
        Case("fair", lab_heavy, {"objective": "fair", "fair_c": 0.8, **S}),
        Case("poisson", lab_poisson, {"objective": "poisson", **S}, notes="predict = exp(margin)"),
        Case("quantile", lab_hetero, {"objective": "quantile", "alpha": 0.3, **S}),
        Case("mape", lab_positive, {"objective": "mape", **S}),
        Case("gamma", lab_gamma, {"objective": "gamma", **S}, notes="predict = exp(margin)"),
        Case("tweedie", lab_tweedie, {"objective": "tweedie", "tweedie_variance_power": 1.3, **S},
             notes="predict = exp(margin)"),
        Case("binary", lab_binary, {"objective": "binary", **S}),
        Case("binary_sigmoid_0_5", lab_binary, {"objective": "binary", "sigmoid": 0.5, **S},
             notes="predict = 1/(1+exp(-0.5*margin))"),
        Case("multiclass", lab_classes(4), {"objective": "multiclass", "num_class": 4,
                                            "num_leaves": 6, "learning_rate": 0.3}, rounds=6,
             notes="4 classes, 6 iterations -> 24 trees, tree i belongs to class i % 4; softmax"),
        Case("multiclassova", lab_classes(3), {"objective": "multiclassova", "num_class": 3,
                                               "sigmoid": 0.7, "num_leaves": 6,
                                               "learning_rate": 0.3}, rounds=10,
             notes="3 classes, per-class 1/(1+exp(-0.7*m)), not normalised"),
        Case("cross_entropy", lab_unit, {"objective": "cross_entropy", **S},
             notes="labels in [0,1]; predict = 1/(1+exp(-m))"),
        Case("cross_entropy_lambda", lab_unit, {"objective": "cross_entropy_lambda", **S},
             notes="labels in [0,1]; predict = log1p(exp(m)), not a probability"),
        Case("lambdarank", lab_rank, {"objective": "lambdarank", **S},
             notes="trained with query groups; predict = margin"),
        Case("rank_xendcg", lab_rank, {"objective": "rank_xendcg", **S},
             notes="trained with query groups; predict = margin"),
        Case("categorical_onehot_and_bitset", lab_cat_reg,
             {"objective": "regression", **S, **CAT, "max_cat_to_onehot": 8},
             gen=gen_categorical, n_features=6, categorical=CAT_LAYOUT, n_train=1500,
             notes="features 1 (6 categories, <= max_cat_to_onehot=8 -> one-vs-rest splits), "
                   "3 (60 categories with NaNs -> many-vs-many bitset splits) and 5 (9 sparse "
                   "category values up to 1000 -> bitsets of up to 32 words) are categorical",
             expect={"cat_single": 1, "cat_multi": 1}),
        Case("categorical_binary", lab_cat_binary,
             {"objective": "binary", **S, **CAT, "max_cat_to_onehot": 4},
             gen=gen_categorical, n_features=6, categorical=CAT_LAYOUT, n_train=1500,
             notes="same layout as categorical_onehot_and_bitset, max_cat_to_onehot=4 "
                   "(all categorical features many-vs-many)",
             expect={"cat_multi": 1}),
        Case("missing_nan", lab_missing, {"objective": "regression", **S, "use_missing": True},
             notes="use_missing=True with NaNs in f1/f3/f5 during training: missing_type NaN, "
                   "default_left both true and false; missing f5 is informative by itself, "
                   "giving 'NaN vs the rest' splits stored as threshold=inf in model.txt "
                   "(1e+300 in model_dump.json)",
             expect={"nan_left": 1, "nan_right": 1, "none": 1, "inf_threshold": 1}),
        Case("missing_zero", lab_reg, {"objective": "regression", **S, "zero_as_missing": True},
             notes="zero_as_missing=True: missing_type Zero (0 and NaN both go the default way)",
             expect={"zero": 1}),
        Case("missing_none", lab_reg, {"objective": "regression", **S, "use_missing": False},
             notes="use_missing=False: every node has missing_type None, NaN -> 0.0",
             expect={"only_none": 1}),
        Case("linear_tree", lab_reg, {"objective": "regression", **S, "linear_tree": True,
                                      "linear_lambda": 0.01},
             notes="linear_tree=True: leaf = const + sum coeff*x over leaf_features; if any of "
                   "the leaf's features is NaN the tree returns leaf_value instead",
             expect={"linear": 1}),
        Case("rf_regression", lab_reg, {"objective": "regression", "boosting": "rf",
                                        "bagging_freq": 1, "bagging_fraction": 0.7,
                                        "feature_fraction": 0.8, "num_leaves": 8}, rounds=20,
             notes="random forest: average_output; predict = mean of trees"),
        Case("rf_binary", lab_binary, {"objective": "binary", "boosting": "rf",
                                       "bagging_freq": 1, "bagging_fraction": 0.7,
                                       "feature_fraction": 0.8, "num_leaves": 8}, rounds=20,
             notes="random forest: average_output; predict = sigmoid(mean of trees)"),
        Case("dart", lab_binary, {"objective": "binary", "boosting": "dart", "drop_rate": 0.3,
                                  "skip_drop": 0.0, **S},
             notes="dart: dropout rescales stored leaf values during training; predict is a plain "
                   "sum of the saved trees"),
        Case("goss", lab_reg, {"objective": "regression", **goss_params(), **S},
             notes="GOSS sampling (data_sample_strategy=goss in 4.x, boosting=goss in 3.x)"),
        Case("early_stopping", lab_heavy, {"objective": "regression", "num_leaves": 10,
                                           "learning_rate": 0.35, "min_data_in_leaf": 5},
             rounds=300, early_stopping=True,
             notes="trained with a validation set and lgb.early_stopping(5), "
                   "keep_training_booster=True so model.txt holds every iteration; predict.csv "
                   "uses all iterations, predict_best.csv the first best_iteration ones"),
        Case("constant_single_leaf", lab_binary, {"objective": "binary", **S,
                                                  "min_gain_to_split": 1e10}, rounds=20,
             notes="no split ever meets min_gain_to_split: training stops after 1 iteration; the "
                   "model is one tree with num_leaves=1 whose leaf is the initial score",
             expect={"single_leaf": 1}),
        Case("multiclass_constant_trees", lab_classes_rare,
             {"objective": "multiclass", "num_class": 4, "num_leaves": 6, "learning_rate": 0.3,
              "min_sum_hessian_in_leaf": 12.0}, rounds=6,
             notes="class 3 is rare (~1.5%): its hessian sum is below 2*min_sum_hessian_in_leaf, "
                   "so every class-3 tree is a single leaf (the first holds the class prior, "
                   "later ones 0) while the other classes' trees split",
             expect={"single_leaf": 1}),
        Case("min_gain_small_trees", lab_reg, {"objective": "regression", "num_leaves": 8,
                                          "learning_rate": 0.5, "min_gain_to_split": 25.0},
             rounds=40,
             notes="large min_gain_to_split: small trees (few leaves), training stops early once "
                   "no split meets the gain"),
        Case("unused_features", lab_reg, {"objective": "regression", **S}, gen=gen_unused,
             n_features=NUM_FEATURES + 2,
             notes="f8 is constant and f9 all-NaN in training: feature_infos 'none', never split on",
             expect={"feature_infos_none": 1}),
        Case("pandas_categorical", lab_pandas,
             {"objective": "binary", **S, "min_data_per_group": 5, "cat_smooth": 1.0,
              "cat_l2": 1.0, "min_data_in_leaf": 5},
             gen=gen_pandas_codes, n_features=7, pandas=True, names=PD_COLUMNS,
             categorical={j: list(range(len(v))) for j, v in PD_CATEGORIES.items()},
             n_train=1200,
             notes="trained on a pandas DataFrame with category columns city, plan (string "
                   "labels) and zip_code (integer labels); the model.txt ends with "
                   "pandas_categorical; input.csv holds category labels (see README)"),
    ]


# --------------------------------------------------------------------------
# Model inspection (dump_model)
# --------------------------------------------------------------------------

def iter_nodes(tree_structure):
    """Yields (node, path, subtree_leaves) for every internal node; path is a list of
    (ancestor node, goes_left)."""
    out = []

    def leaves(node):
        if "split_index" not in node:
            return [node.get("leaf_index", 0)]
        return leaves(node["left_child"]) + leaves(node["right_child"])

    def rec(node, path):
        if "split_index" not in node:
            return
        out.append((node, path, set(leaves(node["left_child"])),
                    set(leaves(node["right_child"]))))
        rec(node["left_child"], path + [(node, True)])
        rec(node["right_child"], path + [(node, False)])

    rec(tree_structure, [])
    return out


def node_is_cat(node):
    return node["decision_type"] == "=="


def cat_set(node):
    return set(int(c) for c in str(node["threshold"]).split("||"))


def structure_stats(dump, text):
    st = {"numeric_nodes": 0, "categorical_nodes": 0, "cat_single": 0, "cat_multi": 0,
          "none": 0, "zero": 0, "nan_left": 0, "nan_right": 0, "single_leaf": 0,
          "linear": 0, "inf_threshold": 0, "zero_threshold": 0}
    for ti in dump["tree_info"]:
        ts = ti["tree_structure"]
        if "split_index" not in ts:
            st["single_leaf"] += 1
        for node, _, _, _ in iter_nodes(ts):
            if node_is_cat(node):
                st["categorical_nodes"] += 1
                st["cat_single" if len(cat_set(node)) == 1 else "cat_multi"] += 1
                continue
            st["numeric_nodes"] += 1
            mt = node["missing_type"]
            if mt == "None":
                st["none"] += 1
            elif mt == "Zero":
                st["zero"] += 1
            else:
                st["nan_left" if node["default_left"] else "nan_right"] += 1
            t = float(node["threshold"])
            if abs(t) >= 1e300:
                st["inf_threshold"] += 1
            if abs(t) <= 1e-30:
                st["zero_threshold"] += 1
    st["linear"] = text.count("\nis_linear=1\n")
    st["only_none"] = int(st["zero"] + st["nan_left"] + st["nan_right"] == 0)
    infos = [l for l in text.splitlines() if l.startswith("feature_infos=")][0]
    st["feature_infos_none"] = infos.split("=", 1)[1].split(" ").count("none")
    return st


def check_expect(case, st):
    for key, minimum in case.expect.items():
        if st.get(key, 0) < minimum:
            raise RuntimeError("case %s: expected %s >= %d, got %s" % (case.name, key, minimum, st))


# --------------------------------------------------------------------------
# Adversarial inputs
# --------------------------------------------------------------------------

ZERO_EDGES = [0.0, -0.0, math.nan, 1e-35, -1e-35, KZ, -KZ,
              next64(KZ, math.inf), next64(KZ, 0.0), next64(-KZ, -math.inf), next64(-KZ, 0.0),
              1e-36, -1e-36, 2e-35, -2e-35, 5e-324, -5e-324, 1e300, -1e300, math.inf, -math.inf]
CAT_SPECIALS = [-1.0, -2.0, -0.5, 0.5, 2.9, -0.0, 1e10, 2147483647.0, 2147483648.0,
                4294967296.0, 1e30, math.inf, -math.inf, math.nan]


def cat_values(ncat_list):
    n = len(ncat_list)
    top = max(ncat_list) + 1
    unseen = sorted(set([float(top), float(top + 1), 31.0, 32.0, 33.0, 63.0, 64.0, 1000.0,
                         1001.0, float(n), float(n + 1)]) - set(float(c) for c in ncat_list))
    return [float(c) for c in ncat_list] + unseen + CAT_SPECIALS


class RowBuilder:
    def __init__(self, case, booster, dump, rng):
        self.case = case
        self.booster = booster
        self.dump = dump
        self.rng = rng
        self.trees = [ti["tree_structure"] for ti in dump["tree_info"]]
        self.nodes = [(ti, n) for ti, ts in enumerate(self.trees) for n in iter_nodes(ts)]

    def leaves(self, rows):
        L = self.booster.predict(np.vstack(rows), pred_leaf=True, num_iteration=-1,
                                 num_threads=1)
        return np.asarray(L).reshape(len(rows), -1)

    def base(self):
        return self.case.gen(self.rng, 1, nan=False)[0]

    def satisfy(self, row, path):
        """Adjusts row (best effort) to follow path; callers check with pred_leaf."""
        lo, hi, cats = {}, {}, {}
        for node, left in path:
            f = node["split_feature"]
            if node_is_cat(node):
                allowed = set(self.case.categorical[f])
                s = cat_set(node)
                cats[f] = cats.get(f, allowed) & (s if left else allowed - s)
                continue
            t = float(node["threshold"])
            if left:
                hi[f] = min(hi.get(f, math.inf), t)
            else:
                lo[f] = max(lo.get(f, -math.inf), t)
        for f, ok in cats.items():
            v = row[f]
            if ok:
                if math.isnan(v) or int(v) not in ok:
                    lst = sorted(ok)
                    row[f] = float(lst[int(self.rng.integers(0, len(lst)))])
            else:
                row[f] = math.nan
        for f in set(lo) | set(hi):
            a, b = lo.get(f, -math.inf), hi.get(f, math.inf)
            v = row[f]
            if not math.isnan(v) and a < v <= b and abs(v) > 1e-30:
                continue
            if a == math.inf or (a >= b):
                row[f] = math.nan            # only reachable as missing
                continue
            if a > -math.inf and b < math.inf:
                v = (a + b) / 2.0
                if not (a < v <= b):
                    v = b
            elif a > -math.inf:
                v = a + max(1.0, abs(a) * 0.25)
            elif b < math.inf:
                v = b - max(1.0, abs(b) * 0.25)
            else:
                continue
            if abs(v) <= 1e-30:
                v = b if b < math.inf and abs(b) > 1e-30 else v + 0.5
            row[f] = v
        return True

    def reach(self, ti, node, path, tries=6):
        """A row that reaches node (of tree ti), or None."""
        want = self.subtree(ti, node)
        for _ in range(tries):
            r = self.base()
            self.satisfy(r, path)
            if int(self.leaves([r])[0, ti]) in want:
                return r
        return None

    def subtree(self, ti, node):
        for n, _, ll, rl in iter_nodes(self.trees[ti]):
            if n is node:
                return ll | rl
        raise KeyError

    # ---- groups ----------------------------------------------------------

    def random_rows(self):
        return list(self.case.gen(self.rng, N_RANDOM_ROWS))

    def nan_rows(self):
        nf = self.case.n_features
        rows = inject_nans(self.rng, list(self.case.gen(self.rng, N_NAN_ROWS, nan=False)),
                           list(range(nf)))
        rows.append(np.full(nf, np.nan))
        return rows

    def threshold_rows(self):
        cand = []
        seen = set()
        for ti, (node, path, ll, rl) in self.nodes:
            if node_is_cat(node):
                continue
            t = float(node["threshold"])
            key = (node["split_feature"], t)
            if key in seen or abs(t) >= 1e300:
                continue
            seen.add(key)
            cand.append((ti, node, path, ll, rl))
        order = self.rng.permutation(len(cand))
        rows, info = [], []
        for i in order:
            if len(info) >= N_THRESHOLDS:
                break
            ti, node, path, ll, rl = cand[i]
            f, t = node["split_feature"], float(node["threshold"])
            # reach the node itself (the path to it), then vary f around t
            base = self.reach(ti, node, path)
            if base is None:
                continue
            t32 = f32(t)
            new = vary(base, f, [t, next64(t, math.inf), next64(t, -math.inf),
                                 t32, next32(t32, math.inf), next32(t32, -math.inf)])
            L = self.leaves(new[:2])[:, ti]
            if not (int(L[0]) in ll and int(L[1]) in rl):
                continue
            info.append({"tree": int(ti), "split_index": int(node["split_index"]),
                         "feature": int(f), "threshold": t,
                         "missing_type": node["missing_type"],
                         "default_left": bool(node["default_left"]),
                         "row": len(rows)})
            rows.extend(new)
        return rows, info

    def base_reaching(self, accept):
        """A row that reaches the first node (in tree order) with accept(node) that it
        can reach, else a plain base row."""
        for ti, (node, path, ll, rl) in self.nodes:
            if accept(node):
                r = self.reach(ti, node, path)
                if r is not None:
                    return r
        return self.base()

    def base_reaching_cat(self, j):
        return self.base_reaching(lambda n: node_is_cat(n) and n["split_feature"] == j)

    def zero_edge_rows(self):
        rows = []
        for j in range(self.case.n_features):
            if j in self.case.categorical:
                continue
            # prefer a base row that reaches a node on j with a zero threshold or Zero type
            base = self.base_reaching(
                lambda n: not node_is_cat(n) and n["split_feature"] == j and (
                    n["missing_type"] == "Zero" or abs(float(n["threshold"])) <= 1e-30))
            rows += vary(base, j, ZERO_EDGES)
        return rows

    def categorical_rows(self):
        rows = []
        for j, cats in sorted(self.case.categorical.items()):
            rows += vary(self.base_reaching_cat(j), j, cat_values(cats))
        return rows

    def categorical_mixed_rows(self):
        rows = []
        for _ in range(N_CAT_MIXED):
            r = self.case.gen(self.rng, 1)[0]
            for j, cats in sorted(self.case.categorical.items()):
                vals = cat_values(cats)
                r[j] = vals[int(self.rng.integers(0, len(vals)))]
            rows.append(r)
        return rows


def build_rows(case, booster, dump, rng):
    rb = RowBuilder(case, booster, dump, rng)
    rg = RowGroups()
    rg.add("random", rb.random_rows())
    rg.add("nan_injected", rb.nan_rows())
    thr, thr_info = rb.threshold_rows()
    start = len(rg.rows)
    rg.add("thresholds", thr)
    for d in thr_info:
        d["row"] += start
    rg.add("zero_edges", rb.zero_edge_rows())
    if case.categorical and not case.pandas:
        rg.add("categorical_values", rb.categorical_rows())
        rg.add("categorical_mixed", rb.categorical_mixed_rows())
    return rg.matrix(), rg.groups, thr_info


# --------------------------------------------------------------------------
# pandas case
# --------------------------------------------------------------------------

def codes_to_frame(X, float32=False, label_rows=None, train=False):
    """Numeric matrix with category codes -> DataFrame with category labels.
    label_rows: optional list of (row, col, label) overrides (unseen labels)."""
    data = {}
    for j, name in enumerate(PD_COLUMNS):
        col = X[:, j]
        if j in PD_CATEGORIES:
            cats = PD_CATEGORIES[j]
            labels = [None if math.isnan(v) else cats[int(v)] for v in col]
            if label_rows:
                for r, c, lab in label_rows:
                    if c == j:
                        labels[r] = lab
            if train:
                data[name] = pd.Categorical(labels, categories=cats)
                continue
            extra = sorted(set(l for l in labels if l is not None) - set(cats), key=str)
            # categories in a different order than in training, plus unseen ones: LightGBM
            # re-maps them by label (set_categories) before taking codes
            data[name] = pd.Categorical(labels, categories=list(reversed(cats)) + extra)
        else:
            with np.errstate(over="ignore"):
                data[name] = col.astype(np.float32) if float32 else col
    return pd.DataFrame(data)


def pandas_label_rows(rb, start):
    """Rows for the categorical group of the pandas case: every label, unseen labels and
    missing, each categorical column in turn. Returns (rows, overrides)."""
    rows, overrides = [], []
    for j in sorted(PD_CATEGORIES):
        base = rb.base_reaching_cat(j)
        rows += vary(base, j, [float(c) for c in range(len(PD_CATEGORIES[j]))])
        for lab in PD_UNSEEN[j]:
            r = base.copy()
            r[j] = 0.0                      # placeholder, replaced by the label
            overrides.append((start + len(rows), j, lab))
            rows.append(r)
        r = base.copy()
        r[j] = math.nan
        rows.append(r)
    return rows, overrides


def frame_to_labels(X, overrides):
    """Cells of input.csv for the pandas case (strings; None = missing)."""
    over = {(r, c): lab for r, c, lab in overrides}
    out = []
    for i, row in enumerate(X):
        cells = []
        for j, v in enumerate(row):
            if (i, j) in over:
                cells.append(str(over[(i, j)]))
            elif math.isnan(v):
                cells.append(None)
            elif j in PD_CATEGORIES:
                cells.append(str(PD_CATEGORIES[j][int(v)]))
            else:
                cells.append(repr(float(v)))
        out.append(cells)
    return out


# --------------------------------------------------------------------------
# Training and output (fixture_common.write_cells / write_input / write_values)
# --------------------------------------------------------------------------

def train(case, rng):
    X = case.gen(rng, case.n_train)
    info = case.label_fn(rng, X)
    params = {**BASE_PARAMS, **case.params}

    def dataset(M, inf, reference=None):
        kw = {"label": inf["label"], "params": dict(params), "free_raw_data": False}
        if "group" in inf:
            kw["group"] = inf["group"]
        if reference is not None:
            kw["reference"] = reference
        if case.pandas:
            return lgb.Dataset(codes_to_frame(M, train=True), **kw)
        if case.categorical:
            kw["categorical_feature"] = sorted(case.categorical)
        return lgb.Dataset(M, feature_name=list(case.names), **kw)

    dtrain = dataset(X, info)
    kw = {"num_boost_round": case.rounds}
    if case.early_stopping:
        Xv = case.gen(rng, 300)
        dvalid = dataset(Xv, case.label_fn(rng, Xv), reference=dtrain)
        kw["valid_sets"] = [dvalid]
        kw["valid_names"] = ["valid"]
        kw["callbacks"] = [lgb.early_stopping(5, verbose=False)]
        kw["keep_training_booster"] = True
    booster = lgb.train(params, dtrain, **kw)
    return booster, params


def generate_case(case, outdir):
    rng = np.random.default_rng(case_seed(case.name))
    booster, params = train(case, rng)

    os.makedirs(outdir, exist_ok=True)
    model_path = os.path.join(outdir, "model.txt")
    booster.save_model(model_path, num_iteration=-1)
    with open(model_path) as fh:
        text = fh.read()
    dump = booster.dump_model(num_iteration=-1)
    write_json(os.path.join(outdir, "model_dump.json"), dump, separators=(",", ":"))

    st = structure_stats(dump, text)
    check_expect(case, st)

    X, groups, thr_info = build_rows(case, booster, dump, rng)
    overrides = []
    if case.pandas:
        rb = RowBuilder(case, booster, dump, rng)
        extra, overrides = pandas_label_rows(rb, len(X))
        groups.append({"kind": "categorical_labels", "start": len(X), "count": len(extra)})
        X = np.vstack([X] + [np.array(r, dtype=np.float64) for r in extra])

    def predict(M, f32in=False, **kw):
        if case.pandas:
            data = codes_to_frame(M, float32=f32in, label_rows=[
                (r, c, lab) for r, c, lab in overrides])
        else:
            with np.errstate(over="ignore"):
                data = M.astype(np.float32) if f32in else M
        return booster.predict(data, num_threads=1, **kw)

    pred = predict(X, num_iteration=-1)
    margin = predict(X, num_iteration=-1, raw_score=True)
    pred32 = predict(X, True, num_iteration=-1)
    margin32 = predict(X, True, num_iteration=-1, raw_score=True)

    names = list(case.names)
    if case.pandas:
        write_cells(os.path.join(outdir, "input.csv"), frame_to_labels(X, overrides), names)
    else:
        write_input(os.path.join(outdir, "input.csv"), X, names)
    n_out = write_values(os.path.join(outdir, "predict.csv"), pred)
    n_margin = write_values(os.path.join(outdir, "margin.csv"), margin)
    write_values(os.path.join(outdir, "predict_f32.csv"), pred32)
    write_values(os.path.join(outdir, "margin_f32.csv"), margin32)

    objective = [l for l in text.splitlines() if l.startswith("objective=")][0].split("=", 1)[1]
    num_trees = len(dump["tree_info"])
    meta = {
        "library": "lightgbm",
        "library_version": LGB_VERSION,
        "case": case.name,
        "objective": objective,
        "models": ["model.txt", "model_dump.json"],
        "input": "input.csv",
        "predict": "predict.csv",
        "margin": "margin.csv",
        "predict_kind": "float",
        "float32_input": {"predict": "predict_f32.csv", "margin": "margin_f32.csv"},
        "feature_names": names,
        "num_features": case.n_features,
        "num_rows": int(len(X)),
        "num_predict_columns": n_out,
        "num_margin_columns": n_margin,
        "num_trees": num_trees,
        "num_iterations": int(booster.current_iteration()),
        "num_tree_per_iteration": int(booster.num_model_per_iteration()),
        "average_output": "\naverage_output\n" in text,
        "train_params": {k: v for k, v in params.items()},
        "row_groups": groups,
        "threshold_nodes": thr_info,
        "structure": st,
        "notes": case.notes,
    }
    if case.categorical:
        meta["categorical_features"] = {str(k): len(v) for k, v in sorted(case.categorical.items())}
        if not case.pandas:
            meta["category_values"] = {str(k): v for k, v in sorted(case.categorical.items())}
    if case.pandas:
        meta["input_has_category_labels"] = True
        meta["category_label_columns"] = {str(j): PD_COLUMNS[j] for j in sorted(PD_CATEGORIES)}
        meta["pandas_categorical"] = dump.get("pandas_categorical")
        meta["predict_input"] = ("pandas.DataFrame: numeric columns float64 (float32 for the "
                                 "_f32 files), category columns pd.Categorical of the labels")

    if case.early_stopping:
        best = int(booster.best_iteration)
        assert 0 < best < booster.current_iteration(), (best, booster.current_iteration())
        pb = predict(X, num_iteration=best)
        mb = predict(X, num_iteration=best, raw_score=True)
        # predict() with no num_iteration uses best_iteration
        assert np.array_equal(pb, predict(X))
        write_values(os.path.join(outdir, "predict_best.csv"), pb)
        write_values(os.path.join(outdir, "margin_best.csv"), mb)
        meta["iterations"] = {"num_iterations": best, "predict": "predict_best.csv",
                              "margin": "margin_best.csv"}
        best_path = os.path.join(outdir, "model_best.txt")
        booster.save_model(best_path)             # default num_iteration = best_iteration
        reloaded = lgb.Booster(model_file=best_path)
        same = bool(np.array_equal(reloaded.predict(X, num_threads=1), pb) and
                    np.array_equal(reloaded.predict(X, num_threads=1, raw_score=True), mb))
        meta["truncated_model"] = {
            "model": "model_best.txt", "num_trees": int(reloaded.num_trees()),
            "predict": "predict_best.csv", "margin": "margin_best.csv",
            "predictions_equal_predict_best": same,
            "how": "booster.save_model(path) with the default num_iteration (best_iteration)"}
        meta["model_text_records_best_iteration"] = "best_iteration" in text
        meta["early_stopping_rounds"] = 5

    # The class LGBMClassifier.predict() gives each row (labels.csv): its code (sklearn.py,
    # predict and predict_proba) on the Booster's probabilities, since a Booster's file cannot
    # be loaded into an LGBMClassifier: argmax of [1 - p, p] for binary, of the K
    # probabilities for multiclass and multiclassova.
    if case.params.get("objective") in ("binary", "multiclass", "multiclassova", "cross_entropy"):
        proba = pred if np.ndim(pred) == 2 else np.vstack((1.0 - pred, pred)).transpose()
        with open(os.path.join(outdir, "labels.csv"), "w", newline="\n") as fh:
            fh.write("label\n")
            for v in np.argmax(proba, axis=1):
                fh.write("%d\n" % int(v))
        meta["labels"] = "labels.csv"
        meta["labels_source"] = "LGBMClassifier.predict's rule on Booster.predict: argmax(predict_proba)"

    write_json(os.path.join(outdir, "case.json"), meta, indent=1)
    return meta


def main():
    args = parse_args(__doc__, "models/lightgbm")
    root = version_dir(args.out, LGB_VERSION, args.only)
    print("lightgbm %s -> %s" % (LGB_VERSION, root))
    done, skipped = [], []
    for case in cases():
        if args.only and case.name not in args.only:
            continue
        if case.min_version and VER < case.min_version:
            reason = "needs lightgbm >= %d.%d" % case.min_version
            skipped.append((case.name, reason))
            print("  skip %-32s %s" % (case.name, reason))
            continue
        if VER < (4, 0) and not case.legacy:
            reason = "not generated for 3.x (fixture size); 3.x follows the same rules"
            skipped.append((case.name, reason))
            continue
        if case.pandas and pd is None:
            skipped.append((case.name, "pandas not installed"))
            continue
        outdir = os.path.join(root, case.name)
        meta = generate_case(case, outdir)
        done.append(case.name)
        print("  ok   %-32s trees=%-4d iters=%-4d rows=%d thr=%d" % (
            case.name, meta["num_trees"], meta["num_iterations"], meta["num_rows"],
            len(meta["threshold_nodes"])))
    if args.only is None:
        write_skipped(root, LGB_VERSION, done, skipped)
    print("generated %d cases, skipped %d" % (len(done), len(skipped)))


if __name__ == "__main__":
    main()
