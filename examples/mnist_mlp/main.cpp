//===- main.cpp - S1/S2: train the MLP on Fashion-MNIST, checkpoint, predict
//-===//
//
// The S1 training loop of SCENARIOS.md, on the graph compiled ahead of time
// (mnist_mlp.h, made by graph-compile from the TF-written S1 .meta):
// batches of 128 with keep 0.8/0.5, RMSProp, `Start from: N` from the
// latest checkpoint, global_step set per epoch, one save per epoch into
// ckpt_dir (TF's format; the newest 5 kept). S2 (--predict): restore the
// latest checkpoint and report the test accuracy.
//
//===----------------------------------------------------------------------===//
#include "mnist_mlp.h"

#include "kiln/mnist/MnistData.h"
#include "kiln/mnist/MnistRecords.h"
#include "kiln/runtime/CheckpointState.h"
#include "kiln/runtime/Summary.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <sys/stat.h>

using namespace kiln;

namespace {

using Data = MnistDataSet;

/// Test accuracy with the predict signature, in batches of 1000.
constexpr int64_t kEvalBatch = 1000;

/// The predict signature with both keep probabilities 1, as mnistAccuracy's
/// classifier.
MnistClassifier classifier(demo::MnistMlp &model) {
  return [&model](const Tensor &images, Tensor *classes) {
    Tensor one = Tensor::scalar<float>(1.0f);
    return model.predict(images, one, one, classes);
  };
}

} // namespace

int main(int argc, char **argv) {
  std::string dataDir = kDefaultMnistDir, ckptDir = "./ckpt_dir",
              logDir = "./logs";
  int epochs = 100;
  int64_t maxBatches = 0; // 0 = the whole training set per epoch
  // read_data_sets keeps the first 5000 training images for validation:
  // the seed trains on mnist.train, the other 55000.
  int64_t validationSize = 5000;
  bool predictOnly = false;
  std::string predictionsPath; // --predictions: where to write them
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() { return std::string(i + 1 < argc ? argv[++i] : ""); };
    if (a == "--data")
      dataDir = next();
    else if (a == "--ckpt-dir")
      ckptDir = next();
    else if (a == "--logdir")
      logDir = next();
    else if (a == "--epochs")
      epochs = std::stoi(next());
    else if (a == "--batches-per-epoch")
      maxBatches = std::stoll(next());
    else if (a == "--validation-size")
      validationSize = std::stoll(next());
    else if (a == "--predict")
      predictOnly = true;
    else if (a == "--predictions")
      predictionsPath = next();
    else {
      std::fprintf(stderr,
                   "usage: mnist_mlp [--data DIR] [--ckpt-dir DIR] "
                   "[--logdir DIR] [--epochs N] [--batches-per-epoch K] "
                   "[--validation-size N] [--predict] [--predictions FILE]\n"
                   "Trains the S1 MLP on Fashion-MNIST (Debian's "
                   "dataset-fashion-mnist), saving a checkpoint per epoch\n"
                   "and logging loss and test accuracy for TensorBoard in "
                   "--logdir;\n"
                   "--predict restores the latest one and reports the test "
                   "accuracy (S2);\n"
                   "--predictions FILE writes the test-set predictions (of "
                   "the last epoch trained, or of --predict).\n"
                   "Training uses the training images after the first "
                   "--validation-size (5000), as read_data_sets splits "
                   "them.\n");
      return 2;
    }
  }
  StatusOr<Data> test =
      loadMnistDataSet(dataDir, kMnistTestImages, kMnistTestLabels);
  if (!okOrReport(test.status(), "test set"))
    return 1;
  auto created = demo::MnistMlp::create();
  if (!okOrReport(created.status(), "model"))
    return 1;
  demo::MnistMlp &model = **created;
  if (!okOrReport(model.init_all_variables(), "init"))
    return 1;

  if (predictOnly)
    return predictFromLatestCheckpoint(
        ckptDir, [&](const std::string &path) { return model.restore(path); },
        *test, kEvalBatch, classifier(model), predictionsPath);

  StatusOr<Data> train = loadMnistDataSet(dataDir, kMnistTrainImages,
                                          kMnistTrainLabels, validationSize);
  if (!okOrReport(train.status(), "training set"))
    return 1;
  mkdir(ckptDir.c_str(), 0755);
  if (std::optional<std::string> latest = latestCheckpoint(ckptDir)) {
    if (!okOrReport(model.restore(ckptDir), "restore"))
      return 1;
  }
  StatusOr<Tensor> step = model.var_global_step()->snapshot();
  if (!okOrReport(step.status(), "global_step"))
    return 1;
  int start = *step->data<int32_t>();
  std::printf("Start from: %d\n", start);
  std::fflush(stdout);
  StatusOr<std::unique_ptr<SummaryWriter>> writer =
      SummaryWriter::create(logDir);
  if (!okOrReport(writer.status(), "summary writer"))
    return 1;
  Tensor keepInput = Tensor::scalar<float>(0.8f),
         keepHidden = Tensor::scalar<float>(0.5f);
  for (int epoch = start; epoch < epochs; ++epoch) {
    auto t0 = std::chrono::steady_clock::now();
    double lossSum = 0;
    int64_t batches = 0;
    for (int64_t s = 0, e = 128; e <= train->count; s += 128, e += 128) {
      if (maxBatches && batches >= maxBatches)
        break;
      Tensor loss;
      Status st = model.train(mnistRows(train->images, s, 128, 784),
                              mnistRows(train->onehot, s, 128, 10), keepInput,
                              keepHidden, &loss);
      if (!okOrReport(st, "train"))
        return 1;
      lossSum += *loss.data<float>();
      ++batches;
    }
    double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    if (!okOrReport(
            model.var_global_step()->assign(Tensor::scalar<int32_t>(epoch)),
            "global_step"))
      return 1;
    StatusOr<std::string> saved = model.save(ckptDir + "/model.ckpt", epoch);
    if (!okOrReport(saved.status(), "save"))
      return 1;
    std::vector<int64_t> predictions;
    StatusOr<double> acc =
        mnistAccuracy(*test, kEvalBatch, classifier(model), &predictions);
    if (!okOrReport(acc.status(), "predict"))
      return 1;
    if (!predictionsPath.empty() && epoch + 1 == epochs &&
        !writeClasses(predictionsPath, predictions))
      return 1;
    double meanLoss = lossSum / std::max<int64_t>(batches, 1);
    if (!okOrReport((*writer)->addScalar("loss", float(meanLoss), epoch),
                    "log") ||
        !okOrReport((*writer)->addScalar("accuracy", float(*acc), epoch),
                    "log") ||
        !okOrReport((*writer)->flush(), "log"))
      return 1;
    std::printf("epoch %d: loss %.4f, test accuracy %.4f, %.0f samples/s, "
                "saved %s\n",
                epoch, meanLoss, *acc, batches * 128 / secs, saved->c_str());
    std::fflush(stdout);
  }
  return 0;
}
