//===- AotCompile.h - Graphs to object files and C++ headers ----*- C++ -*-===//
//
// The ahead-of-time path (graph-compile, kiln_add_graph_library): the same
// session form and lowering as the JIT, for every signature of a model at
// once, emitted as one object file for a chosen CPU, plus a header with a
// class that has one method per signature, an accessor per variable, and
// restore/save/start_queue_runners/coordinator (kiln/runtime/CompiledModel.h).
// The program links the object and Kiln's runtime only.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_EXECUTION_AOTCOMPILE_H
#define KILN_EXECUTION_AOTCOMPILE_H

#include "kiln/Transforms/SessionForm.h"
#include "kiln/runtime/Status.h"

#include <string>
#include <vector>

namespace kiln {

struct AotOptions {
  /// C++ class name, optionally namespace-qualified ("demo::MnistMlp").
  std::string className;
  /// Writes `<outputPrefix>.o` and `<outputPrefix>.h`.
  std::string outputPrefix;
  /// Also writes `<outputPrefix>.a`, a static library holding the object.
  bool staticLibrary = false;
  /// CPU to compile for: "" = this machine; "x86-64-v3"/"x86-64-v4" or any
  /// LLVM CPU name for portable builds.
  std::string targetCpu;
  /// Matmuls on the runtime's GEMM: "auto", "kernel" or "codegen"
  /// (TargetOptions::gemm).
  std::string gemm = "auto";
  /// Width of the generated matmul tiles (TargetOptions::vectorBits).
  int vectorBits = -1;
  std::vector<SignatureSpec> signatures;
  /// Custom-op libraries the graph uses (already loaded by the caller): the
  /// compiled model loads each when created (CompiledModelInfo::opLibraries).
  std::vector<std::string> opLibraries;
  /// SavedModel SignatureDef keys to compile as signatures (named after the
  /// key, non-identifier characters as '_').
  std::vector<std::string> signatureDefs;
  /// Also compile the MetaGraphDef's init and queue-runner signatures (what
  /// start_queue_runners and an init need).
  bool metaSignatures = true;
  std::string prefix; // import_graph_def name
  std::string tags;   // SavedModel tag set
  bool verbose = false;
};

/// Compiles `graphPath` as `options` say. Errors carry TF's codes.
Status compileGraphAot(const std::string &graphPath, const AotOptions &options);

} // namespace kiln

#endif // KILN_EXECUTION_AOTCOMPILE_H
