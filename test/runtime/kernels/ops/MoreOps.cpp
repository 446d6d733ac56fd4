//===- MoreOps.cpp - A second op library for OpLibraryTest ----------------===//
// An op whose declaration allows int32 but whose only kernel is float's.
#include "kiln/op/OpKernel.h"

using namespace kiln::op;

REGISTER_OP("OnlyFloatKernel")
    .Input("x: T")
    .Output("y: T")
    .Attr("T: {float, int32}")
    .SetShapeFn(shape_inference::UnchangedShape);

class OnlyFloatKernelOp : public OpKernel {
public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext *c) override { c->set_output(0, c->input(0)); }
};
REGISTER_KERNEL_BUILDER(
    Name("OnlyFloatKernel").Device(DEVICE_CPU).TypeConstraint<float>("T"),
    OnlyFloatKernelOp);
