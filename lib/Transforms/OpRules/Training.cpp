//===- Training.cpp - Rules of loss kernels and optimizer updates ---------===//
//
// The softmax cross-entropy kernels (loss per row, backprop like the
// logits) and the Apply* updates, whose output is the updated variable.
// The *Grad kernels broadcast like the ops they differentiate
// (`ShapeFn BroadcastBinaryOpShapeFn` in the op table).
//
//===----------------------------------------------------------------------===//
#include "Rules.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::rules;

namespace {

ShapeResult softmaxCrossEntropyShape(const ShapeContext &ctx) {
  Shape features = ctx.input(0);
  ShapeResult r;
  r.outputs.push_back(features.ranked && !features.dims.empty()
                          ? Shape::of({features.dims[0]})
                          : Shape::unknown());
  r.outputs.push_back(features);
  return r;
}

} // namespace

void kiln::populateTrainingOpRules(OpRuleTable &table) {
  constexpr OpFamily family = OpFamily::Training;
  table.addShapeFn(
      family,
      {"SoftmaxCrossEntropyWithLogits", "SparseSoftmaxCrossEntropyWithLogits"},
      softmaxCrossEntropyShape);
  // TF's other optimizer updates, outside the op table (generic nodes):
  // each returns its first input, the variable.
  table.addShapeFn(family,
                   {"ApplyProximalGradientDescent", "ApplyAdadelta",
                    "ApplyProximalAdagrad", "ApplyAdagradDA", "ApplyFtrl",
                    "ApplyFtrlV2", "ApplyAdaMax", "ApplyCenteredRMSProp",
                    "ApplyAddSign", "ApplyPowerSign"},
                   unchangedShape);
}
