// RUN: graph-opt %s --split-input-file --verify-diagnostics \
// RUN:   --graph-session-form="signatures={add: feed=a fetch=sum; init: target=init}" | FileCheck %s

// Fed tensors become arguments, fetches results; only what the run needs is
// kept, in an order that respects control edges; resource nodes are named on
// the module.
// CHECK: module attributes {graph.resources = ["v"]}
// CHECK-LABEL: func.func @add(%arg0: tensor<2xf32> {graph.feed = "a"}) -> (tensor<2xf32> {graph.fetch = "sum"})
// CHECK-NOT: graph.Placeholder
// CHECK: graph.Const "c"
// CHECK: graph.Add "sum"(%arg0, %c#0)
// CHECK-NOT: graph.Assign
// CHECK: return %sum#0
// CHECK-LABEL: func.func @init()
// CHECK: graph.Const "c"
// CHECK: graph.VariableV2 "v"
// CHECK: graph.Assign "assign"
// CHECK: graph.NoOp "init"
// CHECK-NOT: graph.Add
graph.graph {
  %init:1 = graph.NoOp "init"() [%assign#1] : () -> ()
  %sum:2 = graph.Add "sum"(%a#0, %c#0) {T = f32} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %assign:2 = graph.Assign "assign"(%v#0, %c#0) {T = f32} : (tensor<2x!graph.ref<f32>>, tensor<2xf32>) -> tensor<2x!graph.ref<f32>>
  %a:2 = graph.Placeholder "a"() {dtype = f32, shape = #graph.shape<2>} : () -> tensor<2xf32>
  %c:2 = graph.Const "c"() {dtype = f32, value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %v:2 = graph.VariableV2 "v"() {dtype = f32, shape = #graph.shape<2>} : () -> tensor<2x!graph.ref<f32>>
}
