//===- DType.h - TensorFlow data types --------------------------*- C++ -*-===//
//
// The DataType enum with TensorFlow's numbering (types.proto), so values read
// from GraphDefs, checkpoints and TensorProtos map one to one.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_DTYPE_H
#define KILN_RUNTIME_DTYPE_H

#include <complex>
#include <cstddef>
#include <cstdint>
#include <string>

namespace kiln {

enum class DType : int32_t {
  kInvalid = 0,
  kFloat = 1,
  kDouble = 2,
  kInt32 = 3,
  kUInt8 = 4,
  kInt16 = 5,
  kInt8 = 6,
  kString = 7,
  kComplex64 = 8,
  kInt64 = 9,
  kBool = 10,
  kQInt8 = 11,
  kQUInt8 = 12,
  kQInt32 = 13,
  kBFloat16 = 14,
  kQInt16 = 15,
  kQUInt16 = 16,
  kUInt16 = 17,
  kComplex128 = 18,
  kHalf = 19,
  kResource = 20,
  kVariant = 21,
  kUInt32 = 22,
  kUInt64 = 23,
};

/// Offset between a type and its `_REF` twin (DT_FLOAT_REF = 101).
constexpr int32_t kDTypeRefOffset = 100;

/// TF's DataTypeString: "float", "int32", "string", ... ("float_ref" for refs
/// when given the raw enum value through dtypeNameFromEnum).
const char *dtypeName(DType t);
std::string dtypeNameFromEnum(int32_t value);

/// True for the 23 valid non-ref values.
bool isValidDType(int32_t value);

/// Bytes per element; 0 for types without a fixed-size host layout
/// (string, resource, variant).
size_t dtypeSize(DType t);

/// Whether elements are raw bytes that can be memcpy'd (all but string,
/// resource and variant).
inline bool isPodDType(DType t) { return dtypeSize(t) != 0; }

/// Maps a C++ element type to its DType.
template <typename T> struct DTypeOf;
#define KILN_DTYPE_OF(CType, Enum)                                             \
  template <> struct DTypeOf<CType> {                                          \
    static constexpr DType value = DType::Enum;                                \
  };
KILN_DTYPE_OF(float, kFloat)
KILN_DTYPE_OF(double, kDouble)
KILN_DTYPE_OF(int32_t, kInt32)
KILN_DTYPE_OF(uint8_t, kUInt8)
KILN_DTYPE_OF(int16_t, kInt16)
KILN_DTYPE_OF(int8_t, kInt8)
KILN_DTYPE_OF(std::string, kString)
KILN_DTYPE_OF(std::complex<float>, kComplex64)
KILN_DTYPE_OF(int64_t, kInt64)
KILN_DTYPE_OF(bool, kBool)
KILN_DTYPE_OF(uint16_t, kUInt16)
KILN_DTYPE_OF(std::complex<double>, kComplex128)
KILN_DTYPE_OF(uint32_t, kUInt32)
KILN_DTYPE_OF(uint64_t, kUInt64)
#undef KILN_DTYPE_OF

} // namespace kiln

#endif // KILN_RUNTIME_DTYPE_H
