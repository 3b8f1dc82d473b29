#!/usr/bin/env python3
"""Check the fixtures of the running XGBoost version against their own contract.

Run inside a venv (see make_venvs.sh):  python models/verify_xgboost.py --root models/xgboost

For every case of xgboost.__version__: reload model.json and model.ubj, parse
input.csv the way a consumer must (header names, '' and 'nan' = missing,
columns matched to the model's feature order by name), predict through
xgb.DMatrix and require predict.csv / margin.csv (and predict_best.csv) to
match bit-for-bit in float32.  Extra rows are checked with inplace_predict.
Exits non-zero on any mismatch.
"""

import argparse
import json
import os
import sys

import numpy as np
import xgboost as xgb

from fixture_common import read_matrix


def read_pred(path):
    header, data = read_matrix(path)
    return data.astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default="models/xgboost")
    args = ap.parse_args()
    root = os.path.join(args.root, xgb.__version__)
    failures = 0
    checked = 0
    for name in sorted(os.listdir(root)):
        d = os.path.join(root, name)
        if not os.path.isdir(d):
            continue
        meta = json.load(open(os.path.join(d, "case.json")))
        header, X = read_matrix(os.path.join(d, meta["input"]))
        if meta.get("feature_names"):
            names = meta["model_feature_names"]
            X = X[:, [header.index(n) for n in names]]
        else:
            names = None
            assert header == ["f%d" % j for j in range(X.shape[1])], header
        ft = meta.get("feature_types")
        kw = {"missing": np.nan}
        if names:
            kw["feature_names"] = names
        if ft:
            kw["feature_types"] = ft
        if meta.get("categorical_features"):
            kw["enable_categorical"] = True
        want = read_pred(os.path.join(d, meta["predict"]))
        want_m = read_pred(os.path.join(d, meta["margin"]))
        for model in meta["models"]:
            b = xgb.Booster(model_file=os.path.join(d, model))
            dm = xgb.DMatrix(X, **kw)
            checks = [("predict", b.predict(dm), want),
                      ("margin", b.predict(dm, output_margin=True), want_m)]
            if "predict_best" in meta:
                checks.append(("predict_best",
                               b.predict(dm, iteration_range=(0, meta["best_iteration"] + 1)),
                               read_pred(os.path.join(d, meta["predict_best"]))))
            ex = meta.get("extra")
            if ex:
                eh, XE = read_matrix(os.path.join(d, ex["input"]))
                if names:
                    XE = XE[:, [eh.index(n) for n in names]]
                if ft:
                    b.feature_types = ft
                checks.append(("predict_extra", b.inplace_predict(XE, missing=np.nan),
                               read_pred(os.path.join(d, ex["predict"]))))
                checks.append(("margin_extra",
                               b.inplace_predict(XE, missing=np.nan, predict_type="margin"),
                               read_pred(os.path.join(d, ex["margin"]))))
            for what, got, exp in checks:
                got = np.asarray(got, dtype=np.float32).reshape(exp.shape)
                same = np.array_equal(got, exp, equal_nan=True)
                checked += 1
                if not same:
                    failures += 1
                    bad = np.argwhere(~((got == exp) | (np.isnan(got) & np.isnan(exp))))
                    print("FAIL %s/%s %s: %d values differ, first at %s: got %r want %r" % (
                        name, model, what, len(bad), bad[0].tolist(),
                        float(got[tuple(bad[0])]), float(exp[tuple(bad[0])])))
    print("xgboost %s: %d passed, %d failed" % (xgb.__version__, checked - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
