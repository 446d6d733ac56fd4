//===- QueueRunner.h - tf.train.QueueRunner over named ops ------*- C++ -*-===//
//
// A QueueRunner knows its ops only by name and runs them through an
// OpRunner (a compiled session, or a test double), so it needs no graph.
// Thread behaviour follows python/training/queue_runner_impl.py exactly
// (tf-formats.md section 6).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_QUEUERUNNER_H
#define KILN_RUNTIME_QUEUERUNNER_H

#include "kiln/runtime/Coordinator.h"
#include "kiln/runtime/RunContext.h"
#include "kiln/runtime/Status.h"

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace kiln {

/// Something that can run a graph op (with its inputs) by node name: the
/// equivalent of Session.run(op). Must be safe to call from many threads.
class OpRunner {
public:
  virtual ~OpRunner() = default;
  virtual Status runOp(const std::string &opName, RunContext *ctx) = 0;
};

/// The contents of a QueueRunnerDef.
struct QueueRunnerSpec {
  std::string queueName;
  /// One thread per entry; an op may be repeated.
  std::vector<std::string> enqueueOpNames;
  std::string closeOpName;
  std::string cancelOpName;
  /// Codes that mean "the queue was closed"; empty means {OutOfRange}, as
  /// when TF loads a QueueRunnerDef.
  std::vector<Code> queueClosedExceptionTypes;
};

class QueueRunner {
public:
  explicit QueueRunner(QueueRunnerSpec spec);
  ~QueueRunner();

  const QueueRunnerSpec &spec() const { return spec_; }
  const std::string &name() const { return spec_.queueName; }

  /// create_threads: one thread per enqueue op plus, with a coordinator, a
  /// close_on_stop thread that runs the cancel op once a stop is requested.
  /// An enqueue op that fails with an error other than the queue-closed
  /// ones, or throws a C++ exception (reported as Unknown "Exception in op
  /// <op>: <what>"), stops the coordinator with that error; the cancel op
  /// then wakes the threads blocked on the queue, so all of them end.
  /// Returns no threads when threads of this runner still run for
  /// `session`. Threads are registered with `coord`. The threads use this
  /// runner, `session` and `coord`: all three must outlive them (join first).
  std::vector<ThreadHandle> createThreads(OpRunner *session,
                                          Coordinator *coord = nullptr,
                                          bool start = false);

  /// Errors raised by threads that ran without a coordinator.
  std::vector<Status> exceptionsRaised() const;

private:
  void run(OpRunner *session, const std::string &enqueueOp, Coordinator *coord);
  void closeOnStop(OpRunner *session, Coordinator *coord);
  bool isQueueClosed(const Status &s) const;

  QueueRunnerSpec spec_;
  mutable std::mutex mu_;
  std::map<OpRunner *, int> runsPerSession_;
  std::vector<Status> exceptionsRaised_;
};

/// start_queue_runners: starts every runner's threads for `session`.
std::vector<ThreadHandle>
startQueueRunners(const std::vector<QueueRunner *> &runners, OpRunner *session,
                  Coordinator *coord = nullptr, bool start = true);

} // namespace kiln

#endif // KILN_RUNTIME_QUEUERUNNER_H
