//===- QueueBench.cpp - Queue round trips and batch assembly --------------===//
//
// Everything goes through the public Queue API, a fresh tensor per enqueue,
// as a compiled enqueue op would do. The batch benchmark compares
// DequeueMany(128) of 784-float rows with one memcpy of the same bytes.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/Queue.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstring>
#include <thread>

using namespace kiln;

namespace {

std::shared_ptr<FIFOQueue> makeQueue(int64_t capacity,
                                     std::vector<TensorShape> shapes) {
  QueueOptions o;
  o.name = "bench";
  o.componentTypes = {DType::kFloat};
  o.shapes = std::move(shapes);
  o.capacity = capacity;
  return *FIFOQueue::create(o);
}

// Enqueue then dequeue on one thread: the cost of the API itself.
void BM_ScalarRoundTripOneThread(benchmark::State &state) {
  auto q = makeQueue(1024, {TensorShape{}});
  Tuple in(1), out;
  float sum = 0;
  for (auto _ : state) {
    in[0] = Tensor::scalar<float>(1.0f);
    if (!q->enqueue(in).ok() || !q->dequeue(&out).ok())
      state.SkipWithError("queue failed");
    sum += *out[0].data<float>();
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ScalarRoundTripOneThread);

// A producer thread and the benchmark thread as consumer.
void BM_ScalarSPSC(benchmark::State &state) {
  const int64_t kBatch = 1 << 16;
  auto q = makeQueue(1024, {TensorShape{}});
  for (auto _ : state) {
    std::thread producer([&] {
      Tuple in(1);
      for (int64_t i = 0; i < kBatch; ++i) {
        in[0] = Tensor::scalar<float>(static_cast<float>(i));
        if (!q->enqueue(in).ok())
          return;
      }
    });
    Tuple out;
    float sum = 0;
    for (int64_t i = 0; i < kBatch; ++i) {
      if (!q->dequeue(&out).ok())
        break;
      sum += *out[0].data<float>();
    }
    producer.join();
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_ScalarSPSC)->UseRealTime()->Unit(benchmark::kMillisecond);

constexpr int64_t kRows = 128, kRowFloats = 784;
constexpr int64_t kBatchBytes = kRows * kRowFloats * sizeof(float);

// Only the DequeueMany is timed; refilling the queue is not.
void BM_DequeueMany128x784(benchmark::State &state) {
  auto q = makeQueue(4 * kRows, {TensorShape{kRowFloats}});
  std::vector<Tensor> rows;
  for (int64_t r = 0; r < kRows; ++r) {
    Tensor t(DType::kFloat, TensorShape{kRowFloats});
    for (int64_t i = 0; i < kRowFloats; ++i)
      t.data<float>()[i] = static_cast<float>(r * kRowFloats + i);
    rows.push_back(t);
  }
  Tuple out, in(1);
  for (auto _ : state) {
    for (const Tensor &r : rows) {
      in[0] = r;
      if (!q->enqueue(in).ok())
        state.SkipWithError("enqueue failed");
    }
    auto t0 = std::chrono::steady_clock::now();
    if (!q->dequeueMany(kRows, &out).ok())
      state.SkipWithError("dequeueMany failed");
    auto t1 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(out[0].raw());
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
  }
  state.SetBytesProcessed(state.iterations() * kBatchBytes);
}
BENCHMARK(BM_DequeueMany128x784)->UseManualTime();

void BM_Memcpy128x784(benchmark::State &state) {
  std::vector<float> src(kRows * kRowFloats, 1.0f), dst(kRows * kRowFloats);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), kBatchBytes);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * kBatchBytes);
}
BENCHMARK(BM_Memcpy128x784)->UseRealTime();

// The same bytes gathered from 128 separate row buffers: the floor for any
// batch assembly, to tell queue overhead from the cost of gathering rows.
void BM_Memcpy128SeparateRows(benchmark::State &state) {
  std::vector<std::vector<float>> rows(kRows,
                                       std::vector<float>(kRowFloats, 1.0f));
  std::vector<float> dst(kRows * kRowFloats);
  for (auto _ : state) {
    for (int64_t r = 0; r < kRows; ++r)
      std::memcpy(dst.data() + r * kRowFloats, rows[r].data(),
                  kRowFloats * sizeof(float));
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * kBatchBytes);
}
BENCHMARK(BM_Memcpy128SeparateRows)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
