"""The engines that xylem is compared with, behind one small interface.

Each engine:
  prepare(model_dir, meta)   one-time, cached artifacts (ONNX conversion, TL2cgen shared
                             library, lleaves object file); returns {seconds, note} or None
  load(model_dir, meta, threads) -> state   what is timed as the engine's load
  batch_input(state, X64)    the prepared input for one call on all rows of X64
  row_inputs(state, X64)     a list of prepared one-row inputs (cycled at batch 1)
  predict(state, inp)        one prediction call: the timed thing
  as_matrix(out, meta)       the output as an (n, k) float64 array comparable with xylem's

Inputs are prepared before the clock runs, in the dtype each engine computes in, so that
no conversion is timed: float32 for XGBoost, ONNX Runtime, and Treelite/TL2cgen on XGBoost
models (their thresholds are float32); float64 for LightGBM, lleaves, and Treelite/TL2cgen
on LightGBM models (float64 thresholds). All arrays are C-contiguous.
"""
import hashlib
import json
import os
import time

import numpy as np

ALL = ["xgboost", "lightgbm", "onnxruntime", "treelite_gtil", "tl2cgen", "lleaves"]

LABELS = {
    "xylem": "xylem",
    "xgboost": "XGBoost inplace_predict",
    "lightgbm": "LightGBM predict",
    "onnxruntime": "ONNX Runtime",
    "treelite_gtil": "Treelite GTIL",
    "tl2cgen": "TL2cgen .so",
    "lleaves": "lleaves",
}


def model_path(model_dir, meta):
    return os.path.join(model_dir, meta["model_file"])


def file_key(path, extra=""):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    h.update(extra.encode())
    return h.hexdigest()[:16]


def _artifact_cached(model_dir, name, key):
    """The recorded preparation of artifact `name` if it was made from `key`, else None."""
    path = os.path.join(model_dir, "artifacts.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        rec = json.load(f).get(name)
    return rec if rec and rec.get("key") == key else None


def _artifact_record(model_dir, name, rec):
    path = os.path.join(model_dir, "artifacts.json")
    data = {}
    if os.path.exists(path):
        with open(path) as f:
            data = json.load(f)
    data[name] = rec
    with open(path, "w") as f:
        json.dump(data, f, indent=2)


def _median_ms(fn, repeats):
    fn()  # once untimed: file in the page cache, libraries' lazy initialisation done
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter_ns()
        fn()
        times.append((time.perf_counter_ns() - t0) / 1e6)
    return float(np.median(times))


class Engine:
    name = ""
    dtype = np.float32
    libraries = ()  # the Python distributions whose versions matter

    def supports(self, meta):
        return True

    def prepare(self, model_dir, meta):
        return None

    def input_dtype(self, meta):
        return self.dtype

    def batch_input(self, state, X):
        return np.ascontiguousarray(X, dtype=self.input_dtype(state["meta"]))

    def row_inputs(self, state, X):
        Xc = self.batch_input(state, X)
        return [Xc[i:i + 1] for i in range(Xc.shape[0])]

    def as_matrix(self, out, meta):
        out = np.asarray(out, dtype=np.float64)
        return out.reshape(out.shape[0], -1)


class XGBoost(Engine):
    name = "xgboost"
    libraries = ("xgboost-cpu",)
    load_what = "xgboost.Booster(model_file=model.json)"

    def supports(self, meta):
        return meta["library"] == "xgboost"

    def load(self, model_dir, meta, threads, load_repeats=5):
        import xgboost as xgb
        path = model_path(model_dir, meta)
        load_ms = _median_ms(lambda: xgb.Booster(model_file=path), load_repeats)
        booster = xgb.Booster(model_file=path)
        booster.set_param({"nthread": threads})
        return {"booster": booster, "meta": meta, "load_ms": load_ms}

    def predict(self, state, inp):
        return state["booster"].inplace_predict(inp)


class LightGBM(Engine):
    name = "lightgbm"
    dtype = np.float64
    libraries = ("lightgbm",)
    load_what = "lightgbm.Booster(model_file=model.txt)"

    def supports(self, meta):
        return meta["library"] == "lightgbm"

    def load(self, model_dir, meta, threads, load_repeats=5):
        import lightgbm as lgb
        path = model_path(model_dir, meta)
        load_ms = _median_ms(lambda: lgb.Booster(model_file=path), load_repeats)
        return {"booster": lgb.Booster(model_file=path), "meta": meta, "threads": threads, "load_ms": load_ms}

    def predict(self, state, inp):
        return state["booster"].predict(inp, num_threads=state["threads"])


class OnnxRuntime(Engine):
    name = "onnxruntime"
    libraries = ("onnxruntime", "onnxmltools", "onnx")
    load_what = "onnxruntime.InferenceSession(model.onnx)"

    def _path(self, model_dir):
        return os.path.join(model_dir, "model.onnx")

    def prepare(self, model_dir, meta):
        import onnxmltools
        from onnxmltools.convert.common.data_types import FloatTensorType
        src = model_path(model_dir, meta)
        key = file_key(src, "onnxmltools " + onnxmltools.__version__)
        out = self._path(model_dir)
        rec = _artifact_cached(model_dir, "onnx", key)
        if rec and os.path.exists(out):
            return rec
        t0 = time.time()
        types = [("input", FloatTensorType([None, meta["features"]]))]
        if meta["library"] == "xgboost":
            import xgboost as xgb
            onx = onnxmltools.convert_xgboost(xgb.Booster(model_file=src), initial_types=types)
        else:
            import lightgbm as lgb
            onx = onnxmltools.convert_lightgbm(lgb.Booster(model_file=src), initial_types=types)
        with open(out, "wb") as f:
            f.write(onx.SerializeToString())
        ops = sorted({f"{n.domain}:{n.op_type}" for n in onx.graph.node})
        opsets = {o.domain or "ai.onnx": o.version for o in onx.opset_import}
        rec = {"key": key, "seconds": round(time.time() - t0, 2),
               "note": f"onnxmltools.convert_{meta['library']}, float32 input; ops {', '.join(ops)}; opsets {opsets}"}
        _artifact_record(model_dir, "onnx", rec)
        return rec

    def load(self, model_dir, meta, threads, load_repeats=5):
        import onnxruntime as ort
        path = self._path(model_dir)

        def make():
            so = ort.SessionOptions()
            so.intra_op_num_threads = threads
            so.inter_op_num_threads = 1
            so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])

        load_ms = _median_ms(make, load_repeats)
        sess = make()
        outs = [o.name for o in sess.get_outputs()]
        # classifiers give (label, probabilities): ask for the probabilities only
        want = [n for n in outs if "prob" in n.lower()] or outs[-1:]
        return {"sess": sess, "out": want, "in": sess.get_inputs()[0].name, "meta": meta, "load_ms": load_ms}

    def batch_input(self, state, X):
        return {state["in"]: np.ascontiguousarray(X, dtype=np.float32)}

    def row_inputs(self, state, X):
        Xc = np.ascontiguousarray(X, dtype=np.float32)
        return [{state["in"]: Xc[i:i + 1]} for i in range(Xc.shape[0])]

    def predict(self, state, inp):
        return state["sess"].run(state["out"], inp)[0]

    def as_matrix(self, out, meta):
        out = np.asarray(out, dtype=np.float64)
        out = out.reshape(out.shape[0], -1)
        if meta["library"] == "xgboost" and meta["params"]["objective"].startswith("binary") and out.shape[1] == 2:
            out = out[:, 1:]  # P(class 1), as XGBoost's predict
        return out


def _treelite_model(model_dir, meta):
    import treelite
    path = model_path(model_dir, meta)
    if meta["library"] == "xgboost":
        return treelite.frontend.load_xgboost_model(path)
    return treelite.frontend.load_lightgbm_model(path)


class TreeliteGTIL(Engine):
    name = "treelite_gtil"
    libraries = ("treelite",)
    load_what = "treelite.frontend.load_{xgboost,lightgbm}_model"

    def input_dtype(self, meta):
        return np.float32 if meta["library"] == "xgboost" else np.float64

    def load(self, model_dir, meta, threads, load_repeats=5):
        load_ms = _median_ms(lambda: _treelite_model(model_dir, meta), load_repeats)
        return {"model": _treelite_model(model_dir, meta), "threads": threads, "meta": meta, "load_ms": load_ms}

    def predict(self, state, inp):
        import treelite
        return treelite.gtil.predict(state["model"], inp, nthread=state["threads"])


class TL2cgen(Engine):
    name = "tl2cgen"
    libraries = ("tl2cgen", "treelite")
    load_what = "tl2cgen.Predictor(compiled .so)"

    def input_dtype(self, meta):
        return np.float32 if meta["library"] == "xgboost" else np.float64

    def _path(self, model_dir):
        return os.path.join(model_dir, "tl2cgen.so")

    @staticmethod
    def parallel_comp(meta):
        # One translation unit per ~25 trees: gcc -O3 on one huge function takes far longer
        # (and more memory) than on many small ones; both cores compile.
        trees = meta["structure"]["trees"]
        return max(2, trees // 25)

    def prepare(self, model_dir, meta):
        import subprocess
        import tl2cgen
        src = model_path(model_dir, meta)
        pc = self.parallel_comp(meta)
        gcc = subprocess.run(["gcc", "-dumpfullversion"], capture_output=True, text=True).stdout.strip()
        key = file_key(src, f"tl2cgen {tl2cgen.__version__} gcc {gcc} parallel_comp {pc}")
        out = self._path(model_dir)
        rec = _artifact_cached(model_dir, "tl2cgen", key)
        if rec and os.path.exists(out):
            return rec
        t0 = time.time()
        model = _treelite_model(model_dir, meta)
        tl2cgen.export_lib(model, toolchain="gcc", libpath=out, params={"parallel_comp": pc},
                           nthread=os.cpu_count() or 1, verbose=False)
        rec = {"key": key, "seconds": round(time.time() - t0, 1),
               "note": f"tl2cgen.export_lib, gcc {gcc} -O3, parallel_comp={pc}, compiled on {os.cpu_count()} cores"}
        _artifact_record(model_dir, "tl2cgen", rec)
        return rec

    def load(self, model_dir, meta, threads, load_repeats=5):
        import tl2cgen
        path = self._path(model_dir)
        load_ms = _median_ms(lambda: tl2cgen.Predictor(path, nthread=threads), load_repeats)
        return {"pred": tl2cgen.Predictor(path, nthread=threads), "meta": meta, "load_ms": load_ms}

    def batch_input(self, state, X):
        import tl2cgen
        dt = self.input_dtype(state["meta"])
        return tl2cgen.DMatrix(np.ascontiguousarray(X, dtype=dt), dtype="float32" if dt == np.float32 else "float64")

    def row_inputs(self, state, X):
        import tl2cgen
        dt = self.input_dtype(state["meta"])
        Xc = np.ascontiguousarray(X, dtype=dt)
        name = "float32" if dt == np.float32 else "float64"
        return [tl2cgen.DMatrix(Xc[i:i + 1], dtype=name) for i in range(Xc.shape[0])]

    def predict(self, state, inp):
        return state["pred"].predict(inp)


class Lleaves(Engine):
    name = "lleaves"
    dtype = np.float64
    libraries = ("lleaves", "llvmlite")
    load_what = "lleaves.Model + compile(cache=object file)"

    def supports(self, meta):
        return meta["library"] == "lightgbm"

    def _path(self, model_dir):
        return os.path.join(model_dir, "lleaves.o")

    def prepare(self, model_dir, meta):
        import lleaves
        import llvmlite
        from importlib.metadata import version
        src = model_path(model_dir, meta)
        key = file_key(src, f"lleaves {version('lleaves')} llvmlite {llvmlite.__version__}")
        out = self._path(model_dir)
        rec = _artifact_cached(model_dir, "lleaves", key)
        if rec and os.path.exists(out):
            return rec
        if os.path.exists(out):
            os.remove(out)
        t0 = time.time()
        lleaves.Model(model_file=src).compile(cache=out)
        rec = {"key": key, "seconds": round(time.time() - t0, 1), "note": "lleaves compile (LLVM), default options"}
        _artifact_record(model_dir, "lleaves", rec)
        return rec

    def load(self, model_dir, meta, threads, load_repeats=5):
        import lleaves
        src, obj = model_path(model_dir, meta), self._path(model_dir)

        def make():
            m = lleaves.Model(model_file=src)
            m.compile(cache=obj)
            return m

        load_ms = _median_ms(make, load_repeats)
        return {"model": make(), "threads": threads, "meta": meta, "load_ms": load_ms}

    def predict(self, state, inp):
        return state["model"].predict(inp, n_jobs=state["threads"])


ENGINES = {e.name: e for e in [XGBoost(), LightGBM(), OnnxRuntime(), TreeliteGTIL(), TL2cgen(), Lleaves()]}
