//===- Lowering.h - State shared by the node lowerings ----------*- C++ -*-===//
//
// NodeLowering walks a session function's nodes in order and keeps, for
// each graph value, what it became: a tensor, a runtime value, or - for refs
// to variables and resource handles - the resource slot number. The helpers
// here are what every op family needs: typed operands, and operands and
// results of runtime (`kiln_rt`) ops.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_CONVERSION_GRAPHTOLINALG_LOWERING_H
#define KILN_LIB_CONVERSION_GRAPHTOLINALG_LOWERING_H

#include "kiln/Conversion/GraphToLinalg.h"
#include "kiln/Dialect/Graph/GraphDialect.h"
#include "kiln/Dialect/Rt/RtDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace kiln {

class NodeLowering {
public:
  NodeLowering(mlir::OpBuilder &b, mlir::Value frame, mlir::ModuleOp module,
               const llvm::StringMap<int64_t> &slots)
      : b(b), frame(frame), module(module), slots(slots) {}

  mlir::OpBuilder &b;
  /// The run's frame (`!kiln_rt.frame`): every runtime op takes it first.
  mlir::Value frame;
  mlir::Location loc() const { return currentLoc; }
  void setNode(mlir::Operation *op) { currentLoc = op->getLoc(); }

  //===--- Values --------------------------------------------------------===//
  /// Data operand `i` of `op` as a tensor (a ref operand is read).
  mlir::FailureOr<mlir::Value> tensor(mlir::Operation *op, unsigned i);
  /// A graph value as a tensor (reads a ref).
  mlir::FailureOr<mlir::Value> tensorOf(mlir::Value graphValue);
  /// The resource slot behind a ref or resource operand.
  mlir::FailureOr<int64_t> slotOperand(mlir::Operation *op, unsigned i);
  /// The slot a graph value names, if it names one (no error otherwise).
  std::optional<int64_t> slotIfAny(mlir::Value graphValue) const {
    auto it = slotValues.find(graphValue);
    if (it == slotValues.end())
      return std::nullopt;
    return it->second;
  }
  /// Records what result `k` of `op` became.
  void setTensor(mlir::Operation *op, unsigned k, mlir::Value v) {
    values[op->getResult(k)] = v;
  }
  void setSlot(mlir::Operation *op, unsigned k, int64_t slot) {
    slotValues[op->getResult(k)] = slot;
  }
  void setTensor(mlir::Value graphValue, mlir::Value v) {
    values[graphValue] = v;
  }
  /// A value only the runtime holds (`!kiln_rt.value`: strings, or a value
  /// whose rank the compiled code does not know): it can be passed on
  /// (fetched, enqueued, assigned) but not computed with.
  void setOpaque(mlir::Operation *op, unsigned k, mlir::Value v) {
    opaqueValues[op->getResult(k)] = v;
  }
  void setOpaqueValue(mlir::Value graphValue, mlir::Value v) {
    opaqueValues[graphValue] = v;
  }
  bool isOpaque(mlir::Value graphValue) const {
    return opaqueValues.count(graphValue) != 0;
  }
  /// Data operand `i` as a runtime op takes it: a tensor (bools as i8) or a
  /// runtime value; `dtype` is its TF DataType.
  mlir::FailureOr<mlir::Value> runtimeOperand(mlir::Operation *op, unsigned i,
                                              int32_t &dtype);
  /// The same for a graph value (fetches).
  mlir::FailureOr<mlir::Value> runtimeValueOf(mlir::Value graphValue,
                                              int32_t &dtype);
  /// Result `k` of `op` is operand `i` as it is (tensor or opaque).
  mlir::LogicalResult forward(mlir::Operation *op, unsigned i, unsigned k);
  /// The slot of resource node `name`.
  mlir::FailureOr<int64_t> slotOfNode(mlir::Operation *op);

  /// The lowered (signless, ranked) type of result `k`; fails with an error
  /// naming the node when the shape is unknown or the dtype unsupported.
  mlir::FailureOr<mlir::RankedTensorType> resultType(mlir::Operation *op,
                                                     unsigned k);
  /// Lowered tensor type of a graph tensor type.
  mlir::FailureOr<mlir::RankedTensorType> loweredType(mlir::Operation *op,
                                                      mlir::Type graphType);
  /// The graph element type (signedness kept) of result `k` / operand `i`.
  static mlir::Type graphElementType(mlir::Value v);

  //===--- Constants and shapes -----------------------------------------===//
  mlir::Value i64(int64_t v);
  mlir::Value i32(int32_t v);
  mlir::Value index(int64_t v);
  /// Dim `d` of tensor `t` as an index.
  mlir::Value dim(mlir::Value t, int64_t d);
  /// The dynamic sizes `tensor.empty` of `type` needs, taken from `like`
  /// dims at the same positions.
  llvm::SmallVector<mlir::Value> dynamicSizes(mlir::RankedTensorType type,
                                              mlir::Value like);
  /// Values of a constant operand (int32/int64 Const), if it is one.
  std::optional<llvm::SmallVector<int64_t>> constInts(mlir::Operation *op,
                                                      unsigned i);

  //===--- Runtime values -----------------------------------------------===//
  /// A tensor as the runtime takes it (bools as i8 bytes).
  mlir::Value toRuntime(mlir::Value t);
  /// A tensor a runtime op returned, as compiled code computes with it
  /// (i8 bytes back to i1 where the graph type is bool).
  mlir::Value fromRuntime(mlir::Value t, mlir::Type graphElem);
  /// The type a runtime op returns for a tensor of `type` (bools as i8).
  static mlir::RankedTensorType runtimeType(mlir::RankedTensorType type);
  /// The types `op`'s data results have as a runtime op returns them: a
  /// tensor (bools as i8) where the compiled code can compute with the
  /// result, else `!kiln_rt.value` (unknown rank; strings).
  mlir::FailureOr<llvm::SmallVector<mlir::Type>>
  runtimeResultTypes(mlir::Operation *op);
  /// Sets `op`'s data results from a runtime op's results.
  void setRuntimeResults(mlir::Operation *op, mlir::ValueRange results);

  //===--- Errors -------------------------------------------------------===//
  /// "Unimplemented: node 'n' (Op): <msg>" at the node; returns failure.
  mlir::LogicalResult unsupported(mlir::Operation *op, const llvm::Twine &msg);

  /// Builds `linalg.generic` over `inputs` (broadcast to `outType` by TF's
  /// rules) with `body(builder, loc, scalar args) -> scalar`.
  mlir::FailureOr<mlir::Value>
  elementwise(mlir::Operation *op, mlir::ValueRange inputs,
              mlir::RankedTensorType outType,
              llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                             mlir::ValueRange)>
                  body);

private:
  mlir::ModuleOp module;
  const llvm::StringMap<int64_t> &slots;
  mlir::Location currentLoc = mlir::UnknownLoc::get(module.getContext());
  llvm::DenseMap<mlir::Value, mlir::Value> values;
  llvm::DenseMap<mlir::Value, int64_t> slotValues;
  llvm::DenseMap<mlir::Value, mlir::Value> opaqueValues;
};

/// TF's DataType number of a graph element type (0 when it has none).
int32_t dtypeNumber(mlir::Type graphElem);

/// The sizes of tensor `x` (index values).
llvm::SmallVector<mlir::Value> sizesOf(NodeLowering &l, mlir::Value x);
/// `x` reshaped to `outType`, whose dims are `sizes` (index values).
mlir::Value reshapeTensor(NodeLowering &l, mlir::Value x,
                          mlir::RankedTensorType outType,
                          llvm::ArrayRef<mlir::Value> sizes);

/// linalg.reduce of `x` over `axes` (sorted) with `combine`, from `init`.
mlir::Value
reduceTensor(NodeLowering &l, mlir::Value x, llvm::ArrayRef<int64_t> axes,
             mlir::Value init,
             llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                            mlir::Value, mlir::Value)>
                 combine);

/// A node's integer / bool attr, or `dflt` when absent.
inline int64_t intAttrOf(mlir::Operation *op, llvm::StringRef name,
                         int64_t dflt) {
  if (auto a = op->getAttrOfType<mlir::IntegerAttr>(name))
    return a.getInt();
  return dflt;
}
inline bool boolAttrOf(mlir::Operation *op, llvm::StringRef name,
                       bool dflt = false) {
  if (auto a = op->getAttrOfType<mlir::BoolAttr>(name))
    return a.getValue();
  return dflt;
}

/// A tensor of `type` (dims `dyn` where dynamic) filled with `scalar`.
mlir::Value filled(NodeLowering &l, mlir::RankedTensorType type,
                   llvm::ArrayRef<mlir::Value> dyn, mlir::Value scalar);

/// Lowers `op` to one call of its runtime (host) kernel (Kernels.cpp).
mlir::LogicalResult lowerKernelCall(NodeLowering &l, mlir::Operation *op);
/// Whether `op` is a generic node of an op that a loaded op library
/// declares (kiln/runtime/OpLibrary.h): lowered by lowerKernelCall.
bool isCustomOpNode(mlir::Operation *op);

/// Signless version of a graph element type (ui8 -> i8); null if the
/// compiled code has no representation for it (strings, resources, ...).
mlir::Type loweredElementType(mlir::Type graphElem);
bool isUnsignedInt(mlir::Type graphElem);

} // namespace kiln

#endif // KILN_LIB_CONVERSION_GRAPHTOLINALG_LOWERING_H
