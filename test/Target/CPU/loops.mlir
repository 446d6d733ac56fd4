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
