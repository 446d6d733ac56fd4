//===- FrameBuffers.cpp - A run's buffers come from its frame -------------===//
//
// A session function is a chain of blocks (one per run exit) whose code is
// straight-line at the top level: the last use of a buffer in program order
// is where it can be freed. Uses through views (subview, reshape, cast, ...)
// count as uses of the buffer. Buffers come from the run's frame, which
// frees what is still allocated when the run ends, so an early exit leaks
// nothing and a buffer whose last use is unclear can simply stay.
//
//===----------------------------------------------------------------------===//
#include "kiln/Conversion/GraphToLinalg.h"
#include "kiln/Dialect/Rt/RtDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace kiln {
#define GEN_PASS_DEF_RTFRAMEBUFFERS
#include "kiln/Conversion/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {

struct RtFrameBuffersPass : kiln::impl::RtFrameBuffersBase<RtFrameBuffersPass> {
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    if (fn.isExternal() || fn.getNumArguments() == 0 ||
        !isa<rt::FrameType>(fn.getArgument(0).getType()))
      return;
    Value frame = fn.getArgument(0);
    // Program order of the top-level ops, along the chain of blocks.
    DenseMap<Operation *, unsigned> position;
    unsigned next = 0;
    for (Block &block : fn.getBody())
      for (Operation &op : block)
        position[&op] = next++;

    SmallVector<memref::AllocOp> allocs;
    fn.walk([&](memref::AllocOp a) { allocs.push_back(a); });
    OpBuilder b(&getContext());
    for (memref::AllocOp a : allocs) {
      if (!a.getType().getLayout().isIdentity() || a.getType().getMemorySpace())
        continue;
      b.setInsertionPoint(a);
      auto buffer = rt::AllocOp::create(b, a.getLoc(), a.getType(), frame,
                                        a.getDynamicSizes());
      a.replaceAllUsesWith(buffer.getResult());
      a.erase();
      if (Operation *last = lastUse(buffer, position))
        placeFree(b, frame, buffer, last);
    }
  }

  /// The op after which `buffer` is dead: the latest (in program order)
  /// top-level ancestor of a use of it or of a view of it; null when it
  /// escapes (is yielded out of a region, or used by a terminator).
  static Operation *lastUse(rt::AllocOp buffer,
                            const DenseMap<Operation *, unsigned> &position) {
    Block *home = buffer->getBlock();
    bool topLevel = isa<func::FuncOp>(buffer->getParentOp());
    Operation *last = nullptr;
    unsigned lastPos = 0;
    SmallVector<Value> worklist{buffer.getResult()};
    DenseSet<Value> seen;
    while (!worklist.empty()) {
      Value v = worklist.pop_back_val();
      if (!seen.insert(v).second)
        continue;
      for (OpOperand &use : v.getUses()) {
        Operation *user = use.getOwner();
        if (user->hasTrait<OpTrait::IsTerminator>())
          return nullptr;
        // Results that are memrefs may alias the buffer (views, casts).
        for (Value r : user->getResults())
          if (isa<BaseMemRefType>(r.getType()))
            worklist.push_back(r);
        // The use's ancestor in the buffer's own block (or, for a buffer
        // of the function body, in the function body).
        Operation *anchor = user;
        if (topLevel) {
          while (anchor && !isa<func::FuncOp>(anchor->getParentOp()))
            anchor = anchor->getParentOp();
        } else {
          anchor = home->findAncestorOpInBlock(*user);
        }
        if (!anchor)
          return nullptr;
        unsigned pos = topLevel ? position.lookup(anchor) : 0;
        if (!topLevel) {
          if (!last || last->isBeforeInBlock(anchor))
            last = anchor;
          continue;
        }
        if (!last || pos > lastPos) {
          last = anchor;
          lastPos = pos;
        }
      }
    }
    return last ? last : buffer.getOperation();
  }

  static void placeFree(OpBuilder &b, Value frame, rt::AllocOp buffer,
                        Operation *last) {
    if (last->hasTrait<OpTrait::IsTerminator>())
      return;
    b.setInsertionPointAfter(last);
    rt::FreeOp::create(b, buffer.getLoc(), frame, buffer.getResult());
  }
};

} // namespace
