//===- CompileSessions.h - Session.run signatures to target code -*- C++
//-*-===//
//
// The one compile path of graph-run (JIT) and graph-compile (ahead of
// time): session form per signature, lowering to linalg and runtime ops,
// then the target's pipeline down to the LLVM dialect.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_EXECUTION_COMPILESESSIONS_H
#define KILN_EXECUTION_COMPILESESSIONS_H

#include "kiln/Transforms/SessionForm.h"
#include "kiln/runtime/Session.h"
#include "kiln/runtime/Status.h"

#include <string>
#include <vector>

namespace mlir {
class ModuleOp;
} // namespace mlir

namespace kiln {

/// What to generate code for.
struct TargetOptions {
  /// LLVM CPU name ("" or "native": the host's).
  std::string cpu;
  /// Matmuls on the runtime's GEMM kernel: "auto" (f32 products big enough
  /// to pay for a call), "kernel" (every f32 matmul) or "codegen" (none).
  std::string gemm = "auto";
  /// Vector register width of the generated matmul tiles in bits (512, 256,
  /// 128), 0 for none (LLVM's loop vectorizer), -1: the CPU's widest.
  int vectorBits = -1;
};

/// The TargetOptions::vectorBits a --vector-bits value names (512, 256,
/// 128 or 0), or -2 when it names none.
inline int parseVectorBits(const std::string &value) {
  for (int bits : {512, 256, 128, 0})
    if (value == std::to_string(bits))
      return bits;
  return -2;
}

/// Whether `mode` is one TargetOptions::gemm takes (auto, kernel, codegen).
inline bool isGemmMode(const std::string &mode) {
  return mode == "auto" || mode == "kernel" || mode == "codegen";
}

/// One signature as compiled: its function symbol and the feeds it takes
/// (names, dtypes, the shapes it was compiled for), its fetches' dtypes.
struct CompiledSessionInfo {
  std::string symbol;
  std::vector<FeedSpec> feeds;
  std::vector<DType> fetchTypes;
};

/// Builds one session function per spec (its `name` becomes the symbol)
/// from the graph in `module`, which is then erased, and compiles them all:
/// `module` ends up in the LLVM dialect, ready for the JIT or for
/// translation to an object file. Errors are TF statuses (from the passes'
/// diagnostics).
StatusOr<std::vector<CompiledSessionInfo>>
compileSessions(mlir::ModuleOp module, const std::vector<SignatureSpec> &specs,
                const TargetOptions &target);

} // namespace kiln

#endif // KILN_EXECUTION_COMPILESESSIONS_H
