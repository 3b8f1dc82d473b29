#!/usr/bin/env bash
# One command for the ONNX side-by-side benchmark (xylem against ONNX Runtime on the same .onnx
# files):
#   bash bench/onnx_side_by_side/run.sh [--quick] [--threads 1,2] [--seconds S] [--models gbc_pipeline,...] ...
# Builds build-bench/xylem (Release, CLI only; XYLEM_SKIP_BUILD=1 skips it), reuses the tree
# benchmark's venv (bench/side_by_side/make_venv.sh), trains and converts the models into
# bench/onnx_side_by_side/work/ (cached), checks xylem's outputs against ORT's, times both and
# rewrites only the ONNX section of bench/RESULTS.md. `bench.py run --help` lists the options.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
cd "$REPO"
args=()
quick=0
for a in "$@"; do
    if [[ "$a" == "--quick" ]]; then quick=1; else args+=("$a"); fi
done
if [[ $quick == 1 ]]; then args=(--seconds 0.5 --warmup 0.2 --load-repeats 2 "${args[@]}"); fi
if [[ -z "${XYLEM_SKIP_BUILD:-}" ]]; then
    cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DXYLEM_BUILD_TESTS=OFF -DXYLEM_BUILD_BENCH=OFF >/dev/null
    cmake --build build-bench -j2 --target xylem_cli >/dev/null
fi
VENV="$(bash "$REPO/bench/side_by_side/make_venv.sh" | tail -n1)"
cmdline="bash bench/onnx_side_by_side/run.sh${*:+ $*}"
exec "$VENV/bin/python" "$HERE/bench.py" run --xylem "$REPO/build-bench/xylem" --command-line "$cmdline" "${args[@]}"
