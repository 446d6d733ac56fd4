//===- MnistRecords.h - MNIST idx files to TFRecords ------------*- C++ -*-===//
//
// The conversion of TF's tutorial convert_to_records.py (scenario S8): the
// idx files of MNIST / Fashion-MNIST become train.tfrecords,
// validation.tfrecords and test.tfrecords. Validation is the first
// `validationSize` training images and train the rest, in file order, as
// read_data_sets splits them. Each record is a tf.train.Example with int64
// `height`, `width`, `depth` (= 1), `label` and bytes `image_raw` (the
// height * width uint8 pixels).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_MNIST_MNISTRECORDS_H
#define KILN_MNIST_MNISTRECORDS_H

#include "kiln/runtime/Status.h"
#include "kiln/runtime/TFRecord.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace kiln {

/// Debian's dataset-fashion-mnist location.
constexpr const char *kDefaultMnistDir = "/usr/share/datasets/fashion-mnist";

/// The idx file names (each may also be present without ".gz").
constexpr const char *kMnistTrainImages = "train-images-idx3-ubyte.gz";
constexpr const char *kMnistTrainLabels = "train-labels-idx1-ubyte.gz";
constexpr const char *kMnistTestImages = "t10k-images-idx3-ubyte.gz";
constexpr const char *kMnistTestLabels = "t10k-labels-idx1-ubyte.gz";

struct MnistConvertOptions {
  std::string inputDir = kDefaultMnistDir;
  std::string outputDir = ".";
  int64_t validationSize = 5000;
  RecordOptions recordOptions;
};

/// Where a conversion is: records of `file` written so far, out of `total`.
using MnistProgressFn =
    std::function<void(const std::string &file, int64_t done, int64_t total)>;

struct MnistConvertedFile {
  std::string path;
  int64_t records = 0;
};

/// Images [n, h, w] and labels [n] of one idx pair, checked to agree.
struct MnistSplit {
  int64_t count = 0, height = 0, width = 0;
  std::vector<uint8_t> pixels;
  std::vector<uint8_t> labels;
};

/// Reads an images/labels idx pair from `dir` (the names as above, or the
/// same without ".gz"), with errors naming the file at fault.
StatusOr<MnistSplit> readMnistSplit(const std::string &dir,
                                    const std::string &imagesName,
                                    const std::string &labelsName);

/// Encodes one image as the tutorial's Example.
std::string encodeMnistExample(const uint8_t *pixels, int64_t height,
                               int64_t width, int64_t label);

/// Runs the whole conversion; returns train, validation, test in that order.
StatusOr<std::vector<MnistConvertedFile>>
convertMnistToRecords(const MnistConvertOptions &options,
                      const MnistProgressFn &progress = {});

} // namespace kiln

#endif // KILN_MNIST_MNISTRECORDS_H
