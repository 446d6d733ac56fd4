//===- GraphOps.cpp - Generated op definitions of the graph dialect -------===//
//
// Only the ODS-generated op classes live here: the translation unit is large
// (one class per TF op type) and changes only when the op table does.
//
//===----------------------------------------------------------------------===//
#include "kiln/Dialect/Graph/GraphDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"

using namespace mlir;
using namespace kiln::graph;

#define GET_OP_CLASSES
#include "kiln/Dialect/Graph/GraphOps.cpp.inc"
