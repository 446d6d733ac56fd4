//===- TFRecordTest.cpp - TFRecord framing, compression and corruption ----===//
#include "IoTestUtil.h"

#include "kiln/runtime/Crc32c.h"
#include "kiln/runtime/TFRecord.h"
#include "kiln/runtime/Wire.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>
#include <zlib.h>

using namespace kiln;
using namespace kiln::testutil;

namespace {

void writeRecords(const std::string &path, const std::vector<std::string> &recs,
                  RecordOptions options = RecordOptions()) {
  auto w = RecordWriter::create(path, options);
  ASSERT_TRUE(w.ok()) << w.status();
  for (const std::string &r : recs)
    ASSERT_TRUE((*w)->write(r).ok());
  ASSERT_TRUE((*w)->close().ok());
}

/// Reads until the first non-OK status; returns it and the records before.
Status readUntilError(const std::string &path, std::vector<std::string> *out,
                      RecordOptions options = RecordOptions()) {
  auto r = RecordReader::open(path, options);
  if (!r.ok())
    return r.status();
  for (;;) {
    std::string rec;
    Status s = (*r)->readRecord(&rec);
    if (!s.ok())
      return s;
    out->push_back(rec);
  }
}

std::vector<std::string> sampleRecords() {
  std::vector<std::string> recs = {"hello", "", "x", std::string(1000, 'a')};
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    std::string s(rng() % 3000, '\0');
    for (char &c : s)
      c = static_cast<char>(rng());
    recs.push_back(s);
  }
  // Larger than every buffer, so the reader must grow and refill.
  recs.push_back(std::string(3 << 20, 'z'));
  recs.push_back("tail");
  return recs;
}

} // namespace

TEST(TFRecord, FramingMatchesTheDocumentedVector) {
  std::string out;
  appendFramedRecord(out, "hello");
  ASSERT_EQ(out.size(), 5u + kRecordHeaderSize + kRecordFooterSize);
  const unsigned char expected[] = {0x05, 0,    0,    0,    0,    0,    0,
                                    0,    0xea, 0xb2, 0x04, 0x3e, 'h',  'e',
                                    'l',  'l',  'o',  0xbb, 0x1f, 0x1c, 0x19};
  EXPECT_EQ(out, std::string(reinterpret_cast<const char *>(expected),
                             sizeof(expected)));
}

TEST(TFRecord, CompressionNames) {
  EXPECT_EQ(*parseRecordCompression(""), RecordCompression::kNone);
  EXPECT_EQ(*parseRecordCompression("ZLIB"), RecordCompression::kZlib);
  EXPECT_EQ(*parseRecordCompression("GZIP"), RecordCompression::kGzip);
  EXPECT_EQ(parseRecordCompression("LZ4").status().code(),
            Code::kInvalidArgument);
  EXPECT_STREQ(recordCompressionName(RecordCompression::kGzip), "GZIP");
}

class TFRecordRoundTrip : public ::testing::TestWithParam<RecordCompression> {};

TEST_P(TFRecordRoundTrip, WritesAndReadsBack) {
  TempDir dir;
  std::string path = dir.file("r.tfrecords");
  std::vector<std::string> recs = sampleRecords();
  RecordOptions opts = RecordOptions::forCompression(GetParam());
  writeRecords(path, recs, opts);

  auto r = RecordReader::open(path, opts);
  ASSERT_TRUE(r.ok()) << r.status();
  uint64_t expectedOffset = 0;
  for (size_t i = 0; i < recs.size(); ++i) {
    std::string_view v;
    ASSERT_TRUE((*r)->readRecord(&v).ok()) << "record " << i;
    EXPECT_EQ(v, recs[i]) << "record " << i;
    EXPECT_EQ((*r)->lastRecordOffset(), expectedOffset);
    expectedOffset += recs[i].size() + 16;
  }
  std::string_view v;
  Status eof = (*r)->readRecord(&v);
  EXPECT_EQ(eof, errors::OutOfRange("eof"));
  // A clean EOF is not sticky as an error: it stays "eof".
  EXPECT_EQ((*r)->readRecord(&v), errors::OutOfRange("eof"));
}

INSTANTIATE_TEST_SUITE_P(All, TFRecordRoundTrip,
                         ::testing::Values(RecordCompression::kNone,
                                           RecordCompression::kZlib,
                                           RecordCompression::kGzip));

TEST(TFRecord, CompressedFilesAreStandardZlibAndGzipStreams) {
  TempDir dir;
  std::vector<std::string> recs = sampleRecords();
  writeRecords(dir.file("plain"), recs);
  writeRecords(dir.file("gz"), recs,
               RecordOptions::forCompression(RecordCompression::kGzip));
  writeRecords(dir.file("zlib"), recs,
               RecordOptions::forCompression(RecordCompression::kZlib));
  std::string plain = readFile(dir.file("plain"));

  // gzip: what `gunzip` would produce.
  gzFile gz = gzopen(dir.file("gz").c_str(), "rb");
  ASSERT_NE(gz, nullptr);
  std::string unzipped(plain.size() + 10, '\0');
  int n = gzread(gz, unzipped.data(), static_cast<unsigned>(unzipped.size()));
  gzclose(gz);
  unzipped.resize(n > 0 ? n : 0);
  EXPECT_EQ(unzipped, plain);
  std::string gzBytes = readFile(dir.file("gz"));
  ASSERT_GE(gzBytes.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(gzBytes[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(gzBytes[1]), 0x8b);

  // zlib: uncompress() accepts exactly a zlib-header stream.
  std::string zbytes = readFile(dir.file("zlib"));
  std::string inflated(plain.size(), '\0');
  uLongf len = inflated.size();
  ASSERT_EQ(uncompress(reinterpret_cast<Bytef *>(inflated.data()), &len,
                       reinterpret_cast<const Bytef *>(zbytes.data()),
                       zbytes.size()),
            Z_OK);
  inflated.resize(len);
  EXPECT_EQ(inflated, plain);
}

TEST(TFRecord, FlushMakesRecordsVisibleToAReader) {
  TempDir dir;
  for (RecordCompression c :
       {RecordCompression::kNone, RecordCompression::kGzip}) {
    std::string path = dir.file("f");
    auto w = RecordWriter::create(path, RecordOptions::forCompression(c));
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->write("one").ok());
    ASSERT_TRUE((*w)->write("two").ok());
    ASSERT_TRUE((*w)->flush().ok());
    std::vector<std::string> got;
    Status s = readUntilError(path, &got, RecordOptions::forCompression(c));
    EXPECT_EQ(got, (std::vector<std::string>{"one", "two"}));
    // The stream is not finished yet: plain files end cleanly, a gzip
    // stream without its trailer is reported as truncated.
    if (c == RecordCompression::kNone)
      EXPECT_EQ(s.code(), Code::kOutOfRange);
    else
      EXPECT_EQ(s.code(), Code::kDataLoss) << s;
    ASSERT_TRUE((*w)->close().ok());
    got.clear();
    EXPECT_EQ(
        readUntilError(path, &got, RecordOptions::forCompression(c)).code(),
        Code::kOutOfRange);
    EXPECT_EQ(got.size(), 2u);
    EXPECT_EQ((*w)->write("late").code(), Code::kFailedPrecondition);
  }
}

TEST(TFRecord, MissingFileIsNotFound) {
  auto r = RecordReader::open("/nonexistent/dir/x.tfrecords");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_NE(r.status().message().find("/nonexistent/dir/x.tfrecords"),
            std::string::npos);
}

//===----------------------------------------------------------------------===//
// Corruption: every case gives TF's DataLoss message with the offset TF's
// RecordReader reports, plus the file name.
//===----------------------------------------------------------------------===//

class TFRecordCorruption : public ::testing::Test {
protected:
  void SetUp() override {
    recs_ = {"first record", "second record, longer", "third"};
    path_ = dir_.file("c.tfrecords");
    writeRecords(path_, recs_);
    good_ = readFile(path_);
    off1_ = 16 + recs_[0].size();
    off2_ = off1_ + 16 + recs_[1].size();
  }
  /// Writes `bytes`, reads until the error, checks the records before it.
  Status readMutated(const std::string &bytes, size_t expectGood) {
    writeFile(path_, bytes);
    std::vector<std::string> got;
    Status s = readUntilError(path_, &got);
    EXPECT_EQ(got.size(), expectGood);
    for (size_t i = 0; i < got.size() && i < recs_.size(); ++i)
      EXPECT_EQ(got[i], recs_[i]);
    return s;
  }
  std::string flipped(size_t byte, int bit = 0) {
    std::string b = good_;
    b[byte] = static_cast<char>(b[byte] ^ (1 << bit));
    return b;
  }
  Status corrupted(uint64_t at) {
    return errors::DataLoss("corrupted record at ", at, " in file ", path_);
  }
  Status truncated(uint64_t at) {
    return errors::DataLoss("truncated record at ", at, " in file ", path_);
  }

  TempDir dir_;
  std::vector<std::string> recs_;
  std::string path_, good_;
  uint64_t off1_ = 0, off2_ = 0;
};

TEST_F(TFRecordCorruption, FlippedBitInLength) {
  EXPECT_EQ(readMutated(flipped(off1_ + 0, 3), 1), corrupted(off1_));
  // A flip in the high bytes would claim a huge record: still caught by the
  // length CRC before anything is allocated.
  EXPECT_EQ(readMutated(flipped(off1_ + 7, 7), 1), corrupted(off1_));
}

TEST_F(TFRecordCorruption, FlippedBitInLengthCrc) {
  EXPECT_EQ(readMutated(flipped(off1_ + 9, 2), 1), corrupted(off1_));
}

TEST_F(TFRecordCorruption, FlippedBitInData) {
  EXPECT_EQ(readMutated(flipped(off1_ + 12 + 5, 6), 1), corrupted(off1_ + 12));
}

TEST_F(TFRecordCorruption, FlippedBitInDataCrc) {
  size_t crcAt = off1_ + 12 + recs_[1].size();
  EXPECT_EQ(readMutated(flipped(crcAt + 3, 1), 1), corrupted(off1_ + 12));
}

TEST_F(TFRecordCorruption, ErrorsAreSticky) {
  writeFile(path_, flipped(off1_ + 12, 0));
  auto r = RecordReader::open(path_);
  ASSERT_TRUE(r.ok());
  std::string rec;
  ASSERT_TRUE((*r)->readRecord(&rec).ok());
  EXPECT_EQ((*r)->readRecord(&rec), corrupted(off1_ + 12));
  EXPECT_EQ((*r)->readRecord(&rec), corrupted(off1_ + 12));
}

TEST_F(TFRecordCorruption, TruncatedInsideHeader) {
  EXPECT_EQ(readMutated(good_.substr(0, off2_ + 5), 2), truncated(off2_));
}

TEST_F(TFRecordCorruption, TruncatedRightAfterHeader) {
  EXPECT_EQ(readMutated(good_.substr(0, off2_ + 12), 2), truncated(off2_));
}

TEST_F(TFRecordCorruption, TruncatedInsideData) {
  EXPECT_EQ(readMutated(good_.substr(0, off2_ + 14), 2), truncated(off2_ + 12));
}

TEST_F(TFRecordCorruption, TruncatedBeforeDataCrc) {
  EXPECT_EQ(readMutated(good_.substr(0, good_.size() - 2), 2),
            truncated(off2_ + 12));
}

TEST_F(TFRecordCorruption, LengthLargerThanTheFile) {
  // A well-formed header (valid CRC) that claims more data than exists.
  for (uint64_t len : {uint64_t(100), uint64_t(1) << 40, ~uint64_t(0) - 100}) {
    std::string bytes = good_.substr(0, off2_);
    std::string header;
    wire::putFixed64(header, len);
    wire::putFixed32(header, crc32c::mask(crc32c::value(header.data(), 8)));
    bytes += header + "only a few bytes";
    Status s = readMutated(bytes, 2);
    if (len > (uint64_t(1) << 62))
      EXPECT_EQ(s.code(), Code::kDataLoss) << s;
    else
      EXPECT_EQ(s, truncated(off2_ + 12)) << "length " << len;
  }
}

TEST_F(TFRecordCorruption, CompressedFileCutShort) {
  std::vector<std::string> recs = sampleRecords();
  RecordOptions gz = RecordOptions::forCompression(RecordCompression::kGzip);
  writeRecords(path_, recs, gz);
  std::string bytes = readFile(path_);
  writeFile(path_, bytes.substr(0, bytes.size() / 2));
  std::vector<std::string> got;
  Status s = readUntilError(path_, &got, gz);
  EXPECT_EQ(s.code(), Code::kDataLoss) << s;
  EXPECT_NE(s.message().find(path_), std::string::npos) << s;
  ASSERT_GT(got.size(), 0u);
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_EQ(got[i], recs[i]);
}

TEST_F(TFRecordCorruption, RandomDamageNeverCrashes) {
  std::mt19937 rng(1234);
  for (int iter = 0; iter < 300; ++iter) {
    std::string bytes = good_;
    int flips = 1 + rng() % 4;
    for (int k = 0; k < flips; ++k)
      bytes[rng() % bytes.size()] ^= static_cast<char>(1 << (rng() % 8));
    if (rng() % 3 == 0)
      bytes.resize(rng() % bytes.size());
    writeFile(path_, bytes);
    std::vector<std::string> got;
    Status s = readUntilError(path_, &got);
    ASSERT_TRUE(s.code() == Code::kOutOfRange || s.code() == Code::kDataLoss)
        << s;
  }
  // Garbage in a compressed stream, too.
  RecordOptions gz = RecordOptions::forCompression(RecordCompression::kGzip);
  writeRecords(path_, recs_, gz);
  std::string gzGood = readFile(path_);
  for (int iter = 0; iter < 300; ++iter) {
    std::string bytes = gzGood;
    bytes[rng() % bytes.size()] ^= static_cast<char>(1 << (rng() % 8));
    writeFile(path_, bytes);
    std::vector<std::string> got;
    Status s = readUntilError(path_, &got, gz);
    ASSERT_TRUE(s.code() == Code::kOutOfRange || s.code() == Code::kDataLoss)
        << s;
  }
}

//===----------------------------------------------------------------------===//
// Files written by TensorFlow.
//===----------------------------------------------------------------------===//

TEST(TFRecordFixtures, TutorialTestRecords) {
  std::string dir = fixturesDir();
  if (dir.empty())
    GTEST_SKIP() << "TF fixtures not found (set KILN_TF_FIXTURES)";
  std::string path = dir + "/maomao1994-TensorFlow-Tutorials/test.tfrecords";
  auto r = RecordReader::open(path);
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<uint64_t> offsets;
  std::string_view v;
  while ((*r)->readRecord(&v).ok())
    offsets.push_back((*r)->lastRecordOffset());
  // 5 records of 49 data bytes each = 325 bytes.
  EXPECT_EQ(offsets, (std::vector<uint64_t>{0, 65, 130, 195, 260}));
  EXPECT_EQ((*r)->readRecord(&v), errors::OutOfRange("eof"));
}

TEST(TFRecordFixtures, WarriorsVocabularyGzip) {
  std::string dir = fixturesDir();
  if (dir.empty())
    GTEST_SKIP() << "TF fixtures not found (set KILN_TF_FIXTURES)";
  std::string base = dir + "/tensorflow/python/feature_column/testdata/";
  auto recs =
      readAllRecords(base + "warriors_vocabulary.tfrecord.gz",
                     RecordOptions::forCompression(RecordCompression::kGzip));
  ASSERT_TRUE(recs.ok()) << recs.status();
  std::vector<std::string> lines;
  std::string text = readFile(base + "warriors_vocabulary.txt");
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos)
      nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(*recs, lines);
  // Read without GZIP it is not a valid record stream.
  std::vector<std::string> got;
  EXPECT_EQ(
      readUntilError(base + "warriors_vocabulary.tfrecord.gz", &got).code(),
      Code::kDataLoss);
}
