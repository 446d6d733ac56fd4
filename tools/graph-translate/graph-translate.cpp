//===- graph-translate.cpp - TensorFlow graphs <-> graph dialect MLIR -----===//
//
// The flag names follow TensorFlow's own tf-mlir-translate.
//
//===----------------------------------------------------------------------===//
#include "kiln/Dialect/Graph/GraphDialect.h"
#include "kiln/Export/ExportGraphDef.h"
#include "kiln/Import/ImportGraphDef.h"
#include "kiln/Tools/DiagnosticDefaults.h"
#include "kiln/runtime/OpLibrary.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

static cl::OptionCategory cat("graph-translate options");

static cl::opt<bool> toMlir(
    "graphdef-to-mlir",
    cl::desc("Import a TensorFlow graph file -- GraphDef (.pb binary or "
             ".pbtxt text), MetaGraphDef (.meta, binary or text) or "
             "SavedModel (directory or saved_model.pb[txt]), recognised by "
             "content -- and print it as `graph` dialect MLIR"),
    cl::cat(cat));
static cl::opt<bool> fromMlir(
    "mlir-to-graphdef",
    cl::desc("Read `graph` dialect MLIR and write it back as a GraphDef, or "
             "as the MetaGraphDef it was imported from"),
    cl::cat(cat));
static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input file>"),
                                      cl::init("-"), cl::cat(cat));
static cl::opt<std::string>
    outputFile("o", cl::desc("Output file (default: stdout)"),
               cl::value_desc("file"), cl::init("-"), cl::cat(cat));
static cl::opt<bool> textOutput(
    "text",
    cl::desc("--mlir-to-graphdef: write protobuf text format (default when "
             "the output is stdout or ends in .pbtxt/.txt; binary otherwise)"),
    cl::cat(cat));
static cl::opt<bool> binaryOutput("binary",
                                  cl::desc("--mlir-to-graphdef: force binary"),
                                  cl::cat(cat));
static cl::opt<bool> graphDefOnly(
    "graphdef-only",
    cl::desc("--mlir-to-graphdef: write only the GraphDef of a MetaGraphDef"),
    cl::cat(cat));
static cl::opt<std::string>
    prefix("prefix",
           cl::desc("--graphdef-to-mlir: prefix every node name with NAME/, as "
                    "tf.import_graph_def(graph_def, name=NAME) does"),
           cl::value_desc("NAME"), cl::cat(cat));
static cl::opt<std::string> tags(
    "tags",
    cl::desc("--graphdef-to-mlir on a SavedModel: the tag set of the "
             "MetaGraphDef to import, comma separated (default: the first)"),
    cl::value_desc("serve[,gpu]"), cl::cat(cat));

static cl::list<std::string> opLibraries(
    "op-library",
    cl::desc("--graphdef-to-mlir: load a custom-op library "
             "(kiln/op/OpKernel.h) whose declarations type the nodes of its "
             "ops (repeatable)"),
    cl::value_desc("lib.so"), cl::cat(cat));

static int fail(const std::string &msg) {
  errs() << "graph-translate: error: " << msg << "\n";
  return 1;
}

int main(int argc, char **argv) {
  InitLLVM y(argc, argv);
  kiln::setKilnDiagnosticDefaults();
  cl::HideUnrelatedOptions(cat);
  cl::ParseCommandLineOptions(
      argc, argv,
      "graph-translate: convert TensorFlow graphs to and from Kiln's `graph` "
      "dialect.\n\n"
      "  graph-translate --graphdef-to-mlir model.meta -o model.mlir\n"
      "  graph-translate --mlir-to-graphdef model.mlir -o model.pbtxt\n");
  if (toMlir == fromMlir)
    return fail("give exactly one of --graphdef-to-mlir or --mlir-to-graphdef "
                "(see --help)");

  for (const std::string &lib : opLibraries) {
    kiln::Status st = kiln::loadOpLibrary(lib);
    if (!st.ok())
      return fail(std::string(kiln::codeName(st.code())) + ": " + st.message());
  }
  mlir::MLIRContext ctx;
  ctx.loadDialect<kiln::graph::GraphDialect>();
  std::string error;
  std::string out;
  if (toMlir) {
    if (inputFile == "-")
      return fail("--graphdef-to-mlir needs an input file");
    kiln::ImportOptions options;
    options.prefix = prefix;
    options.tags = tags;
    auto module = kiln::importGraphFile(inputFile, &ctx, options, error);
    if (!module)
      return fail(error);
    raw_string_ostream os(out);
    module->print(os);
  } else {
    SourceMgr sourceMgr;
    std::string inError;
    auto buffer = mlir::openInputFile(inputFile, &inError);
    if (!buffer)
      return fail(inputFile + ": " + inError);
    sourceMgr.AddNewSourceBuffer(std::move(buffer), SMLoc());
    std::string diag;
    raw_string_ostream diagOs(diag);
    mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &ctx, diagOs);
    auto module = mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &ctx);
    if (!module)
      return fail("cannot read " + inputFile + ":\n" + diag);
    kiln::ExportOptions options;
    StringRef o(outputFile);
    options.text =
        !binaryOutput && (textOutput || o == "-" || o.ends_with(".pbtxt") ||
                          o.ends_with(".txt"));
    options.graphDefOnly = graphDefOnly;
    if (failed(kiln::exportModule(*module, options, out, error)))
      return fail(inputFile + ": " + error);
  }
  auto output = mlir::openOutputFile(outputFile, &error);
  if (!output)
    return fail(error);
  output->os() << out;
  output->keep();
  return 0;
}
