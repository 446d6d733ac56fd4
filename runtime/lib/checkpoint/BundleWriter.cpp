//===- BundleWriter.cpp - Writes TensorFlow V2 checkpoints ----------------===//
#include "kiln/runtime/BundleWriter.h"

#include "kiln/runtime/ChunkCrc.h"
#include "kiln/runtime/Crc32c.h"
#include "kiln/runtime/Table.h"
#include "kiln/runtime/Wire.h"

#include <algorithm>
#include <map>

namespace kiln {

using namespace checkpoint;

BundleWriter::BundleWriter(std::string prefix)
    : BundleWriter(std::move(prefix), Options()) {}

/// With sync, the kernel is asked to start writing the data file back after
/// every this many bytes, so the final fsync has little left to wait for.
constexpr uint64_t kWritebackInterval = 32 << 20;

BundleWriter::BundleWriter(std::string prefix, Options options)
    : prefix_(std::move(prefix)), options_(options),
      fs_(fileSystemOr(options.fileSystem)) {
  std::string dir = dirname(prefix_);
  if (!dir.empty()) {
    status_ = createDirs(dir, &fs_);
    if (!status_.ok())
      return;
  }
  std::string suffix = ".tempstate" + std::to_string(randomU64());
  tmpDataPath_ = bundleDataFilename(prefix_, 0, 1) + suffix;
  tmpIndexPath_ = bundleIndexFilename(prefix_) + suffix;
  auto file = WritableFile::create(fs_, tmpDataPath_);
  if (!file.ok()) {
    status_ = file.status();
    tmpDataPath_.clear();
    return;
  }
  data_.emplace(std::move(*file));
  if (options_.sync)
    data_->setWritebackInterval(kWritebackInterval);
}

BundleWriter::~BundleWriter() {
  if (!finished_)
    discardTemporaries();
}

void BundleWriter::discardTemporaries() {
  if (data_)
    (void)data_->close();
  data_.reset();
  if (!tmpDataPath_.empty())
    (void)fs_.deleteFile(tmpDataPath_);
  tmpDataPath_.clear();
  if (indexCreated_)
    (void)fs_.deleteFile(tmpIndexPath_);
  indexCreated_ = false;
}

/// Appends the bytes of `data` and folds them into `crc`. Small payloads
/// are checksummed piece by piece right before they are buffered; large
/// ones are written straight from the tensor's memory in chunks while
/// ChunkCrc checksums them alongside, so the checksum costs (almost)
/// nothing on top of the write when a second core is free, and no copy of
/// the tensor is ever made.
static Status appendWithCrc(WritableFile &file, const char *data, size_t n,
                            uint32_t *crc) {
  constexpr size_t kPipelineMin = 8 << 20;
  if (n < kPipelineMin) {
    constexpr size_t kPiece = ChunkCrc::kChunk;
    // Small payloads batch up in the file's buffer; larger ones skip it.
    bool direct = n >= kPiece;
    for (size_t done = 0; done < n;) {
      size_t len = std::min(kPiece, n - done);
      *crc = crc32c::extend(*crc, data + done, len);
      std::string_view piece(data + done, len);
      KILN_RETURN_IF_ERROR(direct ? file.appendDirect(piece)
                                  : file.append(piece));
      done += len;
    }
    return Status::OK();
  }
  // The helper may checksum two chunks ahead: the write then copies bytes
  // that are already in cache.
  ChunkCrc chunks(data, n, /*lookahead=*/2);
  for (uint64_t k = 0; k < chunks.numChunks(); ++k) {
    KILN_RETURN_IF_ERROR(file.appendDirect(
        std::string_view(chunks.chunkData(k), chunks.chunkSize(k))));
    chunks.chunkDone(k);
  }
  *crc = chunks.finish(*crc);
  return Status::OK();
}

Status BundleWriter::writeTensor(const Tensor &tensor, BundleEntry *entry) {
  uint32_t crc = 0;
  uint64_t size = 0;
  if (tensor.dtype() == DType::kString) {
    // Lengths as varints, then a masked CRC of the lengths (computed over
    // their fixed-width form, as TF does), then the bytes.
    const std::string *strs = tensor.data<std::string>();
    int64_t n = tensor.numElements();
    std::string lengths;
    for (int64_t i = 0; i < n; ++i) {
      uint64_t len = strs[i].size();
      wire::putVarint64(lengths, len);
      crc = extendCrcWithStringLength(crc, len);
    }
    KILN_RETURN_IF_ERROR(data_->append(lengths));
    std::string lengthCrc;
    wire::putFixed32(lengthCrc, crc32c::mask(crc));
    crc = crc32c::extend(crc, lengthCrc.data(), 4);
    KILN_RETURN_IF_ERROR(data_->append(lengthCrc));
    size = lengths.size() + 4;
    for (int64_t i = 0; i < n; ++i) {
      KILN_RETURN_IF_ERROR(
          appendWithCrc(*data_, strs[i].data(), strs[i].size(), &crc));
      size += strs[i].size();
    }
  } else if (isPodDType(tensor.dtype())) {
    size =
        static_cast<uint64_t>(tensor.numElements()) * dtypeSize(tensor.dtype());
    KILN_RETURN_IF_ERROR(appendWithCrc(
        *data_, static_cast<const char *>(tensor.raw()), size, &crc));
  } else {
    return errors::InvalidArgument("Cannot save tensor of dtype ",
                                   dtypeName(tensor.dtype()),
                                   " in a checkpoint");
  }
  entry->offset = static_cast<int64_t>(offset_);
  entry->size = static_cast<int64_t>(size);
  entry->crc32c = crc32c::mask(crc);
  offset_ += size;
  return Status::OK();
}

Status BundleWriter::add(const std::string &key, const Tensor &tensor) {
  if (!status_.ok())
    return status_;
  if (finished_)
    return errors::FailedPrecondition("BundleWriter for ", prefix_,
                                      " already finished");
  if (key.empty())
    return errors::InvalidArgument(
        "The empty key is reserved for the bundle header");
  if (entries_.count(key))
    return errors::InvalidArgument("Adding duplicate key: ", key);
  if (!tensor.isValid())
    return errors::InvalidArgument("Adding invalid tensor under key ", key);
  BundleEntry entry;
  entry.dtype = static_cast<int32_t>(tensor.dtype());
  entry.shape = tensor.shape().dims();
  status_ = writeTensor(tensor, &entry);
  if (!status_.ok()) {
    // A dtype the format cannot hold is the caller's mistake, not a broken
    // file: keep the writer usable.
    if (status_.code() == Code::kInvalidArgument) {
      Status s = status_;
      status_ = Status::OK();
      return s;
    }
    return status_;
  }
  entries_.emplace(key, std::move(entry));
  return Status::OK();
}

/// Writes the index table (header then entries in key order) to `path`.
/// `*created` tells whether the file was created (and needs removing on
/// failure).
static Status writeIndex(FileSystem &fs, const std::string &path,
                         const BundleHeader &header,
                         const std::map<std::string, BundleEntry> &entries,
                         table::CompressionType compression, bool sync,
                         bool *created) {
  auto file = WritableFile::create(fs, path, 1 << 20);
  *created = file.ok();
  if (!file.ok())
    return file.status();
  table::TableOptions options;
  options.compression = compression;
  table::TableBuilder builder(options, &*file);
  builder.add("", header.encode());
  for (const auto &[key, entry] : entries)
    builder.add(key, entry.encode());
  Status s = builder.finish();
  if (s.ok() && sync)
    s = file->sync();
  Status c = file->close();
  return s.ok() ? c : s;
}

static BundleHeader currentHeader(int numShards) {
  BundleHeader header;
  header.numShards = numShards;
  header.endianness = 0; // little-endian hosts only
  header.versionProducer = kTensorBundleVersion;
  header.versionMinConsumer = kTensorBundleMinConsumer;
  return header;
}

Status BundleWriter::finish() {
  if (finished_)
    return errors::FailedPrecondition("BundleWriter for ", prefix_,
                                      " already finished");
  if (!status_.ok()) {
    discardTemporaries();
    return status_;
  }
  if (options_.sync)
    status_ = data_->sync();
  Status c = data_->close();
  if (status_.ok())
    status_ = c;
  data_.reset();
  // Both files are complete (and on disk, with sync) before either is
  // renamed: an error up to here leaves the prefix untouched. TF forces no
  // compression on the index: it is small and must be readable where Snappy
  // is missing.
  if (status_.ok())
    status_ = writeIndex(fs_, tmpIndexPath_, currentHeader(1), entries_,
                         table::kNoCompression, options_.sync, &indexCreated_);
  std::string dataPath = bundleDataFilename(prefix_, 0, 1);
  if (status_.ok())
    status_ = fs_.renameFile(tmpDataPath_, dataPath);
  if (!status_.ok()) {
    discardTemporaries();
    return status_;
  }
  tmpDataPath_.clear();
  status_ = fs_.renameFile(tmpIndexPath_, bundleIndexFilename(prefix_));
  if (!status_.ok()) {
    // A data file without its index is no checkpoint: don't leave it.
    (void)fs_.deleteFile(dataPath);
    discardTemporaries();
    return status_;
  }
  finished_ = true;
  return status_;
}

//===----------------------------------------------------------------------===//
// Merging (MergeV2Checkpoints)
//===----------------------------------------------------------------------===//

Status mergeBundles(const std::vector<std::string> &prefixes,
                    const std::string &destPrefix, bool deleteOldDirs,
                    FileSystem *fileSystem) {
  FileSystem &fs = fileSystemOr(fileSystem);
  std::map<std::string, BundleEntry> merged;
  // Old data file path -> new shard id, in first-seen order.
  std::vector<std::pair<std::string, int>> shardIds;
  std::optional<BundleHeader> first;
  int numShards = 0;
  for (const std::string &prefix : prefixes) {
    auto index = RandomAccessFile::open(bundleIndexFilename(prefix));
    if (!index.ok())
      return index.status();
    auto tbl = table::Table::open(&*index);
    if (!tbl.ok())
      return tbl.status();
    std::string headerBytes;
    KILN_RETURN_IF_ERROR((*tbl)->get("", &headerBytes));
    auto header = BundleHeader::decode(headerBytes);
    if (!header.ok())
      return header.status();
    if (first) {
      if (first->endianness != header->endianness)
        return errors::InvalidArgument(
            "Merging bundles with different endianness; inputs:", prefix);
      if (first->versionProducer != header->versionProducer ||
          first->versionMinConsumer != header->versionMinConsumer ||
          first->badConsumers != header->badConsumers)
        return errors::InvalidArgument(
            "Merging bundles with different format versions: merged ",
            first->versionProducer, " vs. ", header->versionProducer);
    } else {
      first = *header;
    }
    int base = static_cast<int>(shardIds.size());
    for (int i = 0; i < header->numShards; ++i)
      shardIds.emplace_back(bundleDataFilename(prefix, i, header->numShards),
                            base + i);
    numShards += header->numShards;
    Status s = (*tbl)->forEach(
        [&](std::string_view key, std::string_view value) -> Status {
          if (key.empty())
            return Status::OK();
          auto entry = BundleEntry::decode(value);
          if (!entry.ok())
            return entry.status();
          std::string k(key);
          auto it = merged.find(k);
          if (it != merged.end()) {
            if (it->second.slices.empty() || entry->slices.empty())
              return errors::InvalidArgument(
                  "Duplicate tensor keyed by ", k,
                  " encountered, when merging prefix: ", prefix);
            // A partitioned tensor saved from several shards: union the slices.
            for (auto &slice : entry->slices)
              it->second.slices.push_back(slice);
            return Status::OK();
          }
          entry->shardId += base;
          merged.emplace(std::move(k), std::move(*entry));
          return Status::OK();
        });
    KILN_RETURN_IF_ERROR(s);
  }
  BundleHeader header = first ? *first : currentHeader(0);
  header.numShards = numShards;
  // TF merges with the default table options, i.e. Snappy (a block is kept
  // compressed only when that saves 12.5%). Written through a temporary
  // (before any data file moves, so an error leaves the destination
  // untouched) and renamed last, so a reader never sees a half-written
  // index nor an index without its data.
  std::string tmp = bundleIndexFilename(destPrefix) + ".tempstate" +
                    std::to_string(randomU64());
  bool created = false;
  Status s = writeIndex(fs, tmp, header, merged, table::kSnappyCompression,
                        true, &created);
  // Data files already moved to the destination, to move back on failure.
  std::vector<std::pair<std::string, std::string>> moved;
  for (size_t i = 0; s.ok() && i < shardIds.size(); ++i) {
    std::string to =
        bundleDataFilename(destPrefix, shardIds[i].second, numShards);
    s = fs.renameFile(shardIds[i].first, to);
    if (s.ok())
      moved.emplace_back(shardIds[i].first, to);
  }
  if (s.ok())
    s = fs.renameFile(tmp, bundleIndexFilename(destPrefix));
  if (!s.ok()) {
    if (created)
      (void)fs.deleteFile(tmp);
    for (auto it = moved.rbegin(); it != moved.rend(); ++it)
      (void)fs.renameFile(it->second, it->first);
    return s;
  }
  // Cleanup is best effort, as in TF.
  std::string destDir = dirname(destPrefix);
  for (const std::string &prefix : prefixes) {
    (void)fs.deleteFile(bundleIndexFilename(prefix));
    if (deleteOldDirs && dirname(prefix) != destDir)
      (void)fs.deleteDir(dirname(prefix));
  }
  return Status::OK();
}

} // namespace kiln
