//===- CompileSessions.cpp - Session.run signatures to target code --------===//
#include "kiln/Execution/CompileSessions.h"

#include "kiln/Conversion/GraphToLinalg.h"
#include "kiln/Dialect/Graph/GraphDialect.h"
#include "kiln/Execution/GraphJit.h"
#include "kiln/Target/CPU/CPUPipeline.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::graph;

namespace {

DType dtypeOfType(Type t) {
  return static_cast<DType>(
      elementTypeToDtype(stripRef(cast<TensorType>(t).getElementType()))
          .value_or(0));
}

/// The widest vector registers of `cpu` ("" or "native": this machine's),
/// for the pipeline's register tiles.
int64_t vectorBitsOf(const std::string &cpu) {
  llvm::StringMap<bool> host;
  std::unique_ptr<llvm::MCSubtargetInfo> sti;
  bool native = cpu.empty() || cpu == "native";
  if (native) {
    host = llvm::sys::getHostCPUFeatures();
  } else {
    llvm::InitializeNativeTarget();
    llvm::Triple triple(llvm::sys::getProcessTriple());
    std::string error;
    if (const llvm::Target *t =
            llvm::TargetRegistry::lookupTarget(triple, error))
      sti.reset(t->createMCSubtargetInfo(triple, cpu, ""));
  }
  auto hasFeature = [&](llvm::StringRef f) {
    if (native)
      return host.lookup(f);
    return sti && sti->checkFeatures(("+" + f).str());
  };
  if (hasFeature("avx512f"))
    return 512;
  if (hasFeature("avx2") || hasFeature("avx"))
    return 256;
  return 128;
}

} // namespace

StatusOr<std::vector<CompiledSessionInfo>>
kiln::compileSessions(ModuleOp module, const std::vector<SignatureSpec> &specs,
                      const TargetOptions &target) {
  ErrorCollector errors(module.getContext());
  GraphOp graph;
  for (auto g : module.getOps<GraphOp>()) {
    graph = g;
    break;
  }
  if (!graph)
    return errors::InvalidArgument("no graph to compile");
  std::vector<CompiledSessionInfo> out;
  for (const SignatureSpec &spec : specs) {
    FailureOr<func::FuncOp> fn = buildSessionFunction(graph, spec, module);
    if (failed(fn))
      return errors.status("building signature " + spec.name);
    CompiledSessionInfo info;
    info.symbol = spec.name;
    for (auto [i, type] : llvm::enumerate(fn->getArgumentTypes())) {
      FeedSpec f;
      f.name = fn->getArgAttrOfType<StringAttr>(i, kFeedAttrName).str();
      f.dtype = dtypeOfType(type);
      if (auto r = dyn_cast<RankedTensorType>(type)) {
        f.hasShape = true;
        for (int64_t d : r.getShape())
          f.dims.push_back(ShapedType::isDynamic(d) ? -1 : d);
      }
      info.feeds.push_back(std::move(f));
    }
    for (Type t : fn->getResultTypes())
      info.fetchTypes.push_back(dtypeOfType(t));
    out.push_back(std::move(info));
  }
  graph.erase();
  if (failed(lowerSessionFunctions(module, defaultNodeLowerings())))
    return errors.status("lowering failed");
  PassManager pm(module.getContext());
  CpuPipelineOptions cpuOptions;
  cpuOptions.gemm = target.gemm;
  cpuOptions.vectorBits =
      target.vectorBits >= 0 ? target.vectorBits : vectorBitsOf(target.cpu);
  buildCpuPipeline(pm, cpuOptions);
  if (failed(pm.run(module)))
    return errors.status("lowering to LLVM failed");
  return out;
}
