//===- QueueStressTest.cpp - Many producers/consumers with a close --------===//
//
// 4 producers and 4 consumers move 100,000 distinct values through a small
// queue and the queue is closed half way; every value must come out exactly
// once unless its enqueue reported Cancelled. The full 20 x 100,000 runs in
// normal builds; under TSan (about 10x slower) the default is 20 x 20,000.
// KILN_STRESS_ITERATIONS and KILN_STRESS_ELEMENTS override both.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/Queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#if defined(__SANITIZE_THREAD__)
#define KILN_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define KILN_UNDER_TSAN 1
#endif
#endif

using namespace kiln;

namespace {

int envInt(const char *name, int fallback) {
  const char *v = std::getenv(name);
  return v && std::atoi(v) > 0 ? std::atoi(v) : fallback;
}

// One iteration; even iterations close with cancel_pending_enqueues.
void runOnce(int iteration, int elements) {
  const int kProducers = 4, kConsumers = 4;
  QueueOptions o;
  o.name = "stress";
  o.componentTypes = {DType::kInt32};
  o.shapes = {TensorShape{}};
  o.capacity = 64;
  auto q = *FIFOQueue::create(o);
  const bool cancelPending = iteration % 2 == 0;

  // 0 = never enqueued/dequeued, counts of dequeues and of cancels.
  std::vector<std::atomic<int>> dequeued(elements), cancelled(elements);
  std::vector<std::atomic<int>> enqueueOk(elements);
  std::atomic<int> totalDequeued{0};
  std::atomic<int> otherErrors{0};
  // Consumers pause at half way until the close is under way, so it lands
  // mid-stream however busy the machine is: producers then still hold about
  // half the elements (the queue holds at most 64). They resume at once: a
  // close without cancel_pending_enqueues waits, as in TF, for the blocked
  // enqueues ahead of it, which need consumers to make room.
  std::atomic<bool> closing{false};

  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p)
    threads.emplace_back([&, p] {
      for (int v = p; v < elements; v += kProducers) {
        Status s = q->enqueue({Tensor::scalar<int32_t>(v)});
        if (s.ok())
          enqueueOk[v].fetch_add(1);
        else if (s.code() == Code::kCancelled)
          cancelled[v].fetch_add(1);
        else
          otherErrors.fetch_add(1);
      }
    });
  for (int c = 0; c < kConsumers; ++c)
    threads.emplace_back([&, c] {
      Tuple t;
      while (true) {
        while (totalDequeued.load() >= elements / 2 && !closing.load())
          std::this_thread::yield();
        Status s;
        if (c % 2 == 0) {
          s = q->dequeue(&t);
          if (s.ok()) {
            dequeued[*t[0].data<int32_t>()].fetch_add(1);
            totalDequeued.fetch_add(1);
          }
        } else {
          s = q->dequeueUpTo(7, &t);
          if (s.ok()) {
            for (int64_t i = 0; i < t[0].numElements(); ++i)
              dequeued[t[0].data<int32_t>()[i]].fetch_add(1);
            totalDequeued.fetch_add(static_cast<int>(t[0].numElements()));
          }
        }
        if (!s.ok()) {
          if (s.code() != Code::kOutOfRange)
            otherErrors.fetch_add(1);
          return;
        }
      }
    });
  while (totalDequeued.load() < elements / 2)
    std::this_thread::yield();
  closing.store(true);
  ASSERT_TRUE(q->close(cancelPending).ok());
  for (std::thread &t : threads)
    t.join();

  EXPECT_EQ(otherErrors.load(), 0);
  int lost = 0, twice = 0, cancelledCount = 0;
  for (int v = 0; v < elements; ++v) {
    int d = dequeued[v].load(), c = cancelled[v].load(), e = enqueueOk[v];
    cancelledCount += c;
    if (d > 1 || d + c != 1 || e != d)
      ++(d > 1 ? twice : lost);
  }
  EXPECT_EQ(lost, 0) << "iteration " << iteration;
  EXPECT_EQ(twice, 0) << "iteration " << iteration;
  EXPECT_GT(cancelledCount, 0) << "the close did not land mid-stream";
  EXPECT_EQ(q->size(), 0);
}

} // namespace

TEST(QueueStress, FourByFourWithCloseInTheMiddle) {
  const int iterations = envInt("KILN_STRESS_ITERATIONS", 20);
#ifdef KILN_UNDER_TSAN
  const int elements = envInt("KILN_STRESS_ELEMENTS", 20000);
#else
  const int elements = envInt("KILN_STRESS_ELEMENTS", 100000);
#endif
  for (int i = 0; i < iterations; ++i) {
    runOnce(i, elements);
    if (::testing::Test::HasFailure())
      break;
  }
}
