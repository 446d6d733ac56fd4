#!/usr/bin/env python3
"""Compare two text MetaGraphDefs node by node and print every difference.

    compare_meta_graphs.py EXPECTED ACTUAL [--shapes]

Nodes are matched by name. For each node the op, the data inputs (in order;
"x:0" and "x" are the same), the control inputs (as a set), the device and
every attr are compared; attr values are compared by meaning (a tensor by
dtype, shape and its full list of elements, however it is encoded; floats as
float32). `_output_shapes` is compared only with --shapes. Also compared:
the SaverDef fields, the collections (keys and contents), graph versions and
the TensorFlow version. Prints one line per difference and a count; exits 1
if there is any.
"""

import argparse
import re
import struct
import sys

# --- protobuf text format ---------------------------------------------------------

_TOKEN = re.compile(r"""\s*(?:
    (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*') |
    (?P<number>-?(?:inf|nan|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)[fF]?)(?![\w.]) |
    (?P<ident>[A-Za-z_][\w.]*) |
    (?P<symbol>[{}:<>\[\],;]) |
    (?P<comment>\#[^\n]*))""", re.X)


def tokenize(text):
    pos = 0
    tokens = []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            if text[pos:].strip() == "":
                break
            raise ValueError("cannot parse text proto at %r" % text[pos:pos + 40])
        pos = m.end()
        kind = m.lastgroup
        if kind != "comment":
            tokens.append((kind, m.group(kind)))
    return tokens


def unescape(literal):
    """The bytes of a quoted text-format string."""
    body = literal[1:-1]
    out = bytearray()
    i = 0
    simple = {"n": 10, "r": 13, "t": 9, "\\": 92, "'": 39, '"': 34, "a": 7,
              "b": 8, "f": 12, "v": 11, "?": 63}
    while i < len(body):
        c = body[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in simple:
            out.append(simple[nxt])
            i += 2
        elif nxt in "01234567":
            j = i + 1
            while j < len(body) and j < i + 4 and body[j] in "01234567":
                j += 1
            out.append(int(body[i + 1:j], 8) & 0xFF)
            i = j
        elif nxt == "x":
            j = i + 2
            while j < len(body) and j < i + 4 and body[j] in "0123456789abcdefABCDEF":
                j += 1
            out.append(int(body[i + 2:j], 16))
            i = j
        else:
            raise ValueError("bad escape in %s" % literal)
    return bytes(out)


class Message:
    """A parsed message: field name -> list of values (Message, bytes, or the
    token text of a number/identifier)."""

    def __init__(self):
        self.fields = {}

    def all(self, name):
        return self.fields.get(name, [])

    def one(self, name, default=None):
        values = self.fields.get(name)
        return values[-1] if values else default


def parse(text):
    tokens = tokenize(text)
    message, pos = _parse_message(tokens, 0, None)
    if pos != len(tokens):
        raise ValueError("unexpected %r" % (tokens[pos],))
    return message


def _parse_message(tokens, pos, end):
    message = Message()
    while pos < len(tokens) and tokens[pos][1] != end:
        kind, name = tokens[pos]
        if kind != "ident":
            raise ValueError("expected a field name, got %r" % name)
        pos += 1
        if tokens[pos][1] == ":":
            pos += 1
        values, pos = _parse_value(tokens, pos)
        message.fields.setdefault(name, []).extend(values)
        if pos < len(tokens) and tokens[pos][1] in (",", ";"):
            pos += 1
    return message, pos + (1 if end else 0)


def _parse_value(tokens, pos):
    kind, text = tokens[pos]
    if text in ("{", "<"):
        return _wrap(_parse_message(tokens, pos + 1, "}" if text == "{" else ">"))
    if text == "[":
        values = []
        pos += 1
        while tokens[pos][1] != "]":
            item, pos = _parse_value(tokens, pos)
            values.extend(item)
            if tokens[pos][1] == ",":
                pos += 1
        return values, pos + 1
    if kind == "string":
        data = b""
        while pos < len(tokens) and tokens[pos][0] == "string":
            data += unescape(tokens[pos][1])
            pos += 1
        return [data], pos
    return [text], pos + 1


def _wrap(result):
    message, pos = result
    return [message], pos


# --- canonical values -----------------------------------------------------------

_STRUCT = {"DT_FLOAT": "f", "DT_DOUBLE": "d", "DT_INT32": "i", "DT_UINT8": "B",
           "DT_INT16": "h", "DT_INT8": "b", "DT_INT64": "q", "DT_BOOL": "?",
           "DT_UINT16": "H"}
_VALUE_FIELD = {"DT_FLOAT": "float_val", "DT_DOUBLE": "double_val",
                "DT_INT32": "int_val", "DT_UINT8": "int_val", "DT_INT16": "int_val",
                "DT_INT8": "int_val", "DT_UINT16": "int_val", "DT_INT64": "int64_val",
                "DT_BOOL": "bool_val", "DT_STRING": "string_val"}


def f32(text):
    value = float(text.rstrip("fF"))
    return struct.unpack("<f", struct.pack("<f", value))[0]


def scalar_value(text):
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        return f32(text)


def canonical_shape(message):
    if message.one("unknown_rank") == "true":
        return "unknown"
    return tuple(int(d.one("size", "0")) for d in message.all("dim"))


def canonical_tensor(message):
    dtype = message.one("dtype", "DT_INVALID")
    shape = canonical_shape(message.one("tensor_shape", Message()))
    count = 1
    for d in shape if shape != "unknown" else ():
        count *= d
    content = message.one("tensor_content")
    if content:
        fmt = _STRUCT[dtype]
        values = list(struct.unpack("<%d%s" % (len(content) // struct.calcsize(fmt), fmt),
                                    content))
        if dtype == "DT_FLOAT":
            values = [f32(repr(v)) for v in values]
    else:
        raw = message.all(_VALUE_FIELD.get(dtype, ""))
        values = [v if isinstance(v, bytes) else scalar_value(v) for v in raw]
        if dtype == "DT_FLOAT":
            values = [f32(str(v)) for v in values]
        if not values:
            values = [b"" if dtype == "DT_STRING" else 0] * count
        elif len(values) < count:
            values += [values[-1]] * (count - len(values))
    return ("tensor", dtype, shape, tuple(values))


def canonical_attr(message):
    """An AttrValue as a comparable Python value."""
    for field in ("s", "i", "f", "b", "type", "shape", "tensor", "list", "func",
                  "placeholder"):
        if field in message.fields:
            value = message.one(field)
            if field == "list":
                return ("list", tuple(
                    (name, tuple(canonical_list_item(name, v) for v in value.all(name)))
                    for name in sorted(value.fields) if value.all(name)))
            return canonical_list_item(field, value)
    return ("empty",)


def canonical_list_item(field, value):
    if field == "shape":
        return ("shape", canonical_shape(value))
    if field == "tensor":
        return canonical_tensor(value)
    if field == "f":
        return ("f", f32(value))
    if field in ("i", "b"):
        return (field, scalar_value(value))
    if field == "func":
        return ("func", value.one("name"))
    return (field, value)


# --- comparison -----------------------------------------------------------------


def nodes_by_name(meta):
    graph = meta.one("graph_def", Message())
    return {n.one("name").decode(): n for n in graph.all("node")}


def split_inputs(node):
    data, control = [], set()
    for raw in node.all("input"):
        name = raw.decode()
        if name.startswith("^"):
            control.add(name[1:])
        else:
            data.append(name[:-2] if name.endswith(":0") else name)
    return data, control


def node_attrs(node, with_shapes):
    attrs = {}
    for entry in node.all("attr"):
        key = entry.one("key").decode()
        if key == "_output_shapes" and not with_shapes:
            continue
        attrs[key] = canonical_attr(entry.one("value", Message()))
    return attrs


def compare_nodes(expected, actual, with_shapes, report):
    exp_nodes, act_nodes = nodes_by_name(expected), nodes_by_name(actual)
    for name in sorted(set(exp_nodes) - set(act_nodes)):
        report("missing node %s (%s)" % (name, exp_nodes[name].one("op").decode()))
    for name in sorted(set(act_nodes) - set(exp_nodes)):
        report("extra node %s (%s)" % (name, act_nodes[name].one("op").decode()))
    for name in sorted(set(exp_nodes) & set(act_nodes)):
        e, a = exp_nodes[name], act_nodes[name]
        for field in ("op", "device"):
            if e.one(field, b"") != a.one(field, b""):
                report("node %s: %s %s, expected %s" % (
                    name, field, a.one(field, b"").decode(), e.one(field, b"").decode()))
        e_data, e_ctl = split_inputs(e)
        a_data, a_ctl = split_inputs(a)
        if e_data != a_data:
            report("node %s: inputs %s, expected %s" % (name, a_data, e_data))
        if e_ctl != a_ctl:
            report("node %s: control inputs %s, expected %s" % (
                name, sorted(a_ctl), sorted(e_ctl)))
        e_attrs, a_attrs = node_attrs(e, with_shapes), node_attrs(a, with_shapes)
        for key in sorted(set(e_attrs) | set(a_attrs)):
            if e_attrs.get(key) != a_attrs.get(key):
                report("node %s: attr %s = %s, expected %s" % (
                    name, key, a_attrs.get(key), e_attrs.get(key)))
    return len(exp_nodes)


_SAVER_DEFAULTS = {"filename_tensor_name": b"", "save_tensor_name": b"",
                   "restore_op_name": b"", "max_to_keep": "0", "sharded": "false",
                   "keep_checkpoint_every_n_hours": "0", "version": "LEGACY"}


def compare_saver_defs(expected, actual, report):
    e, a = expected.one("saver_def"), actual.one("saver_def")
    if (e is None) != (a is None):
        report("saver_def %s, expected %s" % ("present" if a else "absent",
                                             "present" if e else "absent"))
        return
    if e is None:
        return
    for field, default in _SAVER_DEFAULTS.items():
        ev, av = e.one(field, default), a.one(field, default)
        if field == "keep_checkpoint_every_n_hours":
            ev, av = f32(ev), f32(av)
        if ev != av:
            report("saver_def.%s = %s, expected %s" % (field, av, ev))


def collections(meta):
    result = {}
    for entry in meta.all("collection_def"):
        value = entry.one("value", Message())
        kinds = {k: tuple(m.all("value")) for k, vs in value.fields.items() for m in vs}
        result[entry.one("key").decode()] = kinds
    return result


def compare_collections(expected, actual, report):
    e, a = collections(expected), collections(actual)
    for key in sorted(set(e) | set(a)):
        if key not in a:
            report("missing collection %s" % key)
        elif key not in e:
            report("extra collection %s" % key)
        elif e[key] != a[key]:
            report("collection %s = %s, expected %s" % (key, a[key], e[key]))


def compare_versions(expected, actual, report):
    def info(meta):
        graph = meta.one("graph_def", Message())
        versions = graph.one("versions", Message())
        meta_info = meta.one("meta_info_def", Message())
        return {"graph_def.versions.producer": versions.one("producer", "0"),
                "meta_info_def.tensorflow_version": meta_info.one("tensorflow_version", b"")}
    e, a = info(expected), info(actual)
    for key in e:
        if e[key] != a[key]:
            report("%s = %s, expected %s" % (key, a[key], e[key]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("expected")
    parser.add_argument("actual")
    parser.add_argument("--shapes", action="store_true",
                        help="compare _output_shapes too")
    args = parser.parse_args()
    with open(args.expected) as f:
        expected = parse(f.read())
    with open(args.actual) as f:
        actual = parse(f.read())
    differences = []
    count = compare_nodes(expected, actual, args.shapes, differences.append)
    compare_saver_defs(expected, actual, differences.append)
    compare_collections(expected, actual, differences.append)
    compare_versions(expected, actual, differences.append)
    for line in differences:
        print(line)
    print("compared %d nodes: %d differences" % (count, len(differences)))
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
