//===- ReaderOps.h - TF readers: work queue in, records out -----*- C++ -*-===//
//
// The semantics of TF's ReaderBase (core/framework/reader_base.cc) behind
// ReaderReadV2, ReaderReadUpToV2, ReaderNumRecordsProducedV2,
// ReaderNumWorkUnitsCompletedV2 and ReaderResetV2, and the TFRecordReaderV2
// that reads TFRecord files with it:
//   - with no file in progress, a read dequeues one work item (a file name)
//     from the queue, blocking like a dequeue; the element must be a single
//     string scalar (InvalidArgument otherwise);
//   - queue errors propagate unchanged, notably OutOfRange once the queue is
//     closed and empty, which is how an input pipeline ends;
//   - at the end of a file the reader moves on to the next work item; each
//     Read returns exactly one record, keyed "<file>:<offset>";
//   - ReadUpTo returns at most n records and never crosses into a new file
//     once it has produced some: it returns early at a file's end;
//   - a file that cannot be opened fails that read; the next read takes the
//     next work item (TF counts the work as never started);
//   - a corrupt record fails the read and every later read of that file
//     with the same DataLoss (TF retries the same offset and gets the same
//     error), until ResetV2.
// All calls on one reader are serialized by its lock, as in TF.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_READEROPS_H
#define KILN_RUNTIME_READEROPS_H

#include "kiln/runtime/Queue.h"
#include "kiln/runtime/Resource.h"
#include "kiln/runtime/RunContext.h"
#include "kiln/runtime/Status.h"
#include "kiln/runtime/TFRecord.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace kiln {

class ReaderBase : public Resource {
public:
  /// ReaderReadV2.
  Status read(Queue *queue, std::string *key, std::string *value,
              RunContext *ctx = nullptr);
  /// ReaderReadUpToV2: appends up to `numRecords` records.
  Status readUpTo(Queue *queue, int64_t numRecords,
                  std::vector<std::string> *keys,
                  std::vector<std::string> *values, RunContext *ctx = nullptr);
  /// ReaderNumRecordsProducedV2.
  int64_t numRecordsProduced() const;
  /// ReaderNumWorkUnitsCompletedV2.
  int64_t numWorkUnitsCompleted() const;
  /// ReaderResetV2: back to the state of a new reader.
  Status reset();

  /// The name used in the reader's internal errors.
  const std::string &name() const { return name_; }

protected:
  explicit ReaderBase(std::string name) : name_(std::move(name)) {}

  /// Reads the next record of the current work item: either produces one
  /// (*produced) or reports the end of the item (*atEnd), or fails.
  virtual Status readLocked(std::string *key, std::string *value,
                            bool *produced, bool *atEnd) = 0;
  virtual Status onWorkStartedLocked() = 0;
  virtual Status onWorkFinishedLocked() = 0;
  /// Subclasses drop their per-file state, then call this.
  virtual Status resetLocked();

  const std::string &currentWork() const { return work_; }

private:
  bool workInProgress() const { return workFinished_ < workStarted_; }
  /// Dequeues the next work item and starts it.
  Status startNextWorkLocked(Queue *queue, RunContext *ctx);

  std::string name_;
  mutable std::mutex mu_;
  std::string work_;
  int64_t workStarted_ = 0;
  int64_t workFinished_ = 0;
  int64_t numRecordsProduced_ = 0;
};

/// TFRecordReaderV2 (compression_type "", "ZLIB" or "GZIP").
class TFRecordReader : public ReaderBase {
public:
  static StatusOr<std::shared_ptr<TFRecordReader>>
  create(std::string name, std::string_view compressionType = "");
  std::string kind() const override { return "TFRecordReader"; }

protected:
  TFRecordReader(std::string name, RecordOptions options)
      : ReaderBase(std::move(name)), options_(options) {}
  Status readLocked(std::string *key, std::string *value, bool *produced,
                    bool *atEnd) override;
  Status onWorkStartedLocked() override;
  Status onWorkFinishedLocked() override;
  Status resetLocked() override;

private:
  RecordOptions options_;
  std::unique_ptr<RecordReader> file_;
};

} // namespace kiln

#endif // KILN_RUNTIME_READEROPS_H
