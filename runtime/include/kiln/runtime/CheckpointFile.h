//===- CheckpointFile.h - POSIX file access for checkpoints -----*- C++ -*-===//
//
// The few file-system operations checkpoints need, with errors in
// TensorFlow's POSIX wording ("<path>; No such file or directory"). Writes go
// through a buffer, but large appends bypass it so multi-gigabyte tensors are
// streamed to the kernel without an intermediate copy.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_CHECKPOINTFILE_H
#define KILN_RUNTIME_CHECKPOINTFILE_H

#include "kiln/runtime/Status.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kiln {
namespace checkpoint {

/// An append-only file. Not thread-safe.
class WritableFile {
public:
  /// Creates or truncates `path`.
  static StatusOr<WritableFile> create(const std::string &path,
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
  /// Bytes appended so far.
  uint64_t size() const { return size_; }
  const std::string &path() const { return path_; }

private:
  WritableFile(int fd, std::string path, size_t bufferSize);
  Status writeAll(const char *p, size_t n);

  int fd_ = -1;
  std::string path_;
  std::string buffer_;
  size_t bufferSize_ = 0;
  uint64_t size_ = 0;
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

/// Status for a failed syscall on `path`, TF style: "<path>; <strerror>".
Status ioError(const std::string &path, int err);

bool fileExists(const std::string &path);
bool isDirectory(const std::string &path);
Status readFileToString(const std::string &path, std::string *out);
/// Writes `path` atomically: a temporary beside it, fsync, then rename.
Status writeStringToFileAtomic(const std::string &path, std::string_view data);
Status renameFile(const std::string &from, const std::string &to);
Status deleteFile(const std::string &path);
/// Removes an empty directory (fails otherwise, like TF's DeleteDir).
Status deleteDir(const std::string &path);
/// mkdir -p.
Status createDirs(const std::string &path);
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
