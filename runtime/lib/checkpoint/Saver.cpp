//===- Saver.cpp - tf.train.Saver semantics over tensor bundles -----------===//
#include "kiln/runtime/Saver.h"

#include "kiln/runtime/BundleReader.h"
#include "kiln/runtime/BundleWriter.h"
#include "kiln/runtime/CheckpointFile.h"
#include "kiln/runtime/CheckpointState.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <regex>
#include <set>
#include <sys/stat.h>

namespace kiln {

using namespace checkpoint;

std::string metaGraphFilename(const std::string &checkpointPrefix,
                              const std::string &suffix) {
  static const std::regex kShardSuffix(R"(-[\d\?]+-of-\d+$)");
  return std::regex_replace(checkpointPrefix, kShardSuffix, "") + "." + suffix;
}

void removeCheckpoint(const std::string &prefix, const std::string &metaSuffix,
                      FileSystem *fileSystem) {
  // Errors are only worth a log line in TF; a file already gone is fine.
  FileSystem &fs = fileSystemOr(fileSystem);
  // TF's order: the index (what makes the checkpoint exist) first.
  (void)fs.deleteFile(bundleIndexFilename(prefix));
  for (const std::string &p : glob(prefix + ".data-\?\?\?\?\?-of-\?\?\?\?\?"))
    (void)fs.deleteFile(p);
  (void)fs.deleteFile(metaGraphFilename(prefix, metaSuffix));
}

Saver::Saver(std::vector<SaverVariable> variables, SaverOptions options)
    : variables_(std::move(variables)), options_(std::move(options)) {
  nextCheckpointTime_ = now() + options_.keepCheckpointEveryNHours * 3600;
}

StatusOr<Saver> Saver::create(std::vector<SaverVariable> variables,
                              SaverOptions options) {
  if (variables.empty() && !options.allowEmpty)
    return errors::InvalidArgument("No variables to save");
  std::sort(variables.begin(), variables.end(),
            [](const SaverVariable &a, const SaverVariable &b) {
              return a.name < b.name;
            });
  for (size_t i = 0; i < variables.size(); ++i) {
    if (!variables[i].tensor)
      return errors::InvalidArgument("Variable ", variables[i].name,
                                     " has no tensor");
    if (variables[i].name.empty())
      return errors::InvalidArgument("A variable to save has an empty name");
    if (i > 0 && variables[i].name == variables[i - 1].name)
      return errors::InvalidArgument(
          "At least two variables have the same name: ", variables[i].name);
  }
  if (options.maxToKeep < 0)
    options.maxToKeep = 0;
  return Saver(std::move(variables), std::move(options));
}

double Saver::now() const {
  if (options_.clock)
    return options_.clock();
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

Status Saver::writeBundle(const std::string &prefix) {
  BundleWriter::Options wopts;
  wopts.sync = options_.sync;
  wopts.fileSystem = options_.fileSystem;
  if (!options_.sharded) {
    BundleWriter writer(prefix, wopts);
    for (const SaverVariable &v : variables_)
      KILN_RETURN_IF_ERROR(writer.add(v.name, *v.tensor));
    return writer.finish();
  }
  // _AddShardedSaveOpsForV2: each device shard saves to
  // `<P>_temp_<uuid>/part-<i>-of-<n>`, then MergeV2Checkpoints folds them
  // into P and removes the temporary directory.
  std::map<int, std::vector<const SaverVariable *>> byShard;
  for (const SaverVariable &v : variables_)
    byShard[v.shard].push_back(&v);
  char uuid[33];
  std::snprintf(uuid, sizeof(uuid), "%016llx%016llx",
                static_cast<unsigned long long>(randomU64()),
                static_cast<unsigned long long>(randomU64()));
  std::string tmpBase = prefix + "_temp_" + uuid + "/part";
  int numShards = static_cast<int>(byShard.size());
  std::vector<std::string> shardPrefixes;
  Status s;
  int i = 0;
  for (auto &[shard, vars] : byShard) {
    char suffix[32];
    std::snprintf(suffix, sizeof(suffix), "-%05d-of-%05d", i++, numShards);
    std::string shardPrefix = tmpBase + suffix;
    BundleWriter writer(shardPrefix, wopts);
    for (const SaverVariable *v : vars) {
      s = writer.add(v->name, *v->tensor);
      if (!s.ok())
        break;
    }
    if (s.ok())
      s = writer.finish();
    if (!s.ok())
      break;
    shardPrefixes.push_back(shardPrefix);
  }
  if (s.ok())
    s = mergeBundles(shardPrefixes, prefix, /*deleteOldDirs=*/true,
                     options_.fileSystem);
  if (!s.ok()) {
    // The shards written so far and their directory (if created) go.
    for (const std::string &p : shardPrefixes)
      removeCheckpoint(p, options_.metaGraphSuffix, options_.fileSystem);
    if (isDirectory(dirname(tmpBase)))
      (void)fileSystemOr(options_.fileSystem).deleteDir(dirname(tmpBase));
  }
  return s;
}

void Saver::unpublish(const std::string &prefix) {
  // Unless an earlier save of the same prefix is still listed (its files
  // were just replaced; removing them would only make matters worse).
  for (const auto &p : lastCheckpoints_)
    if (p.first == prefix)
      return;
  removeCheckpoint(prefix, options_.metaGraphSuffix, options_.fileSystem);
}

void Saver::recordLastCheckpoint(const std::string &path) {
  if (options_.maxToKeep == 0)
    return;
  lastCheckpoints_.erase(
      std::remove_if(lastCheckpoints_.begin(), lastCheckpoints_.end(),
                     [&](const auto &p) { return p.first == path; }),
      lastCheckpoints_.end());
  lastCheckpoints_.emplace_back(path, now());
  if (static_cast<int>(lastCheckpoints_.size()) > options_.maxToKeep) {
    toDelete_.push_back(lastCheckpoints_.front());
    lastCheckpoints_.erase(lastCheckpoints_.begin());
  }
}

void Saver::maybeDeleteOldCheckpoints() {
  // One entry per save, as TF: an entry older than the n-hours mark is
  // deleted; the first one past it is kept for good and moves the mark.
  if (toDelete_.empty())
    return;
  auto [path, time] = toDelete_.front();
  toDelete_.erase(toDelete_.begin());
  if (time > nextCheckpointTime_) {
    nextCheckpointTime_ += options_.keepCheckpointEveryNHours * 3600;
    return;
  }
  removeCheckpoint(path, options_.metaGraphSuffix, options_.fileSystem);
}

StatusOr<std::string> Saver::save(const std::string &savePath,
                                  std::optional<int64_t> globalStep,
                                  std::optional<std::string_view> metaGraph,
                                  bool writeState) {
  if (options_.latestFilename.find('/') != std::string::npos)
    return errors::InvalidArgument(
        "'latest_filename' must not contain path components");
  std::string saveDir = dirname(savePath);
  if (!options_.sharded && basename(savePath) == options_.latestFilename)
    return errors::InvalidArgument(
        "'latest_filename' collides with 'save_path': '",
        options_.latestFilename, "' and '", savePath, "'");
  std::string prefix = savePath;
  if (globalStep) {
    char buf[32];
    std::snprintf(buf, sizeof(buf),
                  options_.padStepNumber ? "-%08lld" : "-%lld",
                  static_cast<long long>(*globalStep));
    prefix += buf;
  }
  KILN_RETURN_IF_ERROR(writeBundle(prefix));
  // The .meta goes down before the state file names the checkpoint, so the
  // newest checkpoint in the state file always has its graph beside it.
  if (metaGraph) {
    Status s = writeStringToFileAtomic(
        metaGraphFilename(prefix, options_.metaGraphSuffix), *metaGraph,
        options_.fileSystem);
    if (!s.ok()) {
      unpublish(prefix);
      return s;
    }
  }
  if (writeState) {
    auto before = lastCheckpoints_;
    auto deleteBefore = toDelete_;
    recordLastCheckpoint(prefix);
    Status s = updateCheckpointState(
        saveDir, prefix, lastCheckpoints(), options_.latestFilename,
        options_.saveRelativePaths, options_.fileSystem);
    if (!s.ok()) {
      // The state file still names the previous checkpoints: forget this
      // one, as if the save had not happened.
      lastCheckpoints_ = std::move(before);
      toDelete_ = std::move(deleteBefore);
      unpublish(prefix);
      return s;
    }
    maybeDeleteOldCheckpoints();
  }
  return prefix;
}

Status Saver::restore(const std::string &prefix) {
  std::vector<std::string> names;
  for (const SaverVariable &v : variables_)
    names.push_back(v.name);
  return restore(prefix, names);
}

Status Saver::restore(const std::string &prefix,
                      const std::vector<std::string> &names) {
  if (prefix.empty())
    return errors::InvalidArgument("Can't load save_path when it is None.");
  if (!checkpointExists(prefix))
    return errors::InvalidArgument(
        "The passed save_path is not a valid checkpoint: ", prefix);
  auto reader = BundleReader::open(prefix);
  if (!reader.ok())
    return reader.status();
  std::vector<const SaverVariable *> targets;
  std::set<std::string> wanted(names.begin(), names.end());
  for (const SaverVariable &v : variables_)
    if (wanted.erase(v.name))
      targets.push_back(&v);
  if (!wanted.empty())
    return errors::InvalidArgument("Saver has no variable named ",
                                   *wanted.begin());
  // Check every entry first (sorted-name order, as RestoreV2), so a bad
  // checkpoint leaves all variables untouched.
  for (const SaverVariable *v : targets) {
    auto entry = (*reader)->entry(v->name);
    if (!entry.ok())
      return entry.status();
    if (entry->dtype != static_cast<int32_t>(v->tensor->dtype()))
      return errors::InvalidArgument(
          "tensor_name = ", v->name, "; expected dtype ",
          dtypeName(v->tensor->dtype()), " does not equal original dtype ",
          dtypeNameFromEnum(entry->dtype));
    if (entry->tensorShape() != v->tensor->shape())
      return errors::InvalidArgument(
          "Restoring variable ", v->name,
          ": Assign requires shapes of both tensors to match. lhs shape= ",
          v->tensor->shape().toString(),
          " rhs shape= ", entry->tensorShape().toString());
  }
  for (const SaverVariable *v : targets)
    KILN_RETURN_IF_ERROR((*reader)->lookup(v->name, v->tensor));
  return Status::OK();
}

std::vector<std::string> Saver::lastCheckpoints() const {
  std::vector<std::string> out;
  for (const auto &p : lastCheckpoints_)
    out.push_back(p.first);
  return out;
}

void Saver::setLastCheckpointsWithTime(
    std::vector<std::pair<std::string, double>> pathsAndTimes) {
  lastCheckpoints_ = std::move(pathsAndTimes);
}

void Saver::recoverLastCheckpoints(const std::vector<std::string> &paths) {
  std::vector<std::pair<std::string, double>> withTimes;
  for (const std::string &p : paths) {
    struct stat st;
    std::string file = bundleIndexFilename(p);
    if (::stat(file.c_str(), &st) != 0 && ::stat(p.c_str(), &st) != 0)
      continue; // get_checkpoint_mtimes skips missing checkpoints
    withTimes.emplace_back(p, static_cast<double>(st.st_mtim.tv_sec) +
                                  st.st_mtim.tv_nsec * 1e-9);
  }
  setLastCheckpointsWithTime(std::move(withTimes));
}

} // namespace kiln
