// RUN: graph-opt %s --kiln-cpu-lowering | FileCheck %s

// The frame becomes the pointer the runtime passes in; runtime ops become
// ABI calls; math becomes intrinsics; nothing but LLVM is left.
// CHECK: llvm.func @kiln_rt_ok(!llvm.ptr) -> i32
// CHECK-LABEL: llvm.func @step(%{{.*}}: !llvm.ptr)
// CHECK: llvm.call @kiln_rt_read
// CHECK: llvm.call @kiln_rt_view
// CHECK: llvm.call @kiln_rt_ok
// CHECK: llvm.cond_br
// CHECK: llvm.intr.exp
// CHECK: llvm.call @kiln_rt_alloc
// CHECK: llvm.call @kiln_rt_fetch
// CHECK: llvm.call @kiln_rt_free
// CHECK-NOT: kiln_rt.
// CHECK-NOT: memref.
// CHECK-NOT: func.
func.func @step(%f: !kiln_rt.frame) {
  %w = kiln_rt.read %f[0] : memref<4xf32>
  %ok = kiln_rt.ok %f
  cf.cond_br %ok, ^next, ^exit
^next:
  %c0 = arith.constant 0 : index
  %v = memref.load %w[%c0] : memref<4xf32>
  %e = math.exp %v : f32
  %a = kiln_rt.alloc %f() : memref<4xf32>
  memref.store %e, %a[%c0] : memref<4xf32>
  kiln_rt.fetch %f[0], %a {dtype = 1 : i32} : memref<4xf32>
  kiln_rt.free %f, %a : memref<4xf32>
  return
^exit:
  return
}
