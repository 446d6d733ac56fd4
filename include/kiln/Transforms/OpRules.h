//===- OpRules.h - Per-op-type shape functions and folders ------*- C++ -*-===//
//
// What the graph passes know about each TF op type, in one table: its shape
// function (graph-infer-shapes) and its folder (graph-constant-fold). The
// passes are drivers over this table; they name no op type.
//
// Rules come from two places, and an op type may get a shape function from
// only one of them (a second one is a fatal error when the table is built):
//  - the op table: an OpDef whose `ShapeFn` line in dialects/graph/ops/*.tfdef
//    names one of TF's generic shape functions (UnchangedShape,
//    BroadcastBinaryOpShapeFn, ...) gets that rule, so a new element-wise op
//    is one table entry;
//  - its op family: lib/Transforms/OpRules/<Family>.cpp registers the other
//    rules and the folders by op type, grouped the way
//    lib/Conversion/GraphToLinalg groups the lowerings (Elementwise, Array,
//    NN, State, Training, Kernels).
//
// `graph-opt --print-op-rules` lists the table with the CPU lowerings; the
// lit test test/Conversion/op-rules-coverage.test fails when an op type is
// lowered without a shape function or without a numerics case.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TRANSFORMS_OPRULES_H
#define KILN_TRANSFORMS_OPRULES_H

#include "mlir/IR/Operation.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>
#include <vector>

namespace kiln {

//===----------------------------------------------------------------------===//
// Shape functions
//===----------------------------------------------------------------------===//

/// A static shape: a list of dims (-1 unknown), or unknown rank.
struct Shape {
  bool ranked = false;
  llvm::SmallVector<int64_t> dims;

  static Shape unknown() { return {}; }
  static Shape of(llvm::ArrayRef<int64_t> dims);
  /// The shape a value's type states.
  static Shape ofValue(mlir::Value v);
  /// A `#graph.shape` attribute's shape; unknown for anything else.
  static Shape fromAttr(mlir::Attribute a);
  /// TF's notation: `[2,?,3]`, `<unknown rank>`.
  std::string str() const;
  bool operator==(const Shape &o) const {
    return ranked == o.ranked && dims == o.dims;
  }
};

/// What a shape function computes: one shape per data result, or an error
/// when the node's inputs contradict each other. A result with another
/// number of shapes than the node has data results says nothing (inputs
/// not known well enough).
struct ShapeResult {
  llvm::SmallVector<Shape> outputs;
  std::string error;

  static ShapeResult none() { return {}; }
  static ShapeResult failure(std::string message);
  static ShapeResult single(Shape s);
};

/// A node as its shape function sees it.
class ShapeContext {
public:
  explicit ShapeContext(mlir::Operation *op) : node(op) {}

  mlir::Operation *op() const { return node; }
  llvm::StringRef opType() const;
  /// The data operands (no control inputs) and data results.
  mlir::OperandRange inputs() const;
  unsigned numInputs() const;
  unsigned numOutputs() const;
  /// The shape input `i`'s type states.
  Shape input(unsigned i) const { return Shape::ofValue(inputs()[i]); }
  /// Input `i`'s integer values if a Const node defines it.
  std::optional<llvm::SmallVector<int64_t>> constInts(unsigned i) const;
  mlir::Attribute attr(llvm::StringRef name) const;
  bool boolAttr(llvm::StringRef name) const;
  int64_t intAttr(llvm::StringRef name, int64_t dflt) const;

private:
  mlir::Operation *node;
};

using ShapeFn = ShapeResult (*)(const ShapeContext &);

/// The rule of an op library's op (kiln/runtime/OpLibrary.h): the node is
/// checked against the op's declaration as TF checks a NodeDef (attrs, the
/// number and dtypes of inputs), then its outputs get the shapes of the
/// library's shape function. None for op types no library declares.
ShapeResult customOpShapes(const ShapeContext &c);

/// Ops besides `op`'s users whose shape functions read `op`'s inputs, so
/// they run again when those inputs are refined (a queue's dequeues read
/// its enqueues' inputs).
using ShapeDependentsFn = void (*)(mlir::Operation *op,
                                   llvm::SmallVectorImpl<mlir::Operation *> &);

//===----------------------------------------------------------------------===//
// Folders
//===----------------------------------------------------------------------===//

/// A constant tensor as the folders compute with it: shape and row-major
/// values, in double (floats) or int64 (integers and bool).
struct ConstTensor {
  llvm::SmallVector<int64_t> shape;
  bool isFloat = false;
  std::vector<double> f;
  std::vector<int64_t> i;

  int64_t size() const { return isFloat ? f.size() : i.size(); }
  /// The value of a Const node without control inputs, if `v` is one (and
  /// of a float, integer or bool type).
  static std::optional<ConstTensor> read(mlir::Value v);
};

/// A node as its folder sees it. The driver calls folders only on pure
/// nodes without control inputs whose results are float, integer or bool.
class FoldContext {
public:
  FoldContext(mlir::Operation *op, int64_t maxElements)
      : node(op), maxElementCount(maxElements) {}

  mlir::Operation *op() const { return node; }
  llvm::StringRef opType() const;
  mlir::OperandRange inputs() const;
  /// Results larger than this are not folded.
  int64_t maxElements() const { return maxElementCount; }
  /// Every data input's value; null unless all are constants.
  const llvm::SmallVector<ConstTensor> *constInputs() const;
  bool boolAttr(llvm::StringRef name) const;

private:
  mlir::Operation *node;
  int64_t maxElementCount;
  mutable std::optional<std::optional<llvm::SmallVector<ConstTensor>>> cache;
};

/// One value per data result; nullopt: not folded.
using FoldResult = std::optional<llvm::SmallVector<ConstTensor>>;
using FoldFn = FoldResult (*)(const FoldContext &);

//===----------------------------------------------------------------------===//
// The table
//===----------------------------------------------------------------------===//

/// The families, as lib/Conversion/GraphToLinalg groups the lowerings.
enum class OpFamily { Elementwise, Array, NN, State, Training, Kernels };
llvm::StringRef stringifyOpFamily(OpFamily family);

/// Everything the passes know about one op type.
struct OpRules {
  ShapeFn shape = nullptr;
  /// Where `shape` comes from: the op table's `ShapeFn` name, or the
  /// family that registered it.
  llvm::StringRef shapeSource;
  ShapeDependentsFn shapeDependents = nullptr;
  FoldFn fold = nullptr;
  std::optional<OpFamily> foldFamily;
};

class OpRuleTable {
public:
  /// Registers `fn` as the shape function of `ops`. Registering a second
  /// one for an op type is a programming error: report_fatal_error says
  /// which op type and where both come from.
  void addShapeFn(OpFamily family, llvm::ArrayRef<llvm::StringRef> ops,
                  ShapeFn fn);
  void addShapeDependents(llvm::ArrayRef<llvm::StringRef> ops,
                          ShapeDependentsFn fn);
  /// Registers `fn` as the folder of `ops` (one per op type, as above).
  void addFolder(OpFamily family, llvm::ArrayRef<llvm::StringRef> ops,
                 FoldFn fn);
  /// Gives every op of the op table whose OpDef names a generic shape
  /// function (`ShapeFn` in the .tfdef) that rule.
  void addOpTableShapeFns();

  /// The rules of `opType`, or null when none is known.
  const OpRules *lookup(llvm::StringRef opType) const;
  /// The op types with rules, sorted.
  std::vector<llvm::StringRef> opTypes() const;

private:
  llvm::StringMap<OpRules> byOpType;
};

void populateElementwiseOpRules(OpRuleTable &table);
void populateArrayOpRules(OpRuleTable &table);
void populateNNOpRules(OpRuleTable &table);
void populateStateOpRules(OpRuleTable &table);
void populateTrainingOpRules(OpRuleTable &table);
void populateKernelOpRules(OpRuleTable &table);

/// The op table's generic shape functions and every family's rules: what
/// graph-infer-shapes and graph-constant-fold use.
const OpRuleTable &defaultOpRules();

/// Reduction axes of a rank-`rank` tensor normalized (negative ones
/// counted from the end), sorted and deduplicated; nullopt if one is out of
/// range. Shared by folding and lowering.
std::optional<llvm::SmallVector<int64_t>>
normalizeAxes(llvm::ArrayRef<int64_t> axes, int64_t rank);

/// The sliding window of a Conv2D or pooling node, as its attrs give it
/// (`strides`, `dilations`, `ksize` for pools, `padding`, `data_format`),
/// in (height, width) order whatever the data format.
struct WindowAttrs {
  bool nchw = false;
  bool same = false;
  int64_t strides[2] = {1, 1};
  int64_t dilations[2] = {1, 1};
  int64_t ksize[2] = {1, 1};
};

/// `op`'s window, or TF's error (InvalidArgument text; `unsupported` set
/// when TF has the case and Kiln does not: EXPLICIT padding, pooling
/// across depth).
std::optional<WindowAttrs> windowAttrs(mlir::Operation *op, bool pool,
                                       std::string &error, bool &unsupported);

/// One spatial dim of a window: output size and the padding SAME adds
/// before and after (TF's GetWindowedOutputSize).
struct WindowDim {
  int64_t out = -1, padBefore = 0, padAfter = 0;
};

/// The window over an input dim of size `in` (-1: unknown, then `out` is
/// -1), or TF's error when the output would be empty.
std::optional<WindowDim> windowDim(int64_t in, int64_t filter, int64_t stride,
                                   int64_t dilation, bool same,
                                   std::string &error);

} // namespace kiln

#endif // KILN_TRANSFORMS_OPRULES_H
