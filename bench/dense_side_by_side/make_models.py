"""Dense side-by-side benchmark: data, scikit-learn models and their exports.

  python make_models.py [--work WORK] [--models mlp,logreg]

For each model, WORK/models/<name>/ gets (only when missing or when the recipe changed):

  rows.csv, rows.npy     10000 held-out rows (float64; values rounded so the CSV holds them exactly)
  calib.csv              2000 other rows from the training distribution (int8 calibration)
  sklearn_proba.npy      scikit-learn's predict_proba on the held-out rows (float64)
  model.xylem.json       xylem JSON v2, float32 "network" (ONNX Runtime's precision)
  model.f64.xylem.json   the same network in float64 (MLP), or the "linear" part in float64 (logreg)
  model.onnx             skl2onnx export (float32 input), cut down to the `probabilities` output
  model.matmul.onnx      (logreg) MatMul + Add + Softmax graph of the same coefficients
  identity.onnx          an Identity op on [N, F] float32: ONNX Runtime's per-call overhead
  meta.json              shapes, training scores, the recipe and its hash

The xylem JSON files are written here from coefs_/intercepts_ (coef_/intercept_), following
docs/format.md ("network", "linear"); nothing in the main tree is used.
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

RECIPES = {
    "mlp": {
        "description": "MLPClassifier 100 → 256 → 256 → 256 → 10 (relu, softmax), fit on float32",
        "features": 100, "classes": 10, "train_rows": 20000, "test_rows": 10000, "calib_rows": 2000,
        "hidden": [256, 256, 256], "max_iter": 8, "batch_size": 256, "seed": 5,
    },
    "logreg": {
        "description": "LogisticRegression, 10 classes (multinomial), 784 features (28×28 MNIST-like images)",
        "features": 784, "classes": 10, "train_rows": 20000, "test_rows": 10000, "calib_rows": 2000,
        "C": 1.0, "max_iter": 60, "seed": 7,
    },
}


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] make_models: {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ data

def mlp_data(r, n, rng_teacher, rng):
    """100 correlated Gaussian features; the class is the argmax of a random tanh teacher
    network's logits plus Gumbel noise (so the task is learnable but not trivial)."""
    F, K = r["features"], r["classes"]
    mix = rng_teacher.normal(size=(F, F)) / np.sqrt(F)
    w1 = rng_teacher.normal(size=(F, 64)) / np.sqrt(F)
    w2 = rng_teacher.normal(size=(64, K)) * 2.0
    z = rng.normal(size=(n, F))
    x = np.round(0.6 * z + 0.8 * z @ mix, 3)
    logits = np.tanh(x @ w1 * 1.5) @ w2
    y = np.argmax(logits + rng.gumbel(size=(n, K)) * 0.5, axis=1)
    return x, y


def logreg_data(r, n, rng_teacher, rng):
    """MNIST-like: 28×28 'pixels' in [0, 1] (two decimals), most of them 0. Each class is a
    template of a few Gaussian strokes; a sample shifts it by up to 3 pixels, scales its
    intensity, adds noise, clips and zeroes the faint pixels."""
    K = r["classes"]
    side = 28
    yy, xx = np.mgrid[0:side, 0:side]
    templates = []
    for _ in range(K):
        t = np.zeros((side, side))
        for _ in range(4):
            cy, cx = rng_teacher.uniform(6, 22, size=2)
            sy, sx = rng_teacher.uniform(1.2, 4.0, size=2)
            t += np.exp(-((yy - cy) ** 2 / (2 * sy ** 2) + (xx - cx) ** 2 / (2 * sx ** 2)))
        templates.append(np.clip(t, 0, 1))
    templates = np.array(templates)
    y = rng.integers(0, K, size=n)
    x = np.empty((n, side, side))
    shifts = rng.integers(-3, 4, size=(n, 2))
    for i in range(n):
        img = np.roll(templates[y[i]], tuple(shifts[i]), axis=(0, 1))
        x[i] = img * rng.uniform(0.3, 1.2)
    x += rng.normal(scale=0.5, size=x.shape)
    x = np.clip(x, 0, 1)
    x[x < 0.3] = 0.0
    x = np.round(x, 2)
    return x.reshape(n, side * side), y


DATA = {"mlp": mlp_data, "logreg": logreg_data}


def recipe_hash(name):
    src = inspect.getsource(DATA[name]) + inspect.getsource(train_one) + inspect.getsource(xylem_common)
    src += inspect.getsource(xylem_network) + inspect.getsource(xylem_linear) + inspect.getsource(export_onnx)
    return hashlib.sha256((json.dumps(RECIPES[name], sort_keys=True) + src).encode()).hexdigest()[:16]


def write_csv(path, x, fmt):
    F = x.shape[1]
    with open(path, "w") as f:
        f.write(",".join(f"f{i}" for i in range(F)) + "\n")
        np.savetxt(f, x, fmt=fmt, delimiter=",")


# ------------------------------------------------------------------ xylem JSON

def num_list(a):
    # repr of the double: the shortest text that reads back to the same double, which for a
    # float32 value widened to double also reads back (parsed straight to float32) to it.
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def xylem_common(name, r, objective, accumulation):
    import sklearn
    K, F = r["classes"], r["features"]
    return {
        "format": "xylem", "version": 2,
        "source": {"library": "scikit-learn", "version": sklearn.__version__, "format": "python",
                   "objective": objective},
        "task": "multiclass_classification",
        "num_features": F,
        "features": {"names": [f"f{i}" for i in range(F)], "types": ["numeric"] * F},
        "num_outputs": K,
        "output": {"accumulation": accumulation, "aggregation": "sum", "base_scores": [0.0] * K,
                   "base_scores_first": True, "scale": 1, "transform": "softmax",
                   "transform_precision": accumulation, "sigmoid_alpha": 1},
        "tree_rules": {"input_precision": accumulation, "threshold_precision": accumulation,
                       "categories_go": "left",
                       "category_rule": {"negative_fraction_is_zero": False, "limit": 16777216,
                                         "invalid": "non_member_side", "key": "truncate"},
                       "trees_per_iteration": 1, "tiny_inputs_are_zero": False},
        "trees": [],
    }


def xylem_network(name, r, objective, coefs, intercepts, hidden_activation, precision):
    """coefs[i]: (inputs, outputs), input-major as docs/format.md wants; the last layer's
    activation is identity and the output transform is the softmax."""
    d = xylem_common(name, r, objective, precision)
    dt = np.float32 if precision == "float32" else np.float64
    layers = []
    for i, (w, b) in enumerate(zip(coefs, intercepts)):
        last = i == len(coefs) - 1
        layers.append({"inputs": int(w.shape[0]), "outputs": int(w.shape[1]),
                       "activation": "identity" if last else hidden_activation,
                       "bias": num_list(np.asarray(b, dtype=dt)), "weights": num_list(np.asarray(w, dtype=dt))})
    d["network"] = {"precision": precision, "layers": layers}
    return d


def xylem_linear(name, r, objective, coef, intercept):
    """LogisticRegression as the float64 "linear" part: weights feature-major = coef_.T."""
    d = xylem_common(name, r, objective, "float64")
    d["linear"] = {"num_outputs": int(coef.shape[0]), "input_precision": "float64", "missing": "propagate",
                   "bias": num_list(intercept), "weights": num_list(np.ascontiguousarray(coef.T))}
    return d


def write_json(path, d):
    with open(path, "w") as f:
        json.dump(d, f, separators=(",", ":"))


# ------------------------------------------------------------------ ONNX

def export_onnx(model, F, path):
    import onnx
    from onnx import utils as onnx_utils
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    onx = convert_sklearn(model, initial_types=[("input", FloatTensorType([None, F]))],
                          options={id(model): {"zipmap": False}}, target_opset={"": 17, "ai.onnx.ml": 3})
    full = path + ".full.onnx"
    onnx.save(onx, full)
    # Keep only the probabilities: the label output (ArgMax, ...) would be computed too.
    onnx_utils.extract_model(full, path, ["input"], ["probabilities"])
    os.remove(full)
    m = onnx.load(path)
    return sorted({(n.domain or "ai.onnx") + ":" + n.op_type for n in m.graph.node})


def matmul_onnx(coef, intercept, F, path):
    """softmax(X·Wᵀ + b) as plain MatMul + Add + Softmax (float32): ORT's GEMM path, the graph a
    hand-exported linear layer would have (skl2onnx writes ai.onnx.ml LinearClassifier)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    K = coef.shape[0]
    w = numpy_helper.from_array(np.ascontiguousarray(coef.T.astype(np.float32)), "W")
    b = numpy_helper.from_array(intercept.astype(np.float32), "B")
    g = helper.make_graph(
        [helper.make_node("MatMul", ["input", "W"], ["mm"]), helper.make_node("Add", ["mm", "B"], ["logits"]),
         helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1)],
        "logreg", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, F])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, K])], initializer=[w, b])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), path)


def identity_onnx(F, path):
    import onnx
    from onnx import TensorProto, helper
    g = helper.make_graph([helper.make_node("Identity", ["input"], ["output"])], "identity",
                          [helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, F])],
                          [helper.make_tensor_value_info("output", TensorProto.FLOAT, [None, F])])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), path)


# ------------------------------------------------------------------ training

def train_one(name, r, d):
    rng_teacher = np.random.default_rng(r["seed"])
    rng = np.random.default_rng(r["seed"] + 1000)
    n = r["train_rows"] + r["test_rows"] + r["calib_rows"]
    x, y = DATA[name](r, n, rng_teacher, rng)
    a, b = r["train_rows"], r["train_rows"] + r["test_rows"]
    xtr, ytr, xte, yte, xca = x[:a], y[:a], x[a:b], y[a:b], x[b:]
    fmt = "%.3f" if name == "mlp" else "%.4g"     # both print the rounded values exactly
    write_csv(os.path.join(d, "rows.csv"), xte, fmt)
    write_csv(os.path.join(d, "calib.csv"), xca, fmt)
    # rows.npy is rows.csv as parsed (float64), so every engine starts from the same numbers.
    xte = np.loadtxt(os.path.join(d, "rows.csv"), delimiter=",", skiprows=1)
    np.save(os.path.join(d, "rows.npy"), xte)
    meta = {"name": name, "description": r["description"], "recipe": r, "features": r["features"],
            "classes": r["classes"], "test_rows": int(xte.shape[0])}
    t0 = time.time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name == "mlp":
            from sklearn.neural_network import MLPClassifier
            model = MLPClassifier(hidden_layer_sizes=tuple(r["hidden"]), activation="relu", max_iter=r["max_iter"],
                                  batch_size=r["batch_size"], random_state=r["seed"])
            model.fit(xtr.astype(np.float32), ytr)     # float32 X: float32 coefs_
        else:
            from sklearn.linear_model import LogisticRegression
            model = LogisticRegression(C=r["C"], max_iter=r["max_iter"])
            model.fit(xtr, ytr)                        # float64 coef_
    meta["train_seconds"] = round(time.time() - t0, 1)
    meta["test_accuracy"] = float(model.score(xte.astype(np.float32) if name == "mlp" else xte, yte))
    proba = model.predict_proba(xte.astype(np.float32) if name == "mlp" else xte).astype(np.float64)
    np.save(os.path.join(d, "sklearn_proba.npy"), proba)
    F = r["features"]
    if name == "mlp":
        assert model.out_activation_ == "softmax"
        meta["param_dtype"] = str(model.coefs_[0].dtype)
        meta["layers"] = [[int(w.shape[0]), int(w.shape[1])] for w in model.coefs_]
        obj = "MLPClassifier"
        write_json(os.path.join(d, "model.xylem.json"),
                   xylem_network(name, r, obj, model.coefs_, model.intercepts_, model.activation, "float32"))
        write_json(os.path.join(d, "model.f64.xylem.json"),
                   xylem_network(name, r, obj, model.coefs_, model.intercepts_, model.activation, "float64"))
        meta["f64_variant"] = "network, float64 (float32 coefs_ widened)"
    else:
        meta["param_dtype"] = str(model.coef_.dtype)
        meta["layers"] = [[F, int(model.coef_.shape[0])]]
        obj = "LogisticRegression"
        write_json(os.path.join(d, "model.xylem.json"),
                   xylem_network(name, r, obj, [model.coef_.T], [model.intercept_], "identity", "float32"))
        write_json(os.path.join(d, "model.f64.xylem.json"), xylem_linear(name, r, obj, model.coef_, model.intercept_))
        meta["f64_variant"] = "linear part, float64 (input_precision float64, missing propagate)"
        matmul_onnx(model.coef_, model.intercept_, F, os.path.join(d, "model.matmul.onnx"))
    meta["onnx_ops"] = export_onnx(model, F, os.path.join(d, "model.onnx"))
    identity_onnx(F, os.path.join(d, "identity.onnx"))
    return meta


def make(name, work, recipes=None, train=None, hash_of=None, score=None):
    """The model `name` under work/models/, trained by train(name, recipe, dir) unless its
    meta.json carries the current hash_of(name). The defaults are this benchmark's; the ONNX
    benchmark passes its own recipes, trainer, hash and score text."""
    recipes = recipes or RECIPES
    train = train or train_one
    hash_of = hash_of or recipe_hash
    score = score or (lambda meta: f"accuracy {meta['test_accuracy']:.4f}")
    d = os.path.join(work, "models", name)
    os.makedirs(d, exist_ok=True)
    h = hash_of(name)
    mpath = os.path.join(d, "meta.json")
    if os.path.exists(mpath):
        with open(mpath) as f:
            meta = json.load(f)
        if meta.get("recipe_hash") == h:
            log(f"{name}: cached ({d})")
            return meta
    log(f"{name}: generating data and training ({recipes[name]['description']})")
    meta = train(name, recipes[name], d)
    meta["recipe_hash"] = h
    with open(mpath, "w") as f:
        json.dump(meta, f, indent=1)
    log(f"{name}: trained in {meta['train_seconds']} s, test {score(meta)}")
    return meta


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default=os.path.join(HERE, "work"))
    ap.add_argument("--models", default="mlp,logreg")
    a = ap.parse_args()
    for m in a.models.split(","):
        make(m, a.work)


if __name__ == "__main__":
    main()
