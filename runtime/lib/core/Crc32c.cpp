//===- Crc32c.cpp - CRC32C (Castagnoli) with TensorFlow's masking ---------===//
#include "kiln/runtime/Crc32c.h"

#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#endif

namespace kiln {
namespace crc32c {
namespace {

constexpr uint32_t kPoly = 0x82f63b78u; // reflected Castagnoli polynomial

struct Tables {
  uint32_t t[8][256];
  Tables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k)
        c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i)
      for (int s = 1; s < 8; ++s)
        t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
  }
};

const Tables &tables() {
  static const Tables kTables;
  return kTables;
}

uint32_t extendPortable(uint32_t crc, const uint8_t *p, size_t n) {
  const Tables &tb = tables();
  uint32_t c = ~crc;
  while (n && (reinterpret_cast<uintptr_t>(p) & 7)) {
    c = tb.t[0][(c ^ *p++) & 0xff] ^ (c >> 8);
    --n;
  }
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    uint32_t lo = static_cast<uint32_t>(w) ^ c;
    uint32_t hi = static_cast<uint32_t>(w >> 32);
    c = tb.t[7][lo & 0xff] ^ tb.t[6][(lo >> 8) & 0xff] ^
        tb.t[5][(lo >> 16) & 0xff] ^ tb.t[4][lo >> 24] ^ tb.t[3][hi & 0xff] ^
        tb.t[2][(hi >> 8) & 0xff] ^ tb.t[1][(hi >> 16) & 0xff] ^
        tb.t[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n--)
    c = tb.t[0][(c ^ *p++) & 0xff] ^ (c >> 8);
  return ~c;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define KILN_HAVE_SSE42_PATH 1

// One crc32 instruction stream is bound by the instruction's 3-cycle
// latency. Large buffers are therefore split into three interleaved streams
// whose CRCs are combined by "appending zeros" operators (Mark Adler's
// method), tripling throughput so checksumming keeps up with page-cache
// reads during checkpoint restores.
constexpr size_t kLongBlock = 8192;
constexpr size_t kShortBlock = 256;

uint32_t gf2MatrixTimes(const uint32_t *mat, uint32_t vec) {
  uint32_t sum = 0;
  while (vec) {
    if (vec & 1)
      sum ^= *mat;
    vec >>= 1;
    ++mat;
  }
  return sum;
}

void gf2MatrixSquare(uint32_t *square, const uint32_t *mat) {
  for (int n = 0; n < 32; ++n)
    square[n] = gf2MatrixTimes(mat, mat[n]);
}

/// The operator that appends `len` zero bytes (len a power of two).
void zerosOperator(uint32_t *even, size_t len) {
  uint32_t odd[32];
  odd[0] = kPoly; // one zero bit
  uint32_t row = 1;
  for (int n = 1; n < 32; ++n) {
    odd[n] = row;
    row <<= 1;
  }
  gf2MatrixSquare(even, odd); // two zero bits
  gf2MatrixSquare(odd, even); // four zero bits
  do {
    gf2MatrixSquare(even, odd);
    len >>= 1;
    if (len == 0)
      return;
    gf2MatrixSquare(odd, even);
    len >>= 1;
  } while (len);
  for (int n = 0; n < 32; ++n)
    even[n] = odd[n];
}

struct ShiftTable {
  uint32_t t[4][256];
  explicit ShiftTable(size_t len) {
    uint32_t op[32];
    zerosOperator(op, len);
    for (uint32_t n = 0; n < 256; ++n) {
      t[0][n] = gf2MatrixTimes(op, n);
      t[1][n] = gf2MatrixTimes(op, n << 8);
      t[2][n] = gf2MatrixTimes(op, n << 16);
      t[3][n] = gf2MatrixTimes(op, n << 24);
    }
  }
  uint32_t shift(uint32_t crc) const {
    return t[0][crc & 0xff] ^ t[1][(crc >> 8) & 0xff] ^
           t[2][(crc >> 16) & 0xff] ^ t[3][crc >> 24];
  }
};

const ShiftTable &longShift() {
  static const ShiftTable kTable(kLongBlock);
  return kTable;
}
const ShiftTable &shortShift() {
  static const ShiftTable kTable(kShortBlock);
  return kTable;
}

/// Three interleaved streams over 3 * `block` bytes starting at `p`.
__attribute__((target("sse4.2"))) inline uint64_t
crcThreeWay(uint64_t crc0, const uint8_t *p, size_t block,
            const ShiftTable &shift) {
  uint64_t crc1 = 0, crc2 = 0;
  for (size_t i = 0; i < block; i += 8) {
    uint64_t w0, w1, w2;
    std::memcpy(&w0, p + i, 8);
    std::memcpy(&w1, p + block + i, 8);
    std::memcpy(&w2, p + 2 * block + i, 8);
    crc0 = __builtin_ia32_crc32di(crc0, w0);
    crc1 = __builtin_ia32_crc32di(crc1, w1);
    crc2 = __builtin_ia32_crc32di(crc2, w2);
  }
  crc0 = shift.shift(static_cast<uint32_t>(crc0)) ^ crc1;
  crc0 = shift.shift(static_cast<uint32_t>(crc0)) ^ crc2;
  return crc0;
}

/// Up to 7 bytes, widest first.
__attribute__((target("sse4.2"))) inline uint64_t
crcTail(uint64_t c, const uint8_t *p, size_t n) {
  if (n & 4) {
    uint32_t w;
    std::memcpy(&w, p, 4);
    c = __builtin_ia32_crc32si(static_cast<uint32_t>(c), w);
    p += 4;
  }
  if (n & 2) {
    uint16_t w;
    std::memcpy(&w, p, 2);
    c = __builtin_ia32_crc32hi(static_cast<uint32_t>(c), w);
    p += 2;
  }
  if (n & 1)
    c = __builtin_ia32_crc32qi(static_cast<uint32_t>(c), *p);
  return c;
}

/// The crc32 instruction over raw (un-inverted) state `c`. Unaligned 8-byte
/// loads cost the same as aligned ones on every CPU with SSE4.2, so there is
/// no byte-wise alignment prologue.
__attribute__((target("sse4.2"), always_inline)) inline uint64_t
sse42Raw(uint64_t c, const uint8_t *p, size_t n) {
  if (n >= 3 * kLongBlock) {
    const ShiftTable &shift = longShift();
    while (n >= 3 * kLongBlock) {
      c = crcThreeWay(c, p, kLongBlock, shift);
      p += 3 * kLongBlock;
      n -= 3 * kLongBlock;
    }
  }
  if (n >= 3 * kShortBlock) {
    const ShiftTable &shift = shortShift();
    while (n >= 3 * kShortBlock) {
      c = crcThreeWay(c, p, kShortBlock, shift);
      p += 3 * kShortBlock;
      n -= 3 * kShortBlock;
    }
  }
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    c = __builtin_ia32_crc32di(c, w);
    p += 8;
    n -= 8;
  }
  return crcTail(c, p, n);
}

__attribute__((target("sse4.2"))) uint32_t
extendSse42(uint32_t crc, const uint8_t *p, size_t n) {
  return ~static_cast<uint32_t>(sse42Raw(~crc, p, n));
}

bool detectSse42() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}

//===----------------------------------------------------------------------===//
// Folding with carry-less multiplication (AVX-512 VPCLMULQDQ)
//===----------------------------------------------------------------------===//
//
// A 128-bit lane holds 16 message bytes; in the reflected bit order of
// CRC32C its bit i is the coefficient of x^(127-i), so the low quadword L
// stands for L(x) * x^64 and the high quadword H for H(x). Moving a lane D
// bits further down the message (multiplying by x^D) and reducing modulo P
// keeps the CRC: L * x^(D+64) + H * x^D == L * k1 + H * k2 (mod P), with
// k1 = x^(D+64) mod P and k2 = x^D mod P, each a product of a 64-bit and a
// 32-bit polynomial that fits a lane again. A reflected carry-less multiply
// yields the product times x^-1, hence the constants x^(D+63) and x^(D-1).
// After folding, one 128-bit lane is congruent to everything before the tail,
// and two crc32 instructions reduce it (the CRC of a message only depends on
// it modulo P), so no Barrett reduction is needed.

/// x^n mod P in the lane encoding above: coefficient of x^c at bit 63 - c.
constexpr uint64_t xPowModP(unsigned n) {
  uint64_t v = 1; // normal (unreflected) bit order, P = 0x1_1edc6f41
  for (unsigned i = 0; i < n; ++i) {
    v <<= 1;
    if (v & (uint64_t(1) << 32))
      v ^= 0x11edc6f41u;
  }
  uint64_t lane = 0;
  for (unsigned c = 0; c < 32; ++c)
    if ((v >> c) & 1)
      lane |= uint64_t(1) << (63 - c);
  return lane;
}

/// {k1, k2} for a fold over D bits (low and high quadword of the constant).
struct FoldConstant {
  uint64_t k1, k2;
};
constexpr FoldConstant foldBy(unsigned bits) {
  return {xPowModP(bits + 63), xPowModP(bits - 1)};
}
constexpr FoldConstant kFold2048 = foldBy(2048), kFold512 = foldBy(512),
                       kFold384 = foldBy(384), kFold256 = foldBy(256),
                       kFold128 = foldBy(128);

/// Inputs shorter than this go to the crc32 streams.
constexpr size_t kMinFoldBytes = 256;

#define KILN_VPCLMUL_TARGET                                                    \
  __attribute__((target("avx512f,vpclmulqdq,pclmul,sse4.2")))

KILN_VPCLMUL_TARGET inline __m128i fold128(__m128i lane, FoldConstant k,
                                           __m128i next) {
  __m128i kk = _mm_set_epi64x(static_cast<long long>(k.k2),
                              static_cast<long long>(k.k1));
  __m128i lo = _mm_clmulepi64_si128(lane, kk, 0x00);
  __m128i hi = _mm_clmulepi64_si128(lane, kk, 0x11);
  return _mm_xor_si128(_mm_xor_si128(lo, hi), next);
}

KILN_VPCLMUL_TARGET inline __m512i fold512(__m512i lanes, __m512i k,
                                           __m512i next) {
  __m512i lo = _mm512_clmulepi64_epi128(lanes, k, 0x00);
  __m512i hi = _mm512_clmulepi64_epi128(lanes, k, 0x11);
  return _mm512_ternarylogic_epi64(lo, hi, next, 0x96); // lo ^ hi ^ next
}

KILN_VPCLMUL_TARGET inline __m512i broadcast(FoldConstant k) {
  auto k1 = static_cast<long long>(k.k1), k2 = static_cast<long long>(k.k2);
  return _mm512_set_epi64(k2, k1, k2, k1, k2, k1, k2, k1);
}

KILN_VPCLMUL_TARGET uint32_t extendVpclmul(uint32_t crc, const uint8_t *p,
                                           size_t n) {
  if (n < kMinFoldBytes)
    return extendSse42(crc, p, n);
  // Four accumulators of four lanes: 256 bytes in flight per step.
  __m512i a0 = _mm512_loadu_si512(p), a1 = _mm512_loadu_si512(p + 64),
          a2 = _mm512_loadu_si512(p + 128), a3 = _mm512_loadu_si512(p + 192);
  // A CRC register of c before the message is the message with its first 32
  // bits xor'ed with c.
  a0 = _mm512_xor_si512(
      a0, _mm512_castsi128_si512(_mm_cvtsi32_si128(static_cast<int>(~crc))));
  p += 256;
  n -= 256;
  const __m512i k2048 = broadcast(kFold2048), k512 = broadcast(kFold512);
  while (n >= 256) {
    a0 = fold512(a0, k2048, _mm512_loadu_si512(p));
    a1 = fold512(a1, k2048, _mm512_loadu_si512(p + 64));
    a2 = fold512(a2, k2048, _mm512_loadu_si512(p + 128));
    a3 = fold512(a3, k2048, _mm512_loadu_si512(p + 192));
    p += 256;
    n -= 256;
  }
  __m512i a = fold512(fold512(fold512(a0, k512, a1), k512, a2), k512, a3);
  while (n >= 64) {
    a = fold512(a, k512, _mm512_loadu_si512(p));
    p += 64;
    n -= 64;
  }
  alignas(64) __m128i lanes[4];
  _mm512_store_si512(lanes, a);
  __m128i lane = fold128(
      lanes[0], kFold384,
      fold128(lanes[1], kFold256, fold128(lanes[2], kFold128, lanes[3])));
  uint64_t c =
      __builtin_ia32_crc32di(0, static_cast<uint64_t>(_mm_cvtsi128_si64(lane)));
  c = __builtin_ia32_crc32di(c,
                             static_cast<uint64_t>(_mm_extract_epi64(lane, 1)));
  return ~static_cast<uint32_t>(sse42Raw(c, p, n));
}

bool detectVpclmul() {
  __builtin_cpu_init();
  // avx512f also tells that the OS saves the 512-bit registers.
  return __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("pclmul") &&
         __builtin_cpu_supports("avx512f") &&
         __builtin_cpu_supports("vpclmulqdq");
}
#endif

} // namespace

bool supports(Impl impl) {
  switch (impl) {
  case Impl::kPortable:
    return true;
#ifdef KILN_HAVE_SSE42_PATH
  case Impl::kSse42: {
    static const bool kHave = detectSse42();
    return kHave;
  }
  case Impl::kVpclmul: {
    static const bool kHave = detectVpclmul();
    return kHave;
  }
#else
  default:
    return false;
#endif
  }
  return false;
}

Impl bestImpl() {
  static const Impl kBest = supports(Impl::kVpclmul) ? Impl::kVpclmul
                            : supports(Impl::kSse42) ? Impl::kSse42
                                                     : Impl::kPortable;
  return kBest;
}

bool usesHardware() { return bestImpl() != Impl::kPortable; }

uint32_t extendWith(Impl impl, uint32_t crc, const void *data, size_t n) {
  auto *p = static_cast<const uint8_t *>(data);
  switch (impl) {
#ifdef KILN_HAVE_SSE42_PATH
  case Impl::kVpclmul:
    return extendVpclmul(crc, p, n);
  case Impl::kSse42:
    return extendSse42(crc, p, n);
#endif
  default:
    return extendPortable(crc, p, n);
  }
}

uint32_t extend(uint32_t crc, const void *data, size_t n) {
  // One call into the implementation for the short inputs of record headers.
  auto *p = static_cast<const uint8_t *>(data);
#ifdef KILN_HAVE_SSE42_PATH
  Impl impl = bestImpl();
  if (impl == Impl::kVpclmul && n >= kMinFoldBytes)
    return extendVpclmul(crc, p, n);
  if (impl != Impl::kPortable)
    return extendSse42(crc, p, n);
#endif
  return extendPortable(crc, p, n);
}

} // namespace crc32c
} // namespace kiln
