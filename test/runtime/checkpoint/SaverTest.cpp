//===- SaverTest.cpp - tf.train.Saver semantics
//----------------------------===//
#include "CheckpointTestUtil.h"

#include "kiln/runtime/BundleReader.h"
#include "kiln/runtime/CheckpointFile.h"
#include "kiln/runtime/CheckpointState.h"
#include "kiln/runtime/Saver.h"

#include <gtest/gtest.h>

#include <unistd.h>

using namespace kiln;
using namespace kiln::testing;

namespace {

/// Runs a block with the working directory set to `dir`, restoring it.
class ScopedChdir {
public:
  explicit ScopedChdir(const std::string &dir) {
    char buf[4096];
    old_ = ::getcwd(buf, sizeof(buf)) ? buf : "/";
    EXPECT_EQ(::chdir(dir.c_str()), 0);
  }
  ~ScopedChdir() { (void)::chdir(old_.c_str()); }

private:
  std::string old_;
};

std::vector<std::string> listDir(const std::string &dir) {
  auto names = checkpoint::listDir(dir);
  EXPECT_TRUE(names.ok()) << names.status();
  return names.ok() ? *names : std::vector<std::string>{};
}

struct Model {
  Tensor w = Tensor::fromVector<float>({1, 2, 3, 4, 5, 6}, TensorShape{2, 3});
  Tensor b = Tensor::fromVector<float>({0.5f, -1});
  Tensor step = Tensor::scalar<int32_t>(0);
  std::vector<SaverVariable> vars() {
    return {{"layer/w", &w}, {"layer/b", &b}, {"global_step", &step}};
  }
};

} // namespace

TEST(Saver, RotationLeavesSixteenFilesNamingFiveNewest) {
  TempDir tmp;
  Model m;
  auto saver = Saver::create(m.vars());
  ASSERT_TRUE(saver.ok());
  for (int step = 1; step <= 7; ++step) {
    *m.step.data<int32_t>() = step;
    auto p = saver->save(tmp / "model.ckpt", step,
                         std::string_view("meta-" + std::to_string(step)));
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(*p, tmp / "model.ckpt-" + std::to_string(step));
  }
  std::vector<std::string> want = {"checkpoint"};
  for (int step = 3; step <= 7; ++step)
    for (const char *ext : {".data-00000-of-00001", ".index", ".meta"})
      want.push_back("model.ckpt-" + std::to_string(step) + ext);
  std::sort(want.begin(), want.end());
  EXPECT_EQ(listDir(tmp.path()), want);
  EXPECT_EQ(want.size(), 16u);
  EXPECT_EQ(readFile(tmp / "model.ckpt-6.meta"), "meta-6");
  // An absolute save directory gives absolute paths, as TF writes them.
  std::string text = "model_checkpoint_path: \"" + tmp / "model.ckpt-7\"\n";
  for (int step = 3; step <= 7; ++step)
    text += "all_model_checkpoint_paths: \"" + tmp / "model.ckpt-" +
            std::to_string(step) + "\"\n";
  EXPECT_EQ(readFile(tmp / "checkpoint"), text);
  EXPECT_EQ(latestCheckpoint(tmp.path()),
            std::optional<std::string>(tmp / "model.ckpt-7"));
  EXPECT_EQ(saver->lastCheckpoints().size(), 5u);
}

TEST(Saver, RelativeSaveDirWritesRelativePaths) {
  TempDir tmp;
  ScopedChdir cd(tmp.path());
  Model m;
  auto saver = Saver::create(m.vars());
  ASSERT_TRUE(saver.ok());
  for (int step = 98; step <= 99; ++step)
    ASSERT_TRUE(saver->save("ckpt_dir/model.ckpt", step).ok());
  // Exactly what TF 1.x wrote in the ZhianYang fixture's `checkpoint`.
  EXPECT_EQ(readFile("ckpt_dir/checkpoint"),
            "model_checkpoint_path: \"model.ckpt-99\"\n"
            "all_model_checkpoint_paths: \"model.ckpt-98\"\n"
            "all_model_checkpoint_paths: \"model.ckpt-99\"\n");
  auto state = getCheckpointState("ckpt_dir");
  ASSERT_TRUE(state.ok() && state->has_value());
  EXPECT_EQ((*state)->modelCheckpointPath, "ckpt_dir/model.ckpt-99");
  EXPECT_EQ((*state)->allModelCheckpointPaths,
            (std::vector<std::string>{"ckpt_dir/model.ckpt-98",
                                      "ckpt_dir/model.ckpt-99"}));
}

TEST(Saver, SaveRelativePathsWithAbsoluteDir) {
  TempDir tmp;
  Model m;
  SaverOptions opts;
  opts.saveRelativePaths = true;
  opts.padStepNumber = true;
  auto saver = Saver::create(m.vars(), opts);
  ASSERT_TRUE(saver.ok());
  auto p = saver->save(tmp / "m", 12);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, tmp / "m-00000012");
  EXPECT_EQ(readFile(tmp / "checkpoint"),
            "model_checkpoint_path: \"m-00000012\"\n"
            "all_model_checkpoint_paths: \"m-00000012\"\n");
}

TEST(Saver, MaxToKeepZeroKeepsEverythingListsLatest) {
  TempDir tmp;
  Model m;
  SaverOptions opts;
  opts.maxToKeep = 0;
  auto saver = Saver::create(m.vars(), opts);
  ASSERT_TRUE(saver.ok());
  for (int step = 0; step < 7; ++step)
    ASSERT_TRUE(saver->save(tmp / "m", step).ok());
  EXPECT_EQ(listDir(tmp.path()).size(), 1u + 7 * 2);
  auto state = getCheckpointState(tmp.path());
  ASSERT_TRUE(state.ok() && state->has_value());
  EXPECT_EQ((*state)->allModelCheckpointPaths,
            (std::vector<std::string>{tmp / "m-6"}));
}

TEST(Saver, KeepCheckpointEveryNHours) {
  TempDir tmp;
  Model m;
  double clock = 0;
  SaverOptions opts;
  opts.maxToKeep = 2;
  opts.keepCheckpointEveryNHours = 1; // the first mark is at 3600 s
  opts.clock = [&] { return clock; };
  auto saver = Saver::create(m.vars(), opts);
  ASSERT_TRUE(saver.ok());
  for (int step = 0; step < 10; ++step) {
    clock = step * 1000.0;
    ASSERT_TRUE(saver->save(tmp / "m", step).ok());
  }
  // Popped in order 0..7: 4 (t=4000 > 3600) is kept and moves the mark to
  // 7200, so 8 would be next; 0-3 and 5-7 are deleted; 8 and 9 are listed.
  for (int step = 0; step < 10; ++step) {
    bool kept = step == 4 || step == 8 || step == 9;
    EXPECT_EQ(
        checkpoint::fileExists(tmp / "m-" + std::to_string(step) + ".index"),
        kept)
        << step;
  }
  EXPECT_EQ(saver->lastCheckpoints(),
            (std::vector<std::string>{tmp / "m-8", tmp / "m-9"}));
}

TEST(Saver, ResavingSamePathMovesItLast) {
  TempDir tmp;
  Model m;
  auto saver = Saver::create(m.vars());
  ASSERT_TRUE(saver.ok());
  ASSERT_TRUE(saver->save(tmp / "a").ok());
  ASSERT_TRUE(saver->save(tmp / "b").ok());
  ASSERT_TRUE(saver->save(tmp / "a").ok());
  EXPECT_EQ(saver->lastCheckpoints(),
            (std::vector<std::string>{tmp / "b", tmp / "a"}));
}

TEST(Saver, RecoverLastCheckpointsContinuesRotation) {
  TempDir tmp;
  Model m;
  SaverOptions opts;
  opts.maxToKeep = 2;
  {
    auto saver = Saver::create(m.vars(), opts);
    ASSERT_TRUE(saver.ok());
    ASSERT_TRUE(saver->save(tmp / "m", 1).ok());
    ASSERT_TRUE(saver->save(tmp / "m", 2).ok());
  }
  auto saver = Saver::create(m.vars(), opts);
  ASSERT_TRUE(saver.ok());
  auto state = getCheckpointState(tmp.path());
  ASSERT_TRUE(state.ok() && state->has_value());
  saver->recoverLastCheckpoints((*state)->allModelCheckpointPaths);
  ASSERT_TRUE(saver->save(tmp / "m", 3).ok());
  EXPECT_FALSE(checkpoint::fileExists(tmp / "m-1.index"));
  EXPECT_TRUE(checkpoint::fileExists(tmp / "m-2.index"));
}

TEST(Saver, RestoreRoundTripAndSubset) {
  TempDir tmp;
  Model m;
  *m.step.data<int32_t>() = 42;
  auto saver = Saver::create(m.vars());
  ASSERT_TRUE(saver.ok());
  auto p = saver->save(tmp / "m", 42);
  ASSERT_TRUE(p.ok());

  Model fresh;
  auto restorer = Saver::create(fresh.vars());
  ASSERT_TRUE(restorer.ok());
  float *wdata = fresh.w.data<float>();
  ASSERT_TRUE(restorer->restore(*p).ok());
  EXPECT_EQ(fresh.w.data<float>(), wdata); // restored in place
  EXPECT_TRUE(fresh.w.equals(m.w));
  EXPECT_TRUE(fresh.b.equals(m.b));
  EXPECT_EQ(*fresh.step.data<int32_t>(), 42);

  // S1: a Saver built before a variable existed neither saves nor needs it,
  // and restoring a subset touches only that subset.
  Model other;
  Tensor extra = Tensor::scalar<float>(7);
  auto withExtra = Saver::create(
      {{"layer/w", &other.w}, {"global_step", &other.step}, {"extra", &extra}});
  ASSERT_TRUE(withExtra.ok());
  *other.step.data<int32_t>() = 0;
  ASSERT_TRUE(withExtra->restore(*p, {"global_step"}).ok());
  EXPECT_EQ(*other.step.data<int32_t>(), 42);
  EXPECT_EQ(*extra.data<float>(), 7);
  EXPECT_EQ(withExtra->restore(*p),
            errors::NotFound("Key extra not found in checkpoint"));
  auto reader = BundleReader::open(*p);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->keys(),
            (std::vector<std::string>{"global_step", "layer/b", "layer/w"}));
}

TEST(Saver, RestoreMismatchesAreInvalidArgument) {
  TempDir tmp;
  Model m;
  auto saver = Saver::create(m.vars());
  ASSERT_TRUE(saver.ok());
  auto p = saver->save(tmp / "m");
  ASSERT_TRUE(p.ok());

  Tensor wrongShape(DType::kFloat, {3, 2});
  Tensor b(DType::kFloat, {2});
  auto s1 = Saver::create({{"layer/w", &wrongShape}, {"layer/b", &b}});
  ASSERT_TRUE(s1.ok());
  EXPECT_EQ(s1->restore(*p),
            errors::InvalidArgument(
                "Restoring variable layer/w: Assign requires shapes of both "
                "tensors to match. lhs shape= [3,2] rhs shape= [2,3]"));
  EXPECT_EQ(*b.data<float>(), 0.0f); // nothing restored before the check

  Tensor wrongType(DType::kDouble, {2});
  auto s2 = Saver::create({{"layer/b", &wrongType}});
  ASSERT_TRUE(s2.ok());
  EXPECT_EQ(s2->restore(*p),
            errors::InvalidArgument("tensor_name = layer/b; expected dtype "
                                    "double does not equal original dtype "
                                    "float"));
  EXPECT_EQ(
      s2->restore(tmp / "nope"),
      errors::InvalidArgument(
          "The passed save_path is not a valid checkpoint: ", tmp / "nope"));
}

TEST(Saver, CreateErrors) {
  EXPECT_EQ(Saver::create({}).status(),
            errors::InvalidArgument("No variables to save"));
  Tensor a = Tensor::scalar<float>(1);
  EXPECT_EQ(
      Saver::create({{"a", &a}, {"a", &a}}).status(),
      errors::InvalidArgument("At least two variables have the same name: a"));
}

TEST(CheckpointState, TextRoundTripAndErrors) {
  CheckpointState s;
  s.modelCheckpointPath = "dir/m\"1\n\xe9";
  s.allModelCheckpointPaths = {"a", "dir/m\"1\n\xe9"};
  s.allModelCheckpointTimestamps = {1.5, 1700000000.25};
  s.lastPreservedTimestamp = 3;
  std::string text = s.toText();
  EXPECT_EQ(text, "model_checkpoint_path: \"dir/m\\\"1\\n\\351\"\n"
                  "all_model_checkpoint_paths: \"a\"\n"
                  "all_model_checkpoint_paths: \"dir/m\\\"1\\n\\351\"\n"
                  "all_model_checkpoint_timestamps: 1.5\n"
                  "all_model_checkpoint_timestamps: 1700000000.25\n"
                  "last_preserved_timestamp: 3.0\n");
  auto back = CheckpointState::parseText(text);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->modelCheckpointPath, s.modelCheckpointPath);
  EXPECT_EQ(back->allModelCheckpointPaths, s.allModelCheckpointPaths);
  EXPECT_EQ(back->allModelCheckpointTimestamps, s.allModelCheckpointTimestamps);
  EXPECT_EQ(back->lastPreservedTimestamp, 3);
  EXPECT_FALSE(CheckpointState::parseText("bogus: \"x\"\n").ok());
  EXPECT_FALSE(CheckpointState::parseText("model_checkpoint_path: \"x\n").ok());

  TempDir tmp;
  writeFile(tmp / "checkpoint", "not a proto {");
  auto st = getCheckpointState(tmp.path());
  ASSERT_TRUE(st.ok());
  EXPECT_FALSE(st->has_value());
  EXPECT_EQ(latestCheckpoint(tmp.path()), std::nullopt);
  writeFile(tmp / "checkpoint", "all_model_checkpoint_paths: 'x'\n");
  EXPECT_EQ(getCheckpointState(tmp.path()).status(),
            errors::InvalidArgument("Invalid checkpoint state loaded from ",
                                    tmp.path()));
  // The file names a checkpoint whose files are gone.
  writeFile(tmp / "checkpoint", "model_checkpoint_path: 'gone'\n");
  EXPECT_EQ(latestCheckpoint(tmp.path()), std::nullopt);
}

TEST(Saver, ShardedSaveMergesDeviceShards) {
  TempDir tmp;
  Tensor a = Tensor::fromVector<float>({1, 2}), b = Tensor::scalar<int64_t>(9);
  SaverOptions opts;
  opts.sharded = true;
  auto saver = Saver::create({{"a", &a, 0}, {"b", &b, 1}}, opts);
  ASSERT_TRUE(saver.ok());
  auto p = saver->save(tmp / "m", 5);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(listDir(tmp.path()),
            (std::vector<std::string>{"checkpoint", "m-5.data-00000-of-00002",
                                      "m-5.data-00001-of-00002", "m-5.index"}));
  Tensor a2(DType::kFloat, {2}), b2(DType::kInt64, {});
  auto restorer = Saver::create({{"a", &a2}, {"b", &b2}});
  ASSERT_TRUE(restorer.ok());
  ASSERT_TRUE(restorer->restore(*p).ok());
  EXPECT_TRUE(a2.equals(a));
  EXPECT_TRUE(b2.equals(b));
  // Rotation deletes every data shard of an old checkpoint.
  removeCheckpoint(*p);
  EXPECT_EQ(listDir(tmp.path()), (std::vector<std::string>{"checkpoint"}));
}

TEST(Saver, MetaGraphFilename) {
  EXPECT_EQ(metaGraphFilename("m.ckpt-12"), "m.ckpt-12.meta");
  EXPECT_EQ(metaGraphFilename("m.ckpt-00000-of-00002"), "m.ckpt.meta");
  EXPECT_EQ(metaGraphFilename("m.ckpt-?\?\?\?\?-of-00002", "mg"), "m.ckpt.mg");
}
