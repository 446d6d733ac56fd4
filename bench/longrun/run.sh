#!/usr/bin/env bash
# Long runs (issue: hardening): S8 with 4 reader threads for 30 minutes and
# S1 for 100 epochs, watched from outside by monitor.py: resident memory,
# threads and open fds every INTERVAL seconds, throughput over time, and
# verdicts (memory flat, no thread/fd leak, throughput steady) at the end.
#   bench/run.sh longrun            both, one after the other (~75 min)
#   bench/longrun/run.sh s8|s1      one of them
# S8_SECONDS (1800), S1_EPOCHS (100) and INTERVAL (60) shorten them.
# `bench/run.sh` without a name skips this benchmark.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build}
S8_SECONDS=${S8_SECONDS:-1800}
S1_EPOCHS=${S1_EPOCHS:-100}
INTERVAL=${INTERVAL:-60}
which=("$@")
[ ${#which[@]} -gt 0 ] || which=(s8 s1)
monitor=bench/longrun/monitor.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for w in "${which[@]}"; do
  case "$w" in
  s8)
    cmake --build "$BUILD_DIR" --target s8-longrun convert-to-records >/dev/null
    mkdir -p "$tmp/data"
    "$BUILD_DIR/bin/convert-to-records" --output-dir "$tmp/data" >/dev/null 2>&1
    python3 "$monitor" s8_longrun_4threads --interval "$INTERVAL" \
      --counter 'Step ([0-9]+):' --rate-unit steps/s -- \
      "$BUILD_DIR/bin/s8-longrun" --data "$tmp/data" \
      --seconds "$S8_SECONDS" --every 100
    ;;
  s1)
    cmake --build "$BUILD_DIR" --target mnist_mlp >/dev/null
    python3 "$monitor" s1_longrun --interval "$INTERVAL" \
      --rate ', ([0-9]+) samples/s' --rate-unit samples/s -- \
      "$BUILD_DIR/bin/mnist_mlp" --ckpt-dir "$tmp/ckpt" --logdir "$tmp/logs" \
      --epochs "$S1_EPOCHS"
    ;;
  *)
    echo "bench/longrun: no long run '$w' (have: s8 s1)" >&2
    exit 1
    ;;
  esac
done
