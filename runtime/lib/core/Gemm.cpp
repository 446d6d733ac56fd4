//===- Gemm.cpp - Single-precision matrix products for compiled code ------===//
#include "kiln/runtime/Gemm.h"

#include "kiln/runtime/ThreadPool.h"

#include <cstdlib>
#include <cstring>

using namespace kiln;

namespace {

// Any CPU: eight floats that the compiler may or may not vectorize.
struct V {
  struct T {
    float x[8];
  };
  static constexpr int L = 8;
  static T zero() { return T{}; }
  static T load(const float *p) { return loadu(p); }
  static T loadu(const float *p) {
    T r;
    std::memcpy(r.x, p, sizeof r.x);
    return r;
  }
  static void storeu(float *p, T v) { std::memcpy(p, v.x, sizeof v.x); }
  static T loadPartial(const float *p, int n) {
    T r{};
    std::memcpy(r.x, p, n * sizeof(float));
    return r;
  }
  static void storePartial(float *p, T v, int n) {
    std::memcpy(p, v.x, n * sizeof(float));
  }
  static T bcast(float s) {
    T r;
    for (float &e : r.x)
      e = s;
    return r;
  }
  static T fma(T a, T b, T c) {
    for (int i = 0; i < L; ++i)
      c.x[i] += a.x[i] * b.x[i];
    return c;
  }
  static T add(T a, T b) {
    for (int i = 0; i < L; ++i)
      a.x[i] += b.x[i];
    return a;
  }
  static void transpose8x8(const float *src, int64_t lds, float *dst,
                           int64_t ldd) {
    for (int r = 0; r < 8; ++r)
      for (int c = 0; c < 8; ++c)
        dst[c * ldd + r] = src[r * lds + c];
  }
};

#include "GemmImpl.h"

constexpr int kMr = 4, kNv = 2;
void portableBlock(const GemmArgs &g, int64_t m0, int64_t m1, int64_t n0,
                   int64_t n1) {
  gemmBlock<kMr, kNv>(g, m0, m1, n0, n1);
}

bool cpuHas(const char *isa) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  if (std::strcmp(isa, "avx512") == 0)
    return __builtin_cpu_supports("avx512f");
  if (std::strcmp(isa, "avx2") == 0)
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  return std::strcmp(isa, "portable") == 0;
}

detail::GemmIsa chooseIsa() {
  detail::GemmIsa candidates[] = {detail::gemmAvx512(), detail::gemmAvx2(),
                                  detail::gemmPortable()};
  // KILN_GEMM_ISA picks a narrower family than the best one; a name the
  // CPU cannot run (or a typo) leaves the best.
  if (const char *forced = std::getenv("KILN_GEMM_ISA"))
    for (const detail::GemmIsa &isa : candidates)
      if (isa.block && std::strcmp(isa.name, forced) == 0 && cpuHas(isa.name))
        return isa;
  for (const detail::GemmIsa &isa : candidates)
    if (isa.block && cpuHas(isa.name))
      return isa;
  return detail::gemmPortable();
}

const detail::GemmIsa &isa() {
  static const detail::GemmIsa chosen = chooseIsa();
  return chosen;
}

} // namespace

detail::GemmIsa detail::gemmPortable() {
  return {"portable", portableBlock, kMr, kNv * V::L};
}

const char *kiln::sgemmIsa() { return isa().name; }

void kiln::sgemm(const GemmArgs &g, ThreadPool *pool) {
  if (g.m <= 0 || g.n <= 0)
    return;
  const detail::GemmIsa &impl = isa();
  // Below ~0.5 MFLOP a hand-off to another thread costs more than it saves
  // (an epilogue counted as a few operations per element of C).
  double flops = 2.0 * g.m * g.n * (g.k > 0 ? g.k : 1) +
                 (g.epilogue ? 16.0 * g.m * g.n : 0.0);
  int threads = pool && flops >= 0.5e6 ? pool->numThreads() : 1;
  bool direct = !g.transB && g.m <= 4; // see directRows in GemmImpl.h
  // Splitting the columns makes every thread stream all of A; splitting the
  // rows, all of B (and pack it, when it is stored transposed): the smaller
  // one is the one every thread reads.
  bool splitColumns = direct || g.m <= g.n;
  int64_t extent = splitColumns ? g.n : g.m;
  // Rows go in pairs of micro-tiles: the narrow kernel (C of one vector
  // of columns) has twice the rows.
  int64_t quantum = direct ? 64 : splitColumns ? impl.nr : 2 * impl.mr;
  int64_t units = ceilDiv(extent, quantum);
  if (threads > units)
    threads = static_cast<int>(units);
  if (threads <= 1) {
    impl.block(g, 0, g.m, 0, g.n);
    return;
  }
  // `threads` parts of whole quanta, as even as they come.
  auto part = [&](int64_t t) {
    return minI(extent, (units * t / threads) * quantum);
  };
  pool->parallelFor(threads, 1, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      int64_t lo = part(t), hi = part(t + 1);
      if (lo >= hi)
        continue;
      if (splitColumns)
        impl.block(g, 0, g.m, lo, hi);
      else
        impl.block(g, lo, hi, 0, g.n);
    }
  });
}
