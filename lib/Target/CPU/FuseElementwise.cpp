//===- FuseElementwise.cpp - Elementwise fusion that keeps matmuls whole --===//
//
// Upstream's linalg-fuse-elementwise-ops, with one difference: reshapes are
// not folded into (or out of) contractions. Upstream propagates a
// tensor.collapse_shape into its consumer by expanding the consumer's
// loops, which turns a convolution's `linalg.matmul` over im2col rows
// ([N*OH*OW, KH*KW*C]) back into a seven-loop contraction that no GEMM
// strategy recognizes. Elementwise ops still fuse with each other and
// reshapes still move through elementwise loops.
//
//===----------------------------------------------------------------------===//
#include "kiln/Target/CPU/CPUPipeline.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_CPUFUSEELEMENTWISE
#include "kiln/Target/CPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

bool isContraction(Operation *op) {
  auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(op);
  return linalgOp && linalg::isaContractionOpInterface(linalgOp);
}

struct CpuFuseElementwisePass
    : kiln::impl::CpuFuseElementwiseBase<CpuFuseElementwisePass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    // As upstream: a producer with one use fuses into its consumer.
    linalg::ControlFusionFn oneUse = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      return producer && producer->hasOneUse();
    };
    // Reshapes stay outside contractions, on either side.
    linalg::ControlFusionFn reshapes = [oneUse](OpOperand *fused) {
      return oneUse(fused) && !isContraction(fused->getOwner()) &&
             !isContraction(fused->get().getDefiningOp());
    };
    RewritePatternSet patterns(ctx);
    linalg::populateElementwiseOpsFusionPatterns(patterns, oneUse);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, reshapes);
    tensor::populateBubbleUpExpandShapePatterns(patterns);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, ctx);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, ctx);
    ctx->getLoadedDialect<linalg::LinalgDialect>()->getCanonicalizationPatterns(
        patterns);
    linalg::populateConstantFoldLinalgOperations(patterns, oneUse);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
