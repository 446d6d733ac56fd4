#!/usr/bin/env bash
# The runtime's sgemm (kiln_gemm_bench) against oneDNN's sgemm (the peer
# ../shared/peers/gemm_bench.cpp) on every GEMM shape of S1's step and
# inference, 2 threads, in the same run: each side runs ROUNDS times in
# turn (odd rounds Kiln first); per shape the best of the rounds' medians
# counts. Prints `BENCH gemm_<shape>_{kiln,onednn} GFLOP/s` and
# `RATIO gemm_<shape>_kiln_vs_onednn`. Without libdnnl-dev (or the peers)
# Kiln alone is measured. ROUNDS (2), SAMPLES (5).
set -euo pipefail
source "$(dirname "$0")/../common.sh"
BUILD_DIR=${BUILD_DIR:-build}
ROUNDS=${ROUNDS:-2}
SAMPLES=${SAMPLES:-5}
root=$(cd "$(dirname "$0")/../.." && pwd)
peers_src=${KILN_PEERS_DIR:-$root/../shared/peers}
mkdir -p "$BUILD_DIR/peers"
cmake --build "$BUILD_DIR" --target kiln_gemm_bench >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
peer="$BUILD_DIR/peers/gemm_bench"
have_peer=1
if [ ! -x "$peer" ] || [ "$peers_src/gemm_bench.cpp" -nt "$peer" ]; then
  g++ -O3 -march=native -fopenmp "$peers_src/gemm_bench.cpp" -o "$peer" \
    -I/usr/include/eigen3 -lopenblas -ldnnl 2>"$tmp/build" || have_peer=0
fi
if [ "$have_peer" -eq 0 ]; then
  echo "PEER gemm onednn unavailable: cannot build gemm_bench ($(tail -1 "$tmp/build"));" \
       "install libdnnl-dev libeigen3-dev libopenblas-dev. No RATIO."
fi
for round in $(seq "$ROUNDS"); do
  order=$(turn_order "$round" onednn)
  for who in $order; do
    if [ "$who" = kiln ]; then
      "$BUILD_DIR/bin/kiln_gemm_bench" 2 "$SAMPLES" >>"$tmp/kiln"
    elif [ "$have_peer" -eq 1 ]; then
      env -u OPENBLAS_CORETYPE OMP_NUM_THREADS=2 "$peer" dnnl 2 "$SAMPLES" >>"$tmp/onednn"
    fi
  done
done
grep -m1 '^# lib=kiln' "$tmp/kiln" | sed 's/^# /CONFIG /'
# shape name -> best median; a failed check fails the bench.
best() { awk '!/^#/ && !/^shape/ {
  if ($NF != "ok") { print "CHECK-FAILED " $1 > "/dev/stderr"; bad = 1 }
  if ($(NF-2) > b[$1]) b[$1] = $(NF-2) }
  END { for (s in b) print s, b[s]; exit bad }' "$1" | sort; }
best "$tmp/kiln" >"$tmp/kiln.best"
[ "$have_peer" -eq 1 ] && best "$tmp/onednn" >"$tmp/onednn.best"
while read -r shape k; do
  echo "BENCH gemm_${shape}_kiln $k GFLOP/s"
  if [ "$have_peer" -eq 1 ]; then
    d=$(awk -v s="$shape" '$1 == s {print $2}' "$tmp/onednn.best")
    echo "BENCH gemm_${shape}_onednn $d GFLOP/s"
    awk -v n="$shape" -v a="$k" -v b="$d" \
      'BEGIN {printf "RATIO gemm_%s_kiln_vs_onednn %.3f (higher is better)\n", n, a / b}'
  fi
done <"$tmp/kiln.best"
