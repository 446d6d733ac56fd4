//===- ThreadPool.h - Intra-op worker pool with parallelFor -----*- C++ -*-===//
//
// The pool compiled kernels share for intra-op parallelism (TF's
// intra_op_parallelism_threads). parallelFor runs on the caller too and never
// waits on a queued task, so nested calls and a caller that is itself a
// worker cannot deadlock.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_THREADPOOL_H
#define KILN_RUNTIME_THREADPOOL_H

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace kiln {

class ThreadPool {
public:
  /// `numThreads` counts the caller of parallelFor: a pool of N runs N-1
  /// workers. Values < 1 mean 1 (everything inline).
  explicit ThreadPool(int numThreads);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  int numThreads() const { return numThreads_; }

  /// Runs `fn` on some worker (inline when the pool has no workers).
  void schedule(std::function<void()> fn);

  /// Calls fn(begin, end) over disjoint blocks covering [0, total) and
  /// returns when all are done. Blocks hold at least `minBlockSize` units,
  /// so cheap bodies are not split finer than is worth a hand-off.
  void parallelFor(int64_t total, int64_t minBlockSize,
                   const std::function<void(int64_t, int64_t)> &fn);

  /// The process-wide intra-op pool, created on first use with
  /// defaultThreadCount() threads (or the count set before).
  static ThreadPool &intraOp();
  /// Replaces the intra-op pool's size; 0 means defaultThreadCount(). Call it
  /// while no parallelFor is running on the old pool (e.g. at session setup).
  static void setIntraOpThreads(int numThreads);
  /// The machine's hardware threads, or KILN_INTRA_OP_THREADS when set.
  static int defaultThreadCount();

private:
  void workerLoop();

  int numThreads_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  std::atomic<int> queued_{0}; ///< tasks_.size(), read without the lock
  int sleepers_ = 0;           ///< workers waiting on cv_ (under mu_)
  bool stopping_ = false;
};

} // namespace kiln

#endif // KILN_RUNTIME_THREADPOOL_H
