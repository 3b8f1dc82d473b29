"""Deterministic structured synthetic data and the benchmark model suite.

Writes, per model, into WORK/models/<name>/:
  model.json | model.txt   the trained model (XGBoost JSON or LightGBM text)
  rows.csv                 the 10000 held-out test rows, header f0..fN-1 (what xylem reads)
  rows.npy                 the same rows parsed from rows.csv as float64 (what the Python engines get)
  rows_head.csv            the first 100 test rows (for load-only timings of the xylem CLI)
  meta.json                what was trained, how long it took, the data recipe's hash

Nothing is downloaded: every data set is generated here from fixed seeds, with structure
(correlated features, nonlinear labels, one-hot blocks) so that trees reach full depth and
test rows follow the same paths as training rows (not uniform noise).
Models already present with the same recipe hash are kept (training is cached).

  python make_models.py --work DIR [--only higgs,taxi,covtype,epsilon] [--threads 2]
"""
import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np

N_TEST = 10000
HEAD_ROWS = 100


# ---------------------------------------------------------------- generators
# Each returns (X float64 with values already rounded to the decimals that rows.csv
# writes, y). Rounding before training makes the CSV text exact: the Python engines
# and xylem read the very same numbers.

def gen_higgs(n, seed):
    """Higgs-like: 21 'low-level' kinematic features (skewed momenta, pseudo-rapidities,
    angles, b-tags) and 7 'high-level' invariant-mass-like features computed from them;
    the label is a noisy nonlinear function of both."""
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.53
    # 5 objects (lepton, 4 jets) + missing energy: pT, eta, phi (+ b-tag for jets)
    pt_scale = np.where(y, 1.15, 1.0)[:, None]
    pts = rng.gamma(shape=2.5, scale=0.4, size=(n, 6)) * pt_scale
    etas = rng.normal(0, 1.0, size=(n, 6)) * np.where(y, 0.9, 1.1)[:, None]
    phis = rng.uniform(-np.pi, np.pi, size=(n, 6))
    # correlation: jets recoil against the lepton
    phis[:, 2] = np.mod(phis[:, 1] + np.pi + rng.normal(0, 0.7, n) + np.pi, 2 * np.pi) - np.pi
    btag = (rng.random((n, 3)) < np.where(y, 0.45, 0.3)[:, None]).astype(float) * rng.choice([1.0, 2.0], size=(n, 3))
    low = np.column_stack([pts[:, 0], etas[:, 0], phis[:, 0],            # lepton
                           pts[:, 5], phis[:, 5],                         # missing energy
                           pts[:, 1], etas[:, 1], phis[:, 1], btag[:, 0],  # jet 1
                           pts[:, 2], etas[:, 2], phis[:, 2], btag[:, 1],  # jet 2
                           pts[:, 3], etas[:, 3], phis[:, 3], btag[:, 2],  # jet 3
                           pts[:, 4], etas[:, 4], phis[:, 4],              # jet 4
                           rng.normal(0, 1, n)])                           # a nuisance feature

    def mass(i, j):
        return np.sqrt(np.maximum(0, 2 * pts[:, i] * pts[:, j] * (np.cosh(etas[:, i] - etas[:, j]) - np.cos(phis[:, i] - phis[:, j]))))

    m_jj = mass(1, 2)
    m_jjj = np.sqrt(m_jj ** 2 + mass(1, 3) ** 2 + mass(2, 3) ** 2)
    m_lv = mass(0, 5)
    m_jlv = np.sqrt(m_lv ** 2 + mass(0, 3) ** 2)
    m_bb = mass(2, 4)
    m_wbb = np.sqrt(m_bb ** 2 + m_jj ** 2)
    m_wwbb = np.sqrt(m_wbb ** 2 + m_lv ** 2)
    # signal: resonance peaks in some masses
    shift = np.where(y, 1.0, 0.0)
    m_jj = m_jj * (1 + 0.15 * shift * np.exp(-((m_jj - 1.0) ** 2)))
    m_wwbb = m_wwbb + 0.3 * shift * np.exp(-((m_wwbb - 2.5) ** 2))
    high = np.column_stack([m_jj, m_jjj, m_lv, m_jlv, m_bb, m_wbb, m_wwbb])
    X = np.column_stack([low, high])
    # label noise so that the model keeps splitting (deep trees)
    flip = rng.random(n) < 0.12
    y = np.where(flip, ~y, y).astype(np.float64)
    return np.round(X, 4), y


def gen_taxi(n, seed):
    """NYC-taxi-like: pickup hour, weekday, trip distance, pickup and dropoff coordinates,
    passengers; target = trip duration in minutes (L1 regression, as lleaves' benchmark)."""
    rng = np.random.default_rng(seed)
    hour = rng.choice(24, size=n, p=np.array([2, 1, 1, 1, 1, 2, 4, 6, 7, 6, 5, 5, 5, 5, 5, 5, 6, 7, 7, 6, 5, 4, 3, 2.0]) / 101.0)
    minute = rng.integers(0, 60, n)
    hour_f = hour + minute / 60.0
    weekday = rng.integers(0, 7, n).astype(float)
    centers = np.array([[40.75, -73.98], [40.71, -74.01], [40.78, -73.96], [40.64, -73.78], [40.77, -73.87]])
    which = rng.choice(5, size=n, p=[0.45, 0.2, 0.2, 0.08, 0.07])
    pick = centers[which] + rng.normal(0, 0.015, size=(n, 2))
    dist = np.clip(rng.lognormal(mean=0.6, sigma=0.7, size=n), 0.1, 40)
    ang = rng.uniform(0, 2 * np.pi, n)
    drop = pick + np.column_stack([np.sin(ang), np.cos(ang)]) * (dist / 69.0)[:, None]
    passengers = rng.choice([1, 2, 3, 4, 5, 6], size=n, p=[0.7, 0.14, 0.05, 0.03, 0.05, 0.03]).astype(float)
    rush = np.exp(-((hour_f - 8.5) ** 2) / 2) + np.exp(-((hour_f - 17.5) ** 2) / 3)
    weekend = (weekday >= 5).astype(float)
    midtown = np.exp(-(((pick[:, 0] - 40.75) / 0.02) ** 2 + ((pick[:, 1] + 73.98) / 0.02) ** 2))
    speed = 14 - 6 * rush * (1 - 0.6 * weekend) - 4 * midtown + 8 * (which == 3)  # mph
    duration = 60 * dist / np.clip(speed, 3, None) + 2 + rng.laplace(0, 2.5, n) + 0.3 * passengers
    X = np.column_stack([hour_f, weekday, dist, pick[:, 0], pick[:, 1], drop[:, 0], drop[:, 1], passengers])
    X = np.column_stack([np.round(X[:, 0], 3), X[:, 1], np.round(X[:, 2], 2), np.round(X[:, 3:7], 5), X[:, 7]])
    return X, np.round(np.clip(duration, 1, None), 2)


def gen_covtype(n, seed):
    """Covtype-like: 10 continuous terrain features, 4 one-hot wilderness areas, 40 one-hot
    soil types; 7 cover types determined mostly by elevation bands, soil and wilderness."""
    rng = np.random.default_rng(seed)
    wild = rng.choice(4, size=n, p=[0.45, 0.05, 0.44, 0.06])
    elev_mu = np.array([3000, 3200, 2800, 2300.0])[wild]
    elevation = rng.normal(elev_mu, 280)
    aspect = rng.uniform(0, 360, n)
    slope = np.clip(rng.gamma(3, 4.5, n), 0, 66)
    h_hyd = np.clip(rng.gamma(1.6, 170, n), 0, 1400)
    v_hyd = h_hyd * np.tan(np.radians(slope)) * rng.uniform(-0.3, 0.9, n)
    h_road = np.clip(rng.gamma(1.8, 1300, n), 0, 7100)
    hill9 = np.clip(255 - 80 * np.cos(np.radians(aspect - 135)) * np.sin(np.radians(slope)) * 2 + rng.normal(0, 12, n), 0, 254)
    hill12 = np.clip(220 - 30 * np.sin(np.radians(slope)) + rng.normal(0, 10, n), 0, 254)
    hill3 = np.clip(140 + 80 * np.cos(np.radians(aspect - 135)) * np.sin(np.radians(slope)) * 2 + rng.normal(0, 15, n), 0, 254)
    h_fire = np.clip(rng.gamma(1.9, 1050, n), 0, 7200)
    # soil depends on elevation
    soil_center = np.clip((elevation - 1850) / 2050 * 40, 0, 39)
    soil = np.clip(np.round(soil_center + rng.normal(0, 5, n)), 0, 39).astype(int)
    cont = np.column_stack([elevation, aspect, slope, h_hyd, v_hyd, h_road, hill9, hill12, hill3, h_fire])
    cont = np.round(cont)
    onehot_w = np.eye(4)[wild]
    onehot_s = np.eye(40)[soil]
    # class scores: elevation bands + soil + wilderness + distances + noise
    e = (elevation - 2950) / 300
    scores = np.column_stack([
        -((e - 0.3) ** 2) * 2 + 0.3 * (wild == 0),               # spruce/fir
        -((e - -0.2) ** 2) * 2 + 0.4 * (wild == 2) + 0.15,       # lodgepole pine
        -((e - -2.0) ** 2) * 1.5 + 0.8 * (wild == 3),            # ponderosa pine
        -((e - -2.8) ** 2) * 2 + 1.2 * (wild == 3) - 0.5 + 0.002 * (200 - h_hyd).clip(0),  # cottonwood/willow
        -((e - -0.9) ** 2) * 2 + 0.5 * (slope > 20) - 0.3,       # aspen
        -((e - -1.6) ** 2) * 1.5 + 0.6 * (wild == 3) + 0.3 * (soil % 7 == 3),  # douglas-fir
        -((e - 1.4) ** 2) * 2 + 0.7 * (wild == 1) + 0.4 * (soil >= 35),        # krummholz
    ])
    scores += 0.00008 * (h_road - 2000)[:, None] * np.linspace(-1, 1, 7)[None, :]
    scores += 0.3 * np.sin(np.radians(aspect))[:, None] * np.linspace(1, -1, 7)[None, :]
    scores += rng.gumbel(0, 0.45, size=scores.shape)
    y = np.argmax(scores, axis=1).astype(np.float64)
    return np.column_stack([cont, onehot_w, onehot_s]), y


def gen_epsilon(n, seed):
    """Epsilon-like: 2000 dense features (correlated Gaussian blocks, each row scaled to
    unit norm as Epsilon's rows are); binary label from a sparse linear part plus
    pairwise interactions and noise."""
    rng = np.random.default_rng(seed)
    d = 2000
    wrng = np.random.default_rng(seed + 1000)  # the function is the same for train and test
    latent = rng.normal(size=(n, 100)).astype(np.float32)
    mix = wrng.normal(size=(100, d)).astype(np.float32) * (wrng.random((100, d)) < 0.05)
    X = rng.normal(size=(n, d)).astype(np.float32) + latent @ mix
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    X *= 40.0  # typical magnitude ~1, keeps 3 decimals meaningful
    X = np.round(X.astype(np.float64), 3)
    w = wrng.normal(size=d) * (wrng.random(d) < 0.1)
    pairs = wrng.integers(0, d, size=(60, 2))
    z = X @ w / 4 + 0.8 * np.sum(X[:, pairs[:, 0]] * X[:, pairs[:, 1]], axis=1) / 8 + np.sin(2 * X[:, 7]) + rng.logistic(0, 0.8, n)
    y = (z > np.median(z)).astype(np.float64)
    return X, y


# ---------------------------------------------------------------- the suite

SUITE = {
    # name: (generator, train rows, library, params, rounds, description)
    "higgs": dict(gen=gen_higgs, train_rows=150_000, lib="xgboost", rounds=500,
                  params={"objective": "binary:logistic", "max_depth": 8, "eta": 0.1, "tree_method": "hist",
                          "min_child_weight": 1},
                  desc="Higgs-like, 28 features, binary:logistic, 500 trees of depth 8 (XGBoost hist)"),
    "taxi": dict(gen=gen_taxi, train_rows=200_000, lib="lightgbm", rounds=100,
                 params={"objective": "regression_l1", "verbose": -1, "seed": 0, "deterministic": True,
                         "force_col_wise": True},
                 desc="NYC-taxi-like, 8 features, LightGBM defaults (100 trees, 31 leaves), regression_l1"),
    "covtype": dict(gen=gen_covtype, train_rows=150_000, lib="xgboost", rounds=100,
                    params={"objective": "multi:softprob", "num_class": 7, "max_depth": 10, "eta": 0.1,
                            "tree_method": "hist"},
                    desc="Covtype-like, 54 features (10 continuous + 44 one-hot), 7-class multi:softprob, "
                         "100 rounds of depth 10 (700 trees)"),
    # 2000 features make XGBoost hist training slow (per-node histograms of 2000 x max_bin):
    # 10k rows, 64 bins and 30% of the columns per tree keep it to a few minutes on 2 cores.
    "epsilon": dict(gen=gen_epsilon, train_rows=10_000, lib="xgboost", rounds=1000,
                    params={"objective": "binary:logistic", "max_depth": 6, "eta": 0.1, "tree_method": "hist",
                            "max_bin": 64, "colsample_bytree": 0.3},
                    desc="Epsilon-like, 2000 dense features, binary:logistic, 1000 trees of depth 6"),
}
SEEDS = {"higgs": 11, "taxi": 22, "covtype": 33, "epsilon": 44}


def recipe_hash(name):
    """Changes when anything that makes this model's data or training changes."""
    import inspect
    spec = SUITE[name]
    text = inspect.getsource(spec["gen"]) + json.dumps(
        {k: v for k, v in spec.items() if k != "gen"}, sort_keys=True) + f"{SEEDS[name]} {N_TEST} {HEAD_ROWS}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def write_csv(path, X, names, fmt):
    # np.savetxt is slow for 20M values; format rows in chunks instead.
    with open(path, "w") as f:
        f.write(",".join(names) + "\n")
        for start in range(0, X.shape[0], 500):
            np.savetxt(f, X[start:start + 500], fmt=fmt, delimiter=",")


def tree_stats_xgb(booster):
    import json as _j
    model = _j.loads(booster.save_raw("json").decode())
    trees = model["learner"]["gradient_booster"]["model"]["trees"]
    depths = []
    for t in trees:
        left, right = t["left_children"], t["right_children"]
        depth = [0] * len(left)
        for i in range(len(left)):  # parents come before children in XGBoost's numbering
            if left[i] != -1:
                depth[left[i]] = depth[right[i]] = depth[i] + 1
        depths.append(max(depth))
    nodes = sum(len(t["left_children"]) for t in trees)
    return {"trees": len(trees), "nodes": nodes, "max_depth": max(depths),
            "trees_at_max_depth": int(sum(d == max(depths) for d in depths))}


def train(name, work, threads):
    spec = SUITE[name]
    out = os.path.join(work, "models", name)
    os.makedirs(out, exist_ok=True)
    meta_path = os.path.join(out, "meta.json")
    h = recipe_hash(name)
    model_file = os.path.join(out, "model.json" if spec["lib"] == "xgboost" else "model.txt")
    if os.path.exists(meta_path) and os.path.exists(model_file):
        with open(meta_path) as f:
            meta = json.load(f)
        if meta.get("recipe") == h:
            print(f"make_models: {name}: cached ({model_file})", flush=True)
            return meta
    t0 = time.time()
    X, y = spec["gen"](spec["train_rows"] + N_TEST, SEEDS[name])
    Xtr, ytr, Xte, yte = X[:-N_TEST], y[:-N_TEST], X[-N_TEST:], y[-N_TEST:]
    names = [f"f{i}" for i in range(X.shape[1])]
    t_gen = time.time() - t0
    t0 = time.time()
    if spec["lib"] == "xgboost":
        import xgboost as xgb
        params = dict(spec["params"], nthread=threads, seed=0)
        dtrain = xgb.DMatrix(Xtr, label=ytr, feature_names=names)
        booster = xgb.train(params, dtrain, spec["rounds"])
        booster.save_model(model_file)
        stats = tree_stats_xgb(booster)
        pred = booster.inplace_predict(Xte)
        if spec["params"]["objective"].startswith("multi"):
            quality = {"test_accuracy": float(np.mean(np.argmax(pred, axis=1) == yte))}
        else:
            from sklearn.metrics import roc_auc_score
            quality = {"test_auc": float(roc_auc_score(yte, pred))}
    else:
        import lightgbm as lgb
        params = dict(spec["params"], num_threads=threads)
        booster = lgb.train(params, lgb.Dataset(Xtr, label=ytr, feature_name=names), spec["rounds"])
        booster.save_model(model_file)
        dump = booster.dump_model()
        leaves = [t["num_leaves"] for t in dump["tree_info"]]
        stats = {"trees": len(leaves), "max_leaves": max(leaves), "mean_leaves": float(np.mean(leaves))}
        pred = booster.predict(Xte)
        quality = {"test_mae": float(np.mean(np.abs(pred - yte))), "baseline_mae": float(np.mean(np.abs(yte - np.median(ytr))))}
    t_train = time.time() - t0
    fmt = "%.10g"
    write_csv(os.path.join(out, "rows.csv"), Xte, names, fmt)
    write_csv(os.path.join(out, "rows_head.csv"), Xte[:HEAD_ROWS], names, fmt)
    # What the engines get: rows.csv parsed back as float64 (identical to Xte, which was
    # rounded to the decimals written; parse to be sure the numbers are the file's).
    parsed = np.loadtxt(os.path.join(out, "rows.csv"), delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    assert parsed.shape == Xte.shape and np.array_equal(parsed, Xte), f"{name}: rows.csv does not read back exactly"
    np.save(os.path.join(out, "rows.npy"), np.ascontiguousarray(parsed))
    meta = {"name": name, "recipe": h, "library": spec["lib"], "model_file": os.path.basename(model_file),
            "description": spec["desc"], "features": X.shape[1], "train_rows": spec["train_rows"],
            "test_rows": N_TEST, "rounds": spec["rounds"], "params": spec["params"], "train_threads": threads,
            "structure": stats, "quality": quality,
            "seconds": {"generate": round(t_gen, 1), "train": round(t_train, 1)}}
    with open(meta_path, "w") as f:
        json.dump(meta, f, indent=2)
    print(f"make_models: {name}: trained in {t_train:.1f} s (data {t_gen:.1f} s): {stats} {quality}", flush=True)
    return meta


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", required=True)
    ap.add_argument("--only", default=",".join(SUITE))
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    for name in args.only.split(","):
        if name not in SUITE:
            sys.exit(f"make_models: unknown model {name!r} (known: {', '.join(SUITE)})")
        train(name, args.work, args.threads)


if __name__ == "__main__":
    main()
