// RUN: graph-opt %s --kiln-cpu-fuse-elementwise | FileCheck %s
// RUN: graph-opt %s --linalg-fuse-elementwise-ops | FileCheck %s --check-prefix=UPSTREAM

#id6 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
#win = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 + d3, d2 + d4, d5)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>

// A convolution as im2col rows times the filter: the collapse of the
// windows stays where it is and the product stays a linalg.matmul
// (upstream's fusion expands the matmul into a contraction over the
// uncollapsed windows). Elementwise producers still fuse.
// CHECK-LABEL: func.func @conv
// CHECK: linalg.generic {{.*}}#{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
// CHECK: arith.mulf
// CHECK: tensor.collapse_shape
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x18xf32>, tensor<18x3xf32>)
// CHECK: tensor.expand_shape
// CHECK-NOT: linalg.generic
// UPSTREAM-LABEL: func.func @conv
// UPSTREAM-NOT: linalg.matmul
func.func @conv(%x: tensor<?x6x7x2xf32>, %f: tensor<3x3x2x3xf32>) -> tensor<?x4x5x3xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %two = arith.constant 2.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x6x7x2xf32>
  %e0 = tensor.empty(%n) : tensor<?x6x7x2xf32>
  %scaled = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<?x6x7x2xf32>) outs(%e0 : tensor<?x6x7x2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %two : f32
    linalg.yield %m : f32
  } -> tensor<?x6x7x2xf32>
  %e1 = tensor.empty(%n) : tensor<?x4x5x3x3x2xf32>
  %win = linalg.generic {indexing_maps = [#win, #id6], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%scaled : tensor<?x6x7x2xf32>) outs(%e1 : tensor<?x4x5x3x3x2xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<?x4x5x3x3x2xf32>
  %rows = tensor.collapse_shape %win [[0, 1, 2], [3, 4, 5]] : tensor<?x4x5x3x3x2xf32> into tensor<?x18xf32>
  %f2 = tensor.collapse_shape %f [[0, 1, 2], [3]] : tensor<3x3x2x3xf32> into tensor<18x3xf32>
  %m = tensor.dim %rows, %c0 : tensor<?x18xf32>
  %e2 = tensor.empty(%m) : tensor<?x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x3xf32>) -> tensor<?x3xf32>
  %mm = linalg.matmul ins(%rows, %f2 : tensor<?x18xf32>, tensor<18x3xf32>) outs(%init : tensor<?x3xf32>) -> tensor<?x3xf32>
  %out = tensor.expand_shape %mm [[0, 1, 2], [3]] output_shape [%n, 4, 5, 3] : tensor<?x3xf32> into tensor<?x4x5x3xf32>
  return %out : tensor<?x4x5x3xf32>
}
