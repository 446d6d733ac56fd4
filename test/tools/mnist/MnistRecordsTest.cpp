//===- MnistRecordsTest.cpp - idx files and the Fashion-MNIST conversion --===//
//
// The end-to-end check of convert-to-records' library: converts the real
// Fashion-MNIST files (Debian's dataset-fashion-mnist) and reads all 70000
// records back, comparing pixels and labels with the idx bytes decoded
// independently of IdxFile.cpp.
//
//===----------------------------------------------------------------------===//
#include "IoTestUtil.h"

#include "kiln/mnist/IdxFile.h"
#include "kiln/mnist/MnistRecords.h"
#include "kiln/runtime/DecodeRaw.h"
#include "kiln/runtime/Example.h"
#include "kiln/runtime/TFRecord.h"

#include <gtest/gtest.h>

#include <zlib.h>

using namespace kiln;
using namespace kiln::testutil;

namespace {

std::string idxBytes(std::vector<uint32_t> dims, const std::string &data,
                     uint8_t type = 0x08) {
  std::string s = {0, 0, static_cast<char>(type),
                   static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8)
      s.push_back(static_cast<char>((d >> shift) & 0xff));
  return s + data;
}

void writeGz(const std::string &path, const std::string &bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  gzclose(f);
}

/// The whole decompressed file, read with plain zlib.
std::string gunzip(const std::string &path) {
  gzFile f = gzopen(path.c_str(), "rb");
  std::string out;
  if (!f)
    return out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof(buf))) > 0)
    out.append(buf, n);
  gzclose(f);
  return out;
}

ParseExampleConfig mnistConfig() {
  ParseExampleConfig c;
  c.dense.push_back({"height", DType::kInt64, TensorShape{}, Tensor()});
  c.dense.push_back({"image_raw", DType::kString, TensorShape{}, Tensor()});
  c.dense.push_back({"label", DType::kInt64, TensorShape{}, Tensor()});
  c.dense.push_back({"width", DType::kInt64, TensorShape{}, Tensor()});
  c.dense.push_back({"depth", DType::kInt64, TensorShape{}, Tensor()});
  return c;
}

} // namespace

TEST(IdxFile, ReadsPlainAndGzipped) {
  TempDir dir;
  std::string data = "\x01\x02\x03\x04\x05\x06";
  writeFile(dir.file("a.idx"), idxBytes({2, 3}, data));
  writeGz(dir.file("a.idx.gz"), idxBytes({2, 3}, data));
  for (const char *name : {"a.idx", "a.idx.gz"}) {
    auto a = readIdxFile(dir.file(name));
    ASSERT_TRUE(a.ok()) << a.status();
    EXPECT_EQ(a->dims, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(std::string(a->data.begin(), a->data.end()), data);
  }
}

TEST(IdxFile, ClearErrors) {
  TempDir dir;
  auto missing = readIdxFile(dir.file("nope.gz"));
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_NE(missing.status().message().find("nope.gz"), std::string::npos);

  writeFile(dir.file("magic"), "PK\x03\x04garbage");
  auto magic = readIdxFile(dir.file("magic"));
  EXPECT_EQ(magic.status(),
            errors::DataLoss(dir.file("magic"),
                             ": not a valid idx file: the magic number must "
                             "start with two zero bytes"));

  writeGz(dir.file("short.gz"), idxBytes({10, 28, 28}, std::string(100, 'x')));
  auto shortFile = readIdxFile(dir.file("short.gz"));
  EXPECT_EQ(shortFile.status(),
            errors::DataLoss(dir.file("short.gz"),
                             ": not a valid idx file: the header promises "
                             "7840 data bytes but the file has 100"));

  writeFile(dir.file("long"), idxBytes({2}, "abc"));
  EXPECT_EQ(readIdxFile(dir.file("long")).status().code(), Code::kDataLoss);
  writeFile(dir.file("hdr"), std::string("\0\0\x08\x03\0\0", 6));
  EXPECT_EQ(readIdxFile(dir.file("hdr")).status().code(), Code::kDataLoss);
  writeFile(dir.file("float"), idxBytes({1}, "abcd", 0x0d));
  EXPECT_EQ(readIdxFile(dir.file("float")).status().code(),
            Code::kInvalidArgument);
  // Corrupt gzip data.
  writeFile(dir.file("bad.gz"), std::string("\x1f\x8b\x08\x00garbagegarbage"));
  EXPECT_EQ(readIdxFile(dir.file("bad.gz")).status().code(), Code::kDataLoss);
}

TEST(MnistRecords, SmallConversionAndSplitChecks) {
  TempDir in, out;
  // 3 training images of 2x2 and 2 test images; labels 7, 8, 9 / 1, 2.
  writeGz(in.file(kMnistTrainImages), idxBytes({3, 2, 2}, "abcdefghijkl"));
  writeGz(in.file(kMnistTrainLabels), idxBytes({3}, "\x07\x08\x09"));
  writeFile(in.file("t10k-images-idx3-ubyte"), idxBytes({2, 2, 2}, "mnopqrst"));
  writeFile(in.file("t10k-labels-idx1-ubyte"), idxBytes({2}, "\x01\x02"));
  MnistConvertOptions opts;
  opts.inputDir = in.path();
  opts.outputDir = out.path();
  opts.validationSize = 1;
  int progressCalls = 0;
  auto files = convertMnistToRecords(
      opts, [&](const std::string &, int64_t, int64_t) { ++progressCalls; });
  ASSERT_TRUE(files.ok()) << files.status();
  ASSERT_EQ(files->size(), 3u);
  EXPECT_EQ((*files)[0].records, 2);
  EXPECT_EQ((*files)[1].records, 1);
  EXPECT_EQ((*files)[2].records, 2);
  EXPECT_EQ(progressCalls, 3);
  auto train = readAllRecords(out.file("train.tfrecords"));
  ASSERT_TRUE(train.ok());
  ASSERT_EQ(train->size(), 2u);
  auto p = parseSingleExample((*train)[0], mnistConfig());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(*p->denseValues[0].data<int64_t>(), 2);
  EXPECT_EQ(*p->denseValues[1].data<std::string>(), "efgh");
  EXPECT_EQ(*p->denseValues[2].data<int64_t>(), 8);
  EXPECT_EQ(*p->denseValues[4].data<int64_t>(), 1);
  auto val = readAllRecords(out.file("validation.tfrecords"));
  ASSERT_TRUE(val.ok());
  ASSERT_EQ(val->size(), 1u);
  p = parseSingleExample((*val)[0], mnistConfig());
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p->denseValues[1].data<std::string>(), "abcd");
  EXPECT_EQ(*p->denseValues[2].data<int64_t>(), 7);

  opts.validationSize = 4;
  EXPECT_EQ(convertMnistToRecords(opts).status(),
            errors::InvalidArgument("Validation size should be between 0 and "
                                    "3. Received: 4."));
  // Mismatched counts between images and labels.
  writeGz(in.file(kMnistTrainLabels), idxBytes({2}, "\x07\x08"));
  opts.validationSize = 0;
  auto bad = convertMnistToRecords(opts);
  EXPECT_EQ(bad.status().code(), Code::kDataLoss);
  EXPECT_NE(bad.status().message().find("has 3 images but"), std::string::npos)
      << bad.status();
  // A missing file is named.
  opts.inputDir = out.path();
  auto missing = convertMnistToRecords(opts);
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_NE(missing.status().message().find(kMnistTrainImages),
            std::string::npos);
}

TEST(MnistRecords, FashionMnistReadsBackExactly) {
  if (!exists(std::string(kDefaultMnistDir) + "/" + kMnistTrainImages))
    GTEST_SKIP() << "Fashion-MNIST not installed at " << kDefaultMnistDir
                 << " (Debian package dataset-fashion-mnist)";
  TempDir out;
  MnistConvertOptions opts;
  opts.outputDir = out.path();
  auto files = convertMnistToRecords(opts);
  ASSERT_TRUE(files.ok()) << files.status();

  std::string dir = kDefaultMnistDir;
  std::string trainImages = gunzip(dir + "/" + kMnistTrainImages);
  std::string trainLabels = gunzip(dir + "/" + kMnistTrainLabels);
  std::string testImages = gunzip(dir + "/" + kMnistTestImages);
  std::string testLabels = gunzip(dir + "/" + kMnistTestLabels);
  ASSERT_EQ(trainImages.size(), 16u + 60000u * 784u);
  ASSERT_EQ(testLabels.size(), 8u + 10000u);

  struct Expect {
    const char *file;
    const std::string *images, *labels;
    int64_t first, count;
  } expects[] = {{"train.tfrecords", &trainImages, &trainLabels, 5000, 55000},
                 {"validation.tfrecords", &trainImages, &trainLabels, 0, 5000},
                 {"test.tfrecords", &testImages, &testLabels, 0, 10000}};
  auto parser = ExampleParser::create(mnistConfig());
  ASSERT_TRUE(parser.ok());
  int64_t total = 0;
  for (const Expect &e : expects) {
    auto reader = RecordReader::open(out.file(e.file));
    ASSERT_TRUE(reader.ok()) << reader.status();
    parser->beginBatch(1);
    int64_t n = 0;
    std::string_view rec;
    Status s;
    while ((s = (*reader)->readRecord(&rec)).ok()) {
      ASSERT_LT(n, e.count) << e.file;
      ASSERT_TRUE(parser->parseInto(0, rec).ok());
      const auto &d = parser->denseOutputs();
      int64_t src = e.first + n;
      ASSERT_EQ(d[0].data<int64_t>()[0], 28);
      ASSERT_EQ(d[3].data<int64_t>()[0], 28);
      ASSERT_EQ(d[4].data<int64_t>()[0], 1);
      ASSERT_EQ(d[2].data<int64_t>()[0],
                static_cast<uint8_t>((*e.labels)[8 + src]))
          << e.file << " record " << n;
      ASSERT_EQ(d[1].data<std::string>()[0],
                e.images->substr(16 + src * 784, 784))
          << e.file << " record " << n;
      ++n;
    }
    EXPECT_EQ(s, errors::OutOfRange("eof"));
    EXPECT_EQ(n, e.count) << e.file;
    total += n;
  }
  EXPECT_EQ(total, 70000);
}
