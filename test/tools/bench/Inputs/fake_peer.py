"""Stands in for bench/s1_train/torch_mlp.py where PyTorch is not installed:
the same output (a CONFIG line with the environment it ran in, then
samples/s), 1000 per OpenMP thread."""
import os
import sys

batches, warmup = sys.argv[1], sys.argv[2]
print("CONFIG torch stand-in OMP_NUM_THREADS=%s OPENBLAS_NUM_THREADS=%s "
      "OPENBLAS_CORETYPE=%s warmup=%s timed=%s" %
      (os.environ.get("OMP_NUM_THREADS"), os.environ.get("OPENBLAS_NUM_THREADS"),
       os.environ.get("OPENBLAS_CORETYPE", "unset"), warmup, batches))
print("%.1f" % (1000.0 * int(os.environ["OMP_NUM_THREADS"])))
