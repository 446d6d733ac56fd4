"""The S1 model in PyTorch, trained as examples/mnist_mlp trains it (same
data, batches of 128, dropout 0.8/0.5 keep, RMSProp(0.001, decay 0.9), init
N(0, 0.01)). Prints a `CONFIG` line (versions, threads, the environment that
sizes PyTorch's OpenMP and OpenBLAS pools), then the samples/s of BATCHES
training steps after WARMUP untimed ones.
Usage: torch_mlp.py BATCHES WARMUP  (threads: OMP_NUM_THREADS, default 1)"""
import gzip
import os
import sys
import time

import numpy as np
import torch

batches, warmup = int(sys.argv[1]), int(sys.argv[2])
# One process per thread setting: the pools are sized from the environment
# when they start, so bench/s1_train/run.sh sets OMP_NUM_THREADS and
# OPENBLAS_NUM_THREADS before Python starts.
torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
cpu = getattr(getattr(torch.backends, "cpu", None), "get_cpu_capability",
              lambda: "?")()
print("CONFIG torch %s threads=%d interop=%d OMP_NUM_THREADS=%s "
      "OPENBLAS_NUM_THREADS=%s OPENBLAS_CORETYPE=%s cpu_capability=%s "
      "batch=128 warmup=%d timed=%d" %
      (torch.__version__, torch.get_num_threads(),
       torch.get_num_interop_threads(), os.environ.get("OMP_NUM_THREADS"),
       os.environ.get("OPENBLAS_NUM_THREADS"),
       os.environ.get("OPENBLAS_CORETYPE", "unset"), cpu, warmup, batches))
d = "/usr/share/datasets/fashion-mnist/"
with gzip.open(d + "train-images-idx3-ubyte.gz") as f:
    x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
with gzip.open(d + "train-labels-idx1-ubyte.gz") as f:
    y = np.frombuffer(f.read(), np.uint8, offset=8)
x = torch.from_numpy(x.astype(np.float32) / 255.0)
y = torch.from_numpy(y.astype(np.int64))
torch.manual_seed(0)
w = [torch.nn.Parameter(torch.randn(a, b) * 0.01)
     for a, b in [(784, 625), (625, 625), (625, 10)]]
# TF's RMSProp: ms starts at 1; torch's alpha is TF's decay.
opt = torch.optim.RMSprop(w, lr=0.001, alpha=0.9, eps=1e-10)
for p in w:
    opt.state[p]["square_avg"] = torch.ones_like(p)
    opt.state[p]["step"] = torch.tensor(0.0)
drop_in, drop_h = torch.nn.Dropout(0.2), torch.nn.Dropout(0.5)
per_epoch = x.shape[0] // 128


def step(i):
    i %= per_epoch
    xb, yb = x[i * 128:(i + 1) * 128], y[i * 128:(i + 1) * 128]
    h = torch.relu(drop_in(xb) @ w[0])
    h = torch.relu(drop_h(h) @ w[1])
    logits = drop_h(h) @ w[2]
    loss = torch.nn.functional.cross_entropy(logits, yb)
    opt.zero_grad()
    loss.backward()
    opt.step()


# The first steps of a process are slow (page faults, pools starting).
for i in range(warmup):
    step(i)
start = time.perf_counter()
for i in range(batches):
    step(warmup + i)
secs = time.perf_counter() - start
print("%.1f" % (batches * 128 / secs))
