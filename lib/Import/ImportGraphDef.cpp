//===- ImportGraphDef.cpp - TensorFlow graphs to the graph dialect --------===//
//
// Two passes over the nodes: the first creates one op per node with its
// attrs and result types (known from the OpDef table, a MetaGraphDef's
// stripped op list, `_output_shapes` and the consumers), the second wires the
// inputs, which may refer to nodes later in the file. Then the graph is
// checked for cycles that TF1 control flow does not explain, and verified.
//
//===----------------------------------------------------------------------===//
#include "kiln/Import/ImportGraphDef.h"

#include "ImportAttr.h"
#include "kiln/Dialect/Graph/GraphDialect.h"
#include "kiln/proto/meta_graph.pb.h"
#include "kiln/runtime/OpLibrary.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"

#include <google/protobuf/arena.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/wire_format_lite.h>

#include <climits>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

using namespace mlir;
using namespace kiln::graph;
using kiln::CustomOpDef;
using kiln::findCustomOp;
using kiln::OpArgSpec;
using kiln::OpAttrSpec;

namespace kiln {
namespace {

/// An OpDef argument from either the built-in table or a stripped op list.
struct ArgSpec {
  std::string name;
  int dtype = 0;
  std::string typeAttr, numberAttr, typeListAttr;
  bool isRef = false;
};

struct NodeSpec {
  const tensorflow::NodeDef *node;
  std::string name;
  const OpDefInfo *def = nullptr;              // typed op
  const tensorflow::OpDef *stripped = nullptr; // generic op with an OpDef
  const CustomOpDef *custom = nullptr;         // an op library's op
  SmallVector<ArgSpec> outputs;
  int maxOutputUsed = -1;
  Operation *op = nullptr;
};

/// Collects text-format parse errors as "line:col: message".
class TextErrorCollector : public google::protobuf::io::ErrorCollector {
public:
  void AddError(int line, int column, const std::string &message) override {
    if (first.empty())
      first = std::to_string(line + 1) + ":" + std::to_string(column + 1) +
              ": " + message;
  }
  void AddWarning(int, int, const std::string &) override {}
  std::string first;
};

bool parseText(const std::string &bytes, google::protobuf::Message &msg,
               std::string &error) {
  google::protobuf::TextFormat::Parser parser;
  TextErrorCollector collector;
  parser.RecordErrorsTo(&collector);
  google::protobuf::io::ArrayInputStream in(bytes.data(), bytes.size());
  if (parser.Parse(&in, &msg))
    return true;
  error = collector.first.empty() ? "malformed text proto" : collector.first;
  return false;
}

/// A protobuf parse that leaves stderr alone (protobuf logs on bad UTF-8).
bool parseBinary(const std::string &bytes, google::protobuf::Message &msg) {
  google::protobuf::LogSilencer silence;
  return msg.ParseFromString(bytes);
}

bool plausibleNodes(const tensorflow::GraphDef &g) {
  for (const auto &n : g.node()) {
    if (n.name().empty() || n.op().empty())
      return false;
    for (char c : n.op())
      if (!(llvm::isAlnum(c) || c == '_' || c == '>' || c == '.'))
        return false;
  }
  return true;
}

/// What the top-level fields of a binary message say about its kind, without
/// parsing it: a GraphDef repeats field 1 (node) and has a varint field 3;
/// a MetaGraphDef has one meta_info_def (1), a saver_def (3) message,
/// signatures (5) or assets (6). Empty when the fields do not decide it.
std::optional<GraphFileKind> scanBinaryKind(const std::string &bytes) {
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size());
  in.SetTotalBytesLimit(INT_MAX);
  int field1 = 0;
  while (uint32_t tag = in.ReadTag()) {
    uint32_t field = tag >> 3, wire = tag & 7;
    if (field == 1 && ++field1 > 1)
      return GraphFileKind::GraphDef;
    if (field == 3 && wire == 0)
      return GraphFileKind::GraphDef;
    if ((field == 3 && wire == 2) || field == 5 || field == 6)
      return GraphFileKind::MetaGraphDef;
    if (!google::protobuf::internal::WireFormatLite::SkipField(&in, tag))
      return std::nullopt;
  }
  return std::nullopt;
}

bool looksLikeText(const std::string &bytes) {
  size_t n = std::min<size_t>(bytes.size(), 4096);
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = bytes[i];
    if (c == 0 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t'))
      return false;
  }
  return true;
}

/// The first field name of a text proto, skipping comments.
std::string firstTextField(const std::string &bytes) {
  std::istringstream in(bytes);
  std::string line;
  while (std::getline(in, line)) {
    size_t i = line.find_first_not_of(" \t\r");
    if (i == std::string::npos || line[i] == '#')
      continue;
    size_t j = i;
    while (j < line.size() && (llvm::isAlnum(line[j]) || line[j] == '_'))
      ++j;
    return line.substr(i, j - i);
  }
  return "";
}

/// A sub-message of a NodeDef as one line of text format (readable in the
/// IR, and parsed back by export).
std::string singleLineText(const google::protobuf::Message &msg) {
  google::protobuf::TextFormat::Printer printer;
  printer.SetSingleLineMode(true);
  std::string text;
  printer.PrintToString(msg, &text);
  while (!text.empty() && text.back() == ' ')
    text.pop_back();
  return text;
}

class GraphImporter {
public:
  GraphImporter(MLIRContext *ctx, const std::string &fileName,
                const ImportOptions &options, std::string &error)
      : ctx(ctx), fileName(fileName), options(options), error(error),
        builder(ctx) {}

  OwningOpRef<ModuleOp> run(const tensorflow::GraphDef &graph,
                            const tensorflow::MetaGraphDef *meta);

private:
  LogicalResult fail(const std::string &msg) {
    error = fileName + ": " + msg;
    return failure();
  }
  LogicalResult failNode(const NodeSpec &n, const std::string &msg) {
    return fail("node '" + n.name + "' (" + n.node->op() + "): " + msg);
  }
  std::string prefixed(const std::string &name) const {
    return options.prefix.empty() ? name : options.prefix + "/" + name;
  }

  LogicalResult collectOutputs(NodeSpec &n);
  FailureOr<Type> argElementType(NodeSpec &n, const ArgSpec &arg,
                                 SmallVectorImpl<Type> &types);
  LogicalResult createOp(NodeSpec &n);
  LogicalResult wireInputs(NodeSpec &n);
  LogicalResult checkCycles();
  FailureOr<Attribute> convertAttr(NodeSpec &n, const std::string &attrName,
                                   const tensorflow::AttrValue &value);

  MLIRContext *ctx;
  std::string fileName;
  const ImportOptions &options;
  std::string &error;
  OpBuilder builder;
  std::vector<NodeSpec> nodes;
  llvm::StringMap<unsigned> byName;
  llvm::StringMap<const tensorflow::OpDef *> strippedOps;
};

std::optional<int> parseDtypeName(StringRef name) {
  static const char *const kNames[] = {
      "invalid",    "float",  "double",    "int32",   "uint8",   "int16",
      "int8",       "string", "complex64", "int64",   "bool",    "qint8",
      "quint8",     "qint32", "bfloat16",  "qint16",  "quint16", "uint16",
      "complex128", "half",   "resource",  "variant", "uint32",  "uint64"};
  for (int i = 1; i <= 23; ++i)
    if (name == kNames[i])
      return i;
  return std::nullopt;
}

FailureOr<Type> GraphImporter::argElementType(NodeSpec &n, const ArgSpec &arg,
                                              SmallVectorImpl<Type> &types) {
  const auto &attrs = n.node->attr();
  auto typeFromAttr = [&](const std::string &attrName) -> FailureOr<int> {
    auto it = attrs.find(attrName);
    if (it != attrs.end()) {
      if (it->second.value_case() != tensorflow::AttrValue::kType) {
        (void)failNode(n, "attr '" + attrName + "' must be a type, got " +
                              attrValueKind(it->second));
        return failure();
      }
      return int(it->second.type());
    }
    // Attrs with defaults may be left out (strip_default_attrs).
    if (n.def)
      if (const AttrDefInfo *a = n.def->findAttr(attrName))
        if (a->defaultValue)
          if (auto d = parseDtypeName(a->defaultValue))
            return *d;
    if (n.custom)
      if (const OpAttrSpec *a = n.custom->findAttr(attrName))
        if (a->defaultValue && a->kind == "type")
          return int(a->defaultValue->type);
    if (n.stripped)
      for (const auto &a : n.stripped->attr())
        if (a.name() == attrName && a.has_default_value() &&
            a.default_value().value_case() == tensorflow::AttrValue::kType)
          return int(a.default_value().type());
    (void)failNode(n, "missing attr '" + attrName + "'");
    return failure();
  };
  auto push = [&](int dtype) -> LogicalResult {
    Type t = dtypeToElementType(ctx, dtype);
    if (!t || dtype > 100)
      return failNode(n, "unknown dtype " + std::to_string(dtype) + " for '" +
                             arg.name + "'");
    types.push_back(arg.isRef ? RefType::get(ctx, t) : t);
    return success();
  };
  if (!arg.typeListAttr.empty()) {
    auto it = attrs.find(arg.typeListAttr);
    if (it == attrs.end())
      return Type(); // empty list
    if (it->second.value_case() != tensorflow::AttrValue::kList) {
      (void)failNode(n, "attr '" + arg.typeListAttr +
                            "' must be a list(type), got " +
                            attrValueKind(it->second));
      return failure();
    }
    for (int d : it->second.list().type())
      if (failed(push(d)))
        return failure();
    return Type();
  }
  int64_t count = 1;
  if (!arg.numberAttr.empty()) {
    auto it = attrs.find(arg.numberAttr);
    if (it == attrs.end() ||
        it->second.value_case() != tensorflow::AttrValue::kI) {
      (void)failNode(n, "attr '" + arg.numberAttr + "' must be an int");
      return failure();
    }
    count = it->second.i();
    if (count < 0) {
      (void)failNode(n, "attr '" + arg.numberAttr + "' is negative");
      return failure();
    }
  }
  int dtype = arg.dtype;
  if (!arg.typeAttr.empty()) {
    FailureOr<int> d = typeFromAttr(arg.typeAttr);
    if (failed(d))
      return failure();
    dtype = *d;
  }
  for (int64_t i = 0; i < count; ++i)
    if (failed(push(dtype)))
      return failure();
  return Type();
}

LogicalResult GraphImporter::collectOutputs(NodeSpec &n) {
  auto fromTable = [](const ArgDefInfo &a) {
    ArgSpec s;
    s.name = a.name;
    s.dtype = a.dtype;
    s.typeAttr = a.typeAttr;
    s.numberAttr = a.numberAttr;
    s.typeListAttr = a.typeListAttr;
    s.isRef = a.isRef;
    return s;
  };
  auto fromProto = [](const tensorflow::OpDef::ArgDef &a) {
    ArgSpec s;
    s.name = a.name();
    s.dtype = a.type();
    s.typeAttr = a.type_attr();
    s.numberAttr = a.number_attr();
    s.typeListAttr = a.type_list_attr();
    s.isRef = a.is_ref();
    return s;
  };
  if (n.def)
    for (const ArgDefInfo &a : n.def->getOutputs())
      n.outputs.push_back(fromTable(a));
  else if (n.custom)
    for (const OpArgSpec &a : n.custom->outputs) {
      ArgSpec s;
      s.name = a.name;
      s.dtype = static_cast<int>(a.dtype);
      s.typeAttr = a.typeAttr;
      s.numberAttr = a.numberAttr;
      s.typeListAttr = a.typeListAttr;
      s.isRef = a.isRef;
      n.outputs.push_back(std::move(s));
    }
  else if (n.stripped)
    for (const auto &a : n.stripped->output_arg())
      n.outputs.push_back(fromProto(a));
  return success();
}

FailureOr<Attribute>
GraphImporter::convertAttr(NodeSpec &n, const std::string &attrName,
                           const tensorflow::AttrValue &v) {
  std::string why;
  Attribute attr = importAttrValue(v, ctx, why);
  if (!attr) {
    (void)failNode(n, "attr '" + attrName + "': " + why);
    return failure();
  }
  if (n.def)
    if (const AttrDefInfo *a = n.def->findAttr(attrName)) {
      std::string kind = attrValueKind(v);
      bool emptyList =
          kind == "list()" && StringRef(a->kind).starts_with("list(");
      if (!emptyList && !attrMatchesKind(a->kind, attr)) {
        (void)failNode(n, "attr '" + attrName + "' has kind " + kind +
                              ", expected " + a->kind);
        return failure();
      }
    }
  return attr;
}

LogicalResult GraphImporter::createOp(NodeSpec &n) {
  const tensorflow::NodeDef &node = *n.node;
  Location loc = NameLoc::get(builder.getStringAttr(n.name),
                              FileLineColLoc::get(ctx, fileName, 0, 0));
  OperationState state(loc, n.def ? "graph." + node.op() : "graph.node");
  state.addAttribute("name", builder.getStringAttr(n.name));
  if (!node.device().empty())
    state.addAttribute("device", builder.getStringAttr(node.device()));
  if (!n.def)
    state.addAttribute("op_type", builder.getStringAttr(node.op()));
  // Present even when empty: export then writes the field back as it was.
  if (node.has_experimental_debug_info())
    state.addAttribute(
        kExperimentalDebugInfoAttrName,
        builder.getStringAttr(singleLineText(node.experimental_debug_info())));
  if (node.has_experimental_type())
    state.addAttribute(
        kExperimentalTypeAttrName,
        builder.getStringAttr(singleLineText(node.experimental_type())));

  // Attrs in name order, so the IR does not depend on protobuf map order.
  std::vector<std::string> names;
  for (const auto &kv : node.attr())
    names.push_back(kv.first);
  std::sort(names.begin(), names.end());
  ArrayAttr outputShapes;
  for (const std::string &name : names) {
    if (graph::isReservedAttrName(name))
      return failNode(n, "attr name '" + name + "' is reserved by Kiln");
    const tensorflow::AttrValue &v = node.attr().at(name);
    FailureOr<Attribute> attr = convertAttr(n, name, v);
    if (failed(attr))
      return failure();
    // An empty list imports as an ArrayAttr, fine for every list kind.
    auto classes = dyn_cast<ArrayAttr>(*attr);
    if (!options.prefix.empty() && name == "_class" && classes) {
      // import_graph_def also renames colocation groups ("loc:@x"); like TF,
      // it leaves a `_class` that is no list of strings as it is.
      SmallVector<Attribute> items;
      for (Attribute e : classes) {
        auto str = dyn_cast<StringAttr>(e);
        StringRef s = str ? str.getValue() : StringRef();
        if (str && s.consume_front("loc:@"))
          items.push_back(builder.getStringAttr("loc:@" + prefixed(s.str())));
        else
          items.push_back(e);
      }
      attr = builder.getArrayAttr(items);
    }
    if (name == "_output_shapes")
      outputShapes = dyn_cast<ArrayAttr>(*attr);
    state.addAttribute(name, *attr);
  }

  SmallVector<Type> elemTypes;
  for (const ArgSpec &arg : n.outputs)
    if (failed(argElementType(n, arg, elemTypes)))
      return failure();
  if (!n.def && !n.stripped && !n.custom) {
    // No OpDef: as many outputs as `_output_shapes` lists or consumers use.
    int count = n.maxOutputUsed + 1;
    auto it = node.attr().find("_output_shapes");
    if (it != node.attr().end())
      count = std::max(count, it->second.list().shape_size());
    elemTypes.assign(count, UnknownType::get(ctx));
  }
  // Result shapes: `_output_shapes` when it matches, else unranked.
  ArrayAttr shapes;
  if (outputShapes && outputShapes.size() == elemTypes.size() &&
      llvm::all_of(outputShapes, [](Attribute a) { return isa<ShapeAttr>(a); }))
    shapes = outputShapes;
  for (auto [i, t] : llvm::enumerate(elemTypes)) {
    if (shapes)
      state.addTypes(cast<ShapeAttr>(shapes[i]).toTensorType(t));
    else
      state.addTypes(UnrankedTensorType::get(t));
  }
  state.addTypes(ControlType::get(ctx));
  n.op = builder.create(state);
  return success();
}

LogicalResult GraphImporter::wireInputs(NodeSpec &n) {
  SmallVector<Value> data, ctls;
  for (auto [i, raw] : llvm::enumerate(n.node->input())) {
    StringRef in(raw);
    bool control = in.consume_front("^");
    if (!control && !ctls.empty())
      return failNode(n, "data input " + std::to_string(i) + " '" + raw +
                             "' comes after a control input; control inputs "
                             "(^name) must come last");
    StringRef src = in;
    unsigned index = 0;
    if (!control) {
      auto [head, tail] = in.rsplit(':');
      if (!tail.empty() && head != in && llvm::all_of(tail, llvm::isDigit)) {
        src = head;
        if (tail.getAsInteger(10, index))
          return failNode(n, "malformed input '" + raw + "'");
      }
    }
    auto found = byName.find(prefixed(src.str()));
    if (src.empty() || found == byName.end())
      return failNode(n, "input " + std::to_string(i) + " '" + raw +
                             "' names a node that does not exist");
    NodeSpec &producer = nodes[found->second];
    if (control) {
      ctls.push_back(getControlResult(producer.op));
      continue;
    }
    unsigned numData = producer.op->getNumResults() - 1;
    if (index >= numData)
      return failNode(n, "input " + std::to_string(i) + " '" + raw +
                             "' refers to output " + std::to_string(index) +
                             " of node '" + producer.name + "' (" +
                             producer.node->op() + "), which has " +
                             std::to_string(numData) + " output" +
                             (numData == 1 ? "" : "s"));
    data.push_back(producer.op->getResult(index));
  }
  SmallVector<Value> all(data);
  all.append(ctls);
  n.op->setOperands(all);

  if (!n.def) {
    n.op->setAttr("operandSegmentSizes",
                  builder.getDenseI32ArrayAttr(
                      {int32_t(data.size()), int32_t(ctls.size())}));
    return success();
  }
  auto getAttr = [&](StringRef name) { return n.op->getAttr(name); };
  if (llvm::any_of(n.def->getInputs(),
                   [](const ArgDefInfo &a) { return a.isVariadic(); })) {
    SmallVector<int32_t> sizes;
    std::string why;
    if (failed(computeSegmentSizes(n.def->getInputs(), getAttr, data.size(),
                                   sizes, why)))
      return failNode(n, "inputs: " + why);
    sizes.push_back(ctls.size());
    n.op->setAttr("operandSegmentSizes", builder.getDenseI32ArrayAttr(sizes));
  } else if (data.size() != n.def->numInputs) {
    return failNode(n, "has " + std::to_string(data.size()) +
                           " data inputs, the op takes " +
                           std::to_string(n.def->numInputs));
  }
  if (llvm::count_if(n.def->getOutputs(),
                     [](const ArgDefInfo &a) { return a.isVariadic(); }) > 1) {
    SmallVector<int32_t> sizes;
    std::string why;
    if (failed(computeSegmentSizes(n.def->getOutputs(), getAttr,
                                   n.op->getNumResults() - 1, sizes, why)))
      return failNode(n, "outputs: " + why);
    sizes.push_back(1);
    n.op->setAttr("resultSegmentSizes", builder.getDenseI32ArrayAttr(sizes));
  }
  return success();
}

LogicalResult GraphImporter::checkCycles() {
  // TF1 loops close their cycles through NextIteration -> Merge; any other
  // cycle can never run. Iterative DFS with colors.
  llvm::DenseMap<Operation *, unsigned> index;
  for (auto [i, n] : llvm::enumerate(nodes))
    index[n.op] = i;
  std::vector<uint8_t> color(nodes.size(), 0); // 0 new, 1 open, 2 done
  std::vector<std::pair<unsigned, unsigned>> stack;
  for (unsigned root = 0; root < nodes.size(); ++root) {
    if (color[root])
      continue;
    stack.push_back({root, 0});
    color[root] = 1;
    while (!stack.empty()) {
      auto &[cur, next] = stack.back();
      Operation *op = nodes[cur].op;
      if (next < op->getNumOperands()) {
        Value v = op->getOperand(next++);
        Operation *def = v.getDefiningOp();
        if (!def || isa<NextIterationOp>(def))
          continue;
        unsigned d = index[def];
        if (color[d] == 1)
          return fail("graph has a cycle through node '" + nodes[d].name +
                      "' (" + nodes[d].node->op() +
                      ") that no NextIteration closes");
        if (color[d] == 0) {
          color[d] = 1;
          stack.push_back({d, 0});
        }
        continue;
      }
      color[cur] = 2;
      stack.pop_back();
    }
  }
  return success();
}

OwningOpRef<ModuleOp> GraphImporter::run(const tensorflow::GraphDef &graph,
                                         const tensorflow::MetaGraphDef *meta) {
  ctx->loadDialect<GraphDialect>();
  if (meta)
    for (const auto &op : meta->meta_info_def().stripped_op_list().op())
      strippedOps[op.name()] = &op;

  nodes.resize(graph.node_size());
  for (int i = 0; i < graph.node_size(); ++i) {
    NodeSpec &n = nodes[i];
    n.node = &graph.node(i);
    if (n.node->name().empty())
      return ((void)fail("node " + std::to_string(i) + " has no name"),
              nullptr);
    if (n.node->op().empty())
      return ((void)fail("node '" + n.node->name() + "' has no op type"),
              nullptr);
    n.name = prefixed(n.node->name());
    auto [it, inserted] = byName.try_emplace(n.name, i);
    if (!inserted)
      return ((void)fail("duplicate node name '" + n.node->name() +
                         "' (nodes " + std::to_string(it->second) + " and " +
                         std::to_string(i) + ")"),
              nullptr);
    n.def = lookupOpDef(n.node->op());
    // An op library's declaration rules over the graph's stripped op list.
    if (!n.def)
      n.custom = findCustomOp(n.node->op());
    if (!n.def && !n.custom) {
      auto s = strippedOps.find(n.node->op());
      if (s != strippedOps.end())
        n.stripped = s->second;
    }
  }
  // How many outputs consumers use, for op types without an OpDef.
  for (NodeSpec &n : nodes)
    for (const std::string &raw : n.node->input()) {
      StringRef in(raw);
      if (in.starts_with("^"))
        continue;
      auto [head, tail] = in.rsplit(':');
      unsigned index = 0;
      if (head != in && !tail.getAsInteger(10, index))
        in = head;
      auto found = byName.find(prefixed(in.str()));
      if (found != byName.end())
        nodes[found->second].maxOutputUsed =
            std::max<int>(nodes[found->second].maxOutputUsed, index);
    }

  Location fileLoc = FileLineColLoc::get(ctx, fileName, 0, 0);
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  builder.setInsertionPointToEnd(module->getBody());
  auto graphOp = GraphOp::create(builder, fileLoc);
  if (graph.has_versions()) {
    graphOp.setProducerAttr(
        builder.getI32IntegerAttr(graph.versions().producer()));
    graphOp.setMinConsumerAttr(
        builder.getI32IntegerAttr(graph.versions().min_consumer()));
    if (graph.versions().bad_consumers_size())
      graphOp.setBadConsumersAttr(builder.getDenseI32ArrayAttr(
          SmallVector<int32_t>(graph.versions().bad_consumers().begin(),
                               graph.versions().bad_consumers().end())));
  }
  // GraphDef.version is deprecated in TF, but old graphs carry it: kept.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  if (graph.version())
    graphOp.setVersionAttr(builder.getI32IntegerAttr(graph.version()));
#pragma GCC diagnostic pop
  google::protobuf::TextFormat::Printer printer;
  if (graph.has_library()) {
    std::string text;
    printer.PrintToString(graph.library(), &text);
    graphOp.setLibraryAttr(builder.getStringAttr(text));
  }
  if (graph.has_debug_info()) {
    std::string text;
    printer.PrintToString(graph.debug_info(), &text);
    graphOp.setDebugInfoAttr(builder.getStringAttr(text));
  }
  if (meta) {
    tensorflow::MetaGraphDef rest = *meta;
    rest.clear_graph_def();
    std::string text;
    printer.PrintToString(rest, &text);
    graphOp.setMetaGraphAttr(builder.getStringAttr(text));
  }

  builder.setInsertionPointToEnd(&graphOp.getBlock());
  for (NodeSpec &n : nodes)
    if (failed(collectOutputs(n)) || failed(createOp(n)))
      return nullptr;
  for (NodeSpec &n : nodes)
    if (failed(wireInputs(n)))
      return nullptr;
  if (failed(checkCycles()))
    return nullptr;

  // Verifier messages name the node; report the first one.
  std::string firstDiag;
  ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &diag) {
    if (firstDiag.empty() && diag.getSeverity() == DiagnosticSeverity::Error)
      firstDiag = diag.str();
    return success();
  });
  if (failed(verify(*module)))
    return (
        (void)fail(firstDiag.empty() ? "graph failed to verify" : firstDiag),
        nullptr);
  return module;
}

OwningOpRef<ModuleOp> importMeta(const tensorflow::MetaGraphDef &meta,
                                 const std::string &fileName, MLIRContext *ctx,
                                 const ImportOptions &options,
                                 std::string &error) {
  return GraphImporter(ctx, fileName, options, error)
      .run(meta.graph_def(), &meta);
}

OwningOpRef<ModuleOp> importSavedModel(const tensorflow::SavedModel &model,
                                       const std::string &fileName,
                                       MLIRContext *ctx,
                                       const ImportOptions &options,
                                       std::string &error) {
  if (model.meta_graphs_size() == 0) {
    error = fileName + ": SavedModel has no MetaGraphDef";
    return nullptr;
  }
  if (options.tags.empty())
    return importMeta(model.meta_graphs(0), fileName, ctx, options, error);
  SmallVector<StringRef> wanted;
  StringRef(options.tags).split(wanted, ',', -1, false);
  std::string available;
  for (const auto &mg : model.meta_graphs()) {
    SmallVector<StringRef> tags;
    for (const std::string &t : mg.meta_info_def().tags())
      tags.push_back(t);
    if (!available.empty())
      available += "; ";
    available += llvm::join(tags, ",");
    if (tags.size() == wanted.size() && llvm::all_of(wanted, [&](StringRef w) {
          return llvm::is_contained(tags, w);
        }))
      return importMeta(mg, fileName, ctx, options, error);
  }
  error = fileName + ": no MetaGraphDef with tags '" + options.tags +
          "' (available: " + available + ")";
  return nullptr;
}

} // namespace

OwningOpRef<ModuleOp> importGraphDef(const tensorflow::GraphDef &graph,
                                     const tensorflow::MetaGraphDef *meta,
                                     const std::string &fileName,
                                     MLIRContext *ctx,
                                     const ImportOptions &options,
                                     std::string &error) {
  return GraphImporter(ctx, fileName, options, error).run(graph, meta);
}

OwningOpRef<ModuleOp> importGraphBytes(const std::string &bytes,
                                       const std::string &fileName,
                                       MLIRContext *ctx,
                                       const ImportOptions &options,
                                       std::string &error) {
  if (bytes.empty()) {
    // An empty binary GraphDef is a valid, empty graph.
    tensorflow::GraphDef empty;
    return importGraphDef(empty, nullptr, fileName, ctx, options, error);
  }
  if (looksLikeText(bytes)) {
    std::string field = firstTextField(bytes);
    std::string why;
    if (field == "saved_model_schema_version" || field == "meta_graphs") {
      tensorflow::SavedModel model;
      if (!parseText(bytes, model, why))
        return (error = fileName + ":" + why, nullptr);
      return importSavedModel(model, fileName, ctx, options, error);
    }
    if (field == "meta_info_def" || field == "graph_def" ||
        field == "saver_def" || field == "collection_def" ||
        field == "signature_def" || field == "asset_file_def") {
      tensorflow::MetaGraphDef meta;
      if (!parseText(bytes, meta, why))
        return (error = fileName + ":" + why, nullptr);
      return importMeta(meta, fileName, ctx, options, error);
    }
    if (field == "node" || field == "versions" || field == "library" ||
        field == "version") {
      tensorflow::GraphDef graph;
      if (!parseText(bytes, graph, why))
        return (error = fileName + ":" + why, nullptr);
      return importGraphDef(graph, nullptr, fileName, ctx, options, error);
    }
    // Text that starts like none of them may still be binary (a graph of
    // one tiny node can be all printable bytes): fall through.
  }
  // Binary: a SavedModel starts with its varint schema version (field 1);
  // otherwise tell GraphDef from MetaGraphDef by which parse gives nodes
  // that look like nodes (each misreads the other's first field).
  if (static_cast<unsigned char>(bytes[0]) == 0x08) {
    tensorflow::SavedModel model;
    if (parseBinary(bytes, model) && model.meta_graphs_size() > 0)
      return importSavedModel(model, fileName, ctx, options, error);
  }
  // Messages live in an arena: a 100k-node graph is ~10^6 small objects,
  // whose one-by-one destruction would cost as much as parsing them.
  google::protobuf::Arena arena;
  auto *graph =
      google::protobuf::Arena::CreateMessage<tensorflow::GraphDef>(&arena);
  auto *meta =
      google::protobuf::Arena::CreateMessage<tensorflow::MetaGraphDef>(&arena);
  std::optional<GraphFileKind> kind = scanBinaryKind(bytes);
  if (kind == GraphFileKind::GraphDef) {
    if (parseBinary(bytes, *graph) && plausibleNodes(*graph))
      return importGraphDef(*graph, nullptr, fileName, ctx, options, error);
  } else if (kind == GraphFileKind::MetaGraphDef) {
    if (parseBinary(bytes, *meta) && plausibleNodes(meta->graph_def()))
      return importMeta(*meta, fileName, ctx, options, error);
  }
  meta->Clear();
  if (parseBinary(bytes, *meta) && meta->has_graph_def() &&
      meta->graph_def().node_size() > 0 && plausibleNodes(meta->graph_def()))
    return importMeta(*meta, fileName, ctx, options, error);
  graph->Clear();
  if (parseBinary(bytes, *graph) && plausibleNodes(*graph))
    return importGraphDef(*graph, nullptr, fileName, ctx, options, error);
  error = fileName +
          ": not a TensorFlow graph: neither a binary nor a text GraphDef, "
          "MetaGraphDef or SavedModel";
  return nullptr;
}

OwningOpRef<ModuleOp> importGraphFile(const std::string &path, MLIRContext *ctx,
                                      const ImportOptions &options,
                                      std::string &error) {
  std::string file = path;
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    // A SavedModel directory.
    for (const char *name : {"/saved_model.pb", "/saved_model.pbtxt"}) {
      struct stat s2;
      if (stat((path + name).c_str(), &s2) == 0) {
        file = path + name;
        break;
      }
    }
    if (file == path) {
      error = path + ": directory has no saved_model.pb or saved_model.pbtxt";
      return nullptr;
    }
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    error = file + ": cannot open file: " + std::strerror(errno);
    return nullptr;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return importGraphBytes(buf.str(), file, ctx, options, error);
}

} // namespace kiln
