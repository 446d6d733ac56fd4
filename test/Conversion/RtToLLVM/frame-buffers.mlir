// RUN: graph-opt %s --kiln-rt-early-exit --kiln-rt-frame-buffers | FileCheck %s

// A run's buffers come from its frame and are freed right after their last
// use, views included, across the blocks the run's exits split the
// function into; the runtime's own buffers (feeds, reads) are never freed.
// A run that exits early leaves the rest to the frame.
// CHECK-LABEL: func.func @step
// CHECK:        %[[X:.*]] = kiln_rt.feed
// CHECK-NEXT:   %[[A:.*]] = kiln_rt.alloc %{{.*}}() : memref<4xf32>
// CHECK-NEXT:   linalg.copy ins(%[[X]] : memref<4xf32>) outs(%[[A]] : memref<4xf32>)
// CHECK-NEXT:   %[[B:.*]] = kiln_rt.alloc %{{.*}}(%{{.*}}) : memref<?xf32>
// CHECK:        kiln_rt.read
// CHECK:        cf.cond_br
// CHECK:        %[[V:.*]] = memref.expand_shape %[[A]]
// CHECK-NEXT:   kiln_rt.assign %{{.*}}[0], %[[V]]
// CHECK-NEXT:   kiln_rt.free %{{.*}}, %[[A]] : memref<4xf32>
// CHECK:        cf.cond_br
// CHECK:        kiln_rt.fetch %{{.*}}[1], %[[B]]
// CHECK-NEXT:   kiln_rt.free %{{.*}}, %[[B]] : memref<?xf32>
// CHECK-NEXT:   kiln_rt.fetch
// CHECK-NEXT:   return
// CHECK-NOT:    kiln_rt.free
// CHECK-NOT:    memref.alloc
// CHECK-NOT:    memref.dealloc
func.func @step(%f: !kiln_rt.frame, %n: index) {
  %x = kiln_rt.feed %f[0] : memref<4xf32>
  %a = memref.alloc() : memref<4xf32>
  linalg.copy ins(%x : memref<4xf32>) outs(%a : memref<4xf32>)
  %b = memref.alloc(%n) : memref<?xf32>
  %r = kiln_rt.read %f[0] : memref<4xf32>
  %v = memref.expand_shape %a [[0, 1]] output_shape [2, 2] : memref<4xf32> into memref<2x2xf32>
  kiln_rt.assign %f[0], %v {dtype = 1 : i32, mode = 1 : i32, validate_shape = true} : memref<2x2xf32>
  kiln_rt.fetch %f[1], %b {dtype = 1 : i32} : memref<?xf32>
  kiln_rt.fetch %f[0], %r {dtype = 1 : i32} : memref<4xf32>
  return
}
