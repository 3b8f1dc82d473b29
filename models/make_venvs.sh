#!/usr/bin/env bash
# Create one virtualenv per pinned library version (idempotent).
#   requirements-<library>-<x>.txt pins <library>==<version> (xgboost may be xgboost-cpu)
#   -> ${XYLEM_VENV_DIR:-$HOME/.cache/xylem-venvs}/<library>-<version>
#   (library "sklearn" is pinned as scikit-learn==<version> and imported as sklearn;
#    library "onnx" is versioned by its onnxruntime==<version> pin and imports onnxruntime)
# A venv is (re)built only if it is missing or its requirements file changed
# (a copy of the requirements used is kept in the venv as .xylem-requirements.txt).
# A requirements file may name its interpreter in a comment line "# python: 3.12"
# (looked up as python3.12, then in pyenv); otherwise $PYTHON (default python3) is used.
# Optional argument: a library name, to build only that library's venvs.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV_DIR="${XYLEM_VENV_DIR:-$HOME/.cache/xylem-venvs}"
PYTHON="${PYTHON:-python3}"
ONLY="${1:-}"
mkdir -p "$VENV_DIR"

# Prints "<library> <version>" for a requirements file.
pinned() {
    local req="$1" lib
    lib="$(basename "$req" .txt)"; lib="${lib#requirements-}"; lib="${lib%%-*}"
    local ver pin="$lib"
    [[ "$lib" == sklearn ]] && pin=scikit-learn
    [[ "$lib" == onnx ]] && pin=onnxruntime
    ver="$(sed -n -E "s/^${pin}(-cpu)?==([^[:space:]]+).*/\2/p" "$req" | head -n1)"
    if [[ -z "$ver" ]]; then echo "make_venvs: no $lib pin in $req" >&2; exit 1; fi
    echo "$lib $ver"
}

for req in "$HERE"/requirements-*.txt; do
    read -r lib ver < <(pinned "$req")
    [[ -n "$ONLY" && "$ONLY" != "$lib" ]] && continue
    venv="$VENV_DIR/$lib-$ver"
    stamp="$venv/.xylem-requirements.txt"
    if [[ -x "$venv/bin/python" && -f "$stamp" ]] && cmp -s "$req" "$stamp"; then
        echo "make_venvs: $venv is up to date"
        continue
    fi
    echo "make_venvs: building $venv from $(basename "$req")"
    rm -rf "$venv"
    py="$PYTHON"
    want="$(sed -n -E 's/^# *python: *([0-9.]+).*/\1/p' "$req" | head -n1)"
    if [[ -n "$want" ]]; then
        # A pyenv shim is on PATH even when it cannot run that version: try pyenv's own first.
        py="$(ls -d "$HOME/.pyenv/versions/$want"*/bin/python 2>/dev/null | tail -n1)"
        [[ -z "$py" ]] && "python$want" -c '' 2>/dev/null && py="python$want"
        if [[ -z "$py" ]]; then echo "make_venvs: $(basename "$req") needs Python $want" >&2; exit 1; fi
    fi
    "$py" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir -r "$req"
    # sanity: the interpreter imports the pinned version
    mod="$lib"; [[ "$lib" == onnx ]] && mod=onnxruntime
    got="$("$venv/bin/python" -c "import $mod; print($mod.__version__)")"
    if [[ "$got" != "$ver" ]]; then
        echo "make_venvs: $venv has $lib $got, expected $ver" >&2; exit 1
    fi
    cp "$req" "$stamp"
done
echo "make_venvs: done"
