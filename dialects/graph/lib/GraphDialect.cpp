//===- GraphDialect.cpp - The graph dialect --------------------------------===//
#include "kiln/Dialect/Graph/GraphDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace kiln::graph;

#include "kiln/Dialect/Graph/GraphDialect.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "kiln/Dialect/Graph/GraphTypes.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "kiln/Dialect/Graph/GraphAttrs.cpp.inc"

void GraphDialect::initialize() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "kiln/Dialect/Graph/GraphTypes.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "kiln/Dialect/Graph/GraphAttrs.cpp.inc"
      >();
  registerGraphDialectOperations(this);
}

//===----------------------------------------------------------------------===//
// GraphOp
//===----------------------------------------------------------------------===//

RegionKind GraphOp::getRegionKind(unsigned) { return RegionKind::Graph; }

//===----------------------------------------------------------------------===//
// GenericNodeOp
//===----------------------------------------------------------------------===//

ParseResult GenericNodeOp::parse(OpAsmParser &parser, OperationState &result) {
  return parseNodeOp(parser, result, /*def=*/nullptr);
}

void GenericNodeOp::print(OpAsmPrinter &p) { printNodeOp(p, getOperation()); }

LogicalResult GenericNodeOp::verify() {
  return verifyNodeOp(getOperation(), /*def=*/nullptr);
}

void GenericNodeOp::getAsmResultNames(OpAsmSetValueNameFn setNameFn) {
  getNodeResultNames(getOperation(), setNameFn);
}

//===----------------------------------------------------------------------===//
// Node accessors
//===----------------------------------------------------------------------===//

namespace kiln {
namespace graph {

StringRef getNodeName(Operation *op) {
  if (auto name = op->getAttrOfType<StringAttr>("name"))
    return name.getValue();
  return "";
}

StringRef getNodeOpType(Operation *op) {
  if (auto generic = dyn_cast<GenericNodeOp>(op))
    return generic.getOpType();
  return op->getName().getStringRef().drop_front(strlen("graph."));
}

StringRef getNodeDevice(Operation *op) {
  if (auto dev = op->getAttrOfType<StringAttr>("device"))
    return dev.getValue();
  return "";
}

const OpDefInfo *getNodeOpDef(Operation *op) {
  if (isa<GenericNodeOp>(op))
    return nullptr;
  return lookupOpDef(getNodeOpType(op));
}

static unsigned numControlOperands(Operation *op) {
  unsigned n = 0;
  for (Value v : llvm::reverse(op->getOperands())) {
    if (!isa<ControlType>(v.getType()))
      break;
    ++n;
  }
  return n;
}

OperandRange getDataOperands(Operation *op) {
  return op->getOperands().drop_back(numControlOperands(op));
}

OperandRange getControlOperands(Operation *op) {
  return op->getOperands().take_back(numControlOperands(op));
}

ResultRange getDataResults(Operation *op) {
  return op->getResults().drop_back(1);
}

Value getControlResult(Operation *op) { return op->getResults().back(); }

void setControlOperands(Operation *op, ValueRange ctls) {
  SmallVector<Value> operands(getDataOperands(op));
  unsigned numData = operands.size();
  llvm::SmallPtrSet<void *, 8> seen;
  for (Value c : ctls)
    if (seen.insert(c.getAsOpaquePointer()).second)
      operands.push_back(c);
  unsigned numCtl = operands.size() - numData;
  op->setOperands(operands);
  if (auto seg = op->getAttrOfType<DenseI32ArrayAttr>("operandSegmentSizes")) {
    SmallVector<int32_t> sizes(seg.asArrayRef());
    sizes.back() = numCtl;
    op->setAttr("operandSegmentSizes",
                DenseI32ArrayAttr::get(op->getContext(), sizes));
  }
}

bool isReservedAttrName(StringRef name) {
  return name == "name" || name == "device" || name == "op_type" ||
         name == "operandSegmentSizes" || name == "resultSegmentSizes" ||
         name == kExperimentalDebugInfoAttrName ||
         name == kExperimentalTypeAttrName;
}

} // namespace graph
} // namespace kiln
