//===- OpKernel.h - Writing custom ops for Kiln -----------------*- C++ -*-===//
//
// The C++ API of custom-op libraries, shaped after TensorFlow's so that
// porting a TF custom op is mostly renaming:
//
//   #include "kiln/op/OpKernel.h"
//   using namespace kiln::op;
//
//   REGISTER_OP("AddScaled")
//       .Input("x: T").Input("y: T").Output("z: T")
//       .Attr("T: {float, double}").Attr("scale: float = 1.0")
//       .SetShapeFn(shape_inference::UnchangedShape);
//
//   template <typename T> class AddScaledOp : public OpKernel {
//    public:
//     explicit AddScaledOp(OpKernelConstruction *c) : OpKernel(c) {
//       OP_REQUIRES_OK(c, c->GetAttr("scale", &scale_));
//     }
//     void Compute(OpKernelContext *c) override {
//       const Tensor &x = c->input(0), &y = c->input(1);
//       OP_REQUIRES(c, x.shape() == y.shape(),
//                   errors::InvalidArgument("shapes differ"));
//       Tensor *z = nullptr;
//       OP_REQUIRES_OK(c, c->allocate_output(0, x.shape(), &z));
//       auto xf = x.flat<T>(), yf = y.flat<T>(), zf = z->flat<T>();
//       for (int64 i = 0; i < xf.size(); ++i)
//         zf(i) = xf(i) + T(scale_) * yf(i);
//     }
//    private:
//     float scale_;
//   };
//   REGISTER_KERNEL_BUILDER(
//       Name("AddScaled").Device(DEVICE_CPU).TypeConstraint<float>("T"),
//       AddScaledOp<float>);
//
// Build it as a shared library (CMake: `kiln_add_op_library`), then
// `graph-run --op-library libmyops.so`, or link it into an AOT program
// (`kiln_add_graph_library(... OP_LIBRARIES myops)`). Everything here is
// header-only and reaches Kiln through the C table of kiln_op.h, which the
// entry point defined below receives: the library links nothing of Kiln.
// TF's names are also available in namespace `tensorflow` unless
// KILN_OP_NO_TENSORFLOW_NAMES is defined. See docs/custom-ops.md.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_OP_OPKERNEL_H
#define KILN_OP_OPKERNEL_H

#include "kiln/op/kiln_op.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <initializer_list>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

// Hidden: each library keeps its own registrations and host table even when
// several libraries with these same inline definitions are loaded.
#pragma GCC visibility push(hidden)
namespace kiln {
namespace op {

using int8 = int8_t;
using int16 = int16_t;
using int32 = int32_t;
using int64 = int64_t;
using uint8 = uint8_t;
using uint16 = uint16_t;
using uint32 = uint32_t;
using uint64 = uint64_t;

enum DataType : int32_t {
  DT_INVALID = 0,
  DT_FLOAT = 1,
  DT_DOUBLE = 2,
  DT_INT32 = 3,
  DT_UINT8 = 4,
  DT_INT16 = 5,
  DT_INT8 = 6,
  DT_STRING = 7,
  DT_INT64 = 9,
  DT_BOOL = 10,
  DT_UINT16 = 17,
  DT_HALF = 19,
  DT_UINT32 = 22,
  DT_UINT64 = 23,
};

template <typename T> struct DataTypeToEnum;
#define KILN_OP_DTYPE(T, V)                                                    \
  template <> struct DataTypeToEnum<T> { static constexpr DataType value = V; };
KILN_OP_DTYPE(float, DT_FLOAT)
KILN_OP_DTYPE(double, DT_DOUBLE)
KILN_OP_DTYPE(int32_t, DT_INT32)
KILN_OP_DTYPE(uint8_t, DT_UINT8)
KILN_OP_DTYPE(int16_t, DT_INT16)
KILN_OP_DTYPE(int8_t, DT_INT8)
KILN_OP_DTYPE(int64_t, DT_INT64)
KILN_OP_DTYPE(bool, DT_BOOL)
KILN_OP_DTYPE(uint16_t, DT_UINT16)
KILN_OP_DTYPE(uint32_t, DT_UINT32)
KILN_OP_DTYPE(uint64_t, DT_UINT64)
#undef KILN_OP_DTYPE

/// TF's name of a dtype ("float", "int32", ...).
inline const char *DataTypeString(DataType t) {
  switch (t) {
  case DT_FLOAT:
    return "float";
  case DT_DOUBLE:
    return "double";
  case DT_INT32:
    return "int32";
  case DT_UINT8:
    return "uint8";
  case DT_INT16:
    return "int16";
  case DT_INT8:
    return "int8";
  case DT_STRING:
    return "string";
  case DT_INT64:
    return "int64";
  case DT_BOOL:
    return "bool";
  case DT_UINT16:
    return "uint16";
  case DT_HALF:
    return "half";
  case DT_UINT32:
    return "uint32";
  case DT_UINT64:
    return "uint64";
  default:
    return "invalid";
  }
}

namespace error {
enum Code {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
  DATA_LOSS = 15,
};
} // namespace error

class Status {
public:
  Status() = default;
  Status(error::Code code, std::string message)
      : code_(code), message_(std::move(message)) {}
  static Status OK() { return Status(); }
  bool ok() const { return code_ == error::OK; }
  error::Code code() const { return code_; }
  const std::string &error_message() const { return message_; }
  std::string ToString() const {
    return ok() ? "OK" : std::to_string(int(code_)) + ": " + message_;
  }

private:
  error::Code code_ = error::OK;
  std::string message_;
};

namespace detail {
template <typename... Args> std::string strCat(const Args &...args) {
  std::ostringstream os;
  (void)std::initializer_list<int>{((os << args), 0)...};
  return os.str();
}
} // namespace detail

namespace errors {
#define KILN_OP_ERROR(Name, CODE)                                              \
  template <typename... Args> Status Name(const Args &...args) {               \
    return Status(error::CODE, detail::strCat(args...));                       \
  }
KILN_OP_ERROR(Cancelled, CANCELLED)
KILN_OP_ERROR(Unknown, UNKNOWN)
KILN_OP_ERROR(InvalidArgument, INVALID_ARGUMENT)
KILN_OP_ERROR(NotFound, NOT_FOUND)
KILN_OP_ERROR(AlreadyExists, ALREADY_EXISTS)
KILN_OP_ERROR(ResourceExhausted, RESOURCE_EXHAUSTED)
KILN_OP_ERROR(FailedPrecondition, FAILED_PRECONDITION)
KILN_OP_ERROR(Aborted, ABORTED)
KILN_OP_ERROR(OutOfRange, OUT_OF_RANGE)
KILN_OP_ERROR(Unimplemented, UNIMPLEMENTED)
KILN_OP_ERROR(Internal, INTERNAL)
KILN_OP_ERROR(Unavailable, UNAVAILABLE)
KILN_OP_ERROR(DataLoss, DATA_LOSS)
#undef KILN_OP_ERROR
} // namespace errors

namespace detail {
/// The host's table, set by the entry point before anything else runs.
inline const KilnHostApi *&hostApi() {
  static const KilnHostApi *api = nullptr;
  return api;
}
inline const KilnHostApi &api() { return *hostApi(); }
[[noreturn]] inline void die(const std::string &what) {
  std::fprintf(stderr, "kiln op library: %s\n", what.c_str());
  std::abort();
}
} // namespace detail

class TensorShape {
public:
  TensorShape() = default;
  TensorShape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  explicit TensorShape(std::vector<int64_t> dims) : dims_(std::move(dims)) {}
  int dims() const { return static_cast<int>(dims_.size()); }
  int64_t dim_size(int d) const { return dims_.at(static_cast<size_t>(d)); }
  int64_t num_elements() const {
    int64_t n = 1;
    for (int64_t d : dims_)
      n *= d;
    return n;
  }
  void AddDim(int64_t size) { dims_.push_back(size); }
  void set_dim(int d, int64_t size) { dims_.at(static_cast<size_t>(d)) = size; }
  const std::vector<int64_t> &dim_sizes() const { return dims_; }
  std::string DebugString() const {
    std::string s = "[";
    for (size_t i = 0; i < dims_.size(); ++i)
      s += (i ? "," : "") + std::to_string(dims_[i]);
    return s + "]";
  }
  bool operator==(const TensorShape &o) const { return dims_ == o.dims_; }
  bool operator!=(const TensorShape &o) const { return dims_ != o.dims_; }

private:
  std::vector<int64_t> dims_;
};

/// Element access in TF's (Eigen's) spelling: `t.flat<float>()(i)`,
/// `t.matrix<int32>()(r, c)`, `t.scalar<int64>()()`.
template <typename T> class TTypes {
public:
  class Flat {
  public:
    Flat(T *data, int64_t size) : data_(data), size_(size) {}
    T &operator()(int64_t i) const { return data_[i]; }
    T &operator[](int64_t i) const { return data_[i]; }
    int64_t size() const { return size_; }
    int64_t dimension(int) const { return size_; }
    T *data() const { return data_; }
    void setZero() const { setConstant(T()); }
    void setConstant(T v) const {
      for (int64_t i = 0; i < size_; ++i)
        data_[i] = v;
    }

  private:
    T *data_;
    int64_t size_;
  };
  class Matrix {
  public:
    Matrix(T *data, int64_t rows, int64_t cols)
        : data_(data), rows_(rows), cols_(cols) {}
    T &operator()(int64_t r, int64_t c) const { return data_[r * cols_ + c]; }
    int64_t dimension(int d) const { return d == 0 ? rows_ : cols_; }
    int64_t size() const { return rows_ * cols_; }
    T *data() const { return data_; }

  private:
    T *data_;
    int64_t rows_, cols_;
  };
  class Scalar {
  public:
    explicit Scalar(T *data) : data_(data) {}
    T &operator()() const { return *data_; }
    T *data() const { return data_; }

  private:
    T *data_;
  };
};

/// A tensor the host owns (an input, an output, a variable's value): a view
/// valid during the kernel's Compute.
class Tensor {
public:
  Tensor() = default;
  explicit Tensor(const KilnTensor *t) : t_(t) {}

  bool IsInitialized() const { return t_ != nullptr; }
  DataType dtype() const {
    return DataType(t_ ? detail::api().tensor_dtype(t_) : DT_INVALID);
  }
  int dims() const {
    return t_ ? static_cast<int>(detail::api().tensor_rank(t_)) : 0;
  }
  int64_t dim_size(int d) const { return detail::api().tensor_dim(t_, d); }
  int64_t NumElements() const {
    return t_ ? detail::api().tensor_num_elements(t_) : 0;
  }
  TensorShape shape() const {
    std::vector<int64_t> d(static_cast<size_t>(dims()));
    for (size_t i = 0; i < d.size(); ++i)
      d[i] = dim_size(static_cast<int>(i));
    return TensorShape(std::move(d));
  }
  std::string DebugString() const {
    return detail::strCat("Tensor<type: ", DataTypeString(dtype()),
                          " shape: ", shape().DebugString(), ">");
  }
  template <typename T> typename TTypes<T>::Flat flat() const {
    return {typedData<T>(), NumElements()};
  }
  template <typename T> typename TTypes<T>::Flat vec() const {
    checkRank(1);
    return flat<T>();
  }
  template <typename T> typename TTypes<T>::Matrix matrix() const {
    checkRank(2);
    return {typedData<T>(), dim_size(0), dim_size(1)};
  }
  template <typename T> typename TTypes<T>::Scalar scalar() const {
    checkRank(0);
    return typename TTypes<T>::Scalar(typedData<T>());
  }
  const KilnTensor *raw() const { return t_; }

private:
  template <typename T> T *typedData() const {
    if (dtype() != DataTypeToEnum<T>::value)
      detail::die(detail::strCat("tensor of ", DataTypeString(dtype()),
                                 " accessed as ",
                                 DataTypeString(DataTypeToEnum<T>::value)));
    return static_cast<T *>(detail::api().tensor_data(t_));
  }
  void checkRank(int rank) const {
    if (dims() != rank)
      detail::die(detail::strCat("tensor of rank ", dims(),
                                 " accessed with rank ", rank));
  }
  const KilnTensor *t_ = nullptr;
};

namespace detail {
/// Attr reading shared by kernel construction and shape functions.
class AttrReader {
public:
  explicit AttrReader(const KilnAttrs *a) : a_(a) {}
  std::string nodeName() const { return detail::api().node_name(a_); }

  Status GetAttr(const char *name, int64_t *v) const {
    return check(detail::api().attr_int(a_, name, v), name, "int");
  }
  Status GetAttr(const char *name, int32_t *v) const {
    int64_t x = 0;
    Status s = GetAttr(name, &x);
    if (s.ok())
      *v = static_cast<int32_t>(x);
    return s;
  }
  Status GetAttr(const char *name, float *v) const {
    return check(detail::api().attr_float(a_, name, v), name, "float");
  }
  Status GetAttr(const char *name, bool *v) const {
    int32_t b = 0;
    Status s = check(detail::api().attr_bool(a_, name, &b), name, "bool");
    if (s.ok())
      *v = b != 0;
    return s;
  }
  Status GetAttr(const char *name, DataType *v) const {
    KilnDataType t = 0;
    Status s = check(detail::api().attr_type(a_, name, &t), name, "type");
    if (s.ok())
      *v = DataType(t);
    return s;
  }
  Status GetAttr(const char *name, std::string *v) const {
    const char *data = nullptr;
    size_t size = 0;
    Status s = check(detail::api().attr_string(a_, name, &data, &size), name,
                     "string");
    if (s.ok())
      v->assign(data, size);
    return s;
  }
  Status GetAttr(const char *name, std::vector<int64_t> *v) const {
    return list(detail::api().attr_int_list, name, v, "list(int)");
  }
  Status GetAttr(const char *name, std::vector<int32_t> *v) const {
    std::vector<int64_t> x;
    Status s = GetAttr(name, &x);
    if (s.ok())
      v->assign(x.begin(), x.end());
    return s;
  }
  Status GetAttr(const char *name, std::vector<float> *v) const {
    return list(detail::api().attr_float_list, name, v, "list(float)");
  }
  Status GetAttr(const char *name, std::vector<DataType> *v) const {
    std::vector<KilnDataType> x;
    Status s = list(detail::api().attr_type_list, name, &x, "list(type)");
    if (s.ok()) {
      v->clear();
      for (KilnDataType t : x)
        v->push_back(DataType(t));
    }
    return s;
  }
  template <typename T> Status GetAttr(const std::string &name, T *v) const {
    return GetAttr(name.c_str(), v);
  }

private:
  Status check(int found, const char *name, const char *kind) const {
    if (found)
      return Status::OK();
    return errors::InvalidArgument("No attr named '", name, "' of kind ", kind,
                                   " in NodeDef ", nodeName());
  }
  template <typename T, typename Fn>
  Status list(Fn fn, const char *name, std::vector<T> *v,
              const char *kind) const {
    size_t n = 0;
    if (!fn(a_, name, nullptr, 0, &n))
      return check(0, name, kind);
    v->resize(n);
    fn(a_, name, v->data(), n, &n);
    return Status::OK();
  }
  const KilnAttrs *a_;
};
} // namespace detail

namespace shape_inference {

/// A dimension: its size, or -1 when unknown (a value, not a handle into
/// the context as in TF, but used the same way).
class DimensionHandle {
public:
  DimensionHandle() = default;
  explicit DimensionHandle(int64_t v) : v_(v) {}
  int64_t value() const { return v_; }

private:
  int64_t v_ = -1;
};

/// A shape: rank -1 when unknown, then the dimensions.
class ShapeHandle {
public:
  ShapeHandle() = default;
  explicit ShapeHandle(std::vector<DimensionHandle> dims)
      : rank_(static_cast<int64_t>(dims.size())), dims_(std::move(dims)) {}
  int64_t rank() const { return rank_; }
  const std::vector<DimensionHandle> &dims() const { return dims_; }

private:
  int64_t rank_ = -1;
  std::vector<DimensionHandle> dims_;
};

/// A dimension or a known size, where TF's API takes either.
class DimensionOrConstant {
public:
  DimensionOrConstant(DimensionHandle d) : d_(d) {}
  DimensionOrConstant(int64_t v) : d_(v) {}
  DimensionOrConstant(int v) : d_(v) {}
  DimensionHandle dim() const { return d_; }

private:
  DimensionHandle d_;
};

class InferenceContext : public detail::AttrReader {
public:
  static constexpr int64_t kUnknownDim = -1;
  static constexpr int32_t kUnknownRank = -1;

  explicit InferenceContext(KilnShapeContext *c)
      : detail::AttrReader(detail::api().shape_attrs(c)), c_(c) {}

  int num_inputs() const {
    return static_cast<int>(detail::api().shape_num_inputs(c_));
  }
  int num_outputs() const {
    return static_cast<int>(detail::api().shape_num_outputs(c_));
  }
  ShapeHandle input(int i) const {
    int64_t rank = detail::api().shape_input_rank(c_, static_cast<size_t>(i));
    if (rank < 0)
      return ShapeHandle();
    std::vector<DimensionHandle> dims;
    for (int64_t d = 0; d < rank; ++d)
      dims.emplace_back(detail::api().shape_input_dim(
          c_, static_cast<size_t>(i), static_cast<size_t>(d)));
    return ShapeHandle(std::move(dims));
  }
  /// The input's value when the compiler knows it, else null.
  const Tensor *input_tensor(int i) {
    const KilnTensor *t =
        detail::api().shape_input_tensor(c_, static_cast<size_t>(i));
    if (!t)
      return nullptr;
    tensors_.push_back(std::make_unique<Tensor>(t));
    return tensors_.back().get();
  }
  void set_output(int i, ShapeHandle s) {
    std::vector<int64_t> dims;
    for (const DimensionHandle &d : s.dims())
      dims.push_back(d.value());
    detail::api().shape_set_output(c_, static_cast<size_t>(i), s.rank(),
                                   dims.data());
  }

  ShapeHandle Scalar() const {
    return ShapeHandle(std::vector<DimensionHandle>());
  }
  ShapeHandle Vector(DimensionOrConstant d) const {
    return ShapeHandle({d.dim()});
  }
  ShapeHandle Matrix(DimensionOrConstant r, DimensionOrConstant c) const {
    return ShapeHandle({r.dim(), c.dim()});
  }
  ShapeHandle MakeShape(std::initializer_list<DimensionOrConstant> dims) const {
    std::vector<DimensionHandle> d;
    for (const DimensionOrConstant &x : dims)
      d.push_back(x.dim());
    return ShapeHandle(std::move(d));
  }
  ShapeHandle UnknownShape() const { return ShapeHandle(); }
  ShapeHandle UnknownShapeOfRank(int64_t rank) const {
    return ShapeHandle(std::vector<DimensionHandle>(static_cast<size_t>(rank)));
  }
  DimensionHandle UnknownDim() const { return DimensionHandle(); }
  DimensionHandle MakeDim(DimensionOrConstant d) const { return d.dim(); }

  static bool RankKnown(ShapeHandle s) { return s.rank() >= 0; }
  static int32_t Rank(ShapeHandle s) { return static_cast<int32_t>(s.rank()); }
  static bool FullyDefined(ShapeHandle s) {
    if (s.rank() < 0)
      return false;
    for (const DimensionHandle &d : s.dims())
      if (d.value() < 0)
        return false;
    return true;
  }
  /// Dimension `idx` (from the end when negative) of a shape of known rank.
  static DimensionHandle Dim(ShapeHandle s, int64_t idx) {
    if (s.rank() < 0)
      return DimensionHandle();
    if (idx < 0)
      idx += s.rank();
    if (idx < 0 || idx >= s.rank())
      detail::die(
          detail::strCat("Dim(", idx, ") of a rank-", s.rank(), " shape"));
    return s.dims()[static_cast<size_t>(idx)];
  }
  static int64_t DimKnownRank(ShapeHandle s, int64_t idx) {
    return Dim(s, idx).value();
  }
  static bool ValueKnown(DimensionHandle d) { return d.value() >= 0; }
  static int64_t Value(DimensionOrConstant d) { return d.dim().value(); }

  Status WithRank(ShapeHandle s, int64_t rank, ShapeHandle *out) const {
    if (s.rank() < 0) {
      *out = UnknownShapeOfRank(rank);
      return Status::OK();
    }
    if (s.rank() != rank)
      return errors::InvalidArgument("Shape must be rank ", rank,
                                     " but is rank ", s.rank());
    *out = s;
    return Status::OK();
  }
  Status WithRankAtLeast(ShapeHandle s, int64_t rank, ShapeHandle *out) const {
    if (s.rank() >= 0 && s.rank() < rank)
      return errors::InvalidArgument("Shape must be at least rank ", rank,
                                     " but is rank ", s.rank());
    *out = s;
    return Status::OK();
  }
  Status WithValue(DimensionHandle d, int64_t v, DimensionHandle *out) const {
    if (d.value() >= 0 && d.value() != v)
      return errors::InvalidArgument("Dimension must be ", v, " but is ",
                                     d.value());
    *out = DimensionHandle(v);
    return Status::OK();
  }
  Status Merge(DimensionHandle a, DimensionHandle b,
               DimensionHandle *out) const {
    if (a.value() >= 0 && b.value() >= 0 && a.value() != b.value())
      return errors::InvalidArgument("Dimensions must be equal, but are ",
                                     a.value(), " and ", b.value());
    *out = a.value() >= 0 ? a : b;
    return Status::OK();
  }
  Status Merge(ShapeHandle a, ShapeHandle b, ShapeHandle *out) const {
    if (a.rank() < 0 || b.rank() < 0) {
      *out = a.rank() < 0 ? b : a;
      return Status::OK();
    }
    if (a.rank() != b.rank())
      return errors::InvalidArgument("Shapes must be equal rank, but are ",
                                     a.rank(), " and ", b.rank());
    std::vector<DimensionHandle> dims(a.dims().size());
    for (size_t i = 0; i < dims.size(); ++i) {
      Status s = Merge(a.dims()[i], b.dims()[i], &dims[i]);
      if (!s.ok())
        return s;
    }
    *out = ShapeHandle(std::move(dims));
    return Status::OK();
  }
  Status Concatenate(ShapeHandle a, ShapeHandle b, ShapeHandle *out) const {
    if (a.rank() < 0 || b.rank() < 0) {
      *out = UnknownShape();
      return Status::OK();
    }
    std::vector<DimensionHandle> dims = a.dims();
    dims.insert(dims.end(), b.dims().begin(), b.dims().end());
    *out = ShapeHandle(std::move(dims));
    return Status::OK();
  }

private:
  KilnShapeContext *c_;
  std::vector<std::unique_ptr<Tensor>> tensors_;
};

/// Output 0 has input 0's shape.
inline Status UnchangedShape(InferenceContext *c) {
  c->set_output(0, c->input(0));
  return Status::OK();
}
/// Every output is a scalar.
inline Status ScalarShape(InferenceContext *c) {
  for (int i = 0; i < c->num_outputs(); ++i)
    c->set_output(i, c->Scalar());
  return Status::OK();
}
/// Nothing known of any output.
inline Status UnknownShape(InferenceContext *c) {
  for (int i = 0; i < c->num_outputs(); ++i)
    c->set_output(i, c->UnknownShape());
  return Status::OK();
}

} // namespace shape_inference

namespace detail {
/// The first error a kernel reports (SetStatus, and CtxFailure for the
/// OP_REQUIRES macros).
class StatusHolder {
public:
  void SetStatus(const Status &s) {
    if (status_.ok())
      status_ = s;
  }
  void CtxFailure(const Status &s) { SetStatus(s); }
  const Status &status() const { return status_; }

private:
  Status status_;
};
} // namespace detail

class OpKernelConstruction : public detail::AttrReader,
                             public detail::StatusHolder {
public:
  explicit OpKernelConstruction(const KilnAttrs *a) : detail::AttrReader(a) {}
};

class OpKernelContext : public detail::AttrReader, public detail::StatusHolder {
public:
  explicit OpKernelContext(KilnKernelContext *c)
      : detail::AttrReader(detail::api().kernel_attrs(c)), c_(c),
        inputs_(detail::api().num_inputs(c)),
        outputs_(detail::api().num_outputs(c)) {}

  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  /// Input i; a Ref input (a variable) reads as a snapshot of its value
  /// (fetched on first use: a kernel that only calls mutable_input on it
  /// takes no snapshot, so the update stays in place).
  const Tensor &input(int i) const {
    if (i < 0 || static_cast<size_t>(i) >= inputs_.size())
      detail::die(detail::strCat("input ", i, " of ", inputs_.size()));
    Tensor &t = inputs_[static_cast<size_t>(i)];
    if (!t.IsInitialized())
      t = Tensor(detail::api().input(c_, static_cast<size_t>(i)));
    return t;
  }
  /// A Ref input's variable value, changed in place (TF's mutable_input).
  /// With `lock_held`, the variable stays locked until Compute returns.
  /// On failure (no variable, uninitialized) the tensor is empty and
  /// status() says so.
  Tensor mutable_input(int i, bool lock_held) {
    KilnTensor *t =
        detail::api().mutable_input(c_, static_cast<size_t>(i), lock_held);
    if (!t)
      SetStatus(errors::FailedPrecondition("mutable_input(", i, ") failed"));
    return Tensor(t);
  }
  Status allocate_output(int i, const TensorShape &shape, Tensor **out) {
    KilnTensor *t = detail::api().allocate_output(
        c_, static_cast<size_t>(i), shape.dims(), shape.dim_sizes().data());
    if (!t)
      return errors::InvalidArgument("allocate_output(", i, ", ",
                                     shape.DebugString(), ") failed");
    outputs_.at(static_cast<size_t>(i)) = Tensor(t);
    *out = &outputs_[static_cast<size_t>(i)];
    return Status::OK();
  }
  Status allocate_temp(DataType dtype, const TensorShape &shape, Tensor *out) {
    KilnTensor *t = detail::api().allocate_temp(c_, dtype, shape.dims(),
                                                shape.dim_sizes().data());
    if (!t)
      return errors::InvalidArgument("allocate_temp(", DataTypeString(dtype),
                                     ", ", shape.DebugString(), ") failed");
    *out = Tensor(t);
    return Status::OK();
  }
  void set_output(int i, const Tensor &t) {
    detail::api().set_output(c_, static_cast<size_t>(i), t.raw());
  }

private:
  KilnKernelContext *c_;
  mutable std::vector<Tensor> inputs_;
  std::vector<Tensor> outputs_;
};

class OpKernel {
public:
  explicit OpKernel(OpKernelConstruction *c) : name_(c->nodeName()) {}
  virtual ~OpKernel() = default;
  virtual void Compute(OpKernelContext *context) = 0;
  const std::string &name() const { return name_; }

private:
  std::string name_;
};

#define OP_REQUIRES(CTX, EXP, STATUS)                                          \
  do {                                                                         \
    if (!(EXP)) {                                                              \
      (CTX)->CtxFailure((STATUS));                                             \
      return;                                                                  \
    }                                                                          \
  } while (0)

#define OP_REQUIRES_OK(CTX, ...)                                               \
  do {                                                                         \
    ::kiln::op::Status _kiln_s = (__VA_ARGS__);                                \
    if (!_kiln_s.ok()) {                                                       \
      (CTX)->CtxFailure(_kiln_s);                                              \
      return;                                                                  \
    }                                                                          \
  } while (0)

#define TF_RETURN_IF_ERROR(...)                                                \
  do {                                                                         \
    ::kiln::op::Status _kiln_s = (__VA_ARGS__);                                \
    if (!_kiln_s.ok())                                                         \
      return _kiln_s;                                                          \
  } while (0)

constexpr const char *DEVICE_CPU = "CPU";
constexpr const char *DEVICE_GPU = "GPU";

/// REGISTER_OP's builder.
class OpDefBuilder {
public:
  explicit OpDefBuilder(const char *name) : name_(name) {}
  OpDefBuilder &Input(std::string spec) {
    inputs_.push_back(std::move(spec));
    return *this;
  }
  OpDefBuilder &Output(std::string spec) {
    outputs_.push_back(std::move(spec));
    return *this;
  }
  OpDefBuilder &Attr(std::string spec) {
    attrs_.push_back(std::move(spec));
    return *this;
  }
  OpDefBuilder &SetIsStateful() {
    stateful_ = true;
    return *this;
  }
  OpDefBuilder &SetIsCommutative() { return *this; }
  OpDefBuilder &SetIsAggregate() { return *this; }
  OpDefBuilder &
  SetShapeFn(std::function<Status(shape_inference::InferenceContext *)> fn) {
    shapeFn_ = std::move(fn);
    return *this;
  }
  OpDefBuilder &Doc(std::string doc) {
    doc_ = std::move(doc);
    return *this;
  }

private:
  friend struct OpRegistration;
  std::string name_;
  std::vector<std::string> inputs_, outputs_, attrs_;
  bool stateful_ = false;
  std::function<Status(shape_inference::InferenceContext *)> shapeFn_;
  std::string doc_;
};

/// REGISTER_KERNEL_BUILDER's `Name(...)`.
class Name {
public:
  explicit Name(const char *op) : op_(op) {}
  Name &Device(const char *device) {
    device_ = device;
    return *this;
  }
  template <typename T> Name &TypeConstraint(const char *attr) {
    return TypeConstraint(attr, DataTypeToEnum<T>::value);
  }
  Name &TypeConstraint(const char *attr, DataType t) {
    constraintAttrs_.push_back(attr);
    constraintTypes_.push_back(t);
    return *this;
  }
  Name &HostMemory(const char *) { return *this; }
  Name &Label(const char *) { return *this; }

private:
  friend struct KernelRegistration;
  std::string op_, device_ = DEVICE_CPU;
  std::vector<std::string> constraintAttrs_;
  std::vector<KilnDataType> constraintTypes_;
};

using KernelFactory = OpKernel *(*)(OpKernelConstruction *);

namespace detail {
/// Runs `fn`; an exception it throws goes to `onError` as its what() (a
/// C caller must not see it). Without exceptions, just runs `fn`.
template <typename Fn, typename OnError> void guarded(Fn fn, OnError onError) {
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
  try {
    fn();
  } catch (const std::exception &e) {
    onError(e.what());
  } catch (...) {
    onError("an exception not derived from std::exception");
  }
#else
  (void)onError;
  fn();
#endif
}
} // namespace detail

/// One REGISTER_OP, kept for the entry point.
struct OpRegistration {
  explicit OpRegistration(const OpDefBuilder &builder) : b(builder) {
    for (const std::string &s : b.inputs_)
      inputs.push_back(s.c_str());
    for (const std::string &s : b.outputs_)
      outputs.push_back(s.c_str());
    for (const std::string &s : b.attrs_)
      attrs.push_back(s.c_str());
  }
  OpRegistration(const OpRegistration &) = delete;

  KilnOpDef def() const {
    KilnOpDef d{};
    d.name = b.name_.c_str();
    d.inputs = inputs.data();
    d.num_inputs = inputs.size();
    d.outputs = outputs.data();
    d.num_outputs = outputs.size();
    d.attrs = attrs.data();
    d.num_attrs = attrs.size();
    d.stateful = b.stateful_;
    if (b.shapeFn_) {
      d.shape_fn = &OpRegistration::shapeFn;
      d.shape_fn_data = const_cast<OpRegistration *>(this);
    }
    d.doc = b.doc_.empty() ? nullptr : b.doc_.c_str();
    return d;
  }

private:
  static void shapeFn(KilnShapeContext *c, void *data) {
    auto *self = static_cast<OpRegistration *>(data);
    detail::guarded(
        [&] {
          shape_inference::InferenceContext ctx(c);
          Status s = self->b.shapeFn_(&ctx);
          if (!s.ok())
            detail::api().shape_set_error(c, s.code(),
                                          s.error_message().c_str());
        },
        [&](const char *what) {
          detail::api().shape_set_error(
              c, error::INTERNAL,
              detail::strCat("shape function threw: ", what).c_str());
        });
  }
  OpDefBuilder b;
  std::vector<const char *> inputs, outputs, attrs;
};

/// One REGISTER_KERNEL_BUILDER, kept for the entry point.
struct KernelRegistration {
  KernelRegistration(const Name &name, KernelFactory f) : n(name), factory(f) {
    for (const std::string &s : n.constraintAttrs_)
      constraintAttrs.push_back(s.c_str());
  }
  KernelRegistration(const KernelRegistration &) = delete;

  KilnKernelDef def() const {
    KilnKernelDef d{};
    d.op = n.op_.c_str();
    d.device = n.device_.c_str();
    d.constraint_attrs = constraintAttrs.data();
    d.constraint_types = n.constraintTypes_.data();
    d.num_constraints = constraintAttrs.size();
    d.create = &KernelRegistration::create;
    d.compute = &KernelRegistration::compute;
    d.destroy = &KernelRegistration::destroy;
    d.data = const_cast<KernelRegistration *>(this);
    return d;
  }

private:
  static void *create(const KilnAttrs *a, KilnStatus *status, void *data) {
    auto *self = static_cast<KernelRegistration *>(data);
    OpKernel *kernel = nullptr;
    detail::guarded(
        [&] {
          OpKernelConstruction c(a);
          std::unique_ptr<OpKernel> k(self->factory(&c));
          if (!c.status().ok())
            detail::api().set_status(status, c.status().code(),
                                     c.status().error_message().c_str());
          else
            kernel = k.release();
        },
        [&](const char *what) {
          detail::api().set_status(
              status, error::INTERNAL,
              detail::strCat("kernel constructor threw: ", what).c_str());
        });
    return kernel;
  }
  static void compute(void *kernel, KilnKernelContext *c) {
    detail::guarded(
        [&] {
          OpKernelContext ctx(c);
          static_cast<OpKernel *>(kernel)->Compute(&ctx);
          if (!ctx.status().ok())
            detail::api().kernel_set_error(
                c, ctx.status().code(), ctx.status().error_message().c_str());
        },
        [&](const char *what) {
          detail::api().kernel_set_error(
              c, error::INTERNAL,
              detail::strCat("kernel threw an exception: ", what).c_str());
        });
  }
  static void destroy(void *kernel) { delete static_cast<OpKernel *>(kernel); }

  Name n;
  KernelFactory factory;
  std::vector<const char *> constraintAttrs;
};

namespace detail {
struct Registrations {
  std::vector<std::unique_ptr<OpRegistration>> ops;
  std::vector<std::unique_ptr<KernelRegistration>> kernels;
};
inline Registrations &registrations() {
  static Registrations r;
  return r;
}
struct OpReceiver {
  OpReceiver(const OpDefBuilder &b) {
    registrations().ops.push_back(std::make_unique<OpRegistration>(b));
  }
};
struct KernelReceiver {
  KernelReceiver(const Name &n, KernelFactory f) {
    registrations().kernels.push_back(
        std::make_unique<KernelRegistration>(n, f));
  }
};
template <typename K> OpKernel *makeKernel(OpKernelConstruction *c) {
  return new K(c);
}
} // namespace detail

} // namespace op
} // namespace kiln
#pragma GCC visibility pop

#define KILN_OP_STR_(x) #x
#define KILN_OP_STR(x) KILN_OP_STR_(x)
#define KILN_OP_CONCAT_(a, b) a##b
#define KILN_OP_CONCAT(a, b) KILN_OP_CONCAT_(a, b)

#define REGISTER_OP(name)                                                      \
  static ::kiln::op::detail::OpReceiver KILN_OP_CONCAT(kiln_register_op_,      \
                                                       __COUNTER__)            \
      [[maybe_unused]] = ::kiln::op::OpDefBuilder(name)

#define REGISTER_KERNEL_BUILDER(kernel_builder, ...)                           \
  static ::kiln::op::detail::KernelReceiver KILN_OP_CONCAT(                    \
      kiln_register_kernel_, __COUNTER__)                                      \
      [[maybe_unused]] (::kiln::op::kernel_builder,                            \
                        &::kiln::op::detail::makeKernel<__VA_ARGS__>)

/// The entry point Kiln calls when it loads the library (kiln_op.h): an
/// inline definition, so every translation unit may include this header.
extern "C" inline __attribute__((visibility("default"), used)) int
kiln_op_library_v1(const KilnHostApi *api, KilnRegistrar *r,
                   KilnStatus *status) {
  using namespace ::kiln::op;
  if (!api || api->abi_version != KILN_OP_ABI_VERSION ||
      api->struct_size < sizeof(KilnHostApi)) {
    if (api && api->set_status)
      api->set_status(
          status, error::FAILED_PRECONDITION,
          "the op library was built for another Kiln op ABI "
          "(kiln_op.h version " KILN_OP_STR(KILN_OP_ABI_VERSION) ")");
    return 1;
  }
  detail::hostApi() = api;
  for (const auto &op : detail::registrations().ops) {
    KilnOpDef d = op->def();
    api->register_op(r, &d);
  }
  for (const auto &k : detail::registrations().kernels) {
    KilnKernelDef d = k->def();
    api->register_kernel(r, &d);
  }
  return 0;
}

#ifndef KILN_OP_NO_TENSORFLOW_NAMES
/// TF's names, so that ported kernels compile with few edits.
namespace tensorflow {
using namespace ::kiln::op;
} // namespace tensorflow
#endif

#endif // KILN_OP_OPKERNEL_H
