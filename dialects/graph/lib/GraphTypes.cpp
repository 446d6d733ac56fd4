//===- GraphTypes.cpp - TF dtypes, shapes and their MLIR forms ------------===//
#include "kiln/Dialect/Graph/GraphDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace kiln {
namespace graph {

Type dtypeToElementType(MLIRContext *ctx, int dtype) {
  if (dtype > 100) {
    Type base = dtypeToElementType(ctx, dtype - 100);
    return base ? RefType::get(ctx, base) : Type();
  }
  Builder b(ctx);
  switch (dtype) {
  case 1: return b.getF32Type();
  case 2: return b.getF64Type();
  case 3: return b.getIntegerType(32);
  case 4: return b.getIntegerType(8, /*isSigned=*/false);
  case 5: return b.getIntegerType(16);
  case 6: return b.getIntegerType(8);
  case 7: return StringType::get(ctx);
  case 8: return ComplexType::get(b.getF32Type());
  case 9: return b.getIntegerType(64);
  case 10: return b.getI1Type();
  case 11: return QInt8Type::get(ctx);
  case 12: return QUInt8Type::get(ctx);
  case 13: return QInt32Type::get(ctx);
  case 14: return b.getBF16Type();
  case 15: return QInt16Type::get(ctx);
  case 16: return QUInt16Type::get(ctx);
  case 17: return b.getIntegerType(16, /*isSigned=*/false);
  case 18: return ComplexType::get(b.getF64Type());
  case 19: return b.getF16Type();
  case 20: return ResourceType::get(ctx);
  case 21: return VariantType::get(ctx);
  case 22: return b.getIntegerType(32, /*isSigned=*/false);
  case 23: return b.getIntegerType(64, /*isSigned=*/false);
  default: return Type();
  }
}

std::optional<int> elementTypeToDtype(Type t) {
  if (auto ref = dyn_cast<RefType>(t)) {
    std::optional<int> base = elementTypeToDtype(ref.getElementType());
    if (!base)
      return std::nullopt;
    return *base + 100;
  }
  if (t.isF32()) return 1;
  if (t.isF64()) return 2;
  if (t.isF16()) return 19;
  if (t.isBF16()) return 14;
  if (auto i = dyn_cast<IntegerType>(t)) {
    bool u = i.isUnsigned();
    switch (i.getWidth()) {
    case 1: return u ? std::optional<int>() : 10;
    case 8: return u ? 4 : 6;
    case 16: return u ? 17 : 5;
    case 32: return u ? 22 : 3;
    case 64: return u ? 23 : 9;
    default: return std::nullopt;
    }
  }
  if (auto c = dyn_cast<ComplexType>(t)) {
    if (c.getElementType().isF32()) return 8;
    if (c.getElementType().isF64()) return 18;
    return std::nullopt;
  }
  return llvm::TypeSwitch<Type, std::optional<int>>(t)
      .Case<StringType>([](auto) { return 7; })
      .Case<QInt8Type>([](auto) { return 11; })
      .Case<QUInt8Type>([](auto) { return 12; })
      .Case<QInt32Type>([](auto) { return 13; })
      .Case<QInt16Type>([](auto) { return 15; })
      .Case<QUInt16Type>([](auto) { return 16; })
      .Case<ResourceType>([](auto) { return 20; })
      .Case<VariantType>([](auto) { return 21; })
      .Default([](auto) { return std::nullopt; });
}

std::string dtypeToString(int dtype) {
  static const char *const kNames[] = {
      "invalid", "float",   "double",  "int32",  "uint8",    "int16",
      "int8",    "string",  "complex64", "int64", "bool",    "qint8",
      "quint8",  "qint32",  "bfloat16", "qint16", "quint16", "uint16",
      "complex128", "half", "resource", "variant", "uint32", "uint64"};
  if (dtype > 100 && dtype <= 123)
    return std::string(kNames[dtype - 100]) + "_ref";
  if (dtype >= 0 && dtype <= 23)
    return kNames[dtype];
  return "unknown dtype " + std::to_string(dtype);
}

std::string elementTypeToString(Type t) {
  if (isa<UnknownType>(t))
    return "unknown";
  std::optional<int> d = elementTypeToDtype(t);
  if (!d) {
    std::string s;
    llvm::raw_string_ostream os(s);
    os << t;
    return s;
  }
  return dtypeToString(*d);
}

Type getElementType(Type tensorType) {
  if (auto t = dyn_cast<TensorType>(tensorType))
    return t.getElementType();
  return Type();
}

Type stripRef(Type elementType) {
  if (auto ref = dyn_cast_or_null<RefType>(elementType))
    return ref.getElementType();
  return elementType;
}

//===----------------------------------------------------------------------===//
// ShapeAttr: #graph.shape<2x?x3>, #graph.shape<> (scalar), #graph.shape<*>
//===----------------------------------------------------------------------===//

Attribute ShapeAttr::parse(AsmParser &parser, Type) {
  if (parser.parseLess())
    return {};
  if (succeeded(parser.parseOptionalStar())) {
    if (parser.parseGreater())
      return {};
    return ShapeAttr::get(parser.getContext(), {}, /*unknownRank=*/true);
  }
  SmallVector<int64_t> dims;
  if (succeeded(parser.parseOptionalGreater()))
    return ShapeAttr::get(parser.getContext(), dims, false);
  if (parser.parseDimensionList(dims, /*allowDynamic=*/true,
                                /*withTrailingX=*/false))
    return {};
  for (int64_t &d : dims)
    if (ShapedType::isDynamic(d))
      d = -1;
  if (parser.parseGreater())
    return {};
  return ShapeAttr::get(parser.getContext(), dims, false);
}

void ShapeAttr::print(AsmPrinter &p) const {
  p << '<';
  if (getUnknownRank()) {
    p << "*>";
    return;
  }
  llvm::interleave(
      getDims(), p,
      [&](int64_t d) {
        if (d < 0)
          p << '?';
        else
          p << d;
      },
      "x");
  p << '>';
}

TensorType ShapeAttr::toTensorType(Type elementType) const {
  if (getUnknownRank())
    return UnrankedTensorType::get(elementType);
  SmallVector<int64_t> dims;
  for (int64_t d : getDims())
    dims.push_back(d < 0 ? ShapedType::kDynamic : d);
  return RankedTensorType::get(dims, elementType);
}

} // namespace graph
} // namespace kiln
