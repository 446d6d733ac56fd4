//===- Training.cpp - Gradient kernels and optimizer updates --------------===//
//
// The ops TF's gradient subgraphs and optimizers add: the *Grad element-wise
// kernels, SoftmaxCrossEntropyWithLogits (loss and backprop), and the
// Apply* updates of ref variables. Updates are generated code: the
// variables' values are read, the new values computed by one linalg.generic
// with an output per updated variable, and assigned back.
//
//===----------------------------------------------------------------------===//
#include "Lowering.h"

#include "kiln/runtime/CompiledAbi.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/IR/AffineMap.h"

#include <limits>

using namespace mlir;
using namespace kiln;
using namespace kiln::graph;

namespace {

Value fconst(OpBuilder &b, Location l, Type t, double v) {
  return arith::ConstantOp::create(b, l, t, b.getFloatAttr(t, v));
}

/// Gradient kernels of element-wise ops: (a, b) -> dx.
LogicalResult lowerElementwiseGrad(NodeLowering &l, Operation *op) {
  FailureOr<Value> a = l.tensor(op, 0), b = l.tensor(op, 1);
  FailureOr<RankedTensorType> out = l.resultType(op, 0);
  if (failed(a) || failed(b) || failed(out))
    return failure();
  Type elem = out->getElementType();
  if (!isa<FloatType>(elem))
    return l.unsupported(op, "gradients of non-float tensors");
  StringRef t = getNodeOpType(op);
  FailureOr<Value> r = l.elementwise(
      op, {*a, *b}, *out, [&](OpBuilder &nb, Location loc, ValueRange v) {
        Value zero = fconst(nb, loc, elem, 0), one = fconst(nb, loc, elem, 1);
        if (t == "ReluGrad" || t == "Relu6Grad") {
          // (gradients, features): pass where 0 < features (< 6).
          Value pos = arith::CmpFOp::create(nb, loc, arith::CmpFPredicate::OGT,
                                            v[1], zero);
          if (t == "Relu6Grad") {
            Value below =
                arith::CmpFOp::create(nb, loc, arith::CmpFPredicate::OLT, v[1],
                                      fconst(nb, loc, elem, 6));
            pos = arith::AndIOp::create(nb, loc, pos, below);
          }
          return arith::SelectOp::create(nb, loc, pos, v[0], zero).getResult();
        }
        // (y, dy) forms.
        Value y = v[0], dy = v[1];
        if (t == "SigmoidGrad") // dy * y * (1 - y)
          return arith::MulFOp::create(nb, loc,
                                       arith::MulFOp::create(nb, loc, dy, y),
                                       arith::SubFOp::create(nb, loc, one, y))
              .getResult();
        if (t == "TanhGrad") // dy * (1 - y^2)
          return arith::MulFOp::create(
                     nb, loc, dy,
                     arith::SubFOp::create(
                         nb, loc, one, arith::MulFOp::create(nb, loc, y, y)))
              .getResult();
        if (t == "SqrtGrad") // dy * 0.5 / y
          return arith::DivFOp::create(
                     nb, loc,
                     arith::MulFOp::create(nb, loc, dy,
                                           fconst(nb, loc, elem, 0.5)),
                     y)
              .getResult();
        if (t == "RsqrtGrad") // dy * -0.5 * y^3
          return arith::MulFOp::create(
                     nb, loc,
                     arith::MulFOp::create(nb, loc, dy,
                                           fconst(nb, loc, elem, -0.5)),
                     arith::MulFOp::create(
                         nb, loc, y, arith::MulFOp::create(nb, loc, y, y)))
              .getResult();
        // ReciprocalGrad / InvGrad: -dy * y^2
        return arith::NegFOp::create(
                   nb, loc,
                   arith::MulFOp::create(nb, loc, dy,
                                         arith::MulFOp::create(nb, loc, y, y)))
            .getResult();
      });
  if (failed(r))
    return failure();
  l.setTensor(op, 0, *r);
  return success();
}

/// [B] -> [B, 1] so it broadcasts along the classes.
Value column(NodeLowering &l, Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  auto outType =
      RankedTensorType::get({t.getDimSize(0), 1}, t.getElementType());
  SmallVector<Value> sizes{l.dim(v, 0), l.index(1)};
  return reshapeTensor(l, v, outType, sizes);
}

/// The shared start of both softmax cross-entropies over logits [B, C]:
/// shifted = x - max_j x (per row) and e = exp(shifted).
LogicalResult shiftedExp(NodeLowering &l, Operation *op, Value logits,
                         Value &shifted, Value &e) {
  auto t = cast<RankedTensorType>(logits.getType());
  Type elem = t.getElementType();
  double inf = std::numeric_limits<double>::infinity();
  Value m = column(
      l,
      reduceTensor(l, logits, {1}, fconst(l.b, l.loc(), elem, -inf),
                   [](OpBuilder &b, Location loc, Value v, Value a) {
                     return arith::MaximumFOp::create(b, loc, v, a).getResult();
                   }));
  FailureOr<Value> s = l.elementwise(
      op, {logits, m}, t, [](OpBuilder &b, Location loc, ValueRange v) {
        return arith::SubFOp::create(b, loc, v[0], v[1]).getResult();
      });
  if (failed(s))
    return failure();
  FailureOr<Value> ex =
      l.elementwise(op, {*s}, t, [](OpBuilder &b, Location loc, ValueRange v) {
        return math::ExpOp::create(b, loc, v[0]).getResult();
      });
  if (failed(ex))
    return failure();
  shifted = *s;
  e = *ex;
  return success();
}

LogicalResult lowerSoftmaxCrossEntropy(NodeLowering &l, Operation *op) {
  FailureOr<Value> logits = l.tensor(op, 0), labels = l.tensor(op, 1);
  FailureOr<RankedTensorType> lossType = l.resultType(op, 0),
                              backpropType = l.resultType(op, 1);
  if (failed(logits) || failed(labels) || failed(lossType) ||
      failed(backpropType))
    return failure();
  auto t = cast<RankedTensorType>(logits->getType());
  if (t.getRank() != 2)
    return l.unsupported(op, "logits must be 2-D [batch, classes]");
  Type elem = t.getElementType();
  // shifted = x - max, sum(exp(shifted)), log-softmax = shifted - log(s)
  Value shifted, e;
  if (failed(shiftedExp(l, op, *logits, shifted, e)))
    return failure();
  Value s = column(
      l, reduceTensor(l, e, {1}, fconst(l.b, l.loc(), elem, 0),
                      [](OpBuilder &b, Location loc, Value v, Value a) {
                        return arith::AddFOp::create(b, loc, v, a).getResult();
                      }));
  // loss = sum(labels * (log(s) - shifted)) per row
  FailureOr<Value> terms = l.elementwise(
      op, {*labels, shifted, s}, t,
      [](OpBuilder &b, Location loc, ValueRange v) {
        Value nls = arith::SubFOp::create(
            b, loc, math::LogOp::create(b, loc, v[2]), v[1]);
        return arith::MulFOp::create(b, loc, v[0], nls).getResult();
      });
  if (failed(terms))
    return failure();
  Value loss =
      reduceTensor(l, *terms, {1}, fconst(l.b, l.loc(), elem, 0),
                   [](OpBuilder &b, Location loc, Value v, Value a) {
                     return arith::AddFOp::create(b, loc, v, a).getResult();
                   });
  if (loss.getType() != *lossType)
    loss = tensor::CastOp::create(l.b, l.loc(), *lossType, loss);
  // backprop = softmax - labels
  FailureOr<Value> backprop = l.elementwise(
      op, {e, s, *labels}, *backpropType,
      [](OpBuilder &b, Location loc, ValueRange v) {
        return arith::SubFOp::create(
                   b, loc, arith::DivFOp::create(b, loc, v[0], v[1]), v[2])
            .getResult();
      });
  if (failed(backprop))
    return failure();
  l.setTensor(op, 0, loss);
  l.setTensor(op, 1, *backprop);
  return success();
}

/// SparseSoftmaxCrossEntropyWithLogits(logits [B, C], labels [B] int32/64):
/// loss[b] = log(sum_j exp(x[b,j] - m[b])) - (x[b,label[b]] - m[b]) and
/// backprop = softmax(x) - one_hot(label). Labels outside [0, C) fail the
/// run with TF's InvalidArgument (checked by the runtime, which words it).
LogicalResult lowerSparseSoftmaxCrossEntropy(NodeLowering &l, Operation *op) {
  FailureOr<Value> logits = l.tensor(op, 0), labels = l.tensor(op, 1);
  FailureOr<RankedTensorType> lossType = l.resultType(op, 0),
                              backpropType = l.resultType(op, 1);
  if (failed(logits) || failed(labels) || failed(lossType) ||
      failed(backpropType))
    return failure();
  auto t = cast<RankedTensorType>(logits->getType());
  auto lt = cast<RankedTensorType>(labels->getType());
  if (t.getRank() != 2 || lt.getRank() != 1)
    return l.unsupported(op, "logits must be 2-D [batch, classes] and labels "
                             "1-D [batch]");
  if (t.isDynamicDim(1))
    return l.unsupported(op, "the number of classes must be known at "
                             "compile time");
  rt::CheckLabelsOp::create(
      l.b, l.loc(), l.frame, *labels, t.getDimSize(1),
      dtypeNumber(NodeLowering::graphElementType(getDataOperands(op)[1])));
  Type elem = t.getElementType();
  auto add = [](OpBuilder &b, Location loc, Value v, Value a) {
    return arith::AddFOp::create(b, loc, v, a).getResult();
  };
  Value shifted, e;
  if (failed(shiftedExp(l, op, *logits, shifted, e)))
    return failure();
  Value sumRow = reduceTensor(l, e, {1}, fconst(l.b, l.loc(), elem, 0), add);
  Value labelCol = column(l, *labels);
  // Whether column j is the row's label, inside a generic over [B, C].
  auto isLabel = [](OpBuilder &b, Location loc, Value label) {
    Value j = linalg::IndexOp::create(b, loc, 1);
    Value lab = arith::IndexCastOp::create(b, loc, b.getIndexType(), label);
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, j, lab);
  };
  FailureOr<Value> picked = l.elementwise(
      op, {shifted, labelCol}, t,
      [&](OpBuilder &b, Location loc, ValueRange v) {
        return arith::SelectOp::create(b, loc, isLabel(b, loc, v[1]), v[0],
                                       fconst(b, loc, elem, 0))
            .getResult();
      });
  if (failed(picked))
    return failure();
  Value pickedRow =
      reduceTensor(l, *picked, {1}, fconst(l.b, l.loc(), elem, 0), add);
  FailureOr<Value> loss = l.elementwise(
      op, {sumRow, pickedRow}, *lossType,
      [](OpBuilder &b, Location loc, ValueRange v) {
        return arith::SubFOp::create(b, loc, math::LogOp::create(b, loc, v[0]),
                                     v[1])
            .getResult();
      });
  if (failed(loss))
    return failure();
  FailureOr<Value> backprop =
      l.elementwise(op, {e, column(l, sumRow), labelCol}, *backpropType,
                    [&](OpBuilder &b, Location loc, ValueRange v) {
                      Value p = arith::DivFOp::create(b, loc, v[0], v[1]);
                      Value one = arith::SelectOp::create(
                          b, loc, isLabel(b, loc, v[2]),
                          fconst(b, loc, elem, 1), fconst(b, loc, elem, 0));
                      return arith::SubFOp::create(b, loc, p, one).getResult();
                    });
  if (failed(backprop))
    return failure();
  l.setTensor(op, 0, *loss);
  l.setTensor(op, 1, *backprop);
  return success();
}

/// The Apply* optimizers: `vars` are the ref inputs updated, `scalars` the
/// hyperparameters, then the gradient; `update` computes the new values of
/// every ref from the current values, hyperparameters and gradient.
LogicalResult
lowerApply(NodeLowering &l, Operation *op, unsigned numRefs,
           function_ref<SmallVector<Value>(OpBuilder &, Location,
                                           ValueRange refs, ValueRange rest)>
               update) {
  unsigned numInputs = getDataOperands(op).size();
  SmallVector<int64_t> slots;
  SmallVector<Value> ins;
  for (unsigned i = 0; i < numRefs; ++i) {
    FailureOr<int64_t> slot = l.slotOperand(op, i);
    if (failed(slot))
      return failure();
    slots.push_back(*slot);
  }
  for (unsigned i = 0; i < numInputs; ++i) {
    FailureOr<Value> v = l.tensor(op, i);
    if (failed(v))
      return failure();
    ins.push_back(*v);
  }
  auto varType = cast<RankedTensorType>(ins[0].getType());
  if (!isa<FloatType>(varType.getElementType()))
    return l.unsupported(op, "optimizers of non-float variables");
  // One generic with an output per ref; scalars broadcast.
  int64_t rank = varType.getRank();
  SmallVector<AffineMap> maps;
  MLIRContext *ctx = l.b.getContext();
  for (Value in : ins) {
    auto t = cast<RankedTensorType>(in.getType());
    if (t.getRank() == 0)
      maps.push_back(AffineMap::get(rank, 0, {}, ctx));
    else if (t.getRank() == rank)
      maps.push_back(l.b.getMultiDimIdentityMap(rank));
    else
      return l.unsupported(op, "hyperparameters must be scalars and the "
                               "gradient of the variable's shape");
  }
  // TF updates the refs in place: the generic writes each ref's next value
  // straight into the buffer the runtime gives it (kiln_rt.writable; the
  // inputs are the snapshots read before, in buffers of their own), so a
  // step neither allocates nor copies its variables.
  SmallVector<Value> inits, buffers;
  SmallVector<Type> outTypes;
  for (unsigned i = 0; i < numRefs; ++i) {
    auto t = cast<RankedTensorType>(ins[i].getType());
    auto bufferType = MemRefType::get(t.getShape(), t.getElementType());
    Value buffer =
        rt::WritableOp::create(l.b, l.loc(), bufferType, l.frame, slots[i]);
    buffers.push_back(buffer);
    inits.push_back(bufferization::ToTensorOp::create(
        l.b, l.loc(), t, buffer, /*restrict=*/true, /*writable=*/true));
    outTypes.push_back(t);
    maps.push_back(l.b.getMultiDimIdentityMap(rank));
  }
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      l.b, l.loc(), outTypes, ins, inits, maps, iters,
      [&](OpBuilder &b, Location loc, ValueRange args) {
        ValueRange all = args.take_front(ins.size());
        linalg::YieldOp::create(
            b, loc,
            update(b, loc, all.take_front(numRefs), all.drop_front(numRefs)));
      });
  for (unsigned i = 0; i < numRefs; ++i)
    bufferization::MaterializeInDestinationOp::create(
        l.b, l.loc(), TypeRange{}, generic.getResult(i), buffers[i],
        /*restrict=*/true, /*writable=*/true);
  l.setSlot(op, 0, slots[0]);
  return success();
}

LogicalResult lowerApplyGradientDescent(NodeLowering &l, Operation *op) {
  // var -= alpha * delta
  return lowerApply(l, op, 1,
                    [](OpBuilder &b, Location loc, ValueRange refs,
                       ValueRange rest) -> SmallVector<Value> {
                      Value step =
                          arith::MulFOp::create(b, loc, rest[0], rest[1]);
                      return {arith::SubFOp::create(b, loc, refs[0], step)};
                    });
}

LogicalResult lowerApplyMomentum(NodeLowering &l, Operation *op) {
  // accum = accum * momentum + grad; var -= lr * accum (Nesterov: var -=
  // grad * lr + accum * momentum * lr). Inputs: var, accum, lr, grad,
  // momentum.
  bool nesterov = boolAttrOf(op, "use_nesterov");
  return lowerApply(
      l, op, 2,
      [&](OpBuilder &b, Location loc, ValueRange refs,
          ValueRange rest) -> SmallVector<Value> {
        Value lr = rest[0], grad = rest[1], momentum = rest[2];
        Value accum = arith::AddFOp::create(
            b, loc, arith::MulFOp::create(b, loc, refs[1], momentum), grad);
        Value step =
            nesterov
                ? arith::AddFOp::create(
                      b, loc, arith::MulFOp::create(b, loc, grad, lr),
                      arith::MulFOp::create(
                          b, loc,
                          arith::MulFOp::create(b, loc, accum, momentum), lr))
                      .getResult()
                : arith::MulFOp::create(b, loc, lr, accum).getResult();
        return {arith::SubFOp::create(b, loc, refs[0], step), accum};
      });
}

LogicalResult lowerApplyRMSProp(NodeLowering &l, Operation *op) {
  // ms = rho*ms + (1-rho)*grad^2; mom = momentum*mom + lr*grad/sqrt(ms+eps);
  // var -= mom. Inputs: var, ms, mom, lr, rho, momentum, epsilon, grad.
  return lowerApply(
      l, op, 3,
      [](OpBuilder &b, Location loc, ValueRange refs,
         ValueRange rest) -> SmallVector<Value> {
        Value lr = rest[0], rho = rest[1], momentum = rest[2], eps = rest[3],
              grad = rest[4];
        Type t = grad.getType();
        Value one = arith::ConstantOp::create(b, loc, t, b.getFloatAttr(t, 1));
        Value ms = arith::AddFOp::create(
            b, loc, arith::MulFOp::create(b, loc, rho, refs[1]),
            arith::MulFOp::create(b, loc,
                                  arith::SubFOp::create(b, loc, one, rho),
                                  arith::MulFOp::create(b, loc, grad, grad)));
        Value mom = arith::AddFOp::create(
            b, loc, arith::MulFOp::create(b, loc, momentum, refs[2]),
            arith::DivFOp::create(
                b, loc, arith::MulFOp::create(b, loc, lr, grad),
                math::SqrtOp::create(b, loc,
                                     arith::AddFOp::create(b, loc, ms, eps))));
        return {arith::SubFOp::create(b, loc, refs[0], mom), ms, mom};
      });
}

LogicalResult lowerApplyAdam(NodeLowering &l, Operation *op) {
  // lr_t = lr*sqrt(1-beta2^t)/(1-beta1^t); m += (g-m)*(1-beta1);
  // v += (g^2-v)*(1-beta2); var -= lr_t*m/(sqrt(v)+eps) (Nesterov:
  // lr_t*(m*beta1 + (1-beta1)*g)/(sqrt(v)+eps)). Inputs: var, m, v,
  // beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad.
  bool nesterov = boolAttrOf(op, "use_nesterov");
  return lowerApply(
      l, op, 3,
      [&](OpBuilder &b, Location loc, ValueRange refs,
          ValueRange rest) -> SmallVector<Value> {
        Value b1p = rest[0], b2p = rest[1], lr = rest[2], b1 = rest[3],
              b2 = rest[4], eps = rest[5], g = rest[6];
        Type t = g.getType();
        Value one = arith::ConstantOp::create(b, loc, t, b.getFloatAttr(t, 1));
        Value lrT = arith::DivFOp::create(
            b, loc,
            arith::MulFOp::create(
                b, loc, lr,
                math::SqrtOp::create(b, loc,
                                     arith::SubFOp::create(b, loc, one, b2p))),
            arith::SubFOp::create(b, loc, one, b1p));
        Value oneMinusB1 = arith::SubFOp::create(b, loc, one, b1);
        Value m = arith::AddFOp::create(
            b, loc, refs[1],
            arith::MulFOp::create(
                b, loc, arith::SubFOp::create(b, loc, g, refs[1]), oneMinusB1));
        Value v = arith::AddFOp::create(
            b, loc, refs[2],
            arith::MulFOp::create(
                b, loc,
                arith::SubFOp::create(
                    b, loc, arith::MulFOp::create(b, loc, g, g), refs[2]),
                arith::SubFOp::create(b, loc, one, b2)));
        Value num = nesterov ? arith::AddFOp::create(
                                   b, loc, arith::MulFOp::create(b, loc, m, b1),
                                   arith::MulFOp::create(b, loc, oneMinusB1, g))
                                   .getResult()
                             : m;
        Value step = arith::DivFOp::create(
            b, loc, arith::MulFOp::create(b, loc, lrT, num),
            arith::AddFOp::create(b, loc, math::SqrtOp::create(b, loc, v),
                                  eps));
        return {arith::SubFOp::create(b, loc, refs[0], step), m, v};
      });
}

} // namespace

void kiln::populateTrainingLowerings(NodeLoweringTable &table) {
  for (const char *t : {"ReluGrad", "Relu6Grad", "SigmoidGrad", "TanhGrad",
                        "SqrtGrad", "RsqrtGrad", "ReciprocalGrad", "InvGrad"})
    table[t] = lowerElementwiseGrad;
  table["SoftmaxCrossEntropyWithLogits"] = lowerSoftmaxCrossEntropy;
  table["SparseSoftmaxCrossEntropyWithLogits"] = lowerSparseSoftmaxCrossEntropy;
  table["ApplyGradientDescent"] = lowerApplyGradientDescent;
  table["ApplyMomentum"] = lowerApplyMomentum;
  table["ApplyRMSProp"] = lowerApplyRMSProp;
  table["ApplyAdam"] = lowerApplyAdam;
}
