//===- Rules.h - Helpers the op families' rules share -----------*- C++ -*-===//
//
// Private to lib/Transforms/OpRules: the generic shape functions and the
// shape and constant arithmetic more than one family uses.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_TRANSFORMS_OPRULES_RULES_H
#define KILN_LIB_TRANSFORMS_OPRULES_RULES_H

#include "kiln/Dialect/Graph/GraphDialect.h"
#include "kiln/Transforms/OpRules.h"

namespace kiln {
namespace rules {

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

/// TF's generic shape functions (what a `ShapeFn` line in the op table
/// names); families use them for op types outside the table.
ShapeResult unchangedShape(const ShapeContext &ctx);
ShapeResult broadcastBinaryShape(const ShapeContext &ctx);
ShapeResult scalarShape(const ShapeContext &ctx);
ShapeResult twoElementShape(const ShapeContext &ctx);
ShapeResult noOutputs(const ShapeContext &ctx);

/// numpy broadcasting of two shapes; nullopt and TF's error message if
/// known dims disagree.
std::optional<Shape> broadcastShapes(const Shape &a, const Shape &b,
                                     std::string &error);

/// The shape a shape vector (input `i`) gives, as TF reads it: its values
/// when constant, else the shape a Shape/ShapeN node took (as known), else
/// only the rank (its length). Fill, the random ops, the gradients' sizes.
ShapeResult shapeFromShapeInput(const ShapeContext &ctx, unsigned i);

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

inline FoldResult single(ConstTensor v) {
  return llvm::SmallVector<ConstTensor>{std::move(v)};
}

int64_t numElements(llvm::ArrayRef<int64_t> shape);

/// Strides (in elements) of a row-major shape.
llvm::SmallVector<int64_t> stridesOf(llvm::ArrayRef<int64_t> shape);

/// Appends element `flat` of `src` to `out`.
void copyElem(ConstTensor &out, const ConstTensor &src, int64_t flat);

/// The static shape of data result `i`, if its type has one: folders of
/// ops that only move values (Reshape, ExpandDims) take the shape from
/// shape inference.
std::optional<llvm::SmallVector<int64_t>> staticResultShape(mlir::Operation *op,
                                                            unsigned i);

} // namespace rules
} // namespace kiln

#endif // KILN_LIB_TRANSFORMS_OPRULES_RULES_H
