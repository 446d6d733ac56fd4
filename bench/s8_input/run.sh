#!/usr/bin/env bash
# S8's input path against the same model fed from memory, in the same run:
# s8_input_bench trains S8's MLP (784-128-32-10, batch 100, SGD) from
# TFRecords through the graph's own reader, parser and shuffle queue
# (queue-runner threads beside the step), and from arrays in memory (the
# shuffle queue's dequeue fed), taking turns for ROUNDS rounds; medians:
#   BENCH s8_pipeline_steps | s8_memory_steps  steps/s
#   RATIO s8_input_vs_memory  (goal >= 0.9: the input never starves the step)
# The records are Fashion-MNIST's training set converted by
# convert-to-records (FMNIST_DIR, default /usr/share/datasets/fashion-mnist);
# without it the benchmark says so and prints no RATIO.
#   ROUNDS (3), WARMUP (100), STEPS (900: the pipeline ends after 1100)
set -euo pipefail
source "$(dirname "$0")/../common.sh"
BUILD_DIR=${BUILD_DIR:-build}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-100}
STEPS=${STEPS:-900}
data=${FMNIST_DIR:-/usr/share/datasets/fashion-mnist}
bin="$BUILD_DIR/bin/s8_input_bench"
[ -x "$bin" ] || cmake --build "$BUILD_DIR" --target s8_input_bench >/dev/null
[ -x "$BUILD_DIR/bin/convert-to-records" ] ||
  cmake --build "$BUILD_DIR" --target convert-to-records >/dev/null
if [ ! -f "$data/train-images-idx3-ubyte.gz" ]; then
  echo "PEER s8_input records unavailable: no Fashion-MNIST in $data. No RATIO."
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$BUILD_DIR/bin/convert-to-records" --input-dir "$data" --output-dir "$tmp" >/dev/null 2>&1
echo "CONFIG s8_input threads=${KILN_INTRA_OP_THREADS:-$(nproc)} batch=100" \
     "warmup=$WARMUP steps timed=$STEPS steps rounds=$ROUNDS"
rate() { sed -n 's/^RESULT s8 [a-z]* steps_per_s \([0-9.]*\)$/\1/p'; }
pipe=() mem=()
for ((r = 0; r < ROUNDS; r++)); do
  order=(pipeline memory)
  ((r % 2)) && order=(memory pipeline)
  for m in "${order[@]}"; do
    if [ "$m" = pipeline ]; then
      pipe+=("$("$bin" pipeline "$tmp" "$WARMUP" "$STEPS" | rate)")
    else
      mem+=("$("$bin" memory "$WARMUP" "$STEPS" | rate)")
    fi
  done
done
p=$(median "${pipe[@]}")
m=$(median "${mem[@]}")
echo "BENCH s8_pipeline_steps $p steps/s"
echo "BENCH s8_memory_steps $m steps/s"
awk -v p="$p" -v m="$m" 'BEGIN { printf "RATIO s8_input_vs_memory %.3f (higher is better)\n", p / m }'
