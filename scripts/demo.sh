#!/usr/bin/env bash
# The main job on a bundled model: convert an XGBoost 3.x .ubj model to xylem JSON,
# predict a CSV file with it, and print a short latency summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DXYLEM_BUILD_TESTS=OFF > /dev/null
cmake --build build -j"$(nproc)" > build/build.log 2>&1 || { cat build/build.log; exit 1; }
case=models/xgboost/3.2.0/multi_softprob
./build/xylem inspect $case/model.ubj
./build/xylem convert $case/model.ubj -o build/model.xylem.json
./build/xylem predict build/model.xylem.json $case/input.csv -o build/predictions.csv --timing
echo "first predictions (build/predictions.csv):"
head -4 build/predictions.csv
