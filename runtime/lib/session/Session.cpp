//===- Session.cpp - Running compiled signatures on session state ---------===//
#include "kiln/runtime/Session.h"
#include "kiln/runtime/CompiledAbi.h"
#include "kiln/runtime/ReaderOps.h"

#include <atomic>

namespace kiln {

Session::Session(std::vector<ResourceSpec> resources,
                 SignatureProvider *provider)
    : specs_(std::move(resources)), provider_(provider) {}

StatusOr<std::unique_ptr<Session>>
Session::create(std::vector<ResourceSpec> resources,
                SignatureProvider *provider) {
  std::unique_ptr<Session> s(new Session(std::move(resources), provider));
  Status st = s->createResources();
  if (!st.ok())
    return st;
  return s;
}

Session::~Session() { closeQueues(); }

namespace {
/// TF names a queue without shared_name "_<n>_<node>", n counting the
/// private resources the process has created.
std::string privateResourceName(const std::string &node) {
  static std::atomic<int64_t> counter{0};
  return "_" + std::to_string(counter.fetch_add(1)) + "_" + node;
}
template <typename Q>
StatusOr<std::shared_ptr<Queue>> upcast(StatusOr<std::shared_ptr<Q>> q) {
  if (!q.ok())
    return q.status();
  return std::shared_ptr<Queue>(std::move(*q));
}

StatusOr<std::shared_ptr<Queue>> makeQueue(const std::string &t,
                                           const QueueOptions &opts) {
  if (t == "FIFOQueueV2" || t == "FIFOQueue")
    return upcast(FIFOQueue::create(opts));
  if (t == "RandomShuffleQueueV2" || t == "RandomShuffleQueue")
    return upcast(RandomShuffleQueue::create(opts));
  if (t == "PaddingFIFOQueueV2" || t == "PaddingFIFOQueue")
    return upcast(PaddingFIFOQueue::create(opts));
  if (t == "PriorityQueueV2" || t == "PriorityQueue")
    return upcast(PriorityQueue::create(opts));
  return errors::Unimplemented("queue kind ", t);
}
} // namespace

Status Session::createResources() {
  slots_.reserve(specs_.size());
  for (const ResourceSpec &spec : specs_) {
    switch (spec.kind) {
    case ResourceSpec::Kind::kVariable: {
      StatusOr<Variable *> v = state_.createVariable(
          spec.sharedName.empty() ? spec.nodeName : spec.sharedName, spec.dtype,
          spec.shape);
      if (!v.ok())
        return v.status();
      slots_.push_back(*v);
      break;
    }
    case ResourceSpec::Kind::kQueue: {
      QueueOptions opts = spec.queue;
      opts.name = spec.sharedName.empty() ? privateResourceName(spec.nodeName)
                                          : spec.sharedName;
      if (!spec.sharedName.empty()) {
        StatusOr<Queue *> existing = state_.queue(opts.name);
        if (existing.ok()) {
          slots_.push_back(*existing);
          break;
        }
      }
      StatusOr<std::shared_ptr<Queue>> q = makeQueue(spec.opType, opts);
      if (!q.ok())
        return q.status();
      Queue *raw = q->get();
      Status st = state_.addResource(opts.name, std::move(*q));
      if (!st.ok())
        return st;
      slots_.push_back(raw);
      break;
    }
    case ResourceSpec::Kind::kRandom: {
      auto r = std::make_unique<RandomState>();
      r->generator = random::seededPhilox(spec.seed, spec.seed2);
      slots_.push_back(r.get());
      randoms_.push_back(std::move(r));
      break;
    }
    case ResourceSpec::Kind::kReader: {
      if (spec.opType != "TFRecordReaderV2" && spec.opType != "TFRecordReader")
        return errors::Unimplemented("reader ", spec.nodeName, " (",
                                     spec.opType,
                                     "): only TFRecord readers are supported");
      StatusOr<std::shared_ptr<TFRecordReader>> r =
          TFRecordReader::create(spec.nodeName, spec.compressionType);
      if (!r.ok())
        return r.status();
      slots_.push_back(static_cast<ReaderBase *>(r->get()));
      readers_.push_back(std::move(*r));
      break;
    }
    }
  }
  return Status::OK();
}

int64_t Session::slotOf(const std::string &nodeName) const {
  for (size_t i = 0; i < specs_.size(); ++i)
    if (specs_[i].nodeName == nodeName)
      return static_cast<int64_t>(i);
  return -1;
}

void Session::closeQueues() { state_.closeAllQueues(); }

StatusOr<HostKernel *> Session::kernel(std::string_view nodeDef,
                                       const NodeAttrs **attrs) {
  {
    std::shared_lock<std::shared_mutex> lock(kernelsMu_);
    auto it = kernels_.find(nodeDef);
    if (it != kernels_.end()) {
      *attrs = &it->second->attrs;
      return it->second->kernel.get();
    }
  }
  std::unique_lock<std::shared_mutex> lock(kernelsMu_);
  auto it = kernels_.find(nodeDef);
  if (it == kernels_.end()) {
    StatusOr<NodeAttrs> node = NodeAttrs::parse(nodeDef);
    if (!node.ok())
      return node.status();
    const HostKernelFactory *factory = findHostKernel(node->op());
    if (!factory)
      return errors::Unimplemented("node '", node->name(), "' (", node->op(),
                                   "): the runtime has no kernel for op type ",
                                   node->op());
    auto built = std::make_unique<BuiltKernel>();
    built->nodeDef.assign(nodeDef);
    built->attrs = std::move(*node);
    StatusOr<std::unique_ptr<HostKernel>> k = (*factory)(built->attrs);
    if (!k.ok())
      return k.status();
    built->kernel = std::move(*k);
    std::string_view key = built->nodeDef;
    it = kernels_.emplace(key, std::move(built)).first;
  }
  *attrs = &it->second->attrs;
  return it->second->kernel.get();
}

namespace {
std::string tensorName(const std::string &name) {
  return name.find(':') == std::string::npos ? name + ":0" : name;
}
} // namespace

Status Session::checkFeed(const FeedSpec &spec, size_t index,
                          const Tensor &value) const {
  (void)index;
  if (value.dtype() != spec.dtype)
    return errors::InvalidArgument("Cannot feed value of dtype ",
                                   dtypeName(value.dtype()), " for Tensor '",
                                   tensorName(spec.name), "', which has dtype ",
                                   dtypeName(spec.dtype));
  if (!spec.hasShape)
    return Status::OK();
  bool ok = value.shape().rank() == static_cast<int>(spec.dims.size());
  for (size_t d = 0; ok && d < spec.dims.size(); ++d)
    ok = spec.dims[d] < 0 || spec.dims[d] == value.shape().dim(d);
  if (ok)
    return Status::OK();
  std::string want = "[";
  for (size_t d = 0; d < spec.dims.size(); ++d)
    want += (d ? "," : "") + (spec.dims[d] < 0 ? std::string("?")
                                               : std::to_string(spec.dims[d]));
  want += "]";
  return errors::InvalidArgument(
      "Cannot feed value of shape ", value.shape().toString(), " for Tensor '",
      tensorName(spec.name), "', which has shape ", want);
}

Status Session::run(const std::vector<std::pair<std::string, Tensor>> &feeds,
                    const std::vector<std::string> &fetches,
                    const std::vector<std::string> &targets,
                    std::vector<Tensor> *outputs, int64_t timeoutMs) {
  if (!provider_)
    return errors::FailedPrecondition("Session has no compiled signatures");
  std::vector<std::string> feedNames;
  std::vector<Tensor> values;
  for (const auto &[name, value] : feeds) {
    feedNames.push_back(name);
    values.push_back(value);
  }
  StatusOr<const CompiledSignature *> sig =
      provider_->get(feedNames, fetches, targets, &values);
  if (!sig.ok())
    return sig.status();
  RunContext ctx(timeoutMs);
  return run(**sig, values, outputs, &ctx);
}

Status Session::run(const CompiledSignature &sig,
                    const std::vector<Tensor> &feeds,
                    std::vector<Tensor> *outputs, RunContext *ctx) {
  if (feeds.size() != sig.feeds.size())
    return errors::InvalidArgument("Expected ", sig.feeds.size(),
                                   " feeds but got ", feeds.size());
  for (size_t i = 0; i < feeds.size(); ++i) {
    Status st = checkFeed(sig.feeds[i], i, feeds[i]);
    if (!st.ok())
      return st;
  }
  RunContext local;
  KilnCall call;
  call.session = this;
  call.ctx = ctx ? ctx : &local;
  call.feeds = &feeds;
  std::vector<Tensor> scratch;
  call.fetches = outputs ? outputs : &scratch;
  call.fetches->assign(sig.fetches.size(), Tensor());
  sig.fn(&call);
  if (!call.status.ok())
    return call.status;
  for (size_t i = 0; i < sig.fetches.size(); ++i)
    if (!(*call.fetches)[i].isValid())
      return errors::Internal("compiled run of ", sig.key,
                              " did not produce fetch ", sig.fetches[i]);
  return Status::OK();
}

Status Session::runOp(const std::string &opName, RunContext *ctx) {
  if (!provider_)
    return errors::FailedPrecondition("Session has no compiled signatures");
  // A QueueRunnerDef may name a tensor ("AssignAdd:0"): run it as a fetch.
  bool isTensor = opName.find(':') != std::string::npos;
  StatusOr<const CompiledSignature *> sig =
      isTensor ? provider_->get({}, {opName}, {}, nullptr)
               : provider_->get({}, {}, {opName}, nullptr);
  if (!sig.ok())
    return sig.status();
  std::vector<Tensor> outputs;
  return run(**sig, {}, &outputs, ctx);
}

} // namespace kiln
