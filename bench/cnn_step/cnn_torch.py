#!/usr/bin/env python3
"""PyTorch peer of examples/cnn: the same CNN and step, timed.

The mnist_deep CNN (conv 5x5x32 SAME + ReLU, max pool 2, conv 5x5x64 + ReLU,
max pool 2, fc 1024 + ReLU, dropout 0.5, fc 10; softmax cross-entropy, Adam
1e-3) on batches of 50 random images in [0, 1) with random one-hot labels
(the step's cost does not depend on the values). NHWC is what Kiln runs;
PyTorch runs its own best layout (NCHW, oneDNN convolutions where the build
has them). Prints `RESULT cnn_step samples/s: median M` over REPS timed runs
of STEPS steps after a warm-up.

    python3 cnn_torch.py --threads 2 --steps 100 --reps 3
"""

import argparse
import time

import torch
import torch.nn.functional as F


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--batch", type=int, default=50)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    tn = lambda *s: torch.nn.init.trunc_normal_(torch.empty(*s), std=0.1, a=-0.2, b=0.2)
    params = [tn(32, 1, 5, 5), torch.full((32,), 0.1), tn(64, 32, 5, 5),
              torch.full((64,), 0.1), tn(3136, 1024), torch.full((1024,), 0.1),
              tn(1024, 10), torch.full((10,), 0.1)]
    for t in params:
        t.requires_grad_(True)
    opt = torch.optim.Adam(params, lr=1e-3, eps=1e-8)
    x = torch.rand(a.batch, 1, 28, 28)
    y = torch.randint(0, 10, (a.batch,))

    def step():
        w1, b1, w2, b2, w3, b3, w4, b4 = params
        h = F.max_pool2d(F.relu(F.conv2d(x, w1, b1, padding=2)), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, w2, b2, padding=2)), 2)
        h = F.relu(h.reshape(a.batch, -1) @ w3 + b3)
        h = F.dropout(h, 0.5, training=True)
        loss = F.cross_entropy(h @ w4 + b4, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(10):
        step()
    rates = []
    for _ in range(a.reps):
        t0 = time.perf_counter()
        for _ in range(a.steps):
            step()
        rates.append(a.steps * a.batch / (time.perf_counter() - t0))
    rates.sort()
    print("RESULT cnn_step samples/s: median %.1f (threads %d, mkldnn %s)" %
          (rates[len(rates) // 2], a.threads, torch.backends.mkldnn.is_available()))


if __name__ == "__main__":
    main()
