#!/usr/bin/env bash
# S1 training speed: examples/mnist_mlp (the S1 graph compiled ahead of time)
# against PyTorch (Debian's python3-torch) on the same model, data and
# batches, in the same run; plus the size of the S1 program and its
# restore-and-predict time.
#
# Each side runs at its best and says how (CONFIG lines): Kiln with its
# default threads (KILN_INTRA_OP_THREADS, else one per core); PyTorch at 1 and
# at 2 OpenMP threads with OpenBLAS single-threaded and OPENBLAS_CORETYPE
# unset (../shared/peers/README.md: both pools spin, and a pinned core type
# halves the GEMMs), the faster one counting. Every run warms up first (Kiln:
# one untimed epoch of BATCHES; PyTorch: WARMUP steps). Kiln and the peer run
# alternately for ROUNDS rounds, taking turns to go first, so that load from
# elsewhere hits both; the medians are compared.
#   BATCHES (200), WARMUP (30), ROUNDS (3); S1_TRAIN_PEER: the peer script
#   (default: torch_mlp.py here; test/tools/bench/s1-train.test swaps in a
#   stand-in, as PyTorch may not be installed)
set -euo pipefail
source "$(dirname "$0")/../common.sh"
BUILD_DIR=${BUILD_DIR:-build}
BATCHES=${BATCHES:-200}
WARMUP=${WARMUP:-30}
ROUNDS=${ROUNDS:-3}
here=$(cd "$(dirname "$0")" && pwd)
peer=${S1_TRAIN_PEER:-$here/torch_mlp.py}
bin="$BUILD_DIR/bin/mnist_mlp"
[ -x "$bin" ] || cmake --build "$BUILD_DIR" --target mnist_mlp >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

torch_ok=1
if ! torch_error=$(/usr/bin/python3 -c "import torch" 2>&1); then
  torch_ok=0
  echo "PEER s1_train torch unavailable: /usr/bin/python3 cannot import torch" \
       "($(tail -1 <<<"$torch_error")); install python3-torch for the comparison." \
       "Kiln alone is measured, no RATIO."
  echo "bench/s1_train: PyTorch is not installed: no comparison" >&2
fi

cores=$(nproc)
echo "CONFIG kiln mnist_mlp (AOT) KILN_INTRA_OP_THREADS=${KILN_INTRA_OP_THREADS:-unset}" \
     "threads=${KILN_INTRA_OP_THREADS:-$cores} batch=128 warmup=$BATCHES (one epoch) timed=$BATCHES"

kiln_run() { # ROUND: samples/s of the second epoch of a fresh training
  "$bin" --ckpt-dir "$tmp/kiln$1/ckpt" --logdir "$tmp/kiln$1/logs" --epochs 2 \
    --batches-per-epoch "$BATCHES" | sed -n 's/^epoch 1: .*, \([0-9.]*\) samples\/s.*/\1/p'
}
torch_run() { # THREADS: samples/s; its CONFIG line goes to $tmp/torchT.config
  local out
  out=$(env -u OPENBLAS_CORETYPE OMP_NUM_THREADS="$1" OPENBLAS_NUM_THREADS=1 \
    /usr/bin/python3 "$peer" "$BATCHES" "$WARMUP")
  grep '^CONFIG' <<<"$out" >"$tmp/torch$1.config"
  tail -1 <<<"$out"
}

kiln=() torch1=() torch2=()
for round in $(seq "$ROUNDS"); do
  line="ROUND $round:"
  # Odd rounds start with Kiln, even ones with the peer.
  order=$(turn_order "$round" torch)
  for who in $order; do
    if [ "$who" = kiln ]; then
      k=$(kiln_run "$round")
      [ -n "$k" ] || { echo "bench/s1_train: mnist_mlp printed no samples/s" >&2; exit 1; }
      kiln+=("$k")
      line+=" kiln $k"
    elif [ "$torch_ok" -eq 1 ]; then
      t1=$(torch_run 1)
      t2=$(torch_run 2)
      torch1+=("$t1")
      torch2+=("$t2")
      line+=" torch_1thread $t1 torch_2thread $t2"
    fi
  done
  echo "$line samples/s"
done

if [ "$torch_ok" -eq 1 ]; then
  sed 's/^CONFIG torch/CONFIG torch_1thread/' "$tmp/torch1.config"
  sed 's/^CONFIG torch/CONFIG torch_2thread/' "$tmp/torch2.config"
fi
k=$(median "${kiln[@]}")
echo "BENCH s1_train_kiln $k samples/s"
if [ "$torch_ok" -eq 1 ]; then
  t1=$(median "${torch1[@]}")
  t2=$(median "${torch2[@]}")
  echo "BENCH s1_train_torch_1thread $t1 samples/s"
  echo "BENCH s1_train_torch_2thread $t2 samples/s"
  best=$(max_of "$t1" "$t2")
  awk -v k="$k" -v t="$best" 'BEGIN {printf "RATIO s1_train_kiln_vs_torch_best %.3f (higher is better)\n", k / t}'
fi

size=$(stat -c %s "$bin")
echo "BENCH s1_program_size $((size / 1024)) KiB"
start=$(date +%s.%N)
"$bin" --ckpt-dir "$tmp/kiln1/ckpt" --predict >/dev/null
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" 'BEGIN {printf "BENCH s1_restore_and_predict_10000 %.3f s\n", e - s}'
