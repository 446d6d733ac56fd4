//===- Coordinator.cpp - tf.train.Coordinator and its threads -------------===//
#include "kiln/runtime/Coordinator.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <iostream>
#include <new>

namespace kiln {

CoordinatedThread::CoordinatedThread(std::string name,
                                     std::function<void()> body)
    : name_(std::move(name)), body_(std::move(body)) {}

CoordinatedThread::~CoordinatedThread() { join(); }

void CoordinatedThread::start() {
  std::lock_guard<std::mutex> lock(joinMu_);
  if (started_)
    return;
  started_ = true;
  thread_ = std::thread([this] {
    // An exception must not take the process down (std::terminate), nor
    // leave the thread "alive" for join() to wait on: like an uncaught
    // exception in a Python thread, it is printed and ends the thread.
    try {
      body_();
    } catch (const std::exception &e) {
      std::cerr << "Exception in thread " << name_ << ": " << e.what() << "\n";
    } catch (...) {
      std::cerr << "Exception in thread " << name_ << "\n";
    }
    finished_.store(true);
  });
}

void CoordinatedThread::join() {
  std::lock_guard<std::mutex> lock(joinMu_);
  if (thread_.joinable())
    thread_.join();
}

Coordinator::Coordinator(std::vector<Code> cleanStopCodes)
    : cleanStopCodes_(std::move(cleanStopCodes)) {}

Coordinator::~Coordinator() {
  // Threads that outlived join() may still use this coordinator; wait for
  // them before it goes away.
  for (ThreadHandle &t : stragglers_)
    t->join();
  for (ThreadHandle &t : registered_)
    t->join();
}

bool Coordinator::isCleanStop(const Status &s) const {
  return s.ok() || std::find(cleanStopCodes_.begin(), cleanStopCodes_.end(),
                             s.code()) != cleanStopCodes_.end();
}

void Coordinator::requestStop(const Status &error) {
  Status ex = isCleanStop(error) ? Status::OK() : error;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (joined_ && !ex.ok() && lateError_.ok())
      lateError_ = ex;
    if (!stop_) {
      if (!ex.ok() && error_.ok())
        error_ = ex;
      stop_ = true;
    }
  }
  stopCv_.notify_all();
}

bool Coordinator::shouldStop() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stop_;
}

bool Coordinator::waitForStop(double timeoutSecs) const {
  std::unique_lock<std::mutex> lock(mu_);
  if (timeoutSecs < 0) {
    stopCv_.wait(lock, [this] { return stop_; });
    return true;
  }
  return stopCv_.wait_for(lock, std::chrono::duration<double>(timeoutSecs),
                          [this] { return stop_; });
}

void Coordinator::clearStop() {
  std::lock_guard<std::mutex> lock(mu_);
  stop_ = false;
  error_ = Status::OK();
}

void Coordinator::registerThread(ThreadHandle thread) {
  std::lock_guard<std::mutex> lock(mu_);
  if (std::find(registered_.begin(), registered_.end(), thread) ==
      registered_.end())
    registered_.push_back(std::move(thread));
}

Status Coordinator::join(const std::vector<ThreadHandle> &threads,
                         double stopGracePeriodSecs, bool ignoreLiveThreads) {
  std::vector<ThreadHandle> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    all = registered_;
  }
  for (const ThreadHandle &t : threads)
    if (std::find(all.begin(), all.end(), t) == all.end())
      all.push_back(t);
  auto anyAlive = [&] {
    return std::any_of(all.begin(), all.end(),
                       [](const ThreadHandle &t) { return t->isAlive(); });
  };
  // Python polls once a second; a shorter poll only returns sooner.
  while (anyAlive() && !waitForStop(0.01)) {
  }
  double wait = 0.001;
  while (anyAlive() && stopGracePeriodSecs >= 0.0) {
    std::this_thread::sleep_for(std::chrono::duration<double>(wait));
    stopGracePeriodSecs -= wait;
    wait = std::max(std::min(2 * wait, stopGracePeriodSecs), 0.001);
  }
  std::string stragglers;
  std::vector<ThreadHandle> alive;
  for (const ThreadHandle &t : all) {
    if (t->isAlive()) {
      stragglers += (stragglers.empty() ? "" : " ") + t->name();
      alive.push_back(t);
    } else {
      t->join();
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  joined_ = true;
  registered_.clear();
  stragglers_.insert(stragglers_.end(), alive.begin(), alive.end());
  if (!error_.ok())
    return error_;
  if (!stragglers.empty()) {
    if (ignoreLiveThreads) {
      std::cerr << "Coordinator stopped with threads still running: "
                << stragglers << "\n";
      return Status::OK();
    }
    return errors::Unknown("Coordinator stopped with threads still running: ",
                           stragglers);
  }
  return Status::OK();
}

bool Coordinator::joined() const {
  std::lock_guard<std::mutex> lock(mu_);
  return joined_;
}

Status Coordinator::requestedError() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

Status Coordinator::lateError() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lateError_;
}

void Coordinator::stopOnError(const std::function<Status()> &body) {
  Status s;
  try {
    s = body();
  } catch (const std::bad_alloc &) {
    s = errors::ResourceExhausted("OOM in a coordinated thread");
  } catch (const std::exception &e) {
    s = errors::Unknown(e.what());
  } catch (...) {
    s = errors::Unknown("Exception (not a std::exception)");
  }
  if (!s.ok())
    requestStop(s);
}

} // namespace kiln
