#!/usr/bin/env bash
# JIT benchmarks: compile time of the S1 predict graph (TF-written .meta from
# ../shared/fixtures), and the per-run overhead of a one-op graph against a
# direct C++ call (goal: under 1 us per run).
set -euo pipefail
BUILD_DIR=${BUILD_DIR:-build}
bin="$BUILD_DIR/bin/jit_bench"
if [ ! -x "$bin" ]; then
  cmake --build "$BUILD_DIR" --target jit_bench >/dev/null
fi
root=${KILN_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$bin" "$root/../shared/fixtures/tf/ZhianYang-mnist-save/ckpt_dir/model.ckpt-95.meta" "$scratch"
