//===- GeneralKernels.cpp - Shape ops, Assert, CountUpTo, RandomShuffle ---===//
//
// The host kernels that are not about input: shape ops on any dtype (strings
// included), Assert, CountUpTo and RandomShuffle. The readers, Example
// parsing and DecodeRaw are in IoKernels.cpp.
//
//===----------------------------------------------------------------------===//
#include "BuiltinKernels.h"

#include "kiln/runtime/Philox.h"
#include "kiln/runtime/SessionState.h"

#include <utility>
#include <vector>

using namespace kiln;

namespace {

using KernelOr = StatusOr<std::unique_ptr<HostKernel>>;

/// Assert(condition, data...): InvalidArgument "assertion failed: [d0]
/// [d1]..." when the scalar condition is false.
class AssertKernel : public HostKernel {
public:
  explicit AssertKernel(int64_t summarize) : summarize_(summarize) {}
  Status compute(KernelContext &ctx) override {
    const Tensor &cond = ctx.input(0);
    if (cond.shape().rank() != 0)
      return errors::InvalidArgument(
          "In[0] expects a scalar predicate but got shape ",
          cond.shape().toString(), " (node '", ctx.node().name(), "')");
    if (cond.dtype() != DType::kBool)
      return errors::InvalidArgument("Assert condition must be bool");
    if (cond.data<bool>()[0])
      return Status::OK();
    std::string msg = "assertion failed: ";
    for (size_t i = 1; i < ctx.numInputs(); ++i) {
      msg += "[" + summarizeValue(ctx.input(i), summarize_) + "]";
      if (i + 1 < ctx.numInputs())
        msg += " ";
    }
    return errors::InvalidArgument(msg);
  }

private:
  int64_t summarize_;
};

/// CountUpTo(ref, limit): the variable's value before incrementing it;
/// OutOfRange "Reached limit of <limit>" once it has reached the limit.
class CountUpToKernel : public HostKernel {
public:
  explicit CountUpToKernel(int64_t limit) : limit_(limit) {}
  Status compute(KernelContext &ctx) override {
    StatusOr<Variable *> var = ctx.resource<Variable>(0);
    if (!var.ok())
      return var.status();
    Tensor before;
    Status st = (*var)->update([&](Tensor &value) -> Status {
      if (value.shape().rank() != 0)
        return errors::InvalidArgument("input is not a scalar: ",
                                       value.shape().toString());
      if (value.dtype() == DType::kInt32)
        return step<int32_t>(value, &before);
      if (value.dtype() == DType::kInt64)
        return step<int64_t>(value, &before);
      return errors::InvalidArgument("CountUpTo needs an int32 or int64 "
                                     "variable, not ",
                                     dtypeName(value.dtype()));
    });
    if (!st.ok())
      return st;
    ctx.setOutput(0, std::move(before));
    return Status::OK();
  }

private:
  template <typename T> Status step(Tensor &value, Tensor *before) {
    T v = value.data<T>()[0];
    if (v >= limit_)
      return errors::OutOfRange("Reached limit of ", limit_);
    *before = Tensor::scalar<T>(v);
    value.data<T>()[0] = v + 1;
    return Status::OK();
  }
  int64_t limit_;
};

/// RandomShuffle(value): a random permutation along dimension 0, drawn
/// from the node's Philox stream as TF does (one 32-bit sample per
/// position from the end, `sample % (i + 1)`).
class RandomShuffleKernel : public HostKernel {
public:
  Status compute(KernelContext &ctx) override {
    const Tensor &in = ctx.input(0);
    auto *state = static_cast<RandomState *>(ctx.ownState());
    if (!state)
      return errors::Internal("RandomShuffle ", ctx.node().name(),
                              " has no generator");
    if (in.shape().rank() == 0 || in.numElements() <= 1 ||
        in.shape().dim(0) <= 1) {
      ctx.setOutput(0, in.deepCopy());
      return Status::OK();
    }
    int64_t n = in.shape().dim(0);
    uint64_t samples = static_cast<uint64_t>(n - 1);
    random::PhiloxRandom gen = state->reserve((samples + 3) / 4, 1);
    random::SingleSampleAdapter single(&gen);
    std::vector<int64_t> perm(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
      perm[static_cast<size_t>(i)] = i;
    for (int64_t i = n - 1; i > 0; --i) {
      int64_t j = single() % static_cast<uint32_t>(i + 1);
      std::swap(perm[static_cast<size_t>(i)], perm[static_cast<size_t>(j)]);
    }
    Tensor out(in.dtype(), in.shape());
    int64_t row = in.numElements() / n;
    for (int64_t i = 0; i < n; ++i)
      out.copyElements(i * row, in, perm[static_cast<size_t>(i)] * row, row);
    ctx.setOutput(0, std::move(out));
    return Status::OK();
  }
};

//===--- Shape ops on any dtype (strings included) ------------------------===//

/// The integer values of an int32/int64 input.
StatusOr<std::vector<int64_t>> intsOf(const Tensor &t, const char *what) {
  std::vector<int64_t> out;
  if (t.dtype() == DType::kInt32)
    out.assign(t.data<int32_t>(), t.data<int32_t>() + t.numElements());
  else if (t.dtype() == DType::kInt64)
    out.assign(t.data<int64_t>(), t.data<int64_t>() + t.numElements());
  else
    return errors::InvalidArgument(what, " must be int32 or int64, not ",
                                   dtypeName(t.dtype()));
  return out;
}

Status reshapeKernel(KernelContext &ctx) {
  const Tensor &in = ctx.input(0);
  StatusOr<std::vector<int64_t>> dims = intsOf(ctx.input(1), "shape");
  if (!dims.ok())
    return dims.status();
  int64_t known = 1, unknown = -1;
  for (size_t i = 0; i < dims->size(); ++i) {
    int64_t d = (*dims)[i];
    if (d == -1) {
      if (unknown >= 0)
        return errors::InvalidArgument("Only one input size may be -1, not "
                                       "both ",
                                       unknown, " and ", i);
      unknown = static_cast<int64_t>(i);
    } else if (d < 0) {
      return errors::InvalidArgument("Size ", i, " must be non-negative, not ",
                                     d);
    } else {
      known *= d;
    }
  }
  if (unknown >= 0) {
    if (known == 0 || in.numElements() % known != 0)
      return errors::InvalidArgument(
          "Input to reshape is a tensor with ", in.numElements(),
          " values, but the requested shape requires a multiple of ", known);
    (*dims)[static_cast<size_t>(unknown)] = in.numElements() / known;
  } else if (known != in.numElements()) {
    return errors::InvalidArgument(
        "Input to reshape is a tensor with ", in.numElements(),
        " values, but the requested shape has ", known);
  }
  StatusOr<Tensor> out = in.reshaped(TensorShape(*dims));
  if (!out.ok())
    return out.status();
  ctx.setOutput(0, std::move(*out));
  return Status::OK();
}

Status expandDimsKernel(KernelContext &ctx) {
  const Tensor &in = ctx.input(0);
  StatusOr<std::vector<int64_t>> dim = intsOf(ctx.input(1), "dim");
  if (!dim.ok())
    return dim.status();
  if (dim->size() != 1)
    return errors::InvalidArgument("'dim' must be a tensor with a single "
                                   "value");
  int64_t rank = in.shape().rank();
  int64_t d = (*dim)[0];
  if (d < -1 - rank || d > rank)
    return errors::InvalidArgument("Tried to expand dim index ", d,
                                   " for tensor with ", rank, " dimensions.");
  if (d < 0)
    d += rank + 1;
  std::vector<int64_t> dims = in.shape().dims();
  dims.insert(dims.begin() + d, 1);
  StatusOr<Tensor> out = in.reshaped(TensorShape(dims));
  if (!out.ok())
    return out.status();
  ctx.setOutput(0, std::move(*out));
  return Status::OK();
}

KernelOr squeezeKernel(const NodeAttrs &n) {
  StatusOr<std::vector<int64_t>> axes =
      n.has("squeeze_dims")
          ? n.getIntList("squeeze_dims")
          : StatusOr<std::vector<int64_t>>(std::vector<int64_t>());
  if (!axes.ok())
    return axes.status();
  std::vector<int64_t> squeeze = *axes;
  return kernelOf([squeeze](KernelContext &ctx) -> Status {
    const Tensor &in = ctx.input(0);
    int64_t rank = in.shape().rank();
    std::vector<bool> drop(static_cast<size_t>(rank), false);
    for (int64_t a : squeeze) {
      if (a < -rank || a >= rank)
        return errors::InvalidArgument("Tried to squeeze dim index ", a,
                                       " for tensor with ", rank,
                                       " dimensions.");
      drop[static_cast<size_t>(a < 0 ? a + rank : a)] = true;
    }
    std::vector<int64_t> dims;
    for (int64_t i = 0; i < rank; ++i) {
      int64_t d = in.shape().dim(static_cast<int>(i));
      bool wanted = drop[static_cast<size_t>(i)];
      if (wanted && d != 1)
        return errors::InvalidArgument("Can not squeeze dim[", i,
                                       "], expected a dimension of 1, got ", d);
      if (squeeze.empty() ? d != 1 : !wanted)
        dims.push_back(d);
    }
    StatusOr<Tensor> out = in.reshaped(TensorShape(dims));
    if (!out.ok())
      return out.status();
    ctx.setOutput(0, std::move(*out));
    return Status::OK();
  })(n);
}

KernelOr packKernel(const NodeAttrs &n) {
  StatusOr<int64_t> axisAttr = n.getInt("axis", 0);
  if (!axisAttr.ok())
    return axisAttr.status();
  int64_t axis0 = *axisAttr;
  return kernelOf([axis0](KernelContext &ctx) -> Status {
    const Tensor &first = ctx.input(0);
    for (size_t i = 1; i < ctx.numInputs(); ++i)
      if (ctx.input(i).shape().dims() != first.shape().dims())
        return errors::InvalidArgument(
            "Shapes of all inputs must match: values[0].shape = ",
            first.shape().toString(), " != values[", i,
            "].shape = ", ctx.input(i).shape().toString());
    int64_t rank = first.shape().rank();
    int64_t axis = axis0 < 0 ? axis0 + rank + 1 : axis0;
    if (axis < 0 || axis > rank)
      return errors::InvalidArgument("axis = ", axis0, " not in [", -rank - 1,
                                     ", ", rank + 1, ")");
    std::vector<int64_t> dims = first.shape().dims();
    int64_t n = static_cast<int64_t>(ctx.numInputs());
    dims.insert(dims.begin() + axis, n);
    Tensor out(first.dtype(), TensorShape(dims));
    // Each input is `outer` blocks of `inner` elements.
    int64_t inner = 1;
    for (int64_t i = axis; i < rank; ++i)
      inner *= first.shape().dim(static_cast<int>(i));
    int64_t outer = inner == 0 ? 0 : first.numElements() / inner;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t k = 0; k < n; ++k)
        out.copyElements((o * n + k) * inner, ctx.input(size_t(k)), o * inner,
                         inner);
    ctx.setOutput(0, std::move(out));
    return Status::OK();
  })(n);
}

Status concatKernel(KernelContext &ctx) {
  size_t n = ctx.numInputs() - 1;
  StatusOr<std::vector<int64_t>> axisV = intsOf(ctx.input(n), "axis");
  if (!axisV.ok())
    return axisV.status();
  const Tensor &first = ctx.input(0);
  int64_t rank = first.shape().rank();
  int64_t axis = axisV->empty() ? 0 : (*axisV)[0];
  if (axis < -rank || axis >= rank)
    return errors::InvalidArgument(
        "ConcatOp : Expected concatenating dimensions in the range [", -rank,
        ", ", rank, "), but got ", axis);
  if (axis < 0)
    axis += rank;
  std::vector<int64_t> dims = first.shape().dims();
  dims[static_cast<size_t>(axis)] = 0;
  for (size_t i = 0; i < n; ++i) {
    const TensorShape &s = ctx.input(i).shape();
    bool match = s.rank() == rank;
    for (int64_t d = 0; match && d < rank; ++d)
      match = d == axis || s.dim(int(d)) == first.shape().dim(int(d));
    if (!match)
      return errors::InvalidArgument(
          "ConcatOp : Dimensions of inputs should match: shape[0] = ",
          first.shape().toString(), " vs. shape[", i, "] = ", s.toString());
    dims[static_cast<size_t>(axis)] += s.dim(static_cast<int>(axis));
  }
  Tensor out(first.dtype(), TensorShape(dims));
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= first.shape().dim(static_cast<int>(d));
  int64_t pos = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (size_t i = 0; i < n; ++i) {
      const Tensor &t = ctx.input(i);
      int64_t chunk = outer == 0 ? 0 : t.numElements() / outer;
      out.copyElements(pos, t, o * chunk, chunk);
      pos += chunk;
    }
  ctx.setOutput(0, std::move(out));
  return Status::OK();
}

/// Shape / Size / Rank with out_type int32 (default) or int64.
KernelOr shapeKernel(const NodeAttrs &n) {
  StatusOr<DType> outType = n.has("out_type") ? n.getType("out_type")
                                              : StatusOr<DType>(DType::kInt32);
  if (!outType.ok())
    return outType.status();
  DType type = *outType;
  std::string op = n.op();
  return kernelOf([type, op](KernelContext &ctx) -> Status {
    const TensorShape &s = ctx.input(0).shape();
    std::vector<int64_t> values;
    if (op == "Shape")
      values = s.dims();
    else
      values.push_back(op == "Size" ? s.numElements() : s.rank());
    TensorShape shape = op == "Shape"
                            ? TensorShape{static_cast<int64_t>(values.size())}
                            : TensorShape{};
    Tensor out(type, shape);
    for (size_t i = 0; i < values.size(); ++i) {
      if (type == DType::kInt64)
        out.data<int64_t>()[i] = values[i];
      else
        out.data<int32_t>()[i] = static_cast<int32_t>(values[i]);
    }
    ctx.setOutput(0, std::move(out));
    return Status::OK();
  })(n);
}

} // namespace

void kiln::addGeneralKernels(HostKernelTable &table) {
  table["Reshape"] = kernelOf(reshapeKernel);
  table["ExpandDims"] = kernelOf(expandDimsKernel);
  table["Squeeze"] = squeezeKernel;
  table["Pack"] = packKernel;
  table["ConcatV2"] = kernelOf(concatKernel);
  for (const char *t : {"Shape", "Size", "Rank"})
    table[t] = shapeKernel;
  table["Assert"] =
      [](const NodeAttrs &n) -> StatusOr<std::unique_ptr<HostKernel>> {
    StatusOr<int64_t> summarize = n.getInt("summarize", 3);
    if (!summarize.ok())
      return summarize.status();
    return std::unique_ptr<HostKernel>(new AssertKernel(*summarize));
  };
  table["CountUpTo"] =
      [](const NodeAttrs &n) -> StatusOr<std::unique_ptr<HostKernel>> {
    StatusOr<int64_t> limit = n.getInt("limit");
    if (!limit.ok())
      return limit.status();
    return std::unique_ptr<HostKernel>(new CountUpToKernel(*limit));
  };
  table["RandomShuffle"] =
      [](const NodeAttrs &) -> StatusOr<std::unique_ptr<HostKernel>> {
    return std::unique_ptr<HostKernel>(new RandomShuffleKernel);
  };
}
