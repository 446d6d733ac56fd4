//===- ParallelLoops.cpp - Elementwise loops on the intra-op pool ---------===//
//
// A training step's elementwise work (dropout masks, activations and their
// gradients, the optimizer's update of every variable) streams megabytes:
// one core cannot keep up with two. Each big all-parallel linalg.generic is
// outlined into a function of a range of its outermost loop, and the
// runtime runs blocks of that range on its thread pool.
//
//===----------------------------------------------------------------------===//
#include "Outline.h"

#include "kiln/Dialect/Rt/RtDialect.h"
#include "kiln/Target/CPU/CPUPipeline.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"

namespace kiln {
#define GEN_PASS_DEF_CPUPARALLELLOOPS
#include "kiln/Target/CPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// Iterations of `generic` counting a dynamic dim as 64; the product of
/// its dims past the first (static ones only: dynamic ones as 64).
std::pair<int64_t, int64_t> size(linalg::GenericOp generic) {
  SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
  int64_t total = 1, inner = 1;
  for (auto [i, r] : llvm::enumerate(ranges)) {
    int64_t d = ShapedType::isDynamic(r) ? 64 : r;
    total *= d;
    if (i > 0)
      inner *= d;
  }
  return {total, inner};
}

bool outlinable(linalg::GenericOp generic, int64_t minElements) {
  if (!kiln::isOutlinableGeneric(generic))
    return false;
  bool alongLoop0 = false;
  for (AffineMap map : generic.getIndexingMapsArray())
    alongLoop0 |=
        map.getResultPosition(getAffineDimExpr(0, generic.getContext()))
            .has_value();
  return alongLoop0 && size(generic).first >= minElements;
}

struct CpuParallelLoopsPass
    : kiln::impl::CpuParallelLoopsBase<CpuParallelLoopsPass> {
  using CpuParallelLoopsBase::CpuParallelLoopsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    for (auto fn : llvm::to_vector(module.getOps<func::FuncOp>())) {
      if (fn.isExternal() || fn.getNumArguments() == 0 ||
          !isa<kiln::rt::FrameType>(fn.getArgument(0).getType()))
        continue;
      SmallVector<linalg::GenericOp> generics;
      fn.walk([&](linalg::GenericOp g) {
        if (outlinable(g, minElements))
          generics.push_back(g);
      });
      for (auto [n, generic] : llvm::enumerate(generics))
        outline(symbols, fn, generic, n);
    }
  }

  void outline(SymbolTable &symbols, func::FuncOp parent,
               linalg::GenericOp generic, size_t n) {
    Location loc = generic.getLoc();
    kiln::OutlinedLoop outlined = kiln::outlineGeneric(
        symbols, parent, generic,
        (parent.getName() + "_parallel" + Twine(n)).str(), {0});
    // The loop becomes the runtime's parallel_for over loop 0's range.
    OpBuilder at(generic);
    Value total = linalg::createOrFoldDimOp(
        at, loc, generic->getOperand(firstOperandOfDim0(generic)),
        dimOfDim0(generic));
    int64_t inner = size(generic).second;
    int64_t grain =
        std::max<int64_t>(1, grainElements / std::max<int64_t>(1, inner));
    kiln::rt::ParallelForOp::create(
        at, loc, parent.getArgument(0), FlatSymbolRefAttr::get(outlined.fn),
        total, at.getI64IntegerAttr(grain), outlined.captures);
    generic.erase();
  }

  /// An operand that has loop 0 among its dims, and that dim.
  static unsigned firstOperandOfDim0(linalg::GenericOp generic) {
    for (auto [i, map] : llvm::enumerate(generic.getIndexingMapsArray()))
      if (map.getResultPosition(getAffineDimExpr(0, generic.getContext())))
        return i;
    llvm_unreachable("an all-parallel loop with no operand along loop 0");
  }
  static unsigned dimOfDim0(linalg::GenericOp generic) {
    AffineMap map = generic.getIndexingMapsArray()[firstOperandOfDim0(generic)];
    return *map.getResultPosition(getAffineDimExpr(0, generic.getContext()));
  }
};

} // namespace
