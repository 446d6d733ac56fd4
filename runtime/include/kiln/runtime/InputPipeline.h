//===- InputPipeline.h - Input producers and batching ----------*- C++ -*-===//
//
// The runtime halves of python/training/input.py (tf-formats.md section 7):
// the ops those Python helpers add to a graph, with TF's node names, so a
// compiled session (or a hand-assembled pipeline, see OpTable) runs them
// through QueueRunner threads exactly as TF's queue runners do:
//   - countUpTo: CountUpTo, the epoch limiter of limit_epochs;
//   - randomShuffle: RandomShuffle, the per-epoch filename shuffle;
//   - StringInputProducer: the `input_producer` FIFOQueue of file names, its
//     local `epochs` counter and its EnqueueMany/Close ops;
//   - BatchQueue: the queue behind tf.train.batch / shuffle_batch, its
//     enqueue op (listed num_threads times in its QueueRunner) and the
//     DequeueMany / DequeueUpTo (allow_smaller_final_batch) op.
// The end of data flows as in TF: CountUpTo fails with OutOfRange "Reached
// limit of N", the producer's runner closes the filename queue, readers then
// get OutOfRange from it, the batch runner's last thread closes the batch
// queue, and the final dequeue fails with OutOfRange (or returns the
// remainder with allow_smaller_final_batch).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_INPUTPIPELINE_H
#define KILN_RUNTIME_INPUTPIPELINE_H

#include "kiln/runtime/Philox.h"
#include "kiln/runtime/Queue.h"
#include "kiln/runtime/QueueRunner.h"
#include "kiln/runtime/SessionState.h"
#include "kiln/runtime/Status.h"
#include "kiln/runtime/Tensor.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

namespace kiln {

/// An OpRunner over ops registered as functions: what QueueRunners run when
/// a pipeline is assembled by hand (tests, tools) rather than compiled.
class OpTable : public OpRunner {
public:
  using OpFn = std::function<Status(RunContext *)>;
  /// Adds (or replaces) the op `name`.
  void add(const std::string &name, OpFn fn);
  /// NotFound "No op named <name>" for an unknown name.
  Status runOp(const std::string &opName, RunContext *ctx) override;

private:
  std::shared_mutex mu_;
  std::map<std::string, OpFn> ops_;
};

/// CountUpTo: returns the value before incrementing; OutOfRange "Reached
/// limit of <limit>" once it is >= limit. `ref` must hold an int32 or int64
/// scalar (FailedPrecondition "Attempting to use uninitialized value ..."
/// before initialization).
StatusOr<Tensor> countUpTo(Variable &ref, int64_t limit);

/// RandomShuffle: a copy of `value` with its dimension-0 slices permuted, by
/// TF's algorithm (Fisher-Yates with philox() % n) and sample reservation.
Tensor randomShuffle(const Tensor &value, random::GuardedPhiloxRandom &rng);

struct StringInputProducerOptions {
  std::vector<std::string> strings;
  /// Unset: cycle forever. Else > 0 passes over `strings`.
  std::optional<int64_t> numEpochs;
  bool shuffle = true;
  /// Op-level seeds of RandomShuffle (0, 0: random).
  int64_t seed = 0, seed2 = 0;
  int64_t capacity = 32;
  /// The name scope and queue node name.
  std::string name = "input_producer";
  /// The queue's resource name used in its error messages; empty gives TF's
  /// private name "_0_<name>".
  std::string sharedName;
};

class StringInputProducer {
public:
  /// Creates the queue (a resource of `state` named `name`) and, with
  /// numEpochs, the local variable "<name>/limit_epochs/epochs". Errors
  /// mirror the Python ValueErrors as InvalidArgument.
  static StatusOr<std::unique_ptr<StringInputProducer>>
  create(SessionState &state, StringInputProducerOptions options);

  Queue *queue() const { return queue_.get(); }
  /// Null without numEpochs.
  Variable *epochs() const { return epochs_; }

  /// What tf.local_variables_initializer() does for this producer.
  Status initializeLocalVariables();

  /// The enqueue op: shuffle, count the epoch, enqueue_many the strings.
  Status runEnqueue(RunContext *ctx = nullptr);

  /// TF's op names: "<name>/<name>_EnqueueMany", "..._Close", "..._Close_1".
  std::string enqueueOpName() const;
  std::string closeOpName() const;
  std::string cancelOpName() const;
  /// Registers the three ops in `ops`.
  void registerOps(OpTable &ops);
  /// The QueueRunnerDef TF adds to the "queue_runners" collection.
  QueueRunnerSpec runnerSpec() const;

private:
  StringInputProducer(StringInputProducerOptions options,
                      std::shared_ptr<FIFOQueue> queue, Variable *epochs);

  StringInputProducerOptions options_;
  std::shared_ptr<FIFOQueue> queue_;
  Variable *epochs_;
  Tensor strings_;
  std::unique_ptr<random::GuardedPhiloxRandom> rng_;
};

struct BatchOptions {
  std::vector<DType> types;
  /// Per-component element shapes (without the batch dimension); with
  /// enqueueMany, the shapes of one row. Must be fully defined unless
  /// dynamicPad, where -1 dims are padded.
  std::vector<TensorShape> shapes;
  int64_t batchSize = 32;
  int numThreads = 1;
  int64_t capacity = 32;
  bool enqueueMany = false;
  bool allowSmallerFinalBatch = false;
  /// tf.train.batch only: a PaddingFIFOQueue.
  bool dynamicPad = false;
  /// tf.train.shuffle_batch: a RandomShuffleQueue.
  bool shuffle = false;
  int64_t minAfterDequeue = 0;
  int64_t seed = 0, seed2 = 0;
  /// The name scope: "batch" or "shuffle_batch" by default.
  std::string name;
  std::string sharedName;
};

class BatchQueue {
public:
  /// Produces one element (or, with enqueueMany, one batch of rows): the
  /// upstream ops of the enqueue (read, parse, decode...).
  using Producer = std::function<StatusOr<Tuple>(RunContext *)>;

  static StatusOr<std::unique_ptr<BatchQueue>> create(SessionState &state,
                                                      BatchOptions options);

  Queue *queue() const { return queue_.get(); }
  const BatchOptions &options() const { return options_; }

  /// The enqueue op body: one element (or batch) from `produce`.
  Status runEnqueue(const Producer &produce, RunContext *ctx = nullptr);
  /// The dequeue op (named `name`): DequeueMany(batchSize), or DequeueUpTo
  /// with allowSmallerFinalBatch.
  Status dequeue(Tuple *batch, RunContext *ctx = nullptr);

  /// TF's names: queue "<name>/fifo_queue" ("random_shuffle_queue",
  /// "padding_fifo_queue"), enqueue "<queue>_enqueue" or
  /// "<queue>_EnqueueMany", close "<queue>_Close", cancel "<queue>_Close_1",
  /// dequeue "<name>".
  std::string queueNodeName() const;
  std::string enqueueOpName() const;
  std::string closeOpName() const;
  std::string cancelOpName() const;
  std::string dequeueOpName() const { return options_.name; }
  /// Registers the enqueue (running `produce`), close and cancel ops.
  void registerOps(OpTable &ops, Producer produce);
  /// The enqueue op listed numThreads times.
  QueueRunnerSpec runnerSpec() const;

private:
  BatchQueue(BatchOptions options, std::shared_ptr<Queue> queue)
      : options_(std::move(options)), queue_(std::move(queue)) {}

  BatchOptions options_;
  std::shared_ptr<Queue> queue_;
};

} // namespace kiln

#endif // KILN_RUNTIME_INPUTPIPELINE_H
