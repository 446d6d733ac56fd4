//===- main.cpp - S8: train from TFRecords with the compiled input pipeline
//===//
//
// run_training() of TF's fully_connected_reader.py, over the graph model.py
// builds, compiled ahead of time into s8_graph.{o,h} (class
// demo::S8Reader): initialize global and local variables, start the graph's
// queue runners (file names -> TFRecordReader -> parse -> decode ->
// shuffle_batch with 2 threads), train until the input is exhausted
// (OutOfRange after num_epochs=2 passes over train.tfrecords: 1100 steps of
// 100 images), printing every 100 steps, then stop and join the threads.
//
// The graph names its input `train.tfrecords` relative to the working
// directory, as TF's program joins it to --train_dir when it builds the
// graph: --data DIR changes into DIR first.
//
//===----------------------------------------------------------------------===//
#include "s8_graph.h"

#include <chrono>
#include <cstdio>
#include <string>
#include <unistd.h>

using namespace kiln;

namespace {

/// model.py builds the graph with string_input_producer(num_epochs=2).
constexpr int kNumEpochs = 2;

int fail(const char *what, const Status &s) {
  std::fprintf(stderr, "%s: %s: %s\n", what, codeName(s.code()),
               s.message().c_str());
  return 1;
}

} // namespace

int main(int argc, char **argv) {
  std::string dataDir = ".";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--data" && i + 1 < argc) {
      dataDir = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: s8_tfrecords [--data DIR]\n"
                   "Trains fully_connected_reader.py's MLP for %d epochs "
                   "from DIR/train.tfrecords (make it with\n"
                   "convert-to-records), reading it with the graph's own "
                   "queue runners.\n",
                   kNumEpochs);
      return 2;
    }
  }
  if (chdir(dataDir.c_str()) != 0) {
    std::perror(dataDir.c_str());
    return 1;
  }
  StatusOr<std::unique_ptr<demo::S8Reader>> created = demo::S8Reader::create();
  if (!created.ok())
    return fail("model", created.status());
  demo::S8Reader &model = **created;
  Status st = model.init();
  if (!st.ok())
    return fail("init", st);
  st = model.start_queue_runners();
  if (!st.ok())
    return fail("start_queue_runners", st);

  int step = 0;
  for (;; ++step) {
    auto t0 = std::chrono::steady_clock::now();
    Tensor loss;
    st = model.train(&loss);
    if (!st.ok())
      break;
    double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    if (step % 100 == 0) {
      std::printf("Step %d: loss = %.2f (%.3f sec)\n", step,
                  *loss.data<float>(), secs);
      std::fflush(stdout);
    }
  }
  int rc = 0;
  if (st.code() == Code::kOutOfRange)
    std::printf("Done training for %d epochs, %d steps.\n", kNumEpochs, step);
  else
    rc = fail("train", st);
  // coord.request_stop(); coord.join(threads)
  Status joined = model.stop_queue_runners();
  if (!joined.ok())
    return fail("queue runners", joined);
  return rc;
}
