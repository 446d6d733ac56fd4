#!/usr/bin/env python3
"""S8's graph, built the way the TF 1.x program builds it, as a text MetaGraphDef.

The program is TensorFlow's `fully_connected_reader.py` (the seed's S8, TF
1.1/1.2): TFRecords of MNIST Examples -> string_input_producer (2 epochs) ->
TFRecordReader -> parse_single_example -> decode_raw -> [784] floats in
[-0.5, 0.5] and an int32 label -> shuffle_batch(100, 2 threads) -> the
two-hidden-layer MLP of `mnist.py` (128 and 32 units) -> sparse softmax
cross-entropy -> GradientDescent(0.01) with a global step; then the init op
for global and local variables. This script runs that graph-building code
with kiln_tf1 standing in for TensorFlow.

    python3 model.py model.meta.pbtxt [--train-file train.tfrecords]
        [--num-epochs 2] [--num-threads 2]

--num-epochs 0 builds string_input_producer(num_epochs=None): no epoch limit
(the input never runs out; bench/longrun uses it with --num-threads 4).

The records file name is a Const in the graph (as in TF).
"""

import argparse
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tools", "kiln-tf1"))
import kiln_tf1 as tf  # noqa: E402

# mnist.py
NUM_CLASSES = 10
IMAGE_SIZE = 28
IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE

# fully_connected_reader.py's flags (defaults)
LEARNING_RATE = 0.01
NUM_EPOCHS = 2
HIDDEN1 = 128
HIDDEN2 = 32
BATCH_SIZE = 100


def read_and_decode(filename_queue):
    reader = tf.TFRecordReader()
    _, serialized_example = reader.read(filename_queue)
    features = tf.parse_single_example(
        serialized_example,
        # Defaults are not specified since both keys are required.
        features={
            'image_raw': tf.FixedLenFeature([], tf.string),
            'label': tf.FixedLenFeature([], tf.int64),
        })

    # Convert from a scalar string tensor (whose single string has
    # length mnist.IMAGE_PIXELS) to a uint8 tensor with shape
    # [mnist.IMAGE_PIXELS].
    image = tf.decode_raw(features['image_raw'], tf.uint8)
    image.set_shape([IMAGE_PIXELS])

    # Convert from [0, 255] -> [-0.5, 0.5] floats.
    image = tf.cast(image, tf.float32) * (1. / 255) - 0.5

    # Convert label from a scalar uint8 tensor to an int32 scalar.
    label = tf.cast(features['label'], tf.int32)

    return image, label


def inputs(filename, batch_size, num_epochs, num_threads=2):
    with tf.name_scope('input'):
        filename_queue = tf.train.string_input_producer(
            [filename], num_epochs=num_epochs)

        # Even when reading in multiple threads, share the filename
        # queue.
        image, label = read_and_decode(filename_queue)

        # Shuffle the examples and collect them into batch_size batches.
        # (Internally uses a RandomShuffleQueue.)
        # We run this in two threads to avoid being a bottleneck.
        images, sparse_labels = tf.train.shuffle_batch(
            [image, label], batch_size=batch_size, num_threads=num_threads,
            capacity=1000 + 3 * batch_size,
            # Ensures a minimum amount of shuffling of examples.
            min_after_dequeue=1000)

        return images, sparse_labels


def inference(images, hidden1_units, hidden2_units):
    """mnist.inference: two ReLU layers and a linear softmax layer."""
    with tf.name_scope('hidden1'):
        weights = tf.Variable(
            tf.truncated_normal([IMAGE_PIXELS, hidden1_units],
                                stddev=1.0 / math.sqrt(float(IMAGE_PIXELS))),
            name='weights')
        biases = tf.Variable(tf.zeros([hidden1_units]), name='biases')
        hidden1 = tf.nn.relu(tf.matmul(images, weights) + biases)
    with tf.name_scope('hidden2'):
        weights = tf.Variable(
            tf.truncated_normal([hidden1_units, hidden2_units],
                                stddev=1.0 / math.sqrt(float(hidden1_units))),
            name='weights')
        biases = tf.Variable(tf.zeros([hidden2_units]), name='biases')
        hidden2 = tf.nn.relu(tf.matmul(hidden1, weights) + biases)
    with tf.name_scope('softmax_linear'):
        weights = tf.Variable(
            tf.truncated_normal([hidden2_units, NUM_CLASSES],
                                stddev=1.0 / math.sqrt(float(hidden2_units))),
            name='weights')
        biases = tf.Variable(tf.zeros([NUM_CLASSES]), name='biases')
        logits = tf.matmul(hidden2, weights) + biases
    return logits


def loss(logits, labels):
    """mnist.loss: mean sparse softmax cross-entropy."""
    labels = tf.to_int64(labels)
    cross_entropy = tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=labels, logits=logits, name='xentropy')
    return tf.reduce_mean(cross_entropy, name='xentropy_mean')


def training(loss_tensor, learning_rate):
    """mnist.training: a loss summary and one GradientDescent step."""
    tf.summary.scalar('loss', loss_tensor)
    optimizer = tf.train.GradientDescentOptimizer(learning_rate)
    global_step = tf.Variable(0, name='global_step', trainable=False)
    return optimizer.minimize(loss_tensor, global_step=global_step)


def build(filename, num_epochs=NUM_EPOCHS, num_threads=2):
    images, labels = inputs(filename, batch_size=BATCH_SIZE,
                            num_epochs=num_epochs or None,
                            num_threads=num_threads)
    logits = inference(images, HIDDEN1, HIDDEN2)
    loss_tensor = loss(logits, labels)
    training(loss_tensor, LEARNING_RATE)
    # The op for initializing the variables (and the epoch counter).
    tf.group(tf.global_variables_initializer(), tf.local_variables_initializer())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", help="path of the text MetaGraphDef to write")
    parser.add_argument("--train-file", default="train.tfrecords",
                        help="the TFRecords file the graph reads (a Const)")
    parser.add_argument("--num-epochs", type=int, default=NUM_EPOCHS,
                        help="passes over the file (0: no limit)")
    parser.add_argument("--num-threads", type=int, default=2,
                        help="shuffle_batch's enqueue threads")
    args = parser.parse_args()
    build(args.train_file, args.num_epochs, args.num_threads)
    tf.train.export_meta_graph(args.output)


if __name__ == "__main__":
    main()
