//===- SessionForm.h - One function per Session.run -------------*- C++ -*-===//
//
// The session form of a graph: the session's state (variables, queues,
// random-op generators) becomes a table of resource slots named on the
// module, and each signature (feeds, fetches, targets) - one Session.run -
// becomes a function over the nodes that run needs, in an order that
// respects every data and control edge. Fed tensors are arguments, fetched
// tensors results.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TRANSFORMS_SESSIONFORM_H
#define KILN_TRANSFORMS_SESSIONFORM_H

#include "kiln/Dialect/Graph/GraphDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <optional>
#include <string>
#include <vector>

namespace kiln {

/// One Session.run: tensors `node` / `node:k` to feed and fetch, node names
/// to run for their effect.
struct SignatureSpec {
  std::string name;
  std::vector<std::string> feeds;
  std::vector<std::string> fetches;
  std::vector<std::string> targets;
  /// Per feed (empty = none given): the shape to compile for where the graph
  /// leaves it open, e.g. "feed=X[128,784]" (-1 stays unknown).
  std::vector<std::optional<std::vector<int64_t>>> feedShapes;
  /// Feed every placeholder the run needs (appended to `feeds` in graph
  /// order): what a MetaGraphDef's train_op signature means.
  bool feedPlaceholders = false;

  /// "feed=a,b fetch=c:0 target=init", the form the tools take.
  std::string str() const;
};

/// Parses "[NAME:] feed=a,b[2,?] fetch=c:0 target=init" (each part optional
/// and repeatable; a feed may give its shape, `?` for an unknown dim). Returns
/// false and sets `error` on anything else.
bool parseSignature(llvm::StringRef text, SignatureSpec &spec,
                    std::string &error);

/// Reads signatures, one per line ("[NAME:] feed=.. fetch=.. target=.."),
/// '#' starting a comment. Returns false and sets `error` on a bad line.
bool parseSignatureFile(llvm::StringRef text, std::vector<SignatureSpec> &out,
                        std::string &error);

/// The standard signatures a MetaGraphDef implies: `init_all_variables`
/// (every variable's initializer from the `variables` and
/// `local_variables` collections), `save` and `restore` (SaverDef: feed the
/// file name tensor, run the save/restore op), one per queue runner op
/// (`<queue>_enqueue_<i>`, `<queue>_close`, `<queue>_cancel`), and
/// `train_op` (the collection of that name). Empty for a plain GraphDef.
std::vector<SignatureSpec> signaturesFromMetaGraph(graph::GraphOp graph);

/// The signature of a SavedModel SignatureDef `key` of the graph's
/// MetaGraphDef: its inputs fed and outputs fetched (each in key order),
/// named after the key. False with `error` when there is no such key.
bool signatureFromSignatureDef(graph::GraphOp graph, llvm::StringRef key,
                               SignatureSpec &spec, std::string &error);

/// "node:k" -> ("node", k); "node" -> ("node", 0).
std::pair<llvm::StringRef, unsigned> splitTensorName(llvm::StringRef tensor);

/// Nodes that own session state: variables, queues, readers, and random ops
/// (whose generator advances from run to run).
bool isResourceNode(mlir::Operation *op);

/// Module attribute listing the resource nodes' names; slot i of a session
/// is the resource of the i-th name.
constexpr llvm::StringLiteral kResourcesAttrName = "graph.resources";
/// Function attributes: the signature a function implements, and each fed /
/// fetched tensor's name (argument and result attributes).
constexpr llvm::StringLiteral kSignatureAttrName = "graph.signature";
constexpr llvm::StringLiteral kFeedAttrName = "graph.feed";
constexpr llvm::StringLiteral kFetchAttrName = "graph.fetch";

/// Names `graph`'s resource nodes on its parent module (once; later calls
/// keep the existing table so slots stay stable).
void assignResourceSlots(graph::GraphOp graph);

/// Builds the function of `spec` into `module` (named after spec.name).
/// Errors are emitted as diagnostics whose text starts with TensorFlow's
/// status code name ("NotFound: FetchOutputs node x: not found").
mlir::FailureOr<mlir::func::FuncOp>
buildSessionFunction(graph::GraphOp graph, const SignatureSpec &spec,
                     mlir::ModuleOp module);

} // namespace kiln

#endif // KILN_TRANSFORMS_SESSIONFORM_H
