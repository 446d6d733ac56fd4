//===- Coordinator.h - tf.train.Coordinator and its threads -----*- C++ -*-===//
//
// The stop/join protocol of python/training/coordinator.py: threads poll
// shouldStop(), any of them may requestStop(error), and join() waits for the
// threads (then a grace period) and re-raises the first error reported.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_COORDINATOR_H
#define KILN_RUNTIME_COORDINATOR_H

#include "kiln/runtime/Status.h"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kiln {

/// A named std::thread whose liveness can be polled, as Python's
/// threading.Thread.is_alive() is by Coordinator.join. Destroying it joins.
/// An exception escaping the body is printed and ends the thread (as in a
/// Python thread) instead of terminating the process.
class CoordinatedThread {
public:
  CoordinatedThread(std::string name, std::function<void()> body);
  ~CoordinatedThread();
  CoordinatedThread(const CoordinatedThread &) = delete;
  CoordinatedThread &operator=(const CoordinatedThread &) = delete;

  const std::string &name() const { return name_; }
  /// Starts the thread; a second call does nothing.
  void start();
  bool started() const { return started_; }
  /// Started and its body has not returned.
  bool isAlive() const { return started_ && !finished_.load(); }
  /// Waits for the body to return (no-op if never started).
  void join();

private:
  std::string name_;
  std::function<void()> body_;
  std::thread thread_;
  std::mutex joinMu_;
  std::atomic<bool> started_{false};
  std::atomic<bool> finished_{false};
};

using ThreadHandle = std::shared_ptr<CoordinatedThread>;

class Coordinator {
public:
  /// Errors with these codes count as a clean stop (Python's default:
  /// OutOfRangeError).
  explicit Coordinator(std::vector<Code> cleanStopCodes = {Code::kOutOfRange});
  ~Coordinator();

  /// Asks every thread to stop. The first non-clean error reported before
  /// the stop is kept for join(); later ones are ignored, which is why the
  /// Cancelled errors threads see while stopping are harmless. After join()
  /// there is nobody left to report to: the error is kept as the late error
  /// (lateError()), Python's "re-raise immediately".
  void requestStop(const Status &error = Status::OK());
  bool shouldStop() const;
  /// Waits until a stop is requested or `timeoutSecs` passes (< 0: forever).
  /// Returns shouldStop().
  bool waitForStop(double timeoutSecs = -1) const;
  /// Forgets the stop request and the stored error (not the joined state).
  void clearStop();

  void registerThread(ThreadHandle thread);

  /// Waits until every registered (and passed) thread has finished or a
  /// stop has been requested, then up to `stopGracePeriodSecs` more for the
  /// rest; it never requests a stop itself. Returns the first reported
  /// error, else Unknown "Coordinator stopped with threads still running:
  /// <names>" unless `ignoreLiveThreads`. Threads still running stay owned by
  /// the coordinator and are joined by its destructor.
  Status join(const std::vector<ThreadHandle> &threads = {},
              double stopGracePeriodSecs = 120, bool ignoreLiveThreads = false);
  bool joined() const;

  /// The stored error (raise_requested_exception), OK if none.
  Status requestedError() const;
  Status lateError() const;

  /// Runs `body` and reports a non-OK status it returns, or an exception it
  /// throws (as Unknown with its message; ResourceExhausted for
  /// std::bad_alloc), like stop_on_exception.
  void stopOnError(const std::function<Status()> &body);

private:
  bool isCleanStop(const Status &s) const;

  std::vector<Code> cleanStopCodes_;
  mutable std::mutex mu_;
  mutable std::condition_variable stopCv_;
  bool stop_ = false;
  bool joined_ = false;
  Status error_;
  Status lateError_;
  std::vector<ThreadHandle> registered_;
  std::vector<ThreadHandle> stragglers_;
};

} // namespace kiln

#endif // KILN_RUNTIME_COORDINATOR_H
