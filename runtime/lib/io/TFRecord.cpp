//===- TFRecord.cpp - TFRecord file writer and reader ---------------------===//
//
// Files are accessed with plain POSIX read/write in large chunks; compressed
// files go through zlib's deflate/inflate streams with TF's parameters, so a
// file written here reads in TF and the other way round.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/TFRecord.h"

#include "kiln/runtime/Crc32c.h"
#include "kiln/runtime/Errno.h"
#include "kiln/runtime/Wire.h"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <mutex>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <zlib.h>

namespace kiln {
namespace {

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
      return errors::IOError(path, errno);
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
      s = errors::IOError(path_, errno);
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
    return errors::IOError(path, errno);
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
      : path_(std::move(path)), fd_(fd), options_(options) {
    struct stat st;
    regularFile_ = ::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode);
  }
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

  /// A regular file never blocks a read for long, so a background thread
  /// may read it (and be joined) at any time.
  bool regularFile() const { return regularFile_; }

private:
  StatusOr<size_t> readFile(char *dst, size_t n) {
    for (;;) {
      ssize_t r = ::read(fd_, dst, n);
      if (r >= 0)
        return static_cast<size_t>(r);
      if (errno != EINTR)
        return errors::IOError(path_, errno);
    }
  }

  std::string path_;
  int fd_;
  RecordOptions options_;
  z_stream zs_;
  bool zInit_ = false, streamDone_ = false, fileEof_ = false;
  bool regularFile_ = false;
  Status deferred_;
  std::vector<char> zIn_;
};

/// A buffer of stream bytes and the complete, checked records in it.
struct RecordReader::Chunk {
  struct Record {
    size_t pos;    // start of the record's header in buf
    size_t length; // data bytes
  };
  std::unique_ptr<char[]> buf;
  size_t cap = 0, end = 0; // buf holds cap bytes, [0, end) read
  uint64_t base = 0;       // stream offset of buf[0]
  std::vector<Record> records;
  // Whether the stream ends after `records`, with `status`: OutOfRange "eof"
  // or the error at that point. Otherwise the next chunk continues it.
  bool last = false;
  Status status;

  /// Makes cap >= n, keeping `keep` bytes from `from` at the front.
  void reserve(size_t n, const char *from, size_t keep) {
    if (cap >= n) {
      if (keep && from != buf.get())
        std::memmove(buf.get(), from, keep);
      return;
    }
    // Uninitialized: only what is read is ever looked at.
    std::unique_ptr<char[]> bigger(new char[n]);
    if (keep)
      std::memcpy(bigger.get(), from, keep);
    buf = std::move(bigger);
    cap = n;
  }
};

/// Cuts the source's byte stream into chunks of records, checking both CRCs
/// of each, with the errors (codes, wording, offsets and precedence) the
/// record-at-a-time reader gives: a record's header is checked as soon as
/// its 12 bytes are there, an error ends the stream after the records
/// before it, and a read error or a truncation comes only where the stream
/// runs out of bytes.
class RecordReader::Framer {
public:
  Framer(std::string path, std::unique_ptr<Source> source, size_t chunkSize)
      : path_(std::move(path)), source_(std::move(source)),
        chunkSize_(chunkSize) {}

  bool regularFile() const { return source_->regularFile(); }

  /// Fills `c` with the records that follow those of `prev` (null for the
  /// first chunk); the partial record at the end of `prev` moves to the
  /// front of `c`, which may be `prev` itself. Reads until `c` holds at least
  /// one record or the stream ends (an error or end of file, c.last); a
  /// regular file until the chunk is full, so that a file of one chunk is
  /// known to end there. (A pipe hands over its records as they come.)
  void fill(Chunk &c, const Chunk *prev) {
    size_t carry = prev ? prev->end - carryPos_ : 0;
    uint64_t base = prev ? prev->base + carryPos_ : 0;
    // Room for a full read after the carried bytes; a carry of more than
    // half a chunk (a large record) doubles it, so the buffer is never more
    // than twice the data it holds.
    size_t want = carry <= chunkSize_ / 2 ? chunkSize_ : 2 * carry;
    c.reserve(want, prev ? prev->buf.get() + carryPos_ : nullptr, carry);
    c.end = carry;
    c.base = base;
    c.records.clear();
    c.last = false;
    c.status = Status::OK();
    size_t pos = 0;
    for (;;) {
      if (c.end == c.cap)
        c.reserve(2 * c.cap, c.buf.get(), c.end); // full of one record
      StatusOr<size_t> got = source_->read(c.buf.get() + c.end, c.cap - c.end);
      if (!got.ok())
        return end(c, got.status());
      if (*got == 0)
        return endOfStream(c, pos);
      c.end += *got;
      if (!scan(c, pos))
        return;
      if (!c.records.empty() && (c.end == c.cap || !regularFile()))
        break;
    }
    carryPos_ = pos;
  }

private:
  void end(Chunk &c, Status s) {
    c.last = true;
    c.status = std::move(s);
  }

  Status corrupted(uint64_t at) const {
    return errors::DataLoss("corrupted record at ", at, " in file ", path_);
  }

  /// Adds the complete records from `pos` on; false when one is bad.
  bool scan(Chunk &c, size_t &pos) {
    while (c.end - pos >= kRecordHeaderSize) {
      const char *h = c.buf.get() + pos;
      uint64_t at = c.base + pos;
      if (crc32c::unmask(wire::getFixed32(h + 8)) != crc32c::value(h, 8)) {
        end(c, corrupted(at));
        return false;
      }
      uint64_t length = wire::getFixed64(h);
      if (length >= SIZE_MAX - kRecordHeaderSize - kRecordFooterSize) {
        end(c, errors::DataLoss("record size too large at ", at, " in file ",
                                path_));
        return false;
      }
      size_t need =
          kRecordHeaderSize + static_cast<size_t>(length) + kRecordFooterSize;
      if (c.end - pos < need)
        break;
      const char *d = h + kRecordHeaderSize;
      if (crc32c::unmask(wire::getFixed32(d + length)) !=
          crc32c::value(d, static_cast<size_t>(length))) {
        end(c, corrupted(at + kRecordHeaderSize));
        return false;
      }
      c.records.push_back({pos, static_cast<size_t>(length)});
      pos += need;
    }
    return true;
  }

  /// The stream ended with the bytes from `pos` left over.
  void endOfStream(Chunk &c, size_t pos) {
    size_t left = c.end - pos;
    uint64_t at = c.base + pos;
    if (left == 0)
      return end(c, errors::OutOfRange("eof"));
    // A header that is there was checked by scan(); only the size is left.
    uint64_t truncatedAt = left <= kRecordHeaderSize ? at : at + 12;
    end(c, errors::DataLoss("truncated record at ", truncatedAt, " in file ",
                            path_));
  }

  std::string path_;
  std::unique_ptr<Source> source_;
  size_t chunkSize_;
  size_t carryPos_ = 0; // where the partial record starts in the last chunk
};

/// The thread that fills the chunks after the reader's current one. Three
/// chunks circulate: one the reader returns records from, one being filled,
/// one ready (or being filled next).
class RecordReader::ReadAhead {
public:
  /// `current` is the chunk the reader is on; the thread continues after it.
  ReadAhead(Framer &framer, std::unique_ptr<Chunk> current)
      : framer_(framer), first_(current.get()) {
    chunks_.push_back(std::move(current));
    for (int i = 1; i < kChunks; ++i) {
      chunks_.push_back(std::make_unique<Chunk>());
      free_.push_back(chunks_.back().get());
    }
    thread_ = std::thread([this] { run(); });
  }

  ~ReadAhead() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    freeCv_.notify_one();
    thread_.join();
  }

  /// Hands back `done` (its records are no longer referenced) and returns
  /// the chunk after it.
  Chunk *next(Chunk *done) {
    std::unique_lock<std::mutex> lock(mu_);
    free_.push_back(done);
    freeCv_.notify_one();
    readyCv_.wait(lock, [&] { return !ready_.empty(); });
    Chunk *c = ready_.front();
    ready_.pop_front();
    return c;
  }

private:
  static constexpr int kChunks = 3;

  void run() {
    // The chunk filled last is never free: the reader holds it or it waits
    // in ready_, so its partial record can be copied from it.
    const Chunk *prev = first_;
    for (;;) {
      Chunk *c;
      {
        std::unique_lock<std::mutex> lock(mu_);
        freeCv_.wait(lock, [&] { return stop_ || !free_.empty(); });
        if (stop_)
          return;
        c = free_.back();
        free_.pop_back();
      }
      framer_.fill(*c, prev);
      bool last = c->last;
      {
        std::lock_guard<std::mutex> lock(mu_);
        ready_.push_back(c);
      }
      readyCv_.notify_one();
      if (last)
        return;
      prev = c;
    }
  }

  Framer &framer_;
  const Chunk *first_;
  std::vector<std::unique_ptr<Chunk>> chunks_;
  std::mutex mu_;
  std::condition_variable freeCv_, readyCv_;
  std::vector<Chunk *> free_;
  std::deque<Chunk *> ready_;
  bool stop_ = false;
  std::thread thread_;
};

RecordReader::RecordReader(std::string path, std::unique_ptr<Framer> framer,
                           bool readAhead)
    : path_(std::move(path)), framer_(std::move(framer)),
      readAheadAllowed_(readAhead) {}
RecordReader::~RecordReader() = default;

StatusOr<std::unique_ptr<RecordReader>>
RecordReader::open(const std::string &path, RecordOptions options) {
  if (options.bufferSize < 4096)
    options.bufferSize = 4096;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errors::IOError(path, errno);
#ifdef POSIX_FADV_SEQUENTIAL
  (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  auto source = std::make_unique<Source>(path, fd, options);
  KILN_RETURN_IF_ERROR(source->init());
  // Decompressed data arrives in smaller pieces than it is asked for, so a
  // read buffer a few times the zlib chunk keeps refills rare.
  size_t chunkSize = options.bufferSize * 4;
  auto framer = std::make_unique<Framer>(path, std::move(source), chunkSize);
  return std::unique_ptr<RecordReader>(
      new RecordReader(path, std::move(framer), options.readAhead));
}

bool RecordReader::readingAhead() const { return readAhead_ != nullptr; }

void RecordReader::nextChunk() {
  next_ = 0;
  if (readAhead_) {
    cur_ = readAhead_->next(cur_);
    return;
  }
  if (!own_)
    own_ = std::make_unique<Chunk>();
  framer_->fill(*own_, cur_);
  cur_ = own_.get();
  // Past the first chunk of a regular file: read the rest on a thread.
  if (readAheadAllowed_ && !cur_->last && framer_->regularFile())
    readAhead_ = std::make_unique<ReadAhead>(*framer_, std::move(own_));
}

Status RecordReader::fail(Status s) {
  error_ = s;
  return s;
}

Status RecordReader::readRecord(std::string_view *record) {
  if (!error_.ok())
    return error_;
  while (!cur_ || next_ == cur_->records.size()) {
    if (cur_ && cur_->last) {
      // A clean end stays "eof" without becoming a sticky error.
      if (cur_->status.code() == Code::kOutOfRange)
        return cur_->status;
      return fail(cur_->status);
    }
    nextChunk();
  }
  const Chunk::Record &r = cur_->records[next_++];
  *record =
      std::string_view(cur_->buf.get() + r.pos + kRecordHeaderSize, r.length);
  lastOffset_ = cur_->base + r.pos;
  offset_ = lastOffset_ + kRecordHeaderSize + r.length + kRecordFooterSize;
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
