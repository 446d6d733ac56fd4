//===- Kernels.cpp - Rules of the ops the runtime computes ----------------===//
//
// Readers, Example parsing and DecodeRaw run as host kernels; their shape
// functions say what TF's would, so the values they produce can be
// computed with. Nothing here folds.
//
//===----------------------------------------------------------------------===//
#include "Rules.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::rules;

namespace {

/// A key and a value.
ShapeResult readerReadShape(const ShapeContext &) {
  ShapeResult r;
  r.outputs = {Shape::of({}), Shape::of({})};
  return r;
}

/// Up to `num_records` keys and values.
ShapeResult readerReadUpToShape(const ShapeContext &) {
  ShapeResult r;
  r.outputs = {Shape::of({-1}), Shape::of({-1})};
  return r;
}

/// Sparse indices, values and shapes per sparse feature, then the dense
/// values: dense_shapes (ParseExample: with the batch dim in front).
ShapeResult parseExampleShape(const ShapeContext &ctx) {
  bool single = ctx.opType() == "ParseSingleExample";
  auto types = dyn_cast_or_null<ArrayAttr>(ctx.attr("sparse_types"));
  auto shapes = dyn_cast_or_null<ArrayAttr>(ctx.attr("dense_shapes"));
  if (!types || !shapes)
    return ShapeResult::none();
  int64_t batch = -1;
  Shape serialized = ctx.input(0);
  if (!single && serialized.ranked && serialized.dims.size() == 1)
    batch = serialized.dims[0];
  int64_t rank = single ? 1 : 2;
  ShapeResult r;
  for (size_t k = 0; k < types.size(); ++k)
    r.outputs.push_back(Shape::of({-1, rank}));
  for (size_t k = 0; k < types.size(); ++k)
    r.outputs.push_back(Shape::of({-1}));
  for (size_t k = 0; k < types.size(); ++k)
    r.outputs.push_back(Shape::of({rank}));
  for (Attribute a : shapes) {
    Shape s = Shape::fromAttr(a);
    if (!single && s.ranked)
      s.dims.insert(s.dims.begin(), batch);
    r.outputs.push_back(s);
  }
  return r;
}

/// The bytes' shape with the decoded numbers as a last dim.
ShapeResult decodeRawShape(const ShapeContext &ctx) {
  Shape s = ctx.input(0);
  if (s.ranked)
    s.dims.push_back(-1);
  return ShapeResult::single(s);
}

} // namespace

void kiln::populateKernelOpRules(OpRuleTable &table) {
  constexpr OpFamily family = OpFamily::Kernels;
  table.addShapeFn(family, {"ReaderReadV2", "ReaderRead"}, readerReadShape);
  table.addShapeFn(family, {"ReaderReadUpToV2", "ReaderReadUpTo"},
                   readerReadUpToShape);
  table.addShapeFn(family, {"ParseSingleExample", "ParseExample"},
                   parseExampleShape);
  table.addShapeFn(family, {"DecodeRaw"}, decodeRawShape);
}
