//===- RtDialect.h - The kiln_rt dialect ------------------------*- C++ -*-===//
//
// Runtime operations as compiled code uses them (RtOps.td).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_DIALECT_RT_RTDIALECT_H
#define KILN_DIALECT_RT_RTDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace kiln::rt {

/// Ops that can fail the run (record a status in the frame). The run ends
/// right after one that failed (`kiln-rt-early-exit`).
template <typename ConcreteType>
class MayFail : public mlir::OpTrait::TraitBase<ConcreteType, MayFail> {};

/// Whether `op` is a runtime op that can fail the run.
bool mayFail(mlir::Operation *op);

} // namespace kiln::rt

#include "kiln/Dialect/Rt/RtDialect.h.inc"

#define GET_TYPEDEF_CLASSES
#include "kiln/Dialect/Rt/RtTypes.h.inc"

#define GET_OP_CLASSES
#include "kiln/Dialect/Rt/RtOps.h.inc"

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace kiln::rt {
/// Bufferization of runtime ops: tensor operands are read in place, results
/// are read-only buffers owned by the runtime.
void registerBufferizableOpInterfaceExternalModels(
    mlir::DialectRegistry &registry);
} // namespace kiln::rt

#endif // KILN_DIALECT_RT_RTDIALECT_H
