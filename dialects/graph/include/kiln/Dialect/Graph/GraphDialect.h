//===- GraphDialect.h - The graph dialect -----------------------*- C++ -*-===//
//
// TensorFlow 1.x dataflow graphs as MLIR, one op per node. See GraphBase.td
// for the design and docs/dialect.md for the reference.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_DIALECT_GRAPH_GRAPHDIALECT_H
#define KILN_DIALECT_GRAPH_GRAPHDIALECT_H

#include "kiln/Dialect/Graph/OpDefs.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/RegionKindInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <optional>
#include <string>

namespace kiln {
namespace graph {

/// Marks the ops that are TensorFlow nodes (typed ops and graph.node).
template <typename ConcreteType>
class NodeOpTrait : public mlir::OpTrait::TraitBase<ConcreteType, NodeOpTrait> {
};

/// Shared custom assembly and verification of node ops (NodeOpFormat.cpp,
/// NodeOpVerifier.cpp). `def` is null for graph.node.
mlir::ParseResult parseNodeOp(mlir::OpAsmParser &parser,
                              mlir::OperationState &result,
                              const OpDefInfo *def);
void printNodeOp(mlir::OpAsmPrinter &p, mlir::Operation *op);
llvm::LogicalResult verifyNodeOp(mlir::Operation *op, const OpDefInfo *def);
void getNodeResultNames(mlir::Operation *op,
                        mlir::OpAsmSetValueNameFn setNameFn);

} // namespace graph
} // namespace kiln

#include "kiln/Dialect/Graph/GraphDialect.h.inc"

#define GET_TYPEDEF_CLASSES
#include "kiln/Dialect/Graph/GraphTypes.h.inc"

#define GET_ATTRDEF_CLASSES
#include "kiln/Dialect/Graph/GraphAttrs.h.inc"

#define GET_OP_CLASSES
#include "kiln/Dialect/Graph/GraphOps.h.inc"

namespace kiln {
namespace graph {

//===----------------------------------------------------------------------===//
// Node accessors (work on typed ops and graph.node alike)
//===----------------------------------------------------------------------===//

inline bool isNode(mlir::Operation *op) {
  return op->hasTrait<NodeOpTrait>();
}

/// The TF node name (attribute `name`).
llvm::StringRef getNodeName(mlir::Operation *op);
/// The TF op type: "MatMul" for graph.MatMul, the op_type of graph.node.
llvm::StringRef getNodeOpType(mlir::Operation *op);
/// The TF device string, "" if none.
llvm::StringRef getNodeDevice(mlir::Operation *op);
/// The OpDef of a typed node, nullptr for graph.node.
const OpDefInfo *getNodeOpDef(mlir::Operation *op);

/// Data operands (before the control operands) and control operands.
mlir::OperandRange getDataOperands(mlir::Operation *op);
mlir::OperandRange getControlOperands(mlir::Operation *op);
/// Data results and the control token result (always the last result).
mlir::ResultRange getDataResults(mlir::Operation *op);
mlir::Value getControlResult(mlir::Operation *op);

/// Whether `attr` is a valid MLIR form of a TF attr of kind `kind` ("int",
/// "list(type)", ...): IntegerAttr i64, TypeAttr, ArrayAttr of those, ...
bool attrMatchesKind(llvm::StringRef kind, mlir::Attribute attr);

/// Sizes of the ODS value groups of OpDef arguments `args` (operands or
/// results): 1 per plain argument, the number attr's value or the type list
/// attr's length per variadic one. One variadic argument whose attr is
/// missing takes what remains of `total`. On failure `error` says why.
llvm::LogicalResult
computeSegmentSizes(llvm::ArrayRef<ArgDefInfo> args,
                    llvm::function_ref<mlir::Attribute(llvm::StringRef)> getAttr,
                    unsigned total, llvm::SmallVectorImpl<int32_t> &sizes,
                    std::string &error);

/// Replaces the control inputs of a node (keeping its data inputs), dropping
/// duplicates, and keeps `operandSegmentSizes` in step.
void setControlOperands(mlir::Operation *op, mlir::ValueRange ctls);

/// Attr names that are not TF attrs of the node.
bool isReservedAttrName(llvm::StringRef name);

/// NodeDef fields of TF 2.x beside the attrs, kept on a node op as the text
/// form of their message (NodeDef.ExperimentalDebugInfo, FullTypeDef) so
/// that export writes them back. The dot keeps them apart from TF attr
/// names, which cannot hold one.
constexpr llvm::StringLiteral kExperimentalDebugInfoAttrName =
    "graph.experimental_debug_info";
constexpr llvm::StringLiteral kExperimentalTypeAttrName =
    "graph.experimental_type";

//===----------------------------------------------------------------------===//
// TF dtypes <-> MLIR element types
//===----------------------------------------------------------------------===//

/// DataType enum value (refs are +100) to an element type; null if unknown.
mlir::Type dtypeToElementType(mlir::MLIRContext *ctx, int dtype);
/// Element type (incl. !graph.ref<T>) to the DataType enum value.
std::optional<int> elementTypeToDtype(mlir::Type type);
/// TF's name of a DataType value: "float", "int32_ref", ...
std::string dtypeToString(int dtype);
/// TF's name of an element type ("float", "string", "float_ref").
std::string elementTypeToString(mlir::Type type);

/// The element type of a tensor-typed value, looking through refs if asked.
mlir::Type getElementType(mlir::Type tensorType);
mlir::Type stripRef(mlir::Type elementType);

} // namespace graph
} // namespace kiln

#endif // KILN_DIALECT_GRAPH_GRAPHDIALECT_H
