//===- ChunkCrcTest.cpp - CRC32C combine and the chunked checksum ---------===//
#include "kiln/runtime/ChunkCrc.h"
#include "kiln/runtime/Crc32c.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>

using namespace kiln;
using kiln::checkpoint::ChunkCrc;
using kiln::checkpoint::crc32cCombine;

namespace {

std::string randomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char &c : s)
    c = static_cast<char>(rng());
  return s;
}

} // namespace

TEST(Crc32cCombine, EqualsTheCrcOfTheConcatenation) {
  std::string data = randomBytes(3 * ChunkCrc::kChunk + 17, 1);
  std::vector<size_t> splits = {0,
                                1,
                                7,
                                4096,
                                ChunkCrc::kChunk - 1,
                                ChunkCrc::kChunk,
                                ChunkCrc::kChunk + 1,
                                2 * ChunkCrc::kChunk + 5,
                                data.size()};
  uint32_t whole = crc32c::value(data.data(), data.size());
  for (size_t split : splits) {
    uint32_t a = crc32c::value(data.data(), split);
    uint32_t b = crc32c::value(data.data() + split, data.size() - split);
    EXPECT_EQ(crc32cCombine(a, b, data.size() - split), whole)
        << "split at " << split;
  }
  // Folding a known prefix CRC forward, as a string tensor's entry does.
  uint32_t prefix = crc32c::value("lengths", 7);
  uint32_t tail = crc32c::value(data.data(), data.size());
  EXPECT_EQ(crc32cCombine(prefix, tail, data.size()),
            crc32c::extend(prefix, data.data(), data.size()));
}

namespace {

/// Moves the chunks in order, optionally dawdling between them so either
/// side (caller or helper) ends up doing most of the checksums.
uint32_t chunked(const std::string &data, uint64_t lookahead, uint32_t init,
                 std::chrono::microseconds perChunk) {
  ChunkCrc crc(data.data(), data.size(), lookahead);
  for (uint64_t k = 0; k < crc.numChunks(); ++k) {
    if (perChunk.count())
      std::this_thread::sleep_for(perChunk);
    crc.chunkDone(k);
  }
  return crc.finish(init);
}

} // namespace

TEST(ChunkCrc, MatchesExtendForEverySizeAndPace) {
  for (size_t n :
       {size_t(8) << 20, (size_t(8) << 20) + 1, (size_t(11) << 20) + 12345}) {
    std::string data = randomBytes(n, static_cast<uint32_t>(n));
    for (uint32_t init : {0u, 0xdeadbeefu}) {
      uint32_t want = crc32c::extend(init, data.data(), n);
      for (uint64_t lookahead : {0, 2}) {
        EXPECT_EQ(chunked(data, lookahead, init, {}), want)
            << n << " lookahead " << lookahead;
        EXPECT_EQ(
            chunked(data, lookahead, init, std::chrono::microseconds(300)),
            want)
            << n << " lookahead " << lookahead << " (slow caller)";
      }
    }
  }
}

TEST(ChunkCrc, AbandonedMidwayStopsTheHelper) {
  std::string data = randomBytes(16 << 20, 3);
  for (uint64_t lookahead : {0, 2}) {
    auto start = std::chrono::steady_clock::now();
    {
      ChunkCrc crc(data.data(), data.size(), lookahead);
      crc.chunkDone(0);
      crc.chunkDone(1);
      // An I/O error here: destroyed without finish().
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start,
              std::chrono::seconds(5));
  }
}
