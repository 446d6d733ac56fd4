//===- Pipelines.cpp - From lowered session functions to LLVM -------------===//
//
// After convert-graph-to-linalg: bufferize (function boundaries, identity
// layouts), free what was allocated (ownership-based deallocation), lower
// linalg to loops and everything to the LLVM dialect. Registered as
// `kiln-lower-to-llvm` for graph-opt.
//
//===----------------------------------------------------------------------===//
#include "kiln/Conversion/GraphToLinalg.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

static const char *const kLowerToLLVM =
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map "
    "unknown-type-conversion=identity-layout-map},"
    "canonicalize,cse,"
    "buffer-deallocation-pipeline,"
    "convert-linalg-to-loops,"
    "canonicalize,"
    "expand-strided-metadata,lower-affine,"
    "convert-scf-to-cf,"
    "convert-math-to-funcs,"
    "convert-math-to-llvm,convert-math-to-libm,"
    "finalize-memref-to-llvm,"
    "convert-arith-to-llvm,convert-index-to-llvm,"
    "convert-func-to-llvm,convert-cf-to-llvm,convert-ub-to-llvm,"
    "reconcile-unrealized-casts";

void kiln::buildLowerToLLVMPipeline(OpPassManager &pm) {
  if (failed(parsePassPipeline(kLowerToLLVM, pm, llvm::errs())))
    llvm::report_fatal_error("kiln-lower-to-llvm: bad pipeline text");
}

void kiln::registerKilnPipelines() {
  PassPipelineRegistration<>(
      "kiln-lower-to-llvm",
      "Bufferize lowered session functions and lower them to the LLVM "
      "dialect (CPU)",
      [](OpPassManager &pm) { buildLowerToLLVMPipeline(pm); });
}
