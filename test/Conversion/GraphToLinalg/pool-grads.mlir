// RUN: graph-opt %s --graph-session-form="signatures={p: feed=x,y,dy fetch=mg,ag}" \
// RUN:   --convert-graph-to-linalg | FileCheck %s

// MaxPoolGrad: one loop nest finds each window's maximum and the flat
// input position of its first occurrence (strictly greater replaces, so
// the first row-major maximum stays; -inf padding never wins); a second
// gathers, per input element, the gradients of the windows whose maximum
// it is (no scatter). A [kh, kw] window operand sizes the window loops.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 * 2 + d4, d2 * 2 + d5, d3)>
// CHECK-DAG: #[[WIN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @p
// CHECK: %[[NEG:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[XP:.*]] = tensor.pad %{{.*}} low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: tensor.yield %[[NEG]]
// CHECK: %[[ARG:.*]]:2 = linalg.generic {indexing_maps = [#[[IN]], #[[WIN]], #[[OUT]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[XP]], %{{.*}} : tensor<?x7x9x2xf32>, tensor<3x3xf32>)
// CHECK: arith.cmpf ogt
// CHECK: %[[MG:.*]] = linalg.generic {indexing_maps = [#[[WIN]], #[[OUT]]]
// CHECK: tensor.extract %[[ARG]]#1
// AvgPoolGrad: the gradient divided by each window's count of input
// elements (corners 4, edges 6, inside 9 for 3x3 at stride 2 with one
// row and column of padding), then the same gather; the batch the shape
// input gives (1) is checked against dy's.
// CHECK: kiln_rt.check_dims %arg0, %{{.*}}, %c1
// CHECK: tensor.cast %{{.*}} : tensor<?x3x4x2xf32> to tensor<1x3x4x2xf32>
// CHECK: arith.constant dense<{{\[\[}}4.000000e+00, 6.000000e+00, 6.000000e+00, 4.000000e+00], [6.000000e+00, 9.000000e+00, 9.000000e+00, 6.000000e+00], [4.000000e+00, 6.000000e+00, 6.000000e+00, 4.000000e+00]]> : tensor<3x4xf32>
// CHECK: arith.divf
// CHECK: %[[AG:.*]] = linalg.generic {indexing_maps = [#[[WIN]], #[[OUT]]]
// CHECK: kiln_rt.fetch %arg0[0], %[[MG]]
// CHECK: kiln_rt.fetch %arg0[1], %[[AG]] {dtype = 1 : i32} : tensor<1x5x7x2xf32>
graph.graph {
  %x:2 = graph.Placeholder "x"() {dtype = f32, shape = #graph.shape<?x5x7x2>} : () -> tensor<?x5x7x2xf32>
  %y:2 = graph.Placeholder "y"() {dtype = f32, shape = #graph.shape<?x3x4x2>} : () -> tensor<?x3x4x2xf32>
  %dy:2 = graph.Placeholder "dy"() {dtype = f32, shape = #graph.shape<?x3x4x2>} : () -> tensor<?x3x4x2xf32>
  %s:2 = graph.Const "s"() {dtype = i32, value = dense<[1, 5, 7, 2]> : tensor<4xi32>} : () -> tensor<4xi32>
  %mg:2 = graph.MaxPoolGrad "mg"(%x#0, %y#0, %dy#0) {T = f32, ksize = [1, 3, 3, 1], strides = [1, 2, 2, 1], padding = "SAME", data_format = "NHWC"} : (tensor<?x5x7x2xf32>, tensor<?x3x4x2xf32>, tensor<?x3x4x2xf32>) -> tensor<?x5x7x2xf32>
  %ag:2 = graph.AvgPoolGrad "ag"(%s#0, %dy#0) {T = f32, ksize = [1, 3, 3, 1], strides = [1, 2, 2, 1], padding = "SAME", data_format = "NHWC"} : (tensor<4xi32>, tensor<?x3x4x2xf32>) -> tensor<1x5x7x2xf32>
}
