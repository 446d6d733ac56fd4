//===- tfrecord.cpp - Fuzzes the uncompressed TFRecord reader -------------===//
//
// The input is a TFRecord file, read to its end as it is and again with its
// record checksums fixed. Each is read twice, with the smallest and with the
// default buffer size: the records and the final status must be the same.
//
//===----------------------------------------------------------------------===//
#include "FuzzUtil.h"

#include "kiln/runtime/TFRecord.h"

using namespace kiln;

namespace {
struct Result {
  std::vector<std::string> records;
  std::vector<uint64_t> offsets;
  std::string status;
};
} // namespace

static Result readAll(const std::string &path, size_t bufferSize) {
  Result r;
  RecordOptions options;
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
      // Errors are sticky.
      if (s.code() != Code::kOutOfRange &&
          (*reader)->readRecord(&rec).toString() != s.toString())
        __builtin_trap();
      r.status = s.toString();
      return r;
    }
    r.records.emplace_back(rec);
    r.offsets.push_back((*reader)->lastRecordOffset());
  }
}

static void check(const std::string &bytes) {
  fuzz::ScratchDir &dir = fuzz::ScratchDir::get();
  dir.clear();
  std::string path = dir.write("records.tfrecord", bytes);
  Result small = readAll(path, 1);
  Result large = readAll(path, RecordOptions().bufferSize);
  if (small.records != large.records || small.offsets != large.offsets ||
      small.status != large.status)
    __builtin_trap();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string input(reinterpret_cast<const char *>(data), size);
  check(input);
  std::string fixed = input;
  fuzz::fixRecordCrcs(fixed);
  if (fixed != input)
    check(fixed);
  return 0;
}
