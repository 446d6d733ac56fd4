//===- TensorProtoTest.cpp - TensorProto and QueueRunnerDef conversions ---===//
#include "kiln/runtime/TensorProto.h"

#include "../TfFixtures.h"

#include "kiln/proto/meta_graph.pb.h"
#include "kiln/proto/tensor.pb.h"

#include <gtest/gtest.h>

#include <complex>
#include <fstream>

using namespace kiln;

namespace {
tensorflow::TensorProto makeProto(tensorflow::DataType dt,
                                  std::vector<int64_t> dims) {
  tensorflow::TensorProto p;
  p.set_dtype(dt);
  for (int64_t d : dims)
    p.mutable_tensor_shape()->add_dim()->set_size(d);
  return p;
}
} // namespace

TEST(TensorProto, TypedFieldFillsWithLastValue) {
  auto p = makeProto(tensorflow::DT_FLOAT, {2, 3});
  p.add_float_val(1.5f);
  p.add_float_val(2.5f);
  Tensor t = *tensorFromProto(p);
  EXPECT_EQ(t.debugString(), "[[1.5 2.5 2.5]\n [2.5 2.5 2.5]]");
  // An empty field means zeros; extra values are ignored.
  auto z = makeProto(tensorflow::DT_INT64, {3});
  EXPECT_EQ(tensorFromProto(z)->debugString(), "[0 0 0]");
  auto extra = makeProto(tensorflow::DT_INT64, {1});
  extra.add_int64_val(4);
  extra.add_int64_val(5);
  EXPECT_EQ(tensorFromProto(extra)->debugString(), "[4]");
}

TEST(TensorProto, SmallIntsUseIntVal) {
  auto p = makeProto(tensorflow::DT_INT16, {3});
  p.add_int_val(-2);
  p.add_int_val(300);
  p.add_int_val(7);
  EXPECT_EQ(tensorFromProto(p)->debugString(), "[ -2 300   7]");
  auto u = makeProto(tensorflow::DT_UINT8, {2});
  u.add_int_val(255);
  Tensor t = *tensorFromProto(u);
  EXPECT_EQ(t.debugString(), "[255 255]");
  tensorflow::TensorProto back;
  ASSERT_TRUE(tensorToProto(t, &back, TensorProtoEncoding::kTypedField).ok());
  EXPECT_EQ(back.int_val_size(), 2);
  EXPECT_EQ(back.int_val(1), 255);
}

TEST(TensorProto, HalfValHoldsBitPatterns) {
  auto p = makeProto(tensorflow::DT_HALF, {2});
  p.add_half_val(0x3c00); // 1.0 in IEEE half
  p.add_half_val(0xc000); // -2.0
  Tensor t = *tensorFromProto(p);
  EXPECT_EQ(static_cast<const uint16_t *>(t.raw())[0], 0x3c00);
  EXPECT_EQ(static_cast<const uint16_t *>(t.raw())[1], 0xc000);
  tensorflow::TensorProto back;
  ASSERT_TRUE(tensorToProto(t, &back).ok());
  EXPECT_EQ(back.half_val_size(), 2);
  EXPECT_EQ(back.half_val(1), 0xc000);
}

TEST(TensorProto, TensorContentIsRawBytes) {
  auto p = makeProto(tensorflow::DT_INT32, {2});
  int32_t v[2] = {7, -1};
  p.set_tensor_content(std::string(reinterpret_cast<char *>(v), 8));
  p.add_int_val(99); // ignored: tensor_content wins
  EXPECT_EQ(tensorFromProto(p)->debugString(), "[ 7 -1]");
  p.set_tensor_content(std::string(7, '\0'));
  StatusOr<Tensor> bad = tensorFromProto(p);
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(bad.status().message().rfind("Cannot parse tensor from proto: ", 0),
            0u);
}

TEST(TensorProto, PythonEncodingRule) {
  tensorflow::TensorProto p;
  // More than one float: tensor_content.
  ASSERT_TRUE(tensorToProto(Tensor::vector<float>({1, 2, 3}), &p).ok());
  EXPECT_EQ(p.tensor_content().size(), 12u);
  EXPECT_EQ(p.float_val_size(), 0);
  // A scalar: the typed field.
  ASSERT_TRUE(tensorToProto(Tensor::scalar<float>(0.25f), &p).ok());
  EXPECT_TRUE(p.tensor_content().empty());
  ASSERT_EQ(p.float_val_size(), 1);
  EXPECT_EQ(p.float_val(0), 0.25f);
  EXPECT_EQ(p.tensor_shape().dim_size(), 0);
  // Bools and strings are never packed by Python.
  ASSERT_TRUE(tensorToProto(Tensor::vector<bool>({true, false}), &p).ok());
  EXPECT_EQ(p.bool_val_size(), 2);
  ASSERT_TRUE(tensorToProto(Tensor::vector<std::string>({"a", "bc"}), &p).ok());
  EXPECT_EQ(p.string_val(1), "bc");
}

TEST(TensorProto, RoundTripsEveryEncoding) {
  std::vector<Tensor> tensors = {
      Tensor::fromVector<float>({1, -2, 3.5f, 4}, {2, 2}),
      Tensor::vector<double>({1e300, -0.5}),
      Tensor::vector<int8_t>({-128, 127}),
      Tensor::vector<uint16_t>({65535, 1}),
      Tensor::vector<uint64_t>({~0ull, 3}),
      Tensor::vector<std::complex<float>>({{1, 2}, {3, -4}}),
      Tensor::vector<std::complex<double>>({{1, 2}}),
      Tensor::vector<std::string>({"", "x", std::string(300, 'y')}),
      Tensor(DType::kFloat, TensorShape{0, 3}),
  };
  for (const Tensor &t : tensors)
    for (auto enc :
         {TensorProtoEncoding::kAuto, TensorProtoEncoding::kTensorContent,
          TensorProtoEncoding::kTypedField}) {
      tensorflow::TensorProto p;
      ASSERT_TRUE(tensorToProto(t, &p, enc).ok());
      // Through the wire, as a checkpoint or GraphDef would carry it.
      tensorflow::TensorProto wire;
      ASSERT_TRUE(wire.ParseFromString(p.SerializeAsString()));
      StatusOr<Tensor> back = tensorFromProto(wire);
      ASSERT_TRUE(back.ok()) << back.status();
      EXPECT_TRUE(back->equals(t))
          << t.debugString() << " vs " << back->debugString();
    }
}

TEST(TensorProto, BadShapesAndDtypes) {
  auto p = makeProto(tensorflow::DT_FLOAT, {-1});
  EXPECT_EQ(tensorFromProto(p).status().code(), Code::kInvalidArgument);
  auto r = makeProto(tensorflow::DT_FLOAT, {});
  r.mutable_tensor_shape()->set_unknown_rank(true);
  EXPECT_EQ(tensorFromProto(r).status().code(), Code::kInvalidArgument);
  auto inv = makeProto(tensorflow::DT_INVALID, {});
  EXPECT_EQ(tensorFromProto(inv).status().code(), Code::kInvalidArgument);
  auto res = makeProto(tensorflow::DT_RESOURCE, {});
  EXPECT_EQ(tensorFromProto(res).status().code(), Code::kUnimplemented);
  tensorflow::TensorShapeProto s;
  s.add_dim()->set_size(-1);
  s.add_dim()->set_size(4);
  EXPECT_EQ(shapeFromProto(s, /*allowUnknownDims=*/true)->toString(), "[?,4]");
  EXPECT_EQ(shapeFromProto(s).status().message(), "Dimension -1 must be >= 0");
}

TEST(TensorProto, QueueRunnerDef) {
  tensorflow::QueueRunnerDef def;
  def.set_queue_name("input_producer");
  def.add_enqueue_op_name("input_producer/input_producer_EnqueueMany");
  def.add_enqueue_op_name("input_producer/input_producer_EnqueueMany");
  def.set_close_op_name("input_producer/input_producer_Close");
  def.set_cancel_op_name("input_producer/input_producer_Close_1");
  QueueRunnerSpec spec = queueRunnerFromProto(def);
  EXPECT_EQ(spec.queueName, "input_producer");
  EXPECT_EQ(spec.enqueueOpNames.size(), 2u);
  EXPECT_EQ(spec.cancelOpName, "input_producer/input_producer_Close_1");
  // No codes stored means OUT_OF_RANGE.
  EXPECT_EQ(spec.queueClosedExceptionTypes,
            std::vector<Code>{Code::kOutOfRange});
  def.add_queue_closed_exception_types(tensorflow::error::CANCELLED);
  def.add_queue_closed_exception_types(tensorflow::error::OUT_OF_RANGE);
  spec = queueRunnerFromProto(def);
  EXPECT_EQ(spec.queueClosedExceptionTypes,
            (std::vector<Code>{Code::kCancelled, Code::kOutOfRange}));
  tensorflow::QueueRunnerDef back;
  queueRunnerToProto(spec, &back);
  EXPECT_EQ(back.SerializeAsString(), def.SerializeAsString());
}

// Every Const in a TF-written .meta decodes, with the values TF wrote.
TEST(TensorProto, DecodesTfWrittenMetaGraphConstants) {
  std::string path = ::kiln::testing::tfFixturesDir() +
                     "/ZhianYang-mnist-save/ckpt_dir/model.ckpt-95.meta";
  std::ifstream in(path, std::ios::binary);
  if (!in)
    KILN_MISSING_FIXTURE("fixture missing: " << path);
  tensorflow::MetaGraphDef meta;
  ASSERT_TRUE(meta.ParseFromIstream(&in));
  int consts = 0;
  bool sawShape = false;
  for (const auto &node : meta.graph_def().node()) {
    if (node.op() != "Const")
      continue;
    ++consts;
    auto it = node.attr().find("value");
    ASSERT_NE(it, node.attr().end()) << node.name();
    StatusOr<Tensor> t = tensorFromProto(it->second.tensor());
    ASSERT_TRUE(t.ok()) << node.name() << ": " << t.status();
    if (node.name() == "random_normal/shape") {
      sawShape = true;
      EXPECT_EQ(t->debugString(), "[784 625]");
    }
  }
  EXPECT_GT(consts, 10);
  EXPECT_TRUE(sawShape);
}
