//===- DiagnosticDefaults.h - How Kiln's tools print MLIR errors -*- C++ -*-===//
//
// MLIR attaches the whole operation to each diagnostic emitted on it ("note:
// see current operation: ..."); for a pass on `graph.graph` that is the whole
// graph, burying the message. Kiln's messages name the node, so its tools
// turn that off by default.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TOOLS_DIAGNOSTICDEFAULTS_H
#define KILN_TOOLS_DIAGNOSTICDEFAULTS_H

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"

namespace kiln {

/// Makes `--mlir-print-op-on-diagnostic=false` the default. Call before the
/// command line is parsed: the flag given there still wins, as the later
/// occurrence.
inline void setKilnDiagnosticDefaults() {
  mlir::registerMLIRContextCLOptions();
  auto &options = llvm::cl::getRegisteredOptions();
  auto it = options.find("mlir-print-op-on-diagnostic");
  if (it != options.end())
    it->second->addOccurrence(0, "mlir-print-op-on-diagnostic", "false");
}

} // namespace kiln

#endif // KILN_TOOLS_DIAGNOSTICDEFAULTS_H
