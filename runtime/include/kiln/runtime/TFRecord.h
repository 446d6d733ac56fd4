//===- TFRecord.h - TFRecord file writer and reader -------------*- C++ -*-===//
//
// TFRecord files as TensorFlow's RecordWriter/RecordReader write and read
// them: each record is
//   uint64 length | uint32 masked_crc32c(length bytes) | data |
//   uint32 masked_crc32c(data)
// all little-endian, with no file header. NONE, ZLIB (zlib header) and GZIP
// compression apply to the whole file as one stream; offsets always refer to
// the uncompressed stream, as in TF.
//
// Error behaviour (same codes, wording and offsets as TF 1.12's
// core/lib/io/record_reader.cc, with the file name appended so a user of a
// multi-file pipeline knows which file is bad):
//   - clean end of file at a record boundary: OutOfRange "eof";
//   - a CRC mismatch in the length header: DataLoss
//     "corrupted record at <record start> in file <path>";
//   - a CRC mismatch in the data: DataLoss
//     "corrupted record at <record start + 12> in file <path>";
//   - a truncated last record, i.e. a partially written file (the case of a
//     writer that died mid-record), or a length larger than what is left of
//     the file: DataLoss "truncated record at <offset> in file <path>", where
//     <offset> is the record start when the header is partial or no data byte
//     follows it, and record start + 12 when the data is partial. This is TF's
//     reader behaviour; Kiln does not silently drop the partial record.
// A corrupt length can claim up to 2^64 bytes; the reader only grows its
// buffer as data actually arrives, so such a record costs no more memory than
// the file holds.
//
// Reading ahead: the reader frames and CRC-checks a whole chunk of records
// (one large read) at a time, and, for a regular file of more than one
// chunk, fills the next chunks on a background thread while the caller
// consumes the current one, so the read and the CRCs of a file overlap with
// whatever the caller does with its records (parsing them). Records,
// offsets and errors are exactly the same with and without it: an error is
// reported when the caller reaches its position in the stream, after every
// record before it.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_TFRECORD_H
#define KILN_RUNTIME_TFRECORD_H

#include "kiln/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kiln {

/// Python's TFRecordCompressionType: NONE = 0, ZLIB = 1, GZIP = 2.
enum class RecordCompression { kNone = 0, kZlib = 1, kGzip = 2 };

/// Maps TFRecordReaderV2's `compression_type` attr ("", "ZLIB", "GZIP").
StatusOr<RecordCompression> parseRecordCompression(std::string_view name);
/// The attr spelling of `c`: "", "ZLIB" or "GZIP".
const char *recordCompressionName(RecordCompression c);

/// TFRecordOptions. The zlib parameters default to TF's
/// ZlibCompressionOptions (Z_DEFAULT_COMPRESSION, memLevel 9, 256 KiB
/// buffers); window bits follow the compression type (15 or 15 + 16).
struct RecordOptions {
  RecordCompression compression = RecordCompression::kNone;
  /// Bytes read from or written to the file per system call.
  size_t bufferSize = 256 * 1024;
  int compressionLevel = -1; // Z_DEFAULT_COMPRESSION
  int memLevel = 9;
  /// RecordReader: read and check the next chunks of a regular file on a
  /// background thread (see the file comment).
  bool readAhead = true;

  static RecordOptions forCompression(RecordCompression c) {
    RecordOptions o;
    o.compression = c;
    return o;
  }
};

/// Number of framing bytes around each record's data.
constexpr size_t kRecordHeaderSize = 12; // length + its CRC
constexpr size_t kRecordFooterSize = 4;  // data CRC

/// Appends the framed form of `data` (header, data, footer) to `out`.
void appendFramedRecord(std::string &out, std::string_view data);

/// Writes records to a new file (truncating an existing one).
class RecordWriter {
public:
  static StatusOr<std::unique_ptr<RecordWriter>>
  create(const std::string &path, RecordOptions options = RecordOptions());
  /// Closes the file if close() was not called; errors are lost then.
  ~RecordWriter();
  RecordWriter(const RecordWriter &) = delete;
  RecordWriter &operator=(const RecordWriter &) = delete;

  Status write(std::string_view record);
  /// Pushes buffered bytes to the OS (a zlib sync flush when compressed), so
  /// a concurrent reader sees every complete record written so far.
  Status flush();
  /// Finishes the compressed stream and closes the file.
  Status close();

  const std::string &path() const { return path_; }

private:
  class Impl;
  RecordWriter(std::string path, std::unique_ptr<Impl> impl);
  std::string path_;
  std::unique_ptr<Impl> impl_;
};

/// Reads the records of one file sequentially with large buffered reads,
/// framing and checking them chunk by chunk (see "Reading ahead" above).
class RecordReader {
public:
  static StatusOr<std::unique_ptr<RecordReader>>
  open(const std::string &path, RecordOptions options = RecordOptions());
  ~RecordReader();
  RecordReader(const RecordReader &) = delete;
  RecordReader &operator=(const RecordReader &) = delete;

  /// Reads the next record, CRC-checked. `*record` points into the reader's
  /// buffer and stays valid until the next call. Returns OutOfRange "eof" at
  /// a clean end; DataLoss as described in the file comment otherwise. Errors
  /// are sticky: every later call returns the same error.
  Status readRecord(std::string_view *record);
  /// Same, copying the data.
  Status readRecord(std::string *record);

  /// Offset in the uncompressed stream of the record last returned (the key
  /// TFRecordReader reports is "<path>:<offset>").
  uint64_t lastRecordOffset() const { return lastOffset_; }
  /// Offset of the next record to read.
  uint64_t nextOffset() const { return offset_; }
  const std::string &path() const { return path_; }
  /// Whether a background thread is reading ahead (it starts at the first
  /// refill of a regular file with options.readAhead).
  bool readingAhead() const;

private:
  class Source;
  struct Chunk;
  class Framer;
  class ReadAhead;
  RecordReader(std::string path, std::unique_ptr<Framer> framer,
               bool readAhead);
  /// Moves to the chunk after cur_ (filling it here or taking it from the
  /// read-ahead thread).
  void nextChunk();
  Status fail(Status s);

  std::string path_;
  std::unique_ptr<Framer> framer_;
  bool readAheadAllowed_;
  // The chunk whose records are being returned, and the next one's index.
  Chunk *cur_ = nullptr;
  size_t next_ = 0;
  std::unique_ptr<Chunk> own_; // the chunk refilled in place without a thread
  std::unique_ptr<ReadAhead> readAhead_;
  uint64_t offset_ = 0, lastOffset_ = 0;
  Status error_;
};

/// Reads every record of `path` (a convenience for tools and tests).
StatusOr<std::vector<std::string>>
readAllRecords(const std::string &path,
               RecordOptions options = RecordOptions());

} // namespace kiln

#endif // KILN_RUNTIME_TFRECORD_H
