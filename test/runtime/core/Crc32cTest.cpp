//===- Crc32cTest.cpp - Every CRC32C implementation against a reference ---===//
//
// The table, SSE4.2 and VPCLMULQDQ implementations split their input in
// different ways (alignment-free 8-byte words, three interleaved streams of
// 256 or 8192 bytes, 256-byte folds of four 64-byte lanes, a tail of up to
// 255 bytes), so each one the CPU supports is checked against a
// byte-at-a-time reference on every length around those boundaries, at every
// alignment, and when extended in pieces.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/Crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

using namespace kiln;
using crc32c::Impl;

namespace {

/// The CRC the bit-serial definition gives, one byte at a time.
uint32_t referenceExtend(uint32_t crc, const uint8_t *p, size_t n) {
  static const std::vector<uint32_t> table = [] {
    std::vector<uint32_t> t(256);
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k)
        c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = ~crc;
  for (size_t i = 0; i < n; ++i)
    c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return ~c;
}

std::vector<uint8_t> randomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> b(n);
  for (uint8_t &x : b)
    x = static_cast<uint8_t>(rng());
  return b;
}

const char *implName(Impl impl) {
  switch (impl) {
  case Impl::kPortable:
    return "Portable";
  case Impl::kSse42:
    return "Sse42";
  case Impl::kVpclmul:
    return "Vpclmul";
  }
  return "?";
}

} // namespace

namespace kiln {
namespace crc32c {
// Names the parameter in gtest's messages.
void PrintTo(Impl impl, std::ostream *os) { *os << implName(impl); }
} // namespace crc32c
} // namespace kiln

namespace {

class Crc32cImpl : public ::testing::TestWithParam<Impl> {
protected:
  void SetUp() override {
    if (!crc32c::supports(GetParam()))
      GTEST_SKIP() << implName(GetParam()) << " is not supported by this CPU";
  }
  uint32_t crc(uint32_t init, const uint8_t *p, size_t n) {
    return crc32c::extendWith(GetParam(), init, p, n);
  }
};

} // namespace

TEST(Crc32cReference, MatchesTheKnownVectors) {
  // RFC 3720 B.4 and "123456789" (the CRC catalogue's check value).
  std::vector<uint8_t> zeros(32, 0), ones(32, 0xff);
  EXPECT_EQ(referenceExtend(0, zeros.data(), 32), 0x8a9136aau);
  EXPECT_EQ(referenceExtend(0, ones.data(), 32), 0x62a8ab43u);
  const char *check = "123456789";
  EXPECT_EQ(referenceExtend(0, reinterpret_cast<const uint8_t *>(check), 9),
            0xe3069283u);
}

TEST(Crc32c, ExtendUsesTheBestSupportedImplementation) {
  Impl best = crc32c::bestImpl();
  EXPECT_TRUE(crc32c::supports(best));
  EXPECT_TRUE(crc32c::supports(Impl::kPortable));
  if (crc32c::supports(Impl::kVpclmul)) {
    EXPECT_EQ(best, Impl::kVpclmul);
  } else if (crc32c::supports(Impl::kSse42)) {
    EXPECT_EQ(best, Impl::kSse42);
  }
  EXPECT_EQ(crc32c::usesHardware(), best != Impl::kPortable);
  std::vector<uint8_t> b = randomBytes(5000, 3);
  for (size_t n : {0, 1, 8, 255, 256, 1000, 5000})
    EXPECT_EQ(crc32c::extend(7, b.data(), n),
              crc32c::extendWith(best, 7, b.data(), n));
  std::printf("crc32c: extend() uses %s\n", implName(best));
}

TEST_P(Crc32cImpl, EveryLengthUpTo1024AtEveryAlignment) {
  std::vector<uint8_t> buf = randomBytes(1024 + 64, 11);
  for (size_t align = 0; align < 64; ++align)
    for (size_t n = 0; n <= 1024; ++n) {
      const uint8_t *p = buf.data() + align;
      uint32_t init = static_cast<uint32_t>(n * 2654435761u + align);
      ASSERT_EQ(crc(init, p, n), referenceExtend(init, p, n))
          << implName(GetParam()) << " length " << n << " alignment " << align;
    }
}

TEST_P(Crc32cImpl, LengthsAroundEveryBlockBoundary) {
  // 3 x 256 and 3 x 8192 start the interleaved streams; 256 starts the
  // folds, which then take 256 and 64 bytes at a time.
  std::vector<size_t> lengths;
  for (size_t base : {size_t(256), size_t(512), size_t(768), size_t(3 * 8192),
                      size_t(2 * 3 * 8192), size_t(65536)})
    for (size_t d = 0; d < 80; ++d) {
      lengths.push_back(base + d);
      lengths.push_back(base - d);
    }
  std::vector<uint8_t> buf = randomBytes(2 * 3 * 8192 + 65536 + 16, 5);
  for (size_t n : lengths)
    for (size_t align : {0, 1, 7, 13}) {
      const uint8_t *p = buf.data() + align;
      ASSERT_EQ(crc(0, p, n), referenceExtend(0, p, n))
          << implName(GetParam()) << " length " << n << " alignment " << align;
    }
}

TEST_P(Crc32cImpl, RandomLengthsAlignmentsAndSplits) {
  std::mt19937 rng(99);
  std::vector<uint8_t> buf = randomBytes(200000, 17);
  for (int iter = 0; iter < 300; ++iter) {
    size_t align = rng() % 64;
    size_t n = rng() % (buf.size() - 64);
    const uint8_t *p = buf.data() + align;
    uint32_t init = static_cast<uint32_t>(rng());
    uint32_t want = referenceExtend(init, p, n);
    ASSERT_EQ(crc(init, p, n), want)
        << implName(GetParam()) << " length " << n << " alignment " << align;
    // Extending in two pieces gives the same CRC as one pass.
    size_t cut = n ? rng() % (n + 1) : 0;
    uint32_t c = crc(init, p, cut);
    ASSERT_EQ(crc(c, p + cut, n - cut), want)
        << implName(GetParam()) << " length " << n << " cut at " << cut;
  }
}

TEST_P(Crc32cImpl, AllZerosAndAllOnes) {
  // Long runs of equal words are where a wrong fold constant cancels out
  // least, and are the TF test vectors when 32 bytes long.
  for (uint8_t fill : {uint8_t(0), uint8_t(0xff)})
    for (size_t n : {32, 300, 4096, 100000}) {
      std::vector<uint8_t> b(n, fill);
      ASSERT_EQ(crc(0, b.data(), n), referenceExtend(0, b.data(), n))
          << implName(GetParam()) << " fill " << int(fill) << " length " << n;
    }
  std::vector<uint8_t> zeros(32, 0);
  EXPECT_EQ(crc(0, zeros.data(), 32), 0x8a9136aau);
}

INSTANTIATE_TEST_SUITE_P(All, Crc32cImpl,
                         ::testing::Values(Impl::kPortable, Impl::kSse42,
                                           Impl::kVpclmul),
                         [](const ::testing::TestParamInfo<Impl> &info) {
                           return std::string(implName(info.param));
                         });
