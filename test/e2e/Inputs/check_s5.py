# Checks S5's output: 8 distinct values of 0..9, then DeadlineExceeded.
import re
import sys

out = open(sys.argv[1]).read().split("\n")
err = open(sys.argv[2]).read()
values = [float(re.match(r"random_shuffle_queue_Dequeue = (\S+)", l).group(1))
          for l in out if l]
assert len(values) == 8, values
assert len(set(values)) == 8, values
assert all(v in range(10) for v in values), values
assert "DeadlineExceeded: Timed out waiting for notification" in err, err
print("ok", values)
