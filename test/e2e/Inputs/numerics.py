"""Checks compiled ops against NumPy on random inputs.

Each case is one TF node over placeholders; the inputs go in as .npy feeds,
graph-run prints the fetched value, and the printed numbers must match
NumPy's result (shape and values, rtol 1e-5). Usage: numerics.py GRAPH_RUN TMPDIR

`numerics.py --list-ops` prints the op types the cases cover, one a line,
without running anything: test/Conversion/op-rules-coverage.test requires a
case for every lowered op type (or a commented exception there).
"""
import os
import re
import subprocess
import sys

import numpy as np

LIST_ONLY = sys.argv[1:] == ["--list-ops"]
# Extra graph-run flags for every case (numerics.test runs the matmul cases
# once more with `--gemm codegen`): NUMERICS_FLAGS="--gemm codegen".
GRAPH_RUN_FLAGS = os.environ.get("NUMERICS_FLAGS", "").split()
# Only the cases whose name starts with NUMERICS_ONLY, when set.
ONLY = os.environ.get("NUMERICS_ONLY")
if LIST_ONLY:
    GRAPH_RUN = TMP = None
else:
    GRAPH_RUN, TMP = sys.argv[1], sys.argv[2]
    os.makedirs(TMP, exist_ok=True)
covered = set()
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


class Shape:
    """A `shape` attr value."""
    def __init__(self, *dims):
        self.dims = dims


class Tensor:
    """A `tensor` attr value (float32 or int32)."""
    def __init__(self, array):
        self.array = np.asarray(array)


def tensor_text(a):
    dims = "".join("dim { size: %d } " % d for d in a.shape)
    if a.dtype == np.float32:
        vals = " ".join("float_val: %r" % float(v) for v in a.reshape(-1))
        t = "DT_FLOAT"
    else:
        vals = " ".join("int_val: %d" % v for v in a.reshape(-1))
        t = "DT_INT32"
    return "tensor { dtype: %s tensor_shape { %s} %s }" % (t, dims, vals)


def const_scalar(name, value):
    return ('node { name: "%s" op: "Const" attr { key: "dtype" value { type: '
            'DT_INT32 } } attr { key: "value" value { %s } } }\n'
            % (name, tensor_text(np.array(value, np.int32))))


def attr_text(attrs):
    out = ""
    for k, v in attrs.items():
        if isinstance(v, Shape):
            dims = "".join("dim { size: %d } " % d for d in v.dims)
            out += ' attr { key: "%s" value { shape { %s} } }' % (k, dims)
        elif isinstance(v, Tensor):
            out += ' attr { key: "%s" value { %s } }' % (k, tensor_text(v.array))
        elif isinstance(v, str):
            out += ' attr { key: "%s" value { s: "%s" } }' % (k, v)
        elif isinstance(v, (list, tuple)):
            ints = "".join("i: %d " % x for x in v)
            out += ' attr { key: "%s" value { list { %s} } }' % (k, ints)
        elif isinstance(v, bool):
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


def check(name, op, inputs, expected, attrs=None, consts="", fetch="out",
          args=None, covers=(), xfail=None, atol=1e-6):
    """inputs: list of arrays fed as x0, x1, ...; `consts` adds Const nodes the
    op's input list names after the placeholders (`args`: the op's inputs in
    another order); `fetch` the output checked; `covers`: other op types the
    case computes with; `xfail`: why the case is known to fail (it must, and
    does not count as the op's case: when it passes, drop the mark); `atol`:
    the absolute tolerance (sums of many float32 terms need more)."""
    if not xfail:
        covered.update((op,) + tuple(covers))
    if LIST_ONLY:
        return
    graph = ""
    names = []
    for i, a in enumerate(inputs):
        graph += placeholder("x%d" % i, a.dtype.type)
        names.append("x%d" % i)
    extra = re.findall(r'name: "(\w+)"', consts)
    graph += consts
    inputs_text = "".join(' input: "%s"' % n for n in (args or names + extra))
    graph += 'node { name: "out" op: "%s"%s%s }\n' % (op, inputs_text,
                                                     attr_text(attrs or {}))
    feeds = [("x%d" % i, a) for i, a in enumerate(inputs)]
    run_graph(name, graph, [], feeds, fetch, expected, xfail, atol)


def run_graph(name, graph, setup, feeds, fetch, expected, xfail=None,
              atol=1e-6):
    """Runs `graph`: the `setup` runs ((feeds, targets) each) first, then one
    that feeds `feeds` and fetches `fetch`, whose value must be `expected`
    (unless `xfail`)."""
    global failures, count
    if ONLY and not name.startswith(ONLY):
        return
    count += 1
    failed = compare(name, graph, setup, feeds, fetch, expected, atol)
    if xfail and failed:
        print("xfail %s (%s): %s" % (name, xfail, failed))
    elif xfail:
        print("FAIL %s: passes now, drop its xfail (%s)" % (name, xfail))
        failures += 1
    elif failed:
        print("FAIL %s: %s" % (name, failed))
        failures += 1
    else:
        print("ok %s" % name)


def compare(name, graph, setup, feeds, fetch, expected, atol=1e-6):
    """What is wrong with the fetched value, or None."""
    gpath = os.path.join(TMP, name + ".pbtxt")
    open(gpath, "w").write(graph)

    def run_text(feeds, last):
        parts = []
        for n, a in feeds:
            p = os.path.join(TMP, "%s_%s.npy" % (name, n))
            np.save(p, a)
            parts.append("feed=%s=@%s" % (n, p))
        return " ".join(parts + [last])

    argv = [GRAPH_RUN, gpath] + GRAPH_RUN_FLAGS
    for setup_feeds, targets in setup:
        argv += ["--run", run_text(setup_feeds, "target=" + ",".join(targets))]
    argv += ["--run", run_text(feeds, "fetch=" + fetch)]
    r = subprocess.run(argv, capture_output=True, text=True)
    if r.returncode != 0:
        return r.stderr.strip()
    # Runs with only targets print nothing: stdout is the fetched value.
    got = np.array(parse(r.stdout.strip()), dtype=np.float64)
    want = np.asarray(expected, dtype=np.float64).reshape(-1)
    if got.shape != want.shape or not np.allclose(got, want, rtol=1e-5,
                                                  atol=atol, equal_nan=True):
        return "got %s want %s" % (got[:8], want[:8])
    return None


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
# Big enough for the runtime's GEMM (kiln-cpu-select-gemm, --gemm auto;
# outputs of at most 1000 elements: graph-run prints them whole):
# every transpose combination, edges in every dim (no dim a multiple of
# the micro-tile), K over one cache block, a narrow C (10 columns), one
# and a few rows (the unpacked path), and no rows at all.
for mm, kk, nn in [(31, 300, 29), (45, 1000, 10), (1, 300, 70), (3, 64, 50),
                   (0, 30, 20), (130, 40, 7)]:
    ga, gb = f32(mm, kk), f32(kk, nn)
    for ta in (False, True):
        for tb in (False, True):
            check("matmul_gemm_%dx%dx%d%s%s" % (mm, kk, nn, "_ta" * ta, "_tb" * tb),
                  "MatMul", [ga.T.copy() if ta else ga, gb.T.copy() if tb else gb],
                  (ga.astype(np.float64) @ gb.astype(np.float64)).astype(np.float32),
                  dict(T, transpose_a=ta, transpose_b=tb),
                  # float32 sums of kk terms of size ~1 (not 1e-6 near 0)
                  atol=1e-6 * kk)
# A layer's bias and ReLU on the GEMM's product: they run as its epilogue
# (kiln-cpu-gemm-epilogues) on each finished block: K in several blocks
# (column panels), in one (row bands), the unpacked few-row path, no rows.
for mm, kk, nn, ta, tb in [(31, 300, 29, False, False), (31, 300, 29, True, True),
                           (30, 100, 33, False, False), (30, 100, 33, True, False),
                           (3, 64, 50, False, False), (0, 30, 20, False, True)]:
    ga, gb, bias = f32(mm, kk), f32(kk, nn), f32(nn)
    if LIST_ONLY:
        covered.update(("MatMul", "BiasAdd", "Relu"))
        continue
    graph = (placeholder("x0", np.float32) + placeholder("x1", np.float32) +
             placeholder("x2", np.float32) +
             'node { name: "mm" op: "MatMul" input: "x0" input: "x1"%s }\n'
             % attr_text(dict(T, transpose_a=ta, transpose_b=tb)) +
             'node { name: "b" op: "BiasAdd" input: "mm" input: "x2"%s }\n'
             % attr_text(T) +
             'node { name: "out" op: "Relu" input: "b"%s }\n' % attr_text(T))
    ref = ga.astype(np.float64) @ gb.astype(np.float64) + bias
    run_graph("matmul_epilogue_%dx%dx%d%s%s" % (mm, kk, nn, "_ta" * ta, "_tb" * tb),
              graph, [], [("x0", ga.T.copy() if ta else ga),
                          ("x1", gb.T.copy() if tb else gb), ("x2", bias)],
              "out", np.maximum(ref, 0).astype(np.float32), atol=1e-6 * kk)
# Not f32: generated register tiles (kiln-cpu-vectorize-matmuls) in every
# mode, full tiles and masked edges (13 rows: one full tile of 8 and an
# edge; 37 columns: a full tile and an edge at any vector width).
for dt, name in ((np.float64, "f64"), (np.int32, "i32")):
    da = (rng.standard_normal((13, 9)) * 4).astype(dt)
    db = (rng.standard_normal((9, 37)) * 4).astype(dt)
    for ta in (False, True):
        for tb in (False, True):
            check("matmul_%s%s%s" % (name, "_ta" * ta, "_tb" * tb), "MatMul",
                  [da.T.copy() if ta else da, db.T.copy() if tb else db],
                  da @ db, dict(T=dt, transpose_a=ta, transpose_b=tb),
                  atol=1e-12 * 9)
# Conv2D and pooling against direct loops: SAME padding as TF pads it (the
# odd row/column after), strides over 1, dilations, NCHW.
def window_geometry(size, k, stride, dil, same):
    eff = (k - 1) * dil + 1
    if same:
        out = -(-size // stride)
        pad = max(0, (out - 1) * stride + eff - size)
        return out, pad // 2, pad - pad // 2
    return (size - eff) // stride + 1, 0, 0


def conv2d_ref(x, f, strides=(1, 1), dil=(1, 1), same=True):
    n, h, w, c = x.shape
    kh, kw, _, o = f.shape
    oh, pt, pb = window_geometry(h, kh, strides[0], dil[0], same)
    ow, pl, pr = window_geometry(w, kw, strides[1], dil[1], same)
    xp = np.zeros((n, h + pt + pb, w + pl + pr, c))
    xp[:, pt:pt + h, pl:pl + w, :] = x
    out = np.zeros((n, oh, ow, o))
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    out[:, i, j, :] += xp[:, i * strides[0] + a * dil[0],
                                          j * strides[1] + b * dil[1], :] @ f[a, b]
    return out


def pool_ref(x, k, strides, same, reduce):
    n, h, w, c = x.shape
    oh, pt, pb = window_geometry(h, k[0], strides[0], 1, same)
    ow, pl, pr = window_geometry(w, k[1], strides[1], 1, same)
    xp = np.full((n, h + pt + pb, w + pl + pr, c), np.nan)
    xp[:, pt:pt + h, pl:pl + w, :] = x
    out = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            win = xp[:, i * strides[0]:i * strides[0] + k[0],
                     j * strides[1]:j * strides[1] + k[1], :]
            out[:, i, j, :] = reduce(win, axis=(1, 2))
    return out


nchw = lambda a: np.ascontiguousarray(a.transpose(0, 3, 1, 2))
for name, xs, fs, st, dl, pad in [
        ("same", (2, 5, 6, 3), (3, 3, 3, 4), (1, 1), (1, 1), "SAME"),
        ("valid_stride2", (1, 7, 8, 2), (3, 2, 2, 5), (2, 2), (1, 1), "VALID"),
        ("same_stride2_odd", (1, 6, 7, 2), (3, 3, 2, 3), (2, 2), (1, 1), "SAME"),
        ("same_even_filter", (1, 5, 5, 2), (2, 4, 2, 3), (1, 2), (1, 1), "SAME"),
        ("dilated", (1, 7, 7, 2), (3, 3, 2, 2), (1, 1), (2, 2), "SAME"),
        ("dilated_valid", (1, 8, 7, 2), (2, 3, 2, 2), (1, 1), (3, 2), "VALID"),
        # Windows x filter big enough for the runtime's GEMM (im2col).
        ("gemm", (1, 7, 7, 8), (3, 3, 8, 16), (1, 1), (1, 1), "SAME")]:
    cx, cf = f32(*xs), f32(*fs)
    check("conv2d_" + name, "Conv2D", [cx, cf],
          conv2d_ref(cx, cf, st, dl, pad == "SAME"),
          dict(T, strides=[1, st[0], st[1], 1], dilations=[1, dl[0], dl[1], 1],
               padding=pad), atol=1e-5)
cx, cf = f32(1, 5, 5, 3), f32(3, 3, 3, 2)
check("conv2d_nchw", "Conv2D", [nchw(cx), cf], nchw(conv2d_ref(cx, cf)),
      dict(T, strides=[1, 1, 1, 1], padding="SAME",
           data_format="NCHW"), atol=1e-5)
for op, reduce in (("MaxPool", np.nanmax), ("AvgPool", np.nanmean)):
    for name, xs, k, st, pad in [
            ("same", (2, 5, 7, 3), (3, 3), (2, 2), "SAME"),
            ("valid", (1, 6, 6, 2), (2, 2), (2, 2), "VALID"),
            ("same_wide", (1, 4, 9, 2), (2, 4), (1, 3), "SAME"),
            ("valid_overlap", (2, 5, 6, 2), (2, 3), (1, 1), "VALID")]:
        px = f32(*xs)
        check(op.lower() + "_" + name, op, [px],
              pool_ref(px, k, st, pad == "SAME", reduce),
              dict(T, ksize=[1, k[0], k[1], 1], strides=[1, st[0], st[1], 1],
                   padding=pad))
    px = f32(1, 6, 5, 2)
    check(op.lower() + "_nchw", op, [nchw(px)],
          nchw(pool_ref(px, (3, 2), (2, 2), True, reduce)),
          dict(T, ksize=[1, 1, 3, 2], strides=[1, 1, 2, 2], padding="SAME",
               data_format="NCHW"))
# Their gradients, by the definition: each product x[n, oh*s + k*d - pad, c]
# * f[k, c, o] sends dy[n, oh, o] back to both factors.
def conv2d_grads(x, f, dy, strides=(1, 1), dil=(1, 1), same=True):
    n, h, w, c = x.shape
    kh, kw, _, o = f.shape
    oh, pt, _ = window_geometry(h, kh, strides[0], dil[0], same)
    ow, pl, _ = window_geometry(w, kw, strides[1], dil[1], same)
    dx, df = np.zeros(x.shape), np.zeros(f.shape)
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    r = i * strides[0] + a * dil[0] - pt
                    q = j * strides[1] + b * dil[1] - pl
                    if 0 <= r < h and 0 <= q < w:
                        dx[:, r, q, :] += dy[:, i, j, :] @ f[a, b].T
                        df[a, b] += x[:, r, q, :].T @ dy[:, i, j, :]
    return dx, df


for name, xs, fs, st, dl, pad in [
        ("same", (2, 5, 6, 3), (3, 3, 3, 4), (1, 1), (1, 1), "SAME"),
        ("valid_stride2", (1, 7, 8, 2), (3, 2, 2, 5), (2, 2), (1, 1), "VALID"),
        ("same_stride2_odd", (1, 6, 7, 2), (3, 3, 2, 3), (2, 2), (1, 1), "SAME"),
        ("dilated", (1, 7, 7, 2), (3, 3, 2, 2), (1, 1), (2, 2), "SAME"),
        # Windows x filter big enough for the runtime's GEMM (im2col).
        ("gemm", (2, 6, 6, 4), (3, 3, 4, 16), (1, 1), (1, 1), "SAME")]:
    gx, gf = f32(*xs), f32(*fs)
    gdy = f32(*conv2d_ref(gx, gf, st, dl, pad == "SAME").shape)
    dx, df = conv2d_grads(gx, gf, gdy, st, dl, pad == "SAME")
    attrs = dict(T, strides=[1, st[0], st[1], 1],
                 dilations=[1, dl[0], dl[1], 1], padding=pad)
    check("conv2d_backprop_input_" + name, "Conv2DBackpropInput", [gf, gdy],
          dx, attrs, const_ints("sizes", list(xs)),
          args=["sizes", "x0", "x1"], atol=1e-5)
    check("conv2d_backprop_filter_" + name, "Conv2DBackpropFilter", [gx, gdy],
          df, attrs, const_ints("sizes", list(fs)),
          args=["x0", "sizes", "x1"], atol=1e-4)
gx, gf = f32(1, 5, 6, 2), f32(3, 3, 2, 3)
gdy = f32(1, 3, 3, 3)
dx, df = conv2d_grads(gx, gf, gdy, (2, 2))
nattrs = dict(T, strides=[1, 1, 2, 2], padding="SAME", data_format="NCHW")
check("conv2d_backprop_input_nchw", "Conv2DBackpropInput", [gf, nchw(gdy)],
      nchw(dx), nattrs, const_ints("sizes", [1, 2, 5, 6]),
      args=["sizes", "x0", "x1"], atol=1e-5)
check("conv2d_backprop_filter_nchw", "Conv2DBackpropFilter",
      [nchw(gx), nchw(gdy)], df, nattrs, const_ints("sizes", [3, 3, 2, 3]),
      args=["x0", "sizes", "x1"], atol=1e-5)
bg = f32(2, 3, 4, 5)
check("bias_add_grad", "BiasAddGrad", [bg], bg.sum((0, 1, 2)), T)
check("bias_add_grad_nchw", "BiasAddGrad", [bg], bg.sum((0, 2, 3)),
      dict(T, data_format="NCHW"))
check("bias_add_grad_2d", "BiasAddGrad", [bg[0, 0]], bg[0, 0].sum(0), T)
# Pooling gradients: MaxPoolGrad sends each window's gradient to the first
# (row-major) maximum of the window (pties: small integers), padding never;
# AvgPoolGrad spreads it over the window's elements inside the input.
def pool_grad_ref(x, dy, k, strides, same, first_max):
    n, h, w, c = x.shape
    oh, pt, _ = window_geometry(h, k[0], strides[0], 1, same)
    ow, pl, _ = window_geometry(w, k[1], strides[1], 1, same)
    dx = np.zeros(x.shape)
    for b in range(n):
        for ch in range(c):
            for i in range(oh):
                for j in range(ow):
                    cells = [(r, q) for r in range(i * strides[0] - pt, i * strides[0] - pt + k[0])
                             for q in range(j * strides[1] - pl, j * strides[1] - pl + k[1])
                             if 0 <= r < h and 0 <= q < w]
                    if first_max:
                        best = max(x[b, r, q, ch] for r, q in cells)
                        r, q = next(rc for rc in cells if x[b, rc[0], rc[1], ch] == best)
                        dx[b, r, q, ch] += dy[b, i, j, ch]
                    else:
                        for r, q in cells:
                            dx[b, r, q, ch] += dy[b, i, j, ch] / len(cells)
    return dx


for name, xs, k, st, pad in [
        ("same", (2, 5, 7, 3), (3, 3), (2, 2), "SAME"),
        ("valid_overlap", (1, 5, 6, 2), (2, 3), (1, 1), "VALID"),
        ("same_wide", (1, 4, 9, 2), (2, 4), (1, 3), "SAME")]:
    px = f32(*xs)
    pties = rng.integers(0, 3, xs).astype(np.float32)
    pattrs = dict(T, ksize=[1, k[0], k[1], 1], strides=[1, st[0], st[1], 1],
                 padding=pad)
    for tname, pxv in (("", px), ("_ties", pties)):
        py = pool_ref(pxv, k, st, pad == "SAME", np.nanmax).astype(np.float32)
        pdy = f32(*py.shape)
        check("maxpool_grad_" + name + tname, "MaxPoolGrad", [pxv, py, pdy],
              pool_grad_ref(pxv, pdy, k, st, pad == "SAME", True), pattrs)
    pdy = f32(*pool_ref(px, k, st, pad == "SAME", np.nanmean).shape)
    check("avgpool_grad_" + name, "AvgPoolGrad", [pdy],
          pool_grad_ref(px, pdy, k, st, pad == "SAME", False), pattrs,
          const_ints("shape", list(xs)), args=["shape", "x0"])
px = f32(1, 6, 5, 2)
py = pool_ref(px, (3, 2), (2, 2), True, np.nanmax).astype(np.float32)
pdy = f32(*py.shape)
pnattrs = dict(T, ksize=[1, 1, 3, 2], strides=[1, 1, 2, 2], padding="SAME",
              data_format="NCHW")
check("maxpool_grad_nchw", "MaxPoolGrad", [nchw(px), nchw(py), nchw(pdy)],
      nchw(pool_grad_ref(px, pdy, (3, 2), (2, 2), True, True)), pnattrs)
check("avgpool_grad_nchw", "AvgPoolGrad", [nchw(pdy)],
      nchw(pool_grad_ref(px, pdy, (3, 2), (2, 2), True, False)), pnattrs,
      const_ints("shape", [1, 2, 6, 5]), args=["shape", "x0"])
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
# --- Every other lowered op type. -------------------------------------------
I32 = {"T": np.int32}
check("addv2", "AddV2", [a, b], a + b, T)
bias = f32(3)
check("biasadd", "BiasAdd", [a, bias], a + bias, T)
check("div_float", "Div", [p, q], p / q, T)
check("div_int", "Div", [i, j], np.trunc(i / j).astype(np.int32), I32)
# DivNoNan: 0 where the divisor is 0 (0/0 included), x / y elsewhere.
dx, dy = f32(2, 4), f32(2, 4)
dy[0, 1] = dy[1, 3] = 0
dx[1, 3] = 0
check("divnonan_zero_divisor", "DivNoNan", [dx, dy],
      np.where(dy == 0, 0, dx / np.where(dy == 0, 1, dy)), T)
check("divnonan_broadcast", "DivNoNan", [a, np.float32(0)], np.zeros_like(a), T)
check("floordiv_float", "FloorDiv", [x, y], np.floor(x / y), T)
# Truncating division and remainder: negative operands round toward zero
# (C's / and %), unlike FloorDiv/FloorMod.
ti = np.array([-7, 7, -7, 7, -1, 0, 9, -9], np.int32)
tj = np.array([2, -2, -2, 2, 3, -5, 4, 4], np.int32)
check("truncatediv_int", "TruncateDiv", [ti, tj],
      np.trunc(ti / tj).astype(np.int32), I32)
check("truncatemod_int", "TruncateMod", [ti, tj], np.fmod(ti, tj), I32)
check("truncatemod_int64_broadcast", "TruncateMod",
      [ti.astype(np.int64), np.int64(-3)], np.fmod(ti, -3), {"T": np.int64})
tx = np.array([-7.5, 7.5, -7.5, 7.5, -0.25, 3.0], np.float32)
ty = np.array([2.0, -2.0, -2.0, 2.0, 0.5, -1.5], np.float32)
check("truncatemod_float", "TruncateMod", [tx, ty], np.fmod(tx, ty), T)
check("notequal", "NotEqual", [a, a * (a > 0)], a != a * (a > 0), T)
check("lessequal", "LessEqual", [a, b], a <= b, T)
check("greater", "Greater", [a, b], a > b, T)
check("greaterequal", "GreaterEqual", [i, j], i >= j, I32)
l1, l2 = rng.random((2, 5)) < 0.5, rng.random(5) < 0.5
check("logicaland", "LogicalAnd", [l1, l2], l1 & l2)
check("logicalor", "LogicalOr", [l1, l2], l1 | l2)
check("logicalnot", "LogicalNot", [l1], ~l1)
check("relu6", "Relu6", [a * 5], np.clip(a * 5, 0, 6), T)
check("expm1", "Expm1", [a], np.expm1(a), T)
check("log1p", "Log1p", [p - 0.4], np.log1p(p - 0.4), T)
check("sin", "Sin", [a], np.sin(a), T)
check("cos", "Cos", [a], np.cos(a), T)
check("ceil", "Ceil", [a * 3], np.ceil(a * 3), T)
# Halves round to even.
halves = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.4, 2.6], np.float32)
check("round", "Round", [halves], np.round(halves), T)
check("rint", "Rint", [halves * 3], np.rint(halves * 3), T)
signed = p * np.where(rng.random(p.shape) < 0.5, -1, 1).astype(np.float32)
check("reciprocal", "Reciprocal", [signed], 1 / signed, T)
check("inv", "Inv", [signed], 1 / signed, T)
check("softplus", "Softplus", [a * 10], np.logaddexp(0, a * 10), T)
ea = np.concatenate([a.ravel() * 3, np.float32([0, -0.0, -30, 1e-8])])
check("elu", "Elu", [ea], np.where(ea < 0, np.expm1(ea), ea), T)
check("selu", "Selu", [ea], 1.0507009873554804934193349852946 *
      np.where(ea < 0, 1.6732632423543772848170429916717 * np.expm1(ea), ea), T)
for op in ("Identity", "Snapshot", "StopGradient", "PreventGradient"):
    check(op.lower(), op, [a], a, T)
cond = rng.random((4, 3)) < 0.5
check("select", "Select", [cond, a, a * 2], np.where(cond, a, a * 2), T)
rows = rng.random(4) < 0.5
check("select_rows", "Select", [rows, a, -a], np.where(rows[:, None], a, -a), T)
n1, n2, n3 = f32(2, 3), f32(2, 3), f32(2, 3)
check("addn", "AddN", [n1, n2, n3], n1 + n2 + n3, {"N": 3, "T": np.float32})
# Array ops.
t = f32(2, 3)
check("tile", "Tile", [t], np.tile(t, (2, 3)),
      {"T": np.float32, "Tmultiples": np.int32}, const_ints("multiples", [2, 3]))
# Copies from or into non-contiguous views (fetching a strided slice,
# concatenating or packing along an inner axis) are generated loops
# (bufferization's copies are linalg.copy), not calls to a library.
check("slice_rows", "Slice", [r], r[1:3], {"T": np.float32, "Index": np.int32},
      const_ints("begin", [1, 0, 0]) + const_ints("size", [2, -1, -1]))
check("slice", "Slice", [r], r[1:3, :, 2:4], {"T": np.float32, "Index": np.int32},
      const_ints("begin", [1, 0, 2]) + const_ints("size", [2, -1, 2]))
c1, c2 = f32(2, 3), f32(4, 3)
check("concatv2", "ConcatV2", [c1, c2], np.concatenate([c1, c2], 0),
      {"N": 2, "T": np.float32, "Tidx": np.int32}, const_scalar("axis", 0))
c3 = f32(2, 5)
check("concatv2_neg_axis", "ConcatV2", [c1, c3], np.concatenate([c1, c3], 1),
      {"N": 2, "T": np.float32, "Tidx": np.int32}, const_scalar("axis", -1))
check("pack", "Pack", [n1, n2, n3], np.stack([n1, n2, n3], 0),
      {"N": 3, "T": np.float32, "axis": 0})
check("pack_axis1", "Pack", [n1, n2, n3], np.stack([n1, n2, n3], 1),
      {"N": 3, "T": np.float32, "axis": 1})
check("expanddims", "ExpandDims", [t], np.expand_dims(t, 1),
      {"T": np.float32, "Tdim": np.int32}, const_scalar("dim", 1))
sq = f32(3, 1, 4, 1)
check("squeeze", "Squeeze", [sq], sq.reshape(3, 4), T)
check("shape", "Shape", [r], np.array(r.shape), {"T": np.float32})
check("size", "Size", [r], r.size, {"T": np.float32})
sn = f32(2, 5)
check("shape_n", "ShapeN", [r, sn], np.array(sn.shape),
      {"T": np.float32, "N": 2}, fetch="out:1")
check("rank", "Rank", [r], r.ndim, {"T": np.float32})
fv = f32()
check("fill", "Fill", [fv], np.full((2, 3), fv), {"T": np.float32},
      const_ints("dims", [2, 3]), args=["dims", "x0"])
check("zeroslike", "ZerosLike", [a], np.zeros_like(a), T)
check("oneslike", "OnesLike", [i], np.ones_like(i), I32)
check("placeholderwithdefault", "PlaceholderWithDefault", [a], a,
      {"dtype": np.float32, "shape": Shape(4, 3)})
cv = f32(2, 3)
check("const", "Const", [], cv, {"dtype": np.float32, "value": Tensor(cv)})
# Reductions and arg-reductions.
check("prod_axis0", "Prod", [r], r.prod(0),
      dict(T, Tidx=np.int32, keep_dims=False), const_ints("axes", [0]))
check("min_keep", "Min", [r], r.min(2, keepdims=True),
      dict(T, Tidx=np.int32, keep_dims=True), const_ints("axes", [2]))
lb = rng.random((3, 4)) < 0.7
check("all", "All", [lb], lb.all(1), {"Tidx": np.int32, "keep_dims": False},
      const_ints("axes", [1]))
check("any", "Any", [lb], lb.any(0), {"Tidx": np.int32, "keep_dims": False},
      const_ints("axes", [0]))
check("argmin", "ArgMin", [r], r.argmin(1),
      {"T": np.float32, "Tidx": np.int32, "output_type": np.int32},
      const_ints("axes", [1]))
check("logsoftmax", "LogSoftmax", [lg],
      lg - lg.max(1, keepdims=True) -
      np.log(np.exp(lg - lg.max(1, keepdims=True)).sum(1, keepdims=True)), T)
# Gradient kernels: (gradients, features) or (y, dy).
g, feat = f32(4, 3), f32(4, 3) * 4
check("relugrad", "ReluGrad", [g, feat], np.where(feat > 0, g, 0), T)
check("relu6grad", "Relu6Grad", [g, feat],
      np.where((feat > 0) & (feat < 6), g, 0), T)
yv, dyv = pos(4, 3), f32(4, 3)
check("sigmoidgrad", "SigmoidGrad", [yv, dyv], dyv * yv * (1 - yv), T)
check("tanhgrad", "TanhGrad", [yv, dyv], dyv * (1 - yv * yv), T)
check("sqrtgrad", "SqrtGrad", [yv, dyv], dyv * 0.5 / yv, T)
check("rsqrtgrad", "RsqrtGrad", [yv, dyv], dyv * -0.5 * yv ** 3, T)
check("reciprocalgrad", "ReciprocalGrad", [yv, dyv], -dyv * yv * yv, T)
check("invgrad", "InvGrad", [yv, dyv], -dyv * yv * yv, T)
probs = rng.random((4, 10)).astype(np.float32)
probs /= probs.sum(1, keepdims=True)
logsm = lg - lg.max(1, keepdims=True)
logsm = logsm - np.log(np.exp(logsm).sum(1, keepdims=True))
check("xent_loss", "SoftmaxCrossEntropyWithLogits", [lg, probs],
      -(probs * logsm).sum(1), T)
check("xent_backprop", "SoftmaxCrossEntropyWithLogits", [lg, probs],
      np.exp(logsm) - probs, T, fetch="out:1")


# --- Updates of variables: initialized by a first run, updated by a second.
def check_update(name, op, variables, inputs, expected, attrs, fetch="out",
                 var_op="VariableV2"):
    """Reference variables v0, v1, ... (`var_op` nodes) hold `variables`
    (assigned from feeds in a first run); `op` takes them, then placeholders
    x0, x1, ... fed with `inputs`; the second run fetches `fetch`."""
    covered.update([op, var_op, "Assign"])
    if LIST_ONLY:
        return
    graph, init_feeds, inits = "", [], []
    for k, v in enumerate(variables):
        graph += ('node { name: "v%d" op: "%s"%s }\n'
                  % (k, var_op, attr_text({"dtype": np.float32, "shape": Shape(*v.shape)})))
        graph += placeholder("init%d" % k, np.float32)
        graph += ('node { name: "assign%d" op: "Assign" input: "v%d" input: '
                  '"init%d"%s }\n' % (k, k, k, attr_text(T)))
        init_feeds.append(("init%d" % k, v))
        inits.append("assign%d" % k)
    for k, x in enumerate(inputs):
        graph += placeholder("x%d" % k, x.dtype.type)
    args = ["v%d" % k for k in range(len(variables))] + \
        ["x%d" % k for k in range(len(inputs))]
    graph += 'node { name: "out" op: "%s"%s%s }\n' % (
        op, "".join(' input: "%s"' % n for n in args), attr_text(attrs))
    run_graph(name, graph, [(init_feeds, inits)],
              [("x%d" % k, x) for k, x in enumerate(inputs)], fetch, expected)


var, val = f32(3, 2), f32(3, 2)
check_update("assign", "Assign", [var], [val], val, T)
check_update("assign_variable_v1", "Assign", [var], [val], val, T,
             var_op="Variable")
check_update("assignadd", "AssignAdd", [var], [val], var + val, T)
check_update("assignsub", "AssignSub", [var], [val], var - val, T)
lr, grad = np.float32(0.1), f32(3, 2)
check_update("apply_gradient_descent", "ApplyGradientDescent", [var],
             [lr, grad], var - lr * grad, T)
accum, mom = pos(3, 2), np.float32(0.9)
check_update("apply_momentum", "ApplyMomentum", [var, accum],
             [lr, grad, mom], var - lr * (accum * mom + grad), T)
ms, mo = pos(3, 2), f32(3, 2)
rho, eps = np.float32(0.9), np.float32(1e-7)
ms_new = rho * ms + (1 - rho) * grad * grad
check_update("apply_rmsprop", "ApplyRMSProp", [var, ms, mo],
             [lr, rho, mom, eps, grad],
             var - (mom * mo + lr * grad / np.sqrt(ms_new + eps)), T)
m0, v0 = f32(3, 2), pos(3, 2)
b1, b2, b1p, b2p = (np.float32(0.9), np.float32(0.999), np.float32(0.9 ** 3),
                    np.float32(0.999 ** 3))
lr_t = lr * np.sqrt(1 - b2p) / (1 - b1p)
m1 = b1 * m0 + (1 - b1) * grad
v1 = b2 * v0 + (1 - b2) * grad * grad
check_update("apply_adam", "ApplyAdam", [var, m0, v0],
             [b1p, b2p, lr, b1, b2, eps, grad], var - lr_t * m1 / (np.sqrt(v1) + eps),
             T)


# --- Resource variables: a handle, assigned by a first run, read by a second.
def check_resource(name, updates, expected):
    """A VarHandleOp variable [3,2] assigned x0 by a first run, then each of
    `updates` ((op, value) pairs, run in that order as targets of a second
    run), then read by a third."""
    ops = ["VarHandleOp", "AssignVariableOp", "ReadVariableOp"]
    covered.update(ops + [op for op, _ in updates])
    if LIST_ONLY:
        return
    dt = {"dtype": np.float32}
    graph = ('node { name: "h" op: "VarHandleOp"%s }\n'
             % attr_text(dict(dt, shape=Shape(3, 2), shared_name=name)))
    graph += placeholder("x0", np.float32)
    graph += ('node { name: "init" op: "AssignVariableOp" input: "h" input: '
              '"x0"%s }\n' % attr_text(dt))
    setup = [([("x0", var)], ["init"])]
    update_feeds, targets = [], []
    for k, (op, value) in enumerate(updates):
        graph += placeholder("u%d" % k, np.float32)
        graph += ('node { name: "upd%d" op: "%s" input: "h" input: "u%d"%s }\n'
                  % (k, op, k, attr_text(dt)))
        update_feeds.append(("u%d" % k, value))
        targets.append("upd%d" % k)
    if targets:
        setup.append((update_feeds, targets))
    graph += 'node { name: "out" op: "ReadVariableOp" input: "h"%s }\n' % \
        attr_text(dt)
    run_graph(name, graph, setup, [], "out", expected)


check_resource("resource_assign_read", [], var)
check_resource("resource_assign_add", [("AssignAddVariableOp", val)], var + val)
check_resource("resource_assign_sub", [("AssignSubVariableOp", val)], var - val)

if LIST_ONLY:
    print("\n".join(sorted(covered)))
    sys.exit(0)
print("%d cases, %d failures" % (count, failures))
sys.exit(1 if failures else 0)
