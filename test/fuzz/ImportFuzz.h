//===- ImportFuzz.h - Shared code of the graph import harnesses -*- C++ -*-===//
#ifndef KILN_TEST_FUZZ_IMPORTFUZZ_H
#define KILN_TEST_FUZZ_IMPORTFUZZ_H

#include "kiln/Dialect/Graph/GraphDialect.h"
#include "kiln/Import/ImportGraphDef.h"
#include "kiln/proto/meta_graph.pb.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <google/protobuf/stubs/logging.h>

#include <memory>
#include <string>

namespace kiln {
namespace fuzz {

/// A fresh context per input, so no input depends on what an earlier one
/// left in the context; diagnostics are dropped.
struct FuzzContext {
  mlir::MLIRContext ctx{mlir::MLIRContext::Threading::DISABLED};
  std::unique_ptr<mlir::ScopedDiagnosticHandler> quiet;
  FuzzContext() {
    ctx.loadDialect<graph::GraphDialect>();
    quiet = std::make_unique<mlir::ScopedDiagnosticHandler>(
        &ctx, [](mlir::Diagnostic &) { return mlir::success(); });
  }
};

/// Imports `bytes` the way graph-translate does (kind recognised by
/// content), then, past the recognition heuristics, as a GraphDef and as a
/// MetaGraphDef parsed by `parse(bytes, message)`; verifies what imports.
template <typename Parse>
void importEveryWay(const std::string &bytes, const std::string &fileName,
                    Parse parse) {
  FuzzContext fc;
  std::string error;
  ImportOptions options;
  if (auto m = importGraphBytes(bytes, fileName, &fc.ctx, options, error))
    (void)mlir::verify(*m);
  google::protobuf::LogSilencer silence;
  tensorflow::GraphDef graph;
  if (parse(bytes, graph)) {
    options.prefix = "import";
    if (auto m =
            importGraphDef(graph, nullptr, fileName, &fc.ctx, options, error))
      (void)mlir::verify(*m);
  }
  tensorflow::MetaGraphDef meta;
  if (parse(bytes, meta)) {
    options.prefix.clear();
    if (auto m = importGraphDef(meta.graph_def(), &meta, fileName, &fc.ctx,
                                options, error))
      (void)mlir::verify(*m);
  }
}

} // namespace fuzz
} // namespace kiln

#endif // KILN_TEST_FUZZ_IMPORTFUZZ_H
