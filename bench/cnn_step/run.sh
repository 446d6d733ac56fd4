#!/usr/bin/env bash
# The CNN's training step (examples/cnn: mnist_deep, batch 50, Adam) against
# PyTorch's in the same run (cnn_torch.py: the same model; the faster of 1
# and 2 threads counts; its CPU convolutions are oneDNN's where the build
# has mkldnn, which the CONFIG line says). Kiln is the ahead-of-time `cnn`
# program: samples/s of its second epoch of BATCHES steps (the first warms
# up). Turns alternate for ROUNDS rounds; medians are compared:
#   RATIO cnn_step_kiln_vs_torch_best
# No oneDNN-primitive peer of its own yet (../shared/peers has none for
# convolutions).
#   BATCHES (200), ROUNDS (3), STEPS (100, the peer's timed steps per rep)
set -euo pipefail
source "$(dirname "$0")/../common.sh"
BUILD_DIR=${BUILD_DIR:-build}
BATCHES=${BATCHES:-200}
ROUNDS=${ROUNDS:-3}
STEPS=${STEPS:-100}
here=$(cd "$(dirname "$0")" && pwd)
bin="$BUILD_DIR/bin/cnn"
[ -x "$bin" ] || cmake --build "$BUILD_DIR" --target cnn >/dev/null
data=${KILN_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
if [ ! -f "$data/train-images-idx3-ubyte.gz" ]; then
  echo "bench/cnn_step: no Fashion-MNIST in $data (dataset-fashion-mnist): skipped"
  exit 0
fi
have_torch=1
/usr/bin/python3 -c "import torch" >/dev/null 2>&1 || {
  have_torch=0
  echo "PEER cnn_step torch unavailable: /usr/bin/python3 cannot import torch (python3-torch). No RATIO."
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
E="env -u OPENBLAS_CORETYPE"
kiln_run() {
  "$bin" --data "$data" --ckpt-dir "$tmp/ck" --epochs 2 --batches-per-epoch "$BATCHES" |
    tr '\r' '\n' | sed -n 's/^epoch 1: .*, \([0-9.]*\) samples\/s.*/\1/p'
  rm -rf "$tmp/ck"
}
torch_run() {
  $E OMP_NUM_THREADS="$1" OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$here/cnn_torch.py" \
    --threads "$1" --steps "$STEPS" --reps 3 | tee -a "$tmp/torch.log" |
    sed -n 's/^RESULT cnn_step samples\/s: median \([0-9.]*\).*/\1/p'
}
echo "CONFIG kiln cnn (AOT) threads=${KILN_INTRA_OP_THREADS:-$(nproc)} batch=50 warmup=$BATCHES steps timed=$BATCHES steps"
kiln=() torch=()
for round in $(seq "$ROUNDS"); do
  line="ROUND $round:"
  order=$(turn_order "$round" peers)
  for who in $order; do
    if [ "$who" = kiln ]; then
      k=$(kiln_run)
      [ -n "$k" ] || { echo "bench/cnn_step: cnn printed no samples/s" >&2; exit 1; }
      kiln+=("$k"); line+=" kiln $k"
    elif [ "$have_torch" -eq 1 ]; then
      t1=$(torch_run 1); t2=$(torch_run 2)
      t=$(max_of "$t1" "$t2")
      torch+=("$t"); line+=" torch_best $t"
    fi
  done
  echo "$line samples/s"
done
[ "$have_torch" -eq 1 ] && echo "CONFIG torch $(sed -n 's/^RESULT.*(\(.*\))/\1/p' "$tmp/torch.log" | sort -u | tr '\n' ';')"
k=$(median "${kiln[@]}")
echo "BENCH cnn_step_kiln $k samples/s"
if [ "$have_torch" -eq 1 ]; then
  t=$(median "${torch[@]}")
  echo "BENCH cnn_step_torch_best $t samples/s"
  ratio cnn_step_kiln_vs_torch_best "$k" "$t"
fi
