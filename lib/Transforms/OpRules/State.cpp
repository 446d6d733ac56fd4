//===- State.cpp - Rules of variables, queues and random ops --------------===//
//
// Variables take their shape from the `shape` attr, resource reads from
// their handle's; dequeues from the queue's `shapes` attr or, without one,
// from what the queue's enqueue ops put in. Handles, sizes and the ops
// without outputs have generic shape functions in the op table. Nothing
// here folds: these ops are stateful.
//
//===----------------------------------------------------------------------===//
#include "Rules.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::graph;
using namespace kiln::rules;

namespace {

const llvm::StringLiteral kEnqueueOps[] = {
    "QueueEnqueueV2", "QueueEnqueue", "QueueEnqueueManyV2", "QueueEnqueueMany"};

bool isEnqueue(StringRef t) { return llvm::is_contained(kEnqueueOps, t); }

ShapeResult variableShape(const ShapeContext &ctx) {
  return ShapeResult::single(Shape::fromAttr(ctx.attr("shape")));
}

/// The shape the resource variable's VarHandleOp declares.
ShapeResult readVariableShape(const ShapeContext &ctx) {
  Operation *handle = ctx.inputs()[0].getDefiningOp();
  if (!handle || !isNode(handle) || getNodeOpType(handle) != "VarHandleOp")
    return ShapeResult::single(Shape::unknown());
  return ShapeResult::single(Shape::fromAttr(handle->getAttr("shape")));
}

/// A queue declared without `shapes` still holds elements of the shapes its
/// enqueue ops give it: where the enqueue ops of known rank agree, that
/// shape (a dim they disagree on is unknown). Compiled dequeues check the
/// shape at run time, so a guess that turns out wrong is an error, not a
/// wrong answer.
SmallVector<Shape> elementShapesFromEnqueues(Value queue, unsigned n) {
  SmallVector<Shape> out(n, Shape::unknown());
  bool first = true;
  for (Operation *user : queue.getUsers()) {
    if (!isNode(user) || !isEnqueue(getNodeOpType(user)))
      continue;
    OperandRange comps = getDataOperands(user).drop_front();
    if (comps.size() != n)
      return SmallVector<Shape>(n, Shape::unknown());
    bool many = getNodeOpType(user).contains("Many");
    // An enqueue of unknown rank says nothing (often it is a value computed
    // from this very queue's dequeue); dequeue checks at run time.
    if (llvm::any_of(comps, [](Value c) { return !Shape::ofValue(c).ranked; }))
      continue;
    for (unsigned k = 0; k < n; ++k) {
      Shape s = Shape::ofValue(comps[k]);
      if (many) {
        if (s.dims.empty())
          return SmallVector<Shape>(n, Shape::unknown());
        s.dims.erase(s.dims.begin());
      }
      if (first) {
        out[k] = s;
        continue;
      }
      // Enqueue ops that disagree leave the dims (or rank) unknown.
      if (!out[k].ranked || !s.ranked || out[k].dims.size() != s.dims.size()) {
        out[k] = Shape::unknown();
        continue;
      }
      for (size_t d = 0; d < s.dims.size(); ++d)
        if (out[k].dims[d] != s.dims[d])
          out[k].dims[d] = -1;
    }
    first = false;
  }
  return out;
}

/// Dequeues: the queue's `shapes` attr (or its enqueues' shapes), with the
/// batch dim in front for DequeueMany (the constant count) and DequeueUpTo
/// (unknown).
ShapeResult dequeueShape(const ShapeContext &ctx) {
  StringRef t = ctx.opType();
  Operation *queue = ctx.inputs()[0].getDefiningOp();
  auto shapes =
      queue ? dyn_cast_or_null<ArrayAttr>(queue->getAttr("shapes")) : nullptr;
  ShapeResult r;
  unsigned n = ctx.numOutputs();
  std::optional<SmallVector<int64_t>> count;
  bool many = t.contains("Many") || t.contains("UpTo");
  if (many)
    count = ctx.constInts(1);
  SmallVector<Shape> fromEnqueues;
  if (!shapes || shapes.size() != n)
    fromEnqueues = elementShapesFromEnqueues(ctx.inputs()[0], n);
  for (unsigned k = 0; k < n; ++k) {
    Shape s = shapes && shapes.size() == n ? Shape::fromAttr(shapes[k])
                                           : fromEnqueues[k];
    if (many && s.ranked)
      s.dims.insert(
          s.dims.begin(),
          t.contains("Many") && count && count->size() == 1 ? (*count)[0] : -1);
    r.outputs.push_back(s);
  }
  return r;
}

/// An enqueue's inputs are what its queue's dequeues infer from.
void enqueueDependents(Operation *op, SmallVectorImpl<Operation *> &out) {
  for (Operation *user : getDataOperands(op)[0].getUsers())
    out.push_back(user);
}

ShapeResult randomShape(const ShapeContext &ctx) {
  return shapeFromShapeInput(ctx, 0);
}

} // namespace

void kiln::populateStateOpRules(OpRuleTable &table) {
  constexpr OpFamily family = OpFamily::State;
  table.addShapeFn(family, {"VariableV2", "Variable"}, variableShape);
  table.addShapeFn(family, {"ReadVariableOp"}, readVariableShape);
  table.addShapeFn(family,
                   {"QueueDequeueV2", "QueueDequeue", "QueueDequeueManyV2",
                    "QueueDequeueMany", "QueueDequeueUpToV2",
                    "QueueDequeueUpTo"},
                   dequeueShape);
  SmallVector<StringRef> enqueueOps(std::begin(kEnqueueOps),
                                    std::end(kEnqueueOps));
  table.addShapeDependents(enqueueOps, enqueueDependents);
  table.addShapeFn(family,
                   {"RandomUniform", "RandomStandardNormal", "TruncatedNormal",
                    "RandomUniformInt"},
                   randomShape);
}
