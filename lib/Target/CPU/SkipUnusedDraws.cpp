//===- SkipUnusedDraws.cpp - Random draws no value of which matters -------===//
//
// TF1's dropout is `x / keep * floor(keep + u)` with u uniform in [0, 1).
// At keep_prob 1 (inference, evaluation) floor(1 + u) is 1 for every u the
// generator can produce, so the draw (Philox for every element of the
// layer) changes nothing; but the graph still draws, and the generator's
// state must still advance as TensorFlow's does.
//
// This pass proves it per draw rather than matching dropout's shape: for a
// uniform f32 `kiln_rt.random` read by one elementwise `linalg.generic`
// (other uses only ask for its dims), it evaluates the generic's body over
// intervals, u in [0, 1 - 2^-23] (the values the runtime's uniform floats take)
// and a scalar input fixed to 1.0, with f32 rounding at the interval's ends
// (addf, subf, mulf, negf and floor are monotone in each operand). When
// every path from u to the yielded values goes through a floor whose
// operand's interval lies within one integer step, the result does not
// depend on u while that scalar is 1: the draw gets `skip if scalar == 1`,
// and the runtime then advances the generator and returns zeros (0 is a
// value u takes, so the generic computes exactly what it would have).
//
//===----------------------------------------------------------------------===//
#include "kiln/Target/CPU/CPUPipeline.h"

#include "kiln/Dialect/Rt/RtDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/Matchers.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace kiln {
#define GEN_PASS_DEF_CPUSKIPUNUSEDDRAWS
#include "kiln/Target/CPU/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// A closed f32 interval.
struct Interval {
  float lo, hi;
};

/// TF's uniform float is (23 random mantissa bits as [1, 2)) - 1.
constexpr float kUniformMax = 1.0f - 0x1p-23f;

std::optional<Interval> checked(float lo, float hi) {
  if (std::isnan(lo) || std::isnan(hi) || std::isinf(lo) || std::isinf(hi))
    return std::nullopt;
  return Interval{lo, hi};
}

/// The interval of `op`'s result from its operands' (f32 arithmetic, so
/// each end rounds as the generated code does).
std::optional<Interval> evaluate(Operation *op, ArrayRef<Interval> in) {
  if (isa<arith::AddFOp>(op))
    return checked(in[0].lo + in[1].lo, in[0].hi + in[1].hi);
  if (isa<arith::SubFOp>(op))
    return checked(in[0].lo - in[1].hi, in[0].hi - in[1].lo);
  if (isa<arith::NegFOp>(op))
    return checked(-in[0].hi, -in[0].lo);
  if (isa<math::FloorOp>(op))
    return checked(std::floor(in[0].lo), std::floor(in[0].hi));
  if (isa<arith::MulFOp>(op)) {
    float p[] = {in[0].lo * in[1].lo, in[0].lo * in[1].hi, in[0].hi * in[1].lo,
                 in[0].hi * in[1].hi};
    return checked(*std::min_element(p, p + 4), *std::max_element(p, p + 4));
  }
  return std::nullopt;
}

/// Whether no value `body` yields depends on `u` (in [0, kUniformMax])
/// when `fixed` is 1.0.
bool independentOf(Block &body, BlockArgument u, BlockArgument fixed) {
  DenseMap<Value, Interval> known;
  DenseSet<Value> dependent;
  known[u] = {0.0f, kUniformMax};
  known[fixed] = {1.0f, 1.0f};
  dependent.insert(u);
  auto intervalOf = [&](Value v) -> std::optional<Interval> {
    if (auto it = known.find(v); it != known.end())
      return it->second;
    FloatAttr c;
    if (matchPattern(v, m_Constant(&c)) && c.getType().isF32()) {
      float f = c.getValue().convertToFloat();
      return checked(f, f);
    }
    return std::nullopt;
  };
  for (Operation &op : body.without_terminator()) {
    bool depends = llvm::any_of(op.getOperands(),
                                [&](Value v) { return dependent.contains(v); });
    SmallVector<Interval> in;
    for (Value v : op.getOperands())
      if (std::optional<Interval> i = intervalOf(v))
        in.push_back(*i);
    std::optional<Interval> out;
    if (op.getNumResults() == 1 && in.size() == op.getNumOperands() &&
        op.getResult(0).getType().isF32())
      out = evaluate(&op, in);
    if (out)
      known[op.getResult(0)] = *out;
    // A value that is the same for every u no longer depends on it (not a
    // zero: +0 and -0 have the same interval and differ).
    if (depends && !(out && out->lo == out->hi && out->lo != 0.0f))
      for (Value r : op.getResults())
        dependent.insert(r);
  }
  return llvm::none_of(body.getTerminator()->getOperands(),
                       [&](Value v) { return dependent.contains(v); });
}

/// The 0-d tensor fed to `g` as a scalar (indexing map with no results)
/// whose value 1.0 makes `g` independent of its input `draw`.
Value condition(linalg::GenericOp g, OpOperand &draw) {
  Block &body = *g.getBody();
  BlockArgument u = g.getMatchingBlockArgument(&draw);
  for (OpOperand *in : g.getDpsInputOperands()) {
    auto type = dyn_cast<RankedTensorType>(in->get().getType());
    if (in == &draw || !type || type.getRank() != 0 ||
        !type.getElementType().isF32() ||
        g.getMatchingIndexingMap(in).getNumResults() != 0)
      continue;
    if (independentOf(body, u, g.getMatchingBlockArgument(in)))
      return in->get();
  }
  return {};
}

struct CpuSkipUnusedDrawsPass
    : kiln::impl::CpuSkipUnusedDrawsBase<CpuSkipUnusedDrawsPass> {
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    DominanceInfo dom(fn);
    OpBuilder b(&getContext());
    fn.walk([&](kiln::rt::RandomOp draw) {
      // Uniform f32 (dist 0, DT_FLOAT) read by one elementwise loop (and
      // asked for its dims, which do not read values).
      auto type = dyn_cast<RankedTensorType>(draw.getResult().getType());
      if (draw.getSkip() || draw.getDist() != 0 || !type ||
          !type.getElementType().isF32())
        return;
      OpOperand *read = nullptr;
      for (OpOperand &use : draw.getResult().getUses()) {
        if (isa<tensor::DimOp>(use.getOwner()))
          continue;
        if (read)
          return;
        read = &use;
      }
      auto g = read ? dyn_cast<linalg::GenericOp>(read->getOwner())
                    : linalg::GenericOp();
      if (!g || !g.isDpsInput(read) ||
          g.getNumParallelLoops() != g.getNumLoops())
        return;
      Value scalar = condition(g, *read);
      if (!scalar || !dom.properlyDominates(scalar, draw))
        return;
      b.setInsertionPoint(draw);
      Location loc = draw.getLoc();
      Value v = tensor::ExtractOp::create(b, loc, scalar, ValueRange{});
      Value one = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(1.0f));
      Value skip =
          arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, v, one);
      draw.getSkipMutable().assign(skip);
    });
  }
};

} // namespace
