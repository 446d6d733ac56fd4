//===- DecodeRawTest.cpp - The DecodeRaw op -------------------------------===//
#include "kiln/runtime/DecodeRaw.h"

#include <gtest/gtest.h>

using namespace kiln;

namespace {
Tensor strings(std::vector<std::string> v, TensorShape shape = TensorShape()) {
  return Tensor::fromVector<std::string>(v, shape);
}
} // namespace

TEST(DecodeRaw, Uint8KeepsInputShapeAndAppendsLength) {
  Tensor in =
      strings({std::string("\x00\x01\x02", 3), "\x03\x04\x05"}, TensorShape{2});
  auto out = decodeRaw(in, DType::kUInt8);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->shape(), (TensorShape{2, 3}));
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(out->data<uint8_t>()[i], i);
  // A scalar string gives a vector.
  auto v = decodeRaw(Tensor::scalar<std::string>("ab"), DType::kInt8);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->shape(), TensorShape{2});
}

TEST(DecodeRaw, Endianness) {
  Tensor in = Tensor::scalar<std::string>(std::string("\x01\x02\x00\x00", 4));
  auto le = decodeRaw(in, DType::kInt16, /*littleEndian=*/true);
  ASSERT_TRUE(le.ok());
  EXPECT_TRUE(le->equals(Tensor::vector<int16_t>({0x0201, 0})));
  auto be = decodeRaw(in, DType::kInt16, /*littleEndian=*/false);
  ASSERT_TRUE(be.ok());
  EXPECT_TRUE(be->equals(Tensor::vector<int16_t>({0x0102, 0})));
  auto i32 = decodeRaw(in, DType::kInt32, false);
  ASSERT_TRUE(i32.ok());
  EXPECT_EQ(i32->data<int32_t>()[0], 0x01020000);
  float f = 1.25f;
  std::string fb(reinterpret_cast<char *>(&f), 4);
  auto fl = decodeRaw(Tensor::scalar<std::string>(fb), DType::kFloat);
  ASSERT_TRUE(fl.ok());
  EXPECT_EQ(fl->data<float>()[0], 1.25f);
  auto i64 = decodeRaw(Tensor::scalar<std::string>(std::string(8, '\xff')),
                       DType::kInt64);
  ASSERT_TRUE(i64.ok());
  EXPECT_EQ(i64->data<int64_t>()[0], -1);
}

TEST(DecodeRaw, ErrorsInTfWording) {
  auto odd = decodeRaw(Tensor::scalar<std::string>("abc"), DType::kInt16);
  EXPECT_EQ(odd.status(),
            errors::InvalidArgument("Input to DecodeRaw has length 3 that is "
                                    "not a multiple of 2, the size of int16"));
  auto uneven =
      decodeRaw(strings({"ab", "abcd"}, TensorShape{2}), DType::kUInt8);
  EXPECT_EQ(uneven.status(),
            errors::InvalidArgument("DecodeRaw requires input strings to all "
                                    "be the same size, but element 1 has "
                                    "size 4 != 2"));
  EXPECT_EQ(decodeRaw(Tensor::scalar<std::string>("ab"), DType::kString)
                .status()
                .code(),
            Code::kInvalidArgument);
  EXPECT_EQ(decodeRaw(Tensor::scalar<float>(1), DType::kUInt8).status().code(),
            Code::kInvalidArgument);
}

TEST(DecodeRaw, EmptyInput) {
  auto out = decodeRaw(Tensor(DType::kString, TensorShape{0}), DType::kFloat);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->shape(), (TensorShape{0, 0}));
  auto e = decodeRaw(Tensor::scalar<std::string>(""), DType::kFloat);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->shape(), TensorShape{0});
}
