//===- CompiledModel.h - What an ahead-of-time compiled graph links -*- C++
//-*-===//
//
// graph-compile turns a graph into an object file of compiled signatures
// and a header with a class per model; that class is a thin typed layer over
// CompiledModel, which holds the session (variables, queues, random
// generators), answers the session's requests for signatures from the
// compiled table (queue runners included), and implements what tfcompile
// never had: restore and save in TensorFlow's checkpoint format (Saver
// semantics: `prefix-<step>`, max_to_keep, the `checkpoint` file, a `.meta`
// beside each save), and the graph's queue runners under a Coordinator.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_COMPILEDMODEL_H
#define KILN_RUNTIME_COMPILEDMODEL_H

#include "kiln/runtime/Coordinator.h"
#include "kiln/runtime/QueueRunner.h"
#include "kiln/runtime/Saver.h"
#include "kiln/runtime/Session.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiln {

/// Everything graph-compile records about a model.
struct CompiledModelInfo {
  std::vector<ResourceSpec> resources;
  std::vector<CompiledSignature> signatures;
  /// Checkpoint keys: the variables the graph's Saver saves (its SaverDef's
  /// SaveV2 tensor names); empty means every variable.
  std::vector<std::string> savedVariables;
  std::vector<QueueRunnerSpec> queueRunners;
  /// The serialized MetaGraphDef written as `<prefix>.meta` by save().
  std::string_view metaGraph;
  SaverOptions saverOptions;
  /// Custom-op libraries to load before the session starts: each by its
  /// file name first (a library linked into the program, or one on the
  /// loader's path), else by the path as given.
  std::vector<std::string> opLibraries;
};

class CompiledModel : public SignatureProvider {
public:
  static StatusOr<std::unique_ptr<CompiledModel>>
  create(CompiledModelInfo info);
  ~CompiledModel() override;

  Session &session() { return *session_; }
  const CompiledModelInfo &info() const { return info_; }

  /// The signature compiled under `name`, or nullptr.
  const CompiledSignature *signature(const std::string &name) const;
  /// Runs signature `name` with `feeds` in its feed order.
  Status run(const std::string &name, const std::vector<Tensor> &feeds,
             std::vector<Tensor> *fetches, int64_t timeoutMs = 0);

  /// The variable named `name` (its node or shared name), or nullptr.
  Variable *variable(const std::string &name);

  /// Restores the saved variables from checkpoint `path`: a prefix, or a
  /// directory whose `checkpoint` file names the latest.
  Status restore(const std::string &path);
  /// Saver.save(prefix, global_step): returns the checkpoint prefix written.
  StatusOr<std::string> save(const std::string &prefix,
                             std::optional<int64_t> globalStep = std::nullopt);

  /// start_queue_runners: one thread per enqueue op of every queue runner.
  Status startQueueRunners();
  Coordinator &coordinator() { return coord_; }
  /// request_stop + join (grace period in seconds); the first error a
  /// thread reported, if any.
  Status stopQueueRunners(double gracePeriodSecs = 120);

  StatusOr<const CompiledSignature *>
  get(const std::vector<std::string> &feeds,
      const std::vector<std::string> &fetches,
      const std::vector<std::string> &targets,
      const std::vector<Tensor> *feedValues) override;

private:
  explicit CompiledModel(CompiledModelInfo info);
  Status makeSaver();

  CompiledModelInfo info_;
  std::unique_ptr<Session> session_;
  std::vector<std::string> saverNames_;
  std::vector<Tensor> saverTensors_;
  std::optional<Saver> saver_;
  Coordinator coord_;
  std::vector<std::unique_ptr<QueueRunner>> runners_;
  std::vector<ThreadHandle> threads_;
};

} // namespace kiln

#endif // KILN_RUNTIME_COMPILEDMODEL_H
