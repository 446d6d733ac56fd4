//===- gemm.cpp - GFLOP/s of the runtime's sgemm on S1's shapes -----------===//
//
// Usage: kiln_gemm_bench [threads=hardware] [samples=5] [shape-filter]
// The shapes, storage (row-major, lda/ldb/ldc as stored), warm-up and timing
// mirror ../shared/peers/gemm_bench.cpp so the two print comparable lines:
//   <shape name> <min> <median> <max> ok|CHECK-FAILED
// Each result is checked against a double-precision dot product.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/Gemm.h"
#include "kiln/runtime/ThreadPool.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

namespace {
using Clock = std::chrono::steady_clock;

struct Shape {
  const char *name;
  bool ta, tb;
  int m, n, k;
};

std::vector<float> randomMatrix(size_t n) {
  std::vector<float> v(n);
  std::mt19937 g(42);
  std::normal_distribution<float> d(0.f, 1.f);
  for (float &x : v)
    x = d(g);
  return v;
}
} // namespace

int main(int argc, char **argv) {
  int threads = argc > 1 ? std::atoi(argv[1]) : 0;
  int samples = argc > 2 ? std::atoi(argv[2]) : 5;
  const char *filter = argc > 3 ? argv[3] : nullptr;
  kiln::ThreadPool pool(threads > 0 ? threads
                                    : kiln::ThreadPool::defaultThreadCount());
  const Shape shapes[] = {
      {"fwd_L1  X[128x784]W1[784x625]", false, false, 128, 625, 784},
      {"fwd_L2  H1[128x625]W2[625x625]", false, false, 128, 625, 625},
      {"fwd_L3  H2[128x625]W3[625x10]", false, false, 128, 10, 625},
      {"dW1  X^T[784x128]dH1[128x625]", true, false, 784, 625, 128},
      {"dW2  H1^T[625x128]dH2[128x625]", true, false, 625, 625, 128},
      {"dW3  H2^T[625x128]dL[128x10]", true, false, 625, 10, 128},
      {"dH2  dL[128x10]W3^T[10x625]", false, true, 128, 625, 10},
      {"dH1  dH2[128x625]W2^T[625x625]", false, true, 128, 625, 625},
      {"dX   dH1[128x625]W1^T[625x784]", false, true, 128, 784, 625},
      {"inf_b1 x[1x784]W1[784x625]", false, false, 1, 625, 784},
      {"ref  1024^3", false, false, 1024, 1024, 1024},
  };
  std::printf("# lib=kiln isa=%s threads=%d samples=%d\n", kiln::sgemmIsa(),
              pool.numThreads(), samples);
  std::printf("%-34s %8s %8s %8s  %s\n", "shape (row-major C[MxN]=op(A)op(B))",
              "min", "median", "max", "GFLOP/s");
  bool first = true, allOk = true;
  for (const Shape &s : shapes) {
    if (filter && !std::strstr(s.name, filter))
      continue;
    std::vector<float> a = randomMatrix(size_t(s.m) * s.k),
                       b = randomMatrix(size_t(s.k) * s.n),
                       c(size_t(s.m) * s.n);
    kiln::GemmArgs g;
    g.transA = s.ta;
    g.transB = s.tb;
    g.m = s.m;
    g.n = s.n;
    g.k = s.k;
    g.a = a.data();
    g.lda = s.ta ? s.m : s.k;
    g.b = b.data();
    g.ldb = s.tb ? s.k : s.n;
    g.c = c.data();
    g.ldc = s.n;
    auto run = [&] { kiln::sgemm(g, &pool); };
    if (first) {
      auto t0 = Clock::now();
      while (std::chrono::duration<double>(Clock::now() - t0).count() < 0.5)
        run();
      first = false;
    }
    for (int i = 0; i < 3; ++i)
      run();
    long reps = 1;
    for (;;) {
      auto t0 = Clock::now();
      for (long i = 0; i < reps; ++i)
        run();
      if (std::chrono::duration<double>(Clock::now() - t0).count() > 0.05)
        break;
      reps *= 2;
    }
    std::vector<double> rates;
    for (int r = 0; r < samples; ++r) {
      auto t0 = Clock::now();
      for (long i = 0; i < reps; ++i)
        run();
      double dt = std::chrono::duration<double>(Clock::now() - t0).count();
      rates.push_back(2.0 * s.m * s.n * s.k * reps / dt / 1e9);
    }
    std::sort(rates.begin(), rates.end());
    double maxRel = 0;
    std::mt19937 rg(1);
    for (int t = 0; t < 64; ++t) {
      int i = rg() % s.m, j = rg() % s.n;
      double ref = 0, norm = 0;
      for (int k = 0; k < s.k; ++k) {
        double x = s.ta ? a[size_t(k) * g.lda + i] : a[size_t(i) * g.lda + k];
        double y = s.tb ? b[size_t(j) * g.ldb + k] : b[size_t(k) * g.ldb + j];
        ref += x * y;
        norm += std::fabs(x * y);
      }
      maxRel = std::max(maxRel, std::fabs(c[size_t(i) * g.ldc + j] - ref) /
                                    (norm + 1e-30));
    }
    bool ok = maxRel < 1e-5;
    allOk &= ok;
    std::printf("%-34s %8.1f %8.1f %8.1f  %s\n", s.name, rates.front(),
                rates[rates.size() / 2], rates.back(),
                ok ? "ok" : "CHECK-FAILED");
    std::fflush(stdout);
  }
  return allOk ? 0 : 1;
}
