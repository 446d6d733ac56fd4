//===- main.cpp - The mnist_deep CNN on Fashion-MNIST, ahead of time ------===//
//
// TF's tutorial CNN (examples/cnn/model.py: conv 5x5x32, max pool, conv
// 5x5x64, max pool, fully connected 1024 with dropout, 10 logits, Adam
// 1e-3), compiled by graph-compile into cnn_graph.h. Trains on
// Fashion-MNIST's 55000 training images in shuffled batches of 50 at
// keep_prob 0.5, saves a checkpoint and reports the test accuracy after
// each epoch; --predict restores the latest checkpoint and predicts the
// test set; --dump-step DIR writes one step's inputs and variables (before
// and after) for check_step.py's NumPy reimplementation.
//
//===----------------------------------------------------------------------===//
#include "cnn_graph.h"

#include "kiln/mnist/MnistData.h"
#include "kiln/mnist/MnistRecords.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <random>
#include <string>
#include <sys/stat.h>

using namespace kiln;

namespace {

constexpr int64_t kEvalBatch = 100;

/// Test accuracy with the predict signature (keep_prob 1).
/// The predict signature at keep_prob 1, as mnistAccuracy's classifier.
MnistClassifier classifier(demo::Cnn &model) {
  return [&model](const Tensor &images, Tensor *classes) {
    return model.predict(images, Tensor::scalar<float>(1.0f), classes);
  };
}

const char *const kTrainable[] = {
    "conv1/Variable", "conv1/Variable_1", "conv2/Variable", "conv2/Variable_1",
    "fc1/Variable",   "fc1/Variable_1",   "fc2/Variable",   "fc2/Variable_1"};

/// Writes `t`'s floats to `path` (raw little-endian float32).
bool writeFloats(const std::string &path, const Tensor &t) {
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f) {
    std::perror(path.c_str());
    return false;
  }
  size_t n = static_cast<size_t>(t.shape().numElements());
  bool ok = std::fwrite(t.data<float>(), sizeof(float), n, f) == n;
  return std::fclose(f) == 0 && ok;
}

/// `<dir>/<variable with '/' as '_'>.<suffix>.f32` for each trainable one
/// and, with `slots`, its Adam slots m (`/Adam`) and v (`/Adam_1`).
bool dumpVariables(demo::Cnn &model, const std::string &dir, const char *suffix,
                   bool slots) {
  for (const char *trainable : kTrainable) {
    std::vector<std::string> names{trainable};
    if (slots)
      names.insert(names.end(), {std::string(trainable) + "/Adam",
                                 std::string(trainable) + "/Adam_1"});
    for (const std::string &name : names) {
      StatusOr<Tensor> v = model.model().variable(name)->snapshot();
      if (!okOrReport(v.status(), name.c_str()))
        return false;
      std::string file = name;
      std::replace(file.begin(), file.end(), '/', '_');
      if (!writeFloats(dir + "/" + file + "." + suffix + ".f32", *v))
        return false;
    }
  }
  return true;
}

/// One step at keep_prob 1 (no dropout draw) on the first 50 training
/// images, with everything check_step.py needs around it. The step is the
/// train signature's with the three ReLU outputs fetched too: where a ReLU
/// input or a pooling window's top two lie within float32 rounding of each
/// other, the gradient's path depends on the rounding, so the check follows
/// Kiln's own decisions.
int dumpStep(demo::Cnn &model, const MnistDataSet &train,
             const std::string &dir) {
  mkdir(dir.c_str(), 0755);
  Tensor x = mnistRows(train.images, 0, 50, 784),
         y = mnistRows(train.onehot, 0, 50, 10), loss, h1, h2, h3;
  if (!writeFloats(dir + "/x.f32", x) || !writeFloats(dir + "/y.f32", y) ||
      !dumpVariables(model, dir, "before", false))
    return 1;
  if (!okOrReport(model.train_check(x, y, Tensor::scalar<float>(1.0f), &loss,
                                    &h1, &h2, &h3),
                  "train"))
    return 1;
  if (!writeFloats(dir + "/loss.f32", loss) ||
      !writeFloats(dir + "/h1.f32", h1) || !writeFloats(dir + "/h2.f32", h2) ||
      !writeFloats(dir + "/h3.f32", h3) ||
      !dumpVariables(model, dir, "after", true))
    return 1;
  std::printf("step dumped to %s: loss %.6f\n", dir.c_str(),
              *loss.data<float>());
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  std::string dataDir = kDefaultMnistDir, ckptDir = "./cnn_ckpt", dumpDir,
              predictionsPath;
  int epochs = 5;
  int64_t maxBatches = 0, batch = 50;
  bool predictOnly = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() { return std::string(i + 1 < argc ? argv[++i] : ""); };
    if (a == "--data")
      dataDir = next();
    else if (a == "--ckpt-dir")
      ckptDir = next();
    else if (a == "--epochs")
      epochs = std::stoi(next());
    else if (a == "--batches-per-epoch")
      maxBatches = std::stoll(next());
    else if (a == "--batch")
      batch = std::stoll(next());
    else if (a == "--predict")
      predictOnly = true;
    else if (a == "--predictions")
      predictionsPath = next();
    else if (a == "--dump-step")
      dumpDir = next();
    else {
      std::fprintf(
          stderr,
          "usage: cnn [--data DIR] [--ckpt-dir DIR] [--epochs N (5)] "
          "[--batch N (50)] [--batches-per-epoch K] [--predict] "
          "[--predictions FILE] [--dump-step DIR]\n"
          "Trains TF's mnist_deep CNN (compiled ahead of time) on "
          "Fashion-MNIST (Debian's dataset-fashion-mnist):\n"
          "shuffled batches of the 55000 training images at keep_prob "
          "0.5, Adam 1e-3; after each epoch a checkpoint in\n"
          "--ckpt-dir and the test accuracy. --predict restores the latest "
          "checkpoint and reports the test accuracy;\n"
          "--predictions FILE writes the predicted classes, one a line. "
          "--dump-step DIR writes one training step's\n"
          "inputs and variables for check_step.py.\n");
      return 2;
    }
  }
  if (batch <= 0) {
    std::fprintf(stderr, "InvalidArgument: --batch must be positive\n");
    return 2;
  }
  auto created = demo::Cnn::create();
  if (!okOrReport(created.status(), "model"))
    return 1;
  demo::Cnn &model = **created;
  if (!okOrReport(model.init_all_variables(), "init"))
    return 1;
  StatusOr<MnistDataSet> test =
      loadMnistDataSet(dataDir, kMnistTestImages, kMnistTestLabels);
  if (!okOrReport(test.status(), "test set"))
    return 1;

  if (predictOnly)
    return predictFromLatestCheckpoint(
        ckptDir, [&](const std::string &path) { return model.restore(path); },
        *test, kEvalBatch, classifier(model), predictionsPath);

  StatusOr<MnistDataSet> train =
      loadMnistDataSet(dataDir, kMnistTrainImages, kMnistTrainLabels, 5000);
  if (!okOrReport(train.status(), "training set"))
    return 1;
  if (!dumpDir.empty())
    return dumpStep(model, *train, dumpDir);
  mkdir(ckptDir.c_str(), 0755);
  Tensor keep = Tensor::scalar<float>(0.5f);
  std::vector<int64_t> order(static_cast<size_t>(train->count));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 shuffle(2017);
  int64_t perEpoch = train->count / batch;
  if (maxBatches > 0)
    perEpoch = std::min(perEpoch, maxBatches);
  for (int epoch = 0; epoch < epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), shuffle);
    auto t0 = std::chrono::steady_clock::now();
    double lossSum = 0;
    for (int64_t b = 0; b < perEpoch; ++b) {
      Tensor loss;
      Status st = model.train(
          mnistRows(train->images, order, b * batch, batch, 784),
          mnistRows(train->onehot, order, b * batch, batch, 10), keep, &loss);
      if (!okOrReport(st, "train"))
        return 1;
      lossSum += *loss.data<float>();
      if ((b + 1) % 100 == 0 || b + 1 == perEpoch) {
        std::printf("\repoch %d: step %lld/%lld, loss %.4f", epoch,
                    static_cast<long long>(b + 1),
                    static_cast<long long>(perEpoch), lossSum / (b + 1));
        std::fflush(stdout);
      }
    }
    double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    StatusOr<std::string> saved = model.save(ckptDir + "/model.ckpt", epoch);
    if (!okOrReport(saved.status(), "save"))
      return 1;
    std::vector<int64_t> predictions;
    StatusOr<double> acc =
        mnistAccuracy(*test, kEvalBatch, classifier(model), &predictions);
    if (!okOrReport(acc.status(), "predict"))
      return 1;
    std::printf("\repoch %d: loss %.4f, test accuracy %.4f, %.0f samples/s, "
                "saved %s\n",
                epoch, lossSum / std::max<int64_t>(perEpoch, 1), *acc,
                perEpoch * batch / secs, saved->c_str());
    std::fflush(stdout);
    if (!predictionsPath.empty() && epoch + 1 == epochs &&
        !writeClasses(predictionsPath, predictions))
      return 1;
  }
  return 0;
}
