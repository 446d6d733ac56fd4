//===- Gemm.h - Single-precision matrix products -------------*- C++ -*-===//
//
// C = op(A) . op(B) (+ C) on row-major float matrices: the kernel compiled
// code calls for the matmuls the compiler hands to the runtime
// (`kiln_rt.matmul`, ABI `kiln_rt_matmul`). A register-tiled micro-kernel
// (AVX-512, AVX2 or portable, chosen from the CPU at first use) keeps a
// tile of C in registers for a cache block of K, reading A and B where they
// are stored (B stored transposed is packed into panels first); the work
// is split over the intra-op thread pool when it is big enough to pay for
// the hand-off. runtime/lib/core/GemmImpl.h has the loop nest.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_GEMM_H
#define KILN_RUNTIME_GEMM_H

#include <cstdint>

namespace kiln {

class ThreadPool;

struct GemmArgs {
  bool transA = false;     ///< A is stored [K, M] (read transposed)
  bool transB = false;     ///< B is stored [N, K] (read transposed)
  bool accumulate = false; ///< C += op(A) op(B); else C = op(A) op(B)
  int64_t m = 0, n = 0, k = 0;
  const float *a = nullptr;
  int64_t lda = 0; ///< elements between rows of A as stored
  const float *b = nullptr;
  int64_t ldb = 0;
  float *c = nullptr;
  int64_t ldc = 0;
  /// Called once for each block of C whose values are final, from the
  /// thread that computed it, while the block is still in cache: rows
  /// [i0, i1) x columns [j0, j1); the blocks cover C exactly once. The
  /// compiler fuses an elementwise consumer of C here (bias, activation,
  /// an optimizer's update). It must not write A or B, which other threads
  /// may still be reading. nullptr: none.
  void (*epilogue)(void *ctx, int64_t i0, int64_t i1, int64_t j0,
                   int64_t j1) = nullptr;
  void *epilogueCtx = nullptr;
};

/// Runs the product on `pool` (nullptr: the calling thread only).
void sgemm(const GemmArgs &args, ThreadPool *pool);

/// The micro-kernel family this CPU uses: "avx512", "avx2" or "portable".
/// KILN_GEMM_ISA=avx2|portable forces a narrower one (for tests and
/// comparisons); a wider one than the CPU has is refused (the default is
/// kept).
const char *sgemmIsa();

namespace detail {
/// One ISA's implementation: computes rows [m0, m1) x columns [n0, n1) of C.
using GemmBlockFn = void (*)(const GemmArgs &, int64_t m0, int64_t m1,
                             int64_t n0, int64_t n1);
struct GemmIsa {
  const char *name;
  GemmBlockFn block;
  int mr, nr; ///< the main micro-tile, for splitting work between threads
};
GemmIsa gemmAvx512();
GemmIsa gemmAvx2();
GemmIsa gemmPortable();
} // namespace detail

} // namespace kiln

#endif // KILN_RUNTIME_GEMM_H
