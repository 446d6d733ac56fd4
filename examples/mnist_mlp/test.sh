#!/usr/bin/env bash
# End-to-end test of the ahead-of-time compiled S1/S2 example (short epochs):
# trains 2 epochs with a checkpoint each, restarts and resumes from the last
# one, then restores the latest checkpoint and predicts the test set with the
# same accuracy the training process reported. Skips (77) without the data.
set -euo pipefail
bin=$1
ckpt_tool=$2
fixtures=$3
data=${4:-/usr/share/datasets/fashion-mnist}
[ -f "$data/t10k-images-idx3-ubyte.gz" ] || { echo "no Fashion-MNIST in $data: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$("$bin" --data "$data" --ckpt-dir "$tmp/ckpt_dir" --logdir "$tmp/logs" --epochs 2 --batches-per-epoch 20)
echo "$out"
grep -q '^Start from: 0$' <<<"$out"
ls "$tmp"/logs/events.out.tfevents.* # loss and accuracy for TensorBoard
grep -q '^epoch 1: ' <<<"$out"
ls "$tmp/ckpt_dir"
[ "$(ls "$tmp/ckpt_dir" | wc -l)" -eq 7 ] # 2 x (.index, .data, .meta) + checkpoint
grep -q 'model_checkpoint_path: ".*model.ckpt-1"' "$tmp/ckpt_dir/checkpoint"
# The checkpoint holds what the TF-written graph's Saver saves: the same
# keys, dtypes, shapes and sizes as TF's own model.ckpt-95.index.
fixture=$fixtures/ZhianYang-mnist-save/ckpt_dir/model.ckpt-95
diff <("$ckpt_tool" list "$tmp/ckpt_dir/model.ckpt-1") <("$ckpt_tool" list "$fixture")
"$ckpt_tool" verify "$tmp/ckpt_dir/model.ckpt-1"
acc=$(sed -n 's/^epoch 1: .*test accuracy \([0-9.]*\),.*/\1/p' <<<"$out")
# Resume: the restarted run starts from the saved global_step.
out2=$("$bin" --data "$data" --ckpt-dir "$tmp/ckpt_dir" --logdir "$tmp/logs" --epochs 2 --batches-per-epoch 20)
echo "$out2"
grep -q '^Start from: 1$' <<<"$out2"
# S2: restore the latest and predict.
pred=$("$bin" --data "$data" --ckpt-dir "$tmp/ckpt_dir" --predict)
echo "$pred"
acc2=$(sed -n 's/^epoch 1: .*test accuracy \([0-9.]*\),.*/\1/p' <<<"$out2")
grep -q "^test accuracy: $acc2\$" <<<"$pred"
echo "PASS (accuracy after the first run $acc, after resuming $acc2)"
