#!/usr/bin/env bash
# Installs the Debian packages Kiln needs. Idempotent: does nothing when all are present.
set -euo pipefail
PKGS=(
  cmake ninja-build ccache g++ python3 python3-numpy
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools lld-22 clang-22
  libclang-rt-22-dev
  libprotobuf-dev protobuf-compiler python3-protobuf
  zlib1g-dev libsnappy-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  dataset-fashion-mnist
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
