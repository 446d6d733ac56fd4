//===- ConvertRtToLLVMPass.cpp - Runtime ops alone to LLVM ----------------===//
#include "kiln/Conversion/GraphToLinalg.h"
#include "kiln/Conversion/RtToLLVM.h"
#include "kiln/Dialect/Rt/RtDialect.h"

#include "mlir/Conversion/LLVMCommon/ConversionTarget.h"
#include "mlir/Transforms/DialectConversion.h"

namespace kiln {
#define GEN_PASS_DEF_CONVERTRTTOLLVM
#include "kiln/Conversion/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {
struct ConvertRtToLLVMPass
    : kiln::impl::ConvertRtToLLVMBase<ConvertRtToLLVMPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    LLVMTypeConverter converter(ctx);
    populateRtToLLVMTypeConversions(converter);
    RewritePatternSet patterns(ctx);
    populateRtToLLVMConversionPatterns(converter, patterns);
    LLVMConversionTarget target(*ctx);
    target.addIllegalDialect<rt::RtDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
