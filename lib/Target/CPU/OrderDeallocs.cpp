//===- OrderDeallocs.cpp - Deterministic bufferization.dealloc operands ---===//
#include "kiln/Target/CPU/CPUPipeline.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace kiln {
#define GEN_PASS_DEF_ORDERDEALLOCS
#include "kiln/Target/CPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// Positions (in `order`) that sort `values` by `key`, stable.
SmallVector<unsigned> sortedPositions(ValueRange values,
                                      const DenseMap<Value, unsigned> &key) {
  SmallVector<unsigned> order(values.size());
  for (unsigned i = 0; i < order.size(); ++i)
    order[i] = i;
  llvm::stable_sort(order, [&](unsigned a, unsigned b) {
    return key.lookup(values[a]) < key.lookup(values[b]);
  });
  return order;
}

bool isIdentity(ArrayRef<unsigned> order) {
  for (unsigned i = 0; i < order.size(); ++i)
    if (order[i] != i)
      return false;
  return true;
}

struct OrderDeallocsPass
    : kiln::impl::OrderDeallocsBase<OrderDeallocsPass> {
  void runOnOperation() override {
    // Where each value is defined, in program order.
    DenseMap<Value, unsigned> key;
    unsigned next = 0;
    getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) {
      for (Region &r : op->getRegions())
        for (Block &b : r)
          for (BlockArgument a : b.getArguments())
            key[a] = next++;
      for (Value v : op->getResults())
        key[v] = next++;
    });
    SmallVector<bufferization::DeallocOp> deallocs;
    getOperation()->walk(
        [&](bufferization::DeallocOp d) { deallocs.push_back(d); });
    OpBuilder b(&getContext());
    for (bufferization::DeallocOp d : deallocs) {
      SmallVector<unsigned> m = sortedPositions(d.getMemrefs(), key);
      SmallVector<unsigned> r = sortedPositions(d.getRetained(), key);
      if (isIdentity(m) && isIdentity(r))
        continue;
      SmallVector<Value> memrefs, conditions, retained;
      for (unsigned i : m) {
        memrefs.push_back(d.getMemrefs()[i]);
        conditions.push_back(d.getConditions()[i]);
      }
      for (unsigned i : r)
        retained.push_back(d.getRetained()[i]);
      b.setInsertionPoint(d);
      auto sorted = bufferization::DeallocOp::create(b, d.getLoc(), memrefs,
                                                     conditions, retained);
      // Result k of the old op belongs to retained value k, now at the
      // position where r holds k.
      for (auto [pos, old] : llvm::enumerate(r))
        d.getUpdatedConditions()[old].replaceAllUsesWith(
            sorted.getUpdatedConditions()[pos]);
      d.erase();
    }
    // The conditions were computed in the old order: move each one used
    // only by its dealloc next to it, in the dealloc's order.
    getOperation()->walk([&](bufferization::DeallocOp d) {
      for (Value c : d.getConditions()) {
        Operation *def = c.getDefiningOp();
        if (def && def->getBlock() == d->getBlock() && c.hasOneUse() &&
            def->getNumResults() == 1 && isPure(def))
          def->moveBefore(d);
      }
    });
    // Runs of independent deallocs (one per buffer, after simplification)
    // in program order of their first buffer.
    getOperation()->walk([&](Block *block) {
      SmallVector<bufferization::DeallocOp> run;
      auto flush = [&] {
        if (run.size() > 1)
          orderRun(run, key);
        run.clear();
      };
      for (Operation &op : *block) {
        if (auto d = dyn_cast<bufferization::DeallocOp>(op))
          run.push_back(d);
        else
          flush();
      }
      flush();
    });
  }

  static void orderRun(SmallVector<bufferization::DeallocOp> &run,
                       const DenseMap<Value, unsigned> &key) {
    llvm::SmallPtrSet<Operation *, 8> inRun;
    for (auto d : run)
      inRun.insert(d);
    for (auto d : run)
      for (Value v : d->getOperands())
        if (Operation *def = v.getDefiningOp(); def && inRun.count(def))
          return; // One depends on another: leave the run as it is.
    auto first = [&](bufferization::DeallocOp d) {
      return d.getMemrefs().empty() ? ~0u : key.lookup(d.getMemrefs()[0]);
    };
    SmallVector<bufferization::DeallocOp> sorted(run);
    llvm::stable_sort(sorted, [&](auto a, auto b) { return first(a) < first(b); });
    Operation *anchor = run.back()->getNextNode();
    for (auto d : sorted)
      d->moveBefore(anchor);
  }
};

} // namespace
