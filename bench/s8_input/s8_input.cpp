//===- s8_input.cpp - S8's input path vs. the same model fed from memory --===//
//
// Usage: s8_input_bench pipeline DIR [WARMUP STEPS]
//        s8_input_bench memory [WARMUP STEPS]
// pipeline: the S8 graph (examples/s8_tfrecords) trains from
//   DIR/train.tfrecords through its own queue runners (file names ->
//   TFRecordReader -> ParseSingleExample -> DecodeRaw -> shuffle_batch, 2
//   threads), as s8_tfrecords does;
// memory: the same graph with the shuffle queue's dequeue fed: batches of
//   100 images and labels from arrays in memory (64 distinct batches, taken
//   in turn), no reader, no queue.
// Both run WARMUP (100) steps, then time STEPS (900; the pipeline has 1100
// before its 2 epochs end) and print
//   RESULT s8 MODE steps_per_s X
//
//===----------------------------------------------------------------------===//
#include "s8_graph.h"
#include "s8_memory_graph.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

int fail(const char *what, const kiln::Status &s) {
  std::fprintf(stderr, "s8_input_bench: %s: %s\n", what, s.toString().c_str());
  return 1;
}

/// Runs `step` WARMUP times, then STEPS times timed; steps per second.
template <typename Step>
double time(int warmup, int steps, Step step, kiln::Status *st) {
  for (int i = 0; i < warmup && st->ok(); ++i)
    *st = step(i);
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < steps && st->ok(); ++i)
    *st = step(warmup + i);
  return steps /
         std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
             .count();
}

} // namespace

int main(int argc, char **argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  int next = mode == "pipeline" ? 3 : 2;
  if ((mode != "pipeline" && mode != "memory") ||
      (mode == "pipeline" && argc < 3)) {
    std::fprintf(stderr,
                 "usage: %s pipeline DIR [WARMUP STEPS]\n"
                 "       %s memory [WARMUP STEPS]\n",
                 argv[0], argv[0]);
    return 2;
  }
  int warmup = argc > next ? std::atoi(argv[next]) : 100;
  int steps = argc > next + 1 ? std::atoi(argv[next + 1]) : 900;
  kiln::Status st;
  double rate = 0;
  if (mode == "pipeline") {
    if (chdir(argv[2]) != 0) {
      std::perror(argv[2]);
      return 1;
    }
    auto model = demo::S8Reader::create();
    if (!model.ok())
      return fail("model", model.status());
    if (!(st = (*model)->init()).ok())
      return fail("init", st);
    if (!(st = (*model)->start_queue_runners()).ok())
      return fail("start_queue_runners", st);
    kiln::Tensor loss;
    rate = time(
        warmup, steps, [&](int) { return (*model)->train(&loss); }, &st);
    kiln::Status joined = (*model)->stop_queue_runners();
    if (!st.ok())
      return fail("train", st);
    if (!joined.ok())
      return fail("queue runners", joined);
  } else {
    auto model = bench::S8Memory::create();
    if (!model.ok())
      return fail("model", model.status());
    if (!(st = (*model)->init()).ok())
      return fail("init", st);
    std::mt19937 rng(0);
    std::uniform_real_distribution<float> pixel(-0.5f, 0.5f);
    std::uniform_int_distribution<int32_t> label(0, 9);
    std::vector<kiln::Tensor> images, labels;
    for (int b = 0; b < 64; ++b) {
      kiln::Tensor x(kiln::DType::kFloat, kiln::TensorShape({100, 784}));
      kiln::Tensor y(kiln::DType::kInt32, kiln::TensorShape({100}));
      for (int64_t i = 0; i < x.numElements(); ++i)
        x.data<float>()[i] = pixel(rng);
      for (int64_t i = 0; i < y.numElements(); ++i)
        y.data<int32_t>()[i] = label(rng);
      images.push_back(std::move(x));
      labels.push_back(std::move(y));
    }
    kiln::Tensor loss;
    rate = time(
        warmup, steps,
        [&](int i) {
          return (*model)->train(images[i % 64], labels[i % 64], &loss);
        },
        &st);
    if (!st.ok())
      return fail("train", st);
  }
  std::printf("RESULT s8 %s steps_per_s %.1f\n", mode.c_str(), rate);
  return 0;
}
