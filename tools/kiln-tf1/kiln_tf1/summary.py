"""`tf.summary` (TF 1.2): a summary op is named after its tag, inside the
current scope, with the tag as a Const `<name>/tags` (`tag` for histograms)
holding the full scope name; ops join the `summaries` collection."""

import re

from .framework import GraphKeys, add_to_collection, apply_op, get_collection, name_scope


def _clean_tag(name):
    return re.sub(r"[^-/\w\.]", "_", name).lstrip("/")


def scalar(name, tensor, collections=None):
    with name_scope(_clean_tag(name)) as scope:
        val = apply_op("ScalarSummary", name=scope, tags=scope.rstrip("/"),
                       values=tensor).outputs[0]
    _collect(val, collections)
    return val


def histogram(name, values, collections=None):
    with name_scope(_clean_tag(name), "HistogramSummary") as scope:
        val = apply_op("HistogramSummary", name=scope, tag=scope.rstrip("/"),
                       values=values).outputs[0]
    _collect(val, collections)
    return val


def merge(inputs, collections=None, name=None):
    with name_scope(name, "Merge"):
        val = apply_op("MergeSummary", inputs=inputs).outputs[0]
    _collect(val, collections or [])
    return val


def merge_all(key=GraphKeys.SUMMARIES):
    summary_ops = get_collection(key)
    return merge(summary_ops) if summary_ops else None


def _collect(val, collections):
    for key in [GraphKeys.SUMMARIES] if collections is None else collections:
        add_to_collection(key, val)
