//===- FIFOQueue.cpp - FIFOQueue and PaddingFIFOQueue storage -------------===//
#include "kiln/runtime/Queue.h"

#include <algorithm>

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
  queues_.resize(types_.size());
  return Status::OK();
}

void FIFOQueue::pushLocked(const Tensor *element) {
  for (size_t i = 0; i < queues_.size(); ++i)
    queues_[i].push_back(element[i]);
}

void FIFOQueue::popLocked(Tensor *element) {
  for (size_t i = 0; i < queues_.size(); ++i) {
    element[i] = std::move(queues_[i].front());
    queues_[i].pop_front();
  }
}

void FIFOQueue::restoreLocked(std::vector<Tensor> &taken, size_t count) {
  const size_t nc = queues_.size();
  for (size_t r = count; r-- > 0;)
    for (size_t i = 0; i < nc; ++i)
      queues_[i].push_front(std::move(taken[r * nc + i]));
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
  queues_.resize(types_.size());
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
