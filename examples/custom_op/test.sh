#!/usr/bin/env bash
# End-to-end test of custom ops: libcustom_ops.so (ops.cpp) loaded by
# graph-run and linked into the AOT-compiled `custom_op` program; values,
# a stateful op's state across runs, a variable changed in place, and each
# error in its exact words.
set -euo pipefail
bin=$1
graph_run=$2
lib=$3
graph_compile=$4
here=$(cd "$(dirname "$0")" && pwd)
graph=$here/graph.pbtxt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
expect() { # expect FILE TEXT: FILE has the line TEXT
  grep -qxF -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "no line '$2'"; }
}

# graph-run: one session through every run, so the counter counts on.
"$graph_run" "$graph" --op-library "$lib" \
  --run 'feed=x=[1,2,3] feed=y=[0.5,-0.25,4] fetch=z fetch=checked' \
  --run 'feed=xd=[1,2] feed=yd=[3,4] fetch=zd' \
  --run 'target=init' --run 'fetch=counter' --run 'fetch=counter' \
  --run 'feed=factor=2 fetch=scaled_sum fetch=v' \
  --run 'feed=factor=0.5 fetch=scaled_sum fetch=v' >"$tmp/run.txt"
cat "$tmp/run.txt"
expect "$tmp/run.txt" 'z = [ 2.   1.5 11. ]'
expect "$tmp/run.txt" 'checked = [ 2.   1.5 11. ]'
expect "$tmp/run.txt" 'zd = [4. 6.]' # double kernel, scale's default 1
expect "$tmp/run.txt" 'counter = 10'
expect "$tmp/run.txt" 'counter = 15'
expect "$tmp/run.txt" 'scaled_sum = 12.0'
expect "$tmp/run.txt" 'v = [2. 4. 6.]'
expect "$tmp/run.txt" 'scaled_sum = 6.0'
expect "$tmp/run.txt" 'v = [1. 2. 3.]'

# The AOT program (the library linked in, loaded by the model).
"$bin" >"$tmp/aot.txt"
cat "$tmp/aot.txt"
expect "$tmp/aot.txt" 'z = [ 2.   1.5 11. ]'
expect "$tmp/aot.txt" 'counter = 20'
expect "$tmp/aot.txt" 'scale by 0.5: sum = 6.0, v = [1. 2. 3.]'
"$bin" '[1,-2]' '[0,0]' >"$tmp/aot-err.txt"
expect "$tmp/aot-err.txt" 'add: InvalidArgument: element 1 of x is -2, not positive'

# Errors, each in its words.
check_error() { # check_error TEXT graph-run args...
  local want=$1
  shift
  if "$graph_run" "$@" >"$tmp/out.txt" 2>&1; then fail "no error for: $*"; fi
  grep -qF -- "$want" "$tmp/out.txt" || { cat "$tmp/out.txt"; fail "expected: $want"; }
}
# The library is missing.
check_error "NotFound: could not load op library $tmp/libnope.so: $tmp/libnope.so: cannot open shared object file" \
  "$graph" --op-library "$tmp/libnope.so" --run 'fetch=counter'
# No library declares the op the graph uses.
check_error "NotFound: Op type not registered 'RunCounter' (node counter): load the op library that declares it (--op-library)" \
  "$graph" --run 'fetch=counter'
sed 's/op: "RunCounter"/op: "RunCounterV2"/' "$graph" >"$tmp/unknown.pbtxt"
sed -i 's/^node {$/node {/' "$tmp/unknown.pbtxt"
cat >>"$tmp/unknown.pbtxt" <<'G'
node { name: "use" op: "Identity" input: "counter" attr { key: "T" value { type: DT_INT64 } } }
G
check_error "Unimplemented: node 'counter' (RunCounterV2): no CPU lowering for op type RunCounterV2 (no loaded op library declares it)" \
  "$tmp/unknown.pbtxt" --op-library "$lib" --run 'fetch=use'
# Attrs or dtypes other than the library declares.
sed 's/key: "scale" value { f: 2.0 }/key: "scal" value { f: 2.0 }/' "$graph" >"$tmp/attr.pbtxt"
check_error "InvalidArgument: node 'z' (AddScaled): NodeDef mentions attr 'scal' not in Op<name=AddScaled; signature=x:T, y:T -> z:T; attr=T:type,allowed=[float, double]; attr=scale:float,default=1.0>; NodeDef: z" \
  "$tmp/attr.pbtxt" --op-library "$lib" --run 'feed=x=[1] feed=y=[1] fetch=z'
sed 's/key: "scale" value { f: 2.0 }/key: "scale" value { i: 2 }/' "$graph" >"$tmp/kind.pbtxt"
check_error "InvalidArgument: node 'z' (AddScaled): AttrValue had value with type 'int' when 'float' expected" \
  "$tmp/kind.pbtxt" --op-library "$lib" --run 'feed=x=[1] feed=y=[1] fetch=z'
sed 's/key: "T" value { type: DT_DOUBLE }/key: "T" value { type: DT_INT32 }/' "$graph" >"$tmp/type.pbtxt"
check_error "InvalidArgument: node 'zd' (AddScaled): Value for attr 'T' of int32 is not in the list of allowed values: float, double" \
  "$tmp/type.pbtxt" --op-library "$lib" --run 'feed=xd=[1,2] feed=yd=[1,2] fetch=zd'
sed '/name: "zd"/,/^}/ s/key: "T" value { type: DT_DOUBLE }/key: "T" value { type: DT_FLOAT }/' "$graph" >"$tmp/input.pbtxt"
check_error "InvalidArgument: node 'zd' (AddScaled): Input 0 of node zd was passed double incompatible with expected float" \
  "$tmp/input.pbtxt" --op-library "$lib" --run 'feed=xd=[1,2] feed=yd=[1,2] fetch=zd'
sed '/name: "checked"/,/^}/ s/input: "z"/input: "z"\n  input: "x"/' "$graph" >"$tmp/arity.pbtxt"
check_error "InvalidArgument: node 'checked' (CheckPositive): NodeDef expected inputs 'float' do not match 2 inputs specified" \
  "$tmp/arity.pbtxt" --op-library "$lib" --run 'feed=x=[1] feed=y=[1] fetch=checked'
# The library's shape function rejects the shapes.
check_error "InvalidArgument: node 'z' (AddScaled): Dimensions must be equal, but are 2 and 3" \
  "$graph" --op-library "$lib" --run 'feed=x=[1,2] feed=y=[1,2,3] fetch=z'
# The kernel reports an error: a Status naming the node.
check_error "InvalidArgument: element 1 of x is -2, not positive" \
  "$graph" --op-library "$lib" --run 'feed=x=[1,-2,3] feed=y=[0,0,0] fetch=checked'
grep -qF '[[{{node checked}}]]' "$tmp/out.txt" || fail "the kernel's error does not name the node"
# A variable the kernel changes before it is initialized.
check_error "FailedPrecondition: Attempting to use uninitialized value v" \
  "$graph" --op-library "$lib" --run 'feed=factor=2 fetch=scaled_sum'
# graph-compile checks the same way.
if "$graph_compile" "$tmp/attr.pbtxt" --op-library "$lib" --class T -o "$tmp/t" \
  --signature 'add: feed=x[?],y[?] fetch=z' >"$tmp/out.txt" 2>&1; then
  fail "graph-compile accepted an undeclared attr"
fi
grep -qF "NodeDef mentions attr 'scal'" "$tmp/out.txt" || { cat "$tmp/out.txt"; fail "graph-compile's error"; }
echo PASS
