//===- PhiloxTest.cpp - Philox known answers, seeding and distributions ---===//
#include "kiln/runtime/Philox.h"
#include "kiln/runtime/ThreadPool.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

using namespace kiln::random;

namespace {
PhiloxRandom::ResultType call(PhiloxRandom::ResultType ctr,
                              PhiloxRandom::Key key) {
  PhiloxRandom g(ctr, key);
  return g();
}
} // namespace

TEST(Philox, KnownAnswers) {
  EXPECT_EQ(call({0, 0, 0, 0}, {0, 0}),
            (PhiloxRandom::ResultType{0x6627e8d5, 0xe169c58d, 0xbc57ac4c,
                                      0x9b00dbd8}));
  const uint32_t ones = 0xffffffff;
  EXPECT_EQ(call({ones, ones, ones, ones}, {ones, ones}),
            (PhiloxRandom::ResultType{0x408f276d, 0x41c83b0e, 0xa20bc7c6,
                                      0x6d5451fd}));
}

TEST(Philox, SeedingAndCounter) {
  PhiloxRandom g(0x1122334455667788ull, 0x99aabbccddeeff00ull);
  EXPECT_EQ(g.key(), (PhiloxRandom::Key{0x55667788, 0x11223344}));
  EXPECT_EQ(g.counter(),
            (PhiloxRandom::ResultType{0, 0, 0xddeeff00, 0x99aabbcc}));
  g();
  EXPECT_EQ(g.counter()[0], 1u);
  // The default generator is the all-zero one.
  PhiloxRandom z;
  EXPECT_EQ(z(), call({0, 0, 0, 0}, {0, 0}));
  // (0, 0) seeds are replaced by random ones.
  PhiloxRandom r1 = seededPhilox(0, 0), r2 = seededPhilox(0, 0);
  EXPECT_NE(r1.key(), r2.key());
  EXPECT_EQ(seededPhilox(1, 2).key(), PhiloxRandom(1, 2).key());
}

TEST(Philox, IncrementCarriesAcrossWords) {
  PhiloxRandom g({0xffffffff, 0xffffffff, 0xffffffff, 0}, {1, 2});
  g();
  EXPECT_EQ(g.counter(), (PhiloxRandom::ResultType{0, 0, 0, 1}));
}

TEST(Philox, SkipMatchesRepeatedCalls) {
  PhiloxRandom a(7, 9), b(7, 9);
  for (int i = 0; i < 1000; ++i)
    a();
  b.skip(1000);
  EXPECT_EQ(a.counter(), b.counter());
  EXPECT_EQ(a(), b());
  // Carry out of the low 64 bits into c[2].
  PhiloxRandom c({0xfffffff0, 0xffffffff, 5, 0}, {0, 0});
  c.skip(0x20);
  EXPECT_EQ(c.counter(), (PhiloxRandom::ResultType{0x10, 0, 6, 0}));
  PhiloxRandom d({0, 0, 0, 0}, {0, 0});
  d.skip(0x100000005ull);
  EXPECT_EQ(d.counter(), (PhiloxRandom::ResultType{5, 1, 0, 0}));
}

TEST(Philox, UniformFormulas) {
  EXPECT_EQ(uint32ToFloat(0), 0.0f);
  EXPECT_EQ(uint32ToFloat(0x7fffff), 1.0f - std::ldexp(1.0f, -23));
  // Only the low 23 bits matter.
  EXPECT_EQ(uint32ToFloat(0xff800000u | 0x400000u), 0.5f);
  EXPECT_EQ(uint64ToDouble(0x80000, 0), 0.5);
  EXPECT_EQ(uint64ToDouble(0xfff00000u, 0), 0.0);
  EXPECT_EQ(uint64ToDouble(0, 1), std::ldexp(1.0, -52));
}

TEST(Philox, BoxMullerOrderIsSinThenCos) {
  float f0, f1;
  // u(x0) = 0.5, u(x1) = 0.25: r = sqrt(-2 ln 0.5), theta = pi/2.
  boxMullerFloat(0x400000, 0x200000, &f0, &f1);
  float r = std::sqrt(-2.0f * std::log(0.5f));
  EXPECT_NEAR(f0, r, 1e-6);
  EXPECT_NEAR(f1, 0.0f, 1e-6);
  // u(x0) = 0 is clamped to 1e-7 instead of giving infinity.
  boxMullerFloat(0, 0, &f0, &f1);
  EXPECT_NEAR(f1, std::sqrt(-2.0f * std::log(1e-7f)), 1e-4);
  double d0, d1;
  boxMullerDouble(0x80000, 0, 0x40000, 0, &d0, &d1);
  EXPECT_NEAR(d0, std::sqrt(-2.0 * std::log(0.5)), 1e-12);
  EXPECT_NEAR(d1, 0.0, 1e-12);
}

TEST(Philox, DistributionsDrawOneCallPerGroup) {
  PhiloxRandom a(1, 2), b(1, 2);
  std::array<float, 4> u = uniformFloat(a);
  PhiloxRandom::ResultType raw = b();
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(u[i], uint32ToFloat(raw[i]));
  // tf-formats.md's illustration for RandomUniform(seed=1, seed2=2), first
  // execution (derived from the spec, not from a TF run).
  EXPECT_NEAR(u[0], 0.4063967f, 1e-6);
  EXPECT_NEAR(u[1], 0.8575996f, 1e-6);
  EXPECT_NEAR(u[2], 0.0553958f, 1e-6);
  EXPECT_NEAR(u[3], 0.0858723f, 1e-6);
  std::array<float, 4> n = normalFloat(a);
  raw = b();
  float e0, e1;
  boxMullerFloat(raw[2], raw[3], &e0, &e1);
  EXPECT_EQ(n[2], e0);
  EXPECT_EQ(n[3], e1);
  std::array<double, 2> ud = uniformDouble(a);
  raw = b();
  EXPECT_EQ(ud[1], uint64ToDouble(raw[2], raw[3]));
}

TEST(Philox, SingleSampleAdapterAndSimplePhilox) {
  PhiloxRandom a(3, 4), b(3, 4);
  SingleSampleAdapter s(&a);
  PhiloxRandom::ResultType first = b(), second = b();
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(s(), first[i]);
  EXPECT_EQ(s(), second[0]);
  // Skip 6 singles: the 3 left in `second`, then 3 of the next call.
  s.skip(6);
  PhiloxRandom::ResultType third = b();
  EXPECT_EQ(s(), third[3]);
  // Skip 9: 0 buffered, 2 whole calls, then 1 of the call after.
  s.skip(9);
  b.skip(2);
  PhiloxRandom::ResultType sixth = b();
  EXPECT_EQ(s(), sixth[1]);

  PhiloxRandom c(5, 6), d(5, 6);
  SimplePhilox sp(&c);
  PhiloxRandom::ResultType r = d();
  EXPECT_EQ(sp.rand64(), r[0] | static_cast<uint64_t>(r[1]) << 32);
  EXPECT_EQ(sp.uniform(10), r[2] % 10);
  EXPECT_EQ(sp.randFloat(), uint32ToFloat(r[3]));

  PhiloxRandom t(8, 9);
  SingleSampleAdapter ts(&t);
  for (int g = 0; g < 100; ++g)
    for (float v : truncatedNormalFloat(ts))
      EXPECT_LT(std::fabs(v), 2.0f);
}

TEST(Philox, GuardedReservesBlocks) {
  GuardedPhiloxRandom g(1, 2);
  PhiloxRandom first = g.reserveRandomOutputs(10, 256);
  PhiloxRandom second = g.reserveRandomOutputs(10, 256);
  PhiloxRandom expect(1, 2);
  EXPECT_EQ(first.counter(), expect.counter());
  expect.skip(2560);
  EXPECT_EQ(second.counter(), expect.counter());
  PhiloxRandom third = g.reserveSamples32(5); // 2 calls
  expect.skip(2560);
  EXPECT_EQ(third.counter(), expect.counter());
  PhiloxRandom fourth = g.reserveSamples128(1);
  expect.skip(2);
  EXPECT_EQ(fourth.counter(), expect.counter());
}

TEST(Philox, BulkUniformFloatEqualsOneCallAtATime) {
  kiln::ThreadPool pool(3);
  // Counters about to carry into the second, third and fourth words.
  const PhiloxRandom::ResultType starts[] = {
      {0, 0, 7, 9},
      {0xFFFFFFF5u, 0, 1, 2},
      {0xFFFFFFFBu, 0xFFFFFFFFu, 0xFFFFFFFFu, 3}};
  for (const PhiloxRandom::ResultType &start : starts)
    for (int64_t n : {1, 3, 4, 5, 63, 64, 65, 4097, 10001, 100003}) {
      PhiloxRandom gen(start, {0x12345678u, 0x9abcdef0u});
      std::vector<float> want(static_cast<size_t>(n));
      PhiloxRandom seq = gen;
      for (int64_t i = 0; i < n; i += 4) {
        std::array<float, 4> v = kiln::random::uniformFloat(seq);
        for (int64_t k = 0; k < 4 && i + k < n; ++k)
          want[static_cast<size_t>(i + k)] = v[static_cast<size_t>(k)];
      }
      for (kiln::ThreadPool *p :
           {static_cast<kiln::ThreadPool *>(nullptr), &pool}) {
        std::vector<float> got(static_cast<size_t>(n) + 1, -1.0f);
        kiln::random::fillUniformFloat(gen, got.data(), n, p);
        EXPECT_EQ(got[static_cast<size_t>(n)], -1.0f) << "wrote past n=" << n;
        got.pop_back();
        ASSERT_EQ(got, want) << "n=" << n << " pool=" << (p != nullptr)
                             << " counter[0]=" << start[0];
      }
    }
}
