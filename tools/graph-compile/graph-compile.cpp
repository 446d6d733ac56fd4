//===- graph-compile.cpp - Compile TF1 graphs ahead of time
//----------------===//
//
// graph-compile GRAPH --signature 'NAME: feed=X[128,784] fetch=y' --class C
// -o PREFIX writes PREFIX.o (native code of every signature) and PREFIX.h
// (class C: one method per signature, variable accessors, restore/save in
// TF's checkpoint format, queue runners).
//
//===----------------------------------------------------------------------===//
#include "kiln/Execution/AotCompile.h"
#include "kiln/Execution/CompileSessions.h"
#include "kiln/Execution/GraphJit.h"
#include "kiln/runtime/OpLibrary.h"

#include "llvm/Support/MemoryBuffer.h"

#include <cstdio>
#include <string>

using namespace kiln;

static const char *kUsage =
    R"(usage: graph-compile GRAPH --signature 'SIG' [--signature 'SIG']...
                     --class NAME -o PREFIX [options]

Compiles a TensorFlow 1.x graph (.pb/.pbtxt GraphDef, .meta MetaGraphDef or
SavedModel directory) ahead of time: PREFIX.o holds native code for every
signature, PREFIX.h a C++ class with one method per signature, an accessor
per variable, restore(path)/save(prefix, step) in TF's checkpoint format,
start_queue_runners() and coordinator(). A program links PREFIX.o and Kiln's
runtime libraries; no LLVM, MLIR or protobuf.

SIG is `NAME: feed=X[128,784],Y fetch=a:0 target=train_op` (one Session.run;
a feed may give the shape to compile for, `?` for a dim left open).

Options:
  --signature SIG       a signature (repeatable)
  --signatures-file F   signatures, one per line ('#' comments)
  --signature-def KEY   a SavedModel SignatureDef as a signature (its inputs
                        fed, outputs fetched; the method is named KEY)
  --class NAME          the C++ class (may be namespace-qualified: a::b::C)
  -o PREFIX             output prefix
  --static-lib          also write PREFIX.a, a static library of PREFIX.o
  --target CPU          CPU to compile for: native (default), x86-64-v3,
                        x86-64-v4, or any LLVM CPU name
  --gemm MODE           matmuls on the runtime's GEMM kernel: auto (f32
                        products big enough to pay for a call; default),
                        kernel (every f32 matmul) or codegen (generated
                        loops only)
  --vector-bits N       width of the vector code generated for the matmuls
                        not on the GEMM kernel: 512, 256, 128, or 0 (plain
                        loops); default: the target CPU's widest
  --no-meta-signatures  do not add the MetaGraphDef's init and queue-runner
                        signatures
  --prefix NAME         import with node names prefixed by NAME/
  --tags a,b            SavedModel tag set
  --verbose             say what was compiled
  --op-library LIB      load a custom-op library (kiln/op/OpKernel.h) for
                        the graph's ops; the compiled model loads it again
                        when created: linked into the program (found by
                        its file name) or else from LIB; repeatable

Example:
  graph-compile model.ckpt-95.meta --class MnistMlp -o mnist_mlp \
    --signature 'predict: feed=Placeholder[?,784],Placeholder_2,Placeholder_3 fetch=ArgMax'
)";

int main(int argc, char **argv) {
  AotOptions options;
  std::string graph;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "graph-compile: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a == "--signature" || a == "--signatures-file") {
      std::string text;
      if (a == "--signature") {
        text = value();
      } else {
        std::string path = value();
        auto file = llvm::MemoryBuffer::getFile(path);
        if (!file) {
          std::fprintf(stderr, "NotFound: %s; No such file or directory\n",
                       path.c_str());
          return 1;
        }
        text = (*file)->getBuffer().str();
      }
      std::string error;
      std::vector<SignatureSpec> specs;
      if (!parseSignatureFile(text, specs, error)) {
        std::fprintf(stderr, "InvalidArgument: signature: %s\n", error.c_str());
        return 1;
      }
      for (SignatureSpec &s : specs) {
        if (s.name.empty()) {
          std::fprintf(stderr,
                       "InvalidArgument: signature '%s' has no NAME: part\n",
                       s.str().c_str());
          return 1;
        }
        options.signatures.push_back(std::move(s));
      }
    } else if (a == "--signature-def") {
      options.signatureDefs.push_back(value());
    } else if (a == "--class") {
      options.className = value();
    } else if (a == "-o") {
      options.outputPrefix = value();
    } else if (a == "--target") {
      options.targetCpu = value();
    } else if (a == "--gemm") {
      options.gemm = value();
      if (!isGemmMode(options.gemm)) {
        std::fprintf(stderr,
                     "graph-compile: --gemm takes auto, kernel or codegen, "
                     "not '%s'\n",
                     options.gemm.c_str());
        return 2;
      }
    } else if (a == "--vector-bits") {
      std::string v = value();
      options.vectorBits = parseVectorBits(v);
      if (options.vectorBits < 0) {
        std::fprintf(
            stderr,
            "graph-compile: --vector-bits takes 512, 256, 128 or 0, not '%s'\n",
            v.c_str());
        return 2;
      }
    } else if (a == "--op-library") {
      std::string lib = value();
      Status st = loadOpLibrary(lib);
      if (!st.ok()) {
        std::fprintf(stderr, "%s: %s\n", codeName(st.code()),
                     st.message().c_str());
        return 1;
      }
      options.opLibraries.push_back(lib);
    } else if (a == "--static-lib") {
      options.staticLibrary = true;
    } else if (a == "--no-meta-signatures") {
      options.metaSignatures = false;
    } else if (a == "--prefix") {
      options.prefix = value();
    } else if (a == "--tags") {
      options.tags = value();
    } else if (a == "--verbose") {
      options.verbose = true;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "graph-compile: unknown option %s\n%s", a.c_str(),
                   kUsage);
      return 2;
    } else if (graph.empty()) {
      graph = a;
    } else {
      std::fprintf(stderr, "graph-compile: more than one graph given\n");
      return 2;
    }
  }
  if (graph.empty() || options.className.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  Status st = compileGraphAot(graph, options);
  if (!st.ok()) {
    std::fprintf(stderr, "%s: %s\n", codeName(st.code()), st.message().c_str());
    return 1;
  }
  return 0;
}
