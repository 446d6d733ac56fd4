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
