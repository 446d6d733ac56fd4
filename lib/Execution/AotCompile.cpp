//===- AotCompile.cpp - Graphs to object files and C++ headers ------------===//
#include "kiln/Execution/AotCompile.h"

#include "kiln/Conversion/GraphToLinalg.h"
#include "kiln/Dialect/Graph/GraphDialect.h"
#include "kiln/Execution/CompileSessions.h"
#include "kiln/Execution/GraphJit.h"
#include "kiln/Export/ExportGraphDef.h"
#include "kiln/Import/ImportGraphDef.h"
#include "kiln/Transforms/Passes.h"
#include "kiln/proto/meta_graph.pb.h"
#include "kiln/runtime/TensorProto.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Object/ArchiveWriter.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

#include <google/protobuf/text_format.h>

#include <fstream>
#include <set>
#include <sstream>

using namespace mlir;
using namespace kiln;
using namespace kiln::graph;

namespace {

GraphOp theGraph(ModuleOp module) {
  for (auto g : module.getOps<GraphOp>())
    return g;
  return nullptr;
}

bool isIdentifier(const std::string &s) {
  if (s.empty() || !(isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_'))
    return false;
  for (char c : s)
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_'))
      return false;
  return true;
}

/// "a::b::Name" -> {"a","b"}, "Name".
std::pair<std::vector<std::string>, std::string>
splitClass(const std::string &qualified) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t p = qualified.find("::", start);
    parts.push_back(qualified.substr(start, p - start));
    if (p == std::string::npos)
      break;
    start = p + 2;
  }
  std::string name = parts.back();
  parts.pop_back();
  return {parts, name};
}

std::string cString(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string identifierOf(std::string s) {
  for (char &c : s)
    if (!isalnum(static_cast<unsigned char>(c)))
      c = '_';
  if (s.empty() || isdigit(static_cast<unsigned char>(s[0])))
    s = "_" + s;
  return s;
}

const char *dtypeEnum(DType d) {
  switch (d) {
  case DType::kFloat:
    return "kiln::DType::kFloat";
  case DType::kDouble:
    return "kiln::DType::kDouble";
  case DType::kInt32:
    return "kiln::DType::kInt32";
  case DType::kInt64:
    return "kiln::DType::kInt64";
  case DType::kInt16:
    return "kiln::DType::kInt16";
  case DType::kInt8:
    return "kiln::DType::kInt8";
  case DType::kUInt8:
    return "kiln::DType::kUInt8";
  case DType::kUInt16:
    return "kiln::DType::kUInt16";
  case DType::kBool:
    return "kiln::DType::kBool";
  case DType::kString:
    return "kiln::DType::kString";
  default:
    return nullptr;
  }
}

std::string shapeCode(const TensorShape &s) {
  std::string out = "kiln::TensorShape(std::vector<int64_t>{";
  for (int i = 0; i < s.rank(); ++i)
    out += (i ? ", " : "") + std::to_string(s.dim(i));
  return out + "})";
}

std::string listCode(const std::vector<std::string> &items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i)
    out += (i ? ", " : "") + cString(items[i]);
  return out + "}";
}

/// The keys the graph's Saver writes: SaveV2's tensor_names constant.
std::vector<std::string> savedVariableNames(GraphOp graph) {
  std::vector<std::string> out;
  for (Operation &op : graph.getBlock()) {
    if (!isNode(&op) || getNodeOpType(&op) != "SaveV2")
      continue;
    Operation *names = getDataOperands(&op)[1].getDefiningOp();
    if (!names)
      continue;
    if (auto attr =
            dyn_cast_or_null<DenseStringElementsAttr>(names->getAttr("value")))
      for (StringRef s : attr.getRawStringData())
        out.push_back(s.str());
    break;
  }
  return out;
}

struct SignatureInfo {
  std::string name;
  std::string symbol;
  std::vector<FeedSpec> feeds;
  std::vector<std::string> fetches, targets;
  std::vector<DType> fetchTypes;
};

std::string generateHeader(const AotOptions &options,
                           const std::vector<SignatureInfo> &sigs,
                           const std::vector<ResourceSpec> &resources,
                           const std::vector<std::string> &saved,
                           const std::vector<QueueRunnerSpec> &runners,
                           const std::string &symbolBase,
                           const std::string &graphPath) {
  auto [namespaces, name] = splitClass(options.className);
  std::ostringstream h;
  std::string guard =
      "KILN_GENERATED_" + identifierOf(options.className) + "_H";
  for (char &c : guard)
    c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  h << "// Generated by graph-compile from " << graphPath << ". Do not edit.\n"
    << "//\n// Link with "
    << options.outputPrefix.substr(options.outputPrefix.rfind('/') ==
                                           std::string::npos
                                       ? 0
                                       : options.outputPrefix.rfind('/') + 1)
    << ".o and Kiln's runtime (kiln_runtime, kiln_runtime_abi).\n"
    << "#ifndef " << guard << "\n#define " << guard << "\n\n"
    << "#include \"kiln/runtime/CompiledModel.h\"\n\n"
    << "#include <memory>\n#include <string>\n#include <vector>\n\n"
    << "extern \"C\" {\n";
  for (const SignatureInfo &s : sigs)
    h << "void " << s.symbol << "(kiln::KilnCall *);\n";
  h << "extern const char " << symbolBase << "_meta_graph[];\n"
    << "extern const unsigned long long " << symbolBase
    << "_meta_graph_size;\n}\n\n";
  for (const std::string &ns : namespaces)
    h << "namespace " << ns << " {\n";
  h << "\n/// The compiled model. Create one per session: its variables, "
       "queues\n"
    << "/// and random generators are its own. Methods are safe to call from\n"
    << "/// several threads, as Session.run is.\n"
    << "class " << name << " {\npublic:\n"
    << "  static kiln::StatusOr<std::unique_ptr<" << name << ">> create() {\n"
    << "    kiln::CompiledModelInfo info;\n";
  for (const ResourceSpec &r : resources) {
    h << "    {\n      kiln::ResourceSpec r;\n"
      << "      r.nodeName = " << cString(r.nodeName) << ";\n"
      << "      r.opType = " << cString(r.opType) << ";\n"
      << "      r.sharedName = " << cString(r.sharedName) << ";\n";
    switch (r.kind) {
    case ResourceSpec::Kind::kVariable:
      h << "      r.kind = kiln::ResourceSpec::Kind::kVariable;\n"
        << "      r.dtype = "
        << (dtypeEnum(r.dtype) ? dtypeEnum(r.dtype) : "kiln::DType::kInvalid")
        << ";\n      r.shape = " << shapeCode(r.shape) << ";\n";
      break;
    case ResourceSpec::Kind::kQueue:
      h << "      r.kind = kiln::ResourceSpec::Kind::kQueue;\n";
      for (DType d : r.queue.componentTypes)
        h << "      r.queue.componentTypes.push_back("
          << (dtypeEnum(d) ? dtypeEnum(d) : "kiln::DType::kInvalid") << ");\n";
      for (const TensorShape &s : r.queue.shapes)
        h << "      r.queue.shapes.push_back(" << shapeCode(s) << ");\n";
      h << "      r.queue.capacity = " << r.queue.capacity << ";\n"
        << "      r.queue.minAfterDequeue = " << r.queue.minAfterDequeue
        << ";\n      r.queue.seed = " << r.queue.seed << ";\n"
        << "      r.queue.seed2 = " << r.queue.seed2 << ";\n";
      break;
    case ResourceSpec::Kind::kRandom:
      h << "      r.kind = kiln::ResourceSpec::Kind::kRandom;\n"
        << "      r.seed = " << r.seed << ";\n      r.seed2 = " << r.seed2
        << ";\n";
      break;
    case ResourceSpec::Kind::kReader:
      h << "      r.kind = kiln::ResourceSpec::Kind::kReader;\n"
        << "      r.compressionType = " << cString(r.compressionType) << ";\n";
      break;
    }
    h << "      info.resources.push_back(std::move(r));\n    }\n";
  }
  for (const SignatureInfo &s : sigs) {
    h << "    {\n      kiln::CompiledSignature s;\n"
      << "      s.name = " << cString(s.name) << ";\n"
      << "      s.key = s.name;\n"
      << "      s.fn = &" << s.symbol << ";\n"
      << "      s.fetches = " << listCode(s.fetches) << ";\n"
      << "      s.targets = " << listCode(s.targets) << ";\n";
    for (const FeedSpec &f : s.feeds) {
      h << "      {\n        kiln::FeedSpec f;\n        f.name = "
        << cString(f.name) << ";\n        f.dtype = "
        << (dtypeEnum(f.dtype) ? dtypeEnum(f.dtype) : "kiln::DType::kInvalid")
        << ";\n        f.hasShape = " << (f.hasShape ? "true" : "false")
        << ";\n        f.dims = {";
      for (size_t i = 0; i < f.dims.size(); ++i)
        h << (i ? ", " : "") << f.dims[i];
      h << "};\n        s.feeds.push_back(std::move(f));\n      }\n";
    }
    h << "      info.signatures.push_back(std::move(s));\n    }\n";
  }
  h << "    info.savedVariables = " << listCode(saved) << ";\n";
  if (!options.opLibraries.empty())
    h << "    info.opLibraries = " << listCode(options.opLibraries) << ";\n";
  for (const QueueRunnerSpec &q : runners)
    h << "    {\n      kiln::QueueRunnerSpec q;\n"
      << "      q.queueName = " << cString(q.queueName) << ";\n"
      << "      q.enqueueOpNames = " << listCode(q.enqueueOpNames) << ";\n"
      << "      q.closeOpName = " << cString(q.closeOpName) << ";\n"
      << "      q.cancelOpName = " << cString(q.cancelOpName) << ";\n"
      << "      info.queueRunners.push_back(std::move(q));\n    }\n";
  h << "    info.metaGraph = std::string_view(" << symbolBase << "_meta_graph, "
    << symbolBase << "_meta_graph_size);\n"
    << "    auto model = kiln::CompiledModel::create(std::move(info));\n"
    << "    if (!model.ok())\n      return model.status();\n"
    << "    return std::unique_ptr<" << name << ">(new " << name
    << "(std::move(*model)));\n  }\n\n";
  // One method per signature.
  for (const SignatureInfo &s : sigs) {
    h << "  /// Session.run(";
    if (!s.fetches.empty()) {
      h << "fetches=[";
      for (size_t i = 0; i < s.fetches.size(); ++i)
        h << (i ? ", " : "") << s.fetches[i];
      h << "]";
    }
    if (!s.targets.empty()) {
      h << (s.fetches.empty() ? "" : ", ") << "targets=[";
      for (size_t i = 0; i < s.targets.size(); ++i)
        h << (i ? ", " : "") << s.targets[i];
      h << "]";
    }
    h << ").\n";
    for (const FeedSpec &f : s.feeds) {
      h << "  ///   " << identifierOf(f.name) << ": feeds " << f.name << ", "
        << dtypeName(f.dtype);
      if (f.hasShape) {
        h << " [";
        for (size_t i = 0; i < f.dims.size(); ++i)
          h << (i ? "," : "")
            << (f.dims[i] < 0 ? std::string("?") : std::to_string(f.dims[i]));
        h << "]";
      }
      h << "\n";
    }
    for (size_t i = 0; i < s.fetches.size(); ++i)
      h << "  ///   out" << i << ": " << s.fetches[i] << ", "
        << dtypeName(s.fetchTypes[i]) << "\n";
    h << "  kiln::Status " << s.name << "(";
    bool first = true;
    for (const FeedSpec &f : s.feeds) {
      h << (first ? "" : ", ") << "const kiln::Tensor &"
        << identifierOf(f.name);
      first = false;
    }
    for (size_t i = 0; i < s.fetches.size(); ++i) {
      h << (first ? "" : ", ") << "kiln::Tensor *out" << i;
      first = false;
    }
    h << (first ? "" : ", ") << "int64_t timeoutMs = 0) {\n"
      << "    std::vector<kiln::Tensor> feeds{";
    for (size_t i = 0; i < s.feeds.size(); ++i)
      h << (i ? ", " : "") << identifierOf(s.feeds[i].name);
    h << "};\n    std::vector<kiln::Tensor> fetches;\n"
      << "    kiln::Status st = model_->run(" << cString(s.name)
      << ", feeds, &fetches, timeoutMs);\n";
    for (size_t i = 0; i < s.fetches.size(); ++i)
      h << "    if (st.ok() && out" << i << ")\n      *out" << i
        << " = std::move(fetches[" << i << "]);\n";
    h << "    return st;\n  }\n\n";
  }
  // Variable accessors.
  for (const ResourceSpec &r : resources)
    if (r.kind == ResourceSpec::Kind::kVariable)
      h << "  /// Variable " << r.nodeName << " (" << dtypeName(r.dtype) << " "
        << r.shape.toString() << ").\n"
        << "  kiln::Variable *var_" << identifierOf(r.nodeName)
        << "() { return model_->variable("
        << cString(r.sharedName.empty() ? r.nodeName : r.sharedName)
        << "); }\n";
  h << "\n  /// Loads the saved variables from a checkpoint prefix, or from "
       "the\n"
    << "  /// latest checkpoint of a directory with a `checkpoint` file.\n"
    << "  kiln::Status restore(const std::string &path) {\n"
    << "    return model_->restore(path);\n  }\n"
    << "  /// Saver.save: writes `prefix-<globalStep>` (.index, .data, "
       ".meta),\n"
    << "  /// updates the `checkpoint` file, keeps the newest 5.\n"
    << "  kiln::StatusOr<std::string> save(const std::string &prefix,\n"
    << "                                   std::optional<int64_t> globalStep "
       "= std::nullopt) {\n"
    << "    return model_->save(prefix, globalStep);\n  }\n"
    << "  /// Starts the graph's queue runners (its `queue_runners` "
       "collection).\n"
    << "  kiln::Status start_queue_runners() { return "
       "model_->startQueueRunners(); }\n"
    << "  /// Requests a stop and joins the queue-runner threads.\n"
    << "  kiln::Status stop_queue_runners(double gracePeriodSecs = 120) {\n"
    << "    return model_->stopQueueRunners(gracePeriodSecs);\n  }\n"
    << "  kiln::Coordinator &coordinator() { return model_->coordinator(); }\n"
    << "  kiln::CompiledModel &model() { return *model_; }\n\n"
    << "private:\n  explicit " << name
    << "(std::unique_ptr<kiln::CompiledModel> m) : model_(std::move(m)) {}\n"
    << "  std::unique_ptr<kiln::CompiledModel> model_;\n};\n\n";
  for (auto it = namespaces.rbegin(); it != namespaces.rend(); ++it)
    h << "} // namespace " << *it << "\n";
  h << "\n#endif // " << guard << "\n";
  return h.str();
}

} // namespace

Status kiln::compileGraphAot(const std::string &graphPath,
                             const AotOptions &options) {
  auto [namespaces, className] = splitClass(options.className);
  if (!isIdentifier(className))
    return errors::InvalidArgument("--class '", options.className,
                                   "' is not a C++ class name");
  for (const std::string &ns : namespaces)
    if (!isIdentifier(ns))
      return errors::InvalidArgument("--class '", options.className,
                                     "' is not a C++ class name");
  if (options.outputPrefix.empty())
    return errors::InvalidArgument("no output prefix (-o)");
  std::unique_ptr<MLIRContext> ctx = createCompilerContext();
  ErrorCollector errors(ctx.get());
  ImportOptions importOptions;
  importOptions.prefix = options.prefix;
  importOptions.tags = options.tags;
  std::string error;
  OwningOpRef<ModuleOp> module =
      importGraphFile(graphPath, ctx.get(), importOptions, error);
  if (!module)
    return errors::InvalidArgument(error);
  GraphOp graph = theGraph(*module);
  if (failed(inferNodeShapes(graph.getBlock())))
    return errors.status("shape inference failed");
  assignResourceSlots(graph);

  // What the program needs besides code: the MetaGraphDef to write beside
  // each checkpoint, the saved variables, the queue runners, the resources.
  std::string metaBytes;
  {
    tensorflow::MetaGraphDef meta;
    if (failed(exportMetaGraphDef(graph, meta, error)))
      return errors::Internal("exporting the MetaGraphDef: ", error);
    if (!serializeDeterministically(meta, metaBytes))
      return errors::Internal("could not serialize the MetaGraphDef");
  }
  std::vector<std::string> saved = savedVariableNames(graph);
  StatusOr<std::vector<QueueRunnerSpec>> runnersOr = queueRunnersOf(graph);
  if (!runnersOr.ok())
    return runnersOr.status();
  std::vector<QueueRunnerSpec> runners = std::move(*runnersOr);
  std::vector<ResourceSpec> resources = resourceSpecsOf(*module);

  std::vector<SignatureSpec> specs = options.signatures;
  for (const std::string &key : options.signatureDefs) {
    SignatureSpec spec;
    if (!signatureFromSignatureDef(graph, key, spec, error))
      return errors::NotFound("--signature-def: ", error);
    specs.push_back(std::move(spec));
  }
  if (options.metaSignatures)
    for (SignatureSpec &s : signaturesFromMetaGraph(graph))
      if (s.name != "save" && s.name != "restore" && s.name != "train_op")
        specs.push_back(s);
  if (specs.empty())
    return errors::InvalidArgument("no signatures to compile: give "
                                   "--signature 'NAME: feed=.. fetch=..'");
  std::string symbolBase = "kiln_" + identifierOf(options.className);
  std::vector<SignatureInfo> sigs;
  std::vector<SignatureSpec> symbolSpecs;
  std::set<std::string> names;
  for (SignatureSpec spec : specs) {
    if (!isIdentifier(spec.name))
      return errors::InvalidArgument("signature name '", spec.name,
                                     "' is not a C++ identifier");
    static const char *const reserved[] = {"create",
                                           "restore",
                                           "save",
                                           "start_queue_runners",
                                           "stop_queue_runners",
                                           "coordinator",
                                           "model"};
    for (const char *r : reserved)
      if (spec.name == r)
        return errors::InvalidArgument("signature name '", spec.name,
                                       "' is taken by the generated class");
    if (!names.insert(spec.name).second)
      return errors::InvalidArgument("two signatures are named '", spec.name,
                                     "'");
    SignatureInfo info;
    info.name = spec.name;
    info.symbol = symbolBase + "_" + spec.name;
    info.fetches = spec.fetches;
    info.targets = spec.targets;
    spec.name = info.symbol;
    symbolSpecs.push_back(std::move(spec));
    sigs.push_back(std::move(info));
  }
  TargetOptions targetOptions;
  targetOptions.cpu = options.targetCpu;
  targetOptions.gemm = options.gemm;
  targetOptions.vectorBits = options.vectorBits;
  StatusOr<std::vector<CompiledSessionInfo>> compiled =
      compileSessions(*module, symbolSpecs, targetOptions);
  if (!compiled.ok())
    return compiled.status();
  for (auto [info, c] : llvm::zip(sigs, *compiled)) {
    // The feeds as the runtime matches them (a spec's feeds may have grown
    // with feedPlaceholders).
    info.feeds = std::move(c.feeds);
    info.fetchTypes = std::move(c.fetchTypes);
  }

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext, "kiln_" + className);
  if (!llvmModule)
    return errors.status("translation to LLVM IR failed");
  llvm::Triple triple(llvm::sys::getProcessTriple());
  std::string lookupError;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, lookupError);
  if (!target)
    return errors::Internal("no LLVM target for ", triple.str(), ": ",
                            lookupError);
  std::string cpu = options.targetCpu;
  std::string features;
  if (cpu.empty() || cpu == "native") {
    cpu = llvm::sys::getHostCPUName().str();
    for (auto &f : llvm::sys::getHostCPUFeatures())
      features += (features.empty() ? "" : ",") +
                  std::string(f.second ? "+" : "-") + f.first().str();
  }
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      triple, cpu, features, llvm::TargetOptions(), llvm::Reloc::PIC_,
      std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!tm)
    return errors::InvalidArgument("--target '", options.targetCpu,
                                   "': LLVM cannot compile for this CPU");
  llvmModule->setTargetTriple(triple);
  llvmModule->setDataLayout(tm->createDataLayout());
  // The MetaGraphDef, for the .meta file each save writes.
  auto *i8 = llvm::Type::getInt8Ty(llvmContext);
  new llvm::GlobalVariable(
      *llvmModule, llvm::ArrayType::get(i8, metaBytes.size()), true,
      llvm::GlobalValue::ExternalLinkage,
      llvm::ConstantDataArray::getString(llvmContext, metaBytes, false),
      symbolBase + "_meta_graph");
  auto *i64 = llvm::Type::getInt64Ty(llvmContext);
  new llvm::GlobalVariable(*llvmModule, i64, true,
                           llvm::GlobalValue::ExternalLinkage,
                           llvm::ConstantInt::get(i64, metaBytes.size()),
                           symbolBase + "_meta_graph_size");
  auto optimize = makeOptimizingTransformer(3, 0, tm.get());
  if (llvm::Error err = optimize(llvmModule.get()))
    return errors::Internal("LLVM optimization: ",
                            llvm::toString(std::move(err)));

  std::string objPath = options.outputPrefix + ".o";
  std::error_code ec;
  llvm::raw_fd_ostream obj(objPath, ec, llvm::sys::fs::OF_None);
  if (ec)
    return errors::NotFound(objPath, ": ", ec.message());
  llvm::legacy::PassManager codegen;
  if (tm->addPassesToEmitFile(codegen, obj, nullptr,
                              llvm::CodeGenFileType::ObjectFile))
    return errors::Internal("LLVM cannot emit an object file for ", cpu);
  codegen.run(*llvmModule);
  obj.close();
  if (obj.has_error())
    return errors::Internal(objPath, ": ", obj.error().message());
  if (options.staticLibrary) {
    llvm::Expected<llvm::NewArchiveMember> member =
        llvm::NewArchiveMember::getFile(objPath, /*Deterministic=*/true);
    if (!member)
      return errors::Internal(objPath, ": ",
                              llvm::toString(member.takeError()));
    std::vector<llvm::NewArchiveMember> members;
    members.push_back(std::move(*member));
    if (llvm::Error err = llvm::writeArchive(
            options.outputPrefix + ".a", members,
            llvm::SymtabWritingMode::NormalSymtab, llvm::object::Archive::K_GNU,
            /*Deterministic=*/true,
            /*Thin=*/false))
      return errors::Internal(options.outputPrefix,
                              ".a: ", llvm::toString(std::move(err)));
  }

  std::string header = generateHeader(options, sigs, resources, saved, runners,
                                      symbolBase, graphPath);
  std::ofstream h(options.outputPrefix + ".h");
  h << header;
  if (!h)
    return errors::NotFound(options.outputPrefix, ".h: cannot write");
  if (options.verbose)
    llvm::errs() << "graph-compile: " << sigs.size() << " signatures for "
                 << cpu << " -> " << objPath << ", " << options.outputPrefix
                 << ".h\n";
  return Status::OK();
}
