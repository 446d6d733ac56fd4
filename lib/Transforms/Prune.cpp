//===- Prune.cpp - Keep what a Session.run needs
//---------------------------===//
#include "kiln/Transforms/Passes.h"
#include "kiln/Transforms/SessionForm.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringMap.h"

namespace kiln {
#define GEN_PASS_DEF_GRAPHPRUNE
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::graph;
using kiln::splitTensorName;

namespace {

struct GraphPrunePass : kiln::impl::GraphPruneBase<GraphPrunePass> {
  using GraphPruneBase::GraphPruneBase;

  void runOnOperation() override {
    GraphOp graph = getOperation();
    llvm::StringMap<Operation *> byName;
    for (Operation &op : graph.getBlock())
      if (isNode(&op))
        byName[getNodeName(&op)] = &op;

    auto lookup = [&](StringRef tensor, bool isTarget,
                      StringRef what) -> FailureOr<Value> {
      auto [name, k] = splitTensorName(tensor);
      auto it = byName.find(isTarget ? tensor : name);
      if (it == byName.end()) {
        graph.emitError() << what << " '" << tensor
                          << "' names no node in the graph";
        return failure();
      }
      Operation *op = it->second;
      if (isTarget)
        return getControlResult(op);
      if (k >= getDataResults(op).size()) {
        graph.emitError() << what << " '" << tensor << "': node '" << name
                          << "' has " << getDataResults(op).size()
                          << " outputs";
        return failure();
      }
      return op->getResult(k);
    };

    DenseSet<Value> fed;
    for (const std::string &f : feeds) {
      FailureOr<Value> v = lookup(f, false, "feed");
      if (failed(v))
        return signalPassFailure();
      fed.insert(*v);
    }
    SmallVector<Operation *> worklist;
    for (const std::string &f : fetches) {
      FailureOr<Value> v = lookup(f, false, "fetch");
      if (failed(v))
        return signalPassFailure();
      if (!fed.contains(*v))
        worklist.push_back(v->getDefiningOp());
    }
    for (const std::string &t : targets) {
      FailureOr<Value> v = lookup(t, true, "target");
      if (failed(v))
        return signalPassFailure();
      worklist.push_back(v->getDefiningOp());
    }

    llvm::SetVector<Operation *> keep;
    while (!worklist.empty()) {
      Operation *op = worklist.pop_back_val();
      if (!keep.insert(op))
        continue;
      for (Value v : op->getOperands()) {
        Operation *producer = v.getDefiningOp();
        // A fed placeholder is exactly what feeding is for: keep it.
        if (!fed.contains(v) || isa<PlaceholderOp, PlaceholderV2Op>(producer))
          worklist.push_back(producer);
      }
    }

    // A fed tensor whose producer is not kept becomes a placeholder.
    OpBuilder b(graph.getContext());
    b.setInsertionPointToStart(&graph.getBlock());
    for (Value v : fed) {
      Operation *producer = v.getDefiningOp();
      if (keep.contains(producer) || v.use_empty())
        continue;
      bool usedByKept = llvm::any_of(
          v.getUsers(), [&](Operation *user) { return keep.contains(user); });
      if (!usedByKept)
        continue;
      auto type = cast<TensorType>(v.getType());
      std::string name = (getNodeName(producer) + "/feed_" +
                          Twine(cast<OpResult>(v).getResultNumber()))
                             .str();
      auto ph = PlaceholderOp::create(
          b, producer->getLoc(),
          TypeRange{type, ControlType::get(b.getContext())}, ValueRange{},
          b.getNamedAttr("name", b.getStringAttr(name)));
      ph.setDtype(stripRef(type.getElementType()));
      v.replaceUsesWithIf(ph.getResult(0), [&](OpOperand &use) {
        return keep.contains(use.getOwner());
      });
      keep.insert(ph);
    }

    // Erase the rest; drop references first, since a graph region may have
    // cycles and uses in any order.
    SmallVector<Operation *> dead;
    for (Operation &op : graph.getBlock())
      if (!keep.contains(&op))
        dead.push_back(&op);
    for (Operation *op : dead)
      op->dropAllReferences();
    for (Operation *op : dead)
      op->erase();
  }
};

} // namespace
