"""Checks that the op table's `Lowering cpu` marks (what docs/op-coverage.md
shows) match the op types the CPU lowering registers; with --rules and
--numerics, also that every lowered op type has a shape function and a
numerics case.

Usage: lowering_coverage.py KILN_SRC [--fix]
       lowering_coverage.py KILN_SRC --rules RULES --numerics OPS
The lowering table is read from the populate*Lowerings functions of
lib/Conversion/GraphToLinalg/*.cpp: every string literal assigned with
`table[...]` or listed in a `for (const char *t : {...})` loop over it.
--fix rewrites the marks: exactly one `Lowering cpu` after the `Summary`
line of each lowered op, none elsewhere.
RULES is `graph-opt --print-op-rules` (the table the passes use: `OP
shape=SOURCE fold=FAMILY lowering=cpu`), OPS `numerics.py --list-ops` (the
op types test/e2e/numerics.test compares against NumPy).
"""
import glob
import os
import re
import sys

# Lowered op types that need no numerics case in test/e2e/Inputs/numerics.py,
# and why. Anything lowered and not listed here must have one.
NO_NUMERICS_CASE = {
    # No outputs: nothing to compare.
    "NoOp": "no outputs",
    # Random numbers: compared with TF's Philox streams, not NumPy
    # (test/e2e/random-ops.test).
    "RandomUniform": "Philox stream, random-ops.test",
    "RandomStandardNormal": "Philox stream, random-ops.test",
    "TruncatedNormal": "Philox stream, random-ops.test",
    # Queues: resource ops whose values the runtime holds and moves
    # (test/e2e/s4-fifo-queue.test, s5-shuffle-queue.test, s6-queue-runner.test,
    # runtime/queue unit tests).
    "FIFOQueue": "queue", "FIFOQueueV2": "queue",
    "PaddingFIFOQueue": "queue", "PaddingFIFOQueueV2": "queue",
    "RandomShuffleQueue": "queue", "RandomShuffleQueueV2": "queue",
    "PriorityQueue": "queue", "PriorityQueueV2": "queue",
    "QueueEnqueue": "queue", "QueueEnqueueV2": "queue",
    "QueueEnqueueMany": "queue", "QueueEnqueueManyV2": "queue",
    "QueueDequeue": "queue", "QueueDequeueV2": "queue",
    "QueueDequeueMany": "queue", "QueueDequeueManyV2": "queue",
    "QueueDequeueUpTo": "queue", "QueueDequeueUpToV2": "queue",
    "QueueClose": "queue", "QueueCloseV2": "queue",
    "QueueSize": "queue", "QueueSizeV2": "queue",
    "QueueIsClosed": "queue", "QueueIsClosedV2": "queue",
    # Readers and host kernels: runtime code, one kernel call each
    # (test/e2e/reader-pipeline.test, s3-graph-files.test, runtime/io tests).
    "TFRecordReader": "reader", "TFRecordReaderV2": "reader",
    "ReaderRead": "reader", "ReaderReadV2": "reader",
    "ReaderReadUpTo": "reader", "ReaderReadUpToV2": "reader",
    "ReaderNumRecordsProduced": "reader",
    "ReaderNumRecordsProducedV2": "reader",
    "ReaderNumWorkUnitsCompleted": "reader",
    "ReaderNumWorkUnitsCompletedV2": "reader",
    "ReaderReset": "reader", "ReaderResetV2": "reader",
    "ParseExample": "host kernel (Example protos), reader-pipeline.test",
    "ParseSingleExample": "host kernel (Example protos), s3-graph-files.test",
    "DecodeRaw": "host kernel (bytes), s3-graph-files.test",
    "RandomShuffle": "host kernel (Philox), random-ops.test",
    "Assert": "host kernel, no outputs (errors.test)",
    "CountUpTo": "host kernel on a variable (s6-queue-runner.test)",
    # Summaries: serialized Summary protos (test/e2e/summaries.test).
    "ScalarSummary": "Summary proto", "HistogramSummary": "Summary proto",
    "MergeSummary": "Summary proto",
}

# Lowered op types that need no shape function, and why. Empty: every
# lowered op type has one (an op without outputs has `ShapeFn NoOutputs`).
NO_SHAPE_FUNCTION = {
}


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


def option(name):
    if name not in sys.argv:
        return None
    return sys.argv[sys.argv.index(name) + 1]


def check_rules(lowered, rules_path, numerics_path):
    """Problems of lowered ops without a shape function or numerics case."""
    rules = {}
    for line in open(rules_path):
        words = line.split()
        if words:
            rules[words[0]] = dict(w.split("=", 1) for w in words[1:])
    numerics = set(open(numerics_path).read().split())
    problems = []
    # The scan above and the table the compiler uses must agree, or one of
    # them is not what this test thinks it is.
    table_lowered = {op for op, r in rules.items() if r["lowering"] == "cpu"}
    for op in sorted(table_lowered ^ lowered):
        problems.append("the lowering table and the scan of %s disagree on %s"
                        % ("lib/Conversion/GraphToLinalg", op))
    for op in sorted(lowered):
        has_shape = rules.get(op, {}).get("shape", "-") != "-"
        if not has_shape and op not in NO_SHAPE_FUNCTION:
            problems.append("lowered but no shape function: " + op)
        if has_shape and op in NO_SHAPE_FUNCTION:
            problems.append("has a shape function, drop its exception: " + op)
        if op not in numerics and op not in NO_NUMERICS_CASE:
            problems.append("lowered but no numerics case: " + op)
        if op in numerics and op in NO_NUMERICS_CASE:
            problems.append("has a numerics case, drop its exception: " + op)
    for op in sorted((set(NO_SHAPE_FUNCTION) | set(NO_NUMERICS_CASE)) - lowered):
        problems.append("exception for an op type that is not lowered: " + op)
    with_shape = sum(1 for op in lowered
                     if rules.get(op, {}).get("shape", "-") != "-")
    print("%d lowered op types: %d with a shape function, %d with a numerics "
          "case, %d exempt from numerics" % (
              len(lowered), with_shape, len(lowered & numerics),
              len(lowered & set(NO_NUMERICS_CASE))))
    return problems


src = sys.argv[1]
fix = "--fix" in sys.argv
rules_path, numerics_path = option("--rules"), option("--numerics")
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
if rules_path and numerics_path:
    for p in check_rules(lowered, rules_path, numerics_path):
        print(p)
        problems += 1
sys.exit(1 if problems else 0)
