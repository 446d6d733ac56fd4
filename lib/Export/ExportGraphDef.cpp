//===- ExportGraphDef.cpp - The graph dialect back to TensorFlow ----------===//
//
// The inverse of import: one NodeDef per node op in block order, inputs as
// "name", "name:k" and "^name", every non-reserved attribute as an AttrValue.
// Constants are written as TF's Python writer does: a splat as one typed
// value, other multi-element numeric tensors as tensor_content.
//
//===----------------------------------------------------------------------===//
#include "kiln/Export/ExportGraphDef.h"

#include "kiln/Dialect/Graph/GraphDialect.h"
#include "kiln/proto/meta_graph.pb.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/APFloat.h"
#include <google/protobuf/arena.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>

#include <complex>

using namespace mlir;
using namespace kiln::graph;

namespace kiln {
namespace {

void exportShape(ShapeAttr shape, tensorflow::TensorShapeProto &out) {
  if (shape.getUnknownRank()) {
    out.set_unknown_rank(true);
    return;
  }
  for (int64_t d : shape.getDims())
    out.add_dim()->set_size(d);
}

void exportShapeOf(ShapedType type, tensorflow::TensorShapeProto &out) {
  for (int64_t d : type.getShape())
    out.add_dim()->set_size(ShapedType::isDynamic(d) ? -1 : d);
}

/// Dtypes Python writes through tensor_content when there is more than one
/// element (python/framework/tensor_util.py).
bool usesTensorContent(int dtype) {
  switch (dtype) {
  case 1:
  case 2:
  case 3:
  case 4:
  case 5:
  case 6:
  case 9:
  case 11:
  case 12:
  case 13:
  case 15:
  case 16:
  case 22:
  case 23:
    return true;
  default:
    return false;
  }
}

LogicalResult exportTensor(Attribute attr, tensorflow::TensorProto &out,
                           std::string &error) {
  if (auto proto = dyn_cast<TensorProtoAttr>(attr)) {
    if (!google::protobuf::TextFormat::ParseFromString(proto.getText().str(),
                                                       &out)) {
      error = "malformed #graph.tensor_proto";
      return failure();
    }
    return success();
  }
  auto elements = dyn_cast<ElementsAttr>(attr);
  if (!elements) {
    error = "unsupported tensor attribute";
    return failure();
  }
  auto type = cast<ShapedType>(elements.getType());
  std::optional<int> dtype = elementTypeToDtype(type.getElementType());
  if (!dtype) {
    error = "tensor of unsupported element type";
    return failure();
  }
  out.set_dtype(static_cast<tensorflow::DataType>(*dtype));
  exportShapeOf(type, *out.mutable_tensor_shape());
  int64_t n = type.getNumElements();

  if (auto strings = dyn_cast<DenseStringElementsAttr>(attr)) {
    if (strings.isSplat() && n > 1) {
      out.add_string_val(strings.getSplatValue<StringRef>().str());
      return success();
    }
    for (StringRef s : strings.getRawStringData())
      out.add_string_val(s.str());
    return success();
  }
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense) {
    error = "unsupported elements attribute";
    return failure();
  }
  bool splat = dense.isSplat() && n > 1;
  if (!splat && n > 1 && usesTensorContent(*dtype)) {
    ArrayRef<char> raw = dense.getRawData();
    out.set_tensor_content(std::string(raw.data(), raw.size()));
    return success();
  }
  int64_t count = splat ? 1 : n;
  Type elem = type.getElementType();
  auto ints = [&](auto add) {
    auto values = dense.getValues<APInt>();
    for (int64_t i = 0; i < count; ++i)
      add(values[i]);
  };
  switch (*dtype) {
  case 1: {
    auto v = dense.getValues<float>();
    for (int64_t i = 0; i < count; ++i)
      out.add_float_val(v[i]);
    break;
  }
  case 2: {
    auto v = dense.getValues<double>();
    for (int64_t i = 0; i < count; ++i)
      out.add_double_val(v[i]);
    break;
  }
  case 10: {
    auto v = dense.getValues<bool>();
    for (int64_t i = 0; i < count; ++i)
      out.add_bool_val(v[i]);
    break;
  }
  case 9:
    ints([&](const APInt &v) { out.add_int64_val(v.getSExtValue()); });
    break;
  case 22:
    ints([&](const APInt &v) { out.add_uint32_val(v.getZExtValue()); });
    break;
  case 23:
    ints([&](const APInt &v) { out.add_uint64_val(v.getZExtValue()); });
    break;
  case 3:
  case 5:
  case 6:
    ints([&](const APInt &v) { out.add_int_val(v.getSExtValue()); });
    break;
  case 4:
  case 17:
    ints([&](const APInt &v) { out.add_int_val(v.getZExtValue()); });
    break;
  case 14:
  case 19: {
    auto v = dense.getValues<APFloat>();
    for (int64_t i = 0; i < count; ++i)
      out.add_half_val(v[i].bitcastToAPInt().getZExtValue());
    break;
  }
  case 8: {
    auto v = dense.getValues<std::complex<float>>();
    for (int64_t i = 0; i < count; ++i) {
      out.add_scomplex_val(v[i].real());
      out.add_scomplex_val(v[i].imag());
    }
    break;
  }
  case 18: {
    auto v = dense.getValues<std::complex<double>>();
    for (int64_t i = 0; i < count; ++i) {
      out.add_dcomplex_val(v[i].real());
      out.add_dcomplex_val(v[i].imag());
    }
    break;
  }
  default:
    (void)elem;
    error = "tensor of dtype " + dtypeToString(*dtype) + " cannot be exported";
    return failure();
  }
  return success();
}

LogicalResult exportAttr(Attribute attr, tensorflow::AttrValue &out,
                         std::string &error);

LogicalResult exportFunc(FuncAttr func, tensorflow::NameAttrList &out,
                         std::string &error) {
  out.set_name(func.getName().str());
  for (NamedAttribute a : func.getAttrs())
    if (failed(exportAttr(a.getValue(),
                          (*out.mutable_attr())[a.getName().str()], error)))
      return failure();
  return success();
}

int typeToDtype(Type t, std::string &error) {
  std::optional<int> d = elementTypeToDtype(t);
  if (!d) {
    error = "type " + elementTypeToString(t) + " has no TF dtype";
    return -1;
  }
  return *d;
}

LogicalResult exportAttr(Attribute attr, tensorflow::AttrValue &out,
                         std::string &error) {
  if (isa<UnitAttr>(attr))
    return success();
  if (auto b = dyn_cast<BoolAttr>(attr)) {
    out.set_b(b.getValue());
  } else if (auto i = dyn_cast<IntegerAttr>(attr)) {
    out.set_i(i.getInt());
  } else if (auto f = dyn_cast<FloatAttr>(attr)) {
    out.set_f(f.getValueAsDouble());
  } else if (auto s = dyn_cast<StringAttr>(attr)) {
    out.set_s(s.getValue().str());
  } else if (auto t = dyn_cast<TypeAttr>(attr)) {
    int d = typeToDtype(t.getValue(), error);
    if (d < 0)
      return failure();
    out.set_type(static_cast<tensorflow::DataType>(d));
  } else if (auto shape = dyn_cast<ShapeAttr>(attr)) {
    exportShape(shape, *out.mutable_shape());
  } else if (isa<ElementsAttr, TensorProtoAttr>(attr)) {
    return exportTensor(attr, *out.mutable_tensor(), error);
  } else if (auto func = dyn_cast<FuncAttr>(attr)) {
    return exportFunc(func, *out.mutable_func(), error);
  } else if (auto ph = dyn_cast<PlaceholderAttr>(attr)) {
    out.set_placeholder(ph.getName().str());
  } else if (auto list = dyn_cast<ArrayAttr>(attr)) {
    auto *l = out.mutable_list();
    for (Attribute e : list) {
      if (auto b = dyn_cast<BoolAttr>(e)) {
        l->add_b(b.getValue());
      } else if (auto i = dyn_cast<IntegerAttr>(e)) {
        l->add_i(i.getInt());
      } else if (auto f = dyn_cast<FloatAttr>(e)) {
        l->add_f(f.getValueAsDouble());
      } else if (auto s = dyn_cast<StringAttr>(e)) {
        l->add_s(s.getValue().str());
      } else if (auto t = dyn_cast<TypeAttr>(e)) {
        int d = typeToDtype(t.getValue(), error);
        if (d < 0)
          return failure();
        l->add_type(static_cast<tensorflow::DataType>(d));
      } else if (auto shape = dyn_cast<ShapeAttr>(e)) {
        exportShape(shape, *l->add_shape());
      } else if (isa<ElementsAttr, TensorProtoAttr>(e)) {
        if (failed(exportTensor(e, *l->add_tensor(), error)))
          return failure();
      } else if (auto func = dyn_cast<FuncAttr>(e)) {
        if (failed(exportFunc(func, *l->add_func(), error)))
          return failure();
      } else {
        error = "unsupported list element";
        return failure();
      }
    }
  } else {
    error = "attribute has no AttrValue form";
    return failure();
  }
  return success();
}

/// Parses text format into `msg`; on failure `why` holds the parser's first
/// complaint as "line:column: message" (and protobuf logs nothing).
bool parseText(StringRef text, google::protobuf::Message *msg,
               std::string &why) {
  class Collector : public google::protobuf::io::ErrorCollector {
  public:
    explicit Collector(std::string &first) : first(first) {}
    void AddError(int line, int column, const std::string &message) override {
      if (first.empty())
        first = std::to_string(line + 1) + ":" + std::to_string(column + 1) +
                ": " + message;
    }
    std::string &first;
  } collector(why);
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  google::protobuf::io::ArrayInputStream in(text.data(),
                                            static_cast<int>(text.size()));
  return parser.Parse(&in, msg);
}

std::string inputName(Value v, std::string &error) {
  Operation *def = v.getDefiningOp();
  if (!def || !isNode(def)) {
    error = "an operand is not produced by a node";
    return "";
  }
  if (isa<ControlType>(v.getType()))
    return "^" + getNodeName(def).str();
  unsigned k = cast<OpResult>(v).getResultNumber();
  std::string name = getNodeName(def).str();
  return k == 0 ? name : name + ":" + std::to_string(k);
}

} // namespace

LogicalResult exportNodeDef(Operation *op, tensorflow::NodeDef &node,
                            std::string &error, bool withInputs) {
  node.set_name(getNodeName(op).str());
  node.set_op(getNodeOpType(op).str());
  node.set_device(getNodeDevice(op).str());
  // TF 2.x NodeDef fields, kept as text (see kExperimentalTypeAttrName).
  auto parseField =
      [&](StringRef attrName,
          function_ref<google::protobuf::Message *()> field) -> LogicalResult {
    Attribute attr = op->getAttr(attrName);
    if (!attr)
      return success();
    auto text = dyn_cast<StringAttr>(attr);
    std::string why;
    if (!text)
      why = "not a string";
    else if (parseText(text.getValue(), field(), why))
      return success();
    error = "node '" + node.name() + "' (" + node.op() + "): malformed " +
            attrName.str() + " attribute: " + why;
    return failure();
  };
  if (failed(parseField(kExperimentalDebugInfoAttrName,
                        [&] { return node.mutable_experimental_debug_info(); })) ||
      failed(parseField(kExperimentalTypeAttrName,
                        [&] { return node.mutable_experimental_type(); })))
    return failure();
  if (withInputs)
    for (Value v : op->getOperands()) {
      std::string in = inputName(v, error);
      if (in.empty())
        return failure();
      node.add_input(in);
    }
  // Typed attrs live in properties: read them by their OpDef names rather
  // than materializing an attribute dictionary per node.
  auto emit = [&](StringRef name, Attribute value) -> LogicalResult {
    if (isReservedAttrName(name))
      return success();
    if (succeeded(exportAttr(value, (*node.mutable_attr())[name.str()], error)))
      return success();
    error = "node '" + node.name() + "' (" + node.op() + "): attr '" +
            name.str() + "': " + error;
    return failure();
  };
  if (const OpDefInfo *def = getNodeOpDef(op))
    for (const AttrDefInfo &a : def->getAttrs())
      if (Attribute value = op->getAttr(a.name))
        if (failed(emit(a.name, value)))
          return failure();
  for (NamedAttribute a : op->getDiscardableAttrs())
    if (failed(emit(a.getName().getValue(), a.getValue())))
      return failure();
  return success();
}

LogicalResult exportGraphDef(GraphOp graph, tensorflow::GraphDef &out,
                             std::string &error) {
  if (auto p = graph.getProducer())
    out.mutable_versions()->set_producer(*p);
  if (auto m = graph.getMinConsumer())
    out.mutable_versions()->set_min_consumer(*m);
  if (auto bad = graph.getBadConsumers())
    for (int32_t b : *bad)
      out.mutable_versions()->add_bad_consumers(b);
  // GraphDef.version is deprecated in TF, but old graphs carry it: kept.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  if (auto v = graph.getVersion())
    out.set_version(*v);
#pragma GCC diagnostic pop
  if (auto lib = graph.getLibrary())
    if (!google::protobuf::TextFormat::ParseFromString(lib->str(),
                                                       out.mutable_library())) {
      error = "malformed function library attribute";
      return failure();
    }
  if (auto debugInfo = graph.getDebugInfo())
    if (!google::protobuf::TextFormat::ParseFromString(
            debugInfo->str(), out.mutable_debug_info())) {
      error = "malformed debug_info attribute";
      return failure();
    }
  for (Operation &op : graph.getBlock()) {
    if (!isNode(&op)) {
      error = "graph holds a non-node op '" +
              op.getName().getStringRef().str() + "'";
      return failure();
    }
    if (failed(exportNodeDef(&op, *out.add_node(), error)))
      return failure();
  }
  return success();
}

LogicalResult exportMetaGraphDef(GraphOp graph, tensorflow::MetaGraphDef &out,
                                 std::string &error) {
  if (auto meta = graph.getMetaGraph())
    if (!google::protobuf::TextFormat::ParseFromString(meta->str(), &out)) {
      error = "malformed meta_graph attribute";
      return failure();
    }
  out.clear_graph_def();
  return exportGraphDef(graph, *out.mutable_graph_def(), error);
}

bool serializeDeterministically(const google::protobuf::MessageLite &message,
                                std::string &bytes) {
  bytes.clear();
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  return message.SerializeToCodedStream(&coded) && !coded.HadError();
}

LogicalResult exportModule(ModuleOp module, const ExportOptions &options,
                           std::string &bytes, std::string &error) {
  GraphOp graph;
  for (Operation &op : *module.getBody())
    if (auto g = dyn_cast<GraphOp>(op)) {
      if (graph) {
        error = "module holds more than one graph.graph";
        return failure();
      }
      graph = g;
    }
  if (!graph) {
    error = "module holds no graph.graph";
    return failure();
  }
  // An arena: freeing a large graph node by node costs as much as building it.
  google::protobuf::Arena arena;
  google::protobuf::Message *msg;
  if (graph.getMetaGraph() && !options.graphDefOnly) {
    auto *meta =
        google::protobuf::Arena::CreateMessage<tensorflow::MetaGraphDef>(
            &arena);
    if (failed(exportMetaGraphDef(graph, *meta, error)))
      return failure();
    msg = meta;
  } else {
    auto *g =
        google::protobuf::Arena::CreateMessage<tensorflow::GraphDef>(&arena);
    if (failed(exportGraphDef(graph, *g, error)))
      return failure();
    msg = g;
  }
  bool ok = options.text
                ? google::protobuf::TextFormat::PrintToString(*msg, &bytes)
                : serializeDeterministically(*msg, bytes);
  if (!ok) {
    error = "could not serialize the graph";
    return failure();
  }
  return success();
}

} // namespace kiln
