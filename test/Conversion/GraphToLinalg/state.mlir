// RUN: graph-opt %s --graph-session-form="signatures={step: fetch=deq}" \
// RUN:   --convert-graph-to-linalg | FileCheck %s

// A dequeue is a runtime op by resource slot whose result has the shape the
// compiled code assumes (the runtime checks it); nothing after it is
// nested: the run's exit is placed later (kiln-rt-early-exit).
// CHECK-LABEL: func.func @step(
// CHECK-SAME: %[[F:.*]]: !kiln_rt.frame)
// CHECK-NEXT: %[[D:.*]] = kiln_rt.dequeue %[[F]][0] {mode = 0 : i32, timeout_ms = -1 : i64} : tensor<f32>
// CHECK-NEXT: kiln_rt.fetch %[[F]][0], %[[D]] {dtype = 1 : i32} : tensor<f32>
// CHECK-NEXT: return
graph.graph {
  %q:2 = graph.FIFOQueueV2 "q"() {capacity = 3 : i64, component_types = [f32], container = "", shapes = [#graph.shape<>], shared_name = ""} : () -> tensor<!graph.resource>
  %deq:2 = graph.QueueDequeueV2 "deq"(%q#0) {component_types = [f32], timeout_ms = -1 : i64} : (tensor<!graph.resource>) -> tensor<f32>
}
