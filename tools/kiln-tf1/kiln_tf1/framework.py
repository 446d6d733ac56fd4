"""The graph: operations, tensors, names, scopes, dependencies, collections.

This mirrors TF 1.2's `framework/ops.py`, `op_def_library.py` and
`constant_op.py` closely enough that a program builds the same nodes under
the same names:

- `Graph.unique_name` hands out `name`, `name_1`, ... per full path; every
  `name_scope(...)` entered and every op created claims its name, even when
  no op ends up using it (as TF's does).
- `apply_op` converts Python values passed for op inputs into Consts named
  after the input (`Mul/y`, `ConcatV2/values_0`), infers type attrs, fills
  every attr default and colocates an op with the variables it takes by
  reference (the `_class: loc:@var` attr).
- Ops created inside `control_dependencies` get the control inputs TF would
  give them (skipping ones already implied by a data input created in the
  same context).
"""

import contextlib

from . import dtypes
from . import op_defs
from . import protos
from . import shape_inference
from .tensor_shape import as_shape, unknown_shape


class GraphKeys:
    GLOBAL_VARIABLES = "variables"
    LOCAL_VARIABLES = "local_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    SUMMARIES = "summaries"
    QUEUE_RUNNERS = "queue_runners"
    TRAIN_OP = "train_op"
    SAVEABLE_OBJECTS = "saveable_objects"


class Tensor:
    """One output of an Operation. Arithmetic operators are installed by
    math_ops (as TF's math_ops does)."""

    def __init__(self, op, value_index, dtype):
        self.op = op
        self.value_index = value_index
        self.dtype = dtype
        self._shape = unknown_shape()
        self._consumers = []

    @property
    def name(self):
        return "%s:%d" % (self.op.name, self.value_index)

    @property
    def graph(self):
        return self.op.graph

    @property
    def shape(self):
        return self._shape

    def get_shape(self):
        return self._shape

    def set_shape(self, shape):
        self._shape = self._shape.merge_with(as_shape(shape))

    def consumers(self):
        return list(self._consumers)

    def __repr__(self):
        return "<tf.Tensor '%s' shape=%s dtype=%s>" % (self.name, self._shape,
                                                      self.dtype.name)

    # Tensors are used as dictionary keys (gradients); identity semantics.
    __hash__ = object.__hash__


class AttrValue:
    """An attr of a node: its kind (as in op_defs) and Python value."""

    def __init__(self, kind, value):
        self.kind = kind
        self.value = value

    def as_proto(self):
        if self.kind.startswith("list("):
            item_kind = self.kind[5:-1]
            return [("list", [f for v in self.value
                              for f in _scalar_attr_proto(item_kind, v)])]
        return _scalar_attr_proto(self.kind, self.value)


def _scalar_attr_proto(kind, value):
    if kind == "type":
        return [("type", protos.Enum(value.proto_name))]
    if kind == "shape":
        return [("shape", protos.shape_proto(value.dims))]
    if kind == "tensor":
        return [("tensor", value.as_proto())]
    field = {"int": "i", "bool": "b", "float": "f", "string": "s"}[kind]
    return [(field, value)]


def _normalize_attr(kind, value):
    if kind.startswith("list("):
        return [_normalize_attr(kind[5:-1], v) for v in value]
    if kind == "type":
        return dtypes.as_dtype(value).base_dtype
    if kind == "shape":
        return as_shape(value)
    if kind == "string":
        return value.encode("utf-8") if isinstance(value, str) else bytes(value)
    if kind == "int":
        return int(value)
    if kind == "bool":
        return bool(value)
    if kind == "float":
        return float(value)
    return value


class Operation:
    def __init__(self, graph, op_type, name, inputs, output_dtypes, attrs,
                 control_inputs):
        self.graph = graph
        self.type = op_type
        self.name = name
        self.inputs = list(inputs)
        self.control_inputs = list(control_inputs)
        self.attrs = dict(attrs)
        self.outputs = [Tensor(self, i, d) for i, d in enumerate(output_dtypes)]
        self.id = len(graph._ops)
        for t in self.inputs:
            t._consumers.append(self)

    def get_attr(self, name):
        return self.attrs[name].value

    def colocation_groups(self):
        if "_class" in self.attrs:
            groups = [g for g in self.attrs["_class"].value if g.startswith(b"loc:@")]
            if groups:
                return groups
        return [("loc:@" + self.name).encode()]

    def node_def(self, add_shapes=True):
        """The NodeDef message, with `_output_shapes` as export writes it."""
        node = [("name", self.name), ("op", self.type)]
        for t in self.inputs:
            node.append(("input", t.op.name if t.value_index == 0 else t.name))
        node.extend(("input", "^" + c.name) for c in self.control_inputs)
        attrs = dict(self.attrs)
        if add_shapes and self.outputs:
            attrs["_output_shapes"] = AttrValue(
                "list(shape)", [t.get_shape() for t in self.outputs])
        for key in sorted(attrs):
            node.append(("attr", [("key", key), ("value", attrs[key].as_proto())]))
        return node

    def __repr__(self):
        return "<tf.Operation '%s' type=%s>" % (self.name, self.type)


class _ControlDependencies:
    """One `control_dependencies(...)` context on the graph's stack."""

    def __init__(self, graph, control_inputs):
        self.graph = graph
        self.new_stack = control_inputs is None
        self.control_inputs = [] if control_inputs is None else control_inputs
        self.seen_ops = set()

    def __enter__(self):
        if self.new_stack:
            self.saved_stack = self.graph._control_dependencies_stack
            self.graph._control_dependencies_stack = []
        self.graph._control_dependencies_stack.append(self)

    def __exit__(self, *exc):
        self.graph._control_dependencies_stack.pop()
        if self.new_stack:
            self.graph._control_dependencies_stack = self.saved_stack


class Graph:
    def __init__(self):
        self._ops = []
        self._names_in_use = {}
        self._name_stack = ""
        self._control_dependencies_stack = []
        self._colocation_stack = []
        self._attr_scope = {}
        self._collections = {}
        self._variable_scope_counts = {}

    # --- names -------------------------------------------------------------

    def unique_name(self, name, mark_as_used=True):
        """`name` under the current scope, made unique with `_1`, `_2`, ..."""
        if self._name_stack:
            name = self._name_stack + "/" + name
        i = self._names_in_use.get(name, 0)
        if mark_as_used:
            self._names_in_use[name] = i + 1
        if i > 0:
            base = name
            while name in self._names_in_use:
                name = "%s_%d" % (base, i)
                i += 1
            if mark_as_used:
                self._names_in_use[name] = 1
        return name

    @contextlib.contextmanager
    def name_scope(self, name):
        """Enter scope `name` (made unique); "x/" re-enters "x" exactly and
        None or "" returns to the root. Yields the scope with a trailing /."""
        saved = self._name_stack
        if not name:
            new_stack = ""
        elif name.endswith("/"):
            new_stack = name[:-1]
        else:
            new_stack = self.unique_name(name)
        self._name_stack = new_stack
        try:
            yield new_stack + "/" if new_stack else ""
        finally:
            self._name_stack = saved

    def unique_variable_scope(self, prefix):
        """A variable-scope name unique among those opened (TF's
        `_get_unique_variable_scope`), and mark it open."""
        name = prefix
        i = 0
        while self._variable_scope_counts.get(name, 0) > 0:
            i += 1
            name = "%s_%d" % (prefix, i)
        self._variable_scope_counts[name] = 1
        return name

    # --- dependencies and colocation ---------------------------------------

    def control_dependencies(self, control_inputs):
        """Ops created inside depend on `control_inputs` (ops or tensors);
        None clears the dependencies of enclosing contexts."""
        if control_inputs is None:
            return _ControlDependencies(self, None)
        current = {op for c in self._control_dependencies_stack
                   for op in c.control_inputs}
        ops = []
        for c in control_inputs:
            op = c.op if isinstance(c, Tensor) else c
            if not isinstance(op, Operation):
                raise TypeError("Control input must be Operation or Tensor: %r" % (c,))
            if op not in current:
                ops.append(op)
                current.add(op)
        return _ControlDependencies(self, ops)

    def _control_inputs_for(self, inputs):
        input_ops = {t.op for t in inputs}
        result = []
        for controller in self._control_dependencies_stack:
            if any(op in controller.seen_ops for op in input_ops):
                continue  # already ordered after the controls via a data input
            result.extend(c for c in controller.control_inputs if c not in input_ops)
        return result

    @contextlib.contextmanager
    def colocate_with(self, op, ignore_existing=False):
        saved = self._colocation_stack
        if ignore_existing:
            self._colocation_stack = []
        op = _op_to_colocate_with(op)
        if op is not None:
            self._colocation_stack.append(op)
        try:
            yield
        finally:
            if op is not None:
                self._colocation_stack.pop()
            if ignore_existing:
                self._colocation_stack = saved

    @contextlib.contextmanager
    def attr_scope(self, attrs):
        saved = self._attr_scope
        self._attr_scope = dict(saved, **attrs)
        try:
            yield
        finally:
            self._attr_scope = saved

    # --- ops ---------------------------------------------------------------

    def create_op(self, op_type, inputs, output_dtypes, name=None, attrs=None):
        """Add a node. `name` ending in "/" is used exactly (it is the scope
        the caller opened for this op), else it is made unique."""
        name = op_type if name is None else name
        name = name[:-1] if name.endswith("/") else self.unique_name(name)
        attrs = dict(attrs or {})
        for key, value in self._attr_scope.items():
            attrs.setdefault(key, value)
        op = Operation(self, op_type, name, inputs, output_dtypes, attrs,
                       self._control_inputs_for(inputs))
        for tensor, shape in zip(op.outputs, shape_inference.infer(op)):
            tensor._shape = shape
        self._ops.append(op)
        for controller in self._control_dependencies_stack:
            controller.seen_ops.add(op)
        if self._colocation_stack:
            groups = sorted({g for c in self._colocation_stack
                             for g in c.colocation_groups()})
            op.attrs["_class"] = AttrValue("list(string)", groups)
        return op

    def get_operations(self):
        return list(self._ops)

    def get_operation_by_name(self, name):
        for op in self._ops:
            if op.name == name:
                return op
        raise KeyError("The name %r refers to an Operation not in the graph." % name)

    def as_graph_def(self, add_shapes=False):
        """The GraphDef message; versions.producer 22 is TF 1.2's."""
        graph = [("node", op.node_def(add_shapes)) for op in self._ops]
        graph.append(("versions", [("producer", 22)]))
        return graph

    # --- collections -------------------------------------------------------

    def add_to_collection(self, name, value):
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value):
        names = [names] if isinstance(names, str) else list(dict.fromkeys(names))
        for name in names:
            self.add_to_collection(name, value)

    def get_collection(self, name):
        return list(self._collections.get(name, []))

    def get_collection_ref(self, name):
        return self._collections.setdefault(name, [])

    def get_all_collection_keys(self):
        return [k for k, v in self._collections.items() if v]

    @contextlib.contextmanager
    def as_default(self):
        _default_graph_stack.append(self)
        try:
            yield self
        finally:
            _default_graph_stack.pop()


def _op_to_colocate_with(value):
    if value is None or isinstance(value, Operation):
        return value
    if isinstance(value, Tensor):
        return value.op
    # A Variable colocates with its VariableV2 node.
    return value.op


_default_graph_stack = [Graph()]


def get_default_graph():
    return _default_graph_stack[-1]


def reset_default_graph():
    _default_graph_stack[:] = [Graph()]


@contextlib.contextmanager
def name_scope(name, default_name=None, values=None):  # pylint: disable=unused-argument
    """TF's `ops.name_scope`: `name` if given, else `default_name` (unique).
    `values` (the scope's input tensors) is accepted as TF's is; with a
    single graph it changes nothing."""
    with get_default_graph().name_scope(default_name if name is None else name) as scope:
        yield scope


def control_dependencies(control_inputs):
    return get_default_graph().control_dependencies(control_inputs)


def colocate_with(op, ignore_existing=False):
    return get_default_graph().colocate_with(op, ignore_existing)


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value):
    get_default_graph().add_to_collections(names, value)


def get_collection(key):
    return get_default_graph().get_collection(key)


def get_collection_ref(key):
    return get_default_graph().get_collection_ref(key)


# --- constants and conversion ----------------------------------------------


def constant(value, dtype=None, shape=None, name="Const"):
    """A Const node (TF 1.x `tf.constant`)."""
    tensor = protos.TensorValue(value, dtype, shape)
    op = get_default_graph().create_op(
        "Const", [], [tensor.dtype], name=name,
        attrs={"value": AttrValue("tensor", tensor),
               "dtype": AttrValue("type", tensor.dtype)})
    return op.outputs[0]


def is_tensor_like(value):
    return isinstance(value, Tensor) or hasattr(value, "_as_tensor")


def convert_to_tensor(value, dtype=None, name=None, as_ref=False,
                      preferred_dtype=None):
    """A Tensor for `value`: tensors pass through, variables give their
    snapshot (or their ref with `as_ref`), lists holding tensors are packed,
    and other Python values become Consts named `name`."""
    dtype = None if dtype is None else dtypes.as_dtype(dtype)
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype.base_dtype != dtype.base_dtype:
            raise ValueError("Tensor conversion requested dtype %s for Tensor with "
                             "dtype %s: %r" % (dtype.name, value.dtype.name, value))
        return value
    if hasattr(value, "_as_tensor"):  # a Variable
        return convert_to_tensor(value._as_tensor(as_ref), dtype, name)
    if isinstance(value, (list, tuple)) and _contains_tensor(value):
        return _autopack(value, dtype, name or "packed")
    if dtype is None and preferred_dtype is not None:
        try:
            protos.TensorValue(value, preferred_dtype)
            dtype = dtypes.as_dtype(preferred_dtype)
        except (TypeError, ValueError):
            pass
    return constant(value, dtype=dtype, name=name)


def convert_n_to_tensor(values, dtype=None, name=None, as_ref=False,
                        preferred_dtype=None):
    return [convert_to_tensor(v, dtype, None if name is None else "%s_%d" % (name, i),
                              as_ref, preferred_dtype)
            for i, v in enumerate(values)]


def _contains_tensor(value):
    return any(is_tensor_like(v) or (isinstance(v, (list, tuple)) and _contains_tensor(v))
               for v in value)


def _autopack(values, dtype, name):
    """A list mixing tensors and Python values, as one Pack node (TF's
    `_autopacking_helper`)."""
    with name_scope(name) as scope:
        elems = []
        for i, v in enumerate(values):
            if is_tensor_like(v):
                elems.append(convert_to_tensor(v, dtype))
            elif isinstance(v, (list, tuple)) and _contains_tensor(v):
                elems.append(_autopack(v, dtype, str(i)))
            else:
                elems.append(constant(v, dtype=dtype, name=str(i)))
        return apply_op("Pack", name=scope, values=elems).outputs[0]


# --- op construction ----------------------------------------------------------


def apply_op(op_type, name=None, **keywords):
    """Add an `op_type` node as TF's generated op wrappers do.

    Keywords are the op's inputs (tensors or Python values) and attrs (None
    means the default). Returns the Operation.
    """
    op_def = op_defs.OP_DEFS[op_type]
    graph = get_default_graph()
    with graph.name_scope(name or op_type) as scope:
        attrs = {}
        inputs = []
        ref_inputs = []
        for arg in op_def.inputs:
            values = keywords.pop(arg.name)
            tensors = _convert_input(op_def, arg, values, attrs, keywords)
            inputs.extend(tensors)
            if arg.is_ref:
                ref_inputs.extend(tensors)
        for attr_name, (kind, default) in op_def.attrs.items():
            if attr_name in attrs:
                continue
            value = keywords.pop(attr_name, None)
            if value is None:
                if default is op_defs.REQUIRED:
                    raise TypeError("%s: no value for attr '%s'" % (op_type, attr_name))
                value = default
            attrs[attr_name] = _normalize_attr(kind, value)
        if keywords:
            raise TypeError("%s got unexpected arguments %s" % (op_type, sorted(keywords)))
        output_dtypes = []
        for arg in op_def.outputs:
            output_dtypes.extend(_arg_dtypes(arg, attrs))
        attr_values = {k: AttrValue(op_def.attrs[k][0], v) for k, v in attrs.items()}
        with contextlib.ExitStack() as stack:
            for t in reversed(ref_inputs):
                stack.enter_context(graph.colocate_with(t.op))
            return graph.create_op(op_type, inputs, output_dtypes, name=scope,
                                   attrs=attr_values)


def _convert_input(op_def, arg, values, attrs, keywords):
    """Convert the values of one input arg (Consts named after the arg, or
    `<arg>_<i>` in a list), inferring the type attrs it determines."""
    if arg.type_attr is not None and keywords.pop(arg.type_attr, None) is not None:
        raise TypeError("%s: should not specify inferred attr '%s'"
                        % (op_def.name, arg.type_attr))
    preferred = None
    if arg.type_attr is not None:
        kind, default = op_def.attrs[arg.type_attr]
        if kind == "type" and default is not op_defs.REQUIRED:
            preferred = default
    if arg.type_attr is not None and op_def.is_list_attr(arg.type_attr):
        # A list of any types (list(type) attr): each value converts alone.
        tensors = convert_n_to_tensor(values, None, arg.name, arg.is_ref)
        attrs[arg.type_attr] = [t.dtype.base_dtype for t in tensors]
        return tensors
    dtype = arg.fixed_dtype or attrs.get(arg.type_attr)
    if arg.number_attr:
        # N values of one type: the type of the first tensor among them.
        if dtype is None:
            dtype = next((v.dtype for v in values if isinstance(v, Tensor)), None)
        tensors = convert_n_to_tensor(values, dtype, arg.name, arg.is_ref, preferred)
        attrs[arg.number_attr] = len(tensors)
    else:
        tensors = [convert_to_tensor(values, dtype, arg.name, arg.is_ref, preferred)]
    if arg.type_attr is not None and arg.type_attr not in attrs:
        attrs[arg.type_attr] = tensors[0].dtype.base_dtype
    return tensors


def _arg_dtypes(arg, attrs):
    if arg.fixed_dtype is not None:
        dtype = arg.fixed_dtype
    else:
        dtype = attrs[arg.type_attr]
        if isinstance(dtype, list):
            return dtype
    count = attrs[arg.number_attr] if arg.number_attr else 1
    return [dtype.as_ref if arg.is_ref else dtype] * count
