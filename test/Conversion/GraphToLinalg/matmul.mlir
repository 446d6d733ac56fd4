// RUN: graph-opt %s --graph-session-form="signatures={f: feed=a,b fetch=nn,tn,nt,tt}" \
// RUN:   --convert-graph-to-linalg | FileCheck %s

// MatMul is linalg.matmul; transpose_a / transpose_b are its operands'
// indexing maps (i, j, k): no transposed copy is made.
// CHECK-DAG: #[[IK:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[KJ:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[KI:.*]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-DAG: #[[JK:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[IJ:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @f
// CHECK-NOT: linalg.transpose
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x4xf32>, tensor<4x4xf32>)
// CHECK: linalg.matmul indexing_maps = [#[[KI]], #[[KJ]], #[[IJ]]]
// CHECK: linalg.matmul indexing_maps = [#[[IK]], #[[JK]], #[[IJ]]]
// CHECK: linalg.matmul indexing_maps = [#[[KI]], #[[JK]], #[[IJ]]]
// CHECK-NOT: linalg.transpose
graph.graph {
  %a:2 = graph.Placeholder "a"() {dtype = f32, shape = #graph.shape<4x4>} : () -> tensor<4x4xf32>
  %b:2 = graph.Placeholder "b"() {dtype = f32, shape = #graph.shape<4x4>} : () -> tensor<4x4xf32>
  %nn:2 = graph.MatMul "nn"(%a#0, %b#0) {T = f32, transpose_a = false, transpose_b = false} : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %tn:2 = graph.MatMul "tn"(%a#0, %b#0) {T = f32, transpose_a = true, transpose_b = false} : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %nt:2 = graph.MatMul "nt"(%a#0, %b#0) {T = f32, transpose_a = false, transpose_b = true} : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %tt:2 = graph.MatMul "tt"(%a#0, %b#0) {T = f32, transpose_a = true, transpose_b = true} : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
}
