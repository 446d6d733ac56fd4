// RUN: graph-opt %s --graph-session-form="signatures={f: feed=x,f fetch=c,m,a}" \
// RUN:   --convert-graph-to-linalg | FileCheck %s

// Conv2D: TF's SAME padding (6 rows, 3x3, stride 2: 1 row, after; 7
// columns: 2, one each side) as tensor.pad, then one matmul: the windows
// (stride 2) as rows [N*3*4, 3*3*2] times the filter as [18, 3].
// CHECK-DAG: #[[WIN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 * 2 + d3, d2 * 2 + d4, d5)>
// CHECK-LABEL: func.func @f
// CHECK: %[[X:.*]] = kiln_rt.feed %arg0[0] : tensor<?x6x7x2xf32>
// CHECK: %[[F:.*]] = kiln_rt.feed %arg0[1] : tensor<3x3x2x3xf32>
// CHECK: %[[P:.*]] = tensor.pad %[[X]] low[0, 0, 1, 0] high[0, 1, 1, 0]
// CHECK: } : tensor<?x6x7x2xf32> to tensor<?x7x9x2xf32>
// CHECK: %[[W:.*]] = linalg.generic {indexing_maps = [#[[WIN]], #{{.*}}], {{.*}} ins(%[[P]] : tensor<?x7x9x2xf32>) outs(%{{.*}} : tensor<?x3x4x3x3x2xf32>)
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[W]] {{\[\[}}0, 1, 2], [3, 4, 5]] : tensor<?x3x4x3x3x2xf32> into tensor<?x18xf32>
// CHECK: %[[F2:.*]] = tensor.collapse_shape %[[F]] {{\[\[}}0, 1, 2], [3]] : tensor<3x3x2x3xf32> into tensor<18x3xf32>
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[ROWS]], %[[F2]] : tensor<?x18xf32>, tensor<18x3xf32>)
// CHECK: %[[C:.*]] = tensor.expand_shape %[[MM]] {{\[\[}}0, 1, 2], [3]] output_shape [%{{.*}}, 3, 4, 3] : tensor<?x3xf32> into tensor<?x3x4x3xf32>
// MaxPool pads (and starts) with -inf: padding never wins.
// CHECK: %[[NEG:.*]] = arith.constant 0xFF800000 : f32
// CHECK: tensor.pad %[[X]] low[0, 0, 0, 0] high[0, 0, 1, 0]
// CHECK: tensor.yield %[[NEG]]
// CHECK: linalg.fill ins(%[[NEG]] : f32)
// CHECK: %[[M:.*]] = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
// AvgPool: the window sums divided by each window's count of input
// elements (all 9 here: VALID).
// CHECK: %[[S:.*]] = linalg.pooling_nhwc_sum
// CHECK: %[[N:.*]] = arith.constant dense<9.000000e+00> : tensor<4x5xf32>
// CHECK: %[[A:.*]] = linalg.generic {{.*}} ins(%[[S]], %[[N]] : tensor<?x4x5x2xf32>, tensor<4x5xf32>)
// CHECK: arith.divf
// CHECK: kiln_rt.fetch %arg0[0], %[[C]]
// CHECK: kiln_rt.fetch %arg0[1], %[[M]]
// CHECK: kiln_rt.fetch %arg0[2], %[[A]]
graph.graph {
  %x:2 = graph.Placeholder "x"() {dtype = f32, shape = #graph.shape<?x6x7x2>} : () -> tensor<?x6x7x2xf32>
  %f:2 = graph.Placeholder "f"() {dtype = f32, shape = #graph.shape<3x3x2x3>} : () -> tensor<3x3x2x3xf32>
  %c:2 = graph.Conv2D "c"(%x#0, %f#0) {T = f32, strides = [1, 2, 2, 1], padding = "SAME", data_format = "NHWC", dilations = [1, 1, 1, 1], use_cudnn_on_gpu = true} : (tensor<?x6x7x2xf32>, tensor<3x3x2x3xf32>) -> tensor<?x3x4x3xf32>
  %m:2 = graph.MaxPool "m"(%x#0) {T = f32, ksize = [1, 2, 2, 1], strides = [1, 2, 2, 1], padding = "SAME", data_format = "NHWC"} : (tensor<?x6x7x2xf32>) -> tensor<?x3x4x2xf32>
  %a:2 = graph.AvgPool "a"(%x#0) {T = f32, ksize = [1, 3, 3, 1], strides = [1, 1, 1, 1], padding = "VALID", data_format = "NHWC"} : (tensor<?x6x7x2xf32>) -> tensor<?x4x5x2xf32>
}
