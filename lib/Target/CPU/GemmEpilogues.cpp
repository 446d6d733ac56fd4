//===- GemmEpilogues.cpp - Elementwise consumers run inside the GEMM ------===//
//
// A matmul's product is usually read once, right away, by one elementwise
// loop: the bias and activation of a layer, the activation's gradient, an
// optimizer's update of the weights from their gradient. Run as a loop of
// its own, that loop reads the product back from memory (the weight
// gradients of S1 are 3.5 MB) and costs a hand-off to the thread pool. Run
// as the GEMM's epilogue, it sees each block of the product as soon as the
// block is final, while it is in cache, on the thread that computed it.
//
//===----------------------------------------------------------------------===//
#include "Outline.h"

#include "kiln/Dialect/Rt/RtDialect.h"
#include "kiln/Target/CPU/CPUPipeline.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace kiln {
#define GEN_PASS_DEF_CPUGEMMEPILOGUES
#include "kiln/Target/CPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// The buffer a view is of (through subviews, casts, reshapes).
Value rootOf(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      break;
    v = view.getViewSource();
  }
  return v;
}

/// Whether `op` can run before the matmul instead of after it: it neither
/// touches the product `c` nor writes `a` or `b`, as far as its declared
/// effects tell (an effect on no particular buffer touches them all; only
/// allocations and frees of other buffers are harmless).
bool crossable(Operation *op, Value c, Value a, Value b) {
  if (isPure(op))
    return true;
  // Runtime ops that change only the runtime's state (a variable's value,
  // a generator's counter, the run's status) and read their buffer
  // operands, if any; their results are buffers nothing else in the run
  // holds (a variable's value, its next value, fresh random numbers).
  // The product must not be among what they read.
  if (isa<kiln::rt::ReadOp, kiln::rt::WritableOp, kiln::rt::RandomOp,
          kiln::rt::CheckDimsOp, kiln::rt::CheckReshapeOp,
          kiln::rt::CheckLabelsOp, kiln::rt::CheckDivisorOp>(op))
    return llvm::none_of(op->getOperands(),
                         [&](Value v) { return rootOf(v) == c; });
  auto effects = getEffectsRecursively(op);
  if (!effects)
    return false;
  for (const MemoryEffects::EffectInstance &e : *effects) {
    bool harmless =
        isa<MemoryEffects::Allocate, MemoryEffects::Free>(e.getEffect());
    Value v = e.getValue();
    if (!v) {
      if (!harmless)
        return false;
      continue;
    }
    Value root = rootOf(v);
    if (root == c)
      return false;
    if (!harmless && isa<MemoryEffects::Write>(e.getEffect()) &&
        (root == a || root == b))
      return false;
  }
  return true;
}

/// The elementwise loop that can be `mm`'s epilogue: the first op after it
/// that uses its product, if that is an all-parallel 2-D linalg.generic
/// reading the product element by element (identity map), writing whole
/// elements of its outputs per (i, j), none of them a view of the
/// matmul's operands, none of its other operands a static buffer of more
/// than `maxOperandBytes`, and everything between the two can run first.
linalg::GenericOp epilogueFor(kiln::rt::MatmulOp mm, int64_t maxOperandBytes) {
  if (!mm.getResult().empty() || mm.getEpilogue())
    return nullptr;
  Value c = mm.getInit();
  Value cRoot = rootOf(c), aRoot = rootOf(mm.getA()), bRoot = rootOf(mm.getB());
  Block *block = mm->getBlock();
  Operation *first = nullptr;
  for (Operation *user : c.getUsers()) {
    Operation *at = block->findAncestorOpInBlock(*user);
    if (!at || at == mm || !mm->isBeforeInBlock(at))
      continue;
    if (!first || at->isBeforeInBlock(first))
      first = at;
  }
  // Other views of the product would be read before it is final.
  for (Operation *user : cRoot.getUsers())
    if (user != mm && user != first && user->getBlock() == block &&
        mm->isBeforeInBlock(user) && first && user->isBeforeInBlock(first))
      return nullptr;
  auto generic = dyn_cast_or_null<linalg::GenericOp>(first);
  if (!generic || !kiln::isOutlinableGeneric(generic) ||
      generic.getNumLoops() != 2)
    return nullptr;
  bool reads = false;
  for (OpOperand &operand : generic->getOpOperands()) {
    AffineMap map = generic.getMatchingIndexingMap(&operand);
    Value v = operand.get(), root = rootOf(v);
    bool isInit = generic.isDpsInit(&operand);
    if (v == c) {
      if (!map.isIdentity())
        return nullptr;
      reads |= !isInit || generic.payloadUsesValueFromOperand(&operand);
      continue;
    }
    if (root == cRoot)
      return nullptr;
    if (isInit) {
      // Whole elements per (i, j): blocks write disjoint parts.
      if (!map.isPermutation() || root == aRoot || root == bRoot)
        return nullptr;
      // An input that is another view of this output would be read where
      // another block writes.
      for (OpOperand *input : generic.getDpsInputOperands())
        if (rootOf(input->get()) == root &&
            (input->get() != v || generic.getMatchingIndexingMap(input) != map))
          return nullptr;
    }
  }
  if (!reads)
    return nullptr;
  // A loop that streams big operands of its own (an optimizer's update of
  // a whole weight matrix and its slots) is bound by memory bandwidth
  // wherever it runs; as a loop of its own it streams whole rows on every
  // core, and measured faster so (docs/performance.md).
  for (Value v : generic->getOperands()) {
    auto type = dyn_cast<MemRefType>(v.getType());
    if (v != c && type && type.hasStaticShape() &&
        type.getNumElements() *
                std::max<int64_t>(1, type.getElementTypeBitWidth() / 8) >
            maxOperandBytes)
      return nullptr;
  }
  for (Operation *op = mm->getNextNode(); op != generic.getOperation();
       op = op->getNextNode())
    if (!crossable(op, cRoot, aRoot, bRoot))
      return nullptr;
  return generic;
}

struct CpuGemmEpiloguesPass
    : kiln::impl::CpuGemmEpiloguesBase<CpuGemmEpiloguesPass> {
  using CpuGemmEpiloguesBase::CpuGemmEpiloguesBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    for (auto fn : llvm::to_vector(module.getOps<func::FuncOp>())) {
      if (fn.isExternal())
        continue;
      SmallVector<kiln::rt::MatmulOp> matmuls;
      fn.walk([&](kiln::rt::MatmulOp mm) { matmuls.push_back(mm); });
      int n = 0;
      for (kiln::rt::MatmulOp mm : matmuls) {
        linalg::GenericOp generic = epilogueFor(mm, maxOperandBytes);
        if (!generic)
          continue;
        // Rows of the product are loop 0 (its map is the identity).
        kiln::OutlinedLoop outlined = kiln::outlineGeneric(
            symbols, fn, generic,
            (fn.getName() + "_epilogue" + Twine(n++)).str(), {0, 1});
        mm->moveBefore(generic);
        mm.setEpilogueAttr(FlatSymbolRefAttr::get(outlined.fn));
        mm.getCapturesMutable().assign(outlined.captures);
        generic.erase();
      }
    }
  }
};

} // namespace
