//===- RtDialect.cpp - The kiln_rt dialect --------------------------------===//
#include "kiln/Dialect/Rt/RtDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace kiln::rt;

#include "kiln/Dialect/Rt/RtDialect.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "kiln/Dialect/Rt/RtTypes.cpp.inc"

#define GET_OP_CLASSES
#include "kiln/Dialect/Rt/RtOps.cpp.inc"

void RtDialect::initialize() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "kiln/Dialect/Rt/RtTypes.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "kiln/Dialect/Rt/RtOps.cpp.inc"
      >();
}

bool kiln::rt::mayFail(Operation *op) { return op->hasTrait<MayFail>(); }

LogicalResult KernelOp::verify() {
  int64_t fromOperands = llvm::count(getInputSlots(), static_cast<int64_t>(-1));
  if (fromOperands != static_cast<int64_t>(getInputs().size()))
    return emitOpError() << "input_slots takes " << fromOperands
                         << " inputs from operands, but there are "
                         << getInputs().size();
  if (getDtypes().size() != getInputs().size())
    return emitOpError() << "needs one dtype per operand";
  return success();
}

LogicalResult AllocOp::verify() {
  auto type = cast<MemRefType>(getBuffer().getType());
  if (!type.getLayout().isIdentity())
    return emitOpError() << "allocates contiguous buffers only";
  if (static_cast<int64_t>(getDynamicSizes().size()) !=
      static_cast<int64_t>(type.getNumDynamicDims()))
    return emitOpError() << "needs one size per dynamic dim ("
                         << type.getNumDynamicDims() << "), has "
                         << getDynamicSizes().size();
  return success();
}
