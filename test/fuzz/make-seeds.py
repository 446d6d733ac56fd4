#!/usr/bin/env python3
"""Writes the synthetic seeds of the runtime fuzz targets (checkpoints,
TFRecords, tf.train.Examples) into test/fuzz/corpus/<target>/, encoding each
format by hand from its specification: tensor bundles of every dtype a
checkpoint holds, multi-block indexes, partitioned (sliced) entries; TFRecord
files with empty, long, truncated and corrupted records; Examples with every
feature kind of the example harness's configs, packed and unpacked.
Run by make-corpus.sh."""
import gzip
import os
import struct
import sys
import zlib

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def mask(c):
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, wire, payload):
    tag = varint((num << 3) | wire)
    if wire == 0:
        return tag + varint(payload)
    if wire == 2:
        return tag + varint(len(payload)) + payload
    if wire == 5:
        return tag + struct.pack("<I", payload)
    raise ValueError(wire)


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# --- LevelDB table (the checkpoint .index) --------------------------------

def block(entries, restart_interval=16):
    out = bytearray()
    restarts = []
    last = b""
    for i, (k, v) in enumerate(entries):
        shared = 0
        if i % restart_interval == 0:
            restarts.append(len(out))
        else:
            while shared < min(len(k), len(last)) and k[shared] == last[shared]:
                shared += 1
        out += varint(shared) + varint(len(k) - shared) + varint(len(v))
        out += k[shared:] + v
        last = k
    if not restarts:
        restarts = [0]
    for r in restarts:
        out += struct.pack("<I", r)
    out += struct.pack("<I", len(restarts))
    return bytes(out)


def table(entries, per_block=1000):
    out = bytearray()

    def put(contents):
        handle = varint(len(out)) + varint(len(contents))
        trailer = b"\x00"
        out.extend(contents + trailer +
                   struct.pack("<I", mask(crc32c(contents + trailer))))
        return handle

    index = []
    for i in range(0, len(entries), per_block):
        chunk = entries[i:i + per_block]
        index.append((chunk[-1][0], put(block(chunk))))
    meta = put(block([]))
    idx = put(block(index, restart_interval=1))
    footer = (meta + idx).ljust(40, b"\x00") + struct.pack("<Q", 0xdb4775248b80fb57)
    return bytes(out + footer)


def header(num_shards=1, producer=1, min_consumer=0, bad=()):
    version = b""
    if producer:
        version += field(1, 0, producer)
    if min_consumer:
        version += field(2, 0, min_consumer)
    if bad:
        version += field(3, 2, b"".join(varint(b) for b in bad))
    h = b""
    if num_shards:
        h += field(1, 0, num_shards)
    return h + field(3, 2, version)


def entry(dtype, shape, offset, size, crc, shard=0, slices=None):
    shape_bytes = b"".join(field(2, 2, field(1, 0, d) if d else b"") for d in shape)
    e = field(1, 0, dtype) + field(2, 2, shape_bytes)
    if shard:
        e += field(3, 0, shard)
    if offset:
        e += field(4, 0, offset)
    if size:
        e += field(5, 0, size)
    e += field(6, 5, mask(crc))
    for s in slices or []:
        extents = b"".join(field(1, 2, field(1, 0, a) + field(2, 0, b)) for a, b in s)
        e += field(7, 2, extents)
    return e


def string_tensor(values):
    lengths = b"".join(varint(len(v)) for v in values)
    crc = 0
    for v in values:
        crc = crc32c_extend(crc, struct.pack("<I", len(v)))
    crc_bytes = struct.pack("<I", mask(crc))
    crc = crc32c_extend(crc, crc_bytes)
    data = b"".join(values)
    crc = crc32c_extend(crc, data)
    return lengths + crc_bytes + data, crc


def crc32c_extend(crc, data):
    # crc32c of (A || data) from crc32c(A).
    crc ^= 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def bundle(tensors, **hdr):
    """tensors: (name, dtype, shape, bytes or list of str) -> index, data."""
    data = bytearray()
    entries = [(b"", header(**hdr))]
    for name, dtype, shape, value in sorted(tensors):
        if isinstance(value, list):
            raw, crc = string_tensor(value)
        else:
            raw, crc = value, crc32c(value)
        entries.append((name, entry(dtype, shape, len(data), len(raw), crc)))
        data += raw
    return table(entries), bytes(data)


def checkpoints():
    f32 = struct.pack("<4f", 1.5, -2.0, 0.0, 3.25)
    tensors = [
        (b"float", 1, [2, 2], f32),
        (b"double", 2, [2], struct.pack("<2d", 1.0, -0.5)),
        (b"int32", 3, [], struct.pack("<i", -7)),
        (b"uint8", 4, [3], b"\x00\x7f\xff"),
        (b"int16", 5, [1], struct.pack("<h", -300)),
        (b"int8", 6, [2], b"\x80\x7f"),
        (b"string", 7, [3], [b"hello", b"", b"x" * 40]),
        (b"int64", 9, [2], struct.pack("<2q", 1 << 40, -1)),
        (b"bool", 10, [2], b"\x01\x00"),
        (b"half", 19, [2], b"\x00\x3c\x00\xc0"),
        (b"scalar_string", 7, [], [b"s"]),
        (b"empty", 1, [0, 3], b""),
    ]
    index, data = bundle(tensors)
    write("checkpoint-index", "kiln-all-dtypes.index", index)
    write("checkpoint-bundle", "kiln-all-dtypes", index + data)
    # Many keys in several data blocks, sharing prefixes.
    many = [(b"layer%02d/weights/Adam_%d" % (i // 2, i % 2), 1, [1],
             struct.pack("<f", i)) for i in range(40)]
    index, data = bundle(many)
    write("checkpoint-index", "kiln-many-keys.index", index)
    # Index of the same keys in 5 data blocks.
    entries = [(b"", header())]
    data = bytearray()
    for name, dtype, shape, value in sorted(many):
        entries.append((name, entry(dtype, shape, len(data), len(value),
                                    crc32c(value))))
        data += value
    index = table(entries, per_block=8)
    write("checkpoint-index", "kiln-multi-block.index", index)
    write("checkpoint-bundle", "kiln-multi-block", index + bytes(data))
    # Header variants: versions, bad consumers, shards.
    index, data = bundle([(b"v", 3, [1], struct.pack("<i", 5))],
                         num_shards=2, producer=1, min_consumer=0, bad=(0, 2))
    write("checkpoint-index", "kiln-header-variants.index", index)
    # A partitioned variable's entry (slices).
    entries = [(b"", header()),
               (b"part", entry(1, [4], 0, 0, 0, slices=[[(0, 2)], [(2, 2)]]))]
    write("checkpoint-index", "kiln-sliced.index", table(entries))
    # Header only.
    write("checkpoint-index", "kiln-empty.index", table([(b"", header())]))


# --- TFRecord ---------------------------------------------------------------

def record(data):
    length = struct.pack("<Q", len(data))
    return (length + struct.pack("<I", mask(crc32c(length))) + data +
            struct.pack("<I", mask(crc32c(data))))


# --- tf.train.Example -------------------------------------------------------

def feature(kind, values, packed=True):
    if kind == "bytes":
        lst = b"".join(field(1, 2, v) for v in values)
        return field(1, 2, lst)
    if kind == "float":
        if packed:
            lst = field(1, 2, b"".join(struct.pack("<f", v) for v in values)) if values else b""
        else:
            lst = b"".join(field(1, 5, struct.unpack("<I", struct.pack("<f", v))[0])
                           for v in values)
        return field(2, 2, lst)
    if packed:
        lst = field(1, 2, b"".join(varint(v) for v in values)) if values else b""
    else:
        lst = b"".join(field(1, 0, v) for v in values)
    return field(3, 2, lst)


def example(features, packed=True):
    fs = b"".join(field(1, 2, field(1, 2, k.encode()) +
                        field(2, 2, feature(kind, vals, packed)))
                  for k, kind, vals in features)
    return field(1, 2, fs)  # Example.features


def examples():
    required = [("a", "float", [0.5]), ("b", "int64", [2016, -1]),
                ("c", "bytes", [b"raw\x00bytes"]),
                ("g", "float", [1.0, 2.0, 3.0, 4.0]), ("z", "int64", []),
                ("s", "float", [0.25, 0.75]), ("t", "int64", [1, 2, 3]),
                ("u", "bytes", [b"x", b"", b"yz"])]
    write("example", "required", example(required))
    write("example", "required-unpacked", example(required, packed=False))
    defaults = [("d", "float", [9.0, 8.0, 7.0]), ("e", "int64", [42]),
                ("f", "bytes", [b"p", b"q"]), ("a", "float", [1.0]),
                ("b", "int64", [5]), ("u", "bytes", [b"v"])]
    write("example", "defaults", example(defaults))
    write("example", "empty", b"")
    # Duplicate key (the last wins), a wrong kind, an unknown key.
    write("example", "duplicates", example(
        [("a", "float", [1.0]), ("a", "float", [2.0]), ("b", "float", [1.0]),
         ("unknown", "bytes", [b"?"])]))
    write("example", "empty-lists", example(
        [("a", "float", []), ("s", "float", []), ("u", "bytes", [])]))
    return [example(required), example(defaults), example(required, packed=False)]


def tfrecords(payloads):
    write("tfrecord", "empty", b"")
    write("tfrecord", "one-empty-record", record(b""))
    three = b"".join(record(p) for p in payloads)
    write("tfrecord", "three-examples", three)
    write("tfrecord", "long-record", record(bytes(range(256)) * 24))
    write("tfrecord", "truncated-data", three[:-7])
    write("tfrecord", "truncated-header", three + record(b"abc")[:9])
    bad = bytearray(three)
    bad[-1] ^= 1
    write("tfrecord", "corrupt-data-crc", bytes(bad))
    bad = bytearray(three)
    bad[0] = 0xff  # a length that its CRC does not cover
    write("tfrecord", "corrupt-length", bytes(bad))
    # tfrecord-compressed: first byte = mode (see the harness).
    z = zlib.compress(three)
    write("tfrecord-compressed", "zlib", b"\x00" + z)
    write("tfrecord-compressed", "gzip", b"\x01" + gzip.compress(three, mtime=0))
    write("tfrecord-compressed", "gzip-two-members",
          b"\x01" + gzip.compress(three[:40], mtime=0) + gzip.compress(three[40:], mtime=0))
    write("tfrecord-compressed", "zlib-truncated", b"\x00" + z[:-5])
    write("tfrecord-compressed", "compress-zlib", b"\x06" + three)
    write("tfrecord-compressed", "compress-gzip", b"\x07" + three)
    write("tfrecord-compressed", "compress-gzip-split-cut", b"\x1f" + three)
    write("tfrecord-compressed", "compress-empty", b"\x03")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        OUT = sys.argv[1]
    checkpoints()
    tfrecords(examples())
