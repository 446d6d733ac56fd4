//===- RandomShuffleQueue.cpp - Random-order queue storage ----------------===//
#include "kiln/runtime/Queue.h"

namespace kiln {

RandomShuffleQueue::RandomShuffleQueue(const QueueOptions &opts)
    : Queue(opts, "RandomShuffleQueue"), minAfterDequeue_(opts.minAfterDequeue),
      parent_(random::seededPhilox(opts.seed, opts.seed2)),
      generator_(&parent_) {}

StatusOr<std::shared_ptr<RandomShuffleQueue>>
RandomShuffleQueue::create(const QueueOptions &opts) {
  std::shared_ptr<RandomShuffleQueue> q(new RandomShuffleQueue(opts));
  KILN_RETURN_IF_ERROR(q->initialize());
  return q;
}

Status RandomShuffleQueue::initialize() {
  if (minAfterDequeue_ < 0)
    return errors::InvalidArgument("min_after_dequeue ", minAfterDequeue_,
                                   " must be >= 0");
  if (minAfterDequeue_ >= capacity_)
    return errors::InvalidArgument("min_after_dequeue ", minAfterDequeue_,
                                   " must be < capacity ", capacity_);
  KILN_RETURN_IF_ERROR(Queue::initialize());
  for (const TensorShape &s : shapes_)
    for (int64_t d : s.dims())
      if (d < 0)
        return errors::InvalidArgument("Dimension ", d, " must be >= 0");
  queues_.resize(types_.size());
  return Status::OK();
}

size_t RandomShuffleQueue::availableLocked() const {
  const size_t size = queues_[0].size();
  // While open, every dequeue must leave min_after_dequeue elements behind.
  if (closedLocked())
    return size;
  return size > static_cast<size_t>(minAfterDequeue_)
             ? size - static_cast<size_t>(minAfterDequeue_)
             : 0;
}

void RandomShuffleQueue::pushLocked(const Tensor *element) {
  for (size_t i = 0; i < queues_.size(); ++i)
    queues_[i].push_back(element[i]);
}

void RandomShuffleQueue::popLocked(Tensor *element) {
  const size_t index = generator_() % queues_[0].size();
  for (size_t i = 0; i < queues_.size(); ++i) {
    std::vector<Tensor> &q = queues_[i];
    element[i] = std::move(q[index]);
    if (index + 1 != q.size())
      q[index] = std::move(q.back());
    q.pop_back();
  }
}

void RandomShuffleQueue::restoreLocked(std::vector<Tensor> &taken,
                                       size_t count) {
  const size_t nc = queues_.size();
  for (size_t r = count; r-- > 0;)
    for (size_t i = 0; i < nc; ++i)
      queues_[i].push_back(std::move(taken[r * nc + i]));
}

} // namespace kiln
