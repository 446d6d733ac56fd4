"""`tf.train`: optimizers, Saver, input pipelines, queue runners, export."""

from .data_flow_ops import QueueRunner, add_queue_runner
from .input import batch, input_producer, limit_epochs, shuffle_batch, string_input_producer
from .meta_graph import export_meta_graph
from .optimizers import (AdamOptimizer, GradientDescentOptimizer, MomentumOptimizer,
                         Optimizer, RMSPropOptimizer)
from .saver import Saver
