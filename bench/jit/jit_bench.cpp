//===- jit_bench.cpp - JIT compile time and per-run overhead --------------===//
//
// 1. Compile time of the S1 model pruned to its prediction (Placeholder ->
//    three MatMul/Relu layers with dropout -> ArgMax), from the S1 .meta
//    given (bench/jit/run.sh: examples/mnist_mlp's), through Kiln's whole
//    pipeline to native code.
// 2. Steady-state overhead of one Session.run of a one-op graph (a scalar
//    add of two feeds) against a direct C++ call of the same add, both in
//    calls per second.
//
//===----------------------------------------------------------------------===//
#include "kiln/Execution/GraphJit.h"

#include <chrono>
#include <cstdio>
#include <fstream>

using namespace kiln;
using Clock = std::chrono::steady_clock;

static double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

__attribute__((noinline)) static float directAdd(const float *a,
                                                 const float *b) {
  return *a + *b;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: jit_bench S1_META SCRATCH_DIR\n");
    return 2;
  }
  std::string meta = argv[1], dir = argv[2];
  // 1. Compile time (best of 3 fresh loads, so nothing is cached).
  if (std::ifstream(meta).good()) {
    double best = 1e9;
    for (int i = 0; i < 3; ++i) {
      auto jit = GraphJit::load(meta, JitOptions());
      if (!jit.ok()) {
        std::fprintf(stderr, "%s\n", jit.status().toString().c_str());
        return 1;
      }
      std::vector<Tensor> feeds{Tensor(DType::kFloat, {128, 784}),
                                Tensor::scalar<float>(1.0f),
                                Tensor::scalar<float>(1.0f)};
      auto t0 = Clock::now();
      auto sig = (*jit)->get({"Placeholder", "Placeholder_2", "Placeholder_3"},
                             {"ArgMax"}, {}, &feeds);
      auto t1 = Clock::now();
      if (!sig.ok()) {
        std::fprintf(stderr, "%s\n", sig.status().toString().c_str());
        return 1;
      }
      best = std::min(best, seconds(t0, t1));
    }
    std::printf("BENCH jit_compile_s1_predict %.1f ms\n", best * 1e3);
  } else {
    std::fprintf(stderr, "jit_bench: %s not found; compile time skipped\n",
                 meta.c_str());
  }

  // 2. Per-run overhead of a scalar add.
  std::string graph = dir + "/scalar_add.pbtxt";
  std::ofstream(graph) << R"(
node { name: "a" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } }
       attr { key: "shape" value { shape { } } } }
node { name: "b" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } }
       attr { key: "shape" value { shape { } } } }
node { name: "sum" op: "Add" input: "a" input: "b"
       attr { key: "T" value { type: DT_FLOAT } } }
)";
  auto jit = GraphJit::load(graph, JitOptions());
  if (!jit.ok()) {
    std::fprintf(stderr, "%s\n", jit.status().toString().c_str());
    return 1;
  }
  auto session = Session::create((*jit)->resourceSpecs(), jit->get());
  std::vector<Tensor> feeds{Tensor::scalar<float>(1.5f),
                            Tensor::scalar<float>(2.0f)};
  auto sig = (*jit)->get({"a", "b"}, {"sum"}, {}, &feeds);
  if (!session.ok() || !sig.ok())
    return 1;
  std::vector<Tensor> out;
  const int n = 200000;
  for (int i = 0; i < 1000; ++i)
    (void)(*session)->run(**sig, feeds, &out);
  auto t0 = Clock::now();
  for (int i = 0; i < n; ++i)
    (void)(*session)->run(**sig, feeds, &out);
  auto t1 = Clock::now();
  if (*out[0].data<float>() != 3.5f) {
    std::fprintf(stderr, "wrong sum %g\n", *out[0].data<float>());
    return 1;
  }
  float a = 1.5f, b = 2.0f, acc = 0;
  auto t2 = Clock::now();
  for (int i = 0; i < n * 50; ++i) {
    acc += directAdd(&a, &b);
    asm volatile("" : : "r"(&acc) : "memory");
  }
  auto t3 = Clock::now();
  double kilnPerSec = n / seconds(t0, t1);
  double directPerSec = n * 50 / seconds(t2, t3);
  std::printf("BENCH jit_run_overhead_scalar_add %.3f us\n", 1e6 / kilnPerSec);
  std::printf("BENCH direct_cpp_scalar_add %.4f us\n", 1e6 / directPerSec);
  std::printf("RATIO jit_run_vs_direct_call %.5f (higher is better)\n",
              kilnPerSec / directPerSec);
  std::printf("RATIO jit_run_overhead_vs_1us_goal %.3f (higher is better)\n",
              kilnPerSec / 1e6);
  return 0;
}
