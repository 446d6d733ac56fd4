//===- Saver.h - tf.train.Saver semantics over tensor bundles ---*- C++ -*-===//
//
// What tf.train.Saver does around SaveV2/RestoreV2, for a caller-provided
// list of named variables: `prefix-<step>` naming, max_to_keep rotation
// (deleting `.index`, `.data-*` and `.meta`), keep_checkpoint_every_n_hours,
// the `checkpoint` state file, the `.meta` beside each save, and restore by
// name with dtype/shape checks. Variables not given to the Saver are neither
// saved nor restored (S1: variables created after the Saver).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_SAVER_H
#define KILN_RUNTIME_SAVER_H

#include "kiln/runtime/CheckpointFile.h"
#include "kiln/runtime/Status.h"
#include "kiln/runtime/Tensor.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kiln {

/// One saveable: the checkpoint key and the variable's live tensor. save()
/// reads `*tensor`; restore() writes it in place when dtype and shape match.
struct SaverVariable {
  std::string name;
  Tensor *tensor = nullptr;
  /// Device shard for sharded saves (SaverOptions::sharded).
  int shard = 0;
};

struct SaverOptions {
  /// 0 keeps every checkpoint and lists only the latest in the state file.
  int maxToKeep = 5;
  double keepCheckpointEveryNHours = 10000.0;
  bool padStepNumber = false;
  bool saveRelativePaths = false;
  /// One bundle per distinct SaverVariable::shard, merged as TF does.
  bool sharded = false;
  bool allowEmpty = false;
  std::string latestFilename = "checkpoint";
  std::string metaGraphSuffix = "meta";
  /// fsync files before publishing them by rename.
  bool sync = true;
  /// Seconds since the epoch; replaceable for tests of the n-hours rule.
  std::function<double()> clock;
  /// Every file operation of a save (bundle, `.meta`, state file, rotation)
  /// goes through this; null: the POSIX file system. Must outlive the Saver.
  checkpoint::FileSystem *fileSystem = nullptr;
};

class Saver {
public:
  /// InvalidArgument "No variables to save" for an empty list (unless
  /// allowEmpty), or on a duplicate name or a null tensor.
  static StatusOr<Saver> create(std::vector<SaverVariable> variables,
                                SaverOptions options = SaverOptions());

  /// Saves to `savePath-<globalStep>` (or `savePath` without a step) and
  /// returns that prefix. With `metaGraph` (serialized MetaGraphDef bytes)
  /// writes `<prefix>.meta`. With `writeState`, updates the state file and
  /// deletes the checkpoint that falls out of max_to_keep.
  ///
  /// Every file appears by an atomic rename of a complete (fsynced, with
  /// `sync`) temporary: first the data, then the index, the `.meta`, and
  /// last the state file. An I/O error returns the failing call's Status
  /// ("<file>; <strerror>") and removes what this save had written, so the
  /// previous checkpoints and the state file stay as they were; a crash at
  /// any point leaves them loadable too (plus, at worst, temporaries and a
  /// complete newer checkpoint the state file does not name yet).
  StatusOr<std::string>
  save(const std::string &savePath,
       std::optional<int64_t> globalStep = std::nullopt,
       std::optional<std::string_view> metaGraph = std::nullopt,
       bool writeState = true);

  /// Restores every variable from checkpoint `prefix`. All entries are
  /// checked before any variable is written: NotFound "Key <k> not found in
  /// checkpoint", InvalidArgument for a dtype or shape mismatch naming the
  /// variable and both dtypes/shapes, DataLoss on corrupt data.
  Status restore(const std::string &prefix);
  /// Restores only the named variables.
  Status restore(const std::string &prefix,
                 const std::vector<std::string> &names);

  /// The checkpoints still kept, oldest first.
  std::vector<std::string> lastCheckpoints() const;
  /// recover_last_checkpoints: adopts existing checkpoints (e.g. from the
  /// state file) so rotation continues across restarts; timestamps come
  /// from the files' modification times.
  void recoverLastCheckpoints(const std::vector<std::string> &paths);
  void setLastCheckpointsWithTime(
      std::vector<std::pair<std::string, double>> pathsAndTimes);

  const SaverOptions &options() const { return options_; }

private:
  Saver(std::vector<SaverVariable> variables, SaverOptions options);
  double now() const;
  Status writeBundle(const std::string &prefix);
  /// After a failed save: removes the new checkpoint's files.
  void unpublish(const std::string &prefix);
  void recordLastCheckpoint(const std::string &path);
  void maybeDeleteOldCheckpoints();

  std::vector<SaverVariable> variables_; // sorted by name, as TF sorts keys
  SaverOptions options_;
  std::vector<std::pair<std::string, double>> lastCheckpoints_;
  std::vector<std::pair<std::string, double>> toDelete_;
  double nextCheckpointTime_ = 0;
};

/// Deletes `prefix.index`, `prefix.data-?????-of-?????` and
/// `prefix.<metaSuffix>` (in this order, as TF), ignoring files that are
/// already gone. The index goes first, so an interrupted removal never
/// leaves an index without its data.
void removeCheckpoint(const std::string &prefix,
                      const std::string &metaSuffix = "meta",
                      checkpoint::FileSystem *fs = nullptr);

/// meta_graph_filename: strips a trailing `-<i>-of-<n>` shard suffix and
/// appends `.<suffix>`.
std::string metaGraphFilename(const std::string &checkpointPrefix,
                              const std::string &suffix = "meta");

} // namespace kiln

#endif // KILN_RUNTIME_SAVER_H
