//===- RunContext.h - Per-run deadline and cancellation ---------*- C++ -*-===//
//
// One RunContext lives for one Session.run-equivalent step. Blocking runtime
// calls (queue enqueue/dequeue) wait at most until its deadline and register
// with its CancellationManager so that cancelling the step (a timeout, a
// session close) wakes them, as TF's executor does for its async kernels.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_RUNCONTEXT_H
#define KILN_RUNTIME_RUNCONTEXT_H

#include "kiln/runtime/Status.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace kiln {

/// TF's CancellationManager: callbacks registered under tokens all run once
/// when cancellation starts.
class CancellationManager {
public:
  using Token = int64_t;
  static constexpr Token kInvalidToken = -1;

  CancellationManager() = default;
  CancellationManager(const CancellationManager &) = delete;
  CancellationManager &operator=(const CancellationManager &) = delete;

  Token getToken() { return nextToken_.fetch_add(1); }

  /// Returns false (and does not register) when cancellation has already
  /// started; the caller must then fail with Cancelled itself.
  bool registerCallback(Token token, std::function<void()> callback);

  /// Removes the callback. When cancellation is running it waits until every
  /// callback has returned, so the caller may then free what the callback
  /// uses. Returns false when the callback was (or is being) run. Never call
  /// it while holding a lock the callback takes.
  bool deregisterCallback(Token token);

  /// Runs every registered callback once, outside the manager's lock.
  void startCancel();
  bool isCancelled() const { return cancelled_.load(); }

private:
  std::atomic<Token> nextToken_{0};
  std::atomic<bool> cancelled_{false};
  std::mutex mu_;
  std::condition_variable doneCv_;
  bool cancelDone_ = false;
  std::unordered_map<Token, std::function<void()>> callbacks_;
};

/// The state of one run: its deadline, its cancellation and its first error.
class RunContext {
public:
  using Clock = std::chrono::steady_clock;

  RunContext() = default;
  /// A run whose blocking calls give up `timeoutMs` from now; <= 0 means no
  /// deadline (RunOptions.timeout_in_ms semantics).
  explicit RunContext(int64_t timeoutMs);
  /// TF's choice: RunOptions.timeout_in_ms if > 0, else the session-wide
  /// ConfigProto.operation_timeout_in_ms.
  static int64_t effectiveTimeoutMs(int64_t runTimeoutMs,
                                    int64_t sessionTimeoutMs) {
    return runTimeoutMs > 0 ? runTimeoutMs : sessionTimeoutMs;
  }

  bool hasDeadline() const { return deadline_.has_value(); }
  Clock::time_point deadline() const { return *deadline_; }
  bool deadlinePassed() const {
    return deadline_ && Clock::now() >= *deadline_;
  }

  CancellationManager &cancellation() { return cancellation_; }
  bool isCancelled() const { return cancellation_.isCancelled(); }

  /// Records `s` if it is the run's first error; the run reports that one
  /// (a DeadlineExceeded stays the answer even though the cancellation it
  /// triggers makes other ops fail with Cancelled).
  void recordError(const Status &s);
  Status status() const;

  /// What the run reports when its deadline passes; also cancels the run so
  /// every other blocked op in it wakes up.
  Status deadlineExceeded();

  /// The message TF's session uses on timeout.
  static Status timedOutStatus() {
    return errors::DeadlineExceeded("Timed out waiting for notification");
  }

private:
  std::optional<Clock::time_point> deadline_;
  CancellationManager cancellation_;
  mutable std::mutex mu_;
  Status firstError_;
};

} // namespace kiln

#endif // KILN_RUNTIME_RUNCONTEXT_H
