//===- SessionStateTest.cpp - Variables and named resources ---------------===//
#include "kiln/runtime/SessionState.h"

#include <gtest/gtest.h>

#include <thread>

using namespace kiln;

TEST(SessionState, UninitializedReadIsFailedPrecondition) {
  SessionState state;
  Variable *w = *state.createVariable("w_h", DType::kFloat, TensorShape{2});
  EXPECT_FALSE(w->isInitialized());
  StatusOr<Tensor> v = w->read();
  EXPECT_EQ(v.status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(v.status().message(), "Attempting to use uninitialized value w_h");
  EXPECT_EQ(w->assignAdd(Tensor::vector<float>({1, 2})).code(),
            Code::kFailedPrecondition);
}

TEST(SessionState, AssignAndAssignAdd) {
  SessionState state;
  Variable *w = *state.createVariable("w", DType::kFloat, TensorShape{2});
  ASSERT_TRUE(w->assign(Tensor::vector<float>({1, 2})).ok());
  ASSERT_TRUE(w->assignAdd(Tensor::vector<float>({0.5f, 0.5f})).ok());
  EXPECT_EQ(w->read()->debugString(), "[1.5 2.5]");
  ASSERT_TRUE(w->assignSub(Tensor::vector<float>({1, 1})).ok());
  EXPECT_EQ(w->read()->debugString(), "[0.5 1.5]");
  Status s = w->assign(Tensor::vector<float>({1, 2, 3}));
  EXPECT_EQ(s.message(), "Assign requires shapes of both tensors to match. "
                         "lhs shape= [2] rhs shape= [3]");
  ASSERT_TRUE(w->assign(Tensor::vector<float>({1, 2, 3}), false).ok());
  EXPECT_EQ(w->assignAdd(Tensor::vector<float>({1})).message(),
            "Parameters and update must be the same size");
  // A read is a snapshot: later updates do not change it.
  Tensor snap = *w->read();
  ASSERT_TRUE(w->assignAdd(Tensor::vector<float>({1, 1, 1})).ok());
  EXPECT_EQ(snap.debugString(), "[1. 2. 3.]");
}

TEST(SessionState, ResolvedHandlesAreStable) {
  SessionState state;
  Variable *a = *state.createVariable("a", DType::kInt32);
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(
        state.createVariable("v" + std::to_string(i), DType::kInt32).ok());
  EXPECT_EQ(*state.variable("a"), a);
  EXPECT_EQ(*state.createVariable("a", DType::kInt32), a);
  EXPECT_EQ(state.createVariable("a", DType::kFloat).status().code(),
            Code::kAlreadyExists);
  EXPECT_EQ(state.variable("nope").status().code(), Code::kNotFound);
  EXPECT_EQ(state.variables().front(), a);
  EXPECT_EQ(state.variables().size(), 101u);

  QueueOptions o;
  o.name = "q";
  o.componentTypes = {DType::kFloat};
  ASSERT_TRUE(state.addResource("q", *FIFOQueue::create(o)).ok());
  Queue *q = *state.queue("q");
  EXPECT_EQ(q->name(), "q");
  EXPECT_EQ(state.addResource("q", *FIFOQueue::create(o)).code(),
            Code::kAlreadyExists);
  EXPECT_EQ(state.queue("missing").status().code(), Code::kNotFound);
}

TEST(SessionState, ConcurrentAssignAddIsAtomic) {
  SessionState state;
  Variable *c = *state.createVariable("counter", DType::kInt64);
  ASSERT_TRUE(c->assign(Tensor::scalar<int64_t>(0)).ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([c] {
      for (int i = 0; i < 1000; ++i)
        EXPECT_TRUE(c->assignAdd(Tensor::scalar<int64_t>(1)).ok());
    });
  for (auto &t : threads)
    t.join();
  EXPECT_EQ(*c->read()->data<int64_t>(), 4000);
}

TEST(SessionState, CloseAllQueuesCancelsBlockedEnqueues) {
  SessionState state;
  QueueOptions o;
  o.name = "q";
  o.componentTypes = {DType::kFloat};
  o.capacity = 1;
  ASSERT_TRUE(state.addResource("q", *FIFOQueue::create(o)).ok());
  Queue *q = *state.queue("q");
  ASSERT_TRUE(q->enqueue({Tensor::scalar<float>(1)}).ok());
  Status s;
  std::thread t([&] { s = q->enqueue({Tensor::scalar<float>(2)}); });
  while (q->numPendingEnqueues() == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  state.closeAllQueues();
  t.join();
  EXPECT_EQ(s.code(), Code::kCancelled);
  EXPECT_EQ(s.message(), "Enqueue operation was cancelled");
}

TEST(SessionState, NextValueRecyclesTheBufferNobodyHolds) {
  SessionState state;
  Variable *w = *state.createVariable("w_next", DType::kFloat, TensorShape{3});
  EXPECT_EQ(w->nextValue().status().message(),
            "Attempting to use uninitialized value w_next");
  ASSERT_TRUE(w->assign(Tensor::vector<float>({1, 2, 3})).ok());
  const void *first = w->snapshot()->raw();
  // A training step: snapshot, then write the next value whole.
  auto step = [&](float scale) -> const void * {
    Tensor old = *w->snapshot();
    Tensor next = *w->nextValue();
    EXPECT_FALSE(next.sharesBufferWith(old));
    EXPECT_EQ(next.shape(), old.shape());
    // The variable's value is the new buffer at once.
    EXPECT_TRUE(w->snapshot()->sharesBufferWith(next));
    for (int i = 0; i < 3; ++i)
      next.data<float>()[i] = old.data<float>()[i] * scale;
    // The snapshot taken before is unchanged.
    EXPECT_NE(old.data<float>()[0], next.data<float>()[0]);
    return next.raw();
  };
  const void *second = step(2);
  EXPECT_NE(second, first);
  // Nobody holds the first buffer any more: the third value reuses it,
  // and the fourth the second.
  EXPECT_EQ(step(2), first);
  EXPECT_EQ(step(2), second);
  EXPECT_EQ(w->read()->debugString(), "[ 8. 16. 24.]");
  // A snapshot still held keeps its buffer out of reuse.
  Tensor held = *w->snapshot(); // the second buffer
  const void *fifth = step(0.5f);
  EXPECT_EQ(fifth, first);
  const void *sixth = step(0.5f);
  EXPECT_NE(sixth, second);
  EXPECT_EQ(held.debugString(), "[ 8. 16. 24.]");
  EXPECT_EQ(w->read()->debugString(), "[2. 4. 6.]");
}
