// RUN: graph-opt %s --graph-dce | FileCheck %s

// CHECK-LABEL: graph.graph
graph.graph attributes {meta_graph = "collection_def { key: \"train_op\" value { node_list { value: \"kept_by_name\" } } }"} {
  // CHECK: graph.Const "a"
  %a:2 = graph.Const "a"() {dtype = f32, value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  // Unused pure chain: both go.
  // CHECK-NOT: "dead_neg"
  // CHECK-NOT: "dead_c"
  %c:2 = graph.Const "dead_c"() {dtype = f32, value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %n:2 = graph.Neg "dead_neg"(%c#0) {T = f32} : (tensor<f32>) -> tensor<f32>
  // Named by the MetaGraphDef: kept.
  // CHECK: graph.Neg "kept_by_name"
  %k:2 = graph.Neg "kept_by_name"(%a#0) {T = f32} : (tensor<f32>) -> tensor<f32>
  // Stateful: kept though unused.
  // CHECK: graph.RandomUniform "rand"
  %s:2 = graph.Const "shape"() {dtype = i32, value = dense<[2]> : tensor<1xi32>} : () -> tensor<1xi32>
  %r:2 = graph.RandomUniform "rand"(%s#0) {T = i32, dtype = f32} : (tensor<1xi32>) -> tensor<2xf32>
  // A used control token keeps its node.
  // CHECK: graph.Neg "ctl_used"
  %u:2 = graph.Neg "ctl_used"(%a#0) {T = f32} : (tensor<f32>) -> tensor<f32>
  // CHECK: graph.NoOp "after"
  %after = graph.NoOp "after"() [%u#1] : () -> ()
}
