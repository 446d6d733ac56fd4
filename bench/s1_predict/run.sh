#!/usr/bin/env bash
# The S1 predict-only program (graph-compile'd, no debug info): its size and
# the time from process start to the first prediction of a 128-image batch,
# variables restored from a checkpoint the S1 example writes first.
set -euo pipefail
BUILD_DIR=${BUILD_DIR:-build}
cmake --build "$BUILD_DIR" --target s1_predict_bench mnist_mlp >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$BUILD_DIR/bin/mnist_mlp" --ckpt-dir "$tmp/ckpt" --logdir "$tmp/logs" --epochs 1 --batches-per-epoch 1 >/dev/null
ckpt=$(sed -n 's/^model_checkpoint_path: "\(.*\)"/\1/p' "$tmp/ckpt/checkpoint")
best=""
for _ in 1 2 3 4 5; do
  t=$("$BUILD_DIR/bin/s1_predict_bench" "$ckpt")
  best=$(python3 -c "print(min(float('$t'), float('${best:-1e9}')))")
done
echo "BENCH s1_predict_binary_size $(( $(stat -c %s "$BUILD_DIR/bin/s1_predict_bench") / 1024 )) KiB"
python3 -c "print('BENCH s1_predict_startup_to_first_prediction %.1f ms' % ($best * 1000))"
