//===- InferShapes.cpp - Static shape inference for graph nodes -----------===//
//
// A shape is a list of dims (-1 unknown) or unknown rank. Each op's rule
// computes its outputs' shapes from its inputs' result types, attrs and
// constant inputs; the result is met with what the IR already says. A
// worklist runs rules until nothing changes (graph regions have no order).
//
//===----------------------------------------------------------------------===//
#include "kiln/Transforms/Passes.h"

#include "llvm/ADT/SetVector.h"

namespace kiln {
#define GEN_PASS_DEF_GRAPHINFERSHAPES
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::graph;

namespace {

struct Shape {
  bool ranked = false;
  SmallVector<int64_t> dims; // -1 = unknown

  static Shape unknown() { return {}; }
  static Shape of(ArrayRef<int64_t> d) {
    Shape s;
    s.ranked = true;
    s.dims.assign(d.begin(), d.end());
    return s;
  }
  std::string str() const {
    if (!ranked)
      return "<unknown rank>";
    std::string s = "[";
    for (size_t i = 0; i < dims.size(); ++i)
      s += (i ? "," : "") +
           (dims[i] < 0 ? std::string("?") : std::to_string(dims[i]));
    return s + "]";
  }
};

Shape shapeOf(Value v) {
  if (auto r = dyn_cast<RankedTensorType>(v.getType())) {
    Shape s;
    s.ranked = true;
    for (int64_t d : r.getShape())
      s.dims.push_back(ShapedType::isDynamic(d) ? -1 : d);
    return s;
  }
  return Shape::unknown();
}

Shape shapeFromAttr(Attribute a) {
  auto s = dyn_cast_or_null<ShapeAttr>(a);
  if (!s || s.getUnknownRank())
    return Shape::unknown();
  return Shape::of(s.getDims());
}

/// The integer values of a Const input, if it is one.
std::optional<SmallVector<int64_t>> constInts(Value v) {
  auto c = v.getDefiningOp<ConstOp>();
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

struct Inference {
  SmallVector<Shape> outputs;
  std::string error; // non-empty: the inputs are inconsistent
};

Inference fail(std::string msg) {
  Inference r;
  r.error = std::move(msg);
  return r;
}

Inference one(Shape s) {
  Inference r;
  r.outputs.push_back(std::move(s));
  return r;
}

std::optional<Shape> broadcastShapes(const Shape &a, const Shape &b,
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

Shape reduce(const Shape &in, std::optional<SmallVector<int64_t>> axes,
             bool keepDims) {
  if (!in.ranked || !axes)
    return Shape::unknown();
  int64_t rank = in.dims.size();
  SmallVector<bool> reduced(rank, false);
  for (int64_t a : *axes)
    if (a >= -rank && a < rank)
      reduced[a < 0 ? a + rank : a] = true;
  Shape out = Shape::of({});
  for (int64_t k = 0; k < rank; ++k) {
    if (!reduced[k])
      out.dims.push_back(in.dims[k]);
    else if (keepDims)
      out.dims.push_back(1);
  }
  return out;
}

bool isElementwiseUnary(StringRef t) {
  static const char *const kOps[] = {"Identity",
                                     "StopGradient",
                                     "PreventGradient",
                                     "Snapshot",
                                     "Neg",
                                     "Abs",
                                     "Sign",
                                     "Square",
                                     "Reciprocal",
                                     "Sqrt",
                                     "Rsqrt",
                                     "Exp",
                                     "Log",
                                     "Log1p",
                                     "Tanh",
                                     "Sigmoid",
                                     "Sin",
                                     "Cos",
                                     "Floor",
                                     "Ceil",
                                     "Round",
                                     "Rint",
                                     "IsNan",
                                     "IsInf",
                                     "IsFinite",
                                     "LogicalNot",
                                     "Relu",
                                     "Relu6",
                                     "Elu",
                                     "Softplus",
                                     "Softmax",
                                     "LogSoftmax",
                                     "ZerosLike",
                                     "OnesLike",
                                     "Cast",
                                     "BiasAdd",
                                     "PlaceholderWithDefault",
                                     "Enter",
                                     "Exit",
                                     "NextIteration",
                                     "LoopCond",
                                     "RandomShuffle",
                                     "CheckNumerics"};
  return llvm::is_contained(kOps, t);
}

bool isElementwiseBinary(StringRef t) {
  static const char *const kOps[] = {"Add",
                                     "AddV2",
                                     "Sub",
                                     "Mul",
                                     "Div",
                                     "RealDiv",
                                     "FloorDiv",
                                     "FloorMod",
                                     "TruncateDiv",
                                     "Maximum",
                                     "Minimum",
                                     "Pow",
                                     "SquaredDifference",
                                     "Equal",
                                     "NotEqual",
                                     "Less",
                                     "LessEqual",
                                     "Greater",
                                     "GreaterEqual",
                                     "LogicalAnd",
                                     "LogicalOr",
                                     "ReluGrad",
                                     "SigmoidGrad",
                                     "TanhGrad"};
  return llvm::is_contained(kOps, t);
}

bool isEnqueue(StringRef t) {
  return t == "QueueEnqueueV2" || t == "QueueEnqueue" ||
         t == "QueueEnqueueManyV2" || t == "QueueEnqueueMany";
}

/// A queue declared without `shapes` still holds elements of the shapes its
/// enqueue ops give it: where the enqueue ops of known rank agree, that
/// shape (a dim they disagree on is unknown). Compiled dequeues check the
/// shape at run time, so a guess that turns out wrong is an error, not a
/// wrong answer.
SmallVector<Shape> elementShapesFromEnqueues(Value queue, unsigned n) {
  SmallVector<Shape> out(n, Shape::unknown());
  bool first = true;
  for (Operation *user : queue.getUsers()) {
    if (!isNode(user) || !isEnqueue(getNodeOpType(user)))
      continue;
    OperandRange comps = getDataOperands(user).drop_front();
    if (comps.size() != n)
      return SmallVector<Shape>(n, Shape::unknown());
    bool many = getNodeOpType(user).contains("Many");
    // An enqueue of unknown rank says nothing (often it is a value computed
    // from this very queue's dequeue); dequeue checks at run time.
    if (llvm::any_of(comps, [](Value c) { return !shapeOf(c).ranked; }))
      continue;
    for (unsigned k = 0; k < n; ++k) {
      Shape s = shapeOf(comps[k]);
      if (many) {
        if (s.dims.empty())
          return SmallVector<Shape>(n, Shape::unknown());
        s.dims.erase(s.dims.begin());
      }
      if (first) {
        out[k] = s;
        continue;
      }
      // Enqueue ops that disagree leave the dims (or rank) unknown.
      if (!out[k].ranked || !s.ranked || out[k].dims.size() != s.dims.size()) {
        out[k] = Shape::unknown();
        continue;
      }
      for (size_t d = 0; d < s.dims.size(); ++d)
        if (out[k].dims[d] != s.dims[d])
          out[k].dims[d] = -1;
    }
    first = false;
  }
  return out;
}

Inference infer(Operation *op) {
  StringRef t = getNodeOpType(op);
  auto in = getDataOperands(op);
  auto attr = [&](StringRef n) { return op->getAttr(n); };
  auto boolAttr = [&](StringRef n) {
    auto b = dyn_cast_or_null<BoolAttr>(attr(n));
    return b && b.getValue();
  };
  auto intAttr = [&](StringRef n, int64_t dflt) {
    auto i = dyn_cast_or_null<IntegerAttr>(attr(n));
    return i ? i.getInt() : dflt;
  };

  if (t == "Const") {
    auto e = dyn_cast_or_null<ElementsAttr>(attr("value"));
    if (!e)
      return {};
    return one(Shape::of(cast<ShapedType>(e.getType()).getShape()));
  }
  if (t == "Placeholder" || t == "PlaceholderV2" || t == "VariableV2" ||
      t == "Variable")
    return one(shapeFromAttr(attr("shape")));
  if (isElementwiseUnary(t))
    return one(shapeOf(in[0]));
  if (isElementwiseBinary(t)) {
    std::string error;
    std::optional<Shape> s =
        broadcastShapes(shapeOf(in[0]), shapeOf(in[1]), error);
    if (!s)
      return fail(error);
    return one(*s);
  }
  if (t == "Select")
    return one(shapeOf(in[1]));
  if (t == "AddN") {
    Shape s = Shape::unknown();
    for (Value v : in)
      if (shapeOf(v).ranked) {
        s = shapeOf(v);
        break;
      }
    return one(s);
  }
  if (t == "MatMul") {
    Shape a = shapeOf(in[0]), b = shapeOf(in[1]);
    if (!a.ranked || !b.ranked)
      return one(Shape::of({-1, -1}));
    if (a.dims.size() != 2 || b.dims.size() != 2)
      return fail(
          "Shape must be rank 2 but is rank " +
          std::to_string(a.dims.size() != 2 ? a.dims.size() : b.dims.size()));
    bool ta = boolAttr("transpose_a"), tb = boolAttr("transpose_b");
    int64_t m = a.dims[ta ? 1 : 0], ka = a.dims[ta ? 0 : 1];
    int64_t kb = b.dims[tb ? 1 : 0], n = b.dims[tb ? 0 : 1];
    if (ka >= 0 && kb >= 0 && ka != kb)
      return fail("Matrix size-incompatible: In[0]: " + a.str() +
                  ", In[1]: " + b.str());
    return one(Shape::of({m, n}));
  }
  if (t == "Shape") {
    Shape s = shapeOf(in[0]);
    return one(Shape::of({s.ranked ? int64_t(s.dims.size()) : -1}));
  }
  if (t == "Size" || t == "Rank")
    return one(Shape::of({}));
  if (t == "Reshape") {
    std::optional<SmallVector<int64_t>> target = constInts(in[1]);
    if (!target) {
      // To the shape of another tensor (gradients restoring a shape): that
      // tensor's shape; otherwise the rank, from the shape vector's length.
      Operation *def = in[1].getDefiningOp();
      if (def && isNode(def) && getNodeOpType(def) == "Shape")
        return one(shapeOf(getDataOperands(def)[0]));
      Shape target = shapeOf(in[1]);
      if (target.ranked && target.dims.size() == 1 && target.dims[0] >= 0)
        return one(Shape::of(SmallVector<int64_t>(target.dims[0], -1)));
      return one(Shape::unknown());
    }
    Shape src = shapeOf(in[0]);
    Shape out = Shape::of(*target);
    int unknown = -1;
    int64_t known = 1;
    for (auto [k, d] : llvm::enumerate(out.dims)) {
      if (d == -1) {
        if (unknown >= 0)
          return fail("can only infer one unknown dimension");
        unknown = k;
      } else {
        known *= d;
      }
    }
    bool srcStatic =
        src.ranked && llvm::all_of(src.dims, [](int64_t d) { return d >= 0; });
    if (srcStatic) {
      int64_t n = 1;
      for (int64_t d : src.dims)
        n *= d;
      if (unknown >= 0) {
        if (known == 0 || n % known != 0)
          return fail(
              "Input to reshape is a tensor with " + std::to_string(n) +
              " values, but the requested shape requires a multiple of " +
              std::to_string(known));
        out.dims[unknown] = n / known;
      } else if (n != known) {
        return fail("Input to reshape is a tensor with " + std::to_string(n) +
                    " values, but the requested shape has " +
                    std::to_string(known));
      }
    }
    return one(out);
  }
  if (t == "ExpandDims") {
    Shape s = shapeOf(in[0]);
    auto dim = constInts(in[1]);
    if (!s.ranked || !dim || dim->size() != 1)
      return one(Shape::unknown());
    int64_t d = (*dim)[0], rank = s.dims.size();
    if (d < -rank - 1 || d > rank)
      return fail("dim " + std::to_string(d) + " out of range");
    if (d < 0)
      d += rank + 1;
    s.dims.insert(s.dims.begin() + d, 1);
    return one(s);
  }
  if (t == "Squeeze") {
    Shape s = shapeOf(in[0]);
    if (!s.ranked)
      return one(s);
    SmallVector<int64_t> axes;
    if (auto a = dyn_cast_or_null<ArrayAttr>(attr("squeeze_dims")))
      for (Attribute x : a)
        axes.push_back(cast<IntegerAttr>(x).getInt());
    Shape out = Shape::of({});
    int64_t rank = s.dims.size();
    for (int64_t k = 0; k < rank; ++k) {
      bool listed =
          llvm::is_contained(axes, k) || llvm::is_contained(axes, k - rank);
      if (axes.empty() ? s.dims[k] == 1 : listed) {
        if (s.dims[k] >= 0 && s.dims[k] != 1)
          return fail("Can not squeeze dim[" + std::to_string(k) +
                      "], expected a dimension of 1, got " +
                      std::to_string(s.dims[k]));
        continue;
      }
      if (axes.empty() && s.dims[k] < 0)
        return one(Shape::unknown());
      out.dims.push_back(s.dims[k]);
    }
    return one(out);
  }
  if (t == "Fill" || t == "RandomUniform" || t == "RandomStandardNormal" ||
      t == "TruncatedNormal" || t == "RandomUniformInt") {
    auto dims = constInts(in[0]);
    if (!dims)
      return one(Shape::unknown());
    return one(Shape::of(*dims));
  }
  if (t == "Tile") {
    Shape s = shapeOf(in[0]);
    auto mult = constInts(in[1]);
    if (!s.ranked || !mult || mult->size() != s.dims.size())
      return one(s.ranked ? Shape::of(SmallVector<int64_t>(s.dims.size(), -1))
                          : s);
    for (auto [k, m] : llvm::enumerate(*mult))
      if (s.dims[k] >= 0)
        s.dims[k] *= m;
    return one(s);
  }
  if (t == "ConcatV2") {
    auto axisVals = constInts(in.back());
    SmallVector<Shape> parts;
    for (Value v : in.drop_back())
      parts.push_back(shapeOf(v));
    if (!axisVals ||
        llvm::any_of(parts, [](const Shape &s) { return !s.ranked; }))
      return one(Shape::unknown());
    int64_t rank = parts[0].dims.size(), axis = (*axisVals)[0];
    if (axis < 0)
      axis += rank;
    Shape out = parts[0];
    for (size_t p = 1; p < parts.size(); ++p) {
      if (int64_t(parts[p].dims.size()) != rank)
        return fail("ConcatOp : Ranks of all input tensors should match");
      for (int64_t k = 0; k < rank; ++k) {
        int64_t d = parts[p].dims[k];
        if (k == axis)
          out.dims[k] = out.dims[k] < 0 || d < 0 ? -1 : out.dims[k] + d;
        else if (out.dims[k] < 0)
          out.dims[k] = d;
      }
    }
    return one(out);
  }
  if (t == "Pack") {
    Shape s = shapeOf(in[0]);
    if (!s.ranked)
      return one(s);
    int64_t axis = intAttr("axis", 0), rank = s.dims.size();
    if (axis < 0)
      axis += rank + 1;
    s.dims.insert(s.dims.begin() + axis, int64_t(in.size()));
    return one(s);
  }
  if (t == "Transpose") {
    Shape s = shapeOf(in[0]);
    auto perm = constInts(in[1]);
    if (!s.ranked || !perm || perm->size() != s.dims.size())
      return one(Shape::unknown());
    Shape out = Shape::of({});
    for (int64_t p : *perm)
      out.dims.push_back(s.dims[p]);
    return one(out);
  }
  if (t == "Sum" || t == "Mean" || t == "Prod" || t == "Max" || t == "Min" ||
      t == "All" || t == "Any")
    return one(reduce(shapeOf(in[0]), constInts(in[1]), boolAttr("keep_dims")));
  if (t == "ArgMax" || t == "ArgMin")
    return one(reduce(shapeOf(in[0]), constInts(in[1]), false));
  if (t == "SoftmaxCrossEntropyWithLogits" ||
      t == "SparseSoftmaxCrossEntropyWithLogits") {
    Shape f = shapeOf(in[0]);
    Inference r;
    r.outputs.push_back(f.ranked ? Shape::of({f.dims[0]}) : Shape::unknown());
    r.outputs.push_back(f);
    return r;
  }
  if (t == "Assign" || t == "AssignAdd" || t == "AssignSub" ||
      t.starts_with("Apply"))
    return one(shapeOf(in[0]));
  if (t == "QueueDequeueV2" || t == "QueueDequeue" ||
      t == "QueueDequeueManyV2" || t == "QueueDequeueMany" ||
      t == "QueueDequeueUpToV2" || t == "QueueDequeueUpTo") {
    // Shapes come from the queue's `shapes` attr.
    Operation *queue = in[0].getDefiningOp();
    auto shapes =
        queue ? dyn_cast_or_null<ArrayAttr>(queue->getAttr("shapes")) : nullptr;
    Inference r;
    unsigned n = getDataResults(op).size();
    std::optional<SmallVector<int64_t>> count;
    bool many = t.contains("Many") || t.contains("UpTo");
    if (many)
      count = constInts(in[1]);
    SmallVector<Shape> fromEnqueues;
    if (!shapes || shapes.size() != n)
      fromEnqueues = elementShapesFromEnqueues(in[0], n);
    for (unsigned k = 0; k < n; ++k) {
      Shape s = shapes && shapes.size() == n ? shapeFromAttr(shapes[k])
                                             : fromEnqueues[k];
      if (many && s.ranked)
        s.dims.insert(s.dims.begin(),
                      t.contains("Many") && count && count->size() == 1
                          ? (*count)[0]
                          : -1);
      r.outputs.push_back(s);
    }
    return r;
  }
  if (t == "DecodeRaw") {
    Shape s = shapeOf(in[0]);
    if (s.ranked)
      s.dims.push_back(-1);
    return one(s);
  }
  if (t == "QueueSizeV2" || t == "QueueSize" || t == "QueueIsClosedV2" ||
      t == "QueueIsClosed" || t == "ScalarSummary" || t == "HistogramSummary" ||
      t == "MergeSummary" || t.starts_with("ReaderNumRecordsProduced") ||
      t.starts_with("ReaderNumWorkUnitsCompleted") || t == "ShardedFilename" ||
      t == "CountUpTo")
    return one(Shape::of({}));
  if (t == "ReaderReadV2" || t == "ReaderRead") {
    Inference r;
    r.outputs = {Shape::of({}), Shape::of({})};
    return r;
  }
  if (t == "ReaderReadUpToV2" || t == "ReaderReadUpTo") {
    Inference r;
    r.outputs = {Shape::of({-1}), Shape::of({-1})};
    return r;
  }
  if (t == "ParseSingleExample" || t == "ParseExample") {
    // Sparse indices, values and shapes per sparse feature, then the dense
    // values: dense_shapes (ParseExample: with the batch dim in front).
    bool single = t == "ParseSingleExample";
    auto types = dyn_cast_or_null<ArrayAttr>(attr("sparse_types"));
    auto shapes = dyn_cast_or_null<ArrayAttr>(attr("dense_shapes"));
    if (!types || !shapes)
      return {};
    int64_t batch = -1;
    if (!single && shapeOf(in[0]).ranked && shapeOf(in[0]).dims.size() == 1)
      batch = shapeOf(in[0]).dims[0];
    int64_t rank = single ? 1 : 2;
    Inference r;
    for (size_t k = 0; k < types.size(); ++k)
      r.outputs.push_back(Shape::of({-1, rank}));
    for (size_t k = 0; k < types.size(); ++k)
      r.outputs.push_back(Shape::of({-1}));
    for (size_t k = 0; k < types.size(); ++k)
      r.outputs.push_back(Shape::of({rank}));
    for (Attribute a : shapes) {
      Shape s = shapeFromAttr(a);
      if (!single && s.ranked)
        s.dims.insert(s.dims.begin(), batch);
      r.outputs.push_back(s);
    }
    return r;
  }
  return {};
}

/// The more precise of two shapes, or nullopt if they contradict.
std::optional<Shape> meet(const Shape &a, const Shape &b) {
  if (!a.ranked)
    return b;
  if (!b.ranked)
    return a;
  if (a.dims.size() != b.dims.size())
    return std::nullopt;
  Shape out = a;
  for (size_t k = 0; k < a.dims.size(); ++k) {
    if (a.dims[k] >= 0 && b.dims[k] >= 0 && a.dims[k] != b.dims[k])
      return std::nullopt;
    if (out.dims[k] < 0)
      out.dims[k] = b.dims[k];
  }
  return out;
}

} // namespace

LogicalResult kiln::inferNodeShapes(Block &block) {
  llvm::SetVector<Operation *> worklist;
  for (Operation &op : block)
    worklist.insert(&op);
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (!isNode(op))
      continue;
    Inference r = infer(op);
    if (!r.error.empty()) {
      op->emitError() << "InvalidArgument: node '" << getNodeName(op) << "' ("
                      << getNodeOpType(op) << "): " << r.error;
      return failure();
    }
    ResultRange results = getDataResults(op);
    if (r.outputs.size() != results.size())
      continue;
    for (auto [k, v] : llvm::enumerate(results)) {
      Shape current = shapeOf(v);
      std::optional<Shape> m = meet(current, r.outputs[k]);
      if (!m) {
        op->emitError() << "InvalidArgument: node '" << getNodeName(op) << "' ("
                        << getNodeOpType(op) << "): output " << k
                        << " has shape " << r.outputs[k].str()
                        << " but the graph declares " << current.str()
                        << " (_output_shapes)";
        return failure();
      }
      if (m->ranked == current.ranked && m->dims == current.dims)
        continue;
      SmallVector<int64_t> dims;
      for (int64_t d : m->dims)
        dims.push_back(d < 0 ? ShapedType::kDynamic : d);
      Type elem = cast<TensorType>(v.getType()).getElementType();
      v.setType(m->ranked ? Type(RankedTensorType::get(dims, elem))
                          : Type(UnrankedTensorType::get(elem)));
      for (Operation *user : v.getUsers()) {
        worklist.insert(user);
        // An enqueue op's new input shape refines the queue's dequeues.
        if (isNode(user) && isEnqueue(getNodeOpType(user)))
          for (Operation *deq : getDataOperands(user)[0].getUsers())
            worklist.insert(deq);
      }
    }
  }
  return success();
}

namespace {
struct GraphInferShapesPass
    : kiln::impl::GraphInferShapesBase<GraphInferShapesPass> {
  void runOnOperation() override {
    if (failed(kiln::inferNodeShapes(getOperation().getBlock())))
      signalPassFailure();
  }
};
} // namespace
