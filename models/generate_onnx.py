#!/usr/bin/env python3
"""Generate ONNX conformance fixtures for xylem's ONNX importer, with ONNX Runtime's outputs.

Run inside the venv with the pinned onnxruntime (see make_venvs.sh; library name "onnx"):

    python models/generate_onnx.py --out models/onnx

Writes models/onnx/<onnxruntime.__version__>/<case>/ with model.onnx, input.csv,
predict.csv, labels.csv (classifiers) and case.json (see models/onnx/README.md). The
models come from skl2onnx (scikit-learn), onnxmltools (LightGBM, XGBoost) and graphs
built by hand with onnx.helper; the expected outputs are ONNX Runtime's, run on one
thread (intra_op_num_threads = inter_op_num_threads = 1). Everything is seeded:
re-running with the same versions reproduces the same files byte for byte.
"""

import copy
import math
import os
import warnings

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from fixture_common import (F32_MAX, Labels, RowGroups, basis, case_seed, gen_numeric, inject_nans, next32,
                            next64, parse_args, version_dir, write_input, write_json,
                            vary, write_skipped, write_values)

ORT_VERSION = ort.__version__
ML = "ai.onnx.ml"
TREE_OPS = ("TreeEnsembleRegressor", "TreeEnsembleClassifier", "TreeEnsemble")

N_TRAIN = 500
N_RANDOM = 100
N_NAN = 20

SPECIAL_TREE = [0.0, -0.0, 1e30, -1e30, F32_MAX, -F32_MAX]
SPECIAL_DENSE = [0.0, -0.0, 1e6, -1e6, 1e30, -1e30]

warnings.filterwarnings("ignore")
ort.set_default_logger_severity(4)   # the refused case is reported in skipped.json


# --------------------------------------------------------------------------
# ONNX Runtime
# --------------------------------------------------------------------------

def session(model):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])


def input_dtype(model):
    et = model.graph.input[0].type.tensor_type.elem_type
    return {TensorProto.FLOAT: np.float32, TensorProto.DOUBLE: np.float64}[et]


def strip_zipmap(model):
    """A copy of model whose ZipMap outputs are replaced by the ZipMap's input tensor
    (the probabilities in class order), and the names of the graph outputs that changed."""
    m = copy.deepcopy(model)
    zm = [n for n in m.graph.node if n.op_type == "ZipMap"]
    for node in zm:
        src, dst = node.input[0], node.output[0]
        m.graph.node.remove(node)
        for i, o in enumerate(m.graph.output):
            if o.name == dst:
                m.graph.output.remove(o)
                m.graph.output.insert(i, helper.make_tensor_value_info(src, TensorProto.FLOAT, None))
    return m, bool(zm)


def run(model, X):
    """{output name: value} from ORT for rows X (float64), cast to the input dtype."""
    s = session(model)
    feed = {s.get_inputs()[0].name: X.astype(input_dtype(model))}
    names = [o.name for o in s.get_outputs()]
    return names, s.run(None, feed)


def expose(model, tensor):
    """A copy of model with one more graph output: tensor (an intermediate)."""
    m = copy.deepcopy(model)
    m.graph.output.append(helper.make_tensor_value_info(tensor, TensorProto.FLOAT, None))
    return m


# --------------------------------------------------------------------------
# Reading graphs
# --------------------------------------------------------------------------

def attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def tensor_vals(v):
    return numpy_helper.to_array(v) if isinstance(v, onnx.TensorProto) else np.asarray(v)


def tree_splits(node):
    """[(feature id, threshold float64, mode name, threshold is double)] of a tree op's
    branch nodes; SET_MEMBER nodes give one entry per member ('MEMBER')."""
    a = attrs(node)
    out = []
    if node.op_type == "TreeEnsemble":
        modes = tensor_vals(a["nodes_modes"])
        splits = tensor_vals(a["nodes_splits"])
        members = list(tensor_vals(a["membership_values"])) if "membership_values" in a else []
        dbl = splits.dtype == np.float64
        names = ["BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ", "BRANCH_NEQ", "MEMBER"]
        groups, cur = [], []
        for v in members:
            if math.isnan(v):
                groups.append(cur)
                cur = []
            else:
                cur.append(float(v))
        if cur:
            groups.append(cur)
        gi = 0
        for f, m, t in zip(a["nodes_featureids"], modes, splits):
            if int(m) == 6:
                for v in groups[gi]:
                    out.append((int(f), v, "MEMBER", dbl))
                gi += 1
            else:
                out.append((int(f), float(t), names[int(m)], dbl))
        return out
    modes = [m.decode() if isinstance(m, bytes) else m for m in a["nodes_modes"]]
    if "nodes_values_as_tensor" in a:
        vals, dbl = tensor_vals(a["nodes_values_as_tensor"]).astype(np.float64), True
    else:
        vals, dbl = np.asarray(a["nodes_values"], dtype=np.float32).astype(np.float64), False
    for f, m, t in zip(a["nodes_featureids"], modes, vals):
        if m != "LEAF":
            out.append((int(f), float(t), m, dbl))
    return out


def producers(model):
    return {o: n for n in model.graph.node for o in n.output}


def init_array(model, name):
    for t in model.graph.initializer:
        if t.name == name:
            return numpy_helper.to_array(t)
    for n in model.graph.node:
        if n.op_type == "Constant" and n.output[0] == name:
            return numpy_helper.to_array(attrs(n)["value"])
    return None


def input_splits(model):
    """Splits of every tree op, mapped to the graph input's columns:
    [(column, threshold, mode, is_double, to_input)] where to_input(t) gives the input
    values (float64) whose transformed value is t (None if it cannot)."""
    prod = producers(model)
    gin = model.graph.input[0].name
    out = []
    for node in model.graph.node:
        if node.op_type not in TREE_OPS:
            continue
        # walk back through Cast / Gather / Scaler to the graph input
        name, chain = node.input[0], []
        while name != gin and name in prod:
            p = prod[name]
            chain.append(p)
            name = p.input[0]
        if name != gin:
            continue
        colmap, scalers = None, []
        ok = True
        for p in reversed(chain):
            if p.op_type == "Cast" or p.op_type == "Identity":
                continue
            if p.op_type == "Gather" and attrs(p).get("axis", 0) == 1:
                idx = init_array(model, p.input[1])
                if idx is None:
                    ok = False
                    break
                idx = list(np.atleast_1d(idx).astype(int))
                colmap = idx if colmap is None else [colmap[i] for i in idx]
            elif p.op_type == "Scaler" and colmap is None:
                a = attrs(p)
                scalers.append((list(a.get("offset", [0.0])), list(a.get("scale", [1.0]))))
            else:
                ok = False
                break
        if not ok:
            continue
        for f, t, m, dbl in tree_splits(node):
            col = colmap[f] if colmap is not None else f
            out.append((col, t, m, dbl, scalers, node.input[0], f))
    return out


def invert_scalers(scalers, col, t):
    """Input value x (float32, as float64) with ORT's Scaler chain mapping f32(x) exactly
    to f32(t), by search around the algebraic inverse; None if none within 200 ulps."""
    t32 = np.float32(t)

    def fwd(x):
        v = np.float32(x)
        for off, sc in scalers:
            o = np.float32(off[col] if len(off) > 1 else off[0])
            s = np.float32(sc[col] if len(sc) > 1 else sc[0])
            v = np.float32(np.float32(v - o) * s)
        return v

    x = float(t)
    for off, sc in reversed(scalers):
        o = off[col] if len(off) > 1 else off[0]
        s = sc[col] if len(sc) > 1 else sc[0]
        x = x / s + o
    x = np.float32(x)
    cands = [x]
    up = dn = x
    for _ in range(200):
        up = np.nextafter(up, np.float32(np.inf))
        dn = np.nextafter(dn, np.float32(-np.inf))
        cands += [up, dn]
    for c in cands:
        if fwd(c) == t32:
            return float(c)
    return None


def opsets(model):
    return {(o.domain or "ai.onnx"): o.version for o in model.opset_import}


def operators(model):
    return [n.op_type for n in model.graph.node]


# --------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------

def build_rows(rng, model, gen, nf, allow_nan=True, dense=False, cat_cols=None, extra=None):
    """input rows in groups: random, nan_injected, thresholds, special_values,
    categorical_values, and extra [(kind, rows)] given by the case."""
    rg = RowGroups()
    double_input = input_dtype(model) == np.float64
    checks = []                      # (row index within thresholds, tree input tensor, col in it, threshold)
    rg.add("random", list(gen(rng, N_RANDOM)))
    if allow_nan is True:
        rows = inject_nans(rng, list(gen(rng, N_NAN)), list(range(nf)))
        rows.append(np.full(nf, np.nan))
        rg.add("nan_injected", rows)
    elif allow_nan:                      # a list of columns
        rows = inject_nans(rng, list(gen(rng, N_NAN)), list(allow_nan))
        r = gen(rng, 1)[0]
        r[list(allow_nan)] = np.nan
        rows.append(r)
        rg.add("nan_injected", rows)
    seen, rows, unreached = set(), [], 0
    for col, t, mode, dbl, scalers, tin, f in input_splits(model):
        key = (col, t, mode)
        if key in seen:
            continue
        seen.add(key)
        if scalers:
            vals = []
            x = invert_scalers(scalers, col, t)
            if x is None:
                unreached += 1
                continue
            vals = [x, next32(x, math.inf), next32(x, -math.inf)]
            checks.append((len(rows), tin, f, t))
        elif mode in ("BRANCH_EQ", "BRANCH_NEQ", "MEMBER"):
            vals = [t, t + 0.5, t - 0.5, next32(t, math.inf), next32(t, -math.inf)]
        else:
            vals = [t, next32(t, math.inf), next32(t, -math.inf)]
            if dbl or double_input:
                vals += [next64(t, math.inf), next64(t, -math.inf)]
        rows += vary(gen(rng, 1)[0], col, vals)
    start = len(rg.rows)
    rg.add("thresholds", rows)
    hits = None
    if checks:                       # do the searched inputs really land on the threshold?
        tins = sorted({c[1] for c in checks})
        m = model
        for tname in tins:
            m = expose(m, tname)
        names, outs = run(m, np.vstack(rows))
        hits = 0
        for i, tname, f, t in checks:
            v = np.asarray(outs[names.index(tname)], dtype=np.float32)[i, f]
            hits += int(v == np.float32(t))
        hits = {"searched": len(checks), "exact": hits}
    rows = []
    specials = SPECIAL_DENSE if dense else SPECIAL_TREE
    for j in range(nf):
        vals = list(specials)
        if allow_nan is True or (allow_nan and j in allow_nan):
            vals.append(math.nan)
        rows += vary(gen(rng, 1)[0], j, vals)
    rows += [np.zeros(nf), np.full(nf, -0.0)]
    rg.add("special_values", rows)
    if cat_cols:
        rows = []
        for j, n in cat_cols.items():
            vals = [float(c) for c in range(n)] + [float(n), n + 1.0, 100.0, -1.0, -0.0, 2.5, -0.5, 0.5, 1e10, math.nan]
            rows += vary(gen(rng, 1)[0], j, vals)
        rg.add("categorical_values", rows)
    for kind, r in (extra or []):
        rg.add(kind, r)
    return rg, {"threshold_rows_not_built": unreached, "scaled_threshold_hits": hits}


# --------------------------------------------------------------------------
# Writing a case
# --------------------------------------------------------------------------

def fmt_out(v):
    return repr(float(v))


def agreement(reference, X, P, labels, groups):
    """How ORT's outputs compare with the source library's own, per row group (the
    library is given the rows rounded to float32, as ORT sees them; rows with NaN are
    left out when the library refuses NaN)."""
    Xr = X.astype(np.float32).astype(np.float64)
    left_out = "none"
    keep = np.ones(len(X), bool)
    try:
        Pr, Lr = reference(Xr)
    except Exception:
        left_out = "rows with NaN"
        keep = ~np.isnan(X).any(axis=1)
        try:
            Pr, Lr = reference(Xr[keep])
        except Exception:
            left_out = "rows with NaN or |x| >= 1e30"
            with np.errstate(invalid="ignore"):
                keep = ~(np.isnan(X) | (np.abs(X) >= 1e30)).any(axis=1)
            try:
                Pr, Lr = reference(Xr[keep])
            except Exception as e:
                return {"error": "%s: %s" % (type(e).__name__, str(e).splitlines()[0][:200])}
    Pr = np.asarray(Pr, dtype=np.float64).reshape(int(keep.sum()), -1)
    Po = P.astype(np.float64)[keep]
    with np.errstate(invalid="ignore"):
        d = np.abs(Pr - Po)
    d[np.isnan(Pr) & np.isnan(Po)] = 0
    d[np.isnan(d)] = np.inf
    dm = d.max(axis=1)
    lm = None
    if Lr is not None and labels is not None:
        Ls = np.array([v.decode() if isinstance(v, bytes) else v for v in labels])[keep]
        Lr = np.asarray(Lr).reshape(-1)
        try:
            lm = Lr.astype(np.float64) != Ls.astype(np.float64)
        except ValueError:
            lm = Lr.astype(str) != Ls.astype(str)
    idx = np.flatnonzero(keep)
    out = {"left_out": left_out, "rows_left_out": int((~keep).sum())}
    for g in groups:
        sel = (idx >= g["start"]) & (idx < g["start"] + g["count"])
        if not sel.any():
            continue
        e = {"rows": int(sel.sum()), "max_abs_diff": float(dm[sel].max()),
             "rows_over_1e-5": int((dm[sel] > 1e-5).sum())}
        if lm is not None:
            e["label_mismatches"] = int(lm[sel].sum())
        out[g["kind"]] = e
    return out


# Output columns ORT leaves uninitialized (their values change from run to run): written as nan.
UNDEFINED_COLUMNS = {
    "tree_classifier_probit_binary": ([1], "binary PROBIT with one weighted class: ORT writes only "
                                           "probit(score) in column 0; column 1 is uninitialized memory"),
}


def write_case(root, name, model, rg, kind, producer, source=None, notes="", extra_meta=None,
               unreached=0, reference=None):
    d = os.path.join(root, name)
    os.makedirs(d, exist_ok=True)
    # determinism: the converters name the graph with a random uuid and list opset_import
    # in set order; the graph is named after the case and the opsets are sorted
    model.graph.name = name
    ops = sorted(model.opset_import, key=lambda o: o.domain)
    del model.opset_import[:]
    model.opset_import.extend(ops)
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(d, "model.onnx"))
    X = rg.matrix()
    nf = X.shape[1]
    header = ["f%d" % j for j in range(nf)]
    write_input(os.path.join(d, "input.csv"), X, header)

    names, outs = run(model, X)
    stripped, had_zipmap = strip_zipmap(model)
    snames, souts = run(stripped, X) if had_zipmap else (names, outs)
    meta = {}
    if kind == "classifier":
        li = 0
        pi = 1 if len(souts) > 1 else 0
        labels = np.asarray(souts[li]).reshape(-1)
        probs = np.asarray(souts[pi])
        if had_zipmap:     # cross-check: ZipMap dicts hold the same numbers in class order
            zm = outs[names.index(model.graph.output[pi].name)]
            keys = list(zm[0].keys())
            P2 = np.array([[r[k] for k in keys] for r in zm], dtype=np.float32)
            assert np.array_equal(P2.view(np.int32), probs.astype(np.float32).reshape(P2.shape).view(np.int32)) \
                or np.array_equal(P2, probs.reshape(P2.shape), equal_nan=True), name
            meta["zipmap_keys"] = [k if isinstance(k, str) else int(k) for k in keys]
        with open(os.path.join(d, "labels.csv"), "w", newline="\n") as fh:
            fh.write("label\n")
            for v in labels:
                fh.write((v.decode() if isinstance(v, bytes) else str(v)) + "\n")
        meta["label_output"] = snames[li]
        meta["label_dtype"] = str(np.asarray(souts[li]).dtype)
        P = probs
        pname = snames[pi]
    else:
        P = np.asarray(souts[0])
        pname = snames[0]
    P = P.reshape(len(X), -1)
    out_dtype = str(P.dtype)
    if name in UNDEFINED_COLUMNS:
        cols, why = UNDEFINED_COLUMNS[name]
        P = P.astype(np.float64)
        P[:, cols] = np.nan
        meta["undefined_columns"] = {"columns": cols, "reason": why}
    if reference is not None:
        meta["source_library_agreement"] = agreement(reference, X, P, labels if kind == "classifier" else None,
                                                     rg.groups)
    ncol = write_values(os.path.join(d, "predict.csv"), P.astype(np.float64), fmt=fmt_out)

    case = {
        "library": "onnxruntime",
        "library_version": ORT_VERSION,
        "case": name,
        "models": ["model.onnx"],
        "input": "input.csv",
        "predict": "predict.csv",
    }
    if kind == "classifier":
        case["labels"] = "labels.csv"
    case.update({
        "predict_kind": "float",
        "kind": kind,
        "producer": producer,
        "source_estimator": source,
        "opsets": opsets(model),
        "operators": operators(model),
        "graph_inputs": [i.name for i in model.graph.input],
        "graph_outputs": [o.name for o in model.graph.output],
        "predict_output": pname,
        "predict_output_dtype": out_dtype,
        "has_zipmap": had_zipmap,
        "input_dtype": str(np.dtype(input_dtype(model))),
        "num_features": nf,
        "num_rows": len(X),
        "num_predict_columns": ncol,
        "row_groups": rg.groups,
        "ort_session": {"intra_op_num_threads": 1, "inter_op_num_threads": 1,
                        "graph_optimization_level": "default (ORT_ENABLE_ALL)"},
    })
    for k, v in (unreached or {}).items():
        if v:
            case[k] = v
    case.update(meta)
    if extra_meta:
        case.update(extra_meta)
    case["notes"] = notes
    write_json(os.path.join(d, "case.json"), case, indent=1)
    return case


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------

LAB = Labels(basis)


def gen_plain(rng, n):
    """The 8 numeric features of fixture_common, without NaN."""
    return gen_numeric(rng, n, nan=False)


def gen_nan(rng, n):
    return gen_numeric(rng, n, nan=True)


CAT_N = {1: 5, 3: 8}


def gen_cat(rng, n):
    """5 features: num, cat(5), num, cat(8), num."""
    X = np.empty((n, 5))
    X[:, 0] = np.round(rng.normal(0, 1, n), 3)
    X[:, 1] = rng.integers(0, 5, n)
    X[:, 2] = np.round(rng.uniform(-2, 2, n), 2)
    X[:, 3] = rng.integers(0, 8, n)
    X[:, 4] = np.round(rng.exponential(1.0, n), 3)
    return X


def cat_binary(rng, X):
    s = X[:, 0] + np.isin(X[:, 1], [1, 3]) * 1.5 - (X[:, 3] % 3 == 0) * 1.2 + 0.5 * X[:, 2]
    s = s - np.median(s)
    return (rng.random(len(X)) < 1 / (1 + np.exp(-2 * s))).astype(int)


def small_gen(nf, lo=-3.0, hi=3.0, step=0.25):
    """Rows for hand-built graphs: multiples of step in [lo, hi] (thresholds sit on them)."""
    def g(rng, n):
        k = int(round((hi - lo) / step))
        return lo + step * rng.integers(0, k + 1, (n, nf)).astype(np.float64)
    return g


# --------------------------------------------------------------------------
# skl2onnx / onnxmltools
# --------------------------------------------------------------------------

class _Bool2IntShim:
    """skl2onnx 1.20 passes Python bools inside int lists to onnx.helper.make_attribute
    (HistGradientBoosting*'s nodes_missing_value_tracks_true), which protobuf 7 rejects.
    This converts such lists to ints; the produced graph is what skl2onnx means."""

    def __enter__(self):
        self.orig = helper.make_attribute

        def patched(key, value, *a, **k):
            if isinstance(value, (list, tuple)) and any(isinstance(v, (bool, np.bool_)) for v in value):
                value = [int(v) for v in value]
            return self.orig(key, value, *a, **k)
        helper.make_attribute = patched
        return self

    def __exit__(self, *exc):
        helper.make_attribute = self.orig


def skl(model, nf, target_opset=None, zipmap=True, dtype="float"):
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType
    T = FloatTensorType if dtype == "float" else DoubleTensorType
    options = None if zipmap else {id(model): {"zipmap": False}}
    with _Bool2IntShim():
        return convert_sklearn(model, initial_types=[("input", T([None, nf]))],
                               target_opset=target_opset, options=options)


def skl_producer():
    import skl2onnx
    return "skl2onnx %s" % skl2onnx.__version__


def omt_producer():
    import onnxmltools
    return "onnxmltools %s" % onnxmltools.__version__


# --------------------------------------------------------------------------
# Cases: scikit-learn
# --------------------------------------------------------------------------

def sk_cases():
    from sklearn.ensemble import (ExtraTreesClassifier, GradientBoostingClassifier,
                                  GradientBoostingRegressor, HistGradientBoostingClassifier,
                                  HistGradientBoostingRegressor, IsolationForest,
                                  RandomForestClassifier, RandomForestRegressor)
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import MinMaxScaler, StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    nf = 8
    C = {}

    def reg(est, gen=gen_plain, y=LAB.reg, **kw):
        return dict(est=est, gen=gen, y=y, kind="regressor", **kw)

    def clf(est, gen=gen_plain, y=LAB.binary, **kw):
        return dict(est=est, gen=gen, y=y, kind="classifier", **kw)

    C["random_forest_regressor"] = reg(RandomForestRegressor(n_estimators=8, max_depth=3, random_state=0),
                                       notes="TreeEnsembleRegressor, SUM (default aggregate_function) of leaf values that skl2onnx "
                                             "pre-divides by n_estimators")
    C["random_forest_classifier"] = clf(RandomForestClassifier(n_estimators=8, max_depth=3, random_state=0),
                                        y=LAB.classes(3), notes="3 classes; leaves carry per-class probabilities / n_trees, SUM, NONE")
    C["extra_trees_classifier_binary"] = clf(ExtraTreesClassifier(n_estimators=8, max_depth=3, random_state=0),
                                             notes="binary; weights for both classes")
    C["decision_tree_classifier"] = clf(DecisionTreeClassifier(max_depth=4, random_state=0), y=LAB.classes(3))
    C["gradient_boosting_classifier_binary"] = clf(
        GradientBoostingClassifier(n_estimators=10, max_depth=2, random_state=0),
        notes="binary: one score column, post_transform LOGISTIC, base_values = init log-odds")
    C["gradient_boosting_classifier_multiclass"] = clf(
        GradientBoostingClassifier(n_estimators=6, max_depth=2, random_state=0), y=LAB.classes(3),
        notes="3 classes, SOFTMAX")
    C["gradient_boosting_regressor"] = reg(GradientBoostingRegressor(n_estimators=10, max_depth=2, random_state=0))
    C["hist_gradient_boosting_classifier_categorical"] = clf(
        HistGradientBoostingClassifier(max_iter=8, max_depth=3, categorical_features=[1, 3], random_state=0),
        gen=gen_cat, y=cat_binary, cat=CAT_N,
        notes="CONVERTER BUG, kept as an ORT fixture: skl2onnx 1.20 does not refuse categorical HGB but "
              "mis-converts it silently: nodes_featureids index scikit-learn's internal column order "
              "(categorical columns moved first) and categorical bitset splits become plain BRANCH_LEQ; ORT "
              "disagrees with predict_proba on about half the random rows (source_library_agreement). The "
              "file is a valid ONNX model and predict.csv is what ORT computes from it")
    C["hist_gradient_boosting_classifier"] = clf(
        HistGradientBoostingClassifier(max_iter=8, max_depth=3, random_state=0), gen=gen_nan,
        notes="numeric only, trained with NaN (missing_value_tracks_true from the learned default)")
    C["hist_gradient_boosting_regressor"] = reg(
        HistGradientBoostingRegressor(max_iter=8, max_depth=3, random_state=0), gen=gen_nan,
        notes="trained with NaN in f1, f3, f5: nodes_missing_value_tracks_true mixed")
    C["pipeline_scaler_gradient_boosting_classifier"] = clf(
        Pipeline([("scale", StandardScaler()),
                  ("gb", GradientBoostingClassifier(n_estimators=8, max_depth=2, random_state=0))]),
        notes="Scaler (ai.onnx.ml) then TreeEnsembleClassifier; threshold rows are input values x whose "
              "float32 (x - offset) * scale equals the threshold exactly (searched, then checked through ORT)")
    C["mlp_regressor"] = reg(MLPRegressor(hidden_layer_sizes=(16, 8), max_iter=300, random_state=0),
                             dense=True, scale=True)
    C["mlp_classifier_binary"] = clf(MLPClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=0),
                                     dense=True, scale=True)
    C["mlp_classifier_multiclass"] = clf(MLPClassifier(hidden_layer_sizes=(16, 8), activation="tanh",
                                                       max_iter=300, random_state=0),
                                         y=LAB.classes(4), dense=True, scale=True)
    C["logistic_regression_binary"] = clf(LogisticRegression(max_iter=500), dense=True)
    C["logistic_regression_multiclass"] = clf(LogisticRegression(max_iter=500), y=LAB.classes(3), dense=True)
    C["linear_regression"] = reg(LinearRegression(), dense=True)
    C["pipeline_imputer_scaler_logistic"] = clf(
        Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler()),
                  ("lr", LogisticRegression(max_iter=500))]),
        gen=gen_nan, y=LAB.classes(3), dense=True, nan_cols=[1, 3, 5])
    C["pipeline_minmax_mlp"] = reg(
        Pipeline([("mm", MinMaxScaler()),
                  ("mlp", MLPRegressor(hidden_layer_sizes=(12,), max_iter=300, random_state=0))]),
        dense=True)
    C["pipeline_minmax_clip_logistic"] = clf(
        Pipeline([("mm", MinMaxScaler(clip=True)), ("lr", LogisticRegression(max_iter=500))]),
        dense=True, notes="MinMaxScaler(clip=True): Cast, Mul, Add, Clip(0, 1) before LinearClassifier")
    C["isolation_forest"] = dict(est=IsolationForest(n_estimators=5, max_samples=64, random_state=0),
                                 gen=gen_plain, y=None, kind="classifier",
                                 target_opset={"": 17, ML: 3},
                                 notes="skl2onnx needs target_opset ai.onnx.ml 3 (it refuses ml 4/5). Outputs: "
                                       "label (1 inlier / -1 outlier) and scores = decision_function; "
                                       "predict.csv holds the scores")
    C["random_forest_classifier_string_labels"] = clf(
        RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0),
        y=lambda rng, X: np.array(["cat", "dog", "emu"])[LAB.classes(3)(rng, X).astype(int)],
        notes="classes_ = ['cat','dog','emu']: classlabels_strings, string label output")
    C["mlp_classifier_string_labels_binary"] = clf(
        MLPClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=0),
        y=lambda rng, X: np.array(["no", "yes"])[LAB.binary(rng, X).astype(int)], dense=True, scale=True,
        notes="classes_ = ['no', 'yes']: the labels live in a string initializer 'classes' that only the "
              "label output reads (ArgMax, ArrayFeatureExtractor), and in ZipMap's classlabels_strings")
    C["mlp_classifier_string_labels_multiclass"] = clf(
        MLPClassifier(hidden_layer_sizes=(16, 8), max_iter=300, random_state=0),
        y=lambda rng, X: np.array(["setosa", "versicolor", "virginica"])[LAB.classes(3)(rng, X).astype(int)],
        dense=True, scale=True, notes="classes_ = ['setosa', 'versicolor', 'virginica'], as the binary case")
    C["random_forest_classifier_int_labels"] = clf(
        RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0),
        y=lambda rng, X: np.array([3, 7, 10])[LAB.classes(3)(rng, X).astype(int)],
        notes="classes_ = [3, 7, 10]: classlabels_int64s")
    C["gradient_boosting_classifier_binary_opset17_ml3"] = clf(
        GradientBoostingClassifier(n_estimators=6, max_depth=2, random_state=1),
        target_opset={"": 17, ML: 3}, notes="forced target_opset {'': 17, 'ai.onnx.ml': 3}")
    C["random_forest_regressor_ml5"] = reg(
        RandomForestRegressor(n_estimators=4, max_depth=3, random_state=1),
        target_opset={"": 21, ML: 5},
        notes="asked for ai.onnx.ml 5: skl2onnx 1.20 still emits TreeEnsembleRegressor (ml opset 1 in opset_import), "
              "never the opset-5 TreeEnsemble")
    return C


def make_sk_case(root, name, spec):
    rng = np.random.default_rng(case_seed(name))
    gen = spec["gen"]
    Xtr = gen(rng, N_TRAIN)
    est = spec["est"]
    if spec.get("scale"):       # MLPs fit on roughly standardized data, rows stay raw
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler
        est = Pipeline([("scale", StandardScaler()), ("mlp", est)])
    if spec["y"] is None:
        est.fit(Xtr)
    else:
        y = spec["y"](rng, Xtr)
        if spec["kind"] == "classifier" and y.dtype.kind == "f":
            y = y.astype(np.int64)
        est.fit(Xtr, y)
    nf = Xtr.shape[1]
    model = skl(est, nf, target_opset=spec.get("target_opset"))
    allow_nan = True
    if spec.get("dense"):
        allow_nan = spec.get("nan_cols", False)
    rg, unreached = build_rows(rng, model, gen, nf, allow_nan=allow_nan, dense=spec.get("dense", False),
                               cat_cols=spec.get("cat"))
    notes = spec.get("notes", "")
    if "hist_gradient" in name:
        notes = (notes + "; " if notes else "") + ("skl2onnx 1.20 + protobuf 7 fails on HistGradientBoosting "
                                                   "(Python bools in nodes_missing_value_tracks_true); generated "
                                                   "with a shim that turns those bools into ints")
    if spec.get("scale"):
        notes = (notes + "; " if notes else "") + "wrapped in Pipeline(StandardScaler, ...) for training"
    kind = spec["kind"]
    if name == "isolation_forest":
        def reference(Xr):
            return est.decision_function(Xr), est.predict(Xr)
    elif kind == "classifier":
        def reference(Xr):
            return est.predict_proba(Xr), est.predict(Xr)
    else:
        def reference(Xr):
            return est.predict(Xr), None
    case = write_case(root, name, model, rg, kind, skl_producer(), source=repr(est), notes=notes,
                      unreached=unreached, reference=reference)
    return case


# --------------------------------------------------------------------------
# Cases: onnxmltools (LightGBM, XGBoost)
# --------------------------------------------------------------------------

def omt_cases():
    return ["lightgbm_binary", "lightgbm_regressor", "lightgbm_categorical", "xgboost_binary",
            "xgboost_multiclass", "xgboost_regressor", "xgboost_with_missing"]


def make_omt_case(root, name):
    import lightgbm as lgb
    import onnxmltools
    import xgboost as xgb
    from onnxmltools.convert.common.data_types import FloatTensorType
    rng = np.random.default_rng(case_seed(name))
    cat = None
    notes = ""
    if name.startswith("lightgbm"):
        kw = dict(n_estimators=10, num_leaves=6, max_depth=3, learning_rate=0.3, random_state=0,
                  n_jobs=1, verbose=-1, deterministic=True)
        if name == "lightgbm_categorical":
            gen = gen_cat
            X = gen(rng, N_TRAIN)
            y = cat_binary(rng, X)
            est = lgb.LGBMClassifier(min_data_per_group=5, cat_smooth=1.0, **kw)
            est.fit(X, y, categorical_feature=[1, 3])
            cat = CAT_N
        else:
            gen = gen_nan
            X = gen(rng, N_TRAIN)
            if name == "lightgbm_binary":
                est = lgb.LGBMClassifier(**kw).fit(X, LAB.binary(rng, X).astype(int))
            else:
                est = lgb.LGBMRegressor(**kw).fit(X, LAB.reg(rng, X))
        nf = X.shape[1]
        model = onnxmltools.convert_lightgbm(est, initial_types=[("input", FloatTensorType([None, nf]))],
                                             zipmap=True)
    else:
        kw = dict(n_estimators=8, max_depth=3, learning_rate=0.3, random_state=0, n_jobs=1, tree_method="exact")
        gen = gen_nan if name == "xgboost_with_missing" else gen_plain
        X = gen(rng, N_TRAIN)
        if name == "xgboost_binary":
            est = xgb.XGBClassifier(**kw).fit(X, LAB.binary(rng, X).astype(int))
        elif name == "xgboost_multiclass":
            est = xgb.XGBClassifier(**dict(kw, n_estimators=5)).fit(X, LAB.classes(3)(rng, X).astype(int))
        elif name == "xgboost_regressor":
            est = xgb.XGBRegressor(**kw).fit(X, LAB.reg(rng, X))
        else:
            est = xgb.XGBClassifier(**kw).fit(X, LAB.binary(rng, X).astype(int))
            notes = "trained with NaN in f1, f3, f5: learned default directions -> nodes_missing_value_tracks_true"
        nf = X.shape[1]
        model = onnxmltools.convert_xgboost(est, initial_types=[("input", FloatTensorType([None, nf]))])
    kind = "classifier" if "Classifier" in type(est).__name__ else "regressor"
    rg, unreached = build_rows(rng, model, gen, nf, allow_nan=True, cat_cols=cat)
    if name == "lightgbm_categorical":
        modes = sorted({m for n in model.graph.node if n.op_type in TREE_OPS for _, _, m, _ in tree_splits(n)})
        notes = "LightGBM categorical splits (features 1 and 3) as converted by onnxmltools; branch modes used: %s" % modes
    if kind == "classifier":
        def reference(Xr):
            return est.predict_proba(Xr), est.predict(Xr)
    else:
        def reference(Xr):
            return est.predict(Xr), None
    return write_case(root, name, model, rg, kind, omt_producer(), source=repr(est), notes=notes,
                      unreached=unreached, reference=reference)


# --------------------------------------------------------------------------
# Hand-built graphs
# --------------------------------------------------------------------------

def leaf(**w):
    """A leaf; w maps 't0', 't1', ... (target or class index) to its weight."""
    return ("LEAF", {int(k[1:]): v for k, v in w.items()})


def br(mode, f, t, yes, no, miss=0):
    return (mode, f, t, yes, no, miss)


def flatten_v1(trees):
    """Trees -> node and leaf-weight lists of TreeEnsembleRegressor/Classifier (node ids
    in preorder, per tree)."""
    N = dict(treeids=[], nodeids=[], featureids=[], modes=[], values=[], truenodeids=[], falsenodeids=[],
             missing=[])
    W = dict(treeids=[], nodeids=[], ids=[], weights=[])
    for tid, tree in enumerate(trees):
        counter = [0]

        def visit(n):
            nid = counter[0]
            counter[0] += 1
            idx = len(N["nodeids"])
            for k, v in (("treeids", tid), ("nodeids", nid), ("featureids", 0), ("modes", "LEAF"), ("values", 0.0),
                         ("truenodeids", 0), ("falsenodeids", 0), ("missing", 0)):
                N[k].append(v)
            if n[0] == "LEAF":
                for k, w in sorted(n[1].items()):
                    W["treeids"].append(tid)
                    W["nodeids"].append(nid)
                    W["ids"].append(k)
                    W["weights"].append(w)
            else:
                mode, f, t, yes, no, miss = n
                N["modes"][idx], N["featureids"][idx], N["values"][idx], N["missing"][idx] = mode, f, t, miss
                N["truenodeids"][idx] = visit(yes)
                N["falsenodeids"][idx] = visit(no)
            return nid
        visit(tree)
    return N, W


def tree_regressor(trees, n_targets=1, aggregate="SUM", post="NONE", base_values=None, as_tensor=False,
                   missing=True):
    N, W = flatten_v1(trees)
    a = dict(n_targets=n_targets, aggregate_function=aggregate, post_transform=post,
             nodes_treeids=N["treeids"], nodes_nodeids=N["nodeids"], nodes_featureids=N["featureids"],
             nodes_modes=N["modes"], nodes_truenodeids=N["truenodeids"], nodes_falsenodeids=N["falsenodeids"],
             target_treeids=W["treeids"], target_nodeids=W["nodeids"], target_ids=W["ids"])
    if missing:
        a["nodes_missing_value_tracks_true"] = N["missing"]
    if as_tensor:
        a["nodes_values_as_tensor"] = numpy_helper.from_array(np.array(N["values"], np.float64))
        a["target_weights_as_tensor"] = numpy_helper.from_array(np.array(W["weights"], np.float64))
        if base_values is not None:
            a["base_values_as_tensor"] = numpy_helper.from_array(np.array(base_values, np.float64))
    else:
        a["nodes_values"] = N["values"]
        a["target_weights"] = W["weights"]
        if base_values is not None:
            a["base_values"] = base_values
    return helper.make_node("TreeEnsembleRegressor", ["X"], ["Y"], domain=ML, **a)


def tree_classifier(trees, classlabels, post="NONE", base_values=None):
    N, W = flatten_v1(trees)
    a = dict(post_transform=post,
             nodes_treeids=N["treeids"], nodes_nodeids=N["nodeids"], nodes_featureids=N["featureids"],
             nodes_modes=N["modes"], nodes_values=N["values"], nodes_truenodeids=N["truenodeids"],
             nodes_falsenodeids=N["falsenodeids"], nodes_missing_value_tracks_true=N["missing"],
             class_treeids=W["treeids"], class_nodeids=W["nodeids"], class_ids=W["ids"],
             class_weights=W["weights"])
    if isinstance(classlabels[0], str):
        a["classlabels_strings"] = classlabels
    else:
        a["classlabels_int64s"] = classlabels
    if base_values is not None:
        a["base_values"] = base_values
    return helper.make_node("TreeEnsembleClassifier", ["X"], ["label", "probabilities"], domain=ML, **a)


def graph_model(nodes, nf, outputs, in_type=TensorProto.FLOAT, initializers=(), opset=(("", 21), (ML, 3))):
    g = helper.make_graph(nodes, "xylem_fixture",
                          [helper.make_tensor_value_info("X", in_type, [None, nf])],
                          [helper.make_tensor_value_info(n, t, s) for n, t, s in outputs],
                          initializer=list(initializers))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid(d, v) for d, v in opset],
                          producer_name="xylem generate_onnx.py (onnx.helper)", producer_version=onnx.__version__)
    m.ir_version = 10
    return m


def reg_out(k=1, t=TensorProto.FLOAT):
    return [("Y", t, [None, k])]


def clf_out(k, strings=False):
    return [("label", TensorProto.STRING if strings else TensorProto.INT64, [None]),
            ("probabilities", TensorProto.FLOAT, [None, k])]


# The trees of the hand-built cases: 3 features, thresholds on multiples of 0.25.
T_MODES = [
    br("BRANCH_LEQ", 0, 0.5,
       br("BRANCH_LT", 1, -1.0, leaf(t0=1.0), leaf(t0=2.0)),
       br("BRANCH_GTE", 2, 1.25, leaf(t0=4.0), leaf(t0=8.0))),
    br("BRANCH_GT", 1, 0.75,
       br("BRANCH_EQ", 0, 2.0, leaf(t0=16.0), leaf(t0=32.0)),
       br("BRANCH_NEQ", 2, -0.5, leaf(t0=64.0), leaf(t0=128.0))),
    br("BRANCH_EQ", 2, 0.0, leaf(t0=0.0625),
       br("BRANCH_LEQ", 0, -1.5, leaf(t0=0.125), leaf(t0=0.25))),
]

T_MISSING = [
    br("BRANCH_LEQ", 0, 0.5,
       br("BRANCH_LEQ", 1, -1.0, leaf(t0=1.0), leaf(t0=2.0), miss=1),
       br("BRANCH_LT", 2, 1.25, leaf(t0=4.0), leaf(t0=8.0), miss=0), miss=1),
    br("BRANCH_GTE", 1, 0.75,
       br("BRANCH_EQ", 0, 2.0, leaf(t0=16.0), leaf(t0=32.0), miss=1),
       br("BRANCH_NEQ", 2, -0.5, leaf(t0=64.0), leaf(t0=128.0), miss=1), miss=0),
    br("BRANCH_GT", 2, 0.0, leaf(t0=0.0625), leaf(t0=0.125), miss=1),
]


def clf_trees_3(zero=False):
    """3 trees for 3 classes; with zero=True some leaves give a class exactly 0 or no weight."""
    if zero:
        return [
            br("BRANCH_LEQ", 0, 0.5, leaf(t0=0.0, t1=1.5), leaf(t0=2.0, t2=0.0)),
            br("BRANCH_LEQ", 1, -0.25, leaf(t1=0.0), leaf(t2=-1.0, t0=0.5)),
            br("BRANCH_LT", 2, 1.0, leaf(t0=0.0, t1=0.0, t2=0.0), leaf(t1=-0.75)),
        ]
    return [
        br("BRANCH_LEQ", 0, 0.5, leaf(t0=0.25, t1=1.5, t2=-0.5), leaf(t0=2.0, t1=-1.0, t2=0.0)),
        br("BRANCH_LEQ", 1, -0.25, br("BRANCH_GT", 2, 0.5, leaf(t0=1.0), leaf(t1=1.0)), leaf(t2=1.0)),
        br("BRANCH_LT", 2, 1.0, leaf(t0=-0.5, t1=0.5, t2=0.75), leaf(t0=0.125, t1=-0.75, t2=0.5)),
    ]


def binary_trees(cls, signs="mixed"):
    """Binary trees. cls 0: weights only for class 0 (what skl2onnx and onnxmltools write
    for every binary model: one score column), cls 1: weights only for class 1, "both":
    weights for both classes. signs "positive" keeps every weight in [0, 1] (ORT's
    weights_are_all_positive branch)."""
    if signs == "positive":
        ws = [(0.1, 0.2), (0.05, 0.3), (0.15, 0.25)]
    else:
        ws = [(-0.75, 0.5), (0.25, -1.25), (1.0, -0.5)]
    trees = []
    for i, (a, b) in enumerate(ws):
        f, t = i % 3, 0.25 * i
        if cls == "both":
            if signs == "positive":
                trees.append(br("BRANCH_LEQ", f, t, leaf(t0=1 - a, t1=a), leaf(t0=1 - b, t1=b)))
            else:
                trees.append(br("BRANCH_LEQ", f, t, leaf(t0=-a, t1=a), leaf(t0=-b, t1=b)))
        elif cls == 0:
            trees.append(br("BRANCH_LEQ", f, t, leaf(t0=a), leaf(t0=b)))
        else:
            trees.append(br("BRANCH_LEQ", f, t, leaf(t1=a), leaf(t1=b)))
    return trees


def tree_ensemble_v5(trees, n_targets, aggregate, post=0, dtype=np.float32):
    """Trees -> ai.onnx.ml opset 5 TreeEnsemble. Leaves are (weights dict); modes may be
    'MEMBER' with a list of members as the threshold."""
    code = {"BRANCH_LEQ": 0, "BRANCH_LT": 1, "BRANCH_GTE": 2, "BRANCH_GT": 3, "BRANCH_EQ": 4, "BRANCH_NEQ": 5,
            "MEMBER": 6}
    nodes = dict(featureids=[], modes=[], splits=[], truenodeids=[], trueleafs=[], falsenodeids=[],
                 falseleafs=[], missing=[])
    leaves = dict(targetids=[], weights=[])
    members, roots = [], []

    def add_leaf(n):
        # a leaf with several targets is not expressible (one target per leaf): use the first
        (k, w), = n[1].items()
        leaves["targetids"].append(k)
        leaves["weights"].append(w)
        return len(leaves["weights"]) - 1

    def visit(n):
        idx = len(nodes["featureids"])
        for k in nodes:
            nodes[k].append(0)
        mode, f, t, yes, no, miss = n
        nodes["featureids"][idx] = f
        nodes["modes"][idx] = code[mode]
        if mode == "MEMBER":
            nodes["splits"][idx] = 0.0
            members.extend(t + [math.nan])
        else:
            nodes["splits"][idx] = t
        nodes["missing"][idx] = miss
        for side, sub in (("true", yes), ("false", no)):
            if sub[0] == "LEAF":
                nodes[side + "nodeids"][idx] = add_leaf(sub)
                nodes[side + "leafs"][idx] = 1
            else:
                nodes[side + "nodeids"][idx] = visit(sub)
        return idx

    for t in trees:
        roots.append(visit(t))
    a = dict(n_targets=n_targets, aggregate_function=aggregate, post_transform=post, tree_roots=roots,
             nodes_featureids=nodes["featureids"],
             nodes_modes=numpy_helper.from_array(np.array(nodes["modes"], np.uint8)),
             nodes_splits=numpy_helper.from_array(np.array(nodes["splits"], dtype)),
             nodes_truenodeids=nodes["truenodeids"], nodes_trueleafs=nodes["trueleafs"],
             nodes_falsenodeids=nodes["falsenodeids"], nodes_falseleafs=nodes["falseleafs"],
             nodes_missing_value_tracks_true=nodes["missing"],
             leaf_targetids=leaves["targetids"],
             leaf_weights=numpy_helper.from_array(np.array(leaves["weights"], dtype)))
    if members:
        a["membership_values"] = numpy_helper.from_array(np.array(members, dtype))
    return helper.make_node("TreeEnsemble", ["X"], ["Y"], domain=ML, **a)


T_V5 = [
    br("MEMBER", 0, [1.0, 2.0, 5.0],
       br("BRANCH_LEQ", 1, 0.5, leaf(t0=1.0), leaf(t0=2.0)),
       br("MEMBER", 2, [-1.0, 0.0], leaf(t0=4.0), leaf(t0=8.0), miss=1), miss=0),
    br("BRANCH_GT", 2, 0.75, leaf(t0=16.0),
       br("MEMBER", 1, [3.0], leaf(t0=32.0), leaf(t0=64.0)), miss=1),
    br("BRANCH_NEQ", 0, -2.0, leaf(t0=0.25), leaf(t0=0.5)),
]

# The same trees with sets ORT unrolls into BRANCH_EQ chains (fewer than 31 values in
# [0, 30]); T_V5's {-1, 0} is one of ORT's "big sets".
T_V5_SMALL = [
    br("MEMBER", 0, [1.0, 2.0, 5.0],
       br("BRANCH_LEQ", 1, 0.5, leaf(t0=1.0), leaf(t0=2.0)),
       br("MEMBER", 2, [0.0, 3.0], leaf(t0=4.0), leaf(t0=8.0), miss=1), miss=0),
    br("BRANCH_GT", 2, 0.75, leaf(t0=16.0),
       br("MEMBER", 1, [3.0], leaf(t0=32.0), leaf(t0=64.0)), miss=1),
    br("BRANCH_NEQ", 0, -2.0, leaf(t0=0.25), leaf(t0=0.5)),
]

T_V5_2 = [
    br("MEMBER", 0, [1.0, 2.0, 5.0], leaf(t0=1.0), leaf(t1=2.0)),
    br("BRANCH_LEQ", 1, 0.5, leaf(t1=3.0), br("MEMBER", 2, [0.0, 0.5], leaf(t0=-1.0), leaf(t1=0.5))),
]


def hand_cases():
    g3 = small_gen(3)
    C = {}
    # name: (model, kind, gen, notes, [extra meta])
    C["tree_modes_all"] = (graph_model([tree_regressor(T_MODES, base_values=[0.5])], 3, reg_out()),
                           "regressor", g3, "BRANCH_LEQ, LT, GTE, GT, EQ, NEQ; leaf weights powers of two so "
                                            "every path is recognisable; base_values [0.5]")
    C["tree_missing_tracks_true"] = (graph_model([tree_regressor(T_MISSING)], 3, reg_out()), "regressor", g3,
                                     "nodes_missing_value_tracks_true mixed 0/1 over every mode")
    C["tree_regressor_aggregate_average_base_values"] = (
        graph_model([tree_regressor(T_MODES, aggregate="AVERAGE", base_values=[1.5])], 3, reg_out()),
        "regressor", g3, "AVERAGE over 3 trees, base_values [1.5]")
    C["tree_regressor_aggregate_min"] = (
        graph_model([tree_regressor(T_MODES, aggregate="MIN", base_values=[0.25])], 3, reg_out()),
        "regressor", g3, "MIN, base_values [0.25]")
    C["tree_regressor_aggregate_max"] = (
        graph_model([tree_regressor(T_MODES, aggregate="MAX")], 3, reg_out()), "regressor", g3, "MAX")
    C["tree_regressor_multi_target"] = (
        graph_model([tree_regressor(clf_trees_3(), n_targets=3, base_values=[0.5, -0.25, 1.0])], 3, reg_out(3)),
        "regressor", g3, "n_targets 3, leaves with weights for 1 or 3 targets, base_values per target")
    C["tree_regressor_logistic"] = (
        graph_model([tree_regressor(T_MODES[:2], post="LOGISTIC", base_values=[-40.0])], 3, reg_out()),
        "regressor", g3, "one-target regressor with post_transform LOGISTIC: ORT ignores it (only PROBIT is "
                         "applied to a single target)")
    C["tree_regressor_probit"] = (
        graph_model([tree_regressor([br("BRANCH_LEQ", 0, 0.5, leaf(t0=0.125), leaf(t0=0.375)),
                                     br("BRANCH_LEQ", 1, 0.0, leaf(t0=0.25), leaf(t0=0.5))], post="PROBIT")],
                    3, reg_out()),
        "regressor", g3, "one-target regressor, PROBIT (scores in (0, 1))")
    C["tree_regressor_multi_target_logistic"] = (
        graph_model([tree_regressor(clf_trees_3(), n_targets=3, post="LOGISTIC", base_values=[0.5, -0.25, 1.0])],
                    3, reg_out(3)),
        "regressor", g3, "n_targets 3 with LOGISTIC (applied per target)")
    C["tree_classifier_softmax"] = (
        graph_model([tree_classifier(clf_trees_3(), [0, 1, 2], post="SOFTMAX")], 3, clf_out(3)),
        "classifier", g3, "3 classes, SOFTMAX")
    C["tree_classifier_softmax_zero"] = (
        graph_model([tree_classifier(clf_trees_3(zero=True), [0, 1, 2], post="SOFTMAX_ZERO")], 3, clf_out(3)),
        "classifier", g3, "3 classes, SOFTMAX_ZERO; some rows have class scores exactly 0 (or no weight)")
    probit_trees = [br("BRANCH_LEQ", 0, 0.5, leaf(t0=0.125), leaf(t0=0.375)),
                    br("BRANCH_LEQ", 1, 0.0, leaf(t0=0.25), leaf(t0=0.5))]
    C["tree_classifier_probit_binary"] = (
        graph_model([tree_classifier(probit_trees, [0, 1], post="PROBIT")], 3, clf_out(2)),
        "classifier", g3, "binary, weights for class 0 only (converter style), sums in (0, 1), PROBIT")
    C["tree_classifier_probit_binary_class1"] = (
        graph_model([tree_classifier([br(m, f, t, leaf(t1=yes[1][0]), leaf(t1=no[1][0]))
                                      for m, f, t, yes, no, _ in probit_trees], [0, 1], post="PROBIT")],
                    3, clf_out(2)),
        "classifier", g3, "binary, weights for class 1 only, PROBIT")
    C["tree_classifier_probit_multiclass"] = (
        graph_model([tree_classifier([br("BRANCH_LEQ", 0, 0.5, leaf(t0=0.125, t1=0.5, t2=0.25),
                                         leaf(t0=0.375, t1=0.125, t2=0.4375))], [0, 1, 2], post="PROBIT")],
                    3, clf_out(3)),
        "classifier", g3, "3 classes, PROBIT on each score")
    for cls, tag in ((0, "one_class"), (1, "class1_only")):
        who = "class 0 only (converter style: GradientBoosting, LightGBM, XGBoost)" if cls == 0 else "class 1 only"
        C["tree_classifier_logistic_%s" % tag] = (
            graph_model([tree_classifier(binary_trees(cls), [0, 1], post="LOGISTIC")], 3, clf_out(2)),
            "classifier", g3, "binary, weights for %s, mixed signs, LOGISTIC, no base_values" % who)
        C["tree_classifier_none_%s" % tag] = (
            graph_model([tree_classifier(binary_trees(cls), [0, 1])], 3, clf_out(2)),
            "classifier", g3, "binary, weights for %s, mixed signs, NONE" % who)
        C["tree_classifier_none_%s_positive" % tag] = (
            graph_model([tree_classifier(binary_trees(cls, "positive"), [0, 1])], 3, clf_out(2)),
            "classifier", g3, "binary, weights for %s, all in [0, 1] (weights_are_all_positive: label 1 iff "
                              "score > 0.5), NONE (as RandomForest)" % who)
        C["tree_classifier_logistic_%s_positive" % tag] = (
            graph_model([tree_classifier(binary_trees(cls, "positive"), [0, 1], post="LOGISTIC")], 3, clf_out(2)),
            "classifier", g3, "binary, weights for %s, all in [0, 1], LOGISTIC" % who)
        C["tree_classifier_%s_base_values" % tag] = (
            graph_model([tree_classifier(binary_trees(cls), [0, 1], post="LOGISTIC", base_values=[-0.25])],
                        3, clf_out(2)),
            "classifier", g3, "binary, weights for %s, one base_value, LOGISTIC (as GradientBoosting)" % who)
        C["tree_classifier_%s_two_base_values" % tag] = (
            graph_model([tree_classifier(binary_trees(cls), [0, 1], post="LOGISTIC", base_values=[0.25, -0.5])],
                        3, clf_out(2)),
            "classifier", g3, "binary, weights for %s, two base_values [0.25, -0.5], LOGISTIC" % who)
    C["tree_classifier_two_class_weights"] = (
        graph_model([tree_classifier(binary_trees("both", "positive"), [0, 1])], 3, clf_out(2)),
        "classifier", g3, "binary, weights for both classes (1-p, p), NONE")
    C["tree_classifier_two_class_weights_logistic"] = (
        graph_model([tree_classifier(binary_trees("both"), [0, 1], post="LOGISTIC")], 3, clf_out(2)),
        "classifier", g3, "binary, weights for both classes (w0 = -w1), LOGISTIC, no base_values")
    C["tree_classifier_two_class_weights_base_values"] = (
        graph_model([tree_classifier(binary_trees("both"), [0, 1], post="LOGISTIC", base_values=[0.25, -0.5])],
                    3, clf_out(2)),
        "classifier", g3, "binary, weights for both classes (w0 = -w1), two base_values [0.25, -0.5], LOGISTIC")
    C["tree_classifier_two_class_weights_one_base_value"] = (
        graph_model([tree_classifier(binary_trees("both"), [0, 1], post="LOGISTIC", base_values=[0.25])],
                    3, clf_out(2)),
        "classifier", g3, "binary, weights for both classes (w0 = -w1), one base_value [0.25], LOGISTIC")
    C["tree_classifier_two_class_weights_labels_3_7"] = (
        graph_model([tree_classifier(binary_trees("both"), [3, 7], post="LOGISTIC")], 3, clf_out(2)),
        "classifier", g3, "binary, weights for both classes, classlabels_int64s [3, 7], LOGISTIC")
    C["tree_classifier_one_class_labels_3_7"] = (
        graph_model([tree_classifier(binary_trees(0), [3, 7], post="LOGISTIC")], 3, clf_out(2)),
        "classifier", g3, "binary, weights for class 0 only, classlabels_int64s [3, 7], LOGISTIC")
    C["tree_classifier_string_labels"] = (
        graph_model([tree_classifier(clf_trees_3(), ["cat", "dog", "emu"], post="SOFTMAX")], 3, clf_out(3, True)),
        "classifier", g3, "classlabels_strings")
    C["tree_classifier_int_labels"] = (
        graph_model([tree_classifier(clf_trees_3(), [3, 7, 10])], 3, clf_out(3)),
        "classifier", g3, "classlabels_int64s [3, 7, 10], NONE")
    C["tree_as_tensor_double_input_double"] = (
        graph_model([tree_regressor(T_MODES, base_values=[0.1], as_tensor=True)], 3, reg_out(1),
                    in_type=TensorProto.DOUBLE),
        "regressor", g3, "nodes_values_as_tensor / target_weights_as_tensor / base_values_as_tensor (DOUBLE), "
                         "double input; the output stays float (ORT refuses a double Y); base 0.1 is not a float32 value")
    C["tree_ensemble_opset5"] = (
        graph_model([tree_ensemble_v5(T_V5, 1, 1)], 3, reg_out(), opset=(("", 21), (ML, 5))),
        "regressor", g3, "ai.onnx.ml 5 TreeEnsemble, BRANCH_MEMBER (membership_values), SUM")
    C["tree_ensemble_opset5_average_2targets"] = (
        graph_model([tree_ensemble_v5(T_V5_2, 2, 0)], 3, reg_out(2), opset=(("", 21), (ML, 5))),
        "regressor", g3, "ai.onnx.ml 5 TreeEnsemble, 2 targets, AVERAGE")
    C["tree_ensemble_opset5_double"] = (
        graph_model([tree_ensemble_v5(T_V5, 1, 1, dtype=np.float64)], 3, reg_out(1, TensorProto.DOUBLE),
                    in_type=TensorProto.DOUBLE, opset=(("", 21), (ML, 5))),
        "regressor", g3, "ai.onnx.ml 5 TreeEnsemble with double splits / leaf weights, double input")
    C["tree_ensemble_opset5_small_sets"] = (
        graph_model([tree_ensemble_v5(T_V5_SMALL, 1, 1)], 3, reg_out(), opset=(("", 21), (ML, 5))),
        "regressor", g3, "ai.onnx.ml 5 TreeEnsemble, BRANCH_MEMBER sets ORT unrolls to BRANCH_EQ chains, SUM")
    C["tree_ensemble_opset5_small_sets_double"] = (
        graph_model([tree_ensemble_v5(T_V5_SMALL, 1, 1, dtype=np.float64)], 3, reg_out(1, TensorProto.DOUBLE),
                    in_type=TensorProto.DOUBLE, opset=(("", 21), (ML, 5))),
        "regressor", g3, "as tree_ensemble_opset5_small_sets, double splits / leaf weights / input / output")
    return C


def linear_cases():
    g4 = small_gen(4, -4.0, 4.0, 0.125)
    coef3 = [0.5, -1.25, 0.75, 2.0,
             -0.5, 0.25, 1.5, -1.0,
             1.0, 1.0, -0.75, 0.125]
    C = {}
    for post in ("NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO", "PROBIT"):
        node = helper.make_node("LinearClassifier", ["X"], ["label", "probabilities"], domain=ML,
                                coefficients=coef3, intercepts=[0.25, -0.5, 0.0], classlabels_ints=[0, 1, 2],
                                post_transform=post, multi_class=0)
        C["linear_classifier_" + post.lower()] = (graph_model([node], 4, clf_out(3), opset=(("", 21), (ML, 1))),
                                                  "classifier", g4, "LinearClassifier 3 classes, " + post)
    node = helper.make_node("LinearClassifier", ["X"], ["label", "probabilities"], domain=ML,
                            coefficients=[0.5, -1.25, 0.75, 2.0], intercepts=[0.25], classlabels_ints=[0, 1],
                            post_transform="LOGISTIC")
    C["linear_classifier_binary_logistic"] = (graph_model([node], 4, clf_out(2), opset=(("", 21), (ML, 1))),
                                              "classifier", g4, "LinearClassifier, one coefficient row, 2 labels")
    node = helper.make_node("LinearClassifier", ["X"], ["label", "probabilities"], domain=ML,
                            coefficients=[0.5, -1.25, 0.75, 2.0], intercepts=[0.25], classlabels_ints=[0, 1],
                            post_transform="NONE")
    C["linear_classifier_binary_none"] = (graph_model([node], 4, clf_out(2), opset=(("", 21), (ML, 1))),
                                          "classifier", g4, "LinearClassifier, one coefficient row, 2 labels, NONE")
    for norm in ("L1", "L2", "MAX"):
        nodes = [
            helper.make_node("Imputer", ["X"], ["imp"], domain=ML, imputed_value_floats=[0.5, -1.0, 2.0, 0.0],
                             replaced_value_float=float("nan")),
            helper.make_node("Scaler", ["imp"], ["sc"], domain=ML, offset=[0.5, 1.0, -1.0, 0.25],
                             scale=[2.0, 0.5, 1.5, 4.0]),
            helper.make_node("Normalizer", ["sc"], ["nz"], domain=ML, norm=norm),
            helper.make_node("LinearRegressor", ["nz"], ["Y"], domain=ML, coefficients=[1.0, -2.0, 0.5, 3.0],
                             intercepts=[0.125], targets=1),
        ]
        C["chain_imputer_scaler_normalizer_%s" % norm.lower()] = (
            graph_model(nodes, 4, reg_out(), opset=(("", 21), (ML, 1))), "regressor", g4,
            "Imputer (NaN -> per-column value) -> Scaler -> Normalizer(%s) -> LinearRegressor" % norm)
    return C


def dense_cases():
    rng = np.random.default_rng(77)
    g6 = small_gen(6, -2.0, 2.0, 0.125)

    def W(*shape):
        return np.round(rng.normal(0, 0.6, shape) * 64) / 64

    C = {}
    inits = [numpy_helper.from_array(W(12, 6).astype(np.float32), "W1"),
             numpy_helper.from_array(W(12).astype(np.float32), "B1"),
             numpy_helper.from_array(W(3, 12).astype(np.float32), "W2"),
             numpy_helper.from_array(W(3).astype(np.float32), "B2")]
    nodes = [helper.make_node("Flatten", ["X"], ["x0"], axis=1),
             helper.make_node("Gemm", ["x0", "W1", "B1"], ["h1"], alpha=1.0, beta=1.0, transB=1),
             helper.make_node("Relu", ["h1"], ["a1"]),
             helper.make_node("Gemm", ["a1", "W2", "B2"], ["h2"], alpha=1.0, beta=1.0, transB=1),
             helper.make_node("Softmax", ["h2"], ["sm"], axis=1),
             helper.make_node("Identity", ["sm"], ["Y"])]
    C["mlp_torch_style"] = (graph_model(nodes, 6, reg_out(3), initializers=inits, opset=(("", 17),)),
                            "regressor", g6, "torch.onnx.export-like: Flatten, Gemm(transB=1), Relu, Gemm, "
                                             "Softmax(axis=1), Identity; predict.csv = softmax probabilities")
    inits = [numpy_helper.from_array(W(6, 10).astype(np.float32), "W1"),
             numpy_helper.from_array(W(10).astype(np.float32), "B1"),
             numpy_helper.from_array(W(10, 8).astype(np.float32), "W2"),
             numpy_helper.from_array(W(8).astype(np.float32), "B2"),
             numpy_helper.from_array(W(8, 8).astype(np.float32), "W3"),
             numpy_helper.from_array(W(8).astype(np.float32), "B3"),
             numpy_helper.from_array(W(8, 2).astype(np.float32), "W4"),
             numpy_helper.from_array(W(2).astype(np.float32), "B4")]
    nodes = [helper.make_node("Gemm", ["X", "W1", "B1"], ["h1"]),
             helper.make_node("LeakyRelu", ["h1"], ["a1"], alpha=0.1),
             helper.make_node("Gemm", ["a1", "W2", "B2"], ["h2"]),
             helper.make_node("Tanh", ["h2"], ["a2"]),
             helper.make_node("Gemm", ["a2", "W3", "B3"], ["h3"]),
             helper.make_node("Gelu", ["h3"], ["a3"]),
             helper.make_node("Gemm", ["a3", "W4", "B4"], ["h4"]),
             helper.make_node("Sigmoid", ["h4"], ["Y"])]
    C["mlp_activations"] = (graph_model(nodes, 6, reg_out(2), initializers=inits, opset=(("", 20),)),
                            "regressor", g6, "Gemm + LeakyRelu(0.1), Tanh, Gelu (opset 20, approximate='none'), "
                                             "Sigmoid")
    nodes = nodes[:5] + [helper.make_node("Gelu", ["h3"], ["a3"], approximate="tanh")] + nodes[6:]
    C["mlp_gelu_tanh"] = (graph_model(nodes, 6, reg_out(2), initializers=inits, opset=(("", 20),)),
                          "regressor", g6, "as mlp_activations with Gelu approximate='tanh'")
    inits = [numpy_helper.from_array(W(6, 8).astype(np.float32), "M1"),
             numpy_helper.from_array(W(8).astype(np.float32), "A1"),
             numpy_helper.from_array(W(8, 1).astype(np.float32), "M2"),
             numpy_helper.from_array(W(1).astype(np.float32), "A2")]
    nodes = [helper.make_node("MatMul", ["X", "M1"], ["m1"]),
             helper.make_node("Add", ["m1", "A1"], ["s1"]),
             helper.make_node("Relu", ["s1"], ["r1"]),
             helper.make_node("MatMul", ["r1", "M2"], ["m2"]),
             helper.make_node("Add", ["m2", "A2"], ["Y"])]
    C["matmul_add_chain"] = (graph_model(nodes, 6, reg_out(1), initializers=inits, opset=(("", 17),)),
                             "regressor", g6, "MatMul + Add(initializer) layers with Relu (ORT may fuse them)")
    inits = [numpy_helper.from_array(W(6, 4).astype(np.float32), "M1"),
             numpy_helper.from_array(W(4).astype(np.float32), "A1")]
    nodes = [helper.make_node("MatMul", ["X", "M1"], ["m1"]),
             helper.make_node("Add", ["m1", "A1"], ["logits"]),
             helper.make_node("Softmax", ["logits"], ["probabilities"], axis=-1),
             helper.make_node("ArgMax", ["logits"], ["am"], axis=1, keepdims=0),
             helper.make_node("Cast", ["am"], ["label"], to=TensorProto.INT64)]
    C["cast_argmax"] = (graph_model(nodes, 6, clf_out(4), initializers=inits, opset=(("", 17),)),
                        "classifier", g6, "MatMul, Add, Softmax; label = Cast(ArgMax(logits)) (first maximum)")
    return C


def onehot_cases():
    g = small_gen(3, -1.0, 6.0, 1.0)
    nodes = [
        helper.make_node("Gather", ["X", "c0"], ["col0"], axis=1),
        helper.make_node("Gather", ["X", "rest"], ["others"], axis=1),
        helper.make_node("OneHotEncoder", ["col0"], ["oh3"], domain=ML, cats_int64s=[1, 2, 5], zeros=1),
        helper.make_node("Reshape", ["oh3", "shape"], ["oh"]),
        helper.make_node("Concat", ["oh", "others"], ["feat"], axis=1),
        helper.make_node("LinearRegressor", ["feat"], ["Y"], domain=ML, coefficients=[1.0, 2.0, 4.0, 0.5, -0.25],
                         intercepts=[0.125], targets=1),
    ]
    inits = [numpy_helper.from_array(np.array([0], np.int64), "c0"),
             numpy_helper.from_array(np.array([1, 2], np.int64), "rest"),
             numpy_helper.from_array(np.array([-1, 3], np.int64), "shape")]
    return {"onehot_encoder": (graph_model(nodes, 3, reg_out(), initializers=inits, opset=(("", 17), (ML, 1))),
                               "regressor", g, "Gather column 0 -> OneHotEncoder(cats_int64s [1, 2, 5], zeros=1) "
                                               "on float input -> Concat with columns 1, 2 -> LinearRegressor")}


def make_hand_case(root, name, spec, dense):
    model, kind, gen, notes = spec
    rng = np.random.default_rng(case_seed(name))
    nf = model.graph.input[0].type.tensor_type.shape.dim[1].dim_value
    extra = []
    if name == "onehot_encoder":
        extra = [("categorical_values", vary(gen(rng, 1)[0], 0, [1.0, 2.0, 5.0, 0.0, -0.0, 3.0, 1.5, 2.5, 1.9999999,
                                                                 4.75, -1.0, 1e10, math.nan]))]
    if name.startswith("tree_classifier_softmax_zero"):
        # rows on the threshold values so scores are exactly 0
        extra = [("exact_scores", [np.array(r, float) for r in
                                   [[0, -1, 0], [0, -1, 2], [1, -1, 0], [1, 0, 2], [0, 0, 0], [1, 1, 1]]])]
    allow = (not dense) or name.startswith("chain_")       # NaN: trees, and the Imputer chain
    rg, unreached = build_rows(rng, model, gen, nf, allow_nan=allow, dense=dense, extra=extra)
    return write_case(root, name, model, rg, kind, "onnx.helper (onnx %s)" % onnx.__version__, source=None,
                      notes=notes, unreached=unreached)


# --------------------------------------------------------------------------

def main():
    args = parse_args(__doc__, os.path.join(os.path.dirname(os.path.abspath(__file__)), "onnx"))
    root = version_dir(args.out, ORT_VERSION, args.only)
    only = set(args.only) if args.only else None
    done, skipped = [], []

    def attempt(name, fn):
        if only is not None and name not in only:
            return
        try:
            fn()
            done.append(name)
            print("ok  ", name)
        except Exception as e:          # recorded in skipped.json
            msg = "%s: %s" % (type(e).__name__, str(e).splitlines()[0][:400] if str(e) else "")
            skipped.append((name, msg))
            print("SKIP", name, msg)
            d = os.path.join(root, name)
            if os.path.isdir(d):
                import shutil
                shutil.rmtree(d)

    for name, spec in sk_cases().items():
        attempt(name, lambda n=name, s=spec: make_sk_case(root, n, s))
    for name in omt_cases():
        attempt(name, lambda n=name: make_omt_case(root, n))
    for name, spec in hand_cases().items():
        attempt(name, lambda n=name, s=spec: make_hand_case(root, n, s, False))
    for name, spec in list(linear_cases().items()) + list(dense_cases().items()) + list(onehot_cases().items()):
        attempt(name, lambda n=name, s=spec: make_hand_case(root, n, s, True))
    # float input to a tree whose tensors are double (as_tensor) / double input to float trees
    attempt("tree_as_tensor_double_input_float", lambda: make_hand_case(root, "tree_as_tensor_double_input_float", (
        graph_model([tree_regressor(T_MODES, base_values=[0.1], as_tensor=True)], 3, reg_out(1),
                    in_type=TensorProto.FLOAT), "regressor", small_gen(3),
        "double-tensor tree attributes with FLOAT input"), False))
    attempt("tree_float_attrs_input_double", lambda: make_hand_case(root, "tree_float_attrs_input_double", (
        graph_model([tree_regressor(T_MODES, base_values=[0.1])], 3, reg_out(1),
                    in_type=TensorProto.DOUBLE), "regressor", small_gen(3),
        "float attributes (nodes_values) with DOUBLE input"), False))
    write_skipped(root, ORT_VERSION, done, skipped)


if __name__ == "__main__":
    main()
