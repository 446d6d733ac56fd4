#!/usr/bin/env bash
# Runs Kiln's benchmarks against their peers on this machine, in one run.
#   bench/run.sh          all benchmarks
#   bench/run.sh NAME...  only bench/NAME/run.sh (`longrun`, over an hour,
#                         runs only when named)
# Each benchmark prints lines `BENCH <name> <value> <unit>` and, for each
# comparison, `RATIO <name> <kiln/peer> (higher is better)`. A benchmark that
# fails does not stop the others: it is reported as `FAILED <name> (exit N)`
# where it ran and in the summary at the end, and the exit code is 1.
# Needs a build (scripts/build.sh); BUILD_DIR selects it (default: build).
# KILN_BENCH_DIR runs the benchmarks of another folder (the test of this
# script uses it).
set -euo pipefail
cd "$(dirname "$0")/.."
export BUILD_DIR=$(realpath "${BUILD_DIR:-build}")
export KILN_ROOT=$PWD
bench_dir=${KILN_BENCH_DIR:-bench}
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for d in "$bench_dir"/*/; do
    # The long runs (over an hour) run only when named.
    [ "$(basename "$d")" = longrun ] && continue
    [ -f "$d/run.sh" ] && names+=("$(basename "$d")")
  done
fi
# Names are checked before anything runs: a typo is no benchmark failure.
for n in "${names[@]}"; do
  if [ ! -f "$bench_dir/$n/run.sh" ]; then
    echo "bench/run.sh: no benchmark '$n' (have: $(ls -d "$bench_dir"/*/ | xargs -n1 basename | tr '\n' ' '))" >&2
    exit 2
  fi
done
failed=()
for n in "${names[@]}"; do
  echo "== $n"
  rc=0
  bash "$bench_dir/$n/run.sh" || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "FAILED $n (exit $rc)"
    failed+=("$n")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "bench/run.sh: ${#failed[@]} of ${#names[@]} benchmarks failed: ${failed[*]}" >&2
  exit 1
fi
