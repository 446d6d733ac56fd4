//===- Crc32c.h - CRC32C (Castagnoli) with TensorFlow's masking -*- C++ -*-===//
//
// Checkpoints and TFRecords protect their bytes with CRC32C and store the CRC
// "masked" (rotated and offset) so that a CRC of data that itself contains
// CRCs stays well distributed. Picks the fastest implementation the CPU has:
// carry-less multiply folding over 64-byte AVX-512 lanes (VPCLMULQDQ) for
// long inputs, three interleaved SSE4.2 crc32 streams, or a slicing-by-8
// table.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_CRC32C_H
#define KILN_RUNTIME_CRC32C_H

#include <cstddef>
#include <cstdint>

namespace kiln {
namespace crc32c {

/// Extends `crc` (the CRC of some prefix A) to the CRC of A ‖ data.
uint32_t extend(uint32_t crc, const void *data, size_t n);

/// The CRC32C of `data`.
inline uint32_t value(const void *data, size_t n) { return extend(0, data, n); }

constexpr uint32_t kMaskDelta = 0xa282ead8u;

inline uint32_t mask(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}

inline uint32_t unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

/// Whether the hardware path is in use (for benchmarks and logs).
bool usesHardware();

/// The implementations extend() chooses from, so tests can check every one
/// the CPU supports against the others.
enum class Impl {
  kPortable, // slicing-by-8 tables
  kSse42,    // crc32 instruction, three interleaved streams
  kVpclmul,  // AVX-512 VPCLMULQDQ folding for long inputs, else kSse42
};
/// Whether this CPU (and OS) can run `impl`.
bool supports(Impl impl);
/// The best implementation supported here (what extend() uses).
Impl bestImpl();
/// extend() through `impl`, which must be supported.
uint32_t extendWith(Impl impl, uint32_t crc, const void *data, size_t n);

} // namespace crc32c
} // namespace kiln

#endif // KILN_RUNTIME_CRC32C_H
