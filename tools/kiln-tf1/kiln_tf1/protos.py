"""Protocol-buffer output without the protobuf module.

Messages are plain Python lists of `(field, value)` pairs in the order they
are to be written; a value is a nested message (a list), `Enum` (written
bare, e.g. DT_FLOAT), str/bytes, bool, int or float (a float32 field). Two
encodings are provided:

- `text_format`: protobuf's text format, as TensorFlow's `as_text=True`
  writes it (map entries sorted by key, proto3 defaults left out by the
  callers).
- `serialize`: the binary wire format, for the serialized VariableDef and
  QueueRunnerDef protos that MetaGraphDef collections hold as bytes. Here the
  field "names" are field numbers.

It also builds TensorProto messages from Python values the way TF 1.x's
`tensor_util.make_tensor_proto` does (`TensorValue`).
"""

import struct

from . import dtypes


class Enum(str):
    """An enum value, written without quotes."""


class Packed(list):
    """A packed repeated varint field (wire format only)."""


# --- text format ------------------------------------------------------------


def text_format(message, indent=0):
    """The text-format rendering of `message` (a list of (field, value))."""
    lines = []
    pad = "  " * indent
    for field, value in message:
        if isinstance(value, list):
            lines.append("%s%s {\n" % (pad, field))
            lines.append(text_format(value, indent + 1))
            lines.append("%s}\n" % pad)
        else:
            lines.append("%s%s: %s\n" % (pad, field, _scalar_text(value)))
    return "".join(lines)


def _scalar_text(value):
    if isinstance(value, Enum):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_float32(value)
    if isinstance(value, str):
        value = value.encode("utf-8")
    return '"' + escape_bytes(value) + '"'


def escape_bytes(data):
    """C-style escaping as protobuf's text format writes bytes fields."""
    special = {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x22: '\\"', 0x27: "\\'",
               0x5C: "\\\\"}
    out = []
    for b in data:
        if b in special:
            out.append(special[b])
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append("\\%03o" % b)
    return "".join(out)


def format_float32(value):
    """The shortest decimal that reads back as the same float32."""
    if value != value:
        return "nan"
    if value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    target = dtypes.to_float32(value)
    for precision in range(1, 10):
        text = "%.*g" % (precision, target)
        if dtypes.to_float32(float(text)) == target:
            return text
    return repr(target)


# --- wire format ------------------------------------------------------------


def serialize(message):
    """Binary encoding of a message whose field names are field numbers."""
    out = bytearray()
    for number, value in message:
        if isinstance(value, Packed):
            payload = b"".join(_varint(v) for v in value)
            out += _varint(number << 3 | 2) + _varint(len(payload)) + payload
        elif isinstance(value, list):
            payload = serialize(value)
            out += _varint(number << 3 | 2) + _varint(len(payload)) + payload
        elif isinstance(value, (str, bytes)):
            payload = value.encode("utf-8") if isinstance(value, str) else value
            out += _varint(number << 3 | 2) + _varint(len(payload)) + payload
        elif isinstance(value, int):
            out += _varint(number << 3) + _varint(int(value))
        else:
            raise TypeError("cannot serialize %r" % (value,))
    return bytes(out)


def _varint(value):
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


# --- tensors ----------------------------------------------------------------

# Dtypes TF 1.x writes as raw `tensor_content` when a tensor has several
# elements (tensor_util._TENSOR_CONTENT_TYPES).
_TENSOR_CONTENT_TYPES = (dtypes.float32, dtypes.float64, dtypes.int32,
                         dtypes.uint8, dtypes.int16, dtypes.int8, dtypes.int64)
_VALUE_FIELDS = {
    dtypes.float32: "float_val", dtypes.float64: "double_val",
    dtypes.int32: "int_val", dtypes.uint8: "int_val", dtypes.int16: "int_val",
    dtypes.int8: "int_val", dtypes.uint16: "int_val",
    dtypes.int64: "int64_val", dtypes.bool: "bool_val",
    dtypes.string: "string_val",
}


class TensorValue:
    """A constant tensor: dtype, shape and the values given for it.

    `values` is the flat list that was given (it may be shorter than the
    shape when a scalar is broadcast, as in `tf.constant(1, shape=[2, 3])`).
    """

    def __init__(self, value, dtype=None, shape=None):
        dtype = dtypes.infer_dtype(value) if dtype is None else dtypes.as_dtype(dtype)
        self.dtype = dtype.base_dtype
        given_shape = _dense_shape(value)
        self.values = [_convert(v, self.dtype) for v in dtypes.flatten(value)]
        if shape is None:
            self.shape = given_shape
        else:
            self.shape = [int(d) for d in shape]
            if len(self.values) > _product(self.shape):
                raise ValueError("Too many elements provided. Needed at most %d, "
                                 "but received %d" % (_product(self.shape),
                                                      len(self.values)))

    @property
    def size(self):
        return _product(self.shape)

    def full(self):
        """All elements, row-major (a short list repeats its last value)."""
        if len(self.values) == self.size or not self.values:
            return list(self.values)
        return self.values + [self.values[-1]] * (self.size - len(self.values))

    def scalar(self):
        return self.full()[0]

    def as_proto(self):
        """The TensorProto message TF 1.x writes for this constant."""
        proto = [("dtype", Enum(self.dtype.proto_name)),
                 ("tensor_shape", shape_proto(self.shape))]
        if (len(self.values) == self.size and self.size > 1
                and self.dtype in _TENSOR_CONTENT_TYPES):
            fmt = "<%d%s" % (self.size, dtypes.STRUCT_FORMATS[self.dtype])
            proto.append(("tensor_content", struct.pack(fmt, *self.values)))
            return proto
        field = _VALUE_FIELDS[self.dtype]
        proto.extend((field, v) for v in self.values)
        return proto


def shape_proto(dims):
    """A TensorShapeProto for a list of dims (None = unknown), or None (rank)."""
    if dims is None:
        return [("unknown_rank", True)]
    return [("dim", [] if d == 0 else [("size", -1 if d is None else d)])
            for d in dims]


def _dense_shape(value):
    shape = []
    while isinstance(value, (list, tuple)):
        shape.append(len(value))
        if not value:
            break
        value = value[0]
    return shape


def _product(dims):
    count = 1
    for d in dims:
        count *= d
    return count


def _convert(value, dtype):
    if dtype == dtypes.string:
        return value.encode("utf-8") if isinstance(value, str) else bytes(value)
    if dtype == dtypes.bool:
        return bool(value)
    if dtype.is_floating:
        return dtypes.to_float32(float(value)) if dtype == dtypes.float32 else float(value)
    if isinstance(value, float) or int(value) != value:
        raise TypeError("Expected %s, got %r" % (dtype.name, value))
    return int(value)
