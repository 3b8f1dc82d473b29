"""scikit-learn's own trees (sklearn.tree.Tree): DecisionTree*, RandomForest*, ExtraTrees*,
GradientBoosting*, IsolationForest -> xylem trees.

scikit-learn casts X to float32 and compares float32(x) <= threshold with float64
thresholds (sklearn/tree/_tree.pyx, ensemble/_gradient_boosting.pyx): tree_rules
input_precision float32, threshold_precision float64, every node `<=`. NaN goes to
tree_.missing_go_to_left (scikit-learn >= 1.3); versions without it refuse NaN.
Leaf values are computed with the numpy operations scikit-learn applies to them, so the
float64 results are the same bits.
"""

import math

import numpy as np

from ._common import UnsupportedError, check_classes, is_, name, raw_label_rule, sklearn_version
from ._numbers import nums

TREE_RULES = {"input_precision": "float32", "threshold_precision": "float64"}


def tree_dict(tree, leaf_values, output=0, feature_map=None):
    """A sklearn.tree._tree.Tree -> xylem tree. leaf_values: (n_nodes, leaf_size) float64,
    the value each node adds (internal nodes' rows are ignored and written as 0)."""
    left = np.asarray(tree.children_left, dtype=np.int64)
    right = np.asarray(tree.children_right, dtype=np.int64)
    n = len(left)
    leaf = left == -1
    feat = np.where(leaf, 0, np.asarray(tree.feature, dtype=np.int64))
    if feature_map is not None:
        feat = np.where(leaf, 0, np.asarray(feature_map, dtype=np.int64)[np.where(leaf, 0, feat)])
    thr = np.where(leaf, 0.0, np.asarray(tree.threshold, dtype=np.float64))
    if np.any(np.isnan(thr)):
        raise UnsupportedError("a tree threshold is NaN")
    mgl = getattr(tree, "missing_go_to_left", None)
    dl = np.zeros(n, dtype=np.int64) if mgl is None else np.where(leaf, 0, np.asarray(mgl, dtype=np.int64))
    lv = np.asarray(leaf_values, dtype=np.float64)
    if lv.ndim == 1:
        lv = lv[:, None]
    lv = np.where(leaf[:, None], lv, 0.0)
    if not np.all(np.isfinite(lv[leaf])):
        raise UnsupportedError("non-finite leaf values")
    return {"output": int(output), "weight": 1, "leaf_size": int(lv.shape[1]), "comparison": "<=",
            "missing_rule": "nan_to_default",
            "left_children": [int(v) for v in left], "right_children": [int(v) for v in right],
            "split_features": [int(v) for v in feat], "thresholds": nums(thr, "float64"),
            "default_left": [int(v) for v in dl], "leaf_values": nums(lv, "float64")}


def _proba_normalized_per_tree(est):
    """scikit-learn < 1.4 stores class counts in tree_.value and predict_proba divides
    each row by its sum (zero sums by 1); from 1.4 tree_.value holds the fractions and
    predict_proba returns them as they are. Read from the installed predict_proba when its
    source is available, else from the version."""
    try:
        import inspect
        return "normalizer" in inspect.getsource(type(est).predict_proba)
    except (OSError, TypeError):
        v = sklearn_version()
        return v is not None and v < (1, 4)


def classifier_leaf_values(est):
    """DecisionTreeClassifier (single output) -> (n_nodes, n_classes): its predict_proba of
    each node, computed as scikit-learn computes it."""
    k = int(est.n_classes_)
    proba = np.array(est.tree_.value[:, 0, :k], dtype=np.float64)    # tree_.predict(X)[:, :n_classes_]
    if _proba_normalized_per_tree(est):
        normalizer = proba.sum(axis=1)[:, np.newaxis]
        normalizer[normalizer == 0.0] = 1.0
        proba /= normalizer
    return proba


def _single_output(est):
    if getattr(est, "n_outputs_", 1) != 1:
        raise UnsupportedError("%s with %d outputs (multi-output classification)" % (name(est), est.n_outputs_))


def _classifier_task(k):
    return "binary_classification" if k == 2 else "multiclass_classification"


def forest_estimator(est, ignore_class_labels):
    """DecisionTree*/RandomForest*/ExtraTree(s)* -> info, or None."""
    nm = name(est)
    single = nm in ("DecisionTreeClassifier", "DecisionTreeRegressor", "ExtraTreeClassifier",
                    "ExtraTreeRegressor")
    forest = nm in ("RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier",
                    "ExtraTreesRegressor")
    if not (single or forest):
        return None
    members = [est] if single else list(est.estimators_)
    nf = int(est.n_features_in_)
    if nm.endswith("Classifier"):
        _single_output(est)
        k = int(est.n_classes_)
        check_classes(est, k, ignore_class_labels)
        trees = [tree_dict(m.tree_, classifier_leaf_values(m)) for m in members]
        task = _classifier_task(k)
    else:
        k = int(est.n_outputs_)
        trees = [tree_dict(m.tree_, np.array(m.tree_.value[:, :, 0], dtype=np.float64)) for m in members]
        task = "regression" if k == 1 else "multi_target_regression"
    return {"objective": nm, "task": task, "num_features": nf, "num_outputs": k, "precision": "float64",
            "transform": "identity", "trees": trees,
            # forests: all_proba += tree proba, in tree order, then /= n_estimators
            "aggregation": "average" if forest else "sum", "tree_rules": dict(TREE_RULES)}


def _gb_init(est):
    """The init estimator's raw prediction (one row: it is the same for every row)."""
    init = est.init_
    k = int(est.n_trees_per_iteration_) if hasattr(est, "n_trees_per_iteration_") else est.estimators_.shape[1]
    if isinstance(init, str) and init == "zero":
        return np.zeros(k)
    if is_(init, "DummyClassifier"):
        if init.strategy != "prior":
            raise UnsupportedError("GradientBoostingClassifier init DummyClassifier(strategy=%r): only "
                                   "the default 'prior' (or init='zero')" % init.strategy)
    elif not is_(init, "DummyRegressor"):
        raise UnsupportedError("GradientBoosting init estimator %s: only the default DummyClassifier/"
                               "DummyRegressor priors or init='zero'" % name(init))
    X1 = np.zeros((1, int(est.n_features_in_)), dtype=np.float32)
    raw = np.asarray(est._raw_predict_init(X1), dtype=np.float64)
    return raw.reshape(-1)


def gradient_boosting_estimator(est, ignore_class_labels):
    nm = name(est)
    if nm not in ("GradientBoostingClassifier", "GradientBoostingRegressor"):
        return None
    stages = est.estimators_                        # (n_estimators, K) DecisionTreeRegressor
    k = stages.shape[1]
    base = _gb_init(est)
    if base.shape != (k,):
        raise UnsupportedError("GradientBoosting init prediction has shape %r" % (base.shape,))
    lr = np.float64(est.learning_rate)
    trees = []
    for i in range(stages.shape[0]):
        for j in range(k):
            t = stages[i, j].tree_
            # predict_stages: out[i, k] += scale * value[node], scale = learning_rate
            trees.append(tree_dict(t, lr * np.array(t.value[:, 0, 0], dtype=np.float64), output=j))
    info = {"objective": "%s(loss=%r)" % (nm, est.loss), "num_features": int(est.n_features_in_),
            "num_outputs": k, "precision": "float64", "trees": trees, "aggregation": "sum",
            "base_scores": base, "trees_per_iteration": k, "tree_rules": dict(TREE_RULES)}
    if nm == "GradientBoostingRegressor":
        if est.loss not in ("squared_error", "absolute_error", "huber", "quantile", "ls", "lad"):
            raise UnsupportedError("GradientBoostingRegressor(loss=%r)" % est.loss)
        info.update(task="regression", transform="identity")
        return info
    ncls = len(est.classes_)
    check_classes(est, ncls, ignore_class_labels)
    if est.loss not in ("log_loss", "deviance"):
        raise UnsupportedError("GradientBoostingClassifier(loss=%r): only log_loss (exponential's "
                               "predict_proba is sigmoid(2*raw))" % est.loss)
    if ncls == 2:
        info.update(task="binary_classification", transform="sigmoid_pair")   # [1 - expit(raw), expit(raw)]
    else:
        info.update(task="multiclass_classification", transform="softmax")
    info["label_rule"] = raw_label_rule(est, ncls == 2)
    return info


def _average_path_length(n):
    """sklearn.ensemble._iforest._average_path_length, imported when available."""
    from sklearn.ensemble._iforest import _average_path_length as apl
    return apl(n)


def _path_node_counts(tree):
    """Number of nodes on the path from the root to each node (root: 1)."""
    left, right = tree.children_left, tree.children_right
    d = np.zeros(len(left), dtype=np.int64)
    d[0] = 1
    stack = [0]
    while stack:
        i = stack.pop()
        if left[i] != -1:
            d[left[i]] = d[right[i]] = d[i] + 1
            stack += [int(left[i]), int(right[i])]
    return d


def isolation_forest_estimator(est):
    if name(est) != "IsolationForest":
        return None
    nf = int(est.n_features_in_)
    max_samples = getattr(est, "_max_samples", None)
    if max_samples is None:
        max_samples = est.max_samples_
    denominator = len(est.estimators_) * float(_average_path_length([max_samples])[0])
    if not denominator > 0:
        raise UnsupportedError("IsolationForest with max_samples=1 (score_samples is the constant -1)")
    subsample = est._max_features != nf
    per_tree = getattr(est, "_decision_path_lengths", None)
    trees = []
    for t, (tree_est, features) in enumerate(zip(est.estimators_, est.estimators_features_)):
        tree = tree_est.tree_
        if per_tree is not None:            # >= 1.5: precomputed per node
            dpl = np.asarray(est._decision_path_lengths[t])
            apl = np.asarray(est._average_path_length_per_tree[t])
            value = dpl + apl - 1.0
        else:                               # decision_path(X).sum(axis=1) + c(n_node_samples) - 1.0
            value = _path_node_counts(tree) + _average_path_length(tree.n_node_samples) - 1.0
        fmap = np.asarray(features, dtype=np.int64) if subsample else None
        trees.append(tree_dict(tree, np.asarray(value, dtype=np.float64), feature_map=fmap))
    # score_samples = -2 ** (-depths / denominator); xylem: exp(scale * depths) with
    # scale = -ln(2) / denominator is 2 ** (-depths / denominator) (a few ulp), and has no negation.
    return {"objective": "IsolationForest.score_samples (negated: 2**(-E[h(x)]/c))", "task": "regression",
            "num_features": nf, "num_outputs": 1, "precision": "float64", "trees": trees,
            "aggregation": "sum", "scale": -math.log(2.0) / denominator, "transform": "exp",
            "tree_rules": dict(TREE_RULES), "score_samples_denominator": denominator}
