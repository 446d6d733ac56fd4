//===- CheckpointFuzz.h - Checksum fixers for checkpoint inputs -*- C++ -*-===//
//
// A checkpoint's `.index` is a LevelDB table whose blocks each carry a
// CRC32C; string tensors in the data file carry a CRC of their lengths. These
// helpers recompute those checksums in a fuzzed input so that mutations of
// the bytes behind them are read instead of rejected at the first check.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TEST_FUZZ_CHECKPOINTFUZZ_H
#define KILN_TEST_FUZZ_CHECKPOINTFUZZ_H

#include "FuzzUtil.h"

#include "kiln/runtime/BundleReader.h"
#include "kiln/runtime/Table.h"
#include "kiln/runtime/TensorBundle.h"

#include <snappy.h>

#include <cstring>

namespace kiln {
namespace fuzz {

/// Fixes the trailer CRC of the block at [offset, offset + size) and returns
/// its (uncompressed) contents in `contents`; false when out of range.
inline bool fixBlockCrc(std::string &s, uint64_t offset, uint64_t size,
                        std::string *contents) {
  if (offset > s.size() || size > s.size() ||
      offset + size + table::kBlockTrailerSize > s.size())
    return false;
  char *b = &s[offset];
  storeFixed32(b + size + 1, crc32c::mask(crc32c::value(b, size + 1)));
  if (!contents)
    return true;
  if (b[size] == table::kSnappyCompression)
    return snappy::IsValidCompressedBuffer(b, size) &&
           snappy::Uncompress(b, size, contents);
  contents->assign(b, size);
  return true;
}

/// The values of a block's entries (the handles, in an index block).
inline std::vector<std::string> blockValues(std::string_view data) {
  std::vector<std::string> values;
  if (data.size() < 4)
    return values;
  uint64_t restartBytes =
      (uint64_t(wire::getFixed32(data.data() + data.size() - 4)) + 1) * 4;
  if (restartBytes > data.size())
    return values;
  std::string_view in = data.substr(0, data.size() - restartBytes);
  while (!in.empty()) {
    uint32_t shared, nonShared, valueLen;
    if (!wire::getVarint32(in, &shared) || !wire::getVarint32(in, &nonShared) ||
        !wire::getVarint32(in, &valueLen) ||
        uint64_t(nonShared) + valueLen > in.size())
      break;
    in.remove_prefix(nonShared);
    values.emplace_back(in.substr(0, valueLen));
    in.remove_prefix(valueLen);
  }
  return values;
}

/// Recomputes the CRCs of the index, metaindex and data blocks that the
/// footer and the index block of the table in `s` point to.
inline void fixTableCrcs(std::string &s) {
  if (s.size() < table::kFooterSize)
    return;
  std::string_view footer(s.data() + s.size() - table::kFooterSize, 40);
  uint64_t metaOffset, metaSize, indexOffset, indexSize;
  if (!wire::getVarint64(footer, &metaOffset) ||
      !wire::getVarint64(footer, &metaSize) ||
      !wire::getVarint64(footer, &indexOffset) ||
      !wire::getVarint64(footer, &indexSize))
    return;
  std::string index;
  if (!fixBlockCrc(s, indexOffset, indexSize, &index))
    return;
  for (const std::string &value : blockValues(index)) {
    std::string_view v = value;
    uint64_t offset, size;
    if (wire::getVarint64(v, &offset) && wire::getVarint64(v, &size))
      fixBlockCrc(s, offset, size, nullptr);
  }
  fixBlockCrc(s, metaOffset, metaSize, nullptr);
  // Last: a data block may overlap the index block.
  fixBlockCrc(s, indexOffset, indexSize, nullptr);
}

/// Splits `input` into an index (up to and including the first table magic
/// number) and the data file (the rest); without a magic number it is all
/// index. The seeds are `cat x.index x.data-00000-of-00001`.
inline std::pair<std::string, std::string> splitBundle(std::string_view input) {
  char magic[8];
  for (int i = 0; i < 8; ++i)
    magic[i] = static_cast<char>(table::kTableMagicNumber >> (8 * i));
  size_t at = input.find(std::string_view(magic, 8));
  if (at == std::string_view::npos)
    return {std::string(input), std::string()};
  return {std::string(input.substr(0, at + 8)),
          std::string(input.substr(at + 8))};
}

/// Recomputes the CRC of the element lengths that precedes the bytes of each
/// string tensor of `reader` in `data` (the bytes of shard 0).
inline void fixStringLengthCrcs(BundleReader &reader, std::string &data) {
  for (const std::string &key : reader.keys()) {
    StatusOr<BundleEntry> e = reader.entry(key);
    if (!e.ok() || e->dtype != static_cast<int32_t>(DType::kString) ||
        e->shardId != 0 || e->offset < 0 ||
        static_cast<uint64_t>(e->offset) > data.size())
      continue;
    // Count elements without overflowing: more than the bytes left cannot
    // all have a length varint.
    uint64_t n = 1;
    bool ok = !e->unknownRank;
    for (int64_t d : e->shape) {
      if (d < 0 || (d > 0 && n > data.size() / static_cast<uint64_t>(d)))
        ok = false;
      else
        n *= static_cast<uint64_t>(d);
    }
    if (!ok)
      continue;
    std::string_view in(data.data() + e->offset, data.size() - e->offset);
    uint32_t crc = 0;
    uint64_t len = 0;
    for (uint64_t i = 0; i < n && ok; ++i) {
      ok = wire::getVarint64(in, &len);
      crc = extendCrcWithStringLength(crc, len);
    }
    if (ok && in.size() >= 4)
      storeFixed32(&data[in.data() - data.data()], crc32c::mask(crc));
  }
}

} // namespace fuzz
} // namespace kiln

#endif // KILN_TEST_FUZZ_CHECKPOINTFUZZ_H
