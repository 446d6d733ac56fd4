//===- Tensor.h - Typed, shaped, 64-byte aligned buffers --------*- C++ -*-===//
//
// A Tensor is a dtype, a shape and a reference-counted buffer. Copies share the
// buffer (as in TensorFlow), moves are free, and the data is 64-byte aligned so
// compiled vector code can use aligned loads. A tensor may also borrow memory
// it does not own (e.g. a caller's feed buffer).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_TENSOR_H
#define KILN_RUNTIME_TENSOR_H

#include "kiln/runtime/DType.h"
#include "kiln/runtime/Status.h"

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace kiln {

constexpr size_t kTensorAlignment = 64;

/// A fully known shape (dims >= 0). Shapes with unknown dims belong to the
/// compiler, not to runtime values.
class TensorShape {
public:
  TensorShape() = default;
  TensorShape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  explicit TensorShape(std::vector<int64_t> dims) : dims_(std::move(dims)) {}

  int rank() const { return static_cast<int>(dims_.size()); }
  int64_t dim(int i) const { return dims_[i]; }
  const std::vector<int64_t> &dims() const { return dims_; }
  int64_t numElements() const;
  bool isScalar() const { return dims_.empty(); }

  void addDim(int64_t d) { dims_.push_back(d); }
  void insertDim(int i, int64_t d) { dims_.insert(dims_.begin() + i, d); }
  void removeDim(int i) { dims_.erase(dims_.begin() + i); }
  void setDim(int i, int64_t d) { dims_[i] = d; }

  /// "[2,3]", "[]" for a scalar, as TF prints shapes in error messages.
  std::string toString() const;

  bool operator==(const TensorShape &o) const { return dims_ == o.dims_; }
  bool operator!=(const TensorShape &o) const { return dims_ != o.dims_; }

private:
  std::vector<int64_t> dims_;
};

/// Reference-counted storage shared by tensors. String tensors hold
/// constructed std::string objects.
class TensorBuffer {
public:
  /// Allocates `numElements` zero-initialized elements of `dtype`; with
  /// `zeroFill` false, POD elements are left uninitialized (strings are
  /// always constructed).
  TensorBuffer(DType dtype, int64_t numElements, bool zeroFill = true);
  /// Wraps memory owned by someone else; it must outlive every tensor using it.
  TensorBuffer(void *borrowed, size_t bytes);
  ~TensorBuffer();
  TensorBuffer(const TensorBuffer &) = delete;
  TensorBuffer &operator=(const TensorBuffer &) = delete;

  void *data() const { return data_; }
  size_t bytes() const { return bytes_; }
  bool owned() const { return owned_; }

private:
  void *data_ = nullptr;
  void *allocation_ = nullptr; // what to free; data_ is aligned within it
  size_t bytes_ = 0;
  DType dtype_ = DType::kInvalid;
  int64_t numElements_ = 0;
  bool owned_ = true;
  // Buffers of up to kTensorAlignment bytes (scalars, small vectors) live
  // here, aligned within it: one allocation (with the shared_ptr's control
  // block) per small tensor instead of two.
  alignas(16) unsigned char inline_[2 * kTensorAlignment - 16];
};

class Tensor {
public:
  /// An empty float scalar-less tensor (dtype invalid); use isValid().
  Tensor() = default;
  /// Allocates a zero-filled tensor (empty strings for DT_STRING).
  Tensor(DType dtype, TensorShape shape);

  /// A tensor whose POD data is not zeroed, for outputs that are about to be
  /// overwritten in full (batch assembly): saves a pass over the memory.
  static Tensor uninitialized(DType dtype, TensorShape shape);

  /// A tensor over memory the caller owns (POD dtypes only).
  static Tensor borrow(DType dtype, TensorShape shape, void *data);

  template <typename T> static Tensor scalar(T value) {
    Tensor t(DTypeOf<T>::value, TensorShape{});
    *t.data<T>() = std::move(value);
    return t;
  }
  template <typename T> static Tensor vector(std::initializer_list<T> values) {
    return fromVector<T>(std::vector<T>(values));
  }
  template <typename T>
  static Tensor fromVector(const std::vector<T> &values,
                           TensorShape shape = TensorShape()) {
    if (shape.rank() == 0 && values.size() != 1)
      shape = TensorShape{static_cast<int64_t>(values.size())};
    Tensor t(DTypeOf<T>::value, shape);
    T *d = t.data<T>();
    for (size_t i = 0; i < values.size(); ++i)
      d[i] = values[i];
    return t;
  }

  bool isValid() const { return dtype_ != DType::kInvalid; }
  DType dtype() const { return dtype_; }
  const TensorShape &shape() const { return shape_; }
  int64_t numElements() const { return shape_.numElements(); }
  /// Bytes of the element storage (numElements * dtypeSize; for strings the
  /// size of the std::string array, not the characters).
  size_t byteSize() const;

  void *raw() { return buffer_ ? buffer_->data() : nullptr; }
  const void *raw() const { return buffer_ ? buffer_->data() : nullptr; }
  template <typename T> T *data() { return static_cast<T *>(raw()); }
  template <typename T> const T *data() const {
    return static_cast<const T *>(raw());
  }

  /// Same buffer, new shape with the same number of elements.
  StatusOr<Tensor> reshaped(TensorShape shape) const;
  /// An independent copy of the data.
  Tensor deepCopy() const;
  bool sharesBufferWith(const Tensor &o) const {
    return buffer_ && buffer_ == o.buffer_;
  }
  /// Whether this tensor is the only holder of its buffer. Only meaningful
  /// for a tensor nobody else can copy meanwhile (e.g. one kept under a
  /// lock): then nobody else can be reading the buffer either.
  bool holdsBufferAlone() const { return buffer_ && buffer_.use_count() == 1; }

  /// What NumPy's print() shows for this value, e.g. "[0.1 0.2]": rows
  /// wrapped at 75 columns, and past `threshold` elements only the first
  /// and last 3 along each axis (runtime/lib/core/TensorFormat.cpp).
  std::string debugString(int64_t threshold = 1000) const;

  /// Element-wise equality of dtype, shape and data.
  bool equals(const Tensor &o) const;

  /// Copies element `src` of `from` into element `dst` of this tensor, whole
  /// rows of `rowElems` elements (used by queues to assemble batches).
  void copyElements(int64_t dst, const Tensor &from, int64_t src,
                    int64_t count);

private:
  DType dtype_ = DType::kInvalid;
  TensorShape shape_;
  std::shared_ptr<TensorBuffer> buffer_;
};

} // namespace kiln

#endif // KILN_RUNTIME_TENSOR_H
