"""Print the QueueRunnerDefs of a text MetaGraphDef's `queue_runners`
collection, one runner per line:

    queue NAME enqueue [OP, ...] close OP cancel OP closed_by [CODE, ...]

Usage: queue_runners.py META_PBTXT
"""
import sys

from compare_meta_graphs import Message, parse


def read_varint(data, pos):
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def decode(data):
    """Field number -> list of values (bytes, or ints for varints/packed)."""
    fields = {}
    pos = 0
    while pos < len(data):
        key, pos = read_varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = read_varint(data, pos)
            fields.setdefault(number, []).append(value)
            continue
        if wire != 2:
            raise ValueError("unexpected wire type %d" % wire)
        length, pos = read_varint(data, pos)
        fields.setdefault(number, []).append(data[pos:pos + length])
        pos += length
    return fields


def main():
    with open(sys.argv[1]) as f:
        meta = parse(f.read())
    runners = []
    for entry in meta.all("collection_def"):
        if entry.one("key") == b"queue_runners":
            runners = entry.one("value", Message()).one("bytes_list", Message()).all("value")
    for data in runners:
        fields = decode(data)
        codes = []
        for packed in fields.get(5, []):
            pos = 0
            while pos < len(packed):
                code, pos = read_varint(packed, pos)
                codes.append(code)
        names = lambda n: [v.decode() for v in fields.get(n, [])]
        print("queue %s enqueue [%s] close %s cancel %s closed_by %s" % (
            names(1)[0], ", ".join(names(2)), names(3)[0], names(4)[0], codes))
    print("%d queue runners" % len(runners))


if __name__ == "__main__":
    main()
