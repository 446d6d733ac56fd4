//===- graph-opt.cpp - Fuzzes the graph passes on imported graphs ---------===//
//
// The input is a graph file in any format graph-translate reads. It is
// imported and verified; the graph passes that need no signatures run
// (graph-infer-shapes, graph-constant-fold, graph-cse, graph-cleanup,
// graph-dce, then canonicalize), with the pass manager verifying after each;
// the result is exported as binary and text MetaGraphDef/GraphDef, and the
// binary export is imported again. Constant folding is capped at 2^16
// elements per result so that one input stays fast.
//
//===----------------------------------------------------------------------===//
#include "ImportFuzz.h"

#include "kiln/Export/ExportGraphDef.h"
#include "kiln/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string bytes(reinterpret_cast<const char *>(data), size);
  kiln::fuzz::FuzzContext fc;
  std::string error;
  auto module = kiln::importGraphBytes(bytes, "fuzz.pb", &fc.ctx, {}, error);
  if (!module || mlir::failed(mlir::verify(*module)))
    return 0;

  mlir::PassManager pm(&fc.ctx);
  mlir::OpPassManager &graph = pm.nest<kiln::graph::GraphOp>();
  graph.addPass(kiln::createGraphInferShapes());
  kiln::GraphConstantFoldOptions fold;
  fold.maxElements = 1 << 16;
  graph.addPass(kiln::createGraphConstantFold(fold));
  graph.addPass(kiln::createGraphCSE());
  graph.addPass(kiln::createGraphCleanup());
  graph.addPass(kiln::createGraphDeadNodeElimination());
  pm.addPass(mlir::createCanonicalizerPass());
  if (mlir::failed(pm.run(*module)))
    return 0;

  std::string binary, text, graphDef;
  kiln::ExportOptions options;
  if (mlir::failed(kiln::exportModule(*module, options, binary, error)))
    return 0;
  options.text = true;
  (void)kiln::exportModule(*module, options, text, error);
  options.graphDefOnly = true;
  (void)kiln::exportModule(*module, options, graphDef, error);
  kiln::fuzz::FuzzContext again;
  (void)kiln::importGraphBytes(binary, "exported.pb", &again.ctx, {}, error);
  return 0;
}
