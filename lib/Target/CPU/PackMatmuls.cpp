//===- PackMatmuls.cpp - Matmul operand layout and loop order for CPUs ----===//
//
// linalg.matmul's loops are (i, j, k) with the reduction innermost: a dot
// product down a column of B, which LLVM cannot vectorize without
// reassociating the sum. Ordered (i, k, j), the inner loop adds a row of B,
// scaled, to a row of C: parallel and contiguous. That needs B as [K, N];
// a B read transposed is packed into that layout first.
//
//===----------------------------------------------------------------------===//
#include "kiln/Target/CPU/CPUPipeline.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"

namespace kiln {
#define GEN_PASS_DEF_CPUPACKMATMULS
#include "kiln/Target/CPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// Whether `map` (over i, j, k) reads its operand as (first, second).
bool reads(AffineMap map, unsigned first, unsigned second) {
  return map.getNumResults() == 2 && map.getResult(0).isFunctionOfDim(first) &&
         map.getResult(1).isFunctionOfDim(second) &&
         isa<AffineDimExpr>(map.getResult(0)) &&
         isa<AffineDimExpr>(map.getResult(1));
}

LogicalResult pack(OpBuilder &b, linalg::MatmulOp mm) {
  if (!mm.hasPureTensorSemantics() || mm.getNumDpsInputs() != 2)
    return failure();
  SmallVector<AffineMap> maps = mm.getIndexingMapsArray();
  // Dims of linalg.matmul's maps: i = 0, j = 1, k = 2.
  bool aPlain = reads(maps[0], 0, 2), aTransposed = reads(maps[0], 2, 0);
  bool bPlain = reads(maps[1], 2, 1), bTransposed = reads(maps[1], 1, 2);
  if (!(aPlain || aTransposed) || !(bPlain || bTransposed) ||
      !reads(maps[2], 0, 1))
    return failure();
  Location loc = mm.getLoc();
  b.setInsertionPoint(mm);
  Value a = mm.getDpsInputs()[0], bv = mm.getDpsInputs()[1];
  Value init = mm.getDpsInits()[0];
  auto cType = cast<RankedTensorType>(init.getType());
  Type elem = cType.getElementType();
  if (cast<ShapedType>(a.getType()).getElementType() != elem ||
      cast<ShapedType>(bv.getType()).getElementType() != elem)
    return failure();
  if (bTransposed) {
    auto t = cast<RankedTensorType>(bv.getType());
    auto packedType = RankedTensorType::get({t.getDimSize(1), t.getDimSize(0)},
                                            t.getElementType());
    SmallVector<Value> dyn;
    if (packedType.isDynamicDim(0))
      dyn.push_back(tensor::DimOp::create(b, loc, bv, 1));
    if (packedType.isDynamicDim(1))
      dyn.push_back(tensor::DimOp::create(b, loc, bv, 0));
    Value empty = tensor::EmptyOp::create(b, loc, packedType, dyn);
    bv = linalg::TransposeOp::create(b, loc, bv, empty, ArrayRef<int64_t>{1, 0})
             .getResult()[0];
  }
  // Loops (i, k, j) = dims (0, 1, 2).
  MLIRContext *ctx = b.getContext();
  AffineExpr i = getAffineDimExpr(0, ctx), k = getAffineDimExpr(1, ctx),
             j = getAffineDimExpr(2, ctx);
  SmallVector<AffineMap> newMaps{
      AffineMap::get(3, 0,
                     aTransposed ? ArrayRef<AffineExpr>{k, i}
                                 : ArrayRef<AffineExpr>{i, k},
                     ctx),
      AffineMap::get(3, 0, {k, j}, ctx), AffineMap::get(3, 0, {i, j}, ctx)};
  SmallVector<utils::IteratorType> iters{utils::IteratorType::parallel,
                                         utils::IteratorType::reduction,
                                         utils::IteratorType::parallel};
  bool isFloat = isa<FloatType>(elem);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{cType}, ValueRange{a, bv}, ValueRange{init}, newMaps,
      iters, [&](OpBuilder &nb, Location l, ValueRange args) {
        Value p =
            isFloat
                ? arith::MulFOp::create(nb, l, args[0], args[1]).getResult()
                : arith::MulIOp::create(nb, l, args[0], args[1]).getResult();
        Value s = isFloat
                      ? arith::AddFOp::create(nb, l, args[2], p).getResult()
                      : arith::AddIOp::create(nb, l, args[2], p).getResult();
        linalg::YieldOp::create(nb, l, s);
      });
  mm.getResult(0).replaceAllUsesWith(generic.getResult(0));
  mm.erase();
  return success();
}

struct CpuPackMatmulsPass : kiln::impl::CpuPackMatmulsBase<CpuPackMatmulsPass> {
  void runOnOperation() override {
    SmallVector<linalg::MatmulOp> matmuls;
    getOperation().walk([&](linalg::MatmulOp mm) { matmuls.push_back(mm); });
    OpBuilder b(&getContext());
    for (linalg::MatmulOp mm : matmuls)
      (void)pack(b, mm);
  }
};

} // namespace
