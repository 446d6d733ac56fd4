//===- Pipeline.cpp - The CPU pipeline's stages ---------------------------===//
#include "kiln/Target/CPU/CPUPipeline.h"

#include "kiln/Conversion/GraphToLinalg.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

namespace {

/// graph-opt's options of the packing stage and the whole pipeline.
struct PipelineCliOptions : PassPipelineOptions<PipelineCliOptions> {
  Option<std::string> gemm{
      *this, "gemm",
      llvm::cl::desc("Matmuls on the runtime's GEMM: auto (f32, big enough), "
                     "kernel (every f32 matmul) or codegen (none)"),
      llvm::cl::init("auto")};
  Option<int64_t> vectorBits{
      *this, "vector-bits",
      llvm::cl::desc("Vector register width of the target in bits: 512 "
                     "(AVX-512), 256 (AVX2), 128; 0: no vector code of "
                     "Kiln's own (LLVM's loop vectorizer only)"),
      llvm::cl::init(512)};
  kiln::CpuPipelineOptions get() const { return {gemm, vectorBits}; }
};

void addText(OpPassManager &pm, StringRef stage, StringRef text) {
  if (failed(parsePassPipeline(text, pm, llvm::errs())))
    llvm::report_fatal_error(llvm::Twine("kiln CPU pipeline: bad stage ") +
                             stage);
}

} // namespace

void kiln::buildCpuFusionStage(OpPassManager &pm) {
  // Producers with one use fuse into their consumers: dropout masks,
  // bias adds, activations and their gradients become single passes.
  // Shapes are made one SSA value first (canonicalize, cse): producers
  // whose dims are computed apart from their consumer's do not fuse (S1's
  // step: 35 generics without, 19 with).
  // Reshapes stay outside matmuls (a convolution's im2col product stays a
  // matmul).
  // Then draws none of whose values matter (dropout at keep_prob 1) are
  // skipped at run time.
  addText(pm, "fusion",
          "canonicalize,cse,kiln-cpu-fuse-elementwise,canonicalize,cse,"
          "func.func(kiln-cpu-skip-unused-draws)");
}

void kiln::buildCpuPackingStage(OpPassManager &pm,
                                const CpuPipelineOptions &options) {
  // The runtime's GEMM takes the matmuls worth a call; loops for the rest.
  pm.addNestedPass<func::FuncOp>(
      createCpuSelectGemm(CpuSelectGemmOptions{options.gemm}));
  addText(pm, "packing", "func.func(kiln-cpu-pack-matmuls),canonicalize");
}

void kiln::buildCpuVectorizeStage(OpPassManager &pm,
                                  const CpuPipelineOptions &options) {
  // Matmuls left to generated code become register tiles; the C tile
  // leaves the k loop once loop-invariant code has (the tile's bounds,
  // masks and slices).
  pm.addNestedPass<func::FuncOp>(createCpuVectorizeMatmuls(
      CpuVectorizeMatmulsOptions{options.vectorBits}));
  addText(pm, "vectorize",
          "canonicalize,func.func(loop-invariant-code-motion,"
          "loop-invariant-subset-hoisting),canonicalize,cse");
}

void kiln::buildCpuBufferizeStage(OpPassManager &pm) {
  // Buffers come from the run's frame and are freed after their last use;
  // the frame frees the rest when a run ends early. Constant globals get
  // names and an order that do not depend on the compiler's run
  // (reproducible objects).
  // Empty tensors whose values end up in a destination (a variable's next
  // value, kiln_rt.writable) become that destination first, so training
  // ops write variables in place. A register tile written back where it
  // was read is a copy onto itself once cse has merged the two views: the
  // second canonicalize drops it.
  // An elementwise loop that consumes a runtime GEMM's product becomes
  // that GEMM's epilogue, before the frees and exit checks go in.
  addText(pm, "bufferize",
          "eliminate-empty-tensors,one-shot-bufferize{bufferize-function-"
          "boundaries "
          "function-boundary-type-conversion=identity-layout-map "
          "unknown-type-conversion=identity-layout-map},"
          "kiln-order-constant-globals,canonicalize,cse,canonicalize,"
          "kiln-cpu-gemm-epilogues,"
          "func.func(kiln-rt-early-exit,kiln-rt-frame-buffers)");
}

void kiln::buildCpuLoopsStage(OpPassManager &pm) {
  // Big elementwise loops run on every core (outlined, then the same
  // lowering as the rest).
  // Vector transfers of more than one dimension become one transfer per
  // row (masked at the edges) before they meet LLVM.
  addText(pm, "loops",
          "kiln-cpu-parallel-loops,"
          "func.func(lower-vector-mask,convert-vector-to-scf{full-unroll}),"
          "func.func(kiln-cpu-copies-to-linalg),"
          "convert-linalg-to-loops,canonicalize,"
          "expand-strided-metadata,lower-affine,convert-scf-to-cf");
}

void kiln::buildCpuLoweringStage(OpPassManager &pm) {
  addText(pm, "lowering",
          "convert-math-to-funcs,convert-math-to-llvm,convert-math-to-libm,"
          "convert-vector-to-llvm{vector-contract-lowering=outerproduct},"
          "kiln-cpu-to-llvm,reconcile-unrealized-casts");
}

void kiln::buildCpuPipeline(OpPassManager &pm,
                            const CpuPipelineOptions &options) {
  buildCpuFusionStage(pm);
  buildCpuPackingStage(pm, options);
  buildCpuVectorizeStage(pm, options);
  buildCpuBufferizeStage(pm);
  buildCpuLoopsStage(pm);
  buildCpuLoweringStage(pm);
}

namespace kiln {
#define GEN_PASS_REGISTRATION
#include "kiln/Target/CPU/Passes.h.inc"
} // namespace kiln

void kiln::registerCpuPipelines() {
  registerKilnCpuPasses();
  registerKilnConversionPasses();
  using Build = void (*)(OpPassManager &);
  struct Stage {
    const char *name, *summary;
    Build build;
  };
  static const Stage stages[] = {
      {"kiln-cpu-fusion", "CPU stage: elementwise fusion on tensors",
       buildCpuFusionStage},
      {"kiln-cpu-bufferize",
       "CPU stage: bufferization, run exits after runtime ops that failed, "
       "deallocation",
       buildCpuBufferizeStage},
      {"kiln-cpu-loops",
       "CPU stage: linalg to loops, structured control "
       "flow to a CFG",
       buildCpuLoopsStage},
      {"kiln-cpu-lowering", "CPU stage: math, then everything else to LLVM",
       buildCpuLoweringStage},
  };
  for (const Stage &s : stages)
    PassPipelineRegistration<>(
        s.name, s.summary, [build = s.build](OpPassManager &pm) { build(pm); });
  using WithOptions = void (*)(OpPassManager &, const CpuPipelineOptions &);
  struct StageWithOptions {
    const char *name, *summary;
    WithOptions build;
  };
  static const StageWithOptions withOptions[] = {
      {"kiln-cpu-packing",
       "CPU stage: per matmul the runtime's GEMM or loops; the loops' operand "
       "layout and order, on tensors",
       buildCpuPackingStage},
      {"kiln-cpu-vectorize",
       "CPU stage: register-tiled vector code for the matmuls left to "
       "generated code, on tensors",
       buildCpuVectorizeStage},
      {"kiln-cpu-pipeline",
       "The whole CPU pipeline: lowered session functions to LLVM",
       buildCpuPipeline},
      {"kiln-lower-to-llvm", "Alias of kiln-cpu-pipeline", buildCpuPipeline},
  };
  for (const StageWithOptions &s : withOptions)
    PassPipelineRegistration<PipelineCliOptions>(
        s.name, s.summary,
        [build = s.build](OpPassManager &pm, const PipelineCliOptions &o) {
          build(pm, o.get());
        });
}
