//===- GemmAvxTranspose.h - An 8 x 8 transpose in ymm ------*- C++ -*-===//
//
// Shared by GemmAvx512.cpp and GemmAvx2.cpp (both compiled for at least
// AVX2), inside their anonymous namespaces: internal linkage, so each
// translation unit keeps its own copy compiled for its instruction set.
//
//===----------------------------------------------------------------------===//

/// dst[c * ldd + r] = src[r * lds + c] for an 8 x 8 block.
inline void transpose8x8Avx(const float *src, int64_t lds, float *dst,
                            int64_t ldd) {
  __m256 r[8];
  for (int i = 0; i < 8; ++i)
    r[i] = _mm256_loadu_ps(src + i * lds);
  __m256 t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int h = 0; h < 2; ++h) { // rows 0-3, then 4-7
    __m256 *a = t + 4 * h, *o = u + 4 * h;
    o[0] = _mm256_shuffle_ps(a[0], a[2], 0x44);
    o[1] = _mm256_shuffle_ps(a[0], a[2], 0xEE);
    o[2] = _mm256_shuffle_ps(a[1], a[3], 0x44);
    o[3] = _mm256_shuffle_ps(a[1], a[3], 0xEE);
  }
  for (int i = 0; i < 4; ++i) {
    _mm256_storeu_ps(dst + i * ldd,
                     _mm256_permute2f128_ps(u[i], u[i + 4], 0x20));
    _mm256_storeu_ps(dst + (i + 4) * ldd,
                     _mm256_permute2f128_ps(u[i], u[i + 4], 0x31));
  }
}
