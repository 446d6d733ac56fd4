// RUN: graph-opt %s --convert-kiln-rt-to-llvm | FileCheck %s

// Runtime ops become calls of the functions CompiledAbi.def declares; arrays
// come back through kiln_rt_view (static dims checked, data in place).
// CHECK-DAG: llvm.func @kiln_rt_read(!llvm.ptr, i64) -> i64
// CHECK-DAG: llvm.func @kiln_rt_view(!llvm.ptr, i64, i64, i64, i64) -> i64
// CHECK-DAG: llvm.func @kiln_rt_arg(!llvm.ptr, i32, i64, i64, i64)
// CHECK-DAG: llvm.func @kiln_rt_assign(!llvm.ptr, i64, i32, i32) -> i32
// CHECK-DAG: llvm.func @kiln_rt_kernel(!llvm.ptr, i64, i64, i64, i64, i64) -> i64
// CHECK-DAG: llvm.func @kiln_rt_arg_slot(!llvm.ptr, i64)
// CHECK-DAG: llvm.func @kiln_rt_ok(!llvm.ptr) -> i32
// CHECK-DAG: llvm.mlir.global private constant @kiln_node_def_0("\0A\01r")
// CHECK-LABEL: func.func @step
// CHECK: %[[F:.*]] = builtin.unrealized_conversion_cast %{{.*}} : !kiln_rt.frame to !llvm.ptr
// CHECK: %[[SLOT:.*]] = llvm.mlir.constant(2 : i64)
// CHECK: %[[V:.*]] = llvm.call @kiln_rt_read(%[[F]], %[[SLOT]])
// CHECK: llvm.store
// CHECK: %[[ADDR:.*]] = llvm.call @kiln_rt_view(%[[F]], %[[V]],
// CHECK: llvm.inttoptr %[[ADDR]]
// CHECK: llvm.call @kiln_rt_arg(%[[F]],
// CHECK: llvm.call @kiln_rt_assign(%[[F]],
// CHECK: llvm.call @kiln_rt_arg_slot(%[[F]],
// CHECK: llvm.mlir.addressof @kiln_node_def_0
// CHECK: llvm.call @kiln_rt_kernel(%[[F]],
// CHECK: llvm.call @kiln_rt_ok(%[[F]])
func.func @step(%f: !kiln_rt.frame) -> i1 {
  %r = kiln_rt.read %f[2] : memref<?x10xf32>
  kiln_rt.assign %f[2], %r {dtype = 1 : i32, mode = 0 : i32, validate_shape = true} : memref<?x10xf32>
  %k = kiln_rt.kernel %f() {dtypes = array<i32>, input_slots = array<i64: 3>, node_def = "\0A\01r", own_slot = -1 : i64} : () -> (!kiln_rt.value)
  %ok = kiln_rt.ok %f
  return %ok : i1
}
