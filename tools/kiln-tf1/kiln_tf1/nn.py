"""`tf.nn`: the TF 1.2 structure of relu, conv2d, max_pool, bias_add, dropout
and the cross-entropy losses.

`conv2d` is the op wrapper itself (a `Conv2D` node named "Conv2D");
`max_pool` and `bias_add` open a scope of their own name ("MaxPool",
"BiasAdd") that their single node takes, as TF's nn_ops wrappers do.

`softmax_cross_entropy_with_logits` is not a single node in TF 1.2: it
flattens logits and labels to 2-D (Rank/Shape/Slice/ConcatV2/Reshape) and
reshapes the loss back, which S1's graph shows as `Reshape`, `Reshape_1` and
`Reshape_2` around `SoftmaxCrossEntropyWithLogits`.
"""

import numbers

from . import array_ops
from . import dtypes
from . import math_ops
from . import random_ops
from .framework import apply_op, convert_to_tensor, name_scope
from .shape_inference import constant_value


def relu(features, name=None):
    return apply_op("Relu", name=name, features=features).outputs[0]


def conv2d(input, filter, strides, padding, use_cudnn_on_gpu=True,  # pylint: disable=redefined-builtin
           data_format="NHWC", name=None):
    return apply_op("Conv2D", name=name, input=input, filter=filter, strides=strides,
                    padding=padding, use_cudnn_on_gpu=use_cudnn_on_gpu,
                    data_format=data_format).outputs[0]


def max_pool(value, ksize, strides, padding, data_format="NHWC", name=None):
    with name_scope(name, "MaxPool") as scope:
        value = convert_to_tensor(value, name="input")
        return apply_op("MaxPool", name=scope, input=value, ksize=ksize,
                        strides=strides, padding=padding,
                        data_format=data_format).outputs[0]


def bias_add(value, bias, data_format=None, name=None):
    with name_scope(name, "BiasAdd") as scope:
        value = convert_to_tensor(value, name="input")
        bias = convert_to_tensor(bias, dtype=value.dtype.base_dtype, name="bias")
        return apply_op("BiasAdd", name=scope, value=value, bias=bias,
                        data_format=data_format).outputs[0]


def dropout(x, keep_prob, noise_shape=None, seed=None, name=None):
    with name_scope(name, "dropout"):
        x = convert_to_tensor(x, name="x")
        if isinstance(keep_prob, numbers.Real) and not 0 < keep_prob <= 1:
            raise ValueError("keep_prob must be a scalar tensor or a float in the "
                             "range (0, 1], got %g" % keep_prob)
        keep_prob = convert_to_tensor(keep_prob, dtype=x.dtype, name="keep_prob")
        known = constant_value(keep_prob)
        if known is not None and known.scalar() == 1:
            return x
        if noise_shape is None:
            noise_shape = array_ops.shape(x)
        # keep_prob + U[0, 1) is in [1, 2) with probability keep_prob.
        random_tensor = keep_prob
        random_tensor += random_ops.random_uniform(noise_shape, seed=seed, dtype=x.dtype)
        binary_tensor = math_ops.floor(random_tensor)
        ret = math_ops.div(x, keep_prob) * binary_tensor
        ret.set_shape(x.get_shape())
        return ret


def _flatten_outer_dims(logits):
    """Reshape to [-1, last dim], keeping what is known of the shape."""
    rank = array_ops.rank(logits)
    last_dim_size = array_ops.slice(array_ops.shape(logits),
                                    [math_ops.subtract(rank, 1)], [1])
    output = array_ops.reshape(logits, array_ops.concat([[-1], last_dim_size], 0))
    shape = logits.get_shape()
    if shape.ndims is not None and all(d is not None for d in shape.dims[:-1]):
        product = 1
        for d in shape.dims[:-1]:
            product *= d
        output.set_shape([product, shape.dims[-1]])
    return output


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None,
                                      dim=-1, name=None):
    if _sentinel is not None or labels is None or logits is None:
        raise ValueError("Only call softmax_cross_entropy_with_logits with named "
                         "arguments (labels=..., logits=...)")
    if dim != -1:
        raise NotImplementedError("dim other than -1")
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels)
    labels = math_ops.cast(labels, logits.dtype)
    input_rank = array_ops.rank(logits)
    shape = logits.get_shape()
    input_shape = array_ops.shape(logits)
    flat_logits = _flatten_outer_dims(logits)
    flat_labels = _flatten_outer_dims(labels)
    cost = apply_op("SoftmaxCrossEntropyWithLogits", name=name,
                    features=flat_logits, labels=flat_labels).outputs[0]
    output_shape = array_ops.slice(input_shape, [0],
                                   [math_ops.subtract(input_rank, 1)])
    cost = array_ops.reshape(cost, output_shape)
    if shape.ndims is not None:
        cost.set_shape(shape.dims[:-1])
    return cost


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None,
                                             logits=None, name=None):
    if _sentinel is not None or labels is None or logits is None:
        raise ValueError("Only call sparse_softmax_cross_entropy_with_logits with "
                         "named arguments (labels=..., logits=...)")
    with name_scope(name, "SparseSoftmaxCrossEntropyWithLogits"):
        labels = convert_to_tensor(labels)
        logits = convert_to_tensor(logits)
        array_ops.shape(labels)
        if logits.get_shape().ndims != 2:
            raise NotImplementedError("logits of rank other than 2")
        if logits.dtype == dtypes.float16:
            raise NotImplementedError("float16 logits")
        return apply_op("SparseSoftmaxCrossEntropyWithLogits", name=name,
                        features=logits, labels=labels).outputs[0]
