//===- CheckpointState.h - The `checkpoint` state file ----------*- C++ -*-===//
//
// The small text file (a text-format CheckpointState proto) that tells
// tf.train.latest_checkpoint which checkpoint is newest. Written atomically
// (temporary file + rename) with TF's relative/absolute path rules, so TF and
// Kiln can share checkpoint directories.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_CHECKPOINTSTATE_H
#define KILN_RUNTIME_CHECKPOINTSTATE_H

#include "kiln/runtime/CheckpointFile.h"
#include "kiln/runtime/Status.h"

#include <optional>
#include <string>
#include <vector>

namespace kiln {

/// CheckpointState (python/training/checkpoint_state.proto).
struct CheckpointState {
  std::string modelCheckpointPath;
  std::vector<std::string> allModelCheckpointPaths;
  std::vector<double> allModelCheckpointTimestamps;
  double lastPreservedTimestamp = 0;

  /// text_format.MessageToString: one `field: value` per line.
  std::string toText() const;
  /// text_format.Merge; InvalidArgument on a parse error.
  static StatusOr<CheckpointState> parseText(const std::string &text);
};

/// os.path.join(saveDir, latestFilename).
std::string
checkpointStateFilename(const std::string &saveDir,
                        const std::string &latestFilename = "checkpoint");

/// generate_checkpoint_state_proto: appends modelCheckpointPath to the list
/// unless it is already last, and makes relative paths relative to saveDir
/// when saveDir itself is relative.
CheckpointState
generateCheckpointState(const std::string &saveDir,
                        std::string modelCheckpointPath,
                        std::vector<std::string> allModelCheckpointPaths);

/// update_checkpoint_state_internal: writes the state file atomically
/// (temporary, fsync, rename, through `fs`; null: POSIX). With
/// saveRelativePaths, absolute paths are stored relative to saveDir.
Status updateCheckpointState(const std::string &saveDir,
                             const std::string &modelCheckpointPath,
                             const std::vector<std::string> &allPaths,
                             const std::string &latestFilename = "checkpoint",
                             bool saveRelativePaths = false,
                             checkpoint::FileSystem *fs = nullptr);

/// get_checkpoint_state: nullopt when the file is absent, unreadable or does
/// not parse; InvalidArgument "Invalid checkpoint state loaded from <dir>"
/// when model_checkpoint_path is empty. Relative paths come back joined to
/// `checkpointDir`.
StatusOr<std::optional<CheckpointState>>
getCheckpointState(const std::string &checkpointDir,
                   const std::string &latestFilename = "checkpoint");

/// latest_checkpoint: the newest prefix if its `.index` exists (or a V1
/// file of that name), otherwise nullopt.
std::optional<std::string>
latestCheckpoint(const std::string &checkpointDir,
                 const std::string &latestFilename = "checkpoint");

/// checkpoint_exists: whether `prefix.index` or `prefix` exists.
bool checkpointExists(const std::string &prefix);

} // namespace kiln

#endif // KILN_RUNTIME_CHECKPOINTSTATE_H
