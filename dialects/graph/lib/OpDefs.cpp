//===- OpDefs.cpp - TensorFlow OpDef table of the graph dialect -----------===//
#include "kiln/Dialect/Graph/OpDefs.h"

#include <algorithm>
#include <cstring>

namespace kiln {
namespace graph {

#include "kiln/Dialect/Graph/GraphOpDefs.inc"

const AttrDefInfo *OpDefInfo::findAttr(llvm::StringRef attrName) const {
  for (const AttrDefInfo &a : getAttrs())
    if (attrName == a.name)
      return &a;
  return nullptr;
}

llvm::ArrayRef<OpDefInfo> allOpDefs() { return kOpDefs; }

const OpDefInfo *lookupOpDef(llvm::StringRef opType) {
  // The generator sorts the table by name.
  auto it = std::lower_bound(
      std::begin(kOpDefs), std::end(kOpDefs), opType,
      [](const OpDefInfo &d, llvm::StringRef n) { return n > d.name; });
  if (it != std::end(kOpDefs) && opType == it->name)
    return it;
  return nullptr;
}

} // namespace graph
} // namespace kiln
