//===- ReaderOps.cpp - TF readers: work queue in, records out -------------===//
//
// The loops mirror ReaderBase::Read / ReadUpTo of TF 1.12 step by step, so
// the counters (records produced, work units completed) and the point where a
// queue dequeue happens match TF's exactly.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/ReaderOps.h"

namespace kiln {

Status ReaderBase::startNextWorkLocked(Queue *queue, RunContext *ctx) {
  if (!queue)
    return errors::InvalidArgument("Reader ", name_, " was given no queue");
  Tuple tuple;
  KILN_RETURN_IF_ERROR(queue->dequeue(&tuple, ctx));
  if (tuple.size() != 1)
    return errors::InvalidArgument("Expected single component queue");
  if (tuple[0].dtype() != DType::kString)
    return errors::InvalidArgument(
        "Expected queue with single string component");
  if (tuple[0].numElements() != 1)
    return errors::InvalidArgument(
        "Expected to dequeue a one-element string tensor");
  work_ = tuple[0].data<std::string>()[0];
  KILN_RETURN_IF_ERROR(onWorkStartedLocked());
  ++workStarted_;
  return Status::OK();
}

Status ReaderBase::read(Queue *queue, std::string *key, std::string *value,
                        RunContext *ctx) {
  std::lock_guard<std::mutex> lock(mu_);
  for (;;) {
    if (!workInProgress())
      KILN_RETURN_IF_ERROR(startNextWorkLocked(queue, ctx));
    bool produced = false, atEnd = false;
    Status status = readLocked(key, value, &produced, &atEnd);
    if (!atEnd && status.ok() && !produced)
      status = errors::Internal("ReadLocked() for ", name_,
                                " must set *at_end=true, *produced=true, or "
                                "return an error.");
    if (!status.ok() && produced)
      status = errors::Internal(
          "ReadLocked() for ", name_,
          " set *produced=true but returned an error: ", status.toString());
    if (status.ok() && atEnd) {
      status = onWorkFinishedLocked();
      workFinished_ = workStarted_;
    }
    KILN_RETURN_IF_ERROR(status);
    if (produced) {
      ++numRecordsProduced_;
      return Status::OK();
    }
  }
}

Status ReaderBase::readUpTo(Queue *queue, int64_t numRecords,
                            std::vector<std::string> *keys,
                            std::vector<std::string> *values, RunContext *ctx) {
  if (numRecords <= 0)
    return errors::InvalidArgument("num_records must be > 0 but got: ",
                                   numRecords);
  std::lock_guard<std::mutex> lock(mu_);
  int64_t producedThisCall = 0;
  for (;;) {
    if (producedThisCall == numRecords)
      return Status::OK();
    if (!workInProgress())
      KILN_RETURN_IF_ERROR(startNextWorkLocked(queue, ctx));
    // TF's default ReadUpToLocked: one ReadLocked per step.
    bool produced = false, atEnd = false;
    std::string key, value;
    Status status = readLocked(&key, &value, &produced, &atEnd);
    if (produced) {
      keys->push_back(std::move(key));
      values->push_back(std::move(value));
      ++producedThisCall;
      ++numRecordsProduced_;
    }
    if (!atEnd && status.ok() && !produced)
      status = errors::Internal("ReadUpToLocked() for ", name_,
                                " must set *at_end=true, *num_produced > 0 or "
                                "return an error.");
    if (status.ok() && atEnd) {
      status = onWorkFinishedLocked();
      workFinished_ = workStarted_;
      if (status.ok() && producedThisCall > 0)
        return Status::OK();
    }
    KILN_RETURN_IF_ERROR(status);
  }
}

int64_t ReaderBase::numRecordsProduced() const {
  std::lock_guard<std::mutex> lock(mu_);
  return numRecordsProduced_;
}

int64_t ReaderBase::numWorkUnitsCompleted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return workFinished_;
}

Status ReaderBase::reset() {
  std::lock_guard<std::mutex> lock(mu_);
  return resetLocked();
}

Status ReaderBase::resetLocked() {
  workStarted_ = 0;
  workFinished_ = 0;
  numRecordsProduced_ = 0;
  work_.clear();
  return Status::OK();
}

//===----------------------------------------------------------------------===//
// TFRecordReader
//===----------------------------------------------------------------------===//

StatusOr<std::shared_ptr<TFRecordReader>>
TFRecordReader::create(std::string name, std::string_view compressionType) {
  StatusOr<RecordCompression> c = parseRecordCompression(compressionType);
  if (!c.ok())
    return c.status();
  return std::shared_ptr<TFRecordReader>(
      new TFRecordReader(std::move(name), RecordOptions::forCompression(*c)));
}

Status TFRecordReader::onWorkStartedLocked() {
  StatusOr<std::unique_ptr<RecordReader>> r =
      RecordReader::open(currentWork(), options_);
  if (!r.ok())
    return r.status();
  file_ = std::move(*r);
  return Status::OK();
}

Status TFRecordReader::onWorkFinishedLocked() {
  file_.reset();
  return Status::OK();
}

Status TFRecordReader::readLocked(std::string *key, std::string *value,
                                  bool *produced, bool *atEnd) {
  std::string_view record;
  Status s = file_->readRecord(&record);
  if (s.code() == Code::kOutOfRange) {
    *atEnd = true;
    return Status::OK();
  }
  KILN_RETURN_IF_ERROR(s);
  *key = currentWork() + ":" + std::to_string(file_->lastRecordOffset());
  value->assign(record.data(), record.size());
  *produced = true;
  return Status::OK();
}

Status TFRecordReader::resetLocked() {
  file_.reset();
  return ReaderBase::resetLocked();
}

} // namespace kiln
