"""The S1 model in PyTorch, trained as examples/mnist_mlp trains it (same
data, batches of 128, dropout 0.8/0.5 keep, RMSProp(0.001, decay 0.9), init
N(0, 0.01)): prints `samples/s` of one epoch on the CPU with the given
threads. Usage: torch_mlp.py BATCHES THREADS"""
import gzip
import sys
import time

import numpy as np
import torch

batches, threads = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(threads)
d = "/usr/share/datasets/fashion-mnist/"
with gzip.open(d + "train-images-idx3-ubyte.gz") as f:
    x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
with gzip.open(d + "train-labels-idx1-ubyte.gz") as f:
    y = np.frombuffer(f.read(), np.uint8, offset=8)
x = torch.from_numpy(x.astype(np.float32) / 255.0)
y = torch.from_numpy(y.astype(np.int64))
w = [torch.nn.Parameter(torch.randn(a, b) * 0.01)
     for a, b in [(784, 625), (625, 625), (625, 10)]]
# TF's RMSProp: ms starts at 1; torch's alpha is TF's decay.
opt = torch.optim.RMSprop(w, lr=0.001, alpha=0.9, eps=1e-10)
for p in w:
    opt.state[p]["square_avg"] = torch.ones_like(p)
    opt.state[p]["step"] = torch.tensor(0.0)
drop_in, drop_h = torch.nn.Dropout(0.2), torch.nn.Dropout(0.5)
n = min(batches, x.shape[0] // 128)
start = time.perf_counter()
for i in range(n):
    xb, yb = x[i * 128:(i + 1) * 128], y[i * 128:(i + 1) * 128]
    h = torch.relu(drop_in(xb) @ w[0])
    h = torch.relu(drop_h(h) @ w[1])
    logits = drop_h(h) @ w[2]
    loss = torch.nn.functional.cross_entropy(logits, yb)
    opt.zero_grad()
    loss.backward()
    opt.step()
secs = time.perf_counter() - start
print("%.1f" % (n * 128 / secs))
