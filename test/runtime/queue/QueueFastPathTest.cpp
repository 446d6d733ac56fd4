//===- QueueFastPathTest.cpp - Side paths, by-value rings and spinning ----===//
//
// The FIFOQueue ring (by-value and tensor components, wrap-around, growth,
// shrinking, put-back), the lock-light side paths and the bounded spinning
// before a call queues: a close, a deadline or a cancellation that arrives
// while a caller spins, FIFO order among waiters, and idle waiters that do
// not burn CPU. Queue::setSpinTimeForTesting lengthens the spin so that a
// caller can be caught in it deterministically.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/Queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <thread>

#if defined(__SANITIZE_THREAD__)
#define KILN_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define KILN_UNDER_TSAN 1
#endif
#endif

using namespace kiln;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

template <typename F> bool waitFor(F cond) {
  auto end = Clock::now() + std::chrono::seconds(10);
  while (!cond()) {
    if (Clock::now() > end)
      return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// Sets the process-wide spin time for one test.
class SpinTime {
public:
  explicit SpinTime(std::chrono::nanoseconds t) {
    Queue::setSpinTimeForTesting(t);
  }
  ~SpinTime() { Queue::setSpinTimeForTesting(Queue::kDefaultSpinTime); }
};

bool multiCore() { return std::thread::hardware_concurrency() > 1; }

std::shared_ptr<FIFOQueue> scalarFifo(int64_t capacity,
                                      std::string name = "q") {
  QueueOptions o;
  o.name = std::move(name);
  o.componentTypes = {DType::kFloat};
  o.shapes = {TensorShape{}};
  o.capacity = capacity;
  return *FIFOQueue::create(o);
}

// Four components: two kept by value, two as tensors.
std::shared_ptr<FIFOQueue> mixedFifo(int64_t capacity) {
  QueueOptions o;
  o.name = "mixed";
  o.componentTypes = {DType::kInt32, DType::kFloat, DType::kFloat,
                      DType::kString};
  o.shapes = {TensorShape{}, TensorShape{3}, TensorShape{100}, TensorShape{}};
  o.capacity = capacity;
  return *FIFOQueue::create(o);
}

Tuple mixedElement(int v) {
  Tensor big(DType::kFloat, TensorShape{100});
  for (int i = 0; i < 100; ++i)
    big.data<float>()[i] = static_cast<float>(v * 1000 + i);
  return {Tensor::scalar<int32_t>(v),
          Tensor::fromVector<float>({float(v), float(-v), 0.5f}), big,
          Tensor::scalar<std::string>("s" + std::to_string(v))};
}

// Checks that `t` is mixedElement(v).
void expectMixed(const Tuple &t, int v) {
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(*t[0].data<int32_t>(), v);
  EXPECT_EQ(t[1].shape(), (TensorShape{3}));
  EXPECT_EQ(t[1].data<float>()[0], float(v));
  EXPECT_EQ(t[1].data<float>()[1], float(-v));
  EXPECT_EQ(t[2].data<float>()[99], float(v * 1000 + 99));
  EXPECT_EQ(*t[3].data<std::string>(), "s" + std::to_string(v));
}

// Checks row r of a mixed batch is mixedElement(v).
void expectMixedRow(const Tuple &b, int64_t r, int v) {
  EXPECT_EQ(b[0].data<int32_t>()[r], v) << "row " << r;
  EXPECT_EQ(b[1].data<float>()[r * 3 + 1], float(-v)) << "row " << r;
  EXPECT_EQ(b[2].data<float>()[r * 100 + 7], float(v * 1000 + 7))
      << "row " << r;
  EXPECT_EQ(b[3].data<std::string>()[r], "s" + std::to_string(v))
      << "row " << r;
}

bool aligned(const Tensor &t) {
  return reinterpret_cast<uintptr_t>(t.raw()) % kTensorAlignment == 0;
}

double threadCpuMs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

} // namespace

//===----------------------------------------------------------------------===//
// Storage
//===----------------------------------------------------------------------===//

TEST(QueueFastPath, SmallFixedPodComponentsAreStoredByValue) {
  auto q = mixedFifo(-1);
  EXPECT_TRUE(q->storesByValue(0));  // int32 []
  EXPECT_TRUE(q->storesByValue(1));  // float [3]
  EXPECT_FALSE(q->storesByValue(2)); // 400 bytes
  EXPECT_FALSE(q->storesByValue(3)); // strings
  QueueOptions o;
  o.name = "u";
  o.componentTypes = {DType::kFloat};
  auto unshaped = *FIFOQueue::create(o);
  EXPECT_FALSE(unshaped->storesByValue(0));
  o.shapes = {TensorShape{-1}};
  auto padding = *PaddingFIFOQueue::create(o);
  EXPECT_FALSE(padding->storesByValue(0));
}

TEST(QueueFastPath, RingWrapsGrowsAndShrinksInOrder) {
  auto q = mixedFifo(-1);
  int in = 0, out = 0;
  auto push = [&](int n) {
    for (int i = 0; i < n; ++i)
      ASSERT_TRUE(q->enqueue(mixedElement(in++)).ok());
  };
  auto pop = [&](int n) {
    for (int i = 0; i < n; ++i) {
      Tuple t;
      ASSERT_TRUE(q->dequeue(&t).ok());
      expectMixed(t, out++);
      // A by-value component comes out in a fresh aligned buffer.
      EXPECT_TRUE(aligned(t[0]));
      EXPECT_TRUE(aligned(t[1]));
    }
  };
  push(10);
  pop(7);
  push(20); // wraps, then grows from 16 to 32 slots with the head mid-ring
  EXPECT_EQ(q->ringCapacity(), 32u);
  pop(10);
  push(5000);
  EXPECT_EQ(q->ringCapacity(), 8192u);
  pop(4900);
  // A large ring halves once at most a quarter full.
  EXPECT_LE(q->ringCapacity(), 1024u);
  EXPECT_EQ(q->size(), in - out);
  pop(in - out);
  EXPECT_EQ(q->size(), 0);
}

TEST(QueueFastPath, DequeueManyAcrossTheWrap) {
  auto q = mixedFifo(16);
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(q->enqueue(mixedElement(i)).ok());
  for (int i = 0; i < 10; ++i) {
    Tuple t;
    ASSERT_TRUE(q->dequeue(&t).ok());
  }
  // Slots 10..15 then 0..5: the by-value rows are copied in two runs.
  for (int i = 10; i < 22; ++i)
    ASSERT_TRUE(q->enqueue(mixedElement(i)).ok());
  EXPECT_EQ(q->ringCapacity(), 16u);
  Tuple b;
  ASSERT_TRUE(q->dequeueMany(12, &b).ok());
  EXPECT_EQ(b[0].shape(), (TensorShape{12}));
  EXPECT_EQ(b[1].shape(), (TensorShape{12, 3}));
  EXPECT_EQ(b[2].shape(), (TensorShape{12, 100}));
  for (int r = 0; r < 12; ++r)
    expectMixedRow(b, r, 10 + r);
  for (const Tensor &t : b)
    EXPECT_TRUE(aligned(t));
  EXPECT_EQ(q->size(), 0);
}

TEST(QueueFastPath, EnqueueManyRowsAndBatchesAcrossTheWrap) {
  auto q = mixedFifo(16);
  for (int i = 0; i < 13; ++i)
    ASSERT_TRUE(q->enqueue(mixedElement(i)).ok());
  Tuple b;
  ASSERT_TRUE(q->dequeueMany(13, &b).ok());
  // EnqueueMany writes rows straight into the ring: slots 13..15, 0..5.
  const int n = 9;
  Tensor ints(DType::kInt32, TensorShape{n});
  Tensor vecs(DType::kFloat, TensorShape{n, 3});
  Tensor bigs(DType::kFloat, TensorShape{n, 100});
  Tensor strs(DType::kString, TensorShape{n});
  for (int r = 0; r < n; ++r) {
    Tuple e = mixedElement(100 + r);
    ints.copyElements(r, e[0], 0, 1);
    vecs.copyElements(r * 3, e[1], 0, 3);
    bigs.copyElements(r * 100, e[2], 0, 100);
    strs.copyElements(r, e[3], 0, 1);
  }
  ASSERT_TRUE(q->enqueueMany({ints, vecs, bigs, strs}).ok());
  Tuple one;
  ASSERT_TRUE(q->dequeue(&one).ok());
  expectMixed(one, 100);
  ASSERT_TRUE(q->dequeueMany(n - 1, &b).ok());
  for (int r = 0; r < n - 1; ++r)
    expectMixedRow(b, r, 101 + r);
  EXPECT_EQ(q->size(), 0);
}

TEST(QueueFastPath, PartialBatchPutBackAcrossTheWrap) {
  auto q = mixedFifo(16);
  for (int i = 0; i < 14; ++i)
    ASSERT_TRUE(q->enqueue(mixedElement(i)).ok());
  Tuple b;
  ASSERT_TRUE(q->dequeueMany(14, &b).ok());
  // The head is at slot 14; three elements occupy 14, 15 and 0.
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(q->enqueue(mixedElement(i)).ok());
  Status s;
  std::thread consumer([&] { s = q->dequeueMany(5, &b); });
  ASSERT_TRUE(waitFor([&] { return q->numPendingDequeues() == 1; }));
  ASSERT_TRUE(waitFor([&] { return q->size() == 0; }));
  ASSERT_TRUE(q->close().ok());
  consumer.join();
  EXPECT_EQ(s.code(), Code::kOutOfRange);
  // Put back at the front, in order, across the end of the ring.
  EXPECT_EQ(q->size(), 3);
  Tuple all;
  ASSERT_TRUE(q->dequeueUpTo(10, &all).ok());
  ASSERT_EQ(all[0].shape(), (TensorShape{3}));
  for (int r = 0; r < 3; ++r)
    expectMixedRow(all, r, r);
}

TEST(QueueFastPath, ByValueElementsDoNotAliasTheRingOrTheInput) {
  auto q = scalarFifo(4);
  Tensor in = Tensor::scalar<float>(1);
  ASSERT_TRUE(q->enqueue({in}).ok());
  *in.data<float>() = 2; // TF would share this buffer; a copy is taken here
  ASSERT_TRUE(q->enqueue({in}).ok());
  Tuple a, b;
  ASSERT_TRUE(q->dequeue(&a).ok());
  ASSERT_TRUE(q->dequeue(&b).ok());
  EXPECT_EQ(*a[0].data<float>(), 1);
  EXPECT_EQ(*b[0].data<float>(), 2);
  EXPECT_FALSE(a[0].sharesBufferWith(b[0]));
  EXPECT_FALSE(a[0].sharesBufferWith(in));
  // Refilling the slots leaves the dequeued values alone.
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(q->enqueue({Tensor::scalar<float>(9)}).ok());
  EXPECT_EQ(*a[0].data<float>(), 1);
  EXPECT_EQ(*b[0].data<float>(), 2);
}

TEST(QueueFastPath, ZeroSizedByValueComponents) {
  QueueOptions o;
  o.name = "z";
  o.componentTypes = {DType::kFloat, DType::kInt32};
  o.shapes = {TensorShape{0}, TensorShape{}};
  auto q = *FIFOQueue::create(o);
  EXPECT_TRUE(q->storesByValue(0));
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(q->enqueue({Tensor(DType::kFloat, TensorShape{0}),
                            Tensor::scalar<int32_t>(i)})
                    .ok());
  Tuple t;
  ASSERT_TRUE(q->dequeue(&t).ok());
  EXPECT_EQ(t[0].shape(), (TensorShape{0}));
  EXPECT_EQ(*t[1].data<int32_t>(), 0);
  ASSERT_TRUE(q->dequeueMany(19, &t).ok());
  EXPECT_EQ(t[0].shape(), (TensorShape{19, 0}));
  EXPECT_EQ(t[1].data<int32_t>()[18], 19);
}

//===----------------------------------------------------------------------===//
// Waiters and side paths
//===----------------------------------------------------------------------===//

TEST(QueueFastPath, QueuedWaitersAreServedInOrderBeforeAnyoneElse) {
  SpinTime noSpin(0ns);
  auto q = scalarFifo(4);
  Tuple a, b;
  Status sa, sb;
  std::thread ta([&] { sa = q->dequeue(&a); });
  ASSERT_TRUE(waitFor([&] { return q->numPendingDequeues() == 1; }));
  std::thread tb([&] { sb = q->dequeue(&b); });
  ASSERT_TRUE(waitFor([&] { return q->numPendingDequeues() == 2; }));
  // With waiters queued the side paths are shut: each enqueue goes to the
  // oldest waiter, none stays in the queue for a later caller.
  ASSERT_TRUE(q->enqueue({Tensor::scalar<float>(1)}).ok());
  ASSERT_TRUE(q->enqueue({Tensor::scalar<float>(2)}).ok());
  ta.join();
  tb.join();
  ASSERT_TRUE(sa.ok() && sb.ok());
  EXPECT_EQ(*a[0].data<float>(), 1);
  EXPECT_EQ(*b[0].data<float>(), 2);
  EXPECT_EQ(q->size(), 0);
  // Side paths reopen once nobody waits.
  ASSERT_TRUE(q->enqueue({Tensor::scalar<float>(3)}).ok());
  ASSERT_TRUE(q->dequeue(&a).ok());
  EXPECT_EQ(*a[0].data<float>(), 3);
}

TEST(QueueFastPath, DequeueFreesRoomForAQueuedProducer) {
  SpinTime noSpin(0ns);
  auto q = scalarFifo(1);
  ASSERT_TRUE(q->enqueue({Tensor::scalar<float>(1)}).ok());
  Status s;
  std::thread producer([&] { s = q->enqueue({Tensor::scalar<float>(2)}); });
  ASSERT_TRUE(waitFor([&] { return q->numPendingEnqueues() == 1; }));
  Tuple t;
  ASSERT_TRUE(q->dequeue(&t).ok());
  EXPECT_EQ(*t[0].data<float>(), 1);
  producer.join();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(q->size(), 1);
  ASSERT_TRUE(q->dequeue(&t).ok());
  EXPECT_EQ(*t[0].data<float>(), 2);
}

//===----------------------------------------------------------------------===//
// Spinning
//===----------------------------------------------------------------------===//

// A consumer caught spinning (not queued) gets an element enqueued then.
TEST(QueueFastPath, ElementArrivesWhileConsumerSpins) {
  if (!multiCore())
    GTEST_SKIP() << "no spinning on one core";
  SpinTime longSpin(10s);
  auto q = scalarFifo(4);
  Tuple t;
  Status s;
  std::atomic<bool> started{false};
  std::thread consumer([&] {
    started = true;
    s = q->dequeue(&t);
  });
  ASSERT_TRUE(waitFor([&] { return started.load(); }));
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(q->numPendingDequeues(), 0u) << "spinning, not queued";
  auto t0 = Clock::now();
  ASSERT_TRUE(q->enqueue({Tensor::scalar<float>(5)}).ok());
  consumer.join();
  EXPECT_LT(Clock::now() - t0, 5s);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(*t[0].data<float>(), 5);
}

TEST(QueueFastPath, CloseWhileConsumerSpins) {
  if (!multiCore())
    GTEST_SKIP() << "no spinning on one core";
  SpinTime longSpin(10s);
  for (bool cancelPending : {false, true}) {
    auto q = scalarFifo(4, "spun");
    Tuple t;
    Status s;
    std::atomic<bool> started{false};
    std::thread consumer([&] {
      started = true;
      s = q->dequeue(&t);
    });
    ASSERT_TRUE(waitFor([&] { return started.load(); }));
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(q->numPendingDequeues(), 0u) << "spinning, not queued";
    auto t0 = Clock::now();
    ASSERT_TRUE(q->close(cancelPending).ok());
    consumer.join();
    EXPECT_LT(Clock::now() - t0, 5s) << "the spin did not see the close";
    EXPECT_EQ(s.code(), Code::kOutOfRange);
    EXPECT_EQ(s.message(), "FIFOQueue 'spun' is closed and has insufficient "
                           "elements (requested 1, current size 0)");
  }
}

TEST(QueueFastPath, CloseWhileProducerSpinsOnAFullQueue) {
  if (!multiCore())
    GTEST_SKIP() << "no spinning on one core";
  SpinTime longSpin(10s);
  auto q = scalarFifo(1, "full");
  ASSERT_TRUE(q->enqueue({Tensor::scalar<float>(1)}).ok());
  Status s;
  std::atomic<bool> started{false};
  std::thread producer([&] {
    started = true;
    s = q->enqueue({Tensor::scalar<float>(2)});
  });
  ASSERT_TRUE(waitFor([&] { return started.load(); }));
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(q->numPendingEnqueues(), 0u) << "spinning, not queued";
  auto t0 = Clock::now();
  // Nobody is queued, so the close takes effect at once; the spinning
  // enqueue then counts as arriving after it.
  ASSERT_TRUE(q->close().ok());
  producer.join();
  EXPECT_LT(Clock::now() - t0, 5s);
  EXPECT_EQ(s.code(), Code::kCancelled);
  EXPECT_EQ(s.message(), "FIFOQueue 'full' is closed.");
  EXPECT_EQ(q->size(), 1);
}

TEST(QueueFastPath, DeadlineWhileSpinning) {
  if (!multiCore())
    GTEST_SKIP() << "no spinning on one core";
  SpinTime longSpin(10s);
  auto q = scalarFifo(4);
  RunContext ctx(/*timeoutMs=*/50);
  Tuple t;
  auto t0 = Clock::now();
  Status s = q->dequeue(&t, &ctx);
  auto elapsed = Clock::now() - t0;
  EXPECT_EQ(s.code(), Code::kDeadlineExceeded) << s;
  EXPECT_EQ(s.message(), "Timed out waiting for notification");
  EXPECT_GE(elapsed, 50ms);
  EXPECT_LT(elapsed, 5s) << "the spin ignored the deadline";
  EXPECT_EQ(ctx.status().code(), Code::kDeadlineExceeded);
  EXPECT_EQ(q->numPendingDequeues(), 0u);
  // And on a full queue.
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(q->enqueue({Tensor::scalar<float>(float(i))}).ok());
  RunContext ctx2(50);
  t0 = Clock::now();
  EXPECT_EQ(q->enqueue({Tensor::scalar<float>(9)}, &ctx2).code(),
            Code::kDeadlineExceeded);
  EXPECT_LT(Clock::now() - t0, 5s);
  EXPECT_EQ(q->size(), 4);
}

TEST(QueueFastPath, CancelWhileSpinning) {
  if (!multiCore())
    GTEST_SKIP() << "no spinning on one core";
  SpinTime longSpin(10s);
  auto q = scalarFifo(1);
  for (bool enqueue : {false, true}) {
    if (enqueue) {
      ASSERT_TRUE(q->enqueue({Tensor::scalar<float>(1)}).ok());
    }
    RunContext ctx;
    Tuple t;
    Status s;
    std::atomic<bool> started{false};
    std::thread caller([&] {
      started = true;
      s = enqueue ? q->enqueue({Tensor::scalar<float>(2)}, &ctx)
                  : q->dequeue(&t, &ctx);
    });
    ASSERT_TRUE(waitFor([&] { return started.load(); }));
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(q->numPendingDequeues() + q->numPendingEnqueues(), 0u);
    auto t0 = Clock::now();
    ctx.cancellation().startCancel();
    caller.join();
    EXPECT_LT(Clock::now() - t0, 5s) << "the spin ignored the cancellation";
    EXPECT_EQ(s.code(), Code::kCancelled);
    EXPECT_EQ(s.message(), enqueue ? "Enqueue operation was cancelled"
                                   : "Dequeue operation was cancelled");
  }
  EXPECT_EQ(q->size(), 1);
}

// RandomShuffleQueue has no side paths; its callers spin on the state
// published under the lock, min_after_dequeue included.
TEST(QueueFastPath, ShuffleQueueConsumerSpinsUntilAboveMinAfterDequeue) {
  if (!multiCore())
    GTEST_SKIP() << "no spinning on one core";
  SpinTime longSpin(10s);
  QueueOptions o;
  o.name = "shuffle";
  o.componentTypes = {DType::kFloat};
  o.capacity = 10;
  o.minAfterDequeue = 2;
  auto q = *RandomShuffleQueue::create(o);
  ASSERT_TRUE(q->enqueue({Tensor::scalar<float>(1)}).ok());
  ASSERT_TRUE(q->enqueue({Tensor::scalar<float>(2)}).ok());
  Tuple t;
  Status s;
  std::atomic<bool> started{false};
  std::thread consumer([&] {
    started = true;
    s = q->dequeue(&t);
  });
  ASSERT_TRUE(waitFor([&] { return started.load(); }));
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(q->numPendingDequeues(), 0u);
  EXPECT_EQ(q->size(), 2); // min_after_dequeue holds it back
  ASSERT_TRUE(q->enqueue({Tensor::scalar<float>(3)}).ok());
  consumer.join();
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(q->size(), 2);
}

// The default spin is bounded: a consumer waiting on an empty queue queues
// itself and sleeps, using next to no CPU.
TEST(QueueFastPath, IdleWaiterDoesNotBurnCpu) {
  auto q = scalarFifo(4);
  double cpuMs = -1;
  Status s;
  std::thread consumer([&] {
    Tuple t;
    double c0 = threadCpuMs();
    s = q->dequeue(&t);
    cpuMs = threadCpuMs() - c0;
  });
  ASSERT_TRUE(waitFor([&] { return q->numPendingDequeues() == 1; }));
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(q->enqueue({Tensor::scalar<float>(1)}).ok());
  consumer.join();
  ASSERT_TRUE(s.ok());
  EXPECT_LT(cpuMs, 50) << "a blocked dequeue spun for " << cpuMs << " ms";
}

//===----------------------------------------------------------------------===//
// One producer, one consumer
//===----------------------------------------------------------------------===//

// Strict order through a small queue, so both sides keep hitting full and
// empty: side paths, spinning, queuing and wake-ups all take turns. The
// consumer mixes Dequeue, DequeueMany and DequeueUpTo; the producer mixes
// Enqueue and EnqueueMany; then the producer closes.
TEST(QueueFastPath, OneProducerOneConsumerKeepOrder) {
#ifdef KILN_UNDER_TSAN
  const int kElements = 20000;
#else
  const int kElements = 200000;
#endif
  for (int64_t capacity : {1, 3, 64}) {
    auto q = mixedFifo(capacity);
    std::atomic<int> errors{0};
    std::thread producer([&] {
      for (int v = 0; v < kElements;) {
        if (v % 11 == 0 && v + 4 <= kElements) {
          // Four rows at once.
          Tensor ints(DType::kInt32, TensorShape{4});
          Tensor vecs(DType::kFloat, TensorShape{4, 3});
          Tensor bigs(DType::kFloat, TensorShape{4, 100});
          Tensor strs(DType::kString, TensorShape{4});
          for (int r = 0; r < 4; ++r) {
            Tuple e = mixedElement(v + r);
            ints.copyElements(r, e[0], 0, 1);
            vecs.copyElements(r * 3, e[1], 0, 3);
            bigs.copyElements(r * 100, e[2], 0, 100);
            strs.copyElements(r, e[3], 0, 1);
          }
          if (!q->enqueueMany({ints, vecs, bigs, strs}).ok())
            ++errors;
          v += 4;
        } else {
          if (!q->enqueue(mixedElement(v)).ok())
            ++errors;
          ++v;
        }
      }
      if (!q->close().ok())
        ++errors;
    });
    int next = 0;
    Tuple t;
    for (int call = 0;; ++call) {
      Status s;
      if (call % 7 == 3) {
        s = q->dequeueMany(5, &t);
        if (s.ok())
          for (int r = 0; r < 5; ++r)
            expectMixedRow(t, r, next++);
      } else if (call % 7 == 5) {
        s = q->dequeueUpTo(3, &t);
        if (s.ok())
          for (int64_t r = 0; r < t[0].numElements(); ++r)
            expectMixedRow(t, r, next++);
      } else {
        s = q->dequeue(&t);
        if (s.ok())
          expectMixed(t, next++);
      }
      if (::testing::Test::HasFailure())
        break;
      if (!s.ok()) {
        EXPECT_EQ(s.code(), Code::kOutOfRange) << s;
        // Only a DequeueMany may fail with rows left (fewer than 5).
        if (next != kElements) {
          EXPECT_EQ(call % 7, 3)
              << "failed with " << kElements - next << " left: " << s;
          ASSERT_TRUE(q->dequeueUpTo(5, &t).ok());
          for (int64_t r = 0; r < t[0].numElements(); ++r)
            expectMixedRow(t, r, next++);
        }
        break;
      }
    }
    producer.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(next, kElements) << "capacity " << capacity;
    EXPECT_EQ(q->size(), 0);
    if (::testing::Test::HasFailure())
      break;
  }
}
