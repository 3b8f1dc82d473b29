"""Code shared by the fixture generators (generate_<library>.py) and checkers
(verify_<library>.py): float32 helpers, the numeric training data and its label
makers, row groups of input.csv, the CSV/JSON writers and readers, the command line.

It needs only numpy and the standard library, so every library's venv can import it.
The scripts import it from their own directory (Python puts a script's directory first
on sys.path), whatever the current directory.

Everything here is part of what the fixtures are made of: any change to it (even to the
order of the random draws) changes the generated files.
"""

import argparse
import csv
import json
import math
import os
import shutil
import zlib

import numpy as np

# --------------------------------------------------------------------------
# Floats
# --------------------------------------------------------------------------

F32_MAX = float(np.finfo(np.float32).max)
F32_MIN = float(np.finfo(np.float32).tiny)     # smallest normal float32


def f32(x):
    """float64 -> nearest float32, widened back to float64."""
    return float(np.float32(x))


def next32(t, direction):
    return float(np.nextafter(np.float32(t), np.float32(direction)))


def next64(t, direction):
    return float(np.nextafter(np.float64(t), np.float64(direction)))


def threshold_neighbours(t):
    """t (a float32 value), its float32 neighbours, and its float64 neighbours (which
    round back to t in float32)."""
    return [t, next32(t, math.inf), next32(t, -math.inf),
            next64(t, math.inf), next64(t, -math.inf)]


# --------------------------------------------------------------------------
# Seeding and versions
# --------------------------------------------------------------------------

def case_seed(name):
    """The seed of a case's numpy Generator: fixed by the case's name alone."""
    return zlib.crc32(name.encode("utf-8"))


def version_tuple(version):
    """'2.1.4' -> (2, 1)"""
    return tuple(int(p) for p in version.split(".")[:2])


# --------------------------------------------------------------------------
# Numeric training data
# --------------------------------------------------------------------------

NUM_FEATURES = 8
# Features 1, 3 and 5 have NaNs in training data: the signal treats missing
# f1 as "very low" and missing f3 as "very high", so learned default
# directions (XGBoost, LightGBM) and nan_mode Min/Max (CatBoost) matter.
NAN_FRACTION = {1: 0.15, 3: 0.25, 5: 0.10}
INTEGER_FEATURES = [2, 4, 6]                  # integer-valued, so thresholds repeat


def gen_numeric(rng, n, nan=True):
    X = np.empty((n, NUM_FEATURES))
    X[:, 0] = np.round(rng.normal(0.0, 1.0, n), 3)        # continuous, crosses 0
    X[:, 1] = np.round(rng.uniform(-5.0, 5.0, n), 2)      # uniform, NaNs
    X[:, 2] = rng.integers(0, 10, n)                      # integer 0..9
    X[:, 3] = np.round(rng.exponential(2.0, n), 3)        # skewed, NaNs
    X[:, 4] = rng.integers(-3, 4, n)                      # signed integer
    X[:, 5] = np.round(rng.normal(100.0, 30.0, n), 1)     # large scale, NaNs
    X[:, 6] = rng.integers(0, 2, n)                       # binary
    X[:, 7] = np.round(rng.uniform(0.0, 1.0, n), 4)
    if nan:
        for j, frac in NAN_FRACTION.items():
            X[rng.random(n) < frac, j] = np.nan
    return X


def basis(X):
    """The 8 nonlinear terms of the label signal (XGBoost and CatBoost; LightGBM has
    its own, which also copes with NaN in every feature)."""
    x0, x1, x2, x3, x4, x5, x6, x7 = X.T
    x1m = np.where(np.isnan(x1), -4.0, x1)
    x3m = np.where(np.isnan(x3), 8.0, x3)
    x5m = np.where(np.isnan(x5), 100.0, x5)
    return np.column_stack([
        np.sin(1.7 * x0),
        x1m / 5.0 * (x2 >= 5),
        np.log1p(x3m) - 1.0,
        -(x4 ** 2) / 5.0 + 0.9,
        (x5m - 100.0) / 40.0,
        x6 * x0,
        (x7 > 0.6) - 0.4,
        (x2 % 3 == 0) - 0.33,
    ])


SIGNAL_W = np.array([1.2, 1.5, 0.8, 0.7, 0.6, 0.9, 1.2, -0.6])


class Labels:
    """Label makers over one signal, signal(X) = basis(X) @ SIGNAL_W.

    Each maker is (rng, X) -> float64 label array (n,) or (n, k), drawing its noise
    from rng; the script turns it into what its library takes (see label_info)."""

    def __init__(self, basis_fn):
        self.basis = basis_fn

    def signal(self, X):
        return self.basis(X) @ SIGNAL_W

    def class_logits(self, X, k):
        W = np.random.default_rng(1234 + k).normal(0.0, 1.2, (len(SIGNAL_W), k))
        return self.basis(X) @ W

    def binary(self, rng, X):
        return bernoulli(rng, self.signal(X))

    def reg(self, rng, X):
        return self.signal(X) + rng.normal(0, 0.3, len(X))

    def heavy(self, rng, X):
        return self.signal(X) + 0.4 * rng.standard_t(2, len(X))

    def hetero(self, rng, X):
        s = self.signal(X)
        return s + rng.normal(0, 0.2 + 0.3 * np.abs(s), len(X))

    def positive(self, rng, X):
        return np.exp(0.5 * self.signal(X) + rng.normal(0, 0.2, len(X)))

    def unit(self, rng, X):
        s = self.signal(X)
        return 1 / (1 + np.exp(-(s - np.median(s) + rng.normal(0, 0.3, len(X)))))

    def poisson(self, rng, X):
        return rng.poisson(np.exp(0.4 * self.signal(X))).astype(float)

    def gamma(self, rng, X):
        return rng.gamma(2.0, np.exp(0.3 * self.signal(X)) / 2.0)

    def tweedie(self, rng, X):
        counts = rng.poisson(0.8 * np.exp(0.3 * self.signal(X)))
        return np.array([rng.gamma(2.0, 1.0, c).sum() for c in counts])

    def classes(self, k):
        """Class index 0..k-1 (as float)."""
        def f(rng, X):
            L = self.class_logits(X, k) + rng.gumbel(0, 0.5, (len(X), k))
            return np.argmax(L, axis=1).astype(float)
        return f

    def multi_target(self, k):
        def f(rng, X):
            return self.class_logits(X, k) + rng.normal(0, 0.2, (len(X), k))
        return f

    def relevance(self, rng, X, binary=False):
        """Ranking relevance: 0/1, or 0..4."""
        s = self.signal(X) + rng.normal(0, 0.5, len(X))
        if binary:
            return (s > np.median(s)).astype(float)
        return np.clip(np.floor(s + 1.5), 0, 4)


def bernoulli(rng, s):
    """0/1 labels (as float) with P(1) = sigmoid(2 * (s - median(s)))."""
    s = s - np.median(s)
    return (rng.random(len(s)) < 1 / (1 + np.exp(-2 * s))).astype(float)


def label_info(make):
    """A label maker -> (rng, X) -> {"label": labels}."""
    def f(rng, X):
        return {"label": make(rng, X)}
    return f


def group_sizes(rng, n):
    """Query group sizes (4 to 16 rows each) that add up to n."""
    sizes = []
    while sum(sizes) < n:
        sizes.append(int(rng.integers(4, 17)))
    sizes[-1] -= sum(sizes) - n
    if sizes[-1] <= 0:
        sizes.pop()
        sizes[-1] += n - sum(sizes)
    return sizes


# --------------------------------------------------------------------------
# Rows of input.csv
# --------------------------------------------------------------------------

class RowGroups:
    """Rows in consecutive named groups; groups is case.json's row_groups."""

    def __init__(self):
        self.rows = []
        self.groups = []

    def add(self, kind, new):
        if not new:
            return
        self.groups.append({"kind": kind, "start": len(self.rows), "count": len(new)})
        self.rows.extend(np.array(r, dtype=np.float64) for r in new)

    def matrix(self):
        return np.vstack(self.rows)


def vary(base, j, values):
    """Copies of row base with feature j set to each of values in turn."""
    out = []
    for v in values:
        r = base.copy()
        r[j] = v
        out.append(r)
    return out


def inject_nans(rng, rows, cols):
    """Sets 1 to 3 random features of cols to NaN in every row (in place)."""
    for r in rows:
        k = int(rng.integers(1, 4))
        r[rng.choice(cols, min(k, len(cols)), replace=False)] = np.nan
    return rows


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------

def write_cells(path, rows, header):
    """rows: lists of str, or None for missing: written as '' on even-numbered rows
    (0-based) and 'nan' on odd ones."""
    with open(path, "w", newline="\n") as fh:
        fh.write(",".join(header) + "\n")
        for i, row in enumerate(rows):
            fh.write(",".join(("" if i % 2 == 0 else "nan") if c is None else c
                              for c in row) + "\n")


def input_cells(X, cat_cols=()):
    """float64 rows -> cells: repr() (round-trips exactly), integers for the columns
    in cat_cols, None for NaN."""
    return [[None if math.isnan(v) else str(int(v)) if j in cat_cols else repr(float(v))
             for j, v in enumerate(row)] for row in X]


def write_input(path, X, header, cat_cols=()):
    write_cells(path, input_cells(X, cat_cols), header)


def write_values(path, P, header=None, fmt=repr):
    """Predictions, one row per sample; header 'prediction' for one column, else
    p0,p1,...  fmt: float -> str (default repr: float64, exact).  Returns the number
    of columns."""
    P = np.asarray(P, dtype=np.float64)
    if P.ndim == 1:
        P = P[:, None]
    if header is None:
        header = ["prediction"] if P.shape[1] == 1 else ["p%d" % k for k in range(P.shape[1])]
    with open(path, "w", newline="\n") as fh:
        fh.write(",".join(header) + "\n")
        for row in P:
            fh.write(",".join(fmt(float(v)) for v in row) + "\n")
    return P.shape[1]


def write_json(path, obj, **dump_kw):
    with open(path, "w", newline="\n") as fh:
        json.dump(obj, fh, **dump_kw)
        fh.write("\n")


def read_csv(path):
    """(header, rows of str)"""
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def parse_cell(s):
    """A numeric cell of input.csv: '' and 'nan' are missing."""
    return math.nan if s in ("", "nan") else float(s)


def read_matrix(path):
    """input.csv -> (header, float64 matrix with NaN for missing)."""
    header, rows = read_csv(path)
    return header, np.array([[parse_cell(c) for c in r] for r in rows], dtype=np.float64)


def read_values(path):
    """A predictions file -> (header, float64 matrix); every cell must be a number."""
    header, rows = read_csv(path)
    return header, np.array([[float(c) for c in r] for r in rows], dtype=np.float64)


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def parse_args(doc, default_out):
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--out", default=default_out)
    ap.add_argument("--only", nargs="*", help="generate only these cases")
    return ap.parse_args()


def version_dir(out, version, only):
    """out/<version>/, emptied first unless only some cases are regenerated."""
    root = os.path.join(out, version)
    if only is None and os.path.isdir(root):
        shutil.rmtree(root)
    os.makedirs(root, exist_ok=True)
    return root


def write_skipped(root, version, done, skipped):
    """skipped.json: the cases generated, and the ones skipped with the reason."""
    write_json(os.path.join(root, "skipped.json"),
               {"library_version": version, "generated": done,
                "skipped": [{"case": n, "reason": r} for n, r in skipped]}, indent=1)
