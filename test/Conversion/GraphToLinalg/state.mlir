// RUN: graph-opt %s --graph-session-form="signatures={step: fetch=deq}" \
// RUN:   --convert-graph-to-linalg | FileCheck %s

// A dequeue is a runtime call by resource slot; the rest of the run is
// guarded by its success; the dequeued value's shape is checked.
// CHECK-LABEL: func.func @step
// CHECK: call @kiln_rt_dequeue(%arg0,
// CHECK: scf.if
// CHECK: call @kiln_rt_check_shape
// CHECK: scf.if
// CHECK: call @kiln_rt_fetch
graph.graph {
  %q:2 = graph.FIFOQueueV2 "q"() {capacity = 3 : i64, component_types = [f32], container = "", shapes = [#graph.shape<>], shared_name = ""} : () -> tensor<!graph.resource>
  %deq:2 = graph.QueueDequeueV2 "deq"(%q#0) {component_types = [f32], timeout_ms = -1 : i64} : (tensor<!graph.resource>) -> tensor<f32>
}
