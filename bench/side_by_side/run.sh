#!/usr/bin/env bash
# One command for the whole side-by-side benchmark:
#   bash bench/side_by_side/run.sh [--quick] [--xylem PATH] [--models higgs,taxi,covtype,epsilon]
#                                  [--engines xgboost,lightgbm,onnxruntime,treelite_gtil,tl2cgen,lleaves]
#                                  [--seconds S] [--threads 1,2] ...
# Builds the venv if missing (make_venv.sh), trains the models into bench/side_by_side/work/
# if missing (deterministic, cached), times every engine, writes bench/RESULTS.md and
# bench/side_by_side/work/results.json. `bench.py run --help` lists every option.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
VENV="$(bash "$HERE/make_venv.sh" | tail -n1)"
cd "$REPO"
cmdline="bash bench/side_by_side/run.sh${*:+ $*}"
exec "$VENV/bin/python" "$HERE/bench.py" run --command-line "$cmdline" "$@"
