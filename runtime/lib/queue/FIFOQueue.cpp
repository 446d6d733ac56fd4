//===- FIFOQueue.cpp - FIFOQueue and PaddingFIFOQueue storage -------------===//
//
// The ring, its side paths (see Queue.h) and PaddingFIFOQueue's batches.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/Queue.h"

#include <algorithm>
#include <cstring>

namespace kiln {

StatusOr<std::shared_ptr<FIFOQueue>>
FIFOQueue::create(const QueueOptions &opts) {
  std::shared_ptr<FIFOQueue> q(new FIFOQueue(opts, "FIFOQueue"));
  KILN_RETURN_IF_ERROR(q->initialize());
  return q;
}

namespace {
// TF's queue ops read `shapes` as TensorShape attrs, which reject -1.
Status requireFullyDefined(const std::vector<TensorShape> &shapes) {
  for (const TensorShape &s : shapes)
    for (int64_t d : s.dims())
      if (d < 0)
        return errors::InvalidArgument("Dimension ", d, " must be >= 0");
  return Status::OK();
}
} // namespace

Status FIFOQueue::initialize() {
  KILN_RETURN_IF_ERROR(Queue::initialize());
  KILN_RETURN_IF_ERROR(requireFullyDefined(shapes_));
  initStorage(/*allowByValue=*/true);
  return Status::OK();
}

void FIFOQueue::initStorage(bool allowByValue) {
  comps_.resize(types_.size());
  for (size_t i = 0; i < comps_.size(); ++i) {
    Component &c = comps_[i];
    if (!allowByValue || !specifiedShapes() || !isPodDType(types_[i]))
      continue;
    const size_t bytes =
        static_cast<size_t>(shapes_[i].numElements()) * dtypeSize(types_[i]);
    if (bytes > kMaxByValueBytes)
      continue;
    c.byValue = true;
    c.bytes = bytes;
  }
  enableSidePaths();
}

namespace {
constexpr size_t kInitialRing = 16;
// Rings up to this many slots are kept when they empty; larger ones halve
// when at most a quarter full, so a burst does not pin its memory.
constexpr size_t kKeptRing = 1024;

inline void copyBytes(void *dst, const void *src, size_t n) {
  if (n)
    std::memcpy(dst, src, n);
}
} // namespace

size_t FIFOQueue::ringCapacity() const {
  FullLock lock(*this);
  return ringCap_;
}

size_t FIFOQueue::sizeLocked() const {
  return tail_.load(std::memory_order_relaxed) -
         head_.load(std::memory_order_relaxed);
}

size_t FIFOQueue::approxSize() const {
  // Head first: outside the full lock both counters only grow, so tail is
  // the larger unless a resize or a put-back moved them in between; the
  // difference then wraps, and 0 is as good a hint as any.
  const size_t head = head_.load(std::memory_order_relaxed);
  const size_t tail = tail_.load(std::memory_order_relaxed);
  return tail - head > static_cast<size_t>(kUnbounded) ? 0 : tail - head;
}

void FIFOQueue::writeSlot(size_t index, const Tensor *element) {
  const size_t s = index & (ringCap_ - 1);
  for (size_t i = 0; i < comps_.size(); ++i) {
    Component &c = comps_[i];
    if (c.byValue)
      copyBytes(c.data.get() + s * c.bytes, element[i].raw(), c.bytes);
    else
      c.tensors[s] = element[i];
  }
}

void FIFOQueue::readSlot(size_t index, Tensor *element) {
  const size_t s = index & (ringCap_ - 1);
  for (size_t i = 0; i < comps_.size(); ++i) {
    Component &c = comps_[i];
    if (c.byValue) {
      if (!element[i].raw())
        element[i] = Tensor::uninitialized(types_[i], shapes_[i]);
      copyBytes(element[i].raw(), c.data.get() + s * c.bytes, c.bytes);
    } else {
      element[i] = std::move(c.tensors[s]);
    }
  }
}

void FIFOQueue::readBatch(size_t from, size_t n, Tensor *batch,
                          std::vector<Tensor> &taken) {
  const size_t nc = comps_.size();
  const size_t s = from & (ringCap_ - 1);
  const size_t first = std::min(n, ringCap_ - s);
  for (size_t i = 0; i < nc; ++i) {
    Component &c = comps_[i];
    if (c.byValue) {
      // The rows are already contiguous: one copy, two if the ring wraps.
      auto *dst = static_cast<unsigned char *>(batch[i].raw());
      copyBytes(dst, c.data.get() + s * c.bytes, first * c.bytes);
      copyBytes(dst + first * c.bytes, c.data.get(), (n - first) * c.bytes);
    } else {
      for (size_t r = 0; r < n; ++r)
        taken[r * nc + i] = std::move(c.tensors[(s + r) & (ringCap_ - 1)]);
    }
  }
}

void FIFOQueue::resizeRingLocked(size_t cap) {
  const size_t head = head_.load(std::memory_order_relaxed);
  const size_t count = sizeLocked();
  const size_t s = ringCap_ ? head & (ringCap_ - 1) : 0;
  const size_t first = std::min(count, ringCap_ - s);
  for (Component &c : comps_) {
    if (c.byValue) {
      std::unique_ptr<unsigned char[]> data(new unsigned char[cap * c.bytes]);
      if (count) {
        copyBytes(data.get(), c.data.get() + s * c.bytes, first * c.bytes);
        copyBytes(data.get() + first * c.bytes, c.data.get(),
                  (count - first) * c.bytes);
      }
      c.data = std::move(data);
    } else {
      std::vector<Tensor> tensors(cap);
      for (size_t r = 0; r < count; ++r)
        tensors[r] = std::move(c.tensors[(s + r) & (ringCap_ - 1)]);
      c.tensors = std::move(tensors);
    }
  }
  ringCap_ = cap;
  head_.store(0, std::memory_order_relaxed);
  tail_.store(count, std::memory_order_relaxed);
  producerHead_ = 0;
  consumerTail_ = count;
}

bool FIFOQueue::wantsShrink(size_t size) const {
  return ringCap_ > kKeptRing && size <= ringCap_ / 4;
}

void FIFOQueue::shrinkIfSparseLocked() {
  if (wantsShrink(sizeLocked()))
    resizeRingLocked(ringCap_ / 2);
}

//===- Side paths ---------------------------------------------------------===//
//
// Each runs under one side lock. It first checks that side paths are open:
// that flag only changes under the full lock, which includes both side
// locks, so it holds for the whole call. The producer owns the slots from
// tail_ up to head_ + ringCap_, the consumer those from head_ to tail_; each
// publishes its counter with release after touching the slots and reads the
// other's with acquire before.

Queue::SideResult FIFOQueue::sideEnqueue(const Tensor *element) {
  lockSpinning(producerMu_);
  std::lock_guard<std::mutex> lock(producerMu_, std::adopt_lock);
  if (!sidePathsOpen())
    return SideResult::kFullLockOnly;
  const size_t tail = tail_.load(std::memory_order_relaxed);
  size_t size = tail - producerHead_;
  const size_t limit = std::min(static_cast<size_t>(capacity_), ringCap_);
  if (size >= limit) {
    producerHead_ = head_.load(std::memory_order_acquire);
    size = tail - producerHead_;
    if (size >= static_cast<size_t>(capacity_))
      return SideResult::kBlocked;
    if (size >= ringCap_)
      return SideResult::kFullLockOnly; // the ring must grow
  }
  writeSlot(tail, element);
  tail_.store(tail + 1, std::memory_order_release);
  return SideResult::kDone;
}

Queue::SideResult FIFOQueue::sideDequeue(Tensor *element) {
  bool shrink;
  {
    lockSpinning(consumerMu_);
    std::lock_guard<std::mutex> lock(consumerMu_, std::adopt_lock);
    if (!sidePathsOpen())
      return SideResult::kFullLockOnly;
    const size_t head = head_.load(std::memory_order_relaxed);
    // The copy lags behind tail_ but may also fall behind head_ (pops under
    // the full lock); then the difference wraps past any real size.
    size_t size = consumerTail_ - head;
    if (size == 0 || size > ringCap_) {
      consumerTail_ = tail_.load(std::memory_order_acquire);
      size = consumerTail_ - head;
      if (size == 0)
        return SideResult::kBlocked;
    }
    readSlot(head, element);
    head_.store(head + 1, std::memory_order_release);
    shrink = wantsShrink(size - 1);
  }
  if (shrink) {
    FullLock lock(*this);
    shrinkIfSparseLocked();
  }
  return SideResult::kDone;
}

Queue::SideResult FIFOQueue::sideDequeueMany(size_t n, Tensor *batch,
                                             std::vector<Tensor> &taken) {
  bool shrink;
  {
    lockSpinning(consumerMu_);
    std::lock_guard<std::mutex> lock(consumerMu_, std::adopt_lock);
    if (!sidePathsOpen())
      return SideResult::kFullLockOnly;
    const size_t head = head_.load(std::memory_order_relaxed);
    size_t size = consumerTail_ - head;
    if (size < n || size > ringCap_) {
      consumerTail_ = tail_.load(std::memory_order_acquire);
      size = consumerTail_ - head;
      if (size < n)
        return SideResult::kBlocked;
    }
    readBatch(head, n, batch, taken);
    head_.store(head + n, std::memory_order_release);
    shrink = wantsShrink(size - n);
  }
  if (shrink) {
    FullLock lock(*this);
    shrinkIfSparseLocked();
  }
  return SideResult::kDone;
}

//===- Under the full lock ------------------------------------------------===//

void FIFOQueue::pushLocked(const Tensor *element) {
  if (sizeLocked() == ringCap_)
    resizeRingLocked(ringCap_ ? ringCap_ * 2 : kInitialRing);
  const size_t tail = tail_.load(std::memory_order_relaxed);
  writeSlot(tail, element);
  tail_.store(tail + 1, std::memory_order_relaxed);
}

void FIFOQueue::pushRowLocked(const Tuple &batch, int64_t row) {
  if (sizeLocked() == ringCap_)
    resizeRingLocked(ringCap_ ? ringCap_ * 2 : kInitialRing);
  const size_t tail = tail_.load(std::memory_order_relaxed);
  const size_t s = tail & (ringCap_ - 1);
  for (size_t i = 0; i < comps_.size(); ++i) {
    Component &c = comps_[i];
    if (c.byValue) {
      copyBytes(c.data.get() + s * c.bytes,
                static_cast<const unsigned char *>(batch[i].raw()) +
                    static_cast<size_t>(row) * c.bytes,
                c.bytes);
    } else {
      TensorShape rowShape = batch[i].shape();
      rowShape.removeDim(0);
      Tensor element(types_[i], rowShape);
      const int64_t n = element.numElements();
      element.copyElements(0, batch[i], row * n, n);
      c.tensors[s] = std::move(element);
    }
  }
  tail_.store(tail + 1, std::memory_order_relaxed);
}

void FIFOQueue::prepareElement(Tensor *element) const {
  for (size_t i = 0; i < comps_.size(); ++i)
    if (comps_[i].byValue)
      element[i] = Tensor::uninitialized(types_[i], shapes_[i]);
}

void FIFOQueue::popLocked(Tensor *element) {
  const size_t head = head_.load(std::memory_order_relaxed);
  readSlot(head, element);
  head_.store(head + 1, std::memory_order_relaxed);
  shrinkIfSparseLocked();
}

void FIFOQueue::takeBatchLocked(size_t n, Tensor *batch,
                                std::vector<Tensor> &taken) {
  const size_t head = head_.load(std::memory_order_relaxed);
  readBatch(head, n, batch, taken);
  head_.store(head + n, std::memory_order_relaxed);
  shrinkIfSparseLocked();
}

void FIFOQueue::restoreLocked(std::vector<Tensor> &taken, size_t count) {
  if (sizeLocked() + count > ringCap_) {
    size_t cap = ringCap_ ? ringCap_ : kInitialRing;
    while (cap < sizeLocked() + count)
      cap *= 2;
    resizeRingLocked(cap);
  }
  // Back to the front, in order: the counters wrap, which is harmless.
  const size_t nc = comps_.size();
  size_t head = head_.load(std::memory_order_relaxed);
  for (size_t r = count; r-- > 0;) {
    const size_t s = --head & (ringCap_ - 1);
    for (size_t i = 0; i < nc; ++i) {
      Component &c = comps_[i];
      if (c.byValue)
        copyBytes(c.data.get() + s * c.bytes, taken[r * nc + i].raw(), c.bytes);
      else
        c.tensors[s] = std::move(taken[r * nc + i]);
    }
  }
  head_.store(head, std::memory_order_relaxed);
  producerHead_ = head;
}

StatusOr<std::shared_ptr<PaddingFIFOQueue>>
PaddingFIFOQueue::create(const QueueOptions &opts) {
  std::shared_ptr<PaddingFIFOQueue> q(new PaddingFIFOQueue(opts));
  KILN_RETURN_IF_ERROR(q->initialize());
  return q;
}

Status PaddingFIFOQueue::initialize() {
  KILN_RETURN_IF_ERROR(Queue::initialize());
  if (types_.size() != shapes_.size())
    return errors::InvalidArgument(
        "Shapes must be provided for all components, but received ",
        types_.size(), " dtypes and ", shapes_.size(), " shapes.");
  initStorage(/*allowByValue=*/false);
  return Status::OK();
}

namespace {
bool isCompatible(const TensorShape &partial, const TensorShape &shape) {
  if (partial.rank() != shape.rank())
    return false;
  for (int d = 0; d < shape.rank(); ++d)
    if (partial.dim(d) >= 0 && partial.dim(d) != shape.dim(d))
      return false;
  return true;
}
} // namespace

Status PaddingFIFOQueue::validateElement(const Tuple &element) const {
  if (element.size() != types_.size() || element.empty())
    return Queue::validateElement(element);
  for (size_t i = 0; i < element.size(); ++i) {
    if (element[i].dtype() != types_[i])
      return Queue::validateElement(element);
    if (!isCompatible(shapes_[i], element[i].shape()))
      return errors::InvalidArgument("Shape mismatch in tuple component ", i,
                                     ". Expected ", shapes_[i].toString(),
                                     ", got ", element[i].shape().toString());
  }
  return Status::OK();
}

Status PaddingFIFOQueue::validateBatch(const Tuple &batch) const {
  if (batch.size() != types_.size())
    return Queue::validateBatch(batch);
  for (size_t i = 0; i < batch.size(); ++i)
    if (batch[i].dtype() != types_[i] || batch[i].shape().rank() == 0)
      return Queue::validateBatch(batch);
  const int64_t batchSize = batch[0].shape().dim(0);
  for (size_t i = 0; i < batch.size(); ++i) {
    TensorShape expected = shapes_[i];
    expected.insertDim(0, batchSize);
    if (!isCompatible(expected, batch[i].shape()))
      return errors::InvalidArgument("Shape mismatch in tuple component ", i,
                                     ". Expected ", expected.toString(),
                                     ", got ", batch[i].shape().toString());
  }
  return Status::OK();
}

namespace {
// Copies `element` into the zero-filled row `row` of `out`, whose row shape
// is at least as large as the element's in every dimension.
void copyToLargerRow(const Tensor &element, Tensor &out, int64_t row) {
  const TensorShape &e = element.shape();
  const int rank = e.rank();
  TensorShape rowShape = out.shape();
  rowShape.removeDim(0);
  const int64_t rowBase = row * rowShape.numElements();
  if (element.numElements() == 0)
    return;
  if (rank == 0) {
    out.copyElements(rowBase, element, 0, 1);
    return;
  }
  // Walk every index of the leading rank-1 dims; each is one contiguous run
  // of the innermost dim in both tensors.
  const int64_t inner = e.dim(rank - 1);
  std::vector<int64_t> idx(rank - 1, 0);
  int64_t src = 0;
  while (true) {
    int64_t dst = 0;
    for (int d = 0; d < rank - 1; ++d)
      dst = dst * rowShape.dim(d) + idx[d];
    dst = dst * rowShape.dim(rank - 1);
    out.copyElements(rowBase + dst, element, src, inner);
    src += inner;
    int d = rank - 2;
    for (; d >= 0; --d) {
      if (++idx[d] < e.dim(d))
        break;
      idx[d] = 0;
    }
    if (d < 0)
      break;
  }
}
} // namespace

void PaddingFIFOQueue::assembleBatch(const std::vector<Tensor> &taken,
                                     size_t count, Tuple *batch) const {
  const size_t nc = types_.size();
  batch->clear();
  for (size_t i = 0; i < nc; ++i) {
    TensorShape shape({static_cast<int64_t>(count)});
    for (int d = 0; d < shapes_[i].rank(); ++d) {
      int64_t dim = shapes_[i].dim(d);
      if (dim < 0) {
        dim = 0;
        for (size_t r = 0; r < count; ++r)
          dim = std::max(dim, taken[r * nc + i].shape().dim(d));
      }
      shape.addDim(dim);
    }
    // A new tensor is zero-filled, which is the padding value.
    Tensor out(types_[i], shape);
    for (size_t r = 0; r < count; ++r)
      copyToLargerRow(taken[r * nc + i], out, static_cast<int64_t>(r));
    batch->push_back(std::move(out));
  }
}

} // namespace kiln
