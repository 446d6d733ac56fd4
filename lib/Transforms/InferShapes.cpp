//===- InferShapes.cpp - Static shape inference for graph nodes -----------===//
//
// A driver over the op rule table (kiln/Transforms/OpRules.h): each op
// type's shape function computes its outputs' shapes from its inputs'
// result types, attrs and constant inputs; the result is met with what the
// IR already says. A worklist runs rules until nothing changes (graph
// regions have no order). Op types without a shape function keep the
// result types they were imported with.
//
//===----------------------------------------------------------------------===//
#include "kiln/Transforms/OpRules.h"
#include "kiln/Transforms/Passes.h"

#include "llvm/ADT/SetVector.h"

namespace kiln {
#define GEN_PASS_DEF_GRAPHINFERSHAPES
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::graph;

namespace {

/// The more precise of two shapes, or nullopt if they contradict.
std::optional<Shape> meet(const Shape &a, const Shape &b) {
  if (!a.ranked)
    return b;
  if (!b.ranked)
    return a;
  if (a.dims.size() != b.dims.size())
    return std::nullopt;
  Shape out = a;
  for (size_t k = 0; k < a.dims.size(); ++k) {
    if (a.dims[k] >= 0 && b.dims[k] >= 0 && a.dims[k] != b.dims[k])
      return std::nullopt;
    if (out.dims[k] < 0)
      out.dims[k] = b.dims[k];
  }
  return out;
}

} // namespace

LogicalResult kiln::inferNodeShapes(Block &block) {
  const OpRuleTable &table = defaultOpRules();
  llvm::SetVector<Operation *> worklist;
  for (Operation &op : block)
    worklist.insert(&op);
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (!isNode(op))
      continue;
    const OpRules *rules = table.lookup(getNodeOpType(op));
    ShapeFn shape = rules ? rules->shape : nullptr;
    if (!shape && isa<GenericNodeOp>(op))
      shape = customOpShapes;
    if (!shape)
      continue;
    ShapeResult r = shape(ShapeContext(op));
    if (!r.error.empty()) {
      op->emitError() << "InvalidArgument: node '" << getNodeName(op) << "' ("
                      << getNodeOpType(op) << "): " << r.error;
      return failure();
    }
    ResultRange results = getDataResults(op);
    if (r.outputs.size() != results.size())
      continue;
    for (auto [k, v] : llvm::enumerate(results)) {
      Shape current = Shape::ofValue(v);
      std::optional<Shape> m = meet(current, r.outputs[k]);
      if (!m) {
        op->emitError() << "InvalidArgument: node '" << getNodeName(op) << "' ("
                        << getNodeOpType(op) << "): output " << k
                        << " has shape " << r.outputs[k].str()
                        << " but the graph declares " << current.str()
                        << " (_output_shapes)";
        return failure();
      }
      if (*m == current)
        continue;
      SmallVector<int64_t> dims;
      for (int64_t d : m->dims)
        dims.push_back(d < 0 ? ShapedType::kDynamic : d);
      Type elem = cast<TensorType>(v.getType()).getElementType();
      v.setType(m->ranked ? Type(RankedTensorType::get(dims, elem))
                          : Type(UnrankedTensorType::get(elem)));
      for (Operation *user : v.getUsers()) {
        worklist.insert(user);
        // Ops whose rules read this user's inputs too (a queue's dequeues
        // read its enqueues').
        if (!isNode(user))
          continue;
        const OpRules *userRules = table.lookup(getNodeOpType(user));
        if (!userRules || !userRules->shapeDependents)
          continue;
        SmallVector<Operation *> dependents;
        userRules->shapeDependents(user, dependents);
        for (Operation *d : dependents)
          worklist.insert(d);
      }
    }
  }
  return success();
}

namespace {
struct GraphInferShapesPass
    : kiln::impl::GraphInferShapesBase<GraphInferShapesPass> {
  void runOnOperation() override {
    if (failed(kiln::inferNodeShapes(getOperation().getBlock())))
      signalPassFailure();
  }
};
} // namespace
