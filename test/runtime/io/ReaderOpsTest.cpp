//===- ReaderOpsTest.cpp - TFRecordReader over a filename queue -----------===//
#include "IoTestUtil.h"

#include "kiln/runtime/ReaderOps.h"
#include "kiln/runtime/TFRecord.h"

#include <gtest/gtest.h>

#include <thread>

using namespace kiln;
using namespace kiln::testutil;

namespace {

std::shared_ptr<FIFOQueue> filenameQueue(const std::vector<std::string> &names,
                                         bool close = true) {
  QueueOptions q;
  q.name = "_0_input_producer";
  q.componentTypes = {DType::kString};
  q.shapes = {TensorShape{}};
  auto queue = FIFOQueue::create(q);
  EXPECT_TRUE(queue.ok());
  for (const std::string &n : names)
    EXPECT_TRUE((*queue)->enqueue({Tensor::scalar<std::string>(n)}).ok());
  if (close) {
    EXPECT_TRUE((*queue)->close().ok());
  }
  return *queue;
}

void writeRecords(const std::string &path, const std::vector<std::string> &recs,
                  RecordCompression c = RecordCompression::kNone) {
  auto w = RecordWriter::create(path, RecordOptions::forCompression(c));
  ASSERT_TRUE(w.ok());
  for (const std::string &r : recs)
    ASSERT_TRUE((*w)->write(r).ok());
  ASSERT_TRUE((*w)->close().ok());
}

const Status kQueueExhausted = errors::OutOfRange(
    "FIFOQueue '_0_input_producer' is closed and has insufficient elements "
    "(requested 1, current size 0)");

class ReaderOps : public ::testing::Test {
protected:
  void SetUp() override {
    a_ = dir_.file("a.tfrecords");
    b_ = dir_.file("b.tfrecords");
    c_ = dir_.file("c.tfrecords");
    writeRecords(a_, {"a0", "a1-long", "a2"});
    writeRecords(b_, {});
    writeRecords(c_, {"c0", "c1"});
  }
  TempDir dir_;
  std::string a_, b_, c_;
};

} // namespace

TEST_F(ReaderOps, ReadWalksTheFilesThenReportsTheClosedQueue) {
  auto queue = filenameQueue({a_, b_, c_});
  auto reader = TFRecordReader::create("TFRecordReaderV2");
  ASSERT_TRUE(reader.ok());
  std::vector<std::string> keys, values;
  std::string key, value;
  Status s;
  while ((s = (*reader)->read(queue.get(), &key, &value)).ok()) {
    keys.push_back(key);
    values.push_back(value);
  }
  EXPECT_EQ(s, kQueueExhausted);
  EXPECT_EQ(values,
            (std::vector<std::string>{"a0", "a1-long", "a2", "c0", "c1"}));
  EXPECT_EQ(keys, (std::vector<std::string>{a_ + ":0", a_ + ":18", a_ + ":41",
                                            c_ + ":0", c_ + ":18"}));
  EXPECT_EQ((*reader)->numRecordsProduced(), 5);
  EXPECT_EQ((*reader)->numWorkUnitsCompleted(), 3);
  // Still exhausted.
  EXPECT_EQ((*reader)->read(queue.get(), &key, &value), kQueueExhausted);

  EXPECT_TRUE((*reader)->reset().ok());
  EXPECT_EQ((*reader)->numRecordsProduced(), 0);
  EXPECT_EQ((*reader)->numWorkUnitsCompleted(), 0);
  EXPECT_EQ((*reader)->kind(), "TFRecordReader");
}

TEST_F(ReaderOps, ReadUpToStopsAtFileEnds) {
  auto queue = filenameQueue({a_, b_, c_});
  auto reader = TFRecordReader::create("r");
  ASSERT_TRUE(reader.ok());
  std::vector<size_t> sizes;
  std::vector<std::string> all;
  Status s;
  for (;;) {
    std::vector<std::string> keys, values;
    s = (*reader)->readUpTo(queue.get(), 2, &keys, &values);
    if (!s.ok())
      break;
    ASSERT_EQ(keys.size(), values.size());
    sizes.push_back(values.size());
    all.insert(all.end(), values.begin(), values.end());
  }
  EXPECT_EQ(s, kQueueExhausted);
  // a: 2 then the 1 left (returned at a's end); b is empty; c: 2.
  EXPECT_EQ(sizes, (std::vector<size_t>{2, 1, 2}));
  EXPECT_EQ(all.size(), 5u);
  EXPECT_EQ((*reader)->numRecordsProduced(), 5);
  EXPECT_EQ((*reader)->numWorkUnitsCompleted(), 3);
  std::vector<std::string> k, v;
  EXPECT_EQ((*reader)->readUpTo(queue.get(), 0, &k, &v).code(),
            Code::kInvalidArgument);
}

TEST_F(ReaderOps, MissingFileFailsOneReadThenTheNextFileIsRead) {
  std::string missing = dir_.file("missing.tfrecords");
  auto queue = filenameQueue({missing, c_});
  auto reader = TFRecordReader::create("r");
  std::string key, value;
  Status s = (*reader)->read(queue.get(), &key, &value);
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_NE(s.message().find(missing), std::string::npos);
  ASSERT_TRUE((*reader)->read(queue.get(), &key, &value).ok());
  EXPECT_EQ(value, "c0");
  EXPECT_EQ((*reader)->numWorkUnitsCompleted(), 0);
}

TEST_F(ReaderOps, CorruptRecordFailsWithDataLossUntilReset) {
  std::string bytes = readFile(a_);
  bytes[18 + 12 + 2] ^= 0x10; // inside "a1-long"
  writeFile(a_, bytes);
  auto queue = filenameQueue({a_, c_});
  auto reader = TFRecordReader::create("r");
  std::string key, value;
  ASSERT_TRUE((*reader)->read(queue.get(), &key, &value).ok());
  Status corrupt = errors::DataLoss("corrupted record at 30 in file ", a_);
  EXPECT_EQ((*reader)->read(queue.get(), &key, &value), corrupt);
  EXPECT_EQ((*reader)->read(queue.get(), &key, &value), corrupt);
  // After a reset the reader takes the next file name.
  ASSERT_TRUE((*reader)->reset().ok());
  ASSERT_TRUE((*reader)->read(queue.get(), &key, &value).ok());
  EXPECT_EQ(key, c_ + ":0");
}

TEST_F(ReaderOps, GzipReader) {
  std::string gz = dir_.file("g.tfrecords.gz");
  writeRecords(gz, {"x", "y"}, RecordCompression::kGzip);
  auto queue = filenameQueue({gz});
  auto reader = TFRecordReader::create("r", "GZIP");
  ASSERT_TRUE(reader.ok());
  std::string key, value;
  ASSERT_TRUE((*reader)->read(queue.get(), &key, &value).ok());
  EXPECT_EQ(value, "x");
  ASSERT_TRUE((*reader)->read(queue.get(), &key, &value).ok());
  EXPECT_EQ(key, gz + ":17");
  EXPECT_EQ((*reader)->read(queue.get(), &key, &value), kQueueExhausted);
  EXPECT_EQ(TFRecordReader::create("r", "SNAPPY").status().code(),
            Code::kInvalidArgument);
}

TEST_F(ReaderOps, RejectsQueuesThatDoNotHoldFileNames) {
  QueueOptions q;
  q.name = "ints";
  q.componentTypes = {DType::kInt32};
  auto queue = FIFOQueue::create(q);
  ASSERT_TRUE((*queue)->enqueue({Tensor::scalar<int32_t>(1)}).ok());
  auto reader = TFRecordReader::create("r");
  std::string key, value;
  EXPECT_EQ(
      (*reader)->read(queue->get(), &key, &value),
      errors::InvalidArgument("Expected queue with single string component"));
  q.componentTypes = {DType::kString};
  q.name = "vec";
  auto vq = FIFOQueue::create(q);
  ASSERT_TRUE((*vq)->enqueue({Tensor::vector<std::string>({a_, b_})}).ok());
  EXPECT_EQ((*reader)->read(vq->get(), &key, &value),
            errors::InvalidArgument(
                "Expected to dequeue a one-element string tensor"));
}

TEST_F(ReaderOps, ReadBlocksUntilAFileNameArrives) {
  auto queue = filenameQueue({}, /*close=*/false);
  auto reader = TFRecordReader::create("r");
  std::string key, value;
  std::thread feeder([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_TRUE(queue->enqueue({Tensor::scalar<std::string>(c_)}).ok());
  });
  EXPECT_TRUE((*reader)->read(queue.get(), &key, &value).ok());
  EXPECT_EQ(value, "c0");
  feeder.join();
  // A run deadline ends a blocked read with DeadlineExceeded.
  ASSERT_TRUE((*reader)->read(queue.get(), &key, &value).ok());
  RunContext ctx(30);
  Status s = (*reader)->read(queue.get(), &key, &value, &ctx);
  EXPECT_TRUE(s.code() == Code::kDeadlineExceeded ||
              s.code() == Code::kCancelled)
      << s;
}
