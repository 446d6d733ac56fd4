//===- CPUPipeline.h - Kiln's CPU code generation pipeline ------*- C++ -*-===//
//
// After `convert-graph-to-linalg`, a session function is linalg/tensor code
// plus `kiln_rt` runtime ops. The CPU pipeline takes it to the LLVM dialect
// in named stages, each a pass pipeline of its own in graph-opt:
//
//   kiln-cpu-fusion      elementwise fusion on tensors
//   kiln-cpu-packing     per matmul: the runtime's GEMM kernel or loops;
//                        the loops' operand layout and order (tensors)
//   kiln-cpu-vectorize   register-tiled vector code for the matmuls left
//                        to generated code (tensors)
//   kiln-cpu-bufferize   one-shot bufferization, run exits, deallocation
//   kiln-cpu-loops       linalg to loops, to a CFG
//   kiln-cpu-lowering    math, then everything else (kiln_rt incl.) to LLVM
//
// `kiln-cpu-pipeline` (alias `kiln-lower-to-llvm`) runs them all.
// Matmuls of any size run on the runtime's register-tiled GEMM
// (kiln_rt.matmul) unless small or not f32; those get register tiles of
// vector code. Elementwise loops are vectorized by LLVM (after the big ones
// are outlined to run on every core).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TARGET_CPU_CPUPIPELINE_H
#define KILN_TARGET_CPU_CPUPIPELINE_H

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include <string>

namespace kiln {

#define GEN_PASS_DECL
#include "kiln/Target/CPU/Passes.h.inc"

/// Options of the whole pipeline (and of graph-compile/graph-run's --gemm).
struct CpuPipelineOptions {
  /// kiln-cpu-select-gemm's mode: "auto", "kernel" or "codegen".
  std::string gemm = "auto";
  /// The target's vector register width in bits (512, 256, 128); 0: no
  /// vector code of the pipeline's own.
  int64_t vectorBits = 512;
};

void buildCpuFusionStage(mlir::OpPassManager &pm);
void buildCpuPackingStage(mlir::OpPassManager &pm,
                          const CpuPipelineOptions &options = {});
void buildCpuVectorizeStage(mlir::OpPassManager &pm,
                            const CpuPipelineOptions &options = {});
void buildCpuBufferizeStage(mlir::OpPassManager &pm);
void buildCpuLoopsStage(mlir::OpPassManager &pm);
void buildCpuLoweringStage(mlir::OpPassManager &pm);
/// Every stage, in order: lowered session functions to the LLVM dialect.
void buildCpuPipeline(mlir::OpPassManager &pm,
                      const CpuPipelineOptions &options = {});

/// Registers the CPU passes and each stage (and the whole pipeline) as a
/// pass pipeline for graph-opt.
void registerCpuPipelines();

} // namespace kiln

#endif // KILN_TARGET_CPU_CPUPIPELINE_H
