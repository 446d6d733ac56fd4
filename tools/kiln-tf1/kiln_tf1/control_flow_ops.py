"""Grouping and ordering (TF 1.2 `control_flow_ops`): `group` (a NoOp with
control inputs), `tuple` / `with_dependencies` (the `tuple/group_deps` and
`tuple/control_dependency` nodes of every multi-input gradient), `Assert`."""

from . import array_ops
from . import dtypes
from .framework import (Tensor, apply_op, colocate_with, control_dependencies,
                        convert_n_to_tensor, name_scope)


def no_op(name=None):
    return apply_op("NoOp", name=name)


def group(*inputs, name=None):
    with name_scope(name, "group_deps") as scope:
        with control_dependencies(inputs):
            return no_op(name=scope)


def with_dependencies(dependencies, output_tensor, name=None):
    """`output_tensor` through an Identity that runs after `dependencies`."""
    with name_scope(name, "control_dependency") as scope:
        with colocate_with(output_tensor):
            with control_dependencies(dependencies):
                return array_ops.identity(output_tensor, name=scope)


def tuple(tensors, name=None):  # pylint: disable=redefined-builtin
    """The tensors, each gated on all of them being computed."""
    with name_scope(name, "tuple"):
        gating_ops = sorted({t.op for t in tensors if t is not None},
                            key=lambda op: op.id)
        gate = group(*gating_ops)
        return [with_dependencies([gate], t) if isinstance(t, Tensor) else None
                for t in tensors]


def Assert(condition, data, summarize=None, name=None):  # pylint: disable=invalid-name
    """An Assert op (string and int32 data only: TF guards others with a
    cond, which this library does not build)."""
    with name_scope(name, "Assert"):
        xs = convert_n_to_tensor(data)
        if not all(x.dtype in (dtypes.string, dtypes.int32) for x in xs):
            raise NotImplementedError("Assert on data other than string/int32")
        return apply_op("Assert", name="Assert", condition=condition, data=data,
                        summarize=summarize)
