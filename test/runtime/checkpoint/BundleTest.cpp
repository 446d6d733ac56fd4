//===- BundleTest.cpp - SSTable and tensor bundle round trips and errors --===//
#include "CheckpointTestUtil.h"

#include "kiln/runtime/BundleReader.h"
#include "kiln/runtime/BundleWriter.h"
#include "kiln/runtime/Crc32c.h"
#include "kiln/runtime/Table.h"
#include "kiln/runtime/Wire.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>

using namespace kiln;
using namespace kiln::testing;

namespace {

/// A tensor of `dtype` whose bytes follow a pattern seeded by `seed`.
Tensor patterned(DType dtype, TensorShape shape, int seed) {
  Tensor t(dtype, shape);
  if (dtype == DType::kString) {
    auto *s = t.data<std::string>();
    for (int64_t i = 0; i < t.numElements(); ++i)
      s[i] = std::string(static_cast<size_t>((i * 7 + seed) % 300),
                         static_cast<char>('a' + (i + seed) % 26));
    return t;
  }
  auto *p = static_cast<uint8_t *>(t.raw());
  size_t n = t.numElements() * dtypeSize(dtype);
  for (size_t i = 0; i < n; ++i)
    p[i] = static_cast<uint8_t>(i * 31 + seed);
  if (dtype == DType::kBool) // keep bools canonical
    for (size_t i = 0; i < n; ++i)
      p[i] &= 1;
  return t;
}

Status writeBundle(const std::string &prefix,
                   const std::vector<std::pair<std::string, Tensor>> &tensors) {
  BundleWriter w(prefix);
  for (const auto &[k, t] : tensors)
    KILN_RETURN_IF_ERROR(w.add(k, t));
  return w.finish();
}

void flipByte(const std::string &path, size_t offset) {
  std::string data = readFile(path);
  ASSERT_LT(offset, data.size());
  data[offset] ^= 0x40;
  writeFile(path, data);
}

} // namespace

//===----------------------------------------------------------------------===//
// SSTable
//===----------------------------------------------------------------------===//

TEST(Table, SeparatorsAsLevelDb) {
  std::string s = "abcd";
  table::findShortestSeparator(&s, "abzz");
  EXPECT_EQ(s, "abd");
  s = "abc";
  table::findShortestSeparator(&s, "abcd"); // prefix: unchanged
  EXPECT_EQ(s, "abc");
  s = "abc";
  table::findShortestSeparator(&s, "abd"); // c+1 == d: unchanged
  EXPECT_EQ(s, "abc");
  s = "strs";
  table::findShortSuccessor(&s);
  EXPECT_EQ(s, "t");
  s = std::string("\xff\xff"
                  "a",
                  3);
  table::findShortSuccessor(&s);
  EXPECT_EQ(s, std::string("\xff\xff"
                           "b",
                           3));
}

TEST(Table, EmptyTableLayout) {
  TempDir tmp;
  auto f = checkpoint::WritableFile::create(tmp / "t");
  ASSERT_TRUE(f.ok());
  table::TableBuilder b(table::TableOptions(), &*f);
  ASSERT_TRUE(b.finish().ok());
  ASSERT_TRUE(f->close().ok());
  std::string bytes = readFile(tmp / "t");
  // metaindex (8+5) + index (8+5) + footer 48.
  ASSERT_EQ(bytes.size(), 13u + 13u + 48u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\0\0\0\0\1\0\0\0", 8));
  EXPECT_EQ(bytes.substr(bytes.size() - 8),
            std::string("\x57\xfb\x80\x8b\x24\x75\x47\xdb", 8));
}

class TableRoundTrip : public ::testing::TestWithParam<table::CompressionType> {
};

TEST_P(TableRoundTrip, ManyBlocks) {
  TempDir tmp;
  std::map<std::string, std::string> want;
  for (int i = 0; i < 5000; ++i) {
    char key[32];
    std::snprintf(key, sizeof(key), "key/%06d", i);
    want[key] =
        std::string(static_cast<size_t>(i % 97), 'v') + std::to_string(i);
  }
  want[std::string(600, 'z')] = std::string(3000, 'x'); // > 2 * block size
  {
    auto f = checkpoint::WritableFile::create(tmp / "t");
    ASSERT_TRUE(f.ok());
    table::TableOptions opts;
    opts.blockSize = 1024; // many blocks
    opts.compression = GetParam();
    table::TableBuilder b(opts, &*f);
    for (auto &[k, v] : want)
      b.add(k, v);
    ASSERT_TRUE(b.finish().ok());
    ASSERT_TRUE(f->close().ok());
  }
  auto file = checkpoint::RandomAccessFile::open(tmp / "t");
  ASSERT_TRUE(file.ok());
  auto tbl = table::Table::open(&*file);
  ASSERT_TRUE(tbl.ok()) << tbl.status();
  std::map<std::string, std::string> got;
  ASSERT_TRUE((*tbl)
                  ->forEach([&](std::string_view k, std::string_view v) {
                    got.emplace(std::string(k), std::string(v));
                    return Status::OK();
                  })
                  .ok());
  EXPECT_EQ(got, want);
  std::string v;
  ASSERT_TRUE((*tbl)->get("key/004321", &v).ok());
  EXPECT_EQ(v, want["key/004321"]);
  Status s = (*tbl)->get("key/0043210", &v);
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_EQ((*tbl)->get("zzz", &v).code(), Code::kNotFound);
  // Snappy really compressed something (the long 'v' runs): the file is
  // smaller than the uncompressed one would be.
  if (GetParam() == table::kSnappyCompression) {
    EXPECT_LT(file->size(), 200000u);
  }
}

INSTANTIATE_TEST_SUITE_P(Compression, TableRoundTrip,
                         ::testing::Values(table::kNoCompression,
                                           table::kSnappyCompression));

TEST(Table, RestartEvery16Entries) {
  TempDir tmp;
  auto f = checkpoint::WritableFile::create(tmp / "t");
  ASSERT_TRUE(f.ok());
  table::TableBuilder b(table::TableOptions(), &*f);
  for (int i = 0; i < 40; ++i) {
    char key[8];
    std::snprintf(key, sizeof(key), "k%02d", i);
    b.add(key, "v");
  }
  ASSERT_TRUE(b.finish().ok());
  ASSERT_TRUE(f->close().ok());
  std::string bytes = readFile(tmp / "t");
  // The data block is first; its handle is the index block's only value.
  std::string_view footer(bytes.data() + bytes.size() - 48, 40);
  uint64_t mo, ms, io, is;
  ASSERT_TRUE(wire::getVarint64(footer, &mo) && wire::getVarint64(footer, &ms));
  ASSERT_TRUE(wire::getVarint64(footer, &io) && wire::getVarint64(footer, &is));
  // data block | metaindex (8 + 5) | index block | footer.
  EXPECT_EQ(mo + 13 + is + 5 + 48, bytes.size());
  // Data block: 40 entries -> restarts at entries 0, 16, 32.
  uint64_t dataSize = mo - 5;
  uint32_t numRestarts = wire::getFixed32(bytes.data() + dataSize - 4);
  EXPECT_EQ(numRestarts, 3u);
}

TEST(Table, CorruptBlockIsDataLoss) {
  TempDir tmp;
  ASSERT_TRUE(writeBundle(tmp / "b", {{"x", Tensor::scalar<float>(1)}}).ok());
  flipByte(tmp / "b.index", 3); // inside the data block
  auto r = BundleReader::open(tmp / "b");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kDataLoss);
  EXPECT_EQ(r.status().message(),
            tmp / "b.index" + ": block checksum mismatch");
}

/// A table file whose only block, the index, holds `contents` with block
/// type `type` and a valid checksum.
static std::string tableWithIndexBlock(const std::string &contents, char type) {
  std::string file = contents + type;
  wire::putFixed32(file, crc32c::mask(crc32c::value(file.data(), file.size())));
  std::string footer;
  wire::putVarint64(footer, 0); // metaindex handle (never read)
  wire::putVarint64(footer, 0);
  wire::putVarint64(footer, 0); // index handle
  wire::putVarint64(footer, contents.size());
  footer.resize(40, '\0');
  wire::putFixed64(footer, table::kTableMagicNumber);
  return file + footer;
}

TEST(Table, SnappyBlockClaimingHugeLengthIsDataLoss) {
  // Found by fuzzing (test/fuzz/regressions/checkpoint-index): a block that
  // says it is Snappy-compressed and claims 4 GiB of contents made the
  // reader allocate and zero that much before finding the stream corrupt.
  std::string contents;
  wire::putVarint64(contents, 0xffffffffu);
  contents.append(8, '\0');
  TempDir tmp;
  writeFile(tmp / "t",
            tableWithIndexBlock(contents, table::kSnappyCompression));
  auto f = checkpoint::RandomAccessFile::open(tmp / "t");
  ASSERT_TRUE(f.ok()) << f.status();
  uint64_t rssBefore = peakRssBytes();
  auto t = table::Table::open(&*f);
  EXPECT_LT(peakRssBytes() - rssBefore, uint64_t(1) << 30);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Code::kDataLoss);
  EXPECT_EQ(t.status().message(), "corrupted compressed block contents");
}

//===----------------------------------------------------------------------===//
// Entries
//===----------------------------------------------------------------------===//

TEST(BundleEntry, EncodesLikeProtobuf) {
  BundleEntry e;
  e.dtype = 1;
  e.size = 4;
  e.crc32c = 0x1f273806;
  EXPECT_EQ(e.encode(),
            std::string("\x08\x01\x12\x00\x28\x04\x35\x06\x38\x27\x1f", 11));
  e.offset = 4;
  e.shape = {3, 0};
  std::string bytes = e.encode();
  EXPECT_EQ(bytes, std::string("\x08\x01\x12\x06\x12\x02\x08\x03\x12\x00"
                               "\x20\x04\x28\x04\x35\x06\x38\x27\x1f",
                               19));
  auto d = BundleEntry::decode(bytes);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->shape, (std::vector<int64_t>{3, 0}));
  EXPECT_EQ(d->offset, 4);
  EXPECT_EQ(d->crc32c, 0x1f273806u);
  BundleHeader h;
  h.numShards = 1;
  h.versionProducer = 1;
  EXPECT_EQ(h.encode(), std::string("\x08\x01\x1a\x02\x08\x01", 6));
  EXPECT_FALSE(BundleEntry::decode(std::string("\x12\x05\x12", 3)).ok());
}

//===----------------------------------------------------------------------===//
// Round trips
//===----------------------------------------------------------------------===//

TEST(Bundle, RoundTripEveryDType) {
  const DType all[] = {DType::kFloat,   DType::kDouble,    DType::kInt32,
                       DType::kUInt8,   DType::kInt16,     DType::kInt8,
                       DType::kString,  DType::kComplex64, DType::kInt64,
                       DType::kBool,    DType::kQInt8,     DType::kQUInt8,
                       DType::kQInt32,  DType::kBFloat16,  DType::kQInt16,
                       DType::kQUInt16, DType::kUInt16,    DType::kComplex128,
                       DType::kHalf,    DType::kUInt32,    DType::kUInt64};
  const TensorShape shapes[] = {{}, {0}, {2, 0, 3}, {5}, {3, 4}, {2, 3, 7}};
  TempDir tmp;
  std::vector<std::pair<std::string, Tensor>> tensors;
  int seed = 0;
  for (DType d : all)
    for (const TensorShape &s : shapes)
      tensors.emplace_back(std::string(dtypeName(d)) + "/" + s.toString(),
                           patterned(d, s, ++seed));
  ASSERT_TRUE(writeBundle(tmp / "all", tensors).ok());
  auto r = BundleReader::open(tmp / "all");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)->keys().size(), tensors.size());
  for (const auto &[k, t] : tensors) {
    Tensor got;
    Status s = (*r)->lookup(k, &got);
    ASSERT_TRUE(s.ok()) << k << ": " << s;
    EXPECT_TRUE(got.equals(t)) << k;
    auto e = (*r)->entry(k);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->dtype, static_cast<int32_t>(t.dtype()));
    EXPECT_EQ(e->tensorShape(), t.shape());
  }
  EXPECT_TRUE((*r)->verifyAll().ok());
}

TEST(Bundle, DataInAddOrderIndexSorted) {
  TempDir tmp;
  ASSERT_TRUE(writeBundle(tmp / "b", {{"zeta", Tensor::scalar<int64_t>(1)},
                                      {"alpha", Tensor::scalar<int32_t>(2)}})
                  .ok());
  auto r = BundleReader::open(tmp / "b");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->keys(), (std::vector<std::string>{"alpha", "zeta"}));
  EXPECT_EQ((*r)->entry("zeta")->offset, 0);
  EXPECT_EQ((*r)->entry("alpha")->offset, 8);
  EXPECT_EQ(readFile(tmp / "b.data-00000-of-00001").size(), 12u);
}

TEST(Bundle, LargeTensorsStreamedWithSmallOnesAround) {
  TempDir tmp;
  Tensor big = patterned(DType::kFloat, {3 << 20}, 1); // 12 MiB
  Tensor bigStr(DType::kString, {3});
  bigStr.data<std::string>()[0] = std::string(5 << 20, 'q'); // 5 MiB
  bigStr.data<std::string>()[2] = "tail";
  ASSERT_TRUE(writeBundle(tmp / "b", {{"s0", Tensor::scalar<float>(1)},
                                      {"big", big},
                                      {"s1", Tensor::scalar<double>(2)},
                                      {"str", bigStr},
                                      {"s2", Tensor::scalar<int8_t>(3)}})
                  .ok());
  auto r = BundleReader::open(tmp / "b");
  ASSERT_TRUE(r.ok());
  for (const char *k : {"s0", "big", "s1", "str", "s2"}) {
    Tensor t;
    ASSERT_TRUE((*r)->lookup(k, &t).ok()) << k;
  }
  Tensor t;
  ASSERT_TRUE((*r)->lookup("big", &t).ok());
  EXPECT_TRUE(t.equals(big));
  ASSERT_TRUE((*r)->lookup("str", &t).ok());
  EXPECT_TRUE(t.equals(bigStr));
  ASSERT_TRUE((*r)->lookup("s2", &t).ok());
  EXPECT_EQ(*t.data<int8_t>(), 3);
}

TEST(Bundle, LookupReusesMatchingBuffer) {
  TempDir tmp;
  Tensor v = patterned(DType::kFloat, {4, 4}, 3);
  ASSERT_TRUE(writeBundle(tmp / "b", {{"v", v}}).ok());
  auto r = BundleReader::open(tmp / "b");
  ASSERT_TRUE(r.ok());
  Tensor dst(DType::kFloat, {4, 4});
  Tensor alias = dst;
  ASSERT_TRUE((*r)->lookup("v", &dst).ok());
  EXPECT_TRUE(dst.sharesBufferWith(alias));
  EXPECT_TRUE(alias.equals(v));
}

TEST(Bundle, TempFilesRenamedAndCleanedUp) {
  TempDir tmp;
  {
    BundleWriter w(tmp / "sub/dir/b"); // creates missing directories
    ASSERT_TRUE(w.add("x", Tensor::scalar<float>(1)).ok());
    auto names = checkpoint::listDir(tmp / "sub/dir");
    ASSERT_TRUE(names.ok());
    ASSERT_EQ(names->size(), 1u);
    EXPECT_EQ((*names)[0].rfind("b.data-00000-of-00001.tempstate", 0), 0u)
        << (*names)[0];
    // Destroyed without finish(): nothing is left behind.
  }
  auto names = checkpoint::listDir(tmp / "sub/dir");
  ASSERT_TRUE(names.ok());
  EXPECT_TRUE(names->empty());
}

TEST(Bundle, DuplicateAndBadKeys) {
  TempDir tmp;
  BundleWriter w(tmp / "b");
  ASSERT_TRUE(w.add("x", Tensor::scalar<float>(1)).ok());
  Status s = w.add("x", Tensor::scalar<float>(2));
  EXPECT_EQ(s, errors::InvalidArgument("Adding duplicate key: x"));
  EXPECT_EQ(w.add("", Tensor::scalar<float>(2)).code(), Code::kInvalidArgument);
  EXPECT_TRUE(w.finish().ok());
}

TEST(Bundle, MergeShards) {
  TempDir tmp;
  Tensor a = patterned(DType::kInt32, {3}, 1),
         b = patterned(DType::kString, {2}, 2);
  ASSERT_TRUE(writeBundle(tmp / "p0/part", {{"a", a}}).ok());
  ASSERT_TRUE(writeBundle(tmp / "p1/part", {{"b", b}}).ok());
  ASSERT_TRUE(mergeBundles({tmp / "p0/part", tmp / "p1/part"}, tmp / "m").ok());
  EXPECT_TRUE(checkpoint::fileExists(tmp / "m.data-00000-of-00002"));
  EXPECT_TRUE(checkpoint::fileExists(tmp / "m.data-00001-of-00002"));
  EXPECT_FALSE(checkpoint::fileExists(tmp / "p0")); // emptied and removed
  auto r = BundleReader::open(tmp / "m");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->header().numShards, 2);
  EXPECT_EQ((*r)->entry("b")->shardId, 1);
  Tensor t;
  ASSERT_TRUE((*r)->lookup("a", &t).ok());
  EXPECT_TRUE(t.equals(a));
  ASSERT_TRUE((*r)->lookup("b", &t).ok());
  EXPECT_TRUE(t.equals(b));

  ASSERT_TRUE(writeBundle(tmp / "q0", {{"a", a}}).ok());
  ASSERT_TRUE(writeBundle(tmp / "q1", {{"a", a}}).ok());
  Status s = mergeBundles({tmp / "q0", tmp / "q1"}, tmp / "n");
  EXPECT_EQ(s, errors::InvalidArgument("Duplicate tensor keyed by a "
                                       "encountered, when merging prefix: ",
                                       tmp / "q1"));
}

//===----------------------------------------------------------------------===//
// Fault cases, each with its exact message
//===----------------------------------------------------------------------===//

TEST(BundleFaults, FlippedDataByteIsDataLossNamingTensor) {
  TempDir tmp;
  Tensor w = patterned(DType::kFloat, {2, 3}, 5);
  ASSERT_TRUE(writeBundle(tmp / "b",
                          {{"first", Tensor::scalar<float>(1)}, {"layer/w", w}})
                  .ok());
  flipByte(tmp / "b.data-00000-of-00001", 4 + 9); // inside layer/w
  auto r = BundleReader::open(tmp / "b");
  ASSERT_TRUE(r.ok());
  Tensor t;
  EXPECT_TRUE((*r)->lookup("first", &t).ok());
  Status s = (*r)->lookup("layer/w", &t);
  std::string bytes = readFile(tmp / "b.data-00000-of-00001").substr(4, 24);
  uint32_t actual = crc32c::value(bytes.data(), bytes.size());
  uint32_t stored = crc32c::value(w.raw(), 24);
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%08u", stored);
  EXPECT_EQ(s, errors::DataLoss("Checksum does not match for tensor layer/w: "
                                "stored ",
                                buf, " vs. calculated on the restored bytes ",
                                actual));
  EXPECT_EQ((*r)->verifyAll(), s);
}

TEST(BundleFaults, FlippedStringByteIsDataLossNamingTensor) {
  TempDir tmp;
  ASSERT_TRUE(
      writeBundle(tmp / "b",
                  {{"s", Tensor::fromVector<std::string>({"hello", "world"})}})
          .ok());
  flipByte(tmp / "b.data-00000-of-00001", 2 + 4 + 1); // in "hello"
  auto r = BundleReader::open(tmp / "b");
  ASSERT_TRUE(r.ok());
  Tensor t;
  Status s = (*r)->lookup("s", &t);
  EXPECT_EQ(s.code(), Code::kDataLoss);
  EXPECT_EQ(
      s.message().rfind("Checksum does not match for tensor s: stored ", 0), 0u)
      << s;
}

/// Writes `prefix` as a checkpoint holding one entry `x` and `data`.
static void writeRawBundle(const std::string &prefix, const BundleEntry &e,
                           const std::string &data) {
  auto f = checkpoint::WritableFile::create(prefix + ".index");
  ASSERT_TRUE(f.ok());
  table::TableBuilder b(table::TableOptions(), &*f);
  BundleHeader h;
  h.numShards = 1;
  h.versionProducer = 1;
  b.add("", h.encode());
  b.add("x", e.encode());
  ASSERT_TRUE(b.finish().ok());
  ASSERT_TRUE(f->close().ok());
  writeFile(prefix + ".data-00000-of-00001", data);
}

/// Looks `x` up in a checkpoint of `e` over `data`.
static Status lookupRaw(const BundleEntry &e, const std::string &data) {
  TempDir tmp;
  writeRawBundle(tmp / "b", e, data);
  auto r = BundleReader::open(tmp / "b");
  if (!r.ok())
    return r.status();
  Tensor t;
  return (*r)->lookup("x", &t);
}

// Replayed by the checkpoint-bundle fuzz target too
// (test/fuzz/regressions/checkpoint-bundle): entries whose shape claims far
// more than their bytes made the reader allocate the tensor (terabytes)
// before comparing, or overflowed computing its size.
TEST(BundleFaults, ShapeLargerThanDataIsDataLossBeforeAllocating) {
  BundleEntry e;
  e.dtype = static_cast<int32_t>(DType::kFloat);
  e.shape = {1000000000000};
  e.size = 4;
  EXPECT_EQ(lookupRaw(e, std::string(4, '\0')),
            errors::DataLoss("Tensor x of dtype float and shape "
                             "[1000000000000] needs 4000000000000 bytes but "
                             "its entry records 4"));
  e.shape = {int64_t(1) << 40, int64_t(1) << 40};
  EXPECT_EQ(lookupRaw(e, std::string(4, '\0')),
            errors::DataLoss("Entry for key x has shape "
                             "[1099511627776,1099511627776], which has too "
                             "many elements"));
  e.shape = {int64_t(1) << 62};
  EXPECT_EQ(lookupRaw(e, std::string(4, '\0')),
            errors::DataLoss("Tensor x of dtype float and shape "
                             "[4611686018427387904] needs 18446744073709551615 "
                             "bytes but its entry records 4"));
  e.dtype = static_cast<int32_t>(DType::kString);
  e.shape = {1000000000000};
  e.size = 6;
  EXPECT_EQ(lookupRaw(e, std::string("\x01\0\0\0\0a", 6)),
            errors::DataLoss("Bad string lengths for tensor x"));
}

TEST(BundleFaults, StringLengthsSummingPastTheDataAreDataLoss) {
  // Two lengths of 2^63 with a matching length CRC: their sum wraps to 0.
  std::string data;
  uint32_t crc = 0;
  for (int i = 0; i < 2; ++i) {
    wire::putVarint64(data, uint64_t(1) << 63);
    crc = extendCrcWithStringLength(crc, uint64_t(1) << 63);
  }
  wire::putFixed32(data, crc32c::mask(crc));
  data += "abc";
  BundleEntry e;
  e.dtype = static_cast<int32_t>(DType::kString);
  e.shape = {2};
  e.size = static_cast<int64_t>(data.size());
  EXPECT_EQ(lookupRaw(e, data),
            errors::DataLoss(
                "String data of tensor x is shorter than its lengths say"));
}

TEST(BundleFaults, TruncatedIndexIsDataLoss) {
  TempDir tmp;
  ASSERT_TRUE(writeBundle(tmp / "b", {{"x", Tensor::scalar<float>(1)}}).ok());
  std::string index = readFile(tmp / "b.index");
  writeFile(tmp / "b.index", index.substr(0, index.size() - 1));
  auto r = BundleReader::open(tmp / "b");
  EXPECT_EQ(
      r.status(),
      errors::DataLoss(tmp / "b.index", ": not an sstable (bad magic number)"));
  writeFile(tmp / "b.index", index.substr(0, 40));
  r = BundleReader::open(tmp / "b");
  EXPECT_EQ(r.status(),
            errors::DataLoss(tmp / "b.index",
                             ": file is too short to be an sstable"));
  // Footer intact but blocks cut away: the handles point past the end.
  writeFile(tmp / "b.index", index.substr(index.size() - 48));
  r = BundleReader::open(tmp / "b");
  EXPECT_EQ(r.status(),
            errors::DataLoss(tmp / "b.index", ": truncated block read"));
}

TEST(BundleFaults, TruncatedDataIsDataLoss) {
  TempDir tmp;
  ASSERT_TRUE(
      writeBundle(tmp / "b", {{"x", Tensor::fromVector<float>({1, 2})}}).ok());
  writeFile(tmp / "b.data-00000-of-00001",
            readFile(tmp / "b.data-00000-of-00001").substr(0, 5));
  auto r = BundleReader::open(tmp / "b");
  ASSERT_TRUE(r.ok());
  Tensor t;
  EXPECT_EQ((*r)->lookup("x", &t),
            errors::DataLoss("Data for tensor x (offset 0, size 8) lies past "
                             "the end of ",
                             tmp / "b.data-00000-of-00001", " (5 bytes)"));
}

TEST(BundleFaults, MissingShardIsNotFound) {
  TempDir tmp;
  ASSERT_TRUE(writeBundle(tmp / "b", {{"x", Tensor::scalar<float>(1)}}).ok());
  ASSERT_TRUE(checkpoint::deleteFile(tmp / "b.data-00000-of-00001").ok());
  auto r = BundleReader::open(tmp / "b"); // the index alone opens
  ASSERT_TRUE(r.ok());
  Tensor t;
  EXPECT_EQ((*r)->lookup("x", &t),
            errors::NotFound(tmp / "b.data-00000-of-00001",
                             "; No such file or directory"));
}

TEST(BundleFaults, MissingIndexAndKeyAreNotFound) {
  TempDir tmp;
  auto r = BundleReader::open(tmp / "none");
  EXPECT_EQ(r.status(), errors::NotFound(tmp / "none.index",
                                         "; No such file or directory"));
  ASSERT_TRUE(writeBundle(tmp / "b", {{"x", Tensor::scalar<float>(1)}}).ok());
  r = BundleReader::open(tmp / "b");
  ASSERT_TRUE(r.ok());
  Tensor t;
  EXPECT_EQ((*r)->lookup("y", &t),
            errors::NotFound("Key y not found in checkpoint"));
}

TEST(Crc32c, InterleavedPathMatchesBytewise) {
  // Large buffers take the three-stream path; feeding the same bytes in
  // small odd pieces takes only the simple path. Both must agree, at every
  // alignment and around the block-size boundaries.
  std::string buf(3 * 8192 * 3 + 3 * 256 * 2 + 13, '\0');
  for (size_t i = 0; i < buf.size(); ++i)
    buf[i] = static_cast<char>(i * 131 + (i >> 7));
  for (size_t start : {0u, 1u, 5u})
    for (size_t len : {size_t(3 * 8192), size_t(3 * 8192 + 7), size_t(3 * 256),
                       size_t(3 * 256 - 1), buf.size() - 5}) {
      const char *p = buf.data() + start;
      uint32_t whole = crc32c::extend(0x12345678u, p, len);
      uint32_t pieces = 0x12345678u;
      for (size_t done = 0; done < len;) {
        size_t piece = std::min<size_t>(37, len - done);
        pieces = crc32c::extend(pieces, p + done, piece);
        done += piece;
      }
      EXPECT_EQ(whole, pieces) << start << "+" << len;
    }
  std::string zeros(32, '\0');
  EXPECT_EQ(crc32c::value(zeros.data(), 32), 0x8a9136aau);
}

TEST(BundleFaults, LargeTensorChecksummedWhileReading) {
  // >= 16 MiB takes the pipelined read (checksum on a trailing thread).
  TempDir tmp;
  Tensor big = patterned(DType::kInt32, {5, 1 << 20}, 7); // 20 MiB
  ASSERT_TRUE(writeBundle(tmp / "b",
                          {{"small", Tensor::scalar<int8_t>(1)}, {"big", big}})
                  .ok());
  {
    auto r = BundleReader::open(tmp / "b");
    ASSERT_TRUE(r.ok());
    Tensor t;
    ASSERT_TRUE((*r)->lookup("big", &t).ok());
    EXPECT_TRUE(t.equals(big));
  }
  flipByte(tmp / "b.data-00000-of-00001", 1 + (19 << 20));
  auto r = BundleReader::open(tmp / "b");
  ASSERT_TRUE(r.ok());
  Tensor t;
  Status s = (*r)->lookup("big", &t);
  EXPECT_EQ(s.code(), Code::kDataLoss);
  EXPECT_EQ(s.message().rfind("Checksum does not match for tensor big: ", 0),
            0u)
      << s;
}
