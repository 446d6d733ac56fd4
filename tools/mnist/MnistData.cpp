//===- MnistData.cpp - MNIST as read_data_sets(one_hot=True) gives it -----===//
#include "kiln/mnist/MnistData.h"

#include "kiln/runtime/CheckpointState.h"

#include "kiln/mnist/MnistRecords.h"

#include <algorithm>
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

StatusOr<double> kiln::mnistAccuracy(const MnistDataSet &test, int64_t batch,
                                     const MnistClassifier &classify,
                                     std::vector<int64_t> *predictions) {
  int64_t correct = 0;
  for (int64_t start = 0; start < test.count; start += batch) {
    int64_t n = std::min<int64_t>(batch, test.count - start);
    Tensor classes;
    Status st = classify(mnistRows(test.images, start, n, 784), &classes);
    if (!st.ok())
      return st;
    for (int64_t i = 0; i < n; ++i) {
      int64_t p = classes.data<int64_t>()[i];
      correct += p == test.labels[static_cast<size_t>(start + i)];
      if (predictions)
        predictions->push_back(p);
    }
  }
  return double(correct) / double(test.count);
}

int kiln::predictFromLatestCheckpoint(
    const std::string &ckptDir,
    const std::function<Status(const std::string &)> &restore,
    const MnistDataSet &test, int64_t batch, const MnistClassifier &classify,
    const std::string &predictionsPath) {
  StatusOr<std::optional<CheckpointState>> state = getCheckpointState(ckptDir);
  if (!state.ok() || !state->has_value()) {
    std::fprintf(stderr, "NotFound: no checkpoint in %s\n", ckptDir.c_str());
    return 1;
  }
  const std::string &path = (*state)->modelCheckpointPath;
  std::printf("%s\n", path.c_str());
  if (!okOrReport(restore(path), "restore"))
    return 1;
  std::vector<int64_t> predictions;
  StatusOr<double> acc = mnistAccuracy(test, batch, classify, &predictions);
  if (!okOrReport(acc.status(), "predict"))
    return 1;
  std::printf("test accuracy: %.4f\n", *acc);
  if (!predictionsPath.empty() && !writeClasses(predictionsPath, predictions))
    return 1;
  return 0;
}
