// RUN: graph-opt %s --graph-prune="fetches=add" | FileCheck %s --check-prefix=FETCH
// RUN: graph-opt %s --graph-prune="fetches=add feeds=mul" | FileCheck %s --check-prefix=CUT
// RUN: graph-opt %s --graph-prune="targets=assign" | FileCheck %s --check-prefix=TARGET
// RUN: not graph-opt %s --graph-prune="fetches=nope" 2>&1 | FileCheck %s --check-prefix=ERR

graph.graph {
  %a:2 = graph.Const "a"() {dtype = f32, value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %b:2 = graph.Const "b"() {dtype = f32, value = dense<3.0> : tensor<f32>} : () -> tensor<f32>
  %init = graph.NoOp "init"() : () -> ()
  %mul:2 = graph.Mul "mul"(%a#0, %b#0) {T = f32} : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %add:2 = graph.Add "add"(%mul#0, %a#0) [%init] {T = f32} : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %v:2 = graph.VariableV2 "v"() {dtype = f32, shape = #graph.shape<>} : () -> tensor<!graph.ref<f32>>
  %assign:2 = graph.Assign "assign"(%v#0, %b#0) {T = f32} : (tensor<!graph.ref<f32>>, tensor<f32>) -> tensor<!graph.ref<f32>>
  %unused:2 = graph.Neg "unused"(%a#0) {T = f32} : (tensor<f32>) -> tensor<f32>
}

// Data and control inputs are kept, the rest goes.
// FETCH-DAG: graph.Const "a"
// FETCH-DAG: graph.Const "b"
// FETCH-DAG: graph.NoOp "init"
// FETCH-DAG: graph.Mul "mul"
// FETCH-DAG: graph.Add "add"
// FETCH-NOT: "v"
// FETCH-NOT: "unused"

// Feeding a computed tensor cuts the graph there: b is no longer needed.
// CUT: graph.Placeholder "mul/feed_0"() {dtype = f32} : () -> tensor<f32>
// CUT-NOT: "b"
// CUT-NOT: graph.Mul

// TARGET-DAG: graph.VariableV2 "v"
// TARGET-DAG: graph.Const "b"
// TARGET-DAG: graph.Assign "assign"
// TARGET-NOT: graph.Add

// ERR: error: fetch 'nope' names no node in the graph
