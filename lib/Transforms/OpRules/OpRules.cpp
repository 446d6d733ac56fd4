//===- OpRules.cpp - The op rule table and its generic rules --------------===//
//
// Builds the table the shape inference and constant folding drivers look
// op types up in: the op table's generic shape functions, then each
// family's registrations. Duplicates are fatal so that an op type cannot
// quietly get two rules that disagree.
//
//===----------------------------------------------------------------------===//
#include "Rules.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/ErrorHandling.h"

#include <algorithm>

using namespace mlir;
using namespace kiln;
using namespace kiln::graph;

//===----------------------------------------------------------------------===//
// Shape, ShapeResult, ShapeContext
//===----------------------------------------------------------------------===//

Shape Shape::of(ArrayRef<int64_t> d) {
  Shape s;
  s.ranked = true;
  s.dims.assign(d.begin(), d.end());
  return s;
}

Shape Shape::ofValue(Value v) {
  auto r = dyn_cast<RankedTensorType>(v.getType());
  if (!r)
    return unknown();
  Shape s;
  s.ranked = true;
  for (int64_t d : r.getShape())
    s.dims.push_back(ShapedType::isDynamic(d) ? -1 : d);
  return s;
}

Shape Shape::fromAttr(Attribute a) {
  auto s = dyn_cast_or_null<ShapeAttr>(a);
  if (!s || s.getUnknownRank())
    return unknown();
  return of(s.getDims());
}

std::string Shape::str() const {
  if (!ranked)
    return "<unknown rank>";
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? "," : "") +
         (dims[i] < 0 ? std::string("?") : std::to_string(dims[i]));
  return s + "]";
}

ShapeResult ShapeResult::failure(std::string message) {
  ShapeResult r;
  r.error = std::move(message);
  return r;
}

ShapeResult ShapeResult::single(Shape s) {
  ShapeResult r;
  r.outputs.push_back(std::move(s));
  return r;
}

StringRef ShapeContext::opType() const { return getNodeOpType(node); }
OperandRange ShapeContext::inputs() const { return getDataOperands(node); }
unsigned ShapeContext::numInputs() const { return inputs().size(); }
unsigned ShapeContext::numOutputs() const {
  return getDataResults(node).size();
}

std::optional<SmallVector<int64_t>> ShapeContext::constInts(unsigned i) const {
  auto c = inputs()[i].getDefiningOp<ConstOp>();
  if (!c)
    return std::nullopt;
  auto dense = dyn_cast<DenseElementsAttr>(c.getValue());
  if (!dense || !isa<IntegerType>(dense.getElementType()))
    return std::nullopt;
  SmallVector<int64_t> out;
  for (APInt x : dense.getValues<APInt>())
    out.push_back(x.getSExtValue());
  return out;
}

Attribute ShapeContext::attr(StringRef name) const {
  return node->getAttr(name);
}

bool ShapeContext::boolAttr(StringRef name) const {
  auto b = dyn_cast_or_null<BoolAttr>(attr(name));
  return b && b.getValue();
}

int64_t ShapeContext::intAttr(StringRef name, int64_t dflt) const {
  auto i = dyn_cast_or_null<IntegerAttr>(attr(name));
  return i ? i.getInt() : dflt;
}

//===----------------------------------------------------------------------===//
// ConstTensor, FoldContext
//===----------------------------------------------------------------------===//

std::optional<ConstTensor> ConstTensor::read(Value v) {
  auto c = v.getDefiningOp<ConstOp>();
  if (!c || !getControlOperands(c).empty())
    return std::nullopt;
  auto dense = dyn_cast<DenseElementsAttr>(c.getValue());
  if (!dense)
    return std::nullopt;
  Type elem = dense.getElementType();
  ConstTensor out;
  out.shape.assign(dense.getType().getShape().begin(),
                   dense.getType().getShape().end());
  if (isa<FloatType>(elem)) {
    out.isFloat = true;
    for (APFloat x : dense.getValues<APFloat>())
      out.f.push_back(x.convertToDouble());
  } else if (auto it = dyn_cast<IntegerType>(elem)) {
    for (APInt x : dense.getValues<APInt>())
      out.i.push_back(it.isUnsigned() || it.getWidth() == 1 ? x.getZExtValue()
                                                            : x.getSExtValue());
  } else {
    return std::nullopt;
  }
  return out;
}

StringRef FoldContext::opType() const { return getNodeOpType(node); }
OperandRange FoldContext::inputs() const { return getDataOperands(node); }

const SmallVector<ConstTensor> *FoldContext::constInputs() const {
  if (!cache) {
    SmallVector<ConstTensor> values;
    for (Value v : inputs()) {
      std::optional<ConstTensor> c = ConstTensor::read(v);
      if (!c) {
        cache.emplace(std::nullopt);
        return nullptr;
      }
      values.push_back(std::move(*c));
    }
    cache.emplace(std::move(values));
  }
  return *cache ? &**cache : nullptr;
}

bool FoldContext::boolAttr(StringRef name) const {
  auto a = node->getAttrOfType<BoolAttr>(name);
  return a && a.getValue();
}

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

std::optional<Shape> rules::broadcastShapes(const Shape &a, const Shape &b,
                                            std::string &error) {
  if (!a.ranked || !b.ranked)
    return Shape::unknown();
  size_t r = std::max(a.dims.size(), b.dims.size());
  Shape out = Shape::of(SmallVector<int64_t>(r, -1));
  for (size_t k = 0; k < r; ++k) {
    int64_t x = k < r - a.dims.size() ? 1 : a.dims[k - (r - a.dims.size())];
    int64_t y = k < r - b.dims.size() ? 1 : b.dims[k - (r - b.dims.size())];
    if (x == 1)
      out.dims[k] = y;
    else if (y == 1)
      out.dims[k] = x;
    else if (x < 0 || y < 0)
      out.dims[k] = x < 0 ? y : x;
    else if (x != y) {
      error = "Incompatible shapes: " + a.str() + " vs. " + b.str();
      return std::nullopt;
    } else
      out.dims[k] = x;
  }
  return out;
}

ShapeResult rules::unchangedShape(const ShapeContext &ctx) {
  return ShapeResult::single(ctx.input(0));
}

ShapeResult rules::broadcastBinaryShape(const ShapeContext &ctx) {
  std::string error;
  std::optional<Shape> s = broadcastShapes(ctx.input(0), ctx.input(1), error);
  if (!s)
    return ShapeResult::failure(error);
  return ShapeResult::single(*s);
}

ShapeResult rules::scalarShape(const ShapeContext &) {
  return ShapeResult::single(Shape::of({}));
}

ShapeResult rules::twoElementShape(const ShapeContext &) {
  return ShapeResult::single(Shape::of({2}));
}

ShapeResult rules::noOutputs(const ShapeContext &) {
  return ShapeResult::none();
}

ShapeResult rules::shapeFromShapeInput(const ShapeContext &ctx, unsigned i) {
  if (std::optional<SmallVector<int64_t>> dims = ctx.constInts(i))
    return ShapeResult::single(Shape::of(*dims));
  // As TF reads a shape tensor it cannot evaluate: the shape a Shape (or
  // ShapeN) node takes of its input, as far as that is known (the sizes of
  // a gradient are the forward input's: Conv2D's gradients get them from
  // ShapeN); else as many unknown dims as the vector has elements.
  Value v = ctx.inputs()[i];
  if (Operation *def = v.getDefiningOp()) {
    StringRef type = getNodeOpType(def);
    auto results = getDataResults(def);
    auto operands = getDataOperands(def);
    if (type == "Shape" && !operands.empty())
      return ShapeResult::single(Shape::ofValue(operands[0]));
    if (type == "ShapeN")
      for (auto [k, r] : llvm::enumerate(results))
        if (r == v && k < operands.size())
          return ShapeResult::single(Shape::ofValue(operands[k]));
  }
  auto vector = dyn_cast<RankedTensorType>(v.getType());
  if (vector && vector.getRank() == 1 && !vector.isDynamicDim(0))
    return ShapeResult::single(
        Shape::of(SmallVector<int64_t>(vector.getDimSize(0), -1)));
  return ShapeResult::single(Shape::unknown());
}

int64_t rules::numElements(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

SmallVector<int64_t> rules::stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> st(shape.size(), 1);
  for (int k = int(shape.size()) - 2; k >= 0; --k)
    st[k] = st[k + 1] * shape[k + 1];
  return st;
}

void rules::copyElem(ConstTensor &out, const ConstTensor &src, int64_t flat) {
  if (src.isFloat)
    out.f.push_back(src.f[flat]);
  else
    out.i.push_back(src.i[flat]);
}

std::optional<SmallVector<int64_t>> rules::staticResultShape(Operation *op,
                                                             unsigned i) {
  auto t = dyn_cast<RankedTensorType>(getDataResults(op)[i].getType());
  if (!t || !t.hasStaticShape())
    return std::nullopt;
  return SmallVector<int64_t>(t.getShape().begin(), t.getShape().end());
}

//===----------------------------------------------------------------------===//
// OpRuleTable
//===----------------------------------------------------------------------===//

StringRef kiln::stringifyOpFamily(OpFamily family) {
  switch (family) {
  case OpFamily::Elementwise:
    return "Elementwise";
  case OpFamily::Array:
    return "Array";
  case OpFamily::NN:
    return "NN";
  case OpFamily::State:
    return "State";
  case OpFamily::Training:
    return "Training";
  case OpFamily::Kernels:
    return "Kernels";
  }
  llvm_unreachable("unknown op family");
}

static void addShape(llvm::StringMap<OpRules> &table, StringRef op, ShapeFn fn,
                     StringRef source) {
  OpRules &r = table[op];
  if (r.shape)
    llvm::report_fatal_error(llvm::Twine("op rules: op type '") + op +
                             "' has two shape functions (" + r.shapeSource +
                             " and " + source + ")");
  r.shape = fn;
  r.shapeSource = source;
}

void OpRuleTable::addShapeFn(OpFamily family, ArrayRef<StringRef> ops,
                             ShapeFn fn) {
  for (StringRef op : ops)
    addShape(byOpType, op, fn, stringifyOpFamily(family));
}

void OpRuleTable::addShapeDependents(ArrayRef<StringRef> ops,
                                     ShapeDependentsFn fn) {
  for (StringRef op : ops)
    byOpType[op].shapeDependents = fn;
}

void OpRuleTable::addFolder(OpFamily family, ArrayRef<StringRef> ops,
                            FoldFn fn) {
  for (StringRef op : ops) {
    OpRules &r = byOpType[op];
    if (r.fold)
      llvm::report_fatal_error(llvm::Twine("op rules: op type '") + op +
                               "' has two folders (" +
                               stringifyOpFamily(*r.foldFamily) + " and " +
                               stringifyOpFamily(family) + ")");
    r.fold = fn;
    r.foldFamily = family;
  }
}

void OpRuleTable::addOpTableShapeFns() {
  using Kind = OpDefInfo::ShapeFnKind;
  for (const OpDefInfo &def : allOpDefs()) {
    switch (def.shapeFn) {
    case Kind::kNone:
      break;
    case Kind::kUnchangedShape:
      addShape(byOpType, def.name, rules::unchangedShape, "UnchangedShape");
      break;
    case Kind::kBroadcastBinary:
      addShape(byOpType, def.name, rules::broadcastBinaryShape,
               "BroadcastBinaryOpShapeFn");
      break;
    case Kind::kScalar:
      addShape(byOpType, def.name, rules::scalarShape, "ScalarShape");
      break;
    case Kind::kTwoElementOutput:
      addShape(byOpType, def.name, rules::twoElementShape, "TwoElementOutput");
      break;
    case Kind::kNoOutputs:
      addShape(byOpType, def.name, rules::noOutputs, "NoOutputs");
      break;
    }
  }
}

const OpRules *OpRuleTable::lookup(StringRef opType) const {
  auto it = byOpType.find(opType);
  return it == byOpType.end() ? nullptr : &it->second;
}

std::vector<StringRef> OpRuleTable::opTypes() const {
  std::vector<StringRef> names;
  for (const auto &e : byOpType)
    names.push_back(e.getKey());
  llvm::sort(names);
  return names;
}

const OpRuleTable &kiln::defaultOpRules() {
  static const OpRuleTable table = [] {
    OpRuleTable t;
    t.addOpTableShapeFns();
    populateElementwiseOpRules(t);
    populateArrayOpRules(t);
    populateNNOpRules(t);
    populateStateOpRules(t);
    populateTrainingOpRules(t);
    populateKernelOpRules(t);
    return t;
  }();
  return table;
}
