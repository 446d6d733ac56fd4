#!/usr/bin/env bash
# Checkpoint save/restore throughput as a ratio to plain sequential
# write+fdatasync / read of the same bytes, plus a >= 1 GB round trip.
#   KILN_BENCH_CKPT_BYTES  checkpoint size in bytes (default 1073741824)
#   KILN_BENCH_CKPT_REPS   repetitions, best one kept (default 6: each
#                          contender goes first in half of them)
#   TMPDIR                 where the files go (needs 4x the size free)
set -euo pipefail
BUILD_DIR=${BUILD_DIR:-build}
bin=$BUILD_DIR/bin/checkpoint-bench
if [ ! -x "$bin" ]; then
  echo "checkpoint bench: $bin not built (scripts/build.sh --target checkpoint-bench)" >&2
  exit 1
fi
"$bin"
