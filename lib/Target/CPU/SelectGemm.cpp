//===- SelectGemm.cpp - The runtime's GEMM or generated loops, per matmul -===//
//
// The runtime's sgemm (kiln/runtime/Gemm.h) packs its operands into panels
// and keeps a register tile of C for a whole block of K, on both cores:
// several times what LLVM makes of the loops for the S1 shapes. A call
// and the packing cost a few microseconds, so tiny products stay loops.
//
//===----------------------------------------------------------------------===//
#include "kiln/Dialect/Rt/RtDialect.h"
#include "kiln/Target/CPU/CPUPipeline.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Matchers.h"

namespace kiln {
#define GEN_PASS_DEF_CPUSELECTGEMM
#include "kiln/Target/CPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

enum class Mode { Auto, Kernel, Codegen };

/// Whether `map` (over i, j, k) is exactly (d`first`, d`second`).
bool reads(AffineMap map, unsigned first, unsigned second) {
  return map.getNumResults() == 2 &&
         map.getResult(0) == getAffineDimExpr(first, map.getContext()) &&
         map.getResult(1) == getAffineDimExpr(second, map.getContext());
}

/// The product's size M*N*K, or -1 when a dim is dynamic.
int64_t volume(RankedTensorType a, RankedTensorType c, bool transposeA) {
  int64_t k = a.getDimSize(transposeA ? 0 : 1);
  if (a.hasStaticShape() && c.hasStaticShape())
    return c.getDimSize(0) * c.getDimSize(1) * k;
  return -1;
}

bool isZeroFill(Value init, Value &dest) {
  auto fill = init.getDefiningOp<linalg::FillOp>();
  if (!fill || !fill.hasPureTensorSemantics())
    return false;
  FloatAttr value;
  if (!matchPattern(fill.getInputs()[0], m_Constant(&value)) ||
      !value.getValue().isZero())
    return false;
  dest = fill.getOutputs()[0];
  return true;
}

struct CpuSelectGemmPass : kiln::impl::CpuSelectGemmBase<CpuSelectGemmPass> {
  using CpuSelectGemmBase::CpuSelectGemmBase;

  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    Mode m;
    if (mode == "auto")
      m = Mode::Auto;
    else if (mode == "kernel")
      m = Mode::Kernel;
    else if (mode == "codegen")
      m = Mode::Codegen;
    else {
      fn.emitError() << "kiln-cpu-select-gemm: mode must be auto, kernel or "
                        "codegen, not '"
                     << mode << "'";
      return signalPassFailure();
    }
    // Only session functions have a frame to call the runtime with.
    if (m == Mode::Codegen || fn.getNumArguments() == 0 ||
        !isa<kiln::rt::FrameType>(fn.getArgument(0).getType()))
      return;
    Value frame = fn.getArgument(0);
    SmallVector<linalg::MatmulOp> matmuls;
    fn.walk([&](linalg::MatmulOp mm) { matmuls.push_back(mm); });
    OpBuilder b(&getContext());
    for (linalg::MatmulOp mm : matmuls) {
      if (!mm.hasPureTensorSemantics() || mm.getNumDpsInputs() != 2)
        continue;
      Value a = mm.getDpsInputs()[0], bv = mm.getDpsInputs()[1];
      Value init = mm.getDpsInits()[0];
      auto aType = dyn_cast<RankedTensorType>(a.getType());
      auto bType = dyn_cast<RankedTensorType>(bv.getType());
      auto cType = dyn_cast<RankedTensorType>(init.getType());
      if (!aType || !bType || !cType || !aType.getElementType().isF32() ||
          !bType.getElementType().isF32() || !cType.getElementType().isF32())
        continue;
      SmallVector<AffineMap> maps = mm.getIndexingMapsArray();
      // Dims of linalg.matmul's maps: i = 0, j = 1, k = 2.
      bool aPlain = reads(maps[0], 0, 2), aTransposed = reads(maps[0], 2, 0);
      bool bPlain = reads(maps[1], 2, 1), bTransposed = reads(maps[1], 1, 2);
      if (!(aPlain || aTransposed) || !(bPlain || bTransposed) ||
          !reads(maps[2], 0, 1))
        continue;
      int64_t size = volume(aType, cType, aTransposed);
      if (m == Mode::Auto && size >= 0 && size < 4096)
        continue;
      Value dest;
      bool accumulate = !isZeroFill(init, dest);
      if (accumulate)
        dest = init;
      b.setInsertionPoint(mm);
      auto call = kiln::rt::MatmulOp::create(b, mm.getLoc(), TypeRange{cType},
                                             frame, a, bv, dest, aTransposed,
                                             bTransposed, accumulate,
                                             /*epilogue=*/nullptr,
                                             /*captures=*/ValueRange{});
      mm.getResult(0).replaceAllUsesWith(call.getResult()[0]);
      mm.erase();
      if (auto fill = init.getDefiningOp<linalg::FillOp>();
          fill && !accumulate && fill->use_empty())
        fill.erase();
    }
  }
};

} // namespace
