// RUN: graph-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(kiln-cpu-select-gemm))" | FileCheck %s --check-prefix=AUTO
// RUN: graph-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(kiln-cpu-select-gemm{mode=kernel}))" | FileCheck %s --check-prefix=KERNEL
// RUN: graph-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(kiln-cpu-select-gemm{mode=codegen}))" | FileCheck %s --check-prefix=CODEGEN
// RUN: not graph-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(kiln-cpu-select-gemm{mode=blas}))" 2>&1 | FileCheck %s --check-prefix=BAD
// The packing stage's pipeline option reaches the pass.
// RUN: graph-opt %s --split-input-file --kiln-cpu-packing="gemm=codegen" | FileCheck %s --check-prefix=STAGE

// BAD: kiln-cpu-select-gemm: mode must be auto, kernel or codegen, not 'blas'

// A matmul into a zero fill writes its result (the fill goes); the
// transposes stay flags (no copy). A dynamic batch counts as big.
// AUTO-LABEL: func.func @forward
// AUTO: %[[E:.*]] = tensor.empty
// AUTO-NOT: linalg.fill
// AUTO: kiln_rt.matmul %arg0(%arg1, %arg2) into %[[E]] {accumulate = false, transpose_a = false, transpose_b = true} : tensor<?x625xf32>, tensor<784x625xf32>, tensor<?x784xf32> -> tensor<?x784xf32>
// KERNEL-LABEL: func.func @forward
// KERNEL: kiln_rt.matmul
// CODEGEN-LABEL: func.func @forward
// CODEGEN-NOT: kiln_rt.matmul
// CODEGEN: linalg.matmul
// STAGE-LABEL: func.func @forward
// STAGE-NOT: kiln_rt.matmul
func.func @forward(%f: !kiln_rt.frame, %dy: tensor<?x625xf32>, %w: tensor<784x625xf32>) -> tensor<?x784xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %dy, %c0 : tensor<?x625xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty(%n) : tensor<?x784xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x784xf32>) -> tensor<?x784xf32>
  %r = linalg.matmul indexing_maps = [affine_map<(i, j, k) -> (i, k)>, affine_map<(i, j, k) -> (j, k)>, affine_map<(i, j, k) -> (i, j)>]
      ins(%dy, %w : tensor<?x625xf32>, tensor<784x625xf32>) outs(%z : tensor<?x784xf32>) -> tensor<?x784xf32>
  return %r : tensor<?x784xf32>
}

// -----

// Into anything else the product accumulates; A read transposed.
// AUTO-LABEL: func.func @accumulate
// AUTO: kiln_rt.matmul %arg0(%arg1, %arg2) into %arg3 {accumulate = true, transpose_a = true, transpose_b = false}
func.func @accumulate(%f: !kiln_rt.frame, %x: tensor<128x625xf32>, %dy: tensor<128x10xf32>, %acc: tensor<625x10xf32>) -> tensor<625x10xf32> {
  %r = linalg.matmul indexing_maps = [affine_map<(i, j, k) -> (k, i)>, affine_map<(i, j, k) -> (k, j)>, affine_map<(i, j, k) -> (i, j)>]
      ins(%x, %dy : tensor<128x625xf32>, tensor<128x10xf32>) outs(%acc : tensor<625x10xf32>) -> tensor<625x10xf32>
  return %r : tensor<625x10xf32>
}

// -----

// Small products (M*N*K < 4096) keep loops in auto mode, not in kernel
// mode; other element types always do; so do functions without a frame.
// AUTO-LABEL: func.func @small
// AUTO-NOT: kiln_rt.matmul
// KERNEL-LABEL: func.func @small
// KERNEL: kiln_rt.matmul
// KERNEL: linalg.matmul {{.*}} tensor<16x16xf64>
func.func @small(%f: !kiln_rt.frame, %a: tensor<8x8xf32>, %b: tensor<8x8xf32>, %c: tensor<8x8xf32>,
                 %d: tensor<16x16xf64>, %e: tensor<16x16xf64>) -> (tensor<8x8xf32>, tensor<16x16xf64>) {
  %r = linalg.matmul ins(%a, %b : tensor<8x8xf32>, tensor<8x8xf32>) outs(%c : tensor<8x8xf32>) -> tensor<8x8xf32>
  %s = linalg.matmul ins(%d, %e : tensor<16x16xf64>, tensor<16x16xf64>) outs(%d : tensor<16x16xf64>) -> tensor<16x16xf64>
  return %r, %s : tensor<8x8xf32>, tensor<16x16xf64>
}

// -----

// KERNEL-LABEL: func.func @no_frame
// KERNEL: linalg.matmul
func.func @no_frame(%a: tensor<64x64xf32>, %b: tensor<64x64xf32>, %c: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<64x64xf32>, tensor<64x64xf32>) outs(%c : tensor<64x64xf32>) -> tensor<64x64xf32>
  return %r : tensor<64x64xf32>
}
