//===- NodeOpVerifier.cpp - Check nodes against their TensorFlow OpDef ----===//
//
// ODS checks that required attrs exist and have the right kind; this checks
// what only the OpDef knows: allowed dtypes, list lengths and minima, and
// that every input and output has the dtype its type attr says.
//
//===----------------------------------------------------------------------===//
#include "kiln/Dialect/Graph/GraphDialect.h"

#include "llvm/ADT/StringExtras.h"

using namespace mlir;

namespace kiln {
namespace graph {

namespace {

class NodeVerifier {
public:
  NodeVerifier(Operation *op, const OpDefInfo *def) : op(op), def(def) {}

  LogicalResult verify() {
    auto name = op->getAttrOfType<StringAttr>("name");
    if (!name || name.getValue().empty())
      return op->emitOpError("needs a non-empty string attr 'name'");
    if (op->hasAttr("device") && !op->getAttrOfType<StringAttr>("device"))
      return error() << "attr 'device' must be a string";
    if (op->getNumResults() == 0 ||
        !isa<ControlType>(op->getResults().back().getType()))
      return error() << "last result must be the control token";
    for (Value v : getDataResults(op))
      if (isa<ControlType>(v.getType()))
        return error() << "control token among the data results";
    for (Value v : getDataOperands(op))
      if (isa<ControlType>(v.getType()))
        return error() << "control inputs must come after data inputs";
    if (!def)
      return success();
    for (const AttrDefInfo &a : def->getAttrs())
      if (failed(verifyAttr(a)))
        return failure();
    if (failed(verifyArgs(def->getInputs(), getDataOperands(op).getTypes(),
                          "operandSegmentSizes", "input")))
      return failure();
    return verifyArgs(def->getOutputs(), getDataResults(op).getTypes(),
                      "resultSegmentSizes", "output");
  }

private:
  InFlightDiagnostic error() {
    return op->emitOpError() << "node '" << getNodeName(op) << "': ";
  }

  bool allows(const AttrDefInfo &a, StringRef value) {
    SmallVector<StringRef> items;
    StringRef(a.allowed).split(items, ',');
    return llvm::is_contained(items, value);
  }

  LogicalResult verifyAttr(const AttrDefInfo &a) {
    Attribute attr = op->getAttr(a.name);
    if (!attr)
      return success(); // ODS reports required attrs that are missing
    StringRef kind(a.kind);
    if (a.allowed && kind.ends_with("type")) {
      SmallVector<Type> types;
      if (auto t = dyn_cast<TypeAttr>(attr))
        types.push_back(t.getValue());
      else if (auto list = dyn_cast<ArrayAttr>(attr))
        for (Attribute e : list)
          types.push_back(cast<TypeAttr>(e).getValue());
      for (Type t : types) {
        std::string name = elementTypeToString(t);
        if (!allows(a, name))
          return error() << "attr '" << a.name << "' is " << name
                         << ", not one of the allowed types {" << a.allowed
                         << "}";
      }
    }
    if (a.allowed && kind == "string") {
      StringRef v = cast<StringAttr>(attr).getValue();
      if (!allows(a, v))
        return error() << "attr '" << a.name << "' is '" << v
                       << "', not one of {" << a.allowed << "}";
    }
    if (a.hasMinimum) {
      int64_t v = 0;
      if (auto i = dyn_cast<IntegerAttr>(attr))
        v = i.getInt();
      else if (auto list = dyn_cast<ArrayAttr>(attr))
        v = list.size();
      if (v < a.minimum)
        return error() << "attr '" << a.name << "' is " << v
                       << ", must be at least " << a.minimum;
    }
    return success();
  }

  /// The dtypes an argument requires, or failure if its attrs are unusable.
  LogicalResult expectedTypes(const ArgDefInfo &arg, SmallVectorImpl<Type> &out,
                              bool &known) {
    known = true;
    int64_t count = 1;
    if (*arg.numberAttr) {
      auto n = op->getAttrOfType<IntegerAttr>(arg.numberAttr);
      if (!n)
        return error() << "missing number attr '" << arg.numberAttr << "'";
      count = n.getInt();
    }
    if (*arg.typeListAttr) {
      auto list = op->getAttrOfType<ArrayAttr>(arg.typeListAttr);
      if (!list) {
        known = false; // an optional list attr left out: sizes unchecked
        return success();
      }
      for (Attribute e : list)
        out.push_back(cast<TypeAttr>(e).getValue());
      return success();
    }
    Type t;
    if (arg.dtype) {
      t = dtypeToElementType(op->getContext(), arg.dtype);
    } else {
      auto attr = op->getAttrOfType<TypeAttr>(arg.typeAttr);
      if (!attr) {
        known = false; // optional type attr absent: dtype not checkable
        out.append(count, Type());
        return success();
      }
      t = attr.getValue();
    }
    out.append(count, t);
    return success();
  }

  LogicalResult verifyArgs(ArrayRef<ArgDefInfo> args, TypeRange actual,
                           StringRef segmentAttr, StringRef what) {
    SmallVector<int64_t> sizes;
    if (auto seg = op->getAttrOfType<DenseI32ArrayAttr>(segmentAttr)) {
      for (int32_t s : seg.asArrayRef())
        sizes.push_back(s);
    } else {
      int variadic = -1;
      for (auto [i, a] : llvm::enumerate(args)) {
        sizes.push_back(1);
        if (a.isVariadic())
          variadic = i;
      }
      if (variadic >= 0)
        sizes[variadic] = int64_t(actual.size()) - int64_t(args.size()) + 1;
    }
    unsigned pos = 0;
    for (auto [i, arg] : llvm::enumerate(args)) {
      int64_t n = i < sizes.size() ? sizes[i] : 0;
      SmallVector<Type> expected;
      bool known;
      if (failed(expectedTypes(arg, expected, known)))
        return failure();
      if (known && !expected.empty() && int64_t(expected.size()) != n)
        return error() << what << " '" << arg.name << "' has " << n
                       << " values, the attrs say " << expected.size();
      for (int64_t k = 0; k < n; ++k, ++pos) {
        if (pos >= actual.size())
          return error() << "too few " << what << "s";
        Type got = getElementType(actual[pos]);
        if (!got || isa<UnknownType>(stripRef(got)))
          continue;
        if (arg.isRef && !isa<RefType>(got))
          return error() << what << " " << pos << " ('" << arg.name
                         << "') must be a reference (" << what
                         << " of a variable), got " << elementTypeToString(got);
        Type want = k < int64_t(expected.size()) ? expected[k] : Type();
        if (!want)
          continue;
        if (stripRef(got) != stripRef(want))
          return error() << what << " " << pos << " ('" << arg.name
                         << "') has dtype " << elementTypeToString(stripRef(got))
                         << ", expected " << elementTypeToString(stripRef(want));
      }
    }
    if (pos != actual.size())
      return error() << "has " << actual.size() << " " << what
                     << "s, its OpDef allows " << pos;
    return success();
  }

  Operation *op;
  const OpDefInfo *def;
};

} // namespace

bool attrMatchesKind(StringRef kind, Attribute attr) {
  if (kind.consume_front("list(")) {
    kind = kind.drop_back();
    auto list = dyn_cast<ArrayAttr>(attr);
    return list && llvm::all_of(list, [&](Attribute e) {
             return attrMatchesKind(kind, e);
           });
  }
  if (kind == "bool")
    return isa<BoolAttr>(attr);
  if (kind == "int") {
    auto i = dyn_cast<IntegerAttr>(attr);
    return i && !isa<BoolAttr>(attr) && i.getType().isInteger(64);
  }
  if (kind == "float") {
    auto f = dyn_cast<FloatAttr>(attr);
    return f && f.getType().isF32();
  }
  if (kind == "string")
    return isa<StringAttr>(attr);
  if (kind == "type")
    return isa<TypeAttr>(attr);
  if (kind == "shape")
    return isa<ShapeAttr>(attr);
  if (kind == "tensor")
    return isa<ElementsAttr, TensorProtoAttr>(attr);
  if (kind == "func")
    return isa<FuncAttr>(attr);
  return false;
}

LogicalResult verifyNodeOp(Operation *op, const OpDefInfo *def) {
  return NodeVerifier(op, def).verify();
}

} // namespace graph
} // namespace kiln
