#!/usr/bin/env bash
# TFRecord read + CRC + Example parse of Fashion-MNIST's train.tfrecords into
# [N,784] uint8 + [N] int64, against a plain sequential read of the same
# file. Converts the data with convert-to-records first unless
# KILN_TRAIN_TFRECORDS names an existing train.tfrecords.
set -euo pipefail
BUILD_DIR=${BUILD_DIR:-build}
bin="$BUILD_DIR/bin"
for t in tfrecord-bench convert-to-records; do
  if [ ! -x "$bin/$t" ]; then
    echo "bench/tfrecord: $bin/$t missing; build it: scripts/build.sh --target $t" >&2
    exit 1
  fi
done
train=${KILN_TRAIN_TFRECORDS:-}
if [ -z "$train" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  "$bin/convert-to-records" --output-dir "$tmp" >/dev/null 2>&1 || {
    echo "bench/tfrecord: convert-to-records failed (is dataset-fashion-mnist installed?)" >&2
    exit 1
  }
  train="$tmp/train.tfrecords"
fi
"$bin/tfrecord-bench" "$train" "${KILN_BENCH_REPS:-5}"
