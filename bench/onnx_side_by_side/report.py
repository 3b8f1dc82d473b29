"""Renders the ONNX benchmark's results.json as a section of bench/RESULTS.md.

  python report.py work/results.json [bench/RESULTS.md]   (bench.py run calls write() itself)

Only the text between BEGIN and END is replaced (the section is appended when the markers are
missing); the other benchmarks' sections are left as they are. Number formatting and the
section replacement are the dense benchmark's (bench/dense_side_by_side/report.py).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _dense  # noqa: E402

DR = _dense.load("report")
fnum, frate, by_batch = DR.fnum, DR.frate, DR.by_batch

BEGIN = "<!-- onnx:begin -->"
END = "<!-- onnx:end -->"


def write(res, out_path):
    DR.replace_section(out_path, render(res), BEGIN, END)


def ftime(us):
    """A call time with its unit: µs below 10 ms, else ms."""
    if us is None:
        return "–"
    return f"{fnum(us)} µs" if us < 10000 else f"{us / 1e3:.1f} ms"


def fratio(v, ref):
    return f"{v / ref:.2f}" if v and ref else "–"


def timing_rows(name, m, threads, L):
    for t in threads:
        x = by_batch(m["xylem"].get(str(t)))
        o = by_batch(m["ort"].get(str(t)))
        for b in sorted(set(x) | set(o)):
            xr, orr = x.get(b, {}), o.get(b, {})
            xp, op = xr.get("p50_us"), orr.get("p50_us")
            idn = orr.get("paired_identity", {}).get("p50_us")
            adj = op - idn if op is not None and idn is not None else None
            L.append(f"| {name} | {t} | {b:,} | {ftime(xp)} | {ftime(op)} | **{fratio(op, xp)}** | "
                     f"{ftime(idn) if idn is not None else ''} | {ftime(adj) if adj is not None else ''} | "
                     f"{('**' + fratio(adj, xp) + '**') if adj is not None else ''} | {frate(xr.get('rows_per_s'))} | "
                     f"{frate(orr.get('rows_per_s'))} | {fnum(xr.get('p99_us'))} / {fnum(orr.get('p99_us'))} |")


def render(res):
    L = []
    threads = res["settings"]["threads"]
    s = res["settings"]
    v = res["versions"]
    c = res["cpu"]
    L.append("# ONNX files: xylem against ONNX Runtime")
    L.append("")
    L.append(f"Written by `bench/onnx_side_by_side` (see its README.md) on **{res['date']}**. "
             f"Whole run: {res['seconds_total'] / 60:.1f} min.")
    L.append("")
    L.append("## ONNX: machine, versions, settings")
    L.append("")
    L.append(f"- CPU: {c['model']}, {c['logical_cpus']} logical CPUs ({c['affinity']} usable); {', '.join(c['isa'])}")
    L.append(f"- xylem: `{v['git']}` ({v['xylem']}); binary `{res['xylem_binary']}`")
    L.append(f"- Python {v['python']}: " + ", ".join(f"{d} {v[d]}" for d in
                                                     ["onnxruntime", "onnx", "skl2onnx", "onnxmltools", "scikit-learn",
                                                      "lightgbm", "numpy"] if d in v))
    L.append(f"- Each measurement: {s['warmup']} s warm-up, then calls for {s['seconds']} s, each engine and thread "
             f"count in a fresh process; threads {', '.join(map(str, threads))}; batch sizes {s['batch_sizes']}; "
             f"loads: median of {s['load_repeats']}")
    dur = res.get("load_1min_during")
    L.append(f"- Load average (1, 5, 15 min) at start {', '.join(f'{x:.2f}' for x in res['load_start'])}, at end "
             f"{', '.join(f'{x:.2f}' for x in res['load_end'])}"
             + (f"; 1-min load between measurements {dur['min']:.2f} to {dur['max']:.2f} (mean {dur['mean']:.2f})"
                if dur else "")
             + f". On {c['logical_cpus']} cores, anything above ~0.2 is other work sharing the CPUs: compare the "
             "ratios (both engines measured seconds apart in the same run), not absolute times with other runs; "
             "2-thread numbers suffer most")
    L.append(f"- Command: `{res['command']}`")
    L.append("")
    L.append("How to read:")
    L.append("")
    L.append("- xylem: `xylem bench model.onnx --data rows.csv --batch-sizes ... --threads T --format json` (C++, "
             "steady_clock around `Model::predict`, the rows handed over as float32). ONNX Runtime: "
             "`session.run([output], {input: X})` from Python (time.perf_counter_ns) on the same file, float32 "
             "C-contiguous arrays made beforehand, `intra_op_num_threads=T`, `inter_op_num_threads=1`, ORT_SEQUENTIAL, "
             "ORT_ENABLE_ALL (bench/dense_side_by_side/bench.py ort-worker). Both: consecutive rows of the 10,000 "
             "held-out rows, the start moving on by the batch each call; p50 = median call time.")
    L.append("- *ORT / xylem*: ORT's p50 over xylem's, same batch and threads: above 1, xylem is faster.")
    L.append("- *Identity*: at batch 1, the p50 of `session.run` on a one-node Identity model of the same input "
             "width, called alternately with the model in the same process: the Python binding's and session's "
             "per-call cost. *ORT − Identity* takes it out: the fair comparison with xylem's in-process latency; the "
             "raw column is what a Python caller pays. At 256 and 10,000 rows it is negligible and not subtracted.")
    L.append("")

    L.append("## ONNX: models")
    L.append("")
    L.append("| model | what | .onnx | operators (opsets) | trained | timed output | xylem engine |")
    L.append("|---|---|---:|---|---|---|---|")
    for name, m in res["models"].items():
        meta = m["meta"]
        ops = ", ".join(dict.fromkeys(o.split(":")[1] for o in meta["onnx_ops"]))
        opsets = ", ".join(f"{k} {x}" for k, x in sorted(meta["opsets"].items()))
        edit = f"; {meta['graph_edit']}" if meta.get("graph_edit") else ""
        L.append(f"| {name} | {meta['description']} ({meta['producer']}{edit}) | {meta['onnx_bytes'] / 1e6:.2f} MB | "
                 f"{ops} ({opsets}) | {meta['recipe']['train_rows']:,} rows, {meta['train_seconds']} s, test "
                 f"{meta['score_name']} {meta['test_score']:.4f} | `{meta['timed_output']}` | "
                 f"`{m['xylem_load'].get('engine')}` |")
    L.append("")

    L.append("## ONNX: outputs")
    L.append("")
    ck = next(iter(res["models"].values()))["check"]
    L.append(f"`xylem predict model.onnx` against `session.run` (1 thread) on the first {ck['rows']} held-out rows, "
             f"both float32 (xylem's CSV read back to float32). The run asserts |xylem − ORT| ≤ {ck['rel_tol']:g}·|ORT| "
             f"+ {ck['abs_tol']:.3g} (float32 epsilon) for every value. *beyond 1e-5 relative*: values whose relative "
             "difference alone exceeds 1e-5 (all of them small probabilities, see the README).")
    L.append("")
    L.append("| model | values | max \\|diff\\| | max relative | max relative where \\|ORT\\| ≥ 0.01 | "
             "beyond 1e-5 relative | identical | max float32 ulps |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, m in res["models"].items():
        k = m["check"]
        big = k.get("max_rel_diff_ge_0.01")
        L.append(f"| {name} | {k['values']:,} | {k['max_abs_diff']:.2g} | {k['max_rel_diff']:.2g} | "
                 f"{'–' if big is None else f'{big:.2g}'} | {k['values_beyond_rel_tol']} | "
                 f"{k['identical_values']:.1%} | {k['max_ulps']} |")
    L.append("")

    L.append("## ONNX: timings")
    L.append("")
    L.append("| model | thr | batch | xylem p50 | ORT p50 | ORT / xylem | Identity p50 | ORT − Identity | "
             "(ORT − Identity) / xylem | xylem rows/s | ORT rows/s | p99 µs xylem / ORT |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, m in res["models"].items():
        timing_rows(name, m, threads, L)
    L.append("")

    L.append("## ONNX: load time")
    L.append("")
    L.append("*xylem*: `Model::load` of the .onnx file (parse, import, compile the engine) as `xylem bench` reports it "
             "(`load_ms`), each in a fresh process, median of the repeats after one untimed. *ORT first*: "
             "`InferenceSession(...)` the first time in the worker process (1 thread), which includes ORT's "
             "one-time environment set-up; *ORT median*: the median of the further sessions created in the same "
             "process.")
    L.append("")
    L.append("| model | .onnx | xylem load ms | xylem engine memory | ORT first ms | ORT median ms | "
             "ORT median / xylem |")
    L.append("|---|---:|---:|---:|---:|---:|---:|")
    for name, m in res["models"].items():
        xl = m["xylem_load"]
        o = m["ort"].get(str(threads[0]), {})
        mem = xl.get("memory_bytes")
        L.append(f"| {name} | {m['meta']['onnx_bytes'] / 1e6:.2f} MB | {xl['median_ms']:.2f} | "
                 f"{(f'{mem / 1e6:.2f} MB') if mem else '–'} | {o.get('load_ms', 0):.2f} | "
                 f"{o.get('load_ms_median', 0):.2f} | **{fratio(o.get('load_ms_median'), xl['median_ms'])}** |")
    L.append("")
    return "\n".join(L)


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        r = json.load(f)
    if len(sys.argv) > 2:
        write(r, sys.argv[2])
    else:
        sys.stdout.write(render(r))
