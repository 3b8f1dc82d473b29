"""HistGradientBoostingClassifier / Regressor -> xylem trees.

scikit-learn predicts on float64 X (ensemble/_hist_gradient_boosting/_predictor.pyx):
NaN goes to missing_go_to_left; a numeric node sends x <= num_threshold left; a
categorical node sends x < 0 to the missing side, then a category in the node's
raw_left_cat_bitsets left, a known category (the feature's known_cat_bitsets) right, and
an unknown one to the missing side. raw = baseline + sum of leaf values (the shrinkage is
already in them), iteration by iteration.

Categorical nodes are written with the missing side as the right child (children swapped
where missing goes left), default_left 0, categories_go left, invalid -> default: the set
is then the known categories that go to the non-missing side, and NaN, negative, invalid
and unknown values all land on the missing side.

How a value becomes a category depends on the version:
  - scikit-learn >= 1.4 (there is a fitted _preprocessor): an OrdinalEncoder maps each
    categorical column's value to its index among the training categories by equality,
    anything else (2.5, unseen integers, 1e30) to NaN, and moves the categorical columns
    first. The key is `exact_integer` (format version 3): an integer in [-2^31, 2^31) is its
    own int32 key (-1 -> 4294967295), anything else (2.5, 1e10) is invalid, so the sets hold
    the training category values themselves (as uint32 bit patterns); the training
    categories must be integers in int32 range. limit is 2^32, so every int32 is a valid
    key: negative training categories (a real category to the OrdinalEncoder) stay members,
    and any other value, negative or not, is a non-member or invalid and goes to the
    missing side either way.
  - before: the value itself is cast to uint8 (`<X_BINNED_DTYPE_C>data_val`: 2.5 is 2).
    The key is `truncate`, every negative value invalid, limit 256. Values >= 256 wrap
    around in scikit-learn (an out-of-range C cast: 256 is category 0, 259 is 3); xylem
    treats them as invalid (missing side), the one difference.
"""

import numpy as np

from ._common import UnsupportedError, check_classes, name, raw_label_rule
from ._numbers import nums


def _bits(words):
    """uint32 bitset words -> sorted list of the set bit positions."""
    out = []
    for w, word in enumerate(np.asarray(words, dtype=np.uint64)):
        word = int(word)
        for b in range(32):
            if word >> b & 1:
                out.append(32 * w + b)
    return out


def _int32_key(v):
    """An integer category value in [-2^31, 2^31) -> its exact_integer key (the uint32 bits
    of the int32: -1 -> 4294967295)."""
    return int(v) & 0xffffffff


def _layout(est):
    """-> (feature_map: remapped column -> input column, category value of each encoded
    index per remapped categorical column or None, key)."""
    nf = int(est.n_features_in_)
    pre = getattr(est, "_preprocessor", None)
    if pre is None:
        return list(range(nf)), None, "truncate"
    idx = pre._transformer_to_input_indices
    out = pre.output_indices_
    fmap = [0] * nf
    for tname in ("encoder", "numerical"):
        cols = [int(i) for i in idx.get(tname, [])]
        sl = out.get(tname)
        if cols and (sl is None or sl.stop - sl.start != len(cols)):
            raise UnsupportedError("HistGradientBoosting: unexpected preprocessor layout")
        for r, c in zip(range(sl.start, sl.stop) if cols else [], cols):
            fmap[r] = c
    enc = pre.named_transformers_["encoder"]
    enc_slice = out.get("encoder")
    values = {}
    for j, cats in enumerate(enc.categories_):
        cats = np.asarray(cats)
        if cats.dtype.kind not in "iuf":
            raise UnsupportedError("HistGradientBoosting: non-numeric categories in column %d" % fmap[enc_slice.start + j])
        c = cats.astype(np.float64)
        c = c[~np.isnan(c)]         # NaN, when seen in training, is the encoder's last category
        for v in c:
            if not (np.isfinite(v) and v == np.trunc(v) and -2.0 ** 31 <= v < 2.0 ** 31):
                raise UnsupportedError("HistGradientBoosting: category %r of column %d is not an integer in "
                                       "[-2^31, 2^31) (xylem's exact_integer key takes int32 values)"
                                       % (float(v), fmap[enc_slice.start + j]))
        values[enc_slice.start + j] = c
    return fmap, values, "exact_integer"


def _tree(pred, fmap, values, known, f_idx_map, output):
    nodes = pred.nodes
    n = len(nodes)
    left = np.asarray(nodes["left"], dtype=np.int64)
    right = np.asarray(nodes["right"], dtype=np.int64)
    is_leaf = np.asarray(nodes["is_leaf"], dtype=bool)
    left = np.where(is_leaf, -1, left)
    right = np.where(is_leaf, -1, right)
    feat = np.where(is_leaf, 0, np.asarray(nodes["feature_idx"], dtype=np.int64))
    thr = np.where(is_leaf, 0.0, np.asarray(nodes["num_threshold"], dtype=np.float64))
    dl = np.where(is_leaf, 0, np.asarray(nodes["missing_go_to_left"], dtype=np.int64))
    value = np.where(is_leaf, np.asarray(nodes["value"], dtype=np.float64), 0.0)
    is_cat = np.asarray(nodes["is_categorical"], dtype=bool) & ~is_leaf
    cat_nodes, cat_sets = [], []
    bitsets = pred.raw_left_cat_bitsets
    for i in np.flatnonzero(is_cat):
        r = int(feat[i])
        lcats = set(_bits(bitsets[int(nodes["bitset_idx"][i])]))
        kcats = set(_bits(known[int(f_idx_map[r])]))
        if dl[i]:       # missing goes left: swap, so that the missing side is the right child
            left[i], right[i] = right[i], left[i]
            members = kcats - lcats
        else:
            members = lcats
        dl[i] = 0
        if values is not None:
            vals = values.get(r)
            if vals is None:
                raise UnsupportedError("HistGradientBoosting: categorical split on a column the encoder does not hold")
            members = sorted({_int32_key(vals[c]) for c in members if c < len(vals)})
        else:
            members = sorted(members)
        cat_nodes.append(int(i))
        cat_sets.append([int(c) for c in members])
    if np.any(np.isnan(thr[~is_leaf & ~is_cat])):
        raise UnsupportedError("HistGradientBoosting: NaN threshold")
    thr = np.where(is_cat, 0.0, thr)
    feat = np.asarray(fmap, dtype=np.int64)[feat]
    feat = np.where(is_leaf, 0, feat)
    t = {"output": int(output), "weight": 1, "leaf_size": 1, "comparison": "<=",
         "missing_rule": "nan_to_default",
         "left_children": [int(v) for v in left], "right_children": [int(v) for v in right],
         "split_features": [int(v) for v in feat], "thresholds": nums(thr, "float64"),
         "default_left": [int(v) for v in dl], "leaf_values": nums(value, "float64")}
    if cat_nodes:
        t["comparisons"] = ["category" if is_cat[i] else "<=" for i in range(n)]
        t["categorical_nodes"] = cat_nodes
        t["category_sets"] = cat_sets
    return t


def hist_gradient_boosting_estimator(est, ignore_class_labels):
    nm = name(est)
    if nm not in ("HistGradientBoostingClassifier", "HistGradientBoostingRegressor"):
        return None
    k = int(est.n_trees_per_iteration_)
    fmap, values, key = _layout(est)
    known, f_idx_map = est._bin_mapper.make_known_categories_bitsets()
    trees = []
    for it in est._predictors:
        if len(it) != k:
            raise UnsupportedError("HistGradientBoosting: an iteration with %d trees, expected %d" % (len(it), k))
        for j, pred in enumerate(it):
            trees.append(_tree(pred, fmap, values, known, f_idx_map, j))
    base = np.asarray(est._baseline_prediction, dtype=np.float64).reshape(-1)
    if base.shape != (k,):
        raise UnsupportedError("HistGradientBoosting baseline has shape %r" % (np.shape(est._baseline_prediction),))
    loss = getattr(est, "loss", "")
    nf = int(est.n_features_in_)
    types = ["numeric"] * nf
    is_cat = getattr(est, "is_categorical_", None)
    if is_cat is not None:
        types = ["categorical" if c else "numeric" for c in np.asarray(is_cat, dtype=bool)]
    info = {"objective": "%s(loss=%r)" % (nm, loss), "num_features": nf, "num_outputs": k,
            "precision": "float64", "trees": trees, "aggregation": "sum", "base_scores": base,
            "trees_per_iteration": k, "feature_types": types,
            "tree_rules": {"input_precision": "float64", "threshold_precision": "float64",
                           "categories_go": "left",
                           "category_rule": {"negative_fraction_is_zero": False,
                                             "limit": 2.0 ** 32 if key == "exact_integer" else 256.0,
                                             "invalid": "default", "key": key}}}
    if nm == "HistGradientBoostingRegressor":
        if loss in ("poisson", "gamma"):
            info.update(task="regression", transform="exp")      # log link: predict = exp(raw)
        elif loss in ("squared_error", "absolute_error", "quantile", "least_squares", "least_absolute_deviation"):
            info.update(task="regression", transform="identity")
        else:
            raise UnsupportedError("HistGradientBoostingRegressor(loss=%r)" % loss)
        return info
    ncls = len(est.classes_)
    check_classes(est, ncls, ignore_class_labels)
    if ncls == 2:
        info.update(task="binary_classification", transform="sigmoid_pair")
    else:
        info.update(task="multiclass_classification", transform="softmax")
    info["label_rule"] = raw_label_rule(est, ncls == 2)
    return info
