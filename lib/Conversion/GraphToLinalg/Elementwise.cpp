//===- Elementwise.cpp - Element-wise TF ops to linalg.generic ------------===//
//
// Unary and binary math, comparisons, logical ops, casts and Select: one
// `linalg.generic` each over the output's shape, inputs broadcast with TF's
// (numpy's) rules. The scalar body is chosen by the TF op type and the
// inputs' element type (float, signed or unsigned integer, bool).
//
//===----------------------------------------------------------------------===//
#include "Lowering.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::graph;

namespace {

using arith::CmpFPredicate;
using arith::CmpIPredicate;

Value floatConst(OpBuilder &b, Location l, Type t, double v) {
  return arith::ConstantOp::create(b, l, t, b.getFloatAttr(t, v));
}
Value intConst(OpBuilder &b, Location l, Type t, int64_t v) {
  return arith::ConstantIntOp::create(b, l, t, v);
}

/// The scalar code of binary op `t` on `x`, `y` of graph element type `elem`;
/// null if `t` has none for that type.
Value binaryScalar(OpBuilder &b, Location l, StringRef t, Type elem, Value x,
                   Value y) {
  bool isFloat = isa<FloatType>(elem);
  bool isUnsigned = isUnsignedInt(elem);
  Type type = x.getType();
  if (t == "Add" || t == "AddV2" || t == "BiasAdd")
    return isFloat ? arith::AddFOp::create(b, l, x, y).getResult()
                   : arith::AddIOp::create(b, l, x, y).getResult();
  if (t == "Sub")
    return isFloat ? arith::SubFOp::create(b, l, x, y).getResult()
                   : arith::SubIOp::create(b, l, x, y).getResult();
  if (t == "Mul")
    return isFloat ? arith::MulFOp::create(b, l, x, y).getResult()
                   : arith::MulIOp::create(b, l, x, y).getResult();
  if (t == "SquaredDifference") {
    Value d = isFloat ? arith::SubFOp::create(b, l, x, y).getResult()
                      : arith::SubIOp::create(b, l, x, y).getResult();
    return isFloat ? arith::MulFOp::create(b, l, d, d).getResult()
                   : arith::MulIOp::create(b, l, d, d).getResult();
  }
  if (t == "Maximum")
    return isFloat      ? arith::MaximumFOp::create(b, l, x, y).getResult()
           : isUnsigned ? arith::MaxUIOp::create(b, l, x, y).getResult()
                        : arith::MaxSIOp::create(b, l, x, y).getResult();
  if (t == "Minimum")
    return isFloat      ? arith::MinimumFOp::create(b, l, x, y).getResult()
           : isUnsigned ? arith::MinUIOp::create(b, l, x, y).getResult()
                        : arith::MinSIOp::create(b, l, x, y).getResult();
  if (isFloat) {
    if (t == "RealDiv" || t == "Div" || t == "DivNoNan") {
      Value q = arith::DivFOp::create(b, l, x, y);
      if (t != "DivNoNan")
        return q;
      Value zero = floatConst(b, l, type, 0);
      Value isZero = arith::CmpFOp::create(b, l, CmpFPredicate::OEQ, y, zero);
      return arith::SelectOp::create(b, l, isZero, zero, q);
    }
    if (t == "FloorDiv")
      return math::FloorOp::create(b, l, arith::DivFOp::create(b, l, x, y));
    if (t == "FloorMod") {
      // fmod, then moved into the divisor's sign as Python's % does.
      Value r = arith::RemFOp::create(b, l, x, y);
      Value zero = floatConst(b, l, type, 0);
      Value rNonZero = arith::CmpFOp::create(b, l, CmpFPredicate::ONE, r, zero);
      Value rNeg = arith::CmpFOp::create(b, l, CmpFPredicate::OLT, r, zero);
      Value yNeg = arith::CmpFOp::create(b, l, CmpFPredicate::OLT, y, zero);
      Value differ = arith::XOrIOp::create(b, l, rNeg, yNeg);
      Value fix = arith::AndIOp::create(b, l, rNonZero, differ);
      return arith::SelectOp::create(b, l, fix,
                                     arith::AddFOp::create(b, l, r, y), r);
    }
    if (t == "TruncateMod") // C's fmod: the dividend's sign.
      return arith::RemFOp::create(b, l, x, y);
    if (t == "Pow")
      return math::PowFOp::create(b, l, x, y);
  } else if (!elem.isInteger(1)) {
    // A zero divisor fails the run before this is reached (see
    // guardIntegerDivisor); the select keeps the division from trapping
    // even so.
    auto safeDivisor = [&](Value d) {
      Value zero = intConst(b, l, type, 0);
      Value isZero = arith::CmpIOp::create(b, l, CmpIPredicate::eq, d, zero);
      return std::make_pair(
          isZero,
          arith::SelectOp::create(b, l, isZero, intConst(b, l, type, 1), d)
              .getResult());
    };
    if (t == "Div" || t == "FloorDiv" || t == "TruncateDiv" ||
        t == "FloorMod" || t == "TruncateMod") {
      auto [isZero, d] = safeDivisor(y);
      Value r;
      if (t == "Div" || t == "TruncateDiv")
        r = isUnsigned ? arith::DivUIOp::create(b, l, x, d).getResult()
                       : arith::DivSIOp::create(b, l, x, d).getResult();
      else if (t == "FloorDiv")
        r = isUnsigned ? arith::DivUIOp::create(b, l, x, d).getResult()
                       : arith::FloorDivSIOp::create(b, l, x, d).getResult();
      else if (t == "TruncateMod" || isUnsigned)
        r = isUnsigned ? arith::RemUIOp::create(b, l, x, d).getResult()
                       : arith::RemSIOp::create(b, l, x, d).getResult();
      else {
        // Python's %: the remainder takes the divisor's sign.
        Value rem = arith::RemSIOp::create(b, l, x, d);
        Value zero = intConst(b, l, type, 0);
        Value remNonZero =
            arith::CmpIOp::create(b, l, CmpIPredicate::ne, rem, zero);
        Value remNeg =
            arith::CmpIOp::create(b, l, CmpIPredicate::slt, rem, zero);
        Value dNeg = arith::CmpIOp::create(b, l, CmpIPredicate::slt, d, zero);
        Value fix = arith::AndIOp::create(
            b, l, remNonZero, arith::XOrIOp::create(b, l, remNeg, dNeg));
        r = arith::SelectOp::create(b, l, fix,
                                    arith::AddIOp::create(b, l, rem, d), rem);
      }
      return arith::SelectOp::create(b, l, isZero, intConst(b, l, type, 0), r);
    }
    if (t == "Pow")
      return math::IPowIOp::create(b, l, x, y);
  }
  // Comparisons.
  struct Cmp {
    StringRef op;
    CmpFPredicate f;
    CmpIPredicate s, u;
  };
  static const Cmp cmps[] = {
      {"Equal", CmpFPredicate::OEQ, CmpIPredicate::eq, CmpIPredicate::eq},
      {"NotEqual", CmpFPredicate::UNE, CmpIPredicate::ne, CmpIPredicate::ne},
      {"Less", CmpFPredicate::OLT, CmpIPredicate::slt, CmpIPredicate::ult},
      {"LessEqual", CmpFPredicate::OLE, CmpIPredicate::sle, CmpIPredicate::ule},
      {"Greater", CmpFPredicate::OGT, CmpIPredicate::sgt, CmpIPredicate::ugt},
      {"GreaterEqual", CmpFPredicate::OGE, CmpIPredicate::sge,
       CmpIPredicate::uge},
  };
  for (const Cmp &c : cmps)
    if (t == c.op) {
      if (isFloat)
        return arith::CmpFOp::create(b, l, c.f, x, y);
      return arith::CmpIOp::create(b, l, isUnsigned ? c.u : c.s, x, y);
    }
  if (elem.isInteger(1)) {
    if (t == "LogicalAnd")
      return arith::AndIOp::create(b, l, x, y);
    if (t == "LogicalOr")
      return arith::OrIOp::create(b, l, x, y);
  }
  return Value();
}

Value unaryScalar(OpBuilder &b, Location l, StringRef t, Type elem, Value x) {
  bool isFloat = isa<FloatType>(elem);
  Type type = x.getType();
  if (t == "Neg")
    return isFloat ? arith::NegFOp::create(b, l, x).getResult()
                   : arith::SubIOp::create(b, l, intConst(b, l, type, 0), x)
                         .getResult();
  if (t == "Square")
    return isFloat ? arith::MulFOp::create(b, l, x, x).getResult()
                   : arith::MulIOp::create(b, l, x, x).getResult();
  if (t == "Abs")
    return isFloat ? math::AbsFOp::create(b, l, x).getResult()
                   : math::AbsIOp::create(b, l, x).getResult();
  if (t == "Relu" || t == "Relu6") {
    Value r =
        isFloat ? arith::MaximumFOp::create(b, l, x, floatConst(b, l, type, 0))
                      .getResult()
                : arith::MaxSIOp::create(b, l, x, intConst(b, l, type, 0))
                      .getResult();
    if (t == "Relu")
      return r;
    return isFloat
               ? arith::MinimumFOp::create(b, l, r, floatConst(b, l, type, 6))
                     .getResult()
               : arith::MinSIOp::create(b, l, r, intConst(b, l, type, 6))
                     .getResult();
  }
  if (t == "Sign") {
    if (isFloat) {
      Value zero = floatConst(b, l, type, 0);
      Value pos = arith::CmpFOp::create(b, l, CmpFPredicate::OGT, x, zero);
      Value neg = arith::CmpFOp::create(b, l, CmpFPredicate::OLT, x, zero);
      Value r =
          arith::SelectOp::create(b, l, pos, floatConst(b, l, type, 1), zero);
      r = arith::SelectOp::create(b, l, neg, floatConst(b, l, type, -1), r);
      // NaN stays NaN.
      Value nan = arith::CmpFOp::create(b, l, CmpFPredicate::UNO, x, x);
      return arith::SelectOp::create(b, l, nan, x, r);
    }
    Value zero = intConst(b, l, type, 0);
    Value pos = arith::CmpIOp::create(b, l, CmpIPredicate::sgt, x, zero);
    Value neg = arith::CmpIOp::create(b, l, CmpIPredicate::slt, x, zero);
    Value r = arith::SelectOp::create(b, l, pos, intConst(b, l, type, 1), zero);
    return arith::SelectOp::create(b, l, neg, intConst(b, l, type, -1), r);
  }
  if (t == "LogicalNot" && elem.isInteger(1))
    return arith::XOrIOp::create(b, l, x, intConst(b, l, type, 1));
  if (!isFloat)
    return Value();
  if (t == "Exp")
    return math::ExpOp::create(b, l, x);
  if (t == "Expm1")
    return math::ExpM1Op::create(b, l, x);
  if (t == "Log")
    return math::LogOp::create(b, l, x);
  if (t == "Log1p")
    return math::Log1pOp::create(b, l, x);
  if (t == "Sqrt")
    return math::SqrtOp::create(b, l, x);
  if (t == "Rsqrt")
    return math::RsqrtOp::create(b, l, x);
  if (t == "Tanh")
    return math::TanhOp::create(b, l, x);
  if (t == "Sin")
    return math::SinOp::create(b, l, x);
  if (t == "Cos")
    return math::CosOp::create(b, l, x);
  if (t == "Floor")
    return math::FloorOp::create(b, l, x);
  if (t == "Ceil")
    return math::CeilOp::create(b, l, x);
  if (t == "Round" || t == "Rint")
    return math::RoundEvenOp::create(b, l, x);
  if (t == "Reciprocal" || t == "Inv")
    return arith::DivFOp::create(b, l, floatConst(b, l, type, 1), x);
  if (t == "Sigmoid") {
    Value e = math::ExpOp::create(b, l, arith::NegFOp::create(b, l, x));
    Value one = floatConst(b, l, type, 1);
    return arith::DivFOp::create(b, l, one,
                                 arith::AddFOp::create(b, l, one, e));
  }
  if (t == "Elu" || t == "Selu") {
    // expm1(x) where x < 0, else x (Selu: TF's alpha and scale).
    Value neg = arith::CmpFOp::create(b, l, CmpFPredicate::OLT, x,
                                      floatConst(b, l, type, 0));
    Value em1 = math::ExpM1Op::create(b, l, x);
    if (t == "Elu")
      return arith::SelectOp::create(b, l, neg, em1, x);
    const double alpha = 1.6732632423543772848170429916717,
                 scale = 1.0507009873554804934193349852946;
    Value lo = arith::MulFOp::create(b, l, em1,
                                     floatConst(b, l, type, scale * alpha));
    Value hi = arith::MulFOp::create(b, l, x, floatConst(b, l, type, scale));
    return arith::SelectOp::create(b, l, neg, lo, hi);
  }
  if (t == "Softplus") {
    // log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|)).
    Value zero = floatConst(b, l, type, 0);
    Value m = arith::MaximumFOp::create(b, l, x, zero);
    Value e = math::ExpOp::create(
        b, l, arith::NegFOp::create(b, l, math::AbsFOp::create(b, l, x)));
    return arith::AddFOp::create(b, l, m, math::Log1pOp::create(b, l, e));
  }
  return Value();
}

/// Cast between TF dtypes as static_cast does (bool <-> number: != 0 / 0,1).
Value castScalar(OpBuilder &b, Location l, Value x, Type from, Type to,
                 Type toLowered) {
  Type fromLowered = x.getType();
  if (fromLowered == toLowered)
    return x;
  bool fromFloat = isa<FloatType>(from), toFloat = isa<FloatType>(to);
  if (to.isInteger(1)) {
    if (fromFloat)
      return arith::CmpFOp::create(b, l, CmpFPredicate::UNE, x,
                                   floatConst(b, l, fromLowered, 0));
    return arith::CmpIOp::create(b, l, CmpIPredicate::ne, x,
                                 intConst(b, l, fromLowered, 0));
  }
  bool fromUnsigned = isUnsignedInt(from) || from.isInteger(1);
  if (fromFloat && toFloat)
    return fromLowered.getIntOrFloatBitWidth() <
                   toLowered.getIntOrFloatBitWidth()
               ? arith::ExtFOp::create(b, l, toLowered, x).getResult()
               : arith::TruncFOp::create(b, l, toLowered, x).getResult();
  if (!fromFloat && toFloat)
    return fromUnsigned
               ? arith::UIToFPOp::create(b, l, toLowered, x).getResult()
               : arith::SIToFPOp::create(b, l, toLowered, x).getResult();
  if (fromFloat)
    return isUnsignedInt(to)
               ? arith::FPToUIOp::create(b, l, toLowered, x).getResult()
               : arith::FPToSIOp::create(b, l, toLowered, x).getResult();
  unsigned fw = fromLowered.getIntOrFloatBitWidth(),
           tw = toLowered.getIntOrFloatBitWidth();
  if (fw > tw)
    return arith::TruncIOp::create(b, l, toLowered, x);
  return fromUnsigned ? arith::ExtUIOp::create(b, l, toLowered, x).getResult()
                      : arith::ExtSIOp::create(b, l, toLowered, x).getResult();
}

/// An element-wise op over all its data inputs whose scalar code `scalar`
/// gives (null when it has none for the inputs' element type).
LogicalResult lowerScalarOp(
    NodeLowering &l, Operation *op,
    function_ref<Value(OpBuilder &, Location, StringRef, Type, ValueRange)>
        scalar) {
  SmallVector<Value> ins;
  for (unsigned i = 0; i < getDataOperands(op).size(); ++i) {
    FailureOr<Value> x = l.tensor(op, i);
    if (failed(x))
      return failure();
    ins.push_back(*x);
  }
  FailureOr<RankedTensorType> out = l.resultType(op, 0);
  if (failed(out))
    return failure();
  StringRef t = getNodeOpType(op);
  Type elem = NodeLowering::graphElementType(getDataOperands(op)[0]);
  bool ok = true;
  FailureOr<Value> r = l.elementwise(
      op, ins, *out, [&](OpBuilder &b, Location loc, ValueRange a) {
        Value v = scalar(b, loc, t, elem, a);
        if (!v) {
          ok = false;
          return a[0];
        }
        return v;
      });
  if (!ok)
    return l.unsupported(op, "no lowering for element type " +
                                 elementTypeToString(elem));
  if (failed(r))
    return failure();
  l.setTensor(op, 0, *r);
  return success();
}

/// TF's integer Div, FloorDiv, TruncateDiv, FloorMod and TruncateMod fail
/// the run with InvalidArgument "Integer division by zero" when a divisor is
/// 0: one pass over the divisor tells the runtime whether any is, and the
/// division runs only when none is.
LogicalResult guardIntegerDivisor(NodeLowering &l, Operation *op) {
  StringRef t = getNodeOpType(op);
  if (t != "Div" && t != "FloorDiv" && t != "TruncateDiv" && t != "FloorMod" &&
      t != "TruncateMod")
    return success();
  Type elem = NodeLowering::graphElementType(getDataOperands(op)[1]);
  if (!isa<IntegerType>(elem) || elem.isInteger(1))
    return success();
  FailureOr<Value> y = l.tensor(op, 1);
  if (failed(y))
    return failure();
  auto yType = cast<RankedTensorType>(y->getType());
  Type i32 = l.b.getI32Type();
  FailureOr<Value> nonZero = l.elementwise(
      op, {*y}, RankedTensorType::get(yType.getShape(), i32),
      [&](OpBuilder &b, Location loc, ValueRange a) {
        Value zero = arith::ConstantOp::create(
            b, loc, b.getIntegerAttr(a[0].getType(), 0));
        Value ne = arith::CmpIOp::create(b, loc, CmpIPredicate::ne, a[0], zero);
        return arith::ExtUIOp::create(b, loc, i32, ne).getResult();
      });
  if (failed(nonZero))
    return failure();
  Value all = *nonZero;
  if (yType.getRank() > 0) {
    SmallVector<int64_t> axes;
    for (int64_t d = 0; d < yType.getRank(); ++d)
      axes.push_back(d);
    all =
        reduceTensor(l, all, axes, l.i32(1),
                     [](OpBuilder &b, Location loc, Value v, Value acc) {
                       return arith::AndIOp::create(b, loc, v, acc).getResult();
                     });
  }
  Value flag = tensor::ExtractOp::create(l.b, l.loc(), all, ValueRange{});
  flag = arith::TruncIOp::create(l.b, l.loc(), l.b.getI1Type(), flag);
  rt::CheckDivisorOp::create(l.b, l.loc(), l.frame, flag);
  return success();
}

LogicalResult lowerBinary(NodeLowering &l, Operation *op) {
  if (failed(guardIntegerDivisor(l, op)))
    return failure();
  return lowerScalarOp(
      l, op,
      [](OpBuilder &b, Location loc, StringRef t, Type elem, ValueRange a) {
        return binaryScalar(b, loc, t, elem, a[0], a[1]);
      });
}

LogicalResult lowerUnary(NodeLowering &l, Operation *op) {
  return lowerScalarOp(
      l, op,
      [](OpBuilder &b, Location loc, StringRef t, Type elem, ValueRange a) {
        return unaryScalar(b, loc, t, elem, a[0]);
      });
}

LogicalResult lowerCast(NodeLowering &l, Operation *op) {
  FailureOr<Value> x = l.tensor(op, 0);
  FailureOr<RankedTensorType> out = l.resultType(op, 0);
  if (failed(x) || failed(out))
    return failure();
  Type from = NodeLowering::graphElementType(getDataOperands(op)[0]);
  Type to = NodeLowering::graphElementType(op->getResult(0));
  FailureOr<Value> r = l.elementwise(
      op, {*x}, *out, [&](OpBuilder &b, Location loc, ValueRange a) {
        return castScalar(b, loc, a[0], from, to, out->getElementType());
      });
  if (failed(r))
    return failure();
  l.setTensor(op, 0, *r);
  return success();
}

LogicalResult lowerIdentity(NodeLowering &l, Operation *op) {
  // Identity of a ref keeps the ref: consumers read the variable when they
  // run. Otherwise the same tensor.
  if (isa<RefType>(
          cast<TensorType>(op->getResult(0).getType()).getElementType())) {
    FailureOr<int64_t> slot = l.slotOperand(op, 0);
    if (failed(slot))
      return failure();
    l.setSlot(op, 0, *slot);
    return success();
  }
  if (failed(l.forward(op, 0, 0)))
    return failure();
  return success();
}

LogicalResult lowerSelect(NodeLowering &l, Operation *op) {
  FailureOr<Value> c = l.tensor(op, 0), x = l.tensor(op, 1),
                   y = l.tensor(op, 2);
  FailureOr<RankedTensorType> out = l.resultType(op, 0);
  if (failed(c) || failed(x) || failed(y) || failed(out))
    return failure();
  auto ct = cast<RankedTensorType>(c->getType());
  if (ct.getRank() == 1 && out->getRank() > 1) {
    // Select's vector condition picks whole rows: extend it to [n,1,...].
    SmallVector<int64_t> shape{ct.getDimSize(0)};
    shape.append(out->getRank() - 1, 1);
    SmallVector<ReassociationIndices> reassoc{{}};
    for (int64_t d = 0; d < out->getRank(); ++d)
      reassoc[0].push_back(d);
    *c = tensor::ExpandShapeOp::create(
        l.b, l.loc(), RankedTensorType::get(shape, ct.getElementType()), *c,
        reassoc);
  }
  FailureOr<Value> r = l.elementwise(
      op, {*c, *x, *y}, *out, [&](OpBuilder &b, Location loc, ValueRange a) {
        return arith::SelectOp::create(b, loc, a[0], a[1], a[2]).getResult();
      });
  if (failed(r))
    return failure();
  l.setTensor(op, 0, *r);
  return success();
}

LogicalResult lowerAddN(NodeLowering &l, Operation *op) {
  FailureOr<RankedTensorType> out = l.resultType(op, 0);
  if (failed(out))
    return failure();
  SmallVector<Value> ins;
  for (unsigned i = 0; i < getDataOperands(op).size(); ++i) {
    FailureOr<Value> x = l.tensor(op, i);
    if (failed(x))
      return failure();
    ins.push_back(*x);
  }
  bool isFloat = isa<FloatType>(out->getElementType());
  FailureOr<Value> r = l.elementwise(
      op, ins, *out, [&](OpBuilder &b, Location loc, ValueRange a) {
        Value acc = a[0];
        for (Value v : a.drop_front())
          acc = isFloat ? arith::AddFOp::create(b, loc, acc, v).getResult()
                        : arith::AddIOp::create(b, loc, acc, v).getResult();
        return acc;
      });
  if (failed(r))
    return failure();
  l.setTensor(op, 0, *r);
  return success();
}

} // namespace

void kiln::populateElementwiseLowerings(NodeLoweringTable &table) {
  for (const char *t :
       {"Add",      "AddV2",        "BiasAdd",     "Sub",
        "Mul",      "RealDiv",      "Div",         "DivNoNan",
        "FloorDiv", "FloorMod",     "TruncateDiv", "TruncateMod",
        "Maximum",  "Minimum",      "Pow",         "SquaredDifference",
        "Equal",    "NotEqual",     "Less",        "LessEqual",
        "Greater",  "GreaterEqual", "LogicalAnd",  "LogicalOr"})
    table[t] = lowerBinary;
  for (const char *t :
       {"Neg",        "Square", "Abs",        "Relu", "Relu6",   "Sign",
        "LogicalNot", "Exp",    "Expm1",      "Log",  "Log1p",   "Sqrt",
        "Rsqrt",      "Tanh",   "Sin",        "Cos",  "Floor",   "Ceil",
        "Round",      "Rint",   "Reciprocal", "Inv",  "Sigmoid", "Softplus",
        "Elu",        "Selu"})
    table[t] = lowerUnary;
  table["Cast"] = lowerCast;
  for (const char *t :
       {"Identity", "Snapshot", "StopGradient", "PreventGradient"})
    table[t] = lowerIdentity;
  table["Select"] = lowerSelect;
  table["AddN"] = lowerAddN;
}
