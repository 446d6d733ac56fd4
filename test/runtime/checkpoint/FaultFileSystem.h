//===- FaultFileSystem.h - A FileSystem that fails or crashes on cue -*- C++
//-*-===//
//
// Wraps the POSIX file system for the fault-injection tests: logs every
// call a save makes (create, write, sync, close, rename, delete, mkdir,
// rmdir), and can make the call at one step fail with an errno, as the
// kernel would, or "crash" there: that call and every later one do nothing
// and fail, so no cleanup runs, as when the process dies at that point.
// powerLoss() additionally drops what was written but not fsynced. Durability
// is modelled, not real: sync() records what a power loss would keep and
// does not wait for the disk, so hundreds of saves stay fast.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TEST_FAULTFILESYSTEM_H
#define KILN_TEST_FAULTFILESYSTEM_H

#include "kiln/runtime/CheckpointFile.h"
#include "kiln/runtime/Errno.h"

#include <map>
#include <mutex>
#include <string>
#include <unistd.h>
#include <vector>

namespace kiln {
namespace testing {

class FaultFileSystem : public checkpoint::FileSystem {
public:
  enum class Op {
    kCreate,
    kWrite,
    kSync,
    kClose,
    kRename,
    kDelete,
    kCreateDir,
    kDeleteDir
  };
  struct Call {
    Op op;
    std::string path;
    std::string to; // renames
  };

  /// The call at `step` (0-based, over all calls) fails with `err`; a write
  /// first writes half its bytes (a short write, then the error).
  void failAt(size_t step, int err) {
    failStep_ = step;
    failErrno_ = err;
  }
  /// The process "dies" at the call at `step`: it and all later calls do
  /// nothing and return Aborted. With `tornWrite`, a write there first
  /// writes half its bytes.
  void crashAt(size_t step, bool tornWrite) {
    crashStep_ = step;
    tornWrite_ = tornWrite;
  }
  /// No more faults from now on (calls still logged).
  void heal() {
    failStep_ = kNever;
    crashStep_ = kNever;
  }

  std::vector<Call> calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  bool crashed() const {
    std::lock_guard<std::mutex> lock(mu_);
    return crashed_;
  }

  /// After a crash: every file written through this file system loses what
  /// was not fsynced (it is cut back to its synced length), as after a power
  /// failure. Renames and deletes that happened before the crash stay.
  void powerLoss() {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto &[path, f] : files_)
      if (checkpoint::fileExists(path))
        (void)::truncate(path.c_str(), static_cast<off_t>(f.synced));
  }

  StatusOr<std::unique_ptr<checkpoint::OutputFile>>
  createFile(const std::string &path) override {
    Decision d = enter(Op::kCreate, path);
    if (!d.status.ok())
      return d.status;
    auto inner = posix().createFile(path);
    if (!inner.ok())
      return inner.status();
    {
      std::lock_guard<std::mutex> lock(mu_);
      files_[path] = Tracked();
    }
    return std::unique_ptr<checkpoint::OutputFile>(
        new File(this, std::move(*inner)));
  }

  Status renameFile(const std::string &from, const std::string &to) override {
    Decision d = enter(Op::kRename, from, to);
    if (!d.status.ok())
      return d.status;
    Status s = posix().renameFile(from, to);
    if (s.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = files_.find(from);
      if (it != files_.end()) {
        files_[to] = it->second;
        files_.erase(from);
      } else {
        files_.erase(to); // replaced by a file written before: durable
      }
    }
    return s;
  }

  Status deleteFile(const std::string &path) override {
    Decision d = enter(Op::kDelete, path);
    if (!d.status.ok())
      return d.status;
    Status s = posix().deleteFile(path);
    std::lock_guard<std::mutex> lock(mu_);
    files_.erase(path);
    return s;
  }

  Status createDir(const std::string &path) override {
    Decision d = enter(Op::kCreateDir, path);
    return d.status.ok() ? posix().createDir(path) : d.status;
  }

  Status deleteDir(const std::string &path) override {
    Decision d = enter(Op::kDeleteDir, path);
    return d.status.ok() ? posix().deleteDir(path) : d.status;
  }

private:
  static constexpr size_t kNever = ~size_t(0);

  struct Tracked {
    uint64_t written = 0;
    uint64_t synced = 0;
  };

  struct Decision {
    Status status;     // OK: go ahead
    bool half = false; // a write: write half first anyway
  };

  static checkpoint::FileSystem &posix() {
    return checkpoint::FileSystem::posix();
  }

  Decision enter(Op op, const std::string &path, const std::string &to = "") {
    std::lock_guard<std::mutex> lock(mu_);
    size_t step = calls_.size();
    calls_.push_back({op, path, to});
    Decision d;
    if (step == crashStep_) {
      crashed_ = true;
      d.half = op == Op::kWrite && tornWrite_;
    }
    if (crashed_) {
      d.status = errors::Aborted("injected crash at ", path);
    } else if (step == failStep_) {
      d.status = errors::IOError(path, failErrno_);
      d.half = op == Op::kWrite;
    }
    return d;
  }

  void wrote(const std::string &path, uint64_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    files_[path].written += n;
  }
  void synced(const std::string &path) {
    std::lock_guard<std::mutex> lock(mu_);
    files_[path].synced = files_[path].written;
  }

  class File : public checkpoint::OutputFile {
  public:
    File(FaultFileSystem *fs, std::unique_ptr<checkpoint::OutputFile> inner)
        : fs_(fs), inner_(std::move(inner)) {}

    Status write(std::string_view data) override {
      Decision d = fs_->enter(Op::kWrite, path());
      if (d.half) {
        std::string_view half = data.substr(0, data.size() / 2);
        if (inner_->write(half).ok())
          fs_->wrote(path(), half.size());
      }
      if (!d.status.ok())
        return d.status;
      Status s = inner_->write(data);
      if (s.ok())
        fs_->wrote(path(), data.size());
      return s;
    }
    Status sync() override {
      Decision d = fs_->enter(Op::kSync, path());
      if (!d.status.ok())
        return d.status;
      fs_->synced(path());
      return Status::OK();
    }
    Status close() override {
      Decision d = fs_->enter(Op::kClose, path());
      // The descriptor goes either way (a dead process's are closed too).
      Status s = inner_->close();
      return d.status.ok() ? s : d.status;
    }
    // No head start for the disk either: nothing here waits for it.
    void startWriteback(uint64_t, uint64_t) override {}
    const std::string &path() const override { return inner_->path(); }

  private:
    FaultFileSystem *fs_;
    std::unique_ptr<checkpoint::OutputFile> inner_;
  };

  mutable std::mutex mu_;
  std::vector<Call> calls_;
  std::map<std::string, Tracked> files_;
  size_t failStep_ = kNever;
  int failErrno_ = 0;
  size_t crashStep_ = kNever;
  bool tornWrite_ = false;
  bool crashed_ = false;
};

inline const char *opName(FaultFileSystem::Op op) {
  switch (op) {
  case FaultFileSystem::Op::kCreate:
    return "create";
  case FaultFileSystem::Op::kWrite:
    return "write";
  case FaultFileSystem::Op::kSync:
    return "fsync";
  case FaultFileSystem::Op::kClose:
    return "close";
  case FaultFileSystem::Op::kRename:
    return "rename";
  case FaultFileSystem::Op::kDelete:
    return "unlink";
  case FaultFileSystem::Op::kCreateDir:
    return "mkdir";
  case FaultFileSystem::Op::kDeleteDir:
    return "rmdir";
  }
  return "?";
}

} // namespace testing
} // namespace kiln

#endif // KILN_TEST_FAULTFILESYSTEM_H
