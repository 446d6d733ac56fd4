//===- CSE.cpp - Merge identical pure nodes --------------------------------===//
//
// MLIR's CSE cannot see these as equal (each node has its own name), and
// must not: only pure TF ops may merge. Nodes are keyed by op type, inputs and
// attrs without the naming ones; repeated until nothing merges, since a merge
// can make consumers identical.
//
//===----------------------------------------------------------------------===//
#include "kiln/Transforms/Passes.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/Hashing.h"

namespace kiln {
#define GEN_PASS_DEF_GRAPHCSE
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::graph;

namespace {

bool ignoredForEquality(StringRef name) {
  // Which nodes a node came from (TF 2.x debug info) does not change what it
  // computes.
  return name == "name" || name == "_output_shapes" || name == "_class" ||
         name == kExperimentalDebugInfoAttrName;
}

SmallVector<NamedAttribute> keyAttrs(Operation *op) {
  SmallVector<NamedAttribute> attrs;
  for (NamedAttribute a : op->getAttrDictionary())
    if (!ignoredForEquality(a.getName().getValue()))
      attrs.push_back(a);
  return attrs;
}

struct NodeKey {
  Operation *op;
};

struct NodeKeyInfo : llvm::DenseMapInfo<NodeKey> {
  static NodeKey getEmptyKey() {
    return {llvm::DenseMapInfo<Operation *>::getEmptyKey()};
  }
  static NodeKey getTombstoneKey() {
    return {llvm::DenseMapInfo<Operation *>::getTombstoneKey()};
  }
  static bool isSentinel(const NodeKey &k) {
    return k.op == getEmptyKey().op || k.op == getTombstoneKey().op;
  }
  static unsigned getHashValue(const NodeKey &k) {
    llvm::hash_code h = llvm::hash_value(k.op->getName().getAsOpaquePointer());
    for (Value v : k.op->getOperands())
      h = llvm::hash_combine(h, v.getAsOpaquePointer());
    for (NamedAttribute a : keyAttrs(k.op))
      h = llvm::hash_combine(h, a.getName().getAsOpaquePointer(),
                             a.getValue().getAsOpaquePointer());
    for (Type t : k.op->getResultTypes())
      h = llvm::hash_combine(h, t.getAsOpaquePointer());
    return h;
  }
  static bool isEqual(const NodeKey &a, const NodeKey &b) {
    if (isSentinel(a) || isSentinel(b))
      return a.op == b.op;
    return a.op->getName() == b.op->getName() &&
           a.op->getOperands() == b.op->getOperands() &&
           a.op->getResultTypes() == b.op->getResultTypes() &&
           keyAttrs(a.op) == keyAttrs(b.op);
  }
};

struct GraphCSEPass : kiln::impl::GraphCSEBase<GraphCSEPass> {
  using GraphCSEBase::GraphCSEBase;

  void runOnOperation() override {
    GraphOp graph = getOperation();
    std::set<std::string> kept = kiln::collectMetaGraphNodeNames(graph);
    kept.insert(keep.begin(), keep.end());
    bool changed = true;
    while (changed) {
      changed = false;
      llvm::DenseMap<NodeKey, Operation *, NodeKeyInfo> seen;
      SmallVector<Operation *> nodes;
      for (Operation &op : graph.getBlock())
        nodes.push_back(&op);
      for (Operation *op : nodes) {
        const OpDefInfo *def = getNodeOpDef(op);
        if (!def || !def->isPure())
          continue;
        auto [it, inserted] = seen.try_emplace(NodeKey{op}, op);
        if (inserted || kept.count(getNodeName(op).str()))
          continue;
        op->replaceAllUsesWith(it->second);
        op->erase();
        changed = true;
      }
    }
  }
};

} // namespace
