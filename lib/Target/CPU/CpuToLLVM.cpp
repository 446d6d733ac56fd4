//===- CpuToLLVM.cpp - The CPU pipeline's last conversion -----------------===//
#include "kiln/Target/CPU/CPUPipeline.h"

#include "kiln/Conversion/RtToLLVM.h"
#include "kiln/Dialect/Rt/RtDialect.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVM.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/LLVMCommon/ConversionTarget.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_CPUTOLLVM
#include "kiln/Target/CPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct CpuToLLVMPass : kiln::impl::CpuToLLVMBase<CpuToLLVMPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    // Integer floor/ceil division has no LLVM instruction: expand it first.
    {
      RewritePatternSet expand(ctx);
      arith::populateCeilFloorDivExpandOpsPatterns(expand);
      if (failed(applyPatternsGreedily(getOperation(), std::move(expand))))
        return signalPassFailure();
    }
    LLVMTypeConverter converter(ctx);
    kiln::populateRtToLLVMTypeConversions(converter);
    RewritePatternSet patterns(ctx);
    kiln::populateRtToLLVMConversionPatterns(converter, patterns);
    // No symbol table caches: the runtime-op patterns add declarations.
    populateFinalizeMemRefToLLVMConversionPatterns(converter, patterns);
    arith::populateArithToLLVMConversionPatterns(converter, patterns);
    index::populateIndexToLLVMConversionPatterns(converter, patterns);
    cf::populateControlFlowToLLVMConversionPatterns(converter, patterns);
    ub::populateUBToLLVMConversionPatterns(converter, patterns);
    populateFuncToLLVMConversionPatterns(converter, patterns);
    LLVMConversionTarget target(*ctx);
    target.addLegalOp<ModuleOp>();
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
