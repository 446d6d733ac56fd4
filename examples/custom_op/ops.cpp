//===- ops.cpp - A custom-op library, written as a user would -------------===//
//
// Four ops in TF's REGISTER_OP / REGISTER_KERNEL_BUILDER style:
//   AddScaled      z = x + scale * y (T float or double, `scale` an attr
//                  with a default), one kernel per type
//   RunCounter     stateful: start, start + step, ... on successive runs of
//                  the same session (the kernel object keeps the count)
//   CheckPositive  passes x through; InvalidArgument on an element <= 0
//   ScaleVariable  multiplies a variable in place (a Ref input, TF's
//                  mutable_input) and returns the sum of its new value
// Built by kiln_add_op_library() into libcustom_ops.so.
//
//===----------------------------------------------------------------------===//
#include "kiln/op/OpKernel.h"

#include <atomic>
#include <cmath>

using namespace kiln::op;

REGISTER_OP("AddScaled")
    .Input("x: T")
    .Input("y: T")
    .Output("z: T")
    .Attr("T: {float, double}")
    .Attr("scale: float = 1.0")
    .SetShapeFn([](shape_inference::InferenceContext *c) {
      shape_inference::ShapeHandle s;
      TF_RETURN_IF_ERROR(c->Merge(c->input(0), c->input(1), &s));
      c->set_output(0, s);
      return Status::OK();
    })
    .Doc("z = x + scale * y, elementwise, x and y of one shape.");

template <typename T> class AddScaledOp : public OpKernel {
public:
  explicit AddScaledOp(OpKernelConstruction *c) : OpKernel(c) {
    OP_REQUIRES_OK(c, c->GetAttr("scale", &scale_));
  }
  void Compute(OpKernelContext *c) override {
    const Tensor &x = c->input(0);
    const Tensor &y = c->input(1);
    OP_REQUIRES(c, x.shape() == y.shape(),
                errors::InvalidArgument(
                    "x and y differ in shape: ", x.shape().DebugString(),
                    " vs ", y.shape().DebugString()));
    Tensor *z = nullptr;
    OP_REQUIRES_OK(c, c->allocate_output(0, x.shape(), &z));
    auto xf = x.flat<T>();
    auto yf = y.flat<T>();
    auto zf = z->flat<T>();
    for (int64 i = 0; i < xf.size(); ++i)
      zf(i) = xf(i) + static_cast<T>(scale_) * yf(i);
  }

private:
  float scale_ = 1;
};

REGISTER_KERNEL_BUILDER(
    Name("AddScaled").Device(DEVICE_CPU).TypeConstraint<float>("T"),
    AddScaledOp<float>);
REGISTER_KERNEL_BUILDER(
    Name("AddScaled").Device(DEVICE_CPU).TypeConstraint<double>("T"),
    AddScaledOp<double>);

REGISTER_OP("RunCounter")
    .Output("count: int64")
    .Attr("start: int = 0")
    .Attr("step: int = 1")
    .SetIsStateful()
    .SetShapeFn(shape_inference::ScalarShape);

class RunCounterOp : public OpKernel {
public:
  explicit RunCounterOp(OpKernelConstruction *c) : OpKernel(c) {
    int64 start = 0;
    OP_REQUIRES_OK(c, c->GetAttr("start", &start));
    OP_REQUIRES_OK(c, c->GetAttr("step", &step_));
    OP_REQUIRES(c, step_ != 0, errors::InvalidArgument("step must not be 0"));
    next_ = start;
  }
  void Compute(OpKernelContext *c) override {
    Tensor *out = nullptr;
    OP_REQUIRES_OK(c, c->allocate_output(0, TensorShape({}), &out));
    out->scalar<int64>()() = next_.fetch_add(step_);
  }

private:
  int64 step_ = 1;
  std::atomic<int64> next_{0};
};
REGISTER_KERNEL_BUILDER(Name("RunCounter").Device(DEVICE_CPU), RunCounterOp);

REGISTER_OP("CheckPositive")
    .Input("x: float")
    .Output("y: float")
    .SetShapeFn(shape_inference::UnchangedShape);

class CheckPositiveOp : public OpKernel {
public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext *c) override {
    const Tensor &x = c->input(0);
    auto xf = x.flat<float>();
    for (int64 i = 0; i < xf.size(); ++i)
      OP_REQUIRES(c, xf(i) > 0,
                  errors::InvalidArgument("element ", i, " of x is ", xf(i),
                                          ", not positive"));
    c->set_output(0, x);
  }
};
REGISTER_KERNEL_BUILDER(Name("CheckPositive").Device(DEVICE_CPU),
                        CheckPositiveOp);

REGISTER_OP("ScaleVariable")
    .Input("var: Ref(float)")
    .Input("factor: float")
    .Output("sum: float")
    .SetIsStateful()
    .SetShapeFn([](shape_inference::InferenceContext *c) {
      shape_inference::ShapeHandle unused;
      TF_RETURN_IF_ERROR(c->WithRank(c->input(1), 0, &unused));
      c->set_output(0, c->Scalar());
      return Status::OK();
    });

class ScaleVariableOp : public OpKernel {
public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext *c) override {
    const float factor = c->input(1).scalar<float>()();
    Tensor var = c->mutable_input(0, /*lock_held=*/true);
    OP_REQUIRES_OK(c, c->status());
    auto v = var.flat<float>();
    float sum = 0;
    for (int64 i = 0; i < v.size(); ++i)
      sum += (v(i) *= factor);
    Tensor *out = nullptr;
    OP_REQUIRES_OK(c, c->allocate_output(0, TensorShape({}), &out));
    out->scalar<float>()() = sum;
  }
};
REGISTER_KERNEL_BUILDER(Name("ScaleVariable").Device(DEVICE_CPU),
                        ScaleVariableOp);
