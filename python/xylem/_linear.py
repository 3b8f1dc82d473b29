"""Linear models: scikit-learn's coef_/intercept_ -> xylem's `linear` part (float64, NaN propagates)."""

import numpy as np

from ._common import UnsupportedError, check_classes, is_, name
from ._numbers import nums


def linear_part(coef, intercept):
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
            "bias": nums(intercept, "float64"), "weights": nums(coef.T, "float64")}, k, f


REGRESSORS = ("LinearRegression", "Ridge", "RidgeCV", "Lasso", "LassoCV", "ElasticNet",
              "ElasticNetCV", "SGDRegressor", "LassoLars", "Lars", "BayesianRidge", "ARDRegression",
              "HuberRegressor", "TheilSenRegressor", "QuantileRegressor")
CLASS_INDEX = ("LinearSVC", "Perceptron", "RidgeClassifier", "RidgeClassifierCV",
               "PassiveAggressiveClassifier")


def linear_estimator(est, ignore_class_labels):
    """-> info dict (task, num_features, num_outputs, linear, transform, precision, objective), or None
    when est is not a linear model."""
    nm = name(est)
    out = {"objective": nm}
    if nm in REGRESSORS:
        linear, k, f = linear_part(est.coef_, est.intercept_)
        out.update(task="multi_target_regression" if k > 1 else "regression", linear=linear,
                   num_features=f, num_outputs=k, transform="identity", precision="float64")
        return out
    if nm in ("LogisticRegression", "LogisticRegressionCV"):
        linear, k, f = linear_part(est.coef_, est.intercept_)
        ncls = len(est.classes_)
        check_classes(est, ncls, ignore_class_labels)
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
        # predict() is decision_function > 0, or its argmax (LinearClassifierMixin).
        out.update(task="binary_classification" if ncls == 2 else "multiclass_classification",
                   linear=linear, num_features=f, num_outputs=k, transform=transform, precision="float64",
                   label_rule="margin_positive" if ncls == 2 else "argmax_margin")
        return out
    if nm == "SGDClassifier":
        linear, k, f = linear_part(est.coef_, est.intercept_)
        ncls = len(est.classes_)
        check_classes(est, ncls, ignore_class_labels)
        rule = None
        if est.loss == "log_loss":
            transform = "sigmoid_pair" if ncls == 2 else "normalized_sigmoid"
            kind = "proba"
            rule = "margin_positive" if ncls == 2 else "argmax_margin"
        elif est.loss == "modified_huber":
            raise UnsupportedError("SGDClassifier(loss='modified_huber'): its predict_proba "
                                   "(clip((d+1)/2), normalised) has no xylem transform")
        else:
            transform = "hinge_class" if ncls == 2 else "argmax_class"
            kind = "class_index"
        out.update(task="binary_classification" if ncls == 2 else "multiclass_classification",
                   linear=linear, num_features=f, num_outputs=k, transform=transform,
                   precision="float64", predict_kind=kind)
        if rule:
            out["label_rule"] = rule
        return out
    if nm in CLASS_INDEX:
        linear, k, f = linear_part(est.coef_, est.intercept_)
        ncls = len(est.classes_)
        check_classes(est, ncls, ignore_class_labels)
        out.update(task="binary_classification" if ncls == 2 else "multiclass_classification",
                   linear=linear, num_features=f, num_outputs=k,
                   transform="hinge_class" if ncls == 2 else "argmax_class",
                   precision="float64", predict_kind="class_index")
        return out
    if nm == "OneVsRestClassifier":
        if est.multilabel_:
            raise UnsupportedError("OneVsRestClassifier on multilabel targets")
        ncls = len(est.classes_)
        check_classes(est, ncls, ignore_class_labels)
        coefs, intercepts = [], []
        for e in est.estimators_:
            ok = is_(e, "LogisticRegression", "LogisticRegressionCV") or \
                (is_(e, "SGDClassifier") and e.loss == "log_loss")
            if not ok:
                raise UnsupportedError("OneVsRestClassifier over %s (only binary LogisticRegression or "
                                       "SGDClassifier(loss='log_loss'))" % name(e))
            if len(e.classes_) != 2 or np.shape(e.coef_)[0] != 1:
                raise UnsupportedError("OneVsRestClassifier: a binary estimator with %d classes" % len(e.classes_))
            coefs.append(np.asarray(e.coef_, dtype=np.float64)[0])
            intercepts.append(float(np.asarray(e.intercept_).ravel()[0]))
        linear, k, f = linear_part(np.array(coefs), np.array(intercepts))
        out.update(task="binary_classification" if ncls == 2 else "multiclass_classification",
                   linear=linear, num_features=f, num_outputs=k,
                   transform="sigmoid_pair" if k == 1 else "normalized_sigmoid", precision="float64",
                   # predict(): decision > 0 with one estimator, else the argmax of the decisions
                   label_rule="margin_positive" if k == 1 else "argmax_margin")
        out["objective"] = "OneVsRestClassifier(%s)" % name(est.estimators_[0])
        return out
    return None


