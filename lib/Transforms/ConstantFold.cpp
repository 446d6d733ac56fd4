//===- ConstantFold.cpp - Evaluate pure nodes on constant inputs ----------===//
//
// A driver over the op rule table (kiln/Transforms/OpRules.h): a pure node
// without control inputs whose op type has a folder is evaluated when the
// folder can (usually: when its inputs are constants) and replaced by Const
// nodes, one per data result, the first keeping the node's name. Folders
// compute in double or int64; the values are rounded to the result type
// here.
//
//===----------------------------------------------------------------------===//
#include "kiln/Transforms/OpRules.h"
#include "kiln/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/APFloat.h"

#include <cmath>

namespace kiln {
#define GEN_PASS_DEF_GRAPHCONSTANTFOLD
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::graph;

namespace {

/// Builds the elements attr of `type` (ranked, static) from values.
Attribute buildAttr(RankedTensorType type, const ConstTensor &v) {
  Type elem = type.getElementType();
  if (auto ft = dyn_cast<FloatType>(elem)) {
    SmallVector<APFloat> vals;
    for (double d :
         v.isFloat ? v.f : std::vector<double>(v.i.begin(), v.i.end())) {
      APFloat x(d);
      bool lost;
      x.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      vals.push_back(x);
    }
    return DenseElementsAttr::get(type, vals);
  }
  auto it = cast<IntegerType>(elem);
  SmallVector<APInt> vals;
  for (size_t k = 0; k < size_t(v.size()); ++k) {
    int64_t x = v.isFloat ? int64_t(std::trunc(v.f[k])) : v.i[k];
    if (it.getWidth() == 1)
      x = x != 0;
    vals.push_back(APInt(it.getWidth(), uint64_t(x), !it.isUnsigned()));
  }
  return DenseElementsAttr::get(type, vals);
}

struct ConstantFolder {
  int64_t maxElements;
  const OpRuleTable &table = defaultOpRules();

  /// One sweep over `block`; true when something was folded.
  bool sweep(Block &block) {
    bool changed = false;
    SmallVector<Operation *> nodes;
    for (Operation &op : block)
      if (isNode(&op))
        nodes.push_back(&op);
    for (Operation *op : nodes) {
      const OpDefInfo *def = getNodeOpDef(op);
      if (!def || !def->isPure() || isa<ConstOp>(op) ||
          !getControlOperands(op).empty())
        continue;
      ResultRange results = getDataResults(op);
      if (results.empty() || llvm::any_of(results, [](Value r) {
            return !isa<FloatType, IntegerType>(
                cast<TensorType>(r.getType()).getElementType());
          }))
        continue;
      const OpRules *rules = table.lookup(getNodeOpType(op));
      if (!rules || !rules->fold)
        continue;
      FoldResult vs = rules->fold(FoldContext(op, maxElements));
      if (!vs || vs->size() != results.size() ||
          llvm::any_of(*vs, [&](const ConstTensor &v) {
            return v.size() > maxElements;
          }))
        continue;
      SmallVector<RankedTensorType> types;
      bool fits = true;
      for (auto [k, v] : llvm::enumerate(*vs)) {
        auto resultType = cast<TensorType>(results[k].getType());
        auto type = RankedTensorType::get(v.shape, resultType.getElementType());
        if (auto ranked = dyn_cast<RankedTensorType>(resultType))
          if (failed(verifyCompatibleShape(ranked.getShape(), type.getShape())))
            fits = false; // leave contradictions for shape inference to report
        types.push_back(type);
      }
      if (!fits)
        continue;
      OpBuilder b(op);
      for (auto [k, v] : llvm::enumerate(*vs)) {
        auto c = ConstOp::create(
            b, op->getLoc(),
            TypeRange{types[k], ControlType::get(op->getContext())},
            ValueRange{});
        std::string name = getNodeName(op).str();
        if (k > 0)
          name += "/folded_" + std::to_string(k);
        c->setAttr("name", b.getStringAttr(name));
        if (Attribute dev = op->getAttr("device"))
          c->setAttr("device", dev);
        c->setAttr("dtype", TypeAttr::get(types[k].getElementType()));
        c->setAttr("value", buildAttr(types[k], v));
        results[k].replaceAllUsesWith(c.getResult(0));
        if (k == 0)
          getControlResult(op).replaceAllUsesWith(getControlResult(c));
      }
      op->erase();
      changed = true;
    }
    return changed;
  }
};

} // namespace

bool kiln::foldConstants(Block &block, int64_t maxElements) {
  ConstantFolder folder{maxElements};
  bool any = false;
  while (folder.sweep(block))
    any = true;
  return any;
}

namespace {
struct GraphConstantFoldPass
    : kiln::impl::GraphConstantFoldBase<GraphConstantFoldPass> {
  using GraphConstantFoldBase::GraphConstantFoldBase;

  void runOnOperation() override {
    kiln::foldConstants(getOperation().getBlock(), maxElements);
  }
};

} // namespace
