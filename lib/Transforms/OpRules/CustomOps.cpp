//===- CustomOps.cpp - Shape rule of op libraries' ops --------------------===//
//
// A node whose op an op library declares (kiln/runtime/OpLibrary.h) is
// checked as TF checks a NodeDef against its OpDef - attrs (undeclared,
// missing, kinds, allowed values), the number and dtypes of its inputs -
// and then its outputs get the shapes the library's shape function gives.
//
//===----------------------------------------------------------------------===//
#include "kiln/Dialect/Graph/GraphDialect.h"
#include "kiln/Export/ExportGraphDef.h"
#include "kiln/Transforms/OpRules.h"
#include "kiln/proto/graph.pb.h"
#include "kiln/runtime/OpLibrary.h"

#include "mlir/IR/BuiltinTypes.h"

#include <deque>

using namespace mlir;
using namespace kiln;
using namespace kiln::graph;

namespace {

std::string dtypeList(const std::vector<DType> &types) {
  std::string s;
  for (size_t i = 0; i < types.size(); ++i)
    s += (i ? ", " : "") + std::string(dtypeName(types[i]));
  return s;
}

/// A Const input's value as a runtime tensor (numbers of int32, int64 or
/// float), for shape functions that read `input_tensor`.
std::optional<Tensor> constValue(Value v) {
  std::optional<ConstTensor> c = ConstTensor::read(v);
  auto type = dyn_cast<TensorType>(v.getType());
  if (!c || !type)
    return std::nullopt;
  TensorShape shape{std::vector<int64_t>(c->shape.begin(), c->shape.end())};
  Type e = type.getElementType();
  if (e.isInteger(32) && !c->isFloat) {
    std::vector<int32_t> v32(c->i.begin(), c->i.end());
    return Tensor::fromVector(v32, shape);
  }
  if (e.isInteger(64) && !c->isFloat)
    return Tensor::fromVector(c->i, shape);
  if (e.isF32() && c->isFloat) {
    std::vector<float> f(c->f.begin(), c->f.end());
    return Tensor::fromVector(f, shape);
  }
  return std::nullopt;
}

} // namespace

ShapeResult kiln::customOpShapes(const ShapeContext &c) {
  const CustomOpDef *def = findCustomOp(c.opType().str());
  if (!def)
    return ShapeResult::none();
  tensorflow::NodeDef node;
  std::string error, bytes;
  if (failed(exportNodeDef(c.op(), node, error, /*withInputs=*/false)) ||
      !serializeDeterministically(node, bytes))
    return ShapeResult::failure("cannot encode the node: " + error);
  StatusOr<NodeAttrs> raw = NodeAttrs::parse(bytes);
  if (!raw.ok())
    return ShapeResult::failure(raw.status().message());
  NodeAttrs attrs = withDefaultAttrs(*def, *raw);
  if (Status s = checkCustomOpAttrs(*def, attrs); !s.ok())
    return ShapeResult::failure(s.message());

  // Inputs: as many as the declaration expands to, of its dtypes.
  StatusOr<std::vector<DType>> want = expandArgs(*def, def->inputs, attrs);
  if (!want.ok())
    return ShapeResult::failure(want.status().message());
  std::vector<DType> have;
  for (Value v : c.inputs()) {
    auto t = dyn_cast<TensorType>(v.getType());
    std::optional<int> d =
        t ? elementTypeToDtype(t.getElementType()) : std::optional<int>();
    have.push_back(d ? static_cast<DType>(*d % kDTypeRefOffset)
                     : DType::kInvalid);
  }
  if (have.size() != want->size())
    return ShapeResult::failure(
        "NodeDef expected inputs '" + dtypeList(*want) + "' do not match " +
        std::to_string(have.size()) + " inputs specified; " + def->summary());
  for (size_t i = 0; i < have.size(); ++i)
    if (have[i] != DType::kInvalid && have[i] != (*want)[i])
      return ShapeResult::failure(
          "Input " + std::to_string(i) + " of node " +
          getNodeName(c.op()).str() + " was passed " + dtypeName(have[i]) +
          " incompatible with expected " + dtypeName((*want)[i]));

  if (!def->shapeFn)
    return ShapeResult::none();
  std::vector<ShapeFnShape> inputs;
  std::deque<Tensor> values;
  for (unsigned i = 0; i < c.numInputs(); ++i) {
    Shape s = c.input(i);
    ShapeFnShape in;
    in.rank = s.ranked ? static_cast<int64_t>(s.dims.size()) : -1;
    in.dims.assign(s.dims.begin(), s.dims.end()); // -1: unknown, as here
    if (std::optional<Tensor> v = constValue(c.inputs()[i])) {
      values.push_back(std::move(*v));
      in.value = &values.back();
    }
    inputs.push_back(std::move(in));
  }
  StatusOr<std::vector<ShapeFnShape>> outs =
      runShapeFn(*def, attrs, inputs, c.numOutputs());
  if (!outs.ok())
    return ShapeResult::failure(outs.status().message());
  ShapeResult r;
  for (const ShapeFnShape &o : *outs) {
    if (o.rank < 0) {
      r.outputs.push_back(Shape::unknown());
      continue;
    }
    SmallVector<int64_t> dims;
    for (int64_t d : o.dims)
      dims.push_back(d < 0 ? -1 : d);
    r.outputs.push_back(Shape::of(dims));
  }
  return r;
}
