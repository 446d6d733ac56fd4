#!/usr/bin/env python3
"""Checks that two TF graph files are semantically identical.

  graph_equiv.py ORIGINAL EXPORTED

Both may be GraphDef, MetaGraphDef or SavedModel, binary or text. Same
nodes in the same order, ops, inputs in order, devices, attrs (tensors
compared by value: tensor_content and typed fields are equivalent), the
TF 2.x experimental_debug_info and experimental_type of each node, library,
versions, debug_info, and for MetaGraphDefs everything else. Prints the first
difference and exits 1. Uses Kiln's .proto files through protoc, so it needs
no TensorFlow.
"""
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.path.join(HERE, "..", "..", "runtime", "proto")


def load_protos():
    out = os.path.join(tempfile.gettempdir(), "kiln-pyproto-%d" % os.getuid())
    marker = os.path.join(out, "kiln", "proto", "meta_graph_pb2.py")
    protos = sorted(os.path.join("kiln", "proto", f)
                    for f in os.listdir(os.path.join(PROTO_DIR, "kiln", "proto")))
    if not os.path.exists(marker) or any(
            os.path.getmtime(os.path.join(PROTO_DIR, p)) > os.path.getmtime(marker)
            for p in protos):
        os.makedirs(out, exist_ok=True)
        subprocess.check_call(["protoc", "--python_out=" + out, "-I", PROTO_DIR] + protos)
        for d in ("kiln", os.path.join("kiln", "proto")):
            open(os.path.join(out, d, "__init__.py"), "a").close()
    sys.path.insert(0, out)
    from kiln.proto import graph_pb2, meta_graph_pb2  # noqa: E402
    return graph_pb2, meta_graph_pb2


graph_pb2, meta_graph_pb2 = load_protos()
from google.protobuf import text_format  # noqa: E402

FMT = {1: "f", 2: "d", 3: "i", 4: "B", 5: "h", 6: "b", 9: "q", 10: "?",
       17: "H", 22: "I", 23: "Q", 11: "b", 12: "B", 13: "i", 15: "h", 16: "H"}


def read(path):
    data = open(path, "rb").read()
    for cls in (meta_graph_pb2.SavedModel, meta_graph_pb2.MetaGraphDef, graph_pb2.GraphDef):
        try:
            m = cls()
            text_format.Parse(data.decode("utf-8"), m)
            return m
        except Exception:
            pass
    for cls in (meta_graph_pb2.SavedModel, meta_graph_pb2.MetaGraphDef, graph_pb2.GraphDef):
        m = cls()
        try:
            m.ParseFromString(data)
        except Exception:
            continue
        if cls is meta_graph_pb2.SavedModel and m.saved_model_schema_version == 0:
            continue
        if cls is meta_graph_pb2.MetaGraphDef and not m.graph_def.node:
            continue
        return m
    sys.exit("cannot parse " + path)


def tensor_values(t):
    n = 1
    for d in t.tensor_shape.dim:
        n *= d.size
    if t.tensor_content:
        f = FMT.get(t.dtype)
        if f is None:
            return ("raw", t.tensor_content)
        return list(struct.unpack("<%d%s" % (n, f), t.tensor_content))
    for field in ("float_val", "double_val", "int_val", "string_val", "int64_val",
                  "bool_val", "half_val", "scomplex_val", "dcomplex_val",
                  "uint32_val", "uint64_val"):
        vals = list(getattr(t, field))
        if vals:
            per = 2 if field in ("scomplex_val", "dcomplex_val") else 1
            if field == "float_val":
                vals = [struct.unpack("<f", struct.pack("<f", v))[0] for v in vals]
            while len(vals) < n * per:
                vals.extend(vals[-per:])
            return vals
    return ["zero"] * n


def tensor_key(t):
    return (t.dtype, tuple(d.size for d in t.tensor_shape.dim),
            t.tensor_shape.unknown_rank, str(tensor_values(t)))


def attr_key(a):
    kind = a.WhichOneof("value")
    if kind == "tensor":
        return ("tensor", tensor_key(a.tensor))
    if kind == "list":
        l = a.list
        return ("list", tuple(l.s), tuple(l.i), tuple(l.f), tuple(l.b), tuple(l.type),
                tuple(s.SerializeToString(deterministic=True) for s in l.shape),
                tuple(tensor_key(t) for t in l.tensor),
                tuple(f.SerializeToString(deterministic=True) for f in l.func))
    if kind is None:
        return ("none",)
    return (kind, getattr(a, kind).SerializeToString(deterministic=True)
            if hasattr(getattr(a, kind), "SerializeToString") else getattr(a, kind))


def compare_graphs(a, b, where):
    if len(a.node) != len(b.node):
        return f"{where}: {len(a.node)} nodes vs {len(b.node)}"
    for x, y in zip(a.node, b.node):
        for f in ("name", "op", "device"):
            if getattr(x, f) != getattr(y, f):
                return f"{where}: node {x.name}: {f} {getattr(x, f)!r} vs {getattr(y, f)!r}"
        ins_x = [i if not i.endswith(":0") else i[:-2] for i in x.input]
        ins_y = [i if not i.endswith(":0") else i[:-2] for i in y.input]
        if ins_x != ins_y:
            return f"{where}: node {x.name}: inputs {ins_x} vs {ins_y}"
        if set(x.attr) != set(y.attr):
            return f"{where}: node {x.name}: attrs {sorted(x.attr)} vs {sorted(y.attr)}"
        for k in x.attr:
            if attr_key(x.attr[k]) != attr_key(y.attr[k]):
                return f"{where}: node {x.name}: attr {k}: {x.attr[k]} vs {y.attr[k]}"
        for f in ("experimental_debug_info", "experimental_type"):
            if x.HasField(f) != y.HasField(f) or \
                    getattr(x, f).SerializeToString(deterministic=True) != \
                    getattr(y, f).SerializeToString(deterministic=True):
                return f"{where}: node {x.name}: {f} {getattr(x, f)} vs {getattr(y, f)}"
    if a.library.SerializeToString(deterministic=True) != b.library.SerializeToString(deterministic=True):
        return f"{where}: function library differs"
    if a.versions != b.versions or a.version != b.version:
        return f"{where}: versions differ"
    if a.HasField("debug_info") != b.HasField("debug_info") or \
            a.debug_info.SerializeToString(deterministic=True) != \
            b.debug_info.SerializeToString(deterministic=True):
        return f"{where}: debug_info differs"
    return None


def compare_meta(a, b, where):
    err = compare_graphs(a.graph_def, b.graph_def, where)
    if err:
        return err
    a2, b2 = type(a)(), type(b)()
    a2.CopyFrom(a)
    b2.CopyFrom(b)
    a2.ClearField("graph_def")
    b2.ClearField("graph_def")
    if a2.SerializeToString(deterministic=True) != b2.SerializeToString(deterministic=True):
        return f"{where}: MetaGraphDef fields other than graph_def differ"
    return None


def main():
    a, b = read(sys.argv[1]), read(sys.argv[2])
    if isinstance(a, meta_graph_pb2.SavedModel):
        a = a.meta_graphs[0]
    if type(a) is not type(b):
        sys.exit(f"kinds differ: {type(a).__name__} vs {type(b).__name__}")
    err = compare_meta(a, b, sys.argv[2]) if isinstance(a, meta_graph_pb2.MetaGraphDef) \
        else compare_graphs(a, b, sys.argv[2])
    if err:
        print("DIFFERENT: " + err)
        return 1
    nodes = len(a.graph_def.node) if isinstance(a, meta_graph_pb2.MetaGraphDef) else len(a.node)
    print(f"EQUIVALENT: {nodes} nodes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
