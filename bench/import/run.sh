#!/usr/bin/env bash
# Import+verify+export of a generated 100,000-node GraphDef vs protobuf's own
# ParseFromString of the same bytes, in one process.
# KILN_BENCH_NODES and KILN_BENCH_REPS change the size and repetitions.
set -euo pipefail
bin="$BUILD_DIR/bin/import_bench"
if [ ! -x "$bin" ]; then
  echo "bench/import: $bin not built (cmake --build $BUILD_DIR --target import_bench)" >&2
  exit 1
fi
"$bin"
