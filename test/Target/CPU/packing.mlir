// RUN: graph-opt %s --kiln-cpu-packing | FileCheck %s

// Matmuls get loops (i, k, j): the inner loop is parallel and contiguous.
// A B read transposed is packed to [K, N] first; an A read transposed is
// read in place.
// CHECK-DAG: #[[IK:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[KI:.*]] = affine_map<(d0, d1, d2) -> (d1, d0)>
// CHECK-DAG: #[[KJ:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[IJ:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @plain
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic {indexing_maps = [#[[IK]], #[[KJ]], #[[IJ]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @plain(%a: tensor<128x784xf32>, %b: tensor<784x625xf32>, %c: tensor<128x625xf32>) -> tensor<128x625xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<128x784xf32>, tensor<784x625xf32>) outs(%c : tensor<128x625xf32>) -> tensor<128x625xf32>
  return %r : tensor<128x625xf32>
}

// dX = dY . W^T: W [784, 625] read transposed is packed to [625, 784].
// CHECK-LABEL: func.func @transposed_b
// CHECK: %[[P:.*]] = linalg.transpose ins(%{{.*}} : tensor<784x625xf32>) outs(%{{.*}} : tensor<625x784xf32>) permutation = [1, 0]
// CHECK: linalg.generic {indexing_maps = [#[[IK]], #[[KJ]], #[[IJ]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%{{.*}}, %[[P]] :
func.func @transposed_b(%dy: tensor<128x625xf32>, %w: tensor<784x625xf32>, %c: tensor<128x784xf32>) -> tensor<128x784xf32> {
  %r = linalg.matmul indexing_maps = [affine_map<(i, j, k) -> (i, k)>, affine_map<(i, j, k) -> (j, k)>, affine_map<(i, j, k) -> (i, j)>]
      ins(%dy, %w : tensor<128x625xf32>, tensor<784x625xf32>) outs(%c : tensor<128x784xf32>) -> tensor<128x784xf32>
  return %r : tensor<128x784xf32>
}

// dW = X^T . dY: X [128, 784] read as [k, i] in place.
// CHECK-LABEL: func.func @transposed_a
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic {indexing_maps = [#[[KI]], #[[KJ]], #[[IJ]]]
func.func @transposed_a(%x: tensor<128x784xf32>, %dy: tensor<128x625xf32>, %c: tensor<784x625xf32>) -> tensor<784x625xf32> {
  %r = linalg.matmul indexing_maps = [affine_map<(i, j, k) -> (k, i)>, affine_map<(i, j, k) -> (k, j)>, affine_map<(i, j, k) -> (i, j)>]
      ins(%x, %dy : tensor<128x784xf32>, tensor<128x625xf32>) outs(%c : tensor<784x625xf32>) -> tensor<784x625xf32>
  return %r : tensor<784x625xf32>
}
