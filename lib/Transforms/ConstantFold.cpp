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
    for (double d : v.isFloat ? v.f : std::vector<double>(v.i.begin(), v.i.end())) {
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

struct GraphConstantFoldPass
    : kiln::impl::GraphConstantFoldBase<GraphConstantFoldPass> {
  using GraphConstantFoldBase::GraphConstantFoldBase;

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
      return binary(in[0], in[1], std::plus<double>(), ints(std::plus<int64_t>()), false, cap);
    if (type == "Sub")
      return binary(in[0], in[1], std::minus<double>(), ints(std::minus<int64_t>()), false, cap);
    if (type == "Mul")
      return binary(in[0], in[1], std::multiplies<double>(), ints(std::multiplies<int64_t>()), false, cap);
    if (type == "RealDiv" || type == "Div")
      return binary(in[0], in[1], std::divides<double>(), divide, false, cap);
    if (type == "FloorDiv")
      return binary(in[0], in[1], [](double x, double y) { return std::floor(x / y); }, floorDivide, false, cap);
    if (type == "Maximum")
      return binary(in[0], in[1], [](double x, double y) { return std::isnan(x) || x > y ? x : y; },
                    ints([](int64_t x, int64_t y) { return std::max(x, y); }), false, cap);
    if (type == "Minimum")
      return binary(in[0], in[1], [](double x, double y) { return std::isnan(x) || x < y ? x : y; },
                    ints([](int64_t x, int64_t y) { return std::min(x, y); }), false, cap);
    auto cmp = [&](auto f) {
      return binary(in[0], in[1], [f](double x, double y) { return double(f(x, y)); },
                    ints([f](int64_t x, int64_t y) { return int64_t(f(x, y)); }), true, cap);
    };
    if (type == "Equal") return cmp(std::equal_to<>());
    if (type == "NotEqual") return cmp(std::not_equal_to<>());
    if (type == "Less") return cmp(std::less<>());
    if (type == "LessEqual") return cmp(std::less_equal<>());
    if (type == "Greater") return cmp(std::greater<>());
    if (type == "GreaterEqual") return cmp(std::greater_equal<>());
    if (type == "Neg")
      return unary(in[0], [](double x) { return -x; }, [](int64_t x) { return -x; });
    if (type == "Square")
      return unary(in[0], [](double x) { return x * x; }, [](int64_t x) { return x * x; });
    if (type == "Abs")
      return unary(in[0], [](double x) { return std::fabs(x); }, [](int64_t x) { return x < 0 ? -x : x; });
    if (type == "Floor")
      return unary(in[0], [](double x) { return std::floor(x); }, nullptr);
    if (type == "Identity" || type == "Cast" || type == "StopGradient")
      return in[0];
    if (type == "ZerosLike" || type == "OnesLike") {
      double v = type == "OnesLike";
      return unary(in[0], [v](double) { return v; }, [v](int64_t) { return int64_t(v); });
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
    return std::nullopt;
  }

  void runOnOperation() override {
    GraphOp graph = getOperation();
    bool changed = true;
    while (changed) {
      changed = false;
      SmallVector<Operation *> nodes;
      for (Operation &op : graph.getBlock())
        nodes.push_back(&op);
      for (Operation *op : nodes) {
        const OpDefInfo *def = getNodeOpDef(op);
        if (!def || !def->isPure() || isa<ConstOp>(op) ||
            !getControlOperands(op).empty() || getDataResults(op).size() != 1)
          continue;
        auto resultType = dyn_cast<TensorType>(getDataResults(op)[0].getType());
        Type elem = resultType.getElementType();
        if (!isa<FloatType, IntegerType>(elem))
          continue;
        std::optional<Value64> v = evaluate(op);
        if (!v || v->size() > maxElements)
          continue;
        auto type = RankedTensorType::get(v->shape, elem);
        if (auto ranked = dyn_cast<RankedTensorType>(resultType))
          if (failed(verifyCompatibleShape(ranked.getShape(), type.getShape())))
            continue; // leave contradictions for graph-infer-shapes to report
        OpBuilder b(op);
        auto c = b.create<ConstOp>(
            op->getLoc(), TypeRange{type, ControlType::get(&getContext())},
            ValueRange{});
        c->setAttr("name", op->getAttr("name"));
        if (Attribute dev = op->getAttr("device"))
          c->setAttr("device", dev);
        c->setAttr("dtype", TypeAttr::get(elem));
        c->setAttr("value", buildAttr(type, *v));
        op->replaceAllUsesWith(c);
        op->erase();
        changed = true;
      }
    }
  }
};

} // namespace
