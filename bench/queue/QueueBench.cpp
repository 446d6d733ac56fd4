//===- QueueBench.cpp - Queue round trips and batch assembly --------------===//
//
// Everything goes through the public Queue API, a fresh tensor per enqueue,
// as a compiled enqueue op would do, and one element per call: no batching
// on either side. The batch benchmark compares DequeueMany(128) of 784-float
// rows with a memcpy of the same bytes between 64-byte aligned tensors, both
// timed the same way, one call per sample.
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

// A producer thread and the benchmark thread as consumer, one element per
// Enqueue and per Dequeue; the consumer checks that every value arrives, in
// order. Wall-clock time, thread start and join included.
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
    bool inOrder = true;
    for (int64_t i = 0; i < kBatch; ++i) {
      if (!q->dequeue(&out).ok()) {
        inOrder = false;
        break;
      }
      inOrder &= *out[0].data<float>() == static_cast<float>(i);
    }
    producer.join();
    if (!inOrder)
      state.SkipWithError("values lost or out of order");
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_ScalarSPSC)->UseRealTime()->Unit(benchmark::kMillisecond);

constexpr int64_t kRows = 128, kRowFloats = 784;
constexpr size_t kRowBytes = kRowFloats * sizeof(float);
constexpr size_t kBatchBytes = kRows * kRowBytes; // 401,408 on both sides

Tensor makeRow(int64_t r) {
  Tensor t(DType::kFloat, TensorShape{kRowFloats});
  for (int64_t i = 0; i < kRowFloats; ++i)
    t.data<float>()[i] = static_cast<float>(r * kRowFloats + i);
  return t;
}

// Only the DequeueMany call is timed. Between calls (untimed) the 128 rows
// are enqueued again (the same tensors, so their data stays where it was)
// and the previous batch is released, as a consumer done with it would: the
// queue then allocates its output where the last one was, the counterpart
// of the memcpy peer's reused destination.
void BM_DequeueMany128x784(benchmark::State &state) {
  auto q = makeQueue(4 * kRows, {TensorShape{kRowFloats}});
  std::vector<Tensor> rows;
  for (int64_t r = 0; r < kRows; ++r)
    rows.push_back(makeRow(r));
  Tuple out, in(1);
  for (auto _ : state) {
    for (const Tensor &r : rows) {
      in[0] = r;
      if (!q->enqueue(in).ok())
        state.SkipWithError("enqueue failed");
    }
    out.clear();
    auto t0 = std::chrono::steady_clock::now();
    Status s = q->dequeueMany(kRows, &out);
    auto t1 = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    if (!s.ok() || out[0].byteSize() != kBatchBytes ||
        out[0].data<float>()[kRows * kRowFloats - 1] !=
            static_cast<float>(kRows * kRowFloats - 1))
      state.SkipWithError("dequeueMany failed or wrong batch");
    benchmark::DoNotOptimize(out[0].raw());
  }
  state.SetBytesProcessed(state.iterations() * kBatchBytes);
}
BENCHMARK(BM_DequeueMany128x784)->UseManualTime();

// The peer: one memcpy of the same bytes from one aligned tensor into
// another, the destination reused, timed per call exactly like the queue.
void BM_Memcpy128x784(benchmark::State &state) {
  Tensor src(DType::kFloat, TensorShape{kRows, kRowFloats});
  Tensor dst(DType::kFloat, TensorShape{kRows, kRowFloats});
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    std::memcpy(dst.raw(), src.raw(), kBatchBytes);
    benchmark::ClobberMemory();
    auto t1 = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    benchmark::DoNotOptimize(dst.raw());
  }
  state.SetBytesProcessed(state.iterations() * kBatchBytes);
}
BENCHMARK(BM_Memcpy128x784)->UseManualTime();

// The same bytes gathered from the 128 row tensors into one reused
// destination: the floor for any batch assembly, to tell queue overhead from
// the cost of gathering rows.
void BM_Memcpy128SeparateRows(benchmark::State &state) {
  std::vector<Tensor> rows;
  for (int64_t r = 0; r < kRows; ++r)
    rows.push_back(makeRow(r));
  Tensor dst(DType::kFloat, TensorShape{kRows, kRowFloats});
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    auto *d = static_cast<char *>(dst.raw());
    for (int64_t r = 0; r < kRows; ++r)
      std::memcpy(d + r * kRowBytes, rows[r].raw(), kRowBytes);
    benchmark::ClobberMemory();
    auto t1 = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    benchmark::DoNotOptimize(dst.raw());
  }
  state.SetBytesProcessed(state.iterations() * kBatchBytes);
}
BENCHMARK(BM_Memcpy128SeparateRows)->UseManualTime();

// The same copy into a freshly allocated aligned tensor each time (the
// previous one released first): what producing a new batch tensor costs at
// the least. Informational.
void BM_Memcpy128x784FreshTensor(benchmark::State &state) {
  Tensor src(DType::kFloat, TensorShape{kRows, kRowFloats});
  Tensor dst;
  for (auto _ : state) {
    dst = Tensor();
    auto t0 = std::chrono::steady_clock::now();
    dst = Tensor::uninitialized(DType::kFloat, TensorShape{kRows, kRowFloats});
    std::memcpy(dst.raw(), src.raw(), kBatchBytes);
    benchmark::ClobberMemory();
    auto t1 = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    benchmark::DoNotOptimize(dst.raw());
  }
  state.SetBytesProcessed(state.iterations() * kBatchBytes);
}
BENCHMARK(BM_Memcpy128x784FreshTensor)->UseManualTime();

} // namespace

BENCHMARK_MAIN();
