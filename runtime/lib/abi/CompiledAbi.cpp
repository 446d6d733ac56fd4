//===- CompiledAbi.cpp - What compiled graph code calls -------------------===//
#include "kiln/runtime/CompiledAbi.h"
#include "kiln/runtime/Gemm.h"
#include "kiln/runtime/HostKernel.h"
#include "kiln/runtime/Session.h"
#include "kiln/runtime/Summary.h"
#include "kiln/runtime/ThreadPool.h"

#include <cstdlib>
#include <cstring>
#include <unordered_map>

using namespace kiln;
using namespace kiln::random;

namespace {

int64_t fail(KilnCall *call, const Status &s) {
  if (call->status.ok())
    call->status = s;
  return -1;
}

int64_t addValue(KilnCall *call, Tensor t) {
  call->values.push_back(std::move(t));
  return static_cast<int64_t>(call->values.size()) - 1;
}

/// Pops the last `n` arguments as deep copies (the compiled code frees its
/// buffers once the call returns).
Tuple popArgs(KilnCall *call, size_t n) {
  Tuple out;
  size_t first = call->args.size() - n;
  for (size_t i = first; i < call->args.size(); ++i)
    out.push_back(call->args[i].deepCopy());
  call->args.resize(first);
  return out;
}

template <typename T> T *slotAs(KilnCall *call, int64_t slot) {
  return static_cast<T *>(call->session->slot(static_cast<size_t>(slot)));
}

template <typename T, typename Fill>
void fillGroups(Tensor &t, PhiloxRandom gen, Fill fill) {
  T *d = t.data<T>();
  int64_t n = t.numElements();
  for (int64_t i = 0; i < n;) {
    auto group = fill(gen);
    for (size_t k = 0; k < group.size() && i < n; ++k)
      d[i++] = group[k];
  }
}

/// Buffers compiled code freed, kept per thread for the next run (same
/// sizes come back every step), up to a bound.
class BufferCache {
public:
  static constexpr size_t kMaxBytes = size_t(512) << 20;
  ~BufferCache() {
    for (auto &[size, p] : free_)
      std::free(p);
  }
  void *take(size_t size) {
    auto it = free_.find(size);
    if (it == free_.end())
      return nullptr;
    void *p = it->second;
    free_.erase(it);
    bytes_ -= size;
    return p;
  }
  void give(void *p, size_t size) {
    if (bytes_ + size > kMaxBytes) {
      std::free(p);
      return;
    }
    free_.emplace(size, p);
    bytes_ += size;
  }

private:
  std::unordered_multimap<size_t, void *> free_;
  size_t bytes_ = 0;
};

BufferCache &bufferCache() {
  thread_local BufferCache cache;
  return cache;
}

/// Rounded up so that a size's buffers are interchangeable.
size_t bufferSize(int64_t bytes) {
  size_t n = bytes > 0 ? static_cast<size_t>(bytes) : 1;
  return (n + 63) / 64 * 64;
}

} // namespace

KilnCall::~KilnCall() {
  for (auto &[p, size] : buffers)
    bufferCache().give(p, size);
}

extern "C" {

int64_t kiln_rt_alloc(KilnCall *call, int64_t bytes) {
  size_t size = bufferSize(bytes);
  void *p = bufferCache().take(size);
  if (!p)
    p = std::aligned_alloc(64, size);
  if (!p)
    std::abort(); // As malloc failing in compiled code would.
  call->buffers.emplace_back(p, size);
  return reinterpret_cast<int64_t>(p);
}

void kiln_rt_free(KilnCall *call, int64_t addr) {
  void *p = reinterpret_cast<void *>(addr);
  // Most recent first: buffers die in about the order they were made.
  for (size_t i = call->buffers.size(); i-- > 0;)
    if (call->buffers[i].first == p) {
      bufferCache().give(p, call->buffers[i].second);
      call->buffers[i] = call->buffers.back();
      call->buffers.pop_back();
      return;
    }
}

int32_t kiln_rt_ok(KilnCall *call) { return call->status.ok() ? 1 : 0; }

void kiln_rt_arg(KilnCall *call, int32_t dtype, int64_t data, int64_t rank,
                 int64_t dims) {
  const int64_t *d = reinterpret_cast<const int64_t *>(dims);
  TensorShape shape(std::vector<int64_t>(d, d + rank));
  call->args.push_back(Tensor::borrow(static_cast<DType>(dtype), shape,
                                      reinterpret_cast<void *>(data)));
}

void kiln_rt_arg_value(KilnCall *call, int64_t v) {
  call->args.push_back(call->values[static_cast<size_t>(v)]);
}

void kiln_rt_arg_slot(KilnCall *call, int64_t slot) {
  call->slotArgs.emplace_back(call->args.size(), slot);
  call->args.emplace_back();
}

int64_t kiln_rt_kernel(KilnCall *call, int64_t nodeDef, int64_t len,
                       int64_t nIn, int64_t nOut, int64_t ownSlot) {
  size_t first = call->args.size() - static_cast<size_t>(nIn);
  auto dropArgs = [&] {
    call->args.resize(first);
    while (!call->slotArgs.empty() && call->slotArgs.back().first >= first)
      call->slotArgs.pop_back();
  };
  const NodeAttrs *attrs = nullptr;
  StatusOr<HostKernel *> kernel = call->session->kernel(
      std::string_view(reinterpret_cast<const char *>(nodeDef),
                       static_cast<size_t>(len)),
      &attrs);
  if (!kernel.ok()) {
    dropArgs();
    return fail(call, kernel.status());
  }
  call->lastKernel = &attrs->name();
  KernelContext ctx(*attrs, call->session, call->ctx);
  size_t nextSlot = 0;
  while (nextSlot < call->slotArgs.size() &&
         call->slotArgs[nextSlot].first < first)
    ++nextSlot;
  for (size_t i = first; i < call->args.size(); ++i) {
    int64_t slot = -1;
    if (nextSlot < call->slotArgs.size() && call->slotArgs[nextSlot].first == i)
      slot = call->slotArgs[nextSlot++].second;
    ctx.addInput(std::move(call->args[i]), slot);
  }
  ctx.setOwnSlot(ownSlot);
  dropArgs();
  Status st = (*kernel)->compute(ctx);
  if (!st.ok())
    return fail(call, st);
  std::vector<Tensor> &outs = ctx.outputs();
  if (outs.size() != static_cast<size_t>(nOut))
    return fail(call,
                errors::Internal("node '", attrs->name(), "' (", attrs->op(),
                                 "): the kernel produced ", outs.size(),
                                 " outputs, expected ", nOut));
  int64_t firstValue = static_cast<int64_t>(call->values.size());
  for (Tensor &t : outs)
    call->values.push_back(std::move(t));
  return firstValue;
}

int64_t kiln_rt_feed(KilnCall *call, int64_t i) {
  return addValue(call, (*call->feeds)[static_cast<size_t>(i)]);
}

int64_t kiln_rt_view(KilnCall *call, int64_t v, int64_t rank, int64_t dims,
                     int64_t slot) {
  // After a failure the run ends right after the op that failed; `v` may be
  // -1 (or the index after it) here, so nothing is looked at.
  if (!call->status.ok() || v < 0 ||
      static_cast<size_t>(v) >= call->values.size())
    return 0;
  const Tensor &t = call->values[static_cast<size_t>(v)];
  int64_t *d = reinterpret_cast<int64_t *>(dims);
  bool ok = t.shape().rank() == rank;
  for (int64_t i = 0; ok && i < rank; ++i)
    ok = d[i] < 0 || d[i] == t.shape().dim(static_cast<int>(i));
  if (ok) {
    for (int64_t i = 0; i < rank; ++i)
      d[i] = t.shape().dim(static_cast<int>(i));
    return reinterpret_cast<int64_t>(t.raw());
  }
  std::string want = "[";
  for (int64_t i = 0; i < rank; ++i)
    want +=
        (i ? "," : "") + (d[i] < 0 ? std::string("?") : std::to_string(d[i]));
  want += "]";
  if (slot < 0) {
    fail(call,
         errors::InvalidArgument(
             "compiled code expects a value of shape ", want, " from ",
             call->lastKernel ? *call->lastKernel : std::string("a kernel"),
             " but its kernel produced ", t.shape().toString()));
    return 0;
  }
  const std::string &node =
      call->session->resources()[static_cast<size_t>(slot)].nodeName;
  fail(call,
       errors::Unimplemented("compiled code expects a value of shape ", want,
                             " from ", node, " but got ", t.shape().toString(),
                             "; give the queue or variable its shape"));
  return 0;
}

int32_t kiln_rt_fetch(KilnCall *call, int64_t i) {
  Tuple v = popArgs(call, 1);
  (*call->fetches)[static_cast<size_t>(i)] = std::move(v[0]);
  return 1;
}

int64_t kiln_rt_read(KilnCall *call, int64_t slot) {
  StatusOr<Tensor> t = slotAs<Variable>(call, slot)->snapshot();
  if (!t.ok())
    return fail(call, t.status());
  return addValue(call, std::move(*t));
}

int64_t kiln_rt_writable(KilnCall *call, int64_t slot, int64_t rank,
                         int64_t dims) {
  StatusOr<Tensor> t = slotAs<Variable>(call, slot)->nextValue();
  if (!t.ok()) {
    fail(call, t.status());
    return 0;
  }
  return kiln_rt_view(call, addValue(call, std::move(*t)), rank, dims, slot);
}

int32_t kiln_rt_assign(KilnCall *call, int64_t slot, int32_t mode,
                       int32_t validateShape) {
  Variable *var = slotAs<Variable>(call, slot);
  // Assign copies what it keeps; the argument may stay borrowed.
  Tensor value = call->args.back();
  call->args.pop_back();
  Status st;
  switch (static_cast<AssignMode>(mode)) {
  case AssignMode::kAssign:
    st = var->assign(value, validateShape != 0);
    break;
  case AssignMode::kAdd:
    st = var->assignAdd(value);
    break;
  case AssignMode::kSub:
    st = var->assignSub(value);
    break;
  }
  if (!st.ok())
    return static_cast<int32_t>(fail(call, st) + 1);
  return 1;
}

int32_t kiln_rt_enqueue(KilnCall *call, int64_t slot, int64_t n, int32_t many,
                        int64_t timeoutMs) {
  (void)timeoutMs; // TF ignores the op's timeout_ms too.
  Queue *q = slotAs<Queue>(call, slot);
  Tuple t = popArgs(call, static_cast<size_t>(n));
  Status st = many ? q->enqueueMany(t, call->ctx) : q->enqueue(t, call->ctx);
  if (!st.ok())
    return static_cast<int32_t>(fail(call, st) + 1);
  return 1;
}

int64_t kiln_rt_dequeue(KilnCall *call, int64_t slot, int32_t mode, int64_t n,
                        int64_t timeoutMs) {
  (void)timeoutMs;
  Queue *q = slotAs<Queue>(call, slot);
  Tuple t;
  Status st;
  switch (static_cast<DequeueMode>(mode)) {
  case DequeueMode::kOne:
    st = q->dequeue(&t, call->ctx);
    break;
  case DequeueMode::kMany:
    st = q->dequeueMany(n, &t, call->ctx);
    break;
  case DequeueMode::kUpTo:
    st = q->dequeueUpTo(n, &t, call->ctx);
    break;
  }
  if (!st.ok())
    return fail(call, st);
  int64_t first = static_cast<int64_t>(call->values.size());
  for (Tensor &c : t)
    addValue(call, std::move(c));
  return first;
}

int32_t kiln_rt_queue_size(KilnCall *call, int64_t slot) {
  return slotAs<Queue>(call, slot)->size();
}

int32_t kiln_rt_queue_is_closed(KilnCall *call, int64_t slot) {
  return slotAs<Queue>(call, slot)->isClosed() ? 1 : 0;
}

int32_t kiln_rt_queue_close(KilnCall *call, int64_t slot,
                            int32_t cancelPendingEnqueues) {
  Status st =
      slotAs<Queue>(call, slot)->close(cancelPendingEnqueues != 0, call->ctx);
  if (!st.ok())
    return static_cast<int32_t>(fail(call, st) + 1);
  return 1;
}

int64_t kiln_rt_random(KilnCall *call, int64_t slot, int32_t dist,
                       int32_t dtype, int32_t skip) {
  Tuple shapeArg = popArgs(call, 1);
  const Tensor &s = shapeArg[0];
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < s.numElements(); ++i) {
    int64_t d = s.dtype() == DType::kInt64 ? s.data<int64_t>()[i]
                                           : s.data<int32_t>()[i];
    if (d < 0)
      return fail(call, errors::InvalidArgument("Dimension ", i,
                                                " must be >= 0 (got ", d, ")"));
    dims.push_back(d);
  }
  Tensor out = Tensor::uninitialized(static_cast<DType>(dtype),
                                     TensorShape(std::move(dims)));
  auto *state = slotAs<RandomState>(call, slot);
  uint64_t n = static_cast<uint64_t>(out.numElements());
  // TF reserves 256 Philox calls per output element for every distribution.
  PhiloxRandom gen = state->reserve(n, 256);
  bool isFloat = out.dtype() == DType::kFloat;
  if (!isFloat && out.dtype() != DType::kDouble)
    return fail(call, errors::Unimplemented("random ops of dtype ",
                                            dtypeName(out.dtype())));
  if (skip) {
    // No value of this draw can change the run (the generator has advanced
    // as TF's does): zeros, which lie in every distribution's range.
    if (n != 0)
      std::memset(out.raw(), 0, n * (isFloat ? sizeof(float) : sizeof(double)));
    return addValue(call, std::move(out));
  }
  switch (static_cast<RandomDist>(dist)) {
  case RandomDist::kUniform:
    if (isFloat)
      fillUniformFloat(gen, out.data<float>(), static_cast<int64_t>(n),
                       &ThreadPool::intraOp());
    else
      fillGroups<double>(out, gen, uniformDouble);
    break;
  case RandomDist::kNormal:
    if (isFloat)
      fillGroups<float>(out, gen, normalFloat);
    else
      fillGroups<double>(out, gen, normalDouble);
    break;
  case RandomDist::kTruncated: {
    if (!isFloat)
      return fail(call,
                  errors::Unimplemented("TruncatedNormal of dtype double"));
    // Group g starts 256 Philox calls after group g-1.
    float *d = out.data<float>();
    for (uint64_t i = 0, g = 0; i < n; ++g) {
      PhiloxRandom groupGen = gen;
      groupGen.skip(g * 256);
      SingleSampleAdapter single(&groupGen);
      std::array<float, 4> v = truncatedNormalFloat(single);
      for (size_t k = 0; k < 4 && i < n; ++k)
        d[i++] = v[k];
    }
    break;
  }
  }
  return addValue(call, std::move(out));
}

int64_t kiln_rt_string_const(KilnCall *call, int64_t data, int64_t nbytes,
                             int64_t rank, int64_t dims) {
  const int64_t *d = reinterpret_cast<const int64_t *>(dims);
  Tensor t(DType::kString, TensorShape(std::vector<int64_t>(d, d + rank)));
  const char *p = reinterpret_cast<const char *>(data);
  const char *end = p + nbytes;
  for (int64_t i = 0; i < t.numElements(); ++i) {
    uint64_t len;
    if (end - p < 8)
      return fail(call, errors::Internal("corrupt string constant"));
    std::memcpy(&len, p, 8);
    p += 8;
    if (static_cast<uint64_t>(end - p) < len)
      return fail(call, errors::Internal("corrupt string constant"));
    t.data<std::string>()[i].assign(p, len);
    p += len;
  }
  return addValue(call, std::move(t));
}

int64_t kiln_rt_summary(KilnCall *call, int32_t kind) {
  Tuple args = popArgs(call, 2);
  StatusOr<std::string> s = Status::OK();
  if (kind == 0) {
    s = scalarSummary(args[0], args[1]);
  } else {
    if (args[0].dtype() != DType::kString || args[0].numElements() != 1)
      return fail(call, errors::InvalidArgument(
                            "HistogramSummary tag must be a string scalar"));
    s = histogramSummary(args[0].data<std::string>()[0], args[1]);
  }
  if (!s.ok())
    return fail(call, s.status());
  return addValue(call, Tensor::scalar<std::string>(std::move(*s)));
}

int64_t kiln_rt_merge_summary(KilnCall *call, int64_t n) {
  Tuple args = popArgs(call, static_cast<size_t>(n));
  std::vector<std::string> inputs;
  for (const Tensor &t : args) {
    if (t.dtype() != DType::kString)
      return fail(
          call, errors::InvalidArgument("MergeSummary inputs must be strings"));
    for (int64_t i = 0; i < t.numElements(); ++i)
      inputs.push_back(t.data<std::string>()[i]);
  }
  StatusOr<std::string> s = mergeSummaries(inputs);
  if (!s.ok())
    return fail(call, s.status());
  return addValue(call, Tensor::scalar<std::string>(std::move(*s)));
}

int32_t kiln_rt_check_divisor(KilnCall *call, int32_t nonZero) {
  if (nonZero)
    return 1;
  fail(call, errors::InvalidArgument("Integer division by zero"));
  return 0;
}

int32_t kiln_rt_check_labels(KilnCall *call, int64_t numClasses) {
  Tensor labels = call->args.back();
  call->args.pop_back();
  auto label = [&](int64_t i) -> int64_t {
    return labels.dtype() == DType::kInt64 ? labels.data<int64_t>()[i]
                                           : labels.data<int32_t>()[i];
  };
  for (int64_t i = 0; i < labels.numElements(); ++i)
    if (label(i) < 0 || label(i) >= numClasses) {
      fail(call, errors::InvalidArgument(
                     "Received a label value of ", label(i),
                     " which is outside the valid range of [0, ", numClasses,
                     ").  Label values: ",
                     summarizeValue(labels, labels.numElements())));
      return 0;
    }
  return 1;
}

int32_t kiln_rt_check_reshape(KilnCall *call, int64_t total,
                              int64_t requested) {
  if (total == requested)
    return 1;
  fail(call, errors::InvalidArgument(
                 "Input to reshape is a tensor with ", total,
                 " values, but the requested shape has ", requested));
  return 0;
}

int32_t kiln_rt_check_dims(KilnCall *call, int64_t a, int64_t b) {
  if (a == b)
    return 1;
  fail(call,
       errors::InvalidArgument("Incompatible shapes: [", a, "] vs. [", b, "]"));
  return 0;
}

void kiln_rt_matmul(KilnCall *, int64_t a, int64_t b, int64_t c, int64_t m,
                    int64_t n, int64_t k, int64_t lda, int64_t ldb, int64_t ldc,
                    int32_t flags, int64_t epilogue, int64_t ctx) {
  GemmArgs g;
  g.transA = flags & 1;
  g.transB = flags & 2;
  g.accumulate = flags & 4;
  g.m = m;
  g.n = n;
  g.k = k;
  g.a = reinterpret_cast<const float *>(a);
  g.lda = lda;
  g.b = reinterpret_cast<const float *>(b);
  g.ldb = ldb;
  g.c = reinterpret_cast<float *>(c);
  g.ldc = ldc;
  g.epilogue = reinterpret_cast<void (*)(void *, int64_t, int64_t, int64_t,
                                         int64_t)>(epilogue);
  g.epilogueCtx = reinterpret_cast<void *>(ctx);
  sgemm(g, &ThreadPool::intraOp());
}

void kiln_rt_parallel_for(KilnCall *, int64_t fn, int64_t ctx, int64_t total,
                          int64_t grain) {
  auto body = reinterpret_cast<void (*)(void *, int64_t, int64_t)>(fn);
  void *context = reinterpret_cast<void *>(ctx);
  ThreadPool::intraOp().parallelFor(
      total, grain, [&](int64_t lo, int64_t hi) { body(context, lo, hi); });
}

} // extern "C"
