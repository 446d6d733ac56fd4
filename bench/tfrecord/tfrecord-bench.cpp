//===- tfrecord-bench.cpp - TFRecord + Example parse throughput -----------===//
//
// Reads an MNIST-style train.tfrecords the way S8's input pipeline does
// (framing, both CRCs, ParseExample of image_raw + label, DecodeRaw to
// uint8) into one [N, 784] uint8 and one [N] int64 tensor, and compares its
// throughput with a plain sequential read() of the same file in the same
// run. The file is read once first so both measure page-cache speed, and
// each measurement is the best of several repetitions. The output tensors
// are allocated (and touched) once before timing and reused, as a pipeline
// reuses its batch buffers: on this VM, first-touch page faults of a fresh
// 43 MB tensor cost more than the whole read and parse.
//
// The record reader is the one TFRecordReader ops use: it reads and checks
// the next chunks of the file on its read-ahead thread while this thread
// parses, so the read + CRC + parse side uses up to two cores where the
// plain read uses one (the stderr line says whether it read ahead).
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/Crc32c.h"
#include "kiln/runtime/DecodeRaw.h"
#include "kiln/runtime/Example.h"
#include "kiln/runtime/TFRecord.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <vector>

using namespace kiln;
using Clock = std::chrono::steady_clock;

namespace {

/// A plain sequential read with the same chunk size the record reader uses;
/// returns the bytes read (and folds them into `sink` so nothing is elided).
size_t plainRead(const std::string &path, uint64_t *sink) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    std::perror(path.c_str());
    std::exit(1);
  }
  std::vector<char> buf(1 << 20);
  size_t total = 0;
  ssize_t n;
  while ((n = ::read(fd, buf.data(), buf.size())) > 0) {
    total += static_cast<size_t>(n);
    *sink += static_cast<unsigned char>(buf[static_cast<size_t>(n) - 1]);
  }
  ::close(fd);
  return total;
}

struct ParseResult {
  int64_t records = 0;
  bool readAhead = false;
  Tensor images, labels;
};

void readAndParse(const std::string &path, ParseResult &r) {
  int64_t capacity = r.labels.numElements();
  ParseExampleConfig config;
  config.dense.push_back(
      {"image_raw", DType::kString, TensorShape{}, Tensor()});
  config.dense.push_back({"label", DType::kInt64, TensorShape{}, Tensor()});
  StatusOr<ExampleParser> parser = ExampleParser::create(config);
  StatusOr<std::unique_ptr<RecordReader>> reader = RecordReader::open(path);
  if (!parser.ok() || !reader.ok()) {
    std::fprintf(
        stderr, "tfrecord-bench: %s\n",
        (reader.ok() ? parser.status() : reader.status()).toString().c_str());
    std::exit(1);
  }
  r.records = 0;
  r.readAhead = false;
  uint8_t *img = r.images.data<uint8_t>();
  int64_t *lab = r.labels.data<int64_t>();
  // One example at a time through a batch of 1: the label goes into the
  // parser's row, the pixels are decoded from the record into the [N, 784]
  // batch (the fused ParseExample -> DecodeRaw path).
  parser->beginBatch(1);
  const std::vector<Tensor> &dense = parser->denseOutputs();
  std::vector<std::string_view> views;
  std::string_view rec;
  Status s;
  while ((s = (*reader)->readRecord(&rec)).ok()) {
    if (r.records == capacity) {
      std::fprintf(stderr, "tfrecord-bench: more than %lld records\n",
                   static_cast<long long>(capacity));
      std::exit(1);
    }
    Status p = parser->parseIntoBorrowed(0, rec, views);
    std::string_view raw = views[0];
    if (!p.ok() || raw.size() != 784) {
      std::fprintf(stderr, "tfrecord-bench: record %lld: %s\n",
                   static_cast<long long>(r.records),
                   p.ok() ? "image_raw is not 784 bytes"
                          : p.toString().c_str());
      std::exit(1);
    }
    decodeRawInto(raw, DType::kUInt8, true, img + r.records * 784);
    lab[r.records] = dense[1].data<int64_t>()[0];
    ++r.records;
  }
  r.readAhead = (*reader)->readingAhead();
  if (s.code() != Code::kOutOfRange) {
    std::fprintf(stderr, "tfrecord-bench: %s\n", s.toString().c_str());
    std::exit(1);
  }
}

/// Framing + both CRCs only, to show where the time goes.
int64_t readOnly(const std::string &path) {
  StatusOr<std::unique_ptr<RecordReader>> reader = RecordReader::open(path);
  if (!reader.ok())
    std::exit(1);
  std::string_view rec;
  int64_t n = 0;
  while ((*reader)->readRecord(&rec).ok())
    ++n;
  return n;
}

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "Usage: tfrecord-bench TRAIN.tfrecords [REPS]\n");
    return 2;
  }
  std::string path = argv[1];
  int reps = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
  uint64_t sink = 0;
  size_t bytes = plainRead(path, &sink); // warm the page cache
  // Size the outputs with one untimed pass (which also warms the code).
  ParseResult r;
  r.images = Tensor(DType::kUInt8, TensorShape{1 << 17, 784});
  r.labels = Tensor(DType::kInt64, TensorShape{1 << 17});
  readAndParse(path, r);
  int64_t n = r.records;
  r.images = Tensor(DType::kUInt8, TensorShape{n, 784});
  r.labels = Tensor(DType::kInt64, TensorShape{n});

  double bestPlain = 1e30, bestParse = 1e30, bestRead = 1e30;
  int64_t records = 0;
  for (int i = 0; i < reps; ++i) {
    auto t0 = Clock::now();
    plainRead(path, &sink);
    auto t1 = Clock::now();
    readAndParse(path, r);
    auto t2 = Clock::now();
    readOnly(path);
    auto t3 = Clock::now();
    bestRead = std::min(bestRead, seconds(t3 - t2));
    records = r.records;
    sink += r.images.data<uint8_t>()[0] + r.labels.data<int64_t>()[0];
    bestPlain = std::min(bestPlain, seconds(t1 - t0));
    bestParse = std::min(bestParse, seconds(t2 - t1));
  }
  double mb = bytes / 1e6;
  std::printf("BENCH tfrecord_plain_read %.1f MB/s\n", mb / bestPlain);
  std::printf("BENCH tfrecord_read_crc_only %.1f MB/s\n", mb / bestRead);
  std::printf("BENCH tfrecord_read_crc_parse %.0f records/s\n",
              records / bestParse);
  std::printf("BENCH tfrecord_read_crc_parse_bw %.1f MB/s\n", mb / bestParse);
  std::printf("RATIO tfrecord_read_crc_parse_vs_plain_read %.3f (higher is "
              "better)\n",
              bestPlain / bestParse);
  std::fprintf(stderr,
               "(%lld records, %.1f MB, crc32c hardware: %s, read-ahead: %s, "
               "checksum %llu)\n",
               static_cast<long long>(records), mb,
               crc32c::usesHardware() ? "yes" : "no",
               r.readAhead ? "yes" : "no",
               static_cast<unsigned long long>(sink));
  return 0;
}
