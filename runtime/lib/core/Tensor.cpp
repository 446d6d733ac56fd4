//===- Tensor.cpp - Typed, shaped, 64-byte aligned buffers ----------------===//
#include "kiln/runtime/Tensor.h"

#include <charconv>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <new>
#include <sstream>

namespace kiln {

int64_t TensorShape::numElements() const {
  int64_t n = 1;
  for (int64_t d : dims_)
    n *= d;
  return n;
}

std::string TensorShape::toString() const {
  std::string s = "[";
  for (size_t i = 0; i < dims_.size(); ++i) {
    if (i)
      s += ",";
    s += dims_[i] < 0 ? std::string("?") : std::to_string(dims_[i]);
  }
  return s + "]";
}

TensorBuffer::TensorBuffer(DType dtype, int64_t numElements, bool zeroFill)
    : dtype_(dtype), numElements_(numElements) {
  size_t elem =
      dtype == DType::kString ? sizeof(std::string) : dtypeSize(dtype);
  bytes_ = elem * static_cast<size_t>(numElements);
  size_t alloc =
      (bytes_ + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
  if (alloc == 0)
    alloc = kTensorAlignment;
  // Plain malloc, aligned by hand: glibc before 2.38 serves aligned_alloc
  // outside its per-thread cache, splitting and merging heap chunks on every
  // call, which made small tensors (queue elements) several times dearer.
  // malloc returns at least alignof(max_align_t), so this much slack
  // always leaves room for the aligned, padded data. A buffer that fits
  // uses inline_ (16-byte aligned, so the same slack) and no allocation.
  static_assert(sizeof(inline_) >= 2 * kTensorAlignment - 16, "inline_");
  unsigned char *base = inline_;
  if (alloc > kTensorAlignment) {
    allocation_ =
        std::malloc(alloc + kTensorAlignment - alignof(std::max_align_t));
    if (!allocation_)
      throw std::bad_alloc();
    base = static_cast<unsigned char *>(allocation_);
  }
  data_ = reinterpret_cast<void *>(
      (reinterpret_cast<uintptr_t>(base) + kTensorAlignment - 1) &
      ~static_cast<uintptr_t>(kTensorAlignment - 1));
  if (dtype == DType::kString) {
    auto *s = static_cast<std::string *>(data_);
    for (int64_t i = 0; i < numElements; ++i)
      new (s + i) std::string();
  } else if (zeroFill) {
    std::memset(data_, 0, bytes_);
  }
}

TensorBuffer::TensorBuffer(void *borrowed, size_t bytes)
    : data_(borrowed), bytes_(bytes), owned_(false) {}

TensorBuffer::~TensorBuffer() {
  if (!owned_)
    return;
  if (dtype_ == DType::kString) {
    auto *s = static_cast<std::string *>(data_);
    for (int64_t i = 0; i < numElements_; ++i)
      s[i].~basic_string();
  }
  std::free(allocation_);
}

Tensor::Tensor(DType dtype, TensorShape shape)
    : dtype_(dtype), shape_(std::move(shape)),
      buffer_(std::make_shared<TensorBuffer>(dtype, shape_.numElements())) {}

Tensor Tensor::uninitialized(DType dtype, TensorShape shape) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.buffer_ = std::make_shared<TensorBuffer>(dtype, t.shape_.numElements(),
                                             /*zeroFill=*/false);
  return t;
}

Tensor Tensor::borrow(DType dtype, TensorShape shape, void *data) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.buffer_ = std::make_shared<TensorBuffer>(
      data, dtypeSize(dtype) * static_cast<size_t>(t.shape_.numElements()));
  return t;
}

size_t Tensor::byteSize() const {
  size_t elem =
      dtype_ == DType::kString ? sizeof(std::string) : dtypeSize(dtype_);
  return elem * static_cast<size_t>(numElements());
}

StatusOr<Tensor> Tensor::reshaped(TensorShape shape) const {
  if (shape.numElements() != numElements())
    return errors::InvalidArgument(
        "Cannot reshape a tensor with ", numElements(), " elements to shape ",
        shape.toString(), " (", shape.numElements(), " elements)");
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::deepCopy() const {
  if (!isValid())
    return Tensor();
  Tensor t(dtype_, shape_);
  t.copyElements(0, *this, 0, numElements());
  return t;
}

void Tensor::copyElements(int64_t dst, const Tensor &from, int64_t src,
                          int64_t count) {
  if (count <= 0)
    return;
  if (dtype_ == DType::kString) {
    const std::string *s = from.data<std::string>() + src;
    std::string *d = data<std::string>() + dst;
    for (int64_t i = 0; i < count; ++i)
      d[i] = s[i];
    return;
  }
  size_t elem = dtypeSize(dtype_);
  std::memcpy(static_cast<char *>(raw()) + dst * elem,
              static_cast<const char *>(from.raw()) + src * elem,
              static_cast<size_t>(count) * elem);
}

bool Tensor::equals(const Tensor &o) const {
  if (dtype_ != o.dtype_ || shape_ != o.shape_)
    return false;
  if (dtype_ == DType::kString) {
    for (int64_t i = 0; i < numElements(); ++i)
      if (data<std::string>()[i] != o.data<std::string>()[i])
        return false;
    return true;
  }
  return byteSize() == 0 || std::memcmp(raw(), o.raw(), byteSize()) == 0;
}

namespace {

// numpy prints each float with the shortest digits that read back as the
// same value of its own precision ("0.3" for float32 0.3), and keeps a
// trailing decimal point on integral values ("2.").
template <typename T> std::string formatFloat(T v) {
  if (std::isnan(v))
    return "nan";
  if (std::isinf(v))
    return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  std::string s(buf, res.ptr);
  if (s.find_first_of(".e") == std::string::npos)
    s += ".";
  return s;
}

std::string formatElement(const Tensor &t, int64_t i) {
  switch (t.dtype()) {
  case DType::kFloat:
    return formatFloat(t.data<float>()[i]);
  case DType::kDouble:
    return formatFloat(t.data<double>()[i]);
  case DType::kInt32:
    return std::to_string(t.data<int32_t>()[i]);
  case DType::kUInt8:
    return std::to_string(t.data<uint8_t>()[i]);
  case DType::kInt16:
    return std::to_string(t.data<int16_t>()[i]);
  case DType::kInt8:
    return std::to_string(t.data<int8_t>()[i]);
  case DType::kInt64:
    return std::to_string(t.data<int64_t>()[i]);
  case DType::kUInt16:
    return std::to_string(t.data<uint16_t>()[i]);
  case DType::kUInt32:
    return std::to_string(t.data<uint32_t>()[i]);
  case DType::kUInt64:
    return std::to_string(t.data<uint64_t>()[i]);
  case DType::kBool:
    return t.data<bool>()[i] ? "True" : "False";
  case DType::kString:
    return "b'" + t.data<std::string>()[i] + "'";
  case DType::kComplex64: {
    auto c = t.data<std::complex<float>>()[i];
    return "(" + formatFloat(c.real()) + "+" + formatFloat(c.imag()) + "j)";
  }
  case DType::kComplex128: {
    auto c = t.data<std::complex<double>>()[i];
    return "(" + formatFloat(c.real()) + "+" + formatFloat(c.imag()) + "j)";
  }
  default:
    return "?";
  }
}

bool isFloatDType(DType d) { return d == DType::kFloat || d == DType::kDouble; }

template <typename T> double absAt(const Tensor &t, int64_t i) {
  return std::fabs(static_cast<double>(t.data<T>()[i]));
}

/// numpy's scientific notation, used when values span too many magnitudes:
/// shortest digits, at least one fraction digit place ("1.e+10"), two-digit
/// exponent.
std::string formatScientific(double v, bool isDouble) {
  if (std::isnan(v))
    return "nan";
  if (std::isinf(v))
    return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = isDouble
                 ? std::to_chars(buf, buf + sizeof(buf), v,
                                 std::chars_format::scientific)
                 : std::to_chars(buf, buf + sizeof(buf), static_cast<float>(v),
                                 std::chars_format::scientific);
  std::string s(buf, res.ptr);
  size_t e = s.find('e');
  std::string mant = s.substr(0, e), exp = s.substr(e + 1);
  if (mant.find('.') == std::string::npos)
    mant += ".";
  char sign = exp[0] == '-' ? '-' : '+';
  if (exp[0] == '-' || exp[0] == '+')
    exp = exp.substr(1);
  while (exp.size() < 2)
    exp = "0" + exp;
  return mant + "e" + sign + exp;
}

/// The printed elements (the first `limit`), padded as numpy pads them: all
/// to one width, floats aligned on the decimal point.
std::vector<std::string> formatElements(const Tensor &t, int64_t limit) {
  int64_t n = std::min<int64_t>(t.numElements(), limit);
  std::vector<std::string> out;
  out.reserve(n);
  if (isFloatDType(t.dtype())) {
    bool isDouble = t.dtype() == DType::kDouble;
    double maxAbs = 0, minAbs = INFINITY;
    for (int64_t i = 0; i < n; ++i) {
      double a = isDouble ? absAt<double>(t, i) : absAt<float>(t, i);
      if (std::isfinite(a) && a != 0) {
        maxAbs = std::max(maxAbs, a);
        minAbs = std::min(minAbs, a);
      }
    }
    bool sci = maxAbs >= 1e8 ||
               (maxAbs > 0 && (minAbs < 1e-4 || maxAbs / minAbs > 1e3));
    size_t left = 0, right = 0;
    for (int64_t i = 0; i < n; ++i) {
      double v = isDouble ? t.data<double>()[i] : t.data<float>()[i];
      std::string s = sci ? formatScientific(v, isDouble) : formatElement(t, i);
      // numpy prints at most 8 fraction digits ("maxprec").
      size_t point = s.find('.');
      if (!sci && point != std::string::npos && s.size() - point - 1 > 8 &&
          s.find('e') == std::string::npos) {
        char buf[64];
        std::snprintf(buf, sizeof(buf), "%.8f", v);
        s = buf;
        while (s.back() == '0')
          s.pop_back();
      }
      out.push_back(s);
      if (!std::isfinite(v))
        continue;
      size_t cut = s.find('.');
      left = std::max(left, cut);
      right = std::max(right, s.size() - cut);
    }
    for (std::string &s : out) {
      size_t cut = s.find('.');
      if (cut == std::string::npos) { // inf / nan: right-aligned
        size_t width = left + right;
        if (s.size() < width)
          s = std::string(width - s.size(), ' ') + s;
        continue;
      }
      std::string head = s.substr(0, cut), tail = s.substr(cut);
      if (head.size() < left)
        head = std::string(left - head.size(), ' ') + head;
      if (tail.size() < right)
        tail += std::string(right - tail.size(), ' ');
      s = head + tail;
    }
    return out;
  }
  size_t width = 0;
  for (int64_t i = 0; i < n; ++i) {
    out.push_back(formatElement(t, i));
    width = std::max(width, out.back().size());
  }
  if (t.dtype() != DType::kString)
    for (std::string &s : out)
      if (s.size() < width)
        s = std::string(width - s.size(), ' ') + s;
  return out;
}

void formatRec(const Tensor &t, const std::vector<std::string> &elems, int dim,
               int64_t &index, int64_t limit, std::string &out) {
  const TensorShape &s = t.shape();
  if (dim == s.rank()) {
    out += index < limit ? elems[index] : "...";
    ++index;
    return;
  }
  out += "[";
  for (int64_t i = 0; i < s.dim(dim); ++i) {
    if (i) {
      out += dim + 1 == s.rank() ? " " : "\n";
      if (dim + 1 != s.rank())
        out += std::string(dim + 1, ' ');
    }
    if (index >= limit) {
      out += "...";
      index += s.numElements();
      break;
    }
    formatRec(t, elems, dim + 1, index, limit, out);
  }
  out += "]";
}

} // namespace

std::string Tensor::debugString(int64_t maxElements) const {
  if (!isValid())
    return "<invalid tensor>";
  std::string out;
  int64_t index = 0;
  formatRec(*this, formatElements(*this, maxElements), 0, index, maxElements,
            out);
  return out;
}

} // namespace kiln
