//===- NodeOpFormat.cpp - Assembly format shared by all node ops ----------===//
//
//   %r = graph.MatMul "dense/MatMul"(%x, %w) [%init] {transpose_b = true}
//          : (tensor<?x784xf32>, tensor<784x10xf32>) -> tensor<?x10xf32>
//   %r:2 = graph.node "ZeroOut" "zero"(%x) : (tensor<4xi32>) -> tensor<4xi32>
//
// The data results are followed by the control token (`%r#1` above), whose
// type is implied; control inputs go in square brackets.
//
//===----------------------------------------------------------------------===//
#include "kiln/Dialect/Graph/GraphDialect.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;

namespace kiln {
namespace graph {

LogicalResult computeSegmentSizes(ArrayRef<ArgDefInfo> args,
                                  function_ref<Attribute(StringRef)> getAttr,
                                  unsigned total,
                                  SmallVectorImpl<int32_t> &sizes,
                                  std::string &error) {
  int unknownIndex = -1;
  int64_t known = 0;
  for (const ArgDefInfo &arg : args) {
    int64_t n = 1;
    if (*arg.numberAttr) {
      auto a = dyn_cast_or_null<IntegerAttr>(getAttr(arg.numberAttr));
      n = a ? a.getInt() : -1;
    } else if (*arg.typeListAttr) {
      auto a = dyn_cast_or_null<ArrayAttr>(getAttr(arg.typeListAttr));
      n = a ? static_cast<int64_t>(a.size()) : -1;
    }
    if (n < 0) {
      if (unknownIndex >= 0) {
        error = "cannot size argument '" + std::string(arg.name) +
                "': attr '" +
                (*arg.numberAttr ? arg.numberAttr : arg.typeListAttr) +
                "' is missing";
        return failure();
      }
      unknownIndex = sizes.size();
      n = 0;
    }
    known += n;
    sizes.push_back(static_cast<int32_t>(n));
  }
  if (unknownIndex >= 0) {
    if (known > total) {
      error = "too few values for the op's arguments";
      return failure();
    }
    sizes[unknownIndex] = static_cast<int32_t>(total - known);
  } else if (known != total) {
    error = "expected " + std::to_string(known) +
            " values as the op's attrs require, got " + std::to_string(total);
    return failure();
  }
  return success();
}

static LogicalResult computeSegments(OpAsmParser &parser, SMLoc loc,
                                     ArrayRef<ArgDefInfo> args,
                                     NamedAttrList &attrs, unsigned total,
                                     SmallVectorImpl<int32_t> &sizes) {
  std::string error;
  if (failed(computeSegmentSizes(
          args, [&](StringRef n) { return attrs.get(n); }, total, sizes,
          error)))
    return parser.emitError(loc, error);
  return success();
}

ParseResult parseNodeOp(OpAsmParser &parser, OperationState &result,
                        const OpDefInfo *def) {
  MLIRContext *ctx = parser.getContext();
  Builder b(ctx);
  if (!def) {
    std::string opType;
    if (parser.parseString(&opType))
      return failure();
    result.addAttribute("op_type", b.getStringAttr(opType));
  }
  std::string name;
  if (parser.parseString(&name))
    return failure();
  result.addAttribute("name", b.getStringAttr(name));

  SmallVector<OpAsmParser::UnresolvedOperand> data, ctls;
  if (parser.parseOperandList(data, OpAsmParser::Delimiter::Paren))
    return failure();
  if (succeeded(parser.parseOptionalLSquare())) {
    if (parser.parseOperandList(ctls) || parser.parseRSquare())
      return failure();
  }
  SMLoc attrLoc = parser.getCurrentLocation();
  if (parser.parseOptionalAttrDict(result.attributes))
    return failure();
  // Typed attrs live in properties, which would drop a value of the wrong
  // kind without a word; say so instead.
  if (def) {
    for (const AttrDefInfo &a : def->getAttrs()) {
      Attribute attr = result.attributes.get(a.name);
      if (attr && !attrMatchesKind(a.kind, attr))
        return parser.emitError(attrLoc, "attr '")
               << a.name << "' must be of TF kind " << a.kind << ", got "
               << attr;
    }
  }
  SMLoc typeLoc = parser.getCurrentLocation();
  FunctionType fnType;
  if (parser.parseColonType(fnType))
    return failure();
  if (fnType.getNumInputs() != data.size())
    return parser.emitError(typeLoc, "expected ")
           << data.size() << " operand types, got " << fnType.getNumInputs();
  Type control = ControlType::get(ctx);
  if (parser.resolveOperands(data, fnType.getInputs(), typeLoc,
                             result.operands) ||
      parser.resolveOperands(ctls, control, result.operands))
    return failure();
  result.addTypes(fnType.getResults());
  result.addTypes(control);

  if (!def) {
    result.addAttribute("operandSegmentSizes",
                        b.getDenseI32ArrayAttr({int32_t(data.size()),
                                                int32_t(ctls.size())}));
    return success();
  }
  bool variadicIn = llvm::any_of(def->getInputs(), [](const ArgDefInfo &a) {
    return a.isVariadic();
  });
  if (variadicIn) {
    SmallVector<int32_t> sizes;
    if (failed(computeSegments(parser, typeLoc, def->getInputs(),
                               result.attributes, data.size(), sizes)))
      return failure();
    sizes.push_back(ctls.size());
    result.addAttribute("operandSegmentSizes", b.getDenseI32ArrayAttr(sizes));
  }
  unsigned variadicOut =
      llvm::count_if(def->getOutputs(),
                     [](const ArgDefInfo &a) { return a.isVariadic(); });
  if (variadicOut > 1) {
    SmallVector<int32_t> sizes;
    if (failed(computeSegments(parser, typeLoc, def->getOutputs(),
                               result.attributes, fnType.getNumResults(),
                               sizes)))
      return failure();
    sizes.push_back(1);
    result.addAttribute("resultSegmentSizes", b.getDenseI32ArrayAttr(sizes));
  }
  return success();
}

void printNodeOp(OpAsmPrinter &p, Operation *op) {
  p << ' ';
  if (auto generic = dyn_cast<GenericNodeOp>(op)) {
    p.printString(generic.getOpType());
    p << ' ';
  }
  p.printString(getNodeName(op));
  p << '(';
  p.printOperands(getDataOperands(op));
  p << ')';
  OperandRange ctls = getControlOperands(op);
  if (!ctls.empty()) {
    p << " [";
    p.printOperands(ctls);
    p << ']';
  }
  p.printOptionalAttrDict(op->getAttrDictionary().getValue(),
                          {"name", "op_type", "operandSegmentSizes",
                           "resultSegmentSizes"});
  p << " : (";
  llvm::interleaveComma(getDataOperands(op).getTypes(), p);
  p << ") -> ";
  ResultRange results = getDataResults(op);
  if (results.size() == 1) {
    p << results.front().getType();
  } else {
    p << '(';
    llvm::interleaveComma(results.getTypes(), p);
    p << ')';
  }
}

void getNodeResultNames(Operation *op, OpAsmSetValueNameFn setNameFn) {
  // Name results after the node so printed IR reads like the GraphDef:
  // "dense/MatMul" becomes %dense.MatMul.
  std::string base;
  for (char c : getNodeName(op)) {
    if (llvm::isAlnum(c) || c == '_' || c == '.' || c == '-' || c == '$')
      base += c;
    else
      base += '.';
  }
  if (base.empty() || llvm::isDigit(base[0]))
    base = "n" + base;
  setNameFn(op->getResult(0), base);
}

} // namespace graph
} // namespace kiln
