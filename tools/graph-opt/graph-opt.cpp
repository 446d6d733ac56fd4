//===- graph-opt.cpp - Kiln's optimizer driver ----------------------------===//
//
// mlir-opt with Kiln's dialects and passes: reads `graph` dialect IR (e.g.
// from `graph-translate --graphdef-to-mlir`), runs passes - Kiln's graph
// passes, the lowering, each stage of the CPU pipeline, upstream passes -
// and prints the result. `--print-op-rules` lists what Kiln knows about
// each op type instead. Unlike mlir-opt, errors do not dump the op they are
// on (the whole graph, for a pass on graph.graph) unless
// --mlir-print-op-on-diagnostic asks.
//
//===----------------------------------------------------------------------===//
#include "kiln/Conversion/GraphToLinalg.h"
#include "kiln/Dialect/Graph/GraphDialect.h"
#include "kiln/Dialect/Rt/RtDialect.h"
#include "kiln/Target/CPU/CPUPipeline.h"
#include "kiln/Tools/DiagnosticDefaults.h"
#include "kiln/Transforms/OpRules.h"
#include "kiln/Transforms/Passes.h"
#include "kiln/runtime/OpLibrary.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

#include <set>

static llvm::cl::opt<bool> printOpRules(
    "print-op-rules",
    llvm::cl::desc("Print every op type with a shape function, folder or CPU "
                   "lowering (`OP shape=SOURCE fold=FAMILY lowering=cpu`, "
                   "`-` for none) and exit"),
    llvm::cl::init(false));

static llvm::cl::list<std::string> opLibraries(
    "op-library",
    llvm::cl::desc("Load a custom-op library (kiln/op/OpKernel.h): its ops "
                   "type-check and shape the graph's nodes of those types "
                   "and lower to calls of its kernels (repeatable)"),
    llvm::cl::value_desc("lib.so"));

/// One line per op type: the lit test op-rules-coverage.test reads these.
static void printRules() {
  const kiln::OpRuleTable &rules = kiln::defaultOpRules();
  const kiln::NodeLoweringTable &lowerings = kiln::defaultNodeLowerings();
  std::set<std::string> types;
  for (llvm::StringRef t : rules.opTypes())
    types.insert(t.str());
  for (const auto &e : lowerings)
    types.insert(e.getKey().str());
  for (const std::string &t : types) {
    const kiln::OpRules *r = rules.lookup(t);
    llvm::outs() << t << " shape="
                 << (r && r->shape ? r->shapeSource : llvm::StringRef("-"))
                 << " fold="
                 << (r && r->fold ? kiln::stringifyOpFamily(*r->foldFamily)
                                  : llvm::StringRef("-"))
                 << " lowering=" << (lowerings.count(t) ? "cpu" : "-") << "\n";
  }
}

int main(int argc, char **argv) {
  kiln::setKilnDiagnosticDefaults();
  mlir::registerAllPasses();
  kiln::registerKilnTransformsPasses();
  kiln::registerCpuPipelines();
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<kiln::graph::GraphDialect, kiln::rt::RtDialect>();
  kiln::rt::registerBufferizableOpInterfaceExternalModels(registry);
  auto [input, output] = mlir::registerAndParseCLIOptions(
      argc, argv, "Kiln graph optimizer: runs passes over `graph` dialect IR\n",
      registry);
  for (const std::string &lib : opLibraries) {
    kiln::Status st = kiln::loadOpLibrary(lib);
    if (!st.ok()) {
      llvm::errs() << kiln::codeName(st.code()) << ": " << st.message() << "\n";
      return 1;
    }
  }
  if (printOpRules) {
    printRules();
    return 0;
  }
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, input, output, registry));
}
