import re
import sys

values = [float(re.match(r"fifo_queue_Dequeue = (\S+)", l).group(1))
          for l in open(sys.argv[1]).read().split("\n") if l]
assert len(values) == 10, values
assert all(a <= b for a, b in zip(values, values[1:])), values
print("ok", values)
