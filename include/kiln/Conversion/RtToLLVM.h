//===- RtToLLVM.h - Runtime ops to calls of the runtime's C ABI -*- C++ -*-===//
//
// The last step of the `kiln_rt` dialect: each op (on memrefs) becomes the
// calls of the runtime's C ABI (kiln/runtime/CompiledAbi.def) that do what
// it says; the frame becomes the `!llvm.ptr` the runtime passes in, a
// runtime value the i64 index the runtime knows it by.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_CONVERSION_RTTOLLVM_H
#define KILN_CONVERSION_RTTOLLVM_H

#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln {

/// The LLVM type of the runtime's C function `name` as CompiledAbi.def
/// declares it; null when the ABI has no such function.
mlir::LLVM::LLVMFunctionType abiFunctionType(mlir::MLIRContext *ctx,
                                             llvm::StringRef name);
/// The names of every function of the ABI, in CompiledAbi.def's order.
std::vector<llvm::StringRef> abiFunctionNames();

/// `!kiln_rt.frame` -> `!llvm.ptr`, `!kiln_rt.value` -> i64.
void populateRtToLLVMTypeConversions(mlir::LLVMTypeConverter &converter);
void populateRtToLLVMConversionPatterns(mlir::LLVMTypeConverter &converter,
                                        mlir::RewritePatternSet &patterns);

} // namespace kiln

#endif // KILN_CONVERSION_RTTOLLVM_H
