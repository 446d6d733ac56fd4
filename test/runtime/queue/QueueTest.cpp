//===- QueueTest.cpp - Queue semantics, S4/S5 and bad input ---------------===//
#include "kiln/runtime/Queue.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

using namespace kiln;

namespace {

Tuple scalar(float v) { return {Tensor::scalar<float>(v)}; }
float value(const Tuple &t) { return *t[0].data<float>(); }

// Waits (up to 10 s) until `cond` holds; used to know a thread is blocked.
template <typename F> bool waitFor(F cond) {
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!cond()) {
    if (std::chrono::steady_clock::now() > end)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

std::shared_ptr<FIFOQueue> fifo(int64_t capacity,
                                std::vector<TensorShape> shapes = {},
                                std::string name = "fifo_queue") {
  QueueOptions o;
  o.name = std::move(name);
  o.componentTypes = {DType::kFloat};
  o.shapes = std::move(shapes);
  o.capacity = capacity;
  auto q = FIFOQueue::create(o);
  EXPECT_TRUE(q.ok()) << q.status();
  return *q;
}

} // namespace

// S4: q = FIFOQueue(3, "float"); enqueue_many([0.1, 0.2, 0.3]); then twice
// x = dequeue; enqueue(x + 1); the queue then yields 0.3, 1.1, 1.2.
TEST(Queue, ScenarioS4Fifo) {
  auto q = fifo(3);
  ASSERT_TRUE(q->enqueueMany({Tensor::vector<float>({0.1f, 0.2f, 0.3f})}).ok());
  for (int i = 0; i < 2; ++i) {
    Tuple x;
    ASSERT_TRUE(q->dequeue(&x).ok());
    ASSERT_TRUE(q->enqueue(scalar(value(x) + 1)).ok());
  }
  ASSERT_EQ(q->size(), 3);
  std::vector<std::string> printed;
  for (int n = q->size(), i = 0; i < n; ++i) {
    Tuple x;
    ASSERT_TRUE(q->dequeue(&x).ok());
    printed.push_back(x[0].debugString());
  }
  EXPECT_EQ(printed, (std::vector<std::string>{"0.3", "1.1", "1.2"}));
}

// S5: RandomShuffleQueue(capacity=10, min_after_dequeue=2): 8 of the 10
// values come out, in some order; the 9th dequeue blocks until the run's
// deadline and fails DeadlineExceeded.
TEST(Queue, ScenarioS5ShuffleAndTimeout) {
  QueueOptions o;
  o.name = "random_shuffle_queue";
  o.componentTypes = {DType::kFloat};
  o.capacity = 10;
  o.minAfterDequeue = 2;
  auto q = RandomShuffleQueue::create(o);
  ASSERT_TRUE(q.ok()) << q.status();
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE((*q)->enqueue(scalar(static_cast<float>(i))).ok());
  std::set<float> seen;
  std::vector<float> order;
  for (int i = 0; i < 8; ++i) {
    Tuple x;
    ASSERT_TRUE((*q)->dequeue(&x).ok());
    float v = value(x);
    EXPECT_GE(v, 0);
    EXPECT_LE(v, 9);
    EXPECT_EQ(v, static_cast<int>(v));
    seen.insert(v);
    order.push_back(v);
  }
  EXPECT_EQ(seen.size(), 8u);
  EXPECT_EQ((*q)->size(), 2);

  RunContext ctx(/*timeoutMs=*/100);
  auto t0 = std::chrono::steady_clock::now();
  Tuple x;
  Status s = (*q)->dequeue(&x, &ctx);
  auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(s.code(), Code::kDeadlineExceeded) << s;
  EXPECT_EQ(s.message(), "Timed out waiting for notification");
  EXPECT_GE(elapsed, std::chrono::milliseconds(100));
  // The timed-out attempt leaves the queue as it was.
  EXPECT_EQ((*q)->size(), 2);
  // A full queue blocks enqueue the same way.
  for (int i = 0; i < 8; ++i)
    ASSERT_TRUE((*q)->enqueue(scalar(10.f + i)).ok());
  RunContext ctx2(50);
  EXPECT_EQ((*q)->enqueue(scalar(99), &ctx2).code(), Code::kDeadlineExceeded);
}

TEST(Queue, ShuffleOrderIsSeededAndReproducible) {
  auto run = [](int64_t seed, int64_t seed2) {
    QueueOptions o;
    o.name = "q";
    o.componentTypes = {DType::kInt32};
    o.capacity = 100;
    o.seed = seed;
    o.seed2 = seed2;
    auto q = *RandomShuffleQueue::create(o);
    for (int i = 0; i < 50; ++i)
      EXPECT_TRUE(q->enqueue({Tensor::scalar<int32_t>(i)}).ok());
    std::vector<int> out;
    Tuple t;
    while (q->size() > 0) {
      EXPECT_TRUE(q->dequeue(&t).ok());
      out.push_back(*t[0].data<int32_t>());
    }
    return out;
  };
  std::vector<int> a = run(42, 7), b = run(42, 7), c = run(42, 8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  std::vector<int> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 50; ++i)
    EXPECT_EQ(sorted[i], i);
  std::vector<int> identity(sorted);
  EXPECT_NE(a, identity);
  // The first pick is philox(seed, seed2)'s first lane modulo the size.
  random::PhiloxRandom g(42, 7);
  EXPECT_EQ(a[0], static_cast<int>(g()[0] % 50));
}

TEST(Queue, ClosedQueueMessages) {
  auto q = fifo(5, {}, "_0_input_producer");
  ASSERT_TRUE(q->enqueue(scalar(1)).ok());
  ASSERT_TRUE(q->close().ok());
  EXPECT_TRUE(q->isClosed());
  Status s = q->enqueue(scalar(2));
  EXPECT_EQ(s.code(), Code::kCancelled);
  EXPECT_EQ(s.message(), "FIFOQueue '_0_input_producer' is closed.");
  Tuple x;
  ASSERT_TRUE(q->dequeue(&x).ok());
  EXPECT_EQ(value(x), 1);
  s = q->dequeue(&x);
  EXPECT_EQ(s.code(), Code::kOutOfRange);
  EXPECT_EQ(s.message(), "FIFOQueue '_0_input_producer' is closed and has "
                         "insufficient elements (requested 1, current size 0)");
  s = q->close();
  EXPECT_EQ(s.code(), Code::kCancelled);
  EXPECT_EQ(s.message(), "Queue '_0_input_producer' is already closed.");
}

TEST(Queue, DequeueManyAndUpToAfterClose) {
  auto q = fifo(10, {TensorShape{}});
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(q->enqueue(scalar(static_cast<float>(i))).ok());
  ASSERT_TRUE(q->close().ok());
  Tuple b;
  Status s = q->dequeueMany(5, &b);
  EXPECT_EQ(s.code(), Code::kOutOfRange);
  EXPECT_EQ(s.message(), "FIFOQueue 'fifo_queue' is closed and has "
                         "insufficient elements (requested 5, current size 3)");
  EXPECT_EQ(q->size(), 3);
  ASSERT_TRUE(q->dequeueUpTo(5, &b).ok());
  EXPECT_EQ(b[0].debugString(), "[0. 1. 2.]");
  EXPECT_EQ(q->dequeueUpTo(5, &b).code(), Code::kOutOfRange);
}

TEST(Queue, PartialBatchIsHeldAndPutBackAtFront) {
  auto q = fifo(10, {TensorShape{}});
  ASSERT_TRUE(q->enqueue(scalar(1)).ok());
  ASSERT_TRUE(q->enqueue(scalar(2)).ok());
  Status s;
  Tuple b;
  std::thread consumer([&] { s = q->dequeueMany(4, &b); });
  // The blocked DequeueMany takes the two elements into its batch.
  ASSERT_TRUE(waitFor([&] { return q->numPendingDequeues() == 1; }));
  EXPECT_EQ(q->size(), 0);
  ASSERT_TRUE(q->enqueue(scalar(3)).ok());
  while (q->size() != 0)
    std::this_thread::yield();
  ASSERT_TRUE(q->close().ok());
  consumer.join();
  EXPECT_EQ(s.code(), Code::kOutOfRange);
  // TF reports the rows still wanted and the size before the put-back.
  EXPECT_EQ(s.message(), "FIFOQueue 'fifo_queue' is closed and has "
                         "insufficient elements (requested 1, current size 0)");
  Tuple all;
  ASSERT_TRUE(q->dequeueUpTo(10, &all).ok());
  EXPECT_EQ(all[0].debugString(), "[1. 2. 3.]");
}

TEST(Queue, DequeueManyLargerThanCapacityFillsOneByOne) {
  // TF has no n <= capacity rule: a blocked DequeueMany takes rows as they
  // come, which frees room for more.
  auto q = fifo(2, {TensorShape{2}});
  Tuple b;
  Status s;
  std::thread consumer([&] { s = q->dequeueMany(5, &b); });
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(
        q->enqueue({Tensor::vector<float>({float(i), -float(i)})}).ok());
  consumer.join();
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(b[0].shape(), (TensorShape{5, 2}));
  EXPECT_EQ(b[0].debugString(),
            "[[ 0. -0.]\n [ 1. -1.]\n [ 2. -2.]\n [ 3. -3.]\n [ 4. -4.]]");
  // Closed with fewer than n: OutOfRange naming n and the size.
  ASSERT_TRUE(q->enqueue({Tensor::vector<float>({7, 7})}).ok());
  ASSERT_TRUE(q->close().ok());
  s = q->dequeueMany(3, &b);
  EXPECT_EQ(s.code(), Code::kOutOfRange);
  EXPECT_EQ(s.message(), "FIFOQueue 'fifo_queue' is closed and has "
                         "insufficient elements (requested 3, current size 1)");
}

TEST(Queue, CloseWaitsBehindPendingEnqueues) {
  auto q = fifo(1);
  ASSERT_TRUE(q->enqueue(scalar(1)).ok());
  Status enq, cls;
  std::thread producer([&] { enq = q->enqueue(scalar(2)); });
  ASSERT_TRUE(waitFor([&] { return q->numPendingEnqueues() == 1; }));
  std::thread closer([&] { cls = q->close(); });
  // The close is queued behind the blocked enqueue.
  ASSERT_TRUE(waitFor([&] { return q->numPendingEnqueues() == 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(q->isClosed());
  Tuple x;
  ASSERT_TRUE(q->dequeue(&x).ok());
  producer.join();
  closer.join();
  EXPECT_TRUE(enq.ok()) << enq;
  EXPECT_TRUE(cls.ok()) << cls;
  EXPECT_TRUE(q->isClosed());
  ASSERT_TRUE(q->dequeue(&x).ok());
  EXPECT_EQ(value(x), 2);
}

TEST(Queue, CloseWithCancelFailsPendingEnqueues) {
  auto q = fifo(1);
  ASSERT_TRUE(q->enqueue(scalar(1)).ok());
  Status enq;
  std::thread producer([&] { enq = q->enqueue(scalar(2)); });
  ASSERT_TRUE(waitFor([&] { return q->numPendingEnqueues() == 1; }));
  ASSERT_TRUE(q->close(/*cancelPendingEnqueues=*/true).ok());
  producer.join();
  EXPECT_EQ(enq.code(), Code::kCancelled);
  EXPECT_EQ(enq.message(), "Enqueue operation was cancelled");
  EXPECT_EQ(q->size(), 1);
}

TEST(Queue, CloseWakesBlockedDequeue) {
  auto q = fifo(3);
  Status s;
  Tuple x;
  std::thread consumer([&] { s = q->dequeue(&x); });
  ASSERT_TRUE(waitFor([&] { return q->numPendingDequeues() == 1; }));
  ASSERT_TRUE(q->close().ok());
  consumer.join();
  EXPECT_EQ(s.code(), Code::kOutOfRange);
}

TEST(Queue, RunCancellationWakesBlockedCalls) {
  auto q = fifo(3);
  RunContext ctx;
  Status s;
  Tuple x;
  std::thread consumer([&] { s = q->dequeue(&x, &ctx); });
  ASSERT_TRUE(waitFor([&] { return q->numPendingDequeues() == 1; }));
  ctx.cancellation().startCancel();
  consumer.join();
  EXPECT_EQ(s.code(), Code::kCancelled);
  EXPECT_EQ(s.message(), "Dequeue operation was cancelled");
  // A cancelled run fails at once, even where it would not block.
  ASSERT_TRUE(q->enqueue(scalar(1)).ok());
  EXPECT_EQ(q->dequeue(&x, &ctx).message(), "Dequeue operation was cancelled");
  EXPECT_EQ(q->enqueue(scalar(1), &ctx).message(),
            "Enqueue operation was cancelled");
  EXPECT_EQ(q->size(), 1);
}

TEST(Queue, DeadlineCancelsTheRestOfTheRun) {
  auto q = fifo(3);
  RunContext ctx(60);
  Status other;
  Tuple y;
  // Another op of the same run blocked without its own timeout.
  auto q2 = fifo(3, {}, "other");
  std::thread t([&] { other = q2->dequeue(&y, &ctx); });
  Tuple x;
  Status s = q->dequeue(&x, &ctx);
  t.join();
  EXPECT_EQ(s.code(), Code::kDeadlineExceeded);
  // Whichever op times out first cancels the other; both report the run's
  // first error, the deadline, as TF's Session.run does.
  EXPECT_EQ(other.code(), Code::kDeadlineExceeded) << other;
  EXPECT_EQ(ctx.status().toString(),
            "DeadlineExceeded: Timed out waiting for notification");
}

TEST(Queue, MultiComponentEnqueueMany) {
  QueueOptions o;
  o.name = "q";
  o.componentTypes = {DType::kInt32, DType::kString};
  o.shapes = {TensorShape{2}, TensorShape{}};
  auto q = *FIFOQueue::create(o);
  EXPECT_EQ(q->capacity(), Queue::kUnbounded);
  Tensor ints =
      Tensor::fromVector<int32_t>({1, 2, 3, 4, 5, 6}, TensorShape{3, 2});
  Tensor strs = Tensor::fromVector<std::string>({"a", "bb", "ccc"});
  ASSERT_TRUE(q->enqueueMany({ints, strs}).ok());
  Tuple e;
  ASSERT_TRUE(q->dequeue(&e).ok());
  EXPECT_EQ(e[0].debugString(), "[1 2]");
  EXPECT_EQ(e[1].debugString(), "b'a'");
  Tuple b;
  ASSERT_TRUE(q->dequeueMany(2, &b).ok());
  EXPECT_EQ(b[0].debugString(), "[[3 4]\n [5 6]]");
  EXPECT_EQ(b[1].debugString(), "[b'bb' b'ccc']");
  ASSERT_TRUE(q->dequeueMany(0, &b).ok());
  EXPECT_EQ(b[0].shape(), (TensorShape{0, 2}));
  // An empty batch completes at once, even on a closed queue.
  ASSERT_TRUE(q->close().ok());
  EXPECT_TRUE(q->enqueueMany({Tensor(DType::kInt32, TensorShape{0, 2}),
                              Tensor(DType::kString, TensorShape{0})})
                  .ok());
}

TEST(Queue, PaddingFifoPadsUnknownDims) {
  QueueOptions o;
  o.name = "padding_fifo_queue";
  o.componentTypes = {DType::kInt32};
  o.shapes = {TensorShape{-1, 2}};
  auto q = *PaddingFIFOQueue::create(o);
  ASSERT_TRUE(q->enqueue({Tensor::fromVector<int32_t>({1, 2}, {1, 2})}).ok());
  ASSERT_TRUE(
      q->enqueue({Tensor::fromVector<int32_t>({3, 4, 5, 6, 7, 8}, {3, 2})})
          .ok());
  Status s = q->enqueue({Tensor::fromVector<int32_t>({1, 2, 3}, {1, 3})});
  EXPECT_EQ(s.message(),
            "Shape mismatch in tuple component 0. Expected [?,2], got [1,3]");
  Tuple b;
  ASSERT_TRUE(q->dequeueMany(2, &b).ok());
  EXPECT_EQ(b[0].shape(), (TensorShape{2, 3, 2}));
  // NumPy separates the 2-D blocks of a 3-D array by a blank line.
  EXPECT_EQ(b[0].debugString(),
            "[[[1 2]\n  [0 0]\n  [0 0]]\n\n [[3 4]\n  [5 6]\n  [7 8]]]");
  ASSERT_TRUE(q->close().ok());
  // Single ops use FIFOQueue's wording, DequeueMany its own (as in TF).
  EXPECT_EQ(q->dequeue(&b).message(),
            "FIFOQueue 'padding_fifo_queue' is closed and has insufficient "
            "elements (requested 1, current size 0)");
  EXPECT_EQ(q->dequeueMany(2, &b).message(),
            "PaddingFIFOQueue 'padding_fifo_queue' is closed and has "
            "insufficient elements (requested 2, current size 0)");
  o.shapes = {};
  EXPECT_EQ(PaddingFIFOQueue::create(o).status().message(),
            "Shapes must be provided for all components, but received 1 "
            "dtypes and 0 shapes.");
}

TEST(Queue, PriorityQueueSmallestFirst) {
  QueueOptions o;
  o.name = "priority_queue";
  o.componentTypes = {DType::kString};
  o.shapes = {TensorShape{}};
  auto q = *PriorityQueue::create(o);
  EXPECT_EQ(q->numComponents(), 2);
  for (auto [p, s] : std::vector<std::pair<int64_t, std::string>>{
           {5, "five"}, {-1, "minus"}, {3, "three"}})
    ASSERT_TRUE(
        q->enqueue({Tensor::scalar<int64_t>(p), Tensor::scalar<std::string>(s)})
            .ok());
  Tuple e;
  ASSERT_TRUE(q->dequeue(&e).ok());
  EXPECT_EQ(e[1].debugString(), "b'minus'");
  Tuple b;
  ASSERT_TRUE(q->dequeueMany(2, &b).ok());
  EXPECT_EQ(b[0].debugString(), "[3 5]");
  EXPECT_EQ(b[1].debugString(), "[b'three' b'five']");
  Status s = q->enqueue(
      {Tensor::scalar<int32_t>(1), Tensor::scalar<std::string>("x")});
  EXPECT_EQ(s.message(),
            "Type mismatch in tuple component 0. Expected int64, got int32");
}

// Bad input: every message is TF's, naming the component.
TEST(Queue, BadInput) {
  QueueOptions o;
  o.name = "q";
  o.componentTypes = {DType::kFloat, DType::kInt32};
  o.shapes = {TensorShape{2}, TensorShape{}};
  o.capacity = 4;
  auto q = *FIFOQueue::create(o);
  Status s =
      q->enqueue({Tensor::vector<float>({1, 2}), Tensor::scalar<float>(1)});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "Type mismatch in tuple component 1. Expected int32, got float");
  s = q->enqueue(
      {Tensor::vector<float>({1, 2, 3}), Tensor::scalar<int32_t>(1)});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "Shape mismatch in tuple component 0. Expected [2], got [3]");
  s = q->enqueue({Tensor::vector<float>({1, 2})});
  EXPECT_EQ(s.message(), "Wrong number of components in tuple. Expected 2, "
                         "got 1");
  s = q->enqueueMany({Tensor(DType::kFloat, TensorShape{3, 2}),
                      Tensor(DType::kInt32, TensorShape{2})});
  EXPECT_EQ(s.message(),
            "Shape mismatch in tuple component 1. Expected [3], got [2]");
  EXPECT_EQ(q->size(), 0);
  Tuple b;
  s = q->dequeueMany(-1, &b);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "DequeueManyOp requested -1 < 0 elements");
  EXPECT_EQ(q->dequeueUpTo(-2, &b).message(),
            "DequeueUpToOp requested -2 < 0 elements");

  // Without shapes, EnqueueMany needs equal batch sizes and DequeueMany is
  // refused.
  QueueOptions u = o;
  u.shapes = {};
  auto uq = *FIFOQueue::create(u);
  s = uq->enqueueMany({Tensor(DType::kFloat, TensorShape{3}),
                       Tensor(DType::kInt32, TensorShape{2})});
  EXPECT_EQ(s.message(), "All input tensors must have the same size in the 0th "
                         "dimension. Component 1 has 2, and should have 3");
  EXPECT_EQ(uq->dequeueMany(1, &b).message(),
            "FIFOQueue's DequeueMany and DequeueUpTo require the components "
            "to have specified shapes.");

  // Zero components.
  QueueOptions z;
  z.name = "empty";
  auto zq = FIFOQueue::create(z);
  EXPECT_EQ(zq.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(zq.status().message(), "Empty component types for queue empty");
  // Shapes that do not match the types.
  QueueOptions m = o;
  m.shapes = {TensorShape{}};
  EXPECT_EQ(FIFOQueue::create(m).status().message(),
            "Different number of component types.  Types: float, int32, "
            "Shapes: [[]]");
  // Negative capacity means unbounded, as in TF.
  QueueOptions n = o;
  n.capacity = -5;
  auto nq = *FIFOQueue::create(n);
  EXPECT_EQ(nq->capacity(), Queue::kUnbounded);
  for (int i = 0; i < 1000; ++i)
    ASSERT_TRUE(
        nq->enqueue({Tensor::vector<float>({1, 2}), Tensor::scalar<int32_t>(i)})
            .ok());
  EXPECT_EQ(nq->size(), 1000);
  // RandomShuffleQueue's own checks.
  QueueOptions r = o;
  r.minAfterDequeue = 4;
  EXPECT_EQ(RandomShuffleQueue::create(r).status().message(),
            "min_after_dequeue 4 must be < capacity 4");
  r.minAfterDequeue = -1;
  EXPECT_EQ(RandomShuffleQueue::create(r).status().message(),
            "min_after_dequeue -1 must be >= 0");
  // Unknown dims are for PaddingFIFOQueue only.
  QueueOptions p = o;
  p.shapes = {TensorShape{-1}, TensorShape{}};
  EXPECT_EQ(FIFOQueue::create(p).status().message(),
            "Dimension -1 must be >= 0");
}
