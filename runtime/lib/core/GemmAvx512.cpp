//===- GemmAvx512.cpp - GEMM micro-kernels for AVX-512 --------------------===//
//
// Compiled with -mavx512f -mfma (runtime/CMakeLists.txt) and called only
// when the CPU has AVX-512F (Gemm.cpp). Tiles of 8 x 32: 16 accumulators
// in zmm registers, two vector loads and eight broadcasts per k.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/Gemm.h"

#include <cstdlib>

#if defined(__x86_64__) && defined(__AVX512F__)
#include <immintrin.h>

namespace {
using kiln::GemmArgs;

#include "GemmAvxTranspose.h"

struct V {
  using T = __m512;
  static constexpr int L = 16;
  static T zero() { return _mm512_setzero_ps(); }
  static T load(const float *p) { return _mm512_load_ps(p); }
  static T loadu(const float *p) { return _mm512_loadu_ps(p); }
  static void storeu(float *p, T x) { _mm512_storeu_ps(p, x); }
  static __mmask16 mask(int n) {
    return static_cast<__mmask16>((1u << n) - 1u);
  }
  static T loadPartial(const float *p, int n) {
    return _mm512_maskz_loadu_ps(mask(n), p);
  }
  static void storePartial(float *p, T x, int n) {
    _mm512_mask_storeu_ps(p, mask(n), x);
  }
  static T bcast(float x) { return _mm512_set1_ps(x); }
  static T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static void transpose8x8(const float *src, int64_t lds, float *dst,
                           int64_t ldd) {
    transpose8x8Avx(src, lds, dst, ldd);
  }
};

#include "GemmImpl.h"

constexpr int kMr = 8, kNv = 2;
void block(const GemmArgs &g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  gemmBlock<kMr, kNv>(g, m0, m1, n0, n1);
}
} // namespace

kiln::detail::GemmIsa kiln::detail::gemmAvx512() {
  return {"avx512", block, kMr, kNv * V::L};
}
#else
kiln::detail::GemmIsa kiln::detail::gemmAvx512() {
  return {nullptr, nullptr, 0, 0};
}
#endif
