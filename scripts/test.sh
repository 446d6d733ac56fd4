#!/usr/bin/env bash
# The test command: installs dependencies, builds, and runs every test
# (GoogleTest, lit, end-to-end) through CTest; then rebuilds the runtime with
# ASan+UBSan and with TSan and runs its unit tests again under each
# (skip those with KILN_SKIP_SANITIZERS=1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export PATH=/usr/lib/llvm-22/bin:$PATH
JOBS=${JOBS:-$(nproc)}

echo "== build + test (build/)"
BUILD_DIR=build bash scripts/build.sh
ctest --test-dir build --output-on-failure -j "$JOBS"

if [ "${KILN_SKIP_SANITIZERS:-0}" != 1 ]; then
  for san in address thread; do
    echo "== runtime tests under KILN_SANITIZER=$san (build-$san/)"
    BUILD_DIR=build-$san KILN_SANITIZER=$san KILN_ENABLE_COMPILER=OFF \
      bash scripts/build.sh
    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
    ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
      ctest --test-dir build-$san --output-on-failure -j "$JOBS" -L runtime
  done
fi
