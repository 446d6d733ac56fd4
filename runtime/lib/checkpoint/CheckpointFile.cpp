//===- CheckpointFile.cpp - POSIX file access for checkpoints -------------===//
#include "kiln/runtime/CheckpointFile.h"
#include "kiln/runtime/Errno.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

namespace kiln {
namespace checkpoint {

//===----------------------------------------------------------------------===//
// The POSIX file system
//===----------------------------------------------------------------------===//

namespace {

class PosixOutputFile : public OutputFile {
public:
  PosixOutputFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixOutputFile() override {
    if (fd_ >= 0)
      ::close(fd_);
  }

  Status write(std::string_view data) override {
    const char *p = data.data();
    size_t n = data.size();
    while (n > 0) {
      // Linux caps one write at ~2 GiB; chunk so huge tensors still go
      // through.
      size_t chunk = std::min<size_t>(n, size_t(1) << 30);
      ssize_t w = ::write(fd_, p, chunk);
      if (w < 0) {
        if (errno == EINTR)
          continue;
        return errors::IOError(path_, errno);
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
    return Status::OK();
  }

  Status sync() override {
    if (::fdatasync(fd_) != 0)
      return errors::IOError(path_, errno);
    return Status::OK();
  }

  Status close() override {
    int fd = fd_;
    fd_ = -1;
    if (fd >= 0 && ::close(fd) != 0)
      return errors::IOError(path_, errno);
    return Status::OK();
  }

  void startWriteback(uint64_t offset, uint64_t length) override {
#ifdef __linux__
    // Errors only mean no head start; sync() reports real ones.
    (void)::sync_file_range(fd_, static_cast<off_t>(offset),
                            static_cast<off_t>(length), SYNC_FILE_RANGE_WRITE);
#else
    (void)offset;
    (void)length;
#endif
  }

  const std::string &path() const override { return path_; }

private:
  int fd_;
  std::string path_;
};

class PosixFileSystem : public FileSystem {
public:
  StatusOr<std::unique_ptr<OutputFile>>
  createFile(const std::string &path) override {
    int fd =
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
      return errors::IOError(path, errno);
    return std::unique_ptr<OutputFile>(new PosixOutputFile(fd, path));
  }

  Status renameFile(const std::string &from, const std::string &to) override {
    if (::rename(from.c_str(), to.c_str()) != 0)
      return errors::IOError(from, errno);
    return Status::OK();
  }

  Status deleteFile(const std::string &path) override {
    if (::unlink(path.c_str()) != 0)
      return errors::IOError(path, errno);
    return Status::OK();
  }

  Status createDir(const std::string &path) override {
    if (::mkdir(path.c_str(), 0755) != 0)
      return errors::IOError(path, errno);
    return Status::OK();
  }

  Status deleteDir(const std::string &path) override {
    if (::rmdir(path.c_str()) != 0)
      return errors::IOError(path, errno);
    return Status::OK();
  }
};

} // namespace

FileSystem &FileSystem::posix() {
  static PosixFileSystem fs;
  return fs;
}

//===----------------------------------------------------------------------===//
// WritableFile
//===----------------------------------------------------------------------===//

WritableFile::WritableFile(std::unique_ptr<OutputFile> file, size_t bufferSize)
    : file_(std::move(file)), path_(file_->path()), bufferSize_(bufferSize) {
  buffer_.reserve(bufferSize_);
}

StatusOr<WritableFile> WritableFile::create(const std::string &path,
                                            size_t bufferSize) {
  return create(FileSystem::posix(), path, bufferSize);
}

StatusOr<WritableFile> WritableFile::create(FileSystem &fs,
                                            const std::string &path,
                                            size_t bufferSize) {
  auto file = fs.createFile(path);
  if (!file.ok())
    return file.status();
  return WritableFile(std::move(*file), bufferSize);
}

WritableFile::WritableFile(WritableFile &&o) noexcept = default;
WritableFile &WritableFile::operator=(WritableFile &&o) noexcept = default;
WritableFile::~WritableFile() = default;

Status WritableFile::writeAll(const char *p, size_t n) {
  KILN_RETURN_IF_ERROR(file_->write(std::string_view(p, n)));
  written_ += n;
  if (writebackInterval_ && written_ - writebackStart_ >= writebackInterval_) {
    file_->startWriteback(writebackStart_, written_ - writebackStart_);
    writebackStart_ = written_;
  }
  return Status::OK();
}

Status WritableFile::append(std::string_view data) {
  if (!file_)
    return errors::FailedPrecondition("File already closed: ", path_);
  size_ += data.size();
  if (buffer_.size() + data.size() <= bufferSize_) {
    buffer_.append(data.data(), data.size());
    return Status::OK();
  }
  // Too big for the buffer: write what is buffered, then the data itself
  // straight from the caller's memory (no copy of large tensors).
  KILN_RETURN_IF_ERROR(flush());
  if (data.size() >= bufferSize_)
    return writeAll(data.data(), data.size());
  buffer_.append(data.data(), data.size());
  return Status::OK();
}

Status WritableFile::appendDirect(std::string_view data) {
  if (!file_)
    return errors::FailedPrecondition("File already closed: ", path_);
  KILN_RETURN_IF_ERROR(flush());
  size_ += data.size();
  return writeAll(data.data(), data.size());
}

Status WritableFile::flush() {
  if (buffer_.empty())
    return Status::OK();
  if (!file_)
    return errors::FailedPrecondition("File already closed: ", path_);
  Status s = writeAll(buffer_.data(), buffer_.size());
  buffer_.clear();
  return s;
}

Status WritableFile::sync() {
  if (!file_)
    return errors::FailedPrecondition("File already closed: ", path_);
  KILN_RETURN_IF_ERROR(flush());
  return file_->sync();
}

Status WritableFile::close() {
  if (!file_)
    return Status::OK();
  Status s = flush();
  Status c = file_->close();
  file_.reset();
  return s.ok() ? c : s;
}

//===----------------------------------------------------------------------===//
// RandomAccessFile
//===----------------------------------------------------------------------===//

StatusOr<RandomAccessFile> RandomAccessFile::open(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errors::IOError(path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return errors::IOError(path, err);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return errors::IOError(path, EISDIR);
  }
  return RandomAccessFile(fd, path, static_cast<uint64_t>(st.st_size));
}

RandomAccessFile::RandomAccessFile(RandomAccessFile &&o) noexcept
    : fd_(o.fd_), path_(std::move(o.path_)), size_(o.size_) {
  o.fd_ = -1;
}

RandomAccessFile &RandomAccessFile::operator=(RandomAccessFile &&o) noexcept {
  if (this != &o) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    size_ = o.size_;
    o.fd_ = -1;
  }
  return *this;
}

RandomAccessFile::~RandomAccessFile() {
  if (fd_ >= 0)
    ::close(fd_);
}

Status RandomAccessFile::read(uint64_t offset, size_t n, char *dst) const {
  while (n > 0) {
    size_t chunk = std::min<size_t>(n, size_t(1) << 30);
    ssize_t r = ::pread(fd_, dst, chunk, static_cast<off_t>(offset));
    if (r < 0) {
      if (errno == EINTR)
        continue;
      return errors::IOError(path_, errno);
    }
    if (r == 0)
      return errors::OutOfRange("Read less bytes than requested from ", path_);
    dst += r;
    offset += static_cast<uint64_t>(r);
    n -= static_cast<size_t>(r);
  }
  return Status::OK();
}

//===----------------------------------------------------------------------===//
// File-system helpers
//===----------------------------------------------------------------------===//

bool fileExists(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool isDirectory(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Status readFileToString(const std::string &path, std::string *out) {
  auto file = RandomAccessFile::open(path);
  if (!file.ok())
    return file.status();
  out->resize(file->size());
  return file->read(0, out->size(), out->data());
}

Status writeStringToFileAtomic(const std::string &path, std::string_view data,
                               FileSystem *fs) {
  // Same scheme as TF's atomic_write_string_to_file: a uniquely named
  // temporary in the same directory, then rename over the target.
  FileSystem &files = fileSystemOr(fs);
  std::string tmp = path + ".tmp" + std::to_string(randomU64());
  auto file = files.createFile(tmp);
  if (!file.ok())
    return file.status();
  Status s = (*file)->write(data);
  if (s.ok())
    s = (*file)->sync();
  Status c = (*file)->close();
  if (s.ok())
    s = c;
  if (s.ok())
    s = files.renameFile(tmp, path);
  if (!s.ok())
    (void)files.deleteFile(tmp);
  return s;
}

Status renameFile(const std::string &from, const std::string &to) {
  return FileSystem::posix().renameFile(from, to);
}

Status deleteFile(const std::string &path) {
  return FileSystem::posix().deleteFile(path);
}

Status deleteDir(const std::string &path) {
  return FileSystem::posix().deleteDir(path);
}

Status createDirs(const std::string &path, FileSystem *fs) {
  if (path.empty() || isDirectory(path))
    return Status::OK();
  std::string parent = dirname(path);
  if (parent != path)
    KILN_RETURN_IF_ERROR(createDirs(parent, fs));
  Status s = fileSystemOr(fs).createDir(path);
  // Another process may have created it meanwhile.
  if (s.code() == Code::kAlreadyExists && isDirectory(path))
    return Status::OK();
  return s;
}

StatusOr<std::vector<std::string>> listDir(const std::string &dir) {
  DIR *d = ::opendir(dir.empty() ? "." : dir.c_str());
  if (!d)
    return errors::IOError(dir, errno);
  std::vector<std::string> names;
  while (struct dirent *e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..")
      names.push_back(std::move(n));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> glob(const std::string &pattern) {
  glob_t g;
  std::vector<std::string> out;
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i)
      out.emplace_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  std::sort(out.begin(), out.end());
  return out;
}

std::string dirname(const std::string &path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos)
    return "";
  std::string head = path.substr(0, slash + 1);
  // os.path.dirname strips trailing slashes unless the head is all slashes.
  if (head.find_first_not_of('/') != std::string::npos)
    while (!head.empty() && head.back() == '/')
      head.pop_back();
  return head;
}

std::string basename(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string joinPath(const std::string &a, const std::string &b) {
  if (a.empty() || isAbsolute(b))
    return b;
  if (a.back() == '/')
    return a + b;
  return a + "/" + b;
}

bool isAbsolute(const std::string &path) {
  return !path.empty() && path[0] == '/';
}

namespace {
/// Components of the absolute, normalised form of `path` (os.path.abspath).
std::vector<std::string> absComponents(const std::string &path) {
  std::string full = path;
  if (!isAbsolute(full)) {
    char buf[4096];
    std::string cwd = ::getcwd(buf, sizeof(buf)) ? buf : "/";
    full = cwd + "/" + path;
  }
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= full.size()) {
    size_t j = full.find('/', i);
    if (j == std::string::npos)
      j = full.size();
    std::string part = full.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty())
        parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  return parts;
}
} // namespace

std::string relativePath(const std::string &path, const std::string &start) {
  std::vector<std::string> p = absComponents(path);
  std::vector<std::string> s = absComponents(start.empty() ? "." : start);
  size_t common = 0;
  while (common < p.size() && common < s.size() && p[common] == s[common])
    ++common;
  std::string out;
  for (size_t i = common; i < s.size(); ++i)
    out += out.empty() ? ".." : "/..";
  for (size_t i = common; i < p.size(); ++i)
    out += (out.empty() ? "" : "/") + p[i];
  return out.empty() ? "." : out;
}

uint64_t randomU64() {
  static thread_local std::mt19937_64 gen([] {
    std::random_device rd;
    return (uint64_t(rd()) << 32) ^ rd() ^ uint64_t(::getpid());
  }());
  return gen();
}

} // namespace checkpoint
} // namespace kiln
