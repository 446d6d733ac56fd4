//===- SaveCrashTest.cpp - SIGKILL during saves never loses a checkpoint --===//
//
// A child process saves in a loop and is killed with SIGKILL at a random
// moment, over and over in the same directory. After every kill the state
// file must parse, name a checkpoint that exists, and that checkpoint must
// restore with self-consistent values (every tensor holds its step).
//
//===----------------------------------------------------------------------===//
#include "CheckpointTestUtil.h"

#include "kiln/runtime/CheckpointFile.h"
#include "kiln/runtime/CheckpointState.h"
#include "kiln/runtime/Saver.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <random>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace kiln;
using namespace kiln::testing;

namespace {

struct Vars {
  Tensor w{DType::kFloat, {256, 1024}}; // 1 MiB, so kills land mid-write
  Tensor step = Tensor::scalar<int64_t>(0);
  Tensor tag{DType::kString, {2}};

  void fill(int64_t s) {
    float *p = w.data<float>();
    for (int64_t i = 0; i < w.numElements(); ++i)
      p[i] = static_cast<float>(s);
    *step.data<int64_t>() = s;
    tag.data<std::string>()[0] = "step";
    tag.data<std::string>()[1] = std::to_string(s);
  }
  std::vector<SaverVariable> list() {
    return {{"w", &w}, {"global_step", &step}, {"tag", &tag}};
  }
};

/// The child: keeps saving steps start, start+1, ... until killed.
[[noreturn]] void saveForever(const std::string &dir, int64_t start) {
  Vars v;
  SaverOptions opts;
  opts.maxToKeep = 3;
  auto saver = Saver::create(v.list(), opts);
  if (!saver.ok())
    _exit(2);
  auto state = getCheckpointState(dir);
  if (state.ok() && state->has_value())
    saver->recoverLastCheckpoints((*state)->allModelCheckpointPaths);
  for (int64_t s = start;; ++s) {
    v.fill(s);
    if (!saver->save(dir + "/model.ckpt", s, std::string_view("meta")).ok())
      _exit(3);
  }
}

} // namespace

TEST(SaveCrash, SigkillAtRandomPointsKeepsPreviousCheckpoint) {
  TempDir tmp;
  std::string dir = tmp / "ckpts";
  {
    // A first complete checkpoint, so there is always one to protect.
    Vars v;
    v.fill(0);
    auto saver = Saver::create(v.list());
    ASSERT_TRUE(saver.ok());
    ASSERT_TRUE(saver->save(dir + "/model.ckpt", 0).ok());
  }
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> delayUs(0, 120000);
  int64_t lastStep = 0;
  int advanced = 0; // kills after the child completed at least one save
  constexpr int kRepetitions = 60;
  for (int rep = 0; rep < kRepetitions; ++rep) {
    int64_t start = (rep + 1) * 100000;
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0)
      saveForever(dir, start);
    std::this_thread::sleep_for(std::chrono::microseconds(delayUs(rng)));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int wstatus = 0;
    ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(wstatus))
        << "child exited by itself with " << WEXITSTATUS(wstatus);

    auto state = getCheckpointState(dir);
    ASSERT_TRUE(state.ok()) << "rep " << rep << ": " << state.status();
    ASSERT_TRUE(state->has_value()) << "rep " << rep << ": state unparsable";
    auto latest = latestCheckpoint(dir);
    ASSERT_TRUE(latest.has_value()) << "rep " << rep;
    int64_t step = std::stoll(latest->substr(latest->rfind('-') + 1));
    EXPECT_GE(step, lastStep) << "rep " << rep;
    advanced += step >= start;
    lastStep = step;

    Vars got;
    auto restorer = Saver::create(got.list());
    ASSERT_TRUE(restorer.ok());
    Status s = restorer->restore(*latest);
    ASSERT_TRUE(s.ok()) << "rep " << rep << " " << *latest << ": " << s;
    EXPECT_EQ(*got.step.data<int64_t>(), step);
    EXPECT_EQ(got.w.data<float>()[got.w.numElements() - 1],
              static_cast<float>(step));
    EXPECT_EQ(got.tag.data<std::string>()[1], std::to_string(step));
    // Every checkpoint the state file still lists is complete too.
    for (const std::string &p : (*state)->allModelCheckpointPaths)
      EXPECT_TRUE(checkpointExists(p)) << "rep " << rep << ": " << p;
  }
  // The kills must really land among saves, not only before the first one;
  // interrupted saves leave `.tempstate` files behind (as in TF).
  auto names = checkpoint::listDir(dir);
  ASSERT_TRUE(names.ok());
  int temps = 0;
  for (const std::string &n : *names)
    temps += n.find(".tempstate") != std::string::npos;
  std::printf("%d of %d kills after a completed save; %d temp files left\n",
              advanced, kRepetitions, temps);
  EXPECT_GE(advanced, kRepetitions / 4);
}
