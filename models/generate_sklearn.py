#!/usr/bin/env python3
"""Generate scikit-learn conformance fixtures for xylem (linear models, MLPs, pipelines).

Run inside the venv with the pinned scikit-learn (see make_venvs.sh):

    python models/generate_sklearn.py --out models/sklearn

Writes models/sklearn/<sklearn.__version__>/<case>/ with model.json (xylem JSON v2, or v3
for HistGradientBoosting categories from 1.4,
written by the xylem package in python/ straight from the fitted objects), input.csv,
predict.csv, margin.csv and case.json (see models/sklearn/README.md). Everything is
seeded: re-running with the same versions reproduces the same files.
"""

import copy
import math
import os
import sys
import warnings

import numpy as np
import sklearn
from threadpoolctl import threadpool_limits
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (ExtraTreesClassifier, ExtraTreesRegressor, GradientBoostingClassifier,
                              GradientBoostingRegressor, HistGradientBoostingClassifier,
                              HistGradientBoostingRegressor, IsolationForest, RandomForestClassifier,
                              RandomForestRegressor)
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import (ElasticNet, Lasso, LinearRegression, LogisticRegression, Ridge,
                                  SGDClassifier)
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, OneHotEncoder, StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from fixture_common import (F32_MAX, F32_MIN, RowGroups, case_seed, f32, inject_nans, next32, next64, parse_args,
                            version_dir, write_input, write_json, write_skipped, write_values)

# The exporter is the repository's python/ package (pip install ./python), used from the
# source tree so that the fixture venv need not install it.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "python"))
import xylem  # noqa: E402
from xylem import predict_kind  # noqa: E402

SK_VERSION = sklearn.__version__
SK = tuple(int(p) for p in SK_VERSION.split(".")[:2])

N_TRAIN = 600
N_RANDOM_ROWS = 200
GRID = 256.0            # data values are multiples of 1/256: exact in float32, short in decimal

# The numeric features: location and scale of each (8 features).
LOC = np.array([0.0, 1.0, -1.0, 2.0, 0.0, 0.5, -2.0, 0.0])
SCALE = np.array([1.0, 2.0, 0.5, 3.0, 1.5, 0.25, 1.0, 4.0])
# Wide-scale features for the pipelines (scaling matters there).
LOC_WIDE = np.array([0.0, 5.0, -3.0, 100.0, 0.0, 0.5, -20.0, 1000.0])
SCALE_WIDE = np.array([1.0, 2.0, 0.5, 30.0, 3.0, 0.2, 10.0, 250.0])

SPECIALS_64 = [0.0, -0.0, 1e6, -1e6, 1e30, -1e30, 1e-300, -1e-300, 5e-324]
SPECIALS_32 = [0.0, -0.0, 1e6, -1e6, f32(1e30), f32(-1e30), f32(1e-40), F32_MIN, -F32_MIN]
FAR_FACTORS = [10.0, 100.0, 1e3, 1e4, 1e5]


def grid(x):
    return np.round(x * GRID) / GRID


def gen_x(rng, n, loc=LOC, scale=SCALE):
    return grid(loc + scale * rng.normal(0.0, 1.0, (n, len(loc))))


def z(X, loc=LOC, scale=SCALE):
    return (X - loc) / scale


def lab_reg(rng, Z):
    w = np.array([1.0, -0.7, 0.5, 0.3, -1.2, 0.8, 0.0, 0.4])[:Z.shape[1]]
    return Z @ w + 0.5 * np.sin(Z[:, 0] * Z[:, 1]) + rng.normal(0, 0.2, len(Z))


def weights(k, f, seed):
    return np.random.default_rng(1000 + seed).normal(0.0, 1.0, (f, k))


def lab_multi(rng, Z, k=3):
    return Z @ weights(k, Z.shape[1], k) + 0.3 * np.tanh(Z[:, [0]] * Z[:, [1]]) + rng.normal(0, 0.2, (len(Z), k))


def lab_classes(rng, Z, k):
    L = Z @ weights(k, Z.shape[1], 10 + k) + 0.8 * np.sin(2 * Z[:, [0]]) * np.arange(k) / k
    return np.argmax(L + rng.gumbel(0, 0.5, L.shape), axis=1)


def lab_binary(rng, Z):
    s = Z @ weights(1, Z.shape[1], 1)[:, 0] + 0.5 * Z[:, 0] * Z[:, 1]
    return (rng.random(len(Z)) < 1 / (1 + np.exp(-2 * s))).astype(int)


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------

class Skip(Exception):
    """The case cannot be generated with this scikit-learn version (the reason)."""


class Case:
    """name; make(rng) -> (fitted estimator, X_train); kind: 'numeric' rows or 'mixed'
    (the ColumnTransformer layout); float32: fit and predict on float32 X; tree: a tree
    model (threshold rows, NaN rows where scikit-learn accepts them)."""

    def __init__(self, name, make, notes, float32=False, layout="numeric", wide=False, tree=False,
                 remainder=False, cat_shift=0.0):
        self.name = name
        self.make = make
        self.notes = notes
        self.float32 = float32
        self.layout = layout
        self.wide = wide
        self.tree = tree
        self.remainder = remainder
        self.cat_shift = cat_shift      # hgb layout: subtracted from column 6's categories


def numeric_case(name, est_fn, label, notes, float32=False, wide=False):
    loc, scale = (LOC_WIDE, SCALE_WIDE) if wide else (LOC, SCALE)

    def make(rng):
        X = gen_x(rng, N_TRAIN, loc, scale)
        y = label(rng, z(X, loc, scale))
        Xf = X.astype(np.float32) if float32 else X
        return est_fn().fit(Xf, y), X
    return Case(name, make, notes, float32=float32, wide=wide)


def mlp_clf(act, seed, hidden=(32, 16)):
    return lambda: MLPClassifier(hidden_layer_sizes=hidden, activation=act, max_iter=150,
                                 random_state=seed, learning_rate_init=0.01)


def mlp_reg(act, seed, hidden=(32, 16)):
    return lambda: MLPRegressor(hidden_layer_sizes=hidden, activation=act, max_iter=150,
                                random_state=seed, learning_rate_init=0.01)


# The mixed layout: 7 input columns
#   0-2 numeric with NaN in training -> SimpleImputer(median) + MinMaxScaler
#   3-4 numeric                      -> MaxAbsScaler
#   5   categorical 0..4 (integer-coded), 6 categorical {1, 2, 3, 5, 8, 13}
#   7   numeric, remainder (passthrough in the ridge variant, dropped otherwise)
CAT6 = np.array([1.0, 2.0, 3.0, 5.0, 8.0, 13.0])
MIXED_NAN = {0: 0.15, 1: 0.1, 2: 0.3}
MIXED_IMPUTED = [0, 1, 2]
MIXED_CATS = [5, 6]


def gen_mixed(rng, n, nan=True):
    X = np.empty((n, 8))
    X[:, 0] = grid(rng.normal(0.0, 1.0, n))
    X[:, 1] = grid(rng.uniform(-5.0, 5.0, n))
    X[:, 2] = grid(rng.exponential(20.0, n))
    X[:, 3] = grid(rng.normal(100.0, 30.0, n))
    X[:, 4] = grid(rng.normal(-2.0, 0.5, n))
    X[:, 5] = rng.integers(0, 5, n)
    X[:, 6] = CAT6[rng.integers(0, 6, n)]
    X[:, 7] = grid(rng.normal(3.0, 2.0, n))
    if nan:
        for j, frac in MIXED_NAN.items():
            X[rng.random(n) < frac, j] = np.nan
    return X


CAT5_EFFECT = np.array([0.8, -1.2, 0.3, 1.5, -0.4])
CAT6_EFFECT = np.array([0.5, -0.7, 1.1, -1.3, 0.2, 0.9])


def mixed_signal(X):
    x0 = np.where(np.isnan(X[:, 0]), 0.0, X[:, 0])
    x1 = np.where(np.isnan(X[:, 1]), 0.0, X[:, 1])
    x2 = np.where(np.isnan(X[:, 2]), 20.0, X[:, 2])
    c6 = np.searchsorted(CAT6, X[:, 6])
    return (0.9 * x0 - 0.3 * x1 + 0.02 * x2 + (X[:, 3] - 100) / 30 - (X[:, 4] + 2)
            + CAT5_EFFECT[X[:, 5].astype(int)] + CAT6_EFFECT[c6] + 0.3 * (X[:, 7] - 3))


def mixed_case(name, clip, final_fn, label_fn, notes, remainder="drop"):
    def make(rng):
        X = gen_mixed(rng, N_TRAIN)
        y = label_fn(rng, X)
        if clip:
            num_a = Pipeline([("impute", SimpleImputer(strategy="median")),
                              ("minmax", MinMaxScaler(feature_range=(-1.0, 1.0), clip=True))])
            try:
                num_b = MaxAbsScaler(clip=True)
            except TypeError:
                raise Skip("MaxAbsScaler has no clip parameter in scikit-learn %s" % SK_VERSION)
        else:
            num_a = Pipeline([("impute", SimpleImputer(strategy="median")), ("minmax", MinMaxScaler())])
            num_b = MaxAbsScaler()
        ct = ColumnTransformer(
            [("num_a", num_a, MIXED_IMPUTED), ("num_b", num_b, [3, 4]),
             ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), MIXED_CATS)],
            remainder=remainder, sparse_threshold=0.0)
        pipe = Pipeline([("prep", ct), ("est", final_fn())])
        return pipe.fit(X, y), X
    return Case(name, make, notes, layout="mixed")


def impute_case(name, keep_empty, strategy, scaler_fn, final_fn, label, notes):
    """A whole-row SimpleImputer; column 3 is all NaN in training (an empty feature)."""
    def make(rng):
        X = gen_x(rng, N_TRAIN, LOC_WIDE, SCALE_WIDE)
        Z = z(X, LOC_WIDE, SCALE_WIDE)
        y = label(rng, Z)
        for j, frac in {0: 0.2, 5: 0.1, 6: 0.3}.items():
            X[rng.random(len(X)) < frac, j] = np.nan
        X[:, 3] = np.nan
        pipe = Pipeline([("impute", SimpleImputer(strategy=strategy, keep_empty_features=keep_empty)),
                         ("scale", scaler_fn()), ("est", final_fn())])
        return pipe.fit(X, y), X
    return Case(name, make, notes, layout="impute", wide=True)


def mixed_reg(rng, X):
    return mixed_signal(X) + rng.normal(0, 0.2, len(X))


def mixed_classes(rng, X):
    s = mixed_signal(X)
    L = np.column_stack([s, -s, 0.5 * np.sin(2 * s)])
    return np.argmax(L + rng.gumbel(0, 0.5, L.shape), axis=1)


def cases():
    c = []
    c.append(numeric_case("linear_regression", LinearRegression, lab_reg, "LinearRegression, one target"))
    c.append(numeric_case("ridge_multi_target", lambda: Ridge(alpha=1.0), lambda r, Z: lab_multi(r, Z, 3),
                          "Ridge on 3 targets: linear with 3 outputs, task multi_target_regression"))
    c.append(numeric_case("lasso", lambda: Lasso(alpha=0.05), lab_reg, "Lasso (some coefficients exactly 0)"))
    c.append(numeric_case("elastic_net", lambda: ElasticNet(alpha=0.05, l1_ratio=0.5), lab_reg, "ElasticNet"))
    c.append(numeric_case("logistic_binary", lambda: LogisticRegression(max_iter=200), lab_binary,
                          "binary LogisticRegression: 1 margin, transform sigmoid_pair"))
    c.append(numeric_case("logistic_multinomial", lambda: LogisticRegression(max_iter=200),
                          lambda r, Z: lab_classes(r, Z, 4),
                          "4-class LogisticRegression (multinomial, lbfgs): softmax over 4 margins"))
    c.append(numeric_case("logistic_ovr", lambda: OneVsRestClassifier(LogisticRegression(max_iter=200)),
                          lambda r, Z: lab_classes(r, Z, 4),
                          "OneVsRestClassifier(LogisticRegression), 4 classes: transform normalized_sigmoid "
                          "(scikit-learn 1.9 has no multi_class parameter any more)"))
    c.append(numeric_case("linear_svc_binary", lambda: LinearSVC(max_iter=500, random_state=0), lab_binary,
                          "LinearSVC binary: predict() class index via hinge_class"))
    c.append(numeric_case("linear_svc_multiclass", lambda: LinearSVC(max_iter=500, random_state=0),
                          lambda r, Z: lab_classes(r, Z, 4),
                          "LinearSVC 4 classes (one-vs-rest): predict() class index via argmax_class"))
    c.append(numeric_case("sgd_hinge_multiclass",
                          lambda: SGDClassifier(loss="hinge", max_iter=50, tol=None, random_state=3),
                          lambda r, Z: lab_classes(r, Z, 4),
                          "SGDClassifier(hinge), 4 classes: predict() class index via argmax_class"))
    c.append(numeric_case("sgd_log_loss_binary",
                          lambda: SGDClassifier(loss="log_loss", max_iter=50, tol=None, random_state=4),
                          lab_binary, "SGDClassifier(log_loss) binary: predict_proba via sigmoid_pair"))
    c.append(numeric_case("sgd_log_loss_multiclass",
                          lambda: SGDClassifier(loss="log_loss", max_iter=50, tol=None, random_state=5),
                          lambda r, Z: lab_classes(r, Z, 4),
                          "SGDClassifier(log_loss), 4 classes: predict_proba is the one-vs-rest "
                          "normalized_sigmoid (_predict_proba_lr)"))
    for i, act in enumerate(["identity", "logistic", "tanh", "relu"]):
        c.append(numeric_case("mlp_classifier_" + act, mlp_clf(act, 10 + i), lambda r, Z: lab_classes(r, Z, 4),
                              "MLPClassifier (32, 16) %s, 4 classes: softmax output" % act))
    c.append(numeric_case("mlp_classifier_binary_relu", mlp_clf("relu", 20), lab_binary,
                          "MLPClassifier (32, 16) relu, binary: one logistic output -> sigmoid_pair"))
    for i, act in enumerate(["identity", "logistic", "tanh", "relu"]):
        c.append(numeric_case("mlp_regressor_" + act, mlp_reg(act, 30 + i), lab_reg,
                              "MLPRegressor (32, 16) %s" % act))
    c.append(numeric_case("mlp_regressor_float32_relu", mlp_reg("relu", 40), lab_reg,
                          "MLPRegressor relu fit on float32 X: float32 coefs_, network precision float32; "
                          "predictions from float32 input", float32=True))
    c.append(numeric_case("mlp_classifier_float32_tanh", mlp_clf("tanh", 41), lambda r, Z: lab_classes(r, Z, 4),
                          "MLPClassifier tanh fit on float32 X, 4 classes: float32 network and softmax; "
                          "predictions from float32 input", float32=True))
    c.append(numeric_case("pipeline_scaler_logistic",
                          lambda: Pipeline([("scale", StandardScaler()),
                                            ("est", LogisticRegression(max_iter=200))]),
                          lambda r, Z: lab_classes(r, Z, 3),
                          "StandardScaler -> LogisticRegression (3 classes, multinomial): standard_scale step",
                          wide=True))
    c.append(numeric_case("pipeline_scaler_mlp_classifier",
                          lambda: Pipeline([("scale", StandardScaler()),
                                            ("est", MLPClassifier(hidden_layer_sizes=(16, 8), activation="tanh",
                                                                  max_iter=150, random_state=50,
                                                                  learning_rate_init=0.01))]),
                          lambda r, Z: lab_classes(r, Z, 3),
                          "StandardScaler -> MLPClassifier (16, 8) tanh, 3 classes", wide=True))
    c.append(mixed_case("pipeline_preprocess_mixed", True, lambda: LogisticRegression(max_iter=300), mixed_classes,
                        "ColumnTransformer [SimpleImputer(median) + MinMaxScaler((-1, 1), clip=True) on 0-2, "
                        "MaxAbsScaler(clip=True) on 3-4, OneHotEncoder(handle_unknown='ignore') on 5-6, "
                        "column 7 dropped] -> LogisticRegression (3 classes). Clip range (-1, 1) for both "
                        "clipping blocks: see README (xylem's clip applies to every column)"))
    c.append(mixed_case("pipeline_preprocess_mixed_ridge", False, lambda: Ridge(alpha=0.5), mixed_reg,
                        "ColumnTransformer [SimpleImputer(median) + MinMaxScaler on 0-2, MaxAbsScaler on 3-4, "
                        "OneHotEncoder(handle_unknown='ignore') on 5-6, remainder='passthrough' (column 7)] "
                        "-> Ridge", remainder="passthrough"))
    c.append(impute_case("pipeline_impute_keep_empty", True, "mean", lambda: MinMaxScaler(clip=True),
                         lambda: Ridge(alpha=1.0), lab_reg,
                         "SimpleImputer(mean, keep_empty_features=True; column 3 all NaN in training, imputed "
                         "with 0) -> MinMaxScaler(clip=True) on the whole row -> Ridge"))
    c.append(impute_case("pipeline_impute_drop_empty", False, "most_frequent", StandardScaler,
                         lambda: LogisticRegression(max_iter=200), lab_binary,
                         "SimpleImputer(most_frequent, keep_empty_features=False: column 3, all NaN in "
                         "training, is dropped -> select_columns) -> StandardScaler -> binary LogisticRegression"))
    return c + tree_cases()


# --------------------------------------------------------------------------
# Tree cases
# --------------------------------------------------------------------------

TREE_NAN_COLS = {1: 0.15, 3: 0.15, 5: 0.10}      # NaN in training, for the "_missing" cases


def nan_fit_probe(est_fn):
    """None when est_fn() fits on X with NaN in this version, else the error text."""
    rng = np.random.default_rng(0)
    X = rng.normal(0, 1, (40, 3))
    X[::5, 1] = np.nan
    y = (rng.random(40) < 0.5).astype(int)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est_fn().fit(X, y)
    except (ValueError, TypeError) as e:
        return " ".join(str(e).split())[:160]
    return None


def tree_case(name, est_fn, label, notes, nan_train=False, wide=False, unsupervised=False):
    loc, scale = (LOC_WIDE, SCALE_WIDE) if wide else (LOC, SCALE)

    def make(rng):
        if nan_train:
            err = nan_fit_probe(est_fn)
            if err is not None:
                raise Skip("scikit-learn %s cannot fit this estimator on NaN: %s" % (SK_VERSION, err))
        X = gen_x(rng, N_TRAIN, loc, scale)
        y = None if unsupervised else label(rng, z(X, loc, scale))
        if nan_train:
            for j, frac in TREE_NAN_COLS.items():
                X[rng.random(len(X)) < frac, j] = np.nan
        return (est_fn().fit(X) if unsupervised else est_fn().fit(X, y)), X
    return Case(name, make, notes, wide=wide, tree=True)


# HistGradientBoosting layout: columns 0-5 numeric (NaN in 1, 3 in training), 6 categorical
# with 11 training categories (4 never seen; NaN in training), 7 categorical 0..4.
HGB_CAT6 = np.array([0.0, 1.0, 2.0, 3.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0])
HGB_EFF6 = np.array([0.9, -1.1, 0.4, 1.6, 0.0, -0.6, 1.2, -1.5, 0.3, 0.8, -0.2, 1.0])
HGB_EFF7 = np.array([-0.8, 1.3, 0.2, -1.4, 0.7])
HGB_CATS = [6, 7]


def gen_hgb(rng, n, nan=True, shift=0.0):
    X = gen_x(rng, n)
    X[:, 6] = HGB_CAT6[rng.integers(0, len(HGB_CAT6), n)] - shift
    X[:, 7] = rng.integers(0, 5, n)
    if nan:
        for j, frac in {1: 0.15, 3: 0.1, 6: 0.1}.items():
            X[rng.random(n) < frac, j] = np.nan
    return X


def hgb_signal(X, shift=0.0):
    Z = np.nan_to_num(z(X))[:, :6]
    c6 = np.where(np.isnan(X[:, 6]), 4, np.nan_to_num(X[:, 6]) + shift).astype(int)
    return Z @ np.array([1.0, -0.8, 0.6, 0.5, -0.9, 0.4]) + HGB_EFF6[c6] + HGB_EFF7[X[:, 7].astype(int)]


def hgb_case(name, est_fn, kind, notes, categorical=True, cat_shift=0.0):
    def make(rng):
        if cat_shift and SK < (1, 4):
            raise Skip("scikit-learn %s casts categories to uint8: negative categories are missing values"
                       % SK_VERSION)
        X = gen_hgb(rng, N_TRAIN, shift=cat_shift) if categorical else gen_x(rng, N_TRAIN)
        if categorical:
            s = hgb_signal(X, cat_shift)
        else:
            s = np.nan_to_num(z(X)) @ np.array([1.0, -0.7, 0.5, 0.3, -1.2, 0.8, 0.0, 0.4])
            s = s + 0.5 * np.sin(np.nan_to_num(z(X))[:, 0] * 2)
        if kind == "binary":
            y = (rng.random(len(X)) < 1 / (1 + np.exp(-2 * s))).astype(int)
        elif kind == "multiclass":
            L = np.column_stack([s, -s, 0.7 * np.sin(2 * s)])
            y = np.argmax(L + rng.gumbel(0, 0.5, L.shape), axis=1)
        else:
            y = s + rng.normal(0, 0.2, len(X))
        if not categorical:
            for j, frac in {1: 0.15, 3: 0.2, 5: 0.1}.items():
                X[rng.random(len(X)) < frac, j] = np.nan
        return est_fn().fit(X, y), X
    return Case(name, make, notes, layout="hgb" if categorical else "numeric", tree=True, cat_shift=cat_shift)


def tree_mixed_case(name, final_fn, notes):
    """ColumnTransformer [SimpleImputer on 0-2, OneHotEncoder on 5-6, passthrough 3, 4, 7] -> a forest."""
    def make(rng):
        X = gen_mixed(rng, N_TRAIN)
        y = mixed_classes(rng, X)
        ct = ColumnTransformer(
            [("impute", SimpleImputer(strategy="median"), MIXED_IMPUTED),
             ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), MIXED_CATS)],
            remainder="passthrough", sparse_threshold=0.0)
        return Pipeline([("prep", ct), ("est", final_fn())]).fit(X, y), X
    return Case(name, make, notes, layout="mixed", tree=True, remainder=True)


def tree_cases():
    c = []
    c.append(tree_case("decision_tree_classifier",
                       lambda: DecisionTreeClassifier(max_depth=6, random_state=1), lambda r, Z: lab_classes(r, Z, 3),
                       "DecisionTreeClassifier depth 6, 3 classes: one tree, vector leaves = predict_proba"))
    c.append(tree_case("decision_tree_regressor", lambda: DecisionTreeRegressor(max_depth=6, random_state=2),
                       lab_reg, "DecisionTreeRegressor depth 6"))
    c.append(tree_case("decision_tree_classifier_missing",
                       lambda: DecisionTreeClassifier(max_depth=6, random_state=3), lambda r, Z: lab_classes(r, Z, 3),
                       "DecisionTreeClassifier trained with NaN (features 1, 3, 5): missing_go_to_left",
                       nan_train=True))
    c.append(tree_case("random_forest_classifier",
                       lambda: RandomForestClassifier(n_estimators=20, max_depth=5, random_state=4),
                       lambda r, Z: lab_classes(r, Z, 3),
                       "RandomForestClassifier 20 trees depth 5, 3 classes: average of per-tree predict_proba"))
    c.append(tree_case("random_forest_regressor",
                       lambda: RandomForestRegressor(n_estimators=20, max_depth=5, random_state=5),
                       lab_reg, "RandomForestRegressor 20 trees depth 5: average"))
    c.append(tree_case("random_forest_regressor_missing",
                       lambda: RandomForestRegressor(n_estimators=20, max_depth=5, random_state=6),
                       lab_reg, "RandomForestRegressor trained with NaN (features 1, 3, 5)", nan_train=True))
    c.append(tree_case("extra_trees_classifier",
                       lambda: ExtraTreesClassifier(n_estimators=20, max_depth=6, random_state=7), lab_binary,
                       "ExtraTreesClassifier 20 trees depth 6, binary: two probability columns"))
    c.append(tree_case("extra_trees_regressor",
                       lambda: ExtraTreesRegressor(n_estimators=20, max_depth=6, random_state=8), lab_reg,
                       "ExtraTreesRegressor 20 trees depth 6"))
    c.append(tree_case("extra_trees_regressor_multi_target",
                       lambda: ExtraTreesRegressor(n_estimators=15, max_depth=5, random_state=9),
                       lambda r, Z: lab_multi(r, Z, 3),
                       "ExtraTreesRegressor on 3 targets: vector leaves (leaf_size 3), multi_target_regression"))
    c.append(tree_case("extra_trees_classifier_missing",
                       lambda: ExtraTreesClassifier(n_estimators=15, max_depth=6, random_state=10), lab_binary,
                       "ExtraTreesClassifier trained with NaN (features 1, 3, 5)", nan_train=True))
    c.append(tree_case("gradient_boosting_classifier_binary",
                       lambda: GradientBoostingClassifier(n_estimators=60, max_depth=3, random_state=11), lab_binary,
                       "GradientBoostingClassifier binary, 60 trees depth 3: base = log-odds prior, "
                       "leaves = learning_rate * value, sigmoid_pair"))
    c.append(tree_case("gradient_boosting_classifier_multiclass",
                       lambda: GradientBoostingClassifier(n_estimators=30, max_depth=3, learning_rate=0.2,
                                                          random_state=12), lambda r, Z: lab_classes(r, Z, 3),
                       "GradientBoostingClassifier 3 classes, 30 iterations x 3 trees: softmax"))
    c.append(tree_case("gradient_boosting_regressor",
                       lambda: GradientBoostingRegressor(n_estimators=60, max_depth=3, random_state=13), lab_reg,
                       "GradientBoostingRegressor squared_error, 60 trees depth 3: base = mean"))
    c.append(tree_case("gradient_boosting_regressor_init_zero",
                       lambda: GradientBoostingRegressor(n_estimators=40, max_depth=2, init="zero",
                                                         loss="huber", random_state=14), lab_reg,
                       "GradientBoostingRegressor(init='zero', loss='huber'): base scores 0"))
    c.append(hgb_case("hist_gradient_boosting_classifier_categorical",
                      lambda: HistGradientBoostingClassifier(max_iter=40, max_leaf_nodes=15, categorical_features=[6, 7],
                                                             early_stopping=False, random_state=15), "binary",
                      "HistGradientBoostingClassifier binary, categorical_features=[6, 7] (indices), NaN in "
                      "training (numeric 1, 3 and categorical 6; category 4 of column 6 never seen)"))
    c.append(hgb_case("hist_gradient_boosting_classifier_multiclass",
                      lambda: HistGradientBoostingClassifier(max_iter=25, max_leaf_nodes=8,
                                                             categorical_features=np.arange(8) == 7,
                                                             early_stopping=False, random_state=16), "multiclass",
                      "HistGradientBoostingClassifier 3 classes, categorical_features = boolean mask (column 7; "
                      "column 6 is numeric here), softmax"))
    c.append(hgb_case("hist_gradient_boosting_regressor_negative_categories",
                      lambda: HistGradientBoostingRegressor(max_iter=30, max_leaf_nodes=15, categorical_features=[6, 7],
                                                            early_stopping=False, random_state=19), "regression",
                      "HistGradientBoostingRegressor, categorical_features=[6, 7], column 6's training categories "
                      "-6..5 (-2 never seen; NaN in training): negative categories are real categories to 1.4+'s "
                      "OrdinalEncoder, exact_integer keys such as 4294967295 for -1 (1.9.1 only)", cat_shift=6.0))
    c.append(hgb_case("hist_gradient_boosting_regressor_missing",
                      lambda: HistGradientBoostingRegressor(max_iter=50, max_leaf_nodes=15, early_stopping=False,
                                                            random_state=17), "regression",
                      "HistGradientBoostingRegressor, numeric only (default categorical_features), NaN in training "
                      "(features 1, 3, 5)", categorical=False))
    c.append(tree_case("isolation_forest",
                       lambda: IsolationForest(n_estimators=25, max_samples=64, max_features=0.75, random_state=18),
                       None, "IsolationForest 25 trees, max_samples 64, max_features 0.75 (per-tree feature subsets): "
                       "predict.csv is -score_samples (xylem cannot negate), margin.csv its log", unsupervised=True))
    c.append(tree_case("pipeline_scaler_gradient_boosting_classifier",
                       lambda: Pipeline([("scale", StandardScaler()),
                                         ("est", GradientBoostingClassifier(n_estimators=40, max_depth=3,
                                                                            random_state=19))]),
                       lambda r, Z: lab_classes(r, Z, 3),
                       "StandardScaler -> GradientBoostingClassifier (3 classes): standard_scale in float64, "
                       "then float32 tree inputs", wide=True))
    c.append(tree_mixed_case("pipeline_impute_onehot_random_forest",
                             lambda: RandomForestClassifier(n_estimators=15, max_depth=6, random_state=20),
                             "ColumnTransformer [SimpleImputer(median) on 0-2, OneHotEncoder(handle_unknown='ignore') "
                             "on 5-6, remainder='passthrough' (3, 4, 7)] -> RandomForestClassifier (3 classes)"))
    return c


# --------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------

def final_estimator(model):
    return model.steps[-1][1] if isinstance(model, Pipeline) else model


TREE_CLASSIFIERS = (DecisionTreeClassifier, RandomForestClassifier, ExtraTreesClassifier)


def decision_margins(model, X):
    """Margins (n, K) of the fitted model: decision_function for linear classifiers and
    GradientBoostingClassifier (its _raw_predict), predict for regressors, the logits for
    MLPs, predict_proba for tree and forest classifiers (their margins are the averaged
    probabilities), HistGradientBoosting's _raw_predict."""
    est = final_estimator(model)
    Xt = model[:-1].transform(X) if isinstance(model, Pipeline) else X
    if isinstance(est, (MLPClassifier, MLPRegressor)):
        logits = copy.deepcopy(est)
        logits.out_activation_ = "identity"
        return logits._forward_pass_fast(Xt)
    if isinstance(est, TREE_CLASSIFIERS):
        return est.predict_proba(Xt)
    if isinstance(est, (HistGradientBoostingClassifier, HistGradientBoostingRegressor)):
        return est._raw_predict(Xt)
    if hasattr(est, "decision_function"):
        return est.decision_function(Xt)
    return est.predict(Xt)


def predictions(model, X):
    """predict() for class-index and regression models, predict_proba for the rest,
    -score_samples for IsolationForest."""
    if isinstance(final_estimator(model), IsolationForest):
        return -model.score_samples(X)
    if predict_kind(model) == "float" and hasattr(final_estimator(model), "classes_"):
        return model.predict_proba(X)
    return model.predict(X)


def iforest_depths(est, X):
    """IsolationForest: the sum over trees of (path length + c(leaf size) - 1), in tree
    order, as _compute_score_samples sums it (scikit-learn's own per-tree arrays)."""
    X32 = np.asarray(X, dtype=np.float32)
    subsample = est._max_features != X.shape[1]
    depths = np.zeros(X.shape[0], order="f")
    per_tree = getattr(est, "_decision_path_lengths", None)
    from sklearn.ensemble._iforest import _average_path_length
    for t, (tree, features) in enumerate(zip(est.estimators_, est.estimators_features_)):
        Xs = X32[:, features] if subsample else X32
        leaves = tree.apply(Xs)
        if per_tree is not None:
            depths += est._decision_path_lengths[t][leaves] + est._average_path_length_per_tree[t][leaves] - 1.0
        else:
            node_indicator = tree.decision_path(Xs)
            n_leaf = tree.tree_.n_node_samples[leaves]
            depths += np.ravel(node_indicator.sum(axis=1)) + _average_path_length(n_leaf) - 1.0
    return depths


def numeric_rows(rng, case, model):
    loc, scale = (LOC_WIDE, SCALE_WIDE) if case.wide else (LOC, SCALE)
    f = len(loc)
    specials = SPECIALS_32 if case.float32 else SPECIALS_64
    g = RowGroups()
    g.add("random", list(gen_x(rng, N_RANDOM_ROWS, loc, scale)))
    base = grid(loc)
    sv = []
    for j in range(f):
        for v in specials:
            r = base.copy()
            r[j] = v
            sv.append(r)
    g.add("special_values", sv)
    whole = [np.full(f, v) for v in (0.0, -0.0, 1e6, -1e6, specials[6], specials[7])]
    g.add("whole_rows", whole)
    far = []
    for m in FAR_FACTORS:
        for _ in range(6):
            far.append(grid(loc + scale * m * rng.normal(0, 1, f)))
    if case.float32:
        far = [r.astype(np.float32).astype(np.float64) for r in far]
    g.add("far_out", far)
    return g


TREE_SPECIALS = [0.0, -0.0, 1e6, -1e6, 1e30, -1e30, 3e38, -3e38, F32_MAX, -F32_MAX, 1e-300, -1e-300,
                 5e-324, 1e-45, -1e-45, F32_MIN]
HGB_EXTRA_SPECIALS = [1e300, -1e300, math.inf, -math.inf]
HGB_CAT_VALUES = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 11.0, 12.0, 13.0, 50.0, 200.0, 254.0, 255.0, 255.5,
                  256.0, 259.0, 300.0, 1000.0, 1e10, 1e30, -1e30, -1.0, -2.0, -0.5, -0.0, 0.5, 2.5, 3.9,
                  10.999, 5e-324, math.inf, -math.inf, math.nan,
                  # the edges of exact_integer's int32 range, and -6..-3 (categories when shifted)
                  2147483647.0, 2147483648.0, -2147483648.0, -2147483649.0, 4294967295.0, 4294967296.0,
                  -3.0, -4.0, -5.0, -6.0, -7.0, -1.5]


def accepts(model, row):
    """Whether scikit-learn predicts on this row (rather than raising)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            predictions(model, np.asarray(row, dtype=np.float64)[None, :])
    except ValueError:
        return False
    return True


def accepts_nan(model, row):
    r = np.array(row, dtype=np.float64)[None, :].copy()
    r[0, 0] = np.nan
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            predictions(model, r)
    except ValueError:
        return False
    return True


def model_thresholds(path, per_feature=6):
    """(feature, threshold) of the numeric nodes in model.json, up to per_feature spread-out
    distinct thresholds per feature (the estimator's features, after preprocessing)."""
    import json
    doc = json.load(open(path))
    found = {}
    for t in doc["trees"]:
        cats = set(t.get("categorical_nodes", []))
        for i, l in enumerate(t["left_children"]):
            if l == -1 or i in cats:
                continue
            v = t["thresholds"][i]
            v = {"inf": math.inf, "-inf": -math.inf}.get(v, v) if isinstance(v, str) else float(v)
            if math.isfinite(v):
                found.setdefault(t["split_features"][i], set()).add(v)
    out = []
    for f in sorted(found):
        vals = sorted(found[f])
        idx = np.unique(np.linspace(0, len(vals) - 1, min(per_feature, len(vals))).round().astype(int))
        out += [(f, vals[i]) for i in idx]
    return out


def neighbours(t):
    """t, its float64 neighbours, the float32 values around it and their float32 neighbours."""
    out = [t, next64(t, math.inf), next64(t, -math.inf)]
    t32 = f32(t)
    out += [t32, next32(t32, math.inf), next32(t32, -math.inf)]
    return list(dict.fromkeys(out))      # distinct, in order (-0.0 == 0.0 keeps the first)


def tree_rows(rng, case, model, model_path):
    """Rows for a tree case; -> (RowGroups, nan accepted, rows of known differences or None)."""
    est = final_estimator(model)
    hgb = isinstance(est, (HistGradientBoostingClassifier, HistGradientBoostingRegressor))
    refused = []
    if case.layout == "mixed":
        g = mixed_rows(rng, case, model)
        return g, True, None, refused
    loc, scale = (LOC_WIDE, SCALE_WIDE) if case.wide else (LOC, SCALE)
    f = len(loc)
    base = grid(loc)
    cat_cols = HGB_CATS if case.layout == "hgb" else []
    if cat_cols:
        base[6], base[7] = 3.0, 2.0
    nan_ok = accepts_nan(model, base)
    g = RowGroups()
    if case.layout == "hgb":
        R = gen_hgb(rng, N_RANDOM_ROWS, nan=True, shift=case.cat_shift)
    else:
        R = gen_x(rng, N_RANDOM_ROWS, loc, scale)
        if nan_ok:
            for j, frac in TREE_NAN_COLS.items():
                R[rng.random(len(R)) < frac, j] = np.nan
    g.add("random", list(R))
    specials = TREE_SPECIALS + (HGB_EXTRA_SPECIALS if hgb else []) + ([math.nan] if nan_ok else [])
    sv = []
    for j in range(f):
        if j in cat_cols:
            continue
        for v in specials:
            r = base.copy()
            r[j] = v
            if accepts(model, r):
                sv.append(r)
            else:
                refused.append(v)      # e.g. float32 overflow after a StandardScaler
    g.add("special_values", sv)
    whole = [np.full(f, v) for v in (0.0, -0.0, 1e6, -1e6, 1e30, -1e30)] + ([np.full(f, np.nan)] if nan_ok else [])
    for r in whole:
        if cat_cols:
            r[cat_cols] = base[cat_cols]
    g.add("whole_rows", [r for r in whole if accepts(model, r)])
    far = []
    for m in FAR_FACTORS:
        for _ in range(4):
            r = grid(loc + scale * m * rng.normal(0, 1, f))
            if cat_cols:
                r[cat_cols] = base[cat_cols]
            far.append(r)
    g.add("far_out", far)
    # thresholds in the estimator's feature space; through a StandardScaler: x = t * scale + mean
    scaler = model.steps[0][1] if isinstance(model, Pipeline) else None
    th = []
    for j, t in model_thresholds(model_path):
        x = t * scaler.scale_[j] + scaler.mean_[j] if isinstance(scaler, StandardScaler) else t
        for v in neighbours(x):
            r = base.copy()
            r[j] = v
            th.append(r)
    g.add("thresholds", th)
    if nan_ok:
        nan_rows = [gen_hgb(rng, 1, nan=False, shift=case.cat_shift)[0] if case.layout == "hgb" else grid(loc + scale * rng.normal(0, 1, f))
                    for _ in range(20)]
        cols = [j for j in range(f) if j not in cat_cols] if not cat_cols else list(range(f))
        g.add("nan_injected", inject_nans(rng, nan_rows, cols))
    known = None
    if cat_cols:
        cv, kd = [], []
        est_is_cat = getattr(est, "is_categorical_", None)
        for j in cat_cols:
            for v in HGB_CAT_VALUES:
                r = base.copy()
                r[j] = v
                # scikit-learn < 1.4 casts the value to uint8 (an out-of-range C cast: 256 -> 0,
                # 1e30 -> 0 on x86); xylem treats values >= 256 as unknown (missing side)
                if not accepts(model, r):
                    refused.append(v)
                    continue
                real_cat = est_is_cat is not None and bool(est_is_cat[j])
                (kd if SK < (1, 4) and real_cat and v >= 256 else cv).append(r)
        g.add("categorical_values", cv)
        known = kd or None
    return g, nan_ok, known, sorted(set(refused), key=repr)



def underflow_rows(rng, model, loc, scale):
    """Rows where every one-vs-rest sigmoid underflows to 0 (all decisions < -750),
    found along random directions; [] when there is none."""
    est = final_estimator(model)
    coef = np.array([e.coef_[0] for e in est.estimators_]) if isinstance(est, OneVsRestClassifier) \
        else np.asarray(est.coef_)
    out = []
    for _ in range(4000):
        v = rng.normal(0, 1, coef.shape[1])
        d = coef @ v
        if np.all(d < 0):
            t = 800.0 / np.min(-d) * 2.0
            for s in (1.0, 4.0):
                r = grid(loc + scale * 0 + v * t * s)
                if np.all(decision_margins(model, r[None, :])[0] < -750):
                    out.append(r)
            if len(out) >= 6:
                break
    return out


def mixed_rows(rng, case, model):
    g = RowGroups()
    with_rem = case.name.endswith("_ridge") or case.remainder
    g.add("random", list(gen_mixed(rng, N_RANDOM_ROWS)))
    base = gen_mixed(np.random.default_rng(7), 1, nan=False)[0]
    nan_rows = []
    for j in MIXED_IMPUTED + MIXED_CATS:
        r = base.copy()
        r[j] = np.nan
        nan_rows.append(r)
    r = base.copy(); r[MIXED_IMPUTED] = np.nan; nan_rows.append(r)
    r = base.copy(); r[MIXED_IMPUTED + MIXED_CATS] = np.nan; nan_rows.append(r)
    for _ in range(10):
        r = gen_mixed(rng, 1, nan=False)[0]
        r[rng.choice(MIXED_IMPUTED + MIXED_CATS, 2, replace=False)] = np.nan
        nan_rows.append(r)
    g.add("nan_injected", nan_rows)
    cat = []
    for j, seen in ((5, [0.0, 1.0, 2.0, 3.0, 4.0]), (6, list(CAT6))):
        for v in seen + [-0.0, -1.0, 5.0, 7.0, 2.5, 0.5, 1e9, -1e9, 1e30, 5e-324]:
            r = base.copy()
            r[j] = v
            cat.append(r)
    g.add("categorical_values", cat)
    sv = []
    numeric = [0, 1, 2, 3, 4] + ([7] if with_rem else [])
    for j in numeric:
        for v in SPECIALS_64 + [-50.0, 50.0, 1e3, -1e3]:
            r = base.copy()
            r[j] = v
            sv.append(r)
    g.add("special_values", sv)
    far = []
    for m in (10.0, 1e3, 1e6):
        for _ in range(4):
            r = gen_mixed(rng, 1, nan=False)[0]
            r[numeric] *= m
            far.append(r)
    g.add("far_out", far)
    return g


def impute_rows(rng, case, model):
    g = RowGroups()
    X = gen_x(rng, N_RANDOM_ROWS, LOC_WIDE, SCALE_WIDE)
    X[:, 3] = np.nan
    X[rng.random(len(X)) < 0.2, 0] = np.nan
    X[rng.random(len(X)) < 0.1, 5] = np.nan
    g.add("random", list(X))
    base = grid(LOC_WIDE)
    # column 3 (empty in training): any value, NaN included, must not matter when dropped
    sv = []
    for j in range(8):
        for v in SPECIALS_64 + [math.nan]:
            r = base.copy()
            r[j] = v
            sv.append(r)
    g.add("special_values", sv)
    g.add("nan_injected", [np.full(8, np.nan), np.where(np.arange(8) % 2 == 0, np.nan, base)])
    far = []
    for m in FAR_FACTORS:
        for _ in range(4):
            far.append(grid(LOC_WIDE + SCALE_WIDE * m * rng.normal(0, 1, 8)))
    g.add("far_out", far)
    return g


# --------------------------------------------------------------------------
# One case
# --------------------------------------------------------------------------

def estimator_text(model):
    return " ".join(str(model).split())


def iforest_margins(model, X, outdir):
    """xylem's margin of an IsolationForest: the depth sum times output.scale
    (-ln 2 / (n_estimators * c(max_samples))); checks that 2 ** (-depths / denominator) is
    scikit-learn's -score_samples bit for bit (the depth sum is scikit-learn's)."""
    import json
    est = final_estimator(model)
    doc = xylem.export_dict(model)
    depths = iforest_depths(est, X)
    max_samples = getattr(est, "_max_samples", None) or est.max_samples_
    from sklearn.ensemble._iforest import _average_path_length
    den = len(est.estimators_) * _average_path_length([max_samples])
    assert np.array_equal(2 ** (-np.divide(depths, den)), -est.score_samples(X)), "depth sum differs"
    return depths * doc["output"]["scale"]


def generate_case(case, outdir):
    rng = np.random.default_rng(case_seed(case.name))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("ignore", "Skipping features without any observed values")
        model, _ = case.make(rng)
    os.makedirs(outdir, exist_ok=True)
    xylem.export(model, os.path.join(outdir, "model.json"))

    rows_rng = np.random.default_rng(case_seed(case.name) + 1)
    nan_ok, known, refused = None, None, []
    if case.tree:
        g, nan_ok, known, refused = tree_rows(rows_rng, case, model, os.path.join(outdir, "model.json"))
    elif case.layout == "mixed":
        g = mixed_rows(rows_rng, case, model)
    elif case.layout == "impute":
        g = impute_rows(rows_rng, case, model)
    else:
        g = numeric_rows(rows_rng, case, model)
    X = g.matrix()
    if case.float32:
        assert np.array_equal(X.astype(np.float32).astype(np.float64), X, equal_nan=True), "not float32 rows"
    Xp = X.astype(np.float32) if case.float32 else X
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)       # OneHotEncoder: unknown categories
        warnings.simplefilter("ignore", RuntimeWarning)    # overflow in exp on far-out rows
        P = np.asarray(predictions(model, Xp), dtype=np.float64)
        M = iforest_margins(model, Xp, outdir) if isinstance(final_estimator(model), IsolationForest) \
            else np.asarray(decision_margins(model, Xp), dtype=np.float64)
    kind = predict_kind(model)
    if np.any(np.isnan(P)) or np.any(np.isnan(M)):
        raise RuntimeError("%s: scikit-learn returned NaN" % case.name)

    header = ["f%d" % j for j in range(X.shape[1])]
    write_input(os.path.join(outdir, "input.csv"), X, header)
    fmt = (lambda v: str(int(v))) if kind == "class_index" else repr
    npc = write_values(os.path.join(outdir, "predict.csv"), P, fmt=fmt)
    nmc = write_values(os.path.join(outdir, "margin.csv"), M)

    est = final_estimator(model)
    meta = {
        "library": "scikit-learn",
        "library_version": SK_VERSION,
        "case": case.name,
        "models": ["model.json"],
        "input": "input.csv",
        "predict": "predict.csv",
        "margin": "margin.csv",
        "predict_kind": kind,
        "estimator": estimator_text(model),
        "estimator_class": type(est).__name__,
        "pipeline": isinstance(model, Pipeline),
        "precision": "float32" if case.float32 else "float64",
        "num_features": X.shape[1],
        "num_rows": X.shape[0],
        "num_predict_columns": npc,
        "num_margin_columns": nmc,
        "row_groups": g.groups,
        "notes": case.notes,
    }
    if hasattr(est, "classes_"):
        meta["classes"] = [int(c) for c in est.classes_]
        # The class predict() gives each row (labels.csv), by scikit-learn's own rule.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            classes = model.predict(Xp)
        with open(os.path.join(outdir, "labels.csv"), "w", newline="\n") as fh:
            fh.write("label\n")
            for v in np.asarray(classes).ravel():
                fh.write("%d\n" % int(v))
        meta["labels"] = "labels.csv"
        meta["labels_source"] = "predict(X)"
    if getattr(est, "n_iter_", None) is not None:
        meta["n_iter"] = int(np.max(est.n_iter_))
    if case.float32:
        # input.csv holds float32 values, so float32 rows give the same predictions
        meta["float32_input"] = {"predict": "predict.csv", "margin": "margin.csv"}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            P64 = np.asarray(predictions(model, X), dtype=np.float64)
            M64 = np.asarray(decision_margins(model, X), dtype=np.float64)
        meta["sklearn_float64_input"] = {
            "note": "scikit-learn given float64 rows computes in float64 with the float32 weights "
                    "(numpy promotes); these are the largest differences from predict.csv/margin.csv "
                    "(float32 rows), relative to max(1, |value|)",
            "max_rel_diff_predict": float(np.max(np.abs(P64 - P) / np.maximum(1, np.abs(P)))),
            "max_rel_diff_margin": float(np.max(np.abs(M64 - M) / np.maximum(1, np.abs(M))))}
    if case.tree:
        meta["tree_input_precision"] = "float64" if isinstance(est, (HistGradientBoostingClassifier,
                                                                     HistGradientBoostingRegressor)) else "float32"
        meta["nan_rows"] = bool(nan_ok)
        if not nan_ok:
            meta["notes"] += "; no NaN rows: scikit-learn %s refuses NaN for this estimator" % SK_VERSION
        if refused:
            meta["refused_values"] = [repr(v) for v in refused]
            meta["notes"] += "; values scikit-learn refuses (raises on; not in input.csv): %s" % \
                ", ".join(repr(v) for v in refused)
    if known:
        U = np.vstack(known)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            PU = np.asarray(predictions(model, U), dtype=np.float64)
            MU = np.asarray(decision_margins(model, U), dtype=np.float64)
        write_input(os.path.join(outdir, "input_known_differences.csv"), U, header)
        write_values(os.path.join(outdir, "predict_known_differences.csv"), PU)
        write_values(os.path.join(outdir, "margin_known_differences.csv"), MU)
        meta["known_differences"] = [{
            "input": "input_known_differences.csv", "predict": "predict_known_differences.csv",
            "margin": "margin_known_differences.csv", "num_rows": int(len(U)), "reason": (
                "categorical values >= 256: scikit-learn < 1.4 casts the float64 value to uint8 "
                "(<X_BINNED_DTYPE_C>data_val, an out-of-range C conversion: on x86 256 becomes category 0, "
                "259 category 3, 1e10 and 1e30 category 0) and looks that up; xylem's truncate key treats "
                "values >= limit (256) as invalid, which go to the missing side. Not read by the conformance test.")}]
    if case.name in ("logistic_ovr", "sgd_log_loss_multiclass"):
        loc, scale = (LOC_WIDE, SCALE_WIDE) if case.wide else (LOC, SCALE)
        U = underflow_rows(np.random.default_rng(case_seed(case.name) + 2), model, loc, scale)
        if U:
            U = np.vstack(U)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                PU = model.predict_proba(U)
                MU = decision_margins(model, U)
            write_input(os.path.join(outdir, "input_underflow.csv"), U, header)
            write_values(os.path.join(outdir, "predict_underflow.csv"), PU)
            write_values(os.path.join(outdir, "margin_underflow.csv"), MU)
            files = {"input": "input_underflow.csv", "predict": "predict_underflow.csv",
                     "margin": "margin_underflow.csv"}
            if case.name == "logistic_ovr":
                meta["known_differences"] = [dict(files, num_rows=int(len(U)), reason=(
                    "every one-vs-rest sigmoid underflows to 0 (all margins < -745): OneVsRestClassifier."
                    "predict_proba leaves the row all zeros (it divides only where the row sum is non-zero), "
                    "where docs/format.md's normalized_sigmoid gives 1/K, as the linear classifiers' "
                    "_predict_proba_lr does. Not read by the conformance test."))]
            elif np.all(PU == 1.0 / PU.shape[1]):
                # _predict_proba_lr makes such rows uniform, as normalized_sigmoid does: tested.
                meta["extra"] = files
            else:
                # Older versions' _predict_proba_lr divides the zero row by its zero sum.
                meta["known_differences"] = [dict(files, num_rows=int(len(U)), reason=(
                    "every one-vs-rest sigmoid underflows to 0 (all margins < -745): scikit-learn %s's "
                    "_predict_proba_lr divides the row by its sum, 0 / 0, and returns NaN, where docs/format.md's "
                    "normalized_sigmoid gives 1/K (as later versions do). Not read by the conformance test."
                    % SK_VERSION))]
    write_json(os.path.join(outdir, "case.json"), meta, indent=1)
    return meta


def main():
    args = parse_args(__doc__, "models/sklearn")
    root = version_dir(args.out, SK_VERSION, args.only)
    print("scikit-learn %s -> %s" % (SK_VERSION, root))
    done, skipped = [], []
    threadpool_limits(1)                 # BLAS sums in one fixed order: reproducible fits
    for case in cases():
        if args.only and case.name not in args.only:
            continue
        try:
            meta = generate_case(case, os.path.join(root, case.name))
        except Skip as e:
            skipped.append((case.name, str(e)))
            print("  skip %-34s %s" % (case.name, e))
            continue
        done.append(case.name)
        print("  ok   %-34s rows=%-4d predict=%d margin=%d %s" % (
            case.name, meta["num_rows"], meta["num_predict_columns"], meta["num_margin_columns"],
            meta.get("n_iter", "")))
    if args.only is None:
        write_skipped(root, SK_VERSION, done, skipped)
    print("generated %d cases, skipped %d" % (len(done), len(skipped)))


if __name__ == "__main__":
    main()
