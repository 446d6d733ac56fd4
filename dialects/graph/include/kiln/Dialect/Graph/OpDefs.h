//===- OpDefs.h - TensorFlow OpDef table of the graph dialect ---*- C++ -*-===//
//
// The C++ view of dialects/graph/ops/*.tfdef: for each typed op, its inputs,
// outputs and attrs as TensorFlow's OpDef declares them. Import uses it to
// type results, export to know what to write, verifiers to check nodes.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_DIALECT_GRAPH_OPDEFS_H
#define KILN_DIALECT_GRAPH_OPDEFS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace kiln {
namespace graph {

/// One input or output argument (OpDef.ArgDef). Exactly one of `dtype`,
/// `typeAttr`, `typeListAttr` says its type; `numberAttr` repeats it.
struct ArgDefInfo {
  const char *name;
  int32_t dtype;            // fixed DataType, 0 if given by an attr
  const char *typeAttr;     // "" if none
  const char *numberAttr;   // "" if not `N * T`
  const char *typeListAttr; // "" if not a list(type) attr
  bool isRef;

  bool isVariadic() const { return *numberAttr || *typeListAttr; }
};

/// One attr (OpDef.AttrDef). `kind` is TF's: "int", "list(type)", ...
struct AttrDefInfo {
  const char *name;
  const char *kind;
  const char *defaultValue; // TF syntax, nullptr if required
  const char *allowed;      // comma-separated dtypes/strings, or nullptr
  int64_t minimum;
  bool hasMinimum;
};

struct OpDefInfo {
  enum Flags : unsigned {
    kStateful = 1,
    kCommutative = 2,
    kPure = 4,
    kLoweredCpu = 8,
    kLoweredGpu = 16,
  };
  /// The generic TF shape function the op's `ShapeFn` line names (see
  /// kiln/Transforms/OpRules.h); kNone: its op family has a rule, or none.
  enum class ShapeFnKind : uint8_t {
    kNone,
    kUnchangedShape,   // output 0 has input 0's shape
    kBroadcastBinary,  // inputs 0 and 1 broadcast (numpy rules)
    kScalar,           // one scalar output
    kTwoElementOutput, // one [2] output (a ref handle of a queue or reader)
    kNoOutputs,
  };
  const char *name;
  const ArgDefInfo *inputs;
  unsigned numInputs;
  const ArgDefInfo *outputs;
  unsigned numOutputs;
  const AttrDefInfo *attrs;
  unsigned numAttrs;
  unsigned flags;
  const char *summary;
  ShapeFnKind shapeFn;

  llvm::ArrayRef<ArgDefInfo> getInputs() const { return {inputs, numInputs}; }
  llvm::ArrayRef<ArgDefInfo> getOutputs() const {
    return {outputs, numOutputs};
  }
  llvm::ArrayRef<AttrDefInfo> getAttrs() const { return {attrs, numAttrs}; }
  const AttrDefInfo *findAttr(llvm::StringRef attrName) const;
  bool isStateful() const { return flags & kStateful; }
  bool isPure() const { return flags & kPure; }
};

/// The OpDef of a typed op type, or nullptr for op types without one.
const OpDefInfo *lookupOpDef(llvm::StringRef opType);

/// All typed op definitions, sorted by name.
llvm::ArrayRef<OpDefInfo> allOpDefs();

} // namespace graph
} // namespace kiln

#endif // KILN_DIALECT_GRAPH_OPDEFS_H
