#!/usr/bin/env python3
"""One training step of the mnist_deep CNN in NumPy, against Kiln's.

`cnn --dump-step DIR` writes the first training batch (x.f32, y.f32), the
trainable variables before the step (*.before.f32), the step's loss and its
three ReLU outputs (h1, h2, h3), and after the step each variable with its
Adam slots m and v (*.after.f32). This script computes the same step
independently in float64: forward pass at keep_prob 1, softmax
cross-entropy, the gradients by hand (im2col convolutions, max-pool
gradients to each window's first maximum), and TF's ApplyAdam. It checks
the loss, the ReLU outputs, m = (1 - beta1) g (the gradients),
v = (1 - beta2) g^2, and the variables' update, and exits 1 on a mismatch.

The gradient's path (which ReLUs pass it, which element of each pooling
window takes it) is a discrete decision on float32 values: where a ReLU
input is within rounding of 0 or a window's top two within rounding of each
other, float32 and float64 take different paths, and a whole upstream
gradient goes elsewhere. The backward pass here therefore takes those
decisions from Kiln's own h1, h2, h3; everything else is computed from the
step's inputs.

    python3 check_step.py DIR
"""

import sys

import numpy as np

LR, B1, B2, EPS = 1e-3, 0.9, 0.999, 1e-8  # model.py's Adam
SHAPES = {
    "conv1_Variable": (5, 5, 1, 32), "conv1_Variable_1": (32,),
    "conv2_Variable": (5, 5, 32, 64), "conv2_Variable_1": (64,),
    "fc1_Variable": (3136, 1024), "fc1_Variable_1": (1024,),
    "fc2_Variable": (1024, 10), "fc2_Variable_1": (10,),
}


def load(d, name, shape):
    return np.fromfile("%s/%s.f32" % (d, name), dtype=np.float32).reshape(shape)


def windows(x, k):
    """SAME, stride 1: [N, H, W, k, k, C] views of x padded by k // 2."""
    p = k // 2
    xp = np.pad(x, ((0, 0), (p, k - 1 - p), (p, k - 1 - p), (0, 0)))
    n, h, w, c = x.shape
    out = np.empty((n, h, w, k, k, c), x.dtype)
    for i in range(k):
        for j in range(k):
            out[:, :, :, i, j, :] = xp[:, i:i + h, j:j + w, :]
    return out


def conv(x, f):
    k = f.shape[0]
    n, h, w, _ = x.shape
    rows = windows(x, k).reshape(n * h * w, -1)
    return (rows @ f.reshape(-1, f.shape[3])).reshape(n, h, w, -1)


def conv_grads(x, f, dy):
    """(dx, df) of a SAME stride-1 convolution."""
    k = f.shape[0]
    n, h, w, c = x.shape
    rows = windows(x, k).reshape(n * h * w, -1)
    dy2 = dy.reshape(n * h * w, -1)
    df = (rows.T @ dy2).reshape(f.shape)
    drows = (dy2 @ f.reshape(-1, f.shape[3]).T).reshape(n, h, w, k, k, c)
    p = k // 2
    dxp = np.zeros((n, h + k - 1, w + k - 1, c), x.dtype)
    for i in range(k):
        for j in range(k):
            dxp[:, i:i + h, j:j + w, :] += drows[:, :, :, i, j, :]
    return dxp[:, p:p + h, p:p + w, :], df


def pool(x):
    n, h, w, c = x.shape
    return x.reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


def pool_grad(x, dy):
    """Each window's gradient to its first maximum in row-major order."""
    n, h, w, c = x.shape
    win = x.reshape(n, h // 2, 2, w // 2, 2, c).transpose(0, 1, 3, 5, 2, 4)
    first = win.reshape(n, h // 2, w // 2, c, 4).argmax(axis=-1)
    onehot = np.eye(4, dtype=x.dtype)[first] * dy[..., None]
    return onehot.reshape(n, h // 2, w // 2, c, 2, 2).transpose(
        0, 1, 4, 2, 5, 3).reshape(n, h, w, c)


def step(x, y, v, kiln):
    """Loss, gradients and ReLU outputs of one step at keep_prob 1, in x's
    precision, the backward pass on the path of Kiln's ReLU outputs."""
    img = x.reshape(-1, 28, 28, 1)
    a1 = conv(img, v["conv1_Variable"]) + v["conv1_Variable_1"]
    h1 = np.maximum(a1, 0)
    p1 = pool(h1)
    a2 = conv(p1, v["conv2_Variable"]) + v["conv2_Variable_1"]
    h2 = np.maximum(a2, 0)
    p2 = pool(h2).reshape(-1, 3136)
    h3 = np.maximum(p2 @ v["fc1_Variable"] + v["fc1_Variable_1"], 0)
    acts = {"h1": h1, "h2": h2, "h3": h3}
    k1, k2, k3 = kiln["h1"], kiln["h2"], kiln["h3"]
    logits = h3 @ v["fc2_Variable"] + v["fc2_Variable_1"]
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    n = x.shape[0]
    loss = -(y * logp).sum() / n
    g = {}
    dlogits = (np.exp(logp) - y) / n
    g["fc2_Variable"] = h3.T @ dlogits
    g["fc2_Variable_1"] = dlogits.sum(axis=0)
    dh3 = (dlogits @ v["fc2_Variable"].T) * (k3 > 0)
    g["fc1_Variable"] = p2.T @ dh3
    g["fc1_Variable_1"] = dh3.sum(axis=0)
    dp2 = (dh3 @ v["fc1_Variable"].T).reshape(-1, 7, 7, 64)
    da2 = pool_grad(k2, dp2) * (k2 > 0)
    dp1, g["conv2_Variable"] = conv_grads(p1, v["conv2_Variable"], da2)
    g["conv2_Variable_1"] = da2.sum(axis=(0, 1, 2))
    da1 = pool_grad(k1, dp1) * (k1 > 0)
    _, g["conv1_Variable"] = conv_grads(img, v["conv1_Variable"], da1)
    g["conv1_Variable_1"] = da1.sum(axis=(0, 1, 2))
    return loss, g, acts


def main():
    d = sys.argv[1]
    x = load(d, "x", (-1, 784)).astype(np.float64)
    y = load(d, "y", (-1, 10)).astype(np.float64)
    before = {k: load(d, k + ".before", s).astype(np.float64)
              for k, s in SHAPES.items()}
    n = x.shape[0]
    kiln = {"h1": load(d, "h1", (n, 28, 28, 32)),
            "h2": load(d, "h2", (n, 14, 14, 64)),
            "h3": load(d, "h3", (n, 1024))}
    loss, grads, acts = step(x, y, before, kiln)
    # The same step in float32 (on the same path) shows how far float32
    # rounding alone strays from float64 on this batch (a conv1 filter
    # gradient sums ~40000 products): Kiln, also float32 but summing in
    # another order, may stray a few times as far. A wrong lowering is off
    # by the gradient's own size, far beyond that.
    _, grads32, _ = step(x.astype(np.float32), y.astype(np.float32),
                         {k: a.astype(np.float32) for k, a in before.items()},
                         kiln)
    kiln_loss = float(load(d, "loss", ())[()])
    failures = []
    if abs(kiln_loss - loss) > 1e-5 * max(1.0, abs(loss)):
        failures.append("loss: kiln %.8f numpy %.8f" % (kiln_loss, loss))
    for k, want in acts.items():
        err = np.abs(kiln[k] - want).max()
        print("%-18s |h| max %.4g, vs NumPy max error %.3g"
              % (k, np.abs(want).max(), err))
        if not err <= 1e-4 * max(1.0, np.abs(want).max()):
            failures.append("%s: ReLU output differs by up to %.3g" % (k, err))
    lr_t = LR * np.sqrt(1 - B2) / (1 - B1)  # the first step's beta powers
    for k, s in SHAPES.items():
        g = grads[k]
        m = load(d, k + "_Adam.after", s).astype(np.float64)
        v = load(d, k + "_Adam_1.after", s).astype(np.float64)
        after = load(d, k + ".after", s).astype(np.float64)
        scale = np.abs(g).max()
        f32 = np.abs(grads32[k].astype(np.float64) - g).max()
        tol = max(8 * f32, 1e-5 * scale)
        # m = (1 - beta1) g: the gradient itself, to float32 accuracy.
        err = np.abs(m / (1 - B1) - g)
        if not (err <= tol + 1e-3 * np.abs(g)).all():
            failures.append("%s: gradient differs by up to %.3g (scale %.3g, "
                            "NumPy's float32 step %.3g)"
                            % (k, err.max(), scale, f32))
        # v = (1 - beta2) g^2, with g known to within tol.
        verr = np.abs(v / (1 - B2) - g * g)
        if not (verr <= 2 * np.abs(g) * tol + tol * tol + 2e-3 * g * g).all():
            failures.append("%s: Adam's v is not (1 - beta2) g^2" % k)
        # ApplyAdam from Kiln's own m and v: the update rule itself.
        want = before[k] - lr_t * m / (np.sqrt(v) + EPS)
        if not np.allclose(after, want, rtol=1e-6, atol=1e-7):
            failures.append("%s: update is not ApplyAdam's (max error %.3g)"
                            % (k, np.abs(after - want).max()))
        print("%-18s |g| max %.4g, m vs NumPy max error %.3g "
              "(NumPy float32 %.3g)" % (k, scale, err.max(), f32))
    print("loss kiln %.8f numpy %.8f" % (kiln_loss, loss))
    for f in failures:
        print("FAIL " + f)
    print("step matches NumPy" if not failures else "%d mismatches" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
