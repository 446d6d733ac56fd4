"""Static output shapes of new ops, as TF 1.2 computes them.

TF 1.2 runs each op's C++ shape function from Python; when the function
needs the value of an input (a reshape target, a reduction axis) Python
supplies `tensor_util.constant_value` / `constant_value_as_shape` of that
input, which only look through a few op types (Const, Shape of a fully
defined tensor, Pack, ConcatV2, ...). Both halves are mirrored here, since
the shapes decide graph structure later (e.g. `tf.shape(x)` becomes a Const
when x's shape is fully defined) and are written as `_output_shapes`.
"""

from . import dtypes
from .protos import TensorValue
from .tensor_shape import TensorShape, scalar, unknown_shape


def infer(op):
    """The output shapes of `op` (a list, one per output)."""
    fn = _SHAPE_FNS.get(op.type)
    if fn is None:
        return [unknown_shape() for _ in op.outputs]
    shapes = fn(op)
    return shapes if isinstance(shapes, list) else [shapes]


# --- constant folding as TF 1.2's tensor_util does -----------------------------


def constant_value(tensor):
    """The value of `tensor` if known at graph-construction time (a
    TensorValue), else None."""
    op = tensor.op
    if op.type == "Const":
        return op.get_attr("value")
    if op.type == "Shape":
        shape = op.inputs[0].get_shape()
        if shape.is_fully_defined():
            return TensorValue(shape.as_list(), tensor.dtype, [shape.ndims])
        return None
    if op.type == "Size":
        count = op.inputs[0].get_shape().num_elements()
        return None if count is None else TensorValue(count, tensor.dtype)
    if op.type == "Rank":
        ndims = op.inputs[0].get_shape().ndims
        return None if ndims is None else TensorValue(ndims, dtypes.int32)
    if op.type == "Cast":
        value = constant_value(op.inputs[0])
        if value is None:
            return None
        return TensorValue(value.full(), op.get_attr("DstT"), value.shape)
    if op.type == "ConcatV2":
        parts = [constant_value(t) for t in op.inputs[:-1]]
        axis = constant_value(op.inputs[-1])
        if axis is None or any(p is None for p in parts) or axis.scalar() != 0:
            return None
        if any(len(p.shape) != 1 for p in parts):
            return None
        values = [v for p in parts for v in p.full()]
        return TensorValue(values, tensor.dtype, [len(values)])
    if op.type == "Pack":
        parts = [constant_value(t) for t in op.inputs]
        if any(p is None or p.shape for p in parts):
            return None
        return TensorValue([p.scalar() for p in parts], tensor.dtype, [len(parts)])
    if op.type == "Fill":
        value = constant_value(op.inputs[1])
        shape = tensor.get_shape()
        if value is None or not shape.is_fully_defined():
            return None
        return TensorValue(value.scalar(), tensor.dtype, shape.as_list())
    return None


def constant_value_as_shape(tensor):
    """What is known of the shape that the 1-D int `tensor` describes."""
    shape = tensor.get_shape()
    if shape.dims == [0]:
        return scalar()
    op = tensor.op
    if op.type == "Shape":
        return op.inputs[0].get_shape()
    if op.type == "Pack":
        dims = []
        for t in op.inputs:
            value = constant_value(t)
            dims.append(None if value is None else value.scalar())
        return TensorShape(dims)
    if op.type == "ConcatV2":
        result = scalar()
        for t in op.inputs[:-1]:
            result = result.concatenate(constant_value_as_shape(t))
        return result
    length = shape[0] if shape.ndims else None
    result = unknown_shape(length)
    value = constant_value(tensor)
    if value is not None:
        result = result.merge_with(TensorShape(value.full()))
    return result


# --- shape functions ------------------------------------------------------------


def _unchanged(op):
    return op.inputs[0].get_shape()


def _scalar(op):
    return [scalar() for _ in op.outputs]


def _unknown(op):
    return [unknown_shape() for _ in op.outputs]


def _merge_inputs(op):
    return op.inputs[0].get_shape().merge_with(op.inputs[1].get_shape())


def _merge_all_inputs(op):
    shape = op.inputs[0].get_shape()
    for t in op.inputs[1:]:
        shape = shape.merge_with(t.get_shape())
    return shape


def _broadcast(op):
    x, y = op.inputs[0].get_shape(), op.inputs[1].get_shape()
    if x.ndims is None or y.ndims is None:
        return unknown_shape()
    rank = max(x.ndims, y.ndims)
    xs = [1] * (rank - x.ndims) + x.dims
    ys = [1] * (rank - y.ndims) + y.dims
    dims = []
    for a, b in zip(xs, ys):
        if a is None or b is None:
            if a is not None and a > 1:
                dims.append(a)
            elif b is not None and b > 1:
                dims.append(b)
            elif a == 1:
                dims.append(b)
            elif b == 1:
                dims.append(a)
            else:
                dims.append(None)
        elif a == 1:
            dims.append(b)
        elif b == 1:
            dims.append(a)
        elif a == b:
            dims.append(a)
        else:
            raise ValueError("%s: incompatible shapes for broadcasting: %s and %s"
                             % (op.name, x, y))
    return TensorShape(dims)


def _attr_shape(op):
    return op.get_attr("shape")


def _const(op):
    return TensorShape(op.get_attr("value").shape)


def _from_shape_input(index):
    return lambda op: constant_value_as_shape(op.inputs[index])


def _matmul(op):
    a, b = op.inputs[0].get_shape(), op.inputs[1].get_shape()
    a = a.dims if a.ndims is not None else [None, None]
    b = b.dims if b.ndims is not None else [None, None]
    rows = a[1] if op.get_attr("transpose_a") else a[0]
    cols = b[0] if op.get_attr("transpose_b") else b[1]
    return TensorShape([rows, cols])


def _shape_of(op):
    ndims = op.inputs[0].get_shape().ndims
    return TensorShape([ndims])


def _reduction(op):
    shape = op.inputs[0].get_shape()
    axes = constant_value(op.inputs[1])
    keep_dims = op.get_attr("keep_dims")
    if axes is None or shape.ndims is None:
        if keep_dims and shape.ndims is not None:
            return unknown_shape(shape.ndims)
        return unknown_shape()
    axes = {a % shape.ndims for a in axes.full()} if shape.ndims else set()
    dims = []
    for i, d in enumerate(shape.dims):
        if i in axes:
            if keep_dims:
                dims.append(1)
        else:
            dims.append(d)
    return TensorShape(dims)


def _reshape(op):
    target = constant_value_as_shape(op.inputs[1])
    if target.ndims is None:
        return target
    unknown = [i for i, d in enumerate(target.dims) if d is None]
    count = op.inputs[0].get_shape().num_elements()
    if len(unknown) == 1 and count is not None:
        known = 1
        for d in target.dims:
            if d is not None:
                known *= d
        if known:
            dims = list(target.dims)
            dims[unknown[0]] = count // known
            return TensorShape(dims)
    return target


def _slice(op):
    begin = constant_value(op.inputs[1])
    size = constant_value(op.inputs[2])
    input_shape = op.inputs[0].get_shape()
    if size is not None:
        dims = []
        for i, s in enumerate(size.full()):
            if s != -1:
                dims.append(s)
            elif begin is not None and input_shape.ndims is not None \
                    and input_shape.dims[i] is not None:
                dims.append(input_shape.dims[i] - begin.full()[i])
            else:
                dims.append(None)
        return TensorShape(dims)
    begin_shape = op.inputs[1].get_shape()
    if begin_shape.ndims == 1 and begin_shape.dims[0] is not None:
        return unknown_shape(begin_shape.dims[0])
    return unknown_shape()


def _pack(op):
    element = _merge_all_inputs(op)
    if element.ndims is None:
        return unknown_shape()
    axis = op.get_attr("axis")
    if axis < 0:
        axis += element.ndims + 1
    dims = list(element.dims)
    dims.insert(axis, len(op.inputs))
    return TensorShape(dims)


def _concat(op):
    axis = constant_value(op.inputs[-1])
    shapes = [t.get_shape() for t in op.inputs[:-1]]
    ranks = {s.ndims for s in shapes if s.ndims is not None}
    if not ranks:
        return unknown_shape()
    rank = ranks.pop()
    if axis is None:
        return unknown_shape(rank)
    axis = axis.scalar() % rank
    dims = [None] * rank
    total = 0
    for s in shapes:
        if s.ndims is None:
            total = None
            continue
        for i, d in enumerate(s.dims):
            if i != axis and d is not None:
                dims[i] = d
        total = None if total is None or s.dims[axis] is None else total + s.dims[axis]
    dims[axis] = total
    return TensorShape(dims)


def _xent(op):
    features = op.inputs[0].get_shape()
    if op.type == "SoftmaxCrossEntropyWithLogits":
        features = features.merge_with(op.inputs[1].get_shape())
    dims = features.dims if features.ndims is not None else [None, None]
    if op.type == "SparseSoftmaxCrossEntropyWithLogits":
        labels = op.inputs[1].get_shape()
        if labels.ndims:
            dims = [TensorShape([dims[0]]).merge_with(labels).dims[0], dims[1]]
    return [TensorShape([dims[0]]), TensorShape(dims)]


def _tile(op):
    shape = op.inputs[0].get_shape()
    multiples = constant_value(op.inputs[1])
    if shape.ndims is None:
        return unknown_shape()
    if multiples is None:
        return unknown_shape(shape.ndims)
    return TensorShape([None if d is None else d * m
                        for d, m in zip(shape.dims, multiples.full())])


def _expand_dims(op):
    shape = op.inputs[0].get_shape()
    dim = constant_value(op.inputs[1])
    if shape.ndims is None or dim is None:
        return unknown_shape()
    axis = dim.scalar()
    if axis < 0:
        axis += shape.ndims + 1
    dims = list(shape.dims)
    dims.insert(axis, 1)
    return TensorShape(dims)


def _squeeze(op):
    shape = op.inputs[0].get_shape()
    if shape.ndims is None:
        return unknown_shape()
    axes = {a % shape.ndims for a in op.get_attr("squeeze_dims")}
    return TensorShape([d for i, d in enumerate(shape.dims)
                        if not (i in axes or (not axes and d == 1))])


def _argmax(op):
    shape = op.inputs[0].get_shape()
    dim = constant_value(op.inputs[1])
    if shape.ndims is None:
        return unknown_shape()
    if dim is None:
        return unknown_shape(shape.ndims - 1)
    axis = dim.scalar() % shape.ndims
    return TensorShape([d for i, d in enumerate(shape.dims) if i != axis])


def _rank4_dims(op, index):
    """The dims of input `index`, which must be of rank 4 (or unknown)."""
    shape = op.inputs[index].get_shape()
    if shape.ndims is None:
        return [None] * 4
    if shape.ndims != 4:
        raise ValueError("Shape must be rank 4 but is rank %d for '%s' (op: '%s')"
                         % (shape.ndims, op.name, op.type))
    return list(shape.dims)


def _layout(op):
    """(batch axis, channel axis, spatial axes) of the op's data_format."""
    if op.get_attr("data_format") == b"NCHW":
        return 0, 1, (2, 3)
    return 0, 3, (1, 2)


def _windowed_size(op, size, window, stride):
    """TF's windowed output size: VALID ceil((in - k + 1) / s), SAME ceil(in / s)."""
    if size is None or window is None:
        return None
    padding = op.get_attr("padding")
    if padding == b"VALID":
        out = (size - window + stride) // stride
    elif padding == b"SAME":
        out = (size + stride - 1) // stride
    else:
        raise ValueError("%s: invalid padding %r (SAME or VALID)" % (op.name, padding))
    if out < 0:
        raise ValueError("Computed output size would be negative: %d [input_size: %d, "
                         "effective_filter_size: %d, stride: %d]"
                         % (out, size, window, stride))
    return out


def _window_attr(op, name):
    values = op.get_attr(name)
    if len(values) != 4:
        raise ValueError("%s: %s must have 4 elements, got %d"
                         % (op.name, name, len(values)))
    return values


def _conv2d(op):
    batch, channel, spatial = _layout(op)
    x = _rank4_dims(op, 0)
    filter_dims = _rank4_dims(op, 1)  # [height, width, in depth, out depth]
    strides = _window_attr(op, "strides")
    if None not in (x[channel], filter_dims[2]) and x[channel] != filter_dims[2]:
        raise ValueError("Dimensions must be equal, but are %d and %d for '%s' (op: "
                         "'Conv2D')" % (x[channel], filter_dims[2], op.name))
    dims = [None] * 4
    dims[batch] = x[batch]
    dims[channel] = filter_dims[3]
    for i, axis in enumerate(spatial):
        dims[axis] = _windowed_size(op, x[axis], filter_dims[i], strides[axis])
    return TensorShape(dims)


def _max_pool(op):
    """Spatial windows, and depth windows (ksize over channels) as TF allows."""
    batch, channel, spatial = _layout(op)
    x = _rank4_dims(op, 0)
    ksize = _window_attr(op, "ksize")
    strides = _window_attr(op, "strides")
    dims = [None] * 4
    dims[batch] = x[batch]
    depth = x[channel]
    dims[channel] = None if depth is None else depth // ksize[channel]
    for axis in spatial:
        dims[axis] = _windowed_size(op, x[axis], ksize[axis], strides[axis])
    return TensorShape(dims)


def _bias_add(op):
    value = op.inputs[0].get_shape()
    bias = op.inputs[1].get_shape()
    if value.ndims is None:
        return unknown_shape()
    dims = list(value.dims)
    # NCHW: the channel is the third dimension from the end (TF's rule).
    channel = -3 if op.get_attr("data_format") == b"NCHW" and len(dims) >= 3 else -1
    bias_dim = bias.dims[0] if bias.ndims == 1 else None
    dims[channel] = TensorShape([dims[channel]]).merge_with(TensorShape([bias_dim])).dims[0]
    return TensorShape(dims)


def _bias_add_grad(op):
    shape = op.inputs[0].get_shape()
    if shape.ndims is None:
        return unknown_shape(1)
    nchw = op.get_attr("data_format") == b"NCHW" and shape.ndims >= 3
    return TensorShape([shape.dims[-3] if nchw else shape.dims[-1]])


def _shape_n(op):
    return [TensorShape([t.get_shape().ndims]) for t in op.inputs]


def _apply_update(op):
    """Training ops: the variable's shape (merged with the same-shaped inputs)."""
    return op.inputs[0].get_shape()


def _assign(op):
    if op.get_attr("validate_shape"):
        return _merge_inputs(op)
    return op.inputs[1].get_shape()


def _broadcast_gradient_args(op):
    return [unknown_shape(1), unknown_shape(1)]


def _parse_example(op):
    batch = op.inputs[0].get_shape()
    batch_dim = batch.dims[0] if batch.ndims == 1 else None
    num_sparse = op.get_attr("Nsparse")
    shapes = ([TensorShape([None, 2])] * num_sparse + [unknown_shape(1)] * num_sparse
              + [TensorShape([2])] * num_sparse)
    shapes += [TensorShape([batch_dim]).concatenate(s)
               for s in op.get_attr("dense_shapes")]
    return shapes


def _decode_raw(op):
    return op.inputs[0].get_shape().concatenate(TensorShape([None]))


_SHAPE_FNS = {
    "Add": _broadcast, "Sub": _broadcast, "Mul": _broadcast, "RealDiv": _broadcast,
    "Maximum": _broadcast, "FloorDiv": _broadcast, "Greater": _broadcast,
    "Equal": _broadcast,
    "Floor": _unchanged, "Neg": _unchanged, "Relu": _unchanged,
    "Identity": _unchanged, "ZerosLike": _unchanged, "Cast": _unchanged,
    "PreventGradient": _unchanged, "RandomShuffle": _unchanged,
    "ReluGrad": _merge_inputs, "AddN": _merge_all_inputs,
    "Const": _const, "Placeholder": _attr_shape, "VariableV2": _attr_shape,
    "Assign": _assign, "AssignAdd": _merge_inputs, "CountUpTo": _scalar,
    "RandomStandardNormal": _from_shape_input(0), "RandomUniform": _from_shape_input(0),
    "TruncatedNormal": _from_shape_input(0), "Fill": _from_shape_input(0),
    "MatMul": _matmul, "Shape": _shape_of, "Size": _scalar,
    "Sum": _reduction, "Mean": _reduction, "Prod": _reduction,
    "Reshape": _reshape, "Slice": _slice, "Pack": _pack, "ConcatV2": _concat,
    "SoftmaxCrossEntropyWithLogits": _xent,
    "SparseSoftmaxCrossEntropyWithLogits": _xent,
    "Tile": _tile, "ExpandDims": _expand_dims, "Squeeze": _squeeze,
    "ArgMax": _argmax, "BroadcastGradientArgs": _broadcast_gradient_args,
    "ApplyRMSProp": _apply_update, "ApplyGradientDescent": _apply_update,
    "ApplyMomentum": _apply_update, "ApplyAdam": _apply_update,
    "Conv2D": _conv2d, "MaxPool": _max_pool, "BiasAdd": _bias_add,
    "BiasAddGrad": _bias_add_grad, "ShapeN": _shape_n, "MaxPoolGrad": _unchanged,
    "Conv2DBackpropInput": _from_shape_input(0),
    "Conv2DBackpropFilter": _from_shape_input(1),
    "RestoreV2": _unknown, "QueueDequeueV2": _unknown, "QueueDequeueManyV2": _unknown,
    "FIFOQueueV2": _scalar, "RandomShuffleQueueV2": _scalar, "QueueSizeV2": _scalar,
    "TFRecordReaderV2": _scalar, "ReaderReadV2": _scalar,
    "ScalarSummary": _scalar, "HistogramSummary": _scalar, "MergeSummary": _scalar,
    "ParseExample": _parse_example, "DecodeRaw": _decode_raw,
}
