//===- graph-opt.cpp - Kiln's optimizer driver
//------------------------------===//
//
// mlir-opt with Kiln's dialects and passes: reads `graph` dialect IR (e.g. from
// `graph-translate --graphdef-to-mlir`), runs passes, prints the result.
// Unlike mlir-opt, errors do not dump the op they are on (the whole graph,
// for a pass on graph.graph) unless --mlir-print-op-on-diagnostic asks.
//
//===----------------------------------------------------------------------===//
#include "kiln/Conversion/GraphToLinalg.h"
#include "kiln/Dialect/Graph/GraphDialect.h"
#include "kiln/Tools/DiagnosticDefaults.h"
#include "kiln/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  kiln::setKilnDiagnosticDefaults();
  mlir::registerTransformsPasses();
  kiln::registerKilnTransformsPasses();
  kiln::registerKilnConversionPasses();
  mlir::DialectRegistry registry;
  registry.insert<kiln::graph::GraphDialect, mlir::func::FuncDialect>();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "Kiln graph optimizer: runs passes over `graph` dialect IR\n",
      registry));
}
