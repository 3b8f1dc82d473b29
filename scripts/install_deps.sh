#!/usr/bin/env bash
# Installs the Debian packages xylem builds with, only those that are missing.
set -euo pipefail
packages=(g++ cmake make libcli11-dev nlohmann-json3-dev libgtest-dev libbenchmark-dev libopenblas-dev libprotobuf-dev libonnx-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
