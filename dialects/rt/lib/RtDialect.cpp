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

LogicalResult MatmulOp::verify() {
  auto a = cast<ShapedType>(getA().getType());
  auto b = cast<ShapedType>(getB().getType());
  auto c = cast<ShapedType>(getInit().getType());
  for (ShapedType t : {a, b, c}) {
    if (!t.getElementType().isF32())
      return emitOpError() << "multiplies f32 only, not " << t;
    if (t.getRank() != 2)
      return emitOpError() << "needs matrices, not " << t;
  }
  bool tensors = isa<TensorType>(c);
  if (tensors != isa<TensorType>(a) || tensors != isa<TensorType>(b))
    return emitOpError() << "mixes tensors and buffers";
  if (tensors ? getResult().size() != 1 || getResult()[0].getType() != c
              : !getResult().empty())
    return emitOpError()
           << "has one result of the init's type on tensors, none on buffers";
  auto dim = [](ShapedType t, int64_t d, bool transposed) {
    return t.getDimSize(transposed ? 1 - d : d);
  };
  auto agree = [](int64_t x, int64_t y) {
    return ShapedType::isDynamic(x) || ShapedType::isDynamic(y) || x == y;
  };
  int64_t m = dim(a, 0, getTransposeA()), k = dim(a, 1, getTransposeA());
  int64_t kb = dim(b, 0, getTransposeB()), n = dim(b, 1, getTransposeB());
  if (!agree(k, kb) || !agree(m, c.getDimSize(0)) || !agree(n, c.getDimSize(1)))
    return emitOpError() << "shapes do not agree: " << a << " . " << b
                         << " into " << c;
  if (!getEpilogue() && !getCaptures().empty())
    return emitOpError() << "has captures but no epilogue";
  if (getEpilogue() && tensors)
    return emitOpError() << "takes an epilogue on buffers only";
  return success();
}

MutableOperandRange MatmulOp::getDpsInitsMutable() { return getInitMutable(); }

void MatmulOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  // On buffers: reads a and b (and init when accumulating), writes init.
  // On tensors: none, a pure value.
  if (!isa<MemRefType>(getInit().getType()))
    return;
  effects.emplace_back(MemoryEffects::Read::get(), &getAMutable(),
                       SideEffects::DefaultResource::get());
  effects.emplace_back(MemoryEffects::Read::get(), &getBMutable(),
                       SideEffects::DefaultResource::get());
  if (getAccumulate())
    effects.emplace_back(MemoryEffects::Read::get(), &getInitMutable(),
                         SideEffects::DefaultResource::get());
  effects.emplace_back(MemoryEffects::Write::get(), &getInitMutable(),
                       SideEffects::DefaultResource::get());
  // The epilogue may read and write any buffer it captures.
  for (OpOperand &capture : getCapturesMutable()) {
    if (!isa<MemRefType>(capture.get().getType()))
      continue;
    effects.emplace_back(MemoryEffects::Read::get(), &capture,
                         SideEffects::DefaultResource::get());
    effects.emplace_back(MemoryEffects::Write::get(), &capture,
                         SideEffects::DefaultResource::get());
  }
}
