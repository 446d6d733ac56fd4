//===- GraphToLinalg.h - Lowering session functions -------------*- C++ -*-===//
//
// Lowers the session form's functions (graph nodes in execution order) to
// upstream MLIR: math to linalg/tensor/arith/math on tensors, state and I/O
// to runtime ops (the `kiln_rt` dialect). Each lowered function is
// `func @NAME(%frame: !kiln_rt.frame)`: it takes its feeds from and gives
// its fetches to the run's frame.
//
// Lowerings are per TF op type, one family per file; a kernel library can
// add its own entries to the table (custom ops).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_CONVERSION_GRAPHTOLINALG_H
#define KILN_CONVERSION_GRAPHTOLINALG_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "llvm/ADT/StringMap.h"

namespace kiln {

class NodeLowering;
/// Emits the code of one node at the lowering's insertion point.
using NodeLowerFn = llvm::LogicalResult (*)(NodeLowering &, mlir::Operation *);
using NodeLoweringTable = llvm::StringMap<NodeLowerFn>;

void populateElementwiseLowerings(NodeLoweringTable &table);
void populateArrayLowerings(NodeLoweringTable &table);
void populateNNLowerings(NodeLoweringTable &table);
void populateStateLowerings(NodeLoweringTable &table);
void populateTrainingLowerings(NodeLoweringTable &table);
/// Ops the runtime computes (host kernels): one kernel call each.
void populateKernelLowerings(NodeLoweringTable &table);
/// Every lowering Kiln has.
const NodeLoweringTable &defaultNodeLowerings();

/// Lowers every session function of `module` (those with a
/// `graph.signature` attribute). An op without a lowering is one error
/// naming the node and its op type.
llvm::LogicalResult lowerSessionFunctions(mlir::ModuleOp module,
                                          const NodeLoweringTable &table);

#define GEN_PASS_DECL
#include "kiln/Conversion/Passes.h.inc"
#define GEN_PASS_REGISTRATION
#include "kiln/Conversion/Passes.h.inc"

} // namespace kiln

#endif // KILN_CONVERSION_GRAPHTOLINALG_H
