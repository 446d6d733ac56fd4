"""One S1 training step (the TF-written model.ckpt-95.meta: MLP with dropout,
softmax cross-entropy, RMSProp) compiled by graph-run, against an
independent NumPy implementation of the same step.

Dropout is fed keep=1 (TF's dropout then keeps every unit), so the step is
deterministic given the initial weights, which graph-run writes out after
`init`. Checks: new weights within 1e-5 of NumPy's relative to the weights' scale,
and the updates themselves (new - old) within 1e-3 of the largest update
plus float32 rounding at the weights' scale.
Usage: s1_train_step.py GRAPH_RUN META TMPDIR [GRAPH_RUN_FLAG...]
"""
import os
import subprocess
import sys

import numpy as np

graph_run, meta, tmp = sys.argv[1:4]
flags = sys.argv[4:]
os.makedirs(tmp, exist_ok=True)
rng = np.random.default_rng(7)
batch = 16
x = rng.random((batch, 784), dtype=np.float32)
y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch)]
np.save(os.path.join(tmp, "x.npy"), x)
np.save(os.path.join(tmp, "y.npy"), y)
before, after = os.path.join(tmp, "before"), os.path.join(tmp, "after")
os.makedirs(before, exist_ok=True)
os.makedirs(after, exist_ok=True)
weights = "Variable,Variable_1,Variable_2"
hyper = "RMSProp/learning_rate,RMSProp/decay,RMSProp/momentum,RMSProp/epsilon"
feeds = ("feed=Placeholder=@{0}/x.npy feed=Placeholder_1=@{0}/y.npy "
         "feed=Placeholder_2=1 feed=Placeholder_3=1").format(tmp)
r = subprocess.run(
    [graph_run, meta] + flags + ["--output-dir", before, "--run", "target=init",
     "--run", "fetch=" + weights + "," + hyper,
     "--run", feeds + " fetch=Mean target=RMSProp",
     "--output-dir", after, "--run", "fetch=" + weights],
    capture_output=True, text=True)
if r.returncode != 0:
    print("FAIL graph-run: " + r.stderr)
    sys.exit(1)

load = lambda d, n: np.load(os.path.join(d, n.replace("/", "_") + ".npy"))
w = [load(before, n).astype(np.float64) for n in weights.split(",")]
lr, decay, momentum, eps = (float(load(before, n)) for n in hyper.split(","))
X, Y = x.astype(np.float64), y.astype(np.float64)

# Forward, loss, backward.
a1 = X @ w[0]; h1 = np.maximum(a1, 0)
a2 = h1 @ w[1]; h2 = np.maximum(a2, 0)
logits = h2 @ w[2]
e = np.exp(logits - logits.max(1, keepdims=True))
p = e / e.sum(1, keepdims=True)
loss = np.mean(-np.sum(Y * np.log(p), 1))
dlogits = (p - Y) / batch
g2 = h2.T @ dlogits
dh2 = (dlogits @ w[2].T) * (a2 > 0)
g1 = h1.T @ dh2
dh1 = (dh2 @ w[1].T) * (a1 > 0)
g0 = X.T @ dh1
# RMSProp from its slots' initial values (ms = 1, mom = 0).
expected = []
for wi, g in zip(w, [g0, g1, g2]):
    ms = decay * 1.0 + (1 - decay) * g * g
    mom = momentum * 0.0 + lr * g / np.sqrt(ms + eps)
    expected.append(wi - mom)

got_loss = float(r.stdout.split("Mean = ")[1].split()[0])
ok = abs(got_loss - loss) <= 1e-5 * abs(loss)
print("loss: kiln %.7f numpy %.7f" % (got_loss, loss))
eps32 = np.finfo(np.float32).eps
for n, wi, want in zip(weights.split(","), w, expected):
    got = load(after, n).astype(np.float64)
    scale = np.max(np.abs(want))
    # Relative to the weights' scale: a float32 weight near 0 carries the
    # rounding of its neighbours' magnitude.
    rel = np.max(np.abs(got - want)) / scale
    upd = np.max(np.abs(want - wi))
    upd_err = np.max(np.abs((got - wi) - (want - wi)))
    print("%s: max error %.2e of the weight scale, update error %.2e "
          "(largest update %.2e, float32 ulp at scale %.2e)"
          % (n, rel, upd_err, upd, eps32 * scale))
    ok = ok and rel <= 1e-5 and upd_err <= 1e-3 * upd + 4 * eps32 * scale
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
