//===- QueueRunnerFaultTest.cpp - Failing and throwing queue-runner ops ---===//
//
// Queue runners over a real FIFOQueue whose enqueue op, in one of several
// threads, fails with an error that does not mean "queue closed" or throws
// a C++ exception, while the other threads are blocked on the full queue
// (and the main thread, in some cases, on an empty one). The coordinator
// must report the first error, every thread must end, and join must return
// within the grace period. A watchdog aborts the test binary if anything
// hangs, so a hang fails the test instead of stalling the test run.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/Coordinator.h"
#include "kiln/runtime/QueueRunner.h"
#include "kiln/runtime/SessionState.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

using namespace kiln;
using namespace std::chrono_literals;

namespace {

/// Aborts the process unless destroyed within `limit`: a hang anywhere in
/// the test fails it.
class Watchdog {
public:
  explicit Watchdog(std::chrono::seconds limit)
      : thread_([this, limit] {
          std::unique_lock<std::mutex> lock(mu_);
          if (!cv_.wait_for(lock, limit, [this] { return done_; })) {
            std::fprintf(
                stderr, "watchdog: %s still running after %llds\n",
                ::testing::UnitTest::GetInstance()->current_test_info()->name(),
                static_cast<long long>(limit.count()));
            std::abort();
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

/// A session whose ops are lambdas.
class LambdaSession : public OpRunner {
public:
  std::map<std::string, std::function<Status(RunContext *)>> ops;
  Status runOp(const std::string &name, RunContext *ctx) override {
    auto it = ops.find(name);
    if (it == ops.end())
      return errors::NotFound("no op ", name);
    return it->second(ctx);
  }
};

enum class Fault { kError, kStdException, kOtherException };

const char *faultName(Fault f) {
  switch (f) {
  case Fault::kError:
    return "Error";
  case Fault::kStdException:
    return "StdException";
  case Fault::kOtherException:
    return "OtherException";
  }
  return "?";
}

/// What the coordinator reports for `f` raised by op `op`.
Status expectedError(Fault f, const std::string &op) {
  switch (f) {
  case Fault::kError:
    return errors::Internal("record 3 is corrupt");
  case Fault::kStdException:
    return errors::Unknown("Exception in op ", op, ": parser blew up");
  case Fault::kOtherException:
    return errors::Unknown("Exception in op ", op, " (not a std::exception)");
  }
  return Status::OK();
}

/// Fails the way `f` says.
Status raise(Fault f) {
  switch (f) {
  case Fault::kError:
    return errors::Internal("record 3 is corrupt");
  case Fault::kStdException:
    throw std::runtime_error("parser blew up");
  case Fault::kOtherException:
    throw 42;
  }
  return Status::OK();
}

/// A FIFOQueue of float scalars with TF's enqueue/close/cancel ops, one
/// enqueue op per runner thread ("enqueue_<i>").
struct Pipeline {
  SessionState state;
  Queue *queue = nullptr;
  LambdaSession session;
  std::atomic<int> enqueued{0};
  std::vector<std::string> enqueueOps;

  Pipeline(int threads, int64_t capacity) {
    QueueOptions o;
    o.name = "input_queue";
    o.componentTypes = {DType::kFloat};
    o.capacity = capacity;
    auto q = FIFOQueue::create(o);
    EXPECT_TRUE(q.ok());
    EXPECT_TRUE(state.addResource("input_queue", *q).ok());
    queue = *state.queue("input_queue");
    for (int i = 0; i < threads; ++i) {
      std::string op = "enqueue_" + std::to_string(i);
      enqueueOps.push_back(op);
      session.ops[op] = [this, i](RunContext *ctx) {
        enqueued.fetch_add(1);
        return queue->enqueue({Tensor::scalar<float>(float(i))}, ctx);
      };
    }
    session.ops["input_queue_Close"] = [this](RunContext *ctx) {
      return queue->close(false, ctx);
    };
    session.ops["input_queue_Close_1"] = [this](RunContext *ctx) {
      return queue->close(true, ctx);
    };
  }

  QueueRunner runner() {
    return QueueRunner({"input_queue",
                        enqueueOps,
                        "input_queue_Close",
                        "input_queue_Close_1",
                        {}});
  }
};

/// Joins with `grace` and checks it returned in time with `want`, and that
/// every thread ended.
void joinAndCheck(Coordinator &coord, const std::vector<ThreadHandle> &threads,
                  double grace, const Status &want) {
  auto t0 = std::chrono::steady_clock::now();
  Status s = coord.join(threads, grace);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(s, want);
  EXPECT_LT(took, std::chrono::duration<double>(grace) + 2s)
      << "join took longer than the grace period";
  for (const ThreadHandle &t : threads)
    EXPECT_FALSE(t->isAlive()) << t->name() << " still running";
}

class FailingEnqueue : public ::testing::TestWithParam<std::tuple<Fault, int>> {
};

} // namespace

// Four enqueue threads fill a queue of capacity 2 and block; the thread
// `faulty` fails (or throws) on its fourth run. Its error stops the
// coordinator, the cancel op wakes the blocked threads, all end.
TEST_P(FailingEnqueue, StopsEveryThreadAndReportsTheError) {
  Watchdog watchdog(60s);
  auto [fault, faulty] = GetParam();
  Pipeline p(4, 2);
  std::string faultyOp = p.enqueueOps[faulty];
  std::atomic<int> runs{0};
  // This op must get to its failure, so it never blocks on the queue.
  p.session.ops[faultyOp] = [&, fault = fault](RunContext *) {
    std::this_thread::sleep_for(2ms);
    if (runs.fetch_add(1) == 3)
      return raise(fault);
    return Status::OK();
  };
  QueueRunner qr = p.runner();
  Coordinator coord;
  std::vector<ThreadHandle> threads =
      qr.createThreads(&p.session, &coord, true);
  ASSERT_EQ(threads.size(), 5u);
  ASSERT_TRUE(coord.waitForStop(30)) << "the failure never stopped anything";
  // The other three filled the queue and blocked, or were about to.
  EXPECT_GE(p.enqueued.load(), 2);
  joinAndCheck(coord, threads, /*grace=*/5, expectedError(fault, faultyOp));
  EXPECT_TRUE(p.queue->isClosed()); // by the cancel op
  EXPECT_GE(runs.load(), 4);
  // Ended threads free the runner for this session again.
  EXPECT_EQ(qr.createThreads(&p.session, nullptr, false).size(), 4u);
}

INSTANTIATE_TEST_SUITE_P(
    QueueRunner, FailingEnqueue,
    ::testing::Combine(::testing::Values(Fault::kError, Fault::kStdException,
                                         Fault::kOtherException),
                       ::testing::Values(0, 3)),
    [](const ::testing::TestParamInfo<std::tuple<Fault, int>> &info) {
      return std::string(faultName(std::get<0>(info.param))) + "InThread" +
             std::to_string(std::get<1>(info.param));
    });

// The main loop is blocked dequeuing from an empty queue when an enqueue
// thread fails: the cancel op closes the queue, the dequeue ends with
// OutOfRange, and join reports the error.
TEST(QueueRunnerFault, MainThreadBlockedInDequeueIsWoken) {
  Watchdog watchdog(60s);
  for (Fault fault :
       {Fault::kError, Fault::kStdException, Fault::kOtherException}) {
    SCOPED_TRACE(faultName(fault));
    Pipeline p(3, 10);
    // Nothing is ever enqueued; one thread fails after a while.
    std::atomic<int> runs{0};
    for (const std::string &op : p.enqueueOps)
      p.session.ops[op] = [&](RunContext *) -> Status {
        std::this_thread::sleep_for(1ms);
        return Status::OK();
      };
    p.session.ops[p.enqueueOps[1]] = [&, fault](RunContext *) -> Status {
      std::this_thread::sleep_for(1ms);
      if (runs.fetch_add(1) == 20)
        return raise(fault);
      return Status::OK();
    };
    QueueRunner qr = p.runner();
    Coordinator coord;
    auto threads = qr.createThreads(&p.session, &coord, true);
    Tuple x;
    Status d = p.queue->dequeue(&x);
    EXPECT_EQ(d.code(), Code::kOutOfRange) << d;
    EXPECT_TRUE(coord.shouldStop());
    joinAndCheck(coord, threads, 5, expectedError(fault, p.enqueueOps[1]));
  }
}

// Two threads fail: the one that fails first is reported; the other fails
// only once the stop was requested, and its error is dropped, as TF's
// Coordinator does.
TEST(QueueRunnerFault, FirstErrorIsReported) {
  Watchdog watchdog(60s);
  LambdaSession sess;
  Coordinator coord;
  std::atomic<int> late{0};
  sess.ops["first"] = [](RunContext *) -> Status {
    std::this_thread::sleep_for(5ms);
    return errors::DataLoss("first failure");
  };
  sess.ops["second"] = [&](RunContext *) -> Status {
    coord.waitForStop();
    late.fetch_add(1);
    throw std::runtime_error("second failure");
  };
  sess.ops["third"] = [&](RunContext *) -> Status {
    coord.waitForStop();
    late.fetch_add(1);
    return errors::Internal("third failure");
  };
  sess.ops["close"] = [](RunContext *) { return Status::OK(); };
  sess.ops["cancel"] = [](RunContext *) { return Status::OK(); };
  QueueRunner qr({"q", {"second", "first", "third"}, "close", "cancel", {}});
  auto threads = qr.createThreads(&sess, &coord, true);
  joinAndCheck(coord, threads, 5, errors::DataLoss("first failure"));
  EXPECT_EQ(late.load(), 2);
  EXPECT_EQ(coord.requestedError(), errors::DataLoss("first failure"));
}

// The close op (run by the last thread to see the queue closed) and the
// cancel op (run on stop) may throw too: the threads still end normally.
TEST(QueueRunnerFault, ThrowingCloseAndCancelOps) {
  Watchdog watchdog(60s);
  LambdaSession sess;
  std::atomic<int> n{0}, closes{0}, cancels{0};
  sess.ops["enqueue"] = [&](RunContext *) -> Status {
    return n.fetch_add(1) < 10 ? Status::OK()
                               : errors::OutOfRange("source exhausted");
  };
  sess.ops["close"] = [&](RunContext *) -> Status {
    closes.fetch_add(1);
    throw std::runtime_error("close failed");
  };
  sess.ops["cancel"] = [&](RunContext *) -> Status {
    cancels.fetch_add(1);
    throw std::logic_error("cancel failed");
  };
  QueueRunner qr({"q", {"enqueue", "enqueue"}, "close", "cancel", {}});
  Coordinator coord;
  auto threads = qr.createThreads(&sess, &coord, true);
  while (threads[0]->isAlive() || threads[1]->isAlive())
    std::this_thread::sleep_for(1ms);
  EXPECT_EQ(closes.load(), 1);
  EXPECT_FALSE(coord.shouldStop()); // running dry is a clean end
  coord.requestStop();
  joinAndCheck(coord, threads, 5, Status::OK());
  EXPECT_EQ(cancels.load(), 1);
}

// Without a coordinator the failure is collected, and the thread ends.
TEST(QueueRunnerFault, ThrowWithoutCoordinatorIsCollected) {
  Watchdog watchdog(60s);
  LambdaSession sess;
  sess.ops["enqueue"] = [](RunContext *) -> Status {
    throw std::runtime_error("boom");
  };
  QueueRunner qr({"q", {"enqueue"}, "", "", {}});
  auto threads = qr.createThreads(&sess, nullptr, true);
  threads[0]->join();
  EXPECT_FALSE(threads[0]->isAlive());
  ASSERT_EQ(qr.exceptionsRaised().size(), 1u);
  EXPECT_EQ(qr.exceptionsRaised()[0],
            errors::Unknown("Exception in op enqueue: boom"));
}

// An op stuck for good (ignoring cancellation) cannot be stopped, but join
// still returns the first error once the grace period is over.
TEST(QueueRunnerFault, StuckThreadDoesNotHoldUpJoin) {
  Watchdog watchdog(60s);
  LambdaSession sess;
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  bool entered = false;
  sess.ops["stuck"] = [&](RunContext *) -> Status {
    std::unique_lock<std::mutex> lock(mu);
    entered = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    return Status::OK();
  };
  // Fails only once the other thread is inside its op: failing first would
  // stop the coordinator before that thread ever ran it.
  sess.ops["failing"] = [&](RunContext *) -> Status {
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return entered; });
    }
    throw std::runtime_error("bad input");
  };
  sess.ops["close"] = [](RunContext *) { return Status::OK(); };
  sess.ops["cancel"] = [](RunContext *) { return Status::OK(); };
  QueueRunner qr({"q", {"stuck", "failing"}, "close", "cancel", {}});
  auto coord = std::make_unique<Coordinator>();
  auto threads = qr.createThreads(&sess, coord.get(), true);
  auto t0 = std::chrono::steady_clock::now();
  Status s = coord->join(threads, /*stopGracePeriodSecs=*/0.2);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(s, errors::Unknown("Exception in op failing: bad input"));
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 5s);
  EXPECT_TRUE(threads[0]->isAlive());
  EXPECT_FALSE(threads[1]->isAlive());
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  coord.reset(); // joins the straggler
  EXPECT_FALSE(threads[0]->isAlive());
}

TEST(CoordinatorFault, StopOnErrorCatchesExceptions) {
  Coordinator coord;
  coord.stopOnError([]() -> Status { throw std::runtime_error("oops"); });
  EXPECT_TRUE(coord.shouldStop());
  EXPECT_EQ(coord.requestedError(), errors::Unknown("oops"));
  Coordinator other;
  other.stopOnError([]() -> Status { throw std::bad_alloc(); });
  EXPECT_EQ(other.requestedError().code(), Code::kResourceExhausted);
}

TEST(CoordinatorFault, ThrowingThreadEndsWithoutTakingTheProcessDown) {
  Watchdog watchdog(60s);
  Coordinator coord;
  auto t = std::make_shared<CoordinatedThread>(
      "thrower", [] { throw std::runtime_error("uncaught"); });
  coord.registerThread(t);
  t->start();
  EXPECT_TRUE(coord.join({}, 5).ok());
  EXPECT_FALSE(t->isAlive());
}
