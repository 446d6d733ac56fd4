#!/usr/bin/env bash
# End-to-end test of the ahead-of-time compiled CNN (short epochs): trains
# 2 epochs of 100 batches with a checkpoint each (the loss must fall and the
# test accuracy pass 0.6), checks the checkpoint's CRCs, restores the latest
# and predicts the test set exactly as the training process did, and checks
# one training step against check_step.py's NumPy reimplementation. The
# full run (5 epochs, >= 0.90) is `cnn --epochs 5`: see README.md. Skips (77)
# without the data or NumPy.
set -euo pipefail
bin=$1
ckpt_tool=$2
data=${3:-/usr/share/datasets/fashion-mnist}
here=$(cd "$(dirname "$0")" && pwd)
[ -f "$data/t10k-images-idx3-ubyte.gz" ] || { echo "no Fashion-MNIST in $data: skipped"; exit 77; }
/usr/bin/python3 -c "import numpy" 2>/dev/null || { echo "no NumPy under /usr/bin/python3: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$("$bin" --data "$data" --ckpt-dir "$tmp/ckpt" --epochs 2 --batches-per-epoch 100 \
  --predictions "$tmp/trained.txt" | tr '\r' '\n' | grep -v ': step ')
echo "$out"
loss0=$(sed -n 's/^epoch 0: loss \([0-9.]*\),.*/\1/p' <<<"$out")
loss1=$(sed -n 's/^epoch 1: loss \([0-9.]*\),.*/\1/p' <<<"$out")
acc=$(sed -n 's/^epoch 1: .*test accuracy \([0-9.]*\),.*/\1/p' <<<"$out")
awk -v a="$loss0" -v b="$loss1" 'BEGIN { exit !(b < a) }' || { echo "FAIL: loss did not fall ($loss0 -> $loss1)"; exit 1; }
awk -v a="$acc" 'BEGIN { exit !(a > 0.6) }' || { echo "FAIL: test accuracy $acc after 200 steps"; exit 1; }
[ "$(ls "$tmp/ckpt" | grep -c '\.index$')" -eq 2 ]
grep -q 'model_checkpoint_path: ".*model.ckpt-1"' "$tmp/ckpt/checkpoint"
"$ckpt_tool" verify "$tmp/ckpt/model.ckpt-1"
# Every variable and Adam slot is in the checkpoint, with its shape.
"$ckpt_tool" list "$tmp/ckpt/model.ckpt-1" >"$tmp/list.txt"
grep -Eq '^conv2/Variable +float +\[5,5,32,64\] ' "$tmp/list.txt"
grep -Eq '^fc1/Variable/Adam_1 +float +\[3136,1024\] ' "$tmp/list.txt"
grep -Eq '^adam_optimizer/beta1_power +float +\[\] ' "$tmp/list.txt"
# Restore the latest and predict: the same accuracy, the same predictions.
pred=$("$bin" --data "$data" --ckpt-dir "$tmp/ckpt" --predict --predictions "$tmp/restored.txt")
echo "$pred"
grep -q "^test accuracy: $acc\$" <<<"$pred"
[ "$(wc -l <"$tmp/restored.txt")" -eq 10000 ]
cmp "$tmp/trained.txt" "$tmp/restored.txt"
# One step against NumPy (loss, every gradient, Adam's update).
"$bin" --data "$data" --dump-step "$tmp/step"
/usr/bin/python3 "$here/check_step.py" "$tmp/step"
# A bad flag is refused with the usage.
if "$bin" --no-such-flag 2>"$tmp/err"; then echo "FAIL: bad flag accepted"; exit 1; fi
grep -q '^usage: cnn' "$tmp/err"
if "$bin" --batch 0 2>"$tmp/err"; then echo "FAIL: --batch 0 accepted"; exit 1; fi
grep -q '^InvalidArgument: --batch must be positive$' "$tmp/err"
# --predict without a checkpoint says so.
if "$bin" --data "$data" --ckpt-dir "$tmp/none" --predict 2>"$tmp/err"; then
  echo "FAIL: --predict without a checkpoint succeeded"; exit 1
fi
grep -qx "NotFound: no checkpoint in $tmp/none" "$tmp/err"
echo "PASS (test accuracy $acc after 200 steps)"
