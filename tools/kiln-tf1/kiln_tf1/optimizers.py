"""Optimizers (TF 1.2 `training/optimizer.py` and subclasses).

`minimize` = `gradients` (gated per op) + `apply_gradients`: slot variables
first (`Variable/RMSProp`, `Variable/RMSProp_1`, ...; colocated with their
variable, initialized by Consts under `<slot>/Initializer/`), then under the
optimizer's scope its hyper-parameter Consts, one `update_<var>/Apply*` op
per variable and `_finish`: the final NoOp (or, with a global step, an
`update` NoOp and an AssignAdd on the step named after the optimizer). The
train op joins the `train_op` collection.

Adam also has two variables of its own, `beta1_power` and `beta2_power`
(created with the slots, so in the caller's name scope, not the optimizer's,
and colocated with the first variable), which its `_finish` multiplies by
beta1 and beta2 after all updates (`Adam/mul`, `Adam/Assign`, `Adam/mul_1`,
`Adam/Assign_1`) before the final NoOp.
"""

from . import array_ops
from . import control_flow_ops
from . import math_ops
from .framework import (GraphKeys, apply_op, colocate_with, control_dependencies,
                        convert_to_tensor, get_collection_ref, get_default_graph,
                        name_scope)
from .gradients import gradients
from .variables import Variable, assign_add, trainable_variables


class Optimizer:
    GATE_NONE = 0
    GATE_OP = 1
    GATE_GRAPH = 2

    def __init__(self, use_locking, name):
        self._use_locking = use_locking
        self._name = name
        self._slots = {}  # slot name -> {variable: slot variable}

    def minimize(self, loss, global_step=None, var_list=None,
                 gate_gradients=GATE_OP, name=None):
        grads_and_vars = self.compute_gradients(loss, var_list, gate_gradients)
        if not any(g is not None for g, _ in grads_and_vars):
            raise ValueError("No gradients provided for any variable")
        return self.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP):
        var_list = trainable_variables() if var_list is None else list(var_list)
        if not var_list:
            raise ValueError("No variables to optimize.")
        grads = gradients(loss, [v._ref() for v in var_list],
                          gate_gradients=gate_gradients == Optimizer.GATE_OP)
        if gate_gradients == Optimizer.GATE_GRAPH:
            grads = control_flow_ops.tuple(grads)
        return list(zip(grads, var_list))

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        grads_and_vars = [(g, v) for g, v in grads_and_vars if g is not None]
        with control_dependencies(None):
            self._create_slots([v for _, v in grads_and_vars])
        update_ops = []
        with name_scope(name, self._name) as scope:
            self._prepare()
            for grad, var in grads_and_vars:
                with name_scope("update_" + var.op.name), colocate_with(var):
                    update_ops.append(self._apply_dense(grad, var))
            if global_step is None:
                apply_updates = self._finish(update_ops, scope)
            else:
                with control_dependencies([self._finish(update_ops, "update")]):
                    with colocate_with(global_step):
                        apply_updates = assign_add(global_step, 1, name=scope).op
            train_ops = get_collection_ref(GraphKeys.TRAIN_OP)
            if apply_updates not in train_ops:
                train_ops.append(apply_updates)
            return apply_updates

    def get_slot(self, var, name):
        return self._slots.get(name, {}).get(var)

    def _slot(self, var, slot_name, initializer):
        """The `slot_name` slot of `var`, created with `initializer(shape,
        dtype)` (as TF's slot_creator does) on first use."""
        slots = self._slots.setdefault(slot_name, {})
        if var not in slots:
            slots[var] = _create_slot(var, initializer, self._name)
        return slots[var]

    def _zeros_slot(self, var, slot_name):
        return self._slot(var, slot_name, array_ops.zeros)

    def _create_slots(self, var_list):
        pass

    def _prepare(self):
        raise NotImplementedError

    def _apply_dense(self, grad, var):
        raise NotImplementedError

    def _finish(self, update_ops, name_scope):  # pylint: disable=redefined-outer-name
        """The op that runs all updates: a NoOp named `name_scope`."""
        return control_flow_ops.group(*update_ops, name=name_scope)


def _create_slot(primary, initializer, op_name):
    """A non-trainable variable named like `<primary>/<op_name>[_N]`."""
    graph = get_default_graph()
    prefix = primary.op.name + "/" + op_name
    with name_scope(prefix):
        scope = graph.unique_variable_scope(prefix)
        with colocate_with(primary):
            shape = primary.get_shape().as_list()
            dtype = primary.dtype.base_dtype
            return Variable(lambda: initializer(shape, dtype), trainable=False,
                            name=scope + "/")


class GradientDescentOptimizer(Optimizer):
    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _prepare(self):
        self._learning_rate_tensor = convert_to_tensor(self._learning_rate,
                                                       name="learning_rate")

    def _apply_dense(self, grad, var):
        dtype = var.dtype.base_dtype
        return apply_op("ApplyGradientDescent", var=var,
                        alpha=math_ops.cast(self._learning_rate_tensor, dtype),
                        delta=grad, use_locking=self._use_locking)


class MomentumOptimizer(Optimizer):
    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum",
                 use_nesterov=False):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = momentum
        self._use_nesterov = use_nesterov

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "momentum")

    def _prepare(self):
        self._learning_rate_tensor = convert_to_tensor(self._learning_rate,
                                                       name="learning_rate")
        self._momentum_tensor = convert_to_tensor(self._momentum, name="momentum")

    def _apply_dense(self, grad, var):
        dtype = var.dtype.base_dtype
        return apply_op("ApplyMomentum", var=var, accum=self.get_slot(var, "momentum"),
                        lr=math_ops.cast(self._learning_rate_tensor, dtype), grad=grad,
                        momentum=math_ops.cast(self._momentum_tensor, dtype),
                        use_locking=self._use_locking,
                        use_nesterov=self._use_nesterov)


class RMSPropOptimizer(Optimizer):
    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10,
                 use_locking=False, centered=False, name="RMSProp"):
        if centered:
            raise NotImplementedError("centered RMSProp")
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._decay = decay
        self._momentum = momentum
        self._epsilon = epsilon

    def _create_slots(self, var_list):
        for v in var_list:
            self._slot(v, "rms", array_ops.ones)
            self._zeros_slot(v, "momentum")

    def _prepare(self):
        self._learning_rate_tensor = convert_to_tensor(self._learning_rate,
                                                       name="learning_rate")
        self._decay_tensor = convert_to_tensor(self._decay, name="decay")
        self._momentum_tensor = convert_to_tensor(self._momentum, name="momentum")
        self._epsilon_tensor = convert_to_tensor(self._epsilon, name="epsilon")

    def _apply_dense(self, grad, var):
        dtype = var.dtype.base_dtype
        return apply_op("ApplyRMSProp", var=var, ms=self.get_slot(var, "rms"),
                        mom=self.get_slot(var, "momentum"),
                        lr=math_ops.cast(self._learning_rate_tensor, dtype),
                        rho=math_ops.cast(self._decay_tensor, dtype),
                        momentum=math_ops.cast(self._momentum_tensor, dtype),
                        epsilon=math_ops.cast(self._epsilon_tensor, dtype),
                        grad=grad, use_locking=self._use_locking)


class AdamOptimizer(Optimizer):
    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-08,
                 use_locking=False, name="Adam"):
        super().__init__(use_locking, name)
        self._lr = learning_rate
        self._beta1 = beta1
        self._beta2 = beta2
        self._epsilon = epsilon
        self._beta1_power = None
        self._beta2_power = None

    def _create_slots(self, var_list):
        if self._beta1_power is None or self._beta1_power.graph is not var_list[0].graph:
            with colocate_with(var_list[0]):
                self._beta1_power = Variable(self._beta1, name="beta1_power",
                                             trainable=False)
                self._beta2_power = Variable(self._beta2, name="beta2_power",
                                             trainable=False)
        for v in var_list:
            self._zeros_slot(v, "m")
            self._zeros_slot(v, "v")

    def _prepare(self):
        self._lr_t = convert_to_tensor(self._lr, name="learning_rate")
        self._beta1_t = convert_to_tensor(self._beta1, name="beta1")
        self._beta2_t = convert_to_tensor(self._beta2, name="beta2")
        self._epsilon_t = convert_to_tensor(self._epsilon, name="epsilon")

    def _apply_dense(self, grad, var):
        dtype = var.dtype.base_dtype
        return apply_op("ApplyAdam", var=var, m=self.get_slot(var, "m"),
                        v=self.get_slot(var, "v"),
                        beta1_power=math_ops.cast(self._beta1_power, dtype),
                        beta2_power=math_ops.cast(self._beta2_power, dtype),
                        lr=math_ops.cast(self._lr_t, dtype),
                        beta1=math_ops.cast(self._beta1_t, dtype),
                        beta2=math_ops.cast(self._beta2_t, dtype),
                        epsilon=math_ops.cast(self._epsilon_t, dtype),
                        grad=grad, use_locking=self._use_locking)

    def _finish(self, update_ops, name_scope):  # pylint: disable=redefined-outer-name
        """Advance beta1_power and beta2_power once every variable is updated."""
        with control_dependencies(update_ops):
            with colocate_with(self._beta1_power):
                update_beta1 = self._beta1_power.assign(
                    self._beta1_power * self._beta1_t, use_locking=self._use_locking)
                update_beta2 = self._beta2_power.assign(
                    self._beta2_power * self._beta2_t, use_locking=self._use_locking)
        return control_flow_ops.group(*update_ops + [update_beta1, update_beta2],
                                      name=name_scope)
