//===- TensorBufferTest.cpp - Alignment, padding and zero-fill ------------===//
//
// TensorBuffer aligns plain malloc memory (or, for small buffers, its own
// inline storage) by hand; every owned buffer must still start on a
// kTensorAlignment boundary with its size rounded up to a multiple of it,
// zero-filled unless asked otherwise.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/Tensor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

using namespace kiln;

namespace {
bool aligned(const void *p) {
  return reinterpret_cast<uintptr_t>(p) % kTensorAlignment == 0;
}
} // namespace

TEST(TensorBuffer, EveryOwnedBufferIsAlignedAndZeroed) {
  // Keep them all alive so that the allocator cannot hand back one address.
  std::vector<Tensor> keep;
  for (DType t : {DType::kFloat, DType::kDouble, DType::kInt8, DType::kInt64,
                  DType::kBool, DType::kComplex128}) {
    for (int64_t n : {0, 1, 2, 3, 7, 15, 16, 17, 63, 64, 65, 1000, 40000}) {
      Tensor z(t, TensorShape{n});
      ASSERT_NE(z.raw(), nullptr);
      EXPECT_TRUE(aligned(z.raw())) << dtypeName(t) << " x " << n;
      const auto *bytes = static_cast<const unsigned char *>(z.raw());
      for (size_t i = 0; i < z.byteSize(); ++i)
        ASSERT_EQ(bytes[i], 0) << dtypeName(t) << " x " << n << " @" << i;
      Tensor u = Tensor::uninitialized(t, TensorShape{n});
      EXPECT_TRUE(aligned(u.raw())) << dtypeName(t) << " x " << n;
      // The whole padded size is usable (compiled code may load full
      // vectors): write it all, under ASan this would catch an overflow.
      const size_t padded = (z.byteSize() + kTensorAlignment - 1) /
                            kTensorAlignment * kTensorAlignment;
      std::fill_n(static_cast<unsigned char *>(u.raw()),
                  padded ? padded : kTensorAlignment, 0xab);
      keep.push_back(std::move(z));
      keep.push_back(std::move(u));
    }
  }
}

// Buffers of up to kTensorAlignment bytes live inside the TensorBuffer;
// copies of a tensor still share them, and each new tensor has its own.
TEST(TensorBuffer, SmallBuffersAreSharedByCopiesOnly) {
  Tensor a = Tensor::scalar<float>(1);
  Tensor b = a;
  *b.data<float>() = 2;
  EXPECT_EQ(*a.data<float>(), 2);
  EXPECT_TRUE(a.sharesBufferWith(b));
  Tensor c = Tensor::fromVector<double>({1, 2, 3, 4, 5, 6, 7, 8});
  Tensor d = c.deepCopy();
  EXPECT_NE(c.raw(), d.raw());
  d.data<double>()[7] = -1;
  EXPECT_EQ(c.data<double>()[7], 8);
  EXPECT_TRUE(aligned(c.raw()) && aligned(d.raw()));
}

TEST(TensorBuffer, StringsAreConstructedAndAligned) {
  Tensor small(DType::kString, TensorShape{2}); // 64 bytes: inline
  EXPECT_TRUE(aligned(small.raw()));
  small.data<std::string>()[1] = std::string(100, 'y');
  EXPECT_EQ(small.deepCopy().data<std::string>()[1], std::string(100, 'y'));
  Tensor s(DType::kString, TensorShape{5});
  EXPECT_TRUE(aligned(s.raw()));
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(s.data<std::string>()[i], "");
  s.data<std::string>()[4] = std::string(100, 'x');
  Tensor copy = s.deepCopy();
  EXPECT_EQ(copy.data<std::string>()[4], std::string(100, 'x'));
}
