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
    signature inputs and outputs) are kept, since a later `Session.run` may
    ask for them by name.
  }];
}

#endif // KILN_TRANSFORMS_PASSES
