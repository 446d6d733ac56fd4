//===- RtBufferization.cpp - Bufferizing runtime ops ----------------------===//
//
// Every runtime op bufferizes the same way: it reads its tensor operands'
// buffers (the runtime copies what it keeps, e.g. an enqueued element) and
// writes none of them; its tensor results become buffers the runtime owns
// until the run ends (a variable read in place, a feed, a dequeued element),
// so they are not writable: One-Shot Bufferize copies before writing into
// one, and the deallocation passes never free them.
//
//===----------------------------------------------------------------------===//
#include "kiln/Dialect/Rt/RtDialect.h"

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/DialectRegistry.h"

#include <type_traits>

using namespace mlir;
using namespace mlir::bufferization;
using namespace kiln::rt;

namespace {

/// `buffer`, or a contiguous row-major copy of it when it is a strided view.
FailureOr<Value> contiguous(RewriterBase &rewriter, Location loc, Value buffer,
                            const BufferizationOptions &options) {
  auto type = dyn_cast<MemRefType>(buffer.getType());
  if (!type || type.getLayout().isIdentity())
    return buffer;
  auto contiguousType = MemRefType::get(type.getShape(), type.getElementType());
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      sizes.push_back(memref::DimOp::create(rewriter, loc, buffer, d));
  FailureOr<Value> copy =
      options.createAlloc(rewriter, loc, contiguousType, sizes);
  if (failed(copy) ||
      failed(options.createMemCpy(rewriter, loc, buffer, *copy)))
    return failure();
  return *copy;
}

bool hasUnitInnerStride(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  SmallVector<int64_t> strides;
  int64_t offset;
  return memref && succeeded(memref.getStridesAndOffset(strides, offset)) &&
         (strides.empty() || strides.back() == 1);
}

/// kiln_rt.matmul: destination style. `a` and `b` are read (copied first
/// when strided), `init` is written in place, and read only when the
/// product accumulates into it.
struct MatmulOpModel
    : public DstBufferizableOpInterfaceExternalModel<MatmulOpModel, MatmulOp> {
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const AnalysisState &) const {
    auto mm = cast<MatmulOp>(op);
    return &operand != &mm.getInitMutable() || mm.getAccumulate();
  }

  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    auto mm = cast<MatmulOp>(op);
    Location loc = op->getLoc();
    SmallVector<Value> ins;
    for (Value v : {mm.getA(), mm.getB()}) {
      FailureOr<Value> buffer = getBuffer(rewriter, v, options, state);
      if (failed(buffer))
        return failure();
      // Rows may be apart (a slice is read in place, its row stride is
      // the matrix's leading dimension); elements of a row may not.
      if (!hasUnitInnerStride(buffer->getType()))
        buffer = contiguous(rewriter, loc, *buffer, options);
      if (failed(buffer))
        return failure();
      ins.push_back(*buffer);
    }
    FailureOr<Value> init = getBuffer(rewriter, mm.getInit(), options, state);
    if (failed(init))
      return failure();
    if (!hasUnitInnerStride(init->getType()))
      return op->emitError("kiln_rt.matmul writes rows with unit stride only");
    MatmulOp::create(rewriter, loc, TypeRange{}, mm.getFrame(), ins[0], ins[1],
                     *init, mm.getTransposeA(), mm.getTransposeB(),
                     mm.getAccumulate(), /*epilogue=*/nullptr,
                     /*captures=*/ValueRange{});
    replaceOpWithBufferizedValues(rewriter, op, *init);
    return success();
  }
};

template <typename OpTy>
struct RuntimeOpModel
    : public BufferizableOpInterface::ExternalModel<RuntimeOpModel<OpTy>,
                                                    OpTy> {
  bool bufferizesToMemoryRead(Operation *, OpOperand &,
                              const AnalysisState &) const {
    return true;
  }
  bool bufferizesToMemoryWrite(Operation *, OpOperand &,
                               const AnalysisState &) const {
    return false;
  }
  AliasingValueList getAliasingValues(Operation *, OpOperand &,
                                      const AnalysisState &) const {
    return {};
  }
  bool isWritable(Operation *, Value, const AnalysisState &) const {
    return false;
  }
  FailureOr<BufferLikeType> getBufferType(Operation *, Value value,
                                          const BufferizationOptions &,
                                          const BufferizationState &,
                                          SmallVector<Value> &) const {
    return cast<BufferLikeType>(getMemRefTypeWithStaticIdentityLayout(
        cast<TensorType>(value.getType())));
  }

  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    SmallVector<Value> operands;
    for (OpOperand &operand : op->getOpOperands()) {
      if (!isa<TensorType>(operand.get().getType())) {
        operands.push_back(operand.get());
        continue;
      }
      FailureOr<Value> buffer =
          getBuffer(rewriter, operand.get(), options, state);
      if (failed(buffer))
        return failure();
      // The runtime takes contiguous, row-major arrays: a strided view
      // (e.g. a slice) is copied first.
      buffer = contiguous(rewriter, op->getLoc(), *buffer, options);
      if (failed(buffer))
        return failure();
      operands.push_back(*buffer);
    }
    SmallVector<Type> resultTypes;
    for (Type t : op->getResultTypes())
      resultTypes.push_back(
          isa<TensorType>(t)
              ? getMemRefTypeWithStaticIdentityLayout(cast<TensorType>(t))
              : t);
    OperationState newState(op->getLoc(), op->getName(), operands, resultTypes,
                            op->getAttrs());
    Operation *newOp = rewriter.create(newState);
    replaceOpWithBufferizedValues(rewriter, op, newOp->getResults());
    return success();
  }
};

template <typename Op> void attachOne(MLIRContext *ctx) {
  // alloc and free exist on buffers only (after bufferization).
  if constexpr (std::is_same_v<Op, MatmulOp>)
    Op::template attachInterface<MatmulOpModel>(*ctx);
  else if constexpr (!std::is_same_v<Op, AllocOp> &&
                     !std::is_same_v<Op, FreeOp>)
    Op::template attachInterface<RuntimeOpModel<Op>>(*ctx);
}

template <typename... Ops> void attach(MLIRContext *ctx) {
  (attachOne<Ops>(ctx), ...);
}

} // namespace

void kiln::rt::registerBufferizableOpInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, RtDialect *) {
    attach<
#define GET_OP_LIST
#include "kiln/Dialect/Rt/RtOps.cpp.inc"
        >(ctx);
  });
}
