//===- Outline.h - Elementwise loops as functions of index ranges -*- C++ -*-===//
//
// Shared by the passes that hand a loop to the runtime to call back:
// kiln-cpu-parallel-loops (blocks of a range on the thread pool) and
// kiln-cpu-gemm-epilogues (finished blocks of a GEMM's result).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_TARGET_CPU_OUTLINE_H
#define KILN_LIB_TARGET_CPU_OUTLINE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/SymbolTable.h"

namespace kiln {

struct OutlinedLoop {
  mlir::func::FuncOp fn;
  /// What the call passes after the indices: the generic's operands, then
  /// the values its body reads from above (constants are cloned instead).
  llvm::SmallVector<mlir::Value> captures;
};

/// Whether `generic` can be outlined: on buffers, all loops parallel,
/// every indexing map a projected permutation, no linalg.index.
bool isOutlinableGeneric(mlir::linalg::GenericOp generic);

/// Outlines `generic` into a new private function `name` (inserted into
/// `symbols` before `parent`) of `(lo_0, hi_0, lo_1, hi_1, ..., captures)`:
/// the iterations [lo_i, hi_i) of each loop in `slicedLoops` (all
/// iterations of the others). Every operand is viewed by a memref.subview
/// of the slice along the sliced loops it has; operands broadcast along all
/// of them are passed whole. The generic itself is left in place.
OutlinedLoop outlineGeneric(mlir::SymbolTable &symbols,
                            mlir::func::FuncOp parent,
                            mlir::linalg::GenericOp generic,
                            llvm::StringRef name,
                            llvm::ArrayRef<unsigned> slicedLoops);

} // namespace kiln

#endif // KILN_LIB_TARGET_CPU_OUTLINE_H
