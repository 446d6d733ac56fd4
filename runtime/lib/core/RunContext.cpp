//===- RunContext.cpp - Per-run deadline and cancellation -----------------===//
#include "kiln/runtime/RunContext.h"

#include <vector>

namespace kiln {

bool CancellationManager::registerCallback(Token token,
                                           std::function<void()> callback) {
  std::lock_guard<std::mutex> lock(mu_);
  if (cancelled_.load())
    return false;
  callbacks_.emplace(token, std::move(callback));
  return true;
}

bool CancellationManager::deregisterCallback(Token token) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!cancelled_.load()) {
    callbacks_.erase(token);
    return true;
  }
  // startCancel has taken (or will take) the callbacks out of the map; wait
  // for it to finish so the callback no longer runs.
  doneCv_.wait(lock, [this] { return cancelDone_; });
  return false;
}

void CancellationManager::startCancel() {
  std::unordered_map<Token, std::function<void()>> callbacks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_.load())
      return;
    cancelled_.store(true);
    callbacks.swap(callbacks_);
  }
  for (auto &entry : callbacks)
    entry.second();
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelDone_ = true;
  }
  doneCv_.notify_all();
}

RunContext::RunContext(int64_t timeoutMs) {
  if (timeoutMs > 0)
    deadline_ = Clock::now() + std::chrono::milliseconds(timeoutMs);
}

void RunContext::recordError(const Status &s) {
  if (s.ok())
    return;
  std::lock_guard<std::mutex> lock(mu_);
  if (firstError_.ok())
    firstError_ = s;
}

Status RunContext::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return firstError_;
}

Status RunContext::deadlineExceeded() {
  recordError(timedOutStatus());
  cancellation_.startCancel();
  return status();
}

} // namespace kiln
