//===- ParallelLoops.cpp - Elementwise loops on the intra-op pool ---------===//
//
// A training step's elementwise work (dropout masks, activations and their
// gradients, the optimizer's update of every variable) streams megabytes:
// one core cannot keep up with two. Each big all-parallel linalg.generic is
// outlined into a function of a range of its outermost loop, and the
// runtime runs blocks of that range on its thread pool.
//
//===----------------------------------------------------------------------===//
#include "kiln/Dialect/Rt/RtDialect.h"
#include "kiln/Target/CPU/CPUPipeline.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"

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
  if (!generic.hasPureBufferSemantics() || generic.getNumLoops() == 0 ||
      generic.getNumParallelLoops() != generic.getNumLoops())
    return false;
  for (AffineMap map : generic.getIndexingMapsArray())
    if (!map.isProjectedPermutation())
      return false;
  for (Value v : generic->getOperands())
    if (!isa<MemRefType>(v.getType()))
      return false;
  // linalg.index would count from the start of a block, not of the loop.
  if (!generic.getBody()->getOps<linalg::IndexOp>().empty())
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
    MLIRContext *ctx = &getContext();
    Location loc = generic.getLoc();
    // Everything the loop uses from outside: its operands, and values its
    // body reads from above (constants are cloned instead).
    SetVector<Value> above;
    getUsedValuesDefinedAbove(generic.getRegion(), above);
    SmallVector<Value> captures(generic->getOperands());
    SmallVector<Operation *> constants;
    for (Value v : above) {
      Operation *def = v.getDefiningOp();
      if (def && def->hasTrait<OpTrait::ConstantLike>())
        constants.push_back(def);
      else
        captures.push_back(v);
    }
    Type indexType = IndexType::get(ctx);
    SmallVector<Type> argTypes{indexType, indexType};
    for (Value v : captures)
      argTypes.push_back(v.getType());
    OpBuilder b(parent);
    auto fn = func::FuncOp::create(
        b, loc, (parent.getName() + "_parallel" + Twine(n)).str(),
        FunctionType::get(ctx, argTypes, {}));
    fn.setPrivate();
    symbols.insert(fn);
    Block *entry = fn.addEntryBlock();
    OpBuilder body = OpBuilder::atBlockBegin(entry);
    Value lo = entry->getArgument(0), hi = entry->getArgument(1);
    IRMapping mapping;
    for (Operation *c : constants)
      body.clone(*c, mapping);
    for (auto [v, arg] :
         llvm::zip(captures, entry->getArguments().drop_front(2)))
      mapping.map(v, arg);
    // Each operand's slice of [lo, hi) of loop 0.
    Value count = arith::SubIOp::create(body, loc, hi, lo);
    SmallVector<Value> operands;
    for (auto [operand, map] :
         llvm::zip(generic->getOperands(), generic.getIndexingMapsArray())) {
      Value arg = mapping.lookup(operand);
      std::optional<unsigned> pos =
          map.getResultPosition(getAffineDimExpr(0, ctx));
      if (!pos) {
        operands.push_back(arg); // broadcast along loop 0: whole
        continue;
      }
      auto type = cast<MemRefType>(arg.getType());
      SmallVector<OpFoldResult> offsets(type.getRank(), body.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes,
          strides(type.getRank(), body.getIndexAttr(1));
      for (int64_t d = 0; d < type.getRank(); ++d)
        sizes.push_back(
            type.isDynamicDim(d)
                ? OpFoldResult(
                      memref::DimOp::create(body, loc, arg, d).getResult())
                : OpFoldResult(body.getIndexAttr(type.getDimSize(d))));
      offsets[*pos] = lo;
      sizes[*pos] = count;
      operands.push_back(
          memref::SubViewOp::create(body, loc, arg, offsets, sizes, strides));
    }
    unsigned numInputs = generic.getNumDpsInputs();
    auto sliced = linalg::GenericOp::create(
        body, loc, TypeRange{}, ArrayRef(operands).take_front(numInputs),
        ArrayRef(operands).drop_front(numInputs),
        generic.getIndexingMapsArray(), generic.getIteratorTypesArray());
    generic.getRegion().cloneInto(&sliced.getRegion(), mapping);
    func::ReturnOp::create(body, loc);

    // The loop becomes the runtime's parallel_for over loop 0's range.
    OpBuilder at(generic);
    Value total = linalg::createOrFoldDimOp(
        at, loc, generic->getOperand(firstOperandOfDim0(generic)),
        dimOfDim0(generic));
    int64_t inner = size(generic).second;
    int64_t grain =
        std::max<int64_t>(1, grainElements / std::max<int64_t>(1, inner));
    kiln::rt::ParallelForOp::create(at, loc, parent.getArgument(0),
                                    FlatSymbolRefAttr::get(fn), total,
                                    at.getI64IntegerAttr(grain), captures);
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
