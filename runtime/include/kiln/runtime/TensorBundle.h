//===- TensorBundle.h - TensorFlow V2 checkpoint entries --------*- C++ -*-===//
//
// The pieces shared by the bundle writer, reader and merger: file names
// (`P.index`, `P.data-00000-of-00001`) and the BundleHeaderProto /
// BundleEntryProto records of the index, encoded by hand (no protobuf in the
// runtime) exactly as protobuf serialises them: fields in number order and
// proto3 zero values omitted, except `shape`, which TF always sets.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_TENSORBUNDLE_H
#define KILN_RUNTIME_TENSORBUNDLE_H

#include "kiln/runtime/DType.h"
#include "kiln/runtime/Status.h"
#include "kiln/runtime/Tensor.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiln {

/// kTensorBundleVersion / kTensorBundleMinConsumer of tensor_bundle.h.
constexpr int32_t kTensorBundleVersion = 1;
constexpr int32_t kTensorBundleMinConsumer = 0;

/// `prefix.index`.
std::string bundleIndexFilename(const std::string &prefix);
/// `prefix.data-<shard>-of-<numShards>`, five digits each.
std::string bundleDataFilename(const std::string &prefix, int shard,
                               int numShards);

/// BundleHeaderProto.
struct BundleHeader {
  int32_t numShards = 0;
  int32_t endianness = 0; // 0 LITTLE, 1 BIG
  int32_t versionProducer = 0;
  int32_t versionMinConsumer = 0;
  std::vector<int32_t> badConsumers;

  std::string encode() const;
  static StatusOr<BundleHeader> decode(std::string_view bytes);
};

/// One TensorSliceProto.Extent: `length` absent means the whole dimension.
struct SliceExtent {
  int64_t start = 0;
  std::optional<int64_t> length;
};

/// BundleEntryProto.
struct BundleEntry {
  int32_t dtype = 0; // DataType enum value
  std::vector<int64_t> shape;
  bool unknownRank = false;
  int32_t shardId = 0;
  int64_t offset = 0;
  int64_t size = 0;
  uint32_t crc32c = 0; // masked
  std::vector<std::vector<SliceExtent>> slices;

  std::string encode() const;
  static StatusOr<BundleEntry> decode(std::string_view bytes);
  TensorShape tensorShape() const { return TensorShape(shape); }
};

/// Folds one DT_STRING element length into the running checksum of a string
/// tensor the way TF does: as a little-endian uint32, or uint64 when the
/// length does not fit (not as the varint that is stored).
uint32_t extendCrcWithStringLength(uint32_t crc, uint64_t length);

} // namespace kiln

#endif // KILN_RUNTIME_TENSORBUNDLE_H
