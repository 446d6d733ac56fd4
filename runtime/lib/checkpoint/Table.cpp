//===- Table.cpp - LevelDB-format sorted string tables --------------------===//
//
// Mirrors TF's core/lib/io/{table_builder,block_builder,format,block,table}.cc
// closely enough that the same entries produce the same bytes.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/Table.h"

#include "kiln/runtime/Crc32c.h"
#include "kiln/runtime/Wire.h"

#include <algorithm>
#include <cassert>
#include <snappy.h>

namespace kiln {
namespace table {

using checkpoint::RandomAccessFile;
using checkpoint::WritableFile;

//===----------------------------------------------------------------------===//
// Keys
//===----------------------------------------------------------------------===//

static int compareBytes(std::string_view a, std::string_view b) {
  // std::string_view::compare uses char_traits<char>::compare, which is
  // memcmp and therefore unsigned, matching LevelDB's bytewise order.
  return a.compare(b);
}

void findShortestSeparator(std::string *start, std::string_view limit) {
  size_t minLength = std::min(start->size(), limit.size());
  size_t diff = 0;
  while (diff < minLength && (*start)[diff] == limit[diff])
    ++diff;
  if (diff >= minLength)
    return; // One is a prefix of the other: keep start as is.
  uint8_t diffByte = static_cast<uint8_t>((*start)[diff]);
  if (diffByte < 0xff && diffByte + 1 < static_cast<uint8_t>(limit[diff])) {
    (*start)[diff] = static_cast<char>(diffByte + 1);
    start->resize(diff + 1);
  }
}

void findShortSuccessor(std::string *key) {
  for (size_t i = 0; i < key->size(); ++i) {
    uint8_t byte = static_cast<uint8_t>((*key)[i]);
    if (byte != 0xff) {
      (*key)[i] = static_cast<char>(byte + 1);
      key->resize(i + 1);
      return;
    }
  }
  // All 0xff: leave it alone.
}

//===----------------------------------------------------------------------===//
// BlockBuilder
//===----------------------------------------------------------------------===//

class TableBuilder::BlockBuilder {
public:
  explicit BlockBuilder(int restartInterval)
      : restartInterval_(restartInterval) {
    restarts_.push_back(0);
  }

  void reset() {
    buffer_.clear();
    restarts_.clear();
    restarts_.push_back(0);
    counter_ = 0;
    finished_ = false;
    lastKey_.clear();
  }

  void add(std::string_view key, std::string_view value) {
    assert(!finished_);
    size_t shared = 0;
    if (counter_ < restartInterval_) {
      size_t minLength = std::min(lastKey_.size(), key.size());
      while (shared < minLength && lastKey_[shared] == key[shared])
        ++shared;
    } else {
      restarts_.push_back(static_cast<uint32_t>(buffer_.size()));
      counter_ = 0;
    }
    size_t nonShared = key.size() - shared;
    wire::putVarint32(buffer_, static_cast<uint32_t>(shared));
    wire::putVarint32(buffer_, static_cast<uint32_t>(nonShared));
    wire::putVarint32(buffer_, static_cast<uint32_t>(value.size()));
    buffer_.append(key.data() + shared, nonShared);
    buffer_.append(value.data(), value.size());
    lastKey_.resize(shared);
    lastKey_.append(key.data() + shared, nonShared);
    ++counter_;
  }

  std::string_view finish() {
    for (uint32_t r : restarts_)
      wire::putFixed32(buffer_, r);
    wire::putFixed32(buffer_, static_cast<uint32_t>(restarts_.size()));
    finished_ = true;
    return buffer_;
  }

  size_t currentSizeEstimate() const {
    return buffer_.size() + restarts_.size() * sizeof(uint32_t) +
           sizeof(uint32_t);
  }
  bool empty() const { return buffer_.empty(); }

private:
  int restartInterval_;
  std::string buffer_;
  std::vector<uint32_t> restarts_;
  int counter_ = 0;
  bool finished_ = false;
  std::string lastKey_;
};

//===----------------------------------------------------------------------===//
// TableBuilder
//===----------------------------------------------------------------------===//

static void encodeHandle(std::string *out, uint64_t offset, uint64_t size) {
  wire::putVarint64(*out, offset);
  wire::putVarint64(*out, size);
}

TableBuilder::TableBuilder(TableOptions options, WritableFile *file)
    : options_(options), file_(file),
      dataBlock_(std::make_unique<BlockBuilder>(options.blockRestartInterval)),
      indexBlock_(std::make_unique<BlockBuilder>(1)) {}

TableBuilder::~TableBuilder() = default;

void TableBuilder::add(std::string_view key, std::string_view value) {
  assert(!closed_);
  if (!status_.ok())
    return;
  if (numEntries_ > 0) {
    assert(compareBytes(key, lastKey_) > 0 && "keys must increase");
    // TF addition: an entry at least twice the block size goes into a block
    // of its own instead of growing the current one.
    if (key.size() + value.size() >= 2 * options_.blockSize)
      flush();
  }
  if (pendingIndexEntry_) {
    assert(dataBlock_->empty());
    findShortestSeparator(&lastKey_, key);
    indexBlock_->add(lastKey_, pendingHandle_);
    pendingIndexEntry_ = false;
  }
  lastKey_.assign(key.data(), key.size());
  ++numEntries_;
  dataBlock_->add(key, value);
  if (dataBlock_->currentSizeEstimate() >= options_.blockSize)
    flush();
}

void TableBuilder::flush() {
  if (!status_.ok() || dataBlock_->empty())
    return;
  assert(!pendingIndexEntry_);
  writeBlock(*dataBlock_, &pendingHandle_);
  if (status_.ok()) {
    pendingIndexEntry_ = true;
    status_ = file_->flush();
  }
}

void TableBuilder::writeBlock(BlockBuilder &block, std::string *handle) {
  std::string_view raw = block.finish();
  CompressionType type = options_.compression;
  std::string compressed;
  std::string_view contents = raw;
  if (type == kSnappyCompression) {
    snappy::Compress(raw.data(), raw.size(), &compressed);
    // Keep the compressed form only if it saves at least 12.5%.
    if (compressed.size() < raw.size() - raw.size() / 8) {
      contents = compressed;
    } else {
      type = kNoCompression;
    }
  }
  writeRawBlock(contents, type, handle);
  block.reset();
}

void TableBuilder::writeRawBlock(std::string_view contents,
                                 CompressionType type, std::string *handle) {
  handle->clear();
  encodeHandle(handle, offset_, contents.size());
  status_ = file_->append(contents);
  if (!status_.ok())
    return;
  std::string trailer(1, static_cast<char>(type));
  uint32_t crc = crc32c::value(contents.data(), contents.size());
  crc = crc32c::extend(crc, trailer.data(), 1); // covers the type byte too
  wire::putFixed32(trailer, crc32c::mask(crc));
  status_ = file_->append(trailer);
  if (status_.ok())
    offset_ += contents.size() + kBlockTrailerSize;
}

Status TableBuilder::finish() {
  flush();
  assert(!closed_);
  closed_ = true;
  std::string metaindexHandle, indexHandle;
  if (status_.ok()) {
    BlockBuilder metaindex(options_.blockRestartInterval);
    writeBlock(metaindex, &metaindexHandle);
  }
  if (status_.ok()) {
    if (pendingIndexEntry_) {
      findShortSuccessor(&lastKey_);
      indexBlock_->add(lastKey_, pendingHandle_);
      pendingIndexEntry_ = false;
    }
    writeBlock(*indexBlock_, &indexHandle);
  }
  if (status_.ok()) {
    std::string footer = metaindexHandle + indexHandle;
    footer.resize(40, '\0'); // two handles at their maximum encoded length
    wire::putFixed32(footer, static_cast<uint32_t>(kTableMagicNumber));
    wire::putFixed32(footer, static_cast<uint32_t>(kTableMagicNumber >> 32));
    status_ = file_->append(footer);
    if (status_.ok())
      offset_ += footer.size();
  }
  return status_;
}

//===----------------------------------------------------------------------===//
// Table
//===----------------------------------------------------------------------===//

static bool decodeHandle(std::string_view &in, uint64_t *offset,
                         uint64_t *size) {
  return wire::getVarint64(in, offset) && wire::getVarint64(in, size);
}

/// Decodes a block's entries, rejecting anything malformed.
static Status
parseBlock(std::string_view data,
           std::vector<std::pair<std::string, std::string>> *out) {
  if (data.size() < sizeof(uint32_t))
    return errors::DataLoss("bad block contents");
  uint32_t numRestarts = wire::getFixed32(data.data() + data.size() - 4);
  uint64_t restartBytes = (uint64_t(numRestarts) + 1) * 4;
  if (restartBytes > data.size())
    return errors::DataLoss("bad block contents");
  std::string_view in = data.substr(0, data.size() - restartBytes);
  std::string key;
  while (!in.empty()) {
    uint32_t shared, nonShared, valueLen;
    if (!wire::getVarint32(in, &shared) || !wire::getVarint32(in, &nonShared) ||
        !wire::getVarint32(in, &valueLen) || shared > key.size() ||
        uint64_t(nonShared) + valueLen > in.size())
      return errors::DataLoss("bad entry in block");
    key.resize(shared);
    key.append(in.data(), nonShared);
    in.remove_prefix(nonShared);
    out->emplace_back(key, std::string(in.substr(0, valueLen)));
    in.remove_prefix(valueLen);
  }
  return Status::OK();
}

Status Table::readBlock(const Handle &h, Block *out) const {
  uint64_t n = h.size;
  if (n > file_->size() || h.offset > file_->size() ||
      h.offset + n + kBlockTrailerSize > file_->size())
    return errors::DataLoss("truncated block read");
  std::string buf(n + kBlockTrailerSize, '\0');
  KILN_RETURN_IF_ERROR(file_->read(h.offset, buf.size(), buf.data()));
  uint32_t stored = crc32c::unmask(wire::getFixed32(buf.data() + n + 1));
  uint32_t actual = crc32c::value(buf.data(), n + 1);
  if (stored != actual)
    return errors::DataLoss("block checksum mismatch");
  std::string_view contents(buf.data(), n);
  std::string uncompressed;
  switch (static_cast<uint8_t>(buf[n])) {
  case kNoCompression:
    break;
  case kSnappyCompression: {
    // Uncompress sizes its output to the length the block claims (up to
    // 4 GiB) before decoding; a valid stream cannot claim more than ~21x
    // its own size, so validate it first.
    if (!snappy::IsValidCompressedBuffer(buf.data(), n) ||
        !snappy::Uncompress(buf.data(), n, &uncompressed))
      return errors::DataLoss("corrupted compressed block contents");
    contents = uncompressed;
    break;
  }
  default:
    return errors::DataLoss("bad block type");
  }
  return parseBlock(contents, &out->entries);
}

StatusOr<std::unique_ptr<Table>> Table::open(const RandomAccessFile *file) {
  if (file->size() < kFooterSize)
    return errors::DataLoss("file is too short to be an sstable");
  char footer[kFooterSize];
  KILN_RETURN_IF_ERROR(
      file->read(file->size() - kFooterSize, kFooterSize, footer));
  uint64_t magic = wire::getFixed64(footer + 40);
  if (magic != kTableMagicNumber)
    return errors::DataLoss("not an sstable (bad magic number)");
  std::string_view in(footer, 40);
  Handle metaindex, index;
  if (!decodeHandle(in, &metaindex.offset, &metaindex.size) ||
      !decodeHandle(in, &index.offset, &index.size))
    return errors::DataLoss("bad block handle");
  std::unique_ptr<Table> table(new Table(file));
  KILN_RETURN_IF_ERROR(table->readBlock(index, &table->index_));
  for (auto &[key, value] : table->index_.entries) {
    std::string_view v = value;
    Handle h;
    if (!decodeHandle(v, &h.offset, &h.size))
      return errors::DataLoss("bad block handle");
    table->dataHandles_.push_back(h);
  }
  return table;
}

Status Table::loadDataBlock(size_t index, const Block **out) const {
  auto it = cache_.find(index);
  if (it == cache_.end()) {
    Block block;
    KILN_RETURN_IF_ERROR(readBlock(dataHandles_[index], &block));
    it = cache_.emplace(index, std::move(block)).first;
  }
  *out = &it->second;
  return Status::OK();
}

Status Table::get(std::string_view key, std::string *value) const {
  // The first index entry whose separator is >= key names the only block
  // that can hold key.
  auto &idx = index_.entries;
  auto it = std::lower_bound(idx.begin(), idx.end(), key,
                             [](const auto &e, std::string_view k) {
                               return compareBytes(e.first, k) < 0;
                             });
  if (it == idx.end())
    return errors::NotFound("Key ", key, " not found in table");
  const Block *block;
  KILN_RETURN_IF_ERROR(loadDataBlock(it - idx.begin(), &block));
  auto jt = std::lower_bound(block->entries.begin(), block->entries.end(), key,
                             [](const auto &e, std::string_view k) {
                               return compareBytes(e.first, k) < 0;
                             });
  if (jt == block->entries.end() || jt->first != key)
    return errors::NotFound("Key ", key, " not found in table");
  *value = jt->second;
  return Status::OK();
}

Status Table::forEach(
    const std::function<Status(std::string_view, std::string_view)> &fn) const {
  for (size_t i = 0; i < dataHandles_.size(); ++i) {
    const Block *block;
    KILN_RETURN_IF_ERROR(loadDataBlock(i, &block));
    for (auto &[k, v] : block->entries)
      KILN_RETURN_IF_ERROR(fn(k, v));
  }
  return Status::OK();
}

} // namespace table
} // namespace kiln
