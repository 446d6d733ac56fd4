"""Static tensor shapes, as TensorFlow's Python `TensorShape` tracks them.

A shape is either of unknown rank (`dims is None`) or a list of dimensions,
each an int or None (unknown). Graph construction depends on these shapes:
`tf.shape(x)` of a fully defined `x` is a constant, `reduce_sum`'s gradient
takes a fast path when the rank is known, and `_output_shapes` records them.
"""


class TensorShape:
    def __init__(self, dims):
        self.dims = None if dims is None else [_as_dim(d) for d in dims]

    @property
    def ndims(self):
        return None if self.dims is None else len(self.dims)

    def is_fully_defined(self):
        return self.dims is not None and all(d is not None for d in self.dims)

    def as_list(self):
        if self.dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape")
        return list(self.dims)

    def num_elements(self):
        """The element count when fully defined, else None."""
        if not self.is_fully_defined():
            return None
        count = 1
        for d in self.dims:
            count *= d
        return count

    def __getitem__(self, key):
        if self.dims is None:
            if isinstance(key, slice):
                return unknown_shape()
            return None
        if isinstance(key, slice):
            return TensorShape(self.dims[key])
        return self.dims[key]

    def __len__(self):
        return len(self.dims)

    def __eq__(self, other):
        other = as_shape(other)
        return self.dims == other.dims

    def __repr__(self):
        if self.dims is None:
            return "<unknown>"
        return "(" + ", ".join("?" if d is None else str(d) for d in self.dims) + ")"

    def is_compatible_with(self, other):
        other = as_shape(other)
        if self.dims is None or other.dims is None:
            return True
        if len(self.dims) != len(other.dims):
            return False
        return all(a is None or b is None or a == b
                   for a, b in zip(self.dims, other.dims))

    def merge_with(self, other):
        """The most specific shape compatible with both (an error if none)."""
        other = as_shape(other)
        if self.dims is None:
            return TensorShape(other.dims)
        if other.dims is None:
            return TensorShape(self.dims)
        if not self.is_compatible_with(other):
            raise ValueError("Shapes %s and %s are not compatible" % (self, other))
        return TensorShape([a if a is not None else b
                            for a, b in zip(self.dims, other.dims)])

    def concatenate(self, other):
        other = as_shape(other)
        if self.dims is None or other.dims is None:
            return unknown_shape()
        return TensorShape(self.dims + other.dims)


def _as_dim(d):
    if d is None or d == -1:
        return None
    return int(d)


def as_shape(shape):
    if isinstance(shape, TensorShape):
        return shape
    return TensorShape(None if shape is None else list(shape))


def unknown_shape(ndims=None):
    return TensorShape(None if ndims is None else [None] * ndims)


def scalar():
    return TensorShape([])
