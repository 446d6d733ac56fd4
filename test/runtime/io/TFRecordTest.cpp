//===- TFRecordTest.cpp - TFRecord framing, compression and corruption ----===//
#include "IoTestUtil.h"

#include "kiln/runtime/Crc32c.h"
#include "kiln/runtime/TFRecord.h"
#include "kiln/runtime/Wire.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fcntl.h>
#include <random>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
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
  // TF's wording (its POSIX file system's IOError).
  EXPECT_EQ(r.status(),
            errors::NotFound(
                "/nonexistent/dir/x.tfrecords; No such file or directory"));
}

TEST(TFRecord, DirectoryIsFailedPrecondition) {
  // Opening works on a directory; reading it fails with EISDIR, which TF
  // reports as FailedPrecondition.
  std::string dir = ::testing::TempDir();
  auto r = RecordReader::open(dir);
  std::string_view rec;
  Status s = r.ok() ? (*r)->readRecord(&rec) : r.status();
  EXPECT_EQ(s.code(), Code::kFailedPrecondition) << s;
  EXPECT_NE(s.message().find("; Is a directory"), std::string::npos) << s;
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
    KILN_MISSING_FIXTURE("TF fixtures not found");
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
    KILN_MISSING_FIXTURE("TF fixtures not found");
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

//===----------------------------------------------------------------------===//
// Chunked framing and reading ahead: the same records, offsets and errors as
// the format's rules give, wherever chunk boundaries fall, with and without
// the read-ahead thread.
//===----------------------------------------------------------------------===//

namespace {

struct Outcome {
  std::vector<std::pair<uint64_t, std::string>> records; // offset, data
  Status end;
};

/// The reading rules of the file comment applied to the whole file at once:
/// an independent statement of what every reader configuration must give.
Outcome referenceRead(const std::string &bytes, const std::string &path) {
  Outcome out;
  size_t pos = 0;
  auto dataLoss = [&](const char *what, uint64_t at) {
    return errors::DataLoss(what, " record at ", at, " in file ", path);
  };
  for (;;) {
    size_t left = bytes.size() - pos;
    if (left == 0) {
      out.end = errors::OutOfRange("eof");
      return out;
    }
    if (left < 12) {
      out.end = dataLoss("truncated", pos);
      return out;
    }
    const char *h = bytes.data() + pos;
    if (crc32c::unmask(wire::getFixed32(h + 8)) != crc32c::value(h, 8)) {
      out.end = dataLoss("corrupted", pos);
      return out;
    }
    uint64_t length = wire::getFixed64(h);
    if (length >= SIZE_MAX - 16) {
      out.end =
          errors::DataLoss("record size too large at ", pos, " in file ", path);
      return out;
    }
    if (left - 16 < length || left < 16) {
      out.end = dataLoss("truncated", left == 12 ? pos : pos + 12);
      return out;
    }
    std::string data = bytes.substr(pos + 12, length);
    if (crc32c::unmask(wire::getFixed32(h + 12 + length)) !=
        crc32c::value(data.data(), data.size())) {
      out.end = dataLoss("corrupted", pos + 12);
      return out;
    }
    out.records.emplace_back(pos, std::move(data));
    pos += 16 + length;
  }
}

Outcome readerOutcome(const std::string &path, RecordOptions options,
                      bool *readAhead = nullptr) {
  Outcome out;
  auto r = RecordReader::open(path, options);
  if (!r.ok()) {
    out.end = r.status();
    return out;
  }
  for (;;) {
    std::string_view v;
    Status s = (*r)->readRecord(&v);
    if (!s.ok()) {
      out.end = s;
      // Errors are sticky and a clean end stays "eof".
      EXPECT_EQ((*r)->readRecord(&v), s);
      break;
    }
    out.records.emplace_back((*r)->lastRecordOffset(), std::string(v));
    EXPECT_EQ((*r)->nextOffset(), (*r)->lastRecordOffset() + 16 + v.size());
  }
  if (readAhead)
    *readAhead = (*r)->readingAhead();
  return out;
}

void expectSameOutcome(const Outcome &got, const Outcome &want,
                       const std::string &what) {
  ASSERT_EQ(got.records.size(), want.records.size()) << what << ": " << got.end;
  for (size_t i = 0; i < got.records.size(); ++i) {
    ASSERT_EQ(got.records[i].first, want.records[i].first)
        << what << ": record " << i;
    ASSERT_EQ(got.records[i].second, want.records[i].second)
        << what << ": record " << i;
  }
  EXPECT_EQ(got.end, want.end) << what;
}

/// Reader configurations: the default chunk (1 MiB), small chunks (16 KiB,
/// so records straddle chunk ends all the time), each with and without the
/// read-ahead thread.
std::vector<std::pair<std::string, RecordOptions>> readerConfigs() {
  std::vector<std::pair<std::string, RecordOptions>> configs;
  for (size_t buffer : {size_t(256 * 1024), size_t(4096)})
    for (bool ahead : {true, false}) {
      RecordOptions o;
      o.bufferSize = buffer;
      o.readAhead = ahead;
      configs.emplace_back("buffer " + std::to_string(buffer) +
                               (ahead ? " read-ahead" : " in-line"),
                           o);
    }
  return configs;
}

/// Records of mixed sizes: many small ones, some around the small chunk
/// size, and every 1000th larger than two default chunks.
std::vector<std::string> manyRecords(uint32_t seed, size_t count) {
  std::mt19937 rng(seed);
  std::vector<std::string> recs;
  for (size_t i = 0; i < count; ++i) {
    size_t n = i % 1000 == 500   ? (2 << 20) + rng() % 1000
               : rng() % 10 == 0 ? 16000 + rng() % 2000
                                 : rng() % 1200;
    std::string s(n, '\0');
    for (size_t k = 0; k < n; k += 7)
      s[k] = static_cast<char>(rng());
    recs.push_back(std::move(s));
  }
  return recs;
}

} // namespace

TEST(TFRecordReadAhead, ManyChunksReadTheSameEveryWay) {
  TempDir dir;
  std::string path = dir.file("many.tfrecords");
  std::vector<std::string> recs = manyRecords(5, 3000);
  writeRecords(path, recs);
  std::string bytes = readFile(path);
  ASSERT_GT(bytes.size(), size_t(8) << 20); // several default chunks
  Outcome want = referenceRead(bytes, path);
  ASSERT_EQ(want.records.size(), recs.size());
  for (auto &[name, options] : readerConfigs()) {
    bool ahead = false;
    Outcome got = readerOutcome(path, options, &ahead);
    expectSameOutcome(got, want, name);
    EXPECT_EQ(ahead, options.readAhead) << name;
  }
  // Compressed streams arrive in smaller pieces; the same records.
  recs.resize(1000);
  writeRecords(path, recs);
  want = referenceRead(readFile(path), path);
  for (RecordCompression c :
       {RecordCompression::kGzip, RecordCompression::kZlib}) {
    std::string zpath = dir.file("many.z");
    writeRecords(zpath, recs, RecordOptions::forCompression(c));
    // Offsets refer to the uncompressed stream, so they are the same too.
    for (auto &[name, options] : readerConfigs()) {
      options.compression = c;
      expectSameOutcome(readerOutcome(zpath, options), want,
                        name + " " + recordCompressionName(c));
    }
  }
}

TEST(TFRecordReadAhead, CorruptionDeepInALargeFile) {
  // A bad bit in the middle of a large file is reported at the same offset,
  // after every record before it, whichever chunk holds it.
  TempDir dir;
  std::string path = dir.file("deep.tfrecords");
  std::vector<std::string> recs;
  for (int i = 0; i < 6000; ++i)
    recs.push_back(std::string(875, static_cast<char>(i)));
  writeRecords(path, recs);
  std::string good = readFile(path);
  const size_t kRecord = 875 + 16;
  std::mt19937 rng(77);
  for (int iter = 0; iter < 12; ++iter) {
    size_t victim = 2000 + rng() % 3000;
    // 0..7: length, 8..11: length CRC, then data, then the data CRC.
    size_t within = iter % 4 == 0   ? rng() % 8
                    : iter % 4 == 1 ? 8 + rng() % 4
                    : iter % 4 == 2 ? 12 + rng() % 875
                                    : 12 + 875 + rng() % 4;
    std::string bytes = good;
    bytes[victim * kRecord + within] ^= static_cast<char>(1 << (rng() % 8));
    writeFile(path, bytes);
    Outcome want = referenceRead(bytes, path);
    ASSERT_EQ(want.records.size(), victim);
    uint64_t at = victim * kRecord + (within < 12 ? 0 : 12);
    ASSERT_EQ(want.end,
              errors::DataLoss("corrupted record at ", at, " in file ", path));
    for (auto &[name, options] : readerConfigs())
      expectSameOutcome(readerOutcome(path, options), want,
                        name + " byte " + std::to_string(within) +
                            " of record " + std::to_string(victim));
  }
}

TEST(TFRecordReadAhead, BadDataAtCrcBlockAndChunkEdges) {
  // A bad record at the start or end of a chunk or next to one, or two bad
  // records, are reported exactly as when checked one by one: the first,
  // after every record before it.
  TempDir dir;
  std::string path = dir.file("edges.tfrecords");
  std::vector<std::string> recs;
  for (int i = 0; i < 6000; ++i)
    recs.push_back(std::string(875, static_cast<char>(i * 13)));
  writeRecords(path, recs);
  std::string good = readFile(path);
  const size_t kRecord = 875 + 16;
  const size_t perChunk = (1 << 20) / kRecord; // 1176 in a default chunk
  std::vector<std::vector<size_t>> cases = {
      {0},    {1},    {63},           {64},         {65},
      {127},  {128},  {perChunk - 1}, {perChunk},   {perChunk + 64},
      {3000}, {5999}, {100, 3000},    {3000, 3001}, {2 * perChunk - 1, 5999}};
  for (int round = 0; round < 3; ++round)
    for (const std::vector<size_t> &victims : cases) {
      std::string bytes = good;
      for (size_t v : victims)
        bytes[v * kRecord + 12 + 400] ^= 0x10;
      writeFile(path, bytes);
      Outcome want = referenceRead(bytes, path);
      ASSERT_EQ(want.records.size(), victims[0]);
      ASSERT_EQ(want.end,
                errors::DataLoss("corrupted record at ",
                                 victims[0] * kRecord + 12, " in file ", path));
      for (auto &[name, options] : readerConfigs())
        expectSameOutcome(readerOutcome(path, options), want,
                          name + " bad record " + std::to_string(victims[0]));
    }
}

TEST(TFRecordReadAhead, TruncatedAtEveryByteAroundChunkEnds) {
  TempDir dir;
  std::string path = dir.file("cut.tfrecords");
  std::vector<std::string> recs = manyRecords(9, 150);
  writeRecords(path, recs);
  std::string good = readFile(path);
  ASSERT_GT(good.size(), size_t(3) << 16);
  RecordOptions small;
  small.bufferSize = 4096; // 16 KiB chunks
  std::vector<size_t> cuts;
  for (size_t chunkEnd = 16384;
       chunkEnd + 40 < good.size() && chunkEnd < 200000; chunkEnd += 16384)
    for (size_t d = 0; d < 40; ++d)
      cuts.push_back(chunkEnd - 20 + d);
  // And in and right after the headers of some records, and at the end.
  Outcome whole = referenceRead(good, path);
  for (size_t i = 0; i < whole.records.size(); i += 7)
    for (size_t k = 0; k <= 17; ++k)
      cuts.push_back(whole.records[i].first + k);
  for (size_t d = 1; d < 30; ++d)
    cuts.push_back(good.size() - d);
  for (size_t cut : cuts) {
    std::string bytes = good.substr(0, cut);
    writeFile(path, bytes);
    Outcome want = referenceRead(bytes, path);
    for (bool ahead : {true, false}) {
      small.readAhead = ahead;
      expectSameOutcome(readerOutcome(path, small), want,
                        "cut at " + std::to_string(cut) +
                            (ahead ? " read-ahead" : " in-line"));
    }
  }
}

TEST(TFRecordReadAhead, RandomDamageMatchesTheRules) {
  TempDir dir;
  std::string path = dir.file("damaged.tfrecords");
  std::vector<std::string> recs = manyRecords(13, 400);
  writeRecords(path, recs);
  std::string good = readFile(path);
  std::mt19937 rng(4321);
  for (int iter = 0; iter < 40; ++iter) {
    std::string bytes = good;
    int flips = 1 + rng() % 3;
    for (int k = 0; k < flips; ++k)
      bytes[rng() % bytes.size()] ^= static_cast<char>(1 << (rng() % 8));
    if (rng() % 3 == 0)
      bytes.resize(rng() % bytes.size());
    writeFile(path, bytes);
    Outcome want = referenceRead(bytes, path);
    for (auto &[name, options] : readerConfigs())
      expectSameOutcome(readerOutcome(path, options), want,
                        name + " iteration " + std::to_string(iter));
  }
}

TEST(TFRecordReadAhead, StoppingEarlyJoinsTheThread) {
  // Readers dropped after a few records, mid-file, with the thread waiting
  // for a free chunk or still reading.
  TempDir dir;
  std::string path = dir.file("early.tfrecords");
  std::vector<std::string> recs;
  for (int i = 0; i < 20000; ++i)
    recs.push_back(std::string(500, static_cast<char>(i)));
  writeRecords(path, recs);
  for (int i = 0; i < 50; ++i) {
    auto r = RecordReader::open(path);
    ASSERT_TRUE(r.ok());
    std::string_view v;
    for (int k = 0; k < i * 97; ++k)
      ASSERT_TRUE((*r)->readRecord(&v).ok());
    if (i > 0) {
      EXPECT_TRUE((*r)->readingAhead());
    }
  }
}

TEST(TFRecordReadAhead, SmallFilesAndPipesReadInLine) {
  TempDir dir;
  // A file of one chunk starts no thread.
  std::string path = dir.file("small.tfrecords");
  writeRecords(path, {"a", "b", "c"});
  auto r = RecordReader::open(path);
  ASSERT_TRUE(r.ok());
  std::string rec;
  while ((*r)->readRecord(&rec).ok()) {
  }
  EXPECT_FALSE((*r)->readingAhead());

  // A pipe can block a read for as long as its writer likes, so it is read
  // on the caller's thread, in pieces as the writer delivers them.
  std::string fifo = dir.file("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::vector<std::string> recs = manyRecords(21, 600);
  std::string bytes;
  for (const std::string &s : recs)
    appendFramedRecord(bytes, s);
  std::thread writer([&] {
    int fd = ::open(fifo.c_str(), O_WRONLY);
    for (size_t at = 0; at < bytes.size();) {
      ssize_t w = ::write(fd, bytes.data() + at,
                          std::min<size_t>(bytes.size() - at, 70000));
      if (w <= 0)
        break;
      at += static_cast<size_t>(w);
    }
    ::close(fd);
  });
  bool ahead = true;
  Outcome got = readerOutcome(fifo, RecordOptions(), &ahead);
  writer.join();
  EXPECT_FALSE(ahead);
  expectSameOutcome(got, referenceRead(bytes, fifo), "fifo");
}
