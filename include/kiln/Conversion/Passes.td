//===- Passes.td - Conversions out of the graph dialect ----*- tablegen -*-===//
#ifndef KILN_CONVERSION_PASSES
#define KILN_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

def ConvertGraphToLinalg : Pass<"convert-graph-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower session functions to linalg/tensor/arith and runtime calls";
  let description = [{
    Takes the output of `graph-session-form`. Each function with a
    `graph.signature` attribute becomes `func @NAME(%frame: !kiln_rt.frame)`,
    the code of one Session.run: feeds come from `kiln_rt.feed`, fetches go
    to `kiln_rt.fetch`. Math (element-wise ops with TF broadcasting, casts,
    reductions, MatMul as `linalg.matmul`, Softmax, ArgMax, shape ops)
    becomes linalg, tensor, arith and math ops on tensors, ready for fusion,
    tiling, vectorization and bufferization. State - variables, queues,
    random generators, host kernels - and run-time checks are `kiln_rt` ops
    on tensors, by resource slot. The result is one block: an op that can
    fail (a queue closed, a deadline passed, a variable not initialized)
    nests nothing; `kiln-rt-early-exit` ends the run after it later. A node
    whose op has no lowering is an error naming the node and the op type.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect", "::mlir::func::FuncDialect",
    "::kiln::rt::RtDialect"];
}

def RtEarlyExit : Pass<"kiln-rt-early-exit", "::mlir::func::FuncOp"> {
  let summary = "End the run right after a runtime op that failed";
  let description = [{
    After bufferization and before buffer deallocation: every op that may
    fail the run (`kiln_rt` ops with the MayFail trait) is followed by
    `cf.cond_br (kiln_rt.ok), ^continue, ^exit`, where `^exit` returns. The ops must be in the function's body, not
    in nested regions (the lowering puts them there).
  }];
  let dependentDialects = ["::mlir::cf::ControlFlowDialect",
                           "::kiln::rt::RtDialect"];
}

def RtFrameBuffers : Pass<"kiln-rt-frame-buffers", "::mlir::func::FuncOp"> {
  let summary = "Buffers of a run from its frame, freed after their last use";
  let description = [{
    After bufferization and `kiln-rt-early-exit`: each `memref.alloc` of a
    session function becomes `kiln_rt.alloc` (the run's frame keeps what it
    hands out), and a `kiln_rt.free` follows the buffer's last use (through
    views) in program order along the function's chain of blocks. A buffer
    whose last use cannot be placed (it escapes through a region's yield)
    is left to the frame, which frees whatever remains when the run ends -
    as it does for a run that ended early. No ownership flags, no run-time
    alias checks, and the same code for the same input.
  }];
  let dependentDialects = ["::kiln::rt::RtDialect"];
}

def ConvertRtToLLVM : Pass<"convert-kiln-rt-to-llvm", "::mlir::ModuleOp"> {
  let summary = "Runtime ops to calls of the runtime's C ABI (alone)";
  let description = [{
    Converts only the `kiln_rt` ops (on memrefs) to LLVM calls of the
    functions CompiledAbi.def lists, with unrealized casts at the edges; for
    tests. The CPU pipeline converts them together with everything else
    (`kiln-cpu-to-llvm`).
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // KILN_CONVERSION_PASSES
