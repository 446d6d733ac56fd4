//===- graph-opt.cpp - Kiln's optimizer driver ----------------------------===//
//
// mlir-opt with Kiln's dialects and passes: reads `graph` dialect IR (e.g.
// from `graph-translate --graphdef-to-mlir`), runs passes - Kiln's graph
// passes, the lowering, each stage of the CPU pipeline, upstream passes -
// and prints the result.
//
//===----------------------------------------------------------------------===//
#include "kiln/Conversion/GraphToLinalg.h"
#include "kiln/Dialect/Graph/GraphDialect.h"
#include "kiln/Dialect/Rt/RtDialect.h"
#include "kiln/Target/CPU/CPUPipeline.h"
#include "kiln/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  kiln::registerKilnTransformsPasses();
  kiln::registerCpuPipelines();
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<kiln::graph::GraphDialect, kiln::rt::RtDialect>();
  kiln::rt::registerBufferizableOpInterfaceExternalModels(registry);
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "Kiln graph optimizer: runs passes over `graph` dialect IR\n",
      registry));
}
