//===- PhiloxBulk.cpp - Many Philox calls at once, on every core ----------===//
#include "kiln/runtime/Philox.h"
#include "kiln/runtime/ThreadPool.h"

#include <cstring>

namespace kiln::random {
namespace detail {
#if defined(__x86_64__)
void philoxUniformFloatAvx512(PhiloxRandom gen, int64_t groups, float *out,
                              int64_t n);
#endif
} // namespace detail

namespace {

bool hasAvx512() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") != 0;
  }();
  return has;
#else
  return false;
#endif
}

/// Groups [0, groups) of `gen` (4 floats each) into out[0, n).
void fillRange(PhiloxRandom gen, int64_t groups, float *out, int64_t n) {
#if defined(__x86_64__)
  if (hasAvx512()) {
    detail::philoxUniformFloatAvx512(gen, groups, out, n);
    return;
  }
#endif
  for (int64_t g = 0; g < groups; ++g) {
    std::array<float, 4> v = uniformFloat(gen);
    int64_t base = g * 4;
    for (int64_t k = 0; k < 4 && base + k < n; ++k)
      out[base + k] = v[static_cast<size_t>(k)];
  }
}

} // namespace

void fillUniformFloat(PhiloxRandom gen, float *out, int64_t n,
                      ThreadPool *pool) {
  if (n <= 0)
    return;
  int64_t groups = (n + 3) / 4;
  // Blocks of 1024 groups (4096 floats): worth a hand-off.
  constexpr int64_t kBlock = 1024;
  if (!pool || groups <= kBlock) {
    fillRange(gen, groups, out, n);
    return;
  }
  pool->parallelFor(groups, kBlock, [&](int64_t begin, int64_t end) {
    PhiloxRandom local = gen;
    local.skip(static_cast<uint64_t>(begin));
    int64_t first = begin * 4;
    int64_t last = end * 4 < n ? end * 4 : n;
    fillRange(local, end - begin, out + first, last - first);
  });
}

} // namespace kiln::random
