//===- Philox.h - TensorFlow's Philox4x32-10 generator ----------*- C++ -*-===//
//
// A bit-exact copy of TensorFlow's counter-based generator and the
// distributions its CPU kernels draw from (uniform, Box-Muller normal,
// truncated normal), so random ops and RandomShuffleQueue reproduce TF's
// streams for the same (seed, seed2) attrs. See tf-formats.md section 9.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_PHILOX_H
#define KILN_RUNTIME_PHILOX_H

#include <array>
#include <cstdint>
#include <mutex>

namespace kiln {
class ThreadPool;
namespace random {

/// Philox4x32-10: a 128-bit counter and a 64-bit key; each call returns four
/// uint32 values and advances the counter by one.
class PhiloxRandom {
public:
  using ResultType = std::array<uint32_t, 4>;
  using Key = std::array<uint32_t, 2>;
  static constexpr int kResultElementCount = 4;
  /// Upper bound of Philox calls one distribution sample may use; TF reserves
  /// this many per element for variable-count distributions.
  static constexpr int kElementCost = 10;

  /// All-zero key and counter (what SimplePhilox users in TF start from).
  PhiloxRandom() = default;
  /// TF's seeding: key = {lo(seed), hi(seed)}, counter = {0, 0, lo(seed2),
  /// hi(seed2)}. No replacement of (0, 0): see seededPair() for that.
  explicit PhiloxRandom(uint64_t seed) : PhiloxRandom(seed, 0) {}
  PhiloxRandom(uint64_t seed, uint64_t seed2);
  PhiloxRandom(const ResultType &counter, const Key &key)
      : counter_(counter), key_(key) {}

  ResultType operator()();

  /// Advances the counter by `count` calls (added to its low 64 bits, with
  /// the carry into the high words).
  void skip(uint64_t count);

  const ResultType &counter() const { return counter_; }
  const Key &key() const { return key_; }

private:
  ResultType counter_{};
  Key key_{};
};

/// A fresh 64-bit value from the OS entropy source (TF's random::New64).
uint64_t new64();

/// The generator TF kernels build from their seed attrs: when both are 0 the
/// stream is nondeterministic (both replaced by new64()).
PhiloxRandom seededPhilox(int64_t seed, int64_t seed2);

/// Float in [0, 1) from 23 random mantissa bits (TF's Uint32ToFloat).
float uint32ToFloat(uint32_t x);
/// Double in [0, 1) from 52 random bits: (x0 & 0xFFFFF) << 32 | x1.
double uint64ToDouble(uint32_t x0, uint32_t x1);
/// Box-Muller: r = sqrt(-2 ln max(u(x0), 1e-7)), theta = 2 pi u(x1);
/// *f0 = r sin(theta), *f1 = r cos(theta).
void boxMullerFloat(uint32_t x0, uint32_t x1, float *f0, float *f1);
void boxMullerDouble(uint32_t x0, uint32_t x1, uint32_t x2, uint32_t x3,
                     double *d0, double *d1);

/// One Philox call's worth of samples (TF's fixed-count distributions).
std::array<float, 4> uniformFloat(PhiloxRandom &gen);
/// out[0, n) = what n / 4 (rounded up) calls of uniformFloat(gen) give, in
/// order (the last call's surplus dropped): 16 calls at a time with
/// AVX-512, split over `pool` when it is big enough.
void fillUniformFloat(PhiloxRandom gen, float *out, int64_t n,
                      ThreadPool *pool = nullptr);
std::array<double, 2> uniformDouble(PhiloxRandom &gen);
std::array<float, 4> normalFloat(PhiloxRandom &gen);
std::array<double, 2> normalDouble(PhiloxRandom &gen);

/// Hands out the four lanes of each Philox call one at a time (TF's
/// SingleSampleAdapter): variable-count distributions draw through this.
class SingleSampleAdapter {
public:
  explicit SingleSampleAdapter(PhiloxRandom *gen) : gen_(gen) {}
  uint32_t operator()() {
    if (used_ == PhiloxRandom::kResultElementCount) {
      results_ = (*gen_)();
      used_ = 0;
    }
    return results_[used_++];
  }
  /// Skips `count` single samples, consuming whole Philox calls as TF does.
  void skip(uint64_t count);

private:
  PhiloxRandom *gen_;
  PhiloxRandom::ResultType results_{};
  int used_ = PhiloxRandom::kResultElementCount;
};

/// TF's TruncatedNormalDistribution<float>: Box-Muller pairs drawn through
/// the adapter, keeping values with |x| < 2 until four are kept.
std::array<float, 4> truncatedNormalFloat(SingleSampleAdapter &gen);

/// TF's SimplePhilox: scalar draws for kernels that sample one at a time
/// (word2vec, shuffles).
class SimplePhilox {
public:
  explicit SimplePhilox(PhiloxRandom *gen) : single_(gen) {}
  uint32_t rand32() { return single_(); }
  uint64_t rand64() {
    uint32_t lo = single_();
    uint32_t hi = single_();
    return lo | static_cast<uint64_t>(hi) << 32;
  }
  float randFloat() { return uint32ToFloat(single_()); }
  double randDouble() {
    uint32_t x0 = single_();
    uint32_t x1 = single_();
    return uint64ToDouble(x0, x1);
  }
  /// Uniform in [0, n) by modulo, exactly as TF (slightly biased).
  uint32_t uniform(uint32_t n) { return n == 0 ? 0 : rand32() % n; }
  uint64_t uniform64(uint64_t n) { return n == 0 ? 0 : rand64() % n; }

private:
  SingleSampleAdapter single_;
};

/// A generator shared by the executions of one stateful random op (TF's
/// GuardedPhiloxRandom): each execution reserves a block of calls so that
/// the k-th execution's output is independent of thread timing.
class GuardedPhiloxRandom {
public:
  GuardedPhiloxRandom(int64_t seed, int64_t seed2)
      : generator_(seededPhilox(seed, seed2)) {}
  /// Returns a copy positioned at the current state and advances the shared
  /// state by `calls` Philox calls (TF's ReserveSamples128).
  PhiloxRandom reserveSamples128(int64_t calls);
  /// Room for `samples` single uint32 samples (TF's ReserveSamples32).
  PhiloxRandom reserveSamples32(int64_t samples) {
    return reserveSamples128((samples + 3) / 4);
  }
  /// TF's ReserveRandomOutputs: `outputCount * multiplier` calls, so an
  /// execution of a random op over N elements skips N * 256 calls.
  PhiloxRandom reserveRandomOutputs(int64_t outputCount, int multiplier) {
    return reserveSamples128(outputCount * multiplier);
  }

private:
  std::mutex mu_;
  PhiloxRandom generator_;
};

} // namespace random
} // namespace kiln

#endif // KILN_RUNTIME_PHILOX_H
