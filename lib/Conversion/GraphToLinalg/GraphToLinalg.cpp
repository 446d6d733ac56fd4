//===- GraphToLinalg.cpp - Lowering session functions ---------------------===//
//
// The driver: turns each session function into `func @NAME(%call)` by
// emitting, node after node in the function's order, the code the node's
// lowering produces; plus the helpers every lowering shares.
//
//===----------------------------------------------------------------------===//
#include "Lowering.h"

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
  Value index = callRuntime("kiln_rt_read", b.getI64Type(), {i64(s->second)});
  guardNonNegative(index);
  checkShape(index, *type, s->second);
  return importValue(index, *type, graphElementType(v));
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

LogicalResult NodeLowering::pushValue(Value v) {
  if (auto it = opaqueValues.find(v); it != opaqueValues.end()) {
    callRuntime("kiln_rt_arg_value", Type(), {it->second});
    return success();
  }
  FailureOr<Value> t = tensorOf(v);
  if (failed(t))
    return failure();
  pushArg(*t, graphElementType(v));
  return success();
}

LogicalResult NodeLowering::pushOperand(Operation *op, unsigned i) {
  Value v = getDataOperands(op)[i];
  if (opaqueValues.count(v))
    return pushValue(v);
  FailureOr<Value> t = tensor(op, i);
  if (failed(t))
    return failure();
  pushArg(*t, graphElementType(v));
  return success();
}

//===----------------------------------------------------------------------===//
// Constants and shapes
//===----------------------------------------------------------------------===//

Value NodeLowering::i64(int64_t v) {
  return b.create<arith::ConstantIntOp>(loc(), b.getI64Type(), v);
}
Value NodeLowering::i32(int32_t v) {
  return b.create<arith::ConstantIntOp>(loc(), b.getI32Type(), v);
}
Value NodeLowering::index(int64_t v) {
  return b.create<arith::ConstantIndexOp>(loc(), v);
}
Value NodeLowering::dim(Value t, int64_t d) {
  return b.create<tensor::DimOp>(loc(), t, d);
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
// Runtime calls
//===----------------------------------------------------------------------===//

Value NodeLowering::callRuntime(StringRef name, Type result, ValueRange args) {
  SmallVector<Value> operands{call};
  operands.append(args.begin(), args.end());
  SmallVector<Type> results;
  if (result)
    results.push_back(result);
  auto fn = module.lookupSymbol<func::FuncOp>(name);
  if (!fn) {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(module.getBody());
    fn = b.create<func::FuncOp>(
        module.getLoc(), name,
        b.getFunctionType(ValueRange(operands).getTypes(), results));
    fn.setPrivate();
    if (isa_and_nonnull<MemRefType>(result))
      fn->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  }
  auto c = b.create<func::CallOp>(loc(), fn, operands);
  return result ? c.getResult(0) : Value();
}

void NodeLowering::guard(Value ok) {
  auto ifOp = b.create<scf::IfOp>(loc(), ok, /*withElseRegion=*/false);
  b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
}

void NodeLowering::guardNonNegative(Value v) {
  Value zero = b.create<arith::ConstantIntOp>(loc(), v.getType(), 0);
  guard(b.create<arith::CmpIOp>(loc(), arith::CmpIPredicate::sge, v, zero));
}

void NodeLowering::guardNonZero(Value v) {
  Value zero = b.create<arith::ConstantIntOp>(loc(), v.getType(), 0);
  guard(b.create<arith::CmpIOp>(loc(), arith::CmpIPredicate::ne, v, zero));
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
      sizes.push_back(b.create<tensor::DimOp>(loc, t, d));
  Value init = b.create<tensor::EmptyOp>(loc, outType, sizes);
  auto map = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<utils::IteratorType> iters(type.getRank(),
                                         utils::IteratorType::parallel);
  return b
      .create<linalg::GenericOp>(
          loc, outType, t, init, ArrayRef<AffineMap>{map, map}, iters,
          [&](OpBuilder &nb, Location l, ValueRange args) {
            Value r;
            if (toBytes) {
              r = nb.create<arith::ExtUIOp>(l, to, args[0]);
            } else {
              Value zero =
                  nb.create<arith::ConstantIntOp>(l, nb.getI8Type(), 0);
              r = nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::ne, args[0],
                                           zero);
            }
            nb.create<linalg::YieldOp>(l, r);
          })
      .getResult(0);
}
} // namespace

void NodeLowering::pushArg(Value t, Type graphElem) {
  auto type = cast<RankedTensorType>(t.getType());
  if (type.getElementType().isInteger(1)) {
    t = convertBools(b, loc(), t, /*toBytes=*/true);
    type = cast<RankedTensorType>(t.getType());
  }
  auto memType = MemRefType::get(type.getShape(), type.getElementType());
  Value buf = b.create<bufferization::ToBufferOp>(loc(), memType, t,
                                                  /*read_only=*/true);
  Value ptr = b.create<memref::ExtractAlignedPointerAsIndexOp>(loc(), buf);
  ptr = b.create<arith::IndexCastOp>(loc(), b.getI64Type(), ptr);
  int64_t rank = type.getRank();
  auto dimsType = MemRefType::get({std::max<int64_t>(rank, 1)}, b.getI64Type());
  Value dims = b.create<memref::AllocaOp>(loc(), dimsType);
  for (int64_t d = 0; d < rank; ++d) {
    Value size = b.create<arith::IndexCastOp>(loc(), b.getI64Type(), dim(t, d));
    b.create<memref::StoreOp>(loc(), size, dims, ValueRange{index(d)});
  }
  Value dimsPtr = b.create<memref::ExtractAlignedPointerAsIndexOp>(loc(), dims);
  dimsPtr = b.create<arith::IndexCastOp>(loc(), b.getI64Type(), dimsPtr);
  int dtype = elementTypeToDtype(graphElem).value_or(0);
  callRuntime("kiln_rt_arg", Type(), {i32(dtype), ptr, i64(rank), dimsPtr});
}

Value NodeLowering::runtimeBytes(Value idx) {
  // The runtime keeps the value alive until the run ends; the memref is
  // built from its address (not returned by a call, which would make the
  // deallocation pipeline free it as the caller's).
  MLIRContext *ctx = b.getContext();
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  Type i64Type = b.getI64Type();
  auto arrayType = LLVM::LLVMArrayType::get(i64Type, 1);
  auto descType = LLVM::LLVMStructType::getLiteral(
      ctx, {ptrType, ptrType, i64Type, arrayType, arrayType});
  Value addr = callRuntime("kiln_rt_data", i64Type, {idx});
  Value bytes = callRuntime("kiln_rt_bytes", i64Type, {idx});
  Value ptr = b.create<LLVM::IntToPtrOp>(loc(), ptrType, addr);
  Value desc = b.create<LLVM::PoisonOp>(loc(), descType);
  desc = b.create<LLVM::InsertValueOp>(loc(), desc, ptr, ArrayRef<int64_t>{0});
  desc = b.create<LLVM::InsertValueOp>(loc(), desc, ptr, ArrayRef<int64_t>{1});
  desc =
      b.create<LLVM::InsertValueOp>(loc(), desc, i64(0), ArrayRef<int64_t>{2});
  desc = b.create<LLVM::InsertValueOp>(loc(), desc, bytes,
                                       ArrayRef<int64_t>{3, 0});
  desc = b.create<LLVM::InsertValueOp>(loc(), desc, i64(1),
                                       ArrayRef<int64_t>{4, 0});
  auto bytesType = MemRefType::get({ShapedType::kDynamic}, b.getI8Type());
  return b.create<UnrealizedConversionCastOp>(loc(), bytesType, desc)
      .getResult(0);
}

Value NodeLowering::importValue(Value idx, RankedTensorType type,
                                Type graphElem) {
  (void)graphElem;
  Value buf = runtimeBytes(idx);
  SmallVector<Value> sizes;
  for (auto [d, size] : llvm::enumerate(type.getShape()))
    if (ShapedType::isDynamic(size)) {
      Value s = callRuntime("kiln_rt_dim", b.getI64Type(),
                            {idx, i64(static_cast<int64_t>(d))});
      sizes.push_back(b.create<arith::IndexCastOp>(loc(), b.getIndexType(), s));
    }
  bool isBool = type.getElementType().isInteger(1);
  Type elem = isBool ? b.getI8Type() : type.getElementType();
  auto viewType = MemRefType::get(type.getShape(), elem);
  Value view = b.create<memref::ViewOp>(loc(), viewType, buf, index(0), sizes);
  auto tensorType = RankedTensorType::get(type.getShape(), elem);
  Value t = b.create<bufferization::ToTensorOp>(loc(), tensorType, view,
                                                /*restrict=*/true,
                                                /*writable=*/false);
  return isBool ? convertBools(b, loc(), t, /*toBytes=*/false) : t;
}

FailureOr<SmallVector<RankedTensorType>>
NodeLowering::runtimeResultTypes(Operation *op) {
  SmallVector<RankedTensorType> types;
  for (Value r : getDataResults(op)) {
    auto ranked = dyn_cast<RankedTensorType>(r.getType());
    if (!ranked || !loweredElementType(graphElementType(r))) {
      types.push_back(nullptr);
      continue;
    }
    FailureOr<RankedTensorType> type = loweredType(op, r.getType());
    if (failed(type))
      return failure();
    types.push_back(*type);
  }
  return types;
}

void NodeLowering::setRuntimeResults(Operation *op, Value first,
                                     ArrayRef<RankedTensorType> types,
                                     int64_t slot) {
  for (auto [k, type] : llvm::enumerate(types)) {
    Value idx =
        b.create<arith::AddIOp>(loc(), first, i64(static_cast<int64_t>(k)));
    if (!type) {
      setOpaque(op, k, idx);
      continue;
    }
    checkShape(idx, type, slot);
    setTensor(op, k,
              importValue(idx, type, graphElementType(op->getResult(k))));
  }
}

Value NodeLowering::constantBytes(StringRef symPrefix, StringRef bytes) {
  std::string data = bytes.str();
  if (data.empty())
    data.push_back(0);
  auto memType =
      MemRefType::get({static_cast<int64_t>(data.size())}, b.getI8Type());
  std::string name;
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(module.getBody());
    for (int k = 0;; ++k) {
      name = (symPrefix + "_" + Twine(k)).str();
      if (!module.lookupSymbol(name))
        break;
    }
    auto init = DenseElementsAttr::get(
        RankedTensorType::get(memType.getShape(), b.getI8Type()),
        ArrayRef<int8_t>(reinterpret_cast<const int8_t *>(data.data()),
                         data.size()));
    b.create<memref::GlobalOp>(loc(), name, b.getStringAttr("private"), memType,
                               init, /*constant=*/true, IntegerAttr());
  }
  Value global = b.create<memref::GetGlobalOp>(loc(), memType, name);
  Value ptr = b.create<memref::ExtractAlignedPointerAsIndexOp>(loc(), global);
  return b.create<arith::IndexCastOp>(loc(), b.getI64Type(), ptr);
}

void NodeLowering::checkShape(Value idx, RankedTensorType type, int64_t slot) {
  int64_t rank = type.getRank();
  auto dimsType = MemRefType::get({std::max<int64_t>(rank, 1)}, b.getI64Type());
  Value dims = b.create<memref::AllocaOp>(loc(), dimsType);
  for (int64_t d = 0; d < rank; ++d) {
    int64_t size = type.getDimSize(d);
    b.create<memref::StoreOp>(loc(),
                              i64(ShapedType::isDynamic(size) ? -1 : size),
                              dims, ValueRange{index(d)});
  }
  Value ptr = b.create<memref::ExtractAlignedPointerAsIndexOp>(loc(), dims);
  ptr = b.create<arith::IndexCastOp>(loc(), b.getI64Type(), ptr);
  guardNonZero(callRuntime("kiln_rt_check_shape", b.getI32Type(),
                           {idx, i64(rank), ptr, i64(slot)}));
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
      if (expected && !bothStatic) {
        Value same = b.create<arith::CmpIOp>(loc(), arith::CmpIPredicate::eq,
                                             size, expected);
        auto ifOp = b.create<scf::IfOp>(loc(), same, /*withElse=*/true);
        {
          OpBuilder::InsertionGuard g(b);
          b.setInsertionPoint(ifOp.elseBlock()->getTerminator());
          Value a64 =
              b.create<arith::IndexCastOp>(loc(), b.getI64Type(), expected);
          Value b64 = b.create<arith::IndexCastOp>(loc(), b.getI64Type(), size);
          callRuntime("kiln_rt_incompatible_shapes", b.getI32Type(),
                      {a64, b64});
        }
        guard(same);
      }
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
  Value init = b.create<tensor::EmptyOp>(loc(), outType, dynSizes);
  maps.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  auto generic = b.create<linalg::GenericOp>(
      loc(), outType, inputs, init, maps, iters,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        nb.create<linalg::YieldOp>(l, body(nb, l, args.drop_back()));
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
    if (!table.count(getNodeOpType(&op)))
      return op.emitError()
             << "Unimplemented: node '" << getNodeName(&op) << "' ("
             << getNodeOpType(&op) << "): no CPU lowering for op type "
             << getNodeOpType(&op);
  }

  OpBuilder b(fn);
  auto ptrType = LLVM::LLVMPointerType::get(b.getContext());
  auto lowered = b.create<func::FuncOp>(fn.getLoc(), fn.getName(),
                                        b.getFunctionType({ptrType}, {}));
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
  auto ret = b.create<func::ReturnOp>(fn.getLoc());
  b.setInsertionPoint(ret);

  NodeLowering l(b, entry->getArgument(0), module, slots);
  for (auto [i, arg] : llvm::enumerate(fn.getArguments())) {
    auto type = dyn_cast<RankedTensorType>(arg.getType());
    Type elem = type ? loweredElementType(type.getElementType()) : Type();
    Value idx = l.callRuntime("kiln_rt_feed", b.getI64Type(),
                              {l.i64(static_cast<int64_t>(i))});
    if (!type || !elem) {
      // Unknown rank, or strings: the value can be passed on, not computed
      // with (a clear error says so where it is).
      l.setOpaqueValue(arg, idx);
      continue;
    }
    l.setTensor(arg,
                l.importValue(idx, RankedTensorType::get(type.getShape(), elem),
                              type.getElementType()));
  }
  Operation *returnOp = fn.getBody().front().getTerminator();
  for (Operation &op : fn.getBody().front().without_terminator()) {
    l.setNode(&op);
    // Shape ops on values only the runtime holds (strings: file names,
    // serialized records) are the runtime's to do.
    NodeLowerFn lower = table.lookup(getNodeOpType(&op));
    if (isShapeOpOnRuntimeValues(l, &op))
      lower = lowerKernelCall;
    if (failed(lower(l, &op)))
      return failure();
  }
  for (auto [i, v] : llvm::enumerate(returnOp->getOperands())) {
    if (failed(l.pushValue(v)))
      return returnOp->emitError()
             << "Unimplemented: fetch " << fn.getResultAttr(i, kFetchAttrName)
             << " has no tensor value in compiled code";
    l.callRuntime("kiln_rt_fetch", b.getI32Type(),
                  {l.i64(static_cast<int64_t>(i))});
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
