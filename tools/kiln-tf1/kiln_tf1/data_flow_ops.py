"""Queues and queue runners (TF 1.2 `data_flow_ops`, `queue_runner_impl`).

A queue is one resource node (`FIFOQueueV2`, `RandomShuffleQueueV2`); its
methods add ops named after it in the current scope: `<q>_enqueue`,
`<q>_EnqueueMany`, `<q>_Dequeue`, `<q>_DequeueMany`, `<q>_Size`, `<q>_Close`
(and `<q>_Close_1`, the cancelling close a QueueRunner makes). A QueueRunner
is recorded in the `queue_runners` collection as a QueueRunnerDef.
"""

from . import dtypes
from . import protos
from .framework import GraphKeys, add_to_collection, apply_op, convert_to_tensor, name_scope
from .random_ops import get_seed
from .shape_inference import constant_value
from .tensor_shape import TensorShape, as_shape, unknown_shape

# tensorflow.error.Code OUT_OF_RANGE: a closed, drained queue ends the runner.
_OUT_OF_RANGE = 11


class QueueBase:
    def __init__(self, dtype_list, shapes, queue_ref):
        self.dtypes = dtype_list
        self.shapes = shapes
        self.queue_ref = queue_ref
        self._name = queue_ref.op.name.split("/")[-1]

    @property
    def name(self):
        return self.queue_ref.op.name

    def _components(self, vals):
        vals = list(vals) if isinstance(vals, (list, tuple)) else [vals]
        return [convert_to_tensor(v, dtype=d, name="component_%d" % i)
                for i, (v, d) in enumerate(zip(vals, self.dtypes))]

    def enqueue(self, vals, name=None):
        with name_scope(name, "%s_enqueue" % self._name) as scope:
            return apply_op("QueueEnqueueV2", name=scope, handle=self.queue_ref,
                            components=self._components(vals))

    def enqueue_many(self, vals, name=None):
        with name_scope(name, "%s_EnqueueMany" % self._name) as scope:
            return apply_op("QueueEnqueueManyV2", name=scope, handle=self.queue_ref,
                            components=self._components(vals))

    def dequeue(self, name=None):
        op = apply_op("QueueDequeueV2", name=name or "%s_Dequeue" % self._name,
                      handle=self.queue_ref, component_types=self.dtypes)
        for output, shape in zip(op.outputs, self.shapes):
            output.set_shape(shape)
        return _single_or_list(op.outputs)

    def dequeue_many(self, n, name=None):
        op = apply_op("QueueDequeueManyV2", name=name or "%s_DequeueMany" % self._name,
                      handle=self.queue_ref, n=n, component_types=self.dtypes)
        batch = constant_value(op.inputs[1])
        batch_dim = TensorShape([None if batch is None else batch.scalar()])
        for output, shape in zip(op.outputs, self.shapes):
            output.set_shape(batch_dim.concatenate(shape))
        return _single_or_list(op.outputs)

    def size(self, name=None):
        return apply_op("QueueSizeV2", name=name or "%s_Size" % self._name,
                        handle=self.queue_ref).outputs[0]

    def close(self, cancel_pending_enqueues=False, name=None):
        return apply_op("QueueCloseV2", name=name or "%s_Close" % self._name,
                        handle=self.queue_ref,
                        cancel_pending_enqueues=cancel_pending_enqueues)


def _single_or_list(tensors):
    return tensors[0] if len(tensors) == 1 else list(tensors)


def _as_dtypes_and_shapes(dtype_list, shapes):
    dtype_list = [dtypes.as_dtype(d) for d in
                  (dtype_list if isinstance(dtype_list, (list, tuple)) else [dtype_list])]
    if shapes is None:
        return dtype_list, [unknown_shape() for _ in dtype_list]
    return dtype_list, [as_shape(s) for s in shapes]


class FIFOQueue(QueueBase):
    def __init__(self, capacity, dtypes, shapes=None, shared_name=None,  # pylint: disable=redefined-outer-name
                 name="fifo_queue"):
        dtype_list, shape_list = _as_dtypes_and_shapes(dtypes, shapes)
        ref = apply_op("FIFOQueueV2", name=name, component_types=dtype_list,
                       shapes=shape_list if shapes is not None else None,
                       capacity=capacity, shared_name=shared_name).outputs[0]
        super().__init__(dtype_list, shape_list, ref)


class RandomShuffleQueue(QueueBase):
    def __init__(self, capacity, min_after_dequeue, dtypes, shapes=None,  # pylint: disable=redefined-outer-name
                 seed=None, shared_name=None, name="random_shuffle_queue"):
        dtype_list, shape_list = _as_dtypes_and_shapes(dtypes, shapes)
        seed1, seed2 = get_seed(seed)
        ref = apply_op("RandomShuffleQueueV2", name=name, component_types=dtype_list,
                       shapes=shape_list if shapes is not None else None,
                       capacity=capacity, min_after_dequeue=min_after_dequeue,
                       seed=seed1 or 0, seed2=seed2 or 0,
                       shared_name=shared_name).outputs[0]
        super().__init__(dtype_list, shape_list, ref)


class QueueRunner:
    """Threads that run `enqueue_ops` (one thread each) until the queue is
    closed; made in the current scope, with the queue's close ops."""

    def __init__(self, queue, enqueue_ops, close_op=None, cancel_op=None):
        self.queue = queue
        self.enqueue_ops = list(enqueue_ops)
        self.close_op = close_op or queue.close()
        self.cancel_op = cancel_op or queue.close(cancel_pending_enqueues=True)

    def to_proto(self):
        """The serialized QueueRunnerDef."""
        message = [(1, self.queue.name)]
        message += [(2, op.name) for op in self.enqueue_ops]
        message += [(3, self.close_op.name), (4, self.cancel_op.name),
                    (5, protos.Packed([_OUT_OF_RANGE]))]
        return protos.serialize(message)


def add_queue_runner(qr, collection=GraphKeys.QUEUE_RUNNERS):
    add_to_collection(collection, qr)
