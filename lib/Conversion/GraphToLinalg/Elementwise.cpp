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
  return b.create<arith::ConstantOp>(l, t, b.getFloatAttr(t, v));
}
Value intConst(OpBuilder &b, Location l, Type t, int64_t v) {
  return b.create<arith::ConstantIntOp>(l, t, v);
}

/// The scalar code of binary op `t` on `x`, `y` of graph element type `elem`;
/// null if `t` has none for that type.
Value binaryScalar(OpBuilder &b, Location l, StringRef t, Type elem, Value x,
                   Value y) {
  bool isFloat = isa<FloatType>(elem);
  bool isUnsigned = isUnsignedInt(elem);
  Type type = x.getType();
  if (t == "Add" || t == "AddV2" || t == "BiasAdd")
    return isFloat ? b.create<arith::AddFOp>(l, x, y).getResult()
                   : b.create<arith::AddIOp>(l, x, y).getResult();
  if (t == "Sub")
    return isFloat ? b.create<arith::SubFOp>(l, x, y).getResult()
                   : b.create<arith::SubIOp>(l, x, y).getResult();
  if (t == "Mul")
    return isFloat ? b.create<arith::MulFOp>(l, x, y).getResult()
                   : b.create<arith::MulIOp>(l, x, y).getResult();
  if (t == "SquaredDifference") {
    Value d = isFloat ? b.create<arith::SubFOp>(l, x, y).getResult()
                      : b.create<arith::SubIOp>(l, x, y).getResult();
    return isFloat ? b.create<arith::MulFOp>(l, d, d).getResult()
                   : b.create<arith::MulIOp>(l, d, d).getResult();
  }
  if (t == "Maximum")
    return isFloat      ? b.create<arith::MaximumFOp>(l, x, y).getResult()
           : isUnsigned ? b.create<arith::MaxUIOp>(l, x, y).getResult()
                        : b.create<arith::MaxSIOp>(l, x, y).getResult();
  if (t == "Minimum")
    return isFloat      ? b.create<arith::MinimumFOp>(l, x, y).getResult()
           : isUnsigned ? b.create<arith::MinUIOp>(l, x, y).getResult()
                        : b.create<arith::MinSIOp>(l, x, y).getResult();
  if (isFloat) {
    if (t == "RealDiv" || t == "Div" || t == "DivNoNan") {
      Value q = b.create<arith::DivFOp>(l, x, y);
      if (t != "DivNoNan")
        return q;
      Value zero = floatConst(b, l, type, 0);
      Value isZero = b.create<arith::CmpFOp>(l, CmpFPredicate::OEQ, y, zero);
      return b.create<arith::SelectOp>(l, isZero, zero, q);
    }
    if (t == "FloorDiv")
      return b.create<math::FloorOp>(l, b.create<arith::DivFOp>(l, x, y));
    if (t == "FloorMod") {
      // fmod, then moved into the divisor's sign as Python's % does.
      Value r = b.create<arith::RemFOp>(l, x, y);
      Value zero = floatConst(b, l, type, 0);
      Value rNonZero = b.create<arith::CmpFOp>(l, CmpFPredicate::ONE, r, zero);
      Value rNeg = b.create<arith::CmpFOp>(l, CmpFPredicate::OLT, r, zero);
      Value yNeg = b.create<arith::CmpFOp>(l, CmpFPredicate::OLT, y, zero);
      Value differ = b.create<arith::XOrIOp>(l, rNeg, yNeg);
      Value fix = b.create<arith::AndIOp>(l, rNonZero, differ);
      return b.create<arith::SelectOp>(l, fix, b.create<arith::AddFOp>(l, r, y),
                                       r);
    }
    if (t == "TruncateMod") // C's fmod: the dividend's sign.
      return arith::RemFOp::create(b, l, x, y);
    if (t == "Pow")
      return b.create<math::PowFOp>(l, x, y);
  } else if (!elem.isInteger(1)) {
    // A zero divisor fails the run before this is reached (see
    // guardIntegerDivisor); the select keeps the division from trapping
    // even so.
    auto safeDivisor = [&](Value d) {
      Value zero = intConst(b, l, type, 0);
      Value isZero = b.create<arith::CmpIOp>(l, CmpIPredicate::eq, d, zero);
      return std::make_pair(isZero, b.create<arith::SelectOp>(
                                         l, isZero, intConst(b, l, type, 1), d)
                                        .getResult());
    };
    if (t == "Div" || t == "FloorDiv" || t == "TruncateDiv" ||
        t == "FloorMod" || t == "TruncateMod") {
      auto [isZero, d] = safeDivisor(y);
      Value r;
      if (t == "Div" || t == "TruncateDiv")
        r = isUnsigned ? b.create<arith::DivUIOp>(l, x, d).getResult()
                       : b.create<arith::DivSIOp>(l, x, d).getResult();
      else if (t == "FloorDiv")
        r = isUnsigned ? b.create<arith::DivUIOp>(l, x, d).getResult()
                       : b.create<arith::FloorDivSIOp>(l, x, d).getResult();
      else if (t == "TruncateMod" || isUnsigned)
        r = isUnsigned ? b.create<arith::RemUIOp>(l, x, d).getResult()
                       : b.create<arith::RemSIOp>(l, x, d).getResult();
      else {
        // Python's %: the remainder takes the divisor's sign.
        Value rem = b.create<arith::RemSIOp>(l, x, d);
        Value zero = intConst(b, l, type, 0);
        Value remNonZero =
            b.create<arith::CmpIOp>(l, CmpIPredicate::ne, rem, zero);
        Value remNeg =
            b.create<arith::CmpIOp>(l, CmpIPredicate::slt, rem, zero);
        Value dNeg = b.create<arith::CmpIOp>(l, CmpIPredicate::slt, d, zero);
        Value fix = b.create<arith::AndIOp>(
            l, remNonZero, b.create<arith::XOrIOp>(l, remNeg, dNeg));
        r = b.create<arith::SelectOp>(l, fix,
                                      b.create<arith::AddIOp>(l, rem, d), rem);
      }
      return b.create<arith::SelectOp>(l, isZero, intConst(b, l, type, 0), r);
    }
    if (t == "Pow")
      return b.create<math::IPowIOp>(l, x, y);
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
        return b.create<arith::CmpFOp>(l, c.f, x, y);
      return b.create<arith::CmpIOp>(l, isUnsigned ? c.u : c.s, x, y);
    }
  if (elem.isInteger(1)) {
    if (t == "LogicalAnd")
      return b.create<arith::AndIOp>(l, x, y);
    if (t == "LogicalOr")
      return b.create<arith::OrIOp>(l, x, y);
  }
  return Value();
}

Value unaryScalar(OpBuilder &b, Location l, StringRef t, Type elem, Value x) {
  bool isFloat = isa<FloatType>(elem);
  Type type = x.getType();
  if (t == "Neg")
    return isFloat ? b.create<arith::NegFOp>(l, x).getResult()
                   : b.create<arith::SubIOp>(l, intConst(b, l, type, 0), x)
                         .getResult();
  if (t == "Square")
    return isFloat ? b.create<arith::MulFOp>(l, x, x).getResult()
                   : b.create<arith::MulIOp>(l, x, x).getResult();
  if (t == "Abs")
    return isFloat ? b.create<math::AbsFOp>(l, x).getResult()
                   : b.create<math::AbsIOp>(l, x).getResult();
  if (t == "Relu" || t == "Relu6") {
    Value r = isFloat
                  ? b.create<arith::MaximumFOp>(l, x, floatConst(b, l, type, 0))
                        .getResult()
                  : b.create<arith::MaxSIOp>(l, x, intConst(b, l, type, 0))
                        .getResult();
    if (t == "Relu")
      return r;
    return isFloat
               ? b.create<arith::MinimumFOp>(l, r, floatConst(b, l, type, 6))
                     .getResult()
               : b.create<arith::MinSIOp>(l, r, intConst(b, l, type, 6))
                     .getResult();
  }
  if (t == "Sign") {
    if (isFloat) {
      Value zero = floatConst(b, l, type, 0);
      Value pos = b.create<arith::CmpFOp>(l, CmpFPredicate::OGT, x, zero);
      Value neg = b.create<arith::CmpFOp>(l, CmpFPredicate::OLT, x, zero);
      Value r =
          b.create<arith::SelectOp>(l, pos, floatConst(b, l, type, 1), zero);
      r = b.create<arith::SelectOp>(l, neg, floatConst(b, l, type, -1), r);
      // NaN stays NaN.
      Value nan = b.create<arith::CmpFOp>(l, CmpFPredicate::UNO, x, x);
      return b.create<arith::SelectOp>(l, nan, x, r);
    }
    Value zero = intConst(b, l, type, 0);
    Value pos = b.create<arith::CmpIOp>(l, CmpIPredicate::sgt, x, zero);
    Value neg = b.create<arith::CmpIOp>(l, CmpIPredicate::slt, x, zero);
    Value r = b.create<arith::SelectOp>(l, pos, intConst(b, l, type, 1), zero);
    return b.create<arith::SelectOp>(l, neg, intConst(b, l, type, -1), r);
  }
  if (t == "LogicalNot" && elem.isInteger(1))
    return b.create<arith::XOrIOp>(l, x, intConst(b, l, type, 1));
  if (!isFloat)
    return Value();
  if (t == "Exp")
    return b.create<math::ExpOp>(l, x);
  if (t == "Expm1")
    return b.create<math::ExpM1Op>(l, x);
  if (t == "Log")
    return b.create<math::LogOp>(l, x);
  if (t == "Log1p")
    return b.create<math::Log1pOp>(l, x);
  if (t == "Sqrt")
    return b.create<math::SqrtOp>(l, x);
  if (t == "Rsqrt")
    return b.create<math::RsqrtOp>(l, x);
  if (t == "Tanh")
    return b.create<math::TanhOp>(l, x);
  if (t == "Sin")
    return b.create<math::SinOp>(l, x);
  if (t == "Cos")
    return b.create<math::CosOp>(l, x);
  if (t == "Floor")
    return b.create<math::FloorOp>(l, x);
  if (t == "Ceil")
    return b.create<math::CeilOp>(l, x);
  if (t == "Round" || t == "Rint")
    return b.create<math::RoundEvenOp>(l, x);
  if (t == "Reciprocal" || t == "Inv")
    return b.create<arith::DivFOp>(l, floatConst(b, l, type, 1), x);
  if (t == "Sigmoid") {
    Value e = b.create<math::ExpOp>(l, b.create<arith::NegFOp>(l, x));
    Value one = floatConst(b, l, type, 1);
    return b.create<arith::DivFOp>(l, one, b.create<arith::AddFOp>(l, one, e));
  }
  if (t == "Softplus") {
    // log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|)).
    Value zero = floatConst(b, l, type, 0);
    Value m = b.create<arith::MaximumFOp>(l, x, zero);
    Value e = b.create<math::ExpOp>(
        l, b.create<arith::NegFOp>(l, b.create<math::AbsFOp>(l, x)));
    return b.create<arith::AddFOp>(l, m, b.create<math::Log1pOp>(l, e));
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
      return b.create<arith::CmpFOp>(l, CmpFPredicate::UNE, x,
                                     floatConst(b, l, fromLowered, 0));
    return b.create<arith::CmpIOp>(l, CmpIPredicate::ne, x,
                                   intConst(b, l, fromLowered, 0));
  }
  bool fromUnsigned = isUnsignedInt(from) || from.isInteger(1);
  if (fromFloat && toFloat)
    return fromLowered.getIntOrFloatBitWidth() <
                   toLowered.getIntOrFloatBitWidth()
               ? b.create<arith::ExtFOp>(l, toLowered, x).getResult()
               : b.create<arith::TruncFOp>(l, toLowered, x).getResult();
  if (!fromFloat && toFloat)
    return fromUnsigned
               ? b.create<arith::UIToFPOp>(l, toLowered, x).getResult()
               : b.create<arith::SIToFPOp>(l, toLowered, x).getResult();
  if (fromFloat)
    return isUnsignedInt(to)
               ? b.create<arith::FPToUIOp>(l, toLowered, x).getResult()
               : b.create<arith::FPToSIOp>(l, toLowered, x).getResult();
  unsigned fw = fromLowered.getIntOrFloatBitWidth(),
           tw = toLowered.getIntOrFloatBitWidth();
  if (fw > tw)
    return b.create<arith::TruncIOp>(l, toLowered, x);
  return fromUnsigned ? b.create<arith::ExtUIOp>(l, toLowered, x).getResult()
                      : b.create<arith::ExtSIOp>(l, toLowered, x).getResult();
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
        Value zero = b.create<arith::ConstantOp>(
            loc, b.getIntegerAttr(a[0].getType(), 0));
        Value ne = b.create<arith::CmpIOp>(loc, CmpIPredicate::ne, a[0], zero);
        return b.create<arith::ExtUIOp>(loc, i32, ne).getResult();
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
                       return b.create<arith::AndIOp>(loc, v, acc).getResult();
                     });
  }
  Value flag = l.b.create<tensor::ExtractOp>(l.loc(), all, ValueRange{});
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
    *c = l.b.create<tensor::ExpandShapeOp>(
        l.loc(), RankedTensorType::get(shape, ct.getElementType()), *c,
        reassoc);
  }
  FailureOr<Value> r = l.elementwise(
      op, {*c, *x, *y}, *out, [&](OpBuilder &b, Location loc, ValueRange a) {
        return b.create<arith::SelectOp>(loc, a[0], a[1], a[2]).getResult();
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
          acc = isFloat ? b.create<arith::AddFOp>(loc, acc, v).getResult()
                        : b.create<arith::AddIOp>(loc, acc, v).getResult();
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
        "Round",      "Rint",   "Reciprocal", "Inv",  "Sigmoid", "Softplus"})
    table[t] = lowerUnary;
  table["Cast"] = lowerCast;
  for (const char *t :
       {"Identity", "Snapshot", "StopGradient", "PreventGradient"})
    table[t] = lowerIdentity;
  table["Select"] = lowerSelect;
  table["AddN"] = lowerAddN;
}
