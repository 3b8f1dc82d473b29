"""Renders results.json (bench.py run) as bench/RESULTS.md.

  python report.py work/results.json > ../RESULTS.md   (bench.py run calls render() itself)
"""
import json
import sys

import engines as E

BIG = 10000


def fmt_us(v):
    if v is None:
        return "–"
    if v < 10:
        return f"{v:.2f}"
    if v < 1000:
        return f"{v:.1f}"
    return f"{v:,.0f}"


def fmt_rate(v):
    if v is None:
        return "–"
    if v >= 1e6:
        return f"{v / 1e6:.2f} M"
    if v >= 1e3:
        return f"{v / 1e3:.1f} k"
    return f"{v:.0f}"


def fmt_diff(v):
    if v is None:
        return "–"
    if v == 0:
        return "0"
    return f"{v:.1e}"


def result(er, threads, batch):
    """The result dict of an engine for a thread count and batch size, or None."""
    if not er or "error" in er:
        return None
    t = er.get("threads", {}).get(str(threads))
    if not t:
        return None
    for r in t["results"]:
        if r["batch"] == batch:
            return r
    return None


def p50(er, threads, batch):
    r = result(er, threads, batch)
    return r["p50_us"] if r else None


def rate(er, threads, batch):
    r = result(er, threads, batch)
    return r["rows_per_s"] if r else None


def with_ratio(v, x, is_xylem):
    s = fmt_us(v)
    if v is None or x is None or is_xylem:
        return s
    return f"{s} (×{fmt_ratio(v / x)})"


def fmt_ratio(r):
    if r >= 100:
        return f"{r:,.0f}"
    if r >= 10:
        return f"{r:.1f}"
    return f"{r:.2f}"


def best_other(mres, threads, batch):
    best = None
    for name, er in mres["engines"].items():
        if name == "xylem":
            continue
        v = p50(er, threads, batch)
        if v is not None and (best is None or v < best[1]):
            best = (name, v)
    return best


def inexact(m, name):
    """A note when an engine's outputs are far from xylem's (which match the library's)."""
    d = m["engines"].get(name, {}).get("max_abs_diff")
    return f" (inexact: max \\|diff\\| {d:.1e})" if d is not None and d > 1e-5 else ""


def render(res):
    L = []
    cpu, ver, xy, st = res["cpu"], res["versions"], res["xylem"], res["settings"]
    ths = st["threads"]
    t1 = ths[0]
    t2 = ths[1] if len(ths) > 1 else None
    L.append("# Side by side: xylem and the other tree-ensemble engines")
    L.append("")
    L.append(f"Written by `bench/side_by_side` (see its README.md) on **{res['date']}**"
             f"{' — a --quick run: short timings, not all models' if st.get('quick') else ''}. "
             f"Whole run: {res.get('elapsed_s', 0) / 60:.1f} min.")
    L.append("")
    L.append("## Machine, versions, settings")
    L.append("")
    L.append(f"- CPU: {cpu['model']}, {cpu['logical_cpus']} logical CPUs ({cpu['affinity']} usable by this process); "
             f"{', '.join(cpu['isa'])}")
    L.append(f"- xylem: `{xy['git'] or '?'}` ({xy['version'] or 'no binary'}"
             f"{', ' + xy['build_type'] + ' build' if xy.get('build_type') else ''}); binary `{xy['binary']}`"
             f"{'' if xy['bench_available'] else ' — **it has no `bench` subcommand: xylem not timed**'}")
    libs = [f"{k} {v}" for k, v in ver.items() if k not in ("python", "gcc") and v]
    L.append(f"- Python {ver['python']}: {', '.join(libs)}; gcc {ver['gcc']} (TL2cgen)")
    L.append(f"- Each measurement: {st['warmup']} s warm-up, then calls for {st['seconds']} s "
             f"(Python engines: at least 20 calls at batch 1, 3 at batch {BIG}; `xylem bench`: at least 5); threads {', '.join(map(str, ths))}; "
             f"load times: median of {st['load_repeats']} loads after one untimed")
    la = res.get("loadavg", {})
    if la:
        L.append(f"- Load average (1 min) at start {la['start']:.2f}, at end {la['end']:.2f}: above 0.1 or so, "
                 f"other jobs shared the CPUs and the timings are noisier (multi-thread ones most)")
    L.append(f"- Command: `{res['command']}`")
    L.append("")
    L.append("How to read the tables:")
    L.append("")
    L.append("- *batch 1*: median (p50) latency of one predict call on one row, the rows cycled; "
             f"*batch {BIG}*: median time of one call on all {BIG} test rows; *rows/s*: rows / mean call time.")
    L.append("- (×r) is the engine's time divided by xylem's: above 1, xylem is faster.")
    L.append("- Every engine runs on the same model file, the same 10000 held-out rows (rows.csv, parsed the same "
             "way) and the same thread count (its own option, and OMP_NUM_THREADS), each in a fresh process.")
    L.append("- The Python engines are timed around their Python call (time.perf_counter_ns), so their batch-1 "
             "numbers include the binding's per-call overhead; that is the cost a Python user pays. xylem is timed "
             "inside its own process (`xylem bench`, C++, steady_clock around `Model::predict`).")
    L.append("- *max |diff|*: the largest absolute difference between the engine's outputs on the 10000 rows and "
             "`xylem predict`'s (probabilities for classifiers), so a fast but inexact engine shows.")
    L.append("")

    # ---- targets
    L.append("## Targets")
    L.append("")
    if not xy["bench_available"]:
        L.append("Not evaluated: the xylem binary has no `bench` subcommand.")
        L.append("")
    else:
        L.append("| target | model | xylem | fastest other engine | ratio | met? |")
        L.append("|---|---|---:|---|---:|:-:|")
        allmet = {}
        for mname, m in res["models"].items():
            x = m["engines"].get("xylem")
            xb = p50(x, t1, BIG)
            bo = best_other(m, t1, BIG)
            if xb and bo:
                ok = bo[1] / xb >= 2
                allmet.setdefault("t1", []).append(ok)
                L.append(f"| batch {BIG}, {t1} thread: xylem ≥ 2× faster | {mname} | {fmt_us(xb)} µs | "
                         f"{E.LABELS[bo[0]]}{inexact(m, bo[0])} {fmt_us(bo[1])} µs | {fmt_ratio(bo[1] / xb)}× | {'yes' if ok else '**no**'} |")
        for mname, m in res["models"].items():
            x = m["engines"].get("xylem")
            xb = p50(x, t1, 1)
            bo = best_other(m, t1, 1)
            if xb and bo:
                ok = xb < bo[1]
                allmet.setdefault("t2", []).append(ok)
                L.append(f"| batch 1 p50, {t1} thread: xylem below | {mname} | {fmt_us(xb)} µs | "
                         f"{E.LABELS[bo[0]]}{inexact(m, bo[0])} {fmt_us(bo[1])} µs | {fmt_ratio(bo[1] / xb)}× | {'yes' if ok else '**no**'} |")
        if t2:
            for mname, m in res["models"].items():
                x = m["engines"].get("xylem")
                r1, r2 = rate(x, t1, BIG), rate(x, t2, BIG)
                if r1 and r2:
                    ok = r2 / r1 >= 1.8
                    allmet.setdefault("t3", []).append(ok)
                    L.append(f"| batch {BIG}: {t2} threads ≥ 1.8× the throughput of {t1} | {mname} | "
                             f"{fmt_rate(r1)} → {fmt_rate(r2)} rows/s | – | {r2 / r1:.2f}× | "
                             f"{'yes' if ok else '**no**'} |")
        for mname, m in res["models"].items():
            x = m["engines"].get("xylem")
            xg = m["engines"].get("xgboost")
            trees = m["meta"]["structure"].get("trees", 0)
            if x and "load" in x and xg and "error" not in xg and xg.get("load_ms") is not None:
                xl = x["load"]["xylem_json"]["median_ms"]
                ok = xl < xg["load_ms"]
                if trees >= 1000:
                    allmet.setdefault("t4", []).append(ok)
                L.append(f"| load{' (the 1000-tree target)' if trees >= 1000 else ''}: xylem JSON faster than "
                         f"XGBoost loading its JSON | {mname} ({trees} trees) | {xl:.2f} ms | "
                         f"XGBoost Booster(model_file) {xg['load_ms']:.2f} ms | {xg['load_ms'] / xl:.2f}× | "
                         f"{'yes' if ok else '**no**'} |")
        L.append("")
        names = {"t1": f"batch {BIG} single-thread ≥ 2×", "t2": "batch-1 p50 below the fastest other",
                 "t3": "2 threads ≥ 1.8× throughput", "t4": "1000-tree load faster than XGBoost"}
        summary = [f"{names[k]}: {sum(v)}/{len(v)} models" for k, v in allmet.items()]
        L.append("Summary: " + "; ".join(summary) + ".")
        L.append("")

    # ---- per model
    for mname, m in res["models"].items():
        meta = m["meta"]
        s = meta["structure"]
        shape = (f"{s['trees']} trees, {s.get('nodes', '?')} nodes, max depth {s['max_depth']}"
                 if "nodes" in s else f"{s['trees']} trees, up to {s['max_leaves']} leaves "
                                      f"(mean {s['mean_leaves']:.1f})")
        q = ", ".join(f"{k} {v:.4g}" for k, v in meta["quality"].items())
        L.append(f"## {mname}: {meta['description']}")
        L.append("")
        L.append(f"{meta['library']} model `{meta['model_file']}`: {shape}; trained on {meta['train_rows']:,} rows "
                 f"({q}); {meta['test_rows']:,} test rows × {meta['features']} features. "
                 f"Outputs compared with {m['reference']}.")
        L.append("")
        x = m["engines"].get("xylem")
        cols = [f"batch 1 p50 µs, {t1} thr"]
        if t2:
            cols.append(f"batch 1 p50 µs, {t2} thr")
        cols.append(f"batch {BIG} µs/call, {t1} thr")
        if t2:
            cols += [f"batch {BIG} µs/call, {t2} thr"]
        cols.append(f"rows/s, {t1} thr")
        if t2:
            cols += [f"rows/s, {t2} thr", f"{t2} thr / {t1} thr"]
        L.append("| engine | input | " + " | ".join(cols) + " | max \\|diff\\| |")
        L.append("|---|---|" + "---:|" * len(cols) + "---:|")
        order = (["xylem"] if "xylem" in m["engines"] else []) + [e for e in E.ALL if e in m["engines"]]
        for name in order:
            er = m["engines"][name]
            is_x = name == "xylem"
            label = E.LABELS[name] + (f" ({er.get('engine')})" if is_x and er.get("engine") else "")
            if "error" in er:
                L.append(f"| {label} | | error: {er['error'][:200].replace('|', '/').replace(chr(10), ' ')} |"
                         + " |" * len(cols))
                continue
            first = next(iter(er.get("threads", {}).values()), {}) if is_x else {}
            dtype = (first.get("input", "float64") + " (from the CSV)") if is_x else er.get("input_dtype", "")
            cells = [with_ratio(p50(er, t1, 1), p50(x, t1, 1), is_x)]
            if t2:
                cells.append(with_ratio(p50(er, t2, 1), p50(x, t2, 1), is_x))
            cells.append(with_ratio(p50(er, t1, BIG), p50(x, t1, BIG), is_x))
            if t2:
                cells.append(with_ratio(p50(er, t2, BIG), p50(x, t2, BIG), is_x))
            cells.append(fmt_rate(rate(er, t1, BIG)))
            if t2:
                r1, r2 = rate(er, t1, BIG), rate(er, t2, BIG)
                cells += [fmt_rate(r2), f"{r2 / r1:.2f}×" if r1 and r2 else "–"]
            diff = "(reference)" if is_x else fmt_diff(er.get("max_abs_diff"))
            L.append(f"| {label} | {dtype} | " + " | ".join(cells) + f" | {diff} |")
        L.append("")

    # ---- loads
    L.append("## Load times")
    L.append("")
    L.append("Median wall time to load the model into a ready-to-predict object, in a warm process (file in the "
             "page cache). One-time preparation (conversion or compilation, done once and cached) is listed apart.")
    L.append("")
    L.append("| model | engine | what is timed | load ms | one-time preparation |")
    L.append("|---|---|---|---:|---|")
    for mname, m in res["models"].items():
        x = m["engines"].get("xylem")
        if x and "load" in x:
            prep = m["prepare"].get("xylem")
            L.append(f"| {mname} | xylem | `Model::load` of the xylem JSON (`xylem bench` load_ms) | "
                     f"{x['load']['xylem_json']['median_ms']:.2f} | "
                     f"{'xylem convert: %.2f s' % prep['seconds'] if prep else ''} |")
            L.append(f"| {mname} | xylem | `Model::load` of {m['meta']['model_file']} | "
                     f"{x['load']['original']['median_ms']:.2f} | |")
        for name in E.ALL:
            er = m["engines"].get(name)
            if not er or "error" in er or er.get("load_ms") is None:
                continue
            prep = m["prepare"].get(name)
            ptxt = f"{prep['seconds']} s: {prep['note']}" if prep else ""
            L.append(f"| {mname} | {E.LABELS[name]} | {E.ENGINES[name].load_what} | {er['load_ms']:.2f} | {ptxt} |")
    L.append("")
    return "\n".join(L)


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        sys.stdout.write(render(json.load(f)))
