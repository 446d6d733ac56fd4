#!/usr/bin/env bash
# JIT benchmarks: compile time of the S1 predict graph (the project's own S1,
# examples/mnist_mlp/model.meta.pbtxt, so it runs without the TF fixtures),
# and the per-run overhead of a one-op graph against a direct C++ call (goal:
# under 1 us per run).
set -euo pipefail
BUILD_DIR=${BUILD_DIR:-build}
bin="$BUILD_DIR/bin/jit_bench"
if [ ! -x "$bin" ]; then
  cmake --build "$BUILD_DIR" --target jit_bench >/dev/null
fi
root=${KILN_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$bin" "$root/examples/mnist_mlp/model.meta.pbtxt" "$scratch"
