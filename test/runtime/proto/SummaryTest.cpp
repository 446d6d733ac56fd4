//===- SummaryTest.cpp - Summaries and event files, read back with protobuf
//-===//
//
// The hand-encoded Summary and Event protos parse with the TF-compatible
// schemas, and event files are what TensorBoard reads: TFRecord-framed
// Events, the first one the file version.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/Summary.h"
#include "kiln/proto/event.pb.h"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <dirent.h>

using namespace kiln;

namespace {

Tensor strings(std::vector<std::string> v) {
  Tensor t(DType::kString, TensorShape{static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i)
    t.data<std::string>()[i] = v[i];
  return t;
}

TEST(Summary, ScalarSummaryOneValuePerTag) {
  StatusOr<std::string> s = scalarSummary(strings({"loss", "accuracy"}),
                                          Tensor::vector<float>({0.5f, 0.75f}));
  ASSERT_TRUE(s.ok());
  tensorflow::Summary proto;
  ASSERT_TRUE(proto.ParseFromString(*s));
  ASSERT_EQ(proto.value_size(), 2);
  EXPECT_EQ(proto.value(0).tag(), "loss");
  EXPECT_EQ(proto.value(0).simple_value(), 0.5f);
  EXPECT_EQ(proto.value(1).tag(), "accuracy");
  EXPECT_EQ(proto.value(1).simple_value(), 0.75f);
}

TEST(Summary, ScalarSummaryShapesMustAgree) {
  StatusOr<std::string> s = scalarSummary(
      strings({"a", "b"}), Tensor::fromVector<float>({1}, TensorShape{1}));
  EXPECT_EQ(s.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(s.status().message(),
            "tags and values not the same shape: [2] != [1]");
}

TEST(Summary, HistogramUsesTfDefaultBuckets) {
  StatusOr<std::string> s =
      histogramSummary("w", Tensor::vector<float>({-1.0f, 0.0f, 0.5f, 2.0f}));
  ASSERT_TRUE(s.ok());
  tensorflow::Summary proto;
  ASSERT_TRUE(proto.ParseFromString(*s));
  const tensorflow::HistogramProto &h = proto.value(0).histo();
  EXPECT_EQ(h.min(), -1.0);
  EXPECT_EQ(h.max(), 2.0);
  EXPECT_EQ(h.num(), 4.0);
  EXPECT_EQ(h.sum(), 1.5);
  EXPECT_EQ(h.sum_squares(), 5.25);
  ASSERT_EQ(h.bucket_limit_size(), h.bucket_size());
  double total = 0;
  for (double c : h.bucket())
    total += c;
  EXPECT_EQ(total, 4.0);
  // Every non-empty bucket's limit is one of TF's: 0 or +-1e-12 * 1.1^k.
  for (int i = 0; i < h.bucket_size(); ++i) {
    if (h.bucket(i) == 0)
      continue;
    double lim = std::fabs(h.bucket_limit(i));
    if (lim == 0 || lim == DBL_MAX)
      continue;
    double k = std::log(lim / 1e-12) / std::log(1.1);
    EXPECT_NEAR(k, std::round(k), 1e-6) << lim;
  }
  // The last entry closes with DBL_MAX.
  EXPECT_EQ(h.bucket_limit(h.bucket_limit_size() - 1), DBL_MAX);
}

TEST(Summary, HistogramRejectsNan) {
  StatusOr<std::string> s =
      histogramSummary("w", Tensor::vector<float>({1.0f, NAN}));
  EXPECT_EQ(s.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(s.status().message(), "Nan in summary histogram for: w");
}

TEST(Summary, MergeKeepsOrderAndRejectsDuplicateTags) {
  std::string a = scalarSummary("loss", 1.0f), b = scalarSummary("acc", 0.5f);
  StatusOr<std::string> m = mergeSummaries({a, b});
  ASSERT_TRUE(m.ok());
  tensorflow::Summary proto;
  ASSERT_TRUE(proto.ParseFromString(*m));
  ASSERT_EQ(proto.value_size(), 2);
  EXPECT_EQ(proto.value(0).tag(), "loss");
  EXPECT_EQ(proto.value(1).tag(), "acc");
  StatusOr<std::string> dup = mergeSummaries({a, a});
  EXPECT_EQ(dup.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(dup.status().message(),
            "Duplicate tag loss found in summary inputs");
}

TEST(Summary, EventFileAsFileWriterWritesIt) {
  char tmpl[] = "/tmp/kiln-summary-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string logdir = std::string(tmpl) + "/logs";
  StatusOr<std::unique_ptr<SummaryWriter>> w = SummaryWriter::create(logdir);
  ASSERT_TRUE(w.ok()) << w.status().toString();
  EXPECT_NE((*w)->path().find("/events.out.tfevents."), std::string::npos);
  ASSERT_TRUE((*w)->addScalar("loss", 0.25f, 7).ok());
  ASSERT_TRUE((*w)->close().ok());

  StatusOr<std::unique_ptr<RecordReader>> r = RecordReader::open((*w)->path());
  ASSERT_TRUE(r.ok());
  std::string rec;
  ASSERT_TRUE((*r)->readRecord(&rec).ok());
  tensorflow::Event first;
  ASSERT_TRUE(first.ParseFromString(rec));
  EXPECT_EQ(first.file_version(), "brain.Event:2");
  EXPECT_GT(first.wall_time(), 1.5e9);
  ASSERT_TRUE((*r)->readRecord(&rec).ok());
  tensorflow::Event e;
  ASSERT_TRUE(e.ParseFromString(rec));
  EXPECT_EQ(e.step(), 7);
  ASSERT_EQ(e.summary().value_size(), 1);
  EXPECT_EQ(e.summary().value(0).tag(), "loss");
  EXPECT_EQ(e.summary().value(0).simple_value(), 0.25f);
  EXPECT_EQ((*r)->readRecord(&rec).code(), Code::kOutOfRange);
  std::system(("rm -rf " + std::string(tmpl)).c_str());
}

} // namespace
