"""Checks that the op table's `Lowering cpu` marks (what docs/op-coverage.md
shows) match the op types the CPU lowering registers.

Usage: lowering_coverage.py KILN_SRC [--fix]
The lowering table is read from the populate*Lowerings functions of
lib/Conversion/GraphToLinalg/*.cpp: every string literal assigned with
`table[...]` or listed in a `for (const char *t : {...})` loop over it.
"""
import glob
import os
import re
import sys

src = sys.argv[1]
fix = "--fix" in sys.argv
lowered = set()
for path in glob.glob(os.path.join(src, "lib/Conversion/GraphToLinalg/*.cpp")):
    text = open(path).read()
    m = re.search(r"void kiln::populate\w+Lowerings\(.*?\n}\n", text, re.S)
    if not m:
        continue
    body = m.group(0)
    lowered |= set(re.findall(r'table\["(\w+)"\]', body))
    for group in re.findall(r"for \(const char \*t :\s*\{(.*?)\}\)", body, re.S):
        lowered |= set(re.findall(r'"(\w+)"', group))

marked = {}
defined = set()
for path in sorted(glob.glob(os.path.join(src, "dialects/graph/ops/*.tfdef"))):
    lines = open(path).read().split("\n")
    out = []
    cur = None
    for line in lines:
        if line and not line.startswith(" ") and not line.startswith("#"):
            cur = line.strip()
            defined.add(cur)
        if line.strip() == "Lowering cpu":
            marked[cur] = path
            if fix and cur not in lowered:
                continue
        out.append(line)
        if fix and cur in lowered and cur not in marked and \
                line.startswith("  Summary"):
            out.append("  Lowering cpu")
            marked[cur] = path
    if fix:
        open(path, "w").write("\n".join(out))

missing = sorted(op for op in lowered if op in defined and op not in marked)
extra = sorted(op for op in marked if op not in lowered)
unknown = sorted(op for op in lowered if op not in defined)
for op in missing:
    print("lowered but not marked `Lowering cpu` in the op table: " + op)
for op in extra:
    print("marked `Lowering cpu` but has no lowering: " + op)
for op in unknown:
    print("lowered but not in the op table (generic op): " + op)
print("%d op types lowered for CPU" % len(lowered))
sys.exit(1 if (missing or extra) and not fix else 0)
