// RUN: graph-opt %s | FileCheck %s
// RUN: graph-opt %s | graph-opt | FileCheck %s

// CHECK-LABEL: graph.graph
// CHECK-SAME: producer = 27
graph.graph attributes {producer = 27 : i32, min_consumer = 0 : i32} {
  // CHECK: %x:2 = graph.Placeholder "x"() {dtype = f32, shape = #graph.shape<?x784>} : () -> tensor<?x784xf32>
  %x:2 = graph.Placeholder "x"() {dtype = f32, shape = #graph.shape<?x784>} : () -> tensor<?x784xf32>
  // CHECK: %w:2 = graph.VariableV2 "w"() {dtype = f32, shape = #graph.shape<784x10>} : () -> tensor<784x10x!graph.ref<f32>>
  %w:2 = graph.VariableV2 "w"() {dtype = f32, shape = #graph.shape<784x10>} : () -> tensor<784x10x!graph.ref<f32>>
  // CHECK: graph.MatMul "MatMul"(%x#0, %w#0) [%init] {T = f32, device = "/cpu:0", transpose_b = false}
  %m:2 = graph.MatMul "MatMul"(%x#0, %w#0) [%init] {T = f32, transpose_b = false, device = "/cpu:0"} : (tensor<?x784xf32>, tensor<784x10x!graph.ref<f32>>) -> tensor<?x10xf32>
  %init:1 = graph.NoOp "init"() : () -> ()
  // CHECK: graph.node "ZeroOut" "zero"(%MatMul#0) {_output_shapes = [#graph.shape<*>]} : (tensor<?x10xf32>) -> tensor<*xi32>
  %z:2 = graph.node "ZeroOut" "zero"(%m#0) {_output_shapes = [#graph.shape<*>]} : (tensor<?x10xf32>) -> tensor<*xi32>
  %c:2 = graph.ConcatV2 "concat"(%m#0, %m#0, %axis#0) {N = 2, T = f32, Tidx = i32} : (tensor<?x10xf32>, tensor<?x10xf32>, tensor<i32>) -> tensor<?x20xf32>
  %axis:2 = graph.Const "axis"() {dtype = i32, value = dense<1> : tensor<i32>} : () -> tensor<i32>
}
