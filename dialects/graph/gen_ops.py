#!/usr/bin/env python3
"""Generates the typed `graph` ops from the TensorFlow op table (ops/*.tfdef).

Outputs (see ops/README.md for the table format):
  --td FILE     ODS for every typed op (included by GraphOps.td)
  --inc FILE    the C++ OpDefInfo table used by import, export and verifiers
  --doc FILE    the op-coverage table (docs/op-coverage.md)
The table is the single source of truth: adding an op is one entry there.
"""
import argparse
import glob
import os
import re
import sys

DTYPES = {
    "float": 1, "double": 2, "int32": 3, "uint8": 4, "int16": 5, "int8": 6,
    "string": 7, "complex64": 8, "int64": 9, "bool": 10, "qint8": 11,
    "quint8": 12, "qint32": 13, "bfloat16": 14, "qint16": 15, "quint16": 16,
    "uint16": 17, "complex128": 18, "half": 19, "resource": 20, "variant": 21,
    "uint32": 22, "uint64": 23,
}
# TF's type groups (core/framework/types.h).
GROUPS = {
    "numbertype": "float double int32 uint8 int16 int8 complex64 int64 qint8 quint8 qint32 bfloat16 uint16 complex128 half uint32 uint64",
    "realnumbertype": "float double int32 uint8 int16 int8 int64 bfloat16 uint16 half uint32 uint64",
    "quantizedtype": "qint8 quint8 qint32 qint16 quint16",
}


# TF's generic shape functions (core/framework/common_shape_fns.h) an op
# can name with `ShapeFn`: kiln::defaultOpRules() gives every op that names
# one that rule, so an op of such a family needs no code for shape
# inference. Value: (C++ enumerator, what the signature must be).
SHAPE_FNS = {
    "UnchangedShape": ("kUnchangedShape", "output 0 has input 0's shape"),
    "BroadcastBinaryOpShapeFn": ("kBroadcastBinary",
                                 "two inputs broadcast to one output"),
    "ScalarShape": ("kScalar", "one scalar output"),
    "TwoElementOutput": ("kTwoElementOutput",
                         "one output of shape [2] (a ref handle)"),
    "NoOutputs": ("kNoOutputs", "no outputs"),
}


class TableError(Exception):
    pass


class Arg:
    def __init__(self, spec, where):
        m = re.fullmatch(r"(\w+)\s*:\s*(.+)", spec.strip())
        if not m:
            raise TableError(f"{where}: bad argument '{spec}'")
        self.name, t = m.group(1), m.group(2).strip()
        self.is_ref = False
        rm = re.fullmatch(r"Ref\((.+)\)", t)
        if rm:
            self.is_ref, t = True, rm.group(1).strip()
        self.number_attr = ""
        nm = re.fullmatch(r"(\w+)\s*\*\s*(\w+)", t)
        if nm:
            self.number_attr, t = nm.group(1), nm.group(2)
        self.type_expr = t
        self.dtype = 0
        self.type_attr = ""
        self.type_list_attr = ""

    def resolve(self, op, where):
        t = self.type_expr
        if t in DTYPES:
            self.dtype = DTYPES[t]
            return
        attr = op.attr(t)
        if attr is None:
            raise TableError(f"{where}: argument '{self.name}' names unknown attr '{t}'")
        if attr.kind.startswith("list("):
            if self.number_attr:
                raise TableError(f"{where}: '{self.name}' mixes a number attr and a type list")
            self.type_list_attr = t
        else:
            self.type_attr = t

    @property
    def variadic(self):
        return bool(self.number_attr or self.type_list_attr)


class Attr:
    def __init__(self, spec, where):
        m = re.fullmatch(r"(\w+)\s*:\s*(.+)", spec.strip())
        if not m:
            raise TableError(f"{where}: bad attr '{spec}'")
        self.name = m.group(1)
        parts = re.split(r"\s+=\s+", m.group(2), maxsplit=1)
        kind = parts[0].strip()
        self.default = parts[1].strip() if len(parts) > 1 else None
        self.minimum = None
        mm = re.fullmatch(r"(.+?)\s*>=\s*(-?\d+)", kind)
        if mm:
            kind, self.minimum = mm.group(1).strip(), int(mm.group(2))
        self.allowed = []
        is_list = False
        lm = re.fullmatch(r"list\((.+)\)", kind)
        if lm:
            is_list, kind = True, lm.group(1).strip()
        if kind.startswith("{"):
            items = [x.strip() for x in kind[1:-1].split(",")]
            if items[0].startswith("'"):
                self.allowed = [x.strip("'") for x in items]
                kind = "string"
            else:
                for x in items:
                    if x not in DTYPES:
                        raise TableError(f"{where}: unknown dtype '{x}'")
                self.allowed = items
                kind = "type"
        elif kind in GROUPS:
            self.allowed = GROUPS[kind].split()
            kind = "type"
        if kind not in ("int", "float", "bool", "string", "type", "shape",
                        "tensor", "func"):
            raise TableError(f"{where}: unknown attr kind '{kind}'")
        self.kind = f"list({kind})" if is_list else kind


class Op:
    def __init__(self, name, where):
        self.name, self.where = name, where
        self.inputs, self.outputs, self.attrs = [], [], []
        self.stateful = self.commutative = False
        self.summary = ""
        self.lowering = set()
        self.shape_fn = None

    def attr(self, name):
        for a in self.attrs:
            if a.name == name:
                return a
        return None

    @property
    def pure(self):
        return not self.stateful and not any(a.is_ref for a in self.inputs)


def parse_tables(paths):
    ops = []
    for path in paths:
        cur = None
        for lineno, raw in enumerate(open(path), 1):
            where = f"{os.path.basename(path)}:{lineno}"
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if not line[0].isspace():
                cur = Op(line.strip(), where)
                ops.append(cur)
                continue
            if cur is None:
                raise TableError(f"{where}: indented line outside an op")
            word, _, rest = line.strip().partition(" ")
            if word == "Input":
                cur.inputs.append(Arg(rest, where))
            elif word == "Output":
                cur.outputs.append(Arg(rest, where))
            elif word == "Attr":
                cur.attrs.append(Attr(rest, where))
            elif word == "Stateful":
                cur.stateful = True
            elif word == "Commutative":
                cur.commutative = True
            elif word == "Summary":
                cur.summary = rest.strip()
            elif word == "Lowering":
                cur.lowering |= set(rest.split())
            elif word == "ShapeFn":
                if rest.strip() not in SHAPE_FNS:
                    raise TableError(f"{where}: unknown ShapeFn '{rest.strip()}' "
                                     f"(one of {', '.join(sorted(SHAPE_FNS))})")
                if cur.shape_fn:
                    raise TableError(f"{where}: op '{cur.name}' has two ShapeFn lines")
                cur.shape_fn = rest.strip()
            else:
                raise TableError(f"{where}: unknown keyword '{word}'")
    seen = set()
    for op in ops:
        if op.name in seen:
            raise TableError(f"{op.where}: op '{op.name}' defined twice")
        seen.add(op.name)
        for a in op.inputs + op.outputs:
            a.resolve(op, op.where)
        check_shape_fn(op)
    return sorted(ops, key=lambda o: o.name)


def check_shape_fn(op):
    """A generic shape function must fit the op's signature: the rule reads
    inputs and writes outputs by position."""
    if not op.shape_fn:
        return
    fixed = lambda args: all(not a.variadic for a in args)
    ins, outs = op.inputs, op.outputs
    ok = {
        "UnchangedShape": len(ins) >= 1 and not ins[0].variadic
        and len(outs) == 1 and fixed(outs),
        "BroadcastBinaryOpShapeFn": len(ins) == 2 and fixed(ins)
        and len(outs) == 1 and fixed(outs),
        "ScalarShape": len(outs) == 1 and fixed(outs),
        "TwoElementOutput": len(outs) == 1 and fixed(outs),
        "NoOutputs": not outs,
    }[op.shape_fn]
    if not ok:
        raise TableError(f"{op.where}: op '{op.name}' cannot use ShapeFn "
                         f"{op.shape_fn} ({SHAPE_FNS[op.shape_fn][1]})")


# ---------------------------------------------------------------------- ODS

def ods_attr(a):
    base = {
        "int": "I64Attr", "float": "F32Attr", "bool": "BoolAttr",
        "string": "StrAttr", "type": "TypeAttr", "shape": "Graph_ShapeAttr",
        "tensor": "Graph_TensorValueAttr", "func": "Graph_FuncAttr",
        "list(int)": "I64ArrayAttr", "list(float)": "F32ArrayAttr",
        "list(bool)": "BoolArrayAttr", "list(string)": "StrArrayAttr",
        "list(type)": "TypeArrayAttr", "list(shape)": "Graph_ShapeArrayAttr",
        "list(tensor)": "ArrayAttr", "list(func)": "ArrayAttr",
    }[a.kind]
    if a.default is None:
        return base
    scalar_default = {
        "int": lambda d: d,
        "float": lambda d: d if "." in d or "e" in d else d + ".0",
        "bool": lambda d: d,
        "string": lambda d: '"\\"' + d.strip("'") + '\\""',
    }
    if a.kind in scalar_default:
        d = scalar_default[a.kind](a.default)
        if a.kind == "string":
            return f"DefaultValuedOptionalAttr<{base}, {d}>"
        return f'DefaultValuedOptionalAttr<{base}, "{d}">'
    return f"OptionalAttr<{base}>"


def td_string(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')


def ods_getter(name):
    """The accessor name ODS derives: snake_case -> getCamelCase."""
    return "get" + "".join(w[:1].upper() + w[1:] for w in name.split("_"))


def ods_value_names(op):
    """ODS names for inputs/outputs; renamed where they would share an
    accessor with an attr (L2Loss has input `t` and attr `T`)."""
    taken = {ods_getter(a.name) for a in op.attrs}
    names = {}
    for a in op.inputs + op.outputs:
        n = a.name
        while ods_getter(n) in taken:
            n += "_value"
        taken.add(ods_getter(n))
        names[id(a)] = n
    return names


def gen_td(ops):
    out = ["// Generated by dialects/graph/gen_ops.py from dialects/graph/ops/*.tfdef.",
           "// Do not edit: change the table instead.", ""]
    for op in ops:
        traits = []
        var_in = [a for a in op.inputs if a.variadic]
        var_out = [a for a in op.outputs if a.variadic]
        if var_in:
            traits.append("AttrSizedOperandSegments")
        if len(var_out) > 1:
            traits.append("AttrSizedResultSegments")
        if op.pure:
            traits.append("Pure")
        names = ods_value_names(op)
        args = []
        for a in op.inputs:
            t = "Variadic<AnyTensor>" if a.variadic else "AnyTensor"
            args.append(f"{t}:${names[id(a)]}")
        args.append("Variadic<Graph_ControlType>:$ctls")
        for a in op.attrs:
            args.append(f"{ods_attr(a)}:${a.name}")
        res = []
        for a in op.outputs:
            t = "Variadic<AnyTensor>" if a.variadic else "AnyTensor"
            res.append(f"{t}:${names[id(a)]}")
        res.append("Graph_ControlType:$ctl")
        out.append(f"def Graph_{op.name}Op : Graph_NodeOp<\"{op.name}\", [{', '.join(traits)}]> {{")
        out.append(f"  let summary = \"{td_string(op.summary or op.name)}\";")
        out.append("  let arguments = (ins " + ",\n      ".join(args) + ");")
        out.append("  let results = (outs " + ",\n      ".join(res) + ");")
        out.append("}")
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------- C++

def cstr(s):
    if s is None:
        return "nullptr"
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def gen_inc(ops):
    out = ["// Generated by dialects/graph/gen_ops.py from dialects/graph/ops/*.tfdef.",
           "// Do not edit: change the table instead.", ""]
    for op in ops:
        for kind, args in (("Inputs", op.inputs), ("Outputs", op.outputs)):
            if not args:
                continue
            out.append(f"static const ArgDefInfo k{op.name}{kind}[] = {{")
            for a in args:
                out.append(f"    {{{cstr(a.name)}, {a.dtype}, {cstr(a.type_attr)}, "
                           f"{cstr(a.number_attr)}, {cstr(a.type_list_attr)}, "
                           f"{'true' if a.is_ref else 'false'}}},")
            out.append("};")
        if op.attrs:
            out.append(f"static const AttrDefInfo k{op.name}Attrs[] = {{")
            for a in op.attrs:
                allowed = ",".join(a.allowed) if a.allowed else None
                out.append(f"    {{{cstr(a.name)}, {cstr(a.kind)}, {cstr(a.default)}, "
                           f"{cstr(allowed)}, {a.minimum if a.minimum is not None else 0}, "
                           f"{'true' if a.minimum is not None else 'false'}}},")
            out.append("};")
    out.append("")
    out.append("static const OpDefInfo kOpDefs[] = {")
    for op in ops:
        def ref(kind, n):
            return f"k{op.name}{kind}, {n}" if n else "nullptr, 0"
        flags = []
        if op.stateful:
            flags.append("OpDefInfo::kStateful")
        if op.commutative:
            flags.append("OpDefInfo::kCommutative")
        if op.pure:
            flags.append("OpDefInfo::kPure")
        if "cpu" in op.lowering:
            flags.append("OpDefInfo::kLoweredCpu")
        if "gpu" in op.lowering:
            flags.append("OpDefInfo::kLoweredGpu")
        shape_fn = SHAPE_FNS[op.shape_fn][0] if op.shape_fn else "kNone"
        out.append(f"    {{{cstr(op.name)}, {ref('Inputs', len(op.inputs))}, "
                   f"{ref('Outputs', len(op.outputs))}, {ref('Attrs', len(op.attrs))}, "
                   f"{' | '.join(flags) or '0'}, {cstr(op.summary)}, "
                   f"OpDefInfo::ShapeFnKind::{shape_fn}}},")
    out.append("};")
    return "\n".join(out) + "\n"


def gen_doc(ops):
    out = ["# Op coverage", "",
           "Generated by `dialects/graph/gen_ops.py` from `dialects/graph/ops/*.tfdef`;",
           "regenerate with `python3 dialects/graph/gen_ops.py --doc docs/op-coverage.md`",
           "(a test fails when this file is stale).", "",
           "Every op type imports: the ops below as typed `graph` ops with verifiers,",
           "any other op type as the generic `graph.node` (custom ops included).", "",
           f"{len(ops)} typed ops.", "",
           "| TF op | import | CPU lowering | GPU lowering | stateful | summary |",
           "|---|---|---|---|---|---|"]
    for op in ops:
        out.append(f"| `{op.name}` | typed | {'yes' if 'cpu' in op.lowering else 'no'} | "
                   f"{'yes' if 'gpu' in op.lowering else 'no'} | "
                   f"{'yes' if op.stateful else ''} | {op.summary} |")
    return "\n".join(out) + "\n"


def write_if_changed(path, text):
    if os.path.exists(path) and open(path).read() == text:
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ops-dir", default=os.path.join(os.path.dirname(__file__), "ops"))
    p.add_argument("--td")
    p.add_argument("--inc")
    p.add_argument("--doc")
    p.add_argument("--check-doc", help="exit 1 if this doc file is not up to date")
    args = p.parse_args()
    try:
        ops = parse_tables(sorted(glob.glob(os.path.join(args.ops_dir, "*.tfdef"))))
    except TableError as e:
        print(f"gen_ops.py: error: {e}", file=sys.stderr)
        return 1
    if args.td:
        write_if_changed(args.td, gen_td(ops))
    if args.inc:
        write_if_changed(args.inc, gen_inc(ops))
    if args.doc:
        write_if_changed(args.doc, gen_doc(ops))
    if args.check_doc:
        if not os.path.exists(args.check_doc) or open(args.check_doc).read() != gen_doc(ops):
            print(f"{args.check_doc} is stale: run python3 dialects/graph/gen_ops.py "
                  f"--doc {args.check_doc}", file=sys.stderr)
            return 1
        print(f"{args.check_doc} is up to date ({len(ops)} ops)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
