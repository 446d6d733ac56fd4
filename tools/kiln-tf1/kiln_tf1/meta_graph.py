"""`export_meta_graph`: the graph, its collections and SaverDef as a text
MetaGraphDef, as TF 1.2's `Saver.save` / `tf.train.export_meta_graph` write
them (the GraphDef with `_output_shapes`).

The `stripped_op_list` (the OpDefs of the ops used) is left out: Kiln's
importer knows every op these graphs use and reads OpDefs from that list only
for op types it does not know.
"""

from . import protos
from .framework import Operation, Tensor, get_default_graph

TENSORFLOW_VERSION = "1.2.0"


def export_meta_graph(filename=None, saver_def=None, graph=None, as_text=True):
    """Write the MetaGraphDef to `filename` (when given) and return its text."""
    if not as_text:
        raise NotImplementedError("only text MetaGraphDefs are written")
    graph = graph or get_default_graph()
    meta = [("meta_info_def", [("tensorflow_version", TENSORFLOW_VERSION)]),
            ("graph_def", graph.as_graph_def(add_shapes=True))]
    if saver_def is not None:
        meta.append(("saver_def", saver_def))
    for key in sorted(graph.get_all_collection_keys()):
        meta.append(("collection_def", [("key", key),
                                        ("value", _collection_def(graph.get_collection(key)))]))
    text = protos.text_format(meta)
    if filename is not None:
        with open(filename, "w") as f:
            f.write(text)
    return text


def _collection_def(items):
    """Protos (variables, queue runners) as serialized bytes, graph elements
    by name, Python values by their kind."""
    first = items[0]
    if hasattr(first, "to_proto"):
        kind, values = "bytes_list", [item.to_proto() for item in items]
    elif isinstance(first, (Tensor, Operation)):
        kind, values = "node_list", [item.name for item in items]
    elif isinstance(first, (str, bytes)):
        kind, values = "bytes_list", items
    elif isinstance(first, int):
        kind, values = "int64_list", items
    elif isinstance(first, float):
        kind, values = "float_list", items
    else:
        raise TypeError("cannot export collection item %r" % (first,))
    return [(kind, [("value", v) for v in values])]

