"""Math ops (TF 1.2 `math_ops`) and the arithmetic operators of Tensor.

`a + b` on tensors opens a name scope "add" and converts a Python operand to
a Const named `y` inside it (`add/y`), exactly like TF's operator wrappers;
`x / y` is "truediv" (a RealDiv node for floats), `x // y` "floordiv".
"""

from . import dtypes
from .framework import Tensor, apply_op, constant, convert_to_tensor, name_scope


def add(x, y, name=None):
    return apply_op("Add", name=name, x=x, y=y).outputs[0]


def subtract(x, y, name=None):
    return apply_op("Sub", name=name, x=x, y=y).outputs[0]


def multiply(x, y, name=None):
    return apply_op("Mul", name=name, x=x, y=y).outputs[0]


def realdiv(x, y, name=None):
    return apply_op("RealDiv", name=name, x=x, y=y).outputs[0]


def maximum(x, y, name=None):
    return apply_op("Maximum", name=name, x=x, y=y).outputs[0]


def negative(x, name=None):
    return apply_op("Neg", name=name, x=x).outputs[0]


def floor(x, name=None):
    return apply_op("Floor", name=name, x=x).outputs[0]


def equal(x, y, name=None):
    return apply_op("Equal", name=name, x=x, y=y).outputs[0]


def greater(x, y, name=None):
    return apply_op("Greater", name=name, x=x, y=y).outputs[0]


def div(x, y, name=None):
    """`tf.div`: a RealDiv named "div" for floats."""
    with name_scope(name, "div") as scope:
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y", dtype=x.dtype.base_dtype)
        if not x.dtype.is_floating:
            raise NotImplementedError("integer tf.div")
        return realdiv(x, y, name=scope)


def truediv(x, y, name=None):
    with name_scope(name, "truediv") as scope:
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y")
        if not x.dtype.is_floating:
            raise NotImplementedError("truediv of integers (casts to float)")
        return realdiv(x, y, name=scope)


def floordiv(x, y, name=None):
    with name_scope(name, "floordiv") as scope:
        return apply_op("FloorDiv", name=scope, x=x, y=y).outputs[0]


def cast(x, dtype, name=None):
    """A Cast node, or `x` itself when it already has `dtype` (the "Cast"
    name scope is claimed either way, as in TF)."""
    base = dtypes.as_dtype(dtype).base_dtype
    with name_scope(name, "Cast") as scope:
        x = convert_to_tensor(x, name="x")
        if x.dtype.base_dtype == base:
            return x
        return apply_op("Cast", name=scope, x=x, DstT=base).outputs[0]


def to_float(x, name="ToFloat"):
    return cast(x, dtypes.float32, name=name)


def to_int32(x, name="ToInt32"):
    return cast(x, dtypes.int32, name=name)


def to_int64(x, name="ToInt64"):
    return cast(x, dtypes.int64, name=name)


def matmul(a, b, transpose_a=False, transpose_b=False, name=None):
    with name_scope(name, "MatMul") as scope:
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, name="b")
        return apply_op("MatMul", name=scope, a=a, b=b, transpose_a=transpose_a,
                        transpose_b=transpose_b).outputs[0]


def add_n(inputs, name=None):
    if len(inputs) == 1:
        return inputs[0]
    return apply_op("AddN", name=name, inputs=inputs).outputs[0]


def _reduction_dims(x, axis):
    """The axis argument; all dims as a Const when the rank is known."""
    if axis is not None:
        return axis
    x = convert_to_tensor(x)
    if x.get_shape().ndims is None:
        raise NotImplementedError("reduction over a tensor of unknown rank")
    return constant(list(range(x.get_shape().ndims)), dtypes.int32)


def _reduce(op_type, input_tensor, axis, keep_dims, name):
    return apply_op(op_type, name=name, input=input_tensor,
                    reduction_indices=_reduction_dims(input_tensor, axis),
                    keep_dims=keep_dims).outputs[0]


def reduce_sum(input_tensor, axis=None, keep_dims=False, name=None):
    return _reduce("Sum", input_tensor, axis, keep_dims, name)


def reduce_mean(input_tensor, axis=None, keep_dims=False, name=None):
    return _reduce("Mean", input_tensor, axis, keep_dims, name)


def reduce_prod(input_tensor, axis=None, keep_dims=False, name=None):
    return _reduce("Prod", input_tensor, axis, keep_dims, name)


def argmax(input, axis=None, name=None, dimension=None):  # pylint: disable=redefined-builtin
    axis = dimension if axis is None else axis
    return apply_op("ArgMax", name=name, input=input,
                    dimension=0 if axis is None else axis).outputs[0]


# --- Tensor operators ---------------------------------------------------------


def _binary_operator(func, op_name):
    def forward(x, y):
        with name_scope(None, op_name) as scope:
            y = convert_to_tensor(y, dtype=x.dtype.base_dtype, name="y")
            return func(x, y, name=scope)

    def reverse(y, x):
        with name_scope(None, op_name) as scope:
            x = convert_to_tensor(x, dtype=y.dtype.base_dtype, name="x")
            return func(x, y, name=scope)

    return forward, reverse


def _install_operators():
    for dunder, func, op_name in (("add", add, "add"), ("sub", subtract, "sub"),
                                  ("mul", multiply, "mul"),
                                  ("truediv", truediv, "truediv"),
                                  ("floordiv", floordiv, "floordiv")):
        forward, reverse = _binary_operator(func, op_name)
        setattr(Tensor, "__%s__" % dunder, forward)
        setattr(Tensor, "__r%s__" % dunder, reverse)
    Tensor.__neg__ = lambda x: negative(x)


_install_operators()
