//===- GemmAvx2.cpp - GEMM micro-kernels for AVX2 + FMA -------------------===//
//
// Compiled with -mavx2 -mfma (runtime/CMakeLists.txt) and called only when
// the CPU has both (Gemm.cpp). Tiles of 6 x 16: 12 accumulators in ymm
// registers, two vector loads and six broadcasts per k.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/Gemm.h"

#include <cstdlib>

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

namespace {
using kiln::GemmArgs;

#include "GemmAvxTranspose.h"

struct V {
  using T = __m256;
  static constexpr int L = 8;
  static T zero() { return _mm256_setzero_ps(); }
  static T load(const float *p) { return _mm256_load_ps(p); }
  static T loadu(const float *p) { return _mm256_loadu_ps(p); }
  static void storeu(float *p, T x) { _mm256_storeu_ps(p, x); }
  static __m256i mask(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static T loadPartial(const float *p, int n) {
    return _mm256_maskload_ps(p, mask(n));
  }
  static void storePartial(float *p, T x, int n) {
    _mm256_maskstore_ps(p, mask(n), x);
  }
  static T bcast(float x) { return _mm256_set1_ps(x); }
  static T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static T add(T a, T b) { return _mm256_add_ps(a, b); }
  static void transpose8x8(const float *src, int64_t lds, float *dst,
                           int64_t ldd) {
    transpose8x8Avx(src, lds, dst, ldd);
  }
};

#include "GemmImpl.h"

constexpr int kMr = 6, kNv = 2;
void block(const GemmArgs &g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  gemmBlock<kMr, kNv>(g, m0, m1, n0, n1);
}
} // namespace

kiln::detail::GemmIsa kiln::detail::gemmAvx2() {
  return {"avx2", block, kMr, kNv * V::L};
}
#else
kiln::detail::GemmIsa kiln::detail::gemmAvx2() {
  return {nullptr, nullptr, 0, 0};
}
#endif
