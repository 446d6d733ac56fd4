"""Array ops (TF 1.2 `array_ops`): placeholders, shapes, reshapes, fills.

`shape`, `size` and `rank` return Consts when the answer is already known
statically, as TF's do (`optimize=True`); this is what makes e.g.
`gradients/Mean_grad/Shape_2` a Const in the S1 graph.
"""

from . import dtypes
from .framework import apply_op, constant, convert_to_tensor, name_scope
from .tensor_shape import as_shape


def placeholder(dtype, shape=None, name=None):
    shape = as_shape(shape)
    out = apply_op("Placeholder", name=name, dtype=dtype, shape=shape).outputs[0]
    out.set_shape(shape)
    return out


def identity(input, name=None):  # pylint: disable=redefined-builtin
    return apply_op("Identity", name=name, input=input).outputs[0]


def reshape(tensor, shape, name=None):
    return apply_op("Reshape", name=name, tensor=tensor, shape=shape).outputs[0]


def shape(input, name=None, out_type=dtypes.int32):  # pylint: disable=redefined-builtin
    with name_scope(name, "Shape") as scope:
        input = convert_to_tensor(input)
        static = input.get_shape()
        if static.is_fully_defined():
            return constant(static.as_list(), out_type, name=scope)
        return apply_op("Shape", name=scope, input=input, out_type=out_type).outputs[0]


def shape_n(input, out_type=dtypes.int32, name=None):  # pylint: disable=redefined-builtin
    """One ShapeN node giving the shapes of all `input` tensors (never Consts)."""
    return apply_op("ShapeN", name=name, input=input, out_type=out_type).outputs


def size(input, name=None, out_type=dtypes.int32):  # pylint: disable=redefined-builtin
    with name_scope(name, "Size") as scope:
        input = convert_to_tensor(input)
        count = input.get_shape().num_elements()
        if count is not None:
            return constant(count, out_type, name=scope)
        return apply_op("Size", name=scope, input=input, out_type=out_type).outputs[0]


def rank(input, name=None):  # pylint: disable=redefined-builtin
    with name_scope(name, "Rank") as scope:
        input = convert_to_tensor(input)
        ndims = input.get_shape().ndims
        if ndims is None:
            raise NotImplementedError("Rank of a tensor of unknown rank")
        return constant(ndims, dtypes.int32, name=scope)


def _filled(value, shape, dtype, name, default_name):
    """`zeros`/`ones` as TF 1.2 builds them: one Const of the full shape."""
    dtype = dtypes.as_dtype(dtype).base_dtype
    with name_scope(name, default_name) as scope:
        return constant(value, dtype, as_shape(shape).as_list(), name=scope)


def zeros(shape, dtype=dtypes.float32, name=None):
    zero = "" if dtype == dtypes.string else 0
    return _filled(zero, shape, dtype, name, "zeros")


def ones(shape, dtype=dtypes.float32, name=None):
    return _filled(1, shape, dtype, name, "ones")


def zeros_like(tensor, name=None):
    with name_scope(name, "zeros_like") as scope:
        tensor = convert_to_tensor(tensor, name="tensor")
        return apply_op("ZerosLike", name=scope, x=tensor).outputs[0]


def fill(dims, value, name=None):
    return apply_op("Fill", name=name, dims=dims, value=value).outputs[0]


def expand_dims(input, axis, name=None):  # pylint: disable=redefined-builtin
    return apply_op("ExpandDims", name=name, input=input, dim=axis).outputs[0]


def squeeze(input, axis=None, name=None):  # pylint: disable=redefined-builtin
    return apply_op("Squeeze", name=name, input=input, squeeze_dims=axis).outputs[0]


def slice(input_, begin, size, name=None):  # pylint: disable=redefined-builtin,redefined-outer-name
    return apply_op("Slice", name=name, input=input_, begin=begin, size=size).outputs[0]


def concat(values, axis, name="concat"):
    if len(values) == 1:
        with name_scope(name) as scope:
            return identity(values[0], name=scope)
    return apply_op("ConcatV2", name=name, values=values, axis=axis).outputs[0]


def tile(input, multiples, name=None):  # pylint: disable=redefined-builtin
    return apply_op("Tile", name=name, input=input, multiples=multiples).outputs[0]


def prevent_gradient(input, message="", name=None):  # pylint: disable=redefined-builtin
    return apply_op("PreventGradient", name=name, input=input, message=message).outputs[0]


def broadcast_gradient_args(s0, s1, name=None):
    return apply_op("BroadcastGradientArgs", name=name, s0=s0, s1=s1).outputs
