"""Run a S1 graph's `init` then its prediction (ArgMax) on a batch with
graph-run, and check that it gives one class in [0, 10) per example.

Usage: s1_predict.py GRAPH_RUN META TMPDIR
"""
import os
import re
import subprocess
import sys

import numpy as np

graph_run, meta, tmp = sys.argv[1:4]
os.makedirs(tmp, exist_ok=True)
batch = 128
x = np.random.default_rng(1).random((batch, 784), dtype=np.float32)
np.save(os.path.join(tmp, "x.npy"), x)
r = subprocess.run(
    [graph_run, meta, "--run", "target=init",
     "--run", "fetch=ArgMax feed=Placeholder=@%s/x.npy feed=Placeholder_2=1.0 "
     "feed=Placeholder_3=1.0" % tmp],
    capture_output=True, text=True)
if r.returncode != 0:
    print("FAIL graph-run: " + r.stderr)
    sys.exit(1)
m = re.search(r"ArgMax = \[([^\]]*)\]", r.stdout)
if not m:
    print("FAIL no ArgMax in: " + r.stdout)
    sys.exit(1)
predictions = [int(v) for v in m.group(1).split()]
if len(predictions) != batch or not all(0 <= p < 10 for p in predictions):
    print("FAIL predictions: %s" % predictions)
    sys.exit(1)
print("%d predictions in [0, 10)" % len(predictions))
