//===- ChunkCrc.cpp - CRC32C of a tensor alongside its file I/O -----------===//
#include "kiln/runtime/ChunkCrc.h"

#include "kiln/runtime/Crc32c.h"

#include <algorithm>
#include <system_error>

namespace kiln {
namespace checkpoint {

namespace {

/// A linear map on 32-bit CRC registers over GF(2): column i is the image
/// of bit i.
struct Gf2Matrix {
  uint32_t col[32];

  uint32_t apply(uint32_t v) const {
    uint32_t sum = 0;
    for (int i = 0; v; ++i, v >>= 1)
      if (v & 1)
        sum ^= col[i];
    return sum;
  }
  /// this ∘ other.
  Gf2Matrix after(const Gf2Matrix &other) const {
    Gf2Matrix r;
    for (int i = 0; i < 32; ++i)
      r.col[i] = apply(other.col[i]);
    return r;
  }
};

/// What feeding `n` zero bytes does to the (reflected) CRC32C register.
Gf2Matrix zeroBytesOperator(uint64_t n) {
  Gf2Matrix base; // one zero bit
  base.col[0] = 0x82f63b78u;
  for (int i = 1; i < 32; ++i)
    base.col[i] = 1u << (i - 1);
  for (int i = 0; i < 3; ++i)
    base = base.after(base); // 2, 4, 8 bits
  Gf2Matrix result;
  for (int i = 0; i < 32; ++i)
    result.col[i] = 1u << i;
  for (; n; n >>= 1) {
    if (n & 1)
      result = base.after(result);
    base = base.after(base);
  }
  return result;
}

const Gf2Matrix &chunkOperator() {
  static const Gf2Matrix op = zeroBytesOperator(ChunkCrc::kChunk);
  return op;
}

/// How far (in chunks) the helper may trail the caller before the caller
/// checksums the chunks it moves itself.
constexpr uint64_t kHelperSlack = 2;

} // namespace

uint32_t crc32cCombine(uint32_t crcA, uint32_t crcB, uint64_t lengthB) {
  // With R the raw register update, crc(A ‖ B) = ~R(~crc(A), B); R is affine
  // in the register, which turns this into Z(crc(A)) ^ crc(B) for the map Z
  // of |B| zero bytes (the init/final inversions cancel).
  if (lengthB == 0)
    return crcA;
  const Gf2Matrix &op = lengthB == ChunkCrc::kChunk
                            ? chunkOperator()
                            : zeroBytesOperator(lengthB);
  return op.apply(crcA) ^ crcB;
}

ChunkCrc::ChunkCrc(const char *data, uint64_t n, uint64_t lookahead)
    : data_(data), n_(n), numChunks_((n + kChunk - 1) / kChunk),
      lookahead_(lookahead), crcs_(numChunks_),
      claimed_(new std::atomic<bool>[numChunks_]) {
  for (uint64_t k = 0; k < numChunks_; ++k)
    claimed_[k].store(false, std::memory_order_relaxed);
  available_ = std::min(numChunks_, lookahead_);
  try {
    helper_ = std::thread([this] { helperLoop(); });
  } catch (const std::system_error &) {
    // No thread to be had: the caller checksums every chunk itself, since
    // the helper then stays "behind" at chunk 0.
  }
}

ChunkCrc::~ChunkCrc() { stopHelper(); }

size_t ChunkCrc::chunkSize(uint64_t k) const {
  return static_cast<size_t>(std::min<uint64_t>(kChunk, n_ - k * kChunk));
}

void ChunkCrc::claim(uint64_t k) {
  if (!claimed_[k].exchange(true, std::memory_order_acq_rel))
    crcs_[k] = crc32c::value(chunkData(k), chunkSize(k));
}

void ChunkCrc::helperLoop() {
  for (uint64_t k = 0; k < numChunks_; ++k) {
    helperAt_.store(k, std::memory_order_relaxed);
    {
      std::unique_lock<std::mutex> lock(mu_);
      while (k >= available_ && !stop_) {
        helperWaiting_ = true;
        cv_.wait(lock);
        helperWaiting_ = false;
      }
      if (stop_)
        return;
    }
    claim(k);
  }
  helperAt_.store(numChunks_, std::memory_order_relaxed);
}

void ChunkCrc::chunkDone(uint64_t k) {
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    available_ = std::max(available_, std::min(numChunks_, k + 1 + lookahead_));
    wake = helperWaiting_;
  }
  if (wake)
    cv_.notify_one();
  // The helper is behind (busy core, or none): do this chunk now, while the
  // I/O has just brought it into cache.
  if (!helper_.joinable() ||
      helperAt_.load(std::memory_order_relaxed) + kHelperSlack <= k)
    claim(k);
}

uint32_t ChunkCrc::finish(uint32_t crc) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    available_ = numChunks_;
  }
  cv_.notify_one();
  // The helper walks forward; meet it from the end.
  for (uint64_t k = numChunks_; k-- > 0;)
    claim(k);
  if (helper_.joinable())
    helper_.join();
  for (uint64_t k = 0; k < numChunks_; ++k)
    crc = crc32cCombine(crc, crcs_[k], chunkSize(k));
  return crc;
}

void ChunkCrc::stopHelper() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  if (helper_.joinable())
    helper_.join();
}

} // namespace checkpoint
} // namespace kiln
