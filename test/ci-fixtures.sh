#!/usr/bin/env bash
# Under CI=true a missing TF fixture folder fails each kind of test that
# needs it (lit, GoogleTest, the graph-ckpt scripts, CMake's configure check)
# instead of skipping; without CI they still skip.
# Usage: ci-fixtures.sh SRC_DIR BUILD_DIR LIT TF_FIXTURE_TEST EXAMPLE_TEST GRAPH_CKPT
set -uo pipefail
src=$1 build=$2 lit=$3 gtest_ckpt=$4 gtest_io=$5 graph_ckpt=$6
missing=$(mktemp -d)/no-fixtures
failures=0
# expect NAME WANT_RC WANT_TEXT ENV_CI COMMAND...: runs COMMAND with the
# fixtures pointing nowhere and CI set to ENV_CI ("" = unset).
expect() {
  local name=$1 want_rc=$2 want_text=$3 ci=$4; shift 4
  local out rc
  if [ -n "$ci" ]; then
    out=$(env CI="$ci" KILN_TF_FIXTURES="$missing" "$@" 2>&1); rc=$?
  else
    out=$(env -u CI KILN_TF_FIXTURES="$missing" "$@" 2>&1); rc=$?
  fi
  if [ "$rc" != "$want_rc" ] || ! grep -q -- "$want_text" <<<"$out"; then
    echo "FAIL $name: rc=$rc (want $want_rc), output lacks '$want_text':"
    echo "$out" | tail -15
    failures=$((failures + 1))
  else
    echo "ok $name (rc=$rc)"
  fi
}
lit_test=$build/test/Transforms/session-form-meta.test
expect lit-ci 2 "CI=true requires them" true "$lit" -q "$lit_test"
expect lit-local 0 "UNSUPPORTED" "" "$lit" -v "$lit_test"
expect gtest-checkpoint-ci 1 "CI=true: the TF fixtures must be there" true "$gtest_ckpt"
expect gtest-checkpoint-local 0 "SKIPPED" "" "$gtest_ckpt"
expect gtest-io-ci 1 "CI=true: the TF fixtures must be there" true \
  "$gtest_io" --gtest_filter='ExampleFixtures.*'
expect gtest-io-local 0 "SKIPPED" "" "$gtest_io" --gtest_filter='ExampleFixtures.*'
for script in test-list-fixture.sh test-commands.sh; do
  expect "$script-ci" 1 "CI=true requires them" true \
    bash "$src/tools/graph-ckpt/$script" "$graph_ckpt" "$missing"
  expect "$script-local" 77 "SKIP" "" \
    bash "$src/tools/graph-ckpt/$script" "$graph_ckpt" "$missing"
done
expect cmake-ci 1 "CI=true requires the TF fixtures" true \
  cmake -DKILN_TF_FIXTURES="$missing" -P "$src/cmake/TfFixtures.cmake"
expect cmake-local 0 "are skipped" "" \
  cmake -DKILN_TF_FIXTURES="$missing" -P "$src/cmake/TfFixtures.cmake"
rmdir "$(dirname "$missing")"
echo "$failures failures"
[ "$failures" -eq 0 ]
