//===- TensorFormatTest.cpp - Tensor::debugString against NumPy's print ---===//
//
// The dtypes graph-run cannot feed from .npy (complex, bytes, half, uint32,
// uint64) and 0-d values; test/e2e/print-like-numpy.test covers the others
// through graph-run, against NumPy itself. Each expected string is what
// `str(np.array(...))` gives in NumPy 1.24 (Debian 12's python3-numpy).
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/Tensor.h"

#include <gtest/gtest.h>

#include <complex>
#include <limits>

using namespace kiln;

namespace {

template <typename T>
Tensor filled(DType dtype, TensorShape shape, std::vector<T> values) {
  Tensor t(dtype, std::move(shape));
  for (size_t i = 0; i < values.size(); ++i)
    t.data<T>()[i] = values[i];
  return t;
}

TEST(TensorFormat, Complex) {
  using C64 = std::complex<float>;
  using C128 = std::complex<double>;
  EXPECT_EQ(filled<C64>(DType::kComplex64, {2}, {{1, 2}, {3.5f, -1}})
                .debugString(),
            "[1. +2.j 3.5-1.j]");
  double nan = std::numeric_limits<double>::quiet_NaN();
  double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(filled<C128>(DType::kComplex128, {3},
                         {{1, 1}, {nan, 1}, {nan, -inf}})
                .debugString(),
            "[ 1. +1.j nan +1.j nan-infj]");
  EXPECT_EQ(filled<C64>(DType::kComplex64, {}, {{1.5f, -2.25f}}).debugString(),
            "(1.5-2.25j)");
  EXPECT_EQ(filled<C128>(DType::kComplex128, {}, {{0, 2}}).debugString(),
            "2j");
  EXPECT_EQ(filled<C64>(DType::kComplex64, {}, {{0, 0}}).debugString(), "0j");
}

TEST(TensorFormat, BytesAsPythonRepr) {
  EXPECT_EQ(filled<std::string>(DType::kString, {4},
                                {"a", "it's", std::string("\0\xff\n", 3),
                                 "q\""})
                .debugString(),
            R"([b'a' b"it's" b'\x00\xff\n' b'q"'])");
  EXPECT_EQ(filled<std::string>(DType::kString, {}, {"x\\y"}).debugString(),
            R"(b'x\\y')");
}

TEST(TensorFormat, HalfUsesItsOwnShortestDigits) {
  // 0.1, 65504 and the smallest subnormal, as float16 bits.
  EXPECT_EQ(filled<uint16_t>(DType::kHalf, {3}, {0x2e66, 0x7bff, 0x0001})
                .debugString(),
            "[1.00e-01 6.55e+04 5.96e-08]");
  EXPECT_EQ(filled<uint16_t>(DType::kHalf, {}, {0x2e66}).debugString(), "0.1");
}

TEST(TensorFormat, WideIntegersAndBools) {
  EXPECT_EQ(filled<uint32_t>(DType::kUInt32, {2}, {0, 4294967295u})
                .debugString(),
            "[         0 4294967295]");
  EXPECT_EQ(filled<uint64_t>(DType::kUInt64, {1}, {18446744073709551615ull})
                .debugString(),
            "[18446744073709551615]");
  EXPECT_EQ(filled<bool>(DType::kBool, {2}, {true, true}).debugString(),
            "[ True  True]");
  EXPECT_EQ(Tensor::scalar<bool>(false).debugString(), "False");
}

TEST(TensorFormat, ScalarsAsNumpyScalarStr) {
  EXPECT_EQ(Tensor::scalar<float>(2.0f).debugString(), "2.0");
  EXPECT_EQ(Tensor::scalar<float>(1e-5f).debugString(), "1e-05");
  EXPECT_EQ(Tensor::scalar<double>(1e16).debugString(), "1e+16");
  EXPECT_EQ(Tensor::scalar<float>(-0.0f).debugString(), "-0.0");
  EXPECT_EQ(Tensor::scalar<float>(std::numeric_limits<float>::quiet_NaN())
                .debugString(),
            "nan");
  EXPECT_EQ(Tensor::scalar<float>(-std::numeric_limits<float>::infinity())
                .debugString(),
            "-inf");
  EXPECT_EQ(Tensor::scalar<int64_t>(-7).debugString(), "-7");
}

TEST(TensorFormat, SummarizedAndWrapped) {
  Tensor ints(DType::kInt64, {10000});
  for (int64_t i = 0; i < 10000; ++i)
    ints.data<int64_t>()[i] = i % 10;
  EXPECT_EQ(ints.debugString(), "[0 1 2 ... 7 8 9]");

  // np.arange(2000, dtype=np.float32).reshape(40, 50) / 7
  Tensor floats(DType::kFloat, {40, 50});
  for (int64_t i = 0; i < 2000; ++i)
    floats.data<float>()[i] = static_cast<float>(i) / 7.0f;
  EXPECT_EQ(floats.debugString(),
            "[[0.0000000e+00 1.4285715e-01 2.8571430e-01 ... 6.7142859e+00\n"
            "  6.8571429e+00 7.0000000e+00]\n"
            " [7.1428571e+00 7.2857141e+00 7.4285712e+00 ... 1.3857142e+01\n"
            "  1.4000000e+01 1.4142858e+01]\n"
            " [1.4285714e+01 1.4428572e+01 1.4571428e+01 ... 2.1000000e+01\n"
            "  2.1142857e+01 2.1285715e+01]\n"
            " ...\n"
            " [2.6428571e+02 2.6442856e+02 2.6457144e+02 ... 2.7100000e+02\n"
            "  2.7114285e+02 2.7128571e+02]\n"
            " [2.7142856e+02 2.7157144e+02 2.7171429e+02 ... 2.7814285e+02\n"
            "  2.7828571e+02 2.7842856e+02]\n"
            " [2.7857144e+02 2.7871429e+02 2.7885715e+02 ... 2.8528571e+02\n"
            "  2.8542856e+02 2.8557144e+02]]");

  Tensor cube(DType::kInt64, {2, 3, 5});
  for (int64_t i = 0; i < 30; ++i)
    cube.data<int64_t>()[i] = i - 15;
  EXPECT_EQ(cube.debugString(), "[[[-15 -14 -13 -12 -11]\n"
                                "  [-10  -9  -8  -7  -6]\n"
                                "  [ -5  -4  -3  -2  -1]]\n"
                                "\n"
                                " [[  0   1   2   3   4]\n"
                                "  [  5   6   7   8   9]\n"
                                "  [ 10  11  12  13  14]]]");
  EXPECT_EQ(Tensor(DType::kDouble, {2, 0}).debugString(), "[]");
}

} // namespace
