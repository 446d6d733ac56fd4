//===- PriorityQueue.cpp - Priority-ordered queue storage -----------------===//
#include "kiln/runtime/Queue.h"

#include <algorithm>

namespace kiln {

namespace {
// The op prepends the int64 scalar priority component to the user's types.
QueueOptions withPriority(QueueOptions opts) {
  opts.componentTypes.insert(opts.componentTypes.begin(), DType::kInt64);
  if (!opts.shapes.empty())
    opts.shapes.insert(opts.shapes.begin(), TensorShape{});
  return opts;
}
} // namespace

PriorityQueue::PriorityQueue(const QueueOptions &opts)
    : Queue(withPriority(opts), "PriorityQueue") {}

StatusOr<std::shared_ptr<PriorityQueue>>
PriorityQueue::create(const QueueOptions &opts) {
  std::shared_ptr<PriorityQueue> q(new PriorityQueue(opts));
  KILN_RETURN_IF_ERROR(q->initialize());
  return q;
}

Status PriorityQueue::initialize() {
  KILN_RETURN_IF_ERROR(Queue::initialize());
  if (types_[0] != DType::kInt64)
    return errors::InvalidArgument(
        "PriorityQueue priority index component must be type int64, but "
        "dtype is: ",
        dtypeName(types_[0]));
  if (specifiedShapes() && !shapes_[0].isScalar())
    return errors::InvalidArgument(
        "PriorityQueue priority index component must be a scalar, but shape "
        "is: ",
        shapes_[0].toString());
  for (const TensorShape &s : shapes_)
    for (int64_t d : s.dims())
      if (d < 0)
        return errors::InvalidArgument("Dimension ", d, " must be >= 0");
  return Status::OK();
}

Status PriorityQueue::validateElement(const Tuple &element) const {
  KILN_RETURN_IF_ERROR(Queue::validateElement(element));
  if (!element[0].shape().isScalar())
    return errors::InvalidArgument(
        "Expected the priority element to be a scalar, but received shape: ",
        element[0].shape().toString());
  return Status::OK();
}

void PriorityQueue::pushLocked(const Tensor *element) {
  Entry e{*element[0].data<int64_t>(), nextSequence_++,
          Tuple(element, element + types_.size())};
  heap_.push_back(std::move(e));
  std::push_heap(heap_.begin(), heap_.end(), Later());
}

void PriorityQueue::popLocked(Tensor *element) {
  std::pop_heap(heap_.begin(), heap_.end(), Later());
  Tuple &t = heap_.back().element;
  for (size_t i = 0; i < t.size(); ++i)
    element[i] = std::move(t[i]);
  heap_.pop_back();
}

void PriorityQueue::restoreLocked(std::vector<Tensor> &taken, size_t count) {
  const size_t nc = types_.size();
  for (size_t r = 0; r < count; ++r)
    pushLocked(taken.data() + r * nc);
}

} // namespace kiln
