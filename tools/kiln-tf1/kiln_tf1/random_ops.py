"""Random tensors (TF 1.2 `random_ops`): each a random op on a shape Const,
scaled and shifted by Consts inside a name scope (`random_normal/mul`, ...)."""

from . import dtypes
from .framework import apply_op, convert_to_tensor, name_scope

# TF's seed for ops given an op seed but no graph seed (random_seed.py).
DEFAULT_GRAPH_SEED = 87654321


def get_seed(op_seed):
    """The (seed, seed2) attrs of a random op; (None, None) when unseeded."""
    if op_seed is None:
        return None, None
    return DEFAULT_GRAPH_SEED, op_seed


def _shape_tensor(shape):
    dtype = dtypes.int32 if isinstance(shape, (tuple, list)) and not shape else None
    return convert_to_tensor(shape, dtype=dtype, name="shape")


def _scaled(op_type, default_name, shape, mean, stddev, dtype, seed, name):
    with name_scope(name, default_name) as scope:
        shape_tensor = _shape_tensor(shape)
        mean_tensor = convert_to_tensor(mean, dtype=dtype, name="mean")
        stddev_tensor = convert_to_tensor(stddev, dtype=dtype, name="stddev")
        seed1, seed2 = get_seed(seed)
        rnd = apply_op(op_type, shape=shape_tensor, dtype=dtype, seed=seed1,
                       seed2=seed2).outputs[0]
        return apply_op("Add", name=scope, x=rnd * stddev_tensor,
                        y=mean_tensor).outputs[0]


def random_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None,
                  name=None):
    return _scaled("RandomStandardNormal", "random_normal", shape, mean, stddev,
                   dtype, seed, name)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None,
                     name=None):
    return _scaled("TruncatedNormal", "truncated_normal", shape, mean, stddev,
                   dtype, seed, name)


def random_uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None,
                   name=None):
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise NotImplementedError("integer random_uniform")
    maxval = 1 if maxval is None else maxval
    with name_scope(name, "random_uniform") as scope:
        shape = _shape_tensor(shape)
        minval = convert_to_tensor(minval, dtype=dtype, name="min")
        maxval = convert_to_tensor(maxval, dtype=dtype, name="max")
        seed1, seed2 = get_seed(seed)
        rnd = apply_op("RandomUniform", shape=shape, dtype=dtype, seed=seed1,
                       seed2=seed2).outputs[0]
        return apply_op("Add", name=scope, x=rnd * (maxval - minval),
                        y=minval).outputs[0]


def random_shuffle(value, seed=None, name=None):
    seed1, seed2 = get_seed(seed)
    return apply_op("RandomShuffle", name=name, value=value, seed=seed1,
                    seed2=seed2).outputs[0]
