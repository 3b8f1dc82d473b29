"""Preprocessing: scalers, SimpleImputer, OneHotEncoder, ColumnTransformer and Pipeline steps
-> xylem's whole-row `preprocessing` steps.

xylem's steps act on every column of the row; scikit-learn's ColumnTransformer acts
on column subsets. A subset transformer becomes a step whose parameters are the
identity on the other columns: standard_scale (x - 0) / 1, max_abs_scale x / 1,
min_max_scale x * 1 + (-0.0) (adding -0.0 keeps the sign of -0.0). Two kinds of step
have no identity and need care:
  impute_constant replaces NaN in *every* column. On another block's column that
    still has an imputer or one-hot encoder ahead, that would change its result, so
    such blocks are scheduled first or merged into one step; elsewhere NaN there would
    reach the estimator, which scikit-learn refuses (no prediction to match).
  min_max_scale's clip clamps *every* column. It is emitted only when every other
    column is known to lie in the clip range (one-hot indicators, clipped columns), and
    blocks that clip to the same range are merged into one step.
Anything else raises UnsupportedError.
"""

import math

import numpy as np

from ._common import UnsupportedError, is_, name
from ._numbers import Num, nums


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
    nm = name(tr)
    if tr == "passthrough" or tr is None:
        return [], width
    if nm == "FunctionTransformer":
        if tr.func is None:      # the identity (a ColumnTransformer's fitted 'passthrough')
            return [], width
        raise UnsupportedError("FunctionTransformer(func=%r)" % (tr.func,))
    if nm == "Pipeline":
        ops = []
        for _, t in tr.steps:
            o, width = _primitive_ops(t, width)
            ops += o
        return ops, width
    if nm == "StandardScaler":
        off = np.asarray(tr.mean_, dtype=np.float64) if tr.with_mean else np.zeros(width)
        sc = np.asarray(tr.scale_, dtype=np.float64) if tr.with_std and tr.scale_ is not None else np.ones(width)
        if not tr.with_mean and not (tr.with_std and tr.scale_ is not None):
            return [], width
        return [{"kind": "standard_scale", "offsets": off, "scales": sc}], width
    if nm == "MinMaxScaler":
        op = {"kind": "min_max_scale", "scales": np.asarray(tr.scale_, dtype=np.float64),
              "offsets": np.asarray(tr.min_, dtype=np.float64)}
        if tr.clip:
            op["clip"] = (float(tr.feature_range[0]), float(tr.feature_range[1]))
        return [op], width
    if nm == "MaxAbsScaler":
        ops = [{"kind": "max_abs_scale", "scales": np.asarray(tr.scale_, dtype=np.float64)}]
        if getattr(tr, "clip", False):
            ops.append({"kind": "min_max_scale", "scales": np.ones(width),
                        "offsets": np.full(width, -0.0), "clip": (-1.0, 1.0)})
        return ops, width
    if nm == "SimpleImputer":
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
    if nm == "OneHotEncoder":
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
    raise UnsupportedError("preprocessing step %s is not supported" % nm)


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
                    step["categories"].append(nums(c, "float64"))
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
            step[k] = nums(arrays[k], "float64")
        if clip is not None:
            step["clip"] = [Num(clip[0], "float64"), Num(clip[1], "float64")]
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
    for bid, (tname, tr, _) in enumerate(ct.transformers_):
        if isinstance(tr, str) and tr == "drop":
            continue
        idx = [int(i) for i in idx_map.get(tname, [])]
        if not idx:
            continue
        ops, _ = _primitive_ops(tr, len(idx))
        if is_(tr, "ColumnTransformer"):
            raise UnsupportedError("nested ColumnTransformer")
        columns += idx
        blocks.append(_Block(bid, len(idx), ops))
    return columns, blocks


def preprocessing_steps(transformers, n_inputs):
    comp = _Compiler(n_inputs)
    for tr in transformers:
        if is_(tr, "ColumnTransformer"):
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


def flatten(obj):
    """Pipeline (nested) -> list of fitted steps."""
    if is_(obj, "Pipeline"):
        out = []
        for _, s in obj.steps:
            if s is None or (isinstance(s, str) and s == "passthrough"):
                continue
            out += flatten(s)
        return out
    return [obj]


