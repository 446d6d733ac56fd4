//===- PackMatmuls.cpp - Matmul operand layout for the CPU's loops --------===//
//
// The register tiles of kiln-cpu-vectorize-matmuls (and the (i, k, j) loops
// it falls back to) read a row of B per k: B must be stored [K, N]. A B read
// transposed (dX = dY . W^T) is packed into that layout first, once per
// matmul. An A read transposed needs no copy: a tile reads one element per
// row of A and k.
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
  if (!bTransposed)
    return success();
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
  // Same matmul, B now read as [k, j].
  MLIRContext *ctx = b.getContext();
  SmallVector<Attribute> newMaps{
      AffineMapAttr::get(maps[0]),
      AffineMapAttr::get(AffineMap::get(
          3, 0, {getAffineDimExpr(2, ctx), getAffineDimExpr(1, ctx)}, ctx)),
      AffineMapAttr::get(maps[2])};
  auto packed = linalg::MatmulOp::create(
      b, loc, TypeRange{cType}, ValueRange{a, bv}, ValueRange{init},
      ArrayRef<NamedAttribute>{
          b.getNamedAttr("indexing_maps", b.getArrayAttr(newMaps))});
  mm.getResult(0).replaceAllUsesWith(packed.getResult(0));
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
