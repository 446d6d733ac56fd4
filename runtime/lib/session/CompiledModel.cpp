//===- CompiledModel.cpp - What an ahead-of-time compiled graph links -----===//
#include "kiln/runtime/CompiledModel.h"
#include "kiln/runtime/BundleReader.h"
#include "kiln/runtime/CheckpointState.h"
#include "kiln/runtime/OpLibrary.h"

#include <algorithm>

namespace kiln {

CompiledModel::CompiledModel(CompiledModelInfo info) : info_(std::move(info)) {}

CompiledModel::~CompiledModel() {
  if (!threads_.empty())
    (void)stopQueueRunners(10);
  session_.reset();
}

StatusOr<std::unique_ptr<CompiledModel>>
CompiledModel::create(CompiledModelInfo info) {
  for (const std::string &lib : info.opLibraries) {
    std::string file = lib.substr(lib.find_last_of('/') + 1);
    if (file == lib || !loadOpLibrary(file).ok()) {
      Status st = loadOpLibrary(lib);
      if (!st.ok())
        return st;
    }
  }
  std::unique_ptr<CompiledModel> m(new CompiledModel(std::move(info)));
  StatusOr<std::unique_ptr<Session>> s =
      Session::create(m->info_.resources, m.get());
  if (!s.ok())
    return s.status();
  m->session_ = std::move(*s);
  Status st = m->makeSaver();
  if (!st.ok())
    return st;
  return m;
}

Status CompiledModel::makeSaver() {
  for (Variable *v : session_->state().variables())
    if (info_.savedVariables.empty() ||
        std::find(info_.savedVariables.begin(), info_.savedVariables.end(),
                  v->name()) != info_.savedVariables.end())
      saverNames_.push_back(v->name());
  if (saverNames_.empty())
    return Status::OK();
  saverTensors_.resize(saverNames_.size());
  std::vector<SaverVariable> vars;
  for (size_t i = 0; i < saverNames_.size(); ++i) {
    SaverVariable sv;
    sv.name = saverNames_[i];
    sv.tensor = &saverTensors_[i];
    vars.push_back(sv);
  }
  StatusOr<Saver> saver = Saver::create(std::move(vars), info_.saverOptions);
  if (!saver.ok())
    return saver.status();
  saver_.emplace(std::move(*saver));
  return Status::OK();
}

const CompiledSignature *
CompiledModel::signature(const std::string &name) const {
  for (const CompiledSignature &s : info_.signatures)
    if (s.name == name)
      return &s;
  return nullptr;
}

Status CompiledModel::run(const std::string &name,
                          const std::vector<Tensor> &feeds,
                          std::vector<Tensor> *fetches, int64_t timeoutMs) {
  const CompiledSignature *sig = signature(name);
  if (!sig)
    return errors::NotFound("no compiled signature named '", name, "'");
  RunContext ctx(timeoutMs);
  return session_->run(*sig, feeds, fetches, &ctx);
}

Variable *CompiledModel::variable(const std::string &name) {
  StatusOr<Variable *> v = session_->state().variable(name);
  return v.ok() ? *v : nullptr;
}

Status CompiledModel::restore(const std::string &path) {
  if (!saver_)
    return errors::FailedPrecondition("the model has no variables to restore");
  std::string prefix = path;
  if (std::optional<std::string> latest = latestCheckpoint(path))
    prefix = *latest;
  // Saver::restore checks every entry before writing any tensor.
  for (size_t i = 0; i < saverNames_.size(); ++i) {
    Variable *v = variable(saverNames_[i]);
    saverTensors_[i] = Tensor(v->dtype(), v->declaredShape());
  }
  Status st = saver_->restore(prefix);
  if (!st.ok())
    return st;
  for (size_t i = 0; i < saverNames_.size(); ++i) {
    st = variable(saverNames_[i])->assign(saverTensors_[i], true);
    if (!st.ok())
      return st;
  }
  // Rotation continues from the checkpoints the state file lists.
  size_t slash = prefix.rfind('/');
  std::string dir = slash == std::string::npos ? "." : prefix.substr(0, slash);
  StatusOr<std::optional<CheckpointState>> state = getCheckpointState(dir);
  if (state.ok() && state->has_value())
    saver_->recoverLastCheckpoints((*state)->allModelCheckpointPaths);
  return Status::OK();
}

StatusOr<std::string> CompiledModel::save(const std::string &prefix,
                                          std::optional<int64_t> globalStep) {
  if (!saver_)
    return errors::FailedPrecondition("the model has no variables to save");
  for (size_t i = 0; i < saverNames_.size(); ++i) {
    StatusOr<Tensor> t = variable(saverNames_[i])->snapshot();
    if (!t.ok())
      return t.status();
    saverTensors_[i] = std::move(*t);
  }
  std::optional<std::string_view> meta;
  if (!info_.metaGraph.empty())
    meta = info_.metaGraph;
  StatusOr<std::string> path = saver_->save(prefix, globalStep, meta);
  for (Tensor &t : saverTensors_)
    t = Tensor();
  return path;
}

Status CompiledModel::startQueueRunners() {
  for (const QueueRunnerSpec &spec : info_.queueRunners) {
    runners_.push_back(std::make_unique<QueueRunner>(spec));
    for (ThreadHandle &t :
         runners_.back()->createThreads(session_.get(), &coord_, true))
      threads_.push_back(t);
  }
  return Status::OK();
}

Status CompiledModel::stopQueueRunners(double gracePeriodSecs) {
  coord_.requestStop();
  Status st = coord_.join(threads_, gracePeriodSecs);
  threads_.clear();
  return st;
}

StatusOr<const CompiledSignature *>
CompiledModel::get(const std::vector<std::string> &feeds,
                   const std::vector<std::string> &fetches,
                   const std::vector<std::string> &targets,
                   const std::vector<Tensor> *) {
  for (const CompiledSignature &s : info_.signatures) {
    if (s.fetches != fetches || s.targets != targets ||
        s.feeds.size() != feeds.size())
      continue;
    bool same = true;
    for (size_t i = 0; same && i < feeds.size(); ++i)
      same = s.feeds[i].name == feeds[i];
    if (same)
      return &s;
  }
  std::string what;
  for (const auto &list : {feeds, fetches, targets})
    for (const std::string &n : list)
      what += (what.empty() ? "" : ",") + n;
  return errors::NotFound("no compiled signature runs ", what,
                          "; compile one with graph-compile --signature");
}

} // namespace kiln
