//===- MnistRecords.cpp - MNIST idx files to TFRecords --------------------===//
#include "kiln/mnist/MnistRecords.h"

#include "kiln/mnist/IdxFile.h"
#include "kiln/runtime/Example.h"

#include <sys/stat.h>

namespace kiln {
namespace {

/// `dir/name`, or `dir/name` without ".gz" if only the unpacked file exists.
std::string locate(const std::string &dir, const std::string &name) {
  std::string gz = dir + "/" + name;
  struct stat st;
  if (::stat(gz.c_str(), &st) == 0)
    return gz;
  if (name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0) {
    std::string plain = gz.substr(0, gz.size() - 3);
    if (::stat(plain.c_str(), &st) == 0)
      return plain;
  }
  return gz;
}

std::string shapeString(const std::vector<int64_t> &dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? "," : "") + std::to_string(dims[i]);
  return s + "]";
}

Status writeSplit(const std::string &path, const MnistSplit &split,
                  int64_t begin, int64_t end, const RecordOptions &options,
                  const MnistProgressFn &progress) {
  StatusOr<std::unique_ptr<RecordWriter>> writer =
      RecordWriter::create(path, options);
  if (!writer.ok())
    return writer.status();
  int64_t total = end - begin;
  int64_t imageBytes = split.height * split.width;
  for (int64_t i = begin; i < end; ++i) {
    KILN_RETURN_IF_ERROR((*writer)->write(
        encodeMnistExample(split.pixels.data() + i * imageBytes, split.height,
                           split.width, split.labels[i])));
    int64_t done = i - begin + 1;
    if (progress && (done % 1000 == 0 || done == total))
      progress(path, done, total);
  }
  if (progress && total == 0)
    progress(path, 0, 0);
  return (*writer)->close();
}

} // namespace

StatusOr<MnistSplit> readMnistSplit(const std::string &dir,
                                    const std::string &imagesName,
                                    const std::string &labelsName) {
  std::string imagesPath = locate(dir, imagesName);
  std::string labelsPath = locate(dir, labelsName);
  StatusOr<IdxArray> images = readIdxFile(imagesPath);
  if (!images.ok())
    return images.status();
  StatusOr<IdxArray> labels = readIdxFile(labelsPath);
  if (!labels.ok())
    return labels.status();
  if (images->dims.size() != 3)
    return errors::DataLoss(imagesPath,
                            ": expected images of rank 3 [count, rows, "
                            "columns], got shape ",
                            shapeString(images->dims));
  if (labels->dims.size() != 1)
    return errors::DataLoss(labelsPath,
                            ": expected labels of rank 1 [count], got shape ",
                            shapeString(labels->dims));
  if (images->dims[0] != labels->dims[0])
    return errors::DataLoss(imagesPath, " has ", images->dims[0],
                            " images but ", labelsPath, " has ",
                            labels->dims[0], " labels");
  MnistSplit split;
  split.count = images->dims[0];
  split.height = images->dims[1];
  split.width = images->dims[2];
  split.pixels = std::move(images->data);
  split.labels = std::move(labels->data);
  return split;
}

std::string encodeMnistExample(const uint8_t *pixels, int64_t height,
                               int64_t width, int64_t label) {
  ExampleBuilder b;
  b.addInt64("height", {height})
      .addInt64("width", {width})
      .addInt64("depth", {1})
      .addInt64("label", {label})
      .addBytes("image_raw",
                {std::string(reinterpret_cast<const char *>(pixels),
                             static_cast<size_t>(height * width))});
  return b.serialize();
}

StatusOr<std::vector<MnistConvertedFile>>
convertMnistToRecords(const MnistConvertOptions &options,
                      const MnistProgressFn &progress) {
  StatusOr<MnistSplit> train =
      readMnistSplit(options.inputDir, kMnistTrainImages, kMnistTrainLabels);
  if (!train.ok())
    return train.status();
  StatusOr<MnistSplit> test =
      readMnistSplit(options.inputDir, kMnistTestImages, kMnistTestLabels);
  if (!test.ok())
    return test.status();
  // read_data_sets' wording for the same check.
  if (options.validationSize < 0 || options.validationSize > train->count)
    return errors::InvalidArgument("Validation size should be between 0 and ",
                                   train->count,
                                   ". Received: ", options.validationSize, ".");
  std::vector<MnistConvertedFile> out = {
      {options.outputDir + "/train.tfrecords",
       train->count - options.validationSize},
      {options.outputDir + "/validation.tfrecords", options.validationSize},
      {options.outputDir + "/test.tfrecords", test->count}};
  KILN_RETURN_IF_ERROR(writeSplit(out[0].path, *train, options.validationSize,
                                  train->count, options.recordOptions,
                                  progress));
  KILN_RETURN_IF_ERROR(writeSplit(out[1].path, *train, 0,
                                  options.validationSize, options.recordOptions,
                                  progress));
  KILN_RETURN_IF_ERROR(writeSplit(out[2].path, *test, 0, test->count,
                                  options.recordOptions, progress));
  return out;
}

} // namespace kiln
