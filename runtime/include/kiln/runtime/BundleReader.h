//===- BundleReader.h - Reads TensorFlow V2 checkpoints ---------*- C++ -*-===//
//
// Reads a tensor bundle written by TF or by BundleWriter. Every tensor read
// is checked against the CRC32C its index entry records (DataLoss naming the
// tensor on mismatch); data shards are opened lazily, so an index can be
// listed without its data files (as `graph-ckpt list` does).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_BUNDLEREADER_H
#define KILN_RUNTIME_BUNDLEREADER_H

#include "kiln/runtime/CheckpointFile.h"
#include "kiln/runtime/Status.h"
#include "kiln/runtime/Table.h"
#include "kiln/runtime/Tensor.h"
#include "kiln/runtime/TensorBundle.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace kiln {

/// Not thread-safe: use one reader per thread.
class BundleReader {
public:
  /// Opens `prefix.index` (NotFound "<path>; No such file or directory"
  /// when missing, DataLoss when corrupt or truncated) and checks the
  /// header's version and endianness.
  static StatusOr<std::unique_ptr<BundleReader>>
  open(const std::string &prefix);

  const std::string &prefix() const { return prefix_; }
  const BundleHeader &header() const { return header_; }

  /// The tensor keys in sorted order (the header entry excluded).
  const std::vector<std::string> &keys() const { return keys_; }
  bool contains(const std::string &key) const;

  /// The index entry of `key`; NotFound "Key <key> not found in checkpoint".
  StatusOr<BundleEntry> entry(const std::string &key) const;

  /// Reads tensor `key`. When `*out` is already a tensor of the stored dtype
  /// and shape, the data is read into its buffer (no allocation); otherwise
  /// a new tensor is allocated. DataLoss on a CRC mismatch or short data.
  Status lookup(const std::string &key, Tensor *out);

  /// Reads and checks the CRC of every tensor; returns the first failure.
  Status verifyAll();

private:
  explicit BundleReader(std::string prefix) : prefix_(std::move(prefix)) {}
  Status readEntry(const std::string &key, const BundleEntry &entry,
                   Tensor *out);
  StatusOr<const checkpoint::RandomAccessFile *> dataFile(int shard);

  std::string prefix_;
  std::unique_ptr<checkpoint::RandomAccessFile> indexFile_;
  std::unique_ptr<table::Table> table_;
  BundleHeader header_;
  std::vector<std::string> keys_;
  std::map<std::string, std::string> rawEntries_;
  std::map<int, std::unique_ptr<checkpoint::RandomAccessFile>> dataFiles_;
};

} // namespace kiln

#endif // KILN_RUNTIME_BUNDLEREADER_H
