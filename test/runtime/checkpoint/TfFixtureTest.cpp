//===- TfFixtureTest.cpp - Reads and reproduces TF-written checkpoints ----===//
//
// The ground truth: every checkpoint TensorFlow wrote under fixtures/tf must
// read back with the README's values, and writing the same tensors in the
// same order must give TF's files byte for byte.
//
//===----------------------------------------------------------------------===//
#include "CheckpointTestUtil.h"

#include "kiln/runtime/BundleReader.h"
#include "kiln/runtime/BundleWriter.h"
#include "kiln/runtime/CheckpointState.h"
#include "kiln/runtime/Saver.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

using namespace kiln;
using namespace kiln::testing;

namespace {

const char *kHalfPlusTwo =
    "/tensorflow/cc/saved_model/testdata/half_plus_two/00000123/variables/"
    "variables";
const char *kEmbedding =
    "/tensorflow/python/feature_column/testdata/embedding.ckpt";
const char *kProfiler = "/tensorflow/core/profiler/internal/testdata/ckpt";
const char *kFoo =
    "/tensorflow/core/util/tensor_bundle/testdata/old_string_tensors/foo";
const char *kMnistDir = "/ZhianYang-mnist-save/ckpt_dir";

Tensor mustRead(BundleReader &r, const std::string &key) {
  Tensor t;
  Status s = r.lookup(key, &t);
  EXPECT_TRUE(s.ok()) << key << ": " << s;
  return t;
}

std::unique_ptr<BundleReader> mustOpen(const std::string &prefix) {
  auto r = BundleReader::open(prefix);
  EXPECT_TRUE(r.ok()) << prefix << ": " << r.status();
  return r.ok() ? std::move(*r) : nullptr;
}

void expectSameFiles(const std::string &ours, const std::string &tfs) {
  std::string a = readFile(ours), b = readFile(tfs);
  ASSERT_FALSE(b.empty()) << tfs;
  EXPECT_EQ(a.size(), b.size()) << ours << " vs " << tfs;
  if (a != b) {
    size_t i = 0;
    while (i < a.size() && i < b.size() && a[i] == b[i])
      ++i;
    ADD_FAILURE() << ours << " differs from " << tfs << " at byte " << i;
  }
}

void expectSameBundle(const std::string &ours, const std::string &tfs) {
  expectSameFiles(ours + ".index", tfs + ".index");
  expectSameFiles(ours + ".data-00000-of-00001", tfs + ".data-00000-of-00001");
}

Tensor floats(std::vector<float> v, TensorShape shape) {
  return Tensor::fromVector<float>(v, shape);
}

Tensor strings(std::vector<std::string> v) {
  return Tensor::fromVector<std::string>(v, TensorShape{int64_t(v.size())});
}

} // namespace

TEST(TfFixture, HalfPlusTwoValues) {
  KILN_REQUIRE_FIXTURES(dir);
  auto r = mustOpen(dir + kHalfPlusTwo);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->keys(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(r->header().numShards, 1);
  EXPECT_EQ(r->header().versionProducer, 1);
  float want[] = {0.5f, 2.0f, 3.0f};
  for (int i = 0; i < 3; ++i) {
    Tensor t = mustRead(*r, std::string(1, char('a' + i)));
    EXPECT_EQ(t.dtype(), DType::kFloat);
    EXPECT_TRUE(t.shape().isScalar());
    EXPECT_EQ(*t.data<float>(), want[i]);
  }
}

TEST(TfFixture, EmbeddingValues) {
  KILN_REQUIRE_FIXTURES(dir);
  auto r = mustOpen(dir + kEmbedding);
  ASSERT_TRUE(r);
  Tensor t = mustRead(*r, "my_embedding");
  EXPECT_TRUE(t.equals(floats({1, 2, 3, 5, 7, 11}, TensorShape{3, 2})))
      << t.debugString();
}

TEST(TfFixture, ProfilerValues) {
  KILN_REQUIRE_FIXTURES(dir);
  auto r = mustOpen(dir + kProfiler);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->keys(), (std::vector<std::string>{"DW", "DW2", "ScalarW"}));
  Tensor dw = mustRead(*r, "DW");
  EXPECT_EQ(dw.shape(), (TensorShape{3, 3, 3, 6}));
  const float *p = dw.data<float>();
  double sum = std::accumulate(p, p + dw.numElements(), 0.0);
  EXPECT_NEAR(sum, -0.00712093, 1e-7);
  EXPECT_NEAR(p[0], -0.0005343, 1e-7);
  Tensor dw2 = mustRead(*r, "DW2");
  EXPECT_EQ(dw2.shape(), (TensorShape{2, 2, 6, 12}));
  const float *q = dw2.data<float>();
  EXPECT_NEAR(std::accumulate(q, q + dw2.numElements(), 0.0), 0.00225254, 1e-7);
  Tensor s = mustRead(*r, "ScalarW");
  EXPECT_TRUE(s.shape().isScalar());
  EXPECT_NEAR(*s.data<float>(), 0.0020255, 1e-7);
}

TEST(TfFixture, OldStringTensorsValues) {
  KILN_REQUIRE_FIXTURES(dir);
  auto r = mustOpen(dir + kFoo);
  ASSERT_TRUE(r);
  Tensor f = mustRead(*r, "floats");
  EXPECT_TRUE(
      f.equals(floats(std::vector<float>(6, 16.18f), TensorShape{2, 3})));
  EXPECT_TRUE(mustRead(*r, "scalar").equals(strings({"hello"})));
  EXPECT_TRUE(mustRead(*r, "string_tensor").equals(strings({""})));
  EXPECT_TRUE(
      mustRead(*r, "strs")
          .equals(strings({"hello", "", "x01", std::string(1024, 'c')})));
}

TEST(TfFixture, MnistIndexOnly) {
  KILN_REQUIRE_FIXTURES(dir);
  auto state = getCheckpointState(dir + kMnistDir);
  ASSERT_TRUE(state.ok()) << state.status();
  ASSERT_TRUE(state->has_value());
  EXPECT_EQ((*state)->modelCheckpointPath, dir + kMnistDir + "/model.ckpt-99");
  EXPECT_EQ(latestCheckpoint(dir + kMnistDir),
            std::optional<std::string>(dir + kMnistDir + "/model.ckpt-99"));
  for (int step = 95; step <= 99; ++step) {
    std::string prefix =
        dir + kMnistDir + "/model.ckpt-" + std::to_string(step);
    auto r = mustOpen(prefix);
    ASSERT_TRUE(r);
    std::vector<std::string> want = {
        "Variable",   "Variable/RMSProp",   "Variable/RMSProp_1",
        "Variable_1", "Variable_1/RMSProp", "Variable_1/RMSProp_1",
        "Variable_2", "Variable_2/RMSProp", "Variable_2/RMSProp_1",
        "global_step"};
    EXPECT_EQ(r->keys(), want);
    struct Expect {
      const char *key;
      DType dtype;
      TensorShape shape;
      int64_t offset;
    } expects[] = {{"Variable", DType::kFloat, {784, 625}, 0},
                   {"Variable/RMSProp", DType::kFloat, {784, 625}, 1960000},
                   {"Variable/RMSProp_1", DType::kFloat, {784, 625}, 3920000},
                   {"Variable_1", DType::kFloat, {625, 625}, 5880000},
                   {"Variable_2", DType::kFloat, {625, 10}, 10567500},
                   {"global_step", DType::kInt32, {}, 10642500}};
    for (const Expect &e : expects) {
      auto entry = r->entry(e.key);
      ASSERT_TRUE(entry.ok()) << entry.status();
      EXPECT_EQ(entry->dtype, static_cast<int32_t>(e.dtype)) << e.key;
      EXPECT_EQ(entry->tensorShape(), e.shape) << e.key;
      EXPECT_EQ(entry->offset, e.offset) << e.key;
    }
    // The data files are not part of the fixture: reading must say so.
    Tensor t;
    Status s = r->lookup("global_step", &t);
    EXPECT_EQ(s.code(), Code::kNotFound);
    EXPECT_EQ(s.message(),
              prefix + ".data-00000-of-00001; No such file or directory");
  }
}

TEST(TfFixture, ByteIdenticalHalfPlusTwo) {
  KILN_REQUIRE_FIXTURES(dir);
  TempDir tmp;
  BundleWriter w(tmp / "variables", BundleWriter::Options{false});
  ASSERT_TRUE(w.add("a", Tensor::scalar<float>(0.5f)).ok());
  ASSERT_TRUE(w.add("b", Tensor::scalar<float>(2.0f)).ok());
  ASSERT_TRUE(w.add("c", Tensor::scalar<float>(3.0f)).ok());
  ASSERT_TRUE(w.finish().ok()) << w.status();
  expectSameBundle(tmp / "variables", dir + kHalfPlusTwo);
}

TEST(TfFixture, ByteIdenticalHalfPlusTwoThroughShardedSaver) {
  // TF wrote this file with a sharded Saver: SaveV2 into a temporary
  // directory, then MergeV2Checkpoints (which rewrites the index with
  // Snappy-enabled options). The merged bytes must still be TF's.
  KILN_REQUIRE_FIXTURES(dir);
  TempDir tmp;
  Tensor a = Tensor::scalar<float>(0.5f), b = Tensor::scalar<float>(2.0f),
         c = Tensor::scalar<float>(3.0f);
  SaverOptions opts;
  opts.sharded = true;
  auto saver = Saver::create({{"a", &a}, {"b", &b}, {"c", &c}}, opts);
  ASSERT_TRUE(saver.ok());
  auto prefix = saver->save(tmp / "variables/variables", std::nullopt,
                            std::nullopt, /*writeState=*/false);
  ASSERT_TRUE(prefix.ok()) << prefix.status();
  expectSameBundle(*prefix, dir + kHalfPlusTwo);
  // Only the merged bundle is left: the temporary shard folder is gone.
  auto names = checkpoint::listDir(tmp / "variables");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"variables.data-00000-of-00001",
                                              "variables.index"}));
}

TEST(TfFixture, ByteIdenticalEmbedding) {
  KILN_REQUIRE_FIXTURES(dir);
  TempDir tmp;
  BundleWriter w(tmp / "embedding.ckpt");
  ASSERT_TRUE(
      w.add("my_embedding", floats({1, 2, 3, 5, 7, 11}, TensorShape{3, 2}))
          .ok());
  ASSERT_TRUE(w.finish().ok()) << w.status();
  expectSameBundle(tmp / "embedding.ckpt", dir + kEmbedding);
}

TEST(TfFixture, ByteIdenticalOldStringTensors) {
  KILN_REQUIRE_FIXTURES(dir);
  TempDir tmp;
  BundleWriter w(tmp / "foo");
  // Add() order is TF's (data offsets show it); the index is sorted anyway.
  ASSERT_TRUE(w.add("string_tensor", strings({""})).ok());
  ASSERT_TRUE(w.add("scalar", strings({"hello"})).ok());
  ASSERT_TRUE(
      w.add("strs", strings({"hello", "", "x01", std::string(1024, 'c')}))
          .ok());
  ASSERT_TRUE(
      w.add("floats", floats(std::vector<float>(6, 16.18f), TensorShape{2, 3}))
          .ok());
  ASSERT_TRUE(w.finish().ok()) << w.status();
  expectSameBundle(tmp / "foo", dir + kFoo);
}

TEST(TfFixture, ByteIdenticalProfilerCheckpointRewrite) {
  // Read TF's tensors and write them back in TF's data order (DW, DW2,
  // ScalarW by offset): the files must come out unchanged.
  KILN_REQUIRE_FIXTURES(dir);
  auto r = mustOpen(dir + kProfiler);
  ASSERT_TRUE(r);
  TempDir tmp;
  BundleWriter w(tmp / "ckpt");
  for (const char *key : {"DW", "DW2", "ScalarW"})
    ASSERT_TRUE(w.add(key, mustRead(*r, key)).ok());
  ASSERT_TRUE(w.finish().ok()) << w.status();
  expectSameBundle(tmp / "ckpt", dir + kProfiler);
}

TEST(TfFixture, S1LayoutMatchesTfIndex) {
  // A Kiln Saver over the S1 variables must lay the checkpoint out as TF
  // 1.2 did (same keys, dtypes, shapes, offsets and sizes; only the CRCs
  // differ, since the fixture's data values are not available).
  KILN_REQUIRE_FIXTURES(dir);
  auto tf = mustOpen(dir + kMnistDir + "/model.ckpt-99");
  ASSERT_TRUE(tf);
  std::vector<Tensor> storage;
  storage.reserve(tf->keys().size());
  std::vector<SaverVariable> vars;
  for (const std::string &k : tf->keys()) {
    auto e = tf->entry(k);
    ASSERT_TRUE(e.ok());
    storage.emplace_back(static_cast<DType>(e->dtype), e->tensorShape());
    vars.push_back({k, &storage.back()});
  }
  TempDir tmp;
  auto saver = Saver::create(vars);
  ASSERT_TRUE(saver.ok());
  auto prefix = saver->save(tmp / "model.ckpt", 99);
  ASSERT_TRUE(prefix.ok());
  auto ours = mustOpen(*prefix);
  ASSERT_TRUE(ours);
  EXPECT_EQ(ours->keys(), tf->keys());
  for (const std::string &k : tf->keys()) {
    BundleEntry a = *ours->entry(k), b = *tf->entry(k);
    EXPECT_EQ(a.dtype, b.dtype) << k;
    EXPECT_EQ(a.shape, b.shape) << k;
    EXPECT_EQ(a.shardId, b.shardId) << k;
    EXPECT_EQ(a.offset, b.offset) << k;
    EXPECT_EQ(a.size, b.size) << k;
  }
  // Same entry sizes everywhere, so the index file has TF's exact length.
  EXPECT_EQ(readFile(*prefix + ".index").size(),
            readFile(dir + kMnistDir + "/model.ckpt-99.index").size());
}
