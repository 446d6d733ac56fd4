//===- predict.cpp - S1 predict-only program for bench/s1_predict ---------===//
//
// Restores the S1 variables from a checkpoint and predicts one batch of 128
// images: what a deployed prediction binary does. Prints the time from
// process start to the first prediction.
//
//===----------------------------------------------------------------------===//
#include "s1_predict.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: s1_predict CHECKPOINT\n");
    return 2;
  }
  // Process start, as the kernel saw it.
  std::ifstream stat("/proc/self/stat");
  std::string field;
  for (int i = 0; i < 22 && stat >> field; ++i) {
  }
  double startTicks = std::stod(field);
  std::ifstream uptimeFile("/proc/uptime");
  double uptime;
  uptimeFile >> uptime;
  double sinceStart = uptime - startTicks / sysconf(_SC_CLK_TCK);
  auto t0 = std::chrono::steady_clock::now();

  auto model = demo::S1Predict::create();
  if (!model.ok() || !(*model)->restore(argv[1]).ok())
    return 1;
  kiln::Tensor x(kiln::DType::kFloat, kiln::TensorShape{128, 784});
  kiln::Tensor one = kiln::Tensor::scalar<float>(1.0f), out;
  if (!(*model)->predict(x, one, one, &out).ok())
    return 1;
  double secs = std::chrono::duration<double>(
                    std::chrono::steady_clock::now() - t0)
                    .count();
  std::printf("%.4f\n", sinceStart + secs);
  return 0;
}
