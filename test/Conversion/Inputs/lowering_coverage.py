"""Checks that the op table's `Lowering cpu` marks (what docs/op-coverage.md
shows) match the op types the CPU lowering registers.

Usage: lowering_coverage.py KILN_SRC [--fix]
The lowering table is read from the populate*Lowerings functions of
lib/Conversion/GraphToLinalg/*.cpp: every string literal assigned with
`table[...]` or listed in a `for (const char *t : {...})` loop over it.
--fix rewrites the marks: exactly one `Lowering cpu` after the `Summary`
line of each lowered op, none elsewhere.
"""
import glob
import os
import re
import sys


def lowered_ops(src):
    ops = set()
    for path in glob.glob(os.path.join(src, "lib/Conversion/GraphToLinalg/*.cpp")):
        text = open(path).read()
        m = re.search(r"void kiln::populate\w+Lowerings\(.*?\n}\n", text, re.S)
        if not m:
            continue
        body = m.group(0)
        ops |= set(re.findall(r'table\["(\w+)"\]', body))
        for group in re.findall(r"for \(const char \*t :\s*\{(.*?)\}\)", body,
                                re.S):
            ops |= set(re.findall(r'"(\w+)"', group))
    return ops


def scan(src, lowered, fix):
    """(defined ops, {op: mark count}); with fix, rewrites the files."""
    defined, marks = set(), {}
    for path in sorted(glob.glob(os.path.join(src, "dialects/graph/ops/*.tfdef"))):
        out, cur = [], None
        for line in open(path).read().split("\n"):
            if line and not line.startswith(" ") and not line.startswith("#"):
                cur = line.strip()
                defined.add(cur)
            if line.strip() == "Lowering cpu":
                marks[cur] = marks.get(cur, 0) + 1
                continue
            out.append(line)
            if cur in lowered and line.startswith("  Summary"):
                out.append("  Lowering cpu")
        if fix:
            open(path, "w").write("\n".join(out))
    return defined, marks


src = sys.argv[1]
fix = "--fix" in sys.argv
lowered = lowered_ops(src)
if fix:
    scan(src, lowered, fix=True)
defined, marks = scan(src, lowered, fix=False)
problems = 0
for op in sorted(op for op in lowered if op in defined and op not in marks):
    print("lowered but not marked `Lowering cpu` in the op table: " + op)
    problems += 1
for op in sorted(op for op in marks if op not in lowered):
    print("marked `Lowering cpu` but has no lowering: " + op)
    problems += 1
for op in sorted(op for op, n in marks.items() if n > 1):
    print("marked `Lowering cpu` more than once: " + op)
    problems += 1
for op in sorted(op for op in lowered if op not in defined):
    print("lowered but not in the op table (generic op): " + op)
print("%d op types lowered for CPU" % len(lowered))
sys.exit(1 if problems else 0)
