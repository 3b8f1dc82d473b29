"""Write fitted scikit-learn estimators and pipelines as xylem JSON (format version 2).

    from sklearn_to_xylem import to_xylem
    to_xylem(fitted_estimator_or_pipeline, "model.json")

Needs only numpy and the standard library at import time (scikit-learn objects are
recognised by class name and read through their fitted attributes), so it runs in any
venv that has the fitted objects. See docs/format.md ("linear", "network",
"preprocessing", the output transforms) for what the written file means.

Supported:
  estimators   LinearRegression, Ridge(CV), Lasso(CV), ElasticNet(CV), SGDRegressor
               (single and multi-target); LogisticRegression(CV) (binary: sigmoid_pair,
               multiclass: softmax); OneVsRestClassifier over binary LogisticRegression /
               SGDClassifier(log_loss) (normalized_sigmoid); LinearSVC, SGDClassifier
               (hinge-like losses: class index via hinge_class / argmax_class; log_loss:
               probabilities), Perceptron, RidgeClassifier(CV) (class index);
               MLPClassifier, MLPRegressor.
  preprocessing StandardScaler, MinMaxScaler (clip included), MaxAbsScaler (clip included),
               SimpleImputer (missing_values=NaN, any strategy, keep_empty_features either
               way, no add_indicator), OneHotEncoder (numeric categories, no drop, no
               infrequent categories), ColumnTransformer of those (and of Pipelines of
               those, 'passthrough', 'drop', any remainder of those), Pipeline.
Anything else raises UnsupportedError naming it.

Class labels: xylem has no class-label table yet, so classifiers must have
classes_ == [0, 1, ..., K-1] (pass ignore_class_labels=True to export anyway: the
probability columns are in classes_ order and a class index k stands for classes_[k]).
"""

import json
import math

import numpy as np

__all__ = ["to_xylem", "to_xylem_dict", "UnsupportedError"]


class UnsupportedError(ValueError):
    """The estimator (or one of its settings) has no xylem equivalent."""


# --------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------

class _Num:
    """A real number to be written with a given precision."""
    __slots__ = ("v", "p")

    def __init__(self, v, p):
        self.v = v
        self.p = p


def _num_text(v, p):
    v = float(v)
    if math.isnan(v):
        return '"nan"'
    if math.isinf(v):
        return '"inf"' if v > 0 else '"-inf"'
    if p == "float32":
        f = np.float32(v)
        if float(f) != v:
            raise ValueError("not a float32 value: %r" % v)
        return str(f)               # numpy: the shortest text that reads back to f
    return repr(v)                  # shortest round-trip float64


def _nums(values, p):
    return [_Num(float(v), p) for v in np.asarray(values, dtype=np.float64).ravel()]


def _dump(obj, indent=0):
    """JSON text; _Num values written with their precision; short arrays inline."""
    pad = " " * indent
    if isinstance(obj, _Num):
        return _num_text(obj.v, obj.p)
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return json.dumps(obj)
    if isinstance(obj, (int, np.integer)):
        return str(int(obj))
    if isinstance(obj, float):
        return _num_text(obj, "float64")
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = ["%s%s: %s" % (pad + " ", json.dumps(k), _dump(v, indent + 1)) for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, (list, tuple)):
        if all(not isinstance(v, (dict, list, tuple)) for v in obj):
            return "[" + ", ".join(_dump(v) for v in obj) + "]"
        return "[\n" + ",\n".join(pad + " " + _dump(v, indent + 1) for v in obj) + "\n" + pad + "]"
    raise TypeError("cannot write %r" % type(obj))


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def _name(obj):
    return type(obj).__name__


def _is(obj, *names):
    return _name(obj) in names


def _classes_ok(est, k, ignore_class_labels):
    classes = np.asarray(est.classes_)
    if ignore_class_labels:
        return
    if classes.dtype.kind not in "iuf" or len(classes) != k or not np.array_equal(classes, np.arange(k)):
        raise UnsupportedError(
            "%s: classes_ must be 0..%d (xylem has no class-label table yet); got %r "
            "(pass ignore_class_labels=True to export class indices / probability columns anyway)"
            % (_name(est), k - 1, classes.tolist()))


def _linear_part(coef, intercept):
    """coef (K, F) or (F,), intercept scalar or (K,) -> linear dict, K."""
    coef = np.asarray(coef, dtype=np.float64)
    if coef.ndim == 1:
        coef = coef[None, :]
    k, f = coef.shape
    intercept = np.broadcast_to(np.asarray(intercept, dtype=np.float64).ravel(), (k,)) \
        if np.size(intercept) in (1, k) else None
    if intercept is None:
        raise UnsupportedError("intercept_ has the wrong shape")
    if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))):
        raise UnsupportedError("non-finite coefficients")
    return {"num_outputs": k, "input_precision": "float64", "missing": "propagate",
            "bias": _nums(intercept, "float64"), "weights": _nums(coef.T, "float64")}, k, f


REGRESSORS = ("LinearRegression", "Ridge", "RidgeCV", "Lasso", "LassoCV", "ElasticNet",
              "ElasticNetCV", "SGDRegressor", "LassoLars", "Lars", "BayesianRidge", "ARDRegression",
              "HuberRegressor", "TheilSenRegressor", "QuantileRegressor")
CLASS_INDEX = ("LinearSVC", "Perceptron", "RidgeClassifier", "RidgeClassifierCV",
               "PassiveAggressiveClassifier")


def _estimator(est, network_precision, ignore_class_labels):
    """-> dict with task, num_features, num_outputs, output, linear|network, objective."""
    name = _name(est)
    out = {"objective": name}
    if name in REGRESSORS:
        linear, k, f = _linear_part(est.coef_, est.intercept_)
        out.update(task="multi_target_regression" if k > 1 else "regression", linear=linear,
                   num_features=f, num_outputs=k, transform="identity", precision="float64")
        return out
    if name in ("LogisticRegression", "LogisticRegressionCV"):
        linear, k, f = _linear_part(est.coef_, est.intercept_)
        ncls = len(est.classes_)
        _classes_ok(est, ncls, ignore_class_labels)
        mc = getattr(est, "multi_class", "deprecated")
        if ncls == 2:
            if mc == "multinomial":
                # Older versions: softmax([-d, d]), i.e. sigmoid(2d), not sigmoid(d).
                raise UnsupportedError("LogisticRegression(multi_class='multinomial') on two classes "
                                       "(predict_proba is sigmoid(2*decision))")
            transform = "sigmoid_pair"
        elif mc == "ovr" or (mc == "auto" and getattr(est, "solver", "") == "liblinear"):
            transform = "normalized_sigmoid"      # versions that still have multi_class
        else:
            transform = "softmax"
        out.update(task="binary_classification" if ncls == 2 else "multiclass_classification",
                   linear=linear, num_features=f, num_outputs=k, transform=transform, precision="float64")
        return out
    if name == "SGDClassifier":
        linear, k, f = _linear_part(est.coef_, est.intercept_)
        ncls = len(est.classes_)
        _classes_ok(est, ncls, ignore_class_labels)
        if est.loss == "log_loss":
            transform = "sigmoid_pair" if ncls == 2 else "normalized_sigmoid"
            kind = "proba"
        elif est.loss == "modified_huber":
            raise UnsupportedError("SGDClassifier(loss='modified_huber'): its predict_proba "
                                   "(clip((d+1)/2), normalised) has no xylem transform")
        else:
            transform = "hinge_class" if ncls == 2 else "argmax_class"
            kind = "class_index"
        out.update(task="binary_classification" if ncls == 2 else "multiclass_classification",
                   linear=linear, num_features=f, num_outputs=k, transform=transform,
                   precision="float64", predict_kind=kind)
        return out
    if name in CLASS_INDEX:
        linear, k, f = _linear_part(est.coef_, est.intercept_)
        ncls = len(est.classes_)
        _classes_ok(est, ncls, ignore_class_labels)
        out.update(task="binary_classification" if ncls == 2 else "multiclass_classification",
                   linear=linear, num_features=f, num_outputs=k,
                   transform="hinge_class" if ncls == 2 else "argmax_class",
                   precision="float64", predict_kind="class_index")
        return out
    if name == "OneVsRestClassifier":
        if est.multilabel_:
            raise UnsupportedError("OneVsRestClassifier on multilabel targets")
        ncls = len(est.classes_)
        _classes_ok(est, ncls, ignore_class_labels)
        coefs, intercepts = [], []
        for e in est.estimators_:
            ok = _is(e, "LogisticRegression", "LogisticRegressionCV") or \
                (_is(e, "SGDClassifier") and e.loss == "log_loss")
            if not ok:
                raise UnsupportedError("OneVsRestClassifier over %s (only binary LogisticRegression or "
                                       "SGDClassifier(loss='log_loss'))" % _name(e))
            if len(e.classes_) != 2 or np.shape(e.coef_)[0] != 1:
                raise UnsupportedError("OneVsRestClassifier: a binary estimator with %d classes" % len(e.classes_))
            coefs.append(np.asarray(e.coef_, dtype=np.float64)[0])
            intercepts.append(float(np.asarray(e.intercept_).ravel()[0]))
        linear, k, f = _linear_part(np.array(coefs), np.array(intercepts))
        out.update(task="binary_classification" if ncls == 2 else "multiclass_classification",
                   linear=linear, num_features=f, num_outputs=k,
                   transform="sigmoid_pair" if k == 1 else "normalized_sigmoid", precision="float64")
        out["objective"] = "OneVsRestClassifier(%s)" % _name(est.estimators_[0])
        return out
    if name in ("MLPClassifier", "MLPRegressor"):
        return _network(est, network_precision, ignore_class_labels)
    raise UnsupportedError("estimator %s is not supported" % name)


ACTIVATION = {"identity": "identity", "logistic": "logistic", "tanh": "tanh", "relu": "relu"}


def _network(est, network_precision, ignore_class_labels):
    dtypes = {np.asarray(c).dtype for c in list(est.coefs_) + list(est.intercepts_)}
    if dtypes == {np.dtype(np.float32)}:
        precision = "float32"
    elif dtypes == {np.dtype(np.float64)}:
        precision = "float64"
    else:
        raise UnsupportedError("%s: mixed weight dtypes %s" % (_name(est), sorted(map(str, dtypes))))
    if network_precision is not None:
        if network_precision not in ("float32", "float64"):
            raise ValueError("network_precision must be 'float32' or 'float64'")
        precision = network_precision
    if est.activation not in ACTIVATION:
        raise UnsupportedError("%s(activation=%r)" % (_name(est), est.activation))
    layers = []
    n = len(est.coefs_)
    for i, (w, b) in enumerate(zip(est.coefs_, est.intercepts_)):
        w = np.asarray(w)
        b = np.asarray(b)
        if precision == "float32":
            w = w.astype(np.float32)
            b = b.astype(np.float32)
        if not (np.all(np.isfinite(w)) and np.all(np.isfinite(b))):
            raise UnsupportedError("%s: non-finite weights in layer %d" % (_name(est), i))
        layers.append({"inputs": int(w.shape[0]), "outputs": int(w.shape[1]),
                       "activation": ACTIVATION[est.activation] if i < n - 1 else "identity",
                       "bias": _nums(b, precision), "weights": _nums(w, precision)})
    k = int(est.coefs_[-1].shape[1])
    out = {"objective": _name(est), "network": {"precision": precision, "layers": layers},
           "num_features": int(est.coefs_[0].shape[0]), "num_outputs": k, "precision": precision}
    if _name(est) == "MLPRegressor":
        out.update(task="regression" if k == 1 else "multi_target_regression", transform="identity")
        return out
    ncls = len(est.classes_)
    _classes_ok(est, ncls, ignore_class_labels)
    if est.out_activation_ == "softmax":
        out.update(task="multiclass_classification", transform="softmax")
    elif est.out_activation_ == "logistic" and k == 1 and ncls == 2:
        out.update(task="binary_classification", transform="sigmoid_pair")
    else:
        raise UnsupportedError("MLPClassifier with out_activation_=%r and %d outputs (multilabel?)"
                               % (est.out_activation_, k))
    return out


# --------------------------------------------------------------------------
# Preprocessing
# --------------------------------------------------------------------------
#
# xylem's steps act on every column of the row; scikit-learn's ColumnTransformer acts
# on column subsets. A subset transformer becomes a step whose parameters are the
# identity on the other columns: standard_scale (x - 0) / 1, max_abs_scale x / 1,
# min_max_scale x * 1 + (-0.0) (adding -0.0 keeps the sign of -0.0). Two kinds of step
# have no identity and need care:
#   impute_constant replaces NaN in *every* column. On another block's column that
#     still has an imputer or one-hot encoder ahead, that would change its result, so
#     such blocks are scheduled first or merged into one step; elsewhere NaN there would
#     reach the estimator, which scikit-learn refuses (no prediction to match).
#   min_max_scale's clip clamps *every* column. It is emitted only when every other
#     column is known to lie in the clip range (one-hot indicators, clipped columns), and
#     blocks that clip to the same range are merged into one step.
# Anything else raises UnsupportedError.

class _Block:
    """A ColumnTransformer block: its columns (current positions are found by id) and a
    queue of primitive ops."""

    def __init__(self, bid, width, ops):
        self.bid = bid
        self.width = width
        self.ops = ops      # list of dicts: {"kind", per-column params, ...}


def _check_nan_missing(imp):
    mv = imp.missing_values
    if not (isinstance(mv, float) and math.isnan(mv)):
        raise UnsupportedError("SimpleImputer(missing_values=%r): only NaN" % (mv,))
    if getattr(imp, "add_indicator", False):
        raise UnsupportedError("SimpleImputer(add_indicator=True)")


def _primitive_ops(tr, width):
    """A fitted transformer on `width` columns -> (ops, output width)."""
    name = _name(tr)
    if tr == "passthrough" or tr is None:
        return [], width
    if name == "FunctionTransformer":
        if tr.func is None:      # the identity (a ColumnTransformer's fitted 'passthrough')
            return [], width
        raise UnsupportedError("FunctionTransformer(func=%r)" % (tr.func,))
    if name == "Pipeline":
        ops = []
        for _, t in tr.steps:
            o, width = _primitive_ops(t, width)
            ops += o
        return ops, width
    if name == "StandardScaler":
        off = np.asarray(tr.mean_, dtype=np.float64) if tr.with_mean else np.zeros(width)
        sc = np.asarray(tr.scale_, dtype=np.float64) if tr.with_std and tr.scale_ is not None else np.ones(width)
        if not tr.with_mean and not (tr.with_std and tr.scale_ is not None):
            return [], width
        return [{"kind": "standard_scale", "offsets": off, "scales": sc}], width
    if name == "MinMaxScaler":
        op = {"kind": "min_max_scale", "scales": np.asarray(tr.scale_, dtype=np.float64),
              "offsets": np.asarray(tr.min_, dtype=np.float64)}
        if tr.clip:
            op["clip"] = (float(tr.feature_range[0]), float(tr.feature_range[1]))
        return [op], width
    if name == "MaxAbsScaler":
        ops = [{"kind": "max_abs_scale", "scales": np.asarray(tr.scale_, dtype=np.float64)}]
        if getattr(tr, "clip", False):
            ops.append({"kind": "min_max_scale", "scales": np.ones(width),
                        "offsets": np.full(width, -0.0), "clip": (-1.0, 1.0)})
        return ops, width
    if name == "SimpleImputer":
        _check_nan_missing(tr)
        stats = np.asarray(tr.statistics_)
        try:
            stats = stats.astype(np.float64)
        except (TypeError, ValueError):
            raise UnsupportedError("SimpleImputer with non-numeric statistics_ %r" % (stats.tolist(),))
        empty = np.isnan(stats)
        if np.any(np.isinf(stats)):
            raise UnsupportedError("SimpleImputer with infinite statistics_")
        ops = [{"kind": "impute_constant", "values": np.where(empty, 0.0, stats)}]
        if np.any(empty) and not getattr(tr, "keep_empty_features", False):
            keep = [int(i) for i in np.flatnonzero(~empty)]
            ops.append({"kind": "drop", "keep": keep})
            width = len(keep)
        return ops, width
    if name == "OneHotEncoder":
        if getattr(tr, "drop_idx_", None) is not None or tr.drop is not None:
            raise UnsupportedError("OneHotEncoder(drop=%r)" % (tr.drop,))
        if getattr(tr, "_infrequent_enabled", False) or getattr(tr, "infrequent_categories_", None):
            if any(c is not None for c in (tr.infrequent_categories_ or [])):
                raise UnsupportedError("OneHotEncoder with infrequent categories")
        if tr.handle_unknown not in ("ignore", "infrequent_if_exist", "warn", "error"):
            raise UnsupportedError("OneHotEncoder(handle_unknown=%r)" % tr.handle_unknown)
        cats, perm, pos = [], [], 0
        for j, c in enumerate(tr.categories_):
            c = np.asarray(c)
            if c.dtype.kind not in "iuf":
                raise UnsupportedError("OneHotEncoder with non-numeric categories in column %d" % j)
            c = c.astype(np.float64)
            if not np.all(np.isfinite(c)):
                raise UnsupportedError("OneHotEncoder: column %d has NaN (or inf) as a category "
                                       "(xylem's one_hot sends NaN to all zeros)" % j)
            order = np.argsort(c, kind="stable")
            s = c[order]
            if np.any(s[1:] == s[:-1]):
                raise UnsupportedError("OneHotEncoder: duplicate categories in column %d" % j)
            cats.append(s)
            # scikit-learn's indicator i of column j is category c[i]: position of it in s
            rank = np.empty(len(c), dtype=int)
            rank[order] = np.arange(len(c))
            perm += [pos + int(r) for r in rank]
            pos += len(c)
        ops = [{"kind": "one_hot", "categories": cats}]
        if perm != list(range(pos)):
            ops.append({"kind": "drop", "keep": perm})     # reorder to categories_ order
        return ops, pos
    raise UnsupportedError("preprocessing step %s is not supported" % name)


class _Compiler:
    """The current row: a list of columns, each (block id or None, bounds or None)."""

    def __init__(self, width):
        self.cols = [(None, None) for _ in range(width)]
        self.steps = []

    def width(self):
        return len(self.cols)

    # ---- whole-row building blocks ------------------------------------------------
    def select(self, columns):
        self.steps.append({"kind": "select_columns", "inputs": self.width(), "columns": list(columns)})
        self.cols = [self.cols[c] for c in columns]

    def positions(self, bid):
        return [i for i, (b, _) in enumerate(self.cols) if b == bid]

    def emit(self, ops_by_block, sensitive):
        """Emit one xylem step for ops of one kind, one op per block: {bid: op}."""
        kind = next(iter(ops_by_block.values()))["kind"]
        w = self.width()
        if kind == "drop":
            (bid, op), = ops_by_block.items()
            pos = self.positions(bid)
            keep_set = [pos[i] for i in op["keep"]]
            first = pos[0] if pos else 0
            cols = list(range(0, first)) + keep_set + [i for i in range(first, w) if i not in pos]
            self.select(cols)
            return
        if kind == "one_hot":
            step = {"kind": "one_hot", "inputs": w, "columns": [], "categories": []}
            new_cols = []
            listed = {}
            for bid, op in ops_by_block.items():
                for p, c in zip(self.positions(bid), op["categories"]):
                    listed[p] = (bid, c)
            for i in range(w):
                if i in listed:
                    bid, c = listed[i]
                    step["columns"].append(i)
                    step["categories"].append(_nums(c, "float64"))
                    new_cols += [(bid, (0.0, 1.0))] * len(c)
                else:
                    new_cols.append(self.cols[i])
            self.steps.append(step)
            self.cols = new_cols
            return
        per = {"standard_scale": {"offsets": 0.0, "scales": 1.0},
               "max_abs_scale": {"scales": 1.0},
               "min_max_scale": {"scales": 1.0, "offsets": -0.0},
               "impute_constant": {"values": 0.0}}[kind]
        arrays = {k: np.full(w, v) for k, v in per.items()}
        mine = set()
        clip = None
        for bid, op in ops_by_block.items():
            pos = self.positions(bid)
            mine.update(pos)
            for k in per:
                arrays[k][pos] = op[k]
            if kind == "min_max_scale":
                if clip is not None and op.get("clip") != clip:
                    raise AssertionError("merged clip ranges differ")
                clip = op.get("clip")
        if kind == "impute_constant":
            for i in range(w):
                b, bounds = self.cols[i]
                if i not in mine and b is not None and b in sensitive:
                    raise UnsupportedError(
                        "ColumnTransformer: a SimpleImputer cannot run while another block's columns "
                        "still need their own NaN handling (xylem's impute_constant fills every column)")
                if i not in mine and bounds is not None:
                    arrays["values"][i] = min(max(0.0, bounds[0]), bounds[1])
        if clip is not None:
            lo, hi = clip
            for i in range(w):
                if i in mine:
                    continue
                bounds = self.cols[i][1]
                if bounds is None or bounds[0] < lo or bounds[1] > hi:
                    raise UnsupportedError(
                        "MinMaxScaler/MaxAbsScaler(clip=True) on some columns while other columns may lie "
                        "outside [%r, %r]: xylem's min_max_scale clips every column" % (lo, hi))
        if kind == "impute_constant" and not np.all(np.isfinite(arrays["values"])):
            raise UnsupportedError("impute values must be finite")
        if kind in ("standard_scale", "max_abs_scale") and np.any(arrays["scales"] == 0):
            raise UnsupportedError("a zero scale")
        step = {"kind": kind, "inputs": w}
        for k in per:
            step[k] = _nums(arrays[k], "float64")
        if clip is not None:
            step["clip"] = [_Num(clip[0], "float64"), _Num(clip[1], "float64")]
        self.steps.append(step)
        for i in mine:
            b = self.cols[i][0]
            if clip is not None:
                self.cols[i] = (b, clip)
            elif kind == "impute_constant":
                pass            # bounds of an imputed column: its imputed value may lie outside
            else:
                self.cols[i] = (b, None)
        if kind == "impute_constant":
            for i in mine:
                b, bounds = self.cols[i]
                v = arrays["values"][i]
                if bounds is not None and not (bounds[0] <= v <= bounds[1]):
                    self.cols[i] = (b, None)

    # ---- scheduling ---------------------------------------------------------------
    def run_blocks(self, blocks):
        """Apply each block's ops to its own columns (already laid out, in block order)."""
        def nan_sensitive(b):
            return any(op["kind"] in ("impute_constant", "one_hot") for op in b.ops)

        live = [b for b in blocks if b.ops]
        while live:
            def sensitive(exclude):
                return {o.bid for o in live if o not in exclude and nan_sensitive(o)}

            chosen = None
            # 1. one safe op: not a clip; an impute only when no other block still has
            #    NaN handling ahead
            for b in live:
                op = b.ops[0]
                if op.get("clip") is None and (op["kind"] != "impute_constant" or not sensitive([b])):
                    chosen = [b]
                    break
            # 2. all pending imputes merged into one step
            if chosen is None:
                imps = [b for b in live if b.ops[0]["kind"] == "impute_constant"]
                if imps and not sensitive(imps):
                    chosen = imps
            # 3. clips to one range merged into one step, when the other columns lie in it
            if chosen is None:
                by_range = {}
                for b in live:
                    c = b.ops[0].get("clip")
                    if c is not None:
                        by_range.setdefault(c, []).append(b)
                for c, group in by_range.items():
                    mine = {i for g in group for i in self.positions(g.bid)}
                    if all(i in mine or (bd is not None and c[0] <= bd[0] and bd[1] <= c[1])
                           for i, (_, bd) in enumerate(self.cols)):
                        chosen = group
                        break
            if chosen is None:
                kinds = ", ".join("%s%s" % (b.ops[0]["kind"], " (clip %r)" % (b.ops[0]["clip"],)
                                            if b.ops[0].get("clip") else "") for b in live)
                raise UnsupportedError(
                    "ColumnTransformer cannot be expressed with xylem's whole-row steps (pending: %s): "
                    "min_max_scale's clip clamps every column, so a clipping block needs every other "
                    "column known to lie in its range (one-hot indicators, columns clipped to the same "
                    "range); impute_constant fills NaN in every column, so it cannot run while another "
                    "block's imputer or one-hot encoder is still ahead" % kinds)
            self.emit({b.bid: b.ops[0] for b in chosen}, sensitive(chosen))
            for b in chosen:
                b.ops.pop(0)
            live = [b for b in live if b.ops]
        for i, (_, bounds) in enumerate(self.cols):
            self.cols[i] = (None, bounds)


def _ct_blocks(ct, width):
    """ColumnTransformer -> (input columns in output order, blocks)."""
    if not hasattr(ct, "transformers_"):
        raise UnsupportedError("ColumnTransformer is not fitted")
    idx_map = getattr(ct, "_transformer_to_input_indices", None)
    if idx_map is None:
        raise UnsupportedError("ColumnTransformer without _transformer_to_input_indices (scikit-learn < 1.2)")
    columns, blocks = [], []
    for bid, (name, tr, _) in enumerate(ct.transformers_):
        if isinstance(tr, str) and tr == "drop":
            continue
        idx = [int(i) for i in idx_map.get(name, [])]
        if not idx:
            continue
        ops, _ = _primitive_ops(tr, len(idx))
        if _is(tr, "ColumnTransformer"):
            raise UnsupportedError("nested ColumnTransformer")
        columns += idx
        blocks.append(_Block(bid, len(idx), ops))
    return columns, blocks


def _preprocessing(transformers, n_inputs):
    comp = _Compiler(n_inputs)
    for tr in transformers:
        if _is(tr, "ColumnTransformer"):
            columns, blocks = _ct_blocks(tr, comp.width())
            comp.select(columns)
            comp.cols = []
            for b in blocks:
                comp.cols += [(b.bid, None)] * b.width
            comp.run_blocks(blocks)
        else:
            ops, _ = _primitive_ops(tr, comp.width())
            for i in range(comp.width()):
                comp.cols[i] = ("all", comp.cols[i][1])
            comp.run_blocks([_Block("all", comp.width(), ops)])
    return comp.steps, comp.width()


def _flatten(obj):
    """Pipeline (nested) -> list of fitted steps."""
    if _is(obj, "Pipeline"):
        out = []
        for _, s in obj.steps:
            if s is None or (isinstance(s, str) and s == "passthrough"):
                continue
            out += _flatten(s)
        return out
    return [obj]


# --------------------------------------------------------------------------
# The document
# --------------------------------------------------------------------------

def to_xylem_dict(obj, *, network_precision=None, ignore_class_labels=False, library_version=None):
    """The xylem JSON document (numbers as _Num) of a fitted estimator or Pipeline."""
    steps = _flatten(obj)
    est = steps[-1]
    info = _estimator(est, network_precision, ignore_class_labels)
    f = info["num_features"]
    k = info["num_outputs"]
    prep = None
    if len(steps) > 1:
        n_in = getattr(steps[0], "n_features_in_", None)
        if n_in is None:
            raise UnsupportedError("the first pipeline step has no n_features_in_")
        pre_steps, width = _preprocessing(steps[:-1], int(n_in))
        if width != f:
            raise UnsupportedError("preprocessing gives %d features, the estimator takes %d" % (width, f))
        names = getattr(steps[0], "feature_names_in_", None)
        prep = {"input_names": [str(s) for s in names] if names is not None else [], "steps": pre_steps}
    version = library_version
    if version is None:
        try:
            import sklearn
            version = sklearn.__version__
        except ImportError:
            version = ""
    feature_names = []
    if prep is None and getattr(est, "feature_names_in_", None) is not None:
        feature_names = [str(s) for s in est.feature_names_in_]
    p = info["precision"]
    doc = {
        "format": "xylem",
        "version": 2,
        "source": {"library": "scikit-learn", "version": version, "format": "python",
                   "objective": info["objective"], "booster": "", "best_iteration": -1},
        "task": info["task"],
        "num_features": f,
        "features": {"names": feature_names, "types": ["numeric"] * f},
        "num_outputs": k,
        "output": {"accumulation": p, "aggregation": "sum", "base_scores": _nums(np.zeros(k), p),
                   "base_scores_first": True, "scale": _Num(1.0, "float64"), "transform": info["transform"],
                   "transform_precision": p, "sigmoid_alpha": _Num(1.0, "float64")},
        "tree_rules": {"input_precision": "float64", "threshold_precision": "float64", "categories_go": "left",
                       "category_rule": {"negative_fraction_is_zero": False, "limit": _Num(16777216.0, "float64"),
                                         "invalid": "default", "key": "truncate"},
                       "trees_per_iteration": 1, "tiny_inputs_are_zero": False},
        "trees": [],
    }
    if "linear" in info:
        doc["linear"] = info["linear"]
    if "network" in info:
        doc["network"] = info["network"]
    if prep is not None:
        doc["preprocessing"] = prep
    return doc


def predict_kind(obj):
    """'class_index' when the model's prediction is a class index (hinge-like
    classifiers), else 'float'."""
    return _estimator(_flatten(obj)[-1], None, True).get("predict_kind", "float").replace("proba", "float")


def to_xylem(obj, path, *, network_precision=None, ignore_class_labels=False):
    """Write the fitted estimator or Pipeline `obj` to `path` as xylem JSON v2.

    network_precision: None (from the MLP's weight dtype: float32 when it was fit on
    float32 X), or "float32"/"float64" to force it (float64 on a float32 network
    reproduces scikit-learn's predictions on float64 input, which it computes in
    float64 with the float32 weights)."""
    text = _dump(to_xylem_dict(obj, network_precision=network_precision,
                               ignore_class_labels=ignore_class_labels)) + "\n"
    with open(path, "w", newline="\n") as fh:
        fh.write(text)
    return path
