//===- InputPipelineTest.cpp - Producers, batching and the S8 pipeline ----===//
//
// The S8 reading pipeline assembled from runtime pieces: string_input_producer
// with num_epochs -> TFRecordReader -> ParseSingleExample -> DecodeRaw ->
// shuffle_batch with two runner threads, driven by QueueRunners and a
// Coordinator until OutOfRange, as the tutorial's training loop does.
//
//===----------------------------------------------------------------------===//
#include "IoTestUtil.h"

#include "kiln/mnist/MnistRecords.h"
#include "kiln/runtime/DecodeRaw.h"
#include "kiln/runtime/Example.h"
#include "kiln/runtime/InputPipeline.h"
#include "kiln/runtime/ReaderOps.h"
#include "kiln/runtime/TFRecord.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

using namespace kiln;
using namespace kiln::testutil;

TEST(CountUpTo, CountsThenReportsTheLimit) {
  Variable v("input_producer/limit_epochs/epochs", DType::kInt64,
             TensorShape{});
  auto uninit = countUpTo(v, 2);
  EXPECT_EQ(uninit.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(uninit.status().message().find("Attempting to use uninitialized "
                                           "value"),
            std::string::npos)
      << uninit.status();
  ASSERT_TRUE(v.assign(Tensor::scalar<int64_t>(0)).ok());
  EXPECT_EQ(*countUpTo(v, 2)->data<int64_t>(), 0);
  EXPECT_EQ(*countUpTo(v, 2)->data<int64_t>(), 1);
  EXPECT_EQ(countUpTo(v, 2).status(), errors::OutOfRange("Reached limit of 2"));
  EXPECT_EQ(*v.read()->data<int64_t>(), 2);

  Variable i32("c", DType::kInt32, TensorShape{});
  ASSERT_TRUE(i32.assign(Tensor::scalar<int32_t>(5)).ok());
  EXPECT_EQ(*countUpTo(i32, 7)->data<int32_t>(), 5);
}

TEST(RandomShuffle, PermutesDeterministicallyWithSeeds) {
  std::vector<std::string> names;
  for (int i = 0; i < 20; ++i)
    names.push_back("f" + std::to_string(i));
  Tensor t = Tensor::fromVector<std::string>(names, TensorShape{20});
  random::GuardedPhiloxRandom r1(7, 9), r2(7, 9);
  Tensor a = randomShuffle(t, r1), b = randomShuffle(t, r2);
  EXPECT_TRUE(a.equals(b));
  Tensor c = randomShuffle(t, r1); // the next epoch: a new permutation
  EXPECT_FALSE(a.equals(c));
  for (const Tensor &p : {a, c}) {
    std::vector<std::string> v(p.data<std::string>(),
                               p.data<std::string>() + 20);
    EXPECT_FALSE(v == names);
    std::sort(v.begin(), v.end());
    std::vector<std::string> sorted = names;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(v, sorted);
  }
  // Rows of a matrix move together.
  Tensor m = *Tensor::vector<int32_t>({0, 0, 1, 1, 2, 2, 3, 3})
                  .reshaped(TensorShape{4, 2});
  Tensor pm = randomShuffle(m, r1);
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(pm.data<int32_t>()[2 * i], pm.data<int32_t>()[2 * i + 1]);
}

TEST(StringInputProducer, EpochLimitClosesTheQueue) {
  SessionState state;
  StringInputProducerOptions o;
  o.strings = {"a", "b", "c"};
  o.numEpochs = 2;
  o.shuffle = false;
  auto p = StringInputProducer::create(state, o);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ((*p)->enqueueOpName(), "input_producer/input_producer_EnqueueMany");
  EXPECT_EQ((*p)->cancelOpName(), "input_producer/input_producer_Close_1");
  ASSERT_TRUE(state.variable("input_producer/limit_epochs/epochs").ok());
  ASSERT_TRUE(state.queue("input_producer").ok());
  // Not initialized yet: the enqueue fails like TF's.
  EXPECT_EQ((*p)->runEnqueue().code(), Code::kFailedPrecondition);
  ASSERT_TRUE((*p)->initializeLocalVariables().ok());

  OpTable ops;
  (*p)->registerOps(ops);
  QueueRunner runner((*p)->runnerSpec());
  Coordinator coord;
  auto threads = runner.createThreads(&ops, &coord, /*start=*/true);
  std::vector<std::string> got;
  Tuple t;
  Status s;
  while ((s = (*p)->queue()->dequeue(&t)).ok())
    got.push_back(t[0].data<std::string>()[0]);
  EXPECT_EQ(s, errors::OutOfRange("FIFOQueue '_0_input_producer' is closed "
                                  "and has insufficient elements (requested "
                                  "1, current size 0)"));
  EXPECT_EQ(got, (std::vector<std::string>{"a", "b", "c", "a", "b", "c"}));
  coord.requestStop();
  EXPECT_TRUE(coord.join(threads, 10).ok());

  o.strings.clear();
  EXPECT_EQ(StringInputProducer::create(state, o).status().code(),
            Code::kInvalidArgument);
  o.strings = {"x"};
  o.numEpochs = 0;
  EXPECT_EQ(StringInputProducer::create(state, o).status(),
            errors::InvalidArgument("num_epochs must be > 0 not 0."));
}

TEST(BatchQueue, NamesAndChecks) {
  SessionState state;
  BatchOptions b;
  b.types = {DType::kFloat};
  b.shapes = {TensorShape{3}};
  b.numThreads = 2;
  auto q = BatchQueue::create(state, b);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ((*q)->queueNodeName(), "batch/fifo_queue");
  EXPECT_EQ((*q)->enqueueOpName(), "batch/fifo_queue_enqueue");
  EXPECT_EQ((*q)->closeOpName(), "batch/fifo_queue_Close");
  EXPECT_EQ((*q)->cancelOpName(), "batch/fifo_queue_Close_1");
  EXPECT_EQ((*q)->dequeueOpName(), "batch");
  EXPECT_EQ((*q)->runnerSpec().enqueueOpNames.size(), 2u);

  BatchOptions s = b;
  s.shuffle = true;
  s.capacity = 100;
  s.minAfterDequeue = 100;
  EXPECT_EQ(BatchQueue::create(state, s).status(),
            errors::InvalidArgument(
                "capacity 100 must be bigger than min_after_dequeue 100."));
  s.capacity = 130;
  s.enqueueMany = true;
  auto sq = BatchQueue::create(state, s);
  ASSERT_TRUE(sq.ok()) << sq.status();
  EXPECT_EQ((*sq)->queueNodeName(), "shuffle_batch/random_shuffle_queue");
  EXPECT_EQ((*sq)->enqueueOpName(),
            "shuffle_batch/random_shuffle_queue_EnqueueMany");
  EXPECT_EQ((*sq)->dequeueOpName(), "shuffle_batch");

  BatchOptions u = b;
  u.name = "batch_1";
  u.shapes = {TensorShape{-1}};
  EXPECT_EQ(BatchQueue::create(state, u).status().code(),
            Code::kInvalidArgument);
}

namespace {

/// Writes `n` fake 28x28 images (pixel = (i + k) % 256, label = i % 10) to
/// one TFRecord file of MNIST Examples.
void writeFakeMnist(const std::string &path, int n) {
  auto w = RecordWriter::create(path);
  ASSERT_TRUE(w.ok());
  std::vector<uint8_t> px(784);
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < 784; ++k)
      px[k] = static_cast<uint8_t>((i + k) % 256);
    ASSERT_TRUE(
        (*w)->write(encodeMnistExample(px.data(), 28, 28, i % 10)).ok());
  }
  ASSERT_TRUE((*w)->close().ok());
}

struct PipelineResult {
  Status end;
  int64_t steps = 0;
  std::vector<int64_t> batchSizes;
  std::vector<int64_t> labelCounts = std::vector<int64_t>(10, 0);
  Status joined;
};

/// S8's reading pipeline, with `shuffle` choosing shuffle_batch or batch.
PipelineResult runPipeline(const std::vector<std::string> &files,
                           int64_t numEpochs, bool shuffle, bool allowSmaller) {
  PipelineResult res;
  SessionState state;
  StringInputProducerOptions po;
  po.strings = files;
  po.numEpochs = numEpochs;
  po.seed = 1;
  auto producer = StringInputProducer::create(state, po);
  EXPECT_TRUE(producer.ok()) << producer.status();
  EXPECT_TRUE((*producer)->initializeLocalVariables().ok());
  auto reader = TFRecordReader::create("TFRecordReaderV2");

  ParseExampleConfig config;
  config.dense.push_back(
      {"image_raw", DType::kString, TensorShape{}, Tensor()});
  config.dense.push_back({"label", DType::kInt64, TensorShape{}, Tensor()});

  BatchOptions bo;
  bo.types = {DType::kFloat, DType::kInt32};
  bo.shapes = {TensorShape{784}, TensorShape{}};
  bo.batchSize = 100;
  bo.numThreads = 2;
  bo.shuffle = shuffle;
  bo.capacity = 1000 + 3 * 100;
  bo.minAfterDequeue = 1000;
  bo.seed = 3;
  bo.allowSmallerFinalBatch = allowSmaller;
  auto batch = BatchQueue::create(state, bo);
  EXPECT_TRUE(batch.ok()) << batch.status();

  Queue *filenames = (*producer)->queue();
  TFRecordReader *rd = reader->get();
  BatchQueue::Producer produce = [&](RunContext *ctx) -> StatusOr<Tuple> {
    std::string key, value;
    KILN_RETURN_IF_ERROR(rd->read(filenames, &key, &value, ctx));
    auto parsed = parseSingleExample(value, config);
    if (!parsed.ok())
      return parsed.status();
    auto pixels = decodeRaw(parsed->denseValues[0], DType::kUInt8);
    if (!pixels.ok())
      return pixels.status();
    Tensor image(DType::kFloat, TensorShape{784});
    for (int k = 0; k < 784; ++k)
      image.data<float>()[k] = pixels->data<uint8_t>()[k] * (1.f / 255) - 0.5f;
    Tensor label = Tensor::scalar<int32_t>(
        static_cast<int32_t>(*parsed->denseValues[1].data<int64_t>()));
    return Tuple{image, label};
  };

  OpTable ops;
  (*producer)->registerOps(ops);
  (*batch)->registerOps(ops, produce);
  QueueRunner producerRunner((*producer)->runnerSpec());
  QueueRunner batchRunner((*batch)->runnerSpec());
  Coordinator coord;
  auto threads =
      startQueueRunners({&producerRunner, &batchRunner}, &ops, &coord);
  for (;;) {
    Tuple out;
    Status s = (*batch)->dequeue(&out);
    if (!s.ok()) {
      res.end = s;
      break;
    }
    ++res.steps;
    int64_t n = out[1].shape().dim(0);
    res.batchSizes.push_back(n);
    EXPECT_EQ(out[0].shape(), (TensorShape{n, 784}));
    for (int64_t i = 0; i < n; ++i) {
      int32_t l = out[1].data<int32_t>()[i];
      if (l >= 0 && l < 10)
        ++res.labelCounts[l];
      float px = out[0].data<float>()[i * 784];
      EXPECT_GE(px, -0.5f);
      EXPECT_LE(px, 0.5f);
    }
  }
  coord.requestStop();
  res.joined = coord.join(threads, 10);
  return res;
}

} // namespace

TEST(InputPipeline, ShuffleBatchRunsTheEpochsThenOutOfRange) {
  TempDir dir;
  writeFakeMnist(dir.file("a.tfrecords"), 1250);
  writeFakeMnist(dir.file("b.tfrecords"), 1000);
  PipelineResult r =
      runPipeline({dir.file("a.tfrecords"), dir.file("b.tfrecords")}, 2,
                  /*shuffle=*/true, /*allowSmaller=*/false);
  // 2250 images x 2 epochs = 4500 = 45 full batches; nothing left over.
  EXPECT_EQ(r.steps, 45);
  EXPECT_EQ(r.end.code(), Code::kOutOfRange) << r.end;
  // A DequeueMany blocked at close holds the rows it took, so TF reports
  // what it still lacks: "(requested 100 - k, current size 0)".
  EXPECT_NE(r.end.message().find("RandomShuffleQueue '_0_shuffle_batch/"
                                 "random_shuffle_queue' is closed and has "
                                 "insufficient elements (requested "),
            std::string::npos)
      << r.end;
  EXPECT_EQ(r.labelCounts, std::vector<int64_t>(10, 450));
  EXPECT_TRUE(r.joined.ok()) << r.joined;
}

TEST(InputPipeline, BatchWithSmallerFinalBatch) {
  TempDir dir;
  writeFakeMnist(dir.file("a.tfrecords"), 250);
  PipelineResult r = runPipeline({dir.file("a.tfrecords")}, 1,
                                 /*shuffle=*/false, /*allowSmaller=*/true);
  EXPECT_EQ(r.batchSizes, (std::vector<int64_t>{100, 100, 50}));
  EXPECT_EQ(r.end.code(), Code::kOutOfRange) << r.end;
  EXPECT_EQ(r.labelCounts, std::vector<int64_t>(10, 25));
  EXPECT_TRUE(r.joined.ok()) << r.joined;

  // Without allow_smaller_final_batch the 50 left are not returned. The
  // message depends on timing, as in TF: a dequeue that arrives after the
  // close sees "(requested 100, current size 50)", one that was already
  // blocked holding the 50 rows sees "(requested 50, current size 0)".
  r = runPipeline({dir.file("a.tfrecords")}, 1, false, false);
  EXPECT_EQ(r.batchSizes, (std::vector<int64_t>{100, 100}));
  EXPECT_EQ(r.end.code(), Code::kOutOfRange);
  EXPECT_TRUE(r.end.message().find("(requested 100, current size 50)") !=
                  std::string::npos ||
              r.end.message().find("(requested 50, current size 0)") !=
                  std::string::npos)
      << r.end;
}

TEST(InputPipeline, FashionMnistTwoEpochsIs1100Steps) {
  if (!exists(std::string(kDefaultMnistDir) + "/" + kMnistTrainImages))
    GTEST_SKIP() << "Fashion-MNIST not installed at " << kDefaultMnistDir;
  TempDir dir;
  MnistConvertOptions opts;
  opts.outputDir = dir.path();
  auto files = convertMnistToRecords(opts);
  ASSERT_TRUE(files.ok()) << files.status();
  PipelineResult r = runPipeline({dir.file("train.tfrecords")}, 2,
                                 /*shuffle=*/true, /*allowSmaller=*/false);
  EXPECT_EQ(r.steps, 1100);
  EXPECT_EQ(r.end.code(), Code::kOutOfRange) << r.end;
  // Fashion-MNIST's training set has 6000 of each class; train drops the
  // first 5000 (validation), so each label appears 2 x its train count.
  auto split =
      readMnistSplit(kDefaultMnistDir, kMnistTrainImages, kMnistTrainLabels);
  ASSERT_TRUE(split.ok());
  std::vector<int64_t> expected(10, 0);
  for (int64_t i = 5000; i < split->count; ++i)
    expected[split->labels[i]] += 2;
  EXPECT_EQ(r.labelCounts, expected);
  EXPECT_TRUE(r.joined.ok()) << r.joined;
}
