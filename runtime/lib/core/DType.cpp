//===- DType.cpp - TensorFlow data types -----------------------------------===//
#include "kiln/runtime/DType.h"

namespace kiln {

const char *dtypeName(DType t) {
  switch (t) {
  case DType::kInvalid: return "invalid";
  case DType::kFloat: return "float";
  case DType::kDouble: return "double";
  case DType::kInt32: return "int32";
  case DType::kUInt8: return "uint8";
  case DType::kInt16: return "int16";
  case DType::kInt8: return "int8";
  case DType::kString: return "string";
  case DType::kComplex64: return "complex64";
  case DType::kInt64: return "int64";
  case DType::kBool: return "bool";
  case DType::kQInt8: return "qint8";
  case DType::kQUInt8: return "quint8";
  case DType::kQInt32: return "qint32";
  case DType::kBFloat16: return "bfloat16";
  case DType::kQInt16: return "qint16";
  case DType::kQUInt16: return "quint16";
  case DType::kUInt16: return "uint16";
  case DType::kComplex128: return "complex128";
  case DType::kHalf: return "half";
  case DType::kResource: return "resource";
  case DType::kVariant: return "variant";
  case DType::kUInt32: return "uint32";
  case DType::kUInt64: return "uint64";
  }
  return "invalid";
}

bool isValidDType(int32_t value) { return value >= 1 && value <= 23; }

std::string dtypeNameFromEnum(int32_t value) {
  if (isValidDType(value))
    return dtypeName(static_cast<DType>(value));
  if (isValidDType(value - kDTypeRefOffset))
    return std::string(dtypeName(static_cast<DType>(value - kDTypeRefOffset))) +
           "_ref";
  return "unknown dtype enum (" + std::to_string(value) + ")";
}

size_t dtypeSize(DType t) {
  switch (t) {
  case DType::kFloat: return 4;
  case DType::kDouble: return 8;
  case DType::kInt32: return 4;
  case DType::kUInt8: return 1;
  case DType::kInt16: return 2;
  case DType::kInt8: return 1;
  case DType::kComplex64: return 8;
  case DType::kInt64: return 8;
  case DType::kBool: return 1;
  case DType::kQInt8: return 1;
  case DType::kQUInt8: return 1;
  case DType::kQInt32: return 4;
  case DType::kBFloat16: return 2;
  case DType::kQInt16: return 2;
  case DType::kQUInt16: return 2;
  case DType::kUInt16: return 2;
  case DType::kComplex128: return 16;
  case DType::kHalf: return 2;
  case DType::kUInt32: return 4;
  case DType::kUInt64: return 8;
  case DType::kInvalid:
  case DType::kString:
  case DType::kResource:
  case DType::kVariant:
    return 0;
  }
  return 0;
}

} // namespace kiln
