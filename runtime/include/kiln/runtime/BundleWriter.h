//===- BundleWriter.h - Writes TensorFlow V2 checkpoints --------*- C++ -*-===//
//
// Writes one tensor bundle (`P.index` + `P.data-00000-of-00001`) the way TF's
// BundleWriter does, so the bytes match TF's for the same tensors added in
// the same order: tensor data is appended in add() order, index entries are
// written sorted by key, and both files are first written under
// `.tempstate<random>` names and renamed into place by finish(), the data
// file first. A crash or an I/O error before finish() renames anything
// therefore never touches an existing checkpoint, and the index (what makes
// a bundle exist) only ever appears after the complete data file.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_BUNDLEWRITER_H
#define KILN_RUNTIME_BUNDLEWRITER_H

#include "kiln/runtime/CheckpointFile.h"
#include "kiln/runtime/Status.h"
#include "kiln/runtime/Tensor.h"
#include "kiln/runtime/TensorBundle.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kiln {

class BundleWriter {
public:
  struct Options {
    /// fsync the data and index files before renaming them, so a rename
    /// never publishes a file whose contents are not yet on disk; the
    /// kernel is also asked to write the data file back while it is being
    /// written, so the fsync finds little left to do. TF does not sync;
    /// turning this off saves as TF does.
    bool sync = true;
    /// Where the files go; null: the POSIX file system.
    checkpoint::FileSystem *fileSystem = nullptr;
  };

  /// Creates dirname(prefix) when missing and opens the temporary data
  /// file; an error here is returned by every later call.
  explicit BundleWriter(std::string prefix);
  BundleWriter(std::string prefix, Options options);
  /// Removes the temporary files when finish() did not complete.
  ~BundleWriter();
  BundleWriter(const BundleWriter &) = delete;
  BundleWriter &operator=(const BundleWriter &) = delete;

  /// Appends `tensor` under `key`. The bytes are streamed from the tensor's
  /// own memory. InvalidArgument "Adding duplicate key: <key>" on reuse.
  Status add(const std::string &key, const Tensor &tensor);

  /// Writes the index, then renames the data file and the index into place.
  /// On an error nothing is left behind: the temporaries, and a data file
  /// already renamed when the index rename fails, are removed.
  Status finish();

  const Status &status() const { return status_; }
  const std::string &prefix() const { return prefix_; }

private:
  Status writeTensor(const Tensor &tensor, BundleEntry *entry);
  /// Closes and removes the temporary files (best effort).
  void discardTemporaries();

  std::string prefix_;
  Options options_;
  checkpoint::FileSystem &fs_;
  Status status_;
  std::string tmpDataPath_;
  std::string tmpIndexPath_;
  std::optional<checkpoint::WritableFile> data_;
  uint64_t offset_ = 0;
  std::map<std::string, BundleEntry> entries_;
  bool indexCreated_ = false;
  bool finished_ = false;
};

/// MergeV2Checkpoints: merges the bundles at `prefixes` (each written by one
/// BundleWriter) into `destPrefix`, renaming their data files to
/// `destPrefix.data-<i>-of-<n>` in first-seen order and deleting their
/// `.index` files; with `deleteOldDirs`, also removes their directories when
/// they differ from the destination's and are empty. File operations go
/// through `fs` (null: POSIX).
Status mergeBundles(const std::vector<std::string> &prefixes,
                    const std::string &destPrefix, bool deleteOldDirs = true,
                    checkpoint::FileSystem *fs = nullptr);

} // namespace kiln

#endif // KILN_RUNTIME_BUNDLEWRITER_H
