#!/usr/bin/env bash
# graph-ckpt list on the ZhianYang S1 checkpoint index written by TF 1.2.0
# (index only: its .data files are not part of the fixtures).
# Usage: test-list-fixture.sh GRAPH_CKPT FIXTURES_DIR. Exit 77 = skipped
# (exit 1 under CI=true, where the fixtures must be there).
set -euo pipefail
tool=$1
dir=$2/ZhianYang-mnist-save/ckpt_dir
if [ ! -d "$dir" ]; then
  ci=${CI:-}
  case ${ci,,} in
  true | 1) echo "FAIL: TF fixtures not found at $2 (CI=true requires them)"; exit 1 ;;
  esac
  echo "SKIP: TF fixtures not found at $2"
  exit 77
fi
expected='Variable              float       [784,625]         1960000
Variable/RMSProp      float       [784,625]         1960000
Variable/RMSProp_1    float       [784,625]         1960000
Variable_1            float       [625,625]         1562500
Variable_1/RMSProp    float       [625,625]         1562500
Variable_1/RMSProp_1  float       [625,625]         1562500
Variable_2            float       [625,10]          25000
Variable_2/RMSProp    float       [625,10]          25000
Variable_2/RMSProp_1  float       [625,10]          25000
global_step           int32       []                4'
for arg in "$dir/model.ckpt-95" "$dir"; do
  got=$("$tool" list "$arg")
  if [ "$got" != "$expected" ]; then
    echo "graph-ckpt list $arg printed:"; echo "$got"
    echo "expected:"; echo "$expected"
    exit 1
  fi
done
# Reading values needs the absent data file: NotFound, exit 1.
set +e
err=$("$tool" print "$dir" global_step 2>&1)
rc=$?
set -e
want="NotFound: $dir/model.ckpt-99.data-00000-of-00001; No such file or directory"
if [ $rc -ne 1 ] || [ "$err" != "$want" ]; then
  echo "print without data: rc=$rc, got: $err"; echo "expected: $want"
  exit 1
fi
echo PASS
