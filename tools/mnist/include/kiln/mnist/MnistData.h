//===- MnistData.h - MNIST as read_data_sets(one_hot=True) gives it -*- C++
//-*-===//
//
// The examples' training data: an idx pair as float images scaled to
// [0, 1] and one-hot labels, as TF's tutorial read_data_sets gives them,
// and batches of it as tensors to feed.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_MNIST_MNISTDATA_H
#define KILN_MNIST_MNISTDATA_H

#include "kiln/runtime/Status.h"
#include "kiln/runtime/Tensor.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace kiln {

struct MnistDataSet {
  int64_t count = 0;
  std::vector<float> images; ///< [count, 784] in [0, 1]
  std::vector<float> onehot; ///< [count, 10]
  std::vector<uint8_t> labels;
};

/// The images and labels of an idx pair in `dir` from example `skip` on
/// (read_data_sets keeps the first 5000 training images for validation).
StatusOr<MnistDataSet> loadMnistDataSet(const std::string &dir,
                                        const std::string &imagesName,
                                        const std::string &labelsName,
                                        int64_t skip = 0);

/// Rows [start, start + n) of a [*, width] float array, as a tensor.
Tensor mnistRows(const std::vector<float> &v, int64_t start, int64_t n,
                 int64_t width);

/// The rows `order[start .. start + n)` of a [*, width] float array.
Tensor mnistRows(const std::vector<float> &v, const std::vector<int64_t> &order,
                 int64_t start, int64_t n, int64_t width);

/// Prints `what: Code: message` to stderr unless `s` is OK; returns s.ok().
bool okOrReport(const Status &s, const char *what);

/// Writes one class per line (a test set's predictions, in its order).
bool writeClasses(const std::string &path, const std::vector<int64_t> &classes);

/// Classifies a batch of images ([n, 784]) into `classes` (int64 [n]): a
/// model's predict signature.
using MnistClassifier =
    std::function<Status(const Tensor &images, Tensor *classes)>;

/// The accuracy of `classify` on `test`, in batches of `batch`; each
/// prediction appended to `predictions` when given.
StatusOr<double> mnistAccuracy(const MnistDataSet &test, int64_t batch,
                               const MnistClassifier &classify,
                               std::vector<int64_t> *predictions = nullptr);

/// The examples' --predict: restores the latest checkpoint in `ckptDir`
/// (printing its path), prints `test accuracy: A` and writes the predicted
/// classes to `predictionsPath` unless empty. Returns the exit code (1 after
/// reporting an error).
int predictFromLatestCheckpoint(
    const std::string &ckptDir,
    const std::function<Status(const std::string &)> &restore,
    const MnistDataSet &test, int64_t batch, const MnistClassifier &classify,
    const std::string &predictionsPath);

} // namespace kiln

#endif // KILN_MNIST_MNISTDATA_H
