//===- ImportAttr.h - AttrValue/TensorProto to MLIR attributes --*- C++ -*-===//
#ifndef KILN_LIB_IMPORT_IMPORTATTR_H
#define KILN_LIB_IMPORT_IMPORTATTR_H

#include "kiln/proto/graph.pb.h"
#include "mlir/IR/Attributes.h"
#include "mlir/IR/MLIRContext.h"

#include <string>

namespace kiln {

/// Converts one AttrValue; on failure `error` says why (no prefix).
mlir::Attribute importAttrValue(const tensorflow::AttrValue &value,
                                mlir::MLIRContext *ctx, std::string &error);

/// Converts a TensorProto to a DenseElementsAttr (numbers, bool), a
/// DenseStringElementsAttr (strings) or a #graph.tensor_proto.
mlir::Attribute importTensor(const tensorflow::TensorProto &tensor,
                             mlir::MLIRContext *ctx, std::string &error);

mlir::Attribute importShape(const tensorflow::TensorShapeProto &shape,
                            mlir::MLIRContext *ctx);

/// The TF kind of an AttrValue: "int", "list(type)", ... ("list()" for an
/// empty list, which fits any list kind).
std::string attrValueKind(const tensorflow::AttrValue &value);

} // namespace kiln

#endif // KILN_LIB_IMPORT_IMPORTATTR_H
