//===- BundleReader.cpp - Reads TensorFlow V2 checkpoints -----------------===//
#include "kiln/runtime/BundleReader.h"

#include "kiln/runtime/ChunkCrc.h"
#include "kiln/runtime/Crc32c.h"
#include "kiln/runtime/Wire.h"

#include <algorithm>
#include <cstdio>

namespace kiln {

using namespace checkpoint;

StatusOr<std::unique_ptr<BundleReader>>
BundleReader::open(const std::string &prefix) {
  std::unique_ptr<BundleReader> r(new BundleReader(prefix));
  auto index = RandomAccessFile::open(bundleIndexFilename(prefix));
  if (!index.ok())
    return index.status();
  r->indexFile_ = std::make_unique<RandomAccessFile>(std::move(*index));
  auto tbl = table::Table::open(r->indexFile_.get());
  if (!tbl.ok())
    return tbl.status().withPrefix(bundleIndexFilename(prefix) + ": ");
  r->table_ = std::move(*tbl);
  // The index holds one small entry per tensor: keep them all, which makes
  // listing and lookups cheap and validates the whole table up front.
  bool sawHeader = false;
  Status s = r->table_->forEach(
      [&](std::string_view key, std::string_view value) -> Status {
        if (key.empty()) {
          auto header = BundleHeader::decode(value);
          if (!header.ok())
            return header.status();
          r->header_ = *header;
          sawHeader = true;
          return Status::OK();
        }
        r->keys_.emplace_back(key);
        r->rawEntries_.emplace(std::string(key), std::string(value));
        return Status::OK();
      });
  if (!s.ok())
    return s.withPrefix(bundleIndexFilename(prefix) + ": ");
  if (!sawHeader)
    return errors::DataLoss("Bundle header not found in ",
                            bundleIndexFilename(prefix));
  const BundleHeader &h = r->header_;
  if (h.endianness != 0)
    return errors::Unimplemented(
        "Reading a bundle with different endianness from the reader is "
        "unsupported");
  // VersionDef checks as TF's CheckVersions("Checkpoint", "checkpoint").
  if (h.versionProducer < kTensorBundleMinConsumer)
    return errors::InvalidArgument(
        "Checkpoint producer version ", h.versionProducer,
        " below min producer 0 supported by Kiln. Please regenerate your "
        "checkpoint.");
  if (h.versionMinConsumer > kTensorBundleVersion)
    return errors::InvalidArgument(
        "Checkpoint min consumer version ", h.versionMinConsumer,
        " above current version ", kTensorBundleVersion,
        " for Kiln. Please upgrade Kiln.");
  for (int32_t bad : h.badConsumers)
    if (bad == kTensorBundleVersion)
      return errors::InvalidArgument("Checkpoint disallows consumer version ",
                                     bad, ". Please upgrade Kiln.");
  if (h.numShards < 0)
    return errors::DataLoss("Bad num_shards ", h.numShards, " in ",
                            bundleIndexFilename(prefix));
  return r;
}

bool BundleReader::contains(const std::string &key) const {
  return rawEntries_.count(key) != 0;
}

StatusOr<BundleEntry> BundleReader::entry(const std::string &key) const {
  auto it = rawEntries_.find(key);
  if (it == rawEntries_.end())
    return errors::NotFound("Key ", key, " not found in checkpoint");
  auto e = BundleEntry::decode(it->second);
  if (!e.ok())
    return e.status().withPrefix("Entry for key " + key + ": ");
  return e;
}

StatusOr<const RandomAccessFile *> BundleReader::dataFile(int shard) {
  auto it = dataFiles_.find(shard);
  if (it != dataFiles_.end())
    return it->second.get();
  if (shard < 0 || shard >= header_.numShards)
    return errors::DataLoss("Bad shard id ", shard, " (num_shards ",
                            header_.numShards, ") in ",
                            bundleIndexFilename(prefix_));
  auto f = RandomAccessFile::open(
      bundleDataFilename(prefix_, shard, header_.numShards));
  if (!f.ok())
    return f.status();
  auto owned = std::make_unique<RandomAccessFile>(std::move(*f));
  const RandomAccessFile *p = owned.get();
  dataFiles_.emplace(shard, std::move(owned));
  return p;
}

/// Reads `n` bytes at `offset` into `dst` and returns their CRC32C. Small
/// reads checksum each cache-sized piece right after reading it. Large ones
/// go through ChunkCrc: a helper thread checksums the chunks read so far,
/// and when it falls behind this thread checksums the chunk it has just
/// read, while it is in cache. A restore then takes about as long as the
/// read alone when a core is free, and read + checksum at worst.
static Status readWithCrc(const RandomAccessFile &f, uint64_t offset,
                          uint64_t n, char *dst, uint32_t *crc) {
  constexpr uint64_t kPipelineMin = 8 << 20;
  if (n < kPipelineMin) {
    constexpr size_t kPiece = ChunkCrc::kChunk;
    for (uint64_t done = 0; done < n;) {
      size_t len = static_cast<size_t>(std::min<uint64_t>(kPiece, n - done));
      KILN_RETURN_IF_ERROR(f.read(offset + done, len, dst + done));
      *crc = crc32c::extend(*crc, dst + done, len);
      done += len;
    }
    return Status::OK();
  }
  ChunkCrc chunks(dst, n, /*lookahead=*/0);
  for (uint64_t k = 0; k < chunks.numChunks(); ++k) {
    KILN_RETURN_IF_ERROR(f.read(offset + k * ChunkCrc::kChunk,
                                chunks.chunkSize(k),
                                dst + k * ChunkCrc::kChunk));
    chunks.chunkDone(k);
  }
  *crc = chunks.finish(*crc);
  return Status::OK();
}

static Status checksumError(const std::string &key, uint32_t stored,
                            uint32_t actual) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%08u", stored);
  return errors::DataLoss("Checksum does not match for tensor ", key,
                          ": stored ", buf,
                          " vs. calculated on the restored bytes ", actual);
}

Status BundleReader::readEntry(const std::string &key, const BundleEntry &e,
                               Tensor *out) {
  if (!e.slices.empty())
    return errors::Unimplemented(
        "Tensor ", key, " is stored as ", e.slices.size(),
        " partitioned slices; restoring partitioned variables is unsupported");
  if (!isValidDType(e.dtype))
    return errors::DataLoss("Entry for key ", key, " has invalid dtype ",
                            e.dtype);
  if (e.unknownRank || std::any_of(e.shape.begin(), e.shape.end(),
                                   [](int64_t d) { return d < 0; }))
    return errors::DataLoss("Entry for key ", key,
                            " has a shape that is not fully defined");
  DType dtype = static_cast<DType>(e.dtype);
  TensorShape shape = e.tensorShape();
  // Nothing is allocated before the entry's size has been checked against
  // its shape, so a corrupt shape cannot claim terabytes.
  int64_t n = 1;
  for (int64_t d : shape.dims())
    if (__builtin_mul_overflow(n, d, &n))
      return errors::DataLoss("Entry for key ", key, " has shape ",
                              shape.toString(),
                              ", which has too many elements");
  auto file = dataFile(e.shardId);
  if (!file.ok())
    return file.status();
  const RandomAccessFile *f = *file;
  if (e.offset < 0 || e.size < 0 ||
      static_cast<uint64_t>(e.offset) + static_cast<uint64_t>(e.size) >
          f->size())
    return errors::DataLoss("Data for tensor ", key, " (offset ", e.offset,
                            ", size ", e.size, ") lies past the end of ",
                            f->path(), " (", f->size(), " bytes)");
  auto reuse = [&] {
    return out->isValid() && out->dtype() == dtype && out->shape() == shape &&
           out->raw();
  };
  uint32_t stored = crc32c::unmask(e.crc32c);
  uint32_t crc = 0;
  Tensor t;
  if (dtype == DType::kString) {
    // Each element's length takes at least one byte.
    if (static_cast<uint64_t>(n) > static_cast<uint64_t>(e.size))
      return errors::DataLoss("Bad string lengths for tensor ", key);
    t = reuse() ? *out : Tensor(dtype, shape);
    std::string buf(static_cast<size_t>(e.size), '\0');
    KILN_RETURN_IF_ERROR(f->read(e.offset, buf.size(), buf.data()));
    std::string_view in = buf;
    std::vector<uint64_t> lengths(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      if (!wire::getVarint64(in, &lengths[i]))
        return errors::DataLoss("Bad string lengths for tensor ", key);
      crc = extendCrcWithStringLength(crc, lengths[i]);
    }
    if (in.size() < 4)
      return errors::DataLoss("Bad string lengths for tensor ", key);
    uint32_t lengthCrc = wire::getFixed32(in.data());
    if (crc32c::unmask(lengthCrc) != crc)
      return checksumError(key, crc32c::unmask(lengthCrc), crc);
    crc = crc32c::extend(crc, in.data(), 4);
    in.remove_prefix(4);
    // The entry CRC continues over all string bytes, which follow here.
    uint64_t stringBytes = 0;
    for (uint64_t len : lengths) {
      if (len > in.size() - stringBytes) // the sum could wrap around
        return errors::DataLoss("String data of tensor ", key,
                                " is shorter than its lengths say");
      stringBytes += len;
    }
    crc = crc32c::extend(crc, in.data(), static_cast<size_t>(stringBytes));
    std::string *strs = t.data<std::string>();
    for (int64_t i = 0; i < n; ++i) {
      strs[i].assign(in.data(), lengths[i]);
      in.remove_prefix(lengths[i]);
    }
  } else if (isPodDType(dtype)) {
    uint64_t want;
    if (__builtin_mul_overflow(static_cast<uint64_t>(n), dtypeSize(dtype),
                               &want))
      want = UINT64_MAX;
    if (want != static_cast<uint64_t>(e.size))
      return errors::DataLoss("Tensor ", key, " of dtype ", dtypeName(dtype),
                              " and shape ", shape.toString(), " needs ", want,
                              " bytes but its entry records ", e.size);
    t = reuse() ? *out : Tensor(dtype, shape);
    KILN_RETURN_IF_ERROR(readWithCrc(*f, static_cast<uint64_t>(e.offset), want,
                                     static_cast<char *>(t.raw()), &crc));
  } else {
    return errors::DataLoss("Tensor ", key, " has dtype ", dtypeName(dtype),
                            ", which checkpoints cannot hold");
  }
  if (crc != stored)
    return checksumError(key, stored, crc);
  *out = std::move(t);
  return Status::OK();
}

Status BundleReader::lookup(const std::string &key, Tensor *out) {
  auto e = entry(key);
  if (!e.ok())
    return e.status();
  return readEntry(key, *e, out);
}

Status BundleReader::verifyAll() {
  for (const std::string &key : keys_) {
    Tensor t;
    KILN_RETURN_IF_ERROR(lookup(key, &t));
  }
  return Status::OK();
}

} // namespace kiln
