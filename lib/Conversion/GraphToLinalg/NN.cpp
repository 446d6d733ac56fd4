//===- NN.cpp - MatMul, reductions, ArgMax, Softmax to linalg -------------===//
#include "Lowering.h"

#include "kiln/Transforms/OpRules.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/AffineMap.h"

#include <limits>

using namespace mlir;
using namespace kiln;
using namespace kiln::graph;

namespace {

Value constScalar(OpBuilder &b, Location l, Type t, double fv, int64_t iv) {
  if (isa<FloatType>(t))
    return arith::ConstantOp::create(b, l, t, b.getFloatAttr(t, fv));
  return arith::ConstantIntOp::create(b, l, t, iv);
}

/// MatMul as `linalg.matmul`: transpose_a / transpose_b become the operands'
/// indexing maps (A[k, i], B[j, k]), so no transposed copy is made and every
/// matmul strategy (tiling, packing, vector contraction) sees one op.
LogicalResult lowerMatMul(NodeLowering &l, Operation *op) {
  FailureOr<Value> a = l.tensor(op, 0), b = l.tensor(op, 1);
  FailureOr<RankedTensorType> out = l.resultType(op, 0);
  if (failed(a) || failed(b) || failed(out))
    return failure();
  bool ta = boolAttrOf(op, "transpose_a"), tb = boolAttrOf(op, "transpose_b");
  // Positions of i, k in A and of k, j in B.
  int64_t aI = ta ? 1 : 0, aK = ta ? 0 : 1, bK = tb ? 1 : 0, bJ = tb ? 0 : 1;
  SmallVector<Value> dyn;
  if (out->isDynamicDim(0))
    dyn.push_back(l.dim(*a, aI));
  if (out->isDynamicDim(1))
    dyn.push_back(l.dim(*b, bJ));
  // The contraction dims must agree (a fed tensor may say otherwise).
  auto at = cast<RankedTensorType>(a->getType()),
       bt = cast<RankedTensorType>(b->getType());
  if (at.isDynamicDim(aK) || bt.isDynamicDim(bK))
    rt::CheckDimsOp::create(l.b, l.loc(), l.frame, l.dim(*a, aK),
                            l.dim(*b, bK));
  Value zero = constScalar(l.b, l.loc(), out->getElementType(), 0, 0);
  Value init = tensor::EmptyOp::create(l.b, l.loc(), *out, dyn);
  init = linalg::FillOp::create(l.b, l.loc(), zero, init).getResult(0);
  MLIRContext *ctx = l.b.getContext();
  AffineExpr i = getAffineDimExpr(0, ctx), j = getAffineDimExpr(1, ctx),
             k = getAffineDimExpr(2, ctx);
  SmallVector<Attribute> maps{
      AffineMapAttr::get(AffineMap::get(3, 0, {ta ? k : i, ta ? i : k}, ctx)),
      AffineMapAttr::get(AffineMap::get(3, 0, {tb ? j : k, tb ? k : j}, ctx)),
      AffineMapAttr::get(AffineMap::get(3, 0, {i, j}, ctx))};
  auto matmul = linalg::MatmulOp::create(
      l.b, l.loc(), TypeRange{*out}, ValueRange{*a, *b}, ValueRange{init},
      ArrayRef<NamedAttribute>{
          l.b.getNamedAttr("indexing_maps", l.b.getArrayAttr(maps))});
  l.setTensor(op, 0, matmul.getResult(0));
  return success();
}

/// Normalized, sorted, deduplicated reduction axes of a rank-`rank` input.
std::optional<SmallVector<int64_t>> reductionAxes(NodeLowering &l,
                                                  Operation *op, int64_t rank) {
  std::optional<SmallVector<int64_t>> axes = l.constInts(op, 1);
  if (!axes)
    return std::nullopt;
  return normalizeAxes(*axes, rank);
}

/// The identity of Max (lowest value) or Min (highest) for `elem`.
Value extremeValue(OpBuilder &b, Location loc, Type elem, bool lowest,
                   bool isUnsigned) {
  if (isa<FloatType>(elem)) {
    double inf = std::numeric_limits<double>::infinity();
    return constScalar(b, loc, elem, lowest ? -inf : inf, 0);
  }
  unsigned width = elem.getIntOrFloatBitWidth();
  APInt v = lowest ? (isUnsigned ? APInt::getMinValue(width)
                                 : APInt::getSignedMinValue(width))
                   : (isUnsigned ? APInt::getMaxValue(width)
                                 : APInt::getSignedMaxValue(width));
  return arith::ConstantOp::create(b, loc, elem, b.getIntegerAttr(elem, v));
}

} // namespace

Value kiln::reduceTensor(
    NodeLowering &l, Value x, ArrayRef<int64_t> axes, Value initScalar,
    function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  // Over no axes every reduction is the input itself (the gradients of
  // broadcasts sum over BroadcastGradientArgs' axes, often none).
  if (axes.empty())
    return x;
  auto t = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape;
  SmallVector<Value> dyn;
  for (int64_t d = 0; d < t.getRank(); ++d) {
    if (llvm::is_contained(axes, d))
      continue;
    shape.push_back(t.getDimSize(d));
    if (t.isDynamicDim(d))
      dyn.push_back(l.dim(x, d));
  }
  auto outType = RankedTensorType::get(shape, t.getElementType());
  Value init = tensor::EmptyOp::create(l.b, l.loc(), outType, dyn);
  init = linalg::FillOp::create(l.b, l.loc(), initScalar, init).getResult(0);
  return linalg::ReduceOp::create(
             l.b, l.loc(), ValueRange{x}, ValueRange{init}, axes,
             [&](OpBuilder &b, Location loc, ValueRange args) {
               linalg::YieldOp::create(b, loc,
                                       combine(b, loc, args[0], args[1]));
             })
      .getResult(0);
}

namespace {

LogicalResult lowerReduction(NodeLowering &l, Operation *op) {
  FailureOr<Value> x = l.tensor(op, 0);
  FailureOr<RankedTensorType> out = l.resultType(op, 0);
  if (failed(x) || failed(out))
    return failure();
  auto t = cast<RankedTensorType>(x->getType());
  std::optional<SmallVector<int64_t>> axes = reductionAxes(l, op, t.getRank());
  if (!axes)
    return l.unsupported(op, "reduction axes must be constants in range");
  StringRef kind = getNodeOpType(op);
  Type elemGraph = NodeLowering::graphElementType(getDataOperands(op)[0]);
  Type elem = t.getElementType();
  bool isFloat = isa<FloatType>(elem);
  bool isUnsigned = isUnsignedInt(elemGraph);
  Value init;
  std::function<Value(OpBuilder &, Location, Value, Value)> combine;
  if (kind == "Sum" || kind == "Mean") {
    init = constScalar(l.b, l.loc(), elem, 0, 0);
    combine = [&](OpBuilder &b, Location loc, Value v, Value acc) -> Value {
      return isFloat ? arith::AddFOp::create(b, loc, v, acc).getResult()
                     : arith::AddIOp::create(b, loc, v, acc).getResult();
    };
  } else if (kind == "Prod") {
    init = constScalar(l.b, l.loc(), elem, 1, 1);
    combine = [&](OpBuilder &b, Location loc, Value v, Value acc) -> Value {
      return isFloat ? arith::MulFOp::create(b, loc, v, acc).getResult()
                     : arith::MulIOp::create(b, loc, v, acc).getResult();
    };
  } else if (kind == "Max" || kind == "Min") {
    bool isMax = kind == "Max";
    init = extremeValue(l.b, l.loc(), elem, isMax, isUnsigned);
    combine = [&, isMax](OpBuilder &b, Location loc, Value v,
                         Value acc) -> Value {
      if (isFloat)
        return isMax ? arith::MaximumFOp::create(b, loc, v, acc).getResult()
                     : arith::MinimumFOp::create(b, loc, v, acc).getResult();
      if (isUnsigned)
        return isMax ? arith::MaxUIOp::create(b, loc, v, acc).getResult()
                     : arith::MinUIOp::create(b, loc, v, acc).getResult();
      return isMax ? arith::MaxSIOp::create(b, loc, v, acc).getResult()
                   : arith::MinSIOp::create(b, loc, v, acc).getResult();
    };
  } else if (kind == "All" || kind == "Any") {
    bool all = kind == "All";
    init = arith::ConstantIntOp::create(l.b, l.loc(), elem, all ? 1 : 0);
    combine = [all](OpBuilder &b, Location loc, Value v, Value acc) -> Value {
      return all ? arith::AndIOp::create(b, loc, v, acc).getResult()
                 : arith::OrIOp::create(b, loc, v, acc).getResult();
    };
  } else {
    return l.unsupported(op, "unknown reduction");
  }
  Value r = reduceTensor(l, *x, *axes, init, combine);
  if (kind == "Mean") {
    Value count = l.index(1);
    for (int64_t a : *axes)
      count = arith::MulIOp::create(l.b, l.loc(), count, l.dim(*x, a));
    Value n =
        isFloat
            ? arith::UIToFPOp::create(
                  l.b, l.loc(), elem,
                  arith::IndexCastOp::create(l.b, l.loc(), l.b.getI64Type(),
                                             count))
                  .getResult()
            : arith::IndexCastOp::create(l.b, l.loc(), elem, count).getResult();
    auto rt = cast<RankedTensorType>(r.getType());
    FailureOr<Value> divided = l.elementwise(
        op, {r}, rt, [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
          if (isFloat)
            return arith::DivFOp::create(b, loc, a[0], n);
          return isUnsigned
                     ? arith::DivUIOp::create(b, loc, a[0], n).getResult()
                     : arith::DivSIOp::create(b, loc, a[0], n).getResult();
        });
    if (failed(divided))
      return failure();
    r = *divided;
  }
  if (r.getType() != *out) {
    // keep_dims: the reduced dims stay as 1s.
    SmallVector<Value> sizes, in = sizesOf(l, *x);
    for (int64_t d = 0; d < t.getRank(); ++d)
      sizes.push_back(llvm::is_contained(*axes, d) ? l.index(1) : in[d]);
    r = reshapeTensor(l, r, *out, sizes);
  }
  l.setTensor(op, 0, r);
  return success();
}

LogicalResult lowerArgMax(NodeLowering &l, Operation *op) {
  FailureOr<Value> x = l.tensor(op, 0);
  FailureOr<RankedTensorType> out = l.resultType(op, 0);
  if (failed(x) || failed(out))
    return failure();
  auto t = cast<RankedTensorType>(x->getType());
  std::optional<SmallVector<int64_t>> axes = reductionAxes(l, op, t.getRank());
  if (!axes || axes->size() != 1)
    return l.unsupported(op, "the axis must be one constant in range");
  int64_t axis = (*axes)[0];
  bool isMax = getNodeOpType(op) == "ArgMax";
  Type elem = t.getElementType();
  bool isFloat = isa<FloatType>(elem);
  bool isUnsigned =
      isUnsignedInt(NodeLowering::graphElementType(getDataOperands(op)[0]));
  SmallVector<Value> dyn;
  SmallVector<AffineExpr> outExprs;
  for (int64_t d = 0; d < t.getRank(); ++d) {
    if (d == axis)
      continue;
    outExprs.push_back(l.b.getAffineDimExpr(d));
    if (t.isDynamicDim(d))
      dyn.push_back(l.dim(*x, d));
  }
  auto valType = RankedTensorType::get(out->getShape(), elem);
  // Start from element 0 of the axis so ties and NaN-free inputs pick the
  // first index, as TF does.
  Value firstIdx =
      arith::ConstantIntOp::create(l.b, l.loc(), out->getElementType(), 0);
  Value idxInit = filled(l, *out, dyn, firstIdx);
  Value start = extremeValue(l.b, l.loc(), elem, isMax, isUnsigned);
  Value valInit = filled(l, valType, dyn, start);
  MLIRContext *ctx = l.b.getContext();
  AffineMap inMap = l.b.getMultiDimIdentityMap(t.getRank());
  AffineMap outMap = AffineMap::get(t.getRank(), 0, outExprs, ctx);
  SmallVector<utils::IteratorType> iters(t.getRank(),
                                         utils::IteratorType::parallel);
  iters[axis] = utils::IteratorType::reduction;
  Type idxType = out->getElementType();
  auto generic = linalg::GenericOp::create(
      l.b, l.loc(), TypeRange{valType, *out}, ValueRange{*x},
      ValueRange{valInit, idxInit}, ArrayRef<AffineMap>{inMap, outMap, outMap},
      iters, [&](OpBuilder &b, Location loc, ValueRange args) {
        Value v = args[0], best = args[1], bestIdx = args[2];
        Value i = linalg::IndexOp::create(b, loc, axis);
        i = arith::IndexCastOp::create(b, loc, idxType, i);
        Value better;
        if (isFloat)
          better = arith::CmpFOp::create(b, loc,
                                         isMax ? arith::CmpFPredicate::OGT
                                               : arith::CmpFPredicate::OLT,
                                         v, best);
        else
          better = arith::CmpIOp::create(
              b, loc,
              isMax ? (isUnsigned ? arith::CmpIPredicate::ugt
                                  : arith::CmpIPredicate::sgt)
                    : (isUnsigned ? arith::CmpIPredicate::ult
                                  : arith::CmpIPredicate::slt),
              v, best);
        Value nb = arith::SelectOp::create(b, loc, better, v, best);
        Value ni = arith::SelectOp::create(b, loc, better, i, bestIdx);
        linalg::YieldOp::create(b, loc, ValueRange{nb, ni});
      });
  l.setTensor(op, 0, generic.getResult(1));
  return success();
}

LogicalResult lowerSoftmax(NodeLowering &l, Operation *op) {
  FailureOr<Value> x = l.tensor(op, 0);
  FailureOr<RankedTensorType> out = l.resultType(op, 0);
  if (failed(x) || failed(out))
    return failure();
  auto t = cast<RankedTensorType>(x->getType());
  int64_t last = t.getRank() - 1;
  if (last < 0)
    return l.unsupported(op, "logits must have at least one dim");
  Type elem = t.getElementType();
  bool isLog = getNodeOpType(op) == "LogSoftmax";
  // Reduced values broadcast back along the last dim as [..., 1].
  auto keep = [&](Value r) {
    SmallVector<int64_t> shape(t.getShape());
    shape[last] = 1;
    SmallVector<Value> sizes = sizesOf(l, *x);
    sizes[last] = l.index(1);
    return reshapeTensor(l, r, RankedTensorType::get(shape, elem), sizes);
  };
  double inf = std::numeric_limits<double>::infinity();
  Value m = keep(reduceTensor(
      l, *x, {last}, constScalar(l.b, l.loc(), elem, -inf, 0),
      [](OpBuilder &b, Location loc, Value v, Value acc) {
        return arith::MaximumFOp::create(b, loc, v, acc).getResult();
      }));
  FailureOr<Value> shifted = l.elementwise(
      op, {*x, m}, t, [](OpBuilder &b, Location loc, ValueRange a) -> Value {
        return arith::SubFOp::create(b, loc, a[0], a[1]);
      });
  if (failed(shifted))
    return failure();
  FailureOr<Value> e = l.elementwise(
      op, {*shifted}, t, [](OpBuilder &b, Location loc, ValueRange a) -> Value {
        return math::ExpOp::create(b, loc, a[0]);
      });
  if (failed(e))
    return failure();
  Value s = keep(
      reduceTensor(l, *e, {last}, constScalar(l.b, l.loc(), elem, 0, 0),
                   [](OpBuilder &b, Location loc, Value v, Value acc) {
                     return arith::AddFOp::create(b, loc, v, acc).getResult();
                   }));
  FailureOr<Value> r =
      l.elementwise(op, {isLog ? *shifted : *e, s}, *out,
                    [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
                      if (isLog)
                        return arith::SubFOp::create(
                            b, loc, a[0], math::LogOp::create(b, loc, a[1]));
                      return arith::DivFOp::create(b, loc, a[0], a[1]);
                    });
  if (failed(r))
    return failure();
  l.setTensor(op, 0, *r);
  return success();
}

/// `x` with its dims permuted by `perm` (NCHW <-> NHWC).
Value permuted(NodeLowering &l, Value x, ArrayRef<int64_t> perm) {
  auto t = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape;
  SmallVector<Value> dyn;
  for (int64_t p : perm) {
    shape.push_back(t.getDimSize(p));
    if (t.isDynamicDim(p))
      dyn.push_back(l.dim(x, p));
  }
  Value empty = tensor::EmptyOp::create(
      l.b, l.loc(), RankedTensorType::get(shape, t.getElementType()), dyn);
  return linalg::TransposeOp::create(l.b, l.loc(), x, empty, perm)
      .getResult()[0];
}

constexpr int64_t kToNhwc[] = {0, 2, 3, 1};
constexpr int64_t kToNchw[] = {0, 3, 1, 2};

/// The geometry of a Conv2D or pooling node over its NHWC input `x`: the
/// window and, per spatial dim, output size and SAME padding. Spatial dims
/// must be static (the batch may be open).
struct Windowed {
  WindowAttrs w;
  WindowDim h, wd;
};

FailureOr<Windowed> windowedSizes(NodeLowering &l, Operation *op,
                                  int64_t height, int64_t width, bool pool,
                                  int64_t kh, int64_t kw) {
  std::string error;
  bool unsupported = false;
  std::optional<WindowAttrs> w = windowAttrs(op, pool, error, unsupported);
  if (!w) {
    if (unsupported)
      return l.unsupported(op, error + " is not supported yet");
    return op->emitError("InvalidArgument: ") << error;
  }
  if (ShapedType::isDynamic(height) || ShapedType::isDynamic(width))
    return l.unsupported(op, "spatial dims must be known when compiling");
  if (pool)
    kh = w->ksize[0], kw = w->ksize[1];
  std::optional<WindowDim> h =
      windowDim(height, kh, w->strides[0], w->dilations[0], w->same, error);
  std::optional<WindowDim> wd =
      h ? windowDim(width, kw, w->strides[1], w->dilations[1], w->same, error)
        : std::nullopt;
  if (!h || !wd)
    return op->emitError("InvalidArgument: ") << error;
  return Windowed{*w, *h, *wd};
}

/// The same over NHWC tensor `x`'s spatial dims.
FailureOr<Windowed> windowed(NodeLowering &l, Operation *op, Value x, bool pool,
                             int64_t kh, int64_t kw) {
  auto t = cast<RankedTensorType>(x.getType());
  return windowedSizes(l, op, t.getDimSize(1), t.getDimSize(2), pool, kh, kw);
}

/// NHWC `x` padded in H and W by SAME's amounts with `value`.
Value padSpatial(NodeLowering &l, Value x, const Windowed &g, Value value) {
  if (!g.h.padBefore && !g.h.padAfter && !g.wd.padBefore && !g.wd.padAfter)
    return x;
  auto t = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape(t.getShape());
  shape[1] += g.h.padBefore + g.h.padAfter;
  shape[2] += g.wd.padBefore + g.wd.padAfter;
  SmallVector<OpFoldResult> low = getAsIndexOpFoldResult(
      l.b.getContext(), {0, g.h.padBefore, g.wd.padBefore, 0});
  SmallVector<OpFoldResult> high = getAsIndexOpFoldResult(
      l.b.getContext(), {0, g.h.padAfter, g.wd.padAfter, 0});
  return tensor::PadOp::create(l.b, l.loc(),
                               RankedTensorType::get(shape, t.getElementType()),
                               x, low, high, value);
}

/// An NHWC result [N, OH, OW, C] filled with `value` (N as `x`'s).
Value windowInit(NodeLowering &l, Value x, const Windowed &g, int64_t c,
                 Value value) {
  auto t = cast<RankedTensorType>(x.getType());
  auto type = RankedTensorType::get({t.getDimSize(0), g.h.out, g.wd.out, c},
                                    t.getElementType());
  SmallVector<Value> dyn;
  if (type.isDynamicDim(0))
    dyn.push_back(l.dim(x, 0));
  return filled(l, type, dyn, value);
}

/// The windows of NHWC `padded` as the rows of a matrix (im2col):
/// [N*OH*OW, KH*KW*C], row (n, oh, ow), column (kh, kw, c), the order of a
/// [KH, KW, C, F] filter's rows once collapsed to [KH*KW*C, F].
Value patchRows(NodeLowering &l, Value padded, int64_t kh, int64_t kw,
                const int64_t (&strides)[2], const int64_t (&dilations)[2],
                int64_t oh, int64_t ow) {
  auto t = cast<RankedTensorType>(padded.getType());
  MLIRContext *ctx = l.b.getContext();
  SmallVector<AffineExpr> e;
  for (unsigned i = 0; i < 6; ++i)
    e.push_back(getAffineDimExpr(i, ctx));
  AffineMap in = AffineMap::get(6, 0,
                                {e[0], e[1] * strides[0] + e[3] * dilations[0],
                                 e[2] * strides[1] + e[4] * dilations[1], e[5]},
                                ctx);
  auto type = RankedTensorType::get(
      {t.getDimSize(0), oh, ow, kh, kw, t.getDimSize(3)}, t.getElementType());
  SmallVector<Value> dyn;
  if (t.isDynamicDim(0))
    dyn.push_back(l.dim(padded, 0));
  if (t.isDynamicDim(3))
    dyn.push_back(l.dim(padded, 3));
  Value empty = tensor::EmptyOp::create(l.b, l.loc(), type, dyn);
  SmallVector<utils::IteratorType> par(6, utils::IteratorType::parallel);
  Value patches =
      linalg::GenericOp::create(
          l.b, l.loc(), TypeRange{type}, ValueRange{padded}, ValueRange{empty},
          ArrayRef<AffineMap>{in, AffineMap::getMultiDimIdentityMap(6, ctx)},
          par,
          [](OpBuilder &nb, Location loc, ValueRange args) {
            linalg::YieldOp::create(nb, loc, args[0]);
          })
          .getResult(0);
  return tensor::CollapseShapeOp::create(
      l.b, l.loc(), patches, ArrayRef<ReassociationIndices>{{0, 1, 2}, {3, 4, 5}});
}

/// `t` [A, B, C, D] as the matrix [A*B*C, D].
Value rowsOf(NodeLowering &l, Value t) {
  return tensor::CollapseShapeOp::create(
      l.b, l.loc(), t, ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}});
}

/// The matrix `m` [A*B*C, D] as [A, B, C, D] (`a` from `like`'s dim 0 where
/// dynamic).
Value unrows(NodeLowering &l, Value m, Value like, int64_t a, int64_t b,
             int64_t c) {
  auto mt = cast<RankedTensorType>(m.getType());
  auto type = RankedTensorType::get({a, b, c, mt.getDimSize(1)},
                                    mt.getElementType());
  SmallVector<OpFoldResult> sizes{
      ShapedType::isDynamic(a) ? OpFoldResult(l.dim(like, 0))
                               : OpFoldResult(l.b.getIndexAttr(a)),
      l.b.getIndexAttr(b), l.b.getIndexAttr(c),
      mt.isDynamicDim(1) ? OpFoldResult(l.dim(m, 1))
                         : OpFoldResult(l.b.getIndexAttr(mt.getDimSize(1)))};
  return tensor::ExpandShapeOp::create(
      l.b, l.loc(), type, m, ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}},
      sizes);
}

/// A zero-initialized `linalg.matmul` of `a` and `b`; `transposeA` reads
/// `a` as [K, M] (an indexing map, no copy).
Value gemm(NodeLowering &l, Value a, Value b, bool transposeA) {
  auto at = cast<RankedTensorType>(a.getType());
  auto bt = cast<RankedTensorType>(b.getType());
  int64_t mPos = transposeA ? 1 : 0;
  auto type = RankedTensorType::get({at.getDimSize(mPos), bt.getDimSize(1)},
                                    at.getElementType());
  SmallVector<Value> dyn;
  if (type.isDynamicDim(0))
    dyn.push_back(l.dim(a, mPos));
  if (type.isDynamicDim(1))
    dyn.push_back(l.dim(b, 1));
  Value init = filled(l, type, dyn,
                      constScalar(l.b, l.loc(), at.getElementType(), 0, 0));
  MLIRContext *ctx = l.b.getContext();
  AffineExpr i = getAffineDimExpr(0, ctx), j = getAffineDimExpr(1, ctx),
             k = getAffineDimExpr(2, ctx);
  SmallVector<Attribute> maps{
      AffineMapAttr::get(
          AffineMap::get(3, 0, {transposeA ? k : i, transposeA ? i : k}, ctx)),
      AffineMapAttr::get(AffineMap::get(3, 0, {k, j}, ctx)),
      AffineMapAttr::get(AffineMap::get(3, 0, {i, j}, ctx))};
  return linalg::MatmulOp::create(
             l.b, l.loc(), TypeRange{type}, ValueRange{a, b}, ValueRange{init},
             ArrayRef<NamedAttribute>{
                 l.b.getNamedAttr("indexing_maps", l.b.getArrayAttr(maps))})
      .getResult(0);
}

/// The convolution of NHWC `padded` with `filter` [KH, KW, C, F] as one
/// matrix product (im2col): the windows as rows times the filter as
/// [KH*KW*C, F], so that convolutions take the matmuls' path (the
/// runtime's GEMM or register tiles) instead of seven nested loops.
Value convAsGemm(NodeLowering &l, Value padded, Value filter,
                 const int64_t (&strides)[2], const int64_t (&dilations)[2],
                 int64_t oh, int64_t ow) {
  auto ft = cast<RankedTensorType>(filter.getType());
  Value rows = patchRows(l, padded, ft.getDimSize(0), ft.getDimSize(1),
                         strides, dilations, oh, ow);
  Value product = gemm(l, rows, rowsOf(l, filter), false);
  return unrows(l, product, padded,
                cast<RankedTensorType>(padded.getType()).getDimSize(0), oh,
                ow);
}

/// Conv2D: SAME padding as TF pads (the extra row/column after), then one
/// matrix product of the windows and the filter (convAsGemm) with the
/// strides and dilations; NCHW through transposes.
LogicalResult lowerConv2D(NodeLowering &l, Operation *op) {
  FailureOr<Value> x = l.tensor(op, 0), f = l.tensor(op, 1);
  FailureOr<RankedTensorType> out = l.resultType(op, 0);
  if (failed(x) || failed(f) || failed(out))
    return failure();
  auto ft = cast<RankedTensorType>(f->getType());
  if (ft.getRank() != 4 || ft.isDynamicDim(0) || ft.isDynamicDim(1))
    return l.unsupported(op, "the filter's size must be known when compiling");
  bool nchw = false;
  if (auto fmt = op->getAttrOfType<StringAttr>("data_format"))
    nchw = fmt.getValue() == "NCHW";
  Value in = nchw ? permuted(l, *x, kToNhwc) : *x;
  FailureOr<Windowed> g =
      windowed(l, op, in, false, ft.getDimSize(0), ft.getDimSize(1));
  if (failed(g))
    return failure();
  auto it = cast<RankedTensorType>(in.getType());
  if (!it.isDynamicDim(3) && !ft.isDynamicDim(2) &&
      it.getDimSize(3) != ft.getDimSize(2))
    return l.unsupported(op, "grouped convolution (input depth " +
                                 Twine(it.getDimSize(3)) + ", filter depth " +
                                 Twine(ft.getDimSize(2)) + ")");
  if (it.isDynamicDim(3) || ft.isDynamicDim(2))
    rt::CheckDimsOp::create(l.b, l.loc(), l.frame, l.dim(in, 3), l.dim(*f, 2));
  Type elem = out->getElementType();
  Value zero = constScalar(l.b, l.loc(), elem, 0, 0);
  Value padded = padSpatial(l, in, *g, zero);
  Value conv = convAsGemm(l, padded, *f, g->w.strides, g->w.dilations,
                          g->h.out, g->wd.out);
  l.setTensor(op, 0, nchw ? permuted(l, conv, kToNchw) : conv);
  return success();
}

/// `pooled` [N, OH, OW, C] divided by each window's count of input
/// elements (TF's average at SAME's edges).
Value divideByWindowCounts(NodeLowering &l, Value pooled, const Windowed &g,
                           int64_t height, int64_t width) {
  Type elem = cast<RankedTensorType>(pooled.getType()).getElementType();
  // How many of each window's elements lie inside the input.
  int64_t oh = g.h.out, ow = g.wd.out;
  auto countOf = [](int64_t o, const WindowDim &d, int64_t stride, int64_t k,
                    int64_t in) {
    int64_t start = o * stride - d.padBefore;
    return std::min(start + k, in) - std::max<int64_t>(start, 0);
  };
  SmallVector<APFloat> counts;
  const auto &sem = cast<FloatType>(elem).getFloatSemantics();
  for (int64_t i = 0; i < oh; ++i)
    for (int64_t j = 0; j < ow; ++j) {
      APFloat c(double(countOf(i, g.h, g.w.strides[0], g.w.ksize[0], height) *
                       countOf(j, g.wd, g.w.strides[1], g.w.ksize[1], width)));
      bool lost;
      c.convert(sem, APFloat::rmNearestTiesToEven, &lost);
      counts.push_back(c);
    }
  auto countType = RankedTensorType::get({oh, ow}, elem);
  Value countT = arith::ConstantOp::create(
      l.b, l.loc(), DenseElementsAttr::get(countType, counts));
  MLIRContext *ctx = l.b.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(4, ctx);
  AffineMap hw = AffineMap::get(
      4, 0, {getAffineDimExpr(1, ctx), getAffineDimExpr(2, ctx)}, ctx);
  SmallVector<utils::IteratorType> par(4, utils::IteratorType::parallel);
  pooled =
      linalg::GenericOp::create(
          l.b, l.loc(), TypeRange{pooled.getType()}, ValueRange{pooled, countT},
          ValueRange{pooled}, ArrayRef<AffineMap>{id, hw, id}, par,
          [](OpBuilder &b, Location loc, ValueRange a) {
            linalg::YieldOp::create(
                b, loc, arith::DivFOp::create(b, loc, a[0], a[1]).getResult());
          })
          .getResult(0);
  return pooled;
}

/// MaxPool (padding never wins: -inf, or the type's lowest) and AvgPool
/// (the sum over the window's elements inside the input, divided by their
/// count, as TF averages at SAME's edges).
LogicalResult lowerPool(NodeLowering &l, Operation *op) {
  FailureOr<Value> x = l.tensor(op, 0);
  if (failed(x))
    return failure();
  bool nchw = false;
  if (auto fmt = op->getAttrOfType<StringAttr>("data_format"))
    nchw = fmt.getValue() == "NCHW";
  Value in = nchw ? permuted(l, *x, kToNhwc) : *x;
  FailureOr<Windowed> g = windowed(l, op, in, true, 0, 0);
  if (failed(g) || failed(l.resultType(op, 0)))
    return failure();
  bool isMax = op->getName().getStringRef().ends_with("MaxPool");
  auto it = cast<RankedTensorType>(in.getType());
  Type elem = it.getElementType();
  if (!isMax && !isa<FloatType>(elem))
    return l.unsupported(op, "AvgPool of integers");
  bool isUnsigned =
      isUnsignedInt(NodeLowering::graphElementType(op->getResult(0)));
  Value fillValue;
  if (!isMax || isUnsigned)
    fillValue = constScalar(l.b, l.loc(), elem, 0, 0);
  else if (auto ft = dyn_cast<FloatType>(elem))
    fillValue = arith::ConstantOp::create(
        l.b, l.loc(), elem,
        l.b.getFloatAttr(elem, APFloat::getInf(ft.getFloatSemantics(),
                                               /*Negative=*/true)));
  else
    fillValue = arith::ConstantIntOp::create(
        l.b, l.loc(), elem,
        APInt::getSignedMinValue(elem.getIntOrFloatBitWidth()).getSExtValue());
  Value padded = padSpatial(l, in, *g, fillValue);
  Value init = windowInit(l, in, *g, it.getDimSize(3), fillValue);
  Value window = tensor::EmptyOp::create(
      l.b, l.loc(), ArrayRef<int64_t>{g->w.ksize[0], g->w.ksize[1]}, elem);
  auto attr = [&](const int64_t(&v)[2]) {
    return DenseIntElementsAttr::get(
        RankedTensorType::get({2}, l.b.getI64Type()), ArrayRef<int64_t>(v));
  };
  SmallVector<Value> ins{padded, window}, outs{init};
  SmallVector<Type> types{init.getType()};
  Value pooled =
      !isMax ? linalg::PoolingNhwcSumOp::create(l.b, l.loc(), types, ins, outs,
                                                attr(g->w.strides),
                                                attr(g->w.dilations))
                   .getResult(0)
      : isUnsigned
          ? linalg::PoolingNhwcMaxUnsignedOp::create(l.b, l.loc(), types, ins,
                                                     outs, attr(g->w.strides),
                                                     attr(g->w.dilations))
                .getResult(0)
          : linalg::PoolingNhwcMaxOp::create(l.b, l.loc(), types, ins, outs,
                                             attr(g->w.strides),
                                             attr(g->w.dilations))
                .getResult(0);
  if (!isMax)
    pooled =
        divideByWindowCounts(l, pooled, *g, it.getDimSize(1), it.getDimSize(2));
  l.setTensor(op, 0, nchw ? permuted(l, pooled, kToNchw) : pooled);
  return success();
}

bool nchwOf(Operation *op) {
  auto fmt = op->getAttrOfType<StringAttr>("data_format");
  return fmt && fmt.getValue() == "NCHW";
}



/// TF's error when a gradient's spatial dims are not the forward op's
/// output size.
LogicalResult checkGradientWindows(Operation *op, RankedTensorType grad,
                                   const Windowed &g, StringRef kernel) {
  if ((grad.isDynamicDim(1) || grad.getDimSize(1) == g.h.out) &&
      (grad.isDynamicDim(2) || grad.getDimSize(2) == g.wd.out))
    return success();
  return op->emitError("InvalidArgument: ")
         << kernel << ": Size of out_backprop doesn't match computed: actual = "
         << grad.getDimSize(1) << "x" << grad.getDimSize(2)
         << ", computed = " << g.h.out << "x" << g.wd.out;
}

/// The dims of result 0 (an input gradient, shaped by its sizes input) in
/// NHWC order.
FailureOr<SmallVector<int64_t>> nhwcResultDims(NodeLowering &l, Operation *op,
                                               bool nchw) {
  FailureOr<RankedTensorType> out = l.resultType(op, 0);
  if (failed(out))
    return failure();
  if (out->getRank() != 4)
    return l.unsupported(op, "the input gradient must be 4-D");
  SmallVector<int64_t> dims(out->getShape());
  if (nchw)
    dims = {dims[0], dims[2], dims[3], dims[1]};
  return dims;
}

/// `t` with the batch (dim 0) a gradient's sizes input gives, where `t`
/// leaves it open (checked when the run gets there).
FailureOr<Value> withBatch(NodeLowering &l, Operation *op, Value t,
                           int64_t batch) {
  auto type = cast<RankedTensorType>(t.getType());
  if (ShapedType::isDynamic(batch))
    return t;
  if (!type.isDynamicDim(0)) {
    if (type.getDimSize(0) != batch)
      return op->emitError("InvalidArgument: the gradient's batch (")
             << type.getDimSize(0) << ") is not the input's (" << batch << ")";
    return t;
  }
  rt::CheckDimsOp::create(l.b, l.loc(), l.frame, l.dim(t, 0), l.index(batch));
  SmallVector<int64_t> shape(type.getShape());
  shape[0] = batch;
  return tensor::CastOp::create(
             l.b, l.loc(), RankedTensorType::get(shape, type.getElementType()),
             t)
      .getResult();
}

/// Conv2DBackpropInput(input_sizes, filter, dy): the input's gradient is the
/// convolution (stride 1, the same dilations) of dy spread out by the
/// strides and padded by (dilated filter - 1 - SAME's padding), with the
/// filter flipped in H and W and its in/out depths swapped.
LogicalResult lowerConv2DBackpropInput(NodeLowering &l, Operation *op) {
  FailureOr<Value> f = l.tensor(op, 1), dyIn = l.tensor(op, 2);
  bool nchw = nchwOf(op);
  FailureOr<SmallVector<int64_t>> nhwc = nhwcResultDims(l, op, nchw);
  if (failed(f) || failed(dyIn) || failed(nhwc))
    return failure();
  SmallVector<int64_t> &dims = *nhwc;
  auto ft = cast<RankedTensorType>(f->getType());
  if (!ft.hasStaticShape() || ShapedType::isDynamic(dims[3]))
    return l.unsupported(op, "the filter's shape and the input's depth must "
                             "be known when compiling");
  int64_t kh = ft.getDimSize(0), kw = ft.getDimSize(1), c = ft.getDimSize(2),
          o = ft.getDimSize(3);
  Value dy = nchw ? permuted(l, *dyIn, kToNhwc) : *dyIn;
  FailureOr<Windowed> g = windowedSizes(l, op, dims[1], dims[2], false, kh, kw);
  if (failed(g))
    return failure();
  auto dyt = cast<RankedTensorType>(dy.getType());
  if (failed(checkGradientWindows(op, dyt, *g, "Conv2DCustomBackpropInput")))
    return failure();
  FailureOr<Value> sized = withBatch(l, op, dy, dims[0]);
  if (failed(sized))
    return failure();
  dy = *sized;
  dyt = cast<RankedTensorType>(dy.getType());
  Type elem = ft.getElementType();
  Value zero = constScalar(l.b, l.loc(), elem, 0, 0);
  int64_t effH = (kh - 1) * g->w.dilations[0],
          effW = (kw - 1) * g->w.dilations[1];
  SmallVector<Value> dyn;
  if (dyt.isDynamicDim(0))
    dyn.push_back(l.dim(dy, 0));
  auto spreadType = RankedTensorType::get(
      {dyt.getDimSize(0), dims[1] + effH, dims[2] + effW, o}, elem);
  Value spread = filled(l, spreadType, dyn, zero);
  MLIRContext *ctx = l.b.getContext();
  SmallVector<OpFoldResult> offsets = getAsIndexOpFoldResult(
      ctx, {0, effH - g->h.padBefore, effW - g->wd.padBefore, 0});
  SmallVector<OpFoldResult> sizes{
      dyt.isDynamicDim(0) ? OpFoldResult(l.dim(dy, 0))
                          : OpFoldResult(l.b.getIndexAttr(dyt.getDimSize(0))),
      l.b.getIndexAttr(g->h.out), l.b.getIndexAttr(g->wd.out),
      l.b.getIndexAttr(o)};
  SmallVector<OpFoldResult> strides =
      getAsIndexOpFoldResult(ctx, {1, g->w.strides[0], g->w.strides[1], 1});
  spread = tensor::InsertSliceOp::create(l.b, l.loc(), dy, spread, offsets,
                                         sizes, strides);
  // flipped[a, b, o, c] = f[kh - 1 - a, kw - 1 - b, c, o]
  AffineExpr a = getAffineDimExpr(0, ctx), b = getAffineDimExpr(1, ctx),
             oo = getAffineDimExpr(2, ctx), cc = getAffineDimExpr(3, ctx);
  AffineMap flip = AffineMap::get(4, 0, {kh - 1 - a, kw - 1 - b, cc, oo}, ctx);
  SmallVector<utils::IteratorType> par(4, utils::IteratorType::parallel);
  auto flippedType = RankedTensorType::get({kh, kw, o, c}, elem);
  Value flipped =
      linalg::GenericOp::create(
          l.b, l.loc(), TypeRange{flippedType}, ValueRange{*f},
          ValueRange{
              tensor::EmptyOp::create(l.b, l.loc(), flippedType, ValueRange{})},
          ArrayRef<AffineMap>{flip, AffineMap::getMultiDimIdentityMap(4, ctx)},
          par,
          [](OpBuilder &nb, Location loc, ValueRange args) {
            linalg::YieldOp::create(nb, loc, args[0]);
          })
          .getResult(0);
  const int64_t one[2] = {1, 1};
  Value dx = convAsGemm(l, spread, flipped, one, g->w.dilations, dims[1],
                        dims[2]);
  l.setTensor(op, 0, nchw ? permuted(l, dx, kToNchw) : dx);
  return success();
}

/// Conv2DBackpropFilter(input, filter_sizes, dy): df[kh, kw, c, o] = the sum
/// over n, oh, ow of x_padded[n, oh*sh + kh*dh, ow*sw + kw*dw, c] *
/// dy[n, oh, ow, o].
LogicalResult lowerConv2DBackpropFilter(NodeLowering &l, Operation *op) {
  FailureOr<Value> xIn = l.tensor(op, 0), dyIn = l.tensor(op, 2);
  FailureOr<RankedTensorType> out = l.resultType(op, 0);
  if (failed(xIn) || failed(dyIn) || failed(out))
    return failure();
  if (out->getRank() != 4 || !out->hasStaticShape())
    return l.unsupported(op, "the filter's shape must be known when compiling");
  bool nchw = nchwOf(op);
  Value x = nchw ? permuted(l, *xIn, kToNhwc) : *xIn;
  Value dy = nchw ? permuted(l, *dyIn, kToNhwc) : *dyIn;
  FailureOr<Windowed> g =
      windowed(l, op, x, false, out->getDimSize(0), out->getDimSize(1));
  if (failed(g))
    return failure();
  auto dyt = cast<RankedTensorType>(dy.getType());
  if (failed(checkGradientWindows(op, dyt, *g, "Conv2DCustomBackpropFilter")))
    return failure();
  Type elem = out->getElementType();
  Value zero = constScalar(l.b, l.loc(), elem, 0, 0);
  Value padded = padSpatial(l, x, *g, zero);
  if (dyt.isDynamicDim(0) ||
      cast<RankedTensorType>(x.getType()).isDynamicDim(0))
    rt::CheckDimsOp::create(l.b, l.loc(), l.frame, l.dim(x, 0), l.dim(dy, 0));
  // As one matrix product: the windows as rows, transposed, times dy as
  // [N*OH*OW, F]; dy's spatial dims are the windows' (checked at run time
  // where open).
  auto xt = cast<RankedTensorType>(x.getType());
  if (!xt.isDynamicDim(3) && xt.getDimSize(3) != out->getDimSize(2))
    return op->emitError("InvalidArgument: Conv2DCustomBackpropFilter: input "
                         "and filter must have the same depth");
  if (dyt.isDynamicDim(1) || dyt.isDynamicDim(2) || dyt.isDynamicDim(3)) {
    int64_t want[3] = {g->h.out, g->wd.out, out->getDimSize(3)};
    for (int64_t d = 1; d < 4; ++d)
      if (dyt.isDynamicDim(d))
        rt::CheckDimsOp::create(l.b, l.loc(), l.frame, l.dim(dy, d),
                                l.index(want[d - 1]));
    dy = tensor::CastOp::create(
        l.b, l.loc(),
        RankedTensorType::get({dyt.getDimSize(0), g->h.out, g->wd.out,
                               out->getDimSize(3)},
                              elem),
        dy);
  }
  Value rows = patchRows(l, padded, out->getDimSize(0), out->getDimSize(1),
                         g->w.strides, g->w.dilations, g->h.out, g->wd.out);
  Value product = gemm(l, rows, rowsOf(l, dy), true);
  Value df = unrows(l, product, product, out->getDimSize(0),
                    out->getDimSize(1), out->getDimSize(2));
  l.setTensor(op, 0, df);
  return success();
}

/// BiasAddGrad: the sum over every dim but the channel (the last, or 1 in
/// NCHW).
LogicalResult lowerBiasAddGrad(NodeLowering &l, Operation *op) {
  FailureOr<Value> x = l.tensor(op, 0);
  if (failed(x))
    return failure();
  auto t = cast<RankedTensorType>(x->getType());
  if (t.getRank() < 2)
    return l.unsupported(op, "a gradient of rank under 2");
  int64_t channel = nchwOf(op) ? 1 : t.getRank() - 1;
  SmallVector<int64_t> axes;
  for (int64_t d = 0; d < t.getRank(); ++d)
    if (d != channel)
      axes.push_back(d);
  Type elem = t.getElementType();
  l.setTensor(
      op, 0,
      reduceTensor(l, *x, axes, constScalar(l.b, l.loc(), elem, 0, 0),
                   [](OpBuilder &b, Location loc, Value v, Value acc) {
                     if (isa<FloatType>(v.getType()))
                       return arith::AddFOp::create(b, loc, v, acc).getResult();
                     return arith::AddIOp::create(b, loc, v, acc).getResult();
                   }));
  return success();
}

/// dx[n, h, w, c] = the sum over the windows (oh, ow) that contain (h, w)
/// of src[n, oh, ow, c], where `argmax` (if given) names (h, w) for that
/// window (flat h * W + w): the gradient of a pool, gathered per input
/// element (a loop nest over (n, h, w, c, kh, kw), no scatter).
Value windowGather(NodeLowering &l, const Windowed &g, int64_t height,
                   int64_t width, Value src, Value argmax) {
  auto st = cast<RankedTensorType>(src.getType());
  Type elem = st.getElementType();
  MLIRContext *ctx = l.b.getContext();
  auto dxType = RankedTensorType::get(
      {st.getDimSize(0), height, width, st.getDimSize(3)}, elem);
  SmallVector<Value> dyn;
  if (st.isDynamicDim(0))
    dyn.push_back(l.dim(src, 0));
  Value init =
      linalg::FillOp::create(
          l.b, l.loc(), constScalar(l.b, l.loc(), elem, 0, 0),
          tensor::EmptyOp::create(l.b, l.loc(), dxType, dyn).getResult())
          .getResult(0);
  SmallVector<utils::IteratorType> iters(4, utils::IteratorType::parallel);
  iters.append(2, utils::IteratorType::reduction);
  AffineMap outMap =
      AffineMap::get(6, 0,
                     {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx),
                      getAffineDimExpr(2, ctx), getAffineDimExpr(3, ctx)},
                     ctx);
  // The window's [kh, kw] gives the last two loops their sizes.
  AffineMap windowMap = AffineMap::get(
      6, 0, {getAffineDimExpr(4, ctx), getAffineDimExpr(5, ctx)}, ctx);
  Value window = tensor::EmptyOp::create(
      l.b, l.loc(), ArrayRef<int64_t>{g.w.ksize[0], g.w.ksize[1]}, elem);
  int64_t strides[2] = {g.w.strides[0], g.w.strides[1]};
  int64_t pads[2] = {g.h.padBefore, g.wd.padBefore};
  int64_t outs[2] = {g.h.out, g.wd.out};
  return linalg::GenericOp::create(
             l.b, l.loc(), TypeRange{dxType}, ValueRange{window},
             ValueRange{init}, ArrayRef<AffineMap>{windowMap, outMap}, iters,
             [&](OpBuilder &b, Location loc, ValueRange args) {
               auto idx = [&](int64_t d) -> Value {
                 return linalg::IndexOp::create(b, loc, d);
               };
               auto cst = [&](int64_t v) -> Value {
                 return arith::ConstantIndexOp::create(b, loc, v);
               };
               Value valid = arith::ConstantIntOp::create(b, loc, 1, 1);
               Value pos[2];
               for (int d = 0; d < 2; ++d) {
                 // The window o with o * stride - pad + k == the input
                 // position: o = (pos + pad - k) / stride, if exact.
                 Value r = arith::SubIOp::create(
                     b, loc,
                     arith::AddIOp::create(b, loc, idx(1 + d), cst(pads[d])),
                     idx(4 + d));
                 Value s = cst(strides[d]);
                 Value o = arith::DivSIOp::create(b, loc, r, s);
                 Value exact = arith::CmpIOp::create(
                     b, loc, arith::CmpIPredicate::eq,
                     arith::RemSIOp::create(b, loc, r, s), cst(0));
                 Value inRange = arith::AndIOp::create(
                     b, loc,
                     arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, r,
                                           cst(0)),
                     arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, o,
                                           cst(outs[d])));
                 valid = arith::AndIOp::create(
                     b, loc, valid,
                     arith::AndIOp::create(b, loc, exact, inRange));
                 pos[d] = o;
               }
               // Out-of-range windows read window (0, 0) and add nothing.
               Value zeroIdx = cst(0);
               Value oh = arith::SelectOp::create(b, loc, valid, pos[0],
                                                  zeroIdx),
                     ow = arith::SelectOp::create(b, loc, valid, pos[1],
                                                  zeroIdx);
               SmallVector<Value> at{idx(0), oh, ow, idx(3)};
               if (argmax) {
                 Value flat = arith::AddIOp::create(
                     b, loc, arith::MulIOp::create(b, loc, idx(1), cst(width)),
                     idx(2));
                 Value want =
                     arith::IndexCastOp::create(b, loc, b.getI64Type(), flat);
                 Value got = tensor::ExtractOp::create(b, loc, argmax, at);
                 valid = arith::AndIOp::create(
                     b, loc, valid,
                     arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                           got, want));
               }
               Value v = tensor::ExtractOp::create(b, loc, src, at);
               Value sum = arith::AddFOp::create(b, loc, args[1], v);
               linalg::YieldOp::create(
                   b, loc,
                   arith::SelectOp::create(b, loc, valid, sum, args[1])
                       .getResult());
             })
      .getResult(0);
}

/// MaxPoolGrad(orig_input, orig_output, grad): each window's gradient goes
/// to the first (row-major) element of the window holding its maximum, as
/// TF's CPU kernel picks it; padding never holds it.
LogicalResult lowerMaxPoolGrad(NodeLowering &l, Operation *op) {
  FailureOr<Value> xIn = l.tensor(op, 0), gIn = l.tensor(op, 2);
  if (failed(xIn) || failed(gIn))
    return failure();
  bool nchw = nchwOf(op);
  Value x = nchw ? permuted(l, *xIn, kToNhwc) : *xIn;
  Value grad = nchw ? permuted(l, *gIn, kToNhwc) : *gIn;
  FailureOr<Windowed> g = windowed(l, op, x, true, 0, 0);
  if (failed(g) || failed(l.resultType(op, 0)))
    return failure();
  auto xt = cast<RankedTensorType>(x.getType());
  Type elem = xt.getElementType();
  if (!isa<FloatType>(elem))
    return l.unsupported(op, "MaxPoolGrad of integers");
  auto gt = cast<RankedTensorType>(grad.getType());
  if (failed(checkGradientWindows(op, gt, *g, "MaxPoolGrad")))
    return failure();
  Value negInf = arith::ConstantOp::create(
      l.b, l.loc(), elem,
      l.b.getFloatAttr(
          elem, APFloat::getInf(cast<FloatType>(elem).getFloatSemantics(),
                                /*Negative=*/true)));
  Value padded = padSpatial(l, x, *g, negInf);
  MLIRContext *ctx = l.b.getContext();
  // Loops (n, oh, ow, c, kh, kw): the max and the flat input position of
  // its first occurrence.
  SmallVector<AffineExpr> e;
  for (unsigned i = 0; i < 6; ++i)
    e.push_back(getAffineDimExpr(i, ctx));
  AffineMap inMap = AffineMap::get(6, 0,
                                   {e[0], e[1] * g->w.strides[0] + e[4],
                                    e[2] * g->w.strides[1] + e[5], e[3]},
                                   ctx);
  AffineMap outMap = AffineMap::get(6, 0, {e[0], e[1], e[2], e[3]}, ctx);
  AffineMap windowMap = AffineMap::get(6, 0, {e[4], e[5]}, ctx);
  Value window = tensor::EmptyOp::create(
      l.b, l.loc(), ArrayRef<int64_t>{g->w.ksize[0], g->w.ksize[1]}, elem);
  SmallVector<Value> dyn;
  if (xt.isDynamicDim(0))
    dyn.push_back(l.dim(x, 0));
  auto shape = SmallVector<int64_t>{xt.getDimSize(0), g->h.out, g->wd.out,
                                    xt.getDimSize(3)};
  auto maxType = RankedTensorType::get(shape, elem);
  auto idxType = RankedTensorType::get(shape, l.b.getI64Type());
  Value maxInit = filled(l, maxType, dyn, negInf);
  Value idxInit = filled(l, idxType, dyn, l.i64(-1));
  SmallVector<utils::IteratorType> iters(4, utils::IteratorType::parallel);
  iters.append(2, utils::IteratorType::reduction);
  int64_t width = xt.getDimSize(2);
  const Windowed &geo = *g;
  auto argmax = linalg::GenericOp::create(
      l.b, l.loc(), TypeRange{maxType, idxType}, ValueRange{padded, window},
      ValueRange{maxInit, idxInit},
      ArrayRef<AffineMap>{inMap, windowMap, outMap, outMap}, iters,
      [&](OpBuilder &b, Location loc, ValueRange args) {
        auto idx = [&](int64_t d) -> Value {
          return linalg::IndexOp::create(b, loc, d);
        };
        auto cst = [&](int64_t v) -> Value {
          return arith::ConstantIndexOp::create(b, loc, v);
        };
        // Input position (h, w) = (oh * sh + kh - pt, ow * sw + kw - pl).
        auto inputPos = [&](int d, int64_t pad) -> Value {
          Value scaled =
              arith::MulIOp::create(b, loc, idx(1 + d), cst(geo.w.strides[d]));
          return arith::SubIOp::create(
              b, loc, arith::AddIOp::create(b, loc, scaled, idx(4 + d)),
              cst(pad));
        };
        Value h = inputPos(0, geo.h.padBefore);
        Value w = inputPos(1, geo.wd.padBefore);
        Value flat = arith::IndexCastOp::create(
            b, loc, b.getI64Type(),
            arith::AddIOp::create(
                b, loc, arith::MulIOp::create(b, loc, h, cst(width)), w));
        Value greater = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT,
                                              args[0], args[2]);
        linalg::YieldOp::create(
            b, loc,
            ValueRange{
                arith::SelectOp::create(b, loc, greater, args[0], args[2]),
                arith::SelectOp::create(b, loc, greater, flat, args[3])});
      });
  Value dx =
      windowGather(l, *g, xt.getDimSize(1), width, grad, argmax.getResult(1));
  l.setTensor(op, 0, nchw ? permuted(l, dx, kToNchw) : dx);
  return success();
}

/// AvgPoolGrad(orig_input_shape, grad): each window's gradient divided by
/// its count of input elements, to each of them.
LogicalResult lowerAvgPoolGrad(NodeLowering &l, Operation *op) {
  FailureOr<Value> gIn = l.tensor(op, 1);
  bool nchw = nchwOf(op);
  FailureOr<SmallVector<int64_t>> nhwc = nhwcResultDims(l, op, nchw);
  if (failed(gIn) || failed(nhwc))
    return failure();
  SmallVector<int64_t> &dims = *nhwc;
  FailureOr<Value> sized =
      withBatch(l, op, nchw ? permuted(l, *gIn, kToNhwc) : *gIn, dims[0]);
  FailureOr<Windowed> g = windowedSizes(l, op, dims[1], dims[2], true, 0, 0);
  if (failed(sized) || failed(g))
    return failure();
  Value grad = *sized;
  auto gt = cast<RankedTensorType>(grad.getType());
  if (failed(checkGradientWindows(op, gt, *g, "AvgPoolGrad")))
    return failure();
  Value scaled = divideByWindowCounts(l, grad, *g, dims[1], dims[2]);
  Value dx = windowGather(l, *g, dims[1], dims[2], scaled, Value());
  l.setTensor(op, 0, nchw ? permuted(l, dx, kToNchw) : dx);
  return success();
}

} // namespace

void kiln::populateNNLowerings(NodeLoweringTable &table) {
  table["MatMul"] = lowerMatMul;
  for (const char *t : {"Sum", "Mean", "Prod", "Max", "Min", "All", "Any"})
    table[t] = lowerReduction;
  table["ArgMax"] = lowerArgMax;
  table["ArgMin"] = lowerArgMax;
  table["Softmax"] = lowerSoftmax;
  table["LogSoftmax"] = lowerSoftmax;
  table["Conv2D"] = lowerConv2D;
  table["MaxPool"] = lowerPool;
  table["AvgPool"] = lowerPool;
  table["Conv2DBackpropInput"] = lowerConv2DBackpropInput;
  table["Conv2DBackpropFilter"] = lowerConv2DBackpropFilter;
  table["BiasAddGrad"] = lowerBiasAddGrad;
  table["MaxPoolGrad"] = lowerMaxPoolGrad;
  table["AvgPoolGrad"] = lowerAvgPoolGrad;
}
