//===- Status.h - TensorFlow-compatible status codes ------------*- C++ -*-===//
//
// Every fallible runtime call returns a Status (or StatusOr<T>) carrying one of
// TensorFlow's error codes and a message in TensorFlow's wording, so compiled
// programs fail exactly where and how a TF session would.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_STATUS_H
#define KILN_RUNTIME_STATUS_H

#include <cassert>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

namespace kiln {

/// The codes of tensorflow/core/lib/core/error_codes.proto, same numbers.
enum class Code : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

/// The CamelCase name TF's Python exceptions use without the "Error" suffix,
/// e.g. "OutOfRange", "DeadlineExceeded".
const char *codeName(Code code);

class [[nodiscard]] Status {
public:
  Status() = default;
  Status(Code code, std::string message);

  static Status OK() { return Status(); }

  bool ok() const { return state_ == nullptr; }
  Code code() const { return ok() ? Code::kOk : state_->code; }
  const std::string &message() const;

  /// "OK" or "<CodeName>: <message>".
  std::string toString() const;

  /// Returns a copy with `prefix` prepended to the message (same code).
  Status withPrefix(const std::string &prefix) const;

  bool operator==(const Status &o) const {
    return code() == o.code() && message() == o.message();
  }
  bool operator!=(const Status &o) const { return !(*this == o); }

private:
  struct State {
    Code code;
    std::string message;
  };
  // Null for OK, so an OK status is one pointer and costs nothing to return.
  std::shared_ptr<const State> state_;
};

std::ostream &operator<<(std::ostream &os, const Status &s);

namespace errors {
namespace detail {
template <typename... Args> std::string cat(const Args &...args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
} // namespace detail

#define KILN_DEFINE_ERROR(Name)                                                \
  template <typename... Args> Status Name(const Args &...args) {               \
    return Status(Code::k##Name, detail::cat(args...));                        \
  }
KILN_DEFINE_ERROR(Cancelled)
KILN_DEFINE_ERROR(Unknown)
KILN_DEFINE_ERROR(InvalidArgument)
KILN_DEFINE_ERROR(DeadlineExceeded)
KILN_DEFINE_ERROR(NotFound)
KILN_DEFINE_ERROR(AlreadyExists)
KILN_DEFINE_ERROR(PermissionDenied)
KILN_DEFINE_ERROR(ResourceExhausted)
KILN_DEFINE_ERROR(FailedPrecondition)
KILN_DEFINE_ERROR(Aborted)
KILN_DEFINE_ERROR(OutOfRange)
KILN_DEFINE_ERROR(Unimplemented)
KILN_DEFINE_ERROR(Internal)
KILN_DEFINE_ERROR(Unavailable)
KILN_DEFINE_ERROR(DataLoss)
#undef KILN_DEFINE_ERROR
} // namespace errors

/// A value or the Status that explains why there is none.
template <typename T> class [[nodiscard]] StatusOr {
public:
  StatusOr(T value) : value_(std::move(value)) {}
  StatusOr(Status status) : status_(std::move(status)) {
    assert(!status_.ok() && "StatusOr built from an OK status without value");
  }
  bool ok() const { return status_.ok(); }
  const Status &status() const { return status_; }
  T &value() & { return *value_; }
  const T &value() const & { return *value_; }
  T &&value() && { return std::move(*value_); }
  T &operator*() & { return *value_; }
  const T &operator*() const & { return *value_; }
  T *operator->() { return &*value_; }
  const T *operator->() const { return &*value_; }

private:
  Status status_;
  std::optional<T> value_;
};

} // namespace kiln

#define KILN_RETURN_IF_ERROR(expr)                                             \
  do {                                                                         \
    ::kiln::Status _kiln_status = (expr);                                      \
    if (!_kiln_status.ok())                                                    \
      return _kiln_status;                                                     \
  } while (0)

#endif // KILN_RUNTIME_STATUS_H
