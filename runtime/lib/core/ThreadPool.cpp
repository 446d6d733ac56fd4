//===- ThreadPool.cpp - Intra-op worker pool with parallelFor -------------===//
#include "kiln/runtime/ThreadPool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace kiln {

namespace {
constexpr int kSpinMicros = 50;
inline void spinPause() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

/// Spins up to kSpinMicros while `waiting()`. After the first
/// kYieldAfterMicros it also yields every 64 pauses: where other threads
/// want the core (queue runners reading and parsing input beside the step),
/// they get it instead of a long spin; the short waits between a step's
/// parallel regions (a few microseconds) pay no system call.
constexpr int kYieldAfterMicros = 10;
template <typename Waiting> void spinWhile(Waiting waiting) {
  auto start = std::chrono::steady_clock::now();
  auto yieldFrom = start + std::chrono::microseconds(kYieldAfterMicros);
  auto until = start + std::chrono::microseconds(kSpinMicros);
  for (int i = 0; waiting(); ++i) {
    if ((i & 63) == 63) {
      auto now = std::chrono::steady_clock::now();
      if (now > until)
        return;
      if (now > yieldFrom)
        std::this_thread::yield();
    }
    spinPause();
  }
}
} // namespace

ThreadPool::ThreadPool(int numThreads) : numThreads_(std::max(1, numThreads)) {
  workers_.reserve(numThreads_ - 1);
  for (int i = 1; i < numThreads_; ++i)
    workers_.emplace_back([this] { workerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread &t : workers_)
    t.join();
}

void ThreadPool::workerLoop() {
  while (true) {
    // Compiled code calls parallelFor many times in a row (one step is a
    // string of GEMMs and loops): a worker that has just finished spins a
    // little before it sleeps, so the next region does not pay for a
    // wake-up. The spin is short, so an idle pool does not keep a core
    // from queue-runner threads.
    spinWhile([&] { return queued_.load(std::memory_order_acquire) == 0; });
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ++sleepers_;
      cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      --sleepers_;
      // Drain queued work before exiting so no scheduled task is dropped.
      if (tasks_.empty())
        return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
      queued_.fetch_sub(1, std::memory_order_relaxed);
    }
    task();
  }
}

void ThreadPool::schedule(std::function<void()> fn) {
  if (workers_.empty()) {
    fn();
    return;
  }
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(std::move(fn));
    queued_.fetch_add(1, std::memory_order_release);
    // A worker that is still spinning takes the task without a wake-up.
    wake = sleepers_ > 0;
  }
  if (wake)
    cv_.notify_one();
}

namespace {
// Shared by the caller and the helper tasks of one parallelFor. Helpers may
// start after the caller has finished every block, so the state is
// refcounted rather than living on the caller's stack.
struct ForState {
  std::atomic<int64_t> nextBlock{0};
  int64_t numBlocks = 0;
  int64_t blockSize = 0;
  int64_t total = 0;
  const std::function<void(int64_t, int64_t)> *fn = nullptr;
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<int64_t> blocksDone{0};

  // Claims and runs blocks until none are left; returns how many it ran.
  void runBlocks() {
    int64_t ran = 0;
    while (true) {
      int64_t b = nextBlock.fetch_add(1, std::memory_order_relaxed);
      if (b >= numBlocks)
        break;
      int64_t begin = b * blockSize;
      (*fn)(begin, std::min(total, begin + blockSize));
      ++ran;
    }
    if (ran == 0)
      return;
    if (blocksDone.fetch_add(ran, std::memory_order_acq_rel) + ran != numBlocks)
      return;
    // The last block: wake the caller if it stopped spinning (the lock
    // orders this with its check of blocksDone before it waits).
    std::lock_guard<std::mutex> lock(mu);
    cv.notify_all();
  }
};
} // namespace

void ThreadPool::parallelFor(int64_t total, int64_t minBlockSize,
                             const std::function<void(int64_t, int64_t)> &fn) {
  if (total <= 0)
    return;
  minBlockSize = std::max<int64_t>(1, minBlockSize);
  // Four blocks per thread balance uneven blocks without much overhead.
  int64_t maxBlocks = static_cast<int64_t>(numThreads_) * 4;
  int64_t blockSize =
      std::max(minBlockSize, (total + maxBlocks - 1) / maxBlocks);
  int64_t numBlocks = (total + blockSize - 1) / blockSize;
  if (numBlocks == 1 || workers_.empty()) {
    fn(0, total);
    return;
  }
  auto state = std::make_shared<ForState>();
  state->numBlocks = numBlocks;
  state->blockSize = blockSize;
  state->total = total;
  state->fn = &fn;
  int64_t helpers =
      std::min<int64_t>(static_cast<int64_t>(workers_.size()), numBlocks - 1);
  for (int64_t i = 0; i < helpers; ++i)
    schedule([state] { state->runBlocks(); });
  state->runBlocks();
  // `fn` stays valid until every claimed block has finished: late helpers
  // find no block left and never touch it. The helpers' last blocks are
  // usually a few microseconds away: spin before sleeping (a futex wake-up
  // costs more than that).
  auto done = [&] {
    return state->blocksDone.load(std::memory_order_acquire) ==
           state->numBlocks;
  };
  spinWhile([&] { return !done(); });
  if (done())
    return;
  std::unique_lock<std::mutex> lock(state->mu);
  state->cv.wait(lock, done);
}

int ThreadPool::defaultThreadCount() {
  if (const char *env = std::getenv("KILN_INTRA_OP_THREADS")) {
    int n = std::atoi(env);
    if (n > 0)
      return n;
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw ? static_cast<int>(hw) : 1;
}

namespace {
std::mutex &intraOpMutex() {
  static std::mutex mu;
  return mu;
}
std::unique_ptr<ThreadPool> &intraOpPool() {
  static std::unique_ptr<ThreadPool> pool;
  return pool;
}
} // namespace

ThreadPool &ThreadPool::intraOp() {
  std::lock_guard<std::mutex> lock(intraOpMutex());
  std::unique_ptr<ThreadPool> &pool = intraOpPool();
  if (!pool)
    pool = std::make_unique<ThreadPool>(defaultThreadCount());
  return *pool;
}

void ThreadPool::setIntraOpThreads(int numThreads) {
  if (numThreads <= 0)
    numThreads = defaultThreadCount();
  std::lock_guard<std::mutex> lock(intraOpMutex());
  std::unique_ptr<ThreadPool> &pool = intraOpPool();
  if (pool && pool->numThreads() == numThreads)
    return;
  pool = std::make_unique<ThreadPool>(numThreads);
}

} // namespace kiln
