#!/usr/bin/env bash
# S1 training speed: examples/mnist_mlp (the TF-written graph compiled ahead
# of time) against PyTorch (Debian's python3-torch, installed here if
# missing) on the same model, data and batches, in the same run; plus the
# size of the S1 program and its start-up-to-first-prediction time.
set -euo pipefail
BUILD_DIR=${BUILD_DIR:-build}
BATCHES=${BATCHES:-200}
bin="$BUILD_DIR/bin/mnist_mlp"
[ -x "$bin" ] || cmake --build "$BUILD_DIR" --target mnist_mlp >/dev/null
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-torch >/dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
kiln=$("$bin" --ckpt-dir "$tmp/ckpt" --logdir "$tmp/logs" --epochs 1 --batches-per-epoch "$BATCHES" \
  | sed -n 's/.*, \([0-9]*\) samples\/s.*/\1/p')
for threads in 1 2; do
  torch=$(/usr/bin/python3 "$(dirname "$0")/torch_mlp.py" "$BATCHES" "$threads")
  echo "BENCH s1_train_torch_${threads}thread $torch samples/s"
done
torch1=$(/usr/bin/python3 "$(dirname "$0")/torch_mlp.py" "$BATCHES" 1)
echo "BENCH s1_train_kiln $kiln samples/s"
python3 -c "print('RATIO s1_train_kiln_vs_torch_1thread %.3f (higher is better)' % ($kiln / $torch1))"
size=$(stat -c %s "$bin")
echo "BENCH s1_program_size $((size / 1024)) KiB"
start=$(date +%s.%N)
"$bin" --ckpt-dir "$tmp/ckpt" --predict >/dev/null
end=$(date +%s.%N)
python3 -c "print('BENCH s1_restore_and_predict_10000 %.3f s' % ($end - $start))"
