//===- HostKernel.h - Ops the runtime computes for compiled code -*- C++
//-*-===//
//
// Most ops become generated code. Some work on data the generated code does
// not model - strings, protos, files - or on runtime objects (readers): the
// compiler lowers those to one `kiln_rt_kernel` call, and the runtime runs
// the op's host kernel, as TF's executor runs an OpKernel. A kernel is
// built once per node (from the node's attrs, so attr errors surface on the
// first run, as TF reports them when the kernel is created) and computes on
// every run, possibly from several threads at once.
//
// The table of kernels is open: the built-in ones register themselves when
// the registry is first used, and a custom-op library can add its own
// (`registerHostKernel`) before a graph that uses them runs.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_HOSTKERNEL_H
#define KILN_RUNTIME_HOSTKERNEL_H

#include "kiln/runtime/NodeAttrs.h"
#include "kiln/runtime/RunContext.h"
#include "kiln/runtime/Status.h"
#include "kiln/runtime/Tensor.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace kiln {

class Session;
class Variable;
class Queue;
class ReaderBase;

/// The ResourceSpec::Kind (as an int) of the runtime objects kernels take.
template <typename T> struct ResourceKindOf;
template <> struct ResourceKindOf<Variable> { static constexpr int value = 0; };
template <> struct ResourceKindOf<Queue> { static constexpr int value = 1; };
template <> struct ResourceKindOf<ReaderBase> {
  static constexpr int value = 3;
};

/// What one run of a kernel sees.
class KernelContext {
public:
  KernelContext(const NodeAttrs &node, Session *session, RunContext *ctx)
      : node_(node), session_(session), ctx_(ctx) {}

  const NodeAttrs &node() const { return node_; }
  RunContext *runContext() const { return ctx_; }

  /// Data inputs in the node's input order. A resource or ref input (a
  /// variable, queue or reader handle) holds no tensor; `resource(i)` names
  /// its session slot.
  size_t numInputs() const { return inputs_.size(); }
  const Tensor &input(size_t i) const { return inputs_[i]; }
  /// The runtime object behind resource input `i` (a Variable, Queue,
  /// ReaderBase, ...) and its spec; InvalidArgument when input `i` is not a
  /// resource of that kind.
  template <typename T> StatusOr<T *> resource(size_t i) const {
    StatusOr<void *> p = resourceOf(i, ResourceKindOf<T>::value);
    if (!p.ok())
      return p.status();
    return static_cast<T *>(*p);
  }
  /// The node's own slot, for stateful nodes that own one (random
  /// generators): null when the node has none.
  void *ownState() const;

  void setOutput(size_t i, Tensor t) {
    if (outputs_.size() <= i)
      outputs_.resize(i + 1);
    outputs_[i] = std::move(t);
  }
  std::vector<Tensor> &outputs() { return outputs_; }

  // Filled by the caller.
  void addInput(Tensor t, int64_t slot = -1) {
    inputs_.push_back(std::move(t));
    slots_.push_back(slot);
  }
  void setOwnSlot(int64_t slot) { ownSlot_ = slot; }

private:
  StatusOr<void *> resourceOf(size_t i, int kind) const;

  const NodeAttrs &node_;
  Session *session_;
  RunContext *ctx_;
  std::vector<Tensor> inputs_;
  std::vector<int64_t> slots_;
  int64_t ownSlot_ = -1;
  std::vector<Tensor> outputs_;
};

class HostKernel {
public:
  virtual ~HostKernel() = default;
  /// Computes the node's outputs (every one of them) from its inputs.
  virtual Status compute(KernelContext &ctx) = 0;
};

/// Builds the kernel of one node; attr errors are returned here.
using HostKernelFactory =
    std::function<StatusOr<std::unique_ptr<HostKernel>>(const NodeAttrs &)>;

/// Adds (or replaces) the kernel of `opType`.
void registerHostKernel(const std::string &opType, HostKernelFactory factory);
/// The factory for `opType`, or null.
const HostKernelFactory *findHostKernel(const std::string &opType);
/// Every op type that has a kernel, sorted.
std::vector<std::string> hostKernelOpTypes();

/// A kernel from a plain function of the context and the node's attrs
/// (for kernels that keep no state of their own beyond the attrs).
template <typename Fn> HostKernelFactory kernelOf(Fn fn) {
  struct FnKernel : HostKernel {
    explicit FnKernel(Fn f) : fn(std::move(f)) {}
    Status compute(KernelContext &ctx) override { return fn(ctx); }
    Fn fn;
  };
  return [fn](const NodeAttrs &) -> StatusOr<std::unique_ptr<HostKernel>> {
    return std::unique_ptr<HostKernel>(std::make_unique<FnKernel>(fn));
  };
}

/// TF's Tensor::SummarizeValue: up to `maxEntries` elements, nested in
/// brackets by dimension past the first, "..." when cut short.
std::string summarizeValue(const Tensor &t, int64_t maxEntries);

} // namespace kiln

#endif // KILN_RUNTIME_HOSTKERNEL_H
