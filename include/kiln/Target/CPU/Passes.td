//===- Passes.td - The CPU target's passes -----------------*- tablegen -*-===//
#ifndef KILN_TARGET_CPU_PASSES
#define KILN_TARGET_CPU_PASSES

include "mlir/Pass/PassBase.td"

def CpuSelectGemm : Pass<"kiln-cpu-select-gemm", "::mlir::func::FuncOp"> {
  let summary = "Choose, per matmul, the runtime's GEMM kernel or generated loops";
  let description = [{
    Runs first in the packing stage, on tensors. Each f32 `linalg.matmul`
    (plain or with transposed operands) that is big enough to pay for a call
    becomes `kiln_rt.matmul`: the runtime's GEMM, with packed panels,
    register-tiled AVX-512/AVX2 micro-kernels chosen from the CPU at run
    time, and both cores. A matmul into a zero fill writes its result
    instead of accumulating (the fill goes away). The others (small, or not
    f32) keep generated loops (`kiln-cpu-pack-matmuls`).

    `mode`: `auto` (the rule above: f32 and a dynamic dim or
    M*N*K >= 4096), `kernel` (every f32 matmul), `codegen` (none). The
    choice is in the IR: `kiln_rt.matmul` or `linalg.matmul`.
  }];
  let options = [
    Option<"mode", "mode", "std::string", /*default=*/"\"auto\"",
           "auto, kernel (every f32 matmul) or codegen (none)">
  ];
  let dependentDialects = ["::kiln::rt::RtDialect",
                           "::mlir::tensor::TensorDialect"];
}

def CpuGemmEpilogues : Pass<"kiln-cpu-gemm-epilogues", "::mlir::ModuleOp"> {
  let summary = "Run a matmul's elementwise consumer inside the runtime's GEMM";
  let description = [{
    After bufferization. A `kiln_rt.matmul` whose product is next used by an
    all-parallel 2-D `linalg.generic` that reads it element by element
    (bias and activation, an activation's gradient, an optimizer's update)
    gets that loop as its `epilogue`: the loop is outlined into a function
    of a block of rows [i0, i1) and columns [j0, j1), viewing each operand's
    slice of it, and the GEMM calls it on each block of the product as soon
    as the block is final, while it is in cache, on the thread that
    computed it. The loop must write whole elements of its outputs per
    (i, j) and none of the matmul's operands, and the ops between the two
    must neither touch the product nor write the operands (the matmul moves
    down to the loop). A loop with an operand of static shape bigger than
    `max-operand-bytes` (an optimizer's update of a whole weight matrix) is
    bound by memory bandwidth and stays a loop of its own.
  }];
  let options = [
    Option<"maxOperandBytes", "max-operand-bytes", "int64_t",
           /*default=*/"1048576",
           "Largest static buffer, other than the product, an epilogue may stream">
  ];
  let dependentDialects = ["::kiln::rt::RtDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::func::FuncDialect"];
}

def CpuParallelLoops : Pass<"kiln-cpu-parallel-loops", "::mlir::ModuleOp"> {
  let summary = "Run the big elementwise loops of session functions on every core";
  let description = [{
    After bufferization. Each `linalg.generic` of a session function whose
    loops are all parallel and that covers at least `min-elements`
    iterations (a dynamic dim counts as 64) is outlined into a function of
    the range [lo, hi) of its outermost loop, which views every operand's
    slice of that range (`memref.subview`; operands broadcast along it are
    passed whole), and replaced by `kiln_rt.parallel_for`: the runtime
    runs blocks of the range on the intra-op thread pool. Blocks hold at
    least `grain-elements` iterations.
  }];
  let options = [
    Option<"minElements", "min-elements", "int64_t", /*default=*/"32768",
           "Smallest loop (iterations) worth running on several threads">,
    Option<"grainElements", "grain-elements", "int64_t", /*default=*/"8192",
           "Fewest iterations of one block">
  ];
  let dependentDialects = ["::kiln::rt::RtDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::func::FuncDialect"];
}

def CpuFuseElementwise : Pass<"kiln-cpu-fuse-elementwise"> {
  let summary = "Elementwise fusion that keeps matmuls whole";
  let description = [{
    Upstream's `linalg-fuse-elementwise-ops` (elementwise producers with one
    use fuse into their consumers; reshapes move through elementwise loops
    by expanding them), except that no reshape is folded into or out of a
    contraction: a convolution's matmul over im2col rows stays a
    `linalg.matmul` instead of becoming a seven-loop contraction.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::affine::AffineDialect"];
}

def CpuSkipUnusedDraws : Pass<"kiln-cpu-skip-unused-draws", "::mlir::func::FuncOp"> {
  let summary = "Skip random draws whose values cannot change the run";
  let description = [{
    At the end of the fusion stage, on tensors. A uniform f32
    `kiln_rt.random` read by one elementwise `linalg.generic` (other uses only
    asking for its dims) gets
    `skip if k == 1.0` when, for a scalar input k of that generic fixed to
    1.0, no value the generic yields depends on the draw: the body is
    evaluated over f32 intervals (the draw in [0, 1 - 2^-23], its values'
    range), and every path from the draw must end in a floor of an interval
    within one integer step. TF1's dropout `x / keep * floor(keep + u)` at
    keep_prob 1 is the case: the runtime then advances the generator as
    TensorFlow does and skips the Philox work.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def CpuPackMatmuls : Pass<"kiln-cpu-pack-matmuls", "::mlir::func::FuncOp"> {
  let summary = "Lay out each matmul's operands for the CPU's loops";
  let description = [{
    The packing stage of the CPU pipeline, on tensors. The matmuls left to
    generated code read a row of B per k: a B read transposed
    (`transpose_b`) is packed into a [K, N] copy by a `linalg.transpose`,
    and the `linalg.matmul` reads that copy. An A read transposed needs no
    copy (one element per row and k).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def CpuVectorizeMatmuls : Pass<"kiln-cpu-vectorize-matmuls", "::mlir::func::FuncOp"> {
  let summary = "Register-tiled vector code for the matmuls left to generated code";
  let description = [{
    The vectorization stage of the CPU pipeline, on tensors, after packing.
    Each `linalg.matmul` (A read as [i, k] or [k, i], B as [k, j], integer or
    float) is tiled into MR x NR register tiles with a k loop inside
    (TilingInterface tiling), the i and j loops are peeled so that full
    tiles have static shapes, and each tile's [MR, NR, 1] matmul is
    vectorized to `vector.contract` (masked transfers at the edges). The
    stage then hoists the C tile out of the k loop; lowered, each k step is
    MR broadcasts, NR/lanes loads and MR*NR/lanes FMAs.

    `vector-bits`: the target's vector width (512 for AVX-512, 256 for AVX2,
    128 for SSE); MR is 8, 6 or 4 rows and NR two vectors. 0 turns the
    vector code off: each matmul becomes a `linalg.generic` with loops
    (i, k, j), whose inner loop LLVM vectorizes.
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "int64_t", /*default=*/"512",
           "Vector register width of the target in bits (0: loops for LLVM)">
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::vector::VectorDialect"];
}

def OrderConstantGlobals : Pass<"kiln-order-constant-globals", "::mlir::ModuleOp"> {
  let summary = "Name and order private constant globals by first use";
  let description = [{
    Bufferization creates a `memref.global` per distinct constant in an
    order that can differ from run to run (and names them by that order).
    This pass renames every private constant global `kiln_constant_<n>`,
    numbered in the order the module's functions first use them, and puts
    them in that order at the top of the module, so that compiling the same
    graph twice gives the same object file.
  }];
}

def CpuCopiesToLinalg : Pass<"kiln-cpu-copies-to-linalg", "::mlir::func::FuncOp"> {
  let summary = "memref.copy as linalg.copy, so that copies become loops";
  let description = [{
    A copy between buffers of any layouts (a strided slice fetched, a
    concatenation along an inner axis) becomes generated loops like every
    other linalg op, instead of a call to MLIR's C runner library
    (`memrefCopy`), which neither the JIT nor an ahead-of-time program
    links.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def CpuToLLVM : Pass<"kiln-cpu-to-llvm", "::mlir::ModuleOp"> {
  let summary = "Everything left (func, cf, arith, index, memref, ub, kiln_rt) to LLVM";
  let description = [{
    The last stage of the CPU pipeline: one conversion with one type
    converter, in which the run's frame (`!kiln_rt.frame`) becomes the
    `!llvm.ptr` the runtime passes in and runtime ops become calls of the
    runtime's C ABI (CompiledAbi.def). Math ops are lowered before (to LLVM
    intrinsics and libm calls).
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // KILN_TARGET_CPU_PASSES
