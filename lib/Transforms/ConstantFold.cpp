//===- ConstantFold.cpp - Evaluate pure nodes on constant inputs ----------===//
//
// Values are computed in double (floats) or int64 (integers) and rounded to
// the result type: for +, -, *, / of float32 that equals float32 arithmetic
// (double has more than twice float's precision), so folded constants hold
// exactly what TF would compute.
//
//===----------------------------------------------------------------------===//
#include "kiln/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/APFloat.h"

#include <cmath>
#include <functional>

namespace kiln {
#define GEN_PASS_DEF_GRAPHCONSTANTFOLD
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::graph;

namespace {

/// A folded tensor: shape and values as double or int64 by element kind.
struct Value64 {
  SmallVector<int64_t> shape;
  bool isFloat = false;
  std::vector<double> f;
  std::vector<int64_t> i;
  int64_t size() const { return isFloat ? f.size() : i.size(); }
};

std::optional<Value64> readConst(Value v) {
  auto c = v.getDefiningOp<ConstOp>();
  if (!c || !getControlOperands(c).empty())
    return std::nullopt;
  auto dense = dyn_cast<DenseElementsAttr>(c.getValue());
  if (!dense)
    return std::nullopt;
  Type elem = dense.getElementType();
  Value64 out;
  out.shape.assign(dense.getType().getShape().begin(),
                   dense.getType().getShape().end());
  if (isa<FloatType>(elem)) {
    out.isFloat = true;
    for (APFloat x : dense.getValues<APFloat>())
      out.f.push_back(x.convertToDouble());
  } else if (auto it = dyn_cast<IntegerType>(elem)) {
    for (APInt x : dense.getValues<APInt>())
      out.i.push_back(it.isUnsigned() || it.getWidth() == 1 ? x.getZExtValue()
                                                            : x.getSExtValue());
  } else {
    return std::nullopt;
  }
  return out;
}

/// Builds the elements attr of `type` (ranked, static) from values.
Attribute buildAttr(RankedTensorType type, const Value64 &v) {
  Type elem = type.getElementType();
  if (auto ft = dyn_cast<FloatType>(elem)) {
    SmallVector<APFloat> vals;
    for (double d :
         v.isFloat ? v.f : std::vector<double>(v.i.begin(), v.i.end())) {
      APFloat x(d);
      bool lost;
      x.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      vals.push_back(x);
    }
    return DenseElementsAttr::get(type, vals);
  }
  auto it = cast<IntegerType>(elem);
  SmallVector<APInt> vals;
  for (size_t k = 0; k < size_t(v.size()); ++k) {
    int64_t x = v.isFloat ? int64_t(std::trunc(v.f[k])) : v.i[k];
    if (it.getWidth() == 1)
      x = x != 0;
    vals.push_back(APInt(it.getWidth(), uint64_t(x), !it.isUnsigned()));
  }
  return DenseElementsAttr::get(type, vals);
}

/// numpy broadcasting of two shapes; nullopt if incompatible.
std::optional<SmallVector<int64_t>> broadcast(ArrayRef<int64_t> a,
                                              ArrayRef<int64_t> b) {
  size_t r = std::max(a.size(), b.size());
  SmallVector<int64_t> out(r);
  for (size_t k = 0; k < r; ++k) {
    int64_t x = k < r - a.size() ? 1 : a[k - (r - a.size())];
    int64_t y = k < r - b.size() ? 1 : b[k - (r - b.size())];
    if (x != y && x != 1 && y != 1)
      return std::nullopt;
    out[k] = x == 1 ? y : x;
  }
  return out;
}

/// Flat index into an operand of shape `s` for output coordinates `idx`.
int64_t operandIndex(ArrayRef<int64_t> s, ArrayRef<int64_t> idx) {
  int64_t flat = 0;
  size_t off = idx.size() - s.size();
  for (size_t k = 0; k < s.size(); ++k)
    flat = flat * s[k] + (s[k] == 1 ? 0 : idx[k + off]);
  return flat;
}

int64_t numElements(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

using FloatFn = std::function<double(double, double)>;
using IntFn = std::function<std::optional<int64_t>(int64_t, int64_t)>;

std::optional<Value64> binary(const Value64 &a, const Value64 &b,
                              const FloatFn &ff, const IntFn &fi,
                              bool boolResult, int64_t maxElements) {
  auto shape = broadcast(a.shape, b.shape);
  if (!shape || numElements(*shape) > maxElements || a.isFloat != b.isFloat)
    return std::nullopt;
  Value64 out;
  out.shape = *shape;
  out.isFloat = a.isFloat && !boolResult;
  int64_t n = numElements(*shape);
  SmallVector<int64_t> idx(shape->size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t ia = operandIndex(a.shape, idx), ib = operandIndex(b.shape, idx);
    if (a.isFloat) {
      double r = ff(a.f[ia], b.f[ib]);
      if (boolResult)
        out.i.push_back(r != 0);
      else
        out.f.push_back(r);
    } else {
      std::optional<int64_t> r = fi(a.i[ia], b.i[ib]);
      if (!r)
        return std::nullopt; // e.g. integer division by zero: a run-time error
      out.i.push_back(*r);
    }
    for (int d = int(idx.size()) - 1; d >= 0; --d) {
      if (++idx[d] < (*shape)[d])
        break;
      idx[d] = 0;
    }
  }
  return out;
}

std::optional<Value64> unary(const Value64 &a,
                             const std::function<double(double)> &ff,
                             const std::function<int64_t(int64_t)> &fi) {
  Value64 out = a;
  if (a.isFloat) {
    for (double &x : out.f)
      x = ff(x);
  } else {
    if (!fi)
      return std::nullopt;
    for (int64_t &x : out.i)
      x = fi(x);
  }
  return out;
}

/// Normalized, deduplicated axes of a rank-`rank` tensor; nullopt if out
/// of range.
std::optional<SmallVector<int64_t>> normAxes(ArrayRef<int64_t> axes,
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

/// Strides (in elements) of a row-major shape.
SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> st(shape.size(), 1);
  for (int k = int(shape.size()) - 2; k >= 0; --k)
    st[k] = st[k + 1] * shape[k + 1];
  return st;
}

/// Element `flat` of `src` copied to element `dst` of `out`.
void copyElem(Value64 &out, const Value64 &src, int64_t flat) {
  if (src.isFloat)
    out.f.push_back(src.f[flat]);
  else
    out.i.push_back(src.i[flat]);
}

/// Sum/Prod/Max/Min of `in` over `axes`.
std::optional<Value64> reduceConst(const Value64 &in, ArrayRef<int64_t> axes,
                                   bool keepDims, StringRef kind) {
  std::optional<SmallVector<int64_t>> ax =
      normAxes(axes, static_cast<int64_t>(in.shape.size()));
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
  Value64 out;
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

/// TF's BroadcastGradientArgs: for shapes s0, s1, the axes each input's
/// gradient must be summed over. Dims may be -1 (known only at run time)
/// where `symbolic`: two unknown dims at the same position are equal
/// (compiled broadcasting requires it: the forward op failed otherwise), an
/// unknown dim against a known 1 is reduced on the 1's side, and the axes
/// where both are 1, which TF sums over too, are left out (the Reshape
/// after the Sum makes that the same). An unknown dim against a known one
/// > 1 depends on the run: not folded.
std::optional<SmallVector<Value64>>
broadcastGradientArgs(const Value64 &a, const Value64 &b, bool symbolic) {
  if (a.isFloat || b.isFloat)
    return std::nullopt;
  size_t r = std::max(a.i.size(), b.i.size());
  auto dimAt = [&](const Value64 &v, size_t k) {
    size_t off = r - v.i.size();
    return k < off ? int64_t(1) : v.i[k - off];
  };
  Value64 r0, r1;
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
  return SmallVector<Value64>{r0, r1};
}

/// The dims a shape vector holds, -1 where only the run knows them: a
/// constant, or `Shape` of a ranked tensor.
std::optional<Value64> shapeDims(Value v) {
  if (std::optional<Value64> c = readConst(v))
    return c;
  Operation *def = v.getDefiningOp();
  if (!def || !isNode(def) || getNodeOpType(def) != "Shape")
    return std::nullopt;
  auto in = dyn_cast<RankedTensorType>(getDataOperands(def)[0].getType());
  if (!in)
    return std::nullopt;
  Value64 out;
  out.shape = {in.getRank()};
  for (int64_t d : in.getShape())
    out.i.push_back(ShapedType::isDynamic(d) ? -1 : d);
  return out;
}

struct ConstantFolder {
  int64_t maxElements;

  std::optional<SmallVector<Value64>> evaluateAll(Operation *op) {
    StringRef type = getNodeOpType(op);
    auto data = getDataOperands(op);
    if (type == "BroadcastGradientArgs") {
      std::optional<Value64> a = readConst(data[0]), b = readConst(data[1]);
      if (a && b)
        return broadcastGradientArgs(*a, *b, /*symbolic=*/false);
      a = shapeDims(data[0]);
      b = shapeDims(data[1]);
      if (!a || !b)
        return std::nullopt;
      return broadcastGradientArgs(*a, *b, /*symbolic=*/true);
    }
    if (getDataResults(op).size() != 1)
      return std::nullopt;
    std::optional<Value64> v = evaluate(op);
    if (!v)
      return std::nullopt;
    return SmallVector<Value64>{*v};
  }

  std::optional<Value64> evaluate(Operation *op) {
    StringRef type = getNodeOpType(op);
    auto data = getDataOperands(op);
    // Shape, Size and Rank only need a static input shape.
    if (type == "Shape" || type == "Size" || type == "Rank") {
      auto in = dyn_cast<RankedTensorType>(data[0].getType());
      if (!in || !in.hasStaticShape())
        return std::nullopt;
      Value64 out;
      if (type == "Shape") {
        out.shape = {in.getRank()};
        out.i.assign(in.getShape().begin(), in.getShape().end());
      } else {
        out.i = {type == "Size" ? in.getNumElements() : in.getRank()};
      }
      return out;
    }
    SmallVector<Value64> in;
    for (Value v : data) {
      std::optional<Value64> c = readConst(v);
      if (!c)
        return std::nullopt;
      in.push_back(std::move(*c));
    }
    auto ints = [](auto f) -> IntFn {
      return [f](int64_t x, int64_t y) -> std::optional<int64_t> {
        return f(x, y);
      };
    };
    auto divide = [](int64_t x, int64_t y) -> std::optional<int64_t> {
      if (y == 0)
        return std::nullopt;
      return x / y;
    };
    auto floorDivide = [](int64_t x, int64_t y) -> std::optional<int64_t> {
      if (y == 0)
        return std::nullopt;
      int64_t q = x / y;
      return (x % y != 0 && ((x < 0) != (y < 0))) ? q - 1 : q;
    };
    int64_t cap = maxElements;
    if (type == "Add" || type == "AddV2")
      return binary(in[0], in[1], std::plus<double>(),
                    ints(std::plus<int64_t>()), false, cap);
    if (type == "Sub")
      return binary(in[0], in[1], std::minus<double>(),
                    ints(std::minus<int64_t>()), false, cap);
    if (type == "Mul")
      return binary(in[0], in[1], std::multiplies<double>(),
                    ints(std::multiplies<int64_t>()), false, cap);
    if (type == "RealDiv" || type == "Div")
      return binary(in[0], in[1], std::divides<double>(), divide, false, cap);
    if (type == "FloorDiv")
      return binary(
          in[0], in[1], [](double x, double y) { return std::floor(x / y); },
          floorDivide, false, cap);
    if (type == "Maximum")
      return binary(
          in[0], in[1],
          [](double x, double y) { return std::isnan(x) || x > y ? x : y; },
          ints([](int64_t x, int64_t y) { return std::max(x, y); }), false,
          cap);
    if (type == "Minimum")
      return binary(
          in[0], in[1],
          [](double x, double y) { return std::isnan(x) || x < y ? x : y; },
          ints([](int64_t x, int64_t y) { return std::min(x, y); }), false,
          cap);
    auto cmp = [&](auto f) {
      return binary(
          in[0], in[1], [f](double x, double y) { return double(f(x, y)); },
          ints([f](int64_t x, int64_t y) { return int64_t(f(x, y)); }), true,
          cap);
    };
    if (type == "Equal")
      return cmp(std::equal_to<>());
    if (type == "NotEqual")
      return cmp(std::not_equal_to<>());
    if (type == "Less")
      return cmp(std::less<>());
    if (type == "LessEqual")
      return cmp(std::less_equal<>());
    if (type == "Greater")
      return cmp(std::greater<>());
    if (type == "GreaterEqual")
      return cmp(std::greater_equal<>());
    if (type == "Neg")
      return unary(
          in[0], [](double x) { return -x; }, [](int64_t x) { return -x; });
    if (type == "Square")
      return unary(
          in[0], [](double x) { return x * x; },
          [](int64_t x) { return x * x; });
    if (type == "Abs")
      return unary(
          in[0], [](double x) { return std::fabs(x); },
          [](int64_t x) { return x < 0 ? -x : x; });
    if (type == "Floor")
      return unary(
          in[0], [](double x) { return std::floor(x); }, nullptr);
    if (type == "Identity" || type == "Cast" || type == "StopGradient")
      return in[0];
    if (type == "ZerosLike" || type == "OnesLike") {
      double v = type == "OnesLike";
      return unary(
          in[0], [v](double) { return v; },
          [v](int64_t) { return int64_t(v); });
    }
    if (type == "Reshape") {
      auto out = dyn_cast<RankedTensorType>(getDataResults(op)[0].getType());
      if (!out || !out.hasStaticShape())
        return std::nullopt; // graph-infer-shapes computes the shape first
      Value64 r = in[0];
      r.shape.assign(out.getShape().begin(), out.getShape().end());
      return r;
    }
    if (type == "Fill") {
      if (in[0].isFloat || in[1].size() != 1)
        return std::nullopt;
      SmallVector<int64_t> shape(in[0].i.begin(), in[0].i.end());
      int64_t n = numElements(shape);
      if (n > cap || llvm::any_of(shape, [](int64_t d) { return d < 0; }))
        return std::nullopt;
      Value64 r;
      r.shape = shape;
      r.isFloat = in[1].isFloat;
      if (r.isFloat)
        r.f.assign(n, in[1].f[0]);
      else
        r.i.assign(n, in[1].i[0]);
      return r;
    }
    auto boolAttr = [&](StringRef n) {
      auto a = op->getAttrOfType<BoolAttr>(n);
      return a && a.getValue();
    };
    if (type == "Sum" || type == "Prod" || type == "Max" || type == "Min" ||
        type == "Mean") {
      if (in[1].isFloat || numElements(in[0].shape) > cap)
        return std::nullopt;
      std::optional<Value64> r = reduceConst(
          in[0], in[1].i, boolAttr("keep_dims"), type == "Mean" ? "Sum" : type);
      if (r && type == "Mean") {
        int64_t count = numElements(in[0].shape) /
                        std::max<int64_t>(1, numElements(r->shape));
        if (count == 0)
          return std::nullopt;
        for (double &x : r->f)
          x /= double(count);
        for (int64_t &x : r->i)
          x /= count;
      }
      return r;
    }
    if (type == "Pack") {
      auto axisAttr = op->getAttrOfType<IntegerAttr>("axis");
      int64_t axis = axisAttr ? axisAttr.getInt() : 0;
      int64_t rank = int64_t(in[0].shape.size()) + 1;
      if (axis < 0)
        axis += rank;
      for (const Value64 &v : in)
        if (v.shape != in[0].shape || v.isFloat != in[0].isFloat)
          return std::nullopt;
      if (axis < 0 || axis >= rank)
        return std::nullopt;
      Value64 r;
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
        for (const Value64 &v : in)
          for (int64_t k = 0; k < inner; ++k)
            copyElem(r, v, o * inner + k);
      return r;
    }
    if (type == "ConcatV2") {
      const Value64 &axisV = in.back();
      if (axisV.isFloat || axisV.i.size() != 1)
        return std::nullopt;
      int64_t rank = int64_t(in[0].shape.size());
      int64_t axis = axisV.i[0] < 0 ? axisV.i[0] + rank : axisV.i[0];
      if (rank == 0 || axis < 0 || axis >= rank)
        return std::nullopt;
      Value64 r;
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
      return r;
    }
    if (type == "Slice") {
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
      Value64 r;
      r.isFloat = in[0].isFloat;
      r.shape = size;
      SmallVector<int64_t> st = stridesOf(in[0].shape), outSt = stridesOf(size);
      for (int64_t flat = 0; flat < numElements(size); ++flat) {
        int64_t src = 0;
        for (int64_t d = 0; d < rank; ++d)
          src += ((flat / outSt[d]) % size[d] + begin[d]) * st[d];
        copyElem(r, in[0], src);
      }
      return r;
    }
    if (type == "ExpandDims" || type == "Squeeze") {
      auto out = dyn_cast<RankedTensorType>(getDataResults(op)[0].getType());
      if (!out || !out.hasStaticShape())
        return std::nullopt;
      Value64 r = in[0];
      r.shape.assign(out.getShape().begin(), out.getShape().end());
      return r;
    }
    return std::nullopt;
  }

  /// One sweep over `block`; true when something was folded.
  bool sweep(Block &block) {
    bool changed = false;
    SmallVector<Operation *> nodes;
    for (Operation &op : block)
      if (isNode(&op))
        nodes.push_back(&op);
    for (Operation *op : nodes) {
      const OpDefInfo *def = getNodeOpDef(op);
      if (!def || !def->isPure() || isa<ConstOp>(op) ||
          !getControlOperands(op).empty())
        continue;
      ResultRange results = getDataResults(op);
      if (results.empty() || llvm::any_of(results, [](Value r) {
            return !isa<FloatType, IntegerType>(
                cast<TensorType>(r.getType()).getElementType());
          }))
        continue;
      std::optional<SmallVector<Value64>> vs = evaluateAll(op);
      if (!vs || vs->size() != results.size() ||
          llvm::any_of(
              *vs, [&](const Value64 &v) { return v.size() > maxElements; }))
        continue;
      SmallVector<RankedTensorType> types;
      bool fits = true;
      for (auto [k, v] : llvm::enumerate(*vs)) {
        auto resultType = cast<TensorType>(results[k].getType());
        auto type = RankedTensorType::get(v.shape, resultType.getElementType());
        if (auto ranked = dyn_cast<RankedTensorType>(resultType))
          if (failed(verifyCompatibleShape(ranked.getShape(), type.getShape())))
            fits = false; // leave contradictions for shape inference to report
        types.push_back(type);
      }
      if (!fits)
        continue;
      OpBuilder b(op);
      for (auto [k, v] : llvm::enumerate(*vs)) {
        auto c = b.create<ConstOp>(
            op->getLoc(),
            TypeRange{types[k], ControlType::get(op->getContext())},
            ValueRange{});
        std::string name = getNodeName(op).str();
        if (k > 0)
          name += "/folded_" + std::to_string(k);
        c->setAttr("name", b.getStringAttr(name));
        if (Attribute dev = op->getAttr("device"))
          c->setAttr("device", dev);
        c->setAttr("dtype", TypeAttr::get(types[k].getElementType()));
        c->setAttr("value", buildAttr(types[k], v));
        results[k].replaceAllUsesWith(c.getResult(0));
        if (k == 0)
          getControlResult(op).replaceAllUsesWith(getControlResult(c));
      }
      op->erase();
      changed = true;
    }
    return changed;
  }
};

} // namespace

bool kiln::foldConstants(Block &block, int64_t maxElements) {
  ConstantFolder folder{maxElements};
  bool any = false;
  while (folder.sweep(block))
    any = true;
  return any;
}

namespace {
struct GraphConstantFoldPass
    : kiln::impl::GraphConstantFoldBase<GraphConstantFoldPass> {
  using GraphConstantFoldBase::GraphConstantFoldBase;

  void runOnOperation() override {
    kiln::foldConstants(getOperation().getBlock(), maxElements);
  }
};

} // namespace
