//===- convert-to-records.cpp - MNIST idx files to TFRecords --------------===//
//
// The command-line face of MnistRecords.h: TF's convert_to_records.py for
// MNIST-format data (by default Debian's Fashion-MNIST).
//
//===----------------------------------------------------------------------===//
#include "kiln/mnist/MnistRecords.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

using namespace kiln;

namespace {

void printUsage(FILE *out) {
  std::fprintf(
      out,
      "Usage: convert-to-records [--input-dir DIR] [--output-dir DIR]\n"
      "                          [--validation-size N]\n"
      "\n"
      "Converts MNIST-format image data (MNIST, Fashion-MNIST) into the\n"
      "TFRecord files TensorFlow's input-pipeline tutorial reads:\n"
      "  train.tfrecords       training images after the first N\n"
      "  validation.tfrecords  the first N training images\n"
      "  test.tfrecords        all test images\n"
      "Each record is a tf.train.Example with int64 features height, width,\n"
      "depth (1) and label, and the bytes feature image_raw (the uint8\n"
      "pixels, row by row).\n"
      "\n"
      "Options:\n"
      "  --input-dir DIR        folder holding the four idx files\n"
      "                           %s\n"
      "                           %s\n"
      "                           %s\n"
      "                           %s\n"
      "                         (gzipped, or the same names without .gz)\n"
      "                         [default: %s]\n"
      "  --output-dir DIR       where to write the .tfrecords files; must\n"
      "                         exist [default: the current folder]\n"
      "  --validation-size N    images held out for validation [default: "
      "5000]\n"
      "  -h, --help             show this help\n"
      "\n"
      "Example:\n"
      "  convert-to-records --output-dir /tmp/data\n",
      kMnistTrainImages, kMnistTrainLabels, kMnistTestImages, kMnistTestLabels,
      kDefaultMnistDir);
}

int usageError(const std::string &msg) {
  std::fprintf(stderr, "convert-to-records: error: %s\n", msg.c_str());
  std::fprintf(stderr, "Run 'convert-to-records --help' for usage.\n");
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  MnistConvertOptions opts;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool hasValue = false;
    // Accept both "--flag value" and "--flag=value".
    size_t eq = arg.find('=');
    if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      hasValue = true;
    }
    auto next = [&](std::string *out) {
      if (hasValue) {
        *out = value;
        return true;
      }
      if (i + 1 >= argc)
        return false;
      *out = argv[++i];
      return true;
    };
    if (arg == "-h" || arg == "--help") {
      printUsage(stdout);
      return 0;
    }
    if (arg == "--input-dir") {
      if (!next(&opts.inputDir))
        return usageError("--input-dir needs a folder");
    } else if (arg == "--output-dir") {
      if (!next(&opts.outputDir))
        return usageError("--output-dir needs a folder");
    } else if (arg == "--validation-size") {
      std::string v;
      if (!next(&v))
        return usageError("--validation-size needs a number");
      char *end = nullptr;
      errno = 0;
      long long n = std::strtoll(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n < 0 || errno == ERANGE)
        return usageError("--validation-size expects a non-negative "
                          "integer, got '" +
                          v + "'");
      opts.validationSize = n;
    } else {
      return usageError("unknown argument '" + std::string(argv[i]) + "'");
    }
  }

  bool tty = ::isatty(STDERR_FILENO);
  std::string lastFile;
  auto progress = [&](const std::string &file, int64_t done, int64_t total) {
    // One line per file, rewritten in place on a terminal; only the final
    // count when the output is a log.
    if (tty)
      std::fprintf(stderr, "\rWriting %s: %lld/%lld", file.c_str(),
                   static_cast<long long>(done), static_cast<long long>(total));
    if (done == total)
      std::fprintf(stderr, "%sWriting %s: %lld/%lld done\n", tty ? "\r" : "",
                   file.c_str(), static_cast<long long>(done),
                   static_cast<long long>(total));
    std::fflush(stderr);
  };
  std::fprintf(stderr, "Reading idx files from %s\n", opts.inputDir.c_str());
  auto files = convertMnistToRecords(opts, progress);
  if (!files.ok()) {
    std::fprintf(stderr, "convert-to-records: error: %s\n",
                 files.status().toString().c_str());
    if (files.status().code() == Code::kNotFound &&
        files.status().message().find(opts.inputDir) != std::string::npos)
      std::fprintf(stderr,
                   "Point --input-dir at a folder with the MNIST-format idx "
                   "files (Debian: apt-get install dataset-fashion-mnist).\n");
    return 1;
  }
  for (const MnistConvertedFile &f : *files)
    std::printf("%s: %lld records\n", f.path.c_str(),
                static_cast<long long>(f.records));
  return 0;
}
