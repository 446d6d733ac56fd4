"""Queue-based input pipelines (TF 1.2 `training/input.py`).

`string_input_producer([f], num_epochs=N)` builds, under `input_producer`:
the file names as a Const, an Assert that the list is not empty, a
RandomShuffle (when shuffling), `limit_epochs` (a local int64 variable
`epochs` counted up by CountUpTo, which fails after N passes), a FIFOQueue
of names fed by EnqueueMany, its QueueRunner, and a "fraction full" scalar
summary. `shuffle_batch` / `batch` put single examples into a queue that
`num_threads` copies of one enqueue op fill, and dequeue `batch_size` at a
time under the batching scope's name.
"""

from . import array_ops
from . import control_flow_ops
from . import dtypes
from . import math_ops
from . import random_ops
from . import summary
from .data_flow_ops import FIFOQueue, QueueRunner, RandomShuffleQueue, add_queue_runner
from .framework import (GraphKeys, constant, control_dependencies, convert_to_tensor,
                        name_scope)
from .tensor_shape import as_shape
from .variables import Variable


def limit_epochs(tensor, num_epochs=None, name=None):
    """`tensor`, each evaluation counting an epoch; OutOfRange after the last."""
    if num_epochs is None:
        return tensor
    if num_epochs <= 0:
        raise ValueError("num_epochs must be > 0 not %d." % num_epochs)
    with name_scope(name, "limit_epochs") as scope:
        zero64 = constant(0, dtype=dtypes.int64)
        epochs = Variable(zero64, name="epochs", trainable=False,
                          collections=[GraphKeys.LOCAL_VARIABLES])
        counter = epochs.count_up_to(num_epochs)
        with control_dependencies([counter]):
            return array_ops.identity(tensor, name=scope)


def input_producer(input_tensor, element_shape=None, num_epochs=None, shuffle=True,
                   seed=None, capacity=32, shared_name=None, summary_name=None,
                   name=None):
    with name_scope(name, "input_producer"):
        input_tensor = convert_to_tensor(input_tensor, name="input_tensor")
        element_shape = input_tensor.get_shape()[1:].merge_with(as_shape(element_shape))
        if not element_shape.is_fully_defined():
            raise ValueError("Either `input_tensor` must have a fully defined shape "
                             "or `element_shape` must be specified")
        if shuffle:
            input_tensor = random_ops.random_shuffle(input_tensor, seed=seed)
        input_tensor = limit_epochs(input_tensor, num_epochs)
        queue = FIFOQueue(capacity=capacity, dtypes=[input_tensor.dtype.base_dtype],
                          shapes=[element_shape], shared_name=shared_name, name=name)
        enqueue = queue.enqueue_many([input_tensor])
        add_queue_runner(QueueRunner(queue, [enqueue]))
        if summary_name is not None:
            summary.scalar(summary_name,
                           math_ops.cast(queue.size(), dtypes.float32) * (1. / capacity))
        return queue


def string_input_producer(string_tensor, num_epochs=None, shuffle=True, seed=None,
                          capacity=32, shared_name=None, name=None):
    not_null_err = "string_input_producer requires a non-null input tensor"
    if not string_tensor:
        raise ValueError(not_null_err)
    with name_scope(name, "input_producer") as scope:
        string_tensor = convert_to_tensor(string_tensor, dtype=dtypes.string)
        with control_dependencies([control_flow_ops.Assert(
                math_ops.greater(array_ops.size(string_tensor), 0), [not_null_err])]):
            string_tensor = array_ops.identity(string_tensor)
        return input_producer(string_tensor, element_shape=[], num_epochs=num_epochs,
                              shuffle=shuffle, seed=seed, capacity=capacity,
                              shared_name=shared_name, name=scope,
                              summary_name="fraction_of_%d_full" % capacity)


def _validate(tensor_list):
    tensor_list = [convert_to_tensor(t) for t in tensor_list]
    if not tensor_list:
        raise ValueError("Expected at least one tensor in batch().")
    return tensor_list


def _queue_shapes(tensor_list):
    shapes = []
    for t in tensor_list:
        if t.get_shape().ndims is None:
            raise ValueError("Cannot infer Tensor's rank: %r" % t)
        if not t.get_shape().is_fully_defined():
            raise ValueError("All shapes must be fully defined: %r" % t)
        shapes.append(t.get_shape())
    return shapes


def _keep_input():
    """TF converts the batching functions' `keep_input=True` to a Const
    (`shuffle_batch/Const`), then only looks at its value."""
    return convert_to_tensor(True)


def _enqueue(queue, tensor_list, threads):
    """One enqueue op, listed `threads` times in the queue's runner."""
    enqueue_ops = [queue.enqueue(tensor_list)] * threads
    add_queue_runner(QueueRunner(queue, enqueue_ops))


def shuffle_batch(tensors, batch_size, capacity, min_after_dequeue, num_threads=1,
                  seed=None, shared_name=None, name=None):
    with name_scope(name, "shuffle_batch") as scope:
        tensor_list = _validate(tensors)
        _keep_input()
        queue = RandomShuffleQueue(capacity=capacity, min_after_dequeue=min_after_dequeue,
                                   seed=seed, dtypes=[t.dtype.base_dtype for t in tensor_list],
                                   shapes=_queue_shapes(tensor_list),
                                   shared_name=shared_name)
        _enqueue(queue, tensor_list, num_threads)
        full = (math_ops.cast(math_ops.maximum(0, queue.size() - min_after_dequeue),
                              dtypes.float32)
                * (1. / (capacity - min_after_dequeue)))
        summary.scalar("fraction_over_%d_of_%d_full"
                       % (min_after_dequeue, capacity - min_after_dequeue), full)
        # One tensor in, one tensor out (not a list), as in TF 1.x.
        return queue.dequeue_many(batch_size, name=scope)


def batch(tensors, batch_size, num_threads=1, capacity=32, shared_name=None, name=None):
    with name_scope(name, "batch") as scope:
        tensor_list = _validate(tensors)
        _keep_input()
        queue = FIFOQueue(capacity=capacity,
                          dtypes=[t.dtype.base_dtype for t in tensor_list],
                          shapes=_queue_shapes(tensor_list), shared_name=shared_name)
        _enqueue(queue, tensor_list, num_threads)
        summary.scalar("fraction_of_%d_full" % capacity,
                       math_ops.cast(queue.size(), dtypes.float32) * (1. / capacity))
        # One tensor in, one tensor out (not a list), as in TF 1.x.
        return queue.dequeue_many(batch_size, name=scope)
