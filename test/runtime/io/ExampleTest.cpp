//===- ExampleTest.cpp - tf.train.Example encoding and parsing ------------===//
#include "IoTestUtil.h"

#include "kiln/runtime/DecodeRaw.h"
#include "kiln/runtime/Example.h"
#include "kiln/runtime/TFRecord.h"
#include "kiln/runtime/Wire.h"

#include <gtest/gtest.h>

#include <random>

using namespace kiln;
using namespace kiln::testutil;

namespace {

ParseExampleConfig abcConfig() {
  ParseExampleConfig c;
  c.dense.push_back({"a", DType::kFloat, TensorShape{}, Tensor()});
  c.dense.push_back({"b", DType::kInt64, TensorShape{2}, Tensor()});
  c.dense.push_back({"c", DType::kString, TensorShape{}, Tensor()});
  return c;
}

std::string exampleABC(int i) {
  std::string raw;
  for (int k = 0; k < 6; ++k)
    raw.push_back(static_cast<char>(k + i));
  return ExampleBuilder()
      .addFloat("a", {0.618f + i})
      .addInt64("b", {2016 + i, 2017 + i})
      .addBytes("c", {raw})
      .serialize();
}

std::string hex(const std::string &s) {
  static const char *d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

} // namespace

TEST(ExampleBuilder, EncodesLikeProtobuf) {
  // Expected bytes worked out by hand from the protobuf wire format:
  // Example{features{feature{key:"k" value{int64_list{value:[1,300]}}}}}.
  std::string got = ExampleBuilder().addInt64("k", {1, 300}).serialize();
  // One string piece per protobuf field.
  // clang-format off
  EXPECT_EQ(hex(got), "0a0e" "0a0c" "0a016b" "1207" "1a05" "0a03" "01ac02");
  // Negative int64 is a 10-byte varint; empty lists keep an empty list
  // message; keys are sorted (deterministic serialization).
  got = ExampleBuilder()
            .addInt64("z", {-1})
            .addFloat("e", {})
            .addBytes("b", {"", "xy"})
            .serialize();
  // Cross-checked with `protoc --encode=tensorflow.Example`.
  EXPECT_EQ(hex(got), "0a2d"
                      "0a0d" "0a0162" "1208" "0a06" "0a00" "0a027879"
                      "0a07" "0a0165" "1202" "1200"
                      "0a13" "0a017a" "120e" "1a0c" "0a0a"
                      "ffffffffffffffffff01");
  // clang-format on
}

TEST(ExampleFixtures, TutorialRecordsDecodeToTheReadmeValues) {
  std::string dir = fixturesDir();
  if (dir.empty())
    KILN_MISSING_FIXTURE("TF fixtures not found");
  auto recs =
      readAllRecords(dir + "/maomao1994-TensorFlow-Tutorials/test.tfrecords");
  ASSERT_TRUE(recs.ok()) << recs.status();
  ASSERT_EQ(recs->size(), 5u);
  for (int i = 0; i < 5; ++i) {
    auto parsed = parseSingleExample((*recs)[i], abcConfig());
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    const auto &d = parsed->denseValues;
    EXPECT_EQ(d[0].shape(), TensorShape{});
    EXPECT_FLOAT_EQ(*d[0].data<float>(), 0.618f + i);
    EXPECT_TRUE(d[1].equals(Tensor::vector<int64_t>({2016 + i, 2017 + i})));
    auto pixels = decodeRaw(d[2], DType::kUInt8);
    ASSERT_TRUE(pixels.ok()) << pixels.status();
    ASSERT_EQ(pixels->shape(), TensorShape{6});
    for (int k = 0; k < 6; ++k)
      EXPECT_EQ(pixels->data<uint8_t>()[k], k + i);

    // The same values encoded in the writer's map order give the file's
    // record byte for byte (the Python writer emitted b, c, a).
    std::string raw(reinterpret_cast<const char *>(pixels->data<uint8_t>()), 6);
    std::string again = ExampleBuilder(ExampleBuilder::Order::kInsertion)
                            .addInt64("b", {2016 + i, 2017 + i})
                            .addBytes("c", {raw})
                            .addFloat("a", {0.618f + i})
                            .serialize();
    if (i == 0) {
      EXPECT_EQ(hex(again), hex((*recs)[i]));
    }
  }
  // ParseExample over the whole file at once.
  std::vector<std::string_view> views(recs->begin(), recs->end());
  auto batch = parseExample(views, {}, abcConfig());
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->denseValues[1].shape(), (TensorShape{5, 2}));
  EXPECT_EQ(batch->denseValues[1].data<int64_t>()[9], 2021);
}

TEST(ExampleParser, SingleAndBatchRoundTrip) {
  std::vector<std::string> ser;
  for (int i = 0; i < 4; ++i)
    ser.push_back(exampleABC(i));
  auto single = parseSingleExample(ser[3], abcConfig());
  ASSERT_TRUE(single.ok()) << single.status();
  EXPECT_FLOAT_EQ(*single->denseValues[0].data<float>(), 3.618f);
  std::vector<std::string_view> views(ser.begin(), ser.end());
  auto batch = parseExample(views, {"e0", "e1", "e2", "e3"}, abcConfig());
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->denseValues[0].shape(), TensorShape{4});
  EXPECT_EQ(batch->denseValues[2].shape(), TensorShape{4});
  EXPECT_EQ(batch->denseValues[2].data<std::string>()[2].size(), 6u);
  EXPECT_EQ(batch->denseValues[1].data<int64_t>()[4], 2018);
}

TEST(ExampleParser, BorrowedBytesPointIntoTheRecord) {
  std::string ser = exampleABC(4);
  auto parser = ExampleParser::create(abcConfig());
  ASSERT_TRUE(parser.ok());
  parser->beginBatch(2);
  std::vector<std::string_view> views;
  ASSERT_TRUE(parser->parseIntoBorrowed(1, ser, views).ok());
  ASSERT_EQ(views.size(), 3u);
  EXPECT_TRUE(views[0].empty());
  EXPECT_EQ(views[2], std::string("\x04\x05\x06\x07\x08\x09", 6));
  EXPECT_GE(views[2].data(), ser.data());
  EXPECT_LE(views[2].data() + 6, ser.data() + ser.size());
  // The numeric features still land in their rows; the string row is not
  // written.
  EXPECT_EQ(parser->denseOutputs()[1].data<int64_t>()[2], 2020);
  EXPECT_TRUE(parser->denseOutputs()[2].data<std::string>()[1].empty());
  // Size checks still apply.
  std::string two = ExampleBuilder()
                        .addFloat("a", {1})
                        .addInt64("b", {1, 2})
                        .addBytes("c", {"x", "y"})
                        .serialize();
  EXPECT_EQ(parser->parseIntoBorrowed(0, two, views).code(),
            Code::kInvalidArgument);
}

TEST(ExampleParser, DefaultsFillMissingFeatures) {
  ParseExampleConfig c;
  c.dense.push_back(
      {"x", DType::kFloat, TensorShape{2}, Tensor::vector<float>({7, 8})});
  c.dense.push_back({"s", DType::kString, TensorShape{},
                     Tensor::scalar<std::string>("dflt")});
  std::string ex = ExampleBuilder().addInt64("other", {1}).serialize();
  auto p = parseSingleExample(ex, c);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->denseValues[0].equals(Tensor::vector<float>({7, 8})));
  EXPECT_EQ(*p->denseValues[1].data<std::string>(), "dflt");
  // An Example that is completely empty is valid too.
  p = parseSingleExample("", c);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->denseValues[0].equals(Tensor::vector<float>({7, 8})));

  // A default of the wrong shape is rejected up front.
  c.dense[0].defaultValue = Tensor::vector<float>({1, 2, 3});
  EXPECT_EQ(ExampleParser::create(c).status().code(), Code::kInvalidArgument);
}

TEST(ExampleParser, VarLenFeaturesAreSparse) {
  ParseExampleConfig c;
  c.sparse.push_back({"ids", DType::kInt64});
  c.sparse.push_back({"words", DType::kString});
  std::vector<std::string> ser = {
      ExampleBuilder()
          .addInt64("ids", {5, 6, 7})
          .addBytes("words", {"a"})
          .serialize(),
      ExampleBuilder().serialize(),
      ExampleBuilder().addInt64("ids", {9}).serialize()};
  std::vector<std::string_view> views(ser.begin(), ser.end());
  auto b = parseExample(views, {}, c);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_TRUE(b->sparseIndices[0].equals(
      *Tensor::fromVector<int64_t>({0, 0, 0, 1, 0, 2, 2, 0})
           .reshaped(TensorShape{4, 2})));
  EXPECT_TRUE(b->sparseValues[0].equals(Tensor::vector<int64_t>({5, 6, 7, 9})));
  EXPECT_TRUE(b->sparseShapes[0].equals(Tensor::vector<int64_t>({3, 3})));
  EXPECT_TRUE(b->sparseShapes[1].equals(Tensor::vector<int64_t>({3, 1})));
  EXPECT_EQ(b->sparseValues[1].data<std::string>()[0], "a");

  auto s = parseSingleExample(ser[0], c);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->sparseIndices[0].shape(), (TensorShape{3, 1}));
  EXPECT_TRUE(s->sparseIndices[0].equals(
      *Tensor::vector<int64_t>({0, 1, 2}).reshaped(TensorShape{3, 1})));
  EXPECT_TRUE(s->sparseShapes[0].equals(Tensor::vector<int64_t>({3})));
}

TEST(ExampleParser, AcceptsUnpackedNumbersAndLastDuplicateWins) {
  // Feature{int64_list{value: 3 (unpacked), value: 4 (unpacked)}} and a
  // float_list with two unpacked fixed32 values, hand-encoded.
  auto entry = [](const std::string &key, const std::string &feature) {
    std::string e;
    wire::putLengthDelimited(e, 1, key);
    wire::putLengthDelimited(e, 2, feature);
    std::string wrapped;
    wire::putLengthDelimited(wrapped, 1, e);
    return wrapped;
  };
  std::string ints;
  wire::putTag(ints, 1, wire::kVarint);
  wire::putVarint64(ints, 3);
  wire::putTag(ints, 1, wire::kVarint);
  wire::putVarint64(ints, 4);
  std::string intFeature;
  wire::putLengthDelimited(intFeature, 3, ints);
  std::string floats;
  for (float f : {1.5f, -2.0f}) {
    wire::putTag(floats, 1, wire::kFixed32);
    uint32_t u;
    std::memcpy(&u, &f, 4);
    wire::putFixed32(floats, u);
  }
  std::string floatFeature;
  wire::putLengthDelimited(floatFeature, 2, floats);
  std::string oldInts;
  wire::putLengthDelimited(oldInts, 3, std::string("\x0a\x02\x01\x01", 4));
  std::string features =
      entry("i", oldInts) + entry("f", floatFeature) + entry("i", intFeature);
  std::string ex;
  wire::putLengthDelimited(ex, 1, features);

  ParseExampleConfig c;
  c.dense.push_back({"i", DType::kInt64, TensorShape{2}, Tensor()});
  c.dense.push_back({"f", DType::kFloat, TensorShape{2}, Tensor()});
  auto p = parseSingleExample(ex, c);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->denseValues[0].equals(Tensor::vector<int64_t>({3, 4})));
  EXPECT_TRUE(p->denseValues[1].equals(Tensor::vector<float>({1.5f, -2.0f})));
}

//===----------------------------------------------------------------------===//
// Errors, in TF 1.12's wording.
//===----------------------------------------------------------------------===//

TEST(ExampleErrors, MissingRequiredFeature) {
  std::string ex = ExampleBuilder().addFloat("a", {1}).serialize();
  auto p = parseSingleExample(ex, abcConfig());
  EXPECT_EQ(p.status(), errors::InvalidArgument(
                            "Feature: b (data type: int64) is required but "
                            "could not be found."));
  std::vector<std::string_view> views = {exampleABC(0), ex};
  std::string s0 = exampleABC(0);
  views[0] = s0;
  auto b = parseExample(views, {"first", "second"}, abcConfig());
  EXPECT_EQ(b.status(), errors::InvalidArgument(
                            "Name: second, Feature: b (data type: int64) is "
                            "required but could not be found."));
  b = parseExample(views, {}, abcConfig());
  EXPECT_EQ(b.status(), errors::InvalidArgument(
                            "Name: <unknown>, Feature: b (data type: int64) "
                            "is required but could not be found."));
}

TEST(ExampleErrors, WrongFeatureType) {
  std::string ex = ExampleBuilder()
                       .addFloat("a", {1})
                       .addFloat("b", {1, 2})
                       .addBytes("c", {"x"})
                       .serialize();
  EXPECT_EQ(parseSingleExample(ex, abcConfig()).status(),
            errors::InvalidArgument("Key: b.  Data types don't match. Data "
                                    "type: float but expected type: int64"));
  std::vector<std::string_view> views = {ex};
  EXPECT_EQ(parseExample(views, {"n"}, abcConfig()).status(),
            errors::InvalidArgument(
                "Name: n, Key: b, Index: 0.  Data types don't match. Data "
                "type: float but expected type: int64"));
  ParseExampleConfig sparse;
  sparse.sparse.push_back({"c", DType::kInt64});
  EXPECT_EQ(parseSingleExample(ex, sparse).status(),
            errors::InvalidArgument("Key: c.  Data types don't match. "
                                    "Expected type: int64, Actual type: "
                                    "string"));
}

TEST(ExampleErrors, WrongSizeFixedLengthFeature) {
  std::string ex = ExampleBuilder()
                       .addFloat("a", {1})
                       .addInt64("b", {1, 2, 3})
                       .addBytes("c", {"x"})
                       .serialize();
  EXPECT_EQ(parseSingleExample(ex, abcConfig()).status(),
            errors::InvalidArgument("Key: b.  Number of int64 values != "
                                    "expected.  Values size: 3 but output "
                                    "shape: [2]"));
  ex = ExampleBuilder()
           .addFloat("a", {1})
           .addInt64("b", {1, 2})
           .addBytes("c", {})
           .serialize();
  std::string ok = exampleABC(1);
  std::vector<std::string_view> views = {ok, ex};
  EXPECT_EQ(parseExample(views, {}, abcConfig()).status(),
            errors::InvalidArgument(
                "Name: <unknown>, Key: c, Index: 1.  Number of bytes values "
                "!= expected.  Values size: 0 but output shape: []"));
}

TEST(ExampleErrors, MalformedBytes) {
  std::string ex = exampleABC(0);
  std::string cut = ex.substr(0, ex.size() - 3);
  auto p = parseSingleExample(cut, abcConfig());
  EXPECT_EQ(p.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(
      p.status().message().rfind("Could not parse example input, value: '", 0),
      0u)
      << p.status();
}

TEST(ExampleErrors, RandomDamageNeverCrashes) {
  std::mt19937 rng(99);
  ParseExampleConfig c = abcConfig();
  c.sparse.push_back({"a", DType::kFloat});
  c.dense.erase(c.dense.begin());
  std::string good = exampleABC(2);
  for (int iter = 0; iter < 5000; ++iter) {
    std::string ex = good;
    int flips = 1 + rng() % 3;
    for (int k = 0; k < flips; ++k)
      ex[rng() % ex.size()] ^= static_cast<char>(1 << (rng() % 8));
    if (rng() % 4 == 0)
      ex.resize(rng() % ex.size());
    auto p = parseSingleExample(ex, c);
    if (!p.ok()) {
      ASSERT_EQ(p.status().code(), Code::kInvalidArgument);
    }
  }
}

//===----------------------------------------------------------------------===//
// The direct walk against the general decoder: the same statuses and the
// same outputs for well-formed, mismatching and damaged examples.
//===----------------------------------------------------------------------===//

namespace {

ParseExampleConfig mixedConfig() {
  ParseExampleConfig c;
  c.dense.push_back({"a", DType::kFloat, TensorShape{2}, Tensor()});
  c.dense.push_back({"label", DType::kInt64, TensorShape{}, Tensor()});
  c.dense.push_back({"image_raw", DType::kString, TensorShape{}, Tensor()});
  c.dense.push_back({"pair", DType::kString, TensorShape{2},
                     Tensor::vector<std::string>({"x", "y"})});
  c.dense.push_back({"e", DType::kFloat, TensorShape{}, Tensor::scalar(0.5f)});
  c.dense.push_back({"ints3", DType::kInt64, TensorShape{3},
                     Tensor::vector<int64_t>({1, 2, 3})});
  c.sparse.push_back({"ids", DType::kInt64});
  c.sparse.push_back({"words", DType::kString});
  c.sparse.push_back({"a_rather_long_key_for_a_sparse_float", DType::kFloat});
  return c;
}

/// A random Example over the config's keys and a few others: mostly the
/// configured type and size, sometimes not.
std::string randomExample(std::mt19937 &rng) {
  struct Key {
    const char *name;
    DType dtype;
    int count; // -1: any
  };
  static const Key keys[] = {
      {"a", DType::kFloat, 2},
      {"label", DType::kInt64, 1},
      {"image_raw", DType::kString, 1},
      {"pair", DType::kString, 2},
      {"e", DType::kFloat, 1},
      {"ints3", DType::kInt64, 3},
      {"ids", DType::kInt64, -1},
      {"words", DType::kString, -1},
      {"a_rather_long_key_for_a_sparse_float", DType::kFloat, -1},
      {"depth", DType::kInt64, 1},
      {"labe", DType::kInt64, 1},
      {"", DType::kString, 1}};
  ExampleBuilder b(rng() % 2 ? ExampleBuilder::Order::kSortedKeys
                             : ExampleBuilder::Order::kInsertion);
  for (const Key &k : keys) {
    if (rng() % 30 == 0)
      continue; // missing
    DType dtype = k.dtype;
    if (rng() % 40 == 0)
      dtype = std::vector<DType>{DType::kFloat, DType::kInt64,
                                 DType::kString}[rng() % 3];
    int count =
        k.count < 0 || rng() % 30 == 0 ? static_cast<int>(rng() % 4) : k.count;
    if (dtype == DType::kFloat) {
      std::vector<float> v;
      for (int i = 0; i < count; ++i)
        v.push_back(static_cast<float>(static_cast<int32_t>(rng())) / 7.f);
      b.addFloat(k.name, v);
    } else if (dtype == DType::kInt64) {
      std::vector<int64_t> v;
      for (int i = 0; i < count; ++i) {
        // 0 <= x < 2^63; negatives are 10-byte varints.
        auto x = static_cast<int64_t>(
            (static_cast<uint64_t>(rng()) << (rng() % 40)) >> 1);
        v.push_back(rng() % 3 == 0 ? -x : x % 200);
      }
      b.addInt64(k.name, v);
    } else {
      std::vector<std::string> v;
      for (int i = 0; i < count; ++i) {
        std::string s(rng() % 3 == 0 ? 784 + rng() % 400 : rng() % 20, '\0');
        for (char &ch : s)
          ch = static_cast<char>(rng());
        v.push_back(s);
      }
      b.addBytes(k.name, v);
    }
  }
  std::string ex = b.serialize();
  switch (rng() % 8) {
  case 0: { // damage
    int flips = 1 + rng() % 3;
    for (int k = 0; k < flips && !ex.empty(); ++k)
      ex[rng() % ex.size()] ^= static_cast<char>(1 << (rng() % 8));
    break;
  }
  case 1: // truncation
    ex.resize(rng() % (ex.size() + 1));
    break;
  case 2: // two features fields: protobuf merges them, later keys win
    ex += randomExample(rng).substr(0, std::string::npos);
    break;
  case 3: // an unknown field at the top level
    ex = std::string("\x10\x05", 2) + ex;
    break;
  default:
    break;
  }
  return ex;
}

void expectSameTensor(const Tensor &a, const Tensor &b,
                      const std::string &what) {
  ASSERT_EQ(a.dtype(), b.dtype()) << what;
  ASSERT_EQ(a.shape(), b.shape()) << what;
  EXPECT_TRUE(a.equals(b)) << what << ": " << a.debugString() << " vs "
                           << b.debugString();
}

void expectSameBatch(const ParsedExamples &a, const ParsedExamples &b) {
  ASSERT_EQ(a.denseValues.size(), b.denseValues.size());
  for (size_t i = 0; i < a.denseValues.size(); ++i)
    expectSameTensor(a.denseValues[i], b.denseValues[i],
                     "dense " + std::to_string(i));
  ASSERT_EQ(a.sparseValues.size(), b.sparseValues.size());
  for (size_t i = 0; i < a.sparseValues.size(); ++i) {
    expectSameTensor(a.sparseIndices[i], b.sparseIndices[i],
                     "sparse indices " + std::to_string(i));
    expectSameTensor(a.sparseValues[i], b.sparseValues[i],
                     "sparse values " + std::to_string(i));
    expectSameTensor(a.sparseShapes[i], b.sparseShapes[i],
                     "sparse shape " + std::to_string(i));
  }
}

} // namespace

TEST(ExampleFastPath, TakesWellFormedExamples) {
  // What ExampleBuilder (and protobuf, and TF's writers) produce, with the
  // configured types and sizes, is decoded by the direct walk.
  auto parser = ExampleParser::create(mixedConfig());
  ASSERT_TRUE(parser.ok()) << parser.status();
  parser->beginBatch(2);
  std::string ex = ExampleBuilder()
                       .addFloat("a", {1.5f, -2.f})
                       .addInt64("label", {-7})
                       .addBytes("image_raw", {std::string(784, 'p')})
                       .addInt64("ids", {1, 300, -5})
                       .addBytes("words", {"w", ""})
                       .addInt64("depth", {1})
                       .serialize();
  ASSERT_TRUE(parser->parseInto(1, ex).ok());
  EXPECT_EQ(parser->fastParses(), 1);
  ParsedExamples out = parser->finishBatch();
  EXPECT_EQ(out.denseValues[0].data<float>()[2], 1.5f);
  EXPECT_EQ(out.denseValues[1].data<int64_t>()[1], -7);
  EXPECT_EQ(out.denseValues[2].data<std::string>()[1], std::string(784, 'p'));
  EXPECT_EQ(out.denseValues[3].data<std::string>()[3], "y"); // default
  EXPECT_EQ(out.denseValues[4].data<float>()[1], 0.5f);
  EXPECT_TRUE(
      out.sparseValues[0].equals(Tensor::vector<int64_t>({1, 300, -5})));
  EXPECT_TRUE(out.sparseIndices[1].equals(
      *Tensor::fromVector<int64_t>({1, 0, 1, 1}).reshaped(TensorShape{2, 2})));

  // The general decoder alone when turned off; a malformed example always.
  parser->setFastPath(false);
  parser->beginBatch(1);
  ASSERT_TRUE(parser->parseInto(0, ex).ok());
  EXPECT_EQ(parser->fastParses(), 1);
  parser->setFastPath(true);
  EXPECT_FALSE(parser->parseInto(0, ex.substr(0, ex.size() - 1)).ok());
  EXPECT_EQ(parser->fastParses(), 1);
}

TEST(ExampleFastPath, SameStatusesAndOutputsAsTheGeneralDecoder) {
  std::mt19937 rng(2024);
  ParseExampleConfig config = mixedConfig();
  auto fast = ExampleParser::create(config);
  auto general = ExampleParser::create(config);
  ASSERT_TRUE(fast.ok() && general.ok());
  general->setFastPath(false);
  constexpr int64_t kBatch = 5;
  int examples = 0, failures = 0, direct = 0;
  for (int batch = 0; batch < 400; ++batch) {
    fast->beginBatch(kBatch);
    general->beginBatch(kBatch);
    std::vector<std::string> inputs;
    for (int64_t i = 0; i < kBatch; ++i)
      inputs.push_back(randomExample(rng));
    for (int64_t i = 0; i < kBatch; ++i) {
      ++examples;
      std::string name = "ex" + std::to_string(i);
      int64_t before = fast->fastParses();
      Status sf = fast->parseInto(i, inputs[i], name);
      Status sg = general->parseInto(i, inputs[i], name);
      ASSERT_EQ(sf, sg) << "batch " << batch << " example " << i;
      failures += !sg.ok();
      direct += fast->fastParses() > before;
      // Borrowed views point at the same bytes of the same input.
      std::vector<std::string_view> vf, vg;
      sf = fast->parseIntoBorrowed(i, inputs[i], vf);
      sg = general->parseIntoBorrowed(i, inputs[i], vg);
      ASSERT_EQ(sf, sg);
      ASSERT_EQ(vf.size(), vg.size());
      for (size_t d = 0; d < vf.size(); ++d) {
        EXPECT_EQ(vf[d].data(), vg[d].data());
        EXPECT_EQ(vf[d].size(), vg[d].size());
      }
      // ParseSingleExample's shapes and wording.
      StatusOr<ParsedExamples> pf = fast->parseSingle(inputs[i]);
      StatusOr<ParsedExamples> pg = general->parseSingle(inputs[i]);
      ASSERT_EQ(pf.status(), pg.status());
      if (pf.ok())
        expectSameBatch(*pf, *pg);
      // parseSingle started its own batch: redo the row-wise one so far.
      fast->beginBatch(kBatch);
      general->beginBatch(kBatch);
      for (int64_t j = 0; j <= i; ++j) {
        ASSERT_EQ(fast->parseInto(j, inputs[j]),
                  general->parseInto(j, inputs[j]));
      }
    }
    // Rows of failed examples hold the same partial values too.
    expectSameBatch(fast->finishBatch(), general->finishBatch());
  }
  EXPECT_EQ(general->fastParses(), 0);
  // Each kind of example was well represented: decoded by the direct walk,
  // handed to the general decoder and accepted, and rejected.
  EXPECT_GT(direct, examples / 3);
  EXPECT_GT(examples - failures - direct, examples / 20);
  EXPECT_GT(failures, examples / 10);
  std::printf("%d examples: %d by the direct walk, %d rejected\n", examples,
              direct, failures);
}
