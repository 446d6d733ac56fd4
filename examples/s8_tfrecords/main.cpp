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
// bench/longrun builds this program over a graph without an epoch limit and
// with 4 reader threads (S8_GRAPH_HEADER names its header) and runs it with
// --seconds: training stops after that long, then the threads are stopped
// and joined as at the end of the input.
//
//===----------------------------------------------------------------------===//
#ifndef S8_GRAPH_HEADER
#define S8_GRAPH_HEADER "s8_graph.h"
#endif
#include S8_GRAPH_HEADER

#include <algorithm>
#include <chrono>
#include <cstdlib>
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
  double seconds = 0; // 0: until the input runs out
  int every = 100;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--data" && i + 1 < argc) {
      dataDir = argv[++i];
    } else if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (a == "--every" && i + 1 < argc) {
      every = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr,
                   "usage: s8_tfrecords [--data DIR] [--seconds S] "
                   "[--every N]\n"
                   "Trains fully_connected_reader.py's MLP from "
                   "DIR/train.tfrecords (make it with convert-to-records),\n"
                   "reading it with the graph's own queue runners, until the "
                   "input runs out (%d epochs) or for S seconds;\n"
                   "prints the loss every N steps (100).\n",
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

  auto start = std::chrono::steady_clock::now();
  int step = 0;
  bool timeUp = false;
  for (;; ++step) {
    if (seconds > 0 && std::chrono::duration<double>(
                           std::chrono::steady_clock::now() - start)
                               .count() >= seconds) {
      timeUp = true;
      break;
    }
    auto t0 = std::chrono::steady_clock::now();
    Tensor loss;
    st = model.train(&loss);
    if (!st.ok())
      break;
    double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    if (step % every == 0) {
      std::printf("Step %d: loss = %.2f (%.3f sec)\n", step,
                  *loss.data<float>(), secs);
      std::fflush(stdout);
    }
  }
  int rc = 0;
  if (timeUp)
    std::printf("Stopped after %.0f seconds, %d steps.\n", seconds, step);
  else if (st.code() == Code::kOutOfRange)
    std::printf("Done training for %d epochs, %d steps.\n", kNumEpochs, step);
  else
    rc = fail("train", st);
  // coord.request_stop(); coord.join(threads)
  Status joined = model.stop_queue_runners();
  if (!joined.ok())
    return fail("queue runners", joined);
  return rc;
}
