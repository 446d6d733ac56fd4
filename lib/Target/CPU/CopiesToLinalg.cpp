//===- CopiesToLinalg.cpp - memref.copy as generated loops ----------------===//
#include "kiln/Target/CPU/CPUPipeline.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace kiln {
#define GEN_PASS_DEF_CPUCOPIESTOLINALG
#include "kiln/Target/CPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct CpuCopiesToLinalgPass
    : kiln::impl::CpuCopiesToLinalgBase<CpuCopiesToLinalgPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp c) { copies.push_back(c); });
    OpBuilder b(&getContext());
    for (memref::CopyOp c : copies) {
      auto from = dyn_cast<MemRefType>(c.getSource().getType());
      auto to = dyn_cast<MemRefType>(c.getTarget().getType());
      if (!from || !to) // Unranked copies stay library calls.
        continue;
      b.setInsertionPoint(c);
      linalg::CopyOp::create(b, c.getLoc(), c.getSource(), c.getTarget());
      c.erase();
    }
  }
};
} // namespace
