//===- BadSpecOps.cpp - An op library with a malformed declaration --------===//
// OpLibraryTest loads it and expects the attr's error.
#include "kiln/op/OpKernel.h"

using namespace kiln::op;

REGISTER_OP("BadSpec")
    .Input("x: float")
    .Output("y: float")
    .Attr("mode: nosuchkind");
