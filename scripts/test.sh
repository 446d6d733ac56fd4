#!/usr/bin/env bash
# The test command: installs dependencies, builds, and runs every test
# (GoogleTest, lit, tool checks) through CTest; then rebuilds everything with
# ASan+UBSan and runs all tests again, and rebuilds the runtime with TSan and
# runs its tests again (skip both with KILN_SKIP_SANITIZERS=1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export PATH=/usr/lib/llvm-22/bin:$PATH
JOBS=${JOBS:-$(nproc)}

echo "== build + test (build/, warnings are errors)"
BUILD_DIR=build KILN_WERROR=${KILN_WERROR:-ON} bash scripts/build.sh
ctest --test-dir build --output-on-failure -j "$JOBS"

if [ "${KILN_SKIP_SANITIZERS:-0}" != 1 ]; then
  # allow_user_poisoning=0: LLVM's inline BumpPtrAllocator poisons slab space
  # from our instrumented code while Debian's uninstrumented libMLIR carves
  # objects out of the same slabs without unpoisoning them; ASan would report
  # those reads as use-after-poison. Real heap errors are still caught.
  export ASAN_OPTIONS="allow_user_poisoning=0:detect_leaks=1:abort_on_error=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"

  echo "== all tests under ASan+UBSan (build-address/)"
  BUILD_DIR=build-address KILN_SANITIZER=address bash scripts/build.sh
  ctest --test-dir build-address --output-on-failure -j "$JOBS"

  echo "== runtime tests under TSan (build-thread/)"
  BUILD_DIR=build-thread KILN_SANITIZER=thread KILN_ENABLE_COMPILER=OFF \
    bash scripts/build.sh
  ctest --test-dir build-thread --output-on-failure -j "$JOBS" -L runtime
fi
