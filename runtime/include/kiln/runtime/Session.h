//===- Session.h - Running compiled signatures on session state -*- C++ -*-===//
//
// A Session owns what a TF session owns - variables, queues, random-op
// generators - in a table of resource slots fixed when the graph was
// compiled, and runs compiled signatures (one function per Session.run)
// over it. Compiled code reaches its state by slot number (no name lookup
// per step) through the calls in CompiledAbi.h. Compiled functions come from
// a SignatureProvider: the JIT compiles them on first use, an ahead-of-time
// build links them in.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_SESSION_H
#define KILN_RUNTIME_SESSION_H

#include "kiln/runtime/HostKernel.h"
#include "kiln/runtime/NodeAttrs.h"
#include "kiln/runtime/Philox.h"
#include "kiln/runtime/Queue.h"
#include "kiln/runtime/QueueRunner.h"
#include "kiln/runtime/RunContext.h"
#include "kiln/runtime/SessionState.h"
#include "kiln/runtime/Status.h"
#include "kiln/runtime/Tensor.h"

#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kiln {

struct KilnCall;

/// One stateful node of the graph: what its slot holds.
struct ResourceSpec {
  /// The values are part of the ABI (HostKernel.h's ResourceKindOf).
  enum class Kind { kVariable = 0, kQueue = 1, kRandom = 2, kReader = 3 };
  Kind kind = Kind::kVariable;
  std::string nodeName;
  /// TF op type: VariableV2, FIFOQueueV2, RandomShuffleQueueV2,
  /// RandomUniform, ...
  std::string opType;
  /// Variables and queues: shared_name ("" = private to the node).
  std::string sharedName;
  /// Variables.
  DType dtype = DType::kInvalid;
  TensorShape shape;
  /// Queues (the name is chosen by the session).
  QueueOptions queue;
  /// Random ops.
  int64_t seed = 0;
  int64_t seed2 = 0;
  /// Readers: TFRecordReaderV2's compression_type ("", "ZLIB", "GZIP").
  std::string compressionType;
};

/// The declared type of a fed tensor (dims -1 where unknown; unknown rank
/// when !hasShape).
struct FeedSpec {
  std::string name;
  DType dtype = DType::kInvalid;
  bool hasShape = false;
  std::vector<int64_t> dims;
};

/// One Session.run compiled: fn(call) reads feeds and writes fetches through
/// the call frame.
struct CompiledSignature {
  std::string key;
  std::vector<FeedSpec> feeds;
  std::vector<std::string> fetches;
  void (*fn)(KilnCall *) = nullptr;
  /// Ahead-of-time signatures: the name the program calls it by, and the
  /// targets it runs (feeds and fetches are above).
  std::string name;
  std::vector<std::string> targets;
};

/// Supplies the compiled function of a signature (feeds, fetches, targets).
/// `feedValues`, when given, are the values about to be fed: a JIT may
/// specialize on their shapes where the graph leaves them open.
class SignatureProvider {
public:
  virtual ~SignatureProvider() = default;
  virtual StatusOr<const CompiledSignature *>
  get(const std::vector<std::string> &feeds,
      const std::vector<std::string> &fetches,
      const std::vector<std::string> &targets,
      const std::vector<Tensor> *feedValues) = 0;
};

class Session : public OpRunner {
public:
  /// Creates every resource of `resources` (slot i = resources[i]). Queue
  /// options are checked here: a bad capacity fails the construction.
  static StatusOr<std::unique_ptr<Session>>
  create(std::vector<ResourceSpec> resources, SignatureProvider *provider);
  /// Closes every queue (cancelling pending enqueues), as TF's session
  /// close does, so threads blocked in them wake up.
  ~Session() override;

  /// Session.run: validates the feeds against the signature's placeholders,
  /// runs it, and returns the fetched values in `fetches`.
  Status run(const std::vector<std::pair<std::string, Tensor>> &feeds,
             const std::vector<std::string> &fetches,
             const std::vector<std::string> &targets,
             std::vector<Tensor> *outputs, int64_t timeoutMs = 0);
  /// Runs an already-resolved signature (the fast path compiled programs
  /// use). `ctx` may be null: no deadline, no cancellation from outside.
  Status run(const CompiledSignature &sig, const std::vector<Tensor> &feeds,
             std::vector<Tensor> *outputs, RunContext *ctx = nullptr);

  /// OpRunner: runs `opName` as the only target (queue-runner threads).
  Status runOp(const std::string &opName, RunContext *ctx) override;

  SessionState &state() { return state_; }
  const std::vector<ResourceSpec> &resources() const { return specs_; }
  /// What slot i holds: Variable*, Queue*, RandomState* or ReaderBase*.
  void *slot(size_t i) const { return slots_[i]; }
  /// Slot of the resource node `nodeName`, or -1.
  int64_t slotOf(const std::string &nodeName) const;

  /// Closes every queue with cancel_pending_enqueues.
  void closeQueues();

  /// The host kernel of the node serialized in `nodeDef` (HostKernel.h),
  /// built on first use and kept for the session's lifetime.
  StatusOr<HostKernel *> kernel(std::string_view nodeDef,
                                const NodeAttrs **attrs);

private:
  Session(std::vector<ResourceSpec> resources, SignatureProvider *provider);
  Status createResources();
  Status checkFeed(const FeedSpec &spec, size_t index,
                   const Tensor &value) const;

  std::vector<ResourceSpec> specs_;
  SignatureProvider *provider_;
  SessionState state_;
  std::vector<void *> slots_;
  std::vector<std::unique_ptr<RandomState>> randoms_;
  std::vector<std::shared_ptr<ReaderBase>> readers_;
  struct BuiltKernel {
    std::string nodeDef; // the key's storage
    NodeAttrs attrs;
    std::unique_ptr<HostKernel> kernel;
  };
  // Looked up on every kernel call, from several threads: readers share the
  // lock and the lookup allocates nothing.
  std::shared_mutex kernelsMu_;
  std::unordered_map<std::string_view, std::unique_ptr<BuiltKernel>> kernels_;
};

} // namespace kiln

#endif // KILN_RUNTIME_SESSION_H
