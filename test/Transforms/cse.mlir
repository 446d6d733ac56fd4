// RUN: graph-opt %s --graph-cse | FileCheck %s

// CHECK-LABEL: graph.graph
graph.graph {
  // CHECK: graph.Const "a"
  // CHECK-NOT: graph.Const "a_copy"
  %a:2 = graph.Const "a"() {dtype = f32, value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %a2:2 = graph.Const "a_copy"() {dtype = f32, value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  // Identical after the consts merge: merged too.
  // CHECK: graph.Neg "n1"(%a#0)
  // CHECK-NOT: graph.Neg "n2"
  %n1:2 = graph.Neg "n1"(%a#0) {T = f32} : (tensor<f32>) -> tensor<f32>
  %n2:2 = graph.Neg "n2"(%a2#0) {T = f32} : (tensor<f32>) -> tensor<f32>
  // CHECK: graph.Add "sum"(%n1#0, %n1#0)
  %s:2 = graph.Add "sum"(%n1#0, %n2#0) {T = f32} : (tensor<f32>, tensor<f32>) -> tensor<f32>
  // Different devices or control inputs: not the same.
  // CHECK: graph.Neg "on_gpu"
  %g:2 = graph.Neg "on_gpu"(%a#0) {T = f32, device = "/device:GPU:0"} : (tensor<f32>) -> tensor<f32>
  // CHECK: graph.Neg "gated"
  %c:2 = graph.Neg "gated"(%a#0) [%a#1] {T = f32} : (tensor<f32>) -> tensor<f32>
  // Random ops are stateful: never merged.
  // CHECK: graph.RandomUniform "r1"
  // CHECK: graph.RandomUniform "r2"
  %sh:2 = graph.Const "shape"() {dtype = i32, value = dense<[2]> : tensor<1xi32>} : () -> tensor<1xi32>
  %r1:2 = graph.RandomUniform "r1"(%sh#0) {T = i32, dtype = f32} : (tensor<1xi32>) -> tensor<2xf32>
  %r2:2 = graph.RandomUniform "r2"(%sh#0) {T = i32, dtype = f32} : (tensor<1xi32>) -> tensor<2xf32>
}
