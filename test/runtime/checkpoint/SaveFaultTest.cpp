//===- SaveFaultTest.cpp - I/O errors and crashes at every step of a save -===//
//
// A Saver with several variables (a large float tensor written in several
// chunks, a mid-sized one, strings including a long one, scalars) saves
// step 3 into a directory that holds steps 1 and 2, through a
// FaultFileSystem. The calls of a complete save are counted first; then,
// for every call k:
//   - an error (ENOSPC, EIO) at call k: the save returns exactly that
//     error, nothing of step 3 nor any temporary is left, the `checkpoint`
//     file still names step 2, steps 1 and 2 restore with exactly their
//     values, and the same Saver saves step 3 fine once the disk is healthy;
//   - a crash at call k (the sequence stops, no cleanup runs; also with the
//     write at k torn, and with unsynced data lost as after a power
//     failure): a fresh process's view of the directory has a loadable
//     latest checkpoint with exactly its values (step 2, or step 3 once the
//     state file was renamed), step 3 is either complete or unreadable
//     (NotFound/DataLoss, never other values), and a restarted Saver saves
//     on.
// Sharded saves (two device shards merged as TF does) go through the same.
//
//===----------------------------------------------------------------------===//
#include "CheckpointTestUtil.h"
#include "FaultFileSystem.h"

#include "kiln/runtime/BundleReader.h"
#include "kiln/runtime/CheckpointFile.h"
#include "kiln/runtime/Errno.h"
#include "kiln/runtime/CheckpointState.h"
#include "kiln/runtime/Saver.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

using namespace kiln;
using namespace kiln::testing;
using Op = FaultFileSystem::Op;

namespace {

/// The variables of a small model whose every value depends on the step.
struct Model {
  // 8 MiB + 4 bytes: written in nine chunks, checksummed by ChunkCrc.
  Tensor big{DType::kFloat, {(8 << 20) / 4 + 1}};
  // ~2.3 MiB: three direct writes, checksummed inline.
  Tensor mid{DType::kDouble, {300000}};
  // Strings, one of them long enough to be written directly.
  Tensor words{DType::kString, {4}};
  Tensor step = Tensor::scalar<int64_t>(0);
  Tensor small{DType::kInt32, {3}};

  /// Filled for step `s`; unfilled (zeros, empty strings) without one.
  explicit Model(std::optional<int64_t> s = 0) {
    if (s)
      fill(*s);
  }

  /// The values of step `s` (built once per step).
  static const Model &of(int64_t s) {
    static std::map<int64_t, std::unique_ptr<Model>> cache;
    auto &m = cache[s];
    if (!m)
      m = std::make_unique<Model>(s);
    return *m;
  }

  void fill(int64_t s) {
    float *b = big.data<float>();
    for (int64_t i = 0, n = big.numElements(); i < n; ++i)
      b[i] = static_cast<float>(i % 1000) + static_cast<float>(s) * 1e-3f;
    double *m = mid.data<double>();
    for (int64_t i = 0, n = mid.numElements(); i < n; ++i)
      m[i] = static_cast<double>(s) * 1000000.0 + static_cast<double>(i);
    std::string *w = words.data<std::string>();
    w[0] = "step";
    w[1] = std::to_string(s);
    w[2] = "";
    w[3] = std::string((3 << 19) + 7, static_cast<char>('a' + s % 26));
    *step.data<int64_t>() = s;
    int32_t *p = small.data<int32_t>();
    for (int i = 0; i < 3; ++i)
      p[i] = static_cast<int32_t>(s * 10 + i);
  }

  std::vector<SaverVariable> vars(bool sharded) {
    return {{"layer/big", &big, 0},
            {"layer/mid", &mid, sharded ? 1 : 0},
            {"words", &words, 0},
            {"global_step", &step, sharded ? 1 : 0},
            {"layer/small", &small, sharded ? 1 : 0}};
  }

  /// Takes `o`'s tensors (sharing their buffers: enough for saving).
  void share(const Model &o) {
    big = o.big;
    mid = o.mid;
    words = o.words;
    step = o.step;
    small = o.small;
  }

  bool equals(const Model &o) const {
    return big.equals(o.big) && mid.equals(o.mid) && words.equals(o.words) &&
           step.equals(o.step) && small.equals(o.small);
  }
};

SaverOptions saverOptions(bool sharded, checkpoint::FileSystem *fs) {
  SaverOptions o;
  o.maxToKeep = 2; // step 3 rotates step 1 out: its deletes are steps too
  o.sharded = sharded;
  o.fileSystem = fs;
  return o;
}

std::string prefixOf(const std::string &dir, int64_t step) {
  return dir + "/model.ckpt-" + std::to_string(step);
}

/// Every file and directory under `dir`, relative, sorted.
std::vector<std::string> listTree(const std::string &dir) {
  std::vector<std::string> out;
  for (const auto &e : std::filesystem::recursive_directory_iterator(dir))
    out.push_back(std::filesystem::relative(e.path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string join(const std::vector<std::string> &v) {
  std::ostringstream os;
  for (const auto &s : v)
    os << s << " ";
  return os.str();
}

/// Restores `prefix` into a fresh model as a new process would. OK only if
/// every variable was read (and checksummed).
Status restoreInto(const std::string &prefix, bool sharded, Model *got) {
  auto saver = Saver::create(got->vars(sharded));
  if (!saver.ok())
    return saver.status();
  return saver->restore(prefix);
}

/// Reads every tensor of `prefix` with a BundleReader: Status of the first
/// failure; on OK, `*got` holds the values.
Status readBundle(const std::string &prefix, bool sharded, Model *got) {
  auto reader = BundleReader::open(prefix);
  if (!reader.ok())
    return reader.status();
  for (SaverVariable &v : got->vars(sharded))
    KILN_RETURN_IF_ERROR((*reader)->lookup(v.name, v.tensor));
  return Status::OK();
}

class SaveFault : public ::testing::TestWithParam<bool> {
protected:
  bool sharded() const { return GetParam(); }

  /// A directory holding steps 1 and 2, made once and copied per case to
  /// the same path (the state file holds absolute paths).
  void SetUp() override {
    dir_ = tmp_ / "case";
    base_ = tmp_ / "pristine";
    Model m;
    auto saver = Saver::create(m.vars(sharded()), saverOptions(sharded(), {}));
    ASSERT_TRUE(saver.ok()) << saver.status();
    for (int64_t s = 1; s <= 2; ++s) {
      m.fill(s);
      auto p = saver->save(dir_ + "/model.ckpt", s,
                           std::string_view("meta " + std::to_string(s)));
      ASSERT_TRUE(p.ok()) << p.status();
    }
    std::filesystem::rename(dir_, base_);
  }

  std::string freshCopy() {
    std::filesystem::remove_all(dir_);
    // Hard links: a save only ever creates, renames over and unlinks
    // files, never changes one in place, so the pristine copy stays intact.
    std::filesystem::copy(base_, dir_,
                          std::filesystem::copy_options::recursive |
                              std::filesystem::copy_options::create_hard_links);
    return dir_;
  }

  /// Saves step 3 into `dir` through `fs` with a Saver that picked up the
  /// existing checkpoints, as a resumed training run does. The Saver is
  /// returned through `saver` so a test may save again with it.
  StatusOr<std::string> saveStep3(const std::string &dir, FaultFileSystem *fs,
                                  Model *m, std::optional<Saver> *saver) {
    auto created =
        Saver::create(m->vars(sharded()), saverOptions(sharded(), fs));
    if (!created.ok())
      return created.status();
    saver->emplace(std::move(*created));
    auto state = getCheckpointState(dir);
    if (state.ok() && state->has_value())
      (*saver)->recoverLastCheckpoints((*state)->allModelCheckpointPaths);
    m->share(Model::of(3));
    return (*saver)->save(dir + "/model.ckpt", 3, std::string_view("meta 3"));
  }

  /// The calls of one complete save of step 3.
  std::vector<FaultFileSystem::Call> countCalls() {
    std::string dir = freshCopy();
    FaultFileSystem fs;
    Model m;
    std::optional<Saver> saver;
    auto p = saveStep3(dir, &fs, &m, &saver);
    EXPECT_TRUE(p.ok()) << p.status();
    return fs.calls();
  }

  /// The state file names step `latest` and lists exactly `all`.
  void expectState(const std::string &dir, int64_t latest,
                   const std::vector<int64_t> &all, const std::string &ctx) {
    auto state = getCheckpointState(dir);
    ASSERT_TRUE(state.ok()) << ctx << ": " << state.status();
    ASSERT_TRUE(state->has_value()) << ctx << ": state file unreadable";
    EXPECT_EQ((*state)->modelCheckpointPath, prefixOf(dir, latest)) << ctx;
    std::vector<std::string> want;
    for (int64_t s : all)
      want.push_back(prefixOf(dir, s));
    EXPECT_EQ((*state)->allModelCheckpointPaths, want) << ctx;
    auto l = latestCheckpoint(dir);
    ASSERT_TRUE(l.has_value()) << ctx;
    EXPECT_EQ(*l, prefixOf(dir, latest)) << ctx;
  }

  void expectRestores(const std::string &dir, int64_t step,
                      const std::string &ctx) {
    Model got(std::nullopt);
    Status s = restoreInto(prefixOf(dir, step), sharded(), &got);
    ASSERT_TRUE(s.ok()) << ctx << ": step " << step << ": " << s;
    EXPECT_TRUE(got.equals(Model::of(step))) << ctx << ": step " << step;
  }

  TempDir tmp_;
  std::string dir_;
  std::string base_;
};

} // namespace

TEST_P(SaveFault, TheSaveSequence) {
  // Bundle files (the data, then the index) appear by rename before the
  // `.meta`, and the state file is renamed after all of them; only then is
  // step 1 rotated out.
  std::vector<FaultFileSystem::Call> calls = countCalls();
  std::string dir = dir_;
  std::vector<std::string> renamedTo;
  size_t firstDelete = calls.size(); // of a step 1 file
  for (size_t i = 0; i < calls.size(); ++i) {
    if (calls[i].op == Op::kRename)
      renamedTo.push_back(calls[i].to);
    if (calls[i].op == Op::kDelete && firstDelete == calls.size() &&
        calls[i].path.find("model.ckpt-1.") != std::string::npos)
      firstDelete = i;
  }
  std::string p3 = prefixOf(dir, 3);
  std::vector<std::string> tail = {p3 + ".data-00000-of-00001", p3 + ".index",
                                   p3 + ".meta", dir + "/checkpoint"};
  if (sharded()) {
    tail[0] = p3 + ".data-00001-of-00002";
    tail.insert(tail.begin(), p3 + ".data-00000-of-00002");
  }
  ASSERT_GE(renamedTo.size(), tail.size());
  EXPECT_EQ(
      std::vector<std::string>(renamedTo.end() - tail.size(), renamedTo.end()),
      tail);
  ASSERT_LT(firstDelete, calls.size());
  EXPECT_EQ(calls[firstDelete].path, prefixOf(dir, 1) + ".index");
  EXPECT_EQ(calls[firstDelete - 1].op, Op::kRename);
  EXPECT_EQ(calls[firstDelete - 1].to, dir + "/checkpoint");
  int writes = 0, syncs = 0;
  for (const auto &c : calls) {
    writes += c.op == Op::kWrite;
    syncs += c.op == Op::kSync;
  }
  // The big tensor alone takes nine writes; every file is fsynced.
  EXPECT_GE(writes, 12);
  EXPECT_EQ(syncs, sharded() ? 7 : 4);
  std::printf("%s save: %zu file-system calls, %d writes\n",
              sharded() ? "sharded" : "plain", calls.size(), writes);
}

TEST_P(SaveFault, ErrorAtEveryCallKeepsPreviousCheckpoint) {
  std::vector<FaultFileSystem::Call> calls = countCalls();
  ASSERT_FALSE(calls.empty());
  int points = 0;
  for (int err : {ENOSPC, EIO}) {
    for (size_t k = 0; k < calls.size(); ++k) {
      std::string ctx = std::string(err == ENOSPC ? "ENOSPC" : "EIO") +
                        " at call " + std::to_string(k) + " (" +
                        opName(calls[k].op) + " " + calls[k].path + ")";
      SCOPED_TRACE(ctx);
      std::string dir = freshCopy();
      FaultFileSystem fs;
      fs.failAt(k, err);
      Model m(std::nullopt);
      std::optional<Saver> saver;
      auto p = saveStep3(dir, &fs, &m, &saver);
      std::vector<FaultFileSystem::Call> seen = fs.calls();
      ASSERT_GT(seen.size(), k);
      ASSERT_EQ(seen[k].op, calls[k].op) << "the save took another path";
      ++points;
      bool cleanup =
          calls[k].op == Op::kDelete || calls[k].op == Op::kDeleteDir;
      if (cleanup) {
        // Removing what is no longer needed is best effort (as in TF): the
        // save itself succeeded.
        ASSERT_TRUE(p.ok()) << p.status();
        expectState(dir, 3, {2, 3}, ctx);
        expectRestores(dir, 3, ctx);
        expectRestores(dir, 2, ctx);
        continue;
      }
      ASSERT_FALSE(p.ok());
      // Exactly the failing call's error, TF's POSIX wording.
      EXPECT_EQ(p.status(), errors::IOError(seen[k].path, err));
      EXPECT_EQ(p.status().code(),
                err == ENOSPC ? Code::kResourceExhausted : Code::kUnknown);
      // Nothing of step 3, no temporaries.
      std::vector<std::string> files = listTree(dir);
      for (const std::string &f : files) {
        EXPECT_EQ(f.find("model.ckpt-3"), std::string::npos) << join(files);
        EXPECT_EQ(f.find(".tempstate"), std::string::npos) << join(files);
        EXPECT_EQ(f.find(".tmp"), std::string::npos) << join(files);
      }
      EXPECT_EQ(files, listTree(base_));
      expectState(dir, 2, {1, 2}, ctx);
      expectRestores(dir, 2, ctx);
      // The disk recovers: the same Saver saves step 3 and rotates step 1
      // out as if the failed attempt had not happened.
      fs.heal();
      auto again =
          (*saver).save(dir + "/model.ckpt", 3, std::string_view("meta 3"));
      ASSERT_TRUE(again.ok()) << again.status();
      expectState(dir, 3, {2, 3}, ctx + ", saved again");
      expectRestores(dir, 3, ctx + ", saved again");
      EXPECT_FALSE(checkpointExists(prefixOf(dir, 1)));
    }
  }
  std::printf("%d error injection points (%zu calls x ENOSPC, EIO)\n", points,
              calls.size());
}

namespace {
enum class CrashKind { kStop, kTornWrite, kPowerLoss };
const char *crashName(CrashKind c) {
  switch (c) {
  case CrashKind::kStop:
    return "crash";
  case CrashKind::kTornWrite:
    return "crash in a torn write";
  case CrashKind::kPowerLoss:
    return "power loss";
  }
  return "?";
}
} // namespace

TEST_P(SaveFault, CrashAtEveryCallLeavesALoadableCheckpoint) {
  std::vector<FaultFileSystem::Call> calls = countCalls();
  ASSERT_FALSE(calls.empty());
  size_t stateRename = calls.size();
  for (size_t i = 0; i < calls.size(); ++i)
    if (calls[i].op == Op::kRename &&
        checkpoint::basename(calls[i].to) == "checkpoint")
      stateRename = i;
  ASSERT_LT(stateRename, calls.size());
  int points = 0, newerComplete = 0;
  for (CrashKind kind :
       {CrashKind::kStop, CrashKind::kTornWrite, CrashKind::kPowerLoss}) {
    for (size_t k = 0; k < calls.size(); ++k) {
      if (kind == CrashKind::kTornWrite && calls[k].op != Op::kWrite)
        continue;
      std::string ctx = std::string(crashName(kind)) + " at call " +
                        std::to_string(k) + " (" + opName(calls[k].op) + " " +
                        calls[k].path + ")";
      SCOPED_TRACE(ctx);
      std::string dir = freshCopy();
      {
        FaultFileSystem fs;
        fs.crashAt(k, kind == CrashKind::kTornWrite);
        Model m(std::nullopt);
        std::optional<Saver> saver;
        (void)saveStep3(dir, &fs, &m, &saver);
        ASSERT_TRUE(fs.crashed());
        if (kind == CrashKind::kPowerLoss)
          fs.powerLoss();
      }
      ++points;
      // A new process looks at the directory.
      bool stateMoved = k > stateRename;
      int64_t latest = stateMoved ? 3 : 2;
      expectState(dir, latest,
                  stateMoved ? std::vector<int64_t>{2, 3}
                             : std::vector<int64_t>{1, 2},
                  ctx);
      expectRestores(dir, 2, ctx);
      if (latest != 2)
        expectRestores(dir, latest, ctx);
      // Step 3 is complete, or not there: never other values.
      Model got(std::nullopt);
      Status s = readBundle(prefixOf(dir, 3), sharded(), &got);
      if (s.ok()) {
        EXPECT_TRUE(got.equals(Model::of(3)));
        ++newerComplete;
      } else {
        EXPECT_TRUE(s.code() == Code::kNotFound || s.code() == Code::kDataLoss)
            << s;
        EXPECT_FALSE(stateMoved);
      }
      // The restarted process saves on; leftovers of the crash are ignored.
      Model next(std::nullopt);
      FaultFileSystem healthy;
      auto saver = Saver::create(next.vars(sharded()),
                                 saverOptions(sharded(), &healthy));
      ASSERT_TRUE(saver.ok());
      auto state = getCheckpointState(dir);
      ASSERT_TRUE(state.ok() && state->has_value());
      saver->recoverLastCheckpoints((*state)->allModelCheckpointPaths);
      next.share(Model::of(4));
      auto p = saver->save(dir + "/model.ckpt", 4);
      ASSERT_TRUE(p.ok()) << p.status();
      expectState(dir, 4, {latest, 4}, ctx + ", then step 4");
      expectRestores(dir, 4, ctx + ", then step 4");
    }
  }
  std::printf("%d crash points (%zu calls; stop, torn write, power loss); "
              "step 3 complete after %d\n",
              points, calls.size(), newerComplete);
}

INSTANTIATE_TEST_SUITE_P(Saver, SaveFault, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool> &info) {
                           return info.param ? "Sharded" : "Plain";
                         });

// Without fsync (TF's own behaviour), a power failure can leave the newest
// checkpoint's files empty although the (always synced) state file names
// it: reading it must then fail, never return other values.
TEST(SaveFaultNoSync, PowerLossNeverReadsWrongValues) {
  TempDir tmp;
  std::string dir = tmp / "ckpt";
  Model m;
  {
    auto saver = Saver::create(m.vars(false));
    ASSERT_TRUE(saver.ok());
    m.fill(1);
    ASSERT_TRUE(saver->save(dir + "/model.ckpt", 1).ok());
  }
  FaultFileSystem fs;
  SaverOptions o = saverOptions(false, &fs);
  o.sync = false;
  auto saver = Saver::create(m.vars(false), o);
  ASSERT_TRUE(saver.ok());
  saver->recoverLastCheckpoints({prefixOf(dir, 1)});
  m.fill(2);
  ASSERT_TRUE(saver->save(dir + "/model.ckpt", 2).ok());
  fs.crashAt(fs.calls().size(), false); // right after the save
  (void)fs.deleteFile(dir + "/unused");
  fs.powerLoss();
  auto l = latestCheckpoint(dir);
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(*l, prefixOf(dir, 2)); // the state file was synced
  Model got(std::nullopt);
  Status s = readBundle(prefixOf(dir, 2), false, &got);
  EXPECT_TRUE(s.code() == Code::kDataLoss || s.code() == Code::kNotFound ||
              s.code() == Code::kOutOfRange)
      << s;
  // Step 1 was synced by its own save.
  Model one(std::nullopt);
  EXPECT_TRUE(restoreInto(prefixOf(dir, 1), false, &one).ok());
  EXPECT_TRUE(one.equals(Model::of(1)));
}
