//===- Queue.h - TensorFlow queues (FIFO, shuffle, padding, priority) -*- C++
//-*-===//
//
// The four queue kinds of TF 1.x with their semantics and error messages
// (tf-formats.md section 5). Every blocked call is an "attempt" in one of two
// FIFO lists, retried after each state change exactly as TF's QueueBase does:
// that ordering is what makes a plain close wait behind pending enqueues and a
// DequeueMany hold the elements it already has. Calls that can finish at once
// skip the lists.
//
// Locking: mu_ guards the lists and the state. A FIFOQueue also has "side
// paths": while the queue is open and both lists are empty, an enqueue or
// dequeue that can finish at once runs under only the producer or the
// consumer side lock, against a ring whose two ends are atomics, so a
// producer and a consumer on two threads do not serialize on one lock. Every
// other operation takes mu_ and both side locks (the "full lock"), which
// excludes the side paths; releasing it republishes whether they may run.
// A call that would block with nobody queued ahead of it first spins for a
// few microseconds (on machines with more than one core), watching that
// published state without any lock, then retries; to the lists that is the
// same as arriving a little later.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_QUEUE_H
#define KILN_RUNTIME_QUEUE_H

#include "kiln/runtime/Philox.h"
#include "kiln/runtime/Resource.h"
#include "kiln/runtime/RunContext.h"
#include "kiln/runtime/Status.h"
#include "kiln/runtime/Tensor.h"

#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace kiln {

/// One queue element (enqueue/dequeue) or batch (the *Many calls): one tensor
/// per component.
using Tuple = std::vector<Tensor>;

/// The attrs of the queue-creation ops.
struct QueueOptions {
  /// The resource name: shared_name, or TF's private "_<n>_<node name>".
  std::string name;
  std::vector<DType> componentTypes;
  /// Empty means unspecified. PaddingFIFOQueue allows -1 (unknown) dims.
  std::vector<TensorShape> shapes;
  /// Below 0 means unbounded (INT32_MAX), as in TF.
  int64_t capacity = -1;
  /// RandomShuffleQueue only.
  int64_t minAfterDequeue = 0;
  int64_t seed = 0;
  int64_t seed2 = 0;
};

class Queue : public Resource {
public:
  static constexpr int32_t kUnbounded = INT32_MAX;

  ~Queue() override;

  const std::string &name() const { return name_; }
  int32_t capacity() const { return capacity_; }
  int numComponents() const { return static_cast<int>(types_.size()); }
  const std::vector<DType> &componentTypes() const { return types_; }
  const std::vector<TensorShape> &componentShapes() const { return shapes_; }
  bool specifiedShapes() const { return !shapes_.empty(); }

  /// QueueEnqueueV2: blocks while the queue is full. Cancelled "<Kind> '<n>'
  /// is closed." once closed.
  Status enqueue(const Tuple &element, RunContext *ctx = nullptr);
  /// QueueEnqueueManyV2: dimension 0 of every component is the batch; the
  /// rows go in one at a time as room appears, contiguously.
  Status enqueueMany(const Tuple &batch, RunContext *ctx = nullptr);
  /// QueueDequeueV2: blocks while empty; OutOfRange once closed and empty.
  Status dequeue(Tuple *element, RunContext *ctx = nullptr);
  /// QueueDequeueManyV2: exactly n rows stacked on a new dimension 0.
  /// n may exceed the capacity: rows are taken one by one into the batch.
  Status dequeueMany(int64_t n, Tuple *batch, RunContext *ctx = nullptr);
  /// QueueDequeueUpToV2: like dequeueMany, but a closed queue with
  /// 0 < k < n rows left returns those k.
  Status dequeueUpTo(int64_t n, Tuple *batch, RunContext *ctx = nullptr);
  /// QueueCloseV2. Without cancel it queues behind pending enqueues (and
  /// may block with them); with cancel it closes at once and fails pending
  /// enqueues with Cancelled "Enqueue operation was cancelled".
  Status close(bool cancelPendingEnqueues = false, RunContext *ctx = nullptr);
  /// QueueSizeV2 / QueueIsClosedV2.
  int32_t size() const;
  bool isClosed() const;
  /// Calls currently blocked in the attempt lists (close included), for
  /// diagnostics and for tests that must know a caller is waiting.
  size_t numPendingEnqueues() const;
  size_t numPendingDequeues() const;

  /// How long a call that would block spins before it queues and sleeps
  /// (process-wide; default kDefaultSpinTime, zero disables spinning). Tests
  /// lengthen it to reach the spinning state deterministically.
  static constexpr std::chrono::nanoseconds kDefaultSpinTime{4000};
  static void setSpinTimeForTesting(std::chrono::nanoseconds spinTime);

protected:
  Queue(const QueueOptions &opts, const char *kind);
  /// Checks shared by every kind; subclasses extend it for their own attrs.
  virtual Status initialize();

  /// mu_ plus, for queues with side paths, both side locks. Releasing it
  /// republishes the state for side paths and spinners.
  class FullLock {
  public:
    explicit FullLock(const Queue &q);
    ~FullLock();
    FullLock(const FullLock &) = delete;
    FullLock &operator=(const FullLock &) = delete;
    void lock();
    void unlock();
    /// Sleeps on `cv` holding only mu_ (side paths may run meanwhile);
    /// returns with the full lock held again. With a deadline, returns
    /// false when it passed.
    void wait(std::condition_variable &cv);
    bool waitUntil(std::condition_variable &cv,
                   std::chrono::steady_clock::time_point deadline);

  private:
    void lockSides();
    /// Publishes the state, then releases both side locks.
    void releaseSides();

    const Queue &q_;
    std::unique_lock<std::mutex> mu_;
    bool held_ = false;
  };

  /// Outcome of a side path.
  enum class SideResult {
    kDone,
    kBlocked,     // full (enqueue) or not enough elements (dequeue)
    kFullLockOnly // side paths closed now: take the full lock
  };
  // Side paths; queues without them (the default) answer kFullLockOnly.
  // The caller holds no lock.
  virtual SideResult sideEnqueue(const Tensor *element) {
    (void)element;
    return SideResult::kFullLockOnly;
  }
  /// `element` as for popLocked.
  virtual SideResult sideDequeue(Tensor *element) {
    (void)element;
    return SideResult::kFullLockOnly;
  }
  /// As takeBatchLocked.
  virtual SideResult sideDequeueMany(size_t n, Tensor *batch,
                                     std::vector<Tensor> &taken) {
    (void)n, (void)batch, (void)taken;
    return SideResult::kFullLockOnly;
  }
  /// Lock-free estimates for spinning callers (hints only).
  virtual size_t approxSize() const;
  virtual size_t approxAvailable() const;
  /// Enables side paths; called once by initialize().
  void enableSidePaths() { sidePaths_ = true; }
  /// Whether side paths may run now; read under a side lock (or as a hint).
  bool sidePathsOpen() const {
    return sidePathsOpen_.load(std::memory_order_relaxed);
  }
  /// Takes `mu`, spinning briefly on try_lock first: critical sections are
  /// tens of nanoseconds, far less than a futex sleep and wake-up.
  static void lockSpinning(std::mutex &mu);

  // Element storage, always called under the full lock. An element is
  // numComponents() consecutive tensors.
  virtual size_t sizeLocked() const = 0;
  virtual void pushLocked(const Tensor *element) = 0;
  /// Row `row` of an EnqueueMany batch (already validated).
  virtual void pushRowLocked(const Tuple &batch, int64_t row);
  /// Moves the front element into `element`. Each tensor there is either
  /// empty (no buffer) or one prepareElement allocated, which is filled in
  /// place; never a caller's tensor.
  virtual void popLocked(Tensor *element) = 0;
  /// Called without a lock before a dequeue: allocates the tensors that
  /// popLocked fills in place (components stored by value), so that no
  /// allocation happens under a lock or on the thread completing a waiter.
  virtual void prepareElement(Tensor *element) const { (void)element; }
  /// DequeueMany's fast path, n <= availableLocked(): takes n elements.
  /// Components stored by value are copied into `batch` at once (tensors the
  /// caller allocated with batchShape(i, n)); the others are moved to
  /// `taken` (n * numComponents() empty tensors on entry, row-major), which
  /// the caller copies with copyTakenRows after releasing the lock.
  virtual void takeBatchLocked(size_t n, Tensor *batch,
                               std::vector<Tensor> &taken);
  /// Whether a batch of n has the shapes batchShape(i, n) whatever its
  /// elements (false for PaddingFIFOQueue), so it may be allocated early.
  virtual bool fixedBatchShapes() const { return true; }
  /// Puts back the rows of an unfinished DequeueMany (`count` elements in
  /// dequeue order): to the front for FIFO, anywhere for the others.
  virtual void restoreLocked(std::vector<Tensor> &taken, size_t count) = 0;
  /// Elements a dequeue may take now (RandomShuffleQueue keeps
  /// min_after_dequeue back while open).
  virtual size_t availableLocked() const { return sizeLocked(); }

  virtual Status validateElement(const Tuple &element) const;
  virtual Status validateBatch(const Tuple &batch) const;
  /// Whether DequeueMany/UpTo may run (FIFO and shuffle need shapes).
  virtual Status checkDequeueManyAllowed() const;
  /// Stacks `count` taken elements into one batch per component.
  virtual void assembleBatch(const std::vector<Tensor> &taken, size_t count,
                             Tuple *batch) const;
  /// The shape of a batch of n for component i (unknown dims become 0).
  TensorShape batchShape(int i, int64_t n) const;

  /// Name used in "is closed" messages of enqueue/dequeue, and the one used
  /// by DequeueMany/UpTo (they differ for PaddingFIFOQueue, as in TF).
  virtual const char *elementKind() const { return kind_; }
  const char *batchKind() const { return kind_; }

  bool closedLocked() const { return closed_; }

  /// Copies rows 0..count-1 of the components whose row-0 tensor in `taken`
  /// is set into the preallocated `batch` (see takeBatchLocked).
  void copyTakenRows(const std::vector<Tensor> &taken, size_t count,
                     Tensor *batch) const;

  std::string name_;
  const char *kind_;
  int32_t capacity_;
  std::vector<DType> types_;
  std::vector<TensorShape> shapes_;

private:
  struct Attempt;
  enum class RunResult { kNoProgress, kProgress, kComplete };

  Status validateCommon(const Tuple &tuple) const;
  Status runAttempt(Attempt &attempt, RunContext *ctx);
  RunResult tryAttemptLocked(Attempt &attempt);
  bool tryListLocked(std::deque<Attempt *> &list);
  void flushLocked();
  void finishLocked(Attempt &attempt, Status status);
  /// Removes a blocked attempt (deadline, cancellation), putting back what
  /// it took, so no element is lost.
  void abandonLocked(Attempt &attempt, Status status);
  void cancelAttempt(Attempt *attempt);
  Status dequeueBatch(int64_t n, bool allowSmall, Tuple *batch,
                      RunContext *ctx);
  /// Refreshes what side paths and spinners read; under the full lock.
  void publishLocked() const;
  /// Spins (for at most a few microseconds) until `ready()` holds, the run
  /// is cancelled or its deadline passes; returns whether `ready()` held.
  template <typename Ready> bool spinUntil(Ready ready, RunContext *ctx) const;

  mutable std::mutex mu_;
  bool closed_ = false;
  bool sidePaths_ = false;
  std::deque<Attempt *> enqueueAttempts_;
  std::deque<Attempt *> dequeueAttempts_;

protected:
  // Side locks, each on its own cache line: a producer and a consumer on
  // two cores each keep theirs. Lock order: mu_, producerMu_, consumerMu_.
  alignas(64) mutable std::mutex producerMu_;
  alignas(64) mutable std::mutex consumerMu_;

private:
  // Published at every release of the full lock; read without locks.
  alignas(64) mutable std::atomic<bool> sidePathsOpen_{false};
  mutable std::atomic<bool> publishedClosed_{false};
  mutable std::atomic<size_t> publishedSize_{0};
  mutable std::atomic<size_t> publishedAvailable_{0};
};

/// FIFOQueueV2. Elements live in a growable ring, one array per component;
/// head_ and tail_ count dequeued and enqueued elements. A component of a
/// fixed shape, a POD dtype and at most kMaxByValueBytes is stored by value
/// (its bytes): handing a small element to another thread then allocates
/// and frees on each side only, and a DequeueMany of such elements is one or
/// two straight copies. Other components are kept as tensors sharing the
/// enqueued buffers.
class FIFOQueue : public Queue {
public:
  static constexpr size_t kMaxByValueBytes = 128;

  static StatusOr<std::shared_ptr<FIFOQueue>> create(const QueueOptions &opts);
  std::string kind() const override { return "FIFOQueue"; }
  /// Whether component i is stored by value (for tests).
  bool storesByValue(int i) const { return comps_[i].byValue; }
  /// Slots in the ring now (for tests).
  size_t ringCapacity() const;

protected:
  FIFOQueue(const QueueOptions &opts, const char *kind) : Queue(opts, kind) {}
  Status initialize() override;
  /// Sets up the ring; PaddingFIFOQueue keeps every component as tensors.
  void initStorage(bool allowByValue);

  SideResult sideEnqueue(const Tensor *element) override;
  SideResult sideDequeue(Tensor *element) override;
  SideResult sideDequeueMany(size_t n, Tensor *batch,
                             std::vector<Tensor> &taken) override;
  size_t approxSize() const override;
  size_t approxAvailable() const override { return approxSize(); }

  size_t sizeLocked() const override;
  void pushLocked(const Tensor *element) override;
  void pushRowLocked(const Tuple &batch, int64_t row) override;
  void popLocked(Tensor *element) override;
  void prepareElement(Tensor *element) const override;
  void takeBatchLocked(size_t n, Tensor *batch,
                       std::vector<Tensor> &taken) override;
  void restoreLocked(std::vector<Tensor> &taken, size_t count) override;

private:
  struct Component {
    bool byValue = false;
    size_t bytes = 0;                      // per element, when byValue
    std::unique_ptr<unsigned char[]> data; // ringCap_ * bytes, when byValue
    std::vector<Tensor> tensors;           // ringCap_ slots otherwise
  };
  // Slot accessors; the caller owns slot `index` (modulo the ring size).
  void writeSlot(size_t index, const Tensor *element);
  void readSlot(size_t index, Tensor *element);
  /// Copies or moves `n` elements from index `from` into a batch.
  void readBatch(size_t from, size_t n, Tensor *batch,
                 std::vector<Tensor> &taken);
  /// Moves the elements to a ring of `cap` slots (a power of two >= the
  /// size); under the full lock.
  void resizeRingLocked(size_t cap);
  void shrinkIfSparseLocked();
  bool wantsShrink(size_t size) const;

  // Written under the full lock only; read under either side lock.
  std::vector<Component> comps_;
  size_t ringCap_ = 0;
  // Monotonic (wrapping) counters: the ring holds [head_, tail_). The
  // consumer side advances head_, the producer side tail_; each reads the
  // other's with acquire before touching the slots it covers, and keeps the
  // last value it read so that it rereads only when the ring looks full or
  // empty. The copies never run ahead of the real counters: code under the
  // full lock that moves a counter back refreshes them. Each side's counter
  // and copy share a cache line that the other side only reads.
  alignas(64) std::atomic<size_t> head_{0};
  size_t consumerTail_ = 0; // under consumerMu_
  alignas(64) std::atomic<size_t> tail_{0};
  size_t producerHead_ = 0; // under producerMu_
};

/// PaddingFIFOQueueV2: shapes required, -1 dims allowed; DequeueMany pads
/// each unknown dim with zeros to the batch's maximum.
class PaddingFIFOQueue : public FIFOQueue {
public:
  static StatusOr<std::shared_ptr<PaddingFIFOQueue>>
  create(const QueueOptions &opts);
  std::string kind() const override { return "PaddingFIFOQueue"; }

protected:
  PaddingFIFOQueue(const QueueOptions &opts)
      : FIFOQueue(opts, "PaddingFIFOQueue") {}
  Status initialize() override;
  bool fixedBatchShapes() const override { return false; }
  // TF's PaddingFIFOQueue inherits FIFOQueue's enqueue/dequeue messages.
  const char *elementKind() const override { return "FIFOQueue"; }
  Status validateElement(const Tuple &element) const override;
  Status validateBatch(const Tuple &batch) const override;
  Status checkDequeueManyAllowed() const override { return Status::OK(); }
  void assembleBatch(const std::vector<Tensor> &taken, size_t count,
                     Tuple *batch) const override;
};

/// RandomShuffleQueueV2: dequeue picks philox() % size and swaps it with the
/// last element; while open it keeps min_after_dequeue elements back.
class RandomShuffleQueue : public Queue {
public:
  static StatusOr<std::shared_ptr<RandomShuffleQueue>>
  create(const QueueOptions &opts);
  std::string kind() const override { return "RandomShuffleQueue"; }
  int32_t minAfterDequeue() const { return minAfterDequeue_; }

protected:
  explicit RandomShuffleQueue(const QueueOptions &opts);
  Status initialize() override;
  size_t sizeLocked() const override { return queues_[0].size(); }
  size_t availableLocked() const override;
  void pushLocked(const Tensor *element) override;
  void popLocked(Tensor *element) override;
  void restoreLocked(std::vector<Tensor> &taken, size_t count) override;

private:
  int64_t minAfterDequeue_;
  random::PhiloxRandom parent_;
  random::SingleSampleAdapter generator_;
  std::vector<std::vector<Tensor>> queues_;
};

/// PriorityQueueV2: component 0 is an int64 scalar priority (prepended to the
/// given types, as the op does); the smallest priority leaves first.
class PriorityQueue : public Queue {
public:
  static StatusOr<std::shared_ptr<PriorityQueue>>
  create(const QueueOptions &opts);
  std::string kind() const override { return "PriorityQueue"; }

protected:
  explicit PriorityQueue(const QueueOptions &opts);
  Status initialize() override;
  Status validateElement(const Tuple &element) const override;
  size_t sizeLocked() const override { return heap_.size(); }
  void pushLocked(const Tensor *element) override;
  void popLocked(Tensor *element) override;
  void restoreLocked(std::vector<Tensor> &taken, size_t count) override;

private:
  struct Entry {
    int64_t priority;
    uint64_t sequence;
    Tuple element;
  };
  // Orders the heap so the smallest priority (then the oldest) is on top.
  struct Later {
    bool operator()(const Entry &a, const Entry &b) const {
      return a.priority != b.priority ? a.priority > b.priority
                                      : a.sequence > b.sequence;
    }
  };
  std::vector<Entry> heap_;
  uint64_t nextSequence_ = 0;
};

} // namespace kiln

#endif // KILN_RUNTIME_QUEUE_H
