"""Checks compiled ops against NumPy on random inputs.

Each case is one TF node over placeholders; the inputs go in as .npy feeds,
graph-run prints the fetched value, and the printed numbers must match
NumPy's result (shape and values, rtol 1e-5). Usage: numerics.py GRAPH_RUN TMPDIR
"""
import os
import re
import subprocess
import sys

import numpy as np

GRAPH_RUN, TMP = sys.argv[1], sys.argv[2]
os.makedirs(TMP, exist_ok=True)
rng = np.random.default_rng(1234)
DT = {np.float32: "DT_FLOAT", np.float64: "DT_DOUBLE", np.int32: "DT_INT32",
      np.int64: "DT_INT64", np.int16: "DT_INT16", np.uint8: "DT_UINT8",
      np.bool_: "DT_BOOL"}


def placeholder(name, dtype):
    return ('node { name: "%s" op: "Placeholder" attr { key: "dtype" value '
            '{ type: %s } } }\n' % (name, DT[dtype]))


def const_ints(name, values, dtype=np.int32):
    vals = " ".join("int_val: %d" % v for v in values)
    t = "DT_INT32" if dtype == np.int32 else "DT_INT64"
    return ('node { name: "%s" op: "Const" attr { key: "dtype" value { type: %s } }'
            ' attr { key: "value" value { tensor { dtype: %s tensor_shape { dim '
            '{ size: %d } } %s } } } }\n' % (name, t, t, len(values), vals))


def attr_text(attrs):
    out = ""
    for k, v in attrs.items():
        if isinstance(v, bool):
            out += ' attr { key: "%s" value { b: %s } }' % (k, "true" if v else "false")
        elif isinstance(v, type) and v in DT:
            out += ' attr { key: "%s" value { type: %s } }' % (k, DT[v])
        else:
            out += ' attr { key: "%s" value { i: %d } }' % (k, v)
    return out


def parse(text):
    body = text.split(" = ", 1)[1]
    nums = re.findall(r"-?(?:\d+\.?\d*(?:e[+-]?\d+)?|inf|nan)|True|False", body)
    return [1.0 if n == "True" else 0.0 if n == "False" else float(n) for n in nums]


failures = 0
count = 0


def check(name, op, inputs, expected, attrs=None, consts="", fetch="out"):
    """inputs: list of arrays fed as x0, x1, ...; `consts` adds Const nodes the
    op's input list names after the placeholders; `fetch` the output checked."""
    global failures, count
    count += 1
    graph = ""
    names = []
    for i, a in enumerate(inputs):
        graph += placeholder("x%d" % i, a.dtype.type)
        names.append("x%d" % i)
    extra = re.findall(r'name: "(\w+)"', consts)
    graph += consts
    inputs_text = "".join(' input: "%s"' % n for n in names + extra)
    graph += 'node { name: "out" op: "%s"%s%s }\n' % (op, inputs_text,
                                                     attr_text(attrs or {}))
    gpath = os.path.join(TMP, name + ".pbtxt")
    open(gpath, "w").write(graph)
    run = []
    for i, a in enumerate(inputs):
        p = os.path.join(TMP, "%s_x%d.npy" % (name, i))
        np.save(p, a)
        run.append("feed=x%d=@%s" % (i, p))
    run.append("fetch=" + fetch)
    r = subprocess.run([GRAPH_RUN, gpath, "--run", " ".join(run)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print("FAIL %s: %s" % (name, r.stderr.strip()))
        failures += 1
        return
    got = np.array(parse(r.stdout.strip()), dtype=np.float64)
    want = np.asarray(expected, dtype=np.float64).reshape(-1)
    if got.shape != want.shape or not np.allclose(got, want, rtol=1e-5,
                                                  atol=1e-6, equal_nan=True):
        print("FAIL %s: got %s want %s" % (name, got[:8], want[:8]))
        failures += 1
    else:
        print("ok %s" % name)


f32 = lambda *s: rng.standard_normal(s).astype(np.float32)
pos = lambda *s: (rng.random(s) + 0.5).astype(np.float32)
T = {"T": np.float32}

a, b = f32(4, 3), f32(3)
check("add_broadcast", "Add", [a, b], a + b, T)
s = f32()
check("sub_scalar_rhs", "Sub", [a, s], a - s, T)
c = f32(4, 1)
check("mul_column_broadcast", "Mul", [a, c], a * c, T)
p, q = pos(2, 3), pos(2, 3)
check("realdiv", "RealDiv", [p, q], p / q, T)
check("maximum", "Maximum", [a, b], np.maximum(a, b), T)
check("minimum", "Minimum", [a, b], np.minimum(a, b), T)
check("pow", "Pow", [p, q], np.power(p, q), T)
check("squared_difference", "SquaredDifference", [a, b], (a - b) ** 2, T)
x, y = (a * 5), pos(3)
check("floormod_float", "FloorMod", [x, y], np.mod(x, y), T)
i, j = rng.integers(-20, 20, (5,)).astype(np.int32), rng.integers(1, 7, (5,)).astype(np.int32)
j[::2] *= -1
check("floordiv_int", "FloorDiv", [i, j], np.floor_divide(i, j), {"T": np.int32})
check("floormod_int", "FloorMod", [i, j], np.mod(i, j), {"T": np.int32})
check("less", "Less", [a, b], a < b, T)
check("equal_int", "Equal", [i, j], i == j, {"T": np.int32})
for op, fn in [("Exp", np.exp), ("Neg", np.negative), ("Abs", np.abs),
               ("Tanh", np.tanh), ("Square", np.square),
               ("Relu", lambda v: np.maximum(v, 0)),
               ("Sigmoid", lambda v: 1 / (1 + np.exp(-v))),
               ("Floor", np.floor), ("Sign", np.sign)]:
    check(op.lower(), op, [a], fn(a), T)
check("log", "Log", [p], np.log(p), T)
check("sqrt", "Sqrt", [p], np.sqrt(p), T)
check("rsqrt", "Rsqrt", [p], 1 / np.sqrt(p), T)
check("cast_f2i", "Cast", [a * 10], (a * 10).astype(np.int32),
      {"SrcT": np.float32, "DstT": np.int32})
u = rng.integers(0, 255, (6,)).astype(np.uint8)
check("cast_u8_f", "Cast", [u], u.astype(np.float32),
      {"SrcT": np.uint8, "DstT": np.float32})
m1, m2 = f32(5, 7), f32(7, 3)
check("matmul", "MatMul", [m1, m2], m1 @ m2, T)
check("matmul_ta", "MatMul", [m1.T.copy(), m2], m1 @ m2,
      dict(T, transpose_a=True))
check("matmul_tb", "MatMul", [m1, m2.T.copy()], m1 @ m2,
      dict(T, transpose_b=True))
r = f32(3, 4, 5)
ax = const_ints("axes", [1])
check("sum_axis1", "Sum", [r], r.sum(1), dict(T, Tidx=np.int32, keep_dims=False), ax)
check("mean_keep", "Mean", [r], r.mean(1, keepdims=True),
      dict(T, Tidx=np.int32, keep_dims=True), ax)
check("max_neg_axis", "Max", [r], r.max(-1),
      dict(T, Tidx=np.int32, keep_dims=False), const_ints("axes", [-1]))
check("sum_all", "Sum", [r], r.sum(), dict(T, Tidx=np.int32, keep_dims=False),
      const_ints("axes", [0, 1, 2]))
check("argmax", "ArgMax", [r], r.argmax(2),
      {"T": np.float32, "Tidx": np.int32, "output_type": np.int64},
      const_ints("axes", [2]))
lg = f32(4, 10)
e = np.exp(lg - lg.max(1, keepdims=True))
check("softmax", "Softmax", [lg], e / e.sum(1, keepdims=True), T)
# Sparse softmax cross-entropy: loss and backprop, int32 and int64 labels.
for ltype in (np.int32, np.int64):
    labels = rng.integers(0, 10, 4).astype(ltype)
    sm = e / e.sum(1, keepdims=True)
    onehot = np.eye(10, dtype=np.float32)[labels]
    attrs = {"T": np.float32, "Tlabels": ltype}
    tag = np.dtype(ltype).name
    check("sparse_xent_loss_" + tag, "SparseSoftmaxCrossEntropyWithLogits",
          [lg, labels], -np.log(sm[np.arange(4), labels]), attrs)
    check("sparse_xent_backprop_" + tag, "SparseSoftmaxCrossEntropyWithLogits",
          [lg, labels], sm - onehot, attrs, fetch="out:1")
check("reshape", "Reshape", [r], r.reshape(12, 5),
      {"T": np.float32, "Tshape": np.int32}, const_ints("shape", [-1, 5]))
check("transpose", "Transpose", [r], r.transpose(2, 0, 1),
      {"T": np.float32, "Tperm": np.int32}, const_ints("perm", [2, 0, 1]))
# Edge shapes: scalars, empty tensors, size-1 dims.
s1, s2 = f32(), f32()
check("scalar_add", "Add", [s1, s2], s1 + s2, T)
z = np.zeros((0, 3), np.float32)
check("empty_add", "Add", [z, b], z + b, T)
o = f32(1, 3)
w = f32(4, 1)
check("size1_outer", "Mul", [o, w], o * w, T)
print("%d cases, %d failures" % (count, failures))
sys.exit(1 if failures else 0)
