//===- HostKernels.cpp - The kernel table and the general kernels ---------===//
//
// Assert, CountUpTo and RandomShuffle here; the readers, Example parsing and
// DecodeRaw in IoKernels.cpp.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/HostKernel.h"
#include "kiln/runtime/Philox.h"
#include "kiln/runtime/Session.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <sstream>

using namespace kiln;

namespace kiln {
using HostKernelTable = std::map<std::string, HostKernelFactory>;
void addIoKernels(HostKernelTable &table);
} // namespace kiln

static_assert(ResourceKindOf<Variable>::value ==
                  static_cast<int>(ResourceSpec::Kind::kVariable),
              "ResourceKindOf out of step with ResourceSpec::Kind");
static_assert(ResourceKindOf<Queue>::value ==
                  static_cast<int>(ResourceSpec::Kind::kQueue),
              "ResourceKindOf out of step with ResourceSpec::Kind");
static_assert(ResourceKindOf<ReaderBase>::value ==
                  static_cast<int>(ResourceSpec::Kind::kReader),
              "ResourceKindOf out of step with ResourceSpec::Kind");

namespace {

void addGeneralKernels(HostKernelTable &table);

struct Registry {
  std::mutex mu;
  HostKernelTable factories;
};

Registry &registry() {
  // Built on first use (not by static constructors, which a static library
  // may drop), and never destroyed: kernels may run during exit.
  static Registry *r = [] {
    auto *reg = new Registry;
    addGeneralKernels(reg->factories);
    addIoKernels(reg->factories);
    return reg;
  }();
  return *r;
}

const char *kindName(int kind) {
  switch (static_cast<ResourceSpec::Kind>(kind)) {
  case ResourceSpec::Kind::kVariable:
    return "a variable";
  case ResourceSpec::Kind::kQueue:
    return "a queue";
  case ResourceSpec::Kind::kRandom:
    return "a random generator";
  case ResourceSpec::Kind::kReader:
    return "a reader";
  }
  return "a resource";
}

} // namespace

void kiln::registerHostKernel(const std::string &opType,
                              HostKernelFactory factory) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.factories[opType] = std::move(factory);
}

const HostKernelFactory *kiln::findHostKernel(const std::string &opType) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.factories.find(opType);
  // Entries are never erased (only replaced in place), so the pointer
  // stays valid.
  return it == r.factories.end() ? nullptr : &it->second;
}

std::vector<std::string> kiln::hostKernelOpTypes() {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  std::vector<std::string> out;
  for (const auto &[name, f] : r.factories)
    out.push_back(name);
  return out;
}

StatusOr<void *> KernelContext::resourceOf(size_t i, int kind) const {
  if (i >= slots_.size() || slots_[i] < 0 || !session_)
    return errors::InvalidArgument("node '", node_.name(), "' (", node_.op(),
                                   "): input ", i, " must be ", kindName(kind));
  size_t slot = static_cast<size_t>(slots_[i]);
  const ResourceSpec &spec = session_->resources()[slot];
  if (static_cast<int>(spec.kind) != kind)
    return errors::InvalidArgument("node '", node_.name(), "' (", node_.op(),
                                   "): input ", i, " must be ", kindName(kind),
                                   " but ", spec.nodeName, " is ",
                                   kindName(static_cast<int>(spec.kind)));
  return session_->slot(slot);
}

void *KernelContext::ownState() const {
  if (ownSlot_ < 0 || !session_)
    return nullptr;
  return session_->slot(static_cast<size_t>(ownSlot_));
}

//===----------------------------------------------------------------------===//
// SummarizeValue
//===----------------------------------------------------------------------===//

namespace {

std::string elementString(const Tensor &t, int64_t i) {
  std::ostringstream os;
  switch (t.dtype()) {
  case DType::kFloat:
    os << t.data<float>()[i];
    break;
  case DType::kDouble:
    os << t.data<double>()[i];
    break;
  case DType::kInt32:
    os << t.data<int32_t>()[i];
    break;
  case DType::kInt64:
    os << t.data<int64_t>()[i];
    break;
  case DType::kInt16:
    os << t.data<int16_t>()[i];
    break;
  case DType::kInt8:
    os << static_cast<int>(t.data<int8_t>()[i]);
    break;
  case DType::kUInt8:
    os << static_cast<int>(t.data<uint8_t>()[i]);
    break;
  case DType::kUInt16:
    os << t.data<uint16_t>()[i];
    break;
  case DType::kBool:
    os << (t.data<bool>()[i] ? 1 : 0);
    break;
  case DType::kString:
    return t.data<std::string>()[i];
  default:
    return "?";
  }
  return os.str();
}

/// TF's PrintOneDim: elements of dim `d` from flat offset `*index`.
void printDim(const Tensor &t, int d, int64_t limit, int64_t *index,
              std::string &out) {
  int rank = t.shape().rank();
  int64_t n = t.shape().dim(d);
  for (int64_t i = 0; i < n && *index < limit; ++i) {
    if (i > 0)
      out += ' ';
    if (d == rank - 1) {
      out += elementString(t, (*index)++);
    } else {
      out += '[';
      printDim(t, d + 1, limit, index, out);
      out += ']';
    }
  }
}

} // namespace

std::string kiln::summarizeValue(const Tensor &t, int64_t maxEntries) {
  int64_t n = t.numElements();
  int64_t limit = std::min(n, maxEntries);
  std::string out;
  if (t.shape().rank() == 0) {
    out = n > 0 ? elementString(t, 0) : "";
  } else if (t.shape().rank() == 1) {
    for (int64_t i = 0; i < limit; ++i)
      out += (i ? " " : "") + elementString(t, i);
  } else {
    int64_t index = 0;
    printDim(t, 0, limit, &index, out);
  }
  if (limit < n)
    out += "...";
  return out;
}

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

namespace {

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

void addGeneralKernels(HostKernelTable &table) {
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

} // namespace
