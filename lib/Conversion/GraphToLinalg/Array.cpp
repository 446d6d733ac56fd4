//===- Array.cpp - Constants and shape ops to tensor/linalg ---------------===//
#include "Lowering.h"

#include "mlir/IR/AffineMap.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::graph;

namespace {

/// A string constant: its bytes (each element as an 8-byte length and its
/// characters) in a global, made a runtime value the code can pass on
/// (summary tags, file names, checkpoint keys).
LogicalResult lowerStringConst(NodeLowering &l, Operation *op,
                               DenseStringElementsAttr attr) {
  std::string bytes;
  for (StringRef s : attr.getRawStringData()) {
    uint64_t len = s.size();
    bytes.append(reinterpret_cast<const char *>(&len), 8);
    bytes.append(s.data(), s.size());
  }
  Value value = rt::StringConstOp::create(
      l.b, l.loc(), rt::ValueType::get(l.b.getContext()), l.frame,
      l.b.getStringAttr(bytes), attr.getType().getShape());
  l.setOpaque(op, 0, value);
  return success();
}

LogicalResult lowerConst(NodeLowering &l, Operation *op) {
  if (auto strings =
          dyn_cast_or_null<DenseStringElementsAttr>(op->getAttr("value")))
    return lowerStringConst(l, op, strings);
  FailureOr<RankedTensorType> type = l.resultType(op, 0);
  if (failed(type))
    return failure();
  auto attr = dyn_cast_or_null<DenseElementsAttr>(op->getAttr("value"));
  if (!attr)
    return l.unsupported(op, "constant of this dtype is not supported in "
                             "compiled code yet");
  if (attr.getType().getElementType() != type->getElementType())
    attr = attr.bitcast(type->getElementType());
  if (attr.getType().getShape() != type->getShape())
    attr = attr.reshape(*type);
  // A large splat (an initializer's zeros/ones) is a fill, not data in the
  // binary.
  if (attr.isSplat() && type->getNumElements() > 64) {
    Value scalar = arith::ConstantOp::create(
        l.b, l.loc(), type->getElementType(),
        cast<TypedAttr>(attr.getSplatValue<Attribute>()));
    Value init = tensor::EmptyOp::create(l.b, l.loc(), *type, ValueRange{});
    l.setTensor(
        op, 0, linalg::FillOp::create(l.b, l.loc(), scalar, init).getResult(0));
    return success();
  }
  l.setTensor(op, 0, arith::ConstantOp::create(l.b, l.loc(), *type, attr));
  return success();
}

} // namespace

/// The sizes of `x` (index values).
SmallVector<Value> kiln::sizesOf(NodeLowering &l, Value x) {
  auto t = cast<RankedTensorType>(x.getType());
  SmallVector<Value> out;
  for (int64_t d = 0; d < t.getRank(); ++d)
    out.push_back(t.isDynamicDim(d) ? l.dim(x, d) : l.index(t.getDimSize(d)));
  return out;
}

/// `x` reshaped to `outType`, whose dims are `sizes` (index values).
Value kiln::reshapeTensor(NodeLowering &l, Value x, RankedTensorType outType,
                          ArrayRef<Value> sizes) {
  if (x.getType() == outType)
    return x;
  SmallVector<Value> shape(sizes.begin(), sizes.end());
  auto shapeType = RankedTensorType::get({static_cast<int64_t>(shape.size())},
                                         l.b.getIndexType());
  Value shapeTensor =
      tensor::FromElementsOp::create(l.b, l.loc(), shapeType, shape);
  return tensor::ReshapeOp::create(l.b, l.loc(), outType, x, shapeTensor);
}

namespace {

Value toIndex(NodeLowering &l, Value v) {
  if (v.getType().isIndex())
    return v;
  return arith::IndexCastOp::create(l.b, l.loc(), l.b.getIndexType(), v);
}

LogicalResult lowerReshape(NodeLowering &l, Operation *op) {
  FailureOr<Value> x = l.tensor(op, 0), shape = l.tensor(op, 1);
  FailureOr<RankedTensorType> out = l.resultType(op, 0);
  if (failed(x) || failed(shape) || failed(out))
    return failure();
  auto in = cast<RankedTensorType>(x->getType());
  if (in.hasStaticShape() && out->hasStaticShape()) {
    // Shape inference checked the element counts.
    SmallVector<Value> sizes;
    for (int64_t d : out->getShape())
      sizes.push_back(l.index(d));
    l.setTensor(op, 0, reshapeTensor(l, *x, *out, sizes));
    return success();
  }
  // Sizes from the shape input, read at run time where the compiler does
  // not know them; a -1 takes what is left of the elements.
  Value total = l.index(1);
  for (Value s : sizesOf(l, *x))
    total = arith::MulIOp::create(l.b, l.loc(), total, s);
  SmallVector<Value> sizes, isRest;
  Value known = l.index(1);
  for (int64_t d = 0; d < out->getRank(); ++d) {
    if (!out->isDynamicDim(d)) {
      sizes.push_back(l.index(out->getDimSize(d)));
      isRest.push_back(Value());
      known = arith::MulIOp::create(l.b, l.loc(), known, sizes.back());
      continue;
    }
    Value s = toIndex(l, tensor::ExtractOp::create(l.b, l.loc(), *shape,
                                                   ValueRange{l.index(d)}));
    Value rest = arith::CmpIOp::create(l.b, l.loc(), arith::CmpIPredicate::slt,
                                       s, l.index(0));
    sizes.push_back(s);
    isRest.push_back(rest);
    known = arith::MulIOp::create(
        l.b, l.loc(), known,
        arith::SelectOp::create(l.b, l.loc(), rest, l.index(1), s));
  }
  // total / known, 0 when nothing is known to divide by.
  Value nonZero = arith::CmpIOp::create(l.b, l.loc(), arith::CmpIPredicate::ne,
                                        known, l.index(0));
  Value safeKnown =
      arith::SelectOp::create(l.b, l.loc(), nonZero, known, l.index(1));
  Value restSize = arith::SelectOp::create(
      l.b, l.loc(), nonZero,
      arith::DivUIOp::create(l.b, l.loc(), total, safeKnown), l.index(0));
  Value requested = l.index(1);
  for (auto [d, rest] : llvm::enumerate(isRest)) {
    if (rest)
      sizes[d] =
          arith::SelectOp::create(l.b, l.loc(), rest, restSize, sizes[d]);
    requested = arith::MulIOp::create(l.b, l.loc(), requested, sizes[d]);
  }
  // TF's InvalidArgument when the counts differ (nothing is viewed then).
  rt::CheckReshapeOp::create(l.b, l.loc(), l.frame, total, requested);
  l.setTensor(op, 0, reshapeTensor(l, *x, *out, sizes));
  return success();
}

LogicalResult lowerExpandOrSqueeze(NodeLowering &l, Operation *op) {
  FailureOr<Value> x = l.tensor(op, 0);
  FailureOr<RankedTensorType> out = l.resultType(op, 0);
  if (failed(x) || failed(out))
    return failure();
  // Output dims are the input's non-1 dims in order, plus 1s: match them up.
  SmallVector<Value> in = sizesOf(l, *x);
  auto inType = cast<RankedTensorType>(x->getType());
  SmallVector<Value> sizes;
  int64_t j = 0;
  bool expand = getNodeOpType(op) == "ExpandDims";
  std::optional<SmallVector<int64_t>> axis =
      expand ? l.constInts(op, 1) : std::nullopt;
  int64_t expandAt = -1;
  if (expand) {
    if (!axis || axis->size() != 1)
      return l.unsupported(op, "the axis must be a constant");
    expandAt = (*axis)[0] < 0 ? (*axis)[0] + out->getRank() : (*axis)[0];
  }
  for (int64_t d = 0; d < out->getRank(); ++d) {
    if (expand) {
      sizes.push_back(d == expandAt ? l.index(1) : in[j++]);
      continue;
    }
    // Squeeze: skip input dims of static size 1 that the output drops.
    while (j < inType.getRank() && inType.getDimSize(j) == 1 &&
           static_cast<int64_t>(inType.getRank() - j) > out->getRank() - d)
      ++j;
    sizes.push_back(in[j++]);
  }
  l.setTensor(op, 0, reshapeTensor(l, *x, *out, sizes));
  return success();
}

/// ShapeN: Shape of each input.
LogicalResult lowerShapeN(NodeLowering &l, Operation *op) {
  for (unsigned i = 0, e = getDataOperands(op).size(); i < e; ++i) {
    FailureOr<Value> x = l.tensor(op, i);
    FailureOr<RankedTensorType> out = l.resultType(op, i);
    if (failed(x) || failed(out))
      return failure();
    SmallVector<Value> elems;
    for (Value s : sizesOf(l, *x))
      elems.push_back(arith::IndexCastOp::create(l.b, l.loc(),
                                                 out->getElementType(), s));
    l.setTensor(op, i,
                tensor::FromElementsOp::create(l.b, l.loc(), *out, elems));
  }
  return success();
}

LogicalResult lowerShape(NodeLowering &l, Operation *op) {
  FailureOr<Value> x = l.tensor(op, 0);
  FailureOr<RankedTensorType> out = l.resultType(op, 0);
  if (failed(x) || failed(out))
    return failure();
  StringRef t = getNodeOpType(op);
  Type elem = out->getElementType();
  SmallVector<Value> sizes = sizesOf(l, *x);
  auto cast = [&](Value v) {
    return arith::IndexCastOp::create(l.b, l.loc(), elem, v).getResult();
  };
  Value result;
  if (t == "Shape") {
    SmallVector<Value> elems;
    for (Value s : sizes)
      elems.push_back(cast(s));
    result = tensor::FromElementsOp::create(l.b, l.loc(), *out, elems);
  } else if (t == "Size") {
    Value n = l.index(1);
    for (Value s : sizes)
      n = arith::MulIOp::create(l.b, l.loc(), n, s);
    result = tensor::FromElementsOp::create(l.b, l.loc(), *out, cast(n));
  } else {
    result = tensor::FromElementsOp::create(
        l.b, l.loc(), *out, cast(l.index(static_cast<int64_t>(sizes.size()))));
  }
  l.setTensor(op, 0, result);
  return success();
}

LogicalResult lowerTranspose(NodeLowering &l, Operation *op) {
  FailureOr<Value> x = l.tensor(op, 0);
  FailureOr<RankedTensorType> out = l.resultType(op, 0);
  std::optional<SmallVector<int64_t>> perm = l.constInts(op, 1);
  if (failed(x) || failed(out))
    return failure();
  if (!perm)
    return l.unsupported(op, "the permutation must be a constant");
  SmallVector<Value> in = sizesOf(l, *x), dyn;
  for (int64_t d = 0; d < out->getRank(); ++d)
    if (out->isDynamicDim(d))
      dyn.push_back(in[(*perm)[d]]);
  Value init = tensor::EmptyOp::create(l.b, l.loc(), *out, dyn);
  l.setTensor(op, 0,
              linalg::TransposeOp::create(l.b, l.loc(), *x, init, *perm)
                  .getResult()[0]);
  return success();
}

LogicalResult lowerFill(NodeLowering &l, Operation *op) {
  FailureOr<Value> dims = l.tensor(op, 0), value = l.tensor(op, 1);
  FailureOr<RankedTensorType> out = l.resultType(op, 0);
  if (failed(dims) || failed(value) || failed(out))
    return failure();
  SmallVector<Value> dyn;
  for (int64_t d = 0; d < out->getRank(); ++d)
    if (out->isDynamicDim(d))
      dyn.push_back(
          toIndex(l, tensor::ExtractOp::create(l.b, l.loc(), *dims,
                                               ValueRange{l.index(d)})));
  Value scalar = tensor::ExtractOp::create(l.b, l.loc(), *value, ValueRange{});
  l.setTensor(op, 0, filled(l, *out, dyn, scalar));
  return success();
}

LogicalResult lowerZerosOnesLike(NodeLowering &l, Operation *op) {
  FailureOr<Value> x = l.tensor(op, 0);
  FailureOr<RankedTensorType> out = l.resultType(op, 0);
  if (failed(x) || failed(out))
    return failure();
  Type elem = out->getElementType();
  int64_t v = getNodeOpType(op) == "OnesLike" ? 1 : 0;
  Value scalar =
      isa<FloatType>(elem)
          ? arith::ConstantOp::create(l.b, l.loc(), elem,
                                      l.b.getFloatAttr(elem, v))
                .getResult()
          : arith::ConstantIntOp::create(l.b, l.loc(), elem, v).getResult();
  l.setTensor(op, 0, filled(l, *out, l.dynamicSizes(*out, *x), scalar));
  return success();
}

LogicalResult lowerPlaceholderWithDefault(NodeLowering &l, Operation *op) {
  FailureOr<Value> x = l.tensor(op, 0);
  FailureOr<RankedTensorType> out = l.resultType(op, 0);
  if (failed(x) || failed(out))
    return failure();
  Value v = *x;
  if (v.getType() != *out)
    v = tensor::CastOp::create(l.b, l.loc(), *out, v);
  l.setTensor(op, 0, v);
  return success();
}

LogicalResult lowerTile(NodeLowering &l, Operation *op) {
  FailureOr<Value> x = l.tensor(op, 0);
  FailureOr<RankedTensorType> out = l.resultType(op, 0);
  std::optional<SmallVector<int64_t>> multiples = l.constInts(op, 1);
  if (failed(x) || failed(out))
    return failure();
  auto in = cast<RankedTensorType>(x->getType());
  if (!in.hasStaticShape() || (!multiples && out->hasStaticShape()))
    return l.unsupported(op, "Tile needs a static input shape");
  // Output dims the compiler does not know: in_dim * multiples[d], read
  // from the multiples at run time (e.g. Mean's gradient over a batch).
  SmallVector<Value> dynSizes;
  if (!out->hasStaticShape()) {
    FailureOr<Value> m = l.tensor(op, 1);
    if (failed(m))
      return failure();
    for (int64_t d = 0; d < out->getRank(); ++d) {
      if (!out->isDynamicDim(d))
        continue;
      Value k =
          tensor::ExtractOp::create(l.b, l.loc(), *m, ValueRange{l.index(d)});
      k = arith::IndexCastOp::create(l.b, l.loc(), l.b.getIndexType(), k);
      dynSizes.push_back(
          arith::MulIOp::create(l.b, l.loc(), k, l.index(in.getDimSize(d))));
    }
  }
  // out[i] = in[i mod in_dim] along every dim.
  MLIRContext *ctx = l.b.getContext();
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < in.getRank(); ++d)
    exprs.push_back(getAffineDimExpr(d, ctx) % in.getDimSize(d));
  SmallVector<AffineMap> maps{AffineMap::get(in.getRank(), 0, exprs, ctx),
                              l.b.getMultiDimIdentityMap(in.getRank())};
  SmallVector<utils::IteratorType> iters(in.getRank(),
                                         utils::IteratorType::parallel);
  Value init = tensor::EmptyOp::create(l.b, l.loc(), *out, dynSizes);
  l.setTensor(op, 0,
              linalg::GenericOp::create(
                  l.b, l.loc(), TypeRange{*out}, ValueRange{*x},
                  ValueRange{init}, maps, iters,
                  [](OpBuilder &b, Location loc, ValueRange args) {
                    linalg::YieldOp::create(b, loc, args[0]);
                  })
                  .getResult(0));
  return success();
}

LogicalResult lowerSlice(NodeLowering &l, Operation *op) {
  FailureOr<Value> x = l.tensor(op, 0);
  FailureOr<RankedTensorType> out = l.resultType(op, 0);
  std::optional<SmallVector<int64_t>> begin = l.constInts(op, 1),
                                      size = l.constInts(op, 2);
  if (failed(x) || failed(out))
    return failure();
  auto in = cast<RankedTensorType>(x->getType());
  if (!begin || !size || !in.hasStaticShape())
    return l.unsupported(op, "Slice needs constant begin/size and a static "
                             "input shape");
  SmallVector<OpFoldResult> offsets, sizes, strides;
  for (int64_t d = 0; d < in.getRank(); ++d) {
    int64_t sz = (*size)[d] == -1 ? in.getDimSize(d) - (*begin)[d] : (*size)[d];
    if ((*begin)[d] < 0 || sz < 0 || (*begin)[d] + sz > in.getDimSize(d))
      return l.unsupported(op, "slice out of bounds");
    offsets.push_back(l.b.getIndexAttr((*begin)[d]));
    sizes.push_back(l.b.getIndexAttr(sz));
    strides.push_back(l.b.getIndexAttr(1));
  }
  // The sizes are static even where the node's type left them open.
  Value slice =
      tensor::ExtractSliceOp::create(l.b, l.loc(), *x, offsets, sizes, strides);
  if (slice.getType() != *out)
    slice = tensor::CastOp::create(l.b, l.loc(), *out, slice);
  l.setTensor(op, 0, slice);
  return success();
}

/// Concatenation of `parts` (same rank) along `axis` into `out`.
FailureOr<Value> concat(NodeLowering &l, Operation *op, ArrayRef<Value> parts,
                        int64_t axis, RankedTensorType out) {
  if (!out.hasStaticShape())
    return l.unsupported(op, "concatenation needs static shapes");
  Value acc = tensor::EmptyOp::create(l.b, l.loc(), out, ValueRange{});
  int64_t offset = 0;
  for (Value p : parts) {
    auto t = cast<RankedTensorType>(p.getType());
    if (!t.hasStaticShape())
      return l.unsupported(op, "concatenation needs static shapes");
    SmallVector<OpFoldResult> offsets, sizes, strides;
    for (int64_t d = 0; d < t.getRank(); ++d) {
      offsets.push_back(l.b.getIndexAttr(d == axis ? offset : 0));
      sizes.push_back(l.b.getIndexAttr(t.getDimSize(d)));
      strides.push_back(l.b.getIndexAttr(1));
    }
    acc = tensor::InsertSliceOp::create(l.b, l.loc(), p, acc, offsets, sizes,
                                        strides);
    offset += t.getDimSize(axis);
  }
  return acc;
}

LogicalResult lowerConcatV2(NodeLowering &l, Operation *op) {
  unsigned n = getDataOperands(op).size() - 1;
  FailureOr<RankedTensorType> out = l.resultType(op, 0);
  std::optional<SmallVector<int64_t>> axis = l.constInts(op, n);
  if (failed(out))
    return failure();
  if (!axis || axis->size() != 1)
    return l.unsupported(op, "the axis must be a constant");
  int64_t a = (*axis)[0] < 0 ? (*axis)[0] + out->getRank() : (*axis)[0];
  SmallVector<Value> parts;
  for (unsigned i = 0; i < n; ++i) {
    FailureOr<Value> p = l.tensor(op, i);
    if (failed(p))
      return failure();
    parts.push_back(*p);
  }
  FailureOr<Value> r = concat(l, op, parts, a, *out);
  if (failed(r))
    return failure();
  l.setTensor(op, 0, *r);
  return success();
}

LogicalResult lowerPack(NodeLowering &l, Operation *op) {
  unsigned n = getDataOperands(op).size();
  FailureOr<RankedTensorType> out = l.resultType(op, 0);
  if (failed(out))
    return failure();
  auto axisAttr = op->getAttrOfType<IntegerAttr>("axis");
  int64_t axis = axisAttr ? axisAttr.getInt() : 0;
  if (axis < 0)
    axis += out->getRank();
  SmallVector<Value> parts;
  for (unsigned i = 0; i < n; ++i) {
    FailureOr<Value> p = l.tensor(op, i);
    if (failed(p))
      return failure();
    // Each value gains a dim of 1 at `axis`.
    auto t = cast<RankedTensorType>(p->getType());
    SmallVector<int64_t> shape(t.getShape());
    shape.insert(shape.begin() + axis, 1);
    SmallVector<Value> sizes = sizesOf(l, *p);
    sizes.insert(sizes.begin() + axis, l.index(1));
    parts.push_back(reshapeTensor(
        l, *p, RankedTensorType::get(shape, t.getElementType()), sizes));
  }
  FailureOr<Value> r = concat(l, op, parts, axis, *out);
  if (failed(r))
    return failure();
  l.setTensor(op, 0, *r);
  return success();
}

} // namespace

void kiln::populateArrayLowerings(NodeLoweringTable &table) {
  table["Tile"] = lowerTile;
  table["Slice"] = lowerSlice;
  table["ConcatV2"] = lowerConcatV2;
  table["Pack"] = lowerPack;
  table["Const"] = lowerConst;
  table["Reshape"] = lowerReshape;
  table["ExpandDims"] = lowerExpandOrSqueeze;
  table["Squeeze"] = lowerExpandOrSqueeze;
  for (const char *t : {"Shape", "Size", "Rank"})
    table[t] = lowerShape;
  table["ShapeN"] = lowerShapeN;
  table["Transpose"] = lowerTranspose;
  table["Fill"] = lowerFill;
  table["ZerosLike"] = lowerZerosOnesLike;
  table["OnesLike"] = lowerZerosOnesLike;
  table["PlaceholderWithDefault"] = lowerPlaceholderWithDefault;
}

Value kiln::filled(NodeLowering &l, RankedTensorType type, ArrayRef<Value> dyn,
                   Value scalar) {
  Value init = tensor::EmptyOp::create(l.b, l.loc(), type, dyn);
  return linalg::FillOp::create(l.b, l.loc(), scalar, init).getResult(0);
}
