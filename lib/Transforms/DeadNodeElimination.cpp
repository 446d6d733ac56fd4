//===- DeadNodeElimination.cpp - Remove unused pure nodes -----------------===//
#include "kiln/Transforms/Passes.h"

namespace kiln {
#define GEN_PASS_DEF_GRAPHDEADNODEELIMINATION
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::graph;

namespace {

struct GraphDcePass
    : kiln::impl::GraphDeadNodeEliminationBase<GraphDcePass> {
  using GraphDeadNodeEliminationBase::GraphDeadNodeEliminationBase;

  void runOnOperation() override {
    GraphOp graph = getOperation();
    std::set<std::string> protectedNames =
        kiln::collectMetaGraphNodeNames(graph);
    protectedNames.insert(keep.begin(), keep.end());
    auto removable = [&](Operation *op) {
      if (!isNode(op) || !op->use_empty())
        return false;
      const OpDefInfo *def = getNodeOpDef(op);
      if (!def || !def->isPure())
        return false;
      // A node without data outputs (a NoOp grouping `init` or a train op)
      // exists to be run as a target.
      if (getDataResults(op).empty())
        return false;
      return !protectedNames.count(getNodeName(op).str());
    };
    // Erasing a node can make its producers dead: walk a worklist.
    SmallVector<Operation *> worklist;
    for (Operation &op : graph.getBlock())
      worklist.push_back(&op);
    DenseSet<Operation *> erased;
    while (!worklist.empty()) {
      Operation *op = worklist.pop_back_val();
      if (erased.contains(op) || !removable(op))
        continue;
      SmallVector<Operation *> producers;
      for (Value v : op->getOperands())
        if (Operation *p = v.getDefiningOp())
          producers.push_back(p);
      erased.insert(op);
      op->erase();
      worklist.append(producers);
    }
  }
};

} // namespace
