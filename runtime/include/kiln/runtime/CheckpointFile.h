//===- CheckpointFile.h - POSIX file access for checkpoints -----*- C++ -*-===//
//
// The few file-system operations checkpoints need, with errors in
// TensorFlow's POSIX wording ("<path>; No such file or directory"). Writes go
// through a buffer, but large appends bypass it so multi-gigabyte tensors are
// streamed to the kernel without an intermediate copy.
//
// Everything a save does to the file system (create, write, fsync, close,
// rename, unlink, mkdir, rmdir) goes through a FileSystem, one virtual call
// per system call. The POSIX one is the default everywhere; tests pass
// another to inject I/O errors or crashes at any step of a save.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_CHECKPOINTFILE_H
#define KILN_RUNTIME_CHECKPOINTFILE_H

#include "kiln/runtime/Status.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kiln {
namespace checkpoint {

/// A file open for writing, unbuffered: each call is one system call (a
/// write the kernel shortens is continued until done). Used from one thread
/// at a time.
class OutputFile {
public:
  virtual ~OutputFile() = default;
  /// write(2) all of `data` at the end of the file.
  virtual Status write(std::string_view data) = 0;
  /// fdatasync(2).
  virtual Status sync() = 0;
  /// close(2). The destructor closes a file that was not closed.
  virtual Status close() = 0;
  /// Asks the kernel to start writing [offset, offset + length) to disk
  /// without waiting for it (sync_file_range), so a later sync() finds less
  /// to do. A hint: it cannot fail and never replaces sync().
  virtual void startWriteback(uint64_t offset, uint64_t length) {
    (void)offset;
    (void)length;
  }
  virtual const std::string &path() const = 0;
};

/// The file-system calls of a checkpoint save and of the `checkpoint` state
/// file update. Implementations must be safe to call from several threads.
class FileSystem {
public:
  virtual ~FileSystem() = default;
  /// open(2) with O_CREAT | O_TRUNC.
  virtual StatusOr<std::unique_ptr<OutputFile>>
  createFile(const std::string &path) = 0;
  /// rename(2): atomically replaces `to`.
  virtual Status renameFile(const std::string &from, const std::string &to) = 0;
  /// unlink(2).
  virtual Status deleteFile(const std::string &path) = 0;
  /// mkdir(2) of one directory; AlreadyExists when it exists.
  virtual Status createDir(const std::string &path) = 0;
  /// rmdir(2): fails unless the directory is empty.
  virtual Status deleteDir(const std::string &path) = 0;

  /// The POSIX file system (a process-wide instance).
  static FileSystem &posix();
};

/// `fs`, or the POSIX file system when null.
inline FileSystem &fileSystemOr(FileSystem *fs) {
  return fs ? *fs : FileSystem::posix();
}

/// An append-only, buffered file over an OutputFile. Not thread-safe.
class WritableFile {
public:
  /// Creates or truncates `path`.
  static StatusOr<WritableFile> create(const std::string &path,
                                       size_t bufferSize = 8 << 20);
  static StatusOr<WritableFile> create(FileSystem &fs, const std::string &path,
                                       size_t bufferSize = 8 << 20);
  WritableFile(WritableFile &&o) noexcept;
  WritableFile &operator=(WritableFile &&o) noexcept;
  WritableFile(const WritableFile &) = delete;
  ~WritableFile();

  Status append(std::string_view data);
  /// Writes `data` straight from the caller's memory (after what is
  /// buffered), for large payloads that would only be copied by buffering.
  Status appendDirect(std::string_view data);
  Status flush();
  /// Flushes and fsyncs, so a later rename publishes complete contents even
  /// after a power loss.
  Status sync();
  Status close();
  /// From now on, start the kernel's writeback (OutputFile::startWriteback)
  /// of every further `bytes` written, for a file that will be synced:
  /// the disk then works while the rest is still being written. 0: never.
  void setWritebackInterval(uint64_t bytes) { writebackInterval_ = bytes; }
  /// Bytes appended so far.
  uint64_t size() const { return size_; }
  const std::string &path() const { return path_; }

private:
  WritableFile(std::unique_ptr<OutputFile> file, size_t bufferSize);
  Status writeAll(const char *p, size_t n);

  std::unique_ptr<OutputFile> file_; // null once closed
  std::string path_;
  std::string buffer_;
  size_t bufferSize_ = 0;
  uint64_t size_ = 0;
  uint64_t written_ = 0;        // bytes handed to file_
  uint64_t writebackStart_ = 0; // first byte no writeback was started for
  uint64_t writebackInterval_ = 0;
};

/// A file read with positioned reads (pread), safe to share across threads.
class RandomAccessFile {
public:
  static StatusOr<RandomAccessFile> open(const std::string &path);
  RandomAccessFile(RandomAccessFile &&o) noexcept;
  RandomAccessFile &operator=(RandomAccessFile &&o) noexcept;
  RandomAccessFile(const RandomAccessFile &) = delete;
  ~RandomAccessFile();

  /// Reads exactly `n` bytes at `offset` into `dst`; OutOfRange when the
  /// file ends first.
  Status read(uint64_t offset, size_t n, char *dst) const;
  uint64_t size() const { return size_; }
  const std::string &path() const { return path_; }

private:
  RandomAccessFile(int fd, std::string path, uint64_t size)
      : fd_(fd), path_(std::move(path)), size_(size) {}
  int fd_ = -1;
  std::string path_;
  uint64_t size_ = 0;
};

bool fileExists(const std::string &path);
bool isDirectory(const std::string &path);
Status readFileToString(const std::string &path, std::string *out);
/// Writes `path` atomically: a temporary beside it, fsync, then rename. The
/// temporary is removed when any step fails.
Status writeStringToFileAtomic(const std::string &path, std::string_view data,
                               FileSystem *fs = nullptr);
Status renameFile(const std::string &from, const std::string &to);
Status deleteFile(const std::string &path);
/// Removes an empty directory (fails otherwise, like TF's DeleteDir).
Status deleteDir(const std::string &path);
/// mkdir -p; only the missing directories are created, through `fs`.
Status createDirs(const std::string &path, FileSystem *fs = nullptr);
/// Names (not paths) of the entries of `dir`, sorted.
StatusOr<std::vector<std::string>> listDir(const std::string &dir);
/// Paths matching a glob pattern (`?`, `*`, `[...]`), sorted.
std::vector<std::string> glob(const std::string &pattern);

/// os.path semantics.
std::string dirname(const std::string &path);
std::string basename(const std::string &path);
std::string joinPath(const std::string &a, const std::string &b);
bool isAbsolute(const std::string &path);
/// os.path.relpath(path, start) for already-normalised inputs.
std::string relativePath(const std::string &path, const std::string &start);

/// A random 64-bit value for temporary-file suffixes.
uint64_t randomU64();

} // namespace checkpoint
} // namespace kiln

#endif // KILN_RUNTIME_CHECKPOINTFILE_H
