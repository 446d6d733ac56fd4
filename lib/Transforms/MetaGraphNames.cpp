//===- MetaGraphNames.cpp - Nodes a MetaGraphDef refers to by name --------===//
#include "kiln/Transforms/Passes.h"
#include "kiln/proto/meta_graph.pb.h"

#include <google/protobuf/text_format.h>

namespace kiln {

static void addTensorName(std::set<std::string> &names, std::string s) {
  if (!s.empty() && s[0] == '^')
    s.erase(0, 1);
  size_t colon = s.rfind(':');
  if (colon != std::string::npos)
    s.erase(colon);
  if (!s.empty())
    names.insert(s);
}

std::set<std::string> collectMetaGraphNodeNames(graph::GraphOp graph) {
  std::set<std::string> names;
  auto text = graph.getMetaGraph();
  if (!text)
    return names;
  tensorflow::MetaGraphDef meta;
  if (!google::protobuf::TextFormat::ParseFromString(text->str(), &meta))
    return names;
  const auto &saver = meta.saver_def();
  addTensorName(names, saver.filename_tensor_name());
  addTensorName(names, saver.save_tensor_name());
  addTensorName(names, saver.restore_op_name());
  for (const auto &[key, col] : meta.collection_def()) {
    for (const std::string &n : col.node_list().value())
      addTensorName(names, n);
    for (const std::string &bytes : col.bytes_list().value()) {
      // Variables and queue runners are stored as serialized protos.
      tensorflow::VariableDef var;
      tensorflow::QueueRunnerDef qr;
      if ((key == "variables" || key == "trainable_variables" ||
           key == "local_variables" || key == "model_variables" ||
           key == "moving_average_variables" || key == "global_step") &&
          var.ParseFromString(bytes)) {
        addTensorName(names, var.variable_name());
        addTensorName(names, var.initializer_name());
        addTensorName(names, var.snapshot_name());
        addTensorName(names, var.initial_value_name());
      } else if (key == "queue_runners" && qr.ParseFromString(bytes)) {
        addTensorName(names, qr.queue_name());
        for (const std::string &op : qr.enqueue_op_name())
          addTensorName(names, op);
        addTensorName(names, qr.close_op_name());
        addTensorName(names, qr.cancel_op_name());
      }
    }
  }
  for (const auto &[key, sig] : meta.signature_def()) {
    for (const auto &[k, info] : sig.inputs())
      addTensorName(names, info.name());
    for (const auto &[k, info] : sig.outputs())
      addTensorName(names, info.name());
  }
  return names;
}

} // namespace kiln
