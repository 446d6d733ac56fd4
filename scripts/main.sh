#!/usr/bin/env bash
# Kiln's main job (for now): install, build, then import one of the project's
# own example graphs (S4's FIFO-queue graph), prune it to what running
# `q_inc` (the fifo_queue_enqueue target) needs, and print the result as
# `graph` dialect MLIR and as a GraphDef again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
BUILD_DIR=build bash scripts/build.sh graph-translate graph-opt
B=build/bin
G=examples/s4_fifo_queue/graph.pbtxt
echo "== $G imported and pruned to target fifo_queue_enqueue"
$B/graph-translate --graphdef-to-mlir "$G" \
  | $B/graph-opt --graph-prune="targets=fifo_queue_enqueue" | tee /tmp/kiln-main.mlir
echo "== back to a GraphDef"
$B/graph-translate --mlir-to-graphdef /tmp/kiln-main.mlir
