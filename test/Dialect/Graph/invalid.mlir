// RUN: graph-opt %s -split-input-file -verify-diagnostics

graph.graph {
  %a:2 = graph.Const "a"() {dtype = i32, value = dense<1> : tensor<i32>} : () -> tensor<i32>
  // expected-error @+1 {{node 'm': input 0 ('a') has dtype int32, expected float}}
  %m:2 = graph.MatMul "m"(%a#0, %a#0) {T = f32} : (tensor<i32>, tensor<i32>) -> tensor<f32>
}

// -----

graph.graph {
  %a:2 = graph.Const "a"() {dtype = i1, value = dense<true> : tensor<i1>} : () -> tensor<i1>
  // expected-error @+1 {{attr 'T' is bool, not one of the allowed types}}
  %m:2 = graph.MatMul "m"(%a#0, %a#0) {T = i1} : (tensor<i1>, tensor<i1>) -> tensor<i1>
}

// -----

graph.graph {
  %a:2 = graph.Const "a"() {dtype = f32, value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  // expected-error @+1 {{input 0 ('ref') must be a reference}}
  %m:2 = graph.Assign "assign"(%a#0, %a#0) {T = f32} : (tensor<f32>, tensor<f32>) -> tensor<!graph.ref<f32>>
}

// -----

graph.graph {
  %a:2 = graph.Const "a"() {dtype = f32, value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  // expected-error @+1 {{attr 'transpose_a' must be of TF kind bool, got 3 : i64}}
  %m:2 = graph.MatMul "m"(%a#0, %a#0) {T = f32, transpose_a = 3 : i64} : (tensor<f32>, tensor<f32>) -> tensor<f32>
}

// -----

graph.graph {
  %a:2 = graph.Const "a"() {dtype = f32, value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  // expected-error @+1 {{requires attribute 'T'}}
  %m:2 = graph.MatMul "m"(%a#0, %a#0) : (tensor<f32>, tensor<f32>) -> tensor<f32>
}

// -----

graph.graph {
  %a:2 = graph.Const "a"() {dtype = f32, value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  // expected-error @+1 {{attr 'N' is 1, must be at least 2}}
  %c:2 = graph.ConcatV2 "c"(%a#0, %ax#0) {N = 1, T = f32} : (tensor<f32>, tensor<i32>) -> tensor<f32>
  %ax:2 = graph.Const "ax"() {dtype = i32, value = dense<0> : tensor<i32>} : () -> tensor<i32>
}
