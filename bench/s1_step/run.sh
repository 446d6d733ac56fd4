#!/usr/bin/env bash
# S1 training step against the hand-written peers of ../shared/peers, in the
# same run: the oneDNN and Eigen C++ steps (mlp_cpp, 2 OpenMP threads),
# PyTorch's step (mlp_torch.py at 1 and 2 threads, the faster counting) and
# the FMA-peak bound (fma_peak: AVX-512, else AVX2, 2 threads; one step is
# 556 MFLOP). Kiln is examples/mnist_mlp (S1 compiled ahead of time, default
# threads) timing BATCHES steps after one untimed epoch, the same loop the
# peers time (a step per batch of 128 in order, no input pipeline).
#
# Kiln and the peers take turns for ROUNDS rounds (odd rounds Kiln first),
# so that load from elsewhere hits both; medians are compared:
#   RATIO s1_step_kiln_vs_onednn | _vs_eigen | _vs_torch_best | _vs_fma_bound
# and the rate of a whole epoch against the step rate (s1_epoch_vs_steps).
# Peers are built into $BUILD_DIR/peers from KILN_PEERS_DIR (default
# ../shared/peers beside the project) with g++ -O3 -march=native, as their
# run.sh builds them; a peer that cannot be built or run (no libdnnl-dev,
# libeigen3-dev, libopenblas-dev, python3-torch, or no Fashion-MNIST) is
# reported as unavailable and has no RATIO. OPENBLAS_CORETYPE is unset for
# every peer (../shared/peers/README.md).
#   BATCHES (300), ROUNDS (3), PEER_REPS (3)
set -euo pipefail
source "$(dirname "$0")/../common.sh"
BUILD_DIR=${BUILD_DIR:-build}
BATCHES=${BATCHES:-300}
ROUNDS=${ROUNDS:-3}
PEER_REPS=${PEER_REPS:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
peers_src=${KILN_PEERS_DIR:-$root/../shared/peers}
peers_out="$BUILD_DIR/peers"
bin="$BUILD_DIR/bin/mnist_mlp"
[ -x "$bin" ] || cmake --build "$BUILD_DIR" --target mnist_mlp >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$peers_out"
E="env -u OPENBLAS_CORETYPE"

# Builds peer $1 from $2 with flags $3..; "" when it cannot.
build_peer() {
  local name=$1 src=$2; shift 2
  [ -f "$src" ] || { echo "no $src"; return 1; }
  if [ ! -x "$peers_out/$name" ] || [ "$src" -nt "$peers_out/$name" ]; then
    g++ -O3 -march=native "$src" -o "$peers_out/$name" "$@" 2>"$tmp/$name.build" ||
      { tail -1 "$tmp/$name.build"; return 1; }
  fi
}
have_cpp=1 have_torch=1 have_peak=1
if ! why=$(build_peer mlp_cpp "$peers_src/mlp_cpp.cpp" -fno-math-errno -fopenmp \
      -I/usr/include/eigen3 -lopenblas -ldnnl -lz); then
  have_cpp=0
  echo "PEER s1_step oneDNN/Eigen unavailable: cannot build mlp_cpp ($why);" \
       "install libdnnl-dev libeigen3-dev libopenblas-dev. No RATIO against them."
fi
if ! why=$(build_peer fma_peak "$peers_src/fma_peak.cpp" -pthread); then
  have_peak=0
  echo "PEER s1_step fma_peak unavailable ($why): no FMA-peak bound."
fi
if [ ! -f "$peers_src/mlp_torch.py" ]; then
  have_torch=0
  echo "PEER s1_step torch unavailable: no $peers_src/mlp_torch.py. No RATIO against PyTorch."
elif ! /usr/bin/python3 -c "import torch" >/dev/null 2>&1; then
  have_torch=0
  echo "PEER s1_step torch unavailable: /usr/bin/python3 cannot import torch" \
       "(install python3-torch). No RATIO against PyTorch."
fi

cores=$(nproc)
echo "CONFIG kiln mnist_mlp (AOT) threads=${KILN_INTRA_OP_THREADS:-$cores}" \
     "batch=128 warmup=$BATCHES steps timed=$BATCHES steps"
[ "$have_cpp" -eq 1 ] && echo "CONFIG onednn,eigen mlp_cpp OMP_NUM_THREADS=2" \
  "OPENBLAS_CORETYPE=unset reps=$PEER_REPS (median of 300-step runs)"
[ "$have_torch" -eq 1 ] && echo "CONFIG torch mlp_torch.py OMP_NUM_THREADS=1,2" \
  "OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=unset reps=$PEER_REPS (best of both)"

kiln_run() { # steps/s of the second epoch of a fresh training
  "$bin" --ckpt-dir "$tmp/k/ckpt" --logdir "$tmp/k/logs" --epochs 2 \
    --batches-per-epoch "$BATCHES" |
    sed -n 's/^epoch 1: .*, \([0-9.]*\) samples\/s.*/\1/p' |
    awk '{printf "%.1f", $1 / 128}'
  rm -rf "$tmp/k"
}
# The median steps/s of a peer's RESULT line (fields: "min A / median B").
result_median() { sed -n 's/.*steps\/s: min [0-9.]* \/ median \([0-9.]*\).*/\1/p' | head -1; }
cpp_run() { $E OMP_NUM_THREADS=2 "$peers_out/mlp_cpp" "$1" 2 0 "$PEER_REPS" | result_median; }
torch_run() {
  $E OMP_NUM_THREADS="$1" OPENBLAS_NUM_THREADS=1 /usr/bin/python3 \
    "$peers_src/mlp_torch.py" --threads "$1" --epochs 0 --reps "$PEER_REPS" |
    grep "train_step" | result_median
}

kiln=() dnnl=() eigen=() torch=()
for round in $(seq "$ROUNDS"); do
  line="ROUND $round:"
  order=$(turn_order "$round" peers)
  for who in $order; do
    if [ "$who" = kiln ]; then
      k=$(kiln_run)
      [ -n "$k" ] || { echo "bench/s1_step: mnist_mlp printed no samples/s" >&2; exit 1; }
      kiln+=("$k"); line+=" kiln $k"
    else
      if [ "$have_cpp" -eq 1 ]; then
        d=$(cpp_run dnnl); e=$(cpp_run eigen)
        [ -n "$d" ] && [ -n "$e" ] || { echo "bench/s1_step: mlp_cpp printed no RESULT" >&2; exit 1; }
        dnnl+=("$d"); eigen+=("$e"); line+=" onednn $d eigen $e"
      fi
      if [ "$have_torch" -eq 1 ]; then
        t1=$(torch_run 1); t2=$(torch_run 2)
        t=$(max_of "$t1" "$t2")
        torch+=("$t"); line+=" torch_best $t"
      fi
    fi
  done
  echo "$line steps/s"
done

k=$(median "${kiln[@]}")
echo "BENCH s1_step_kiln $k steps/s"
if [ "$have_cpp" -eq 1 ]; then
  d=$(median "${dnnl[@]}"); e=$(median "${eigen[@]}")
  echo "BENCH s1_step_onednn $d steps/s"
  echo "BENCH s1_step_eigen $e steps/s"
  ratio s1_step_kiln_vs_onednn "$k" "$d"
  ratio s1_step_kiln_vs_eigen "$k" "$e"
fi
if [ "$have_torch" -eq 1 ]; then
  t=$(median "${torch[@]}")
  echo "BENCH s1_step_torch_best $t steps/s"
  ratio s1_step_kiln_vs_torch_best "$k" "$t"
fi
# A whole epoch (mnist.train's 55000 images: 429 steps) against that many
# steps at the step rate above: the loop around the step costs nothing.
epoch=$("$bin" --ckpt-dir "$tmp/e/ckpt" --logdir "$tmp/e/logs" --epochs 2 |
  sed -n 's/^epoch 1: .*, \([0-9.]*\) samples\/s.*/\1/p' | awk '{printf "%.1f", $1 / 128}')
echo "BENCH s1_epoch_kiln $epoch steps/s (a whole epoch, 429 steps)"
ratio s1_epoch_vs_steps "$epoch" "$k"
if [ "$have_peak" -eq 1 ]; then
  "$peers_out/fma_peak" 3 >"$tmp/peak"
  # 2-thread median of the widest FMA the CPU has (16 accumulators).
  peak=$(awk '$1 == "avx512_fma_16acc" && $2 == 2 {print $4}' "$tmp/peak")
  [ -n "$peak" ] || peak=$(awk '$1 == "avx2_fma_16acc" && $2 == 2 {print $4}' "$tmp/peak")
  clock=$(sed -n 's/.*est. clock \([0-9.]*\) GHz.*/\1/p' "$tmp/peak" | head -1)
  echo "BENCH fma_peak_2threads $peak GFLOP/s (clock ~${clock:-?} GHz)"
  bound=$(awk -v p="$peak" 'BEGIN {printf "%.1f", p * 1e9 / 556e6}')
  echo "BENCH s1_step_fma_bound $bound steps/s (556 MFLOP per step)"
  ratio s1_step_kiln_vs_fma_bound "$k" "$bound"
fi
