"""graph-run prints fetched tensors exactly as NumPy's print() does.

Arrays of each dtype graph-run feeds from .npy (floats, ints, bools), of rank
1 to 3, small ones and ones above NumPy's summarization threshold (1000
elements: corners and "..."), wrapped lines, mixed magnitudes, nan/inf, go
through `Identity` and come back printed; each must equal str() of the array
under this NumPy. An ArgMax over 10000 rows checks the case of issue 19.
Usage: print_like_numpy.py GRAPH_RUN TMPDIR
"""
import os
import re
import subprocess
import sys

import numpy as np

GRAPH_RUN, TMP = sys.argv[1], sys.argv[2]
os.makedirs(TMP, exist_ok=True)
rng = np.random.default_rng(19)
DT = {np.float32: "DT_FLOAT", np.float64: "DT_DOUBLE", np.int32: "DT_INT32",
      np.int64: "DT_INT64", np.int16: "DT_INT16", np.int8: "DT_INT8",
      np.uint8: "DT_UINT8", np.uint16: "DT_UINT16", np.bool_: "DT_BOOL"}


def floats(shape, dtype):
    """Values that exercise each float layout NumPy picks."""
    kind = rng.integers(0, 5)
    if kind == 0:  # plain: positional, aligned on the point
        x = rng.standard_normal(shape)
    elif kind == 1:  # wide range: scientific
        x = rng.standard_normal(shape) * 10.0 ** rng.integers(-9, 10, shape)
    elif kind == 2:  # integral values: "3." and padding after the point
        x = rng.integers(-500, 500, shape).astype(np.float64)
    elif kind == 3:  # short binary fractions
        x = rng.integers(-8, 8, shape) / 8.0
    else:  # non-finite values among finite ones
        x = rng.standard_normal(shape)
        flat = x.reshape(-1)
        flat[::7] = rng.choice([np.nan, np.inf, -np.inf, -0.0], flat[::7].size)
    return x.astype(dtype)


def array(dtype, shape):
    if dtype in (np.float32, np.float64):
        return floats(shape, dtype)
    if dtype == np.bool_:
        return rng.random(shape) < 0.5
    info = np.iinfo(dtype)
    hi = min(int(info.max), 10 ** int(rng.integers(1, 10)))
    return rng.integers(max(int(info.min), -hi), hi, shape, endpoint=True).astype(dtype)


SHAPES = [(1,), (7,), (30,), (200,), (1000,), (1001,), (10000,),
          (3, 4), (2, 40), (40, 2), (50, 50), (4, 1000),
          (2, 3, 4), (3, 1, 5), (12, 12, 12), (20, 3, 20)]

graph = ""
for dtype, dt in DT.items():
    name = dt[3:].lower()
    graph += ('node { name: "x_%s" op: "Placeholder" attr { key: "dtype" value '
              '{ type: %s } } }\n' % (name, dt))
    graph += ('node { name: "y_%s" op: "Identity" input: "x_%s" attr { key: '
              '"T" value { type: %s } } }\n' % (name, name, dt))
graph += ('node { name: "dim" op: "Const" attr { key: "dtype" value { type: '
          'DT_INT32 } } attr { key: "value" value { tensor { dtype: DT_INT32 '
          'tensor_shape { } int_val: 1 } } } }\n'
          'node { name: "ArgMax" op: "ArgMax" input: "x_float" input: "dim" '
          'attr { key: "T" value { type: DT_FLOAT } } attr { key: "Tidx" value '
          '{ type: DT_INT32 } } attr { key: "output_type" value { type: '
          'DT_INT64 } } }\n')
gpath = os.path.join(TMP, "identity.pbtxt")
with open(gpath, "w") as f:
    f.write(graph)

cases = []  # (fetch, npy path, expected text)
for dtype, dt in DT.items():
    name = dt[3:].lower()
    for i, shape in enumerate(SHAPES):
        a = array(dtype, shape)
        path = os.path.join(TMP, "%s_%d.npy" % (name, i))
        np.save(path, a)
        cases.append(("x_%s" % name, "y_%s" % name, path, str(a)))
scores = rng.standard_normal((10000, 10)).astype(np.float32)
path = os.path.join(TMP, "scores.npy")
np.save(path, scores)
cases.append(("x_float", "ArgMax", path, str(np.argmax(scores, axis=1))))

args = [GRAPH_RUN, gpath]
for feed, fetch, path, _ in cases:
    args += ["--run", "feed=%s=@%s fetch=%s" % (feed, path, fetch)]
r = subprocess.run(args, capture_output=True, text=True)
if r.returncode != 0:
    print("FAIL graph-run: %s" % r.stderr.strip())
    sys.exit(1)
# Each fetch prints "NAME = VALUE", VALUE possibly over several lines.
printed = re.split(r"^(?:y_\w+|ArgMax) = ", r.stdout, flags=re.M)[1:]
failures = 0
if len(printed) != len(cases):
    print("FAIL: %d values printed for %d runs" % (len(printed), len(cases)))
    sys.exit(1)
for (feed, fetch, path, want), got in zip(cases, printed):
    got = got[:-1]  # the newline after the value
    if got != want:
        failures += 1
        print("FAIL %s (%s):\n--- NumPy\n%s\n--- graph-run\n%s" %
              (os.path.basename(path), fetch, want, got))
    else:
        print("ok %s" % os.path.basename(path))
print("%d cases, %d failures" % (len(cases), failures))
