//===- SessionState.cpp - Variables, queues and readers of a session ------===//
#include "kiln/runtime/SessionState.h"

#include <atomic>
#include <complex>

namespace kiln {

bool Variable::isInitialized() const {
  std::lock_guard<std::mutex> lock(mu_);
  return value_.isValid();
}

StatusOr<Tensor> Variable::read() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!value_.isValid())
    return errors::FailedPrecondition("Attempting to use uninitialized value ",
                                      name_);
  return value_.deepCopy();
}

StatusOr<Tensor> Variable::snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!value_.isValid())
    return errors::FailedPrecondition("Attempting to use uninitialized value ",
                                      name_);
  return value_;
}

StatusOr<Tensor> Variable::nextValue() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!value_.isValid())
    return errors::FailedPrecondition("Attempting to use uninitialized value ",
                                      name_);
  Tensor next;
  // spare_ is only copied under mu_: alone, nobody can be reading it.
  if (spare_.holdsBufferAlone() && spare_.dtype() == value_.dtype() &&
      spare_.shape() == value_.shape()) {
    std::atomic_thread_fence(std::memory_order_acquire);
    next = std::move(spare_);
  } else {
    next = Tensor::uninitialized(value_.dtype(), value_.shape());
  }
  spare_ = std::move(value_);
  value_ = next;
  return next;
}

StatusOr<Tensor> Variable::valueInPlace(std::unique_lock<std::mutex> *guard) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!value_.isValid())
    return errors::FailedPrecondition("Attempting to use uninitialized value ",
                                      name_);
  if (!value_.holdsBufferAlone())
    value_ = value_.deepCopy();
  Tensor out = value_;
  if (guard)
    *guard = std::move(lock);
  return out;
}

void Variable::makeExclusiveLocked() {
  // Always a fresh buffer: a snapshot reader may still be copying the old
  // one, and a use count says nothing about when its reads finished.
  if (value_.isValid())
    value_ = value_.deepCopy();
}

Status Variable::assign(const Tensor &value, bool validateShape) {
  if (value.dtype() != dtype_)
    return errors::InvalidArgument("Assign to ", name_, " expects ",
                                   dtypeName(dtype_), " but got ",
                                   dtypeName(value.dtype()));
  Tensor copy = value.deepCopy();
  std::lock_guard<std::mutex> lock(mu_);
  if (validateShape && value_.isValid() && value_.shape() != value.shape())
    return errors::InvalidArgument(
        "Assign requires shapes of both tensors to match. lhs shape= ",
        value_.shape().toString(), " rhs shape= ", value.shape().toString());
  value_ = std::move(copy);
  return Status::OK();
}

namespace {
template <typename T> void addInto(Tensor &dst, const Tensor &delta, bool add) {
  T *d = dst.data<T>();
  const T *s = delta.data<T>();
  const int64_t n = dst.numElements();
  if (add)
    for (int64_t i = 0; i < n; ++i)
      d[i] += s[i];
  else
    for (int64_t i = 0; i < n; ++i)
      d[i] -= s[i];
}
} // namespace

Status Variable::applyDelta(const Tensor &delta, bool add) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!value_.isValid())
    return errors::FailedPrecondition(
        "Attempting to use uninitialized parameters: ", name_);
  if (delta.dtype() != dtype_)
    return errors::InvalidArgument(add ? "AssignAdd" : "AssignSub", " to ",
                                   name_, " expects ", dtypeName(dtype_),
                                   " but got ", dtypeName(delta.dtype()));
  if (delta.shape() != value_.shape())
    return errors::InvalidArgument(
        "Parameters and update must be the same size");
  makeExclusiveLocked();
  switch (dtype_) {
  case DType::kFloat:
    addInto<float>(value_, delta, add);
    break;
  case DType::kDouble:
    addInto<double>(value_, delta, add);
    break;
  case DType::kInt32:
    addInto<int32_t>(value_, delta, add);
    break;
  case DType::kInt64:
    addInto<int64_t>(value_, delta, add);
    break;
  case DType::kInt16:
    addInto<int16_t>(value_, delta, add);
    break;
  case DType::kInt8:
    addInto<int8_t>(value_, delta, add);
    break;
  case DType::kUInt8:
    addInto<uint8_t>(value_, delta, add);
    break;
  case DType::kUInt16:
    addInto<uint16_t>(value_, delta, add);
    break;
  case DType::kUInt32:
    addInto<uint32_t>(value_, delta, add);
    break;
  case DType::kUInt64:
    addInto<uint64_t>(value_, delta, add);
    break;
  case DType::kComplex64:
    addInto<std::complex<float>>(value_, delta, add);
    break;
  case DType::kComplex128:
    addInto<std::complex<double>>(value_, delta, add);
    break;
  default:
    return errors::InvalidArgument(add ? "AssignAdd" : "AssignSub",
                                   " does not support dtype ",
                                   dtypeName(dtype_));
  }
  return Status::OK();
}

Status Variable::assignAdd(const Tensor &delta) {
  return applyDelta(delta, true);
}
Status Variable::assignSub(const Tensor &delta) {
  return applyDelta(delta, false);
}

Status Variable::update(const std::function<Status(Tensor &)> &fn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!value_.isValid())
    return errors::FailedPrecondition("Attempting to use uninitialized value ",
                                      name_);
  makeExclusiveLocked();
  return fn(value_);
}

random::PhiloxRandom RandomState::reserve(uint64_t samples,
                                          uint64_t perSample) {
  std::lock_guard<std::mutex> lock(mu);
  random::PhiloxRandom local = generator;
  generator.skip(samples * perSample);
  return local;
}

StatusOr<Variable *> SessionState::createVariable(const std::string &name,
                                                  DType dtype,
                                                  TensorShape shape) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = variables_.find(name);
  if (it != variables_.end()) {
    if (it->second->dtype() != dtype)
      return errors::AlreadyExists("Variable ", name, " already exists with ",
                                   "dtype ", dtypeName(it->second->dtype()));
    return it->second.get();
  }
  auto v = std::make_unique<Variable>(name, dtype, std::move(shape));
  Variable *raw = v.get();
  variables_.emplace(name, std::move(v));
  variableOrder_.push_back(raw);
  return raw;
}

StatusOr<Variable *> SessionState::variable(const std::string &name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = variables_.find(name);
  if (it == variables_.end())
    return errors::NotFound("Resource ", name, " does not exist.");
  return it->second.get();
}

std::vector<Variable *> SessionState::variables() const {
  std::lock_guard<std::mutex> lock(mu_);
  return variableOrder_;
}

Status SessionState::addResource(const std::string &name,
                                 std::shared_ptr<Resource> resource) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!resources_.emplace(name, std::move(resource)).second)
    return errors::AlreadyExists("Resource ", name, " already exists");
  return Status::OK();
}

StatusOr<Resource *> SessionState::resource(const std::string &name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = resources_.find(name);
  if (it == resources_.end())
    return errors::NotFound("Resource ", name, " does not exist.");
  return it->second.get();
}

void SessionState::closeAllQueues() {
  std::vector<Queue *> queues;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto &entry : resources_)
      if (auto *q = dynamic_cast<Queue *>(entry.second.get()))
        queues.push_back(q);
  }
  for (Queue *q : queues) {
    Status ignored = q->close(/*cancelPendingEnqueues=*/true);
    (void)ignored;
  }
}

} // namespace kiln
