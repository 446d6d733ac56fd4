#!/usr/bin/env bash
# Runs one libFuzzer target of test/fuzz for a given time.
#   scripts/fuzz.sh TARGET [SECONDS] [JOBS]
# TARGET is one of: checkpoint-index checkpoint-bundle tfrecord
#   tfrecord-compressed example import-binary import-text graph-opt
#   (the test/fuzz/<TARGET>.cpp harnesses; `list` prints them).
# SECONDS defaults to 600; JOBS (default 1) > 1 runs libFuzzer's fork mode
# with that many processes.
# Builds bin/fuzz-TARGET with clang and KILN_FUZZ=ON in FUZZ_BUILD_DIR
# (default build-fuzz) when needed, then fuzzes from the seeds in
# test/fuzz/corpus/TARGET and test/fuzz/regressions/TARGET (never written)
# with its dictionary (test/fuzz/*.dict). New inputs go to
# FUZZ_WORK_DIR/TARGET/corpus (default ${TMPDIR:-/tmp}/kiln-fuzz), so a second
# run continues from them; a crash, leak or timeout (> FUZZ_TIMEOUT seconds,
# default 10, for one input) stops the run and leaves its input in
# FUZZ_WORK_DIR/TARGET/artifacts. FUZZ_ARGS adds libFuzzer flags;
# BUILD_JOBS sets the build's parallelism (default: nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
runtime_targets="checkpoint-index checkpoint-bundle tfrecord tfrecord-compressed example"
compiler_targets="import-binary import-text graph-opt"
if [ $# -lt 1 ] || [ "$1" = list ]; then
  [ $# -ge 1 ] || echo "usage: scripts/fuzz.sh TARGET [SECONDS] [JOBS]; targets:" >&2
  echo $runtime_targets $compiler_targets
  [ $# -ge 1 ]
  exit
fi
target=$1
seconds=${2:-600}
jobs=${3:-1}
case " $runtime_targets $compiler_targets " in
  *" $target "*) ;;
  *) echo "fuzz.sh: unknown target '$target' (scripts/fuzz.sh list)" >&2; exit 2 ;;
esac
build=${FUZZ_BUILD_DIR:-build-fuzz}
work=${FUZZ_WORK_DIR:-${TMPDIR:-/tmp}/kiln-fuzz}/$target
export PATH=/usr/lib/llvm-22/bin:$PATH

# KILN_ENABLE_COMPILER=OFF builds the runtime targets without LLVM/MLIR.
compiler=${KILN_ENABLE_COMPILER:-ON}
case " $compiler_targets " in
  *" $target "*) [ "$compiler" = ON ] || { echo "fuzz.sh: $target needs the compiler" >&2; exit 2; } ;;
esac
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKILN_FUZZ=ON -DKILN_ENABLE_TESTS=OFF \
  -DKILN_ENABLE_COMPILER="$compiler" >/dev/null
cmake --build "$build" -j "${BUILD_JOBS:-$(nproc)}" --target "fuzz-$target"

mkdir -p "$work/corpus" "$work/artifacts"
seeds=(test/fuzz/corpus/$target)
[ -d "test/fuzz/regressions/$target" ] && seeds+=("test/fuzz/regressions/$target")
flags=(-max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-10}"
       -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/artifacts/")
case $target in
  checkpoint-*) dict=test/fuzz/checkpoint.dict ;;
  import-*|graph-opt) dict=test/fuzz/graph.dict ;;
  *) dict=test/fuzz/$target.dict ;;
esac
[ -f "$dict" ] && flags+=(-dict="$dict")
[ "$jobs" -gt 1 ] && flags+=(-fork="$jobs")
# allow_user_poisoning=0: see scripts/test.sh (uninstrumented libMLIR).
export ASAN_OPTIONS="allow_user_poisoning=0:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

echo "== fuzz-$target for ${seconds}s, $jobs job(s); log: $work/log"
set +e
# shellcheck disable=SC2086
"$build/bin/fuzz-$target" "${flags[@]}" ${FUZZ_ARGS:-} "$work/corpus" "${seeds[@]}" \
  >"$work/log" 2>&1
rc=$?
set -e
# On a finding, what libFuzzer said about it.
[ "$rc" -eq 0 ] || grep -v -E '^#[0-9]+' "$work/log" | tail -n 60
last=$(grep -E '^#[0-9]+' "$work/log" | tail -n 1 || true)
echo "== fuzz-$target: exit $rc"
echo "   last status: $last"
grep -E 'stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
  "$work/log" | sed 's/^/   /' || true
echo "   corpus: $(find "$work/corpus" -type f | wc -l) files in $work/corpus" \
     "(+ $(find "${seeds[@]}" -type f | wc -l) seeds)"
if [ "$rc" -ne 0 ]; then
  echo "   findings: $(ls "$work/artifacts")"
fi
exit $rc
