"""Multi-layer perceptrons: MLPClassifier / MLPRegressor -> xylem's `network`."""

import numpy as np

from ._common import UnsupportedError, check_classes, name
from ._numbers import nums


ACTIVATION = {"identity": "identity", "logistic": "logistic", "tanh": "tanh", "relu": "relu"}


def network_estimator(est, network_precision, ignore_class_labels):
    dtypes = {np.asarray(c).dtype for c in list(est.coefs_) + list(est.intercepts_)}
    if dtypes == {np.dtype(np.float32)}:
        precision = "float32"
    elif dtypes == {np.dtype(np.float64)}:
        precision = "float64"
    else:
        raise UnsupportedError("%s: mixed weight dtypes %s" % (name(est), sorted(map(str, dtypes))))
    if network_precision is not None:
        if network_precision not in ("float32", "float64"):
            raise ValueError("network_precision must be 'float32' or 'float64'")
        precision = network_precision
    if est.activation not in ACTIVATION:
        raise UnsupportedError("%s(activation=%r)" % (name(est), est.activation))
    layers = []
    n = len(est.coefs_)
    for i, (w, b) in enumerate(zip(est.coefs_, est.intercepts_)):
        w = np.asarray(w)
        b = np.asarray(b)
        if precision == "float32":
            w = w.astype(np.float32)
            b = b.astype(np.float32)
        if not (np.all(np.isfinite(w)) and np.all(np.isfinite(b))):
            raise UnsupportedError("%s: non-finite weights in layer %d" % (name(est), i))
        layers.append({"inputs": int(w.shape[0]), "outputs": int(w.shape[1]),
                       "activation": ACTIVATION[est.activation] if i < n - 1 else "identity",
                       "bias": nums(b, precision), "weights": nums(w, precision)})
    k = int(est.coefs_[-1].shape[1])
    out = {"objective": name(est), "network": {"precision": precision, "layers": layers},
           "num_features": int(est.coefs_[0].shape[0]), "num_outputs": k, "precision": precision}
    if name(est) == "MLPRegressor":
        out.update(task="regression" if k == 1 else "multi_target_regression", transform="identity")
        return out
    ncls = len(est.classes_)
    check_classes(est, ncls, ignore_class_labels)
    if est.out_activation_ == "softmax":
        out.update(task="multiclass_classification", transform="softmax")
    elif est.out_activation_ == "logistic" and k == 1 and ncls == 2:
        out.update(task="binary_classification", transform="sigmoid_pair")
    else:
        raise UnsupportedError("MLPClassifier with out_activation_=%r and %d outputs (multilabel?)"
                               % (est.out_activation_, k))
    return out
