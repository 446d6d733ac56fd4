//===- HostKernelTest.cpp - NodeDef attrs, the kernel table, kernel calls -===//
//
// NodeDefs here are encoded by hand with the wire helpers, field by field
// as tensorflow/core/framework/node_def.proto lays them out, so the decoder
// is checked against the format rather than against itself.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/HostKernel.h"
#include "kiln/runtime/CompiledAbi.h"
#include "kiln/runtime/NodeAttrs.h"
#include "kiln/runtime/Session.h"
#include "kiln/runtime/Wire.h"

#include <gtest/gtest.h>

#include <map>

using namespace kiln;

namespace {

std::string varintField(uint32_t field, uint64_t v) {
  std::string s;
  wire::putTag(s, field, wire::kVarint);
  wire::putVarint64(s, v);
  return s;
}

std::string bytesField(uint32_t field, const std::string &v) {
  std::string s;
  wire::putLengthDelimited(s, field, v);
  return s;
}

/// TensorShapeProto with the given dims (-1 unknown).
std::string shapeProto(std::vector<int64_t> dims) {
  std::string s;
  for (int64_t d : dims)
    s += bytesField(2, varintField(1, static_cast<uint64_t>(d)));
  return s;
}

std::string attrEntry(const std::string &key, const std::string &attrValue) {
  return bytesField(5, bytesField(1, key) + bytesField(2, attrValue));
}

std::string nodeDef(const std::string &name, const std::string &op,
                    const std::string &attrs) {
  return bytesField(1, name) + bytesField(2, op) + bytesField(3, "x:0") + attrs;
}

TEST(NodeAttrsTest, DecodesEveryAttrKind) {
  std::string f32;
  wire::putTag(f32, 4, wire::kFixed32);
  wire::putFixed32(f32, 0x3fc00000); // 1.5f
  std::string packedTypes;
  wire::putVarint64(packedTypes, 1); // DT_FLOAT
  wire::putVarint64(packedTypes, 9); // DT_INT64
  std::string list =
      bytesField(2, "a") + bytesField(2, "bc") + bytesField(6, packedTypes) +
      bytesField(7, shapeProto({784})) + bytesField(7, shapeProto({}));
  std::string attrs =
      attrEntry("limit", varintField(3, 7)) +
      attrEntry("neg", varintField(3, static_cast<uint64_t>(int64_t(-3)))) +
      attrEntry("rate", f32) + attrEntry("flag", varintField(5, 1)) +
      attrEntry("dtype", varintField(6, 4)) + // DT_UINT8
      attrEntry("shape", bytesField(7, shapeProto({-1, 10}))) +
      attrEntry("anyshape", bytesField(7, varintField(3, 1))) +
      attrEntry("msg", bytesField(2, "hi")) +
      attrEntry("l", bytesField(1, list));
  StatusOr<NodeAttrs> n = NodeAttrs::parse(nodeDef("parse", "Op", attrs));
  ASSERT_TRUE(n.ok()) << n.status().toString();
  EXPECT_EQ(n->name(), "parse");
  EXPECT_EQ(n->op(), "Op");
  EXPECT_EQ(*n->getInt("limit"), 7);
  EXPECT_EQ(*n->getInt("neg"), -3);
  EXPECT_EQ(*n->getFloat("rate"), 1.5f);
  EXPECT_TRUE(*n->getBool("flag"));
  EXPECT_EQ(*n->getType("dtype"), DType::kUInt8);
  EXPECT_EQ(n->getShape("shape")->toString(), "[?,10]");
  EXPECT_EQ(n->getShape("anyshape")->toString(), "<unknown>");
  EXPECT_EQ(*n->getString("msg"), "hi");
  EXPECT_EQ(*n->getStringList("l"), (std::vector<std::string>{"a", "bc"}));
  EXPECT_EQ(*n->getTypeList("l"),
            (std::vector<DType>{DType::kFloat, DType::kInt64}));
  std::vector<PartialShape> shapes = *n->getShapeList("l");
  ASSERT_EQ(shapes.size(), 2u);
  EXPECT_EQ(shapes[0].toString(), "[784]");
  EXPECT_EQ(shapes[1].toString(), "[]");
  EXPECT_EQ(*n->getInt("absent", 5), 5);
  EXPECT_EQ(*n->getBool("absent", true), true);
}

TEST(NodeAttrsTest, MissingAndMistypedAttrs) {
  StatusOr<NodeAttrs> n = NodeAttrs::parse(
      nodeDef("c", "CountUpTo", attrEntry("limit", varintField(3, 2))));
  ASSERT_TRUE(n.ok());
  StatusOr<int64_t> missing = n->getInt("seed");
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_EQ(missing.status().message(),
            "No attr named 'seed' in NodeDef 'c' (CountUpTo)");
  StatusOr<std::string> mistyped = n->getString("limit");
  EXPECT_EQ(mistyped.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(mistyped.status().message(),
            "AttrValue had value with type 'int' when 'string' expected (attr "
            "'limit' of node 'c')");
  // A present attr of another kind is an error even with a default.
  EXPECT_FALSE(n->getBool("limit", false).ok());
}

TEST(NodeAttrsTest, MalformedBytesAreDataLoss) {
  std::string good =
      nodeDef("c", "CountUpTo", attrEntry("limit", varintField(3, 2)));
  // Cuts inside a field (a cut at a field boundary is a valid prefix).
  for (size_t cut : {good.size() - 1, size_t(2), size_t(1)}) {
    StatusOr<NodeAttrs> n = NodeAttrs::parse(good.substr(0, cut));
    EXPECT_EQ(n.status().code(), Code::kDataLoss) << cut;
  }
  EXPECT_EQ(NodeAttrs::parse(std::string("\x0f\x01", 2)).status().message(),
            "malformed NodeDef");
}

TEST(SummarizeValueTest, FormatsLikeTF) {
  EXPECT_EQ(summarizeValue(Tensor::vector<int32_t>({1, 2, 3, 4}), 3),
            "1 2 3...");
  EXPECT_EQ(summarizeValue(Tensor::scalar<int64_t>(42), 3), "42");
  Tensor m(DType::kInt32, TensorShape{2, 2});
  for (int i = 0; i < 4; ++i)
    m.data<int32_t>()[i] = i;
  EXPECT_EQ(summarizeValue(m, 10), "[0 1] [2 3]");
  Tensor s(DType::kString, TensorShape{});
  s.data<std::string>()[0] = "needs files";
  EXPECT_EQ(summarizeValue(s, 3), "needs files");
}

TEST(KernelTableTest, HasTheBuiltinKernels) {
  for (const char *op :
       {"Assert", "CountUpTo", "RandomShuffle", "ReaderReadV2",
        "ReaderReadUpToV2", "ReaderNumRecordsProducedV2", "ReaderResetV2",
        "ParseSingleExample", "ParseExample", "DecodeRaw"})
    EXPECT_NE(findHostKernel(op), nullptr) << op;
  EXPECT_EQ(findHostKernel("SkipgramWord2vec"), nullptr);
}

TEST(KernelTableTest, CustomKernelsCanBeRegistered) {
  registerHostKernel("TimesTwo", kernelOf([](KernelContext &ctx) -> Status {
                       const Tensor &x = ctx.input(0);
                       Tensor y(DType::kFloat, x.shape());
                       for (int64_t i = 0; i < x.numElements(); ++i)
                         y.data<float>()[i] = 2 * x.data<float>()[i];
                       ctx.setOutput(0, std::move(y));
                       return Status::OK();
                     }));
  ASSERT_NE(findHostKernel("TimesTwo"), nullptr);
  std::vector<std::string> ops = hostKernelOpTypes();
  EXPECT_NE(std::find(ops.begin(), ops.end(), "TimesTwo"), ops.end());
}

//===--- Shape kernels on strings (what compiled code cannot shape) -------===//

Tensor strings(std::vector<std::string> v, TensorShape shape) {
  Tensor t(DType::kString, std::move(shape));
  for (size_t i = 0; i < v.size(); ++i)
    t.data<std::string>()[i] = v[i];
  return t;
}

/// Runs the kernel of `op` (attrs as encoded) on `inputs`.
StatusOr<std::vector<Tensor>> runKernel(const std::string &op,
                                        const std::string &attrs,
                                        std::vector<Tensor> inputs) {
  StatusOr<NodeAttrs> n = NodeAttrs::parse(nodeDef("n", op, attrs));
  if (!n.ok())
    return n.status();
  const HostKernelFactory *f = findHostKernel(op);
  if (!f)
    return errors::NotFound(op);
  StatusOr<std::unique_ptr<HostKernel>> k = (*f)(*n);
  if (!k.ok())
    return k.status();
  KernelContext ctx(*n, nullptr, nullptr);
  for (Tensor &t : inputs)
    ctx.addInput(std::move(t));
  Status st = (*k)->compute(ctx);
  if (!st.ok())
    return st;
  return ctx.outputs();
}

TEST(ShapeKernelsTest, ReshapeWithRestAndErrors) {
  Tensor s = strings({"a", "b", "c", "d", "e", "f"}, TensorShape{6});
  auto out = runKernel("Reshape", "", {s, Tensor::vector<int32_t>({-1, 2})});
  ASSERT_TRUE(out.ok()) << out.status().toString();
  EXPECT_EQ((*out)[0].shape().toString(), "[3,2]");
  EXPECT_EQ((*out)[0].data<std::string>()[5], "f");
  EXPECT_EQ(runKernel("Reshape", "", {s, Tensor::vector<int32_t>({4})})
                .status()
                .message(),
            "Input to reshape is a tensor with 6 values, but the requested "
            "shape has 4");
  EXPECT_EQ(runKernel("Reshape", "", {s, Tensor::vector<int32_t>({-1, -1})})
                .status()
                .message(),
            "Only one input size may be -1, not both 0 and 1");
}

TEST(ShapeKernelsTest, ExpandDimsSqueezeAndErrors) {
  Tensor s = strings({"x"}, TensorShape{});
  auto e = runKernel("ExpandDims", "", {s, Tensor::scalar<int32_t>(0)});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)[0].shape().toString(), "[1]");
  EXPECT_EQ(runKernel("ExpandDims", "", {s, Tensor::scalar<int32_t>(2)})
                .status()
                .message(),
            "Tried to expand dim index 2 for tensor with 0 dimensions.");
  auto q = runKernel("Squeeze", "", {(*e)[0]});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ((*q)[0].shape().toString(), "[]");
  std::string dims0 =
      attrEntry("squeeze_dims", bytesField(1, varintField(3, 0)));
  Tensor two = strings({"a", "b"}, TensorShape{2});
  EXPECT_EQ(runKernel("Squeeze", dims0, {two}).status().message(),
            "Can not squeeze dim[0], expected a dimension of 1, got 2");
}

TEST(ShapeKernelsTest, PackConcatShape) {
  Tensor a = strings({"a", "b"}, TensorShape{2});
  Tensor b = strings({"c", "d"}, TensorShape{2});
  std::string axis1 = attrEntry("axis", varintField(3, 1));
  auto p = runKernel("Pack", axis1, {a, b});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)[0].shape().toString(), "[2,2]");
  EXPECT_EQ((*p)[0].data<std::string>()[1], "c"); // [[a c] [b d]]
  EXPECT_EQ(runKernel("Pack", "", {a, strings({"e"}, TensorShape{1})})
                .status()
                .message(),
            "Shapes of all inputs must match: values[0].shape = [2] != "
            "values[1].shape = [1]");
  auto c = runKernel("ConcatV2", "", {a, b, Tensor::scalar<int32_t>(0)});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)[0].shape().toString(), "[4]");
  EXPECT_EQ((*c)[0].data<std::string>()[2], "c");
  EXPECT_EQ(runKernel("ConcatV2", "", {a, b, Tensor::scalar<int32_t>(1)})
                .status()
                .message(),
            "ConcatOp : Expected concatenating dimensions in the range [-1, "
            "1), but got 1");
  std::string int64Out = attrEntry("out_type", varintField(6, 9));
  auto sh = runKernel("Shape", int64Out, {(*p)[0]});
  ASSERT_TRUE(sh.ok());
  EXPECT_EQ((*sh)[0].dtype(), DType::kInt64);
  EXPECT_EQ((*sh)[0].data<int64_t>()[1], 2);
  auto size = runKernel("Size", "", {(*p)[0]});
  ASSERT_TRUE(size.ok());
  EXPECT_EQ((*size)[0].data<int32_t>()[0], 4);
}

//===--- kiln_rt_kernel through a session ---------------------------------===//

int64_t ptr(const void *p) { return reinterpret_cast<int64_t>(p); }

const std::string &countUpToDef() {
  static const std::string d = nodeDef("epochs/CountUpTo", "CountUpTo",
                                       attrEntry("limit", varintField(3, 2)));
  return d;
}

/// What generated code does for `CountUpTo(epochs)` then fetching it.
void countFn(KilnCall *call) {
  kiln_rt_arg_slot(call, 0);
  const std::string &d = countUpToDef();
  int64_t v = kiln_rt_kernel(call, ptr(d.data()),
                             static_cast<int64_t>(d.size()), 1, 1, -1);
  if (v < 0)
    return;
  kiln_rt_arg_value(call, v);
  kiln_rt_fetch(call, 0);
}

/// CountUpTo handed the queue instead of the variable.
void wrongResourceFn(KilnCall *call) {
  kiln_rt_arg_slot(call, 1);
  const std::string &d = countUpToDef();
  kiln_rt_kernel(call, ptr(d.data()), static_cast<int64_t>(d.size()), 1, 1, -1);
}

void unknownOpFn(KilnCall *call) {
  static const std::string d = nodeDef("w2v", "SkipgramWord2vec", "");
  kiln_rt_kernel(call, ptr(d.data()), static_cast<int64_t>(d.size()), 0, 1, -1);
}

void initFn(KilnCall *call) {
  int64_t zero = 0;
  int64_t dims = 0;
  kiln_rt_arg(call, static_cast<int32_t>(DType::kInt64), ptr(&zero), 0,
              ptr(&dims));
  kiln_rt_assign(call, 0, 0, 1);
}

class TableProvider : public SignatureProvider {
public:
  void add(const std::string &name, void (*fn)(KilnCall *),
           std::vector<std::string> fetches = {}) {
    CompiledSignature sig;
    sig.key = name;
    sig.fn = fn;
    sig.fetches = std::move(fetches);
    table_[name] = std::move(sig);
  }
  StatusOr<const CompiledSignature *>
  get(const std::vector<std::string> &, const std::vector<std::string> &fetches,
      const std::vector<std::string> &targets,
      const std::vector<Tensor> *) override {
    return &table_[!targets.empty() ? targets[0] : fetches[0]];
  }

private:
  std::map<std::string, CompiledSignature> table_;
};

struct KernelCallTest : ::testing::Test {
  void SetUp() override {
    provider.add("init", initFn);
    provider.add("count", countFn, {"count"});
    provider.add("wrong", wrongResourceFn);
    provider.add("unknown", unknownOpFn);
    ResourceSpec epochs;
    epochs.kind = ResourceSpec::Kind::kVariable;
    epochs.nodeName = "epochs";
    epochs.dtype = DType::kInt64;
    ResourceSpec queue;
    queue.kind = ResourceSpec::Kind::kQueue;
    queue.nodeName = "input_producer";
    queue.opType = "FIFOQueueV2";
    queue.queue.componentTypes = {DType::kString};
    queue.queue.shapes = {TensorShape{}};
    queue.queue.capacity = 32;
    auto s = Session::create({epochs, queue}, &provider);
    ASSERT_TRUE(s.ok()) << s.status().toString();
    session = std::move(*s);
  }
  TableProvider provider;
  std::unique_ptr<Session> session;
};

TEST_F(KernelCallTest, CountUpToCountsThenStops) {
  ASSERT_TRUE(session->run({}, {}, {"init"}, nullptr).ok());
  for (int64_t expect : {0, 1}) {
    std::vector<Tensor> out;
    Status st = session->run({}, {"count"}, {}, &out);
    ASSERT_TRUE(st.ok()) << st.toString();
    EXPECT_EQ(out[0].data<int64_t>()[0], expect);
  }
  std::vector<Tensor> out;
  Status st = session->run({}, {"count"}, {}, &out);
  EXPECT_EQ(st.code(), Code::kOutOfRange);
  EXPECT_EQ(st.message(), "Reached limit of 2");
}

TEST_F(KernelCallTest, UninitializedCounterIsFailedPrecondition) {
  std::vector<Tensor> out;
  Status st = session->run({}, {"count"}, {}, &out);
  EXPECT_EQ(st.code(), Code::kFailedPrecondition);
  EXPECT_EQ(st.message(), "Attempting to use uninitialized value epochs");
}

TEST_F(KernelCallTest, WrongResourceKindIsInvalidArgument) {
  Status st = session->run({}, {}, {"wrong"}, nullptr);
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_EQ(st.message(), "node 'epochs/CountUpTo' (CountUpTo): input 0 must "
                          "be a variable but input_producer is a queue");
}

TEST_F(KernelCallTest, OpWithoutKernelIsUnimplemented) {
  Status st = session->run({}, {}, {"unknown"}, nullptr);
  EXPECT_EQ(st.code(), Code::kUnimplemented);
  EXPECT_EQ(st.message(), "node 'w2v' (SkipgramWord2vec): the runtime has no "
                          "kernel for op type SkipgramWord2vec");
}

} // namespace
