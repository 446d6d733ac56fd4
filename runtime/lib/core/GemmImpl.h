//===- GemmImpl.h - The GEMM loop nest, written once for every ISA -*- C++
//-*-===//
//
// Included by GemmAvx512.cpp, GemmAvx2.cpp and Gemm.cpp inside an anonymous
// namespace, after each defines `struct V` (one SIMD register of floats):
//   using T; static constexpr int L (lanes);
//   zero(), load(p) (64-byte aligned), loadu(p), storeu(p, x),
//   loadPartial(p, n), storePartial(p, x, n) (the first n lanes),
//   bcast(float), fma(a, b, c) = a * b + c, add(a, b),
//   transpose8x8(src, lds, dst, ldd) (an 8 x 8 block of floats).
// Each translation unit is compiled for its ISA, and everything here has
// internal linkage, so no AVX-512 code can leak into a generic caller.
//
// The loop nest is the usual one for CPUs with caches: K is cut into blocks
// of KC so that a micro-panel of B (KC x NR) stays in L1 while the
// micro-kernel streams the rows of A past it. A is read where it is stored
// (rows or columns; only a last panel of fewer than MR rows is packed); so
// is B when stored [K, N], whose rows are contiguous; B stored transposed
// is packed into panels of NR columns. The micro-kernel keeps an MR x NR
// tile of C in registers for the whole KC loop.
//
//===----------------------------------------------------------------------===//

using Vec = typename V::T;

inline int64_t minI(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// Hands rows [i0, i1) x columns [j0, j1) of C, now final, to the epilogue.
inline void finished(const GemmArgs &g, int64_t i0, int64_t i1, int64_t j0,
                     int64_t j1) {
  if (g.epilogue && i0 < i1 && j0 < j1)
    g.epilogue(g.epilogueCtx, i0, i1, j0, j1);
}

/// A thread's packing buffers, kept between calls (64-byte aligned).
struct PackBuffer {
  float *data = nullptr;
  int64_t size = 0;
  ~PackBuffer() { std::free(data); }
  float *get(int64_t n) {
    if (n > size) {
      std::free(data);
      size = ceilDiv(n, 1024) * 1024;
      data = static_cast<float *>(std::aligned_alloc(64, size * sizeof(float)));
    }
    return data;
  }
};

inline float opA(const GemmArgs &g, int64_t i, int64_t k) {
  return g.transA ? g.a[k * g.lda + i] : g.a[i * g.lda + k];
}

/// Packs rows [i0, i0 + mc) x columns [p0, p0 + kc) of op(A) into panels of
/// MR rows: panel p holds, for each k, MR consecutive values (zeros past M).
template <int MR>
void packA(const GemmArgs &g, int64_t i0, int64_t mc, int64_t p0, int64_t kc,
           float *out) {
  for (int64_t ip = 0; ip < mc; ip += MR) {
    int64_t rows = minI(MR, mc - ip);
    float *panel = out + ip * kc;
    if (g.transA) {
      // Stored [K, M]: MR consecutive values of a row of storage per k.
      for (int64_t k = 0; k < kc; ++k) {
        const float *src = g.a + (p0 + k) * g.lda + i0 + ip;
        float *dst = panel + k * MR;
        for (int r = 0; r < MR; ++r)
          dst[r] = r < rows ? src[r] : 0.0f;
      }
    } else {
      for (int r = 0; r < MR; ++r) {
        if (r >= rows) {
          for (int64_t k = 0; k < kc; ++k)
            panel[k * MR + r] = 0.0f;
          continue;
        }
        const float *src = g.a + (i0 + ip + r) * g.lda + p0;
        for (int64_t k = 0; k < kc; ++k)
          panel[k * MR + r] = src[k];
      }
    }
  }
}

/// Packs rows [p0, p0 + kc) x columns [j0, j0 + nc) of op(B) into panels of
/// NR columns: panel q holds, for each k, NR consecutive values (zeros past
/// N).
template <int NR>
void packB(const GemmArgs &g, int64_t p0, int64_t kc, int64_t j0, int64_t nc,
           float *out) {
  for (int64_t jp = 0; jp < nc; jp += NR) {
    int64_t cols = minI(NR, nc - jp);
    float *panel = out + jp * kc;
    if (!g.transB) {
      for (int64_t k = 0; k < kc; ++k) {
        const float *src = g.b + (p0 + k) * g.ldb + j0 + jp;
        float *dst = panel + k * NR;
        if (cols == NR) {
          for (int c = 0; c < NR; c += V::L)
            V::storeu(dst + c, V::loadu(src + c));
        } else {
          for (int c = 0; c < NR; ++c)
            dst[c] = c < cols ? src[c] : 0.0f;
        }
      }
    } else if (cols == NR) {
      // Stored [N, K]: column c of the panel is a row of storage. Whole
      // 8 x 8 blocks go through registers; the last k < 8 one at a time.
      int64_t k8 = kc / 8 * 8;
      for (int c = 0; c < NR; c += 8) {
        const float *src = g.b + (j0 + jp + c) * g.ldb + p0;
        for (int64_t k = 0; k < k8; k += 8)
          V::transpose8x8(src + k, g.ldb, panel + k * NR + c, NR);
        for (int r = 0; r < 8; ++r)
          for (int64_t k = k8; k < kc; ++k)
            panel[k * NR + c + r] = src[r * g.ldb + k];
      }
    } else {
      // The last, partial panel: element by element, zeros past N.
      for (int c = 0; c < NR; ++c) {
        if (c >= cols) {
          for (int64_t k = 0; k < kc; ++k)
            panel[k * NR + c] = 0.0f;
          continue;
        }
        const float *src = g.b + (j0 + jp + c) * g.ldb + p0;
        for (int64_t k = 0; k < kc; ++k)
          panel[k * NR + c] = src[k];
      }
    }
  }
}

/// C[MR x NR] (+)= A panel . packed B panel over kc, for the first `cols`
/// columns (the rest of the last vector is masked off). A is read in place:
/// element (r, k) of the panel is ap[r * rs + k * ks]; `RowStrided` says
/// rs != 1 (rows of A as stored), else rs == 1 (packed panels, or A stored
/// transposed).
template <int MR, int NV, bool RowStrided, bool PackedB = true>
inline void microKernel(int64_t kc, const float *__restrict ap, int64_t rs,
                        int64_t ks, const float *__restrict bp, float *c,
                        int64_t ldc, bool accumulate, int cols,
                        int64_t ldb = NV * V::L) {
  constexpr int NR = NV * V::L;
  Vec acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v)
      acc[r][v] = V::zero();
  for (int64_t k = 0; k < kc; ++k) {
    Vec b[NV];
    for (int v = 0; v < NV; ++v)
      b[v] = PackedB ? V::load(bp + v * V::L) : V::loadu(bp + v * V::L);
    for (int r = 0; r < MR; ++r) {
      Vec a = V::bcast(RowStrided ? ap[r * rs] : ap[r]);
      for (int v = 0; v < NV; ++v)
        acc[r][v] = V::fma(a, b[v], acc[r][v]);
    }
    ap += ks;
    bp += PackedB ? NR : ldb;
  }
  if (cols == NR) {
    for (int r = 0; r < MR; ++r)
      for (int v = 0; v < NV; ++v) {
        float *p = c + r * ldc + v * V::L;
        V::storeu(p, accumulate ? V::add(acc[r][v], V::loadu(p)) : acc[r][v]);
      }
    return;
  }
  for (int v = 0; v < NV; ++v) {
    int n = cols - v * V::L;
    if (n <= 0)
      break;
    if (n > V::L)
      n = V::L;
    for (int r = 0; r < MR; ++r) {
      float *p = c + r * ldc + v * V::L;
      V::storePartial(
          p, accumulate ? V::add(acc[r][v], V::loadPartial(p, n)) : acc[r][v],
          n);
    }
  }
}

/// The micro-kernel on a packed A panel cut by the last row of C (`rows`
/// valid).
template <int MR, int NV, bool PackedB = true>
void edgeKernel(int64_t kc, const float *ap, const float *bp, float *c,
                int64_t ldc, bool accumulate, int64_t rows, int cols,
                int64_t ldb = NV * V::L) {
  constexpr int NR = NV * V::L;
  alignas(64) float tile[MR * NR];
  microKernel<MR, NV, false, PackedB>(kc, ap, 1, MR, bp, tile, NR, false, NR,
                                      ldb);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < cols; ++j)
      c[r * ldc + j] =
          accumulate ? c[r * ldc + j] + tile[r * NR + j] : tile[r * NR + j];
}

template <int MR, int NV>
void packedBlock(const GemmArgs &g, int64_t m0, int64_t m1, int64_t n0,
                 int64_t n1) {
  constexpr int NR = NV * V::L;
  static thread_local PackBuffer aBuf, bBuf;
  // A micro-panel of B within ~32 KiB (L1), reused by every row panel of
  // A, which the micro-kernel reads where it is stored (its rows stay in
  // L2 across the column panels). Only a last panel of fewer than MR rows
  // is packed, with zeros.
  constexpr int64_t kcMax = (32 * 1024) / (NR * 4);
  int64_t kBlocks = ceilDiv(g.k, kcMax);
  int64_t kcBlock = ceilDiv(g.k, kBlocks);
  int64_t nc = n1 - n0;
  int64_t nPanels = ceilDiv(nc, NR);
  float *bp = bBuf.get(nPanels * NR * kcBlock);
  float *edge = aBuf.get(MR * kcBlock);
  int64_t fullEnd = m0 + (m1 - m0) / MR * MR;
  // B stored [K, N] is read where it is (its rows are contiguous; only a
  // last, partial panel is packed): one copy of B less per call.
  // KILN_GEMM_PACK_B=1 packs it all (for comparisons).
  static const bool directB = std::getenv("KILN_GEMM_PACK_B") == nullptr;
  for (int64_t p0 = 0; p0 < g.k; p0 += kcBlock) {
    int64_t kc = minI(kcBlock, g.k - p0);
    bool accumulate = g.accumulate || p0 > 0;
    if (directB && !g.transB) {
      // Only the last, partial panel is packed (with zeros).
      int64_t last = nc / NR * NR;
      if (last < nc)
        packB<NR>(g, p0, kc, n0 + last, nc - last, bp + last * kc);
    } else {
      packB<NR>(g, p0, kc, n0, nc, bp);
    }
    if (fullEnd < m1)
      packA<MR>(g, fullEnd, m1 - fullEnd, p0, kc, edge);
    // One micro-tile: rows [i, i + MR) (the packed edge panel when i is
    // fullEnd) x the column panel at jp.
    auto tile = [&](int64_t i, int64_t jp) {
      int cols = static_cast<int>(minI(NR, nc - jp));
      const float *bPanel = bp + jp * kc;
      float *c = g.c + i * g.ldc + n0 + jp;
      bool bInPlace = directB && !g.transB && cols == NR;
      // B as stored: its rows are the panel's rows, ldb apart.
      const float *bRows = g.b + p0 * g.ldb + n0 + jp;
      if (i >= fullEnd) {
        if (bInPlace)
          edgeKernel<MR, NV, false>(kc, edge, bRows, c, g.ldc, accumulate,
                                    m1 - fullEnd, cols, g.ldb);
        else
          edgeKernel<MR, NV>(kc, edge, bPanel, c, g.ldc, accumulate,
                             m1 - fullEnd, cols);
      } else if (bInPlace && g.transA) {
        microKernel<MR, NV, false, false>(kc, g.a + p0 * g.lda + i, 1, g.lda,
                                          bRows, c, g.ldc, accumulate, cols,
                                          g.ldb);
      } else if (bInPlace) {
        microKernel<MR, NV, true, false>(kc, g.a + i * g.lda + p0, g.lda, 1,
                                         bRows, c, g.ldc, accumulate, cols,
                                         g.ldb);
      } else if (g.transA) {
        microKernel<MR, NV, false>(kc, g.a + p0 * g.lda + i, 1, g.lda, bPanel,
                                   c, g.ldc, accumulate, cols);
      } else {
        microKernel<MR, NV, true>(kc, g.a + i * g.lda + p0, g.lda, 1, bPanel,
                                  c, g.ldc, accumulate, cols);
      }
    };
    bool last = p0 + kc == g.k;
    if (last && g.epilogue && p0 == 0) {
      // One K block and an epilogue: rows outer, so that each band of MR
      // rows is final across all the columns at once and the epilogue
      // streams whole rows of its operands (their hardware prefetch works
      // on rows, not on 32-column strips). The A panel stays in L1, B
      // streams from L2: the same traffic as columns outer.
      for (int64_t i = m0; i < m1; i += MR) {
        for (int64_t jp = 0; jp < nc; jp += NR)
          tile(i, jp);
        finished(g, i, minI(i + MR, m1), n0, n1);
      }
      continue;
    }
    for (int64_t jp = 0; jp < nc; jp += NR) {
      for (int64_t i = m0; i < m1; i += MR)
        tile(i, jp);
      // The last K block: this panel of C is final and still in cache.
      if (last)
        finished(g, m0, m1, n0 + jp, n0 + jp + minI(NR, nc - jp));
    }
  }
}

/// A few rows of op(A) times B as stored [K, N] (inference at batch 1):
/// nothing is packed; each chunk of NV vectors of columns keeps its R rows
/// of C in registers down the whole of K.
template <int R, int NV>
void directRows(const GemmArgs &g, int64_t i0, int64_t n0, int64_t n1) {
  constexpr int CH = NV * V::L;
  int64_t j = n0;
  for (; j + CH <= n1; j += CH) {
    Vec acc[R][NV];
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < NV; ++v)
        acc[r][v] = V::zero();
    const float *b = g.b + j;
    for (int64_t k = 0; k < g.k; ++k, b += g.ldb) {
      Vec bv[NV];
      for (int v = 0; v < NV; ++v)
        bv[v] = V::loadu(b + v * V::L);
      for (int r = 0; r < R; ++r) {
        Vec a = V::bcast(opA(g, i0 + r, k));
        for (int v = 0; v < NV; ++v)
          acc[r][v] = V::fma(a, bv[v], acc[r][v]);
      }
    }
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < NV; ++v) {
        float *p = g.c + (i0 + r) * g.ldc + j + v * V::L;
        V::storeu(p, g.accumulate ? V::add(acc[r][v], V::loadu(p)) : acc[r][v]);
      }
  }
  // The last columns, a vector (or part of one) at a time.
  for (; j < n1; j += V::L) {
    int n = static_cast<int>(minI(V::L, n1 - j));
    Vec acc[R];
    for (int r = 0; r < R; ++r)
      acc[r] = V::zero();
    const float *b = g.b + j;
    for (int64_t k = 0; k < g.k; ++k, b += g.ldb) {
      Vec bv = V::loadPartial(b, n);
      for (int r = 0; r < R; ++r)
        acc[r] = V::fma(V::bcast(opA(g, i0 + r, k)), bv, acc[r]);
    }
    for (int r = 0; r < R; ++r) {
      float *p = g.c + (i0 + r) * g.ldc + j;
      V::storePartial(
          p, g.accumulate ? V::add(acc[r], V::loadPartial(p, n)) : acc[r], n);
    }
  }
}

/// Rows [m0, m1) x columns [n0, n1) of C.
template <int MR, int NV>
void gemmBlock(const GemmArgs &g, int64_t m0, int64_t m1, int64_t n0,
               int64_t n1) {
  if (g.k == 0) {
    if (!g.accumulate)
      for (int64_t i = m0; i < m1; ++i)
        for (int64_t j = n0; j < n1; ++j)
          g.c[i * g.ldc + j] = 0.0f;
    finished(g, m0, m1, n0, n1);
    return;
  }
  if (!g.transB && m1 - m0 <= 4) {
    for (int64_t i = m0; i < m1;) {
      switch (m1 - i) {
      case 1:
        directRows<1, 4>(g, i, n0, n1);
        i += 1;
        break;
      case 2:
        directRows<2, 4>(g, i, n0, n1);
        i += 2;
        break;
      case 3:
        directRows<3, 4>(g, i, n0, n1);
        i += 3;
        break;
      default:
        directRows<4, 3>(g, i, n0, n1);
        i += 4;
        break;
      }
    }
    finished(g, m0, m1, n0, n1);
    return;
  }
  // A narrow C (a 10-class layer) gets one vector of columns per tile.
  if (n1 - n0 <= V::L)
    packedBlock<2 * MR, 1>(g, m0, m1, n0, n1);
  else
    packedBlock<MR, NV>(g, m0, m1, n0, n1);
}
