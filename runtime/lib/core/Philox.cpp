//===- Philox.cpp - TensorFlow's Philox4x32-10 generator ------------------===//
//
// Constants and formulas follow TF's core/lib/random/philox_random.h and
// random_distributions.h bit for bit; any deviation changes every random
// stream a TF graph produces, so the known-answer tests pin them.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/Philox.h"

#include <cmath>
#include <cstring>
#include <random>

namespace kiln {
namespace random {
namespace {

constexpr uint32_t kPhiloxW32A = 0x9E3779B9;
constexpr uint32_t kPhiloxW32B = 0xBB67AE85;
constexpr uint32_t kPhiloxM4x32A = 0xD2511F53;
constexpr uint32_t kPhiloxM4x32B = 0xCD9E8D57;

inline void mulHiLo(uint32_t a, uint32_t b, uint32_t *hi, uint32_t *lo) {
  uint64_t p = static_cast<uint64_t>(a) * b;
  *lo = static_cast<uint32_t>(p);
  *hi = static_cast<uint32_t>(p >> 32);
}

inline PhiloxRandom::ResultType computeRound(const PhiloxRandom::ResultType &c,
                                             const PhiloxRandom::Key &k) {
  uint32_t hi0, lo0, hi1, lo1;
  mulHiLo(kPhiloxM4x32A, c[0], &hi0, &lo0);
  mulHiLo(kPhiloxM4x32B, c[2], &hi1, &lo1);
  return {hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0};
}

} // namespace

PhiloxRandom::PhiloxRandom(uint64_t seed, uint64_t seed2) {
  key_[0] = static_cast<uint32_t>(seed);
  key_[1] = static_cast<uint32_t>(seed >> 32);
  counter_[2] = static_cast<uint32_t>(seed2);
  counter_[3] = static_cast<uint32_t>(seed2 >> 32);
}

PhiloxRandom::ResultType PhiloxRandom::operator()() {
  ResultType c = counter_;
  Key k = key_;
  for (int round = 0; round < 10; ++round) {
    c = computeRound(c, k);
    if (round != 9) {
      k[0] += kPhiloxW32A;
      k[1] += kPhiloxW32B;
    }
  }
  // 128-bit increment of the counter, c[0] lowest.
  if (++counter_[0] == 0 && ++counter_[1] == 0 && ++counter_[2] == 0)
    ++counter_[3];
  return c;
}

void PhiloxRandom::skip(uint64_t count) {
  const uint32_t countLo = static_cast<uint32_t>(count);
  uint32_t countHi = static_cast<uint32_t>(count >> 32);
  counter_[0] += countLo;
  if (counter_[0] < countLo)
    ++countHi;
  counter_[1] += countHi;
  if (counter_[1] < countHi && ++counter_[2] == 0)
    ++counter_[3];
}

uint64_t new64() {
  static std::mutex mu;
  static std::mt19937_64 engine{[] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }()};
  std::lock_guard<std::mutex> lock(mu);
  return engine();
}

PhiloxRandom seededPhilox(int64_t seed, int64_t seed2) {
  if (seed == 0 && seed2 == 0)
    return PhiloxRandom(new64(), new64());
  return PhiloxRandom(static_cast<uint64_t>(seed),
                      static_cast<uint64_t>(seed2));
}

float uint32ToFloat(uint32_t x) {
  const uint32_t bits = (127u << 23) | (x & 0x7fffffu);
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f - 1.0f;
}

double uint64ToDouble(uint32_t x0, uint32_t x1) {
  const uint64_t man = (static_cast<uint64_t>(x0 & 0xfffffu) << 32) | x1;
  const uint64_t bits = (uint64_t{1023} << 52) | man;
  double d;
  std::memcpy(&d, &bits, sizeof(d));
  return d - 1.0;
}

void boxMullerFloat(uint32_t x0, uint32_t x1, float *f0, float *f1) {
  const float epsilon = 1.0e-7f;
  float u1 = uint32ToFloat(x0);
  if (u1 < epsilon)
    u1 = epsilon;
  const float v1 = 2.0f * static_cast<float>(M_PI) * uint32ToFloat(x1);
  const float u2 = std::sqrt(-2.0f * std::log(u1));
  *f0 = std::sin(v1) * u2;
  *f1 = std::cos(v1) * u2;
}

void boxMullerDouble(uint32_t x0, uint32_t x1, uint32_t x2, uint32_t x3,
                     double *d0, double *d1) {
  const double epsilon = 1.0e-7;
  double u1 = uint64ToDouble(x0, x1);
  if (u1 < epsilon)
    u1 = epsilon;
  const double v1 = 2 * M_PI * uint64ToDouble(x2, x3);
  const double u2 = std::sqrt(-2.0 * std::log(u1));
  *d0 = std::sin(v1) * u2;
  *d1 = std::cos(v1) * u2;
}

std::array<float, 4> uniformFloat(PhiloxRandom &gen) {
  PhiloxRandom::ResultType s = gen();
  return {uint32ToFloat(s[0]), uint32ToFloat(s[1]), uint32ToFloat(s[2]),
          uint32ToFloat(s[3])};
}

std::array<double, 2> uniformDouble(PhiloxRandom &gen) {
  PhiloxRandom::ResultType s = gen();
  return {uint64ToDouble(s[0], s[1]), uint64ToDouble(s[2], s[3])};
}

std::array<float, 4> normalFloat(PhiloxRandom &gen) {
  PhiloxRandom::ResultType s = gen();
  std::array<float, 4> r;
  boxMullerFloat(s[0], s[1], &r[0], &r[1]);
  boxMullerFloat(s[2], s[3], &r[2], &r[3]);
  return r;
}

std::array<double, 2> normalDouble(PhiloxRandom &gen) {
  PhiloxRandom::ResultType s = gen();
  std::array<double, 2> r;
  boxMullerDouble(s[0], s[1], s[2], s[3], &r[0], &r[1]);
  return r;
}

void SingleSampleAdapter::skip(uint64_t count) {
  // Drain the lanes still buffered, then skip whole calls, then refill and
  // consume the remainder, as TF's SingleSampleAdapter::Skip does.
  const uint64_t buffered = PhiloxRandom::kResultElementCount - used_;
  if (count <= buffered) {
    used_ += static_cast<int>(count);
    return;
  }
  count -= buffered;
  used_ = PhiloxRandom::kResultElementCount;
  gen_->skip(count / PhiloxRandom::kResultElementCount);
  const int rest = static_cast<int>(count % PhiloxRandom::kResultElementCount);
  if (rest) {
    results_ = (*gen_)();
    used_ = rest;
  }
}

std::array<float, 4> truncatedNormalFloat(SingleSampleAdapter &gen) {
  const float kTruncateValue = 2.0f;
  std::array<float, 4> results;
  int index = 0;
  while (true) {
    const uint32_t x0 = gen();
    const uint32_t x1 = gen();
    float f[2];
    boxMullerFloat(x0, x1, &f[0], &f[1]);
    for (float v : f) {
      if (std::fabs(v) < kTruncateValue) {
        results[index++] = v;
        if (index == 4)
          return results;
      }
    }
  }
}

PhiloxRandom GuardedPhiloxRandom::reserveSamples128(int64_t calls) {
  std::lock_guard<std::mutex> lock(mu_);
  PhiloxRandom local = generator_;
  generator_.skip(static_cast<uint64_t>(calls));
  return local;
}

} // namespace random
} // namespace kiln
