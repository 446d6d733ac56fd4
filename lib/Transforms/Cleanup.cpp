//===- Cleanup.cpp - Bypass Identity, dissolve NoOp ------------------------===//
#include "kiln/Transforms/Passes.h"

namespace kiln {
#define GEN_PASS_DEF_GRAPHCLEANUP
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::graph;

namespace {

/// Replaces, in every user, the control operand `token` by `replacements`.
void replaceControlUses(Value token, ValueRange replacements) {
  SmallVector<Operation *> users(token.getUsers());
  for (Operation *user : users) {
    SmallVector<Value> ctls;
    for (Value c : getControlOperands(user)) {
      if (c == token)
        ctls.append(replacements.begin(), replacements.end());
      else
        ctls.push_back(c);
    }
    setControlOperands(user, ctls);
  }
}

struct GraphCleanupPass : kiln::impl::GraphCleanupBase<GraphCleanupPass> {
  using GraphCleanupBase::GraphCleanupBase;

  void runOnOperation() override {
    GraphOp graph = getOperation();
    std::set<std::string> kept = kiln::collectMetaGraphNodeNames(graph);
    kept.insert(keep.begin(), keep.end());
    SmallVector<Operation *> nodes;
    for (Operation &op : graph.getBlock())
      nodes.push_back(&op);
    for (Operation *op : nodes) {
      if (kept.count(getNodeName(op).str()))
        continue;
      // A node nobody consumes is what a run fetches or targets: keep it.
      if (op->use_empty())
        continue;
      if (auto id = dyn_cast<IdentityOp>(op)) {
        Value in = id.getInput();
        if (!getControlOperands(op).empty() ||
            in.getType() != id.getOutput().getType())
          continue;
        // Waiting on the identity meant waiting for its input to exist.
        replaceControlUses(getControlResult(op),
                           getControlResult(in.getDefiningOp()));
        id.getOutput().replaceAllUsesWith(in);
        op->erase();
        continue;
      }
      if (isa<NoOpOp>(op)) {
        SmallVector<Value> waits(getControlOperands(op));
        replaceControlUses(getControlResult(op), waits);
        op->erase();
      }
    }
  }
};

} // namespace
