"""Dispatch: a fitted estimator or Pipeline -> the xylem JSON document."""

import numpy as np

from ._common import UnsupportedError, class_labels, name
from ._hist_gb import hist_gradient_boosting_estimator
from ._linear import linear_estimator
from ._mlp import network_estimator
from ._numbers import Num, nums
from ._preprocessing import flatten, preprocessing_steps
from ._trees import forest_estimator, gradient_boosting_estimator, isolation_forest_estimator


def estimator_info(est, network_precision=None, ignore_class_labels=False):
    """-> info dict of the final estimator (task, num_features, num_outputs, precision,
    transform, and linear | network | trees with their output and tree rules)."""
    if name(est) in ("MLPClassifier", "MLPRegressor"):
        return network_estimator(est, network_precision, ignore_class_labels)
    for fn in (linear_estimator, forest_estimator, gradient_boosting_estimator,
               hist_gradient_boosting_estimator):
        info = fn(est, ignore_class_labels)
        if info is not None:
            return info
    info = isolation_forest_estimator(est)
    if info is not None:
        return info
    raise UnsupportedError("estimator %s is not supported" % name(est))


def _version(library_version):
    if library_version is not None:
        return library_version
    try:
        import sklearn
        return sklearn.__version__
    except ImportError:
        return ""


def document(obj, *, network_precision=None, ignore_class_labels=False, library_version=None):
    """The xylem JSON document (numbers as Num) of a fitted estimator or Pipeline."""
    steps = flatten(obj)
    est = steps[-1]
    info = estimator_info(est, network_precision, ignore_class_labels)
    f = info["num_features"]
    k = info["num_outputs"]
    prep = None
    if len(steps) > 1:
        n_in = getattr(steps[0], "n_features_in_", None)
        if n_in is None:
            raise UnsupportedError("the first pipeline step has no n_features_in_")
        pre_steps, width = preprocessing_steps(steps[:-1], int(n_in))
        if width != f:
            raise UnsupportedError("preprocessing gives %d features, the estimator takes %d" % (width, f))
        names = getattr(steps[0], "feature_names_in_", None)
        prep = {"input_names": [str(s) for s in names] if names is not None else [], "steps": pre_steps}
    feature_names = []
    if prep is None and getattr(est, "feature_names_in_", None) is not None:
        feature_names = [str(s) for s in est.feature_names_in_]
    p = info["precision"]
    base = info.get("base_scores", np.zeros(k))
    rules = {"input_precision": "float64", "threshold_precision": "float64", "categories_go": "left",
             "category_rule": {"negative_fraction_is_zero": False, "limit": 16777216.0,
                               "invalid": "default", "key": "truncate"},
             "trees_per_iteration": int(info.get("trees_per_iteration", 1)), "tiny_inputs_are_zero": False}
    rules.update({key: v for key, v in info.get("tree_rules", {}).items()})
    rules["category_rule"] = dict(rules["category_rule"])
    rules["category_rule"]["limit"] = Num(float(rules["category_rule"]["limit"]), "float64")
    doc = {
        "format": "xylem",
        "version": 2,        # raised below when a version 3 rule is used
        "source": {"library": "scikit-learn", "version": _version(library_version), "format": "python",
                   "objective": info["objective"], "booster": "", "best_iteration": -1},
        "task": info["task"],
        "num_features": f,
        "features": {"names": feature_names, "types": info.get("feature_types", ["numeric"] * f)},
        "num_outputs": k,
        "output": {"accumulation": p, "aggregation": info.get("aggregation", "sum"),
                   "base_scores": nums(base, p), "base_scores_first": True,
                   "scale": Num(float(info.get("scale", 1.0)), "float64"), "transform": info["transform"],
                   "transform_precision": p, "sigmoid_alpha": Num(1.0, "float64")},
        "tree_rules": rules,
        "trees": info.get("trees", []),
    }
    if "linear" in info:
        doc["linear"] = info["linear"]
    if "network" in info:
        doc["network"] = info["network"]
    if prep is not None:
        doc["preprocessing"] = prep
    if info.get("label_rule", "auto") != "auto":
        doc["output"]["label_rule"] = info["label_rule"]
    doc["version"] = format_version(doc)
    labels = class_labels(est) if hasattr(est, "classes_") else None
    if labels is not None:
        # Output column / class index k is labels[k] (xylem names its columns after them).
        doc["class_labels"] = labels
    return doc


# Version 3 additions (docs/format.md, "Version history"); the exporter writes the lowest
# version that holds the document, so files without them stay readable by older builds.
_V3_TRANSFORMS = ("softmax_zero", "probit", "negated_pair", "complement_pair")
_V3_STEPS = ("shift_scale", "normalize")


def format_version(doc):
    """2, or 3 when the document uses a version 3 rule (the exact_integer category key,
    ONNX Runtime's transforms, shift_scale / normalize steps, a step's precision), or 4 with
    a label_rule."""
    if "label_rule" in doc["output"]:
        return 4
    if doc["tree_rules"]["category_rule"].get("key") == "exact_integer":
        return 3
    if doc["output"]["transform"] in _V3_TRANSFORMS:
        return 3
    for st in (doc.get("preprocessing") or {}).get("steps", []):
        if st["kind"] in _V3_STEPS or "precision" in st:
            return 3
    return 2


def predict_kind(obj):
    """'class_index' when the model's prediction is a class index (hinge-like
    classifiers), else 'float'."""
    return estimator_info(flatten(obj)[-1], None, True).get("predict_kind", "float").replace("proba", "float")
