#!/usr/bin/env bash
# graph-ckpt print / diff / verify / errors on copies of TF-written
# checkpoints. Usage: test-commands.sh GRAPH_CKPT FIXTURES_DIR. Exit 77 = skipped
# (exit 1 under CI=true, where the fixtures must be there).
set -uo pipefail
tool=$1
src=$2/tensorflow/python/feature_column/testdata/embedding.ckpt
if [ ! -f "$src.index" ]; then
  ci=${CI:-}
  case ${ci,,} in
  true | 1) echo "FAIL: TF fixtures not found at $2 (CI=true requires them)"; exit 1 ;;
  esac
  echo "SKIP: TF fixtures not found at $2"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
check() { # NAME EXPECTED_RC EXPECTED_OUTPUT COMMAND...
  local name=$1 want_rc=$2 want=$3; shift 3
  local got rc
  got=$("$@" 2>&1); rc=$?
  if [ "$rc" != "$want_rc" ] || [ "$got" != "$want" ]; then
    echo "FAIL $name: rc=$rc (want $want_rc)"; echo "got:"; echo "$got"
    echo "want:"; echo "$want"; failures=$((failures + 1))
  fi
}
cp "$src.index" "$src.data-00000-of-00001" "$tmp/"
a=$tmp/embedding.ckpt
check print 0 'my_embedding: float [3,2]
[[ 1.  2.]
 [ 3.  5.]
 [ 7. 11.]]' "$tool" print "$a" my_embedding
check verify-ok 0 "OK: 1 tensors, all checksums match in $a" "$tool" verify "$a"
check diff-same 0 'identical: 1 tensors' "$tool" diff "$a" "$src"

# B: a copy with one data byte changed (inside the last float, 11.0) and
# the index CRC left as it was: verify and print must both report DataLoss.
mkdir "$tmp/b"
cp "$src.index" "$src.data-00000-of-00001" "$tmp/b/"
b=$tmp/b/embedding.ckpt
printf '\x31' | dd of="$b.data-00000-of-00001" bs=1 seek=20 conv=notrunc 2>/dev/null
out=$("$tool" verify "$b"); rc=$?
if [ $rc -ne 1 ] || ! grep -q '^FAIL my_embedding: DataLoss: Checksum does not match for tensor my_embedding' <<<"$out"; then
  echo "FAIL verify-corrupt: rc=$rc out=$out"; failures=$((failures + 1))
fi
check print-corrupt 1 "$("$tool" verify "$b" | sed -n 's/^FAIL my_embedding: //p')" \
  "$tool" print "$b" my_embedding

check missing-key 1 'NotFound: Key nope not found in checkpoint' "$tool" print "$a" nope
check missing-prefix 1 "NotFound: $tmp/none.index; No such file or directory" \
  "$tool" list "$tmp/none"
check no-state-dir 1 "NotFound: No \`checkpoint\` state file in directory $tmp/b; give a checkpoint prefix instead" \
  "$tool" list "$tmp/b"
check bad-command 1 "InvalidArgument: unknown command 'lst' (run \`graph-ckpt --help\` for usage)" \
  "$tool" lst "$a"
check bad-rtol 1 "InvalidArgument: --rtol must be a non-negative number, got 'x' (run \`graph-ckpt --help\` for usage)" \
  "$tool" diff "$a" "$a" --rtol x
"$tool" --help | grep -q '^Usage:' || { echo "FAIL help"; failures=$((failures + 1)); }

# A directory with a `checkpoint` file resolves to its latest checkpoint.
printf 'model_checkpoint_path: "embedding.ckpt"\n' > "$tmp/checkpoint"
check dir-prefix 0 "OK: 1 tensors, all checksums match in $tmp/embedding.ckpt" "$tool" verify "$tmp"

# diff with tolerance: the profiler checkpoint against itself is identical;
# against an index whose tensor differs in values it reports the count.
p=$2/tensorflow/core/profiler/internal/testdata/ckpt
check diff-other 1 'only in A: my_embedding
only in B: DW
only in B: DW2
only in B: ScalarW
4 differences' "$tool" diff "$a" "$p" --rtol 1e-3
[ $failures -eq 0 ] && echo PASS
exit $failures
