//===- NN.cpp - Rules of matrix products and reductions -------------------===//
//
// MatMul, Conv2D and the pools, the reductions (Sum, Mean, Prod, Max, Min, All,
// Any) and ArgMax/ArgMin. Softmax and LogSoftmax keep their input's shape
// (`ShapeFn UnchangedShape` in the op table). Reductions of constants fold.
//
//===----------------------------------------------------------------------===//
#include "Rules.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace kiln;
using namespace kiln::rules;

std::optional<SmallVector<int64_t>> kiln::normalizeAxes(ArrayRef<int64_t> axes,
                                                        int64_t rank) {
  SmallVector<int64_t> out;
  for (int64_t a : axes) {
    if (a < -rank || a >= rank)
      return std::nullopt;
    out.push_back(a < 0 ? a + rank : a);
  }
  llvm::sort(out);
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

namespace {

//===----------------------------------------------------------------------===//
// Shape functions
//===----------------------------------------------------------------------===//

ShapeResult matMulShape(const ShapeContext &ctx) {
  Shape a = ctx.input(0), b = ctx.input(1);
  if (!a.ranked || !b.ranked)
    return ShapeResult::single(Shape::of({-1, -1}));
  if (a.dims.size() != 2 || b.dims.size() != 2)
    return ShapeResult::failure(
        "Shape must be rank 2 but is rank " +
        std::to_string(a.dims.size() != 2 ? a.dims.size() : b.dims.size()));
  bool ta = ctx.boolAttr("transpose_a"), tb = ctx.boolAttr("transpose_b");
  int64_t m = a.dims[ta ? 1 : 0], ka = a.dims[ta ? 0 : 1];
  int64_t kb = b.dims[tb ? 1 : 0], n = b.dims[tb ? 0 : 1];
  if (ka >= 0 && kb >= 0 && ka != kb)
    return ShapeResult::failure("Matrix size-incompatible: In[0]: " + a.str() +
                                ", In[1]: " + b.str());
  return ShapeResult::single(Shape::of({m, n}));
}

/// Conv2D, MaxPool, AvgPool: [N, OH, OW, C] in the node's data format (C
/// the filter's output depth for Conv2D, the input's for pools).
ShapeResult windowedShape(const ShapeContext &ctx) {
  bool pool = ctx.opType() != "Conv2D";
  std::string error;
  bool unsupported = false;
  std::optional<WindowAttrs> w =
      windowAttrs(ctx.op(), pool, error, unsupported);
  if (!w)
    return unsupported ? ShapeResult::single(Shape::unknown())
                       : ShapeResult::failure(error);
  Shape in = ctx.input(0);
  if (in.ranked && in.dims.size() != 4)
    return ShapeResult::failure("Shape must be rank 4 but is rank " +
                                std::to_string(in.dims.size()));
  int hDim = w->nchw ? 2 : 1, wDim = w->nchw ? 3 : 2, cDim = w->nchw ? 1 : 3;
  auto at = [&](const Shape &s, int d) -> int64_t {
    return s.ranked ? s.dims[d] : -1;
  };
  int64_t kh = w->ksize[0], kw = w->ksize[1], depth = at(in, cDim);
  if (!pool) {
    Shape f = ctx.input(1);
    if (f.ranked && f.dims.size() != 4)
      return ShapeResult::failure("Shape must be rank 4 but is rank " +
                                  std::to_string(f.dims.size()));
    kh = at(f, 0), kw = at(f, 1);
    int64_t filterDepth = at(f, 2);
    if (depth > 0 && filterDepth > 0 && depth % filterDepth != 0)
      return ShapeResult::failure(
          "Depth of input (" + std::to_string(depth) +
          ") is not a multiple of input depth of filter (" +
          std::to_string(filterDepth) + ")");
    depth = at(f, 3);
  }
  int64_t dims[2] = {-1, -1};
  int64_t sizes[2] = {at(in, hDim), at(in, wDim)}, k[2] = {kh, kw};
  for (int d = 0; d < 2; ++d) {
    if (k[d] < 0)
      continue;
    std::optional<WindowDim> wd = windowDim(sizes[d], k[d], w->strides[d],
                                            w->dilations[d], w->same, error);
    if (!wd)
      return ShapeResult::failure(error);
    dims[d] = wd->out;
  }
  int64_t n = at(in, 0);
  return ShapeResult::single(w->nchw ? Shape::of({n, depth, dims[0], dims[1]})
                                     : Shape::of({n, dims[0], dims[1], depth}));
}

/// BiasAddGrad: [C], the channel dim of its (at least 2-D) input.
ShapeResult biasAddGradShape(const ShapeContext &ctx) {
  Shape in = ctx.input(0);
  if (!in.ranked)
    return ShapeResult::single(Shape::of({-1}));
  if (in.dims.size() < 2)
    return ShapeResult::failure("Shape must be at least rank 2 but is rank " +
                                std::to_string(in.dims.size()));
  auto fmt = dyn_cast_or_null<StringAttr>(ctx.attr("data_format"));
  bool nchw = fmt && fmt.getValue() == "NCHW";
  return ShapeResult::single(
      Shape::of({in.dims[nchw ? 1 : in.dims.size() - 1]}));
}

/// The convolution and average-pool gradients' shapes are their sizes
/// input's values.
ShapeResult convBackpropInputShape(const ShapeContext &ctx) {
  return shapeFromShapeInput(ctx, 0);
}
ShapeResult convBackpropFilterShape(const ShapeContext &ctx) {
  return shapeFromShapeInput(ctx, 1);
}

/// `in` reduced over the constant `axes` (out-of-range axes are the
/// kernel's error to report).
Shape reduce(const Shape &in, std::optional<SmallVector<int64_t>> axes,
             bool keepDims) {
  if (!in.ranked || !axes)
    return Shape::unknown();
  int64_t rank = in.dims.size();
  SmallVector<bool> reduced(rank, false);
  for (int64_t a : *axes)
    if (a >= -rank && a < rank)
      reduced[a < 0 ? a + rank : a] = true;
  Shape out = Shape::of({});
  for (int64_t k = 0; k < rank; ++k) {
    if (!reduced[k])
      out.dims.push_back(in.dims[k]);
    else if (keepDims)
      out.dims.push_back(1);
  }
  return out;
}

ShapeResult reductionShape(const ShapeContext &ctx) {
  return ShapeResult::single(
      reduce(ctx.input(0), ctx.constInts(1), ctx.boolAttr("keep_dims")));
}

ShapeResult argMaxShape(const ShapeContext &ctx) {
  return ShapeResult::single(
      reduce(ctx.input(0), ctx.constInts(1), /*keepDims=*/false));
}

//===----------------------------------------------------------------------===//
// Folders
//===----------------------------------------------------------------------===//

/// Sum/Prod/Max/Min of `in` over `axes`.
std::optional<ConstTensor> reduceConst(const ConstTensor &in,
                                       ArrayRef<int64_t> axes, bool keepDims,
                                       StringRef kind) {
  std::optional<SmallVector<int64_t>> ax =
      kiln::normalizeAxes(axes, static_cast<int64_t>(in.shape.size()));
  if (!ax)
    return std::nullopt;
  SmallVector<int64_t> outShape, keptShape;
  for (size_t d = 0; d < in.shape.size(); ++d) {
    bool reduced = llvm::is_contained(*ax, int64_t(d));
    keptShape.push_back(reduced ? 1 : in.shape[d]);
    if (!reduced)
      outShape.push_back(in.shape[d]);
    else if (keepDims)
      outShape.push_back(1);
  }
  int64_t n = numElements(keptShape);
  double init = kind == "Prod"  ? 1
                : kind == "Max" ? -INFINITY
                : kind == "Min" ? INFINITY
                                : 0;
  std::vector<double> acc(n, init);
  SmallVector<int64_t> inStrides = stridesOf(in.shape),
                       keptStrides = stridesOf(keptShape);
  for (int64_t flat = 0; flat < numElements(in.shape); ++flat) {
    int64_t o = 0;
    for (size_t d = 0; d < in.shape.size(); ++d) {
      int64_t c = (flat / inStrides[d]) % in.shape[d];
      if (keptShape[d] != 1)
        o += c * keptStrides[d];
    }
    double v = in.isFloat ? in.f[flat] : double(in.i[flat]);
    double &a = acc[o];
    a = kind == "Prod"  ? a * v
        : kind == "Max" ? std::max(a, v)
        : kind == "Min" ? std::min(a, v)
                        : a + v;
  }
  ConstTensor out;
  out.shape = outShape;
  out.isFloat = in.isFloat;
  for (double v : acc) {
    if (in.isFloat)
      out.f.push_back(v);
    else
      out.i.push_back(int64_t(v));
  }
  return out;
}

FoldResult foldReduction(const FoldContext &ctx) {
  const SmallVector<ConstTensor> *in = ctx.constInputs();
  if (!in || (*in)[1].isFloat ||
      numElements((*in)[0].shape) > ctx.maxElements())
    return std::nullopt;
  StringRef type = ctx.opType();
  std::optional<ConstTensor> r =
      reduceConst((*in)[0], (*in)[1].i, ctx.boolAttr("keep_dims"),
                  type == "Mean" ? "Sum" : type);
  if (r && type == "Mean") {
    int64_t count = numElements((*in)[0].shape) /
                    std::max<int64_t>(1, numElements(r->shape));
    if (count == 0)
      return std::nullopt;
    for (double &x : r->f)
      x /= double(count);
    for (int64_t &x : r->i)
      x /= count;
  }
  if (!r)
    return std::nullopt;
  return single(std::move(*r));
}

} // namespace

void kiln::populateNNOpRules(OpRuleTable &table) {
  constexpr OpFamily family = OpFamily::NN;
  table.addShapeFn(family, {"MatMul"}, matMulShape);
  table.addShapeFn(family, {"Sum", "Mean", "Prod", "Max", "Min", "All", "Any"},
                   reductionShape);
  table.addShapeFn(family, {"ArgMax", "ArgMin"}, argMaxShape);
  table.addShapeFn(family, {"Conv2D", "MaxPool", "AvgPool"}, windowedShape);
  table.addShapeFn(family, {"Conv2DBackpropInput", "AvgPoolGrad"},
                   convBackpropInputShape);
  table.addShapeFn(family, {"Conv2DBackpropFilter"}, convBackpropFilterShape);
  table.addShapeFn(family, {"BiasAddGrad"}, biasAddGradShape);

  table.addFolder(family, {"Sum", "Prod", "Max", "Min", "Mean"}, foldReduction);
}
