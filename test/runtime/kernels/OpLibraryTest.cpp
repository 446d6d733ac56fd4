//===- OpLibraryTest.cpp - Custom-op libraries: load, declare, run --------===//
//
// Loads examples/custom_op/ops.cpp built as a shared library (the test
// build's kiln_gtest_ops) and checks what the runtime makes of it: the
// parsed declarations, TF's attr checks, the shape functions, and kernels
// run through the host-kernel table as compiled code runs them.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/OpLibrary.h"
#include "kiln/runtime/HostKernel.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

using namespace kiln;

namespace {

void loadTestOps() { ASSERT_TRUE(loadOpLibrary(KILN_TEST_OPS_LIB).ok()); }

AttrValue typeAttr(DType t) {
  AttrValue v;
  v.kind = AttrValue::Kind::kType;
  v.type = t;
  return v;
}

AttrValue intAttr(int64_t i) {
  AttrValue v;
  v.kind = AttrValue::Kind::kInt;
  v.i = i;
  return v;
}

std::unique_ptr<HostKernel> kernelFor(const std::string &op,
                                      const NodeAttrs &attrs) {
  const HostKernelFactory *f = findHostKernel(op);
  EXPECT_NE(f, nullptr) << op;
  if (!f)
    return nullptr;
  StatusOr<std::unique_ptr<HostKernel>> k = (*f)(attrs);
  EXPECT_TRUE(k.ok()) << k.status();
  return k.ok() ? std::move(*k) : nullptr;
}

TEST(OpLibraryTest, ParsesTheDeclarations) {
  loadTestOps();
  EXPECT_TRUE(loadOpLibrary(KILN_TEST_OPS_LIB).ok()); // again: a no-op
  const CustomOpDef *add = findCustomOp("AddScaled");
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(add->library, KILN_TEST_OPS_LIB);
  ASSERT_EQ(add->inputs.size(), 2u);
  EXPECT_EQ(add->inputs[0].typeAttr, "T");
  ASSERT_EQ(add->attrs.size(), 2u);
  EXPECT_EQ(add->attrs[0].kind, "type");
  EXPECT_EQ(add->attrs[0].allowed,
            (std::vector<std::string>{"float", "double"}));
  ASSERT_TRUE(add->attrs[1].defaultValue.has_value());
  EXPECT_EQ(add->attrs[1].defaultValue->f, 1.0f);
  EXPECT_FALSE(add->stateful);
  const CustomOpDef *scale = findCustomOp("ScaleVariable");
  ASSERT_NE(scale, nullptr);
  EXPECT_TRUE(scale->stateful);
  EXPECT_TRUE(scale->inputs[0].isRef);
  EXPECT_EQ(scale->inputs[0].dtype, DType::kFloat);
  EXPECT_EQ(findCustomOp("NoSuchOp"), nullptr);
}

TEST(OpLibraryTest, LoadErrors) {
  Status missing = loadOpLibrary("/nonexistent/libops.so");
  EXPECT_EQ(missing.code(), Code::kNotFound);
  EXPECT_EQ(missing.message().rfind("could not load op library "
                                    "/nonexistent/libops.so: /nonexistent/"
                                    "libops.so: cannot open shared object file",
                                    0),
            0u)
      << missing;
  Status notOps = loadOpLibrary("libz.so.1");
  EXPECT_EQ(notOps, errors::InvalidArgument(
                        "libz.so.1 is no Kiln op library: it does not define "
                        "kiln_op_library_v1 (include kiln/op/OpKernel.h)"));
}

TEST(OpLibraryTest, OneLibraryUnderTwoNamesLoadsOnce) {
  loadTestOps();
  // By file name: the loader finds the copy already loaded (as a compiled
  // model loads a library linked into its program).
  std::string file = std::filesystem::path(KILN_TEST_OPS_LIB).filename();
  EXPECT_TRUE(loadOpLibrary(file).ok());
  EXPECT_EQ(findCustomOp("AddScaled")->library, KILN_TEST_OPS_LIB);
}

TEST(OpLibraryTest, TwoLibrariesMayNotDeclareOneOp) {
  loadTestOps();
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("kiln-oplib-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::path copy = dir / "libcopy.so";
  std::filesystem::copy_file(KILN_TEST_OPS_LIB, copy,
                             std::filesystem::copy_options::overwrite_existing);
  Status s = loadOpLibrary(copy.string());
  std::filesystem::remove_all(dir);
  EXPECT_EQ(s, errors::AlreadyExists("op AddScaled of ", copy.string(),
                                     " is already registered by ",
                                     KILN_TEST_OPS_LIB));
}

TEST(OpLibraryTest, AMalformedDeclarationIsRefused) {
  Status s = loadOpLibrary(KILN_TEST_BAD_OPS_LIB);
  EXPECT_EQ(s, errors::InvalidArgument(
                   "op library ", KILN_TEST_BAD_OPS_LIB,
                   ": op BadSpec: attr 'mode: nosuchkind': unknown kind "
                   "'nosuchkind'"));
  EXPECT_EQ(findCustomOp("BadSpec"), nullptr);
}

TEST(OpLibraryTest, ATypeWithoutKernelIsNotFound) {
  ASSERT_TRUE(loadOpLibrary(KILN_TEST_MORE_OPS_LIB).ok());
  NodeAttrs attrs;
  attrs.set("T", typeAttr(DType::kInt32)); // allowed, but no kernel for it
  StatusOr<std::unique_ptr<HostKernel>> k =
      (*findHostKernel("OnlyFloatKernel"))(attrs);
  EXPECT_EQ(k.status(),
            errors::NotFound("No registered 'OnlyFloatKernel' OpKernel for "
                             "CPU devices compatible with node  (T=int32) in ",
                             KILN_TEST_MORE_OPS_LIB));
  attrs.set("T", typeAttr(DType::kFloat));
  EXPECT_TRUE((*findHostKernel("OnlyFloatKernel"))(attrs).ok());
}

TEST(OpLibraryTest, ChecksAttrsAsTfDoes) {
  loadTestOps();
  const CustomOpDef &add = *findCustomOp("AddScaled");
  NodeAttrs attrs;
  attrs.set("T", typeAttr(DType::kInt32));
  Status s = checkCustomOpAttrs(add, withDefaultAttrs(add, attrs));
  EXPECT_EQ(s.message(), "Value for attr 'T' of int32 is not in the list of "
                         "allowed values: float, double\n\t; NodeDef: ");
  NodeAttrs noT;
  EXPECT_EQ(checkCustomOpAttrs(add, withDefaultAttrs(add, noT))
                .message()
                .rfind("NodeDef missing attr 'T' from Op<name=AddScaled;", 0),
            0u);
  NodeAttrs extra;
  extra.set("T", typeAttr(DType::kFloat));
  extra.set("scal", intAttr(1));
  EXPECT_EQ(checkCustomOpAttrs(add, withDefaultAttrs(add, extra))
                .message()
                .rfind("NodeDef mentions attr 'scal' not in Op<", 0),
            0u);
  NodeAttrs ok;
  ok.set("T", typeAttr(DType::kFloat));
  EXPECT_TRUE(checkCustomOpAttrs(add, withDefaultAttrs(add, ok)).ok());
}

TEST(OpLibraryTest, RunsShapeFunctions) {
  loadTestOps();
  const CustomOpDef &add = *findCustomOp("AddScaled");
  NodeAttrs attrs;
  attrs.set("T", typeAttr(DType::kFloat));
  ShapeFnShape a{2, {2, -1}, nullptr}, b{2, {-1, 3}, nullptr};
  StatusOr<std::vector<ShapeFnShape>> out = runShapeFn(add, attrs, {a, b}, 1);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].rank, 2);
  EXPECT_EQ((*out)[0].dims, (std::vector<int64_t>{2, 3}));
  ShapeFnShape c{2, {4, 3}, nullptr};
  out = runShapeFn(add, attrs, {a, c}, 1);
  EXPECT_EQ(out.status(), errors::InvalidArgument(
                              "Dimensions must be equal, but are 2 and 4"));
}

TEST(OpLibraryTest, KernelsRunWithTheirAttrsAndState) {
  loadTestOps();
  NodeAttrs add;
  add.set("T", typeAttr(DType::kDouble)); // the double kernel, scale's default
  std::unique_ptr<HostKernel> k = kernelFor("AddScaled", add);
  ASSERT_NE(k, nullptr);
  KernelContext ctx(add, nullptr, nullptr);
  ctx.addInput(Tensor::fromVector(std::vector<double>{1, 2}));
  ctx.addInput(Tensor::fromVector(std::vector<double>{10, 20}));
  ASSERT_TRUE(k->compute(ctx).ok());
  EXPECT_TRUE(
      ctx.outputs()[0].equals(Tensor::fromVector(std::vector<double>{11, 22})));

  // Each kernel object (one per node and session) counts on its own.
  NodeAttrs counter;
  counter.set("start", intAttr(3));
  std::unique_ptr<HostKernel> c1 = kernelFor("RunCounter", counter);
  std::unique_ptr<HostKernel> c2 = kernelFor("RunCounter", counter);
  for (int64_t want : {3, 4, 5}) {
    KernelContext run(counter, nullptr, nullptr);
    ASSERT_TRUE(c1->compute(run).ok());
    EXPECT_EQ(*run.outputs()[0].data<int64_t>(), want);
  }
  KernelContext other(counter, nullptr, nullptr);
  ASSERT_TRUE(c2->compute(other).ok());
  EXPECT_EQ(*other.outputs()[0].data<int64_t>(), 3);

  // A constructor's error fails the kernel's creation.
  NodeAttrs zeroStep;
  zeroStep.set("step", intAttr(0));
  StatusOr<std::unique_ptr<HostKernel>> bad =
      (*findHostKernel("RunCounter"))(zeroStep);
  EXPECT_EQ(bad.status().message(), "step must not be 0\n\t [[{{node }}]]");
}

TEST(OpLibraryTest, KernelErrorsNameTheNode) {
  loadTestOps();
  NodeAttrs none;
  std::unique_ptr<HostKernel> k = kernelFor("CheckPositive", none);
  ASSERT_NE(k, nullptr);
  KernelContext ctx(none, nullptr, nullptr);
  ctx.addInput(Tensor::fromVector(std::vector<float>{1, -2}));
  Status s = k->compute(ctx);
  EXPECT_EQ(s, errors::InvalidArgument(
                   "element 1 of x is -2, not positive\n\t [[{{node }}]]"));
}

} // namespace
