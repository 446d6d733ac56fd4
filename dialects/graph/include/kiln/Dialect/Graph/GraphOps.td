//===- GraphOps.td - Ops of the graph dialect ----------------*- tablegen -*-===//
//
// The container op, the generic node op, and (generated from the TF op
// table, see ops/README.md) one typed op per known TensorFlow op type.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_DIALECT_GRAPH_GRAPHOPS_TD
#define KILN_DIALECT_GRAPH_GRAPHOPS_TD

include "kiln/Dialect/Graph/GraphBase.td"

def Graph_GraphOp : Graph_Op<"graph", [NoTerminator, SingleBlock,
    IsolatedFromAbove, DeclareOpInterfaceMethods<RegionKindInterface>]> {
  let summary = "a TensorFlow GraphDef (or the graph of a MetaGraphDef)";
  let description = [{
    Holds one op per node in a graph region: operands may refer to ops
    defined later, and TF1 while loops form cycles through NextIteration.
    The GraphDef's `versions`, its function library, its stack traces
    (`debug_info`, TF 2.x) and, for a MetaGraphDef, everything but the graph
    (SaverDef, collections, signatures, meta info) are kept as attributes so
    export loses nothing.
  }];
  let arguments = (ins OptionalAttr<I32Attr>:$producer,
                       OptionalAttr<I32Attr>:$min_consumer,
                       OptionalAttr<DenseI32ArrayAttr>:$bad_consumers,
                       OptionalAttr<I32Attr>:$version,
                       OptionalAttr<StrAttr>:$library,
                       OptionalAttr<StrAttr>:$meta_graph,
                       OptionalAttr<StrAttr>:$debug_info);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "attr-dict-with-keyword $body";
  let extraClassDeclaration = [{
    ::mlir::Block &getBlock() { return getBody().front(); }
    /// The node ops, in GraphDef order.
    auto getNodes() { return getBlock().without_terminator(); }
  }];
  let builders = [OpBuilder<(ins), [{ $_state.addRegion()->emplaceBlock(); }]>];
  let skipDefaultBuilders = 1;
}

def Graph_GenericNodeOp : Graph_Op<"node", [AttrSizedOperandSegments,
    Graph_NodeTrait,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmResultNames"]>]> {
  let summary = "a node of an op type without a typed definition (e.g. a custom op)";
  let description = [{
    `graph.node "ZeroOut" "zero_out"(%x) : (tensor<?xi32>) -> tensor<?xi32>`
    keeps the op type name, the node name and every attr. Its output count
    and dtypes come from the MetaGraphDef's stripped op list when there is
    one, else from `_output_shapes` and the outputs its consumers use.
    Compiling it needs a kernel library that claims the op type.
  }];
  let arguments = (ins Variadic<AnyTensor>:$inputs,
                       Variadic<Graph_ControlType>:$ctls,
                       StrAttr:$op_type);
  let results = (outs Variadic<AnyTensor>:$outputs, Graph_ControlType:$ctl);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
}

include "GraphOps.gen.td"

#endif // KILN_DIALECT_GRAPH_GRAPHOPS_TD
