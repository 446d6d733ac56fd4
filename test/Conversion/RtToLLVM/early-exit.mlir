// RUN: graph-opt %s --kiln-rt-early-exit | FileCheck %s

// After each runtime op that may fail, the run ends when it failed; ops
// that cannot fail (feed, fetch) get no exit. All exits share one return.
// CHECK-LABEL: func.func @step
// CHECK:        %[[X:.*]] = kiln_rt.feed
// CHECK-NEXT:   %[[A:.*]] = memref.alloc
// CHECK:        %[[R:.*]] = kiln_rt.read
// CHECK-NEXT:   %[[OK:.*]] = kiln_rt.ok
// CHECK-NEXT:   cf.cond_br %[[OK]], ^[[B1:.*]], ^[[EXIT:.*]]
// CHECK:      ^[[B1]]:
// CHECK:        kiln_rt.assign
// CHECK-NEXT:   %[[OK2:.*]] = kiln_rt.ok
// CHECK-NEXT:   cf.cond_br %[[OK2]], ^[[B2:.*]], ^[[EXIT]]
// CHECK:      ^[[B2]]:
// CHECK-NEXT:   kiln_rt.fetch
// CHECK-NEXT:   return
// CHECK:      ^[[EXIT]]:
// CHECK-NEXT:   return

func.func @step(%f: !kiln_rt.frame) {
  %x = kiln_rt.feed %f[0] : memref<4xf32>
  %a = memref.alloc() : memref<4xf32>
  linalg.copy ins(%x : memref<4xf32>) outs(%a : memref<4xf32>)
  %r = kiln_rt.read %f[0] : memref<4xf32>
  kiln_rt.assign %f[0], %a {dtype = 1 : i32, mode = 1 : i32, validate_shape = true} : memref<4xf32>
  kiln_rt.fetch %f[0], %r {dtype = 1 : i32} : memref<4xf32>
  return
}

// A function without a frame is left alone.
// CHECK-LABEL: func.func @other
// CHECK-NOT: cf.cond_br
func.func @other(%x: memref<4xf32>) {
  return
}
