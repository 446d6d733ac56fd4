//===- Passes.td - Conversions out of the graph dialect ----*- tablegen -*-===//
#ifndef KILN_CONVERSION_PASSES
#define KILN_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

def ConvertGraphToLinalg : Pass<"convert-graph-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower session functions to linalg/tensor/arith and runtime calls";
  let description = [{
    Takes the output of `graph-session-form`. Each function with a
    `graph.signature` attribute becomes `func @NAME(%call: !llvm.ptr)`, the
    code of one Session.run: feeds come from `kiln_rt_feed`, fetches go to
    `kiln_rt_fetch`. Math (element-wise ops with TF broadcasting, casts,
    reductions, MatMul, Softmax, ArgMax, shape ops) becomes linalg, tensor,
    arith and math ops on tensors, ready for fusion, tiling, vectorization
    and bufferization. State - variables, queues, random generators - is
    reached through runtime calls by resource slot. A call that can fail
    (a queue closed, a deadline passed, a variable not yet initialized)
    guards the rest of the run with `scf.if`, so a failed run stops there
    with TF's error. A node whose op has no lowering is an error naming the
    node and the op type.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect", "::mlir::LLVM::LLVMDialect",
    "::mlir::func::FuncDialect"];
}

#endif // KILN_CONVERSION_PASSES
