//===- SessionTest.cpp - Session and the compiled-code ABI ----------------===//
//
// The runtime half of compiled graphs, without a compiler: "compiled"
// signatures here are hand-written functions making the same kiln_rt_* calls
// generated code makes. Covers resource slots, feeds/fetches, variable
// reads/assigns (snapshots stay unchanged), queue calls with deadlines,
// random streams, error reporting, and queue runners calling compiled
// functions concurrently (run under TSan by the test command).
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/Session.h"
#include "kiln/runtime/CompiledAbi.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <map>

using namespace kiln;

namespace {

/// A SignatureProvider over hand-written functions, keyed by the first
/// target or fetch.
class TableProvider : public SignatureProvider {
public:
  void add(const std::string &name, void (*fn)(KilnCall *),
           std::vector<FeedSpec> feeds = {},
           std::vector<std::string> fetches = {}) {
    CompiledSignature sig;
    sig.key = name;
    sig.fn = fn;
    sig.feeds = std::move(feeds);
    sig.fetches = std::move(fetches);
    table_[name] = std::move(sig);
  }
  StatusOr<const CompiledSignature *>
  get(const std::vector<std::string> &, const std::vector<std::string> &fetches,
      const std::vector<std::string> &targets,
      const std::vector<Tensor> *) override {
    const std::string &key = !targets.empty() ? targets[0] : fetches[0];
    auto it = table_.find(key);
    if (it == table_.end())
      return errors::NotFound("FetchOutputs node ", key, ": not found");
    return &it->second;
  }

private:
  std::map<std::string, CompiledSignature> table_;
};

int64_t ptr(const void *p) { return reinterpret_cast<int64_t>(p); }

/// Pushes a float scalar or vector argument the way generated code does.
void pushFloats(KilnCall *call, const float *data, std::vector<int64_t> dims) {
  kiln_rt_arg(call, static_cast<int32_t>(DType::kFloat), ptr(data),
              static_cast<int64_t>(dims.size()), ptr(dims.data()));
}

std::vector<ResourceSpec> resources() {
  ResourceSpec var;
  var.kind = ResourceSpec::Kind::kVariable;
  var.nodeName = "counter";
  var.opType = "VariableV2";
  var.dtype = DType::kFloat;
  ResourceSpec queue;
  queue.kind = ResourceSpec::Kind::kQueue;
  queue.nodeName = "fifo_queue";
  queue.opType = "FIFOQueueV2";
  queue.queue.componentTypes = {DType::kFloat};
  queue.queue.capacity = 3;
  ResourceSpec random;
  random.kind = ResourceSpec::Kind::kRandom;
  random.nodeName = "u";
  random.opType = "RandomUniform";
  random.seed = 1;
  random.seed2 = 2;
  return {var, queue, random};
}

constexpr int64_t kCounter = 0, kQueue = 1, kRandom = 2;

// init: counter = 0
void initFn(KilnCall *call) {
  static const float zero = 0;
  pushFloats(call, &zero, {});
  if (!kiln_rt_assign(call, kCounter, 0, 1))
    return;
}
// increment: counter += 1
void incrementFn(KilnCall *call) {
  static const float one = 1;
  pushFloats(call, &one, {});
  kiln_rt_assign(call, kCounter, 1, 1);
}
// read: fetch counter (through the frame, as compiled code maps it)
void readFn(KilnCall *call) {
  int64_t v = kiln_rt_read(call, kCounter);
  if (v < 0)
    return;
  int64_t noDims = 0;
  const float *data = reinterpret_cast<const float *>(
      kiln_rt_view(call, v, 0, reinterpret_cast<int64_t>(&noDims), kCounter));
  pushFloats(call, data, {});
  kiln_rt_fetch(call, 0);
}
// enqueue: the counter's current value
void enqueueFn(KilnCall *call) {
  int64_t v = kiln_rt_read(call, kCounter);
  if (v < 0)
    return;
  kiln_rt_arg_value(call, v);
  kiln_rt_enqueue(call, kQueue, 1, 0, -1);
}
// dequeue: fetch one element
void dequeueFn(KilnCall *call) {
  int64_t v = kiln_rt_dequeue(call, kQueue, 0, 0, -1);
  if (v < 0)
    return;
  kiln_rt_arg_value(call, v);
  kiln_rt_fetch(call, 0);
}
void closeFn(KilnCall *call) { kiln_rt_queue_close(call, kQueue, 1); }
// feed x, fetch x * 2 computed in "compiled" code
void doubleFn(KilnCall *call) {
  int64_t v = kiln_rt_feed(call, 0);
  int64_t n = -1; // any size; the view writes the actual one
  const float *in = reinterpret_cast<const float *>(
      kiln_rt_view(call, v, 1, reinterpret_cast<int64_t>(&n), -1));
  std::vector<float> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    out[i] = in[i] * 2;
  pushFloats(call, out.data(), {n});
  kiln_rt_fetch(call, 0);
}
void randomFn(KilnCall *call) {
  static const int32_t shape[] = {4};
  static const int64_t dims[] = {1};
  kiln_rt_arg(call, static_cast<int32_t>(DType::kInt32), ptr(shape), 1,
              ptr(dims));
  int64_t v =
      kiln_rt_random(call, kRandom, 0, static_cast<int32_t>(DType::kFloat), 0);
  if (v < 0)
    return;
  kiln_rt_arg_value(call, v);
  kiln_rt_fetch(call, 0);
}

// buffers: the run's buffers come from its frame; one is given back, one
// is left for the frame to free when the run ends (as after a failed op).
void buffersFn(KilnCall *call) {
  auto *a = reinterpret_cast<float *>(kiln_rt_alloc(call, 1000 * 4));
  auto *b = reinterpret_cast<float *>(kiln_rt_alloc(call, 3));
  for (int i = 0; i < 1000; ++i)
    a[i] = static_cast<float>(i);
  b[0] = a[999];
  kiln_rt_free(call, reinterpret_cast<int64_t>(a));
  pushFloats(call, b, {});
  kiln_rt_fetch(call, 0);
}

struct Fixture : ::testing::Test {
  void SetUp() override {
    provider.add("init", initFn);
    provider.add("increment", incrementFn);
    provider.add("read", readFn, {}, {"read"});
    provider.add("enqueue", enqueueFn);
    provider.add("dequeue", dequeueFn, {}, {"dequeue"});
    provider.add("close", closeFn);
    FeedSpec x;
    x.name = "x";
    x.dtype = DType::kFloat;
    x.hasShape = true;
    x.dims = {-1};
    provider.add("double", doubleFn, {x}, {"double"});
    provider.add("random", randomFn, {}, {"random"});
    provider.add("buffers", buffersFn, {}, {"buffers"});
    auto s = Session::create(resources(), &provider);
    ASSERT_TRUE(s.ok()) << s.status().toString();
    session = std::move(*s);
  }
  float fetchFloat(const std::string &name) {
    std::vector<Tensor> out;
    Status st = session->run({}, {name}, {}, &out);
    EXPECT_TRUE(st.ok()) << st.toString();
    return out.empty() ? -1 : *out[0].data<float>();
  }
  TableProvider provider;
  std::unique_ptr<Session> session;
};

TEST_F(Fixture, SlotsHoldTheResources) {
  EXPECT_EQ(session->slotOf("counter"), 0);
  EXPECT_EQ(session->slotOf("fifo_queue"), 1);
  EXPECT_EQ(session->slotOf("nope"), -1);
  EXPECT_NE(session->slot(kQueue), nullptr);
}

TEST_F(Fixture, UninitializedReadIsFailedPrecondition) {
  std::vector<Tensor> out;
  Status st = session->run({}, {"read"}, {}, &out);
  EXPECT_EQ(st.code(), Code::kFailedPrecondition);
  EXPECT_EQ(st.message(), "Attempting to use uninitialized value counter");
}

TEST_F(Fixture, BuffersComeFromTheFrameAndAreReused) {
  // Under ASan, a buffer the frame did not free would be a leak and a use
  // of a freed one an error; the second run takes the cached buffers.
  for (int run = 0; run < 3; ++run)
    EXPECT_EQ(fetchFloat("buffers"), 999.0f);
}

TEST_F(Fixture, AssignAndAssignAdd) {
  ASSERT_TRUE(session->run({}, {}, {"init"}, nullptr).ok());
  ASSERT_TRUE(session->run({}, {}, {"increment"}, nullptr).ok());
  ASSERT_TRUE(session->run({}, {}, {"increment"}, nullptr).ok());
  EXPECT_EQ(fetchFloat("read"), 2.0f);
}

TEST_F(Fixture, SnapshotsDoNotSeeLaterUpdates) {
  ASSERT_TRUE(session->run({}, {}, {"init"}, nullptr).ok());
  Variable *v = static_cast<Variable *>(session->slot(kCounter));
  StatusOr<Tensor> snap = v->snapshot();
  ASSERT_TRUE(snap.ok());
  ASSERT_TRUE(session->run({}, {}, {"increment"}, nullptr).ok());
  EXPECT_EQ(*snap->data<float>(), 0.0f);
  EXPECT_EQ(fetchFloat("read"), 1.0f);
}

TEST_F(Fixture, FeedsAreCheckedAgainstTheSignature) {
  std::vector<Tensor> out;
  Status st = session->run({{"x", Tensor::vector<float>({1, 2, 3})}},
                           {"double"}, {}, &out);
  ASSERT_TRUE(st.ok()) << st.toString();
  EXPECT_EQ(out[0].debugString(), "[2. 4. 6.]");
  st =
      session->run({{"x", Tensor::vector<int32_t>({1})}}, {"double"}, {}, &out);
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_EQ(st.message(), "Cannot feed value of dtype int32 for Tensor 'x:0', "
                          "which has dtype float");
  st = session->run({{"x", Tensor::scalar<float>(1)}}, {"double"}, {}, &out);
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_EQ(st.message(), "Cannot feed value of shape [] for Tensor 'x:0', "
                          "which has shape [?]");
}

TEST_F(Fixture, DequeueTimesOutWithTheRunsDeadline) {
  auto start = std::chrono::steady_clock::now();
  std::vector<Tensor> out;
  Status st = session->run({}, {"dequeue"}, {}, &out, /*timeoutMs=*/100);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start)
                .count();
  EXPECT_EQ(st.code(), Code::kDeadlineExceeded);
  EXPECT_GE(ms, 100);
}

TEST_F(Fixture, ClosedQueueIsOutOfRangeAndEnqueueCancelled) {
  ASSERT_TRUE(session->run({}, {}, {"init"}, nullptr).ok());
  ASSERT_TRUE(session->run({}, {}, {"enqueue"}, nullptr).ok());
  ASSERT_TRUE(session->run({}, {}, {"close"}, nullptr).ok());
  EXPECT_EQ(fetchFloat("dequeue"), 0.0f);
  std::vector<Tensor> out;
  Status st = session->run({}, {"dequeue"}, {}, &out);
  EXPECT_EQ(st.code(), Code::kOutOfRange);
  st = session->run({}, {}, {"enqueue"}, nullptr);
  EXPECT_EQ(st.code(), Code::kCancelled);
}

TEST_F(Fixture, RandomStreamAdvancesPerRun) {
  std::vector<Tensor> a, b;
  ASSERT_TRUE(session->run({}, {"random"}, {}, &a).ok());
  ASSERT_TRUE(session->run({}, {"random"}, {}, &b).ok());
  // TF's first RandomUniform run for seed=1, seed2=2 (tf-formats.md 9).
  EXPECT_NEAR(a[0].data<float>()[0], 0.4063967f, 1e-6);
  EXPECT_NEAR(a[0].data<float>()[1], 0.8575996f, 1e-6);
  EXPECT_FALSE(a[0].equals(b[0]));
}

TEST_F(Fixture, UnknownSignatureIsNotFound) {
  std::vector<Tensor> out;
  Status st = session->run({}, {"nope"}, {}, &out);
  EXPECT_EQ(st.code(), Code::kNotFound);
}

TEST_F(Fixture, QueueRunnerThreadsRunCompiledFunctionsConcurrently) {
  // S6 through the runtime: an increment thread and an enqueue thread.
  ASSERT_TRUE(session->run({}, {}, {"init"}, nullptr).ok());
  QueueRunnerSpec spec;
  spec.queueName = "fifo_queue";
  spec.enqueueOpNames = {"increment", "enqueue"};
  spec.cancelOpName = "close";
  QueueRunner runner(spec);
  Coordinator coord;
  std::vector<ThreadHandle> threads =
      runner.createThreads(session.get(), &coord, /*start=*/true);
  float last = -1;
  for (int i = 0; i < 10; ++i) {
    float v = fetchFloat("dequeue");
    EXPECT_GE(v, last);
    last = v;
  }
  coord.requestStop();
  Status st = coord.join(threads, /*stopGracePeriodSecs=*/10);
  EXPECT_TRUE(st.ok()) << st.toString();
}

} // namespace
