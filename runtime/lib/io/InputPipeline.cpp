//===- InputPipeline.cpp - string_input_producer, batch, shuffle_batch ----===//
#include "kiln/runtime/InputPipeline.h"

#include <mutex>
#include <utility>

namespace kiln {

//===----------------------------------------------------------------------===//
// OpTable
//===----------------------------------------------------------------------===//

void OpTable::add(const std::string &name, OpFn fn) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  ops_[name] = std::move(fn);
}

Status OpTable::runOp(const std::string &opName, RunContext *ctx) {
  OpFn fn;
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto it = ops_.find(opName);
    if (it == ops_.end())
      return errors::NotFound("No op named ", opName);
    fn = it->second;
  }
  return fn(ctx);
}

//===----------------------------------------------------------------------===//
// CountUpTo, RandomShuffle
//===----------------------------------------------------------------------===//

StatusOr<Tensor> countUpTo(Variable &ref, int64_t limit) {
  Tensor before;
  Status s = ref.update([&](Tensor &value) -> Status {
    if (value.numElements() != 1 || value.shape().rank() != 0)
      return errors::InvalidArgument("input is not a scalar: ",
                                     value.shape().toString());
    int64_t v;
    if (value.dtype() == DType::kInt64)
      v = *value.data<int64_t>();
    else if (value.dtype() == DType::kInt32)
      v = *value.data<int32_t>();
    else
      return errors::InvalidArgument("CountUpTo needs an int32 or int64 "
                                     "variable, got ",
                                     dtypeName(value.dtype()));
    if (v >= limit)
      return errors::OutOfRange("Reached limit of ", limit);
    if (value.dtype() == DType::kInt64) {
      before = Tensor::scalar<int64_t>(v);
      *value.data<int64_t>() = v + 1;
    } else {
      before = Tensor::scalar<int32_t>(static_cast<int32_t>(v));
      *value.data<int32_t>() = static_cast<int32_t>(v + 1);
    }
    return Status::OK();
  });
  if (!s.ok())
    return s;
  return before;
}

Tensor randomShuffle(const Tensor &value, random::GuardedPhiloxRandom &rng) {
  Tensor out = value.deepCopy();
  if (value.shape().rank() == 0)
    return out;
  int64_t n = value.shape().dim(0);
  if (n <= 1)
    return out;
  int64_t rowElems = n ? value.numElements() / n : 0;
  // random_shuffle_op.cc: reserve n - 1 32-bit samples, then
  // swap(i, i + uniform(n - i)) for i in [0, n - 1).
  random::PhiloxRandom local = rng.reserveSamples32(n - 1);
  random::SingleSampleAdapter single(&local);
  Tensor tmp(value.dtype(), TensorShape{rowElems});
  for (int64_t i = 0; i + 1 < n; ++i) {
    int64_t j =
        i + static_cast<int64_t>(single() % static_cast<uint32_t>(n - i));
    if (j == i)
      continue;
    tmp.copyElements(0, out, i * rowElems, rowElems);
    out.copyElements(i * rowElems, out, j * rowElems, rowElems);
    out.copyElements(j * rowElems, tmp, 0, rowElems);
  }
  return out;
}

//===----------------------------------------------------------------------===//
// StringInputProducer
//===----------------------------------------------------------------------===//

StringInputProducer::StringInputProducer(StringInputProducerOptions options,
                                         std::shared_ptr<FIFOQueue> queue,
                                         Variable *epochs)
    : options_(std::move(options)), queue_(std::move(queue)), epochs_(epochs) {
  strings_ = Tensor::fromVector<std::string>(
      options_.strings,
      TensorShape{static_cast<int64_t>(options_.strings.size())});
  if (options_.shuffle)
    rng_ = std::make_unique<random::GuardedPhiloxRandom>(options_.seed,
                                                         options_.seed2);
}

StatusOr<std::unique_ptr<StringInputProducer>>
StringInputProducer::create(SessionState &state,
                            StringInputProducerOptions options) {
  // Python raises these as ValueError while building the graph.
  if (options.strings.empty())
    return errors::InvalidArgument(
        "string_input_producer requires a non-null input tensor");
  if (options.numEpochs && *options.numEpochs <= 0)
    return errors::InvalidArgument("num_epochs must be > 0 not ",
                                   *options.numEpochs, ".");
  QueueOptions q;
  q.name =
      options.sharedName.empty() ? "_0_" + options.name : options.sharedName;
  q.componentTypes = {DType::kString};
  q.shapes = {TensorShape{}};
  q.capacity = options.capacity;
  StatusOr<std::shared_ptr<FIFOQueue>> queue = FIFOQueue::create(q);
  if (!queue.ok())
    return queue.status();
  KILN_RETURN_IF_ERROR(state.addResource(options.name, *queue));
  Variable *epochs = nullptr;
  if (options.numEpochs) {
    StatusOr<Variable *> v = state.createVariable(
        options.name + "/limit_epochs/epochs", DType::kInt64, TensorShape{});
    if (!v.ok())
      return v.status();
    epochs = *v;
  }
  return std::unique_ptr<StringInputProducer>(
      new StringInputProducer(std::move(options), *queue, epochs));
}

Status StringInputProducer::initializeLocalVariables() {
  if (!epochs_)
    return Status::OK();
  return epochs_->assign(Tensor::scalar<int64_t>(0));
}

Status StringInputProducer::runEnqueue(RunContext *ctx) {
  Tensor strings = options_.shuffle ? randomShuffle(strings_, *rng_) : strings_;
  if (epochs_) {
    StatusOr<Tensor> count = countUpTo(*epochs_, *options_.numEpochs);
    if (!count.ok())
      return count.status();
  }
  return queue_->enqueueMany({strings}, ctx);
}

std::string StringInputProducer::enqueueOpName() const {
  return options_.name + "/" + options_.name + "_EnqueueMany";
}
std::string StringInputProducer::closeOpName() const {
  return options_.name + "/" + options_.name + "_Close";
}
std::string StringInputProducer::cancelOpName() const {
  return options_.name + "/" + options_.name + "_Close_1";
}

void StringInputProducer::registerOps(OpTable &ops) {
  ops.add(enqueueOpName(), [this](RunContext *ctx) { return runEnqueue(ctx); });
  ops.add(closeOpName(),
          [this](RunContext *ctx) { return queue_->close(false, ctx); });
  ops.add(cancelOpName(),
          [this](RunContext *ctx) { return queue_->close(true, ctx); });
}

QueueRunnerSpec StringInputProducer::runnerSpec() const {
  QueueRunnerSpec spec;
  spec.queueName = options_.name;
  spec.enqueueOpNames = {enqueueOpName()};
  spec.closeOpName = closeOpName();
  spec.cancelOpName = cancelOpName();
  return spec;
}

//===----------------------------------------------------------------------===//
// BatchQueue
//===----------------------------------------------------------------------===//

StatusOr<std::unique_ptr<BatchQueue>> BatchQueue::create(SessionState &state,
                                                         BatchOptions options) {
  if (options.name.empty())
    options.name = options.shuffle ? "shuffle_batch" : "batch";
  if (options.types.empty())
    return errors::InvalidArgument("Expected at least one tensor in ",
                                   options.name, "().");
  if (options.shapes.size() != options.types.size())
    return errors::InvalidArgument(
        options.name, ": shapes must be given for every tensor (",
        options.types.size(), " tensors, ", options.shapes.size(), " shapes)");
  if (options.batchSize <= 0)
    return errors::InvalidArgument("batch_size must be > 0, got ",
                                   options.batchSize);
  if (options.numThreads <= 0)
    return errors::InvalidArgument("num_threads must be > 0, got ",
                                   options.numThreads);
  if (!options.dynamicPad)
    for (const TensorShape &s : options.shapes)
      for (int64_t d : s.dims())
        if (d < 0)
          return errors::InvalidArgument("All shapes must be fully defined: ",
                                         s.toString());
  if (options.shuffle) {
    if (options.dynamicPad)
      return errors::InvalidArgument(
          "shuffle_batch does not support dynamic_pad");
    if (options.capacity <= options.minAfterDequeue)
      return errors::InvalidArgument("capacity ", options.capacity,
                                     " must be bigger than min_after_dequeue ",
                                     options.minAfterDequeue, ".");
  }

  QueueOptions q;
  q.componentTypes = options.types;
  q.shapes = options.shapes;
  q.capacity = options.capacity;
  q.minAfterDequeue = options.minAfterDequeue;
  q.seed = options.seed;
  q.seed2 = options.seed2;
  BatchQueue probe(options, nullptr);
  std::string node = probe.queueNodeName();
  q.name = options.sharedName.empty() ? "_0_" + node : options.sharedName;
  std::shared_ptr<Queue> queue;
  if (options.shuffle) {
    auto r = RandomShuffleQueue::create(q);
    if (!r.ok())
      return r.status();
    queue = *r;
  } else if (options.dynamicPad) {
    auto r = PaddingFIFOQueue::create(q);
    if (!r.ok())
      return r.status();
    queue = *r;
  } else {
    auto r = FIFOQueue::create(q);
    if (!r.ok())
      return r.status();
    queue = *r;
  }
  KILN_RETURN_IF_ERROR(state.addResource(node, queue));
  return std::unique_ptr<BatchQueue>(
      new BatchQueue(std::move(options), std::move(queue)));
}

std::string BatchQueue::queueNodeName() const {
  const char *kind = options_.shuffle      ? "random_shuffle_queue"
                     : options_.dynamicPad ? "padding_fifo_queue"
                                           : "fifo_queue";
  return options_.name + "/" + kind;
}

std::string BatchQueue::enqueueOpName() const {
  // Method op names use the last path component of the queue's name.
  std::string node = queueNodeName();
  std::string q = node.substr(node.rfind('/') + 1);
  return node.substr(0, node.rfind('/') + 1) + q +
         (options_.enqueueMany ? "_EnqueueMany" : "_enqueue");
}

std::string BatchQueue::closeOpName() const {
  std::string node = queueNodeName();
  return node + "_Close";
}

std::string BatchQueue::cancelOpName() const { return closeOpName() + "_1"; }

Status BatchQueue::runEnqueue(const Producer &produce, RunContext *ctx) {
  StatusOr<Tuple> element = produce(ctx);
  if (!element.ok())
    return element.status();
  return options_.enqueueMany ? queue_->enqueueMany(*element, ctx)
                              : queue_->enqueue(*element, ctx);
}

Status BatchQueue::dequeue(Tuple *batch, RunContext *ctx) {
  return options_.allowSmallerFinalBatch
             ? queue_->dequeueUpTo(options_.batchSize, batch, ctx)
             : queue_->dequeueMany(options_.batchSize, batch, ctx);
}

void BatchQueue::registerOps(OpTable &ops, Producer produce) {
  ops.add(enqueueOpName(), [this, produce](RunContext *ctx) {
    return runEnqueue(produce, ctx);
  });
  ops.add(closeOpName(),
          [this](RunContext *ctx) { return queue_->close(false, ctx); });
  ops.add(cancelOpName(),
          [this](RunContext *ctx) { return queue_->close(true, ctx); });
}

QueueRunnerSpec BatchQueue::runnerSpec() const {
  QueueRunnerSpec spec;
  spec.queueName = queueNodeName();
  spec.enqueueOpNames.assign(static_cast<size_t>(options_.numThreads),
                             enqueueOpName());
  spec.closeOpName = closeOpName();
  spec.cancelOpName = cancelOpName();
  return spec;
}

} // namespace kiln
