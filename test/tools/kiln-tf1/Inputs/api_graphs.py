"""Build small graphs with kiln_tf1's API beyond S1/S8 and write each as
DIR/<name>.meta.pbtxt:

- s4: the S4 FIFOQueue program (enqueue_many, dequeue, +1, enqueue);
- s6: the S6 QueueRunner program (an AssignAdd thread and an enqueue thread);
- linear: least squares on a fed batch with MomentumOptimizer; `w` is used
  twice, so its gradient is an AddN; Sub, Neg and Cast gradients, GATE_GRAPH;
- batching: tf.train.batch of a counter, a histogram and merge_all.

Usage: api_graphs.py KILN_TF1_DIR OUTPUT_DIR
"""
import os
import sys

sys.path.insert(0, sys.argv[1])
import kiln_tf1 as tf  # noqa: E402

out_dir = sys.argv[2]
os.makedirs(out_dir, exist_ok=True)


def export(name):
    tf.train.export_meta_graph(os.path.join(out_dir, name + ".meta.pbtxt"))
    tf.reset_default_graph()


q = tf.FIFOQueue(3, "float")
init = q.enqueue_many(([0.1, 0.2, 0.3],))
x = q.dequeue()
y = x + 1
q_inc = q.enqueue([y])
export("s4")

q = tf.FIFOQueue(1000, "float")
counter = tf.Variable(0.0)
increment_op = tf.assign_add(counter, tf.constant(1.0))
enqueue_op = q.enqueue(counter)
qr = tf.train.QueueRunner(q, enqueue_ops=[increment_op, enqueue_op] * 1)
tf.train.add_queue_runner(qr)
tf.global_variables_initializer()
q.dequeue()
export("s6")

x = tf.placeholder(tf.float32, [4], name="x")
target = tf.placeholder(tf.int32, [4], name="target")
w = tf.Variable(0.5, name="w")
b = tf.Variable(0.0, name="b")
prediction = w * x + b - 0.1 * w
error = prediction - tf.cast(target, tf.float32)
loss = tf.reduce_mean(-error * -error, name="loss")
train = tf.train.MomentumOptimizer(0.05, 0.9).minimize(
    loss, gate_gradients=tf.train.Optimizer.GATE_GRAPH, name="train")
tf.equal(tf.argmax(tf.expand_dims(prediction, 0), 1), 0)
tf.global_variables_initializer()
export("linear")

step = tf.Variable(0, name="step", trainable=False,
                   collections=[tf.GraphKeys.LOCAL_VARIABLES])
value = tf.to_float(step.count_up_to(1000))
batch = tf.train.batch([value], batch_size=4, num_threads=1, capacity=8)
tf.summary.histogram("batch", batch)
tf.summary.scalar("mean", tf.reduce_sum(batch) / 4.0)
tf.summary.merge_all()
tf.local_variables_initializer()
export("batching")
