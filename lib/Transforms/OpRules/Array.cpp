//===- Array.cpp - Rules of constants, placeholders and shape ops ---------===//
//
// Const, Placeholder, and the ops that move values without computing on
// them: Shape, Reshape, ExpandDims, Squeeze, Fill, Tile, ConcatV2, Pack,
// Transpose, Slice, and the gradient helper BroadcastGradientArgs. Their
// shape functions read constant inputs (a target shape, axes, a
// permutation); their folders copy values.
//
//===----------------------------------------------------------------------===//
#include "Rules.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::graph;
using namespace kiln::rules;

namespace {

//===----------------------------------------------------------------------===//
// Shape functions
//===----------------------------------------------------------------------===//

ShapeResult constShape(const ShapeContext &ctx) {
  auto e = dyn_cast_or_null<ElementsAttr>(ctx.attr("value"));
  if (!e)
    return ShapeResult::none();
  return ShapeResult::single(
      Shape::of(cast<ShapedType>(e.getType()).getShape()));
}

/// Placeholders (and, in the State family, variables): the `shape` attr.
ShapeResult shapeAttrShape(const ShapeContext &ctx) {
  return ShapeResult::single(Shape::fromAttr(ctx.attr("shape")));
}

ShapeResult shapeOpShape(const ShapeContext &ctx) {
  Shape s = ctx.input(0);
  return ShapeResult::single(
      Shape::of({s.ranked ? int64_t(s.dims.size()) : -1}));
}

/// ShapeN: a vector of each input's rank.
ShapeResult shapeNShape(const ShapeContext &ctx) {
  ShapeResult r;
  for (unsigned i = 0; i < ctx.numInputs(); ++i) {
    Shape s = ctx.input(i);
    r.outputs.push_back(Shape::of({s.ranked ? int64_t(s.dims.size()) : -1}));
  }
  return r;
}

ShapeResult reshapeShape(const ShapeContext &ctx) {
  std::optional<SmallVector<int64_t>> target = ctx.constInts(1);
  if (!target) {
    // To the shape of another tensor (gradients restoring a shape): that
    // tensor's shape; otherwise the rank, from the shape vector's length.
    Operation *def = ctx.inputs()[1].getDefiningOp();
    if (def && isNode(def) && getNodeOpType(def) == "Shape")
      return ShapeResult::single(Shape::ofValue(getDataOperands(def)[0]));
    Shape target = ctx.input(1);
    if (target.ranked && target.dims.size() == 1 && target.dims[0] >= 0)
      return ShapeResult::single(
          Shape::of(SmallVector<int64_t>(target.dims[0], -1)));
    return ShapeResult::single(Shape::unknown());
  }
  Shape src = ctx.input(0);
  Shape out = Shape::of(*target);
  int unknown = -1;
  int64_t known = 1;
  for (auto [k, d] : llvm::enumerate(out.dims)) {
    if (d == -1) {
      if (unknown >= 0)
        return ShapeResult::failure("can only infer one unknown dimension");
      unknown = k;
    } else {
      known *= d;
    }
  }
  bool srcStatic =
      src.ranked && llvm::all_of(src.dims, [](int64_t d) { return d >= 0; });
  if (srcStatic) {
    int64_t n = numElements(src.dims);
    if (unknown >= 0) {
      if (known == 0 || n % known != 0)
        return ShapeResult::failure(
            "Input to reshape is a tensor with " + std::to_string(n) +
            " values, but the requested shape requires a multiple of " +
            std::to_string(known));
      out.dims[unknown] = n / known;
    } else if (n != known) {
      return ShapeResult::failure(
          "Input to reshape is a tensor with " + std::to_string(n) +
          " values, but the requested shape has " + std::to_string(known));
    }
  }
  return ShapeResult::single(out);
}

ShapeResult expandDimsShape(const ShapeContext &ctx) {
  Shape s = ctx.input(0);
  std::optional<SmallVector<int64_t>> dim = ctx.constInts(1);
  if (!s.ranked || !dim || dim->size() != 1)
    return ShapeResult::single(Shape::unknown());
  int64_t d = (*dim)[0], rank = s.dims.size();
  if (d < -rank - 1 || d > rank)
    return ShapeResult::failure("dim " + std::to_string(d) + " out of range");
  if (d < 0)
    d += rank + 1;
  s.dims.insert(s.dims.begin() + d, 1);
  return ShapeResult::single(s);
}

ShapeResult squeezeShape(const ShapeContext &ctx) {
  Shape s = ctx.input(0);
  if (!s.ranked)
    return ShapeResult::single(s);
  SmallVector<int64_t> axes;
  if (auto a = dyn_cast_or_null<ArrayAttr>(ctx.attr("squeeze_dims")))
    for (Attribute x : a)
      axes.push_back(cast<IntegerAttr>(x).getInt());
  Shape out = Shape::of({});
  int64_t rank = s.dims.size();
  for (int64_t k = 0; k < rank; ++k) {
    bool listed =
        llvm::is_contained(axes, k) || llvm::is_contained(axes, k - rank);
    if (axes.empty() ? s.dims[k] == 1 : listed) {
      if (s.dims[k] >= 0 && s.dims[k] != 1)
        return ShapeResult::failure("Can not squeeze dim[" + std::to_string(k) +
                                    "], expected a dimension of 1, got " +
                                    std::to_string(s.dims[k]));
      continue;
    }
    // Squeezing every size-1 dim: an unknown dim might be one.
    if (axes.empty() && s.dims[k] < 0)
      return ShapeResult::single(Shape::unknown());
    out.dims.push_back(s.dims[k]);
  }
  return ShapeResult::single(out);
}

ShapeResult fillShape(const ShapeContext &ctx) {
  return shapeFromShapeInput(ctx, 0);
}

ShapeResult tileShape(const ShapeContext &ctx) {
  Shape s = ctx.input(0);
  std::optional<SmallVector<int64_t>> mult = ctx.constInts(1);
  if (!s.ranked || !mult || mult->size() != s.dims.size())
    return ShapeResult::single(
        s.ranked ? Shape::of(SmallVector<int64_t>(s.dims.size(), -1)) : s);
  for (auto [k, m] : llvm::enumerate(*mult))
    if (s.dims[k] >= 0)
      s.dims[k] *= m;
  return ShapeResult::single(s);
}

ShapeResult concatV2Shape(const ShapeContext &ctx) {
  unsigned n = ctx.numInputs() - 1;
  std::optional<SmallVector<int64_t>> axisVals = ctx.constInts(n);
  SmallVector<Shape> parts;
  for (unsigned i = 0; i < n; ++i)
    parts.push_back(ctx.input(i));
  if (!axisVals ||
      llvm::any_of(parts, [](const Shape &s) { return !s.ranked; }))
    return ShapeResult::single(Shape::unknown());
  int64_t rank = parts[0].dims.size(), axis = (*axisVals)[0];
  if (axis < 0)
    axis += rank;
  Shape out = parts[0];
  for (size_t p = 1; p < parts.size(); ++p) {
    if (int64_t(parts[p].dims.size()) != rank)
      return ShapeResult::failure(
          "ConcatOp : Ranks of all input tensors should match");
    for (int64_t k = 0; k < rank; ++k) {
      int64_t d = parts[p].dims[k];
      if (k == axis)
        out.dims[k] = out.dims[k] < 0 || d < 0 ? -1 : out.dims[k] + d;
      else if (out.dims[k] < 0)
        out.dims[k] = d;
    }
  }
  return ShapeResult::single(out);
}

ShapeResult packShape(const ShapeContext &ctx) {
  Shape s = ctx.input(0);
  if (!s.ranked)
    return ShapeResult::single(s);
  int64_t axis = ctx.intAttr("axis", 0), rank = s.dims.size();
  if (axis < 0)
    axis += rank + 1;
  s.dims.insert(s.dims.begin() + axis, int64_t(ctx.numInputs()));
  return ShapeResult::single(s);
}

ShapeResult transposeShape(const ShapeContext &ctx) {
  Shape s = ctx.input(0);
  std::optional<SmallVector<int64_t>> perm = ctx.constInts(1);
  if (!s.ranked || !perm || perm->size() != s.dims.size())
    return ShapeResult::single(Shape::unknown());
  Shape out = Shape::of({});
  for (int64_t p : *perm)
    out.dims.push_back(s.dims[p]);
  return ShapeResult::single(out);
}

/// Slice(input, begin, size): `size` gives the dims, -1 meaning "to the
/// end". Bounds that are known and violated fail as TF's kernel does.
ShapeResult sliceShape(const ShapeContext &ctx) {
  Shape s = ctx.input(0);
  std::optional<SmallVector<int64_t>> begin = ctx.constInts(1),
                                      size = ctx.constInts(2);
  if (!size) {
    // The rank, from the size vector's length.
    Shape sizeShape = ctx.input(2);
    if (sizeShape.ranked && sizeShape.dims.size() == 1 &&
        sizeShape.dims[0] >= 0)
      return ShapeResult::single(
          Shape::of(SmallVector<int64_t>(sizeShape.dims[0], -1)));
    return ShapeResult::single(
        s.ranked ? Shape::of(SmallVector<int64_t>(s.dims.size(), -1)) : s);
  }
  int64_t rank = size->size();
  if ((s.ranked && int64_t(s.dims.size()) != rank) ||
      (begin && int64_t(begin->size()) != rank)) {
    Shape beginShape = ctx.input(1);
    std::string beginLen = begin ? std::to_string(begin->size())
                           : beginShape.ranked && beginShape.dims.size() == 1 &&
                                   beginShape.dims[0] >= 0
                               ? std::to_string(beginShape.dims[0])
                               : "?";
    return ShapeResult::failure(
        "Expected begin and size arguments to be 1-D tensors of size " +
        std::to_string(s.ranked ? int64_t(s.dims.size()) : rank) +
        ", but got shapes [" + beginLen + "] and [" + std::to_string(rank) +
        "] instead.");
  }
  Shape out = Shape::of({});
  for (int64_t d = 0; d < rank; ++d) {
    int64_t dim = s.ranked ? s.dims[d] : -1;
    int64_t sz = (*size)[d];
    if (!begin || dim < 0) {
      out.dims.push_back(sz >= 0 ? sz : -1);
      continue;
    }
    int64_t b = (*begin)[d];
    if (b < 0 || b > dim)
      return ShapeResult::failure("Expected begin[" + std::to_string(d) +
                                  "] in [0, " + std::to_string(dim) +
                                  "], but got " + std::to_string(b));
    if (sz == -1)
      sz = dim - b;
    if (sz < 0 || b + sz > dim)
      return ShapeResult::failure("Expected size[" + std::to_string(d) +
                                  "] in [0, " + std::to_string(dim - b) +
                                  "], but got " + std::to_string(sz));
    out.dims.push_back(sz);
  }
  return ShapeResult::single(out);
}

//===----------------------------------------------------------------------===//
// Folders
//===----------------------------------------------------------------------===//

/// Shape, Size and Rank only need a static input shape.
FoldResult foldShapeOf(const FoldContext &ctx) {
  auto in = dyn_cast<RankedTensorType>(ctx.inputs()[0].getType());
  if (!in || !in.hasStaticShape())
    return std::nullopt;
  ConstTensor out;
  if (ctx.opType() == "Shape") {
    out.shape = {in.getRank()};
    out.i.assign(in.getShape().begin(), in.getShape().end());
  } else {
    out.i = {ctx.opType() == "Size" ? in.getNumElements() : in.getRank()};
  }
  return single(std::move(out));
}

/// Reshape, ExpandDims, Squeeze: the values of input 0 in the result's
/// shape, once shape inference has made it static.
FoldResult foldToResultShape(const FoldContext &ctx) {
  const SmallVector<ConstTensor> *in = ctx.constInputs();
  std::optional<SmallVector<int64_t>> shape = staticResultShape(ctx.op(), 0);
  if (!in || !shape)
    return std::nullopt;
  ConstTensor r = (*in)[0];
  r.shape = *shape;
  return single(std::move(r));
}

FoldResult foldZerosOnesLike(const FoldContext &ctx) {
  const SmallVector<ConstTensor> *in = ctx.constInputs();
  if (!in)
    return std::nullopt;
  int64_t v = ctx.opType() == "OnesLike";
  ConstTensor r = (*in)[0];
  for (double &x : r.f)
    x = double(v);
  for (int64_t &x : r.i)
    x = v;
  return single(std::move(r));
}

FoldResult foldFill(const FoldContext &ctx) {
  const SmallVector<ConstTensor> *in = ctx.constInputs();
  if (!in || (*in)[0].isFloat || (*in)[1].size() != 1)
    return std::nullopt;
  const ConstTensor &dims = (*in)[0], &value = (*in)[1];
  SmallVector<int64_t> shape(dims.i.begin(), dims.i.end());
  int64_t n = numElements(shape);
  if (n > ctx.maxElements() ||
      llvm::any_of(shape, [](int64_t d) { return d < 0; }))
    return std::nullopt;
  ConstTensor r;
  r.shape = shape;
  r.isFloat = value.isFloat;
  if (r.isFloat)
    r.f.assign(n, value.f[0]);
  else
    r.i.assign(n, value.i[0]);
  return single(std::move(r));
}

FoldResult foldPack(const FoldContext &ctx) {
  const SmallVector<ConstTensor> *inputs = ctx.constInputs();
  if (!inputs)
    return std::nullopt;
  const SmallVector<ConstTensor> &in = *inputs;
  auto axisAttr = ctx.op()->getAttrOfType<IntegerAttr>("axis");
  int64_t axis = axisAttr ? axisAttr.getInt() : 0;
  int64_t rank = int64_t(in[0].shape.size()) + 1;
  if (axis < 0)
    axis += rank;
  for (const ConstTensor &v : in)
    if (v.shape != in[0].shape || v.isFloat != in[0].isFloat)
      return std::nullopt;
  if (axis < 0 || axis >= rank)
    return std::nullopt;
  ConstTensor r;
  r.isFloat = in[0].isFloat;
  r.shape = in[0].shape;
  r.shape.insert(r.shape.begin() + axis, int64_t(in.size()));
  // Outer = product of dims before axis, inner = after.
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= in[0].shape[d];
  for (size_t d = axis; d < in[0].shape.size(); ++d)
    inner *= in[0].shape[d];
  for (int64_t o = 0; o < outer; ++o)
    for (const ConstTensor &v : in)
      for (int64_t k = 0; k < inner; ++k)
        copyElem(r, v, o * inner + k);
  return single(std::move(r));
}

FoldResult foldConcatV2(const FoldContext &ctx) {
  const SmallVector<ConstTensor> *inputs = ctx.constInputs();
  if (!inputs)
    return std::nullopt;
  const SmallVector<ConstTensor> &in = *inputs;
  const ConstTensor &axisV = in.back();
  if (axisV.isFloat || axisV.i.size() != 1)
    return std::nullopt;
  int64_t rank = int64_t(in[0].shape.size());
  int64_t axis = axisV.i[0] < 0 ? axisV.i[0] + rank : axisV.i[0];
  if (rank == 0 || axis < 0 || axis >= rank)
    return std::nullopt;
  ConstTensor r;
  r.isFloat = in[0].isFloat;
  r.shape = in[0].shape;
  r.shape[axis] = 0;
  for (size_t k = 0; k + 1 < in.size(); ++k) {
    if (int64_t(in[k].shape.size()) != rank || in[k].isFloat != r.isFloat)
      return std::nullopt;
    r.shape[axis] += in[k].shape[axis];
  }
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= in[0].shape[d];
  for (int64_t o = 0; o < outer; ++o)
    for (size_t k = 0; k + 1 < in.size(); ++k) {
      int64_t chunk = 1;
      for (int64_t d = axis; d < rank; ++d)
        chunk *= in[k].shape[d];
      for (int64_t e = 0; e < chunk; ++e)
        copyElem(r, in[k], o * chunk + e);
    }
  return single(std::move(r));
}

FoldResult foldSlice(const FoldContext &ctx) {
  const SmallVector<ConstTensor> *inputs = ctx.constInputs();
  if (!inputs)
    return std::nullopt;
  const SmallVector<ConstTensor> &in = *inputs;
  if (in[1].isFloat || in[2].isFloat)
    return std::nullopt;
  int64_t rank = int64_t(in[0].shape.size());
  if (int64_t(in[1].i.size()) != rank || int64_t(in[2].i.size()) != rank)
    return std::nullopt;
  SmallVector<int64_t> begin(in[1].i.begin(), in[1].i.end()), size;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t sz = in[2].i[d] == -1 ? in[0].shape[d] - begin[d] : in[2].i[d];
    if (begin[d] < 0 || sz < 0 || begin[d] + sz > in[0].shape[d])
      return std::nullopt;
    size.push_back(sz);
  }
  ConstTensor r;
  r.isFloat = in[0].isFloat;
  r.shape = size;
  SmallVector<int64_t> st = stridesOf(in[0].shape), outSt = stridesOf(size);
  for (int64_t flat = 0; flat < numElements(size); ++flat) {
    int64_t src = 0;
    for (int64_t d = 0; d < rank; ++d)
      src += ((flat / outSt[d]) % size[d] + begin[d]) * st[d];
    copyElem(r, in[0], src);
  }
  return single(std::move(r));
}

/// TF's BroadcastGradientArgs: for shapes s0, s1, the axes each input's
/// gradient must be summed over. Dims may be -1 (known only at run time)
/// where `symbolic`: two unknown dims at the same position are equal
/// (compiled broadcasting requires it: the forward op failed otherwise), an
/// unknown dim against a known 1 is reduced on the 1's side, and the axes
/// where both are 1, which TF sums over too, are left out (the Reshape
/// after the Sum makes that the same). An unknown dim against a known one
/// > 1 depends on the run: not folded.
FoldResult broadcastGradientArgs(const ConstTensor &a, const ConstTensor &b,
                                 bool symbolic) {
  if (a.isFloat || b.isFloat)
    return std::nullopt;
  size_t r = std::max(a.i.size(), b.i.size());
  auto dimAt = [&](const ConstTensor &v, size_t k) {
    size_t off = r - v.i.size();
    return k < off ? int64_t(1) : v.i[k - off];
  };
  ConstTensor r0, r1;
  for (size_t k = 0; k < r; ++k) {
    int64_t x = dimAt(a, k), y = dimAt(b, k);
    if (x == y) {
      if (x == 1 && !symbolic) {
        r0.i.push_back(int64_t(k));
        r1.i.push_back(int64_t(k));
      }
      continue;
    }
    if (x == 1)
      r0.i.push_back(int64_t(k));
    else if (y == 1)
      r1.i.push_back(int64_t(k));
    else
      return std::nullopt; // an error at run time, or unknown vs. > 1
  }
  r0.shape = {int64_t(r0.i.size())};
  r1.shape = {int64_t(r1.i.size())};
  return SmallVector<ConstTensor>{r0, r1};
}

/// The dims a shape vector holds, -1 where only the run knows them: a
/// constant, or `Shape` of a ranked tensor.
std::optional<ConstTensor> shapeDims(Value v) {
  if (std::optional<ConstTensor> c = ConstTensor::read(v))
    return c;
  Operation *def = v.getDefiningOp();
  if (!def || !isNode(def) || getNodeOpType(def) != "Shape")
    return std::nullopt;
  auto in = dyn_cast<RankedTensorType>(getDataOperands(def)[0].getType());
  if (!in)
    return std::nullopt;
  ConstTensor out;
  out.shape = {in.getRank()};
  for (int64_t d : in.getShape())
    out.i.push_back(ShapedType::isDynamic(d) ? -1 : d);
  return out;
}

FoldResult foldBroadcastGradientArgs(const FoldContext &ctx) {
  if (const SmallVector<ConstTensor> *in = ctx.constInputs())
    return broadcastGradientArgs((*in)[0], (*in)[1], /*symbolic=*/false);
  std::optional<ConstTensor> a = shapeDims(ctx.inputs()[0]),
                             b = shapeDims(ctx.inputs()[1]);
  if (!a || !b)
    return std::nullopt;
  return broadcastGradientArgs(*a, *b, /*symbolic=*/true);
}

} // namespace

void kiln::populateArrayOpRules(OpRuleTable &table) {
  constexpr OpFamily family = OpFamily::Array;
  table.addShapeFn(family, {"Const"}, constShape);
  table.addShapeFn(family, {"Placeholder", "PlaceholderV2"}, shapeAttrShape);
  table.addShapeFn(family, {"Shape"}, shapeOpShape);
  table.addShapeFn(family, {"ShapeN"}, shapeNShape);
  table.addShapeFn(family, {"Reshape"}, reshapeShape);
  table.addShapeFn(family, {"ExpandDims"}, expandDimsShape);
  table.addShapeFn(family, {"Squeeze"}, squeezeShape);
  table.addShapeFn(family, {"Fill"}, fillShape);
  table.addShapeFn(family, {"Tile"}, tileShape);
  table.addShapeFn(family, {"ConcatV2"}, concatV2Shape);
  table.addShapeFn(family, {"Pack"}, packShape);
  table.addShapeFn(family, {"Transpose"}, transposeShape);
  table.addShapeFn(family, {"Slice"}, sliceShape);

  table.addFolder(family, {"Shape", "Size", "Rank"}, foldShapeOf);
  table.addFolder(family, {"Reshape", "ExpandDims", "Squeeze"},
                  foldToResultShape);
  table.addFolder(family, {"ZerosLike", "OnesLike"}, foldZerosOnesLike);
  table.addFolder(family, {"Fill"}, foldFill);
  table.addFolder(family, {"Pack"}, foldPack);
  table.addFolder(family, {"ConcatV2"}, foldConcatV2);
  table.addFolder(family, {"Slice"}, foldSlice);
  table.addFolder(family, {"BroadcastGradientArgs"}, foldBroadcastGradientArgs);
}
