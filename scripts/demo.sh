#!/usr/bin/env bash
# The main job on bundled models: convert an XGBoost 3.x .ubj model to xylem JSON,
# predict a CSV file with it and print a short latency summary; then predict with a
# LightGBM text model trained on pandas categories (its CSV holds category labels)
# and a CatBoost JSON model with one-hot categorical features, straight from their files;
# then a scikit-learn StandardScaler + MLPClassifier pipeline, in float and in int8.
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
for case in models/lightgbm/4.7.0/pandas_categorical models/catboost/1.2.10/onehot_symmetric_logloss; do
  model=$case/model.txt
  [[ -f $model ]] || model=$case/model.json
  echo
  echo "== $model"
  ./build/xylem predict "$model" $case/input.csv -o build/predictions.csv
  echo "first predictions, then the library's own (predict.csv):"
  paste -d' ' <(head -4 build/predictions.csv) <(head -4 $case/predict.csv)
done
case=models/sklearn/1.9.1/pipeline_scaler_mlp_classifier
echo
echo "== $case/model.json (scikit-learn StandardScaler -> MLPClassifier)"
./build/xylem predict $case/model.json $case/input.csv -o build/predictions.csv --timing
echo "first predictions, then scikit-learn's own (predict.csv):"
paste -d' ' <(head -4 build/predictions.csv) <(head -4 $case/predict.csv)
head -201 $case/input.csv > build/calibration.csv
./build/xylem convert $case/model.json -o build/mlp.int8.json --quantize int8 --calibration build/calibration.csv
./build/xylem predict build/mlp.int8.json $case/input.csv -o build/predictions.csv
echo "first int8 predictions:"
head -4 build/predictions.csv
# scikit-learn by both routes: the exporter's JSON (scikit-learn's numbers) and the
# skl2onnx file (ONNX Runtime's numbers) of a StandardScaler -> GradientBoostingClassifier pipeline
# (two fixtures: a 3-class one exported, a binary one converted).
for model in models/sklearn/1.9.1/pipeline_scaler_gradient_boosting_classifier/model.json \
             models/onnx/1.32.0/pipeline_scaler_gradient_boosting_classifier/model.onnx; do
  case=$(dirname $model)
  echo
  echo "== $model"
  ./build/xylem predict $model $case/input.csv -o build/predictions.csv
  echo "first predictions, then the library's own (predict.csv):"
  paste -d' ' <(head -4 build/predictions.csv) <(head -4 $case/predict.csv)
done
