//===- CompiledAbi.h - What compiled graph code calls -----------*- C++ -*-===//
//
// The interface between generated code and the runtime. Compiled code does
// all math itself; it calls the runtime only for state (variables, queues),
// feeds and fetches, random streams and error reports. Every call takes the
// run's call frame. Tensors cross the boundary as scalars: compiled code
// passes (dtype, data pointer, rank, pointer to dims) and receives tensors
// as a frame-owned value index, whose bytes (`kiln_rt_data`,
// `kiln_rt_bytes`) it views as a memref in place, and whose dims it asks
// for. Values in the frame live until the run ends.
//
// Calls that can fail return a negative number (or 0 for "ok" flags) and
// record the error in the frame; compiled code then skips the rest of the
// run. All pointers to data are as wide as int64_t.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_COMPILEDABI_H
#define KILN_RUNTIME_COMPILEDABI_H

#include "kiln/runtime/RunContext.h"
#include "kiln/runtime/Status.h"
#include "kiln/runtime/Tensor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

class Session;

/// The frame of one run of a compiled signature.
struct KilnCall {
  Session *session = nullptr;
  RunContext *ctx = nullptr;
  const std::vector<Tensor> *feeds = nullptr;
  std::vector<Tensor> *fetches = nullptr;
  /// Tensors handed to compiled code (feeds, reads, dequeues, random).
  std::vector<Tensor> values;
  /// Arguments pushed for the next runtime call (borrowed memory).
  std::vector<Tensor> args;
  /// (position in args, slot) of resource arguments (kiln_rt_arg_slot).
  std::vector<std::pair<size_t, int64_t>> slotArgs;
  /// The node of the last kernel call (named in shape-check errors); owned
  /// by the session's kernel table, so no copy per call.
  const std::string *lastKernel = nullptr;
  Status status;
};

/// How AssignVariable-like calls combine (kiln_rt_assign's `mode`).
enum class AssignMode : int32_t { kAssign = 0, kAdd = 1, kSub = 2 };
/// kiln_rt_dequeue's `mode`.
enum class DequeueMode : int32_t { kOne = 0, kMany = 1, kUpTo = 2 };
/// kiln_rt_random's `dist`.
enum class RandomDist : int32_t { kUniform = 0, kNormal = 1, kTruncated = 2 };

} // namespace kiln

extern "C" {
/// Pushes an argument: `data` points at rank-`rank` dims `dims` of `dtype`.
void kiln_rt_arg(kiln::KilnCall *call, int32_t dtype, int64_t data,
                 int64_t rank, int64_t dims);
/// Pushes value `v` (one the runtime holds) as an argument.
void kiln_rt_arg_value(kiln::KilnCall *call, int64_t v);
/// Pushes the resource in `slot` (a variable, queue or reader) as the next
/// argument of a kernel call.
void kiln_rt_arg_slot(kiln::KilnCall *call, int64_t slot);
/// Runs the host kernel (HostKernel.h) of the node whose serialized NodeDef
/// is the `len` bytes at `nodeDef`, on the last `nIn` arguments; `ownSlot`
/// is the node's own resource slot or -1. Returns the value index of its
/// first output (the `nOut` outputs are consecutive), or -1.
int64_t kiln_rt_kernel(kiln::KilnCall *call, int64_t nodeDef, int64_t len,
                       int64_t nIn, int64_t nOut, int64_t ownSlot);
/// Value index of feed `i`.
int64_t kiln_rt_feed(kiln::KilnCall *call, int64_t i);
/// Address and size in bytes of value `v`'s data (valid until the run
/// ends; compiled code reads it in place and never frees it).
int64_t kiln_rt_data(kiln::KilnCall *call, int64_t v);
int64_t kiln_rt_bytes(kiln::KilnCall *call, int64_t v);
/// Dim `d` of value `v`.
int64_t kiln_rt_dim(kiln::KilnCall *call, int64_t v, int64_t d);
/// Checks that value `v` has `rank` dims equal to `dims` where those are >= 0
/// (what the compiled code assumed); 1 when it does.
int32_t kiln_rt_check_shape(kiln::KilnCall *call, int64_t v, int64_t rank,
                            int64_t dims, int64_t slot);
/// Fetch `i` = a copy of the last argument pushed. Returns 1.
int32_t kiln_rt_fetch(kiln::KilnCall *call, int64_t i);
/// Value index of the variable in `slot` (shared, read-only), or -1.
int64_t kiln_rt_read(kiln::KilnCall *call, int64_t slot);
/// Assign / AssignAdd / AssignSub of the last argument to `slot`.
int32_t kiln_rt_assign(kiln::KilnCall *call, int64_t slot, int32_t mode,
                       int32_t validateShape);
/// Enqueue (many = 0) or EnqueueMany (1) of the last `n` arguments.
int32_t kiln_rt_enqueue(kiln::KilnCall *call, int64_t slot, int64_t n,
                        int32_t many, int64_t timeoutMs);
/// Dequeue: value index of the first component, or -1.
int64_t kiln_rt_dequeue(kiln::KilnCall *call, int64_t slot, int32_t mode,
                        int64_t n, int64_t timeoutMs);
int32_t kiln_rt_queue_size(kiln::KilnCall *call, int64_t slot);
int32_t kiln_rt_queue_is_closed(kiln::KilnCall *call, int64_t slot);
int32_t kiln_rt_queue_close(kiln::KilnCall *call, int64_t slot,
                            int32_t cancelPendingEnqueues);
/// A random tensor of `dtype` and the shape of the last argument (an
/// int32/int64 shape vector), from the generator in `slot`: value index or -1.
int64_t kiln_rt_random(kiln::KilnCall *call, int64_t slot, int32_t dist,
                       int32_t dtype);
/// A string tensor constant: `nbytes` at `data` hold each element as an
/// 8-byte little-endian length and its bytes; value index.
int64_t kiln_rt_string_const(kiln::KilnCall *call, int64_t data, int64_t nbytes,
                             int64_t rank, int64_t dims);
/// ScalarSummary (kind 0: tags, values) or HistogramSummary (kind 1: tag,
/// values) of the last two arguments: value index of the serialized
/// Summary, or -1.
int64_t kiln_rt_summary(kiln::KilnCall *call, int32_t kind);
/// MergeSummary of the last `n` arguments: value index or -1.
int64_t kiln_rt_merge_summary(kiln::KilnCall *call, int64_t n);
/// Checks the class labels of the last argument (int32/int64 [B]) are in
/// [0, numClasses): 1 if so, else 0 with TF's InvalidArgument "Received a
/// label value of ..." (SparseSoftmaxCrossEntropyWithLogits).
int32_t kiln_rt_check_labels(kiln::KilnCall *call, int64_t numClasses);
/// Integer division: `nonZero` is 0 when some divisor is 0, which fails the
/// run with TF's InvalidArgument "Integer division by zero" (returns 0);
/// otherwise returns 1.
int32_t kiln_rt_check_divisor(kiln::KilnCall *call, int32_t nonZero);
/// 1 when a Reshape of `total` elements to a shape of `requested` elements
/// is possible, else 0 with TF's InvalidArgument "Input to reshape is a
/// tensor with N values, but the requested shape has M".
int32_t kiln_rt_check_reshape(kiln::KilnCall *call, int64_t total,
                              int64_t requested);
/// Records InvalidArgument "Incompatible shapes: [a] vs. [b]" for the
/// broadcast of dims `a` and `b` of node `nodeName` (a NUL-terminated
/// string in the compiled code). Returns 0.
int32_t kiln_rt_incompatible_shapes(kiln::KilnCall *call, int64_t a, int64_t b);
}

#endif // KILN_RUNTIME_COMPILEDABI_H
