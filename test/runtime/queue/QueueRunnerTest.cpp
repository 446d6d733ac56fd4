//===- QueueRunnerTest.cpp - QueueRunner, Coordinator and S6 --------------===//
#include "kiln/runtime/QueueRunner.h"
#include "kiln/runtime/Coordinator.h"
#include "kiln/runtime/SessionState.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

using namespace kiln;

namespace {

/// A session whose ops are lambdas.
class LambdaSession : public OpRunner {
public:
  std::map<std::string, std::function<Status(RunContext *)>> ops;
  Status runOp(const std::string &name, RunContext *ctx) override {
    auto it = ops.find(name);
    if (it == ops.end())
      return errors::NotFound("no op ", name);
    {
      std::lock_guard<std::mutex> lock(mu);
      ++counts[name];
    }
    return it->second(ctx);
  }
  int runs(const std::string &name) {
    std::lock_guard<std::mutex> lock(mu);
    return counts[name];
  }

private:
  std::mutex mu;
  std::map<std::string, int> counts;
};

} // namespace

// S6: q = FIFOQueue(1000); counter = Variable(0.0);
// QueueRunner(q, [assign_add(counter, 1), q.enqueue(counter)]); the main
// thread dequeues 10 values, then request_stop + join.
TEST(QueueRunner, ScenarioS6) {
  SessionState state;
  QueueOptions o;
  o.name = "fifo_queue";
  o.componentTypes = {DType::kFloat};
  o.capacity = 1000;
  ASSERT_TRUE(state.addResource("fifo_queue", *FIFOQueue::create(o)).ok());
  Variable *counter = *state.createVariable("Variable", DType::kFloat);
  Queue *q = *state.queue("fifo_queue");
  ASSERT_TRUE(counter->assign(Tensor::scalar<float>(0)).ok());

  LambdaSession sess;
  sess.ops["AssignAdd"] = [&](RunContext *) {
    return counter->assignAdd(Tensor::scalar<float>(1));
  };
  sess.ops["fifo_queue_enqueue"] = [&](RunContext *ctx) {
    StatusOr<Tensor> v = counter->read();
    if (!v.ok())
      return v.status();
    return q->enqueue({*v}, ctx);
  };
  sess.ops["fifo_queue_Close"] = [&](RunContext *ctx) {
    return q->close(false, ctx);
  };
  sess.ops["fifo_queue_Close_1"] = [&](RunContext *ctx) {
    return q->close(true, ctx);
  };
  QueueRunner qr({"fifo_queue",
                  {"AssignAdd", "fifo_queue_enqueue"},
                  "fifo_queue_Close",
                  "fifo_queue_Close_1",
                  {}});
  Coordinator coord;
  std::vector<ThreadHandle> threads =
      qr.createThreads(&sess, &coord, /*start=*/true);
  ASSERT_EQ(threads.size(), 3u);
  EXPECT_EQ(threads[0]->name(), "QueueRunnerThread-fifo_queue-AssignAdd");
  EXPECT_EQ(threads[2]->name(), "QueueRunnerThread-fifo_queue-close_on_stop");
  // Threads already running for this session: nothing new.
  EXPECT_TRUE(qr.createThreads(&sess, &coord, true).empty());

  std::vector<float> values;
  for (int i = 0; i < 10; ++i) {
    Tuple x;
    Status s = q->dequeue(&x);
    if (s.code() == Code::kOutOfRange)
      break;
    ASSERT_TRUE(s.ok()) << s;
    values.push_back(*x[0].data<float>());
  }
  ASSERT_EQ(values.size(), 10u);
  for (size_t i = 1; i < values.size(); ++i)
    EXPECT_LE(values[i - 1], values[i]);
  EXPECT_GE(values.front(), 0.f);
  coord.requestStop();
  Status joined = coord.join(threads, /*stopGracePeriodSecs=*/10);
  EXPECT_TRUE(joined.ok()) << joined;
  for (const ThreadHandle &t : threads)
    EXPECT_FALSE(t->isAlive());
  // The close_on_stop thread ran the cancel op: the queue is closed.
  EXPECT_TRUE(q->isClosed());
  EXPECT_EQ(sess.runs("fifo_queue_Close_1"), 1);
  // Once closed and drained, a dequeue ends the main loop with OutOfRange.
  Tuple x;
  Status s;
  while ((s = q->dequeue(&x)).ok()) {
  }
  EXPECT_EQ(s.code(), Code::kOutOfRange);
  // Threads finished: this session may start them again.
  EXPECT_EQ(qr.createThreads(&sess, nullptr, false).size(), 2u);
}

TEST(QueueRunner, LastThreadToSeeClosedRunsCloseOp) {
  // Three enqueue threads (one op repeated) feed a queue of 5 items from a
  // source that runs dry; only the last one to see OutOfRange closes.
  std::atomic<int> source{0};
  std::atomic<int> closes{0};
  LambdaSession sess;
  sess.ops["enqueue"] = [&](RunContext *) -> Status {
    if (source.fetch_add(1) >= 5)
      return errors::OutOfRange("source exhausted");
    return Status::OK();
  };
  sess.ops["close"] = [&](RunContext *) {
    closes.fetch_add(1);
    return Status::OK();
  };
  sess.ops["cancel"] = [&](RunContext *) { return Status::OK(); };
  QueueRunner qr(
      {"q", {"enqueue", "enqueue", "enqueue"}, "close", "cancel", {}});
  Coordinator coord;
  auto threads = qr.createThreads(&sess, &coord, true);
  ASSERT_EQ(threads.size(), 4u);
  // The enqueue threads end on their own; only close_on_stop waits.
  while (threads[0]->isAlive() || threads[1]->isAlive() ||
         threads[2]->isAlive())
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(closes.load(), 1);
  EXPECT_TRUE(threads[3]->isAlive());
  EXPECT_FALSE(coord.shouldStop()); // OutOfRange is not reported
  coord.requestStop();
  EXPECT_TRUE(coord.join().ok());
  EXPECT_EQ(sess.runs("cancel"), 1);
}

TEST(QueueRunner, CustomClosedCodesAndOtherErrorsGoToCoordinator) {
  LambdaSession sess;
  std::atomic<int> n{0};
  sess.ops["enq_a"] = [&](RunContext *) -> Status {
    return n.fetch_add(1) < 3 ? Status::OK()
                              : errors::Cancelled("closed, cancel style");
  };
  sess.ops["enq_b"] = [&](RunContext *) -> Status {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return errors::InvalidArgument("bad record");
  };
  sess.ops["close"] = [&](RunContext *) { return Status::OK(); };
  sess.ops["cancel"] = [&](RunContext *) { return Status::OK(); };
  QueueRunner qr(
      {"q", {"enq_a", "enq_b"}, "close", "cancel", {Code::kCancelled}});
  Coordinator coord;
  auto threads = qr.createThreads(&sess, &coord, true);
  Status s = coord.join(threads, 5);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "bad record");
  EXPECT_TRUE(coord.shouldStop());
}

TEST(QueueRunner, WithoutCoordinatorErrorsAreCollected) {
  LambdaSession sess;
  sess.ops["enq"] = [&](RunContext *) -> Status {
    return errors::DataLoss("corrupted record");
  };
  QueueRunner qr({"q", {"enq"}, "", "", {}});
  auto threads = qr.createThreads(&sess, nullptr, true);
  ASSERT_EQ(threads.size(), 1u);
  threads[0]->join();
  ASSERT_EQ(qr.exceptionsRaised().size(), 1u);
  EXPECT_EQ(qr.exceptionsRaised()[0].code(), Code::kDataLoss);
}

TEST(Coordinator, FirstErrorWinsAndCleanStopsAreIgnored) {
  Coordinator coord;
  EXPECT_FALSE(coord.shouldStop());
  coord.requestStop(errors::OutOfRange("done"));
  EXPECT_TRUE(coord.shouldStop());
  EXPECT_TRUE(coord.requestedError().ok());
  coord.clearStop();
  EXPECT_FALSE(coord.shouldStop());
  coord.requestStop(errors::Internal("first"));
  coord.requestStop(errors::Internal("second"));
  EXPECT_EQ(coord.requestedError().message(), "first");
  Status s = coord.join();
  EXPECT_EQ(s.message(), "first");
  EXPECT_TRUE(coord.joined());
  coord.requestStop(errors::Internal("late"));
  EXPECT_EQ(coord.lateError().message(), "late");
}

TEST(Coordinator, WaitForStopTimesOut) {
  Coordinator coord;
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(coord.waitForStop(0.05));
  EXPECT_GE(std::chrono::steady_clock::now() - t0,
            std::chrono::milliseconds(50));
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    coord.requestStop();
  });
  EXPECT_TRUE(coord.waitForStop());
  t.join();
}

TEST(Coordinator, JoinReportsThreadsStillRunning) {
  Coordinator coord;
  std::atomic<bool> release{false};
  auto stubborn = std::make_shared<CoordinatedThread>("stubborn", [&] {
    while (!release.load())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  auto polite = std::make_shared<CoordinatedThread>(
      "polite", [&] { coord.waitForStop(); });
  coord.registerThread(stubborn);
  coord.registerThread(polite);
  stubborn->start();
  polite->start();
  coord.requestStop();
  while (polite->isAlive())
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto t0 = std::chrono::steady_clock::now();
  Status s = coord.join({}, /*stopGracePeriodSecs=*/0.1);
  auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(s.code(), Code::kUnknown);
  EXPECT_EQ(s.message(), "Coordinator stopped with threads still running: "
                         "stubborn");
  EXPECT_GE(elapsed, std::chrono::milliseconds(100));
  EXPECT_FALSE(polite->isAlive());
  release = true;
  stubborn->join();
}

TEST(Coordinator, JoinWaitsForThreadsWithoutStop) {
  Coordinator coord;
  auto t = std::make_shared<CoordinatedThread>("worker", [] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  });
  t->start();
  EXPECT_TRUE(coord.join({t}, 0).ok());
  EXPECT_FALSE(t->isAlive());
  EXPECT_FALSE(coord.shouldStop()); // join never requests a stop itself
}
