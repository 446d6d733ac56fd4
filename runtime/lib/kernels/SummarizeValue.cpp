//===- SummarizeValue.cpp - TF's Tensor::SummarizeValue -------------------===//
//
// The element listing TF puts in Assert and label-check messages; declared in
// HostKernel.h for the kernels and the compiled-code ABI alike.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/HostKernel.h"

#include <algorithm>
#include <sstream>

using namespace kiln;

namespace {

std::string elementString(const Tensor &t, int64_t i) {
  std::ostringstream os;
  switch (t.dtype()) {
  case DType::kFloat:
    os << t.data<float>()[i];
    break;
  case DType::kDouble:
    os << t.data<double>()[i];
    break;
  case DType::kInt32:
    os << t.data<int32_t>()[i];
    break;
  case DType::kInt64:
    os << t.data<int64_t>()[i];
    break;
  case DType::kInt16:
    os << t.data<int16_t>()[i];
    break;
  case DType::kInt8:
    os << static_cast<int>(t.data<int8_t>()[i]);
    break;
  case DType::kUInt8:
    os << static_cast<int>(t.data<uint8_t>()[i]);
    break;
  case DType::kUInt16:
    os << t.data<uint16_t>()[i];
    break;
  case DType::kBool:
    os << (t.data<bool>()[i] ? 1 : 0);
    break;
  case DType::kString:
    return t.data<std::string>()[i];
  default:
    return "?";
  }
  return os.str();
}

/// TF's PrintOneDim: elements of dim `d` from flat offset `*index`.
void printDim(const Tensor &t, int d, int64_t limit, int64_t *index,
              std::string &out) {
  int rank = t.shape().rank();
  int64_t n = t.shape().dim(d);
  for (int64_t i = 0; i < n && *index < limit; ++i) {
    if (i > 0)
      out += ' ';
    if (d == rank - 1) {
      out += elementString(t, (*index)++);
    } else {
      out += '[';
      printDim(t, d + 1, limit, index, out);
      out += ']';
    }
  }
}

} // namespace

std::string kiln::summarizeValue(const Tensor &t, int64_t maxEntries) {
  int64_t n = t.numElements();
  int64_t limit = std::min(n, maxEntries);
  std::string out;
  if (t.shape().rank() == 0) {
    out = n > 0 ? elementString(t, 0) : "";
  } else if (t.shape().rank() == 1) {
    for (int64_t i = 0; i < limit; ++i)
      out += (i ? " " : "") + elementString(t, i);
  } else {
    int64_t index = 0;
    printDim(t, 0, limit, &index, out);
  }
  if (limit < n)
    out += "...";
  return out;
}
