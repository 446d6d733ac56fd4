//===- ImportGraphDef.h - TensorFlow graphs to the graph dialect -*- C++ -*-===//
//
// Reads GraphDef (.pb/.pbtxt), MetaGraphDef (.meta, binary or text) and
// SavedModel (saved_model.pb/.pbtxt) files, recognised by their content, into
// a module holding one `graph.graph`. Nothing is lost: names, devices, every
// attr, input order, control edges, the function library, versions and the
// MetaGraphDef's SaverDef, collections and signatures.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_IMPORT_IMPORTGRAPHDEF_H
#define KILN_IMPORT_IMPORTGRAPHDEF_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>

namespace tensorflow {
class GraphDef;
class MetaGraphDef;
} // namespace tensorflow

namespace kiln {

struct ImportOptions {
  /// import_graph_def(name=prefix): every node name gets "prefix/".
  std::string prefix;
  /// SavedModel: the tag set of the MetaGraphDef to load ("serve",
  /// "serve,gpu"); empty takes the first.
  std::string tags;
};

/// What kind of file the bytes hold.
enum class GraphFileKind { GraphDef, MetaGraphDef, SavedModel };

/// Imports a file (a SavedModel directory is accepted too). On failure
/// returns null and sets `error` to one line naming the file and, where
/// there is one, the node and its op type.
mlir::OwningOpRef<mlir::ModuleOp> importGraphFile(const std::string &path,
                                                  mlir::MLIRContext *ctx,
                                                  const ImportOptions &options,
                                                  std::string &error);

/// Imports in-memory file contents; `fileName` is used in messages.
mlir::OwningOpRef<mlir::ModuleOp>
importGraphBytes(const std::string &bytes, const std::string &fileName,
                 mlir::MLIRContext *ctx, const ImportOptions &options,
                 std::string &error);

/// Imports a parsed GraphDef, with its MetaGraphDef when `meta` is given.
mlir::OwningOpRef<mlir::ModuleOp>
importGraphDef(const tensorflow::GraphDef &graph,
               const tensorflow::MetaGraphDef *meta,
               const std::string &fileName, mlir::MLIRContext *ctx,
               const ImportOptions &options, std::string &error);

} // namespace kiln

#endif // KILN_IMPORT_IMPORTGRAPHDEF_H
