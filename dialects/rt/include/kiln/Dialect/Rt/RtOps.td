//===- RtOps.td - The kiln_rt dialect: runtime operations -*- tablegen -*-===//
//
// What compiled code asks of Kiln's runtime during one Session.run: its
// feeds and fetches, variables, queues and readers (by resource slot),
// random streams, host kernels, and checks that fail the run with
// TensorFlow's status. The lowering of the graph dialect produces these ops
// on tensors; they bufferize through the bufferization interfaces (operands
// are read, results are read-only buffers the runtime owns until the run
// ends) and become calls of the runtime's C ABI
// (kiln/runtime/CompiledAbi.def) only in the last conversion to LLVM.
//
// Ops that can fail (trait `MayFail`) record TensorFlow's status in the
// run's frame; `kiln-rt-early-exit` ends the run right after each of them
// when it failed, so the code after a fallible op is never nested in it.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_DIALECT_RT_RTOPS_TD
#define KILN_DIALECT_RT_RTOPS_TD

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/DialectBase.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Rt_Dialect : Dialect {
  let name = "kiln_rt";
  let cppNamespace = "::kiln::rt";
  let summary = "Operations of Kiln's runtime, as compiled code uses them";
  let description = [{
    One op per thing compiled code asks of the runtime during a run. Every op
    takes the run's frame (`!kiln_rt.frame`, the function's first argument)
    first. Data operands and results are ranked tensors (before
    bufferization), memrefs (after), or `!kiln_rt.value`: a value only the
    runtime holds (strings, tensors of unknown rank), which compiled code
    passes on but does not compute with. Booleans cross the boundary as
    `i8` (TensorFlow's one byte per bool).

    A result tensor is read-only: it views the runtime's memory (a variable
    is read in place) until the run ends. Results with static dims are
    checked against the runtime's value at run time (a queue element or a
    kernel output of another shape fails the run with TF's error).
  }];
  let useDefaultTypePrinterParser = 1;
}

class Rt_Type<string name, string typeMnemonic>
    : TypeDef<Rt_Dialect, name> {
  let mnemonic = typeMnemonic;
}

def Rt_FrameType : Rt_Type<"Frame", "frame"> {
  let summary = "the frame of one run: feeds, fetches, values, status";
}
def Rt_ValueType : Rt_Type<"Value", "value"> {
  let summary = "a value only the runtime holds (strings, unknown rank)";
}

def Rt_Array : AnyTypeOf<[AnyRankedTensor, AnyMemRef]>;
def Rt_Data : AnyTypeOf<[AnyRankedTensor, AnyMemRef, Rt_ValueType]>;

// A result the runtime holds until the run ends: to the deallocation passes
// an automatic allocation (never theirs to free, and distinct from every
// buffer compiled code allocates).
class Rt_Result<TypeConstraint type> : Res<type, "", [MemAlloc<AutomaticAllocationScopeResource>]>;

/// Ops that may fail the run; the run ends after one that did.
def Rt_MayFail : NativeOpTrait<"MayFail"> {
  let cppNamespace = "::kiln::rt";
}

// Every runtime op may read and write memory: its operands' buffers and the
// session's state, which other threads (queue runners) share.
class Rt_Op<string mnemonic, list<Trait> traits = []>
    : Op<Rt_Dialect, mnemonic,
         !listconcat([MemoryEffects<[MemRead, MemWrite]>], traits)> {
  let hasVerifier = 0;
}

//===----------------------------------------------------------------------===//
// Feeds and fetches
//===----------------------------------------------------------------------===//

def Rt_FeedOp : Rt_Op<"feed"> {
  let summary = "the value fed for the signature's feed `index`";
  let description = [{
    The runtime checked the fed value's dtype and shape against the
    signature before the run started.
  }];
  let arguments = (ins Rt_FrameType:$frame, I64Attr:$index);
  let results = (outs Rt_Result<Rt_Data>:$result);
  let assemblyFormat = "$frame `[` $index `]` attr-dict `:` type($result)";
}

def Rt_FetchOp : Rt_Op<"fetch"> {
  let summary = "hands `value` back as the signature's fetch `index`";
  let arguments = (ins Rt_FrameType:$frame, Rt_Data:$value, I64Attr:$index,
                       I32Attr:$dtype);
  let assemblyFormat = [{
    $frame `[` $index `]` `,` $value attr-dict `:` type($value)
  }];
}

//===----------------------------------------------------------------------===//
// Variables
//===----------------------------------------------------------------------===//

def Rt_ReadOp : Rt_Op<"read", [Rt_MayFail]> {
  let summary = "the variable in `slot`, read in place";
  let description = [{
    Fails with FailedPrecondition when the variable is not initialized, and
    with InvalidArgument when its shape contradicts the result's static dims.
  }];
  let arguments = (ins Rt_FrameType:$frame, I64Attr:$slot);
  let results = (outs Rt_Result<Rt_Array>:$result);
  let assemblyFormat = "$frame `[` $slot `]` attr-dict `:` type($result)";
}

def Rt_WritableOp : Rt_Op<"writable", [Rt_MayFail]> {
  let summary = "the variable's next value, as a buffer to write in place";
  let description = [{
    For training ops (ApplyRMSProp and co.), which TF runs in place: a
    buffer of the variable's shape that is its value from now on; compiled
    code writes all of it (the op's inputs are snapshots read before, which
    keep the old buffer). The runtime recycles the buffer of the value
    before, so a training step neither allocates nor copies its variables.
    A buffer only (used through `bufferization.to_tensor` and
    `bufferization.materialize_in_destination` before bufferization).
    Fails with FailedPrecondition when the variable is not initialized.
  }];
  let arguments = (ins Rt_FrameType:$frame, I64Attr:$slot);
  let results = (outs Res<AnyMemRef, "",
                          [MemAlloc<AutomaticAllocationScopeResource>]>:$buffer);
  let assemblyFormat = "$frame `[` $slot `]` attr-dict `:` type($buffer)";
}

def Rt_AssignOp : Rt_Op<"assign", [Rt_MayFail]> {
  let summary = "Assign / AssignAdd / AssignSub of `value` to the variable";
  let arguments = (ins Rt_FrameType:$frame, Rt_Data:$value, I64Attr:$slot,
                       I32Attr:$mode, BoolAttr:$validate_shape,
                       I32Attr:$dtype);
  let assemblyFormat = [{
    $frame `[` $slot `]` `,` $value attr-dict `:` type($value)
  }];
}

//===----------------------------------------------------------------------===//
// Queues
//===----------------------------------------------------------------------===//

def Rt_EnqueueOp : Rt_Op<"enqueue", [Rt_MayFail]> {
  let summary = "Enqueue (or EnqueueMany) of `values` to the queue in `slot`";
  let arguments = (ins Rt_FrameType:$frame, Variadic<Rt_Data>:$values,
                       I64Attr:$slot, BoolAttr:$many, I64Attr:$timeout_ms,
                       DenseI32ArrayAttr:$dtypes);
  let assemblyFormat = [{
    $frame `[` $slot `]` (`,` $values^ `:` type($values))? attr-dict
  }];
}

def Rt_DequeueOp : Rt_Op<"dequeue", [Rt_MayFail]> {
  let summary = "Dequeue, DequeueMany(count) or DequeueUpTo(count)";
  let arguments = (ins Rt_FrameType:$frame, Optional<I64>:$count,
                       I64Attr:$slot, I32Attr:$mode, I64Attr:$timeout_ms);
  let results = (outs Rt_Result<Variadic<Rt_Data>>:$results);
  let assemblyFormat = [{
    $frame `[` $slot `]` (`count` $count^)? attr-dict `:` type($results)
  }];
}

def Rt_QueueSizeOp : Rt_Op<"queue_size"> {
  let summary = "the number of elements in the queue in `slot`";
  let arguments = (ins Rt_FrameType:$frame, I64Attr:$slot);
  let results = (outs I32:$size);
  let assemblyFormat = "$frame `[` $slot `]` attr-dict";
}

def Rt_QueueIsClosedOp : Rt_Op<"queue_is_closed"> {
  let summary = "whether the queue in `slot` is closed";
  let arguments = (ins Rt_FrameType:$frame, I64Attr:$slot);
  let results = (outs I1:$closed);
  let assemblyFormat = "$frame `[` $slot `]` attr-dict";
}

def Rt_QueueCloseOp : Rt_Op<"queue_close", [Rt_MayFail]> {
  let summary = "closes the queue in `slot`";
  let arguments = (ins Rt_FrameType:$frame, I64Attr:$slot,
                       BoolAttr:$cancel_pending_enqueues);
  let assemblyFormat = "$frame `[` $slot `]` attr-dict";
}

//===----------------------------------------------------------------------===//
// Random streams, constants, summaries, host kernels
//===----------------------------------------------------------------------===//

def Rt_RandomOp : Rt_Op<"random", [Rt_MayFail]> {
  let summary = "a tensor from the Philox stream of the generator in `slot`";
  let description = [{
    `dist`: 0 uniform [0, 1), 1 standard normal, 2 truncated normal; the
    shape is the values of `shape` (TF's draw order, so the numbers equal
    TensorFlow's for the same seeds).

    With `skip` true at run time, the generator advances as for the draw
    but the values are not computed: the result is zeros. The compiler sets
    it where no value of the draw can change what the run computes under a
    condition (kiln-cpu-skip-unused-draws: dropout at keep_prob 1).
  }];
  let arguments = (ins Rt_FrameType:$frame, Rt_Array:$shape,
                       Optional<I1>:$skip, I64Attr:$slot, I32Attr:$dist,
                       I32Attr:$dtype, I32Attr:$shape_dtype);
  let results = (outs Rt_Result<Rt_Array>:$result);
  let assemblyFormat = [{
    $frame `[` $slot `]` `,` $shape (`skip` `if` $skip^)? attr-dict `:`
    type($shape) `->` type($result)
  }];
}

def Rt_StringConstOp : Rt_Op<"string_const"> {
  let summary = "a string tensor constant, held by the runtime";
  let description = [{
    `bytes` holds each element as an 8-byte little-endian length and its
    bytes; `shape` its dims.
  }];
  let arguments = (ins Rt_FrameType:$frame, StrAttr:$bytes,
                       DenseI64ArrayAttr:$shape);
  let results = (outs Rt_ValueType:$result);
  let assemblyFormat = "$frame $shape `,` $bytes attr-dict";
}

def Rt_SummaryOp : Rt_Op<"summary", [Rt_MayFail]> {
  let summary = "ScalarSummary (kind 0) or HistogramSummary (kind 1)";
  let arguments = (ins Rt_FrameType:$frame, Rt_Data:$tags, Rt_Data:$values,
                       I32Attr:$kind, DenseI32ArrayAttr:$dtypes);
  let results = (outs Rt_ValueType:$result);
  let assemblyFormat = [{
    $frame `(` $tags `,` $values `)` attr-dict `:` type($tags) `,`
    type($values)
  }];
}

def Rt_MergeSummaryOp : Rt_Op<"merge_summary", [Rt_MayFail]> {
  let summary = "MergeSummary of serialized Summary protos";
  let arguments = (ins Rt_FrameType:$frame, Variadic<Rt_Data>:$inputs,
                       DenseI32ArrayAttr:$dtypes);
  let results = (outs Rt_ValueType:$result);
  let assemblyFormat = "$frame `(` $inputs `)` attr-dict `:` type($inputs)";
}

def Rt_KernelOp : Rt_Op<"kernel", [Rt_MayFail]> {
  let summary = "runs the host kernel of a node (strings, files, protos)";
  let description = [{
    `node_def` is the node's serialized NodeDef: the runtime builds the
    node's kernel from it once per session. `input_slots` has one entry per
    input of the node: a resource slot (variables, queues, readers), or -1
    for the next of `inputs`. `own_slot` is the node's own resource or -1.
  }];
  let arguments = (ins Rt_FrameType:$frame, Variadic<Rt_Data>:$inputs,
                       StrAttr:$node_def, DenseI64ArrayAttr:$input_slots,
                       I64Attr:$own_slot, DenseI32ArrayAttr:$dtypes);
  let results = (outs Rt_Result<Variadic<Rt_Data>>:$results);
  let assemblyFormat = [{
    $frame `(` $inputs `)` attr-dict `:` functional-type($inputs, $results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Checks: each fails the run with TensorFlow's status
//===----------------------------------------------------------------------===//

def Rt_CheckLabelsOp : Rt_Op<"check_labels", [Rt_MayFail]> {
  let summary = "class labels in [0, num_classes)";
  let description = [{
    SparseSoftmaxCrossEntropyWithLogits: InvalidArgument "Received a label
    value of L which is outside the valid range of [0, N)".
  }];
  let arguments = (ins Rt_FrameType:$frame, Rt_Array:$labels,
                       I64Attr:$num_classes, I32Attr:$dtype);
  let assemblyFormat = "$frame `,` $labels attr-dict `:` type($labels)";
}

def Rt_CheckDivisorOp : Rt_Op<"check_divisor", [Rt_MayFail]> {
  let summary = "fails with 'Integer division by zero' unless `nonzero`";
  let arguments = (ins Rt_FrameType:$frame, I1:$nonzero);
  let assemblyFormat = "$frame `,` $nonzero attr-dict";
}

def Rt_CheckReshapeOp : Rt_Op<"check_reshape", [Rt_MayFail]> {
  let summary = "a reshape of `total` elements to `requested` elements";
  let arguments = (ins Rt_FrameType:$frame, Index:$total, Index:$requested);
  let assemblyFormat = "$frame `,` $total `,` $requested attr-dict";
}

def Rt_CheckDimsOp : Rt_Op<"check_dims", [Rt_MayFail]> {
  let summary = "two dims that must agree: 'Incompatible shapes: [a] vs. [b]'";
  let arguments = (ins Rt_FrameType:$frame, Index:$expected, Index:$actual);
  let assemblyFormat = "$frame `,` $expected `,` $actual attr-dict";
}

//===----------------------------------------------------------------------===//
// Buffers the run owns
//===----------------------------------------------------------------------===//

def Rt_AllocOp : Op<Rt_Dialect, "alloc"> {
  let summary = "a buffer the run owns (freed by kiln_rt.free or when the run ends)";
  let description = [{
    What `memref.alloc` becomes in a session function (`kiln-rt-frame-buffers`):
    the frame keeps every buffer it hands out, so a run that ends early
    (after a runtime op failed) frees what it allocated, and buffers are
    reused from run to run instead of going back to malloc.
  }];
  let arguments = (ins Rt_FrameType:$frame, Variadic<Index>:$dynamic_sizes);
  let results = (outs Res<MemRefOf<[AnyType]>, "", [MemAlloc]>:$buffer);
  let assemblyFormat = [{
    $frame `(` $dynamic_sizes `)` attr-dict `:` type($buffer)
  }];
  let hasVerifier = 1;
}

def Rt_FreeOp : Op<Rt_Dialect, "free"> {
  let summary = "gives a buffer of kiln_rt.alloc back to the run";
  let arguments = (ins Rt_FrameType:$frame,
                       Arg<AnyMemRef, "", [MemFree]>:$buffer);
  let assemblyFormat = "$frame `,` $buffer attr-dict `:` type($buffer)";
}

//===----------------------------------------------------------------------===//
// Compute kernels
//===----------------------------------------------------------------------===//

def Rt_MatmulOp : Op<Rt_Dialect, "matmul",
    [DeclareOpInterfaceMethods<DestinationStyleOpInterface>,
     DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "init (+)= op(a) . op(b) by the runtime's GEMM kernel";
  let description = [{
    A single-precision matrix product that `kiln-cpu-select-gemm` hands to
    the runtime's register-tiled GEMM (kiln/runtime/Gemm.h: packed panels,
    AVX-512/AVX2 micro-kernels, both cores) instead of generating loops for
    it. `a` is [M, K] ([K, M] with `transpose_a`), `b` is [K, N] ([N, K]
    with `transpose_b`), `init` is [M, N]. With `accumulate` the product is
    added to `init`, else `init` is only written (it may be
    `tensor.empty`).

    Destination style, like linalg: on tensors it has one result, tied to
    `init`; on buffers none. Operands must be row-major with unit inner
    stride after bufferization (a strided view is copied first).

    On buffers an `epilogue` may follow the product: a function
    `(i0, i1, j0, j1: index, captures...)` that the kernel calls on each
    block of `init` (rows [i0, i1), columns [j0, j1)) once its values are
    final, while it is still in cache; the blocks cover `init` once.
    `kiln-cpu-gemm-epilogues` outlines an elementwise consumer of the
    product into it (bias, activation, an optimizer's update). The epilogue
    may read and write its captures, but must not write `a` or `b`.
  }];
  let arguments = (ins Rt_FrameType:$frame, Rt_Array:$a, Rt_Array:$b,
                       Rt_Array:$init, BoolAttr:$transpose_a,
                       BoolAttr:$transpose_b, BoolAttr:$accumulate,
                       OptionalAttr<FlatSymbolRefAttr>:$epilogue,
                       Variadic<AnyType>:$captures);
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let assemblyFormat = [{
    $frame `(` $a `,` $b `)` `into` $init
    (`epilogue` $epilogue^ `(` $captures `:` type($captures) `)`)?
    attr-dict `:` type($a) `,` type($b) `,` type($init) (`->` type($result)^)?
  }];
  let hasVerifier = 1;
}

def Rt_ParallelForOp : Rt_Op<"parallel_for"> {
  let summary = "runs an outlined loop over [0, total) on the intra-op pool";
  let description = [{
    `callee` is a function `(lo: index, hi: index, captures...)` that
    computes the iterations [lo, hi) of a loop (`kiln-cpu-parallel-loops`
    outlines the big elementwise loops of a session function so). The
    runtime splits [0, total) into blocks of at least `grain` iterations
    and runs them on the intra-op thread pool, the calling thread included;
    the op returns when all are done. `captures` are passed to every block
    as they are (buffers are shared; blocks write disjoint parts).
  }];
  let arguments = (ins Rt_FrameType:$frame, FlatSymbolRefAttr:$callee,
                       Index:$total, I64Attr:$grain,
                       Variadic<AnyType>:$captures);
  let assemblyFormat = [{
    $frame $callee `(` $captures `)` `total` $total `grain` $grain attr-dict
    `:` type($captures)
  }];
}

def Rt_OkOp : Rt_Op<"ok"> {
  let summary = "whether the run has not failed so far";
  let arguments = (ins Rt_FrameType:$frame);
  let results = (outs I1:$ok);
  let assemblyFormat = "$frame attr-dict";
}

#endif // KILN_DIALECT_RT_RTOPS_TD
