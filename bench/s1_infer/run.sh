#!/usr/bin/env bash
# S1 inference (forward, ReLU, ArgMax) at batch 1 and 128: Kiln's predict
# signature compiled ahead of time (s1_infer_bench) against the oneDNN peer
# (../shared/peers/mlp_infer.cpp, 2 OpenMP threads) and PyTorch
# (mlp_infer_torch.py, 1 and 2 threads, the faster counting), in the same
# run, taking turns for ROUNDS rounds; medians of the per-round medians.
# Prints BENCH lines in us/call and
#   RATIO s1_infer_b{1,128}_kiln_vs_onednn | _kiln_vs_torch_best
# (peer time / Kiln time: higher is better). A peer that cannot be built or
# run is reported unavailable, without RATIO. ROUNDS (2).
set -euo pipefail
source "$(dirname "$0")/../common.sh"
BUILD_DIR=${BUILD_DIR:-build}
ROUNDS=${ROUNDS:-2}
root=$(cd "$(dirname "$0")/../.." && pwd)
peers_src=${KILN_PEERS_DIR:-$root/../shared/peers}
mkdir -p "$BUILD_DIR/peers"
cmake --build "$BUILD_DIR" --target s1_infer_bench >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
peer="$BUILD_DIR/peers/mlp_infer"
have_dnnl=1 have_torch=1
if [ ! -x "$peer" ] || [ "$peers_src/mlp_infer.cpp" -nt "$peer" ]; then
  g++ -O3 -march=native -fopenmp "$peers_src/mlp_infer.cpp" -o "$peer" -ldnnl \
    2>"$tmp/build" || have_dnnl=0
fi
[ "$have_dnnl" -eq 1 ] || echo "PEER s1_infer onednn unavailable: cannot build mlp_infer" \
  "($(tail -1 "$tmp/build")); install libdnnl-dev. No RATIO against it."
if ! /usr/bin/python3 -c "import torch" >/dev/null 2>&1; then
  have_torch=0
  echo "PEER s1_infer torch unavailable: install python3-torch. No RATIO against it."
fi
echo "CONFIG kiln s1_predict (AOT) threads=${KILN_INTRA_OP_THREADS:-$(nproc)};" \
     "onednn mlp_infer OMP_NUM_THREADS=2; torch OMP_NUM_THREADS=1,2 OPENBLAS_NUM_THREADS=1"
med() { sed -n 's/.*us_per_call: min [0-9.]* \/ median \([0-9.]*\).*/\1/p'; }
declare -A runs
for round in $(seq "$ROUNDS"); do
  order=$(turn_order "$round" peers)
  for who in $order; do
    for b in 1 128; do
      if [ "$who" = kiln ]; then
        runs[kiln$b]+=" $("$BUILD_DIR/bin/s1_infer_bench" "$b" | med)"
      else
        [ "$have_dnnl" -eq 1 ] && runs[onednn$b]+=" $(env -u OPENBLAS_CORETYPE OMP_NUM_THREADS=2 "$peer" "$b" | med)"
      fi
    done
    if [ "$who" = peers ] && [ "$have_torch" -eq 1 ]; then
      for t in 1 2; do
        env -u OPENBLAS_CORETYPE OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=1 \
          /usr/bin/python3 "$peers_src/mlp_infer_torch.py" $t >>"$tmp/torch$round"
      done
      for b in 1 128; do
        runs[torch$b]+=" $(sed -n "s/.*batch=$b median \([0-9.]*\) us.*/\1/p" "$tmp/torch$round" | sort -g | head -1)"
      done
    fi
  done
done
for b in 1 128; do
  k=$(median ${runs[kiln$b]})
  echo "BENCH s1_infer_b${b}_kiln $k us/call"
  for p in onednn torch; do
    [ -n "${runs[$p$b]:-}" ] || continue
    v=$(median ${runs[$p$b]})
    name=$p; [ "$p" = torch ] && name=torch_best
    echo "BENCH s1_infer_b${b}_$name $v us/call"
    awk -v n="s1_infer_b${b}_kiln_vs_$name" -v k="$k" -v p="$v" \
      'BEGIN {printf "RATIO %s %.3f (higher is better)\n", n, p / k}'
  done
done
