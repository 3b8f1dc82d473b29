"""Renders the dense benchmark's results.json as a section of bench/RESULTS.md.

  python report.py work/results.json [bench/RESULTS.md]   (bench.py run calls write() itself)

Only the text between BEGIN and END is replaced (the section is appended when the markers are
missing); the tree benchmark's sections are left as they are.
"""
import json
import os
import sys

BEGIN = "<!-- dense:begin -->"
END = "<!-- dense:end -->"
BATCHES = [1, 16, 256, 10000]
LABEL = {"xylem_f32": "xylem float32", "xylem_int8": "xylem int8", "xylem_int8_static": "xylem int8, static input scales",
         "xylem_f64": "xylem float64",
         "ort": "ONNX Runtime (skl2onnx)", "ort_matmul": "ONNX Runtime (MatMul+Add+Softmax)"}


def fnum(v, digits=3):
    if v is None:
        return "–"
    if v >= 1000:
        return f"{v:,.0f}"
    if v >= 100:
        return f"{v:.1f}"
    return f"{v:.{digits - 1}f}" if v >= 10 else f"{v:.{digits}f}".rstrip("0").rstrip(".") if v < 1 else f"{v:.2f}"


def frate(r):
    if r is None:
        return "–"
    if r >= 1e6:
        return f"{r / 1e6:.2f} M"
    return f"{r / 1e3:.1f} k"


def by_batch(j):
    return {r["batch"]: r for r in j["results"]} if j else {}


def ratio(v, ref):
    return f" (×{v / ref:.2f})" if v and ref else ""


def engine_rows(m, t):
    """(key, label, results by batch) for one thread count, xylem first."""
    out = []
    for v in ["xylem_f32", "xylem_int8", "xylem_int8_static", "xylem_f64"]:
        j = m["variants"].get(v, {}).get(str(t))
        if j:
            lab = LABEL[v] + f" ({j['engine']})"
            out.append((v, lab, by_batch(j)))
    for v in ["ort", "ort_matmul"]:
        j = m["ort"].get(v, {}).get(str(t))
        if j:
            out.append((v, LABEL[v], by_batch(j)))
    return out


def model_section(name, m, threads, L):
    meta = m["meta"]
    L.append(f"### {name}: {meta['description']}")
    L.append("")
    shapes = " → ".join([str(meta["layers"][0][0])] + [str(n) for _, n in meta["layers"]])
    L.append(f"Layers {shapes}; trained on {meta['recipe']['train_rows']:,} rows in {meta['train_seconds']} s "
             f"(test accuracy {meta['test_accuracy']:.4f}); parameters {meta['param_dtype']}; ONNX ops "
             f"{', '.join(meta['onnx_ops'])}; xylem float64 variant: {meta['f64_variant']}. "
             f"{meta['test_rows']:,} held-out rows.")
    L.append("")
    L.append("| engine | thr | b1 p50 µs | b1 p99 µs | b16 p50 µs | b16 p99 µs | b256 p50 µs | b256 rows/s | "
             "b10000 p50 ms | b10000 rows/s |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for t in threads:
        rows = engine_rows(m, t)
        ref = rows[0][2] if rows and rows[0][0] == "xylem_f32" else {}
        for key, lab, r in rows:
            is_ref = key == "xylem_f32"

            def cell(b, field, scale=1.0, with_r=True):
                v = r.get(b, {}).get(field)
                if v is None:
                    return "–"
                rv = ref.get(b, {}).get(field)
                return fnum(v * scale) + (ratio(v, rv) if with_r and not is_ref else "")
            L.append(f"| {lab} | {t} | {cell(1, 'p50_us')} | {cell(1, 'p99_us', with_r=False)} | {cell(16, 'p50_us')} | "
                     f"{cell(16, 'p99_us', with_r=False)} | {cell(256, 'p50_us')} | {frate(r.get(256, {}).get('rows_per_s'))} | "
                     f"{cell(10000, 'p50_us', 1e-3)} | {frate(r.get(10000, {}).get('rows_per_s'))} |")
        idn = by_batch(m["identity"].get(str(t)))
        for key, lab, r in rows:
            if not key.startswith("ort"):
                continue
            sub = {}
            for b in [1, 16]:
                if b in r and "paired_identity" in r[b]:      # timed alternately in the same process
                    sub[b] = r[b]["p50_us"] - r[b]["paired_identity"]["p50_us"]
                elif b in r and b in idn:
                    sub[b] = r[b]["p50_us"] - idn[b]["p50_us"]
            L.append(f"| {lab} − Identity call | {t} | {fnum(sub.get(1))}{ratio(sub.get(1), ref.get(1, {}).get('p50_us'))} | | "
                     f"{fnum(sub.get(16))}{ratio(sub.get(16), ref.get(16, {}).get('p50_us'))} | | | | | |")
    L.append("")


def write(res, out_path):
    replace_section(out_path, render(res), BEGIN, END)


def replace_section(out_path, text, begin, end):
    """Puts text between the markers begin and end of out_path (appended when they are missing),
    leaving the rest of the file as it is."""
    old = ""
    if os.path.exists(out_path):
        with open(out_path) as f:
            old = f.read()
    block = f"{begin}\n{text}\n{end}"
    if begin in old and end in old:
        a = old.index(begin)
        b = old.index(end) + len(end)
        new = old[:a] + block + old[b:]
    else:
        new = old.rstrip("\n") + "\n\n" + block + "\n"
    with open(out_path, "w") as f:
        f.write(new)


def render(res):
    L = []
    threads = res["settings"]["threads"]
    v = res["versions"]
    L.append("# Dense models: xylem against ONNX Runtime and OpenBLAS")
    L.append("")
    L.append(f"Written by `bench/dense_side_by_side` (see its README.md) on **{res['date']}**. "
             f"Whole run: {res['seconds_total'] / 60:.1f} min.")
    L.append("")
    L.append("## Dense: machine, versions, settings")
    L.append("")
    c = res["cpu"]
    L.append(f"- CPU: {c['model']}, {c['logical_cpus']} logical CPUs ({c['affinity']} usable); {', '.join(c['isa'])}")
    L.append(f"- xylem: `{v['git']}` ({v['xylem']}); binary `{res['xylem_binary']}`; OpenBLAS "
             f"{v['openblas_pkgconfig']} (the library xylem links; "
             f"`{next(iter(next(iter(res['models'].values()))['openblas']['float32'].values()))['whole']['config']}`)")
    L.append(f"- Python {v['python']}: onnxruntime {v['onnxruntime']}, onnx {v['onnx']}, skl2onnx {v['skl2onnx']}, "
             f"scikit-learn {v['scikit-learn']}, numpy {v['numpy']}; gcc {v['gcc']} (openblas_gemm.cc, -O2)")
    s = res["settings"]
    L.append(f"- Each measurement: {s['warmup']} s warm-up, then calls for {s['seconds']} s, each in a fresh process; "
             f"threads {', '.join(map(str, threads))}; batch sizes {s['batch_sizes']}")
    L.append(f"- Load average (1, 5, 15 min) at start {', '.join(f'{x:.2f}' for x in res['load_start'])}, at end "
             f"{', '.join(f'{x:.2f}' for x in res['load_end'])} (2 cores: above ~0.2 something else was running)")
    L.append(f"- Command: `{res['command']}`")
    L.append("")
    L.append("How to read:")
    L.append("")
    L.append("- *bN*: batch of N rows per call (consecutive rows of the 10,000 held-out rows, the start moving on by N "
             "each call, as `xylem bench` does). p50/p99: latency percentiles of one call; rows/s = N / mean call time.")
    L.append("- (×r): the engine's time divided by xylem float32's at the same batch and threads: above 1, xylem float32 "
             "is faster.")
    L.append("- xylem: `xylem bench MODEL --data rows.csv --format json` (C++, steady_clock around `Model::predict`, rows "
             "handed over as float32 for the float32 and int8 models, float64 for the float64 one). ONNX Runtime: "
             "`session.run([probabilities], {input: X})` from Python (time.perf_counter_ns), float32 arrays made "
             "beforehand, `intra_op_num_threads=T`, `inter_op_num_threads=1`, ORT_SEQUENTIAL, ORT_ENABLE_ALL.")
    L.append("- *ONNX Runtime − Identity call*: the p50 minus the p50 of `session.run` on a one-node Identity model of "
             "the same input width, batch and threads, the two called alternately on the same inputs in one process "
             "(the *paired Identity* column below): ORT's Python binding and session per-call cost taken out. "
             "That is the fair comparison with xylem's in-process latency (which has no binding to cross); the raw "
             "row is what a Python caller pays.")
    L.append("")

    # ---- targets
    L.append("## Dense: targets")
    L.append("")
    L.append("The OpenBLAS baseline is the faster of two ways of running the same layer shapes on 10,000 rows with "
             "`cblas_sgemm` alone (openblas_gemm.cc): one call per layer (OpenBLAS's own T threads), or 256-row blocks "
             "on T threads as xylem's engine does (OpenBLAS on 1 thread each). Details under \"OpenBLAS alone\".")
    L.append("")
    L.append("| target | model | threads | xylem | baseline | ratio | met? |")
    L.append("|---|---|---:|---:|---:|---:|:-:|")
    for name, m in res["models"].items():
        for t in threads:
            xr = by_batch(m["variants"]["xylem_f32"][str(t)]).get(10000)
            o = m["openblas"]["float32"][str(t)]
            best_name, best = min([("one call per layer", o["whole"]["total_median_ms"]),
                                   ("256-row blocks", o["blocked"]["total_median_ms"])], key=lambda x: x[1])
            if xr:
                r = xr["p50_us"] / 1e3 / best
                L.append(f"| batch 10000 float32 within 10% of OpenBLAS sgemm alone | {name} | "
                         f"{t} | {xr['p50_us'] / 1e3:.2f} ms | {best:.2f} ms ({best_name}) | {r:.2f}× | "
                         f"{'yes' if r <= 1.10 else '**no**'} |")
        a = m["accuracy"]["xylem_int8"]
        L.append(f"| int8: predicted class unchanged vs float32 ≥ 99.5% | {name} | – | {a['argmax_agrees_with_f32']:.2%} "
                 f"of {a['rows']:,} | – | – | {'yes' if a['argmax_agrees_with_f32'] >= 0.995 else '**no**'} |")
    L.append("")

    L.append("## Dense: timings")
    L.append("")
    for name, m in res["models"].items():
        model_section(name, m, threads, L)

    # ---- OpenBLAS
    L.append("## Dense: OpenBLAS alone")
    L.append("")
    L.append("`openblas_gemm` (openblas_gemm.cc, g++ -O2, the OpenBLAS xylem links): `cblas_sgemm` / `cblas_dgemm`, "
             "row-major, C = A·B, alpha 1, beta 0, each layer's output the next one's input; median over passes of "
             "the time of a whole forward pass of 10,000 rows. *one call per layer*: M = 10000, "
             "`openblas_set_num_threads(T)`. *256-row blocks*: the way xylem's dense engine splits a batch "
             "(engine/compiled/dense_engine.cc): T threads each take a contiguous share of the rows and run it 256 "
             "rows at a time through every layer, OpenBLAS on 1 thread; *+ input copy*: each block's input rows "
             "copied into a scratch buffer first, as the engine does when it converts the rows it is handed. "
             "*32-row call*: one 32-row pass (the smallest batch the engine hands to BLAS), scaled to 10,000 rows. "
             "The engine's name in the timing tables ends in `+openblas` when it hands batches to OpenBLAS; without "
             "it the engine runs its own kernels for every batch (the float64 ones too), and the OpenBLAS figures "
             "are the baseline it has to beat.")
    L.append("")
    L.append("| model | dtype | threads | one call per layer ms (GFLOP/s) | per layer ms | 256-row blocks ms | "
             "+ input copy ms | 32-row call ×312.5 ms | xylem b10000 p50 ms | xylem / best OpenBLAS |")
    L.append("|---|---|---:|---:|---|---:|---:|---:|---:|---:|")
    for name, m in res["models"].items():
        for dtype, var in [("float32", "xylem_f32"), ("float64", "xylem_f64")]:
            for t in threads:
                o = m["openblas"][dtype][str(t)]
                big, blk, cp = o["whole"], o["blocked"], o["blocked_copy"]
                m32 = m["openblas"][dtype]["1"].get("m32") if t == 1 else None
                xr = by_batch(m["variants"][var][str(t)]).get(10000)
                xm = xr["p50_us"] / 1e3 if xr else float("nan")
                per_layer = ", ".join("%d×%d: %.2f" % (l["k"], l["n"], l["median_ms"]) for l in big["layers"])
                best = min(big["total_median_ms"], blk["total_median_ms"])
                L.append(f"| {name} | {dtype} | {t} | {big['total_median_ms']:.2f} ({big['gflops']:.0f}) | {per_layer} | "
                         f"{blk['total_median_ms']:.2f} | {cp['total_median_ms']:.2f} | "
                         f"{('%.2f' % (m32['total_median_ms'] * 10000 / 32)) if m32 else '–'} | "
                         f"{xm:.2f} | {xm / best:.2f}× |")
    L.append("")

    # ---- int8
    L.append("## Dense: int8")
    L.append("")
    L.append("`xylem convert model.xylem.json -o model.int8.xylem.json --quantize int8 --calibration calib.csv` "
             "(*xylem int8*: the convert's default input scaling, named below) and the same with `--int8-inputs "
             "static` (one input scale per layer from the calibration rows); 2,000 calibration rows from the "
             "training distribution, not the test rows. What convert printed, then on the 10,000 held-out rows: "
             "the share whose predicted class (argmax of `xylem predict`) is the float32 model's, the probability "
             "differences from float32, and the speed-up over float32 (float32 p50 / int8 p50 per batch size, same "
             "run).")
    L.append("")
    for name, m in res["models"].items():
        L.append(f"- {name}, default ({m.get('int8_default_mode', '?')}): `" + m["int8_convert_output"].replace("\n", "` / `") + "`")
        if "int8_static_convert_output" in m:
            L.append(f"- {name}, static: `" + m["int8_static_convert_output"].replace("\n", "` / `") + "`")
        g = m.get("f32_top2_gap")
        if g:
            L.append(f"- {name}: float32 top-1 minus top-2 probability: median {g['median']:.3f}; "
                     f"{g['share_below_0.05']:.2%} of the rows have a gap below 0.05 (where a small error flips the class)")
    L.append("")
    L.append("| model | int8 inputs | class unchanged vs float32 | largest top-2 gap among changed rows | max \\|p diff\\| | "
             "mean \\|p diff\\| | threads | b1 | b16 | b256 | b10000 |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, m in res["models"].items():
        for v, lab in [("xylem_int8", "default (" + m.get("int8_default_mode", "?") + ")"),
                       ("xylem_int8_static", "static")]:
            a = m["accuracy"].get(v)
            if not a:
                continue
            for t in threads:
                f = by_batch(m["variants"]["xylem_f32"][str(t)])
                q = by_batch(m["variants"][v][str(t)])
                cells = [f"{f[b]['p50_us'] / q[b]['p50_us']:.2f}×" if b in f and b in q else "–" for b in BATCHES]
                L.append(f"| {name} | {lab} | {a['argmax_agrees_with_f32']:.2%} | {a.get('max_top2_gap_of_changed', 0):.3f} | "
                         f"{a['max_abs_diff_vs_f32']:.3g} | {a.get('mean_abs_diff_vs_f32', float('nan')):.2g} | {t} | "
                         + " | ".join(cells) + " |")
    L.append("")

    # ---- overhead and components
    L.append("## Dense: per-call overhead and latency components (p50 µs)")
    L.append("")
    L.append("- *ORT Identity alone*: `session.run` of a one-node Identity model of the same input width, in its own "
             "process; *paired*: the same, called alternately with the skl2onnx model (the value subtracted above). "
             "*xylem 1×1 network*: `xylem bench` on a one-feature, one-output float32 network (the cost of a "
             "`Model::predict` call with no arithmetic to speak of). *margins*: `xylem bench --margin` (no softmax). "
             "*µs/row*: p50 / batch; b31, b32 and b64 are either side of the engine's kernels/BLAS switch "
             "(`kDenseBlasMinRows` = 32 in engine/compiled/dense_engine.h; it matters only when the engine name says "
             "`+openblas`).")
    L.append("")
    L.append("| model | threads | ORT Identity alone b1 / b16 | ORT Identity paired b1 / b16 | xylem 1×1 b1 / b16 | "
             "xylem f32 b1 | margins b1 | xylem f32 b16 | margins b16 | µs/row b16 | µs/row b31 | µs/row b32 | "
             "µs/row b64 | µs/row b256 | µs/row b10000 |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, m in res["models"].items():
        for t in threads:
            idn = by_batch(m["identity"][str(t)])
            o = by_batch(m["ort"].get("ort", {}).get(str(t)))
            paired = [o.get(b, {}).get("paired_identity", {}).get("p50_us") for b in [1, 16]]
            tiny = by_batch(res["overhead"]["xylem_tiny"][str(t)])
            f = by_batch(m["variants"]["xylem_f32"][str(t)])
            mg = by_batch(m["xylem_f32_margin"][str(t)])
            sw = by_batch(m["xylem_f32_switch"][str(t)])

            def pr(d, b):
                return f"{d[b]['p50_us'] / b:.3f}" if b in d else "–"
            L.append(f"| {name} | {t} | {fnum(idn[1]['p50_us'])} / {fnum(idn[16]['p50_us'])} | "
                     f"{fnum(paired[0])} / {fnum(paired[1])} | {fnum(tiny[1]['p50_us'])} / {fnum(tiny[16]['p50_us'])} | "
                     f"{fnum(f[1]['p50_us'])} | {fnum(mg[1]['p50_us'])} | "
                     f"{fnum(f[16]['p50_us'])} | {fnum(mg[16]['p50_us'])} | {pr(f, 16)} | {pr(sw, 31)} | {pr(sw, 32)} | "
                     f"{pr(sw, 64)} | {pr(f, 256)} | {pr(f, 10000)} |")
    L.append("")

    # ---- correctness
    L.append("## Dense: outputs")
    L.append("")
    L.append("Largest absolute difference of the class probabilities from scikit-learn's `predict_proba` on the 10,000 "
             "held-out rows, and the share of rows with sklearn's predicted class.")
    L.append("")
    OUT_KEYS = ["xylem_f32", "xylem_int8", "xylem_int8_static", "xylem_f64", "ort", "ort_matmul"]
    L.append("| model | " + " | ".join(LABEL[k] for k in OUT_KEYS) + " |")
    L.append("|---|" + "---:|" * len(OUT_KEYS))
    for name, m in res["models"].items():
        cells = []
        for k in OUT_KEYS:
            a = m["accuracy"].get(k)
            cells.append(f"{a['max_abs_diff_vs_sklearn']:.2g} ({a['argmax_agrees_with_sklearn']:.2%})" if a else "–")
        L.append(f"| {name} | " + " | ".join(cells) + " |")
    L.append("")
    return "\n".join(L)


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        r = json.load(f)
    if len(sys.argv) > 2:
        write(r, sys.argv[2])
    else:
        sys.stdout.write(render(r))
