#!/usr/bin/env bash
# Configures and builds Kiln with CMake + Ninja.
#   BUILD_DIR       build folder (default: build)
#   KILN_SANITIZER  '' | address | thread
#   KILN_ENABLE_COMPILER  ON (default) | OFF: runtime only, no LLVM needed
#   JOBS            parallel jobs (default: nproc)
#   KILN_WERROR     ON: warnings are errors (the CI build) | OFF (default)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
export PATH=/usr/lib/llvm-22/bin:$PATH
cmake -S . -B "$BUILD_DIR" -G Ninja \
  -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE:-RelWithDebInfo} \
  -DKILN_SANITIZER="${KILN_SANITIZER:-}" \
  -DKILN_WERROR="${KILN_WERROR:-OFF}" \
  -DKILN_ENABLE_COMPILER="${KILN_ENABLE_COMPILER:-ON}" \
  -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
  -DKILN_TF_FIXTURES="${KILN_TF_FIXTURES:-$PWD/../shared/fixtures/tf}" >/dev/null
if [ $# -gt 0 ]; then
  cmake --build "$BUILD_DIR" -j "$JOBS" --target "$@"
else
  cmake --build "$BUILD_DIR" -j "$JOBS"
fi
