//===- Summary.h - TensorBoard summaries and event files --------*- C++ -*-===//
//
// What TF's summary ops compute (serialized `Summary` protos) and what
// `tf.summary.FileWriter` writes: `events.out.tfevents.<time>.<host>`, a
// TFRecord file of `Event` protos starting with the file-version event.
// Protos are encoded by hand (wire format), so a program needs no protobuf.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_SUMMARY_H
#define KILN_RUNTIME_SUMMARY_H

#include "kiln/runtime/Status.h"
#include "kiln/runtime/TFRecord.h"
#include "kiln/runtime/Tensor.h"

#include <memory>
#include <string>
#include <vector>

namespace kiln {

/// ScalarSummary: one value per tag. InvalidArgument "tags and values not
/// the same shape: [..] != [..]" as in TF.
StatusOr<std::string> scalarSummary(const Tensor &tags, const Tensor &values);
/// HistogramSummary with TF's default buckets (1e-12 * 1.1^k, mirrored);
/// InvalidArgument "Nan in summary histogram for: <tag>" on NaN/Inf.
StatusOr<std::string> histogramSummary(const std::string &tag,
                                       const Tensor &values);
/// MergeSummary: the values of every input in order; InvalidArgument
/// "Duplicate tag <t> found in summary inputs" when a tag repeats.
StatusOr<std::string> mergeSummaries(const std::vector<std::string> &inputs);
/// A Summary with one scalar value (what programs log directly).
std::string scalarSummary(const std::string &tag, float value);

/// tf.summary.FileWriter: an event file in `logdir`.
class SummaryWriter {
public:
  /// Creates `logdir` (and parents) and `events.out.tfevents.<secs>.<host>`
  /// with the file-version event.
  static StatusOr<std::unique_ptr<SummaryWriter>>
  create(const std::string &logdir, const std::string &suffix = "");

  const std::string &path() const { return path_; }
  /// add_summary(summary_str, global_step).
  Status addSummary(const std::string &serializedSummary, int64_t step);
  Status addScalar(const std::string &tag, float value, int64_t step);
  Status flush();
  Status close();

private:
  SummaryWriter() = default;
  Status writeEvent(int64_t step, uint32_t field, const std::string &bytes);

  std::string path_;
  std::unique_ptr<RecordWriter> writer_;
};

} // namespace kiln

#endif // KILN_RUNTIME_SUMMARY_H
