// RUN: graph-opt %s --kiln-cpu-packing="gemm=codegen" | FileCheck %s

// The matmuls left to generated code read a row of B per k: a B read
// transposed is packed to [K, N] first; a plain B and an A read transposed
// are read in place.
// CHECK-DAG: #[[KI:.*]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-DAG: #[[KJ:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[IJ:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @plain
// CHECK-NOT: linalg.transpose
// CHECK: linalg.matmul ins(%arg0, %arg1 : tensor<128x784xf32>, tensor<784x625xf32>)
func.func @plain(%a: tensor<128x784xf32>, %b: tensor<784x625xf32>, %c: tensor<128x625xf32>) -> tensor<128x625xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<128x784xf32>, tensor<784x625xf32>) outs(%c : tensor<128x625xf32>) -> tensor<128x625xf32>
  return %r : tensor<128x625xf32>
}

// dX = dY . W^T: W [784, 625] read transposed is packed to [625, 784].
// CHECK-LABEL: func.func @transposed_b
// CHECK: %[[P:.*]] = linalg.transpose ins(%{{.*}} : tensor<784x625xf32>) outs(%{{.*}} : tensor<625x784xf32>) permutation = [1, 0]
// CHECK: linalg.matmul ins(%arg0, %[[P]] : tensor<128x625xf32>, tensor<625x784xf32>)
func.func @transposed_b(%dy: tensor<128x625xf32>, %w: tensor<784x625xf32>, %c: tensor<128x784xf32>) -> tensor<128x784xf32> {
  %r = linalg.matmul indexing_maps = [affine_map<(i, j, k) -> (i, k)>, affine_map<(i, j, k) -> (j, k)>, affine_map<(i, j, k) -> (i, j)>]
      ins(%dy, %w : tensor<128x625xf32>, tensor<784x625xf32>) outs(%c : tensor<128x784xf32>) -> tensor<128x784xf32>
  return %r : tensor<128x784xf32>
}

// dW = X^T . dY: X [128, 784] read as [k, i] in place.
// CHECK-LABEL: func.func @transposed_a
// CHECK-NOT: linalg.transpose
// CHECK: linalg.matmul indexing_maps = [#[[KI]], #[[KJ]], #[[IJ]]]
func.func @transposed_a(%x: tensor<128x784xf32>, %dy: tensor<128x625xf32>, %c: tensor<784x625xf32>) -> tensor<784x625xf32> {
  %r = linalg.matmul indexing_maps = [affine_map<(i, j, k) -> (k, i)>, affine_map<(i, j, k) -> (k, j)>, affine_map<(i, j, k) -> (i, j)>]
      ins(%x, %dy : tensor<128x784xf32>, tensor<128x625xf32>) outs(%c : tensor<784x625xf32>) -> tensor<784x625xf32>
  return %r : tensor<784x625xf32>
}

// Both read transposed, dynamic: B is packed with its dims swapped.
// CHECK-LABEL: func.func @both_dynamic
// CHECK-DAG: %[[N:.*]] = tensor.dim %arg1, %c0
// CHECK-DAG: %[[K:.*]] = tensor.dim %arg1, %c1
// CHECK: %[[E:.*]] = tensor.empty(%[[K]], %[[N]]) : tensor<?x?xf64>
// CHECK: linalg.transpose ins(%arg1 : tensor<?x?xf64>) outs(%[[E]] : tensor<?x?xf64>)
// CHECK: linalg.matmul indexing_maps = [#[[KI]], #[[KJ]], #[[IJ]]] ins(%arg0, %transposed
func.func @both_dynamic(%a: tensor<?x?xf64>, %b: tensor<?x?xf64>, %c: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %r = linalg.matmul indexing_maps = [affine_map<(i, j, k) -> (k, i)>, affine_map<(i, j, k) -> (j, k)>, affine_map<(i, j, k) -> (i, j)>]
      ins(%a, %b : tensor<?x?xf64>, tensor<?x?xf64>) outs(%c : tensor<?x?xf64>) -> tensor<?x?xf64>
  return %r : tensor<?x?xf64>
}
