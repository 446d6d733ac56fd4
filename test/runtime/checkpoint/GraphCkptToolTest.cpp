//===- GraphCkptToolTest.cpp - graph-ckpt on Kiln-written checkpoints -----===//
//
// Runs the graph-ckpt binary (built beside the tests) on checkpoints written
// here, so the tool is tested without the TF fixtures: diff with and without
// --rtol, print of every printable dtype, verify. Skips when the tool has
// not been built.
//
//===----------------------------------------------------------------------===//
#include "CheckpointTestUtil.h"

#include "kiln/runtime/BundleWriter.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <sys/wait.h>

using namespace kiln;
using namespace kiln::testing;

namespace {

struct ToolRun {
  int rc;
  std::string out;
};

std::string toolPath() {
  return std::string(KILN_BINARY_DIR) + "/bin/graph-ckpt";
}

ToolRun run(const std::string &args) {
  std::string cmd = "'" + toolPath() + "' " + args + " 2>&1";
  FILE *p = ::popen(cmd.c_str(), "r");
  ToolRun r{-1, ""};
  if (!p)
    return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0)
    r.out.append(buf, n);
  int status = ::pclose(p);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

void write(const std::string &prefix,
           const std::vector<std::pair<std::string, Tensor>> &tensors) {
  BundleWriter w(prefix);
  for (const auto &[k, t] : tensors)
    ASSERT_TRUE(w.add(k, t).ok());
  ASSERT_TRUE(w.finish().ok());
}

#define REQUIRE_TOOL()                                                         \
  if (!checkpoint::fileExists(toolPath()))                                     \
    GTEST_SKIP() << "graph-ckpt not built at " << toolPath();

} // namespace

TEST(GraphCkptTool, DiffWithTolerance) {
  REQUIRE_TOOL();
  TempDir tmp;
  write(tmp / "a", {{"w", Tensor::fromVector<float>({1, 2, 3})},
                    {"s", Tensor::fromVector<std::string>({"x", "y"})},
                    {"only_a", Tensor::scalar<int32_t>(1)}});
  write(tmp / "b", {{"w", Tensor::fromVector<float>({1, 2.001f, 3})},
                    {"s", Tensor::fromVector<std::string>({"x", "z"})},
                    {"only_b", Tensor::scalar<int32_t>(1)}});
  ToolRun r = run("diff '" + tmp / "a" + "' '" + tmp / "b" + "'");
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.out, "only in A: only_a\n"
                   "only in B: only_b\n"
                   "s: 1 of 2 strings differ\n"
                   "w: 1 of 3 elements differ (max abs diff 0.000999928)\n"
                   "4 differences\n");
  write(tmp / "c", {{"w", Tensor::fromVector<float>({1, 2, 3})}});
  write(tmp / "d", {{"w", Tensor::fromVector<float>({1, 2.001f, 3})}});
  r = run("diff '" + tmp / "c" + "' '" + tmp / "d" + "' --rtol 1e-3");
  EXPECT_EQ(r.rc, 0) << r.out;
  EXPECT_EQ(r.out, "identical: 1 tensors\n");
  r = run("diff '" + tmp / "c" + "' '" + tmp / "d" + "' --rtol 1e-4");
  EXPECT_EQ(r.rc, 1) << r.out;
  write(tmp / "e", {{"w", Tensor::fromVector<double>({1, 2, 3})}});
  r = run("diff '" + tmp / "c" + "' '" + tmp / "e" + "'");
  EXPECT_EQ(r.out, "w: float [3] vs double [3]\n1 difference\n");
}

TEST(GraphCkptTool, ListAndPrintKilnCheckpoint) {
  REQUIRE_TOOL();
  TempDir tmp;
  Tensor half(DType::kHalf, {2});
  half.data<uint16_t>()[0] = 0x3c00; // 1.0
  half.data<uint16_t>()[1] = 0xc100; // -2.5
  Tensor bf(DType::kBFloat16, {1});
  bf.data<uint16_t>()[0] = 0x4049; // 3.140625
  Tensor q(DType::kQInt8, {2});
  q.data<int8_t>()[0] = -3;
  q.data<int8_t>()[1] = 4;
  write(tmp / "m", {{"half", half},
                    {"bf", bf},
                    {"q", q},
                    {"empty", Tensor(DType::kInt64, {0, 3})},
                    {"flag", Tensor::scalar<bool>(true)}});
  ToolRun r = run("list '" + tmp / "m" + "'");
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(r.out, "bf     bfloat16    [1]               2\n"
                   "empty  int64       [0,3]             0\n"
                   "flag   bool        []                1\n"
                   "half   half        [2]               4\n"
                   "q      qint8       [2]               2\n");
  r = run("print '" + tmp / "m" + "' half");
  EXPECT_EQ(r.out, "half: half [2]\n[ 1.  -2.5]\n");
  r = run("print '" + tmp / "m" + "' bf");
  EXPECT_EQ(r.out, "bf: bfloat16 [1]\n[3.140625]\n");
  r = run("print '" + tmp / "m" + "' q");
  EXPECT_EQ(r.out, "q: qint8 [2]\n[-3  4]\n");
  r = run("print '" + tmp / "m" + "' flag");
  EXPECT_EQ(r.out, "flag: bool []\nTrue\n");
  r = run("verify '" + tmp / "m" + "'");
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(r.out, "OK: 5 tensors, all checksums match in " + tmp / "m" + "\n");
  r = run("");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("Usage:"), std::string::npos);
}
