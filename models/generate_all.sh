#!/usr/bin/env bash
# Regenerate the conformance fixtures: build/refresh the venvs, then run each
# library's generator (generate_<library>.py) once per pinned version of it.
# Output: models/<library>/<version>/
# Optional argument: a library name, to regenerate only that library.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV_DIR="${XYLEM_VENV_DIR:-$HOME/.cache/xylem-venvs}"
ONLY="${1:-}"

bash "$HERE/make_venvs.sh" $ONLY

for req in "$HERE"/requirements-*.txt; do
    lib="$(basename "$req" .txt)"; lib="${lib#requirements-}"; lib="${lib%%-*}"
    [[ -n "$ONLY" && "$ONLY" != "$lib" ]] && continue
    pin="$lib"; [[ "$lib" == sklearn ]] && pin=scikit-learn; [[ "$lib" == onnx ]] && pin=onnxruntime
    ver="$(sed -n -E "s/^${pin}(-cpu)?==([^[:space:]]+).*/\2/p" "$req" | head -n1)"
    py="$VENV_DIR/$lib-$ver/bin/python"
    echo "=== $lib $ver"
    "$py" "$HERE/generate_$lib.py" --out "$HERE/$lib"
done
du -sh "$HERE"
