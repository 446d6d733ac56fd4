//===- GraphJit.cpp - Compile graph signatures in process -----------------===//
#include "kiln/Execution/GraphJit.h"

#include "kiln/Dialect/Rt/RtDialect.h"
#include "kiln/Execution/CompileSessions.h"
#include "kiln/Target/CPU/CPUPipeline.h"

#include "kiln/Conversion/GraphToLinalg.h"
#include "kiln/Dialect/Graph/GraphDialect.h"
#include "kiln/Import/ImportGraphDef.h"
#include "kiln/Transforms/Passes.h"
#include "kiln/Transforms/SessionForm.h"
#include "kiln/proto/meta_graph.pb.h"
#include "kiln/runtime/CompiledAbi.h"
#include "kiln/runtime/TensorProto.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/Support/TargetSelect.h"

#include <google/protobuf/text_format.h>

#include <chrono>
#include <cstdio>
#include <functional>

using namespace mlir;
using namespace kiln;
using namespace kiln::graph;

struct GraphJit::Entry {
  CompiledSignature sig;
  std::unique_ptr<ExecutionEngine> engine;
};

GraphJit::GraphJit() = default;
GraphJit::~GraphJit() {
  compiled_.clear();
  graph_.reset();
}

Status kiln::statusFromDiagnostic(const std::string &text) {
  size_t colon = text.find(": ");
  if (colon != std::string::npos) {
    std::string name = text.substr(0, colon);
    for (int c = 1; c <= 16; ++c)
      if (name == codeName(static_cast<Code>(c)))
        return Status(static_cast<Code>(c), text.substr(colon + 2));
  }
  return errors::Internal(text);
}

std::unique_ptr<MLIRContext> kiln::createCompilerContext() {
  initializeCompilerOnce();
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registry.insert<GraphDialect, rt::RtDialect>();
  rt::registerBufferizableOpInterfaceExternalModels(registry);
  auto ctx = std::make_unique<MLIRContext>(registry);
  ctx->disableMultithreading();
  ctx->loadAllAvailableDialects();
  return ctx;
}

void kiln::initializeCompilerOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    registerAllPasses();
    registerCpuPipelines();
  });
}

namespace {

GraphOp theGraph(ModuleOp module) {
  for (auto g : module.getOps<GraphOp>())
    return g;
  return nullptr;
}

int64_t intAttr(Operation *op, StringRef name, int64_t dflt) {
  if (auto a = op->getAttrOfType<IntegerAttr>(name))
    return a.getInt();
  return dflt;
}
std::string strAttr(Operation *op, StringRef name) {
  if (auto a = op->getAttrOfType<StringAttr>(name))
    return a.str();
  return "";
}
DType dtypeOf(Type t) {
  return static_cast<DType>(elementTypeToDtype(stripRef(t)).value_or(0));
}
TensorShape shapeOf(Attribute a) {
  auto s = dyn_cast_or_null<ShapeAttr>(a);
  TensorShape shape;
  if (s && s.hasRank())
    for (int64_t d : s.getDims())
      shape.addDim(d);
  return shape;
}

} // namespace

kiln::ErrorCollector::ErrorCollector(MLIRContext *ctx)
    : handler(
          std::make_unique<ScopedDiagnosticHandler>(ctx, [this](Diagnostic &d) {
            if (d.getSeverity() == DiagnosticSeverity::Error)
              errors.push_back(d.str());
            return success();
          })) {}
kiln::ErrorCollector::~ErrorCollector() = default;

Status kiln::ErrorCollector::status(const std::string &fallback) const {
  if (errors.empty())
    return errors::Internal(fallback);
  return statusFromDiagnostic(errors.front());
}

ResourceSpec kiln::resourceSpecOf(Operation *op) {
  ResourceSpec r;
  r.nodeName = getNodeName(op).str();
  r.opType = getNodeOpType(op).str();
  r.sharedName = strAttr(op, "shared_name");
  StringRef t = r.opType;
  if (t.contains("Variable") || t == "VarHandleOp") {
    r.kind = ResourceSpec::Kind::kVariable;
    if (auto ta = op->getAttrOfType<TypeAttr>("dtype"))
      r.dtype = dtypeOf(ta.getValue());
    r.shape = shapeOf(op->getAttr("shape"));
  } else if (t.contains("Reader")) {
    r.kind = ResourceSpec::Kind::kReader;
    r.compressionType = strAttr(op, "compression_type");
  } else if (t.contains("Queue")) {
    r.kind = ResourceSpec::Kind::kQueue;
    if (auto types = op->getAttrOfType<ArrayAttr>("component_types"))
      for (Attribute a : types)
        r.queue.componentTypes.push_back(dtypeOf(cast<TypeAttr>(a).getValue()));
    if (auto shapes = op->getAttrOfType<ArrayAttr>("shapes"))
      for (Attribute a : shapes)
        r.queue.shapes.push_back(shapeOf(a));
    r.queue.capacity = intAttr(op, "capacity", -1);
    r.queue.minAfterDequeue = intAttr(op, "min_after_dequeue", 0);
    r.queue.seed = intAttr(op, "seed", 0);
    r.queue.seed2 = intAttr(op, "seed2", 0);
  } else {
    r.kind = ResourceSpec::Kind::kRandom;
    r.seed = intAttr(op, "seed", 0);
    r.seed2 = intAttr(op, "seed2", 0);
  }
  return r;
}

namespace {

llvm::orc::SymbolMap runtimeSymbols(llvm::orc::MangleAndInterner interner) {
  llvm::orc::SymbolMap m;
  auto add = [&](const char *name, void *fn) {
    m[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(fn),
                         llvm::JITSymbolFlags::Exported};
  };
#define KILN_RT_FUNCTION(result, name, ...)                                    \
  add(#name, reinterpret_cast<void *>(&name));
#include "kiln/runtime/CompiledAbi.def"
  return m;
}

} // namespace

StatusOr<std::unique_ptr<GraphJit>> GraphJit::load(const std::string &path,
                                                   const JitOptions &options) {
  std::unique_ptr<GraphJit> jit(new GraphJit());
  jit->options_ = options;
  jit->context_ = createCompilerContext();
  MLIRContext *ctx = jit->context_.get();

  ErrorCollector errors(ctx);
  ImportOptions importOptions;
  importOptions.prefix = options.prefix;
  importOptions.tags = options.tags;
  std::string error;
  OwningOpRef<ModuleOp> module =
      importGraphFile(path, ctx, importOptions, error);
  if (!module)
    return statusFromDiagnostic(error.find(": ") != std::string::npos &&
                                        error.rfind("NotFound", 0) == 0
                                    ? error
                                    : "InvalidArgument: " + error);
  GraphOp graph = theGraph(*module);
  if (!graph)
    return errors::InvalidArgument(path, ": no graph");
  if (failed(inferNodeShapes(graph.getBlock())))
    return errors.status("shape inference failed");
  assignResourceSlots(graph);

  StatusOr<std::vector<QueueRunnerSpec>> runners = queueRunnersOf(graph);
  if (!runners.ok())
    return runners.status();
  jit->queueRunners_ = std::move(*runners);
  jit->graph_ = std::make_unique<OwningOpRef<ModuleOp>>(std::move(module));
  return jit;
}

StatusOr<std::vector<QueueRunnerSpec>> kiln::queueRunnersOf(GraphOp graph) {
  std::vector<QueueRunnerSpec> out;
  auto text = graph.getMetaGraph();
  tensorflow::MetaGraphDef meta;
  if (!text ||
      !google::protobuf::TextFormat::ParseFromString(text->str(), &meta))
    return out;
  auto it = meta.collection_def().find("queue_runners");
  if (it == meta.collection_def().end())
    return out;
  for (const std::string &bytes : it->second.bytes_list().value()) {
    tensorflow::QueueRunnerDef def;
    if (!def.ParseFromString(bytes))
      return errors::DataLoss("queue_runners collection: a QueueRunnerDef "
                              "does not parse");
    out.push_back(queueRunnerFromProto(def));
  }
  return out;
}

std::vector<ResourceSpec> kiln::resourceSpecsOf(ModuleOp module) {
  std::vector<ResourceSpec> out;
  GraphOp graph = theGraph(module);
  auto names = module->getAttrOfType<ArrayAttr>(kResourcesAttrName);
  if (!graph || !names)
    return out;
  llvm::StringMap<Operation *> byName;
  for (Operation &op : graph.getBlock())
    if (isResourceNode(&op))
      byName.try_emplace(getNodeName(&op), &op);
  for (Attribute n : names)
    out.push_back(
        resourceSpecOf(byName.lookup(cast<StringAttr>(n).getValue())));
  return out;
}

std::vector<ResourceSpec> GraphJit::resourceSpecs() const {
  return resourceSpecsOf(**graph_);
}

StatusOr<DType> GraphJit::tensorDType(const std::string &tensor) const {
  auto [name, k] = splitTensorName(tensor);
  GraphOp graph = theGraph(**graph_);
  for (Operation &op : graph.getBlock())
    if (isNode(&op) && getNodeName(&op) == name) {
      if (k >= getDataResults(&op).size())
        break;
      return dtypeOf(
          cast<TensorType>(op.getResult(k).getType()).getElementType());
    }
  return errors::NotFound("FeedInputs: unable to find feed output ", tensor);
}

StatusOr<const CompiledSignature *>
GraphJit::get(const std::vector<std::string> &feeds,
              const std::vector<std::string> &fetches,
              const std::vector<std::string> &targets,
              const std::vector<Tensor> *feedValues) {
  SignatureSpec spec;
  spec.feeds = feeds;
  spec.fetches = fetches;
  spec.targets = targets;
  std::string key = spec.str();
  // Specialized on the fed shapes; without specialization only on the fed
  // ranks (which a feed of undeclared shape needs).
  if (feedValues)
    for (const Tensor &t : *feedValues)
      key += " " + (options_.specializeFeeds
                        ? t.shape().toString()
                        : "rank " + std::to_string(t.shape().rank()));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = compiled_.find(key);
  if (it != compiled_.end())
    return &it->second->sig;
  return compile(key, feeds, fetches, targets, feedValues);
}

StatusOr<const CompiledSignature *>
GraphJit::compile(const std::string &key, const std::vector<std::string> &feeds,
                  const std::vector<std::string> &fetches,
                  const std::vector<std::string> &targets,
                  const std::vector<Tensor> *feedValues) {
  auto start = std::chrono::steady_clock::now();
  OwningOpRef<ModuleOp> module((**graph_).clone());
  SignatureSpec spec;
  spec.name = "kiln_signature";
  spec.feeds = feeds;
  spec.fetches = fetches;
  spec.targets = targets;
  if (feedValues)
    for (const Tensor &t : *feedValues)
      spec.feedShapes.push_back(
          options_.specializeFeeds
              ? t.shape().dims()
              : std::vector<int64_t>(static_cast<size_t>(t.shape().rank()),
                                     -1));
  StatusOr<std::vector<CompiledSessionInfo>> infos =
      compileSessions(*module, {spec}, [&] {
        TargetOptions target;
        target.gemm = options_.gemm;
        target.vectorBits = options_.vectorBits;
        return target;
      }());
  if (!infos.ok())
    return infos.status();
  std::vector<FeedSpec> feedSpecs = std::move((*infos)[0].feeds);
  // The runtime matches feeds by the names the caller used.
  if (feedSpecs.size() == feeds.size())
    for (auto [i, f] : llvm::enumerate(feedSpecs))
      f.name = feeds[i];

  ExecutionEngineOptions engineOptions;
  // `transformer` is a function_ref: the function must outlive create().
  std::function<llvm::Error(llvm::Module *)> optimize =
      makeOptimizingTransformer(options_.optLevel, 0, nullptr);
  engineOptions.transformer = optimize;
  auto engine = ExecutionEngine::create(*module, engineOptions);
  if (!engine)
    return errors::Internal("JIT: ", llvm::toString(engine.takeError()));
  (*engine)->registerSymbols(runtimeSymbols);
  (*engine)->initialize();
  auto sym = (*engine)->lookup(spec.name);
  if (!sym)
    return errors::Internal("JIT: ", llvm::toString(sym.takeError()));

  auto entry = std::make_unique<Entry>();
  entry->engine = std::move(*engine);
  entry->sig.key = key;
  entry->sig.feeds = std::move(feedSpecs);
  entry->sig.fetches = fetches;
  entry->sig.fn = reinterpret_cast<void (*)(KilnCall *)>(*sym);
  if (options_.verbose)
    std::fprintf(stderr, "graph-run: compiled '%s' in %.0f ms\n", key.c_str(),
                 std::chrono::duration<double, std::milli>(
                     std::chrono::steady_clock::now() - start)
                     .count());
  const CompiledSignature *sig = &entry->sig;
  compiled_[key] = std::move(entry);
  return sig;
}
