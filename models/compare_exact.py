#!/usr/bin/env python3
"""Counts how many of the libraries' own outputs `xylem predict` reproduces bit for bit.

    python models/compare_exact.py build/xylem [library ...]

Runs `xylem predict` (and `--margin`) on every case under models/<library>/ and compares
with predict.csv / margin.csv using == (in float32 for XGBoost, whose outputs are float32).
Needs numpy (any fixture venv has it).
"""
import glob
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    xylem = sys.argv[1]
    libraries = sys.argv[2:] or ["xgboost", "lightgbm", "catboost"]
    totals = {}
    for case_file in sorted(glob.glob(os.path.join(HERE, "*", "*", "*", "case.json"))):
        c = json.load(open(case_file))
        if c["library"] not in libraries:
            continue
        d = os.path.dirname(case_file)
        tag = c["library"] + " " + c["library_version"]
        for model in c["models"]:
            for kind, ref_file, flags in [("predict", c["predict"], []), ("margin", c["margin"], ["--margin"])]:
                out = subprocess.run([xylem, "predict", os.path.join(d, model), os.path.join(d, c["input"])] + flags,
                                     capture_output=True, text=True, check=True).stdout
                got = np.loadtxt(out.splitlines()[1:], delimiter=",", ndmin=2)
                ref = np.loadtxt(os.path.join(d, ref_file), delimiter=",", skiprows=1, ndmin=2)
                if c["library"] == "xgboost":  # float32 outputs, written as %.9g: compare as float32
                    got, ref = got.astype(np.float32), ref.astype(np.float32)
                same = (got == ref) | (np.isnan(got) & np.isnan(ref))
                with np.errstate(invalid="ignore"):
                    rel = np.where(same, 0.0, np.abs(got - ref) / np.maximum(1.0, np.abs(ref)))
                t = totals.setdefault((tag, kind), [0, 0, 0.0])
                t[0] += int(same.sum())
                t[1] += same.size
                t[2] = max(t[2], float(np.nanmax(rel)) if rel.size else 0.0)
    for (tag, kind), (same, n, worst) in sorted(totals.items()):
        print("%-16s %-8s %7d/%-7d bit-identical, max relative difference %.3g" % (tag, kind, same, n, worst))


if __name__ == "__main__":
    main()
