//===- SessionState.h - Variables, queues and readers of a session -*- C++
//-*-===//
//
// The state a TF session keeps between runs. Objects are created and looked
// up by name once, when a compiled session is set up; the returned pointers
// stay valid for the SessionState's life, so a compiled step touches them
// directly and never hashes a name.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_SESSIONSTATE_H
#define KILN_RUNTIME_SESSIONSTATE_H

#include "kiln/runtime/Philox.h"
#include "kiln/runtime/Queue.h"
#include "kiln/runtime/Resource.h"
#include "kiln/runtime/Status.h"
#include "kiln/runtime/Tensor.h"

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace kiln {

/// A TF variable (VariableV2): a dtype, a value once initialized, and a lock
/// that serializes updates (TF's use_locking).
class Variable {
public:
  Variable(std::string name, DType dtype, TensorShape shape)
      : name_(std::move(name)), dtype_(dtype), shape_(std::move(shape)) {}

  const std::string &name() const { return name_; }
  DType dtype() const { return dtype_; }
  /// The declared shape (may differ from the value after an assign with
  /// validate_shape=false).
  const TensorShape &declaredShape() const { return shape_; }
  bool isInitialized() const;

  /// A snapshot of the value; FailedPrecondition "Attempting to use
  /// uninitialized value <name>" before the first assign.
  StatusOr<Tensor> read() const;
  /// The value itself, sharing its buffer (no copy): writers never change a
  /// buffer that was handed out (assign replaces it, updates copy it first),
  /// so the snapshot stays as it was.
  StatusOr<Tensor> snapshot() const;
  /// Assign: copies `value` in. With validateShape the shapes must match
  /// once initialized: InvalidArgument "Assign requires shapes of both
  /// tensors to match. lhs shape= [..] rhs shape= [..]".
  Status assign(const Tensor &value, bool validateShape = true);
  /// AssignAdd / AssignSub (numeric dtypes).
  Status assignAdd(const Tensor &delta);
  Status assignSub(const Tensor &delta);
  /// Runs `fn` on the value under the variable's lock (for compiled code
  /// that updates in place). FailedPrecondition when uninitialized.
  /// The update works on a fresh copy (snapshots never change).
  Status update(const std::function<Status(Tensor &)> &fn);
  /// For compiled training ops (ApplyRMSProp, ...), which compute the new
  /// value from snapshots of the old one: a buffer of the value's shape,
  /// installed as the value right away, for the caller to write the whole
  /// of it (TF updates such variables in place, where a concurrent reader
  /// sees the update as it happens). Snapshots taken before keep the old
  /// buffer. The buffer is the one of the value before the old one when
  /// nobody holds that any more, so a training loop allocates nothing in
  /// its steady state. FailedPrecondition when uninitialized.
  StatusOr<Tensor> nextValue();
  /// The value's buffer itself, for a custom kernel to change in place
  /// (TF's mutable_input): TF's ref semantics, where readers that share
  /// the buffer see the change. A buffer that snapshots still hold is
  /// copied first, so earlier snapshots keep their values. With `guard`,
  /// the variable's lock is moved into it and stays held. FailedPrecondition
  /// "Attempting to use uninitialized value <name>" before the first assign.
  StatusOr<Tensor> valueInPlace(std::unique_lock<std::mutex> *guard);

private:
  Status applyDelta(const Tensor &delta, bool add);
  /// Gives the value a buffer of its own before an in-place update; under
  /// mu_.
  void makeExclusiveLocked();

  std::string name_;
  DType dtype_;
  TensorShape shape_;
  mutable std::mutex mu_;
  Tensor value_;
  Tensor spare_; ///< the value before value_ (nextValue), while kept
};

/// State of a random op's generator: TF's GuardedPhiloxRandom. A Session
/// owns one per random node; it is declared here, below the session, so
/// the kernels that draw from it (RandomShuffle) need no session code.
struct RandomState {
  std::mutex mu;
  random::PhiloxRandom generator;
  /// A generator for `samples` outputs of up to `perSample` Philox calls
  /// each, advancing the shared one past them.
  random::PhiloxRandom reserve(uint64_t samples, uint64_t perSample);
};

class SessionState {
public:
  SessionState() = default;
  SessionState(const SessionState &) = delete;
  SessionState &operator=(const SessionState &) = delete;

  /// Creates the variable (uninitialized); AlreadyExists if the name is
  /// taken by a variable of another dtype, else returns the existing one
  /// (TF shares variables by name within a container).
  StatusOr<Variable *> createVariable(const std::string &name, DType dtype,
                                      TensorShape shape = TensorShape());
  /// NotFound "Resource <name> does not exist." style lookup.
  StatusOr<Variable *> variable(const std::string &name) const;
  /// Variables in creation order (what a Saver walks).
  std::vector<Variable *> variables() const;

  /// Adds a queue, reader or other resource under `name`.
  Status addResource(const std::string &name,
                     std::shared_ptr<Resource> resource);
  StatusOr<Resource *> resource(const std::string &name) const;
  template <typename T>
  StatusOr<T *> resourceAs(const std::string &name) const {
    StatusOr<Resource *> r = resource(name);
    if (!r.ok())
      return r.status();
    if (T *t = dynamic_cast<T *>(*r))
      return t;
    return errors::InvalidArgument("Resource '", name, "' is a ", (*r)->kind(),
                                   ", not the type requested");
  }
  StatusOr<Queue *> queue(const std::string &name) const {
    return resourceAs<Queue>(name);
  }

  /// Closes every queue with cancel_pending_enqueues, as closing a TF
  /// session cancels its blocked queue ops.
  void closeAllQueues();

private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<Variable>> variables_;
  std::vector<Variable *> variableOrder_;
  std::unordered_map<std::string, std::shared_ptr<Resource>> resources_;
};

} // namespace kiln

#endif // KILN_RUNTIME_SESSIONSTATE_H
