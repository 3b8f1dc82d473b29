"""Side-by-side benchmark: xylem against XGBoost, LightGBM, ONNX Runtime, Treelite GTIL,
TL2cgen and lleaves, on the same model files, rows and thread counts. Writes
bench/RESULTS.md and WORK/results.json. Run it through run.sh (which builds the venv).

  python bench.py [--xylem build/xylem] [--quick] [--models ...] [--engines ...]

Every (model, engine, thread count) is timed in its own fresh process (`bench.py worker`),
with OMP_NUM_THREADS set to the thread count as well as the engine's own thread option, so
that no engine's idle thread pool competes with the next one's timing.
"""
import argparse
import datetime
import gc
import json
import os
import platform
import shutil
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

import engines as E  # noqa: E402


# ------------------------------------------------------------------ timing (worker side)

def time_calls(fn, inputs, seconds, warmup, min_calls):
    """Calls fn on inputs (cycled) for `warmup` s untimed (at least one call), then for
    `seconds` s (at least min_calls calls), each call timed alone. Returns statistics in µs."""
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


def worker(args):
    with open(os.path.join(args.model_dir, "meta.json")) as f:
        meta = json.load(f)
    eng = E.ENGINES[args.engine]
    X = np.load(os.path.join(args.model_dir, "rows.npy"))
    state = eng.load(args.model_dir, meta, args.threads, load_repeats=args.load_repeats)
    res = {"engine": eng.name, "model": meta["name"], "threads": args.threads, "load_ms": state["load_ms"],
           "input_dtype": np.dtype(eng.input_dtype(meta)).name, "results": []}
    if args.save_pred:
        out = eng.as_matrix(eng.predict(state, eng.batch_input(state, X)), meta)
        np.save(args.save_pred, out)
    for batch in [int(b) for b in args.batch_sizes.split(",")]:
        if batch == 1:
            inputs = eng.row_inputs(state, X)
            min_calls = 20
        else:
            reps = -(-batch // X.shape[0])
            inputs = [eng.batch_input(state, np.tile(X, (reps, 1))[:batch])]
            min_calls = args.min_calls_big
        r = time_calls(lambda inp: eng.predict(state, inp), inputs, args.seconds, args.warmup, min_calls)
        r["batch"] = batch
        r["rows_per_s"] = batch * 1e6 / r["mean_us"]
        res["results"].append(r)
        del inputs
    print(json.dumps(res))


def prepare_worker(args):
    with open(os.path.join(args.model_dir, "meta.json")) as f:
        meta = json.load(f)
    rec = E.ENGINES[args.engine].prepare(args.model_dir, meta)
    print(json.dumps(rec))


# ------------------------------------------------------------------ driver

def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def worker_env(threads):
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = str(threads)
    env["PYTHONHASHSEED"] = "0"
    return env


def xylem_version(xylem):
    try:
        v = subprocess.run([xylem, "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        v = ""
    g = subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty", "--tags"], capture_output=True,
                       text=True).stdout.strip()
    return v, g


def xylem_build_type(xylem):
    cache = os.path.join(os.path.dirname(xylem), "CMakeCache.txt")
    try:
        with open(cache) as f:
            for line in f:
                if line.startswith("CMAKE_BUILD_TYPE:"):
                    return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return ""


def xylem_has_bench(xylem):
    p = subprocess.run([xylem, "bench", "--help"], capture_output=True, text=True)
    return p.returncode == 0 and "--batch-sizes" in p.stdout


def xylem_reference(xylem, model_dir, meta, src):
    out_csv = os.path.join(model_dir, "xylem_pred.csv")
    subprocess.run([xylem, "predict", src, os.path.join(model_dir, "rows.csv"), "-o", out_csv, "--threads",
                    str(os.cpu_count() or 1)], check=True, capture_output=True, text=True)
    out = np.loadtxt(out_csv, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    # xylem prints XGBoost's float32 outputs as the shortest text that reads back to the
    # same float32: read as float64, "0.1" is not (double)0.1f. Round them back.
    return out.astype(np.float32).astype(np.float64) if meta["library"] == "xgboost" else out


def library_reference(model_dir, meta):
    """The training library's own predictions (used when xylem is not available)."""
    X = np.load(os.path.join(model_dir, "rows.npy"))
    path = os.path.join(model_dir, meta["model_file"])
    if meta["library"] == "xgboost":
        import xgboost as xgb
        out = xgb.Booster(model_file=path).inplace_predict(X.astype(np.float32))
    else:
        import lightgbm as lgb
        out = lgb.Booster(model_file=path).predict(X)
    out = np.asarray(out, dtype=np.float64)
    return out.reshape(out.shape[0], -1)


def xylem_bench(xylem, src, data, threads, batches, seconds, warmup):
    cmd = [xylem, "bench", src, "--data", data, "--batch-sizes", batches, "--threads", str(threads),
           "--seconds", str(seconds), "--warmup", str(warmup), "--format", "json"]
    p = subprocess.run(cmd, capture_output=True, text=True, env=worker_env(threads))
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {p.stderr.strip()[-2000:]}")
    return json.loads(p.stdout), cmd


def cpu_info():
    model = ""
    flags = []
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name") and not model:
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                flags = line.split(":", 1)[1].split()
    isa = [x for x in ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl"] if x in flags]
    return {"model": model, "logical_cpus": os.cpu_count(), "isa": isa,
            "affinity": len(os.sched_getaffinity(0))}


def versions():
    from importlib.metadata import version, PackageNotFoundError
    out = {"python": platform.python_version()}
    for d in ["xgboost-cpu", "lightgbm", "onnxruntime", "onnxmltools", "onnx", "treelite", "tl2cgen", "lleaves",
              "llvmlite", "numpy", "scikit-learn"]:
        try:
            out[d] = version(d)
        except PackageNotFoundError:
            out[d] = None
    out["gcc"] = subprocess.run(["gcc", "-dumpfullversion"], capture_output=True, text=True).stdout.strip()
    return out


def main_run(args):
    t_start = time.time()
    load_start = os.getloadavg()[0]
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    xylem = os.path.abspath(args.xylem)
    models = args.models.split(",")
    engines = [e for e in args.engines.split(",") if e]
    threads_list = [int(t) for t in args.threads.split(",")]
    batches = args.batch_sizes
    seconds, warmup = args.seconds, args.warmup

    # 1. models (cached)
    import make_models
    metas = {}
    for m in models:
        metas[m] = make_models.train(m, work, os.cpu_count() or 1)

    have_xylem = os.path.exists(xylem) and os.access(xylem, os.X_OK)
    have_bench = have_xylem and xylem_has_bench(xylem)
    xv, gd = xylem_version(xylem) if have_xylem else ("", "")
    if not have_xylem:
        log(f"xylem binary {xylem} not found: xylem is left out, outputs are compared with the training library")
    elif not have_bench:
        log(f"{xylem} has no `bench` subcommand yet: xylem timings are left out")

    shown = os.path.relpath(xylem, REPO) if xylem.startswith(REPO + os.sep) else xylem
    results = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "cpu": cpu_info(), "versions": versions(), "xylem": {"binary": shown, "version": xv, "git": gd,
                                                                    "build_type": xylem_build_type(xylem),
                                                                    "bench_available": have_bench},
               "settings": {"seconds": seconds, "warmup": warmup, "threads": threads_list, "batch_sizes": batches,
                            "load_repeats": args.load_repeats, "quick": args.quick},
               "command": args.command_line, "models": {}}

    for m in models:
        meta = metas[m]
        mdir = os.path.join(work, "models", m)
        src = os.path.join(mdir, meta["model_file"])
        mres = {"meta": meta, "engines": {}, "prepare": {}, "reference": None}
        results["models"][m] = mres
        log(f"== {m}: {meta['description']}")

        # 2. reference outputs and the xylem model file
        xsrc, ref = None, None
        if have_xylem:
            try:
                xsrc = os.path.join(mdir, "model.xylem.json")
                t0 = time.time()
                p = subprocess.run([xylem, "convert", src, "-o", xsrc], capture_output=True, text=True)
                if p.returncode != 0:
                    raise RuntimeError(f"xylem convert failed: {p.stderr.strip()[-1000:]}")
                mres["prepare"]["xylem"] = {"seconds": round(time.time() - t0, 2),
                                            "note": "xylem convert -> xylem JSON"}
                ref = xylem_reference(xylem, mdir, meta, xsrc)
                mres["reference"] = "xylem predict"
            except Exception as ex:
                log(f"   xylem: ERROR {str(ex)[:500]}")
                mres["engines"]["xylem"] = {"error": str(ex)}
                xsrc = None
        if ref is None:
            ref = library_reference(mdir, meta)
            mres["reference"] = meta["library"]

        # 3. xylem timings
        if have_bench and xsrc:
            xr = {"threads": {}, "load": {}}
            try:
                for t in threads_list:
                    j, cmd = xylem_bench(xylem, xsrc, os.path.join(mdir, "rows.csv"), t, batches, seconds, warmup)
                    xr["threads"][str(t)] = j
                    log(f"   xylem T={t}: " + ", ".join(f"b{r['batch']} p50 {r['p50_us']:.2f} us"
                                                      for r in j["results"]))
                head = os.path.join(mdir, "rows_head.csv")
                for label, path in [("xylem_json", xsrc), ("original", src)]:
                    loads = []
                    for _ in range(args.load_repeats + 1):
                        j, _ = xylem_bench(xylem, path, head, 1, "1", 0.001, 0)
                        loads.append(j["load_ms"])
                    xr["load"][label] = {"median_ms": float(np.median(loads[1:])), "all_ms": loads, "file": path,
                                         "memory_bytes": j.get("memory_bytes")}
                xr["engine"] = xr["threads"][str(threads_list[0])].get("engine")
                xr["max_abs_diff"] = 0.0
                log(f"   xylem load: xylem JSON {xr['load']['xylem_json']['median_ms']:.2f} ms, "
                    f"{meta['model_file']} {xr['load']['original']['median_ms']:.2f} ms")
            except Exception as ex:
                xr = {"error": str(ex)}
                log(f"   xylem: ERROR {str(ex)[:500]}")
            mres["engines"]["xylem"] = xr

        # 4. the other engines
        for name in engines:
            eng = E.ENGINES[name]
            if not eng.supports(meta):
                continue
            er = {"threads": {}}
            try:
                p = subprocess.run([sys.executable, __file__, "prepare", "--model-dir", mdir, "--engine", name],
                                   capture_output=True, text=True, env=worker_env(os.cpu_count() or 1))
                if p.returncode != 0:
                    raise RuntimeError(f"prepare failed: {p.stderr.strip()[-1500:]}")
                prep = json.loads(p.stdout.strip().splitlines()[-1])
                if prep:
                    mres["prepare"][name] = prep
                for t in threads_list:
                    pred_path = os.path.join(mdir, f"pred_{name}.npy")
                    cmd = [sys.executable, __file__, "worker", "--model-dir", mdir, "--engine", name, "--threads",
                           str(t), "--seconds", str(seconds), "--warmup", str(warmup), "--batch-sizes", batches,
                           "--load-repeats", str(args.load_repeats), "--min-calls-big", str(args.min_calls_big)]
                    if t == threads_list[0]:
                        cmd += ["--save-pred", pred_path]
                    p = subprocess.run(cmd, capture_output=True, text=True, env=worker_env(t))
                    if p.returncode != 0:
                        raise RuntimeError(f"worker failed (T={t}): {p.stderr.strip()[-1500:]}")
                    j = json.loads(p.stdout.strip().splitlines()[-1])
                    er["threads"][str(t)] = j
                    er["input_dtype"] = j["input_dtype"]
                    er["load_ms"] = j["load_ms"] if t == threads_list[0] else er.get("load_ms")
                    log(f"   {name} T={t}: " + ", ".join(f"b{r['batch']} p50 {r['p50_us']:.2f} us"
                                                     for r in j["results"]))
                pred = np.load(pred_path)
                if pred.shape != ref.shape:
                    er["max_abs_diff"] = None
                    er["diff_note"] = f"output shape {pred.shape} vs reference {ref.shape}"
                else:
                    er["max_abs_diff"] = float(np.max(np.abs(pred - ref)))
                log(f"   {name}: max |diff| vs {mres['reference']} = {er.get('max_abs_diff')}")
            except Exception as ex:  # an engine that fails is reported, not fatal
                er["error"] = str(ex)
                log(f"   {name}: ERROR {str(ex)[:500]}")
            mres["engines"][name] = er
        results["models"][m] = mres

    results["elapsed_s"] = round(time.time() - t_start, 1)
    results["loadavg"] = {"start": load_start, "end": os.getloadavg()[0]}
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    import report
    text = report.render(results)
    # Keep the dense and ONNX benchmarks' sections (bench/dense_side_by_side and
    # bench/onnx_side_by_side write them between markers).
    if os.path.exists(args.out):
        with open(args.out) as f:
            old = f.read()
        for tag in ("dense", "onnx"):
            begin, end = old.find(f"<!-- {tag}:begin -->"), old.find(f"<!-- {tag}:end -->")
            if begin >= 0 and end > begin:
                text = text.rstrip("\n") + "\n\n" + old[begin:end + len(f"<!-- {tag}:end -->")] + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    log(f"wrote {args.out} and {os.path.join(work, 'results.json')} in {results['elapsed_s']:.0f} s")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd")
    w = sub.add_parser("worker")
    w.add_argument("--model-dir", required=True)
    w.add_argument("--engine", required=True)
    w.add_argument("--threads", type=int, default=1)
    w.add_argument("--seconds", type=float, default=2.0)
    w.add_argument("--warmup", type=float, default=0.5)
    w.add_argument("--batch-sizes", default="1,10000")
    w.add_argument("--load-repeats", type=int, default=5)
    w.add_argument("--min-calls-big", type=int, default=3)
    w.add_argument("--save-pred")
    pw = sub.add_parser("prepare")
    pw.add_argument("--model-dir", required=True)
    pw.add_argument("--engine", required=True)
    r = sub.add_parser("run")
    r.add_argument("--xylem", default=os.path.join(REPO, "build", "xylem"), help="the xylem binary (default build/xylem)")
    r.add_argument("--work", default=os.path.join(HERE, "work"))
    r.add_argument("--out", default=os.path.join(REPO, "bench", "RESULTS.md"))
    r.add_argument("--models", default="higgs,taxi,covtype,epsilon")
    r.add_argument("--engines", default=",".join(E.ALL))
    r.add_argument("--threads", default="1,2")
    r.add_argument("--batch-sizes", default="1,10000")
    r.add_argument("--seconds", type=float, default=2.0, help="timed seconds per engine, thread count and batch")
    r.add_argument("--warmup", type=float, default=0.5)
    r.add_argument("--load-repeats", type=int, default=5)
    r.add_argument("--min-calls-big", type=int, default=3, help="at least this many timed calls at batch > 1")
    r.add_argument("--quick", action="store_true", help="0.5 s per measurement, 2 load repeats, models higgs,taxi")
    r.add_argument("--command-line", default="python " + " ".join(sys.argv))
    args = ap.parse_args()
    if args.cmd == "worker":
        worker(args)
    elif args.cmd == "prepare":
        prepare_worker(args)
    elif args.cmd == "run":
        if args.quick:
            args.seconds, args.warmup, args.load_repeats = min(args.seconds, 0.5), min(args.warmup, 0.2), 2
            if args.models == "higgs,taxi,covtype,epsilon":
                args.models = "higgs,taxi"
        main_run(args)
    else:
        ap.print_help()


if __name__ == "__main__":
    main()
