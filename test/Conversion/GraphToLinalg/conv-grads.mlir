// RUN: graph-opt %s --graph-session-form="signatures={g: feed=x,f,dy fetch=dx,df,db}" \
// RUN:   --convert-graph-to-linalg | FileCheck %s

// Conv2DBackpropInput: dy spread by the strides (and placed after the
// dilated filter's reach minus SAME's padding: rows 2 - 0, columns 2 - 1)
// into zeros, convolved at stride 1 with the filter flipped in H and W and
// its depths swapped: the convolution as one matmul of the windows (im2col,
// [2*6*7, 3*3*3]) and the flipped filter as [27, 2]. The sizes input says
// batch 2: dy's open batch is checked against it.
// CHECK-DAG: #[[FLIP:.*]] = affine_map<(d0, d1, d2, d3) -> (-d0 + 2, -d1 + 2, d3, d2)>
// CHECK-DAG: #[[WIN1:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 + d3, d2 + d4, d5)>
// CHECK-DAG: #[[WIN2:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 * 2 + d3, d2 * 2 + d4, d5)>
// CHECK-DAG: #[[AT:.*]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-LABEL: func.func @g
// CHECK: %[[DYV:.*]] = kiln_rt.feed %arg0[2] : tensor<?x3x4x3xf32>
// CHECK: kiln_rt.check_dims %arg0, %{{.*}}, %c2
// CHECK: %[[CAST:.*]] = tensor.cast %[[DYV]] : tensor<?x3x4x3xf32> to tensor<2x3x4x3xf32>
// CHECK: %[[SPREAD:.*]] = tensor.insert_slice %[[CAST]] into %{{.*}}[0, 2, 1, 0] [2, 3, 4, 3] [1, 2, 2, 1] : tensor<2x3x4x3xf32> into tensor<2x8x9x3xf32>
// CHECK: %[[FL:.*]] = linalg.generic {indexing_maps = [#[[FLIP]], #{{.*}}]
// CHECK: %[[WIN:.*]] = linalg.generic {indexing_maps = [#[[WIN1]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%[[SPREAD]] : tensor<2x8x9x3xf32>) outs(%{{.*}} : tensor<2x6x7x3x3x3xf32>)
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[WIN]] {{\[\[}}0, 1, 2], [3, 4, 5]] : tensor<2x6x7x3x3x3xf32> into tensor<84x27xf32>
// CHECK: %[[F2:.*]] = tensor.collapse_shape %[[FL]] {{\[\[}}0, 1, 2], [3]] : tensor<3x3x3x2xf32> into tensor<27x2xf32>
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[ROWS]], %[[F2]] : tensor<84x27xf32>, tensor<27x2xf32>)
// CHECK: %[[DX:.*]] = tensor.expand_shape %[[MM]] {{\[\[}}0, 1, 2], [3]] output_shape [2, 6, 7, 2]
// Conv2DBackpropFilter: the padded input's windows (stride 2) as rows,
// transposed, times dy as [N*3*4, 3].
// CHECK: %[[XP:.*]] = tensor.pad %{{.*}} low[0, 0, 1, 0] high[0, 1, 1, 0]
// CHECK: %[[XWIN:.*]] = linalg.generic {indexing_maps = [#[[WIN2]], #{{.*}}], {{.*}} ins(%[[XP]] : tensor<?x7x9x2xf32>) outs(%{{.*}} : tensor<?x3x4x3x3x2xf32>)
// CHECK: %[[XROWS:.*]] = tensor.collapse_shape %[[XWIN]] {{.*}} into tensor<?x18xf32>
// CHECK: %[[DY2:.*]] = tensor.collapse_shape %[[DYV]] {{.*}} into tensor<?x3xf32>
// CHECK: %[[DFM:.*]] = linalg.matmul indexing_maps = [#[[AT]], #{{.*}}, #{{.*}}] ins(%[[XROWS]], %[[DY2]] : tensor<?x18xf32>, tensor<?x3xf32>) outs(%{{.*}} : tensor<18x3xf32>)
// CHECK: %[[DFV:.*]] = tensor.expand_shape %[[DFM]] {{\[\[}}0, 1, 2], [3]] output_shape [3, 3, 2, 3]
// BiasAddGrad: a sum over all but the channel.
// CHECK: %[[DB:.*]] = linalg.reduce ins(%[[DYV]] : tensor<?x3x4x3xf32>) outs(%{{.*}} : tensor<3xf32>) dimensions = [0, 1, 2]
// CHECK: kiln_rt.fetch %arg0[0], %[[DX]]
// CHECK: kiln_rt.fetch %arg0[1], %[[DFV]]
// CHECK: kiln_rt.fetch %arg0[2], %[[DB]]
graph.graph {
  %x:2 = graph.Placeholder "x"() {dtype = f32, shape = #graph.shape<?x6x7x2>} : () -> tensor<?x6x7x2xf32>
  %f:2 = graph.Placeholder "f"() {dtype = f32, shape = #graph.shape<3x3x2x3>} : () -> tensor<3x3x2x3xf32>
  %dy:2 = graph.Placeholder "dy"() {dtype = f32, shape = #graph.shape<?x3x4x3>} : () -> tensor<?x3x4x3xf32>
  %xs:2 = graph.Const "xs"() {dtype = i32, value = dense<[2, 6, 7, 2]> : tensor<4xi32>} : () -> tensor<4xi32>
  %fs:2 = graph.Const "fs"() {dtype = i32, value = dense<[3, 3, 2, 3]> : tensor<4xi32>} : () -> tensor<4xi32>
  %dx:2 = graph.Conv2DBackpropInput "dx"(%xs#0, %f#0, %dy#0) {T = f32, strides = [1, 2, 2, 1], padding = "SAME", data_format = "NHWC", dilations = [1, 1, 1, 1], use_cudnn_on_gpu = true} : (tensor<4xi32>, tensor<3x3x2x3xf32>, tensor<?x3x4x3xf32>) -> tensor<2x6x7x2xf32>
  %df:2 = graph.Conv2DBackpropFilter "df"(%x#0, %fs#0, %dy#0) {T = f32, strides = [1, 2, 2, 1], padding = "SAME", data_format = "NHWC", dilations = [1, 1, 1, 1], use_cudnn_on_gpu = true} : (tensor<?x6x7x2xf32>, tensor<4xi32>, tensor<?x3x4x3xf32>) -> tensor<3x3x2x3xf32>
  %db:2 = graph.BiasAddGrad "db"(%dy#0) {T = f32, data_format = "NHWC"} : (tensor<?x3x4x3xf32>) -> tensor<3xf32>
}
