#!/usr/bin/env python3
"""The graph of TF's `mnist_deep.py` CNN, built as TF 1.x builds it, as a text MetaGraphDef.

The program is the TF 1.x tutorial `mnist_deep.py` (the version with name
scopes) trained on Fashion-MNIST, which has MNIST's format: 28x28 grayscale
images as 784 floats and one-hot labels over 10 classes, so the graph is the
tutorial's unchanged. x -> [-1, 28, 28, 1] -> conv 5x5x32 + ReLU -> max pool
2x2 -> conv 5x5x64 + ReLU -> max pool 2x2 -> [-1, 3136] -> fully connected
1024 + ReLU -> dropout -> fully connected 10 (the logits `y_conv`); softmax
cross-entropy with the labels `y_`, averaged; Adam(1e-3). Weights start as
truncated normals (stddev 0.1), biases at 0.1. This script runs that
graph-building code with kiln_tf1 standing in for TensorFlow, plus what a
training program adds: the init op and a Saver.

    python3 model.py model.meta.pbtxt

Nodes to feed and fetch (the `fetch` of a signature is a node's output 0):

    Placeholder           x, float [?, 784]
    Placeholder_1         y_, float [?, 10]
    dropout/Placeholder   keep_prob, float [] (0.5 to train, 1.0 to evaluate)
    Mean                  the loss: mean softmax cross-entropy, float []
    adam_optimizer/Adam   the train step (a NoOp target): one ApplyAdam per
                          variable, then beta1_power/beta2_power advanced
    accuracy/ArgMax       the predicted class, argmax(y_conv, 1), int64 [?]
    Mean_1                the accuracy against y_, float []
    fc2/add               the logits y_conv, float [?, 10]
    init                  initializes all variables (target)

For example (graph-opt --graph-session-form):

    train: feed=Placeholder[?,784],Placeholder_1[?,10],dropout/Placeholder[]
           fetch=Mean target=adam_optimizer/Adam
    predict: feed=Placeholder[?,784],dropout/Placeholder[] fetch=accuracy/ArgMax
    evaluate: feed=Placeholder[?,784],Placeholder_1[?,10],dropout/Placeholder[]
              fetch=Mean_1
    init: target=init

Variables (and the Saver's checkpoint keys): conv1/Variable (W) and
conv1/Variable_1 (b), likewise conv2, fc1 and fc2; each with Adam's slots
`<var>/Adam` (m) and `<var>/Adam_1` (v); adam_optimizer/beta1_power and
adam_optimizer/beta2_power.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tools", "kiln-tf1"))
import kiln_tf1 as tf  # noqa: E402


def deepnn(x):
    """The CNN: logits for the 10 classes, and the dropout keep-probability."""
    with tf.name_scope('reshape'):
        x_image = tf.reshape(x, [-1, 28, 28, 1])

    with tf.name_scope('conv1'):
        W_conv1 = weight_variable([5, 5, 1, 32])
        b_conv1 = bias_variable([32])
        h_conv1 = tf.nn.relu(conv2d(x_image, W_conv1) + b_conv1)

    with tf.name_scope('pool1'):
        h_pool1 = max_pool_2x2(h_conv1)

    with tf.name_scope('conv2'):
        W_conv2 = weight_variable([5, 5, 32, 64])
        b_conv2 = bias_variable([64])
        h_conv2 = tf.nn.relu(conv2d(h_pool1, W_conv2) + b_conv2)

    with tf.name_scope('pool2'):
        h_pool2 = max_pool_2x2(h_conv2)

    with tf.name_scope('fc1'):
        W_fc1 = weight_variable([7 * 7 * 64, 1024])
        b_fc1 = bias_variable([1024])
        h_pool2_flat = tf.reshape(h_pool2, [-1, 7 * 7 * 64])
        h_fc1 = tf.nn.relu(tf.matmul(h_pool2_flat, W_fc1) + b_fc1)

    with tf.name_scope('dropout'):
        keep_prob = tf.placeholder(tf.float32, [])
        h_fc1_drop = tf.nn.dropout(h_fc1, keep_prob)

    with tf.name_scope('fc2'):
        W_fc2 = weight_variable([1024, 10])
        b_fc2 = bias_variable([10])
        y_conv = tf.matmul(h_fc1_drop, W_fc2) + b_fc2
    return y_conv, keep_prob


def conv2d(x, W):
    return tf.nn.conv2d(x, W, strides=[1, 1, 1, 1], padding='SAME')


def max_pool_2x2(x):
    return tf.nn.max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding='SAME')


def weight_variable(shape):
    initial = tf.truncated_normal(shape, stddev=0.1)
    return tf.Variable(initial)


def bias_variable(shape):
    initial = tf.constant(0.1, shape=shape)
    return tf.Variable(initial)


def build():
    """Build the training program's graph; returns its Saver."""
    x = tf.placeholder(tf.float32, [None, 784])
    y_ = tf.placeholder(tf.float32, [None, 10])
    y_conv, _ = deepnn(x)

    with tf.name_scope('loss'):
        cross_entropy = tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=y_conv)
    cross_entropy = tf.reduce_mean(cross_entropy)

    with tf.name_scope('adam_optimizer'):
        # The tutorial's 1e-4 reaches 0.887 test accuracy on Fashion-MNIST
        # in 5 epochs (its 20000 steps are 18); 1e-3 gets past 0.90 in 5.
        tf.train.AdamOptimizer(1e-3).minimize(cross_entropy)

    with tf.name_scope('accuracy'):
        correct_prediction = tf.equal(tf.argmax(y_conv, 1), tf.argmax(y_, 1))
        correct_prediction = tf.cast(correct_prediction, tf.float32)
    tf.reduce_mean(correct_prediction)

    saver = tf.train.Saver()
    # with tf.Session() as sess: sess.run(tf.global_variables_initializer()); ...
    tf.global_variables_initializer()
    return saver


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", help="path of the text MetaGraphDef to write")
    args = parser.parse_args()
    build().export_meta_graph(args.output)


if __name__ == "__main__":
    main()
