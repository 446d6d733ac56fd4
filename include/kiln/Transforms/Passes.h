//===- Passes.h - Graph-level passes ----------------------------*- C++ -*-===//
#ifndef KILN_TRANSFORMS_PASSES_H
#define KILN_TRANSFORMS_PASSES_H

#include "kiln/Dialect/Graph/GraphDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

#include <set>
#include <string>

namespace kiln {

#define GEN_PASS_DECL
#include "kiln/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "kiln/Transforms/Passes.h.inc"

/// Node names the graph's MetaGraphDef refers to (SaverDef, collections,
/// signatures): passes must not remove or rename these nodes.
std::set<std::string> collectMetaGraphNodeNames(graph::GraphOp graph);

/// Refines the result types of the nodes in `block` from their inputs, attrs
/// and constant operands until nothing changes (what graph-infer-shapes does
/// to a graph). Emits an error on the node whose shapes contradict.
llvm::LogicalResult inferNodeShapes(mlir::Block &block);

/// Replaces pure nodes of `block` whose inputs are constants by `Const`
/// nodes (what graph-constant-fold does to a graph); results larger than
/// `maxElements` stay. Returns true when anything was folded.
bool foldConstants(mlir::Block &block, int64_t maxElements = 10000000);

} // namespace kiln

#endif // KILN_TRANSFORMS_PASSES_H
