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
    """classes_ must be 0..k-1 (xylem has no class-label table yet)."""
    classes = np.asarray(est.classes_)
    if ignore_class_labels:
        return
    if classes.dtype.kind not in "iuf" or len(classes) != k or not np.array_equal(classes, np.arange(k)):
        raise UnsupportedError(
            "%s: classes_ must be 0..%d (xylem has no class-label table yet); got %r "
            "(pass ignore_class_labels=True to export class indices / probability columns anyway)"
            % (name(est), k - 1, classes.tolist()))


def class_labels(est):
    """classes_ as JSON values (ints, floats or strings), or None."""
    classes = getattr(est, "classes_", None)
    if classes is None:
        return None
    classes = np.asarray(classes)
    if classes.ndim != 1:
        return None
    out = []
    for c in classes.tolist():
        if isinstance(c, bool):
            out.append(c)
        elif isinstance(c, (int, float, str)):
            out.append(c)
        else:
            out.append(str(c))
    return out
