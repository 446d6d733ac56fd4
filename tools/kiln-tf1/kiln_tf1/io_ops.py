"""Readers, Example parsing and raw decoding (TF 1.2 `io_ops`, `parsing_ops`).

TF 1.2's `parse_single_example` has no op of its own: it expands the scalar
record to a batch of one (`ParseSingleExample/ExpandDims`), runs
`ParseSingleExample/ParseExample/ParseExample` (keys, empty `names` and empty
defaults as Consts) and squeezes each dense result back
(`ParseSingleExample/Squeeze_<key>`). The ParseSingleExample op appeared
only in later releases.
"""

import collections
import re

from . import array_ops
from .framework import Tensor, apply_op, constant, convert_to_tensor, name_scope
from .tensor_shape import as_shape


class FixedLenFeature(collections.namedtuple("FixedLenFeature",
                                             ["shape", "dtype", "default_value"])):
    def __new__(cls, shape, dtype, default_value=None):
        return super().__new__(cls, shape, dtype, default_value)


class TFRecordReader:
    """Reads the records of TFRecord files named by a queue."""

    def __init__(self, name=None):
        self.reader_ref = apply_op("TFRecordReaderV2", name=name,
                                   compression_type="").outputs[0]

    def read(self, queue, name=None):
        """(key, value): the next record's "file:index" and its bytes."""
        queue_ref = queue if isinstance(queue, Tensor) else queue.queue_ref
        op = apply_op("ReaderReadV2", name=name, reader_handle=self.reader_ref,
                      queue_handle=queue_ref)
        return op.outputs[0], op.outputs[1]


def decode_raw(bytes, out_type, little_endian=None, name=None):  # pylint: disable=redefined-builtin
    return apply_op("DecodeRaw", name=name, bytes=bytes, out_type=out_type,
                    little_endian=little_endian).outputs[0]


def _op_name(key):
    return re.sub("[^A-Za-z0-9_.\\-/]", "_", key)


def parse_single_example(serialized, features, name=None):
    """A dict of dense tensors, one per FixedLenFeature (no default values)."""
    keys = sorted(features)
    for key in keys:
        feature = features[key]
        if not isinstance(feature, FixedLenFeature):
            raise NotImplementedError("only FixedLenFeature is supported (%s)" % key)
        if feature.default_value is not None:
            raise NotImplementedError("FixedLenFeature default values (%s)" % key)
    with name_scope(name, "ParseSingleExample"):
        serialized = convert_to_tensor(serialized)
        if serialized.get_shape().ndims != 0:
            raise ValueError("Input serialized must be a scalar")
        batch = array_ops.expand_dims(serialized, 0)
        with name_scope(None, "ParseExample"):
            defaults = [constant([], dtype=features[k].dtype) for k in keys]
            op = apply_op("ParseExample", serialized=batch, names=[], sparse_keys=[],
                          dense_keys=keys, dense_defaults=defaults, sparse_types=[],
                          dense_shapes=[as_shape(features[k].shape) for k in keys])
        return {key: array_ops.squeeze(value, [0], name="Squeeze_%s" % _op_name(key))
                for key, value in zip(keys, op.outputs)}
