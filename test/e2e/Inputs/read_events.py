"""Prints the events of every TensorBoard event file in a directory, parsed
with Kiln's TF-compatible event.proto: one line per event (step, then the
file version or each summary value: tag = simple value, or the histogram's
num/min/max/sum and the count over its buckets). Usage: read_events.py DIR"""
import glob
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "Inputs"))
import graph_equiv  # noqa: E402,F401  (compiles the protos, sets sys.path)
from kiln.proto import event_pb2  # noqa: E402

for path in sorted(glob.glob(os.path.join(sys.argv[1], "events.out.tfevents.*"))):
    data = open(path, "rb").read()
    pos = 0
    while pos < len(data):
        (length,) = struct.unpack_from("<Q", data, pos)
        record = data[pos + 12:pos + 12 + length]
        pos += 12 + length + 4
        e = event_pb2.Event()
        e.ParseFromString(record)
        if e.HasField("file_version"):
            print("step %d file_version %s" % (e.step, e.file_version))
            continue
        for v in e.summary.value:
            if v.HasField("histo"):
                h = v.histo
                print("step %d %s histo num=%g min=%g max=%g sum=%g buckets=%g"
                      % (e.step, v.tag, h.num, h.min, h.max, h.sum, sum(h.bucket)))
            else:
                print("step %d %s = %g" % (e.step, v.tag, v.simple_value))
