//===- Crc32c.cpp - CRC32C (Castagnoli) with TensorFlow's masking ---------===//
#include "kiln/runtime/Crc32c.h"

#include <array>
#include <cstring>

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

__attribute__((target("sse4.2"))) uint32_t
extendSse42(uint32_t crc, const uint8_t *p, size_t n) {
  uint64_t c = ~crc;
  while (n && (reinterpret_cast<uintptr_t>(p) & 7)) {
    c = __builtin_ia32_crc32qi(static_cast<uint32_t>(c), *p++);
    --n;
  }
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
  while (n--)
    c = __builtin_ia32_crc32qi(static_cast<uint32_t>(c), *p++);
  return ~static_cast<uint32_t>(c);
}

bool detectSse42() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}
#endif

} // namespace

bool usesHardware() {
#ifdef KILN_HAVE_SSE42_PATH
  static const bool kHave = detectSse42();
  return kHave;
#else
  return false;
#endif
}

uint32_t extend(uint32_t crc, const void *data, size_t n) {
  auto *p = static_cast<const uint8_t *>(data);
#ifdef KILN_HAVE_SSE42_PATH
  if (usesHardware())
    return extendSse42(crc, p, n);
#endif
  return extendPortable(crc, p, n);
}

} // namespace crc32c
} // namespace kiln
