//===- GemmTest.cpp - The runtime's sgemm against a double reference -----===//
#include "kiln/runtime/Gemm.h"
#include "kiln/runtime/ThreadPool.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

using namespace kiln;

namespace {

struct Case {
  int64_t m, n, k;
  bool transA, transB, accumulate;
  int64_t pad; ///< extra elements per stored row (leading dims > dims)
};

std::vector<float> randomVector(size_t n, uint32_t seed) {
  std::mt19937 g(seed);
  std::normal_distribution<float> d(0.f, 1.f);
  std::vector<float> v(n);
  for (float &x : v)
    x = d(g);
  return v;
}

/// The epilogue of the tests: C = 2 C + 1 on its block, and a count of the
/// calls that covered each element (it must be one: every block once, and
/// only when final, which 2 C + 1 applied to a partial sum would show).
struct Epilogue {
  float *c;
  int64_t ldc;
  std::vector<int> visits;
  static void run(void *ctx, int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
    auto *e = static_cast<Epilogue *>(ctx);
    for (int64_t i = i0; i < i1; ++i)
      for (int64_t j = j0; j < j1; ++j) {
        e->c[i * e->ldc + j] = 2 * e->c[i * e->ldc + j] + 1;
        ++e->visits[i * e->ldc + j];
      }
  }
};

/// Runs `c` through `run` (given the arguments) and compares every element
/// of C, and C's padding (which must stay untouched), with a double
/// reference; `withEpilogue` adds the epilogue above.
template <typename Run>
void check(const Case &c, Run run, bool withEpilogue = false) {
  SCOPED_TRACE(::testing::Message()
               << c.m << "x" << c.n << "x" << c.k << " ta=" << c.transA
               << " tb=" << c.transB << " acc=" << c.accumulate
               << " pad=" << c.pad);
  int64_t aRows = c.transA ? c.k : c.m, aCols = c.transA ? c.m : c.k;
  int64_t bRows = c.transB ? c.n : c.k, bCols = c.transB ? c.k : c.n;
  GemmArgs g;
  g.transA = c.transA;
  g.transB = c.transB;
  g.accumulate = c.accumulate;
  g.m = c.m;
  g.n = c.n;
  g.k = c.k;
  g.lda = aCols + c.pad;
  g.ldb = bCols + c.pad;
  g.ldc = c.n + c.pad;
  std::vector<float> a = randomVector(aRows * g.lda + 1, 1);
  std::vector<float> b = randomVector(bRows * g.ldb + 1, 2);
  std::vector<float> cv = randomVector(c.m * g.ldc + 1, 3);
  std::vector<float> before = cv;
  g.a = a.data();
  g.b = b.data();
  g.c = cv.data();
  Epilogue epilogue{cv.data(), g.ldc, std::vector<int>(cv.size(), 0)};
  if (withEpilogue) {
    g.epilogue = Epilogue::run;
    g.epilogueCtx = &epilogue;
  }
  run(g);
  for (int64_t i = 0; i < c.m; ++i)
    for (int64_t j = 0; j < g.ldc; ++j) {
      float got = cv[i * g.ldc + j];
      if (j >= c.n) {
        ASSERT_EQ(got, before[i * g.ldc + j])
            << "padding written at " << i << "," << j;
        ASSERT_EQ(epilogue.visits[i * g.ldc + j], 0)
            << "epilogue on padding at " << i << "," << j;
        continue;
      }
      if (withEpilogue) {
        ASSERT_EQ(epilogue.visits[i * g.ldc + j], 1)
            << "epilogue calls covering " << i << "," << j;
        got = (got - 1) / 2;
      }
      double ref = c.accumulate ? before[i * g.ldc + j] : 0.0, norm = 0;
      for (int64_t p = 0; p < c.k; ++p) {
        double x = c.transA ? a[p * g.lda + i] : a[i * g.lda + p];
        double y = c.transB ? b[j * g.ldb + p] : b[p * g.ldb + j];
        ref += x * y;
        norm += std::fabs(x * y);
      }
      ASSERT_NEAR(got, ref, 1e-5 * (norm + 1)) << "at " << i << "," << j;
    }
}

std::vector<Case> cases() {
  std::vector<Case> out;
  // Shapes around every blocking edge: micro-tiles (6/8/16 rows, 16/32/48
  // columns), K blocks (up to 512), one row, narrow C, empty K.
  const int64_t shapes[][3] = {{1, 1, 1},      {1, 625, 784},  {3, 70, 33},
                               {4, 129, 10},   {7, 10, 300},   {8, 32, 64},
                               {17, 33, 257},  {128, 10, 625}, {128, 625, 10},
                               {129, 65, 700}, {64, 48, 1},    {5, 17, 0},
                               {33, 1, 40},    {200, 31, 129}};
  for (auto &s : shapes)
    for (int t = 0; t < 8; ++t)
      out.push_back({s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0, (t & 4) != 0,
                     (t & 1) ? 3 : 0});
  return out;
}

/// The micro-kernel families this build has and this CPU runs.
std::vector<detail::GemmIsa> runnableIsas() {
  std::vector<detail::GemmIsa> out;
  for (detail::GemmIsa isa :
       {detail::gemmAvx512(), detail::gemmAvx2(), detail::gemmPortable()}) {
    if (!isa.block)
      continue;
    if (std::string(isa.name) == "avx512" && !__builtin_cpu_supports("avx512f"))
      continue;
    if (std::string(isa.name) == "avx2" &&
        !(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")))
      continue;
    out.push_back(isa);
  }
  return out;
}

TEST(Gemm, EveryIsaMatchesTheReference) {
  for (const detail::GemmIsa &isa : runnableIsas()) {
    SCOPED_TRACE(isa.name);
    for (const Case &c : cases())
      check(c, [&](const GemmArgs &g) { isa.block(g, 0, g.m, 0, g.n); });
  }
}

TEST(Gemm, SplitOverThreadsMatchesTheReference) {
  // Three threads: uneven parts of whole micro-tiles, rows or columns.
  ThreadPool pool(3);
  for (const Case &c : cases())
    check(c, [&](const GemmArgs &g) { sgemm(g, &pool); });
  check({300, 700, 50, false, false, false, 0},
        [&](const GemmArgs &g) { sgemm(g, &pool); });
  check({700, 30, 50, true, false, true, 1},
        [&](const GemmArgs &g) { sgemm(g, &pool); });
}

TEST(Gemm, EpilogueSeesEveryFinishedBlockOnce) {
  ThreadPool pool(3);
  for (const detail::GemmIsa &isa : runnableIsas()) {
    SCOPED_TRACE(isa.name);
    for (const Case &c : cases())
      check(
          c, [&](const GemmArgs &g) { isa.block(g, 0, g.m, 0, g.n); }, true);
  }
  // Split over threads (rows and columns), K in several blocks.
  for (const Case &c : cases())
    check(c, [&](const GemmArgs &g) { sgemm(g, &pool); }, true);
  check({300, 700, 600, false, true, false, 0},
        [&](const GemmArgs &g) { sgemm(g, &pool); }, true);
}

TEST(Gemm, NoRowsOrColumnsTouchNothing) {
  float c = 7;
  GemmArgs g;
  g.m = 0;
  g.n = 4;
  g.k = 3;
  g.c = &c;
  sgemm(g, nullptr);
  g.m = 4;
  g.n = 0;
  sgemm(g, nullptr);
  EXPECT_EQ(c, 7);
}

TEST(Gemm, IsaIsNamed) {
  std::string isa = sgemmIsa();
  EXPECT_TRUE(isa == "avx512" || isa == "avx2" || isa == "portable") << isa;
}

} // namespace
