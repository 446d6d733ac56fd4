//===- ChunkCrc.h - CRC32C of a tensor alongside its file I/O ---*- C++ -*-===//
//
// A checkpoint save writes each large tensor out in chunks and a restore
// reads it in in chunks; both also need the CRC32C of all its bytes. Done
// inline, the checksum adds its full cost to the I/O. ChunkCrc splits it by
// chunk instead: a helper thread checksums chunks as the I/O thread makes
// them available, and whenever the helper falls behind (no free core) the
// I/O thread checksums the chunk it has just moved itself, while it is still
// in cache. The per-chunk CRCs are then combined into the CRC of the whole,
// which is exactly crc32c::extend over the same bytes.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_CHUNKCRC_H
#define KILN_RUNTIME_CHUNKCRC_H

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace kiln {
namespace checkpoint {

/// The CRC32C of A ‖ B from crc(A), crc(B) and |B| (zlib's crc32_combine).
uint32_t crc32cCombine(uint32_t crcA, uint32_t crcB, uint64_t lengthB);

class ChunkCrc {
public:
  static constexpr size_t kChunk = 1 << 20;

  /// Checksums the `n` bytes at `data`, which the caller moves chunk by
  /// chunk (kChunk bytes, in order). The helper may run up to `lookahead`
  /// chunks ahead of the caller: 0 when a chunk's bytes exist only once the
  /// caller has moved it (reads), a few when they are there from the start
  /// (writes), so the caller then copies bytes the helper just brought into
  /// cache.
  ChunkCrc(const char *data, uint64_t n, uint64_t lookahead);
  /// Stops and joins the helper (finish() not needed on error paths).
  ~ChunkCrc();
  ChunkCrc(const ChunkCrc &) = delete;
  ChunkCrc &operator=(const ChunkCrc &) = delete;

  uint64_t numChunks() const { return numChunks_; }
  const char *chunkData(uint64_t k) const { return data_ + k * kChunk; }
  size_t chunkSize(uint64_t k) const;

  /// The caller has moved chunk `k` (chunks are moved in order).
  void chunkDone(uint64_t k);
  /// After every chunk was moved: checksums what is left, joins the helper
  /// and returns crc32c::extend(crc, data, n).
  uint32_t finish(uint32_t crc);

private:
  void helperLoop();
  /// Checksums chunk `k` unless someone has claimed it.
  void claim(uint64_t k);
  void stopHelper();

  const char *data_;
  uint64_t n_;
  uint64_t numChunks_;
  uint64_t lookahead_;
  std::vector<uint32_t> crcs_;
  std::unique_ptr<std::atomic<bool>[]> claimed_;
  /// The chunk the helper is checksumming or waiting for.
  std::atomic<uint64_t> helperAt_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t available_ = 0;     // guarded by mu_: the helper may take [0, this)
  bool stop_ = false;          // guarded by mu_
  bool helperWaiting_ = false; // guarded by mu_
  std::thread helper_;
};

} // namespace checkpoint
} // namespace kiln

#endif // KILN_RUNTIME_CHUNKCRC_H
