//===- ThreadPoolTest.cpp - Intra-op pool and run cancellation ------------===//
#include "kiln/runtime/ThreadPool.h"
#include "kiln/runtime/RunContext.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

using namespace kiln;

TEST(ThreadPool, ParallelForCoversEveryIndexOnce) {
  ThreadPool pool(4);
  EXPECT_EQ(pool.numThreads(), 4);
  std::vector<std::atomic<int>> hits(10007);
  pool.parallelFor(10007, 16, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      hits[i].fetch_add(1);
  });
  for (auto &h : hits)
    ASSERT_EQ(h.load(), 1);
}

TEST(ThreadPool, UsesSeveralThreadsAndHonoursMinBlock) {
  ThreadPool pool(3);
  std::mutex mu;
  std::set<std::thread::id> ids;
  std::vector<int64_t> sizes;
  pool.parallelFor(3000, 500, [&](int64_t b, int64_t e) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::lock_guard<std::mutex> lock(mu);
    ids.insert(std::this_thread::get_id());
    sizes.push_back(e - b);
  });
  EXPECT_GT(ids.size(), 1u);
  for (int64_t s : sizes)
    EXPECT_GE(s, 500);
}

TEST(ThreadPool, NestedParallelForDoesNotDeadlock) {
  ThreadPool pool(2);
  std::atomic<int64_t> sum{0};
  pool.parallelFor(8, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      pool.parallelFor(100, 1,
                       [&](int64_t b2, int64_t e2) { sum.fetch_add(e2 - b2); });
  });
  EXPECT_EQ(sum.load(), 800);
}

TEST(ThreadPool, IntraOpPoolIsSettable) {
  ThreadPool::setIntraOpThreads(3);
  EXPECT_EQ(ThreadPool::intraOp().numThreads(), 3);
  ThreadPool::setIntraOpThreads(0);
  EXPECT_EQ(ThreadPool::intraOp().numThreads(),
            ThreadPool::defaultThreadCount());
  EXPECT_GE(ThreadPool::defaultThreadCount(), 1);
  ThreadPool single(1);
  int64_t covered = 0;
  single.parallelFor(50, 1, [&](int64_t b, int64_t e) { covered += e - b; });
  EXPECT_EQ(covered, 50);
}

TEST(RunContext, CancellationRunsCallbacksOnce) {
  CancellationManager cm;
  std::atomic<int> runs{0};
  auto t1 = cm.getToken(), t2 = cm.getToken();
  EXPECT_NE(t1, t2);
  EXPECT_TRUE(cm.registerCallback(t1, [&] { runs++; }));
  EXPECT_TRUE(cm.registerCallback(t2, [&] { runs += 10; }));
  EXPECT_TRUE(cm.deregisterCallback(t2));
  cm.startCancel();
  cm.startCancel();
  EXPECT_EQ(runs.load(), 1);
  EXPECT_TRUE(cm.isCancelled());
  EXPECT_FALSE(cm.registerCallback(cm.getToken(), [] {}));
}

TEST(RunContext, DeadlineAndFirstError) {
  RunContext none;
  EXPECT_FALSE(none.hasDeadline());
  RunContext zero(0);
  EXPECT_FALSE(zero.hasDeadline());
  EXPECT_EQ(RunContext::effectiveTimeoutMs(0, 500), 500);
  EXPECT_EQ(RunContext::effectiveTimeoutMs(10000, 500), 10000);
  RunContext ctx(10);
  EXPECT_TRUE(ctx.hasDeadline());
  std::this_thread::sleep_for(std::chrono::milliseconds(15));
  EXPECT_TRUE(ctx.deadlinePassed());
  Status s = ctx.deadlineExceeded();
  EXPECT_EQ(s.toString(),
            "DeadlineExceeded: Timed out waiting for notification");
  EXPECT_TRUE(ctx.isCancelled());
  ctx.recordError(errors::Cancelled("later"));
  EXPECT_EQ(ctx.status().code(), Code::kDeadlineExceeded);
}
