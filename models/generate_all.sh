#!/usr/bin/env bash
# Regenerate all XGBoost fixtures: build/refresh the venvs, then run the
# generator once per pinned XGBoost version.  Output: models/xgboost/<version>/
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV_DIR="${XYLEM_VENV_DIR:-$HOME/.cache/xylem-venvs}"
OUT="${1:-$HERE/xgboost}"

bash "$HERE/make_venvs.sh"

for req in "$HERE"/requirements-xgboost-*.txt; do
    ver="$(sed -n -E 's/^xgboost(-cpu)?==([^[:space:]]+).*/\2/p' "$req" | head -n1)"
    py="$VENV_DIR/xgboost-$ver/bin/python"
    echo "=== xgboost $ver"
    "$py" "$HERE/generate_xgboost.py" --out "$OUT"
done
du -sh "$HERE"
