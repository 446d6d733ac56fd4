// RUN: graph-opt %s --kiln-cpu-vectorize | FileCheck %s
// RUN: graph-opt %s --kiln-cpu-vectorize="vector-bits=256" | FileCheck %s --check-prefix=AVX2
// RUN: graph-opt %s --kiln-cpu-vectorize="vector-bits=0" | FileCheck %s --check-prefix=LOOPS
// RUN: graph-opt %s --kiln-cpu-vectorize --kiln-cpu-bufferize | FileCheck %s --check-prefix=BUF
// RUN: graph-opt %s --kiln-cpu-vectorize --kiln-cpu-bufferize --kiln-cpu-loops --kiln-cpu-lowering | FileCheck %s --check-prefix=LLVM

// 20 x 40 (K 7) at 512 bits: 8 x 32 register tiles. Rows 0-15 and columns
// 0-31 are full tiles: no masks, C read before the k loop and written
// after it (held in vectors), one rank-1 update per k.
// CHECK-LABEL: func.func @f32_static
// CHECK: scf.for %[[I:.*]] = %c0 to %c16 step %c8
// CHECK: %[[C:.*]] = tensor.extract_slice %{{.*}}[%[[I]], 0] [8, 32] [1, 1]
// CHECK: %[[ACC:.*]] = vector.transfer_read %[[C]][%c0, %c0], %cst {in_bounds = [true, true]} : tensor<8x32xf32>, vector<8x32xf32>
// CHECK: %[[SUM:.*]] = scf.for %[[K:.*]] = %c0 to %c7 step %c1 iter_args(%[[A:.*]] = %[[ACC]]) -> (vector<8x32xf32>)
// CHECK-NOT: vector.transfer_write
// CHECK: vector.contract {{.*}} %{{.*}}, %{{.*}}, %[[A]] : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK-NEXT: scf.yield
// CHECK: vector.transfer_write %[[SUM]], %[[C]]
// The edges (columns 32-39, rows 16-19) are masked.
// CHECK: vector.mask %{{.*}} { vector.contract
// CHECK: vector.constant_mask [4, 32] : vector<8x32xi1>
// CHECK-NOT: linalg.matmul
// CHECK: return
// AVX2-LABEL: func.func @f32_static
// AVX2: scf.for %{{.*}} = %c0 to %c18 step %c6
// AVX2: vector.contract {{.*}} : vector<6x1xf32>, vector<1x16xf32> into vector<6x16xf32>
// LOOPS-LABEL: func.func @f32_static
// LOOPS: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]
// LOOPS: arith.mulf
// LOOPS: arith.addf
// Bufferized in place: the tiles write into C's buffer, no copy, no buffer.
// BUF-LABEL: func.func @f32_static
// BUF-NOT: memref.alloc
// BUF-NOT: memref.copy
// BUF: return
// LLVM-LABEL: llvm.func @f32_static
// LLVM: llvm.intr.fmuladd{{.*}} : (vector<32xf32>, vector<32xf32>, vector<32xf32>) -> vector<32xf32>
// LLVM: llvm.intr.masked.store
func.func @f32_static(%a: tensor<20x7xf32>, %b: tensor<7x40xf32>, %c: tensor<20x40xf32>) -> tensor<20x40xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<20x7xf32>, tensor<7x40xf32>) outs(%c : tensor<20x40xf32>) -> tensor<20x40xf32>
  return %r : tensor<20x40xf32>
}

// Dynamic sizes: the full tiles run up to the last multiple of 8 rows and
// 32 columns; the rest is masked by the sizes left.
// CHECK-LABEL: func.func @f64_dynamic_transposed_a
// CHECK: %[[M:.*]] = tensor.dim %arg0, %c1
// CHECK: %[[FULL:.*]] = affine.apply #{{.*}}()[%[[M]]]
// CHECK: scf.for %{{.*}} = %c0 to %[[FULL]] step %c8
// CHECK: vector.contract {{.*}} : vector<1x8xf64>, vector<1x16xf64> into vector<8x16xf64>
// CHECK: scf.for %[[I:.*]] = %[[FULL]] to %[[M]] step %c8
// CHECK: %[[LEFT:.*]] = affine.apply #{{.*}}(%[[I]])[%[[M]]]
// CHECK: vector.create_mask %[[LEFT]]
// A is stored [K, M]: a tile reads up to 8 consecutive elements of a row.
// CHECK: %[[ROW:.*]] = tensor.extract_slice %arg0[%{{.*}}, %[[I]]] [1, %[[LEFT]]] [1, 1] : tensor<?x?xf64> to tensor<1x?xf64>
// CHECK: vector.transfer_read %[[ROW]]{{.*}} : tensor<1x?xf64>, vector<1x8xf64>
// CHECK: vector.mask %{{.*}} { vector.contract {{.*}} : vector<1x8xf64>, vector<1x16xf64> into vector<8x16xf64>
// LOOPS-LABEL: func.func @f64_dynamic_transposed_a
// LOOPS: linalg.generic {indexing_maps = [#[[KI:.*]], #{{.*}}, #{{.*}}], iterator_types = ["parallel", "reduction", "parallel"]}
func.func @f64_dynamic_transposed_a(%a: tensor<?x?xf64>, %b: tensor<?x?xf64>, %c: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %r = linalg.matmul indexing_maps = [affine_map<(i, j, k) -> (k, i)>, affine_map<(i, j, k) -> (k, j)>, affine_map<(i, j, k) -> (i, j)>]
      ins(%a, %b : tensor<?x?xf64>, tensor<?x?xf64>) outs(%c : tensor<?x?xf64>) -> tensor<?x?xf64>
  return %r : tensor<?x?xf64>
}

// Integers too (muli, addi once lowered).
// CHECK-LABEL: func.func @i32
// CHECK: vector.contract {{.*}} : vector<8x1xi32>, vector<1x32xi32> into vector<8x32xi32>
// LLVM-LABEL: llvm.func @i32
// LLVM: llvm.mul {{.*}} : vector<32xi32>
// LLVM: llvm.add {{.*}} : vector<32xi32>
func.func @i32(%a: tensor<8x3xi32>, %b: tensor<3x32xi32>, %c: tensor<8x32xi32>) -> tensor<8x32xi32> {
  %r = linalg.matmul ins(%a, %b : tensor<8x3xi32>, tensor<3x32xi32>) outs(%c : tensor<8x32xi32>) -> tensor<8x32xi32>
  return %r : tensor<8x32xi32>
}

// A B read transposed is not this pass's (kiln-cpu-pack-matmuls packs it
// first): left alone.
// CHECK-LABEL: func.func @transposed_b_left
// CHECK: linalg.matmul
// CHECK-NOT: vector.contract
// CHECK: return
func.func @transposed_b_left(%a: tensor<4x3xf32>, %b: tensor<5x3xf32>, %c: tensor<4x5xf32>) -> tensor<4x5xf32> {
  %r = linalg.matmul indexing_maps = [affine_map<(i, j, k) -> (i, k)>, affine_map<(i, j, k) -> (j, k)>, affine_map<(i, j, k) -> (i, j)>]
      ins(%a, %b : tensor<4x3xf32>, tensor<5x3xf32>) outs(%c : tensor<4x5xf32>) -> tensor<4x5xf32>
  return %r : tensor<4x5xf32>
}
