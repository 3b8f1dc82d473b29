#!/usr/bin/env bash
# One command for the dense side-by-side benchmark (xylem's dense engine against ONNX Runtime
# and OpenBLAS):
#   bash bench/dense_side_by_side/run.sh [--quick] [--threads 1,2] [--seconds S] [--models mlp,logreg] ...
# Builds build-bench/xylem (Release, CLI only) and work/openblas_gemm, reuses the tree
# benchmark's venv (bench/side_by_side/make_venv.sh), trains the models into
# bench/dense_side_by_side/work/ (cached), times everything and rewrites only the dense
# section of bench/RESULTS.md. `bench.py run --help` lists the options.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
cd "$REPO"
args=()
quick=0
for a in "$@"; do
    if [[ "$a" == "--quick" ]]; then quick=1; else args+=("$a"); fi
done
if [[ $quick == 1 ]]; then args=(--seconds 0.5 --warmup 0.2 "${args[@]}"); fi
if [[ -z "${XYLEM_SKIP_BUILD:-}" ]]; then
    cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DXYLEM_BUILD_TESTS=OFF -DXYLEM_BUILD_BENCH=OFF >/dev/null
    cmake --build build-bench -j2 --target xylem_cli >/dev/null
fi
VENV="$(bash "$REPO/bench/side_by_side/make_venv.sh" | tail -n1)"
bash "$HERE/build_openblas_gemm.sh" "$HERE/work/openblas_gemm" >/dev/null
cmdline="bash bench/dense_side_by_side/run.sh${*:+ $*}"
exec "$VENV/bin/python" "$HERE/bench.py" run --xylem "$REPO/build-bench/xylem" --command-line "$cmdline" "${args[@]}"
