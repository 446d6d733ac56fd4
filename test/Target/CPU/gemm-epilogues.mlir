// RUN: graph-opt %s --kiln-cpu-gemm-epilogues --split-input-file | FileCheck %s
// RUN: graph-opt %s --kiln-cpu-gemm-epilogues="max-operand-bytes=4000000" --split-input-file | FileCheck %s --check-prefix=BIG
// RUN: graph-opt %s --kiln-cpu-gemm-epilogues --kiln-cpu-loops --kiln-cpu-lowering --split-input-file | FileCheck %s --check-prefix=LLVM

#id = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
#row = affine_map<(d0, d1) -> (d0)>
#t = affine_map<(d0, d1) -> (d1, d0)>

// A layer: bias (one per column) and ReLU read the product element by
// element. The loop becomes the matmul's epilogue: a function of a block of
// rows [i0, i1) and columns [j0, j1) that views the product's and the
// output's block and the bias's columns; the constant is cloned, the scalar
// from above passed.
// CHECK-LABEL: func.func private @layer_epilogue0(
// CHECK-SAME: %[[I0:[^:]*]]: index, %[[I1:[^:]*]]: index, %[[J0:[^:]*]]: index, %[[J1:[^:]*]]: index, %[[C:[^:]*]]: memref<?x625xf32>, %[[B:[^:]*]]: memref<625xf32>, %[[Y:[^:]*]]: memref<?x625xf32>, %[[S:[^:]*]]: f32)
// CHECK: arith.constant 0.0
// CHECK-DAG: %[[M:.*]] = arith.subi %[[I1]], %[[I0]]
// CHECK-DAG: %[[N:.*]] = arith.subi %[[J1]], %[[J0]]
// CHECK: %[[CS:.*]] = memref.subview %[[C]][%[[I0]], %[[J0]]] [%[[M]], %[[N]]] [1, 1]
// CHECK: %[[BS:.*]] = memref.subview %[[B]][%[[J0]]] [%[[N]]] [1]
// CHECK: %[[YS:.*]] = memref.subview %[[Y]][%[[I0]], %[[J0]]] [%[[M]], %[[N]]] [1, 1]
// CHECK: linalg.generic {{.*}} ins(%[[CS]], %[[BS]] : {{.*}}) outs(%[[YS]] :
// CHECK: arith.maximumf
// CHECK: return
// CHECK-LABEL: func.func @layer(
// CHECK: %[[P:.*]] = memref.alloc
// CHECK-NEXT: kiln_rt.matmul %arg0(%arg1, %arg2) into %[[P]] epilogue @layer_epilogue0(%[[P]], %arg3, %arg4, %arg5 : memref<?x625xf32>, memref<625xf32>, memref<?x625xf32>, f32)
// CHECK-NOT: linalg.generic
// CHECK: return

// The runtime calls a trampoline per block, which unpacks the captures and
// calls the outlined function; the matmul's call passes both.
// LLVM: llvm.func internal @layer_epilogue0_tile(%[[CTX:.*]]: !llvm.ptr, %[[A:.*]]: i64, %[[B:.*]]: i64, %[[C:.*]]: i64, %[[D:.*]]: i64)
// LLVM: llvm.load %[[CTX]]
// LLVM: llvm.call @layer_epilogue0(%[[A]], %[[B]], %[[C]], %[[D]],
// LLVM-LABEL: llvm.func @layer(
// LLVM: %[[FN:.*]] = llvm.mlir.addressof @layer_epilogue0_tile
// LLVM: %[[FNI:.*]] = llvm.ptrtoint %[[FN]]
// LLVM: llvm.call @kiln_rt_matmul({{.*}}, %[[FNI]], %{{.*}}) : (!llvm.ptr, i64, i64, i64, i64, i64, i64, i64, i64, i64, i32, i64, i64) -> ()
func.func @layer(%f: !kiln_rt.frame, %x: memref<?x784xf32>, %w: memref<784x625xf32>,
                 %b: memref<625xf32>, %y: memref<?x625xf32>, %s: f32) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %x, %c0 : memref<?x784xf32>
  %p = memref.alloc(%n) : memref<?x625xf32>
  kiln_rt.matmul %f(%x, %w) into %p {accumulate = false, transpose_a = false, transpose_b = false} : memref<?x784xf32>, memref<784x625xf32>, memref<?x625xf32>
  linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%p, %b : memref<?x625xf32>, memref<625xf32>) outs(%y : memref<?x625xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %v = arith.addf %a, %c : f32
    %r = arith.maximumf %v, %zero : f32
    %q = arith.mulf %r, %s : f32
    linalg.yield %q : f32
  }
  return
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
#row = affine_map<(d0, d1) -> (d0)>
#t = affine_map<(d0, d1) -> (d1, d0)>

// An optimizer's update: the weight gradient read once, the variable and
// its slots written into their next buffers (kiln_rt.writable, made after
// the gradient: the matmul moves down past them), the product updated in
// place by a second loop that is not fused (only the first consumer is).
// CHECK-LABEL: func.func @update(
// CHECK: kiln_rt.writable
// CHECK: kiln_rt.writable
// CHECK: kiln_rt.matmul %arg0(%arg1, %arg2) into %{{.*}} epilogue @update_epilogue0(
// CHECK-SAME: {accumulate = false, transpose_a = true, transpose_b = false}
// CHECK: linalg.generic
// CHECK: return
func.func @update(%f: !kiln_rt.frame, %x: memref<16x128xf32>, %d: memref<16x64xf32>,
                  %w: memref<128x64xf32>, %ms: memref<128x64xf32>, %lr: memref<f32>) {
  %g = memref.alloc() : memref<128x64xf32>
  kiln_rt.matmul %f(%x, %d) into %g {accumulate = false, transpose_a = true, transpose_b = false} : memref<16x128xf32>, memref<16x64xf32>, memref<128x64xf32>
  %wn = kiln_rt.writable %f[0] : memref<128x64xf32>
  %msn = kiln_rt.writable %f[1] : memref<128x64xf32>
  linalg.generic {indexing_maps = [#id, #id, #id, affine_map<(d0, d1) -> ()>, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%g, %w, %ms, %lr : memref<128x64xf32>, memref<128x64xf32>, memref<128x64xf32>, memref<f32>)
      outs(%wn, %msn : memref<128x64xf32>, memref<128x64xf32>) {
  ^bb0(%gi: f32, %wi: f32, %mi: f32, %l: f32, %o1: f32, %o2: f32):
    %g2 = arith.mulf %gi, %gi : f32
    %m2 = arith.addf %mi, %g2 : f32
    %u = arith.mulf %l, %gi : f32
    %w2 = arith.subf %wi, %u : f32
    linalg.yield %w2, %m2 : f32, f32
  }
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
      outs(%g : memref<128x64xf32>) {
  ^bb0(%o: f32):
    %z = arith.mulf %o, %o : f32
    linalg.yield %z : f32
  }
  return
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
#row = affine_map<(d0, d1) -> (d0)>
#t = affine_map<(d0, d1) -> (d1, d0)>

// The same update of a 784x625 matrix (2 MB each operand) stays a loop
// of its own: it streams from memory wherever it runs. With a higher
// limit it is fused too.
// CHECK-LABEL: func.func @big_update(
// CHECK-NOT: epilogue
// CHECK: return
// BIG-LABEL: func.func @big_update(
// BIG: kiln_rt.matmul {{.*}} epilogue @big_update_epilogue0(
func.func @big_update(%f: !kiln_rt.frame, %x: memref<128x784xf32>, %d: memref<128x625xf32>,
                  %w: memref<784x625xf32>, %ms: memref<784x625xf32>, %lr: memref<f32>) {
  %g = memref.alloc() : memref<784x625xf32>
  kiln_rt.matmul %f(%x, %d) into %g {accumulate = false, transpose_a = true, transpose_b = false} : memref<128x784xf32>, memref<128x625xf32>, memref<784x625xf32>
  %wn = kiln_rt.writable %f[0] : memref<784x625xf32>
  %msn = kiln_rt.writable %f[1] : memref<784x625xf32>
  linalg.generic {indexing_maps = [#id, #id, #id, affine_map<(d0, d1) -> ()>, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%g, %w, %ms, %lr : memref<784x625xf32>, memref<784x625xf32>, memref<784x625xf32>, memref<f32>)
      outs(%wn, %msn : memref<784x625xf32>, memref<784x625xf32>) {
  ^bb0(%gi: f32, %wi: f32, %mi: f32, %l: f32, %o1: f32, %o2: f32):
    %g2 = arith.mulf %gi, %gi : f32
    %m2 = arith.addf %mi, %g2 : f32
    %u = arith.mulf %l, %gi : f32
    %w2 = arith.subf %wi, %u : f32
    linalg.yield %w2, %m2 : f32, f32
  }
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
      outs(%g : memref<784x625xf32>) {
  ^bb0(%o: f32):
    %z = arith.mulf %o, %o : f32
    linalg.yield %z : f32
  }
  return
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
#row = affine_map<(d0, d1) -> (d0)>
#t = affine_map<(d0, d1) -> (d1, d0)>

// The consumer updates the product in place (reads and writes it).
// CHECK-LABEL: func.func private @in_place_epilogue0(
// CHECK-SAME: %{{[^:]*}}: index, %{{[^:]*}}: index, %{{[^:]*}}: index, %{{[^:]*}}: index, %{{[^:]*}}: memref<64x32xf32>)
// CHECK-LABEL: func.func @in_place(
// CHECK: kiln_rt.matmul {{.*}} epilogue @in_place_epilogue0(
// CHECK-NOT: linalg.generic
func.func @in_place(%f: !kiln_rt.frame, %x: memref<64x16xf32>, %w: memref<16x32xf32>) {
  %p = memref.alloc() : memref<64x32xf32>
  kiln_rt.matmul %f(%x, %w) into %p {accumulate = false, transpose_a = false, transpose_b = false} : memref<64x16xf32>, memref<16x32xf32>, memref<64x32xf32>
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
      outs(%p : memref<64x32xf32>) {
  ^bb0(%o: f32):
    %z = arith.mulf %o, %o : f32
    linalg.yield %z : f32
  }
  kiln_rt.fetch %f[0], %p {dtype = 1 : i32} : memref<64x32xf32>
  return
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
#row = affine_map<(d0, d1) -> (d0)>
#t = affine_map<(d0, d1) -> (d1, d0)>

// What stays a loop of its own: a consumer that writes the matmul's
// operand (other blocks still read it); one that reads the product
// transposed (blocks of other threads); one that reads another view of
// the product; one that reduces; one that overwrites the product without
// reading it; one after an op that reads the product (the fetch sees it
// before the loop) or writes an operand (the matmul must run before it).
// CHECK-LABEL: func.func @not_fused(
// CHECK-NOT: epilogue
// CHECK: return
func.func @not_fused(%f: !kiln_rt.frame, %x: memref<32x32xf32>, %w: memref<32x32xf32>,
                     %y: memref<32x32xf32>, %r: memref<32xf32>) {
  %p0 = memref.alloc() : memref<32x32xf32>
  kiln_rt.matmul %f(%x, %w) into %p0 {accumulate = false, transpose_a = false, transpose_b = false} : memref<32x32xf32>, memref<32x32xf32>, memref<32x32xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%p0 : memref<32x32xf32>) outs(%w : memref<32x32xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  }
  %p1 = memref.alloc() : memref<32x32xf32>
  kiln_rt.matmul %f(%x, %w) into %p1 {accumulate = false, transpose_a = false, transpose_b = false} : memref<32x32xf32>, memref<32x32xf32>, memref<32x32xf32>
  linalg.generic {indexing_maps = [#t, #id], iterator_types = ["parallel", "parallel"]}
      ins(%p1 : memref<32x32xf32>) outs(%y : memref<32x32xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  }
  %p2 = memref.alloc() : memref<32x32xf32>
  kiln_rt.matmul %f(%x, %w) into %p2 {accumulate = false, transpose_a = false, transpose_b = false} : memref<32x32xf32>, memref<32x32xf32>, memref<32x32xf32>
  %v = memref.subview %p2[0, 0] [32, 32] [1, 1] : memref<32x32xf32> to memref<32x32xf32, strided<[32, 1]>>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%p2, %v : memref<32x32xf32>, memref<32x32xf32, strided<[32, 1]>>) outs(%y : memref<32x32xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  }
  %p3 = memref.alloc() : memref<32x32xf32>
  kiln_rt.matmul %f(%x, %w) into %p3 {accumulate = false, transpose_a = false, transpose_b = false} : memref<32x32xf32>, memref<32x32xf32>, memref<32x32xf32>
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%p3 : memref<32x32xf32>) outs(%r : memref<32xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  }
  %p4 = memref.alloc() : memref<32x32xf32>
  %one = arith.constant 1.0 : f32
  kiln_rt.matmul %f(%x, %w) into %p4 {accumulate = false, transpose_a = false, transpose_b = false} : memref<32x32xf32>, memref<32x32xf32>, memref<32x32xf32>
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
      outs(%p4 : memref<32x32xf32>) {
  ^bb0(%o: f32):
    linalg.yield %one : f32
  }
  %p5 = memref.alloc() : memref<32x32xf32>
  kiln_rt.matmul %f(%x, %w) into %p5 {accumulate = false, transpose_a = false, transpose_b = false} : memref<32x32xf32>, memref<32x32xf32>, memref<32x32xf32>
  kiln_rt.fetch %f[0], %p5 {dtype = 1 : i32} : memref<32x32xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%p5 : memref<32x32xf32>) outs(%y : memref<32x32xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  }
  %p6 = memref.alloc() : memref<32x32xf32>
  kiln_rt.matmul %f(%x, %w) into %p6 {accumulate = false, transpose_a = false, transpose_b = false} : memref<32x32xf32>, memref<32x32xf32>, memref<32x32xf32>
  linalg.fill ins(%one : f32) outs(%x : memref<32x32xf32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%p6 : memref<32x32xf32>) outs(%y : memref<32x32xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  }
  return
}
