"""kiln_tf1: build TensorFlow 1.x graphs from Python without TensorFlow.

Import it as `tf` and write the graph-building part of a TF 1.x program as
usual; the graph gets the nodes, names, attrs and collections TF 1.2.0's
Python API gives it, and `tf.train.export_meta_graph(path)` (or
`saver.export_meta_graph(path)`) writes it as a text MetaGraphDef.
"""

from . import nn
from . import summary
from . import train
from .array_ops import (concat, expand_dims, fill, identity, ones, placeholder,
                        reshape, shape, shape_n, size, slice, squeeze, tile, zeros,
                        zeros_like)
from .control_flow_ops import Assert, group, no_op, tuple
from .dtypes import (DType, as_dtype, bool, float16, float32, float64, int8, int16,
                     int32, int64, string, uint8, uint16)
from .framework import (Graph, GraphKeys, Operation, Tensor, add_to_collection,
                        colocate_with, constant, control_dependencies,
                        convert_to_tensor, get_collection, get_default_graph,
                        name_scope, reset_default_graph)
from .gradients import gradients
from .io_ops import FixedLenFeature, TFRecordReader, decode_raw, parse_single_example
from .math_ops import (add, add_n, argmax, cast, div, equal, floor, greater, matmul,
                       maximum, multiply, negative, reduce_mean, reduce_prod, reduce_sum,
                       subtract, to_float, to_int32, to_int64, truediv)
from .random_ops import random_normal, random_shuffle, random_uniform, truncated_normal
from .data_flow_ops import FIFOQueue, RandomShuffleQueue
from .tensor_shape import TensorShape
from .variables import (Variable, assign, assign_add, global_variables,
                        global_variables_initializer, initialize_all_variables,
                        local_variables, local_variables_initializer,
                        trainable_variables, variables_initializer)

__version__ = "1.2.0"
