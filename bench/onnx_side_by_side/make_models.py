"""ONNX side-by-side benchmark: data, trained models and their .onnx files.

  python make_models.py [--work WORK] [--models gbc_pipeline,rf_regressor,lgbm_binary,mlp_regressor]

For each model, WORK/models/<name>/ gets (only when missing or when the recipe changed):

  rows.csv, rows.npy   10000 held-out rows (rows.npy = rows.csv as parsed, float64)
  model.onnx           the converter's file (float32 input "input"; classifiers with zipmap=False,
                       so ORT returns a probabilities tensor rather than a list of dicts); for
                       LightGBM less the converter's final Mul by 1 (drop_mul_by_one), which
                       xylem refuses; model.converter.onnx is the file as converted
  identity.onnx        an Identity op on [N, F] float32: ONNX Runtime's per-call overhead
  meta.json            the recipe and its hash, training time and score, the graph's operators,
                       opsets, outputs and the output that is timed and compared

The CSV writer and the Identity graph are the dense benchmark's (bench/dense_side_by_side).
"""
import argparse
import hashlib
import inspect
import json
import os
import sys
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import _dense  # noqa: E402

DM = _dense.load("make_models")  # the dense benchmark's: write_csv, identity_onnx, make

FEATURES = 30
RECIPES = {
    "gbc_pipeline": {
        "description": "skl2onnx Pipeline(StandardScaler, GradientBoostingClassifier(n_estimators=300, max_depth=4)), "
                       "binary, 30 features",
        "data": "classification", "train_rows": 10000, "seed": 11,
        "params": {"n_estimators": 300, "max_depth": 4, "learning_rate": 0.1},
    },
    "rf_regressor": {
        "description": "skl2onnx RandomForestRegressor(n_estimators=100, max_depth=10), 30 features",
        "data": "regression", "train_rows": 10000, "seed": 12,
        "params": {"n_estimators": 100, "max_depth": 10, "n_jobs": 1},
    },
    "lgbm_binary": {
        "description": "onnxmltools LightGBM LGBMClassifier(n_estimators=500, num_leaves=63), binary, 30 features",
        "data": "classification", "train_rows": 20000, "seed": 13,
        "params": {"n_estimators": 500, "num_leaves": 63, "learning_rate": 0.05, "n_jobs": 1, "verbose": -1},
    },
    "mlp_regressor": {
        "description": "skl2onnx MLPRegressor(hidden_layer_sizes=(256, 256)), relu, 30 features",
        "data": "regression", "train_rows": 10000, "seed": 14,
        "params": {"hidden_layer_sizes": [256, 256], "max_iter": 30},
    },
}
TEST_ROWS = 10000


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] make_models: {msg}", file=sys.stderr, flush=True)


def data(kind, n, seed):
    """30 features, rounded to 4 significant digits (so rows.csv holds them exactly).
    classification: make_classification (12 informative, 6 redundant), features on very
    different scales (what the StandardScaler is for); regression: Friedman #1 on 30 features
    (5 of them used), plus noise."""
    from sklearn.datasets import make_classification, make_friedman1
    if kind == "classification":
        x, y = make_classification(n_samples=n, n_features=FEATURES, n_informative=12, n_redundant=6,
                                   flip_y=0.03, random_state=seed)
        x = x * np.random.default_rng(seed).uniform(0.1, 100.0, size=FEATURES)
    else:
        x, y = make_friedman1(n_samples=n, n_features=FEATURES, noise=1.0, random_state=seed)
    return np.array([float(f"{v:.4g}") for v in x.ravel()]).reshape(x.shape), y


def train(name, r):
    p = dict(r["params"])
    if name == "gbc_pipeline":
        from sklearn.ensemble import GradientBoostingClassifier
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler
        return Pipeline([("scaler", StandardScaler()),
                         ("gbc", GradientBoostingClassifier(random_state=r["seed"], **p))])
    if name == "rf_regressor":
        from sklearn.ensemble import RandomForestRegressor
        return RandomForestRegressor(random_state=r["seed"], **p)
    if name == "lgbm_binary":
        import lightgbm
        return lightgbm.LGBMClassifier(random_state=r["seed"], **p)
    if name == "mlp_regressor":
        from sklearn.neural_network import MLPRegressor
        p["hidden_layer_sizes"] = tuple(p["hidden_layer_sizes"])
        return MLPRegressor(random_state=r["seed"], **p)
    raise KeyError(name)


def export(name, model):
    """The .onnx file as the converter writes it (zipmap off for classifiers)."""
    if name == "lgbm_binary":
        import onnxmltools
        from onnxmltools.convert.common.data_types import FloatTensorType
        return onnxmltools.convert_lightgbm(model, initial_types=[("input", FloatTensorType([None, FEATURES]))],
                                            zipmap=False)
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    options = {id(model.steps[-1][1]): {"zipmap": False}} if name == "gbc_pipeline" else None
    return convert_sklearn(model, initial_types=[("input", FloatTensorType([None, FEATURES]))], options=options)


def drop_mul_by_one(onx):
    """onnxmltools with zipmap=False ends the probabilities in `Mul(p, one)`, one a float 1
    initializer, which xylem refuses ("Mul as preprocessing after the estimator ... is not
    supported"). The Mul changes no value; it is removed and its input renamed to its output.
    Returns a note, or None when the graph has no such node."""
    from onnx import numpy_helper
    g = onx.graph
    inits = {i.name: i for i in g.initializer}
    for mul in [n for n in g.node if n.op_type == "Mul"]:
        src, const = mul.input
        if const in inits and np.all(numpy_helper.to_array(inits[const]) == 1):
            for n in g.node:
                for k, o in enumerate(n.output):
                    if o == src:
                        n.output[k] = mul.output[0]
            g.node.remove(mul)
            if not any(const in n.input for n in g.node):
                g.initializer.remove(inits[const])
            return f"Mul({src}, {const}=1) removed from the converter's graph (model.converter.onnx)"
    return None


def recipe_hash(name):
    src = inspect.getsource(data) + inspect.getsource(train) + inspect.getsource(export) + inspect.getsource(build)
    src += inspect.getsource(drop_mul_by_one)
    return hashlib.sha256((json.dumps(RECIPES[name], sort_keys=True) + str(TEST_ROWS) + src).encode()).hexdigest()[:16]


def build(name, r, d):
    import onnx
    x, y = data(r["data"], r["train_rows"] + TEST_ROWS, r["seed"])
    xtr, ytr, xte, yte = x[:r["train_rows"]], y[:r["train_rows"]], x[r["train_rows"]:], y[r["train_rows"]:]
    DM.write_csv(os.path.join(d, "rows.csv"), xte, "%.4g")
    xte = np.loadtxt(os.path.join(d, "rows.csv"), delimiter=",", skiprows=1)
    np.save(os.path.join(d, "rows.npy"), xte)
    model = train(name, r)
    t0 = time.time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(xtr, ytr)
    meta = {"name": name, "description": r["description"], "recipe": r, "features": FEATURES,
            "test_rows": int(xte.shape[0]), "train_seconds": round(time.time() - t0, 1),
            "test_score": float(model.score(xte, yte)),
            "score_name": "accuracy" if r["data"] == "classification" else "R²"}
    t0 = time.time()
    onx = export(name, model)
    meta["convert_seconds"] = round(time.time() - t0, 2)
    onnx.save(onx, os.path.join(d, "model.converter.onnx"))
    meta["graph_edit"] = drop_mul_by_one(onx)
    onnx.checker.check_model(onx)
    onnx.save(onx, os.path.join(d, "model.onnx"))
    meta["onnx_bytes"] = os.path.getsize(os.path.join(d, "model.onnx"))
    meta["onnx_ops"] = [(n.domain or "ai.onnx") + ":" + n.op_type for n in onx.graph.node]
    meta["opsets"] = {(o.domain or "ai.onnx"): o.version for o in onx.opset_import}
    meta["graph_outputs"] = [o.name for o in onx.graph.output]
    # the float output xylem predicts: the probabilities tensor of classifiers, else the scores
    meta["timed_output"] = "probabilities" if "probabilities" in meta["graph_outputs"] else meta["graph_outputs"][0]
    meta["producer"] = f"{onx.producer_name} {onx.producer_version}"
    DM.identity_onnx(FEATURES, os.path.join(d, "identity.onnx"))
    return meta


def make(name, work):
    return DM.make(name, work, recipes=RECIPES, train=build, hash_of=recipe_hash,
                   score=lambda meta: f"{meta['score_name']} {meta['test_score']:.4f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default=os.path.join(HERE, "work"))
    ap.add_argument("--models", default=",".join(RECIPES))
    a = ap.parse_args()
    for m in a.models.split(","):
        make(m, a.work)


if __name__ == "__main__":
    main()
