#!/usr/bin/env bash
# Queue benchmarks: scalar round trips/s (goal >= 5M/s) and DequeueMany(128)
# of 784-float rows against memcpy of the same bytes (goal >= 50%).
#
# Each benchmark runs REPS times (default 5) in random interleaved order, so
# load that comes and goes on a shared machine hits the queue and its memcpy
# peer alike; the lines report the median and the range over the runs, and
# each ratio is a ratio of medians.
set -euo pipefail
BUILD_DIR=${BUILD_DIR:-build}
REPS=${REPS:-5}
bin="$BUILD_DIR/bin/queue_bench"
if [ ! -x "$bin" ]; then
  cmake --build "$BUILD_DIR" --target queue_bench >/dev/null
fi
json=$(mktemp)
trap 'rm -f "$json"' EXIT
"$bin" --benchmark_format=json --benchmark_min_time=0.2 \
  --benchmark_repetitions="$REPS" --benchmark_enable_random_interleaving=true \
  >"$json" 2>/dev/null
python3 - "$json" <<'PY'
import json, statistics, sys
runs = {}
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    if b.get("run_type", "iteration") != "iteration":
        continue
    runs.setdefault(b["name"].split("/")[0], []).append(b)

def stat(name, key):
    v = [b[key] for b in runs[name]]
    return statistics.median(v), min(v), max(v), len(v)

def line(label, name, key, scale, unit):
    med, lo, hi, n = stat(name, key)
    print(f"BENCH {label} {med/scale:.2f} {unit} "
          f"(median of {n}, range {lo/scale:.2f}..{hi/scale:.2f})")
    return med

one = line("queue_scalar_roundtrip_one_thread", "BM_ScalarRoundTripOneThread",
           "items_per_second", 1e6, "M/s")
spsc = line("queue_scalar_roundtrip_spsc", "BM_ScalarSPSC",
            "items_per_second", 1e6, "M/s")
deq = line("queue_dequeue_many_128x784", "BM_DequeueMany128x784",
           "bytes_per_second", 1e9, "GB/s")
mem = line("memcpy_128x784", "BM_Memcpy128x784", "bytes_per_second", 1e9,
           "GB/s")
rows = line("memcpy_128_separate_rows", "BM_Memcpy128SeparateRows",
            "bytes_per_second", 1e9, "GB/s")
fresh = line("memcpy_128x784_fresh_tensor", "BM_Memcpy128x784FreshTensor",
             "bytes_per_second", 1e9, "GB/s")
print(f"RATIO queue_dequeue_many_vs_memcpy {deq/mem:.3f} (higher is better)")
print(f"RATIO queue_scalar_spsc_vs_5M_goal {spsc/5e6:.3f} (higher is better)")
PY
