//===- PhiloxAvx512.cpp - Sixteen Philox streams at once ------------------===//
//
// Compiled with -mavx512f (runtime/CMakeLists.txt) and called only when the
// CPU has AVX-512F (PhiloxBulk.cpp). Lane j computes the Philox4x32-10 call
// of counter `first + j`: the same numbers, in the same order, as that many
// calls of PhiloxRandom::operator().
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/Philox.h"

#if defined(__x86_64__) && defined(__AVX512F__)
#include <immintrin.h>

namespace kiln::random::detail {

namespace {
constexpr uint32_t kW32A = 0x9E3779B9, kW32B = 0xBB67AE85;
constexpr uint32_t kM4x32A = 0xD2511F53, kM4x32B = 0xCD9E8D57;

/// The high and low 32 bits of `m` times each lane of `x`.
inline void mulHiLo(__m512i x, __m512i m, __m512i &hi, __m512i &lo) {
  __m512i even = _mm512_mul_epu32(x, m); // lanes 0, 2, ... as 64-bit
  __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64(x, 32), m);
  lo = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
  hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd);
}
} // namespace

void philoxUniformFloatAvx512(PhiloxRandom gen, int64_t groups, float *out,
                              int64_t n) {
  const __m512i ma = _mm512_set1_epi32(static_cast<int>(kM4x32A));
  const __m512i mb = _mm512_set1_epi32(static_cast<int>(kM4x32B));
  const __m512i mantissa = _mm512_set1_epi32(0x7fffff);
  const __m512i exponent = _mm512_set1_epi32(127 << 23);
  const __m512 one = _mm512_set1_ps(1.0f);
  alignas(64) uint32_t counters[4][16];
  alignas(64) float values[4][16];
  const __m512i iota =
      _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (int64_t g0 = 0; g0 < groups; g0 += 16) {
    const PhiloxRandom::ResultType &first = gen.counter();
    if (first[0] <= 0xFFFFFFFFu - 15) {
      // No carry out of the low word within the block (all but one block
      // in 2^28): lanes count up from the first counter.
      _mm512_store_si512(
          counters[0],
          _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(first[0])),
                           iota));
      for (int w = 1; w < 4; ++w)
        _mm512_store_si512(counters[w],
                           _mm512_set1_epi32(static_cast<int>(first[w])));
      gen.skip(16);
    } else {
      for (int j = 0; j < 16; ++j) {
        const PhiloxRandom::ResultType &c = gen.counter();
        for (int w = 0; w < 4; ++w)
          counters[w][j] = c[w];
        gen.skip(1);
      }
    }
    __m512i c0 = _mm512_load_si512(counters[0]);
    __m512i c1 = _mm512_load_si512(counters[1]);
    __m512i c2 = _mm512_load_si512(counters[2]);
    __m512i c3 = _mm512_load_si512(counters[3]);
    uint32_t k0 = gen.key()[0], k1 = gen.key()[1];
    for (int round = 0; round < 10; ++round) {
      __m512i hi0, lo0, hi1, lo1;
      mulHiLo(c0, ma, hi0, lo0);
      mulHiLo(c2, mb, hi1, lo1);
      __m512i n0 = _mm512_xor_si512(_mm512_xor_si512(hi1, c1),
                                    _mm512_set1_epi32(static_cast<int>(k0)));
      __m512i n2 = _mm512_xor_si512(_mm512_xor_si512(hi0, c3),
                                    _mm512_set1_epi32(static_cast<int>(k1)));
      c0 = n0;
      c1 = lo1;
      c2 = n2;
      c3 = lo0;
      k0 += kW32A;
      k1 += kW32B;
    }
    // TF's Uint32ToFloat: the 23 low bits as a mantissa of [1, 2), minus 1.
    __m512 v[4];
    __m512i words[4] = {c0, c1, c2, c3};
    for (int w = 0; w < 4; ++w)
      v[w] = _mm512_sub_ps(_mm512_castsi512_ps(_mm512_or_si512(
                               exponent, _mm512_and_si512(words[w], mantissa))),
                           one);
    // Lane j's four words go to out[4j .. 4j+3]: a 4 x 16 transpose.
    __m512 t0 = _mm512_unpacklo_ps(v[0], v[1]),
           t1 = _mm512_unpackhi_ps(v[0], v[1]);
    __m512 t2 = _mm512_unpacklo_ps(v[2], v[3]),
           t3 = _mm512_unpackhi_ps(v[2], v[3]);
    auto lo = [](__m512 a, __m512 b) {
      return _mm512_castpd_ps(
          _mm512_unpacklo_pd(_mm512_castps_pd(a), _mm512_castps_pd(b)));
    };
    auto hi = [](__m512 a, __m512 b) {
      return _mm512_castpd_ps(
          _mm512_unpackhi_pd(_mm512_castps_pd(a), _mm512_castps_pd(b)));
    };
    // u_k holds, per 128-bit block b, the words of lane 4b + k.
    __m512 u0 = lo(t0, t2), u1 = hi(t0, t2), u2 = lo(t1, t3), u3 = hi(t1, t3);
    __m512 a = _mm512_shuffle_f32x4(u0, u1, 0x44);
    __m512 b = _mm512_shuffle_f32x4(u2, u3, 0x44);
    __m512 c = _mm512_shuffle_f32x4(u0, u1, 0xEE);
    __m512 d = _mm512_shuffle_f32x4(u2, u3, 0xEE);
    __m512 o[4] = {
        _mm512_shuffle_f32x4(a, b, 0x88), _mm512_shuffle_f32x4(a, b, 0xDD),
        _mm512_shuffle_f32x4(c, d, 0x88), _mm512_shuffle_f32x4(c, d, 0xDD)};
    int64_t base = g0 * 4;
    if (n - base >= 64) {
      for (int w = 0; w < 4; ++w)
        _mm512_storeu_ps(out + base + 16 * w, o[w]);
    } else {
      for (int w = 0; w < 4; ++w)
        _mm512_store_ps(values[w], o[w]);
      for (int64_t i = 0; i < n - base; ++i)
        out[base + i] = values[i / 16][i % 16];
    }
  }
}

} // namespace kiln::random::detail
#endif
