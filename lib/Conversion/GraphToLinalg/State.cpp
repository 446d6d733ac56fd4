//===- State.cpp - Variables, queues, random ops: runtime calls -----------===//
//
// Nodes that touch session state become calls into the runtime, by resource
// slot: a variable or queue node itself emits nothing but records its slot;
// reads, assigns, enqueues and dequeues call the runtime with it. Values the
// runtime hands back (a dequeued element, a random tensor) are checked
// against the shapes the compiled code assumed.
//
//===----------------------------------------------------------------------===//
#include "Lowering.h"

#include "kiln/runtime/CompiledAbi.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::graph;

namespace {

LogicalResult lowerResourceNode(NodeLowering &l, Operation *op) {
  FailureOr<int64_t> slot = l.slotOfNode(op);
  if (failed(slot))
    return failure();
  l.setSlot(op, 0, *slot);
  return success();
}

LogicalResult lowerNoOp(NodeLowering &, Operation *) { return success(); }

/// Assign / AssignAdd / AssignSub (ref variables) and the *VariableOp forms
/// (resource variables).
LogicalResult lowerAssign(NodeLowering &l, Operation *op) {
  StringRef t = getNodeOpType(op);
  AssignMode mode = t.contains("Add")   ? AssignMode::kAdd
                    : t.contains("Sub") ? AssignMode::kSub
                                        : AssignMode::kAssign;
  FailureOr<int64_t> slot = l.slotOperand(op, 0);
  if (failed(slot) || failed(l.pushOperand(op, 1)))
    return failure();
  bool validate = boolAttrOf(op, "validate_shape", true);
  l.guardNonZero(l.callRuntime(
      "kiln_rt_assign", l.b.getI32Type(),
      {l.i64(*slot), l.i32(static_cast<int32_t>(mode)), l.i32(validate)}));
  // The ref output (Assign's output_ref) names the same variable.
  if (!getDataResults(op).empty())
    l.setSlot(op, 0, *slot);
  return success();
}

LogicalResult lowerReadVariable(NodeLowering &l, Operation *op) {
  FailureOr<int64_t> slot = l.slotOperand(op, 0);
  FailureOr<RankedTensorType> type = l.resultType(op, 0);
  if (failed(slot) || failed(type))
    return failure();
  Value idx = l.callRuntime("kiln_rt_read", l.b.getI64Type(), {l.i64(*slot)});
  l.guardNonNegative(idx);
  l.checkShape(idx, *type, *slot);
  l.setTensor(op, 0,
              l.importValue(idx, *type,
                            NodeLowering::graphElementType(op->getResult(0))));
  return success();
}

LogicalResult lowerEnqueue(NodeLowering &l, Operation *op) {
  FailureOr<int64_t> slot = l.slotOperand(op, 0);
  if (failed(slot))
    return failure();
  unsigned n = getDataOperands(op).size() - 1;
  for (unsigned i = 1; i <= n; ++i)
    if (failed(l.pushOperand(op, i)))
      return failure();
  bool many = getNodeOpType(op).contains("Many");
  l.guardNonZero(l.callRuntime("kiln_rt_enqueue", l.b.getI32Type(),
                               {l.i64(*slot), l.i64(n), l.i32(many),
                                l.i64(intAttrOf(op, "timeout_ms", -1))}));
  return success();
}

LogicalResult lowerDequeue(NodeLowering &l, Operation *op) {
  FailureOr<int64_t> slot = l.slotOperand(op, 0);
  if (failed(slot))
    return failure();
  StringRef t = getNodeOpType(op);
  DequeueMode mode = t.contains("Many")   ? DequeueMode::kMany
                     : t.contains("UpTo") ? DequeueMode::kUpTo
                                          : DequeueMode::kOne;
  Value n = l.i64(0);
  if (mode != DequeueMode::kOne) {
    FailureOr<Value> count = l.tensor(op, 1);
    if (failed(count))
      return failure();
    n = l.b.create<tensor::ExtractOp>(l.loc(), *count, ValueRange{});
    n = l.b.create<arith::ExtSIOp>(l.loc(), l.b.getI64Type(), n);
  }
  // Components of unknown rank (or strings) stay runtime values: fetch or
  // enqueue them only.
  FailureOr<SmallVector<RankedTensorType>> types = l.runtimeResultTypes(op);
  if (failed(types))
    return failure();
  Value first = l.callRuntime("kiln_rt_dequeue", l.b.getI64Type(),
                              {l.i64(*slot), l.i32(static_cast<int32_t>(mode)),
                               n, l.i64(intAttrOf(op, "timeout_ms", -1))});
  l.guardNonNegative(first);
  l.setRuntimeResults(op, first, *types, *slot);
  return success();
}

/// A scalar i32/i1 result made from a runtime call's answer.
void setScalar(NodeLowering &l, Operation *op, Value v) {
  auto type = RankedTensorType::get({}, v.getType());
  l.setTensor(op, 0, l.b.create<tensor::FromElementsOp>(l.loc(), type, v));
}

LogicalResult lowerQueueSize(NodeLowering &l, Operation *op) {
  FailureOr<int64_t> slot = l.slotOperand(op, 0);
  if (failed(slot))
    return failure();
  setScalar(
      l, op,
      l.callRuntime("kiln_rt_queue_size", l.b.getI32Type(), {l.i64(*slot)}));
  return success();
}

LogicalResult lowerQueueIsClosed(NodeLowering &l, Operation *op) {
  FailureOr<int64_t> slot = l.slotOperand(op, 0);
  if (failed(slot))
    return failure();
  Value v = l.callRuntime("kiln_rt_queue_is_closed", l.b.getI32Type(),
                          {l.i64(*slot)});
  setScalar(l, op,
            l.b.create<arith::CmpIOp>(l.loc(), arith::CmpIPredicate::ne, v,
                                      l.i32(0)));
  return success();
}

LogicalResult lowerQueueClose(NodeLowering &l, Operation *op) {
  FailureOr<int64_t> slot = l.slotOperand(op, 0);
  if (failed(slot))
    return failure();
  bool cancel = boolAttrOf(op, "cancel_pending_enqueues", false);
  l.guardNonZero(l.callRuntime("kiln_rt_queue_close", l.b.getI32Type(),
                               {l.i64(*slot), l.i32(cancel)}));
  return success();
}

LogicalResult lowerRandom(NodeLowering &l, Operation *op) {
  FailureOr<int64_t> slot = l.slotOfNode(op);
  FailureOr<Value> shape = l.tensor(op, 0);
  FailureOr<RankedTensorType> type = l.resultType(op, 0);
  if (failed(slot) || failed(shape) || failed(type))
    return failure();
  StringRef t = getNodeOpType(op);
  RandomDist dist = t == "RandomUniform"          ? RandomDist::kUniform
                    : t == "RandomStandardNormal" ? RandomDist::kNormal
                                                  : RandomDist::kTruncated;
  Type elem = NodeLowering::graphElementType(op->getResult(0));
  l.pushArg(*shape, NodeLowering::graphElementType(getDataOperands(op)[0]));
  Value idx = l.callRuntime("kiln_rt_random", l.b.getI64Type(),
                            {l.i64(*slot), l.i32(static_cast<int32_t>(dist)),
                             l.i32(elementTypeToDtype(elem).value_or(0))});
  l.guardNonNegative(idx);
  l.checkShape(idx, *type, *slot);
  l.setTensor(op, 0, l.importValue(idx, *type, elem));
  return success();
}

/// Summary ops: the runtime serializes the Summary proto; the result is a
/// string value the code passes on (to MergeSummary, to a fetch).
LogicalResult lowerSummary(NodeLowering &l, Operation *op) {
  StringRef t = getNodeOpType(op);
  unsigned n = getDataOperands(op).size();
  for (unsigned i = 0; i < n; ++i)
    if (failed(l.pushOperand(op, i)))
      return failure();
  Value idx =
      t == "MergeSummary"
          ? l.callRuntime("kiln_rt_merge_summary", l.b.getI64Type(), {l.i64(n)})
          : l.callRuntime("kiln_rt_summary", l.b.getI64Type(),
                          {l.i32(t == "ScalarSummary" ? 0 : 1)});
  l.guardNonNegative(idx);
  l.setOpaque(op, 0, idx);
  return success();
}

} // namespace

void kiln::populateStateLowerings(NodeLoweringTable &table) {
  for (const char *t : {"ScalarSummary", "HistogramSummary", "MergeSummary"})
    table[t] = lowerSummary;
  for (const char *t :
       {"VariableV2", "Variable", "VarHandleOp", "FIFOQueueV2", "FIFOQueue",
        "RandomShuffleQueueV2", "RandomShuffleQueue", "PaddingFIFOQueueV2",
        "PaddingFIFOQueue", "PriorityQueueV2", "PriorityQueue",
        "TFRecordReaderV2", "TFRecordReader"})
    table[t] = lowerResourceNode;
  table["NoOp"] = lowerNoOp;
  for (const char *t : {"Assign", "AssignAdd", "AssignSub", "AssignVariableOp",
                        "AssignAddVariableOp", "AssignSubVariableOp"})
    table[t] = lowerAssign;
  table["ReadVariableOp"] = lowerReadVariable;
  for (const char *t : {"QueueEnqueueV2", "QueueEnqueue", "QueueEnqueueManyV2",
                        "QueueEnqueueMany"})
    table[t] = lowerEnqueue;
  for (const char *t :
       {"QueueDequeueV2", "QueueDequeue", "QueueDequeueManyV2",
        "QueueDequeueMany", "QueueDequeueUpToV2", "QueueDequeueUpTo"})
    table[t] = lowerDequeue;
  for (const char *t : {"QueueSizeV2", "QueueSize"})
    table[t] = lowerQueueSize;
  for (const char *t : {"QueueIsClosedV2", "QueueIsClosed"})
    table[t] = lowerQueueIsClosed;
  for (const char *t : {"QueueCloseV2", "QueueClose"})
    table[t] = lowerQueueClose;
  for (const char *t :
       {"RandomUniform", "RandomStandardNormal", "TruncatedNormal"})
    table[t] = lowerRandom;
}
