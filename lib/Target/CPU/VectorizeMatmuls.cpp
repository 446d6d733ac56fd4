//===- VectorizeMatmuls.cpp - Register-tiled vector code for matmuls ------===//
//
// The vectorization stage of the CPU pipeline, on tensors. Each matmul left
// to generated code (small, or not f32: kiln-cpu-select-gemm keeps the big
// f32 ones for the runtime's GEMM) becomes register tiles:
//
//   for i step MR, for j step NR:          C[i:i+MR, j:j+NR] held in vectors
//     for k:                               one rank-1 update per k:
//       C += A[i:i+MR, k] (x) B[k, j:j+NR]   MR broadcasts, NR/lanes loads,
//                                            MR*NR/lanes FMAs
//
// MR x NR is chosen from the vector width (8 x 2 vectors for 512 bits, 6 x 2
// for 256, 4 x 2 for 128): the accumulators fill about half the register
// file. The i and j loops are peeled so that full tiles have static shapes
// (no masks); the edge tiles are masked. This pass tiles, peels and
// vectorizes (upstream TilingInterface tiling, scf peeling and the linalg
// vectorizer, to vector.contract); the stage then hoists the C tile out of
// the k loop (loop-invariant-subset-hoisting), and vector.contract becomes
// outer products, i.e. FMAs, when the vector dialect is lowered.
//
// With vector-bits=0, or for element types the vectorizer does not take, a
// matmul becomes a linalg.generic with loops (i, k, j) instead: the inner
// loop adds a row of B, scaled, to a row of C, which LLVM's loop vectorizer
// handles without reassociating any sum.
//
//===----------------------------------------------------------------------===//
#include "kiln/Target/CPU/CPUPipeline.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_CPUVECTORIZEMATMULS
#include "kiln/Target/CPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// Register tile of one matmul: rows of A and columns of B per tile.
struct Tile {
  int64_t mr, nr;
};

Tile tileFor(Type elem, int64_t vectorBits) {
  int64_t width = elem.getIntOrFloatBitWidth();
  int64_t lanes = std::clamp<int64_t>(vectorBits / width, 1, 16);
  int64_t mr = vectorBits >= 512 ? 8 : vectorBits >= 256 ? 6 : 4;
  return {mr, 2 * lanes};
}

/// Whether `map` (over i, j, k) reads its operand as (first, second).
bool reads(AffineMap map, unsigned first, unsigned second) {
  return map.getNumResults() == 2 && isa<AffineDimExpr>(map.getResult(0)) &&
         isa<AffineDimExpr>(map.getResult(1)) &&
         map.getResult(0).isFunctionOfDim(first) &&
         map.getResult(1).isFunctionOfDim(second);
}

/// The matmuls this pass handles: A read as [i, k] or [k, i], B as [k, j]
/// (kiln-cpu-pack-matmuls packs a B read transposed), C as [i, j], one
/// element type. Returns that type.
Type matmulElementType(linalg::MatmulOp mm) {
  if (!mm.hasPureTensorSemantics() || mm.getNumDpsInputs() != 2)
    return {};
  SmallVector<AffineMap> maps = mm.getIndexingMapsArray();
  // Dims of linalg.matmul's maps: i = 0, j = 1, k = 2.
  if (!(reads(maps[0], 0, 2) || reads(maps[0], 2, 0)) ||
      !reads(maps[1], 2, 1) || !reads(maps[2], 0, 1))
    return {};
  Type elem = getElementTypeOrSelf(mm.getDpsInits()[0].getType());
  for (Value in : mm.getDpsInputs())
    if (getElementTypeOrSelf(in.getType()) != elem)
      return {};
  if (!elem.isIntOrFloat())
    return {};
  return elem;
}

/// The (i, k, j) loop order as a linalg.generic (LLVM vectorizes its inner
/// loop).
void orderLoops(RewriterBase &rw, linalg::MatmulOp mm) {
  rw.setInsertionPoint(mm);
  MLIRContext *ctx = rw.getContext();
  bool aTransposed = reads(mm.getIndexingMapsArray()[0], 2, 0);
  // Loops (i, k, j) = dims (0, 1, 2).
  AffineExpr i = getAffineDimExpr(0, ctx), k = getAffineDimExpr(1, ctx),
             j = getAffineDimExpr(2, ctx);
  SmallVector<AffineMap> maps{
      AffineMap::get(3, 0,
                     aTransposed ? ArrayRef<AffineExpr>{k, i}
                                 : ArrayRef<AffineExpr>{i, k},
                     ctx),
      AffineMap::get(3, 0, {k, j}, ctx), AffineMap::get(3, 0, {i, j}, ctx)};
  SmallVector<utils::IteratorType> iters{utils::IteratorType::parallel,
                                         utils::IteratorType::reduction,
                                         utils::IteratorType::parallel};
  Value init = mm.getDpsInits()[0];
  bool isFloat = isa<FloatType>(getElementTypeOrSelf(init.getType()));
  auto generic = linalg::GenericOp::create(
      rw, mm.getLoc(), TypeRange{init.getType()}, mm.getDpsInputs(),
      ValueRange{init}, maps, iters,
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value p =
            isFloat ? arith::MulFOp::create(b, l, args[0], args[1]).getResult()
                    : arith::MulIOp::create(b, l, args[0], args[1]).getResult();
        Value s = isFloat ? arith::AddFOp::create(b, l, args[2], p).getResult()
                          : arith::AddIOp::create(b, l, args[2], p).getResult();
        linalg::YieldOp::create(b, l, s);
      });
  rw.replaceOp(mm, generic.getResults());
}

/// Peels `loop`'s last, partial iteration (if it may have one); returns the
/// loops that now cover its range.
SmallVector<scf::ForOp> peel(RewriterBase &rw, scf::ForOp loop) {
  scf::ForOp partial;
  if (succeeded(scf::peelForLoopAndSimplifyBounds(rw, loop, partial)))
    return {loop, partial};
  return {loop};
}

/// The scf.for ops directly in `loop`'s body.
SmallVector<scf::ForOp> innerLoops(scf::ForOp loop) {
  SmallVector<scf::ForOp> inner;
  for (Operation &op : *loop.getBody())
    if (auto f = dyn_cast<scf::ForOp>(op))
      inner.push_back(f);
  return inner;
}

/// Marks the tiles' matmuls (peeling copies it with them).
constexpr llvm::StringLiteral kTileMarker = "kiln.register_tile";

LogicalResult registerTile(RewriterBase &rw, linalg::MatmulOp mm, Tile tile) {
  MLIRContext *ctx = rw.getContext();
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(ctx, {tile.mr, tile.nr, 1}));
  rw.setInsertionPoint(mm);
  FailureOr<scf::SCFTilingResult> tiled =
      scf::tileUsingSCF(rw, cast<TilingInterface>(mm.getOperation()), options);
  if (failed(tiled) || tiled->loops.size() != 3)
    return mm.emitOpError("cannot be tiled into registers");
  tiled->tiledOps.back()->setAttr(kTileMarker, rw.getUnitAttr());
  rw.replaceOp(mm, tiled->replacements);
  // Full tiles apart from the edges: peel i, then j in each i loop.
  for (scf::ForOp i : peel(rw, cast<scf::ForOp>(*tiled->loops[0])))
    for (scf::ForOp j : innerLoops(i))
      (void)peel(rw, j);
  return success();
}

struct CpuVectorizeMatmulsPass
    : kiln::impl::CpuVectorizeMatmulsBase<CpuVectorizeMatmulsPass> {
  using CpuVectorizeMatmulsBase::CpuVectorizeMatmulsBase;

  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    MLIRContext *ctx = &getContext();
    IRRewriter rw(ctx);
    SmallVector<linalg::MatmulOp> matmuls;
    fn.walk([&](linalg::MatmulOp mm) { matmuls.push_back(mm); });
    for (linalg::MatmulOp mm : matmuls) {
      Type elem = matmulElementType(mm);
      if (!elem)
        continue;
      if (vectorBits <= 0) {
        orderLoops(rw, mm);
        continue;
      }
      Tile tile = tileFor(elem, vectorBits);
      if (failed(registerTile(rw, mm, tile)))
        return signalPassFailure();
    }
    // Each tile's matmul, [<=MR, <=NR, 1], to vector.contract: masked
    // transfers where a size is not known to be full (the edges).
    SmallVector<linalg::MatmulOp> tiles;
    fn.walk([&](linalg::MatmulOp mm) {
      if (mm->hasAttr(kTileMarker))
        tiles.push_back(mm);
    });
    for (linalg::MatmulOp mm : tiles) {
      Tile tile = tileFor(matmulElementType(mm), vectorBits);
      SmallVector<int64_t> sizes{tile.mr, tile.nr, 1};
      SmallVector<bool> scalable(sizes.size(), false);
      rw.setInsertionPoint(mm);
      FailureOr<linalg::VectorizationResult> v =
          linalg::vectorize(rw, mm, sizes, /*inputScalableVecDims=*/scalable,
                            /*vectorizeNDExtract=*/false,
                            /*flatten1DDepthwiseConv=*/false,
                            /*assumeDynamicDimsMatchVecSizes=*/false,
                            /*createNamedContraction=*/true);
      if (failed(v)) {
        mm.emitOpError("register tile cannot be vectorized");
        return signalPassFailure();
      }
      rw.replaceOp(mm, v->replacements);
    }
    // Masks of loads and stores become operands (all-true ones fold away),
    // so that the C tile's read and write can leave the k loop.
    RewritePatternSet patterns(ctx);
    vector::populateVectorMaskLoweringPatternsForSideEffectingOps(patterns);
    vector::CreateMaskOp::getCanonicalizationPatterns(patterns, ctx);
    vector::ConstantMaskOp::getCanonicalizationPatterns(patterns, ctx);
    vector::MaskOp::getCanonicalizationPatterns(patterns, ctx);
    vector::TransferReadOp::getCanonicalizationPatterns(patterns, ctx);
    vector::TransferWriteOp::getCanonicalizationPatterns(patterns, ctx);
    affine::AffineMinOp::getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsGreedily(fn, std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
