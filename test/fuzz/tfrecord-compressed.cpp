//===- tfrecord-compressed.cpp - Fuzzes ZLIB/GZIP TFRecord reading --------===//
//
// The first input byte says what the rest is:
//   bit 0     ZLIB (0) or GZIP (1) compression;
//   bit 1     0: the rest is the compressed file as it is;
//             1: the rest is a record stream that the harness compresses
//                (after fixing its record checksums when bit 2 is set);
//   bit 3     (bit 1 set) compress as two concatenated streams;
//   bits 4-7  (bit 1 set) cut 3 * this many bytes off the compressed end.
// The file is read to its end with the smallest and the default buffer
// size; the records and the final status must be the same, except that a
// corrupt compressed stream may end the two reads after different numbers
// of records.
//
//===----------------------------------------------------------------------===//
#include "FuzzUtil.h"

#include "kiln/runtime/TFRecord.h"

#include <zlib.h>

#include <algorithm>

using namespace kiln;

/// Deflates `in` as one zlib or gzip stream appended to `out`.
static void compress(std::string_view in, bool gzip, std::string &out) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, gzip ? 31 : 15, 9,
                   Z_DEFAULT_STRATEGY) != Z_OK)
    __builtin_trap();
  std::string buf(deflateBound(&zs, in.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef *>(buf.data());
  zs.avail_out = static_cast<uInt>(buf.size());
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
    __builtin_trap();
  buf.resize(zs.total_out);
  deflateEnd(&zs);
  out += buf;
}

namespace {
struct Result {
  std::vector<std::string> records;
  std::string status;
};
} // namespace

static Result readAll(const std::string &path, RecordCompression c,
                      size_t bufferSize) {
  Result r;
  RecordOptions options = RecordOptions::forCompression(c);
  options.bufferSize = bufferSize;
  auto reader = RecordReader::open(path, options);
  if (!reader.ok()) {
    r.status = reader.status().toString();
    return r;
  }
  for (;;) {
    std::string_view rec;
    Status s = (*reader)->readRecord(&rec);
    if (!s.ok()) {
      r.status = s.toString();
      return r;
    }
    r.records.emplace_back(rec);
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  uint8_t mode = data[0];
  std::string_view rest(reinterpret_cast<const char *>(data) + 1, size - 1);
  bool gzip = mode & 1;
  std::string file;
  if (mode & 2) {
    std::string records(rest);
    if (mode & 4)
      fuzz::fixRecordCrcs(records);
    if (mode & 8) {
      size_t half = records.size() / 2;
      compress(std::string_view(records).substr(0, half), gzip, file);
      compress(std::string_view(records).substr(half), gzip, file);
    } else {
      compress(records, gzip, file);
    }
    file.resize(file.size() - std::min<size_t>(file.size(), 3 * (mode >> 4)));
  } else {
    file = rest;
  }
  fuzz::ScratchDir &dir = fuzz::ScratchDir::get();
  dir.clear();
  std::string path = dir.write("records.tfrecord.z", file);
  RecordCompression c =
      gzip ? RecordCompression::kGzip : RecordCompression::kZlib;
  Result small = readAll(path, c, 1);
  Result large = readAll(path, c, RecordOptions().bufferSize);
  // Where the compressed stream itself is corrupt, how much was decoded
  // before the error depends on the chunking; what was read must agree.
  size_t common = std::min(small.records.size(), large.records.size());
  if (!std::equal(small.records.begin(), small.records.begin() + common,
                  large.records.begin()))
    __builtin_trap();
  bool streamError =
      small.status.find("compressed stream") != std::string::npos ||
      large.status.find("compressed stream") != std::string::npos;
  if (!streamError &&
      (small.records != large.records || small.status != large.status))
    __builtin_trap();
  return 0;
}
