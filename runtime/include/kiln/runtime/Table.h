//===- Table.h - LevelDB-format sorted string tables ------------*- C++ -*-===//
//
// The `.index` file of a TensorFlow checkpoint is a LevelDB table ("SSTable")
// without filter blocks: prefix-compressed data blocks with restart points,
// an empty metaindex block, an index block of short separator keys, and a
// 48-byte footer ending in a magic number. TableBuilder writes it exactly as
// TF's table_builder.cc does (256 KiB blocks, restart interval 16, index
// restart interval 1, no compression), so the bytes match TF's; Table reads
// it back, including Snappy-compressed blocks.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_TABLE_H
#define KILN_RUNTIME_TABLE_H

#include "kiln/runtime/CheckpointFile.h"
#include "kiln/runtime/Status.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kiln {
namespace table {

enum CompressionType : uint8_t { kNoCompression = 0, kSnappyCompression = 1 };

constexpr uint64_t kTableMagicNumber = 0xdb4775248b80fb57ull;
constexpr size_t kBlockTrailerSize = 5;
constexpr size_t kFooterSize = 48;

struct TableOptions {
  size_t blockSize = 262144;
  int blockRestartInterval = 16;
  CompressionType compression = kNoCompression;
};

/// Builds a table from keys added in strictly increasing bytewise order.
class TableBuilder {
public:
  TableBuilder(TableOptions options, checkpoint::WritableFile *file);
  ~TableBuilder();

  /// Keys must be strictly increasing (unsigned byte order).
  void add(std::string_view key, std::string_view value);
  /// Writes the remaining blocks and the footer; the first error of any
  /// add() is reported here.
  Status finish();
  uint64_t numEntries() const { return numEntries_; }
  uint64_t fileSize() const { return offset_; }

private:
  class BlockBuilder;
  void flush();
  void writeBlock(BlockBuilder &block, std::string *handle);
  void writeRawBlock(std::string_view contents, CompressionType type,
                     std::string *handle);

  TableOptions options_;
  checkpoint::WritableFile *file_;
  Status status_;
  uint64_t offset_ = 0;
  uint64_t numEntries_ = 0;
  std::unique_ptr<BlockBuilder> dataBlock_;
  std::unique_ptr<BlockBuilder> indexBlock_;
  std::string lastKey_;
  bool pendingIndexEntry_ = false;
  std::string pendingHandle_;
  bool closed_ = false;
};

/// Bytewise comparator helpers, as LevelDB's BytewiseComparator.
void findShortestSeparator(std::string *start, std::string_view limit);
void findShortSuccessor(std::string *key);

/// An opened table. Entries are read on demand block by block; blocks are
/// checksummed when loaded.
class Table {
public:
  /// Opens the table stored in `file` (which must outlive the Table).
  /// DataLoss when the file is truncated or corrupt.
  static StatusOr<std::unique_ptr<Table>>
  open(const checkpoint::RandomAccessFile *file);

  /// The value of `key`; NotFound when absent.
  Status get(std::string_view key, std::string *value) const;
  /// Calls `fn` on every entry in key order; stops at the first error.
  Status forEach(const std::function<Status(std::string_view key,
                                            std::string_view value)> &fn) const;

private:
  struct Block {
    std::vector<std::pair<std::string, std::string>> entries;
  };
  struct Handle {
    uint64_t offset = 0, size = 0;
  };
  explicit Table(const checkpoint::RandomAccessFile *file) : file_(file) {}
  Status readBlock(const Handle &h, Block *out) const;
  Status loadDataBlock(size_t index, const Block **out) const;

  const checkpoint::RandomAccessFile *file_;
  Block index_;
  std::vector<Handle> dataHandles_;
  // Decoded data blocks by index position; a checkpoint index is small and
  // read once per restore, so keeping them avoids re-reading per lookup.
  mutable std::map<size_t, Block> cache_;
};

} // namespace table
} // namespace kiln

#endif // KILN_RUNTIME_TABLE_H
