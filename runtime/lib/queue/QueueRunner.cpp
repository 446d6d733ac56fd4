//===- QueueRunner.cpp - tf.train.QueueRunner over named ops --------------===//
#include "kiln/runtime/QueueRunner.h"

#include <algorithm>
#include <exception>
#include <iostream>
#include <new>

namespace kiln {

QueueRunner::QueueRunner(QueueRunnerSpec spec) : spec_(std::move(spec)) {
  if (spec_.queueClosedExceptionTypes.empty())
    spec_.queueClosedExceptionTypes = {Code::kOutOfRange};
}

QueueRunner::~QueueRunner() = default;

/// session.run(op) as the runner's threads see it: a C++ exception thrown
/// by the op is caught here, where it would otherwise end the process, and
/// becomes the error it raises (ResourceExhausted for std::bad_alloc, as
/// TF's OOM, Unknown with its message otherwise), which the thread then
/// handles like any other.
static Status runOpCatching(OpRunner *session, const std::string &op) {
  try {
    return session->runOp(op, nullptr);
  } catch (const std::bad_alloc &) {
    return errors::ResourceExhausted("OOM when running op ", op);
  } catch (const std::exception &e) {
    return errors::Unknown("Exception in op ", op, ": ", e.what());
  } catch (...) {
    return errors::Unknown("Exception in op ", op, " (not a std::exception)");
  }
}

bool QueueRunner::isQueueClosed(const Status &s) const {
  const auto &codes = spec_.queueClosedExceptionTypes;
  return std::find(codes.begin(), codes.end(), s.code()) != codes.end();
}

std::vector<ThreadHandle>
QueueRunner::createThreads(OpRunner *session, Coordinator *coord, bool start) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = runsPerSession_.find(session);
    if (it != runsPerSession_.end() && it->second > 0)
      return {};
    runsPerSession_[session] = static_cast<int>(spec_.enqueueOpNames.size());
    exceptionsRaised_.clear();
  }
  std::vector<ThreadHandle> threads;
  for (const std::string &op : spec_.enqueueOpNames)
    threads.push_back(std::make_shared<CoordinatedThread>(
        "QueueRunnerThread-" + spec_.queueName + "-" + op,
        [this, session, op, coord] { run(session, op, coord); }));
  if (coord)
    threads.push_back(std::make_shared<CoordinatedThread>(
        "QueueRunnerThread-" + spec_.queueName + "-close_on_stop",
        [this, session, coord] { closeOnStop(session, coord); }));
  for (const ThreadHandle &t : threads) {
    if (coord)
      coord->registerThread(t);
    if (start)
      t->start();
  }
  return threads;
}

void QueueRunner::run(OpRunner *session, const std::string &enqueueOp,
                      Coordinator *coord) {
  bool decremented = false;
  while (!(coord && coord->shouldStop())) {
    Status s = runOpCatching(session, enqueueOp);
    if (s.ok())
      continue;
    if (isQueueClosed(s)) {
      // The last thread to see the queue closed closes it for the readers.
      std::lock_guard<std::mutex> lock(mu_);
      decremented = true;
      if (--runsPerSession_[session] == 0 && !spec_.closeOpName.empty()) {
        Status ignored = runOpCatching(session, spec_.closeOpName);
        (void)ignored;
      }
      return;
    }
    if (coord) {
      coord->requestStop(s);
    } else {
      std::cerr << "Exception in QueueRunner: " << s << "\n";
      std::lock_guard<std::mutex> lock(mu_);
      exceptionsRaised_.push_back(s);
    }
    break;
  }
  if (!decremented) {
    std::lock_guard<std::mutex> lock(mu_);
    --runsPerSession_[session];
  }
}

void QueueRunner::closeOnStop(OpRunner *session, Coordinator *coord) {
  coord->waitForStop();
  if (!spec_.cancelOpName.empty()) {
    // Errors are ignored: the queue may already be closed.
    Status ignored = runOpCatching(session, spec_.cancelOpName);
    (void)ignored;
  }
}

std::vector<Status> QueueRunner::exceptionsRaised() const {
  std::lock_guard<std::mutex> lock(mu_);
  return exceptionsRaised_;
}

std::vector<ThreadHandle>
startQueueRunners(const std::vector<QueueRunner *> &runners, OpRunner *session,
                  Coordinator *coord, bool start) {
  std::vector<ThreadHandle> threads;
  for (QueueRunner *qr : runners) {
    std::vector<ThreadHandle> t = qr->createThreads(session, coord, start);
    threads.insert(threads.end(), t.begin(), t.end());
  }
  return threads;
}

} // namespace kiln
