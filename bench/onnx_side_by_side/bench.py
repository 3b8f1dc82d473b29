"""ONNX side-by-side benchmark: xylem against ONNX Runtime on the same .onnx files (two tree
ensembles from skl2onnx, a LightGBM model from onnxmltools, an MLP from skl2onnx). Run it
through run.sh.

  python bench.py run [--xylem build-bench/xylem] [--threads 1,2] [--seconds 2] [--models ...]

Checks first that `xylem predict model.onnx` gives ONNX Runtime's outputs (|diff| <= 1e-5 relative
+ float32 epsilon, on the first --check-rows held-out rows; the run stops otherwise), then times each engine, thread count
and batch size in its own process. ORT is timed by the dense benchmark's worker
(bench/dense_side_by_side/bench.py ort-worker: InferenceSession, intra_op_num_threads=T,
sequential, batch 1 paired with an Identity model); xylem by `xylem bench --format json`.
Writes WORK/results.json and the ONNX section of bench/RESULTS.md (report.py), between
<!-- onnx:begin --> and <!-- onnx:end -->; the rest of the file is kept as it is.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import _dense  # noqa: E402

DB = _dense.load("bench")   # the dense benchmark's driver: ORT worker, xylem bench, machine info
log = DB.log

REL_TOL = 1e-5
ABS_TOL = 2.0 ** -23   # float32 epsilon: the resolution of a probability that ORT computes as 1 - p
DISTS = ("onnxruntime", "onnx", "skl2onnx", "onnxmltools", "scikit-learn", "lightgbm", "numpy")


def head_csv(src, dst, rows):
    with open(src) as f, open(dst, "w") as g:
        for i, line in enumerate(f):
            if i > rows:
                break
            g.write(line)
    return dst


def check_outputs(xylem, d, meta, rows):
    """`xylem predict` against ORT (one thread, the timed output) on the first `rows` rows. Both
    are float32 (xylem's CSV holds the shortest text of its float32 results, read back to float32).
    Must hold for every value: |xylem - ORT| <= REL_TOL * |ORT| + ABS_TOL."""
    import onnxruntime as ort  # noqa: F401
    head = head_csv(os.path.join(d, "rows.csv"), os.path.join(d, "rows_check.csv"), rows)
    x = DB.xylem_predict(xylem, os.path.join(d, "model.onnx"), head, os.path.join(d, "pred_xylem.csv"))
    X = np.loadtxt(head, delimiter=",", skiprows=1, ndmin=2).astype(np.float32)
    sess = DB.ort_session(os.path.join(d, "model.onnx"), 1)
    o = sess.run([meta["timed_output"]], {sess.get_inputs()[0].name: X})[0].reshape(len(X), -1)
    del sess
    if x.shape != o.shape:
        raise SystemExit(f"{meta['name']}: xylem predict gives shape {x.shape}, ORT {o.shape}")
    x32 = x.astype(np.float32)
    ulps = np.abs(x32.view(np.int32).astype(np.int64) - o.astype(np.float32).view(np.int32).astype(np.int64))
    x, o = x32.astype(np.float64), o.astype(np.float64)
    diff = np.abs(x - o)
    rel = diff / np.maximum(np.abs(o), 1e-30)
    big = np.abs(o) >= 0.01
    r = {"rows": int(len(X)), "columns": int(o.shape[1]), "max_abs_diff": float(diff.max()),
         "max_rel_diff": float(rel.max()), "max_rel_diff_ge_0.01": float(rel[big].max()) if big.any() else None,
         "values_beyond_rel_tol": int(np.sum(rel > REL_TOL)), "values": int(rel.size),
         "identical_values": float(np.mean(diff == 0)), "max_ulps": int(ulps.max()),
         "rel_tol": REL_TOL, "abs_tol": ABS_TOL}
    bad = diff > REL_TOL * np.abs(o) + ABS_TOL
    if bad.any():
        i = np.unravel_index(np.argmax(diff - REL_TOL * np.abs(o)), diff.shape)
        raise SystemExit(f"{meta['name']}: xylem predict differs from ORT on {int(bad.sum())} values (row {i[0]}, "
                         f"column {i[1]}: xylem {x[i]!r}, ORT {o[i]!r}); tolerance {REL_TOL} relative + {ABS_TOL:.3g}")
    return r


def xylem_loads(xylem, model, head, repeats):
    """Model::load as `xylem bench` reports it (load_ms), each in a fresh process; the first
    untimed (page cache), the median of the others."""
    loads = []
    for _ in range(repeats + 1):
        j = DB.xylem_bench(xylem, model, head, 1, "1", 0.001, 0)
        loads.append(j["load_ms"])
    return {"median_ms": float(np.median(loads[1:])), "all_ms": loads, "memory_bytes": j.get("memory_bytes"),
            "engine": j.get("engine")}


def main_run(args):
    import make_models as MM
    t_start = time.time()
    work = os.path.abspath(args.work)
    xylem = os.path.abspath(args.xylem)
    threads_list = [int(t) for t in args.threads.split(",")]
    B, S, W = args.batch_sizes, args.seconds, args.warmup
    models = args.models.split(",")
    metas = {m: MM.make(m, work) for m in models}
    res = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "cpu": DB.cpu_info(), "versions": DB.versions(xylem, DISTS),
           "xylem_binary": os.path.relpath(xylem, REPO) if xylem.startswith(REPO + os.sep) else xylem,
           "settings": {"seconds": S, "warmup": W, "threads": threads_list, "batch_sizes": B,
                        "load_repeats": args.load_repeats, "check_rows": args.check_rows},
           "command": args.command_line, "models": {}}

    # 1. correctness, before any timing
    for name in models:
        d = os.path.join(work, "models", name)
        c = check_outputs(xylem, d, metas[name], args.check_rows)
        res["models"][name] = {"meta": metas[name], "check": c, "xylem": {}, "ort": {}}
        log(f"{name}: xylem predict vs ORT on {c['rows']} rows: max |diff| {c['max_abs_diff']:.3g}, "
            f"max relative {c['max_rel_diff']:.3g} ({c['max_rel_diff_ge_0.01']:.3g} where |ORT| >= 0.01), "
            f"{c['identical_values']:.1%} of values identical, at most {c['max_ulps']} float32 ulps apart")

    # 2. timings, each engine and thread count in its own process
    res["load_start"] = os.getloadavg()
    loads_seen = []
    for name in models:
        meta, m = metas[name], res["models"][name]
        d = os.path.join(work, "models", name)
        onnx_path, rows_csv, rows_npy = (os.path.join(d, f) for f in ("model.onnx", "rows.csv", "rows.npy"))
        log(f"== {name}: {meta['description']}")
        m["xylem_load"] = xylem_loads(xylem, onnx_path, os.path.join(d, "rows_check.csv"), args.load_repeats)
        log(f"   xylem load {m['xylem_load']['median_ms']:.2f} ms ({m['xylem_load']['engine']})")
        for t in threads_list:
            j = DB.xylem_bench(xylem, onnx_path, rows_csv, t, B, S, W)
            m["xylem"][str(t)] = j
            log(f"   xylem T={t} ({j['engine']}, input {j['input']}): " +
                ", ".join(f"b{r['batch']} {r['p50_us']:.1f}" for r in j["results"]) + " µs")
            loads_seen.append(os.getloadavg()[0])
            j = DB.ort_bench(onnx_path, rows_npy, t, B, S, W, identity=os.path.join(d, "identity.onnx"),
                             output=meta["timed_output"], load_repeats=args.load_repeats)
            m["ort"][str(t)] = j
            log(f"   ORT   T={t}: " + ", ".join(f"b{r['batch']} {r['p50_us']:.1f}" for r in j["results"]) +
                f" µs; session {j['load_ms']:.1f} ms (then median {j['load_ms_median']:.1f} ms)")
            loads_seen.append(os.getloadavg()[0])
    res["load_end"] = os.getloadavg()
    res["load_1min_during"] = {"min": min(loads_seen), "max": max(loads_seen),
                               "mean": float(np.mean(loads_seen))} if loads_seen else None
    res["seconds_total"] = round(time.time() - t_start, 1)
    out_json = os.path.join(work, "results.json")
    with open(out_json, "w") as f:
        json.dump(res, f, indent=1)
    import report
    report.write(res, args.out)
    log(f"wrote {out_json} and the ONNX section of {args.out} ({res['seconds_total']} s)")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd")
    r = sub.add_parser("run")
    r.add_argument("--xylem", default=os.path.join(REPO, "build-bench", "xylem"))
    r.add_argument("--work", default=os.path.join(HERE, "work"))
    r.add_argument("--out", default=os.path.join(REPO, "bench", "RESULTS.md"))
    r.add_argument("--models", default="gbc_pipeline,rf_regressor,lgbm_binary,mlp_regressor")
    r.add_argument("--threads", default="1,2")
    r.add_argument("--batch-sizes", default="1,256,10000")
    r.add_argument("--seconds", type=float, default=2.0, help="timed seconds per engine, thread count and batch")
    r.add_argument("--warmup", type=float, default=0.5)
    r.add_argument("--load-repeats", type=int, default=5, help="timed loads per engine (after one untimed)")
    r.add_argument("--check-rows", type=int, default=500, help="rows on which xylem and ORT must agree")
    r.add_argument("--command-line", default="python " + " ".join(sys.argv))
    a = ap.parse_args()
    if a.cmd == "run":
        main_run(a)
    else:
        ap.print_help()


if __name__ == "__main__":
    main()
