//===- Tensor.cpp - Typed, shaped, 64-byte aligned buffers ----------------===//
#include "kiln/runtime/Tensor.h"

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>

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
  // Every element is written below: no zero fill first.
  Tensor t = uninitialized(dtype_, shape_);
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

} // namespace kiln
