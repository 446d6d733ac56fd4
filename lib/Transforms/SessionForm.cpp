//===- SessionForm.cpp - One function per Session.run
//----------------------===//
//
// Builds, for a signature, the function that executes one Session.run: the
// needed nodes (the fetches' and targets' transitive inputs, stopping at fed
// tensors) cloned in a topological order of data and control edges, fed
// tensors as arguments and fetched tensors as results. The state the nodes
// refer to is a table of resource slots on the module, fixed for the whole
// graph so that every signature of one session agrees on it.
//
//===----------------------------------------------------------------------===//
#include "kiln/Transforms/SessionForm.h"
#include "kiln/Transforms/Passes.h"

#include "kiln/proto/meta_graph.pb.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"

#include <google/protobuf/text_format.h>

#include <queue>

namespace kiln {
#define GEN_PASS_DEF_GRAPHSESSIONFORM
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::graph;

std::pair<StringRef, unsigned> kiln::splitTensorName(StringRef s) {
  auto [head, tail] = s.rsplit(':');
  unsigned k;
  if (head != s && !tail.getAsInteger(10, k))
    return {head, k};
  return {s, 0};
}

std::string SignatureSpec::str() const {
  std::string out;
  auto part = [&](const char *key, const std::vector<std::string> &items) {
    if (items.empty())
      return;
    if (!out.empty())
      out += ' ';
    out += key;
    out += '=';
    for (size_t i = 0; i < items.size(); ++i)
      out += (i ? "," : "") + items[i];
  };
  part("feed", feeds);
  part("fetch", fetches);
  part("target", targets);
  return out;
}

bool kiln::parseSignature(StringRef text, SignatureSpec &spec,
                          std::string &error) {
  text = text.trim();
  // "name:" prefix, unless the colon belongs to a tensor name ("fetch=a:0").
  auto [head, tail] = text.split(':');
  if (head != text && !head.contains('=') && !head.contains(' ')) {
    spec.name = head.trim().str();
    text = tail.trim();
  }
  SmallVector<StringRef> parts;
  text.split(parts, ' ', -1, /*KeepEmpty=*/false);
  for (StringRef part : parts) {
    auto [key, value] = part.split('=');
    std::vector<std::string> *list = key == "feed"     ? &spec.feeds
                                     : key == "fetch"  ? &spec.fetches
                                     : key == "target" ? &spec.targets
                                                       : nullptr;
    if (!list || key == part) {
      error =
          ("'" + part + "' is not feed=A,B, fetch=A,B:1 or target=A,B").str();
      return false;
    }
    // Split on commas outside brackets ("X[128,784],Y").
    SmallVector<std::string> items;
    std::string cur;
    int depth = 0;
    for (char c : value) {
      depth += c == '[' ? 1 : c == ']' ? -1 : 0;
      if (c == ',' && depth == 0) {
        items.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    if (!cur.empty())
      items.push_back(cur);
    for (StringRef item : items) {
      if (item.empty())
        continue;
      std::optional<std::vector<int64_t>> shape;
      if (item.ends_with("]") && item.contains('[')) {
        if (list != &spec.feeds) {
          error = ("'" + item + "': only feeds take a shape").str();
          return false;
        }
        auto [name, dims] = item.drop_back().split('[');
        shape.emplace();
        SmallVector<StringRef> ds;
        dims.split(ds, ',', -1, /*KeepEmpty=*/false);
        for (StringRef d : ds) {
          int64_t v;
          d = d.trim();
          if (d == "?" || d == "-1")
            shape->push_back(-1);
          else if (!d.getAsInteger(10, v) && v >= 0)
            shape->push_back(v);
          else {
            error = ("'" + item + "': bad dim '" + d + "'").str();
            return false;
          }
        }
        item = name;
      }
      list->push_back(item.str());
      if (list == &spec.feeds)
        spec.feedShapes.push_back(shape);
    }
  }
  return true;
}

bool kiln::parseSignatureFile(StringRef text, std::vector<SignatureSpec> &out,
                              std::string &error) {
  SmallVector<StringRef> lines;
  text.split(lines, '\n');
  for (auto [i, line] : llvm::enumerate(lines)) {
    line = line.split('#').first.trim();
    if (line.empty())
      continue;
    SignatureSpec spec;
    if (!parseSignature(line, spec, error)) {
      error = "line " + std::to_string(i + 1) + ": " + error;
      return false;
    }
    out.push_back(std::move(spec));
  }
  return true;
}

std::vector<SignatureSpec> kiln::signaturesFromMetaGraph(GraphOp graph) {
  std::vector<SignatureSpec> out;
  auto text = graph.getMetaGraph();
  tensorflow::MetaGraphDef meta;
  if (!text ||
      !google::protobuf::TextFormat::ParseFromString(text->str(), &meta))
    return out;
  // A collection entry names a node ("init") or a tensor ("AssignAdd:0"):
  // run the first as a target, fetch the second.
  auto addOp = [](SignatureSpec &spec, const std::string &name) {
    if (name.find(':') == std::string::npos)
      spec.targets.push_back(name);
    else
      spec.fetches.push_back(name);
  };
  auto sanitize = [](std::string name) {
    for (char &c : name)
      if (!isalnum(static_cast<unsigned char>(c)))
        c = '_';
    return name;
  };
  SignatureSpec init;
  init.name = "init_all_variables";
  for (const char *key : {"variables", "local_variables"}) {
    auto it = meta.collection_def().find(key);
    if (it == meta.collection_def().end())
      continue;
    for (const std::string &bytes : it->second.bytes_list().value()) {
      tensorflow::VariableDef var;
      if (var.ParseFromString(bytes) && !var.initializer_name().empty() &&
          llvm::find(init.targets, var.initializer_name()) ==
              init.targets.end())
        init.targets.push_back(var.initializer_name());
    }
  }
  if (!init.targets.empty())
    out.push_back(init);
  const tensorflow::SaverDef &saver = meta.saver_def();
  if (!saver.filename_tensor_name().empty()) {
    SignatureSpec save, restore;
    save.name = "save";
    save.feeds.push_back(saver.filename_tensor_name());
    save.feedShapes.push_back(std::nullopt);
    addOp(save, saver.save_tensor_name());
    restore.name = "restore";
    restore.feeds.push_back(saver.filename_tensor_name());
    restore.feedShapes.push_back(std::nullopt);
    addOp(restore, saver.restore_op_name());
    out.push_back(save);
    out.push_back(restore);
  }
  auto qrs = meta.collection_def().find("queue_runners");
  if (qrs != meta.collection_def().end())
    for (const std::string &bytes : qrs->second.bytes_list().value()) {
      tensorflow::QueueRunnerDef qr;
      if (!qr.ParseFromString(bytes))
        continue;
      std::string q = sanitize(qr.queue_name());
      for (auto [i, op] : llvm::enumerate(qr.enqueue_op_name())) {
        SignatureSpec spec;
        spec.name = q + "_enqueue_" + std::to_string(i);
        addOp(spec, op);
        out.push_back(spec);
      }
      for (auto [suffix, op] :
           {std::pair<const char *, std::string>{"_close", qr.close_op_name()},
            {"_cancel", qr.cancel_op_name()}}) {
        if (op.empty())
          continue;
        SignatureSpec spec;
        spec.name = q + suffix;
        addOp(spec, op);
        out.push_back(spec);
      }
    }
  auto train = meta.collection_def().find("train_op");
  if (train != meta.collection_def().end()) {
    SignatureSpec spec;
    spec.name = "train_op";
    spec.feedPlaceholders = true;
    for (const std::string &n : train->second.node_list().value())
      addOp(spec, n);
    if (!spec.targets.empty() || !spec.fetches.empty())
      out.push_back(spec);
  }
  return out;
}

bool kiln::signatureFromSignatureDef(GraphOp graph, StringRef key,
                                     SignatureSpec &spec, std::string &error) {
  auto text = graph.getMetaGraph();
  tensorflow::MetaGraphDef meta;
  if (!text ||
      !google::protobuf::TextFormat::ParseFromString(text->str(), &meta)) {
    error = "the graph has no MetaGraphDef (SignatureDefs come with a "
            "SavedModel or .meta)";
    return false;
  }
  auto it = meta.signature_def().find(key.str());
  if (it == meta.signature_def().end()) {
    std::vector<std::string> keys;
    for (const auto &[k, v] : meta.signature_def())
      keys.push_back(k);
    std::sort(keys.begin(), keys.end());
    error = "no SignatureDef '" + key.str() +
            "' (the graph has: " + llvm::join(keys, ", ") + ")";
    return false;
  }
  std::string name = key.str();
  for (char &c : name)
    if (!isalnum(static_cast<unsigned char>(c)))
      c = '_';
  spec.name = name;
  auto sorted = [](const auto &map) {
    std::vector<std::string> keys;
    for (const auto &[k, v] : map)
      keys.push_back(k);
    std::sort(keys.begin(), keys.end());
    return keys;
  };
  for (const std::string &k : sorted(it->second.inputs())) {
    spec.feeds.push_back(it->second.inputs().at(k).name());
    spec.feedShapes.push_back(std::nullopt);
  }
  for (const std::string &k : sorted(it->second.outputs()))
    spec.fetches.push_back(it->second.outputs().at(k).name());
  return true;
}

bool kiln::isResourceNode(Operation *op) {
  if (!isNode(op))
    return false;
  StringRef t = getNodeOpType(op);
  return t == "VariableV2" || t == "Variable" || t == "VarHandleOp" ||
         t == "FIFOQueueV2" || t == "FIFOQueue" ||
         t == "RandomShuffleQueueV2" || t == "RandomShuffleQueue" ||
         t == "PaddingFIFOQueueV2" || t == "PaddingFIFOQueue" ||
         t == "PriorityQueueV2" || t == "PriorityQueue" ||
         t == "TFRecordReaderV2" || t == "TFRecordReader" ||
         t == "RandomUniform" || t == "RandomStandardNormal" ||
         t == "TruncatedNormal" || t == "RandomUniformInt" ||
         t == "RandomShuffle";
}

void kiln::assignResourceSlots(GraphOp graph) {
  auto module = graph->getParentOfType<ModuleOp>();
  if (!module || module->hasAttr(kResourcesAttrName))
    return;
  Builder b(graph.getContext());
  SmallVector<Attribute> names;
  llvm::StringSet<> seen;
  for (Operation &op : graph.getBlock())
    if (isResourceNode(&op) && seen.insert(getNodeName(&op)).second)
      names.push_back(b.getStringAttr(getNodeName(&op)));
  module->setAttr(kResourcesAttrName, b.getArrayAttr(names));
}

namespace {

std::string shapeString(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked)
    return "";
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(ranked.getShape()))
    s += (i ? "," : "") +
         (ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d));
  return s + "]";
}

/// Strips the reference from a ref-typed tensor: what a fed or fetched value
/// of that tensor is.
Type valueType(Type type) {
  auto t = cast<TensorType>(type);
  return t.clone(stripRef(t.getElementType()));
}

} // namespace

static FailureOr<func::FuncOp>
buildFunction(GraphOp graph, const SignatureSpec &spec, ModuleOp module);

FailureOr<func::FuncOp> kiln::buildSessionFunction(GraphOp graph,
                                                   const SignatureSpec &spec,
                                                   ModuleOp module) {
  if (!spec.feedPlaceholders)
    return buildFunction(graph, spec, module);
  // Find the placeholders the run reaches without crossing a feed.
  llvm::StringMap<Operation *> byName;
  for (Operation &op : graph.getBlock())
    if (isNode(&op))
      byName[getNodeName(&op)] = &op;
  llvm::StringSet<> fed;
  for (const std::string &f : spec.feeds)
    fed.insert(splitTensorName(f).first);
  SmallVector<Operation *> worklist;
  for (const std::string &f : spec.fetches)
    if (Operation *op = byName.lookup(splitTensorName(f).first))
      worklist.push_back(op);
  for (const std::string &t : spec.targets)
    if (Operation *op = byName.lookup(t))
      worklist.push_back(op);
  llvm::SmallPtrSet<Operation *, 32> seen;
  llvm::SmallPtrSet<Operation *, 8> placeholders;
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (!seen.insert(op).second || fed.contains(getNodeName(op)))
      continue;
    if (isa<PlaceholderOp, PlaceholderV2Op>(op))
      placeholders.insert(op);
    for (Value v : op->getOperands())
      worklist.push_back(v.getDefiningOp());
  }
  SignatureSpec withFeeds = spec;
  withFeeds.feedPlaceholders = false;
  withFeeds.feedShapes.resize(withFeeds.feeds.size());
  for (Operation &op : graph.getBlock())
    if (placeholders.contains(&op)) {
      withFeeds.feeds.push_back(getNodeName(&op).str());
      withFeeds.feedShapes.push_back(std::nullopt);
    }
  return buildFunction(graph, withFeeds, module);
}

static FailureOr<func::FuncOp>
buildFunction(GraphOp graph, const SignatureSpec &spec, ModuleOp module) {
  llvm::StringMap<Operation *> byName;
  DenseMap<Operation *, unsigned> position;
  for (Operation &op : graph.getBlock())
    if (isNode(&op)) {
      byName[getNodeName(&op)] = &op;
      position[&op] = position.size();
    }
  // "node:k" as a value, or null when no such output exists.
  auto tensorNamed = [&](StringRef tensor) -> Value {
    auto [name, k] = splitTensorName(tensor);
    auto it = byName.find(name);
    if (it == byName.end() || k >= getDataResults(it->second).size())
      return Value();
    return it->second->getResult(k);
  };

  // Fed tensors, in argument order.
  SmallVector<Value> feeds;
  DenseMap<Value, unsigned> feedIndex;
  for (const std::string &f : spec.feeds) {
    Value v = tensorNamed(f);
    if (!v) {
      graph.emitError() << "NotFound: FeedInputs: unable to find feed output "
                        << f;
      return failure();
    }
    if (!feedIndex.try_emplace(v, feeds.size()).second) {
      graph.emitError() << "InvalidArgument: " << f << " is fed twice";
      return failure();
    }
    feeds.push_back(v);
  }
  SmallVector<Value> fetches;
  SmallVector<Operation *> worklist;
  for (const std::string &f : spec.fetches) {
    Value v = tensorNamed(f);
    Operation *node = byName.lookup(splitTensorName(f).first);
    if (!v && node && isa<GenericNodeOp>(node) &&
        getDataResults(node).empty()) {
      // Nothing says what an unregistered op outputs.
      graph.emitError() << "NotFound: Op type not registered '"
                        << getNodeOpType(node) << "' (node " << f
                        << "): load the op library that declares it "
                           "(--op-library)";
      return failure();
    }
    if (!v) {
      graph.emitError() << "NotFound: FetchOutputs node " << f << ": not found";
      return failure();
    }
    fetches.push_back(v);
    if (!feedIndex.count(v))
      worklist.push_back(v.getDefiningOp());
  }
  SmallVector<std::string> missingTargets;
  for (const std::string &t : spec.targets) {
    auto it = byName.find(t);
    if (it == byName.end())
      missingTargets.push_back(t);
    else
      worklist.push_back(it->second);
  }
  if (!missingTargets.empty()) {
    graph.emitError() << "NotFound: PruneForTargets: Some target nodes not "
                         "found: "
                      << llvm::join(missingTargets, ", ");
    return failure();
  }

  // What the run needs: stop at fed tensors.
  llvm::SetVector<Operation *> needed;
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (!needed.insert(op))
      continue;
    for (Value v : op->getOperands())
      if (!feedIndex.count(v))
        worklist.push_back(v.getDefiningOp());
  }

  // Kahn's algorithm; among ready nodes the one earliest in the graph goes
  // first, so the order is deterministic and close to the file's.
  DenseMap<Operation *, unsigned> pending;
  DenseMap<Operation *, SmallVector<Operation *>> consumers;
  for (Operation *op : needed) {
    llvm::SmallPtrSet<Operation *, 8> producers;
    for (Value v : op->getOperands())
      if (!feedIndex.count(v))
        producers.insert(v.getDefiningOp());
    pending[op] = producers.size();
    for (Operation *p : producers)
      consumers[p].push_back(op);
  }
  auto later = [&](Operation *a, Operation *b) {
    return position[a] > position[b];
  };
  std::priority_queue<Operation *, std::vector<Operation *>, decltype(later)>
      ready(later);
  for (Operation *op : needed)
    if (pending[op] == 0)
      ready.push(op);
  SmallVector<Operation *> order;
  while (!ready.empty()) {
    Operation *op = ready.top();
    ready.pop();
    order.push_back(op);
    for (Operation *c : consumers[op])
      if (--pending[c] == 0)
        ready.push(c);
  }
  if (order.size() != needed.size()) {
    for (Operation *op : needed)
      if (pending[op] != 0) {
        graph.emitError()
            << "Unimplemented: node '" << getNodeName(op) << "' ("
            << getNodeOpType(op)
            << ") is part of a cycle; TF while loops (Enter/Merge/"
               "NextIteration) are not supported yet";
        return failure();
      }
  }

  for (Operation *op : order)
    if (isa<PlaceholderOp, PlaceholderV2Op>(op)) {
      auto type = cast<TensorType>(op->getResult(0).getType());
      std::string shape = shapeString(type);
      graph.emitError()
          << "InvalidArgument: You must feed a value for placeholder tensor '"
          << getNodeName(op) << "' with dtype "
          << elementTypeToString(type.getElementType())
          << (shape.empty() ? "" : " and shape " + shape);
      return failure();
    }

  OpBuilder b(module.getContext());
  b.setInsertionPointToEnd(module.getBody());
  SmallVector<Type> argTypes, resultTypes;
  for (auto [i, v] : llvm::enumerate(feeds)) {
    auto type = cast<TensorType>(valueType(v.getType()));
    if (i < spec.feedShapes.size() && spec.feedShapes[i]) {
      // Specialize on the given shape where the graph leaves dims open.
      const std::vector<int64_t> &given = *spec.feedShapes[i];
      auto declared = dyn_cast<RankedTensorType>(type);
      bool fits =
          !declared || declared.getRank() == static_cast<int64_t>(given.size());
      SmallVector<int64_t> dims;
      for (size_t d = 0; fits && d < given.size(); ++d) {
        int64_t want = declared ? declared.getDimSize(d) : ShapedType::kDynamic;
        int64_t have = given[d] < 0 ? ShapedType::kDynamic : given[d];
        if (!ShapedType::isDynamic(want) && !ShapedType::isDynamic(have) &&
            want != have)
          fits = false;
        dims.push_back(ShapedType::isDynamic(want) ? have : want);
      }
      if (!fits) {
        std::string shape = "[";
        for (size_t d = 0; d < given.size(); ++d)
          shape += (d ? "," : "") +
                   (given[d] < 0 ? std::string("?") : std::to_string(given[d]));
        shape += "]";
        std::string tensor = spec.feeds[i];
        if (tensor.find(':') == std::string::npos)
          tensor += ":0";
        graph.emitError() << "InvalidArgument: Cannot feed value of shape "
                          << shape << " for Tensor '" << tensor
                          << "', which has shape " << shapeString(type);
        return failure();
      }
      type = RankedTensorType::get(dims, type.getElementType());
    }
    argTypes.push_back(type);
  }
  for (Value v : fetches)
    resultTypes.push_back(v.getType());
  std::string name = spec.name.empty() ? "run" : spec.name;
  auto func = func::FuncOp::create(b, graph.getLoc(), name,
                                   b.getFunctionType(argTypes, resultTypes));
  func->setAttr(kSignatureAttrName, b.getStringAttr(spec.str()));
  for (auto [i, f] : llvm::enumerate(spec.feeds))
    func.setArgAttr(i, kFeedAttrName, b.getStringAttr(f));
  for (auto [i, f] : llvm::enumerate(spec.fetches))
    func.setResultAttr(i, kFetchAttrName, b.getStringAttr(f));

  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);
  IRMapping mapping;
  for (auto [i, v] : llvm::enumerate(feeds))
    mapping.map(v, body->getArgument(i));
  for (Operation *op : order)
    b.clone(*op, mapping);
  SmallVector<Value> results;
  for (Value v : fetches)
    results.push_back(mapping.lookup(v));
  func::ReturnOp::create(b, graph.getLoc(), results);
  // Feed shapes given for this signature refine what the nodes compute,
  // and shape arithmetic on now-static shapes folds (gradient graphs).
  if (failed(inferNodeShapes(*body)))
    return failure();
  while (foldConstants(*body))
    if (failed(inferNodeShapes(*body)))
      return failure();
  auto ret = cast<func::ReturnOp>(body->getTerminator());
  func.setType(
      b.getFunctionType(argTypes, ValueRange(ret.getOperands()).getTypes()));
  return func;
}

namespace {

struct GraphSessionFormPass
    : kiln::impl::GraphSessionFormBase<GraphSessionFormPass> {
  using GraphSessionFormBase::GraphSessionFormBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<GraphOp> graphs(module.getOps<GraphOp>());
    if (graphs.size() != 1) {
      module.emitError() << "expected one graph.graph in the module, found "
                         << graphs.size();
      return signalPassFailure();
    }
    GraphOp graph = graphs.front();
    if (failed(inferNodeShapes(graph.getBlock())))
      return signalPassFailure();
    assignResourceSlots(graph);
    std::vector<SignatureSpec> specs;
    std::string error;
    std::string lines = signatures;
    std::replace(lines.begin(), lines.end(), ';', '\n');
    if (!parseSignatureFile(lines, specs, error)) {
      module.emitError() << "signatures: " << error;
      return signalPassFailure();
    }
    if (!config.empty()) {
      auto file = llvm::MemoryBuffer::getFile(config);
      if (!file) {
        module.emitError() << "NotFound: " << config
                           << "; No such file or directory";
        return signalPassFailure();
      }
      if (!parseSignatureFile((*file)->getBuffer(), specs, error)) {
        module.emitError() << config << ": " << error;
        return signalPassFailure();
      }
    }
    if (fromMeta) {
      std::vector<SignatureSpec> meta = signaturesFromMetaGraph(graph);
      specs.insert(specs.end(), meta.begin(), meta.end());
    }
    llvm::StringSet<> names;
    for (auto [i, spec] : llvm::enumerate(specs)) {
      if (spec.name.empty())
        spec.name = "run" + std::to_string(i);
      if (!names.insert(spec.name).second) {
        module.emitError() << "InvalidArgument: two signatures are named '"
                           << spec.name << "'";
        return signalPassFailure();
      }
      if (failed(buildSessionFunction(graph, spec, module)))
        return signalPassFailure();
    }
    graph.erase();
  }
};

} // namespace
