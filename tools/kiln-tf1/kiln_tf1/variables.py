"""Variables (TF 1.2 `variables.Variable`, `state_ops`, initializers).

`Variable(v, name="w")` builds, under scope `w`: the initial value (a Const
`w/initial_value` when `v` is a Python value), the VariableV2 node `w`, the
initializer `w/Assign` and the snapshot `w/read` (colocated: `loc:@w`). Using
the variable as a tensor reads the snapshot; ops that update it take the
VariableV2 output by reference. Variables join the `variables` collection
(`trainable_variables` too when trainable) as VariableDef protos.
"""

from . import array_ops
from . import control_flow_ops
from . import protos
from .framework import (AttrValue, GraphKeys, Tensor, add_to_collections,
                        apply_op, colocate_with, control_dependencies,
                        convert_to_tensor, get_collection, get_default_graph,
                        name_scope)
from .tensor_shape import unknown_shape


class Variable:
    def __init__(self, initial_value, trainable=True, collections=None,
                 validate_shape=True, name=None, dtype=None):
        collections = [GraphKeys.GLOBAL_VARIABLES] if collections is None else list(collections)
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections.append(GraphKeys.TRAINABLE_VARIABLES)
        with control_dependencies(None):
            with name_scope(name, "Variable") as scope:
                if callable(initial_value):
                    self._init_from_fn(initial_value, scope, validate_shape, dtype)
                else:
                    self.initial_value = convert_to_tensor(
                        initial_value, name="initial_value", dtype=dtype)
                    self._variable = self._variable_op(scope, validate_shape)
                if validate_shape and not self.initial_value.get_shape().is_fully_defined():
                    raise ValueError("initial_value must have a shape specified: %r"
                                     % self.initial_value)
                self.initializer = assign(self._variable, self.initial_value,
                                          validate_shape=validate_shape).op
                with colocate_with(self._variable.op):
                    self._snapshot = array_ops.identity(self._variable, name="read")
        add_to_collections(collections, self)

    def _init_from_fn(self, initial_value_fn, scope, validate_shape, dtype):
        """An initializer function runs under `<name>/Initializer`, its ops
        colocated with the variable that does not exist yet."""
        location = AttrValue("list(string)", [("loc:@" + scope[:-1]).encode()])
        with get_default_graph().attr_scope({"_class": location}):
            with name_scope("Initializer"):
                self.initial_value = convert_to_tensor(
                    initial_value_fn(), name="initial_value", dtype=dtype)
            self._variable = self._variable_op(scope, validate_shape)

    def _variable_op(self, scope, validate_shape):
        shape = self.initial_value.get_shape() if validate_shape else unknown_shape()
        return apply_op("VariableV2", name=scope, shape=shape,
                        dtype=self.initial_value.dtype.base_dtype).outputs[0]

    # --- as a tensor ---------------------------------------------------------

    def _as_tensor(self, as_ref=False):
        return self._variable if as_ref else self._snapshot

    def value(self):
        return self._snapshot

    def _ref(self):
        return self._variable

    @property
    def name(self):
        return self._variable.name

    @property
    def op(self):
        return self._variable.op

    @property
    def dtype(self):
        return self._variable.dtype

    @property
    def graph(self):
        return self._variable.graph

    def get_shape(self):
        return self._variable.get_shape()

    shape = property(get_shape)

    # --- updates -------------------------------------------------------------

    def assign(self, value, use_locking=False):
        return assign(self._variable, value, use_locking=use_locking)

    def count_up_to(self, limit):
        return apply_op("CountUpTo", ref=self._variable, limit=limit).outputs[0]

    def to_proto(self):
        """The serialized VariableDef TF 1.2 stores in collections."""
        return protos.serialize([(1, self._variable.name),
                                 (2, self.initializer.name),
                                 (3, self._snapshot.name)])

    def __repr__(self):
        return "<tf.Variable '%s' shape=%s dtype=%s>" % (
            self.name, self.get_shape(), self.dtype.base_dtype.name)


def _install_operators():
    """`w + 1`, `x * w`, ... work on the variable's snapshot."""
    for op in ("add", "sub", "mul", "truediv", "floordiv"):
        for dunder in ("__%s__" % op, "__r%s__" % op):
            method = getattr(Tensor, dunder)
            setattr(Variable, dunder,
                    lambda self, other, _m=method: _m(self._snapshot, other))
    Variable.__neg__ = lambda self: -self._snapshot


_install_operators()


def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    return apply_op("Assign", name=name, ref=ref, value=value,
                    validate_shape=validate_shape, use_locking=use_locking).outputs[0]


def assign_add(ref, value, use_locking=None, name=None):
    return apply_op("AssignAdd", name=name, ref=ref, value=value,
                    use_locking=use_locking).outputs[0]


def global_variables():
    return get_collection(GraphKeys.GLOBAL_VARIABLES)


def local_variables():
    return get_collection(GraphKeys.LOCAL_VARIABLES)


def trainable_variables():
    return get_collection(GraphKeys.TRAINABLE_VARIABLES)


def variables_initializer(var_list, name="init"):
    """One NoOp running the initializers of `var_list`."""
    if var_list:
        return control_flow_ops.group(*[v.initializer for v in var_list], name=name)
    return control_flow_ops.no_op(name=name)


def global_variables_initializer():
    return variables_initializer(global_variables())


def local_variables_initializer():
    return variables_initializer(local_variables())


initialize_all_variables = global_variables_initializer
