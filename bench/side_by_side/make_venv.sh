#!/usr/bin/env bash
# Build the side-by-side benchmark's venv (idempotent):
#   ${XYLEM_VENV_DIR:-$HOME/.cache/xylem-venvs}/bench, from requirements.txt beside this file.
# It is rebuilt only when missing or when requirements.txt changed (a copy of the
# requirements it was built from is kept in it as .xylem-requirements.txt).
# Prints the venv's path on the last line of standard output.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV_DIR="${XYLEM_VENV_DIR:-$HOME/.cache/xylem-venvs}"
VENV="$VENV_DIR/bench"
REQ="$HERE/requirements.txt"
STAMP="$VENV/.xylem-requirements.txt"
# Python 3.11 (the pins are for it): $PYTHON, else python3.11, else python3.
if [[ -z "${PYTHON:-}" ]]; then
    if command -v python3.11 >/dev/null 2>&1; then PYTHON=python3.11; else PYTHON=python3; fi
fi
if [[ -x "$VENV/bin/python" && -f "$STAMP" ]] && cmp -s "$REQ" "$STAMP"; then
    echo "make_venv: $VENV is up to date" >&2
else
    ver="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    if [[ "$ver" != "3.11" ]]; then
        echo "make_venv: warning: $PYTHON is Python $ver; the pins were chosen for 3.11" >&2
    fi
    echo "make_venv: building $VENV from $REQ (a few minutes)" >&2
    rm -rf "$VENV"
    mkdir -p "$VENV_DIR"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir -r "$REQ" >&2
    "$VENV/bin/python" -c "import xgboost, lightgbm, onnxruntime, onnxmltools, treelite, tl2cgen, lleaves, sklearn" >&2
    cp "$REQ" "$STAMP"
    echo "make_venv: done" >&2
fi
echo "$VENV"
