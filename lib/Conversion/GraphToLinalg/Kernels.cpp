//===- Kernels.cpp - Ops the runtime computes: one kernel call each -------===//
//
// Ops on strings, protos and files (readers, Example parsing, DecodeRaw)
// and a few stateful odds and ends (Assert, CountUpTo, RandomShuffle) are
// not worth generating code for: each becomes one `kiln_rt.kernel` op
// carrying the node's serialized NodeDef, so the runtime builds the node's
// kernel from its attrs (runtime/include/kiln/runtime/
// HostKernel.h). Variable, queue and reader inputs go by slot; the other
// inputs as tensors or the runtime values they already are. Results the
// compiled code can compute with (numbers of known rank) come back as
// tensors viewed in place, checked against the static dims the compiler
// assumed; the rest (strings) stay runtime values to pass on.
//
// The same path will serve custom ops (S9): a kernel library registers its
// kernels with the runtime, and the compiler lowers the op here.
//
//===----------------------------------------------------------------------===//
#include "Lowering.h"

#include "kiln/Export/ExportGraphDef.h"
#include "kiln/Transforms/SessionForm.h"
#include "kiln/proto/graph.pb.h"
#include "kiln/runtime/OpLibrary.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::graph;

namespace {

/// Whether data operand `i` is a ref input in the op's definition (where
/// the op has no variadic input before it).
bool isRefInput(Operation *op, unsigned i) {
  const OpDefInfo *def = getNodeOpDef(op);
  if (!def && isCustomOpNode(op)) {
    // An op library's op: by its declaration.
    const CustomOpDef *custom = findCustomOp(getNodeOpType(op).str());
    for (auto [k, arg] : llvm::enumerate(custom->inputs)) {
      if (!arg.numberAttr.empty() || !arg.typeListAttr.empty())
        return false;
      if (k == i)
        return arg.isRef;
    }
    return false;
  }
  if (!def)
    return false;
  for (auto [k, arg] : llvm::enumerate(def->getInputs())) {
    if (arg.isVariadic())
      return false;
    if (k == i)
      return arg.isRef;
  }
  return false;
}

bool isResourceValue(Value v) {
  auto t = dyn_cast<TensorType>(v.getType());
  return t && isa<ResourceType>(t.getElementType());
}

} // namespace

bool kiln::isCustomOpNode(Operation *op) {
  return isa<GenericNodeOp>(op) &&
         findCustomOp(getNodeOpType(op).str()) != nullptr;
}

LogicalResult kiln::lowerKernelCall(NodeLowering &l, Operation *op) {
  tensorflow::NodeDef node;
  std::string error;
  if (failed(exportNodeDef(op, node, error, /*withInputs=*/false)))
    return l.unsupported(op, error);
  std::string bytes;
  if (!serializeDeterministically(node, bytes))
    return l.unsupported(op, "could not serialize the node");

  auto operands = getDataOperands(op);
  SmallVector<Value> inputs;
  SmallVector<int64_t> inputSlots;
  SmallVector<int32_t> dtypes;
  for (unsigned i = 0; i < operands.size(); ++i) {
    Value v = operands[i];
    std::optional<int64_t> slot = l.slotIfAny(v);
    if (slot && (isResourceValue(v) || isRefInput(op, i))) {
      inputSlots.push_back(*slot);
      continue;
    }
    int32_t dtype = 0;
    FailureOr<Value> input = l.runtimeOperand(op, i, dtype);
    if (failed(input))
      return failure();
    inputs.push_back(*input);
    inputSlots.push_back(-1);
    dtypes.push_back(dtype);
  }
  FailureOr<SmallVector<Type>> types = l.runtimeResultTypes(op);
  if (failed(types))
    return failure();
  std::optional<int64_t> own;
  if (isResourceNode(op)) {
    FailureOr<int64_t> slot = l.slotOfNode(op);
    if (failed(slot))
      return failure();
    own = *slot;
  }
  auto kernel = rt::KernelOp::create(l.b, l.loc(), *types, l.frame, inputs,
                                     l.b.getStringAttr(bytes), inputSlots,
                                     own.value_or(-1), dtypes);
  l.setRuntimeResults(op, kernel.getResults());
  return success();
}

void kiln::populateKernelLowerings(NodeLoweringTable &table) {
  for (const char *t :
       {"Assert", "CountUpTo", "RandomShuffle", "ReaderReadV2", "ReaderRead",
        "ReaderReadUpToV2", "ReaderReadUpTo", "ReaderNumRecordsProducedV2",
        "ReaderNumRecordsProduced", "ReaderNumWorkUnitsCompletedV2",
        "ReaderNumWorkUnitsCompleted", "ReaderResetV2", "ReaderReset",
        "ParseSingleExample", "ParseExample", "DecodeRaw"})
    table[t] = lowerKernelCall;
}
