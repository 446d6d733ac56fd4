//===- GraphToLinalg.cpp - Lowering session functions ---------------------===//
//
// The driver: turns each session function into `func @NAME(%call)` by
// emitting, node after node in the function's order, the code the node's
// lowering produces; plus the helpers every lowering shares.
//
//===----------------------------------------------------------------------===//
#include "Lowering.h"
#include "kiln/runtime/OpLibrary.h"

#include "kiln/Transforms/SessionForm.h"

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/BuiltinTypes.h"

namespace kiln {
#define GEN_PASS_DEF_CONVERTGRAPHTOLINALG
#include "kiln/Conversion/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::graph;

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

Type kiln::loweredElementType(Type t) {
  if (auto i = dyn_cast<IntegerType>(t))
    return IntegerType::get(t.getContext(), i.getWidth());
  if (isa<FloatType>(t))
    return t;
  return Type();
}

bool kiln::isUnsignedInt(Type t) {
  auto i = dyn_cast<IntegerType>(t);
  return i && i.isUnsigned();
}

Type NodeLowering::graphElementType(Value v) {
  return stripRef(cast<TensorType>(v.getType()).getElementType());
}

FailureOr<RankedTensorType> NodeLowering::loweredType(Operation *op,
                                                      Type graphType) {
  auto t = cast<TensorType>(graphType);
  Type elem = loweredElementType(stripRef(t.getElementType()));
  if (!elem) {
    (void)unsupported(op,
                      "tensors of dtype " +
                          elementTypeToString(stripRef(t.getElementType())) +
                          " are not supported in compiled code yet");
    return failure();
  }
  auto ranked = dyn_cast<RankedTensorType>(t);
  if (!ranked) {
    (void)unsupported(op, "the shape (rank) of a tensor is unknown at "
                          "compile time; give the graph shapes (e.g. the "
                          "queue's `shapes`, the placeholder's `shape`)");
    return failure();
  }
  return RankedTensorType::get(ranked.getShape(), elem);
}

FailureOr<RankedTensorType> NodeLowering::resultType(Operation *op,
                                                     unsigned k) {
  return loweredType(op, op->getResult(k).getType());
}

LogicalResult NodeLowering::unsupported(Operation *op, const Twine &msg) {
  return op->emitError() << "Unimplemented: node '" << getNodeName(op) << "' ("
                         << getNodeOpType(op) << "): " << msg;
}

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

FailureOr<int64_t> NodeLowering::slotOfNode(Operation *op) {
  auto it = slots.find(getNodeName(op));
  if (it == slots.end()) {
    (void)unsupported(op, "has no resource slot (the module's "
                          "graph.resources does not name it)");
    return failure();
  }
  return it->second;
}

FailureOr<int64_t> NodeLowering::slotOperand(Operation *op, unsigned i) {
  Value v = getDataOperands(op)[i];
  auto it = slotValues.find(v);
  if (it == slotValues.end()) {
    (void)unsupported(op, "input " + Twine(i) +
                              " is not a variable or queue the compiled code "
                              "can resolve");
    return failure();
  }
  return it->second;
}

FailureOr<Value> NodeLowering::tensorOf(Value v) {
  if (auto it = values.find(v); it != values.end())
    return it->second;
  Operation *producer = v.getDefiningOp();
  auto s = slotValues.find(v);
  if (s == slotValues.end() || !producer)
    return failure();
  // A ref read where the value is used: the variable as it is now.
  FailureOr<RankedTensorType> type = loweredType(producer, v.getType());
  if (failed(type))
    return failure();
  Value read =
      rt::ReadOp::create(b, loc(), runtimeType(*type), frame, s->second);
  return fromRuntime(read, graphElementType(v));
}

FailureOr<Value> NodeLowering::tensor(Operation *op, unsigned i) {
  Value v = getDataOperands(op)[i];
  if (opaqueValues.count(v)) {
    (void)unsupported(op, "input " + Twine(i) +
                              " has a shape unknown at compile time; give "
                              "the graph shapes (e.g. the queue's `shapes`)");
    return failure();
  }
  FailureOr<Value> t = tensorOf(v);
  if (failed(t))
    (void)unsupported(op, "input " + Twine(i) + " has no tensor value");
  return t;
}

LogicalResult NodeLowering::forward(Operation *op, unsigned i, unsigned k) {
  Value v = getDataOperands(op)[i];
  if (auto it = opaqueValues.find(v); it != opaqueValues.end()) {
    opaqueValues[op->getResult(k)] = it->second;
    return success();
  }
  FailureOr<Value> t = tensor(op, i);
  if (failed(t))
    return failure();
  setTensor(op, k, *t);
  return success();
}

FailureOr<Value> NodeLowering::runtimeValueOf(Value v, int32_t &dtype) {
  dtype = dtypeNumber(graphElementType(v));
  if (auto it = opaqueValues.find(v); it != opaqueValues.end())
    return it->second;
  FailureOr<Value> t = tensorOf(v);
  if (failed(t))
    return failure();
  return toRuntime(*t);
}

FailureOr<Value> NodeLowering::runtimeOperand(Operation *op, unsigned i,
                                              int32_t &dtype) {
  Value v = getDataOperands(op)[i];
  if (opaqueValues.count(v))
    return runtimeValueOf(v, dtype);
  FailureOr<Value> t = tensor(op, i);
  if (failed(t))
    return failure();
  dtype = dtypeNumber(graphElementType(v));
  return toRuntime(*t);
}

//===----------------------------------------------------------------------===//
// Constants and shapes
//===----------------------------------------------------------------------===//

Value NodeLowering::i64(int64_t v) {
  return arith::ConstantIntOp::create(b, loc(), b.getI64Type(), v);
}
Value NodeLowering::i32(int32_t v) {
  return arith::ConstantIntOp::create(b, loc(), b.getI32Type(), v);
}
Value NodeLowering::index(int64_t v) {
  return arith::ConstantIndexOp::create(b, loc(), v);
}
Value NodeLowering::dim(Value t, int64_t d) {
  return tensor::DimOp::create(b, loc(), t, d);
}

SmallVector<Value> NodeLowering::dynamicSizes(RankedTensorType type,
                                              Value like) {
  SmallVector<Value> sizes;
  for (auto [d, size] : llvm::enumerate(type.getShape()))
    if (ShapedType::isDynamic(size))
      sizes.push_back(dim(like, d));
  return sizes;
}

std::optional<SmallVector<int64_t>> NodeLowering::constInts(Operation *op,
                                                            unsigned i) {
  Operation *producer = getDataOperands(op)[i].getDefiningOp();
  if (!producer || getNodeOpType(producer) != "Const")
    return std::nullopt;
  auto attr =
      dyn_cast_or_null<DenseIntElementsAttr>(producer->getAttr("value"));
  if (!attr)
    return std::nullopt;
  SmallVector<int64_t> out;
  for (const APInt &v : attr.getValues<APInt>())
    out.push_back(v.getSExtValue());
  return out;
}

//===----------------------------------------------------------------------===//
// Runtime values
//===----------------------------------------------------------------------===//

int32_t kiln::dtypeNumber(Type graphElem) {
  return static_cast<int32_t>(elementTypeToDtype(graphElem).value_or(0));
}

namespace {
/// Bools are one byte in TF tensors; compiled code computes on i1.
Value convertBools(OpBuilder &b, Location loc, Value t, bool toBytes) {
  auto type = cast<RankedTensorType>(t.getType());
  Type to = toBytes ? b.getI8Type() : b.getI1Type();
  auto outType = RankedTensorType::get(type.getShape(), to);
  SmallVector<Value> sizes;
  for (auto [d, size] : llvm::enumerate(type.getShape()))
    if (ShapedType::isDynamic(size))
      sizes.push_back(tensor::DimOp::create(b, loc, t, d));
  Value init = tensor::EmptyOp::create(b, loc, outType, sizes);
  auto map = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<utils::IteratorType> iters(type.getRank(),
                                         utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, outType, t, init, ArrayRef<AffineMap>{map, map}, iters,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Value r;
               if (toBytes) {
                 r = arith::ExtUIOp::create(nb, l, to, args[0]);
               } else {
                 Value zero =
                     arith::ConstantIntOp::create(nb, l, nb.getI8Type(), 0);
                 r = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ne,
                                           args[0], zero);
               }
               linalg::YieldOp::create(nb, l, r);
             })
      .getResult(0);
}
} // namespace

RankedTensorType NodeLowering::runtimeType(RankedTensorType type) {
  if (!type.getElementType().isInteger(1))
    return type;
  return RankedTensorType::get(type.getShape(),
                               IntegerType::get(type.getContext(), 8));
}

Value NodeLowering::toRuntime(Value t) {
  auto type = cast<RankedTensorType>(t.getType());
  return type.getElementType().isInteger(1)
             ? convertBools(b, loc(), t, /*toBytes=*/true)
             : t;
}

Value NodeLowering::fromRuntime(Value t, Type graphElem) {
  auto type = cast<RankedTensorType>(t.getType());
  return graphElem.isInteger(1) && type.getElementType().isInteger(8)
             ? convertBools(b, loc(), t, /*toBytes=*/false)
             : t;
}

FailureOr<SmallVector<Type>> NodeLowering::runtimeResultTypes(Operation *op) {
  SmallVector<Type> types;
  for (Value r : getDataResults(op)) {
    auto ranked = dyn_cast<RankedTensorType>(r.getType());
    if (!ranked || !loweredElementType(graphElementType(r))) {
      types.push_back(rt::ValueType::get(b.getContext()));
      continue;
    }
    FailureOr<RankedTensorType> type = loweredType(op, r.getType());
    if (failed(type))
      return failure();
    types.push_back(runtimeType(*type));
  }
  return types;
}

void NodeLowering::setRuntimeResults(Operation *op, ValueRange results) {
  for (auto [k, v] : llvm::enumerate(results)) {
    if (isa<rt::ValueType>(v.getType())) {
      setOpaque(op, k, v);
      continue;
    }
    setTensor(op, k, fromRuntime(v, graphElementType(op->getResult(k))));
  }
}

//===----------------------------------------------------------------------===//
// Element-wise ops with TF broadcasting
//===----------------------------------------------------------------------===//

FailureOr<Value> NodeLowering::elementwise(
    Operation *op, ValueRange inputs, RankedTensorType outType,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  int64_t rank = outType.getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps;
  // For each output dim, the size known at run time (filled lazily).
  SmallVector<Value> outSizes(rank);
  for (Value in : inputs) {
    auto t = cast<RankedTensorType>(in.getType());
    int64_t r = t.getRank();
    if (r > rank) {
      (void)unsupported(op, "input of rank " + Twine(r) +
                                " does not broadcast to the output's rank " +
                                Twine(rank));
      return failure();
    }
    SmallVector<AffineExpr> exprs;
    for (int64_t j = 0; j < r; ++j) {
      int64_t od = j + rank - r;
      int64_t inSize = t.getDimSize(j), outSize = outType.getDimSize(od);
      if (inSize == 1 && outSize != 1) {
        exprs.push_back(getAffineConstantExpr(0, ctx));
        continue;
      }
      exprs.push_back(getAffineDimExpr(od, ctx));
      if (inSize == 1)
        continue;
      // This input's size at `od` must agree with what an earlier input or
      // the static type said; checked at run time unless both are static.
      Value size = ShapedType::isDynamic(inSize) ? dim(in, j) : index(inSize);
      Value expected = outSizes[od];
      if (!expected && !ShapedType::isDynamic(outSize))
        expected = index(outSize);
      bool bothStatic =
          ShapedType::isStatic(inSize) && ShapedType::isStatic(outSize);
      if (expected && !bothStatic)
        rt::CheckDimsOp::create(b, loc(), frame, expected, size);
      if (!outSizes[od])
        outSizes[od] = size;
    }
    maps.push_back(AffineMap::get(rank, 0, exprs, ctx));
  }
  SmallVector<Value> dynSizes;
  for (int64_t d = 0; d < rank; ++d)
    if (outType.isDynamicDim(d)) {
      if (!outSizes[d]) {
        (void)unsupported(op, "output dim " + Twine(d) +
                                  " has no input to take its size from");
        return failure();
      }
      dynSizes.push_back(outSizes[d]);
    }
  Value init = tensor::EmptyOp::create(b, loc(), outType, dynSizes);
  maps.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc(), outType, inputs, init, maps, iters,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        linalg::YieldOp::create(nb, l, body(nb, l, args.drop_back()));
      });
  return generic.getResult(0);
}

//===----------------------------------------------------------------------===//
// Driver
//===----------------------------------------------------------------------===//

const NodeLoweringTable &kiln::defaultNodeLowerings() {
  static const NodeLoweringTable table = [] {
    NodeLoweringTable t;
    populateElementwiseLowerings(t);
    populateArrayLowerings(t);
    populateNNLowerings(t);
    populateStateLowerings(t);
    populateTrainingLowerings(t);
    populateKernelLowerings(t);
    return t;
  }();
  return table;
}

/// ExpandDims/Squeeze/Reshape/Pack/ConcatV2/Shape/Size/Rank whose data
/// input (any input, for Pack and ConcatV2) is a runtime value.
static bool isShapeOpOnRuntimeValues(NodeLowering &l, Operation *op) {
  StringRef t = getNodeOpType(op);
  auto operands = getDataOperands(op);
  if (operands.empty())
    return false;
  if (t == "Pack" || t == "ConcatV2")
    return llvm::any_of(operands, [&](Value v) { return l.isOpaque(v); });
  return (t == "ExpandDims" || t == "Squeeze" || t == "Reshape" ||
          t == "Shape" || t == "Size" || t == "Rank") &&
         l.isOpaque(operands[0]);
}

static LogicalResult lowerFunction(func::FuncOp fn, ModuleOp module,
                                   const llvm::StringMap<int64_t> &slots,
                                   const NodeLoweringTable &table) {
  // Every node must have a lowering: say which one does not, once.
  for (Operation &op : fn.getBody().front().without_terminator()) {
    if (!isNode(&op))
      return op.emitError() << "Internal: unexpected op in a session function";
    if (!table.count(getNodeOpType(&op)) && !isCustomOpNode(&op)) {
      InFlightDiagnostic d = op.emitError()
                             << "Unimplemented: node '" << getNodeName(&op)
                             << "' (" << getNodeOpType(&op)
                             << "): no CPU lowering for op type "
                             << getNodeOpType(&op);
      if (isa<GenericNodeOp>(&op) && !customOps().empty())
        d << " (no loaded op library declares it)";
      return d;
    }
  }

  OpBuilder b(fn);
  auto frameType = rt::FrameType::get(b.getContext());
  auto lowered = func::FuncOp::create(b, fn.getLoc(), fn.getName(),
                                      b.getFunctionType({frameType}, {}));
  for (StringRef attr : {kSignatureAttrName.data(), "llvm.emit_c_interface"})
    if (Attribute a = fn->getAttr(attr))
      lowered->setAttr(attr, a);
  // The fetched tensor names, for the runtime's table.
  SmallVector<Attribute> fetchNames, feedNames;
  for (unsigned i = 0; i < fn.getNumResults(); ++i)
    fetchNames.push_back(fn.getResultAttr(i, kFetchAttrName));
  for (unsigned i = 0; i < fn.getNumArguments(); ++i)
    feedNames.push_back(fn.getArgAttr(i, kFeedAttrName));
  lowered->setAttr("graph.fetches", b.getArrayAttr(fetchNames));
  lowered->setAttr("graph.feeds", b.getArrayAttr(feedNames));
  lowered->setAttr("graph.feed_types",
                   b.getTypeArrayAttr(fn.getArgumentTypes()));
  Block *entry = lowered.addEntryBlock();
  b.setInsertionPointToStart(entry);
  auto ret = func::ReturnOp::create(b, fn.getLoc());
  b.setInsertionPoint(ret);

  NodeLowering l(b, entry->getArgument(0), module, slots);
  for (auto [i, arg] : llvm::enumerate(fn.getArguments())) {
    auto type = dyn_cast<RankedTensorType>(arg.getType());
    Type elem = type ? loweredElementType(type.getElementType()) : Type();
    if (!type || !elem) {
      // Unknown rank, or strings: the value can be passed on, not computed
      // with (a clear error says so where it is).
      l.setOpaqueValue(arg,
                       rt::FeedOp::create(b, fn.getLoc(),
                                          rt::ValueType::get(b.getContext()),
                                          l.frame, static_cast<int64_t>(i)));
      continue;
    }
    auto feedType =
        NodeLowering::runtimeType(RankedTensorType::get(type.getShape(), elem));
    Value feed = rt::FeedOp::create(b, fn.getLoc(), feedType, l.frame,
                                    static_cast<int64_t>(i));
    l.setTensor(arg, l.fromRuntime(feed, type.getElementType()));
  }
  Operation *returnOp = fn.getBody().front().getTerminator();
  for (Operation &op : fn.getBody().front().without_terminator()) {
    l.setNode(&op);
    // Shape ops on values only the runtime holds (strings: file names,
    // serialized records) are the runtime's to do.
    NodeLowerFn lower = table.lookup(getNodeOpType(&op));
    if (!lower && isCustomOpNode(&op))
      lower = lowerKernelCall;
    if (isShapeOpOnRuntimeValues(l, &op))
      lower = lowerKernelCall;
    if (failed(lower(l, &op)))
      return failure();
  }
  for (auto [i, v] : llvm::enumerate(returnOp->getOperands())) {
    int32_t dtype = 0;
    FailureOr<Value> value = l.runtimeValueOf(v, dtype);
    if (failed(value))
      return returnOp->emitError()
             << "Unimplemented: fetch " << fn.getResultAttr(i, kFetchAttrName)
             << " has no tensor value in compiled code";
    rt::FetchOp::create(b, returnOp->getLoc(), l.frame, *value,
                        static_cast<int64_t>(i), dtype);
  }
  fn.erase();
  return success();
}

LogicalResult kiln::lowerSessionFunctions(ModuleOp module,
                                          const NodeLoweringTable &table) {
  llvm::StringMap<int64_t> slots;
  if (auto names = module->getAttrOfType<ArrayAttr>(kResourcesAttrName))
    for (auto [i, n] : llvm::enumerate(names))
      slots[cast<StringAttr>(n).getValue()] = static_cast<int64_t>(i);
  SmallVector<func::FuncOp> fns;
  for (auto fn : module.getOps<func::FuncOp>())
    if (fn->hasAttr(kSignatureAttrName) && !fn.isExternal() &&
        !fn->hasAttr("graph.fetches"))
      fns.push_back(fn);
  for (func::FuncOp fn : fns)
    if (failed(lowerFunction(fn, module, slots, table)))
      return failure();
  return success();
}

namespace {
struct ConvertGraphToLinalgPass
    : kiln::impl::ConvertGraphToLinalgBase<ConvertGraphToLinalgPass> {
  void runOnOperation() override {
    if (failed(lowerSessionFunctions(getOperation(), defaultNodeLowerings())))
      signalPassFailure();
  }
};
} // namespace
