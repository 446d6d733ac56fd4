//===- GraphBase.td - The graph dialect, its types and attributes -*- tablegen -*-===//
//
// The `graph` dialect mirrors a TensorFlow 1.x GraphDef: one op per node, in a
// graph region (no dominance: TF1 while loops have cycles). Every node op
// returns its data outputs plus one `!graph.control` token; control inputs
// (`^name`) are operands of that type after the data operands.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_DIALECT_GRAPH_GRAPHBASE_TD
#define KILN_DIALECT_GRAPH_GRAPHBASE_TD

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/DialectBase.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/IR/RegionKindInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Graph_Dialect : Dialect {
  let name = "graph";
  let cppNamespace = "::kiln::graph";
  let summary = "TensorFlow 1.x dataflow graphs, node for node";
  let description = [{
    Each TensorFlow node becomes one op whose name is the TF op type
    (`graph.MatMul`), carrying the node name (`name`), device (`device`) and
    every TF attr under its TF name. Ops listed in the op table
    (`dialects/graph/ops/*.tfdef`) are typed and verified against their
    TensorFlow OpDef; any other op type (custom ops) imports as `graph.node`
    with its type name and attrs, so import never fails on an unknown op.

    Tensor element types: TF's numeric dtypes map to MLIR's (`f32`, `i32`,
    `ui8`, `i1` for bool, `complex<f32>`, ...); strings, resources, variants
    and quantized types are dialect types; a `*_REF` dtype is `!graph.ref<T>`.
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
}

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

class Graph_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<Graph_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

def Graph_ControlType : Graph_Type<"Control", "control"> {
  let summary = "a control token: the `^node` edge of a GraphDef";
}

def Graph_StringType : Graph_Type<"String", "string"> {
  let summary = "TF string (DT_STRING): a byte string element";
}
def Graph_ResourceType : Graph_Type<"Resource", "resource"> {
  let summary = "TF resource handle (DT_RESOURCE): variables, queues, readers";
}
def Graph_VariantType : Graph_Type<"Variant", "variant"> {
  let summary = "TF variant (DT_VARIANT)";
}
def Graph_QInt8Type : Graph_Type<"QInt8", "qint8"> { let summary = "TF qint8"; }
def Graph_QUInt8Type : Graph_Type<"QUInt8", "quint8"> { let summary = "TF quint8"; }
def Graph_QInt16Type : Graph_Type<"QInt16", "qint16"> { let summary = "TF qint16"; }
def Graph_QUInt16Type : Graph_Type<"QUInt16", "quint16"> { let summary = "TF quint16"; }
def Graph_QInt32Type : Graph_Type<"QInt32", "qint32"> { let summary = "TF qint32"; }
def Graph_UnknownType : Graph_Type<"Unknown", "unknown"> {
  let summary = "dtype not known at import (an output of an op without OpDef)";
}

def Graph_RefType : Graph_Type<"Ref", "ref"> {
  let summary = "a TF reference dtype (DT_FLOAT_REF, ...): a mutable variable slot";
  let parameters = (ins "::mlir::Type":$elementType);
  let assemblyFormat = "`<` $elementType `>`";
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

class Graph_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Graph_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def Graph_ShapeAttr : Graph_Attr<"Shape", "shape"> {
  let summary = "a TensorShapeProto: `#graph.shape<2x?x3>`, `<>` scalar, `<*>` unknown rank";
  let parameters = (ins OptionalArrayRefParameter<"int64_t">:$dims,
                        "bool":$unknownRank);
  let hasCustomAssemblyFormat = 1;
  let extraClassDeclaration = [{
    bool hasRank() const { return !getUnknownRank(); }
    /// The shape as a tensor type of `elementType` (unranked if unknown).
    ::mlir::TensorType toTensorType(::mlir::Type elementType) const;
  }];
}

def Graph_TensorProtoAttr : Graph_Attr<"TensorProto", "tensor_proto"> {
  let summary = "a TensorProto kept as text, for dtypes MLIR has no elements attr for";
  let parameters = (ins StringRefParameter<>:$text);
  let assemblyFormat = "`<` $text `>`";
}

def Graph_FuncAttr : Graph_Attr<"Func", "func"> {
  let summary = "a NameAttrList: a function name with attrs";
  let parameters = (ins StringRefParameter<>:$name, "::mlir::DictionaryAttr":$attrs);
  let assemblyFormat = "`<` $name `,` $attrs `>`";
}

def Graph_PlaceholderAttr : Graph_Attr<"Placeholder", "placeholder"> {
  let summary = "an attr placeholder inside a function body (`$name`)";
  let parameters = (ins StringRefParameter<>:$name);
  let assemblyFormat = "`<` $name `>`";
}

def Graph_ShapeArrayAttr : TypedArrayAttrBase<Graph_ShapeAttr, "array of shapes">;
def Graph_TensorValueAttr : AnyAttrOf<[ElementsAttr, Graph_TensorProtoAttr]>;

//===----------------------------------------------------------------------===//
// Op base classes
//===----------------------------------------------------------------------===//

def Graph_NodeTrait : NativeOpTrait<"NodeOpTrait"> {
  let cppNamespace = "::kiln::graph";
}

class Graph_Op<string mnemonic, list<Trait> traits = []>
    : Op<Graph_Dialect, mnemonic, traits>;

// A typed TensorFlow node. Format (shared by all node ops):
//   %out:2 = graph.Op "node/name"(%data, %operands) [%control, %inputs]
//            {tf_attr = ...} : (data types) -> data result types
class Graph_NodeOp<string mnemonic, list<Trait> traits = []>
    : Graph_Op<mnemonic, !listconcat(traits, [Graph_NodeTrait,
        DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmResultNames"]>])> {
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// This op's TensorFlow OpDef.
    static const ::kiln::graph::OpDefInfo &getOpDef();
  }];
  let extraClassDefinition = [{
    const ::kiln::graph::OpDefInfo &$cppClass::getOpDef() {
      static const ::kiln::graph::OpDefInfo *def =
          ::kiln::graph::lookupOpDef(getOperationName().drop_front(6));
      return *def;
    }
    ::mlir::ParseResult $cppClass::parse(::mlir::OpAsmParser &parser,
                                         ::mlir::OperationState &result) {
      return ::kiln::graph::parseNodeOp(parser, result, &getOpDef());
    }
    void $cppClass::print(::mlir::OpAsmPrinter &p) {
      ::kiln::graph::printNodeOp(p, getOperation());
    }
    ::llvm::LogicalResult $cppClass::verify() {
      return ::kiln::graph::verifyNodeOp(getOperation(), &getOpDef());
    }
    void $cppClass::getAsmResultNames(::mlir::OpAsmSetValueNameFn setNameFn) {
      ::kiln::graph::getNodeResultNames(getOperation(), setNameFn);
    }
  }];
}

#endif // KILN_DIALECT_GRAPH_GRAPHBASE_TD
