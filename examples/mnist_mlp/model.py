#!/usr/bin/env python3
"""S1's graph, built the way the TF 1.x program builds it, as a text MetaGraphDef.

The program (../../../shared/docs/SCENARIOS.md, S1) trains a 3-layer MLP
with dropout and RMSProp and checkpoints it each epoch. This script runs its
graph-building code with kiln_tf1 standing in for TensorFlow, plus what the
training session adds to the graph: `tf.initialize_all_variables()` (the
`init` op) and, with --epochs-assign N, the `global_step.assign(i)` calls of
N epochs. The MetaGraphDef is what `saver.save` writes as `model.ckpt-<n>.meta`
(TF writes it binary; this is the same message as text).

    python3 model.py model.meta.pbtxt                    # the graph before training
    python3 model.py ckpt-95.meta.pbtxt --epochs-assign 96
    python3 model.py ckpt-99.meta.pbtxt --start 99 --epochs-assign 1   # a resumed run
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tools", "kiln-tf1"))
import kiln_tf1 as tf  # noqa: E402


def init_weights(shape):
    return tf.Variable(tf.random_normal(shape, stddev=0.01))


def model(X, w_h, w_h2, w_o, p_keep_input, p_keep_hidden):
    X = tf.nn.dropout(X, p_keep_input)
    h = tf.nn.relu(tf.matmul(X, w_h))

    h = tf.nn.dropout(h, p_keep_hidden)
    h2 = tf.nn.relu(tf.matmul(h, w_h2))

    h2 = tf.nn.dropout(h2, p_keep_hidden)
    return tf.matmul(h2, w_o)


def build(start, epochs_assign):
    """Build S1's graph as a run from epoch `start` has it after
    `epochs_assign` epochs; returns its Saver."""
    X = tf.placeholder("float", [None, 784])
    Y = tf.placeholder("float", [None, 10])

    w_h = init_weights([784, 625])
    w_h2 = init_weights([625, 625])
    w_o = init_weights([625, 10])

    p_keep_input = tf.placeholder("float")
    p_keep_hidden = tf.placeholder("float")
    py_x = model(X, w_h, w_h2, w_o, p_keep_input, p_keep_hidden)

    cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=py_x, labels=Y))
    tf.train.RMSPropOptimizer(0.001, 0.9).minimize(cost)
    tf.argmax(py_x, 1)

    global_step = tf.Variable(0, name='global_step', trainable=False)
    saver = tf.train.Saver()
    tf.Variable(777)  # created after the Saver, so not saved

    # with tf.Session() as sess: tf.initialize_all_variables().run(); ...
    tf.initialize_all_variables()
    for i in range(start, start + epochs_assign):
        global_step.assign(i)  # .eval() at the end of epoch i
    return saver


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", help="path of the text MetaGraphDef to write")
    parser.add_argument("--epochs-assign", type=int, default=0, metavar="N",
                        help="add the global_step.assign(i) nodes of N epochs")
    parser.add_argument("--start", type=int, default=0, metavar="S",
                        help="first epoch of the run (global_step when it started)")
    args = parser.parse_args()
    saver = build(args.start, args.epochs_assign)
    saver.export_meta_graph(args.output)


if __name__ == "__main__":
    main()
