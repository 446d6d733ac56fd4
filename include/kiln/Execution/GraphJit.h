//===- GraphJit.h - Compile graph signatures in process ---------*- C++ -*-===//
//
// Loads a graph file once and compiles each signature the session asks for
// on first use: session form -> graph-to-linalg -> LLVM dialect -> native
// code with the ORC JIT (mlir::ExecutionEngine). It is the
// SignatureProvider of a kiln::Session; graph-run uses it, and so can any
// C++ program that wants TF1 graphs without ahead-of-time compilation.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_EXECUTION_GRAPHJIT_H
#define KILN_EXECUTION_GRAPHJIT_H

#include "kiln/runtime/QueueRunner.h"
#include "kiln/runtime/Session.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mlir {
class MLIRContext;
class ModuleOp;
class ExecutionEngine;
class Operation;
class ScopedDiagnosticHandler;
template <typename T> class OwningOpRef;
} // namespace mlir

namespace kiln {
namespace graph {
class GraphOp;
}

struct JitOptions {
  /// Prefix for node names (import_graph_def's name=).
  std::string prefix;
  /// SavedModel tag set.
  std::string tags;
  /// LLVM optimization level for generated code (0-3).
  unsigned optLevel = 2;
  /// Print each compiled signature's timing to stderr.
  bool verbose = false;
  /// Compile each signature once for the shapes the graph declares (dims it
  /// leaves open stay open, e.g. any batch size) instead of once per fed
  /// shape.
  bool specializeFeeds = true;
  /// Matmuls on the runtime's GEMM: "auto", "kernel" or "codegen"
  /// (TargetOptions::gemm).
  std::string gemm = "auto";
  /// Width of the generated matmul tiles (TargetOptions::vectorBits).
  int vectorBits = -1;
};

class GraphJit : public SignatureProvider {
public:
  static StatusOr<std::unique_ptr<GraphJit>> load(const std::string &path,
                                                  const JitOptions &options);
  ~GraphJit() override;

  /// The session's resources, slot by slot.
  std::vector<ResourceSpec> resourceSpecs() const;
  /// The queue runners the MetaGraphDef's `queue_runners` collection lists.
  const std::vector<QueueRunnerSpec> &queueRunners() const {
    return queueRunners_;
  }
  /// The dtype of tensor `node[:k]` (what a feed of it must be).
  StatusOr<DType> tensorDType(const std::string &tensor) const;

  StatusOr<const CompiledSignature *>
  get(const std::vector<std::string> &feeds,
      const std::vector<std::string> &fetches,
      const std::vector<std::string> &targets,
      const std::vector<Tensor> *feedValues) override;

private:
  GraphJit();
  StatusOr<const CompiledSignature *>
  compile(const std::string &key, const std::vector<std::string> &feeds,
          const std::vector<std::string> &fetches,
          const std::vector<std::string> &targets,
          const std::vector<Tensor> *feedValues);

  JitOptions options_;
  std::unique_ptr<mlir::MLIRContext> context_;
  std::unique_ptr<mlir::OwningOpRef<mlir::ModuleOp>> graph_;
  std::vector<QueueRunnerSpec> queueRunners_;
  std::mutex mu_;
  struct Entry;
  std::map<std::string, std::unique_ptr<Entry>> compiled_;
};

/// An MLIRContext with everything the compiler uses registered (dialects,
/// extensions, passes and pipelines, LLVM IR translations).
std::unique_ptr<mlir::MLIRContext> createCompilerContext();
void initializeCompilerOnce();

/// Collects error diagnostics while alive; the first becomes a Status.
class ErrorCollector {
public:
  explicit ErrorCollector(mlir::MLIRContext *ctx);
  ~ErrorCollector();
  Status status(const std::string &fallback) const;

private:
  std::vector<std::string> errors;
  std::unique_ptr<mlir::ScopedDiagnosticHandler> handler;
};

/// What a session creates for resource node `op` (variable, queue, random).
ResourceSpec resourceSpecOf(mlir::Operation *op);
/// The queue runners of the graph's MetaGraphDef `queue_runners` collection
/// (none for a plain GraphDef); DataLoss when one does not parse.
StatusOr<std::vector<QueueRunnerSpec>> queueRunnersOf(graph::GraphOp graph);
/// The session's resources, slot by slot, of a module holding a graph whose
/// slots were assigned (assignResourceSlots).
std::vector<ResourceSpec> resourceSpecsOf(mlir::ModuleOp module);

/// TF's status code of a compiler diagnostic that starts "Code: message"
/// (the convention of Kiln's session form and lowering); Internal otherwise.
Status statusFromDiagnostic(const std::string &text);

} // namespace kiln

#endif // KILN_EXECUTION_GRAPHJIT_H
