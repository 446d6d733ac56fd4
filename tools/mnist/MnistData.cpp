//===- MnistData.cpp - MNIST as read_data_sets(one_hot=True) gives it -----===//
#include "kiln/mnist/MnistData.h"

#include "kiln/mnist/MnistRecords.h"

#include <cstdio>
#include <cstring>

using namespace kiln;

StatusOr<MnistDataSet> kiln::loadMnistDataSet(const std::string &dir,
                                              const std::string &imagesName,
                                              const std::string &labelsName,
                                              int64_t skip) {
  StatusOr<MnistSplit> split = readMnistSplit(dir, imagesName, labelsName);
  if (!split.ok())
    return split.status();
  if (skip < 0 || skip > split->count)
    return errors::InvalidArgument("Validation size should be between 0 and ",
                                   split->count, ". Received: ", skip, ".");
  int64_t pixelsPerImage = split->height * split->width;
  MnistDataSet d;
  d.count = split->count - skip;
  const uint8_t *pixels = split->pixels.data() + skip * pixelsPerImage;
  d.images.resize(static_cast<size_t>(d.count * pixelsPerImage));
  for (size_t i = 0; i < d.images.size(); ++i)
    d.images[i] = pixels[i] / 255.0f;
  d.labels.assign(split->labels.begin() + skip, split->labels.end());
  d.onehot.assign(static_cast<size_t>(d.count) * 10, 0.0f);
  for (int64_t i = 0; i < d.count; ++i) {
    if (d.labels[i] > 9)
      return errors::InvalidArgument(labelsName, ": label ", int(d.labels[i]),
                                     " of example ", skip + i,
                                     " is not a class 0-9");
    d.onehot[i * 10 + d.labels[i]] = 1.0f;
  }
  return d;
}

Tensor kiln::mnistRows(const std::vector<float> &v, int64_t start, int64_t n,
                       int64_t width) {
  Tensor t = Tensor::uninitialized(DType::kFloat, TensorShape{n, width});
  std::memcpy(t.data<float>(), v.data() + start * width,
              sizeof(float) * n * width);
  return t;
}

Tensor kiln::mnistRows(const std::vector<float> &v,
                       const std::vector<int64_t> &order, int64_t start,
                       int64_t n, int64_t width) {
  Tensor t = Tensor::uninitialized(DType::kFloat, TensorShape{n, width});
  float *out = t.data<float>();
  for (int64_t i = 0; i < n; ++i)
    std::memcpy(out + i * width, v.data() + order[start + i] * width,
                sizeof(float) * width);
  return t;
}

bool kiln::okOrReport(const Status &s, const char *what) {
  if (s.ok())
    return true;
  std::fprintf(stderr, "%s: %s: %s\n", what, codeName(s.code()),
               s.message().c_str());
  return false;
}

bool kiln::writeClasses(const std::string &path,
                        const std::vector<int64_t> &classes) {
  FILE *f = std::fopen(path.c_str(), "w");
  if (!f) {
    std::perror(path.c_str());
    return false;
  }
  for (int64_t c : classes)
    std::fprintf(f, "%lld\n", static_cast<long long>(c));
  return std::fclose(f) == 0;
}
