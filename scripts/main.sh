#!/usr/bin/env bash
# Kiln's main job: install, build, run the S4 queue graph with the JIT, then
# the headline: convert Fashion-MNIST to TFRecords, train S8's TFRecord
# pipeline graph compiled ahead of time, compile the S1 training graph ahead
# of time (examples/mnist_mlp), train a few epochs with a TF-format
# checkpoint per epoch, restore the latest and report the test accuracy.
# EPOCHS (default 2) sets the S1 training length.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
BUILD_DIR=build bash scripts/build.sh graph-translate graph-opt graph-run \
  graph-compile graph-ckpt convert-to-records
B=build/bin
work=${KILN_MAIN_DIR:-/tmp/kiln-main}
rm -rf "$work" && mkdir -p "$work"

echo "== S4: FIFOQueue graph run with the JIT (prints 0.3, 1.1, 1.2)"
$B/graph-run examples/s4_fifo_queue/graph.pbtxt \
  --run 'target=fifo_queue_EnqueueMany' --run 'target=fifo_queue_enqueue repeat=2' \
  --run 'fetch=fifo_queue_Dequeue repeat=3'

echo "== Fashion-MNIST to TFRecords (S8's input files)"
mkdir -p "$work/records"
$B/convert-to-records --output-dir "$work/records"

echo "== S8: the TFRecord pipeline graph compiled ahead of time (2 epochs, 1100 steps)"
BUILD_DIR=build bash scripts/build.sh s8_tfrecords mnist_mlp
$B/s8_tfrecords --data "$work/records"

echo "== S1 compiled ahead of time (examples/mnist_mlp/model.meta.pbtxt via kiln_add_graph_library)"
echo "== S1: train ${EPOCHS:-2} epochs, a checkpoint per epoch"
$B/mnist_mlp --ckpt-dir "$work/ckpt_dir" --logdir "$work/logs" --epochs "${EPOCHS:-2}"
ls -l "$work/ckpt_dir"
$B/graph-ckpt list "$work/ckpt_dir"
echo "== S2: restore the latest checkpoint and predict the test set"
$B/mnist_mlp --ckpt-dir "$work/ckpt_dir" --predict
