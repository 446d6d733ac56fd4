//===- infer.cpp - S1 inference latency for bench/s1_infer ----------------===//
//
// Usage: s1_infer_bench BATCH [CALLS]
// The S1 predict signature compiled ahead of time (the project's own S1
// graph: 784-625-625-10, ReLU, dropout keep 1, ArgMax), its weights drawn
// N(0, 0.01) as ../shared/peers/mlp_infer.cpp draws them, timed as that
// peer times itself: CALLS calls (20000 at batch 1, 200 at 128) after a
// warm-up, 7 times; prints
//   RESULT kiln infer batch=B us_per_call: min X / median Y / max Z
//
//===----------------------------------------------------------------------===//
#include "s1_predict.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s BATCH [CALLS]\n", argv[0]);
    return 2;
  }
  const int64_t batch = std::atoll(argv[1]);
  const int calls = argc > 2 ? std::atoi(argv[2]) : (batch == 1 ? 20000 : 200);
  auto model = demo::S1Predict::create();
  if (!model.ok()) {
    std::fprintf(stderr, "%s\n", model.status().toString().c_str());
    return 1;
  }
  std::mt19937 rng(0);
  std::normal_distribution<float> nd(0.f, 0.01f);
  std::uniform_real_distribution<float> ud(0.f, 1.f);
  auto random = [&](std::vector<int64_t> dims, bool uniform) {
    kiln::Tensor t(kiln::DType::kFloat, kiln::TensorShape(dims));
    float *d = t.data<float>();
    for (int64_t i = 0; i < t.numElements(); ++i)
      d[i] = uniform ? ud(rng) : nd(rng);
    return t;
  };
  kiln::Variable *vars[] = {(*model)->var_Variable(),
                            (*model)->var_Variable_1(),
                            (*model)->var_Variable_2()};
  std::vector<int64_t> shapes[] = {{784, 625}, {625, 625}, {625, 10}};
  for (int i = 0; i < 3; ++i)
    if (!vars[i]->assign(random(shapes[i], false)).ok())
      return 1;
  kiln::Tensor x = random({batch, 784}, true);
  kiln::Tensor one = kiln::Tensor::scalar<float>(1.0f), out;
  auto step = [&] {
    kiln::Status st = (*model)->predict(x, one, one, &out);
    if (!st.ok()) {
      std::fprintf(stderr, "%s\n", st.toString().c_str());
      std::exit(1);
    }
  };
  for (int i = 0; i < calls / 10 + 10; ++i)
    step();
  std::vector<double> t;
  for (int r = 0; r < 7; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i)
      step();
    t.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count() /
        calls);
  }
  std::sort(t.begin(), t.end());
  std::printf("RESULT kiln infer batch=%lld us_per_call: min %.2f / median "
              "%.2f / max %.2f\n",
              static_cast<long long>(batch), t[0] * 1e6, t[3] * 1e6,
              t[6] * 1e6);
  return 0;
}
