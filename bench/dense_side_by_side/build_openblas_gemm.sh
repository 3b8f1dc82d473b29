#!/usr/bin/env bash
# Builds work/openblas_gemm from openblas_gemm.cc (g++ -O2 against Debian's libopenblas-dev,
# the library xylem links). Not part of the CMake build. Prints the binary's path.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-$HERE/work/openblas_gemm}"
mkdir -p "$(dirname "$OUT")"
if [[ ! -x "$OUT" || "$HERE/openblas_gemm.cc" -nt "$OUT" ]]; then
    # shellcheck disable=SC2046
    g++ -O2 -std=c++17 -pthread -o "$OUT" "$HERE/openblas_gemm.cc" $(pkg-config --cflags --libs openblas)
fi
echo "$OUT"
