//===- TFRecord.cpp - TFRecord file writer and reader ---------------------===//
//
// Files are accessed with plain POSIX read/write in large chunks; compressed
// files go through zlib's deflate/inflate streams with TF's parameters, so a
// file written here reads in TF and the other way round.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/TFRecord.h"

#include "kiln/runtime/Crc32c.h"
#include "kiln/runtime/Wire.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

namespace kiln {
namespace {

Status ioError(const std::string &path, const char *what, int err) {
  std::string msg = path + ": " + what + ": " + std::strerror(err);
  if (err == ENOENT)
    return errors::NotFound(msg);
  if (err == EACCES || err == EPERM)
    return errors::PermissionDenied(msg);
  return errors::Unknown(msg);
}

int windowBits(RecordCompression c) {
  // MAX_WBITS for a zlib header; +16 asks zlib for a gzip header instead.
  return c == RecordCompression::kGzip ? MAX_WBITS + 16 : MAX_WBITS;
}

Status writeAll(int fd, const std::string &path, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return ioError(path, "write failed", errno);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::OK();
}

} // namespace

StatusOr<RecordCompression> parseRecordCompression(std::string_view name) {
  if (name.empty() || name == "NONE")
    return RecordCompression::kNone;
  if (name == "ZLIB")
    return RecordCompression::kZlib;
  if (name == "GZIP")
    return RecordCompression::kGzip;
  return errors::InvalidArgument(
      "Unsupported compression_type: ", std::string(name),
      " (expected \"\", \"ZLIB\" or \"GZIP\")");
}

const char *recordCompressionName(RecordCompression c) {
  switch (c) {
  case RecordCompression::kNone:
    return "";
  case RecordCompression::kZlib:
    return "ZLIB";
  case RecordCompression::kGzip:
    return "GZIP";
  }
  return "";
}

void appendFramedRecord(std::string &out, std::string_view data) {
  char len[8];
  uint64_t n = data.size();
  for (int i = 0; i < 8; ++i)
    len[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  out.append(len, 8);
  wire::putFixed32(out, crc32c::mask(crc32c::value(len, 8)));
  out.append(data.data(), data.size());
  wire::putFixed32(out, crc32c::mask(crc32c::value(data.data(), data.size())));
}

//===----------------------------------------------------------------------===//
// RecordWriter
//===----------------------------------------------------------------------===//

class RecordWriter::Impl {
public:
  Impl(std::string path, int fd, RecordOptions options)
      : path_(std::move(path)), fd_(fd), options_(options) {
    pending_.reserve(options_.bufferSize + 64);
  }
  ~Impl() { (void)close(); }

  Status init() {
    if (options_.compression == RecordCompression::kNone)
      return Status::OK();
    std::memset(&zs_, 0, sizeof(zs_));
    int rc = deflateInit2(&zs_, options_.compressionLevel, Z_DEFLATED,
                          windowBits(options_.compression), options_.memLevel,
                          Z_DEFAULT_STRATEGY);
    if (rc != Z_OK)
      return errors::Internal("deflateInit2 failed for ", path_, ": ",
                              zs_.msg ? zs_.msg : "unknown zlib error");
    zInit_ = true;
    zOut_.resize(options_.bufferSize);
    return Status::OK();
  }

  Status write(std::string_view record) {
    if (fd_ < 0)
      return errors::FailedPrecondition("RecordWriter for ", path_,
                                        " is closed");
    appendFramedRecord(pending_, record);
    if (pending_.size() >= options_.bufferSize)
      return drain(Z_NO_FLUSH);
    return Status::OK();
  }

  Status flush() {
    if (fd_ < 0)
      return errors::FailedPrecondition("RecordWriter for ", path_,
                                        " is closed");
    return drain(zInit_ ? Z_SYNC_FLUSH : Z_NO_FLUSH);
  }

  Status close() {
    if (fd_ < 0)
      return Status::OK();
    Status s = drain(Z_FINISH);
    if (zInit_) {
      deflateEnd(&zs_);
      zInit_ = false;
    }
    if (::close(fd_) != 0 && s.ok())
      s = ioError(path_, "close failed", errno);
    fd_ = -1;
    return s;
  }

private:
  /// Writes `pending_` out, through deflate when compressed.
  Status drain(int flushMode) {
    if (!zInit_) {
      Status s = writeAll(fd_, path_, pending_.data(), pending_.size());
      pending_.clear();
      return s;
    }
    zs_.next_in = reinterpret_cast<Bytef *>(pending_.data());
    zs_.avail_in = static_cast<uInt>(pending_.size());
    for (;;) {
      zs_.next_out = reinterpret_cast<Bytef *>(zOut_.data());
      zs_.avail_out = static_cast<uInt>(zOut_.size());
      int rc = deflate(&zs_, flushMode);
      if (rc == Z_STREAM_ERROR)
        return errors::Internal("deflate failed for ", path_);
      size_t produced = zOut_.size() - zs_.avail_out;
      KILN_RETURN_IF_ERROR(writeAll(fd_, path_, zOut_.data(), produced));
      // Done once deflate has consumed everything and had output room left
      // (so nothing is held back), or the stream is finished.
      if (rc == Z_STREAM_END)
        break;
      if (zs_.avail_in == 0 && zs_.avail_out != 0 && flushMode != Z_FINISH)
        break;
    }
    pending_.clear();
    return Status::OK();
  }

  std::string path_;
  int fd_;
  RecordOptions options_;
  std::string pending_;
  z_stream zs_;
  bool zInit_ = false;
  std::vector<char> zOut_;
};

RecordWriter::RecordWriter(std::string path, std::unique_ptr<Impl> impl)
    : path_(std::move(path)), impl_(std::move(impl)) {}
RecordWriter::~RecordWriter() = default;

StatusOr<std::unique_ptr<RecordWriter>>
RecordWriter::create(const std::string &path, RecordOptions options) {
  if (options.bufferSize == 0)
    options.bufferSize = 256 * 1024;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return ioError(path, "cannot create file", errno);
  auto impl = std::make_unique<Impl>(path, fd, options);
  KILN_RETURN_IF_ERROR(impl->init());
  return std::unique_ptr<RecordWriter>(new RecordWriter(path, std::move(impl)));
}

Status RecordWriter::write(std::string_view record) {
  return impl_->write(record);
}
Status RecordWriter::flush() { return impl_->flush(); }
Status RecordWriter::close() { return impl_->close(); }

//===----------------------------------------------------------------------===//
// RecordReader
//===----------------------------------------------------------------------===//

/// The uncompressed byte stream of a file.
class RecordReader::Source {
public:
  Source(std::string path, int fd, RecordOptions options)
      : path_(std::move(path)), fd_(fd), options_(options) {}
  ~Source() {
    if (zInit_)
      inflateEnd(&zs_);
    if (fd_ >= 0)
      ::close(fd_);
  }

  Status init() {
    if (options_.compression == RecordCompression::kNone)
      return Status::OK();
    std::memset(&zs_, 0, sizeof(zs_));
    if (inflateInit2(&zs_, windowBits(options_.compression)) != Z_OK)
      return errors::Internal("inflateInit2 failed for ", path_);
    zInit_ = true;
    zIn_.resize(options_.bufferSize);
    return Status::OK();
  }

  /// Reads up to `n` bytes into `dst`; 0 means end of stream.
  StatusOr<size_t> read(char *dst, size_t n) {
    if (!zInit_)
      return readFile(dst, n);
    if (!deferred_.ok())
      return deferred_;
    zs_.next_out = reinterpret_cast<Bytef *>(dst);
    zs_.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    uInt want = zs_.avail_out;
    while (zs_.avail_out == want) {
      if (zs_.avail_in == 0) {
        if (streamDone_ && fileEof_)
          break;
        StatusOr<size_t> got = readFile(zIn_.data(), zIn_.size());
        if (!got.ok())
          return got.status();
        if (*got == 0) {
          fileEof_ = true;
          if (!streamDone_) {
            // Hand out what was decoded before reporting the cut, so the
            // records before it still read (and the partial one is reported
            // as a truncated record by the framing layer).
            deferred_ =
                errors::DataLoss("truncated compressed stream in file ", path_);
            if (zs_.avail_out == want)
              return deferred_;
          }
          break;
        }
        zs_.next_in = reinterpret_cast<Bytef *>(zIn_.data());
        zs_.avail_in = static_cast<uInt>(*got);
      }
      if (streamDone_) {
        // Bytes after a finished stream: a concatenated gzip member, which
        // gzip and TF's reader both treat as more data.
        if (inflateReset(&zs_) != Z_OK)
          return errors::Internal("inflateReset failed for ", path_);
        streamDone_ = false;
      }
      int rc = inflate(&zs_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        streamDone_ = true;
        continue;
      }
      if (rc != Z_OK && rc != Z_BUF_ERROR)
        return errors::DataLoss("corrupted compressed stream in file ", path_,
                                ": ", zs_.msg ? zs_.msg : "inflate failed");
    }
    return static_cast<size_t>(want - zs_.avail_out);
  }

private:
  StatusOr<size_t> readFile(char *dst, size_t n) {
    for (;;) {
      ssize_t r = ::read(fd_, dst, n);
      if (r >= 0)
        return static_cast<size_t>(r);
      if (errno != EINTR)
        return ioError(path_, "read failed", errno);
    }
  }

  std::string path_;
  int fd_;
  RecordOptions options_;
  z_stream zs_;
  bool zInit_ = false, streamDone_ = false, fileEof_ = false;
  Status deferred_;
  std::vector<char> zIn_;
};

RecordReader::RecordReader(std::string path, std::unique_ptr<Source> source,
                           size_t bufferSize)
    : path_(std::move(path)), source_(std::move(source)), buf_(bufferSize) {}
RecordReader::~RecordReader() = default;

StatusOr<std::unique_ptr<RecordReader>>
RecordReader::open(const std::string &path, RecordOptions options) {
  if (options.bufferSize < 4096)
    options.bufferSize = 4096;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return ioError(path, "cannot open file", errno);
#ifdef POSIX_FADV_SEQUENTIAL
  (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  auto source = std::make_unique<Source>(path, fd, options);
  KILN_RETURN_IF_ERROR(source->init());
  // Decompressed data arrives in smaller pieces than it is asked for, so a
  // read buffer a few times the zlib chunk keeps refills rare.
  size_t bufferSize = options.bufferSize * 4;
  return std::unique_ptr<RecordReader>(
      new RecordReader(path, std::move(source), bufferSize));
}

StatusOr<size_t> RecordReader::ensure(size_t n) {
  while (end_ - begin_ < n && !eof_) {
    if (end_ == buf_.size()) {
      if (begin_ > 0) {
        std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
      } else {
        // Grow only when the buffer is full of real data, so a corrupt
        // length never allocates more than twice what the file holds.
        buf_.resize(buf_.size() * 2);
      }
    }
    StatusOr<size_t> got =
        source_->read(buf_.data() + end_, buf_.size() - end_);
    if (!got.ok())
      return got.status();
    if (*got == 0)
      eof_ = true;
    end_ += *got;
  }
  return std::min(n, end_ - begin_);
}

Status RecordReader::fail(Status s) {
  error_ = s;
  return s;
}

Status RecordReader::readRecord(std::string_view *record) {
  if (!error_.ok())
    return error_;
  StatusOr<size_t> got = ensure(kRecordHeaderSize);
  if (!got.ok())
    return fail(got.status());
  if (*got == 0)
    return errors::OutOfRange("eof");
  auto truncated = [&](uint64_t at) {
    return fail(
        errors::DataLoss("truncated record at ", at, " in file ", path_));
  };
  auto corrupted = [&](uint64_t at) {
    return fail(
        errors::DataLoss("corrupted record at ", at, " in file ", path_));
  };
  if (*got < kRecordHeaderSize)
    return truncated(offset_);
  const char *h = buf_.data() + begin_;
  if (crc32c::unmask(wire::getFixed32(h + 8)) != crc32c::value(h, 8))
    return corrupted(offset_);
  uint64_t length = wire::getFixed64(h);
  if (length >= SIZE_MAX - kRecordHeaderSize - kRecordFooterSize)
    return fail(errors::DataLoss("record size too large at ", offset_,
                                 " in file ", path_));
  size_t need =
      kRecordHeaderSize + static_cast<size_t>(length) + kRecordFooterSize;
  got = ensure(need);
  if (!got.ok())
    return fail(got.status());
  if (*got < need)
    return truncated(*got == kRecordHeaderSize ? offset_
                                               : offset_ + kRecordHeaderSize);
  const char *d = buf_.data() + begin_ + kRecordHeaderSize;
  if (crc32c::unmask(wire::getFixed32(d + length)) !=
      crc32c::value(d, static_cast<size_t>(length)))
    return corrupted(offset_ + kRecordHeaderSize);
  *record = std::string_view(d, static_cast<size_t>(length));
  begin_ += need;
  lastOffset_ = offset_;
  offset_ += need;
  return Status::OK();
}

Status RecordReader::readRecord(std::string *record) {
  std::string_view v;
  KILN_RETURN_IF_ERROR(readRecord(&v));
  record->assign(v.data(), v.size());
  return Status::OK();
}

StatusOr<std::vector<std::string>> readAllRecords(const std::string &path,
                                                  RecordOptions options) {
  StatusOr<std::unique_ptr<RecordReader>> reader =
      RecordReader::open(path, options);
  if (!reader.ok())
    return reader.status();
  std::vector<std::string> out;
  for (;;) {
    std::string rec;
    Status s = (*reader)->readRecord(&rec);
    if (s.code() == Code::kOutOfRange)
      return out;
    if (!s.ok())
      return s;
    out.push_back(std::move(rec));
  }
}

} // namespace kiln
