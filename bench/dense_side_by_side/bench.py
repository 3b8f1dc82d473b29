"""Dense side-by-side benchmark: xylem's dense engine against ONNX Runtime and OpenBLAS on
an MLP and a logistic regression (scikit-learn). Run it through run.sh.

  python bench.py run [--xylem build-bench/xylem] [--threads 1,2] [--seconds 2] [--models mlp,logreg]
  python bench.py ort-worker --onnx M.onnx --rows rows.npy --threads T ...   (one ORT timing, own process)

Writes WORK/results.json and the dense section of bench/RESULTS.md (report.py), between
<!-- dense:begin --> and <!-- dense:end -->; the rest of the file is kept as it is.
"""
import argparse
import datetime
import gc
import json
import os
import platform
import re
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ------------------------------------------------------------------ ORT worker

def time_calls(fn, inputs, seconds, warmup, min_calls):
    """As bench/side_by_side/bench.py: warm-up, then each call timed alone; µs statistics."""
    n = len(inputs)
    i = 0
    end = time.perf_counter() + warmup
    while True:
        fn(inputs[i % n])
        i += 1
        if time.perf_counter() >= end:
            break
    samples = []
    gc.collect()
    gc.disable()
    try:
        limit = int(seconds * 1e9)
        begin = time.perf_counter_ns()
        while True:
            x = inputs[i % n]
            i += 1
            a = time.perf_counter_ns()
            fn(x)
            b = time.perf_counter_ns()
            samples.append(b - a)
            if len(samples) >= min_calls and b - begin >= limit:
                break
    finally:
        gc.enable()
    s = np.sort(np.array(samples, dtype=np.float64)) / 1e3

    def pct(p):  # nearest rank, as xylem bench
        k = int(np.ceil(p * len(s)))
        return float(s[min(max(k, 1), len(s)) - 1])

    return {"calls": len(s), "p50_us": pct(0.5), "p90_us": pct(0.9), "p99_us": pct(0.99),
            "max_us": float(s[-1]), "mean_us": float(s.mean())}


def batch_views(X, batch):
    """Like `xylem bench`: consecutive rows, the start moving on by `batch` each call, the file
    cycled; every view is C-contiguous and made before the clock starts."""
    n = X.shape[0]
    Xc = np.ascontiguousarray(np.concatenate([X, X[:batch - 1]]) if batch > 1 else X)
    return [Xc[s:s + batch] for s in range(0, n, batch)]


def ort_session(path, threads):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def ort_worker(args):
    X = np.load(args.rows).astype(np.float32)
    t0 = time.perf_counter()
    sess = ort_session(args.onnx, args.threads)
    load_ms = (time.perf_counter() - t0) * 1e3
    out_name = args.output or sess.get_outputs()[0].name
    in_name = sess.get_inputs()[0].name
    res = {"onnx": os.path.basename(args.onnx), "threads": args.threads, "load_ms": load_ms, "output": out_name,
           "results": []}
    if args.load_repeats:  # more session creations in this process, after the first (timed above)
        loads = []
        for _ in range(args.load_repeats):
            t0 = time.perf_counter()
            ort_session(args.onnx, args.threads)
            loads.append((time.perf_counter() - t0) * 1e3)
        res["load_ms_repeats"] = loads
        res["load_ms_median"] = float(np.median(loads))
    if args.save_pred:
        np.save(args.save_pred, sess.run([out_name], {in_name: X})[0].astype(np.float64))
    ident = ort_session(args.identity, args.threads) if args.identity else None
    for batch in [int(b) for b in args.batch_sizes.split(",")]:
        inputs = batch_views(X, batch)
        if ident is not None and batch <= 16:
            # paired: the model and the Identity model called alternately on the same inputs, so
            # the overhead estimate sees the same machine state as the model's timing
            samples = {"model": [], "identity": []}

            def both(x):
                a = time.perf_counter_ns()
                sess.run([out_name], {in_name: x})
                b = time.perf_counter_ns()
                ident.run(["output"], {"input": x})
                c = time.perf_counter_ns()
                samples["model"].append(b - a)
                samples["identity"].append(c - b)
            time_calls(both, inputs, args.seconds, args.warmup, 20)
            stats = {}
            for k, v in samples.items():
                v = np.sort(np.array(v[len(v) // 10:], dtype=np.float64)) / 1e3   # drop the first 10% (warm-up)

                def pct(p):
                    i = int(np.ceil(p * len(v)))
                    return float(v[min(max(i, 1), len(v)) - 1])
                stats[k] = {"calls": len(v), "p50_us": pct(0.5), "p90_us": pct(0.9), "p99_us": pct(0.99),
                            "max_us": float(v[-1]), "mean_us": float(v.mean())}
            r = stats["model"]
            r["paired_identity"] = stats["identity"]
        else:
            r = time_calls(lambda x: sess.run([out_name], {in_name: x}), inputs, args.seconds, args.warmup,
                           20 if batch < 256 else args.min_calls_big)
        r["batch"] = batch
        r["rows_per_s"] = batch * 1e6 / r["mean_us"]
        res["results"].append(r)
        del inputs
    print(json.dumps(res))


# ------------------------------------------------------------------ driver helpers

def env_for(threads):
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = str(threads)
    env["OPENBLAS_NUM_THREADS"] = str(threads)
    env["PYTHONHASHSEED"] = "0"
    return env


def run_json(cmd, threads):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env_for(threads))
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()[-2000:]}")
    return json.loads(p.stdout)


def xylem_bench(xylem, model, rows, threads, batches, seconds, warmup, extra=()):
    return run_json([xylem, "bench", model, "--data", rows, "--batch-sizes", batches, "--threads", str(threads),
                     "--seconds", str(seconds), "--warmup", str(warmup), "--format", "json", *extra], threads)


def ort_bench(onnx, rows, threads, batches, seconds, warmup, save_pred=None, identity=None, output=None,
              load_repeats=0):
    cmd = [sys.executable, os.path.abspath(__file__), "ort-worker", "--onnx", onnx, "--rows", rows, "--threads",
           str(threads), "--batch-sizes", batches, "--seconds", str(seconds), "--warmup", str(warmup)]
    if output:
        cmd += ["--output", output]
    if load_repeats:
        cmd += ["--load-repeats", str(load_repeats)]
    if identity:
        cmd += ["--identity", identity]
    if save_pred:
        cmd += ["--save-pred", save_pred]
    return run_json(cmd, threads)


def xylem_predict(xylem, model, rows, out_csv, extra=()):
    p = subprocess.run([xylem, "predict", model, rows, "-o", out_csv, *extra], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"xylem predict {model} failed: {p.stderr.strip()[-1000:]}")
    return np.loadtxt(out_csv, delimiter=",", skiprows=1, ndmin=2)


def cpu_info():
    model, flags = "", []
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name") and not model:
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                flags = line.split(":", 1)[1].split()
    isa = [x for x in ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx_vnni"] if x in flags]
    return {"model": model, "logical_cpus": os.cpu_count(), "isa": isa, "affinity": len(os.sched_getaffinity(0))}


def versions(xylem, dists=("onnxruntime", "onnx", "skl2onnx", "scikit-learn", "numpy")):
    from importlib.metadata import version
    out = {"python": platform.python_version()}
    for d in dists:
        out[d] = version(d)
    out["xylem"] = subprocess.run([xylem, "--version"], capture_output=True, text=True).stdout.strip()
    out["git"] = subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty", "--tags"], capture_output=True,
                                text=True).stdout.strip()
    out["gcc"] = subprocess.run(["gcc", "-dumpfullversion"], capture_output=True, text=True).stdout.strip()
    out["openblas_pkgconfig"] = subprocess.run(["pkg-config", "--modversion", "openblas"], capture_output=True,
                                               text=True).stdout.strip()
    return out


def tiny_model(work):
    """A 1-feature, 1-output float32 network (one identity layer): `xylem bench` on it is the
    per-call cost of Model::predict and the bench loop, with next to no arithmetic."""
    import make_models as MM
    d = os.path.join(work, "models", "tiny")
    os.makedirs(d, exist_ok=True)
    r = {"features": 1, "classes": 1}
    m = MM.xylem_common("tiny", r, "identity", "float32")
    m["task"] = "regression"
    m["output"]["transform"] = "identity"
    m["network"] = {"precision": "float32", "layers": [{"inputs": 1, "outputs": 1, "activation": "identity",
                                                        "bias": [0.0], "weights": [1.0]}]}
    path = os.path.join(d, "model.xylem.json")
    MM.write_json(path, m)
    rows = os.path.join(d, "rows.csv")
    if not os.path.exists(rows):
        MM.write_csv(rows, np.round(np.random.default_rng(0).normal(size=(10000, 1)), 3), "%.3f")
    return path, rows


# ------------------------------------------------------------------ run

def main_run(args):
    import make_models as MM
    t_start = time.time()
    work = os.path.abspath(args.work)
    xylem = os.path.abspath(args.xylem)
    threads_list = [int(t) for t in args.threads.split(",")]
    B = args.batch_sizes
    S, W = args.seconds, args.warmup
    models = args.models.split(",")
    metas = {m: MM.make(m, work) for m in models}
    gemm_bin = subprocess.run(["bash", os.path.join(HERE, "build_openblas_gemm.sh"), os.path.join(work, "openblas_gemm")],
                              capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    load_start = os.getloadavg()
    res = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "cpu": cpu_info(), "versions": versions(xylem),
           "xylem_binary": os.path.relpath(xylem, REPO) if xylem.startswith(REPO + os.sep) else xylem,
           "settings": {"seconds": S, "warmup": W, "threads": threads_list, "batch_sizes": B},
           "command": args.command_line, "load_start": load_start, "models": {}}

    # per-call overhead: ORT Identity and a 1×1 xylem network
    tiny, tiny_rows = tiny_model(work)
    res["overhead"] = {"xylem_tiny": {}}
    for t in threads_list:
        res["overhead"]["xylem_tiny"][str(t)] = xylem_bench(xylem, tiny, tiny_rows, t, "1,16", S, W)

    for name in models:
        meta = metas[name]
        d = os.path.join(work, "models", name)
        rows_csv, rows_npy = os.path.join(d, "rows.csv"), os.path.join(d, "rows.npy")
        m = {"meta": meta, "variants": {}, "ort": {}, "identity": {}, "openblas": {}}
        res["models"][name] = m
        log(f"== {name}: {meta['description']}")

        # int8 conversion (with the engine of this build)
        f32 = os.path.join(d, "model.xylem.json")
        i8 = os.path.join(d, "model.int8.xylem.json")
        p = subprocess.run([xylem, "convert", f32, "-o", i8, "--quantize", "int8", "--calibration",
                            os.path.join(d, "calib.csv")], capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"xylem convert --quantize int8 failed: {p.stderr}")
        m["int8_convert_output"] = (p.stdout + p.stderr).strip().replace(d + os.sep, "")
        log("   " + m["int8_convert_output"].replace("\n", "\n   "))
        mode = re.search(r"(static|dynamic) input scales", m["int8_convert_output"])
        m["int8_default_mode"] = mode.group(1) if mode else "?"
        # the same with static input scales (one per layer, from the calibration rows)
        i8s = os.path.join(d, "model.int8static.xylem.json")
        p = subprocess.run([xylem, "convert", f32, "-o", i8s, "--quantize", "int8", "--int8-inputs", "static",
                            "--calibration", os.path.join(d, "calib.csv")], capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"xylem convert --quantize int8 --int8-inputs static failed: {p.stderr}")
        m["int8_static_convert_output"] = (p.stdout + p.stderr).strip().replace(d + os.sep, "")
        variants = {"xylem_f32": f32, "xylem_int8": i8, "xylem_int8_static": i8s,
                    "xylem_f64": os.path.join(d, "model.f64.xylem.json")}

        # correctness: predictions on the 10000 held-out rows
        sk = np.load(os.path.join(d, "sklearn_proba.npy"))
        preds = {v: xylem_predict(xylem, path, rows_csv, os.path.join(d, f"pred_{v}.csv"))
                 for v, path in variants.items()}
        onnx_files = {"ort": os.path.join(d, "model.onnx")}
        if os.path.exists(os.path.join(d, "model.matmul.onnx")):
            onnx_files["ort_matmul"] = os.path.join(d, "model.matmul.onnx")
        y_true = None
        acc = {}
        for v, pr in preds.items():
            acc[v] = {"max_abs_diff_vs_sklearn": float(np.max(np.abs(pr - sk))),
                      "argmax_agrees_with_sklearn": float(np.mean(pr.argmax(1) == sk.argmax(1)))}
        a32 = preds["xylem_f32"].argmax(1)
        srt = np.sort(preds["xylem_f32"], axis=1)
        gap = srt[:, -1] - srt[:, -2]
        m["f32_top2_gap"] = {"median": float(np.median(gap)), "share_below_0.05": float(np.mean(gap < 0.05))}
        for v in ["xylem_int8", "xylem_int8_static"]:
            changed = preds[v].argmax(1) != a32
            acc[v]["argmax_agrees_with_f32"] = float(1 - np.mean(changed))
            acc[v]["max_abs_diff_vs_f32"] = float(np.max(np.abs(preds[v] - preds["xylem_f32"])))
            acc[v]["mean_abs_diff_vs_f32"] = float(np.mean(np.abs(preds[v] - preds["xylem_f32"])))
            acc[v]["max_top2_gap_of_changed"] = float(gap[changed].max()) if changed.any() else 0.0
            acc[v]["rows"] = int(a32.shape[0])
        m["accuracy"] = acc
        log(f"   int8 vs float32: argmax unchanged on {acc['xylem_int8']['argmax_agrees_with_f32']:.2%} of "
            f"{a32.shape[0]} rows; max |p diff| {acc['xylem_int8']['max_abs_diff_vs_f32']:.3g}")

        # timings, per thread count, each in its own process
        for t in threads_list:
            for v, path in variants.items():
                j = xylem_bench(xylem, path, rows_csv, t, B, S, W)
                m["variants"].setdefault(v, {})[str(t)] = j
                log(f"   {v} T={t} ({j['engine']}, input {j['input']}): " +
                    ", ".join(f"b{r['batch']} {r['p50_us']:.1f}" for r in j["results"]) + " µs")
            for v, path in onnx_files.items():
                save = os.path.join(d, f"pred_{v}.npy") if t == 1 else None
                j = ort_bench(path, rows_npy, t, B, S, W, save_pred=save, identity=os.path.join(d, "identity.onnx"))
                m["ort"].setdefault(v, {})[str(t)] = j
                log(f"   {v} T={t}: " + ", ".join(f"b{r['batch']} {r['p50_us']:.1f}" for r in j["results"]) + " µs")
                if save:
                    po = np.load(save)
                    acc[v] = {"max_abs_diff_vs_sklearn": float(np.max(np.abs(po - sk))),
                              "argmax_agrees_with_sklearn": float(np.mean(po.argmax(1) == sk.argmax(1)))}
            j = ort_bench(os.path.join(d, "identity.onnx"), rows_npy, t, B, S, W)
            m["identity"][str(t)] = j
            log(f"   ORT Identity T={t}: " + ", ".join(f"b{r['batch']} {r['p50_us']:.1f}" for r in j["results"]) + " µs")
            # components: margins only (no softmax); both sides of the kernels/BLAS switch
            # (engine/compiled/dense_engine.h: kDenseBlasMinRows = 32)
            m.setdefault("xylem_f32_margin", {})[str(t)] = xylem_bench(xylem, f32, rows_csv, t, "1,16", S, W,
                                                                       ["--margin"])
            m.setdefault("xylem_f32_switch", {})[str(t)] = xylem_bench(xylem, f32, rows_csv, t, "31,32,64", S, W)
            # OpenBLAS alone, same layer shapes
            shapes = ",".join(f"{k}x{n}" for k, n in meta["layers"])
            # whole: one call per layer on the 10000 rows, OpenBLAS on T threads; blocked: as xylem's
            # engine runs it (T threads, 256-row blocks, OpenBLAS on 1 thread each), without and
            # with the copy of each block's input; m32: one 32-row call (the BLAS side of the switch)
            configs = {"whole": ["--m", "10000"], "blocked": ["--m", "10000", "--block", "256"],
                       "blocked_copy": ["--m", "10000", "--block", "256", "--copy-input"], "m32": ["--m", "32"]}
            for dtype, extra in [("float32", []), ("float64", ["--double"])]:
                for cname, cargs in configs.items():
                    if cname == "m32" and t != 1:
                        continue
                    j = run_json([gemm_bin, *cargs, "--layers", shapes, "--threads", str(t), "--seconds", str(S),
                                  *extra], t)
                    m["openblas"].setdefault(dtype, {}).setdefault(str(t), {})[cname] = j
            ob = m["openblas"]["float32"][str(t)]
            log(f"   OpenBLAS sgemm T={t}, 10000 rows: whole {ob['whole']['total_median_ms']:.2f} ms, "
                f"256-row blocks {ob['blocked']['total_median_ms']:.2f} ms, with input copy "
                f"{ob['blocked_copy']['total_median_ms']:.2f} ms")
    res["load_end"] = os.getloadavg()
    res["seconds_total"] = round(time.time() - t_start, 1)
    out_json = os.path.join(work, "results.json")
    with open(out_json, "w") as f:
        json.dump(res, f, indent=1)
    import report
    report.write(res, args.out)
    log(f"wrote {out_json} and the dense section of {args.out} ({res['seconds_total']} s)")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd")
    w = sub.add_parser("ort-worker")
    w.add_argument("--onnx", required=True)
    w.add_argument("--rows", required=True)
    w.add_argument("--threads", type=int, default=1)
    w.add_argument("--batch-sizes", default="1,16,256,10000")
    w.add_argument("--seconds", type=float, default=2.0)
    w.add_argument("--warmup", type=float, default=0.5)
    w.add_argument("--min-calls-big", type=int, default=5)
    w.add_argument("--save-pred")
    w.add_argument("--identity", help="an Identity model timed alternately with the model at batches <= 16")
    w.add_argument("--output", help="the output to compute (default: the graph's first)")
    w.add_argument("--load-repeats", type=int, default=0, help="session creations timed after the first")
    r = sub.add_parser("run")
    r.add_argument("--xylem", default=os.path.join(REPO, "build-bench", "xylem"))
    r.add_argument("--work", default=os.path.join(HERE, "work"))
    r.add_argument("--out", default=os.path.join(REPO, "bench", "RESULTS.md"))
    r.add_argument("--models", default="mlp,logreg")
    r.add_argument("--threads", default="1,2")
    r.add_argument("--batch-sizes", default="1,16,256,10000")
    r.add_argument("--seconds", type=float, default=2.0, help="timed seconds per engine, thread count and batch")
    r.add_argument("--warmup", type=float, default=0.5)
    r.add_argument("--command-line", default="python " + " ".join(sys.argv))
    a = ap.parse_args()
    if a.cmd == "ort-worker":
        ort_worker(a)
    elif a.cmd == "run":
        main_run(a)
    else:
        ap.print_help()


if __name__ == "__main__":
    main()
