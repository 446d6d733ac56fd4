//===- ExportGraphDef.h - The graph dialect back to TensorFlow --*- C++ -*-===//
//
// Writes a `graph.graph` as a GraphDef, or as the MetaGraphDef it came from
// (SaverDef, collections, signatures restored), in binary or text format.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_EXPORT_EXPORTGRAPHDEF_H
#define KILN_EXPORT_EXPORTGRAPHDEF_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace google::protobuf {
class MessageLite;
} // namespace google::protobuf

namespace tensorflow {
class GraphDef;
class NodeDef;
class MetaGraphDef;
} // namespace tensorflow

namespace kiln {
namespace graph {
class GraphOp;
}

/// One node as a NodeDef: name, op, device, attrs and (withInputs) its
/// inputs, which must then all come from nodes.
llvm::LogicalResult exportNodeDef(mlir::Operation *op,
                                  tensorflow::NodeDef &node, std::string &error,
                                  bool withInputs = true);

llvm::LogicalResult exportGraphDef(graph::GraphOp graph,
                                   tensorflow::GraphDef &out,
                                   std::string &error);

/// The MetaGraphDef the graph was imported from (or a new one holding only
/// the graph), with the current graph.
llvm::LogicalResult exportMetaGraphDef(graph::GraphOp graph,
                                       tensorflow::MetaGraphDef &out,
                                       std::string &error);

struct ExportOptions {
  bool text = false;
  /// Write a GraphDef even when the graph came from a MetaGraphDef.
  bool graphDefOnly = false;
};

/// `message` in the binary format with map entries in key order, so the same
/// graph always gives the same bytes (reproducible objects and exports).
bool serializeDeterministically(const google::protobuf::MessageLite &message,
                                std::string &bytes);

/// Serializes the module's single graph.graph.
llvm::LogicalResult exportModule(mlir::ModuleOp module,
                                 const ExportOptions &options,
                                 std::string &bytes, std::string &error);

} // namespace kiln

#endif // KILN_EXPORT_EXPORTGRAPHDEF_H
