#!/usr/bin/env bash
# Queue benchmarks: scalar round trips/s (goal >= 5M/s) and DequeueMany(128)
# of 784-float rows against memcpy of the same bytes (goal >= 50%).
set -euo pipefail
BUILD_DIR=${BUILD_DIR:-build}
bin="$BUILD_DIR/bin/queue_bench"
if [ ! -x "$bin" ]; then
  cmake --build "$BUILD_DIR" --target queue_bench >/dev/null
fi
json=$(mktemp)
trap 'rm -f "$json"' EXIT
"$bin" --benchmark_format=json --benchmark_min_time=0.5 >"$json" 2>/dev/null
python3 - "$json" <<'PY'
import json, sys
runs = {b["name"].split("/")[0]: b for b in json.load(open(sys.argv[1]))["benchmarks"]}
one = runs["BM_ScalarRoundTripOneThread"]["items_per_second"]
spsc = runs["BM_ScalarSPSC"]["items_per_second"]
deq = runs["BM_DequeueMany128x784"]["bytes_per_second"]
mem = runs["BM_Memcpy128x784"]["bytes_per_second"]
print(f"BENCH queue_scalar_roundtrip_one_thread {one/1e6:.2f} M/s")
print(f"BENCH queue_scalar_roundtrip_spsc {spsc/1e6:.2f} M/s")
print(f"BENCH queue_dequeue_many_128x784 {deq/1e9:.2f} GB/s")
print(f"BENCH memcpy_128x784 {mem/1e9:.2f} GB/s")
print(f"RATIO queue_dequeue_many_vs_memcpy {deq/mem:.3f} (higher is better)")
print(f"RATIO queue_scalar_spsc_vs_5M_goal {spsc/5e6:.3f} (higher is better)")
PY
