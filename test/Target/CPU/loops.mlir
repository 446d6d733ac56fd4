// RUN: graph-opt %s --kiln-cpu-loops | FileCheck %s

// linalg on buffers becomes loops, and loops a CFG.
// CHECK-LABEL: func.func @scale
// CHECK-NOT: linalg.
// CHECK-NOT: scf.
// CHECK: cf.br
// CHECK: cf.cond_br
// CHECK: memref.load
// CHECK: arith.mulf
// CHECK: memref.store
// CHECK: cf.br
#id = affine_map<(d0) -> (d0)>
func.func @scale(%x: memref<?xf32>, %y: memref<?xf32>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : memref<?xf32>) outs(%y : memref<?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %a, %a : f32
    linalg.yield %r : f32
  }
  return
}

// A copy out of a strided view is loops too, not a call to a library.
// CHECK-LABEL: func.func @copy_strided
// CHECK-NOT: memref.copy
// CHECK-NOT: call
// CHECK: memref.load
// CHECK: memref.store
func.func @copy_strided(%x: memref<4x4xf32>, %y: memref<4x2xf32>) {
  %v = memref.subview %x[0, 1] [4, 2] [1, 1] : memref<4x4xf32> to memref<4x2xf32, strided<[4, 1], offset: 1>>
  memref.copy %v, %y : memref<4x2xf32, strided<[4, 1], offset: 1>> to memref<4x2xf32>
  return
}
