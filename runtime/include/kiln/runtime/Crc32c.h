//===- Crc32c.h - CRC32C (Castagnoli) with TensorFlow's masking -*- C++ -*-===//
//
// Checkpoints and TFRecords protect their bytes with CRC32C and store the CRC
// "masked" (rotated and offset) so that a CRC of data that itself contains
// CRCs stays well distributed. Uses the SSE4.2 crc32 instruction when the CPU
// has it, a slicing-by-8 table otherwise.
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

} // namespace crc32c
} // namespace kiln

#endif // KILN_RUNTIME_CRC32C_H
