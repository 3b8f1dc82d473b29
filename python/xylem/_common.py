"""Shared helpers: the error type, class-name tests, class labels, the sklearn version."""

import numpy as np


class UnsupportedError(ValueError):
    """The estimator (or one of its settings) has no xylem equivalent."""


def name(obj):
    return type(obj).__name__


def is_(obj, *names):
    return name(obj) in names


def sklearn_version():
    """(major, minor) of the installed scikit-learn, or None."""
    try:
        import sklearn
    except ImportError:
        return None
    parts = sklearn.__version__.split(".")
    try:
        return int(parts[0]), int("".join(ch for ch in parts[1] if ch.isdigit()) or 0)
    except (IndexError, ValueError):
        return None


def check_classes(est, k, ignore_class_labels):
    """classes_ must give k labels, which the file keeps under "class_labels" (xylem's
    probability columns are named after them and `xylem predict --labels` prints them).
    ignore_class_labels is kept for callers of earlier versions; it changes nothing."""
    classes = np.asarray(est.classes_)
    if classes.ndim != 1 or len(classes) != k:
        raise UnsupportedError("%s: classes_ has %d labels for %d classes" % (name(est), len(classes), k))


def class_labels(est):
    """classes_ as JSON values xylem reads: all integers (integral floats and bools become
    integers) or all strings (anything else, as str()); None without classes_."""
    classes = getattr(est, "classes_", None)
    if classes is None:
        return None
    classes = np.asarray(classes)
    if classes.ndim != 1:
        return None
    values = classes.tolist()
    def integral(c):
        return isinstance(c, (bool, int)) or (isinstance(c, float) and c.is_integer() and abs(c) < 2 ** 53)
    if all(integral(c) for c in values):
        out = [int(c) for c in values]
    else:
        out = [c if isinstance(c, str) else str(c) for c in values]
    if len(set(out)) != len(out):
        raise UnsupportedError("%s: classes_ %r give duplicate labels" % (name(est), values))
    return out


def raw_label_rule(est, binary):
    """The rule est.predict() follows to turn raw scores into a class (xylem's label_rule),
    read from scikit-learn's own source, since it changed between versions: 1.2's gradient
    boosting takes the argmax of predict_proba ("auto"); later GradientBoostingClassifier
    takes raw >= 0 and HistGradientBoostingClassifier raw > 0 for two classes, the argmax of
    the raw scores for more."""
    import inspect
    src = inspect.getsource(type(est).predict)
    if "_raw_prediction_to_decision" in src:
        src = inspect.getsource(type(est._loss)._raw_prediction_to_decision)
    if binary:
        if ">= 0" in src:
            return "margin_non_negative"
        if "> 0" in src:
            return "margin_positive"
        return "auto"
    return "argmax_margin" if "argmax(raw_predictions" in src else "auto"
