//===- Elementwise.cpp - Rules of element-wise math, Select, AddN ---------===//
//
// Most element-wise ops take their shape function from the op table
// (`ShapeFn UnchangedShape` / `BroadcastBinaryOpShapeFn`). Folding is one
// generic folder per arity over a table of scalar functions: folding another
// op is one entry there. Values are computed in double (floats) or int64
// (integers) and rounded to the result type by the driver: for +, -, *, / of
// float32 that equals float32 arithmetic (double has more than twice
// float's precision), so folded constants hold exactly what TF computes.
// Ops whose float results would differ from TF's kernels in the last bit
// (exp, log, ...) have no scalar function and are not folded.
//
//===----------------------------------------------------------------------===//
#include "Rules.h"

#include <cmath>

using namespace mlir;
using namespace kiln;
using namespace kiln::rules;

namespace {

//===----------------------------------------------------------------------===//
// Shape functions
//===----------------------------------------------------------------------===//

ShapeResult selectShape(const ShapeContext &ctx) {
  return ShapeResult::single(ctx.input(1));
}

/// Any input of known rank: TF requires them all to have the same shape.
ShapeResult addNShape(const ShapeContext &ctx) {
  for (unsigned i = 0; i < ctx.numInputs(); ++i)
    if (ctx.input(i).ranked)
      return ShapeResult::single(ctx.input(i));
  return ShapeResult::single(Shape::unknown());
}

//===----------------------------------------------------------------------===//
// Folders
//===----------------------------------------------------------------------===//

using IntResult = std::optional<int64_t>;

/// Integer arithmetic wraps as TF's kernels do (two's complement), without
/// C++'s undefined signed overflow.
int64_t wrap(uint64_t x) { return static_cast<int64_t>(x); }

struct BinaryScalar {
  llvm::StringLiteral op;
  double (*f)(double, double);
  /// nullopt: the op fails at run time (integer division by zero): not
  /// folded.
  IntResult (*i)(int64_t, int64_t);
  bool boolResult;
};

const BinaryScalar kBinary[] = {
    {"Add", [](double x, double y) { return x + y; },
     [](int64_t x, int64_t y) -> IntResult {
       return wrap(uint64_t(x) + uint64_t(y));
     },
     false},
    {"AddV2", [](double x, double y) { return x + y; },
     [](int64_t x, int64_t y) -> IntResult {
       return wrap(uint64_t(x) + uint64_t(y));
     },
     false},
    {"Sub", [](double x, double y) { return x - y; },
     [](int64_t x, int64_t y) -> IntResult {
       return wrap(uint64_t(x) - uint64_t(y));
     },
     false},
    {"Mul", [](double x, double y) { return x * y; },
     [](int64_t x, int64_t y) -> IntResult {
       return wrap(uint64_t(x) * uint64_t(y));
     },
     false},
    {"RealDiv", [](double x, double y) { return x / y; },
     [](int64_t x, int64_t y) -> IntResult {
       if (y == 0)
         return std::nullopt;
       return x / y;
     },
     false},
    {"Div", [](double x, double y) { return x / y; },
     [](int64_t x, int64_t y) -> IntResult {
       if (y == 0)
         return std::nullopt;
       return x / y;
     },
     false},
    {"FloorDiv", [](double x, double y) { return std::floor(x / y); },
     [](int64_t x, int64_t y) -> IntResult {
       if (y == 0)
         return std::nullopt;
       int64_t q = x / y;
       return (x % y != 0 && ((x < 0) != (y < 0))) ? q - 1 : q;
     },
     false},
    // NaN wins, as in TF's kernels.
    {"Maximum",
     [](double x, double y) { return std::isnan(x) || x > y ? x : y; },
     [](int64_t x, int64_t y) -> IntResult { return std::max(x, y); }, false},
    {"Minimum",
     [](double x, double y) { return std::isnan(x) || x < y ? x : y; },
     [](int64_t x, int64_t y) -> IntResult { return std::min(x, y); }, false},
    {"Equal", [](double x, double y) { return double(x == y); },
     [](int64_t x, int64_t y) -> IntResult { return x == y; }, true},
    {"NotEqual", [](double x, double y) { return double(x != y); },
     [](int64_t x, int64_t y) -> IntResult { return x != y; }, true},
    {"Less", [](double x, double y) { return double(x < y); },
     [](int64_t x, int64_t y) -> IntResult { return x < y; }, true},
    {"LessEqual", [](double x, double y) { return double(x <= y); },
     [](int64_t x, int64_t y) -> IntResult { return x <= y; }, true},
    {"Greater", [](double x, double y) { return double(x > y); },
     [](int64_t x, int64_t y) -> IntResult { return x > y; }, true},
    {"GreaterEqual", [](double x, double y) { return double(x >= y); },
     [](int64_t x, int64_t y) -> IntResult { return x >= y; }, true},
};

struct UnaryScalar {
  llvm::StringLiteral op;
  double (*f)(double);
  /// Null: integers are not folded.
  int64_t (*i)(int64_t);
};

const UnaryScalar kUnary[] = {
    {"Neg", [](double x) { return -x; },
     [](int64_t x) { return wrap(0 - uint64_t(x)); }},
    {"Square", [](double x) { return x * x; },
     [](int64_t x) { return wrap(uint64_t(x) * uint64_t(x)); }},
    {"Abs", [](double x) { return std::fabs(x); },
     [](int64_t x) { return x < 0 ? wrap(0 - uint64_t(x)) : x; }},
    {"Floor", [](double x) { return std::floor(x); }, nullptr},
};

/// Flat index into an operand of shape `s` for output coordinates `idx`.
int64_t operandIndex(ArrayRef<int64_t> s, ArrayRef<int64_t> idx) {
  int64_t flat = 0;
  size_t off = idx.size() - s.size();
  for (size_t k = 0; k < s.size(); ++k)
    flat = flat * s[k] + (s[k] == 1 ? 0 : idx[k + off]);
  return flat;
}

/// numpy broadcasting of two static shapes; nullopt if incompatible.
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

FoldResult foldBinary(const FoldContext &ctx) {
  const auto *entry = llvm::find_if(
      kBinary, [&](const BinaryScalar &e) { return e.op == ctx.opType(); });
  const SmallVector<ConstTensor> *in = ctx.constInputs();
  if (entry == std::end(kBinary) || !in)
    return std::nullopt;
  const ConstTensor &a = (*in)[0], &b = (*in)[1];
  std::optional<SmallVector<int64_t>> shape = broadcast(a.shape, b.shape);
  if (!shape || numElements(*shape) > ctx.maxElements() ||
      a.isFloat != b.isFloat)
    return std::nullopt;
  ConstTensor out;
  out.shape = *shape;
  out.isFloat = a.isFloat && !entry->boolResult;
  int64_t n = numElements(*shape);
  SmallVector<int64_t> idx(shape->size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t ia = operandIndex(a.shape, idx), ib = operandIndex(b.shape, idx);
    if (a.isFloat) {
      double r = entry->f(a.f[ia], b.f[ib]);
      if (entry->boolResult)
        out.i.push_back(r != 0);
      else
        out.f.push_back(r);
    } else {
      IntResult r = entry->i(a.i[ia], b.i[ib]);
      if (!r)
        return std::nullopt;
      out.i.push_back(*r);
    }
    for (int d = int(idx.size()) - 1; d >= 0; --d) {
      if (++idx[d] < (*shape)[d])
        break;
      idx[d] = 0;
    }
  }
  return single(std::move(out));
}

FoldResult foldUnary(const FoldContext &ctx) {
  const auto *entry = llvm::find_if(
      kUnary, [&](const UnaryScalar &e) { return e.op == ctx.opType(); });
  const SmallVector<ConstTensor> *in = ctx.constInputs();
  if (entry == std::end(kUnary) || !in)
    return std::nullopt;
  ConstTensor out = (*in)[0];
  if (out.isFloat) {
    for (double &x : out.f)
      x = entry->f(x);
  } else {
    if (!entry->i)
      return std::nullopt;
    for (int64_t &x : out.i)
      x = entry->i(x);
  }
  return single(std::move(out));
}

/// The input's values; the driver converts them to the result type (Cast).
FoldResult foldIdentity(const FoldContext &ctx) {
  const SmallVector<ConstTensor> *in = ctx.constInputs();
  if (!in)
    return std::nullopt;
  return single((*in)[0]);
}

} // namespace

void kiln::populateElementwiseOpRules(OpRuleTable &table) {
  constexpr OpFamily family = OpFamily::Elementwise;
  table.addShapeFn(family, {"Select"}, selectShape);
  table.addShapeFn(family, {"AddN"}, addNShape);
  // Not in the op table (a generic node): its rule by name.
  table.addShapeFn(family, {"CheckNumerics"}, unchangedShape);

  for (const BinaryScalar &e : kBinary)
    table.addFolder(family, {e.op}, foldBinary);
  for (const UnaryScalar &e : kUnary)
    table.addFolder(family, {e.op}, foldUnary);
  table.addFolder(family, {"Identity", "Cast", "StopGradient"}, foldIdentity);
}
