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
        tb.t[5][(lo >> 16) & 0xff] ^ tb.t[4][lo >> 24] ^
        tb.t[3][hi & 0xff] ^ tb.t[2][(hi >> 8) & 0xff] ^
        tb.t[1][(hi >> 16) & 0xff] ^ tb.t[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n--)
    c = tb.t[0][(c ^ *p++) & 0xff] ^ (c >> 8);
  return ~c;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define KILN_HAVE_SSE42_PATH 1
__attribute__((target("sse4.2"))) uint32_t
extendSse42(uint32_t crc, const uint8_t *p, size_t n) {
  uint64_t c = ~crc;
  while (n && (reinterpret_cast<uintptr_t>(p) & 7)) {
    c = __builtin_ia32_crc32qi(static_cast<uint32_t>(c), *p++);
    --n;
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
