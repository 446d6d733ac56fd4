#!/usr/bin/env bash
# Runs Kiln's benchmarks against their peers on this machine, in one run.
#   bench/run.sh          all benchmarks
#   bench/run.sh NAME     only bench/NAME/run.sh (`longrun`, over an hour,
#                         runs only when named)
# Each benchmark prints lines `BENCH <name> <value> <unit>` and, for each
# comparison, `RATIO <name> <kiln/peer> (higher is better)`.
# Needs a build (scripts/build.sh); BUILD_DIR selects it (default: build).
set -euo pipefail
cd "$(dirname "$0")/.."
export BUILD_DIR=$(realpath "${BUILD_DIR:-build}")
export KILN_ROOT=$PWD
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for d in bench/*/; do
    # The long runs (over an hour) run only when named.
    [ "$(basename "$d")" = longrun ] && continue
    [ -f "$d/run.sh" ] && names+=("$(basename "$d")")
  done
fi
for n in "${names[@]}"; do
  if [ ! -f "bench/$n/run.sh" ]; then
    echo "bench/run.sh: no benchmark '$n' (have: $(ls -d bench/*/ | xargs -n1 basename | tr '\n' ' '))" >&2
    exit 1
  fi
  echo "== $n"
  bash "bench/$n/run.sh"
done
