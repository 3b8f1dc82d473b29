#!/usr/bin/env bash
# Create one virtualenv per pinned XGBoost version (idempotent).
#   ${XYLEM_VENV_DIR:-$HOME/.cache/xylem-venvs}/xgboost-<version>
# A venv is (re)built only if it is missing or its requirements file changed
# (a copy of the requirements used is kept in the venv as .xylem-requirements.txt).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV_DIR="${XYLEM_VENV_DIR:-$HOME/.cache/xylem-venvs}"
PYTHON="${PYTHON:-python3}"
mkdir -p "$VENV_DIR"

for req in "$HERE"/requirements-xgboost-*.txt; do
    # exact xgboost version from the pin (package xgboost or xgboost-cpu)
    ver="$(sed -n -E 's/^xgboost(-cpu)?==([^[:space:]]+).*/\2/p' "$req" | head -n1)"
    if [[ -z "$ver" ]]; then
        echo "make_venvs: no xgboost pin in $req" >&2; exit 1
    fi
    venv="$VENV_DIR/xgboost-$ver"
    stamp="$venv/.xylem-requirements.txt"
    if [[ -x "$venv/bin/python" && -f "$stamp" ]] && cmp -s "$req" "$stamp"; then
        echo "make_venvs: $venv is up to date"
        continue
    fi
    echo "make_venvs: building $venv from $(basename "$req")"
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir -r "$req"
    # sanity: the interpreter imports the pinned version
    got="$("$venv/bin/python" -c 'import xgboost; print(xgboost.__version__)')"
    if [[ "$got" != "$ver" ]]; then
        echo "make_venvs: $venv has xgboost $got, expected $ver" >&2; exit 1
    fi
    cp "$req" "$stamp"
done
echo "make_venvs: done"
