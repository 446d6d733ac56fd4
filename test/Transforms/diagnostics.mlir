// A pass or verifier error gives its message and the node, without MLIR's
// "see current operation" dump of the op it is on (for a pass on graph.graph,
// the whole graph): graph-opt and graph-translate default to
// --mlir-print-op-on-diagnostic=false, which the flag still overrides.
// RUN: not graph-opt %s --graph-session-form="signatures={s: fetch=nope}" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=PASS
// RUN: not graph-opt %s --graph-session-form="signatures={s: fetch=nope}" \
// RUN:   --mlir-print-op-on-diagnostic=true 2>&1 | FileCheck %s --check-prefix=DUMP
// RUN: not graph-opt %S/Inputs/invalid-node.mlir 2>&1 | FileCheck %s --check-prefix=VERIFY
// RUN: not graph-translate --mlir-to-graphdef %S/Inputs/invalid-node.mlir 2>&1 \
// RUN:   | FileCheck %s --check-prefix=VERIFY
// RUN: not graph-translate --mlir-to-graphdef --mlir-print-op-on-diagnostic \
// RUN:   %S/Inputs/invalid-node.mlir 2>&1 | FileCheck %s --check-prefix=DUMP

// PASS: error: NotFound: FetchOutputs node nope: not found
// PASS-NOT: see current operation
// PASS-NOT: graph.Placeholder
// DUMP: note: see current operation:
// VERIFY: error: 'graph.MatMul' op node 'm': input 0 ('a') has dtype int32, expected float
// VERIFY-NOT: see current operation

graph.graph {
  %a:2 = graph.Placeholder "a"() {dtype = f32, shape = #graph.shape<2>} : () -> tensor<2xf32>
}
