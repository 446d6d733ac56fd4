//===- Passes.td - Graph-level passes ----------------------*- tablegen -*-===//
#ifndef KILN_TRANSFORMS_PASSES
#define KILN_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

def GraphPrune : Pass<"graph-prune", "::kiln::graph::GraphOp"> {
  let summary = "Keep only the nodes that given fetches and targets need";
  let description = [{
    What one `Session.run(fetches, feed_dict, targets)` executes: the fetched
    tensors' and target nodes' transitive inputs, data and control (a node
    run only for its side effect, like an initializer behind `^init`, stays).
    A fed tensor is an input, not something to compute: its producer is not
    followed, and if that producer is not needed otherwise, the fed tensor is
    replaced by a `Placeholder` named `<node>/feed_<k>` of the same type (TF
    allows feeding any tensor, which cuts the graph there). Everything else
    is removed. Example: prune the S1 training graph to its prediction with
    `--graph-prune="feeds=X fetches=ArgMax"`: no gradient, optimizer or saver
    node remains.
  }];
  let options = [
    ListOption<"fetches", "fetches", "std::string",
               "tensors to compute: `node` or `node:k`">,
    ListOption<"targets", "targets", "std::string",
               "nodes to run for their effect (e.g. `init`, `train_op`)">,
    ListOption<"feeds", "feeds", "std::string",
               "tensors the caller provides: `node` or `node:k`">,
  ];
}

def GraphDeadNodeElimination : Pass<"graph-dce", "::kiln::graph::GraphOp"> {
  let summary = "Remove side-effect-free nodes whose outputs nobody uses";
  let description = [{
    Repeatedly removes nodes that are pure per their OpDef (no state, no
    reference inputs) and whose data and control outputs have no uses.
    Nodes without data outputs (NoOp groups such as `init`) exist to be run
    as targets and are kept, as are stateful nodes (variables, queues,
    savers, random ops) and every node the
    MetaGraphDef names (SaverDef tensors, collections such as `train_op`,
    signature inputs and outputs) or `keep` lists are kept, since a later
    `Session.run` may ask for them by name. Other unused nodes go, leaves
    included: list the fetches of a plain GraphDef in `keep`.
  }];
  let options = [
    ListOption<"keep", "keep", "std::string", "names of nodes to keep (fetches)">,
  ];
}

def GraphCleanup : Pass<"graph-cleanup", "::kiln::graph::GraphOp"> {
  let summary = "Bypass Identity nodes and dissolve NoOp control hubs";
  let description = [{
    An `Identity` whose output has the same type as its input (not the
    ref-to-value read of a variable) and that has no control inputs is
    bypassed: its consumers read its input, and whoever waited on it (`^id`)
    waits on the input's producer instead. A `NoOp` is dissolved: nodes that
    waited on it wait on each of its control inputs directly. Neither ever
    drops a control dependency. Only interior nodes are touched: a node
    nobody consumes is what a run fetches or targets. Nodes the MetaGraphDef
    names (`init`, `save/restore_all`, `train_op`, ...) and nodes listed in
    `keep` (other fetches) stay too.
  }];
  let options = [
    ListOption<"keep", "keep", "std::string",
               "names of nodes to keep (fetches and targets of later runs)">,
  ];
}

def GraphCSE : Pass<"graph-cse", "::kiln::graph::GraphOp"> {
  let summary = "Merge identical side-effect-free nodes";
  let description = [{
    Two pure nodes (per their OpDef) of the same op type, device, attrs and
    inputs (data and control, in order) compute the same value: the later
    one's uses move to the earlier one and it is removed. Names, `_output_shapes`
    and `_class` do not make nodes different. Stateful nodes (random ops,
    variables, queues) and nodes the MetaGraphDef or `keep` names are never
    merged away.
  }];
  let options = [
    ListOption<"keep", "keep", "std::string", "names of nodes to keep">,
  ];
}

def GraphConstantFold : Pass<"graph-constant-fold", "::kiln::graph::GraphOp"> {
  let summary = "Evaluate pure nodes whose inputs are all constants";
  let description = [{
    Replaces a pure node whose data inputs are all `Const` (and that has no
    control inputs) by a `Const` of the same name and device holding its
    value, computed with TF's semantics: element-wise arithmetic with numpy
    broadcasting, comparisons, `Cast`, `Reshape`, `Fill`, `Identity`,
    `ZerosLike`/`OnesLike`, reductions (`Sum`/`Prod`/`Max`/`Min`/`Mean`),
    `Pack`, `ConcatV2`, `Slice`, `ExpandDims`/`Squeeze`,
    `BroadcastGradientArgs` (both outputs), and `Shape`/`Size`/`Rank` of any
    statically shaped input: the shape arithmetic of gradient graphs folds
    away once the batch size is known. Integer division by zero and results over `max-elements` are left
    for run time. Inputs that become unused are left for `graph-dce`.
  }];
  let options = [
    Option<"maxElements", "max-elements", "int64_t", "10000000",
           "largest result, in elements, to materialize">,
  ];
}

def GraphInferShapes : Pass<"graph-infer-shapes", "::kiln::graph::GraphOp"> {
  let summary = "Static shape inference, checked against _output_shapes";
  let description = [{
    Refines result shapes from the inputs' shapes, attrs and constant inputs
    (MatMul, element-wise broadcasting, reductions, Reshape, ExpandDims,
    Squeeze, Fill, Tile, ConcatV2, Pack, Transpose, Shape, ArgMax, Softmax
    and its cross-entropy, random ops, variables, Assign and optimizer
    updates, queue dequeues with declared shapes, ...), iterating to a fixed
    point. A shape that contradicts the one already known (from
    `_output_shapes` or an earlier result) is an error naming the node, as
    are incompatible inputs (MatMul inner dimensions, broadcasting).
  }];
}

def GraphSessionForm : Pass<"graph-session-form", "::mlir::ModuleOp"> {
  let summary = "Turn a graph into one function per Session.run signature";
  let description = [{
    The compiled equivalent of a session: shapes are inferred over the whole
    graph, its resource nodes (variables, queues, readers, random ops) are
    named in the module attribute `graph.resources` (slot i is the i-th
    name), and each signature `NAME: feed=a,b fetch=c:0 target=init` becomes
    `func.func @NAME` whose arguments are the fed tensors and whose results
    are the fetched ones, holding the nodes that run executes in a
    topological order of their data and control edges (a fed tensor cuts
    the graph there, as TF allows feeding any tensor). The graph op is then
    removed. Errors use TensorFlow's wording and codes: an unknown fetch is
    `NotFound: FetchOutputs node x: not found`, an unfed placeholder
    `InvalidArgument: You must feed a value for placeholder tensor ...`.
    Signatures come from `signatures`, from a `config` file, and with
    `from-meta` from the MetaGraphDef: `init_all_variables` (each variable's
    initializer), `save`/`restore` (SaverDef), one per queue-runner op, and
    `train_op`.
  }];
  let options = [
    Option<"signatures", "signatures", "std::string", "",
           "signatures separated by ';', each `[NAME:] feed=.. fetch=.. "
           "target=..`">,
    Option<"config", "config", "std::string", "",
           "a file of signatures, one per line ('#' comments)">,
    Option<"fromMeta", "from-meta", "bool", "false",
           "add the MetaGraphDef's standard signatures: init_all_variables, "
           "save, restore, each queue runner's ops, train_op">,
  ];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

#endif // KILN_TRANSFORMS_PASSES
