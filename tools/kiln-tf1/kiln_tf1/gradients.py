"""`tf.gradients` and the gradient functions of the ops it differentiates.

The walk is TF 1.2's `gradients_impl.gradients`: count, for each op between
`xs` and `ys`, how many of its consumers lie on the path; start from the ys
with `gradients/Fill` (ones); visit ops breadth-first as their consumers are
done; sum multiple incoming gradients with AddN; give float outputs that
receive no gradient a `zeros_like`; build each op's gradient under the scope
`gradients/<op name>_grad`; and, when `gate_gradients` is set (optimizers
set it), gate ops with several input gradients through `tuple/group_deps` +
`tuple/control_dependency[_N]`.
"""

import collections

from . import array_ops
from . import control_flow_ops
from . import math_ops
from .framework import apply_op, colocate_with, convert_to_tensor, name_scope

_GRADIENT_FNS = {}

# Ops whose inputs get no gradient (TF's NotDifferentiable, or a gradient
# function returning None, like Floor's).
_NOT_DIFFERENTIABLE = {"Floor", "Shape", "ShapeN", "Size", "Rank", "RandomUniform",
                       "RandomStandardNormal", "TruncatedNormal", "ZerosLike",
                       "Equal", "Greater", "ArgMax", "DecodeRaw"}


def register_gradient(op_type):
    def register(fn):
        _GRADIENT_FNS[op_type] = fn
        return fn
    return register


def gradients(ys, xs, grad_ys=None, name="gradients", gate_gradients=False):
    """d(sum of ys)/d(x) for each x in xs (None where y does not depend on x)."""
    ys = _as_list(ys)
    xs = _as_list(xs)
    grad_ys = [None] * len(ys) if grad_ys is None else _as_list(grad_ys)
    with name_scope(name, "gradients"):
        ys = [convert_to_tensor(y) for y in ys]
        xs = [convert_to_tensor(x, as_ref=True) for x in xs]
        grad_ys = _default_grad_ys(grad_ys, ys)
        to_ops = [t.op for t in ys]
        from_ops = [t.op for t in xs]
        pending_count = _pending_count(to_ops, from_ops)

        grads = {}
        for y, grad_y in zip(ys, grad_ys):
            _set_grad(grads, y, grad_y)
        queue = collections.deque()
        queued = set()
        for op in to_ops:
            if pending_count.get(op, 0) == 0 and op not in queued:
                queued.add(op)
                queue.append(op)
        stop_ops = {op for op in from_ops
                    if all(pending_count.get(t.op, 0) <= 0 for t in op.inputs)}

        while queue:
            op = queue.popleft()
            out_grads = _aggregated_grads(grads, op)
            has_out_grads = any(g is not None for g in out_grads)
            grad_fn = None
            if has_out_grads and op not in stop_ops and op.type not in _NOT_DIFFERENTIABLE:
                grad_fn = _GRADIENT_FNS.get(op.type)
                if grad_fn is None:
                    raise LookupError("No gradient defined for operation '%s' (op "
                                      "type: %s)" % (op.name, op.type))
            if grad_fn is not None:
                in_grads = _op_gradients(op, grad_fn, out_grads, gate_gradients)
            else:
                in_grads = [None] * len(op.inputs)
            for t_in, in_grad in zip(op.inputs, in_grads):
                if in_grad is not None:
                    in_grad.set_shape(t_in.get_shape())
                    _set_grad(grads, t_in, in_grad)
            for t_in in op.inputs:
                pending_count[t_in.op] = pending_count.get(t_in.op, 0) - 1
                if pending_count[t_in.op] == 0:
                    queue.append(t_in.op)

    return [_get_grad(grads, x) for x in xs]


def _op_gradients(op, grad_fn, out_grads, gate_gradients):
    """Call `grad_fn` under `<op>_grad`; outputs that got no gradient get
    zeros (float outputs only)."""
    for i, out_grad in enumerate(out_grads):
        if out_grad is None and op.outputs[i].dtype.base_dtype.is_floating:
            out_grads[i] = array_ops.zeros_like(op.outputs[i])
    with name_scope(op.name + "_grad"):
        in_grads = _as_list(grad_fn(op, *out_grads))
        if len(in_grads) != len(op.inputs):
            raise ValueError("Num gradients %d generated for op %s do not match num "
                             "inputs %d" % (len(in_grads), op.name, len(op.inputs)))
        if gate_gradients and len([g for g in in_grads if g is not None]) > 1:
            in_grads = control_flow_ops.tuple(in_grads)
    return in_grads


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _default_grad_ys(grad_ys, ys):
    """Ones shaped like each y, where no initial gradient is given."""
    result = []
    for y, grad_y in zip(ys, grad_ys):
        if grad_y is None:
            grad_y = array_ops.fill(array_ops.shape(y), convert_to_tensor(1, dtype=y.dtype))
        result.append(grad_y)
    return result


def _pending_count(to_ops, from_ops):
    """For each op between from_ops and to_ops, how many of its consumers
    are between too."""
    reached = set(to_ops)
    queue = collections.deque(from_ops)
    while queue:
        op = queue.popleft()
        if op not in reached:
            reached.add(op)
            for output in op.outputs:
                queue.extend(output.consumers())
    between = set()
    queue = collections.deque(to_ops)
    between_list = []
    while queue:
        op = queue.popleft()
        if op in reached:
            between.add(op)
            between_list.append(op)
            reached.discard(op)
            queue.extend(t.op for t in op.inputs)
    pending_count = {}
    for op in between_list:
        for t in op.inputs:
            if t.op in between:
                pending_count[t.op] = pending_count.get(t.op, 0) + 1
    return pending_count


def _set_grad(grads, tensor, grad):
    grads.setdefault(tensor.op, [[] for _ in tensor.op.outputs])[tensor.value_index].append(grad)


def _get_grad(grads, tensor):
    op_grads = grads.get(tensor.op)
    return None if op_grads is None else op_grads[tensor.value_index]


def _aggregated_grads(grads, op):
    """One gradient per output of `op` (AddN of several), None if none."""
    out_grads = grads.get(op, [[] for _ in op.outputs])
    for i, out_grad in enumerate(out_grads):
        if len(out_grad) > 1:
            with colocate_with(out_grad[0].op, ignore_existing=True):
                out_grads[i] = math_ops.add_n(out_grad)
        else:
            out_grads[i] = out_grad[0] if out_grad else None
    return out_grads


# --- gradient functions (TF 1.2 math_grad, nn_grad, array_grad) ---------------


@register_gradient("Identity")
def _identity_grad(_, grad):
    return grad


@register_gradient("MatMul")
def _matmul_grad(op, grad):
    a, b = op.inputs
    t_a, t_b = op.get_attr("transpose_a"), op.get_attr("transpose_b")
    if not t_a and not t_b:
        return (math_ops.matmul(grad, b, transpose_b=True),
                math_ops.matmul(a, grad, transpose_a=True))
    if not t_a and t_b:
        return (math_ops.matmul(grad, b),
                math_ops.matmul(grad, a, transpose_a=True))
    if t_a and not t_b:
        return (math_ops.matmul(b, grad, transpose_b=True),
                math_ops.matmul(a, grad))
    return (math_ops.matmul(b, grad, transpose_a=True, transpose_b=True),
            math_ops.matmul(grad, a, transpose_a=True, transpose_b=True))


@register_gradient("Relu")
def _relu_grad(op, grad):
    return apply_op("ReluGrad", gradients=grad, features=op.outputs[0]).outputs[0]


_CONV_ATTRS = ("strides", "padding", "use_cudnn_on_gpu", "data_format")


@register_gradient("Conv2D")
def _conv2d_grad(op, grad):
    """Both backprops, sized by one ShapeN of [input, filter]."""
    attrs = {name: op.get_attr(name) for name in _CONV_ATTRS}
    x, w = op.inputs
    input_sizes, filter_sizes = array_ops.shape_n([x, w])
    return (apply_op("Conv2DBackpropInput", input_sizes=input_sizes, filter=w,
                     out_backprop=grad, **attrs).outputs[0],
            apply_op("Conv2DBackpropFilter", input=x, filter_sizes=filter_sizes,
                     out_backprop=grad, **attrs).outputs[0])


@register_gradient("MaxPool")
def _max_pool_grad(op, grad):
    return apply_op("MaxPoolGrad", orig_input=op.inputs[0], orig_output=op.outputs[0],
                    grad=grad, ksize=op.get_attr("ksize"),
                    strides=op.get_attr("strides"), padding=op.get_attr("padding"),
                    data_format=op.get_attr("data_format")).outputs[0]


@register_gradient("BiasAdd")
def _bias_add_grad(op, grad):
    return grad, apply_op("BiasAddGrad", out_backprop=grad,
                          data_format=op.get_attr("data_format")).outputs[0]


@register_gradient("Reshape")
def _reshape_grad(op, grad):
    return [array_ops.reshape(grad, array_ops.shape(op.inputs[0])), None]


def _broadcast_shapes(op):
    x, y = op.inputs
    sx = array_ops.shape(x)
    sy = array_ops.shape(y)
    rx, ry = array_ops.broadcast_gradient_args(sx, sy)
    return x, y, sx, sy, rx, ry


@register_gradient("Add")
def _add_grad(op, grad):
    _, _, sx, sy, rx, ry = _broadcast_shapes(op)
    return (array_ops.reshape(math_ops.reduce_sum(grad, rx), sx),
            array_ops.reshape(math_ops.reduce_sum(grad, ry), sy))


@register_gradient("Sub")
def _sub_grad(op, grad):
    _, _, sx, sy, rx, ry = _broadcast_shapes(op)
    return (array_ops.reshape(math_ops.reduce_sum(grad, rx), sx),
            array_ops.reshape(-math_ops.reduce_sum(grad, ry), sy))


@register_gradient("Mul")
def _mul_grad(op, grad):
    x, y, sx, sy, rx, ry = _broadcast_shapes(op)
    return (array_ops.reshape(math_ops.reduce_sum(grad * y, rx), sx),
            array_ops.reshape(math_ops.reduce_sum(x * grad, ry), sy))


@register_gradient("RealDiv")
def _realdiv_grad(op, grad):
    x, y, sx, sy, rx, ry = _broadcast_shapes(op)
    return (array_ops.reshape(math_ops.reduce_sum(math_ops.realdiv(grad, y), rx), sx),
            array_ops.reshape(math_ops.reduce_sum(
                grad * math_ops.realdiv(math_ops.realdiv(-x, y), y), ry), sy))


@register_gradient("Neg")
def _neg_grad(_, grad):
    return -grad


@register_gradient("Cast")
def _cast_grad(op, grad):
    src = op.inputs[0].dtype.base_dtype
    if src.is_floating and grad.dtype.base_dtype.is_floating:
        return math_ops.cast(grad, src)
    return None


@register_gradient("Sum")
def _sum_grad(op, grad):
    """Only the reduce-everything case: a Reshape to [1]*rank and a Tile."""
    shape = op.inputs[0].get_shape()
    axes = op.inputs[1]
    if (shape.ndims is None or axes.op.type != "Const"
            or axes.op.get_attr("value").full() != list(range(shape.ndims))):
        raise NotImplementedError("gradient of a partial reduction (%s)" % op.name)
    grad = array_ops.reshape(grad, [1] * shape.ndims)
    multiples = shape.as_list() if shape.is_fully_defined() else array_ops.shape(op.inputs[0])
    return [array_ops.tile(grad, multiples), None]


def _safe_shape_div(x, y):
    return x // math_ops.maximum(y, 1)


@register_gradient("Mean")
def _mean_grad(op, grad):
    sum_grad = _sum_grad(op, grad)[0]
    input_shape = array_ops.shape(op.inputs[0])
    output_shape = array_ops.shape(op.outputs[0])
    factor = _safe_shape_div(math_ops.reduce_prod(input_shape),
                             math_ops.reduce_prod(output_shape))
    return sum_grad / math_ops.cast(factor, sum_grad.dtype), None


def _broadcast_mul(vec, mat):
    """vec[:, None] * mat."""
    return array_ops.expand_dims(vec, -1) * mat


@register_gradient("SoftmaxCrossEntropyWithLogits")
def _softmax_xent_grad(op, grad_loss, _):
    return _broadcast_mul(grad_loss, op.outputs[1]), None


@register_gradient("SparseSoftmaxCrossEntropyWithLogits")
def _sparse_softmax_xent_grad(op, grad_loss, _):
    backprop = array_ops.prevent_gradient(
        op.outputs[1],
        message="Currently there is no way to take the second derivative of "
        "sparse_softmax_cross_entropy_with_logits due to the fused "
        "implementation's interaction with tf.gradients()")
    return _broadcast_mul(grad_loss, backprop), None

