//===- StatusTest.cpp - Status, DType, Tensor and CRC32C basics -----------===//
#include "kiln/runtime/Crc32c.h"
#include "kiln/runtime/Errno.h"
#include "kiln/runtime/Status.h"
#include "kiln/runtime/Tensor.h"

#include <cerrno>
#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace kiln;

TEST(Status, OkAndErrorsPrintTfNames) {
  EXPECT_TRUE(Status::OK().ok());
  EXPECT_EQ(Status::OK().toString(), "OK");
  Status s = errors::OutOfRange("FIFOQueue '_0_q' is closed and has ",
                                "insufficient elements (requested ", 1,
                                ", current size ", 0, ")");
  EXPECT_EQ(s.code(), Code::kOutOfRange);
  EXPECT_EQ(s.toString(), "OutOfRange: FIFOQueue '_0_q' is closed and has "
                          "insufficient elements (requested 1, current size 0)");
  EXPECT_EQ(errors::DeadlineExceeded("x").toString(), "DeadlineExceeded: x");
  EXPECT_EQ(s.withPrefix("run 2: ").message().substr(0, 7), "run 2: ");
}

TEST(Status, StatusOr) {
  StatusOr<int> v = 3;
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 3);
  StatusOr<int> e = errors::NotFound("nope");
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Code::kNotFound);
}

TEST(DType, NamesAndSizes) {
  EXPECT_STREQ(dtypeName(DType::kFloat), "float");
  EXPECT_EQ(dtypeNameFromEnum(101), "float_ref");
  EXPECT_EQ(dtypeSize(DType::kComplex128), 16u);
  EXPECT_EQ(dtypeSize(DType::kString), 0u);
  EXPECT_FALSE(isValidDType(24));
}

TEST(Tensor, AlignedZeroedAndShared) {
  Tensor t(DType::kFloat, TensorShape{3, 5});
  EXPECT_EQ(t.numElements(), 15);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw()) % kTensorAlignment, 0u);
  for (int i = 0; i < 15; ++i)
    EXPECT_EQ(t.data<float>()[i], 0.0f);
  Tensor copy = t;
  EXPECT_TRUE(copy.sharesBufferWith(t));
  Tensor deep = t.deepCopy();
  EXPECT_FALSE(deep.sharesBufferWith(t));
  EXPECT_TRUE(deep.equals(t));
  auto r = t.reshaped(TensorShape{15});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->shape().toString(), "[15]");
  EXPECT_EQ(t.reshaped(TensorShape{4}).status().code(), Code::kInvalidArgument);
}

TEST(Tensor, NumpyStylePrinting) {
  EXPECT_EQ(Tensor::vector<float>({0.3f, 1.1f, 1.2f}).debugString(),
            "[0.3 1.1 1.2]");
  EXPECT_EQ(Tensor::vector<int16_t>({6, 3, 5}).debugString(), "[6 3 5]");
  EXPECT_EQ(Tensor::scalar<float>(2.0f).debugString(), "2.0"); // a NumPy scalar
  Tensor s(DType::kString, TensorShape{2});
  s.data<std::string>()[0] = "a";
  EXPECT_EQ(s.debugString(), "[b'a' b'']");
}

TEST(Crc32c, TensorFlowVectors) {
  std::vector<uint8_t> buf(32, 0);
  EXPECT_EQ(crc32c::value(buf.data(), 32), 0x8a9136aau);
  std::fill(buf.begin(), buf.end(), 0xff);
  EXPECT_EQ(crc32c::value(buf.data(), 32), 0x62a8ab43u);
  for (int i = 0; i < 32; ++i)
    buf[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(crc32c::value(buf.data(), 32), 0x46dd794eu);
  // Extending in pieces gives the same value as one pass.
  uint32_t c = crc32c::extend(0, buf.data(), 5);
  EXPECT_EQ(crc32c::extend(c, buf.data() + 5, 27), 0x46dd794eu);
  uint32_t v = crc32c::value("foo", 3);
  EXPECT_NE(crc32c::mask(v), v);
  EXPECT_EQ(crc32c::unmask(crc32c::mask(v)), v);
}

// File errors read as TensorFlow's POSIX file system reports them.
TEST(Status, IOErrorUsesTensorFlowWordingAndCodes) {
  EXPECT_EQ(errors::IOError("data/train.tfrecords", ENOENT),
            errors::NotFound("data/train.tfrecords; No such file or directory"));
  EXPECT_EQ(errors::IOError("ckpt", EACCES),
            errors::PermissionDenied("ckpt; Permission denied"));
  EXPECT_EQ(errors::codeForErrno(EISDIR), Code::kFailedPrecondition);
  EXPECT_EQ(errors::codeForErrno(ENOTDIR), Code::kFailedPrecondition);
  EXPECT_EQ(errors::codeForErrno(ENOSPC), Code::kResourceExhausted);
  EXPECT_EQ(errors::codeForErrno(EEXIST), Code::kAlreadyExists);
  EXPECT_EQ(errors::codeForErrno(EROFS), Code::kPermissionDenied);
  EXPECT_EQ(errors::codeForErrno(EFBIG), Code::kOutOfRange);
  EXPECT_EQ(errors::codeForErrno(EXDEV), Code::kUnimplemented);
  EXPECT_EQ(errors::codeForErrno(EINTR), Code::kUnavailable);
  EXPECT_EQ(errors::codeForErrno(EIO), Code::kUnknown);
  EXPECT_EQ(errors::codeForErrno(0), Code::kOk);
}
