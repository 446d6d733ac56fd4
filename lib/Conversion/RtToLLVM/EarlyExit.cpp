//===- EarlyExit.cpp - End the run after a runtime op that failed ---------===//
//
// The lowering emits runtime ops that may fail in one block, nesting
// nothing. Here, on buffers, each of them gets its exit: the block splits
// after the op and branches to a shared return block when the run failed.
// Buffer deallocation runs after this and frees, on the exit edge, every
// buffer live there.
//
//===----------------------------------------------------------------------===//
#include "kiln/Conversion/GraphToLinalg.h"
#include "kiln/Dialect/Rt/RtDialect.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace kiln {
#define GEN_PASS_DEF_RTEARLYEXIT
#include "kiln/Conversion/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {

struct RtEarlyExitPass : kiln::impl::RtEarlyExitBase<RtEarlyExitPass> {
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    if (fn.isExternal() || fn.getNumArguments() == 0 ||
        !isa<rt::FrameType>(fn.getArgument(0).getType()))
      return;
    SmallVector<Operation *> fallible;
    WalkResult walk = fn.walk([&](Operation *op) {
      if (!rt::mayFail(op))
        return WalkResult::advance();
      if (op->getParentOp() != fn) {
        op->emitError() << "Internal: a runtime op that may fail is nested in "
                        << op->getParentOp()->getName()
                        << "; it must be in the function's body";
        return WalkResult::interrupt();
      }
      fallible.push_back(op);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    if (fallible.empty())
      return;
    if (fn.getFunctionType().getNumResults() != 0) {
      fn.emitError() << "Internal: a session function returns nothing";
      return signalPassFailure();
    }
    Value frame = fn.getArgument(0);
    OpBuilder b(fn.getContext());
    // The exit block stays last: each split inserts the rest of a block
    // right after it.
    Block *exit = new Block();
    fn.getBody().push_back(exit);
    b.setInsertionPointToStart(exit);
    func::ReturnOp::create(b, fn.getLoc());
    for (Operation *op : fallible) {
      Block *block = op->getBlock();
      Block *rest = block->splitBlock(op->getNextNode());
      b.setInsertionPointToEnd(block);
      Value ok = rt::OkOp::create(b, op->getLoc(), b.getI1Type(), frame);
      cf::CondBranchOp::create(b, op->getLoc(), ok, rest, ValueRange{}, exit,
                               ValueRange{});
    }
  }
};

} // namespace
