// RUN: graph-opt %s --kiln-cpu-parallel-loops | FileCheck %s
// RUN: graph-opt %s --kiln-cpu-parallel-loops --kiln-cpu-loops --kiln-cpu-lowering | FileCheck %s --check-prefix=LLVM

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
#red = affine_map<(d0, d1) -> (d0)>

// A big elementwise loop becomes the runtime's parallel_for over its first
// loop; the outlined function views each operand's rows [lo, hi) and takes
// the operand broadcast along that loop (a bias) whole; the scalar from
// above is passed, the constant cloned.
// CHECK-LABEL: func.func private @step_parallel0(
// CHECK-SAME: %[[LO:[^:]*]]: index, %[[HI:[^:]*]]: index, %[[X:[^:]*]]: memref<?x625xf32>, %[[B:[^:]*]]: memref<625xf32>, %[[Y:[^:]*]]: memref<?x625xf32>, %[[S:[^:]*]]: f32)
// CHECK: arith.constant 2.0
// CHECK: %[[N:.*]] = arith.subi %[[HI]], %[[LO]]
// CHECK: %[[XS:.*]] = memref.subview %[[X]][%[[LO]], 0] [%[[N]], 625] [1, 1]
// CHECK: %[[YS:.*]] = memref.subview %[[Y]][%[[LO]], 0] [%[[N]], 625] [1, 1]
// CHECK: linalg.generic {{.*}} ins(%[[XS]], %[[B]] : {{.*}}) outs(%[[YS]] :
// CHECK: return
// CHECK-LABEL: func.func @step(
// CHECK: %[[ROWS:.*]] = memref.dim %arg1, %c0
// CHECK: kiln_rt.parallel_for %arg0 @step_parallel0(%arg1, %arg2, %arg3, %arg4) total %[[ROWS]] grain 13 : memref<?x625xf32>, memref<625xf32>, memref<?x625xf32>, f32
// A loop with a reduction, a small one and one that reads its indices
// stay where they are.
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: linalg.generic {{.*}}outs(%{{.*}} : memref<4x4xf32>)
// CHECK: linalg.index
// CHECK-NOT: kiln_rt.parallel_for
// CHECK: return

// The runtime calls a trampoline per block, which unpacks the captures from
// the context the caller filled and calls the outlined function.
// LLVM: llvm.func internal @step_parallel0_block(%[[CTX:.*]]: !llvm.ptr, %[[BLO:.*]]: i64, %[[BHI:.*]]: i64)
// LLVM: llvm.load %[[CTX]]
// LLVM: llvm.call @step_parallel0(%[[BLO]], %[[BHI]],
// LLVM-LABEL: llvm.func @step(
// LLVM: llvm.mlir.addressof @step_parallel0_block
// LLVM: llvm.call @kiln_rt_parallel_for(
func.func @step(%f: !kiln_rt.frame, %x: memref<?x625xf32>, %b: memref<625xf32>, %y: memref<?x625xf32>,
                %s: f32, %sum: memref<?xf32>, %small: memref<4x4xf32>, %idx: memref<?x625xf32>) {
  %two = arith.constant 2.0 : f32
  linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : memref<?x625xf32>, memref<625xf32>) outs(%y : memref<?x625xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %m = arith.mulf %a, %two : f32
    %p = arith.addf %m, %c : f32
    %q = arith.mulf %p, %s : f32
    linalg.yield %q : f32
  }
  linalg.generic {indexing_maps = [#id, #red], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x625xf32>) outs(%sum : memref<?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
      outs(%small : memref<4x4xf32>) {
  ^bb0(%o: f32):
    linalg.yield %two : f32
  }
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
      outs(%idx : memref<?x625xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %ii = arith.index_cast %i : index to i32
    %fi = arith.sitofp %ii : i32 to f32
    linalg.yield %fi : f32
  }
  return
}

// Functions without a frame (not session functions) are left alone.
// CHECK-LABEL: func.func @helper
// CHECK-NOT: kiln_rt.parallel_for
func.func @helper(%x: memref<1024x1024xf32>) {
  %two = arith.constant 2.0 : f32
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
      outs(%x : memref<1024x1024xf32>) {
  ^bb0(%o: f32):
    linalg.yield %two : f32
  }
  return
}
