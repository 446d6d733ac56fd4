"""Signatures of the TensorFlow ops this library emits, as in TF 1.2.

Each line reads `Op(input: type, ...) -> (output: type, ...) | attr: kind =
default; ...`. An arg type is a type attr (`T`), a fixed dtype (`int32`), a
list attr (`N * T`, `N * string`, or a list(type) attr name) or `Ref(...)`.
Graph construction needs the input names (Python values passed for an input
become Consts named after it, e.g. `Sub/y`), which attrs a node carries, and
their defaults: TF writes every attr of the op into the NodeDef.

Attrs TensorFlow added after 1.2 are not here, so no node carries them, as
none did in TF 1.2: `use_nesterov` of ApplyAdam (TF 1.3), `dilations` of
Conv2D and its backprops (TF 1.5). Readers fill them in from their defaults.
"""

from . import dtypes

_TABLE = """
Add(x: T, y: T) -> (z: T) | T: type
AddN(inputs: N * T) -> (sum: T) | N: int; T: type
ApplyAdam(var: Ref(T), m: Ref(T), v: Ref(T), beta1_power: T, beta2_power: T, lr: T, beta1: T, beta2: T, epsilon: T, grad: T) -> (out: Ref(T)) | T: type; use_locking: bool = false
ApplyGradientDescent(var: Ref(T), alpha: T, delta: T) -> (out: Ref(T)) | T: type; use_locking: bool = false
ApplyMomentum(var: Ref(T), accum: Ref(T), lr: T, grad: T, momentum: T) -> (out: Ref(T)) | T: type; use_locking: bool = false; use_nesterov: bool = false
ApplyRMSProp(var: Ref(T), ms: Ref(T), mom: Ref(T), lr: T, rho: T, momentum: T, epsilon: T, grad: T) -> (out: Ref(T)) | T: type; use_locking: bool = false
ArgMax(input: T, dimension: Tidx) -> (output: int64) | T: type; Tidx: type = int32
Assert(condition: bool, data: T) -> () | T: list(type); summarize: int = 3
Assign(ref: Ref(T), value: T) -> (output_ref: Ref(T)) | T: type; validate_shape: bool = true; use_locking: bool = true
AssignAdd(ref: Ref(T), value: T) -> (output_ref: Ref(T)) | T: type; use_locking: bool = false
BiasAdd(value: T, bias: T) -> (output: T) | T: type; data_format: string = 'NHWC'
BiasAddGrad(out_backprop: T) -> (output: T) | T: type; data_format: string = 'NHWC'
BroadcastGradientArgs(s0: T, s1: T) -> (r0: T, r1: T) | T: type = int32
Cast(x: SrcT) -> (y: DstT) | SrcT: type; DstT: type
ConcatV2(values: N * T, axis: Tidx) -> (output: T) | N: int; T: type; Tidx: type = int32
Const() -> (output: dtype) | value: tensor; dtype: type
Conv2D(input: T, filter: T) -> (output: T) | T: type; strides: list(int); use_cudnn_on_gpu: bool = true; padding: string; data_format: string = 'NHWC'
Conv2DBackpropFilter(input: T, filter_sizes: int32, out_backprop: T) -> (output: T) | T: type; strides: list(int); use_cudnn_on_gpu: bool = true; padding: string; data_format: string = 'NHWC'
Conv2DBackpropInput(input_sizes: int32, filter: T, out_backprop: T) -> (output: T) | T: type; strides: list(int); use_cudnn_on_gpu: bool = true; padding: string; data_format: string = 'NHWC'
CountUpTo(ref: Ref(T)) -> (output: T) | limit: int; T: type
DecodeRaw(bytes: string) -> (output: out_type) | out_type: type; little_endian: bool = true
Equal(x: T, y: T) -> (z: bool) | T: type
ExpandDims(input: T, dim: Tdim) -> (output: T) | T: type; Tdim: type = int32
FIFOQueueV2() -> (handle: resource) | component_types: list(type); shapes: list(shape) = []; capacity: int = -1; container: string = ''; shared_name: string = ''
Fill(dims: int32, value: T) -> (output: T) | T: type
Floor(x: T) -> (y: T) | T: type
FloorDiv(x: T, y: T) -> (z: T) | T: type
Greater(x: T, y: T) -> (z: bool) | T: type
HistogramSummary(tag: string, values: T) -> (summary: string) | T: type = float32
Identity(input: T) -> (output: T) | T: type
MatMul(a: T, b: T) -> (product: T) | transpose_a: bool = false; transpose_b: bool = false; T: type
MaxPool(input: T) -> (output: T) | T: type = float32; ksize: list(int); strides: list(int); padding: string; data_format: string = 'NHWC'
MaxPoolGrad(orig_input: T, orig_output: T, grad: T) -> (output: T) | ksize: list(int); strides: list(int); padding: string; data_format: string = 'NHWC'; T: type = float32
Maximum(x: T, y: T) -> (z: T) | T: type
Mean(input: T, reduction_indices: Tidx) -> (output: T) | keep_dims: bool = false; T: type; Tidx: type = int32
MergeSummary(inputs: N * string) -> (summary: string) | N: int
Mul(x: T, y: T) -> (z: T) | T: type
Neg(x: T) -> (y: T) | T: type
NoOp() -> ()
Pack(values: N * T) -> (output: T) | N: int; T: type; axis: int = 0
ParseExample(serialized: string, names: string, sparse_keys: Nsparse * string, dense_keys: Ndense * string, dense_defaults: Tdense) -> (sparse_indices: Nsparse * int64, sparse_values: sparse_types, sparse_shapes: Nsparse * int64, dense_values: Tdense) | Nsparse: int; Ndense: int; sparse_types: list(type); Tdense: list(type); dense_shapes: list(shape)
Placeholder() -> (output: dtype) | dtype: type; shape: shape
PreventGradient(input: T) -> (output: T) | T: type; message: string = ''
Prod(input: T, reduction_indices: Tidx) -> (output: T) | keep_dims: bool = false; T: type; Tidx: type = int32
QueueCloseV2(handle: resource) -> () | cancel_pending_enqueues: bool = false
QueueDequeueV2(handle: resource) -> (components: component_types) | component_types: list(type); timeout_ms: int = -1
QueueDequeueManyV2(handle: resource, n: int32) -> (components: component_types) | component_types: list(type); timeout_ms: int = -1
QueueEnqueueManyV2(handle: resource, components: Tcomponents) -> () | Tcomponents: list(type); timeout_ms: int = -1
QueueEnqueueV2(handle: resource, components: Tcomponents) -> () | Tcomponents: list(type); timeout_ms: int = -1
QueueSizeV2(handle: resource) -> (size: int32)
RandomShuffle(value: T) -> (output: T) | seed: int = 0; seed2: int = 0; T: type
RandomShuffleQueueV2() -> (handle: resource) | component_types: list(type); shapes: list(shape) = []; capacity: int = -1; min_after_dequeue: int = 0; seed: int = 0; seed2: int = 0; container: string = ''; shared_name: string = ''
RandomStandardNormal(shape: T) -> (output: dtype) | seed: int = 0; seed2: int = 0; dtype: type; T: type
RandomUniform(shape: T) -> (output: dtype) | seed: int = 0; seed2: int = 0; dtype: type; T: type
ReaderReadV2(reader_handle: resource, queue_handle: resource) -> (key: string, value: string)
RealDiv(x: T, y: T) -> (z: T) | T: type
Relu(features: T) -> (activations: T) | T: type
ReluGrad(gradients: T, features: T) -> (backprops: T) | T: type
Reshape(tensor: T, shape: Tshape) -> (output: T) | T: type; Tshape: type = int32
RestoreV2(prefix: string, tensor_names: string, shape_and_slices: string) -> (tensors: dtypes) | dtypes: list(type)
SaveV2(prefix: string, tensor_names: string, shape_and_slices: string, tensors: dtypes) -> () | dtypes: list(type)
ScalarSummary(tags: string, values: T) -> (summary: string) | T: type
Shape(input: T) -> (output: out_type) | T: type; out_type: type = int32
ShapeN(input: N * T) -> (output: N * out_type) | N: int; T: type; out_type: type = int32
Size(input: T) -> (output: out_type) | T: type; out_type: type = int32
Slice(input: T, begin: Index, size: Index) -> (output: T) | T: type; Index: type
SoftmaxCrossEntropyWithLogits(features: T, labels: T) -> (loss: T, backprop: T) | T: type
SparseSoftmaxCrossEntropyWithLogits(features: T, labels: Tlabels) -> (loss: T, backprop: T) | T: type; Tlabels: type = int64
Squeeze(input: T) -> (output: T) | T: type; squeeze_dims: list(int) = []
Sub(x: T, y: T) -> (z: T) | T: type
Sum(input: T, reduction_indices: Tidx) -> (output: T) | keep_dims: bool = false; T: type; Tidx: type = int32
TFRecordReaderV2() -> (reader_handle: resource) | container: string = ''; shared_name: string = ''; compression_type: string = ''
Tile(input: T, multiples: Tmultiples) -> (output: T) | T: type; Tmultiples: type = int32
TruncatedNormal(shape: T) -> (output: dtype) | seed: int = 0; seed2: int = 0; dtype: type; T: type
VariableV2() -> (ref: Ref(dtype)) | shape: shape; dtype: type; container: string = ''; shared_name: string = ''
ZerosLike(x: T) -> (y: T) | T: type
"""


class ArgDef:
    """One input or output: a fixed dtype, a type attr, or a list of them."""

    def __init__(self, spec):
        name, kind = [s.strip() for s in spec.split(":")]
        self.name = name
        self.is_ref = kind.startswith("Ref(")
        if self.is_ref:
            kind = kind[4:-1]
        self.number_attr = None
        if "*" in kind:
            self.number_attr, kind = [s.strip() for s in kind.split("*")]
        self.fixed_dtype = None
        self.type_attr = None
        try:
            self.fixed_dtype = dtypes.as_dtype(kind)
        except TypeError:
            self.type_attr = kind


class OpDef:
    def __init__(self, line):
        signature, _, attrs = line.partition("|")
        head, _, outputs = signature.partition("->")
        self.name, _, inputs = head.strip()[:-1].partition("(")
        self.inputs = [ArgDef(s) for s in _split(inputs)]
        self.outputs = [ArgDef(s) for s in _split(outputs.strip()[1:-1])]
        self.attrs = {}  # name -> (kind, default or _REQUIRED)
        for spec in _split(attrs, ";"):
            name, _, rest = spec.partition(":")
            kind, _, default = rest.partition("=")
            kind = kind.strip()
            self.attrs[name.strip()] = (
                kind, _parse_default(kind, default.strip()) if default else REQUIRED)

    def is_list_attr(self, name):
        return self.attrs[name][0].startswith("list(")


REQUIRED = object()


def _split(text, sep=","):
    return [s.strip() for s in text.split(sep) if s.strip()]


def _parse_default(kind, text):
    if kind == "bool":
        return text == "true"
    if kind == "int":
        return int(text)
    if kind == "string":
        return text.strip("'")
    if kind == "type":
        return dtypes.as_dtype(text)
    if kind.startswith("list("):
        return []
    raise ValueError("no default syntax for attr kind %s" % kind)


OP_DEFS = {op.name: op for op in (OpDef(l) for l in _TABLE.strip().splitlines())}
