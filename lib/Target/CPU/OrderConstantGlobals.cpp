//===- OrderConstantGlobals.cpp - Reproducible constant globals -----------===//
#include "kiln/Target/CPU/CPUPipeline.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

namespace kiln {
#define GEN_PASS_DEF_ORDERCONSTANTGLOBALS
#include "kiln/Target/CPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct OrderConstantGlobalsPass
    : kiln::impl::OrderConstantGlobalsBase<OrderConstantGlobalsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::DenseMap<StringAttr, memref::GlobalOp> globals;
    for (auto g : module.getOps<memref::GlobalOp>())
      if (g.isPrivate() && g.getConstant())
        globals[g.getSymNameAttr()] = g;
    if (globals.empty())
      return;
    // First uses, in the order of the module's code.
    SmallVector<memref::GlobalOp> order;
    llvm::DenseSet<Operation *> seen;
    module.walk([&](memref::GetGlobalOp use) {
      auto it = globals.find(use.getNameAttr().getAttr());
      if (it != globals.end() && seen.insert(it->second).second)
        order.push_back(it->second);
    });
    // Unused ones last, by their (deterministic) contents' position: keep
    // their relative order as found.
    for (auto g : module.getOps<memref::GlobalOp>())
      if (globals.count(g.getSymNameAttr()) && !seen.count(g))
        order.push_back(g);
    // Rename in two steps so a new name never collides with an old one.
    MLIRContext *ctx = &getContext();
    for (auto [k, g] : llvm::enumerate(order)) {
      auto tmp = StringAttr::get(ctx, "kiln_constant_tmp_" + Twine(k));
      if (failed(SymbolTable::replaceAllSymbolUses(g, tmp, module)))
        return signalPassFailure();
      g.setSymName(tmp);
    }
    Block *body = module.getBody();
    Operation *insertAfter = nullptr;
    for (auto [k, g] : llvm::enumerate(order)) {
      auto name = StringAttr::get(ctx, "kiln_constant_" + Twine(k));
      if (failed(SymbolTable::replaceAllSymbolUses(g, name, module)))
        return signalPassFailure();
      g.setSymName(name);
      if (insertAfter)
        g->moveAfter(insertAfter);
      else
        g->moveBefore(body, body->begin());
      insertAfter = g;
    }
  }
};
} // namespace
