"""TensorFlow data types (`tf.float32`, ...) and their `DataType` enum values.

Only what graph construction needs: the enum value written into protos, the
reference twin (`float32_ref`) that variables output, and the Python-value
type inference of `tf.constant`.
"""

import struct


class DType:
    """One TensorFlow dtype; `_ref` types are the outputs of variables."""

    def __init__(self, name, enum, is_ref=False):
        self.name = name
        self.enum = enum
        self.is_ref = is_ref

    @property
    def base_dtype(self):
        return _BY_ENUM[self.enum - 100] if self.is_ref else self

    @property
    def as_ref(self):
        return self if self.is_ref else _BY_ENUM[self.enum + 100]

    @property
    def is_floating(self):
        return self.base_dtype in (float16, float32, float64)

    @property
    def is_integer(self):
        return self.base_dtype in (int8, int16, int32, int64, uint8, uint16)

    @property
    def proto_name(self):
        """The `DataType` enum name, e.g. DT_FLOAT or DT_FLOAT_REF."""
        return _PROTO_NAMES[self.base_dtype.enum] + ("_REF" if self.is_ref else "")

    def __repr__(self):
        return "tf." + self.name


_PROTO_NAMES = {
    1: "DT_FLOAT", 2: "DT_DOUBLE", 3: "DT_INT32", 4: "DT_UINT8", 5: "DT_INT16",
    6: "DT_INT8", 7: "DT_STRING", 9: "DT_INT64", 10: "DT_BOOL", 17: "DT_UINT16",
    19: "DT_HALF", 20: "DT_RESOURCE",
}
_NAMES = {
    1: "float32", 2: "float64", 3: "int32", 4: "uint8", 5: "int16", 6: "int8",
    7: "string", 9: "int64", 10: "bool", 17: "uint16", 19: "float16",
    20: "resource",
}
_BY_ENUM = {}
for _enum, _name in _NAMES.items():
    _BY_ENUM[_enum] = DType(_name, _enum)
    if _name != "resource":
        _BY_ENUM[_enum + 100] = DType(_name + "_ref", _enum + 100, is_ref=True)

float32 = _BY_ENUM[1]
float64 = _BY_ENUM[2]
int32 = _BY_ENUM[3]
uint8 = _BY_ENUM[4]
int16 = _BY_ENUM[5]
int8 = _BY_ENUM[6]
string = _BY_ENUM[7]
int64 = _BY_ENUM[9]
bool = _BY_ENUM[10]  # pylint: disable=redefined-builtin
uint16 = _BY_ENUM[17]
float16 = _BY_ENUM[19]
resource = _BY_ENUM[20]
float = float32  # pylint: disable=redefined-builtin
double = float64
half = float16

# Packed little-endian layout of each numeric dtype (for tensor_content).
STRUCT_FORMATS = {
    float32: "f", float64: "d", int32: "i", uint8: "B", int16: "h", int8: "b",
    int64: "q", uint16: "H", bool: "?",
}


def as_dtype(value):
    """A DType from a DType, its name ("float", "int32") or its enum value."""
    if isinstance(value, DType):
        return value
    if isinstance(value, int):
        return _BY_ENUM[value]
    aliases = {"float": float32, "double": float64, "half": float16}
    if value in aliases:
        return aliases[value]
    for dtype in _BY_ENUM.values():
        if dtype.name == value:
            return dtype
    raise TypeError("cannot convert %r to a dtype" % (value,))


def infer_dtype(value):
    """The dtype `tf.constant` gives a Python value (nested lists allowed).

    Like TF's numpy-based inference: floats give float32, ints int32 when they
    fit (else int64), strings and bytes give string, bools give bool.
    """
    scalars = list(flatten(value))
    if not scalars:
        return float32
    if all(isinstance(x, (str, bytes)) for x in scalars):
        return string
    if all(isinstance(x, type(True)) for x in scalars):
        return bool
    if any(isinstance(x, type(1.0)) for x in scalars):
        return float32
    if all(-2**31 <= x < 2**31 for x in scalars):
        return int32
    return int64


def flatten(value):
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from flatten(item)
    else:
        yield value


def to_float32(value):
    """`value` rounded to the nearest float32 (as a Python float)."""
    return struct.unpack("<f", struct.pack("<f", value))[0]
