//===- State.cpp - Variables, queues, random ops: runtime calls -----------===//
//
// Nodes that touch session state become runtime (`kiln_rt`) ops, by
// resource slot: a variable or queue node itself emits nothing but records
// its slot; reads, assigns, enqueues and dequeues name it. Values the
// runtime hands back (a dequeued element, a random tensor) are checked
// against the shapes the compiled code assumed (part of each op's
// semantics).
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
  int32_t dtype = 0;
  FailureOr<int64_t> slot = l.slotOperand(op, 0);
  if (failed(slot))
    return failure();
  FailureOr<Value> value = l.runtimeOperand(op, 1, dtype);
  if (failed(value))
    return failure();
  rt::AssignOp::create(l.b, l.loc(), l.frame, *value, *slot,
                       static_cast<int32_t>(mode),
                       boolAttrOf(op, "validate_shape", true), dtype);
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
  Value read = rt::ReadOp::create(
      l.b, l.loc(), NodeLowering::runtimeType(*type), l.frame, *slot);
  l.setTensor(
      op, 0,
      l.fromRuntime(read, NodeLowering::graphElementType(op->getResult(0))));
  return success();
}

LogicalResult lowerEnqueue(NodeLowering &l, Operation *op) {
  FailureOr<int64_t> slot = l.slotOperand(op, 0);
  if (failed(slot))
    return failure();
  unsigned n = getDataOperands(op).size() - 1;
  SmallVector<Value> values;
  SmallVector<int32_t> dtypes;
  for (unsigned i = 1; i <= n; ++i) {
    int32_t dtype = 0;
    FailureOr<Value> v = l.runtimeOperand(op, i, dtype);
    if (failed(v))
      return failure();
    values.push_back(*v);
    dtypes.push_back(dtype);
  }
  bool many = getNodeOpType(op).contains("Many");
  rt::EnqueueOp::create(l.b, l.loc(), l.frame, values, *slot, many,
                        intAttrOf(op, "timeout_ms", -1), dtypes);
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
  Value n;
  if (mode != DequeueMode::kOne) {
    FailureOr<Value> count = l.tensor(op, 1);
    if (failed(count))
      return failure();
    n = tensor::ExtractOp::create(l.b, l.loc(), *count, ValueRange{});
    n = arith::ExtSIOp::create(l.b, l.loc(), l.b.getI64Type(), n);
  }
  // Components of unknown rank (or strings) stay runtime values: fetch or
  // enqueue them only.
  FailureOr<SmallVector<Type>> types = l.runtimeResultTypes(op);
  if (failed(types))
    return failure();
  auto dequeue = rt::DequeueOp::create(l.b, l.loc(), *types, l.frame, n, *slot,
                                       static_cast<int32_t>(mode),
                                       intAttrOf(op, "timeout_ms", -1));
  l.setRuntimeResults(op, dequeue.getResults());
  return success();
}

/// A scalar i32/i1 result made from a runtime op's answer.
void setScalar(NodeLowering &l, Operation *op, Value v) {
  auto type = RankedTensorType::get({}, v.getType());
  l.setTensor(op, 0, tensor::FromElementsOp::create(l.b, l.loc(), type, v));
}

LogicalResult lowerQueueSize(NodeLowering &l, Operation *op) {
  FailureOr<int64_t> slot = l.slotOperand(op, 0);
  if (failed(slot))
    return failure();
  setScalar(
      l, op,
      rt::QueueSizeOp::create(l.b, l.loc(), l.b.getI32Type(), l.frame, *slot));
  return success();
}

LogicalResult lowerQueueIsClosed(NodeLowering &l, Operation *op) {
  FailureOr<int64_t> slot = l.slotOperand(op, 0);
  if (failed(slot))
    return failure();
  setScalar(l, op,
            rt::QueueIsClosedOp::create(l.b, l.loc(), l.b.getI1Type(), l.frame,
                                        *slot));
  return success();
}

LogicalResult lowerQueueClose(NodeLowering &l, Operation *op) {
  FailureOr<int64_t> slot = l.slotOperand(op, 0);
  if (failed(slot))
    return failure();
  rt::QueueCloseOp::create(l.b, l.loc(), l.frame, *slot,
                           boolAttrOf(op, "cancel_pending_enqueues", false));
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
  Value random = rt::RandomOp::create(
      l.b, l.loc(), *type, l.frame, *shape, /*skip=*/Value(), *slot,
      static_cast<int32_t>(dist), dtypeNumber(elem),
      dtypeNumber(NodeLowering::graphElementType(getDataOperands(op)[0])));
  l.setTensor(op, 0, random);
  return success();
}

/// Summary ops: the runtime serializes the Summary proto; the result is a
/// string value the code passes on (to MergeSummary, to a fetch).
LogicalResult lowerSummary(NodeLowering &l, Operation *op) {
  StringRef t = getNodeOpType(op);
  unsigned n = getDataOperands(op).size();
  SmallVector<Value> inputs;
  SmallVector<int32_t> dtypes;
  for (unsigned i = 0; i < n; ++i) {
    int32_t dtype = 0;
    FailureOr<Value> v = l.runtimeOperand(op, i, dtype);
    if (failed(v))
      return failure();
    inputs.push_back(*v);
    dtypes.push_back(dtype);
  }
  auto valueType = rt::ValueType::get(l.b.getContext());
  Value summary;
  if (t == "MergeSummary") {
    summary = rt::MergeSummaryOp::create(l.b, l.loc(), valueType, l.frame,
                                         inputs, dtypes);
  } else {
    if (inputs.size() != 2)
      return l.unsupported(op, "expects two inputs (tags, values)");
    summary =
        rt::SummaryOp::create(l.b, l.loc(), valueType, l.frame, inputs[0],
                              inputs[1], t == "ScalarSummary" ? 0 : 1, dtypes);
  }
  l.setOpaque(op, 0, summary);
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
