//===- Queue.cpp - Attempt lists, blocking, close and cancellation --------===//
//
// The machinery shared by every queue kind: validation, the two FIFO attempt
// lists retried after each change (TF's QueueBase::FlushUnlocked), deadlines,
// cancellation, the locks and the bounded spinning. Subclasses store
// elements (and FIFOQueue provides the side paths).
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/Queue.h"

#include <algorithm>
#include <cstring>
#include <thread>

namespace kiln {

/// A call that could not finish at once. It lives on the caller's stack;
/// whoever completes it sets `done` and, if the caller sleeps, wakes `cv`,
/// always under the full lock.
struct Queue::Attempt {
  enum class Kind { kEnqueue, kEnqueueMany, kClose, kDequeue, kDequeueMany };
  Kind kind;
  bool isEnqueue() const {
    return kind == Kind::kEnqueue || kind == Kind::kEnqueueMany ||
           kind == Kind::kClose;
  }
  // Enqueue: the caller's element or batch; `remaining` rows still to insert.
  const Tuple *input = nullptr;
  // DequeueMany: rows still wanted, whether a short batch is fine, the rows
  // taken so far (flattened) and where the result goes.
  int64_t remaining = 0;
  bool allowSmall = false;
  std::vector<Tensor> taken;
  size_t takenCount = 0;
  Tuple *output = nullptr;

  bool done = false;
  // Whether the caller waits on `cv`, so that completing it needs a wake-up.
  bool sleeping = false;
  Status status;
  std::condition_variable cv;
};

Queue::Queue(const QueueOptions &opts, const char *kind)
    : name_(opts.name), kind_(kind),
      capacity_(opts.capacity < 0 || opts.capacity > kUnbounded
                    ? kUnbounded
                    : static_cast<int32_t>(opts.capacity)),
      types_(opts.componentTypes), shapes_(opts.shapes) {}

Queue::~Queue() = default;

namespace {
std::string typeListString(const std::vector<DType> &types) {
  std::string s;
  for (size_t i = 0; i < types.size(); ++i)
    s += (i ? ", " : "") + std::string(dtypeName(types[i]));
  return s;
}
std::string shapeListString(const std::vector<TensorShape> &shapes) {
  std::string s = "[";
  for (size_t i = 0; i < shapes.size(); ++i)
    s += (i ? ", " : "") + shapes[i].toString();
  return s + "]";
}
} // namespace

Status Queue::initialize() {
  if (types_.empty())
    return errors::InvalidArgument("Empty component types for queue ", name_);
  if (!shapes_.empty() && shapes_.size() != types_.size())
    return errors::InvalidArgument(
        "Different number of component types.  Types: ", typeListString(types_),
        ", Shapes: ", shapeListString(shapes_));
  return Status::OK();
}

Status Queue::validateCommon(const Tuple &tuple) const {
  if (tuple.size() != types_.size())
    return errors::InvalidArgument(
        "Wrong number of components in tuple. Expected ", types_.size(),
        ", got ", tuple.size());
  for (size_t i = 0; i < tuple.size(); ++i)
    if (tuple[i].dtype() != types_[i])
      return errors::InvalidArgument("Type mismatch in tuple component ", i,
                                     ". Expected ", dtypeName(types_[i]),
                                     ", got ", dtypeName(tuple[i].dtype()));
  return Status::OK();
}

Status Queue::validateElement(const Tuple &element) const {
  KILN_RETURN_IF_ERROR(validateCommon(element));
  if (specifiedShapes())
    for (size_t i = 0; i < element.size(); ++i)
      if (element[i].shape() != shapes_[i])
        return errors::InvalidArgument("Shape mismatch in tuple component ", i,
                                       ". Expected ", shapes_[i].toString(),
                                       ", got ", element[i].shape().toString());
  return Status::OK();
}

Status Queue::validateBatch(const Tuple &batch) const {
  KILN_RETURN_IF_ERROR(validateCommon(batch));
  for (size_t i = 0; i < batch.size(); ++i)
    if (batch[i].shape().rank() == 0)
      return errors::InvalidArgument(
          "Shape mismatch in tuple component ", i,
          ". Expected a batch with at least one dimension, got []");
  const int64_t batchSize = batch[0].shape().dim(0);
  if (specifiedShapes()) {
    for (size_t i = 0; i < batch.size(); ++i) {
      TensorShape expected = batchShape(static_cast<int>(i), batchSize);
      if (batch[i].shape() != expected)
        return errors::InvalidArgument("Shape mismatch in tuple component ", i,
                                       ". Expected ", expected.toString(),
                                       ", got ", batch[i].shape().toString());
    }
  } else {
    for (size_t i = 1; i < batch.size(); ++i)
      if (batch[i].shape().dim(0) != batchSize)
        return errors::InvalidArgument(
            "All input tensors must have the same size in the 0th ",
            "dimension. Component ", i, " has ", batch[i].shape().dim(0),
            ", and should have ", batchSize);
  }
  return Status::OK();
}

Status Queue::checkDequeueManyAllowed() const {
  if (!specifiedShapes())
    return errors::InvalidArgument(kind_,
                                   "'s DequeueMany and DequeueUpTo require the "
                                   "components to have specified shapes.");
  return Status::OK();
}

TensorShape Queue::batchShape(int i, int64_t n) const {
  TensorShape s = shapes_.empty() ? TensorShape() : shapes_[i];
  for (int d = 0; d < s.rank(); ++d)
    if (s.dim(d) < 0)
      s.setDim(d, 0);
  s.insertDim(0, n);
  return s;
}

void Queue::assembleBatch(const std::vector<Tensor> &taken, size_t count,
                          Tuple *batch) const {
  const int nc = numComponents();
  batch->clear();
  batch->reserve(nc);
  for (int i = 0; i < nc; ++i) {
    // Every row is overwritten below, so skip zeroing the batch.
    Tensor out = Tensor::uninitialized(
        types_[i], batchShape(i, static_cast<int64_t>(count)));
    const int64_t rowElems = count ? taken[i].numElements() : 0;
    if (isPodDType(types_[i])) {
      // Plain row copies; this loop is the whole cost of batch assembly.
      const size_t rowBytes =
          static_cast<size_t>(rowElems) * dtypeSize(types_[i]);
      char *dst = static_cast<char *>(out.raw());
      for (size_t r = 0; r < count; ++r, dst += rowBytes)
        std::memcpy(dst, taken[r * nc + i].raw(), rowBytes);
    } else {
      for (size_t r = 0; r < count; ++r)
        out.copyElements(static_cast<int64_t>(r) * rowElems, taken[r * nc + i],
                         0, rowElems);
    }
    batch->push_back(std::move(out));
  }
}

void Queue::copyTakenRows(const std::vector<Tensor> &taken, size_t count,
                          Tensor *batch) const {
  const size_t nc = types_.size();
  for (size_t i = 0; i < nc; ++i) {
    if (!count || !taken[i].raw())
      continue; // Stored by value: already in the batch.
    Tensor &out = batch[i];
    const int64_t rowElems = taken[i].numElements();
    if (isPodDType(types_[i])) {
      // Straight row copies into the one output buffer.
      const size_t rowBytes =
          static_cast<size_t>(rowElems) * dtypeSize(types_[i]);
      auto *dst = static_cast<unsigned char *>(out.raw());
      for (size_t r = 0; r < count; ++r, dst += rowBytes)
        std::memcpy(dst, taken[r * nc + i].raw(), rowBytes);
    } else {
      for (size_t r = 0; r < count; ++r)
        out.copyElements(static_cast<int64_t>(r) * rowElems, taken[r * nc + i],
                         0, rowElems);
    }
  }
}

void Queue::pushRowLocked(const Tuple &batch, int64_t row) {
  const size_t nc = types_.size();
  std::vector<Tensor> element(nc);
  for (size_t i = 0; i < nc; ++i) {
    TensorShape rowShape = batch[i].shape();
    rowShape.removeDim(0);
    Tensor t(types_[i], rowShape);
    const int64_t n = t.numElements();
    t.copyElements(0, batch[i], row * n, n);
    element[i] = std::move(t);
  }
  pushLocked(element.data());
}

void Queue::takeBatchLocked(size_t n, Tensor *batch,
                            std::vector<Tensor> &taken) {
  (void)batch;
  const size_t nc = types_.size();
  for (size_t r = 0; r < n; ++r)
    popLocked(taken.data() + r * nc);
}

//===----------------------------------------------------------------------===//
// Locks, published state and spinning
//===----------------------------------------------------------------------===//

namespace {
// How long a call that would block spins before it queues and sleeps: by
// default a few microseconds, about what a futex sleep and wake-up cost, so
// that an idle queue runner thread burns next to nothing.
std::atomic<int64_t> spinTimeNs{Queue::kDefaultSpinTime.count()};
// try_lock attempts (each after a pause) before a blocking lock.
constexpr int kLockSpins = 64;

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

// Spinning only pays when the other side can run at the same time.
bool spinningHelps() {
  static const bool multiCore = std::thread::hardware_concurrency() > 1;
  return multiCore;
}
} // namespace

void Queue::lockSpinning(std::mutex &mu) {
  if (mu.try_lock())
    return;
  if (spinningHelps())
    for (int i = 0; i < kLockSpins; ++i) {
      cpuRelax();
      if (mu.try_lock())
        return;
    }
  mu.lock();
}

Queue::FullLock::FullLock(const Queue &q) : q_(q) { lock(); }

Queue::FullLock::~FullLock() {
  if (held_)
    unlock();
}

void Queue::FullLock::lock() {
  lockSpinning(q_.mu_);
  mu_ = std::unique_lock<std::mutex>(q_.mu_, std::adopt_lock);
  lockSides();
  held_ = true;
}

void Queue::FullLock::unlock() {
  releaseSides();
  mu_.unlock();
  held_ = false;
}

void Queue::FullLock::lockSides() {
  if (q_.sidePaths_) {
    lockSpinning(q_.producerMu_);
    lockSpinning(q_.consumerMu_);
  }
}

void Queue::FullLock::releaseSides() {
  q_.publishLocked();
  if (q_.sidePaths_) {
    q_.consumerMu_.unlock();
    q_.producerMu_.unlock();
  }
}

void Queue::FullLock::wait(std::condition_variable &cv) {
  releaseSides();
  cv.wait(mu_);
  lockSides();
}

bool Queue::FullLock::waitUntil(
    std::condition_variable &cv,
    std::chrono::steady_clock::time_point deadline) {
  releaseSides();
  const bool inTime =
      cv.wait_until(mu_, deadline) == std::cv_status::no_timeout;
  lockSides();
  return inTime;
}

namespace {
// Stores only a changed value, so that republishing leaves the cache line
// that every side path reads clean in the other cores' caches.
template <typename T> void publish(std::atomic<T> &to, T value) {
  if (to.load(std::memory_order_relaxed) != value)
    to.store(value, std::memory_order_relaxed);
}
} // namespace

void Queue::publishLocked() const {
  // Side paths may run only when they cannot overtake a queued call or
  // miss a state change: the queue is open and nobody waits.
  publish(sidePathsOpen_, sidePaths_ && !closed_ && enqueueAttempts_.empty() &&
                              dequeueAttempts_.empty());
  publish(publishedClosed_, closed_);
  publish(publishedSize_, sizeLocked());
  publish(publishedAvailable_, availableLocked());
}

size_t Queue::approxSize() const {
  return publishedSize_.load(std::memory_order_relaxed);
}

size_t Queue::approxAvailable() const {
  return publishedAvailable_.load(std::memory_order_relaxed);
}

void Queue::setSpinTimeForTesting(std::chrono::nanoseconds spinTime) {
  spinTimeNs.store(spinTime.count(), std::memory_order_relaxed);
}

template <typename Ready>
bool Queue::spinUntil(Ready ready, RunContext *ctx) const {
  const std::chrono::nanoseconds limit(
      spinTimeNs.load(std::memory_order_relaxed));
  if (limit.count() <= 0 || !spinningHelps())
    return false;
  const auto start = std::chrono::steady_clock::now();
  for (unsigned i = 1;; ++i) {
    if (ready())
      return true;
    cpuRelax();
    if (i % 8 == 0) {
      if (ctx && (ctx->isCancelled() || ctx->deadlinePassed()))
        return false;
      if (std::chrono::steady_clock::now() - start > limit)
        return false;
    }
  }
}

//===----------------------------------------------------------------------===//
// Attempts
//===----------------------------------------------------------------------===//

void Queue::finishLocked(Attempt &attempt, Status status) {
  attempt.status = std::move(status);
  attempt.done = true;
  if (attempt.sleeping)
    attempt.cv.notify_one();
}

Queue::RunResult Queue::tryAttemptLocked(Attempt &a) {
  using Kind = Attempt::Kind;
  const int nc = numComponents();
  switch (a.kind) {
  case Kind::kClose:
    if (closed_) {
      finishLocked(a,
                   errors::Cancelled("Queue '", name_, "' is already closed."));
    } else {
      closed_ = true;
      finishLocked(a, Status::OK());
    }
    return RunResult::kComplete;
  case Kind::kEnqueue:
    if (closed_) {
      finishLocked(
          a, errors::Cancelled(elementKind(), " '", name_, "' is closed."));
      return RunResult::kComplete;
    }
    if (sizeLocked() >= static_cast<size_t>(capacity_))
      return RunResult::kNoProgress;
    pushLocked(a.input->data());
    finishLocked(a, Status::OK());
    return RunResult::kComplete;
  case Kind::kEnqueueMany: {
    if (closed_) {
      finishLocked(
          a, errors::Cancelled(elementKind(), " '", name_, "' is closed."));
      return RunResult::kComplete;
    }
    RunResult result = RunResult::kNoProgress;
    const Tuple &batch = *a.input;
    const int64_t batchSize = batch[0].shape().dim(0);
    while (sizeLocked() < static_cast<size_t>(capacity_)) {
      result = RunResult::kProgress;
      pushRowLocked(batch, batchSize - a.remaining);
      if (--a.remaining == 0) {
        finishLocked(a, Status::OK());
        return RunResult::kComplete;
      }
    }
    return result;
  }
  case Kind::kDequeue: {
    const size_t size = sizeLocked();
    if (closed_ && size == 0) {
      finishLocked(a, errors::OutOfRange(elementKind(), " '", name_,
                                         "' is closed and has ",
                                         "insufficient elements (requested ", 1,
                                         ", current size ", size, ")"));
      return RunResult::kComplete;
    }
    if (availableLocked() == 0)
      return RunResult::kNoProgress;
    a.output->resize(nc);
    popLocked(a.output->data());
    finishLocked(a, Status::OK());
    return RunResult::kComplete;
  }
  case Kind::kDequeueMany: {
    int64_t size = static_cast<int64_t>(sizeLocked());
    if (closed_ && size < a.remaining) {
      // Not enough will ever come: put back what this attempt holds.
      if (a.takenCount) {
        restoreLocked(a.taken, a.takenCount);
        a.taken.clear();
        a.takenCount = 0;
      }
      if (a.allowSmall && sizeLocked() > 0) {
        a.remaining = static_cast<int64_t>(sizeLocked());
      } else {
        // An enqueue still pending may yet bring elements for UpTo.
        if (a.allowSmall && !enqueueAttempts_.empty())
          return RunResult::kNoProgress;
        // TF reports the rows still wanted and the size before the put-back.
        finishLocked(a, errors::OutOfRange(
                            batchKind(), " '", name_, "' is closed and has ",
                            "insufficient elements (requested ", a.remaining,
                            ", current size ", size, ")"));
        return RunResult::kComplete;
      }
    }
    RunResult result = RunResult::kNoProgress;
    for (size_t avail = availableLocked(); avail > 0; --avail) {
      result = RunResult::kProgress;
      if (a.taken.empty())
        a.taken.reserve(
            static_cast<size_t>(std::min<int64_t>(a.remaining, avail)) * nc);
      a.taken.resize((a.takenCount + 1) * nc);
      popLocked(a.taken.data() + a.takenCount * nc);
      ++a.takenCount;
      if (--a.remaining == 0) {
        assembleBatch(a.taken, a.takenCount, a.output);
        a.taken.clear();
        a.takenCount = 0;
        finishLocked(a, Status::OK());
        return RunResult::kComplete;
      }
    }
    return result;
  }
  }
  return RunResult::kNoProgress;
}

bool Queue::tryListLocked(std::deque<Attempt *> &list) {
  bool progress = false;
  while (!list.empty()) {
    Attempt *a = list.front();
    RunResult r = tryAttemptLocked(*a);
    if (r == RunResult::kComplete) {
      progress = true;
      list.pop_front();
      continue;
    }
    progress |= r == RunResult::kProgress;
    break;
  }
  return progress;
}

void Queue::flushLocked() {
  bool changed;
  do {
    changed = tryListLocked(enqueueAttempts_);
    changed = tryListLocked(dequeueAttempts_) || changed;
  } while (changed);
}

void Queue::abandonLocked(Attempt &a, Status status) {
  std::deque<Attempt *> &list =
      a.isEnqueue() ? enqueueAttempts_ : dequeueAttempts_;
  auto it = std::find(list.begin(), list.end(), &a);
  if (it == list.end())
    return;
  list.erase(it);
  if (a.takenCount) {
    restoreLocked(a.taken, a.takenCount);
    a.taken.clear();
    a.takenCount = 0;
  }
  finishLocked(a, std::move(status));
  // The attempt may have blocked the head of its list.
  flushLocked();
}

void Queue::cancelAttempt(Attempt *a) {
  FullLock lock(*this);
  if (a->done)
    return;
  abandonLocked(*a, a->isEnqueue()
                        ? errors::Cancelled("Enqueue operation was cancelled")
                        : errors::Cancelled("Dequeue operation was cancelled"));
}

Status Queue::runAttempt(Attempt &a, RunContext *ctx) {
  auto cancelledStatus = [&] {
    return a.isEnqueue() ? errors::Cancelled("Enqueue operation was cancelled")
                         : errors::Cancelled("Dequeue operation was cancelled");
  };
  if (ctx && ctx->isCancelled())
    return cancelledStatus();
  FullLock lock(*this);
  (a.isEnqueue() ? enqueueAttempts_ : dequeueAttempts_).push_back(&a);
  flushLocked();
  if (a.done)
    return a.status;

  // Blocked: make the run's cancellation and deadline able to end the wait.
  // The callback looks `a` up under the lock and does nothing once it is
  // done; deregistering (after unlocking) waits for a running callback, so
  // `a` outlives every use.
  CancellationManager::Token token = CancellationManager::kInvalidToken;
  if (ctx) {
    token = ctx->cancellation().getToken();
    if (!ctx->cancellation().registerCallback(
            token, [this, &a] { cancelAttempt(&a); })) {
      token = CancellationManager::kInvalidToken;
      abandonLocked(a, cancelledStatus());
    }
  }
  bool timedOut = false;
  a.sleeping = true;
  while (!a.done) {
    if (ctx && ctx->hasDeadline()) {
      if (!lock.waitUntil(a.cv, ctx->deadline()) && !a.done) {
        timedOut = true;
        abandonLocked(a, RunContext::timedOutStatus());
      }
    } else {
      lock.wait(a.cv);
    }
  }
  Status result = a.status;
  lock.unlock();
  if (token != CancellationManager::kInvalidToken)
    ctx->cancellation().deregisterCallback(token);
  if (timedOut)
    return ctx->deadlineExceeded();
  // Cancelled because the run failed elsewhere (e.g. another op hit the
  // deadline): report the run's first error, as TF's Session.run does.
  if (!result.ok() && ctx && !ctx->status().ok())
    return ctx->status();
  return result;
}

//===----------------------------------------------------------------------===//
// Public operations
//===----------------------------------------------------------------------===//

Status Queue::enqueue(const Tuple &element, RunContext *ctx) {
  KILN_RETURN_IF_ERROR(validateElement(element));
  if (!ctx || !ctx->isCancelled()) {
    for (bool spun = false;; spun = true) {
      SideResult side = sideEnqueue(element.data());
      if (side == SideResult::kDone)
        return Status::OK();
      if (side == SideResult::kFullLockOnly) {
        // Fast path under the full lock: nobody ahead of us and room.
        FullLock lock(*this);
        if (!closed_ && enqueueAttempts_.empty() &&
            sizeLocked() < static_cast<size_t>(capacity_)) {
          pushLocked(element.data());
          if (!dequeueAttempts_.empty())
            flushLocked();
          return Status::OK();
        }
        if (closed_ || !enqueueAttempts_.empty())
          break;
      }
      // Full with nobody queued ahead: give a consumer a moment.
      if (spun ||
          !spinUntil(
              [this] {
                return approxSize() < static_cast<size_t>(capacity_) ||
                       publishedClosed_.load(std::memory_order_relaxed) ||
                       (sidePaths_ && !sidePathsOpen());
              },
              ctx))
        break;
    }
  }
  Attempt a;
  a.kind = Attempt::Kind::kEnqueue;
  a.input = &element;
  return runAttempt(a, ctx);
}

Status Queue::enqueueMany(const Tuple &batch, RunContext *ctx) {
  KILN_RETURN_IF_ERROR(validateBatch(batch));
  const int64_t batchSize = batch[0].shape().dim(0);
  if (batchSize == 0)
    return Status::OK();
  Attempt a;
  a.kind = Attempt::Kind::kEnqueueMany;
  a.input = &batch;
  a.remaining = batchSize;
  return runAttempt(a, ctx);
}

Status Queue::dequeue(Tuple *element, RunContext *ctx) {
  const size_t nc = types_.size();
  // The element is assembled here and handed over only on success. Reused
  // per thread; its by-value tensors are allocated before any lock.
  thread_local Tuple scratch;
  scratch.clear();
  scratch.resize(nc);
  auto deliver = [&] {
    element->resize(nc);
    for (size_t i = 0; i < nc; ++i)
      (*element)[i] = std::move(scratch[i]);
    scratch.clear();
    return Status::OK();
  };
  if (!ctx || !ctx->isCancelled()) {
    prepareElement(scratch.data());
    for (bool spun = false;; spun = true) {
      SideResult side = sideDequeue(scratch.data());
      if (side == SideResult::kDone)
        return deliver();
      if (side == SideResult::kFullLockOnly) {
        FullLock lock(*this);
        if (dequeueAttempts_.empty() && availableLocked() > 0) {
          popLocked(scratch.data());
          if (!enqueueAttempts_.empty())
            flushLocked();
          lock.unlock();
          return deliver();
        }
        if (closed_ || !dequeueAttempts_.empty())
          break;
      }
      // Empty with nobody queued ahead: give a producer a moment.
      if (spun ||
          !spinUntil(
              [this] {
                return approxAvailable() > 0 ||
                       publishedClosed_.load(std::memory_order_relaxed) ||
                       (sidePaths_ && !sidePathsOpen());
              },
              ctx))
        break;
    }
  }
  Attempt a;
  a.kind = Attempt::Kind::kDequeue;
  a.output = &scratch;
  Status s = runAttempt(a, ctx);
  if (!s.ok()) {
    scratch.clear();
    return s;
  }
  return deliver();
}

Status Queue::dequeueBatch(int64_t n, bool allowSmall, Tuple *batch,
                           RunContext *ctx) {
  if (n < 0)
    return errors::InvalidArgument(allowSmall ? "DequeueUpToOp"
                                              : "DequeueManyOp",
                                   " requested ", n, " < 0 elements");
  KILN_RETURN_IF_ERROR(checkDequeueManyAllowed());
  const int nc = numComponents();
  if (n == 0) {
    batch->clear();
    for (int i = 0; i < nc; ++i)
      batch->emplace_back(types_[i], batchShape(i, 0));
    return Status::OK();
  }
  // Fast path: nobody ahead and enough elements (as far as a lock-free look
  // tells). The batch is allocated before any lock; rows kept as tensors
  // are copied into it after the lock is released.
  if ((!ctx || !ctx->isCancelled()) &&
      approxAvailable() >= static_cast<size_t>(n)) {
    // Reused per thread so a steady stream of batches allocates nothing here.
    thread_local std::vector<Tensor> taken;
    thread_local Tuple out;
    const size_t count = static_cast<size_t>(n);
    taken.clear();
    taken.resize(count * nc);
    out.clear();
    const bool fixed = fixedBatchShapes();
    if (fixed)
      for (int i = 0; i < nc; ++i)
        out.push_back(Tensor::uninitialized(types_[i], batchShape(i, n)));
    bool took = false;
    if (fixed && sideDequeueMany(count, out.data(), taken) == SideResult::kDone)
      took = true;
    if (!took) {
      FullLock lock(*this);
      if (dequeueAttempts_.empty() && availableLocked() >= count) {
        if (fixed)
          takeBatchLocked(count, out.data(), taken);
        else
          for (size_t r = 0; r < count; ++r)
            popLocked(taken.data() + r * nc);
        if (!enqueueAttempts_.empty())
          flushLocked();
        took = true;
      }
    }
    if (took) {
      if (fixed) {
        copyTakenRows(taken, count, out.data());
        batch->clear();
        for (Tensor &t : out)
          batch->push_back(std::move(t));
      } else {
        assembleBatch(taken, count, batch);
      }
    }
    taken.clear();
    out.clear();
    if (took)
      return Status::OK();
  }
  Attempt a;
  a.kind = Attempt::Kind::kDequeueMany;
  a.remaining = n;
  a.allowSmall = allowSmall;
  a.output = batch;
  return runAttempt(a, ctx);
}

Status Queue::dequeueMany(int64_t n, Tuple *batch, RunContext *ctx) {
  return dequeueBatch(n, /*allowSmall=*/false, batch, ctx);
}

Status Queue::dequeueUpTo(int64_t n, Tuple *batch, RunContext *ctx) {
  return dequeueBatch(n, /*allowSmall=*/true, batch, ctx);
}

Status Queue::close(bool cancelPendingEnqueues, RunContext *ctx) {
  if (cancelPendingEnqueues) {
    FullLock lock(*this);
    closed_ = true;
    for (Attempt *a : enqueueAttempts_)
      finishLocked(*a, errors::Cancelled("Enqueue operation was cancelled"));
    enqueueAttempts_.clear();
    flushLocked();
    return Status::OK();
  }
  Attempt a;
  a.kind = Attempt::Kind::kClose;
  return runAttempt(a, ctx);
}

int32_t Queue::size() const {
  FullLock lock(*this);
  return static_cast<int32_t>(sizeLocked());
}

size_t Queue::numPendingEnqueues() const {
  std::lock_guard<std::mutex> lock(mu_);
  return enqueueAttempts_.size();
}

size_t Queue::numPendingDequeues() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dequeueAttempts_.size();
}

bool Queue::isClosed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

} // namespace kiln
