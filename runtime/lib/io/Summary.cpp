//===- Summary.cpp - TensorBoard summaries and event files ----------------===//
#include "kiln/runtime/Summary.h"
#include "kiln/runtime/Wire.h"

#include <algorithm>
#include <cfloat>
#include <chrono>
#include <cmath>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace kiln {
namespace {

using namespace wire;

void putDouble(std::string &out, uint32_t field, double v) {
  putTag(out, field, kFixed64);
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  putFixed64(out, bits);
}

void putFloat(std::string &out, uint32_t field, float v) {
  putTag(out, field, kFixed32);
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  putFixed32(out, bits);
}

void putPackedDoubles(std::string &out, uint32_t field,
                      const std::vector<double> &vs) {
  std::string body;
  for (double v : vs) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof(bits));
    putFixed64(body, bits);
  }
  putLengthDelimited(out, field, body);
}

/// A Summary.Value message field (field 1 of Summary).
void putValue(std::string &summary, const std::string &valueBody) {
  putLengthDelimited(summary, 1, valueBody);
}

StatusOr<double> elementAsDouble(const Tensor &t, int64_t i) {
  switch (t.dtype()) {
  case DType::kFloat:
    return double(t.data<float>()[i]);
  case DType::kDouble:
    return t.data<double>()[i];
  case DType::kInt32:
    return double(t.data<int32_t>()[i]);
  case DType::kInt64:
    return double(t.data<int64_t>()[i]);
  case DType::kInt16:
    return double(t.data<int16_t>()[i]);
  case DType::kInt8:
    return double(t.data<int8_t>()[i]);
  case DType::kUInt8:
    return double(t.data<uint8_t>()[i]);
  case DType::kUInt16:
    return double(t.data<uint16_t>()[i]);
  default:
    return errors::Unimplemented("summaries of dtype ", dtypeName(t.dtype()));
  }
}

const std::vector<double> &defaultBucketLimits() {
  static const std::vector<double> limits = [] {
    std::vector<double> pos, neg;
    for (double v = 1.0e-12; v < 1.0e20; v *= 1.1) {
      pos.push_back(v);
      neg.push_back(-v);
    }
    pos.push_back(DBL_MAX);
    neg.push_back(-DBL_MAX);
    std::reverse(neg.begin(), neg.end());
    std::vector<double> all = neg;
    all.push_back(0.0);
    all.insert(all.end(), pos.begin(), pos.end());
    return all;
  }();
  return limits;
}

/// The tags of a serialized Summary, in order; false when it does not parse.
bool summaryTags(std::string_view in, std::vector<std::string> *tags,
                 std::vector<std::string_view> *values) {
  while (!in.empty()) {
    uint32_t key;
    if (!getVarint32(in, &key))
      return false;
    if ((key >> 3) != 1 || (key & 7) != kLengthDelimited) {
      if (!skipField(in, key & 7))
        return false;
      continue;
    }
    uint64_t len;
    if (!getVarint64(in, &len) || len > in.size())
      return false;
    std::string_view value = in.substr(0, len);
    in.remove_prefix(len);
    values->push_back(value);
    std::string tag;
    std::string_view v = value;
    while (!v.empty()) {
      uint32_t k;
      if (!getVarint32(v, &k))
        return false;
      if ((k >> 3) == 1 && (k & 7) == kLengthDelimited) {
        uint64_t n;
        if (!getVarint64(v, &n) || n > v.size())
          return false;
        tag.assign(v.data(), n);
        v.remove_prefix(n);
      } else if (!skipField(v, k & 7)) {
        return false;
      }
    }
    tags->push_back(tag);
  }
  return true;
}

} // namespace

std::string scalarSummary(const std::string &tag, float value) {
  std::string body;
  putLengthDelimited(body, 1, tag);
  putFloat(body, 2, value);
  std::string summary;
  putValue(summary, body);
  return summary;
}

StatusOr<std::string> scalarSummary(const Tensor &tags, const Tensor &values) {
  if (tags.shape() != values.shape())
    return errors::InvalidArgument(
        "tags and values not the same shape: ", tags.shape().toString(),
        " != ", values.shape().toString());
  if (tags.dtype() != DType::kString)
    return errors::InvalidArgument("ScalarSummary tags must be strings");
  std::string summary;
  for (int64_t i = 0; i < tags.numElements(); ++i) {
    StatusOr<double> v = elementAsDouble(values, i);
    if (!v.ok())
      return v.status();
    std::string body;
    putLengthDelimited(body, 1, tags.data<std::string>()[i]);
    putFloat(body, 2, static_cast<float>(*v));
    putValue(summary, body);
  }
  return summary;
}

StatusOr<std::string> histogramSummary(const std::string &tag,
                                       const Tensor &values) {
  const std::vector<double> &limits = defaultBucketLimits();
  std::vector<double> counts(limits.size(), 0.0);
  double mn = DBL_MAX, mx = -DBL_MAX, num = 0, sum = 0, sumSq = 0;
  for (int64_t i = 0; i < values.numElements(); ++i) {
    StatusOr<double> v = elementAsDouble(values, i);
    if (!v.ok())
      return v.status();
    if (!std::isfinite(*v))
      return errors::InvalidArgument("Nan in summary histogram for: ", tag);
    size_t b =
        std::upper_bound(limits.begin(), limits.end(), *v) - limits.begin();
    counts[std::min(b, counts.size() - 1)] += 1.0;
    mn = std::min(mn, *v);
    mx = std::max(mx, *v);
    num += 1;
    sum += *v;
    sumSq += *v * *v;
  }
  // Runs of empty buckets collapse into one entry (TF's EncodeToProto).
  std::vector<double> outLimits, outCounts;
  for (size_t i = 0; i < counts.size();) {
    double end = limits[i], count = counts[i];
    ++i;
    if (count <= 0.0)
      while (i < counts.size() && counts[i] <= 0.0) {
        end = limits[i];
        count = counts[i];
        ++i;
      }
    outLimits.push_back(end);
    outCounts.push_back(count);
  }
  std::string histo;
  putDouble(histo, 1, mn);
  putDouble(histo, 2, mx);
  putDouble(histo, 3, num);
  putDouble(histo, 4, sum);
  putDouble(histo, 5, sumSq);
  putPackedDoubles(histo, 6, outLimits);
  putPackedDoubles(histo, 7, outCounts);
  std::string body;
  putLengthDelimited(body, 1, tag);
  putLengthDelimited(body, 5, histo);
  std::string summary;
  putValue(summary, body);
  return summary;
}

StatusOr<std::string> mergeSummaries(const std::vector<std::string> &inputs) {
  std::vector<std::string> seen;
  std::string out;
  for (const std::string &in : inputs) {
    std::vector<std::string> tags;
    std::vector<std::string_view> values;
    if (!summaryTags(in, &tags, &values))
      return errors::InvalidArgument(
          "Could not parse one of the summary inputs");
    for (size_t i = 0; i < tags.size(); ++i) {
      if (std::find(seen.begin(), seen.end(), tags[i]) != seen.end())
        return errors::InvalidArgument("Duplicate tag ", tags[i],
                                       " found in summary inputs");
      seen.push_back(tags[i]);
      putValue(out, std::string(values[i]));
    }
  }
  return out;
}

namespace {
double wallTime() {
  return std::chrono::duration<double>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status makeDirs(const std::string &dir) {
  std::string cur;
  for (size_t i = 0; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      if (!cur.empty() && mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST)
        return errors::NotFound(cur, "; cannot create directory");
    }
    if (i < dir.size())
      cur += dir[i];
  }
  return Status::OK();
}
} // namespace

StatusOr<std::unique_ptr<SummaryWriter>>
SummaryWriter::create(const std::string &logdir, const std::string &suffix) {
  Status st = makeDirs(logdir);
  if (!st.ok())
    return st;
  char host[256] = "localhost";
  gethostname(host, sizeof(host) - 1);
  char name[64];
  std::snprintf(name, sizeof(name), "%010lld",
                static_cast<long long>(wallTime()));
  std::unique_ptr<SummaryWriter> w(new SummaryWriter());
  w->path_ = logdir + "/events.out.tfevents." + name + "." + host + suffix;
  StatusOr<std::unique_ptr<RecordWriter>> rw = RecordWriter::create(w->path_);
  if (!rw.ok())
    return rw.status();
  w->writer_ = std::move(*rw);
  st = w->writeEvent(0, 3, "brain.Event:2");
  if (!st.ok())
    return st;
  st = w->flush();
  if (!st.ok())
    return st;
  return w;
}

Status SummaryWriter::writeEvent(int64_t step, uint32_t field,
                                 const std::string &bytes) {
  std::string event;
  putDouble(event, 1, wallTime());
  if (step != 0) {
    putTag(event, 2, kVarint);
    putVarint64(event, static_cast<uint64_t>(step));
  }
  putLengthDelimited(event, field, bytes);
  return writer_->write(event);
}

Status SummaryWriter::addSummary(const std::string &serializedSummary,
                                 int64_t step) {
  return writeEvent(step, 5, serializedSummary);
}

Status SummaryWriter::addScalar(const std::string &tag, float value,
                                int64_t step) {
  return addSummary(scalarSummary(tag, value), step);
}

Status SummaryWriter::flush() { return writer_->flush(); }
Status SummaryWriter::close() { return writer_->close(); }

} // namespace kiln
