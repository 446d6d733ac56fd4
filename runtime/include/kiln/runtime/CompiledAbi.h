//===- CompiledAbi.h - What compiled graph code calls -----------*- C++ -*-===//
//
// The interface between generated code and the runtime. Compiled code does
// all math itself; it calls the runtime only for state (variables, queues),
// feeds and fetches, random streams and error reports. Every call takes the
// run's call frame. Tensors cross the boundary as scalars: compiled code
// passes (dtype, data pointer, rank, pointer to dims) and receives tensors
// as a frame-owned value index, which it views in place (`kiln_rt_view`:
// data address and dims). Values in the frame live until the run ends.
//
// Calls that can fail return a negative number (or 0 for "ok" flags) and
// record the error in the frame; compiled code then ends the run. All
// pointers to data are as wide as int64_t.
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
  /// Buffers compiled code allocated (kiln_rt_alloc) and has not freed:
  /// freed when the run ends (e.g. early, after an op failed).
  std::vector<std::pair<void *, size_t>> buffers;

  KilnCall() = default;
  KilnCall(const KilnCall &) = delete;
  KilnCall &operator=(const KilnCall &) = delete;
  ~KilnCall();
};

/// How AssignVariable-like calls combine (kiln_rt_assign's `mode`).
enum class AssignMode : int32_t { kAssign = 0, kAdd = 1, kSub = 2 };
/// kiln_rt_dequeue's `mode`.
enum class DequeueMode : int32_t { kOne = 0, kMany = 1, kUpTo = 2 };
/// kiln_rt_random's `dist`.
enum class RandomDist : int32_t { kUniform = 0, kNormal = 1, kTruncated = 2 };

} // namespace kiln

// The functions themselves: one list, CompiledAbi.def, also read by the
// compiler and the JIT.
extern "C" {
#define KILN_RT_FUNCTION(result, name, ...) result name(__VA_ARGS__);
#include "kiln/runtime/CompiledAbi.def"
}

#endif // KILN_RUNTIME_COMPILEDABI_H
