//===- Pipeline.cpp - The CPU pipeline's stages ---------------------------===//
#include "kiln/Target/CPU/CPUPipeline.h"

#include "kiln/Conversion/GraphToLinalg.h"

#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

namespace {

void addText(OpPassManager &pm, StringRef stage, StringRef text) {
  if (failed(parsePassPipeline(text, pm, llvm::errs())))
    llvm::report_fatal_error(llvm::Twine("kiln CPU pipeline: bad stage ") +
                             stage);
}

} // namespace

void kiln::buildCpuFusionStage(OpPassManager &pm) {
  // Producers with one use fuse into their consumers: dropout masks,
  // bias adds, activations and their gradients become single passes.
  addText(pm, "fusion", "linalg-fuse-elementwise-ops,canonicalize,cse");
}

void kiln::buildCpuPackingStage(OpPassManager &pm) {
  addText(pm, "packing", "func.func(kiln-cpu-pack-matmuls),canonicalize");
}

void kiln::buildCpuBufferizeStage(OpPassManager &pm) {
  // Buffers come from the run's frame and are freed after their last use;
  // the frame frees the rest when a run ends early. Constant globals get
  // names and an order that do not depend on the compiler's run
  // (reproducible objects).
  addText(pm, "bufferize",
          "one-shot-bufferize{bufferize-function-boundaries "
          "function-boundary-type-conversion=identity-layout-map "
          "unknown-type-conversion=identity-layout-map},"
          "kiln-order-constant-globals,canonicalize,cse,"
          "func.func(kiln-rt-early-exit,kiln-rt-frame-buffers)");
}

void kiln::buildCpuLoopsStage(OpPassManager &pm) {
  addText(pm, "loops",
          "func.func(kiln-cpu-copies-to-linalg),"
          "convert-linalg-to-loops,canonicalize,"
          "expand-strided-metadata,lower-affine,convert-scf-to-cf");
}

void kiln::buildCpuLoweringStage(OpPassManager &pm) {
  addText(pm, "lowering",
          "convert-math-to-funcs,convert-math-to-llvm,convert-math-to-libm,"
          "kiln-cpu-to-llvm,reconcile-unrealized-casts");
}

void kiln::buildCpuPipeline(OpPassManager &pm) {
  buildCpuFusionStage(pm);
  buildCpuPackingStage(pm);
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
      {"kiln-cpu-packing",
       "CPU stage: matmul operand layout and loop order on tensors",
       buildCpuPackingStage},
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
      {"kiln-cpu-pipeline",
       "The whole CPU pipeline: lowered session functions to LLVM",
       buildCpuPipeline},
      {"kiln-lower-to-llvm", "Alias of kiln-cpu-pipeline", buildCpuPipeline},
  };
  for (const Stage &s : stages)
    PassPipelineRegistration<>(
        s.name, s.summary, [build = s.build](OpPassManager &pm) { build(pm); });
}
