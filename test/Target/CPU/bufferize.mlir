// RUN: graph-opt %s --kiln-cpu-bufferize | FileCheck %s

// Runtime ops take and give buffers; the variable is read in place (no
// copy of its buffer); the run ends right after an op that failed; the
// run's buffers come from its frame and go back after their last use.
// Constants become globals named by first use.
// CHECK: memref.global "private" constant @kiln_constant_0 : memref<4xf32> = dense<2.000000e+00>
// CHECK-LABEL: func.func @step
// CHECK: %[[W:.*]] = kiln_rt.read %{{.*}}[0] : memref<4xf32>
// CHECK-NEXT: %[[OK:.*]] = kiln_rt.ok
// CHECK-NEXT: cf.cond_br %[[OK]], ^[[NEXT:.*]], ^[[EXIT:.*]]
// CHECK: ^[[NEXT]]:
// CHECK: memref.get_global @kiln_constant_0
// CHECK: %[[A:.*]] = kiln_rt.alloc %{{.*}}() : memref<4xf32>
// CHECK: linalg.generic {{.*}} ins(%[[W]], %{{.*}} : memref<4xf32>, memref<4xf32>) outs(%[[A]] : memref<4xf32>)
// CHECK: kiln_rt.assign %{{.*}}[0], %[[A]]
// CHECK-NEXT: kiln_rt.free %{{.*}}, %[[A]]
// CHECK-NEXT: kiln_rt.ok
// CHECK-NEXT: cf.cond_br
// CHECK: kiln_rt.fetch
// CHECK-NEXT: return
// CHECK: ^[[EXIT]]:
// CHECK-NEXT: return
// CHECK-NOT: memref.alloc
// CHECK-NOT: dealloc
#id = affine_map<(d0) -> (d0)>
func.func @step(%f: !kiln_rt.frame) {
  %w = kiln_rt.read %f[0] : tensor<4xf32>
  %two = arith.constant dense<2.0> : tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  %y = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%w, %two : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.mulf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  kiln_rt.assign %f[0], %y {dtype = 1 : i32, mode = 0 : i32, validate_shape = true} : tensor<4xf32>
  kiln_rt.fetch %f[0], %w {dtype = 1 : i32} : tensor<4xf32>
  return
}

// A training op's update is written straight into the variable's next
// value: the empty tensor it started from becomes the writable buffer, and
// nothing is copied.
// CHECK-LABEL: func.func @update_in_place
// CHECK: %[[OLD:.*]] = kiln_rt.read %{{.*}}[0] : memref<4xf32>
// CHECK: %[[NEXT:.*]] = kiln_rt.writable %{{.*}}[0] : memref<4xf32>
// CHECK: linalg.generic {{.*}} ins(%[[OLD]] : memref<4xf32>) outs(%[[NEXT]] : memref<4xf32>)
// CHECK-NOT: memref.copy
// CHECK-NOT: kiln_rt.alloc
// CHECK: return
func.func @update_in_place(%f: !kiln_rt.frame) {
  %w = kiln_rt.read %f[0] : tensor<4xf32>
  %next = kiln_rt.writable %f[0] : memref<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%w : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  bufferization.materialize_in_destination %y in restrict writable %next : (tensor<4xf32>, memref<4xf32>) -> ()
  return
}

// kiln_rt.matmul bufferizes in destination style: the product is written
// into a buffer of the frame (no zero fill: it does not accumulate); a
// slice whose rows are apart is read in place (its row stride is the
// leading dimension), one whose elements are apart is copied first.
// CHECK-LABEL: func.func @matmul
// CHECK: %[[A:.*]] = memref.subview %{{.*}}[0, 0] [8, 4] [1, 1] : memref<8x8xf32> to memref<8x4xf32, strided<[8, 1]>>
// CHECK: %[[C:.*]] = kiln_rt.alloc %{{.*}}() : memref<8x16xf32>
// CHECK-NOT: memref.copy
// CHECK: kiln_rt.matmul %{{.*}}(%[[A]], %{{.*}}) into %[[C]] {accumulate = false, transpose_a = false, transpose_b = false} : memref<8x4xf32, strided<[8, 1]>>, memref<4x16xf32>, memref<8x16xf32>
// CHECK-NOT: linalg.fill
// CHECK: kiln_rt.fetch %{{.*}}[0], %[[C]]
func.func @matmul(%f: !kiln_rt.frame) {
  %x = kiln_rt.feed %f[0] : tensor<8x8xf32>
  %w = kiln_rt.read %f[0] : tensor<4x16xf32>
  %a = tensor.extract_slice %x[0, 0] [8, 4] [1, 1] : tensor<8x8xf32> to tensor<8x4xf32>
  %e = tensor.empty() : tensor<8x16xf32>
  %c = kiln_rt.matmul %f(%a, %w) into %e {accumulate = false, transpose_a = false, transpose_b = false} : tensor<8x4xf32>, tensor<4x16xf32>, tensor<8x16xf32> -> tensor<8x16xf32>
  kiln_rt.fetch %f[0], %c {dtype = 1 : i32} : tensor<8x16xf32>
  return
}

// CHECK-LABEL: func.func @matmul_strided_columns
// CHECK: %[[A:.*]] = memref.subview %{{.*}}[0, 0] [8, 4] [1, 2] : memref<8x8xf32> to memref<8x4xf32, strided<[8, 2]>>
// CHECK: %[[COPY:.*]] = kiln_rt.alloc %{{.*}}() : memref<8x4xf32>
// CHECK: memref.copy %[[A]], %[[COPY]]
// CHECK: kiln_rt.matmul %{{.*}}(%[[COPY]], %{{.*}}) into
func.func @matmul_strided_columns(%f: !kiln_rt.frame) {
  %x = kiln_rt.feed %f[0] : tensor<8x8xf32>
  %w = kiln_rt.read %f[0] : tensor<4x16xf32>
  %a = tensor.extract_slice %x[0, 0] [8, 4] [1, 2] : tensor<8x8xf32> to tensor<8x4xf32>
  %e = tensor.empty() : tensor<8x16xf32>
  %c = kiln_rt.matmul %f(%a, %w) into %e {accumulate = false, transpose_a = false, transpose_b = false} : tensor<8x4xf32>, tensor<4x16xf32>, tensor<8x16xf32> -> tensor<8x16xf32>
  kiln_rt.fetch %f[0], %c {dtype = 1 : i32} : tensor<8x16xf32>
  return
}
