//===- DecodeRaw.cpp - The DecodeRaw op -----------------------------------===//
#include "kiln/runtime/DecodeRaw.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace kiln {
namespace {

constexpr bool kHostLittleEndian =
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    false;
#else
    true;
#endif

} // namespace

bool isDecodeRawType(DType t) {
  switch (t) {
  case DType::kHalf:
  case DType::kFloat:
  case DType::kDouble:
  case DType::kInt32:
  case DType::kUInt16:
  case DType::kUInt8:
  case DType::kInt16:
  case DType::kInt8:
  case DType::kInt64:
    return true;
  default:
    return false;
  }
}

void decodeRawInto(std::string_view bytes, DType outType, bool littleEndian,
                   void *out) {
  size_t elem = dtypeSize(outType);
  auto *dst = static_cast<char *>(out);
  if (bytes.empty())
    return;
  std::memcpy(dst, bytes.data(), bytes.size());
  if (elem == 1 || littleEndian == kHostLittleEndian)
    return;
  for (size_t i = 0; i + elem <= bytes.size(); i += elem)
    std::reverse(dst + i, dst + i + elem);
}

StatusOr<Tensor> decodeRaw(const Tensor &bytes, DType outType,
                           bool littleEndian) {
  if (bytes.dtype() != DType::kString)
    return errors::InvalidArgument("DecodeRaw expects a string input, got ",
                                   dtypeName(bytes.dtype()));
  if (!isDecodeRawType(outType))
    return errors::InvalidArgument("Value for attr 'out_type' of ",
                                   dtypeName(outType),
                                   " is not in the list of allowed values: "
                                   "half, float, double, int32, uint16, uint8, "
                                   "int16, int8, int64");
  const std::string *in = bytes.data<std::string>();
  int64_t n = bytes.numElements();
  size_t elem = dtypeSize(outType);
  TensorShape outShape = bytes.shape();
  if (n == 0) {
    outShape.addDim(0);
    return Tensor(outType, outShape);
  }
  size_t strSize = in[0].size();
  if (strSize % elem != 0)
    return errors::InvalidArgument("Input to DecodeRaw has length ", strSize,
                                   " that is not a multiple of ", elem,
                                   ", the size of ", dtypeName(outType));
  for (int64_t i = 1; i < n; ++i)
    if (in[i].size() != strSize)
      return errors::InvalidArgument(
          "DecodeRaw requires input strings to all be the same size, but "
          "element ",
          i, " has size ", in[i].size(), " != ", strSize);
  outShape.addDim(static_cast<int64_t>(strSize / elem));
  Tensor out(outType, outShape);
  auto *dst = static_cast<char *>(out.raw());
  for (int64_t i = 0; i < n; ++i)
    decodeRawInto(in[i], outType, littleEndian, dst + i * strSize);
  return out;
}

} // namespace kiln
