#!/usr/bin/env bash
# End-to-end test of S8 compiled ahead of time: converts Fashion-MNIST to
# TFRecords, trains from train.tfrecords through the graph's own queue
# runners for its 2 epochs, and checks TF's run: 1100 steps of 100 images
# (55000 x 2 / 100), a line every 100 steps (11), the end on OutOfRange, the
# threads stopped and joined, and the loss going down. Skips (77) without
# the data.
set -euo pipefail
bin=$1
convert=$2
data=${3:-/usr/share/datasets/fashion-mnist}
[ -f "$data/train-images-idx3-ubyte.gz" ] || { echo "no Fashion-MNIST in $data: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$convert" --input-dir "$data" --output-dir "$tmp" >/dev/null
out=$(timeout 500 "$bin" --data "$tmp")
echo "$out"
[ "$(grep -c '^Step [0-9]*: loss = ' <<<"$out")" = 11 ]
grep -q '^Step 1000: loss = ' <<<"$out"
grep -q '^Done training for 2 epochs, 1100 steps\.$' <<<"$out"
first=$(sed -n 's/^Step 0: loss = \([0-9.]*\) .*/\1/p' <<<"$out")
last=$(sed -n 's/^Step 1000: loss = \([0-9.]*\) .*/\1/p' <<<"$out")
awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < a / 2) }'
# Without the records the reader's error ends the run, named as TF names it.
mkdir "$tmp/empty"
if err=$(timeout 60 "$bin" --data "$tmp/empty" 2>&1); then
  echo "expected a failure without train.tfrecords"; exit 1
fi
echo "$err"
grep -q 'NotFound: train.tfrecords; No such file or directory' <<<"$err"
echo PASS
