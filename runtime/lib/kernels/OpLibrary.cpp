//===- OpLibrary.cpp - Loading custom-op libraries ------------------------===//
//
// The host side of kiln_op.h: dlopen and the entry point, REGISTER_OP's
// spec syntax parsed into CustomOpDef, TF's attr checks, shape functions
// run for the compiler, and each library kernel wrapped as a HostKernel.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/OpLibrary.h"

#include "kiln/runtime/HostKernel.h"
#include "kiln/runtime/SessionState.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <deque>
#include <dlfcn.h>
#include <map>
#include <memory>
#include <mutex>
#include <set>

using namespace kiln;

//===----------------------------------------------------------------------===//
// The handles of kiln_op.h
//===----------------------------------------------------------------------===//

namespace {
struct KernelDefCopy {
  std::string op, device;
  std::vector<std::pair<std::string, DType>> constraints;
  void *(*create)(const KilnAttrs *, KilnStatus *, void *);
  void (*compute)(void *, KilnKernelContext *);
  void (*destroy)(void *);
  void *data;
};
} // namespace

struct KilnRegistrar {
  std::string library;
  std::vector<CustomOpDef> ops;
  std::vector<KernelDefCopy> kernels;
  Status error;
};

struct KilnAttrs {
  const NodeAttrs *attrs;
};

struct KilnStatus {
  Status status;
};

struct KilnTensor {
  Tensor t;
};

struct KilnShapeContext {
  const CustomOpDef *def;
  KilnAttrs attrs;
  const std::vector<ShapeFnShape> *inputs;
  std::vector<ShapeFnShape> outputs;
  std::deque<KilnTensor> values;
  Status status;
};

namespace {
class CustomKernel;
} // namespace

struct KilnKernelContext {
  const CustomKernel *kernel;
  KernelContext *ctx;
  std::deque<KilnTensor> tensors; ///< handed out; stable addresses
  std::vector<KilnTensor *> inputs;
  std::vector<Tensor> outputs;
  std::vector<std::unique_lock<std::mutex>> locks;
  Status status;
};

namespace {

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\n");
  if (b == std::string_view::npos)
    return "";
  size_t e = s.find_last_not_of(" \t\n");
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> splitList(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  char quote = 0;
  for (char c : s) {
    if (quote) {
      cur += c;
      if (c == quote)
        quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
      cur += c;
    } else if (c == ',') {
      out.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!trim(cur).empty() || !out.empty())
    out.push_back(trim(cur));
  return out;
}

bool isIdentifier(const std::string &s) {
  if (s.empty() ||
      !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_'))
    return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      return false;
  return true;
}

/// "float" or "DT_FLOAT" -> the dtype.
std::optional<DType> dtypeOfName(std::string name) {
  if (name.rfind("DT_", 0) == 0) {
    name = name.substr(3);
    for (char &c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  for (int32_t v = 1; v <= 23; ++v)
    if (isValidDType(v) && name == dtypeName(static_cast<DType>(v)))
      return static_cast<DType>(v);
  return std::nullopt;
}

const std::vector<std::string> &numberTypes(bool real) {
  static const std::vector<std::string> kNumber = {
      "float",     "double",     "int32", "uint8",  "int16",  "int8",
      "complex64", "int64",      "qint8", "quint8", "qint32", "bfloat16",
      "uint16",    "complex128", "half",  "uint32", "uint64"};
  static const std::vector<std::string> kReal = {
      "float", "double",   "int32",  "uint8", "int16",  "int8",
      "int64", "bfloat16", "uint16", "half",  "uint32", "uint64"};
  return real ? kReal : kNumber;
}

std::string unquote(const std::string &s, bool *ok) {
  *ok = s.size() >= 2 && (s.front() == '\'' || s.front() == '"') &&
        s.back() == s.front();
  return *ok ? s.substr(1, s.size() - 2) : s;
}

StatusOr<AttrValue> parseDefault(const std::string &kind,
                                 const std::string &text) {
  AttrValue v;
  auto bad = [&] {
    return errors::InvalidArgument("cannot read default '", text,
                                   "' as a value of kind ", kind);
  };
  auto scalar = [&](const std::string &k, const std::string &t,
                    AttrValue &out) -> bool {
    char *end = nullptr;
    if (k == "int") {
      out.i = std::strtoll(t.c_str(), &end, 10);
      return !t.empty() && *end == 0;
    }
    if (k == "float") {
      out.f = std::strtof(t.c_str(), &end);
      return !t.empty() && *end == 0;
    }
    if (k == "bool") {
      out.b = t == "true";
      return t == "true" || t == "false";
    }
    if (k == "type") {
      std::optional<DType> d = dtypeOfName(t);
      if (d)
        out.type = *d;
      return d.has_value();
    }
    if (k == "string") {
      bool ok = false;
      out.s = unquote(t, &ok);
      return ok;
    }
    return false;
  };
  if (kind.rfind("list(", 0) == 0) {
    std::string elem = kind.substr(5, kind.size() - 6);
    if (text.size() < 2 || text.front() != '[' || text.back() != ']')
      return bad();
    v.kind = AttrValue::Kind::kList;
    for (const std::string &item :
         splitList(std::string_view(text).substr(1, text.size() - 2))) {
      AttrValue x;
      if (!scalar(elem, item, x))
        return bad();
      if (elem == "int")
        v.list.i.push_back(x.i);
      else if (elem == "float")
        v.list.f.push_back(x.f);
      else if (elem == "bool")
        v.list.b.push_back(x.b);
      else if (elem == "type")
        v.list.type.push_back(x.type);
      else
        v.list.s.push_back(x.s);
    }
    return v;
  }
  if (!scalar(kind, text, v))
    return bad();
  static const std::map<std::string, AttrValue::Kind> kKinds = {
      {"int", AttrValue::Kind::kInt},
      {"float", AttrValue::Kind::kFloat},
      {"bool", AttrValue::Kind::kBool},
      {"type", AttrValue::Kind::kType},
      {"string", AttrValue::Kind::kString}};
  v.kind = kKinds.at(kind);
  return v;
}

/// "name: kind [>= min] [= default]".
Status parseAttrSpec(const std::string &spec, OpAttrSpec &a) {
  size_t colon = spec.find(':');
  if (colon == std::string::npos)
    return errors::InvalidArgument("attr '", spec,
                                   "' is not \"name: kind [= default]\"");
  a.name = trim(std::string_view(spec).substr(0, colon));
  if (!isIdentifier(a.name))
    return errors::InvalidArgument("attr '", spec, "': bad name");
  std::string rest = trim(std::string_view(spec).substr(colon + 1));
  // The default follows the first '=' that is no part of ">=" and outside
  // braces and quotes.
  int depth = 0;
  char quote = 0;
  for (size_t i = 0; i < rest.size(); ++i) {
    char c = rest[i];
    if (quote) {
      quote = c == quote ? 0 : quote;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '{' || c == '[' || c == '(') {
      ++depth;
    } else if (c == '}' || c == ']' || c == ')') {
      --depth;
    } else if (c == '=' && depth == 0 && (i == 0 || rest[i - 1] != '>')) {
      a.defaultText = trim(std::string_view(rest).substr(i + 1));
      rest = trim(std::string_view(rest).substr(0, i));
      break;
    }
  }
  size_t ge = rest.find(">=");
  if (ge != std::string::npos) {
    std::string m = trim(std::string_view(rest).substr(ge + 2));
    char *end = nullptr;
    a.minimum = std::strtoll(m.c_str(), &end, 10);
    if (m.empty() || *end)
      return errors::InvalidArgument("attr '", spec, "': bad minimum '", m,
                                     "'");
    rest = trim(std::string_view(rest).substr(0, ge));
  }
  if (!rest.empty() && rest.front() == '{') {
    if (rest.back() != '}')
      return errors::InvalidArgument("attr '", spec, "': unclosed '{'");
    std::vector<std::string> items =
        splitList(std::string_view(rest).substr(1, rest.size() - 2));
    bool strings =
        !items.empty() && (items[0][0] == '\'' || items[0][0] == '"');
    a.kind = strings ? "string" : "type";
    for (const std::string &item : items) {
      bool ok = true;
      std::string value = strings ? unquote(item, &ok) : item;
      if (!ok || (!strings && !dtypeOfName(value)))
        return errors::InvalidArgument("attr '", spec, "': '", item, "' is no ",
                                       strings ? "quoted string" : "dtype");
      a.allowed.push_back(strings ? value : dtypeName(*dtypeOfName(value)));
    }
  } else if (rest == "numbertype" || rest == "realnumbertype") {
    a.kind = "type";
    a.allowed = numberTypes(rest == "realnumbertype");
  } else {
    static const std::set<std::string> kKinds = {
        "int",        "float",        "bool",       "string",     "type",
        "shape",      "tensor",       "func",       "list(int)",  "list(float)",
        "list(bool)", "list(string)", "list(type)", "list(shape)"};
    if (!kKinds.count(rest))
      return errors::InvalidArgument("attr '", spec, "': unknown kind '", rest,
                                     "'");
    a.kind = rest;
  }
  if (!a.defaultText.empty()) {
    StatusOr<AttrValue> v = parseDefault(a.kind, a.defaultText);
    if (!v.ok())
      return errors::InvalidArgument("attr '", spec,
                                     "': ", v.status().message());
    a.defaultValue = std::move(*v);
  }
  return Status::OK();
}

/// "name: type" with type T, N * T, float, Ref(...), or a list(type) attr.
Status parseArgSpec(const std::string &spec,
                    const std::vector<OpAttrSpec> &attrs, OpArgSpec &arg) {
  size_t colon = spec.find(':');
  if (colon == std::string::npos)
    return errors::InvalidArgument("argument '", spec,
                                   "' is not \"name: type\"");
  arg.name = trim(std::string_view(spec).substr(0, colon));
  std::string type = trim(std::string_view(spec).substr(colon + 1));
  arg.typeText = type;
  if (!isIdentifier(arg.name))
    return errors::InvalidArgument("argument '", spec, "': bad name");
  if (type.rfind("Ref(", 0) == 0 && type.back() == ')') {
    arg.isRef = true;
    type = trim(std::string_view(type).substr(4, type.size() - 5));
  }
  auto attrOf = [&](const std::string &name) -> const OpAttrSpec * {
    for (const OpAttrSpec &a : attrs)
      if (a.name == name)
        return &a;
    return nullptr;
  };
  size_t star = type.find('*');
  if (star != std::string::npos) {
    arg.numberAttr = trim(std::string_view(type).substr(0, star));
    type = trim(std::string_view(type).substr(star + 1));
    const OpAttrSpec *n = attrOf(arg.numberAttr);
    if (!n || n->kind != "int")
      return errors::InvalidArgument("argument '", spec, "': '", arg.numberAttr,
                                     "' is no int attr");
  }
  if (std::optional<DType> d = dtypeOfName(type)) {
    arg.dtype = *d;
    return Status::OK();
  }
  const OpAttrSpec *t = attrOf(type);
  if (t && t->kind == "type") {
    arg.typeAttr = type;
    return Status::OK();
  }
  if (t && t->kind == "list(type)" && arg.numberAttr.empty()) {
    arg.typeListAttr = type;
    return Status::OK();
  }
  return errors::InvalidArgument("argument '", spec, "': '", type,
                                 "' is neither a dtype nor a type attr");
}

/// The attr's kind as an OpDef spells it: "int", "list(type)", "list()"
/// for an empty list.
std::string attrKindOf(const AttrValue &v) {
  if (v.kind != AttrValue::Kind::kList)
    return attrKindName(v.kind);
  if (!v.list.i.empty())
    return "list(int)";
  if (!v.list.f.empty())
    return "list(float)";
  if (!v.list.b.empty())
    return "list(bool)";
  if (!v.list.type.empty())
    return "list(type)";
  if (!v.list.shape.empty())
    return "list(shape)";
  if (!v.list.s.empty())
    return "list(string)";
  return "list()";
}

//===----------------------------------------------------------------------===//
// The tables
//===----------------------------------------------------------------------===//

struct LoadedLibrary {
  std::string path;
  void *handle;
};

struct OpTable {
  std::mutex mu;
  std::vector<LoadedLibrary> libraries;
  // Never erased; deque keeps addresses stable.
  std::deque<CustomOpDef> ops;
  std::map<std::string, const CustomOpDef *> byName;
  std::deque<KernelDefCopy> kernels;
};

OpTable &table() {
  static OpTable *t = new OpTable; // never destroyed: kernels run at exit
  return *t;
}

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

class CustomKernel : public HostKernel {
public:
  CustomKernel(const CustomOpDef &def, const KernelDefCopy &k, NodeAttrs attrs,
               std::vector<DType> outputTypes, std::vector<bool> refInputs)
      : def_(def), k_(k), attrs_(std::move(attrs)), cattrs_{&attrs_},
        outputTypes_(std::move(outputTypes)), refInputs_(std::move(refInputs)) {
  }
  ~CustomKernel() override {
    if (state_)
      k_.destroy(state_);
  }
  Status create() {
    KilnStatus s;
    state_ = k_.create(&cattrs_, &s, k_.data);
    if (!s.status.ok())
      return s.status;
    if (!state_)
      return errors::Internal("the kernel of ", def_.name,
                              " returned no kernel and no error");
    return Status::OK();
  }

  Status compute(KernelContext &ctx) override {
    KilnKernelContext c;
    c.kernel = this;
    c.ctx = &ctx;
    c.inputs.assign(ctx.numInputs(), nullptr);
    c.outputs.resize(outputTypes_.size());
    k_.compute(state_, &c);
    c.locks.clear();
    if (!c.status.ok())
      return Status(c.status.code(), c.status.message() + "\n\t [[{{node " +
                                         attrs_.name() + "}}]]");
    for (size_t i = 0; i < c.outputs.size(); ++i) {
      if (!c.outputs[i].isValid())
        return errors::Internal("node '", attrs_.name(), "' (", def_.name,
                                "): the kernel did not set output ", i);
      ctx.setOutput(i, std::move(c.outputs[i]));
    }
    return Status::OK();
  }

  const NodeAttrs &attrs() const { return attrs_; }
  const KilnAttrs *cattrs() const { return &cattrs_; }
  const std::vector<DType> &outputTypes() const { return outputTypes_; }
  bool isRefInput(size_t i) const {
    return i < refInputs_.size() && refInputs_[i];
  }

private:
  const CustomOpDef &def_;
  const KernelDefCopy &k_;
  NodeAttrs attrs_;
  KilnAttrs cattrs_;
  std::vector<DType> outputTypes_;
  std::vector<bool> refInputs_;
  void *state_ = nullptr;
};

StatusOr<std::unique_ptr<HostKernel>> makeCustomKernel(const CustomOpDef &def,
                                                       const NodeAttrs &raw) {
  NodeAttrs attrs = withDefaultAttrs(def, raw);
  if (Status s = checkCustomOpAttrs(def, attrs); !s.ok())
    return s;
  // The kernel whose type constraints the node meets.
  const KernelDefCopy *chosen = nullptr;
  {
    OpTable &t = table();
    std::lock_guard<std::mutex> lock(t.mu);
    for (const KernelDefCopy &k : t.kernels) {
      if (k.op != def.name || k.device != "CPU")
        continue;
      bool ok = true;
      for (const auto &[attr, type] : k.constraints) {
        StatusOr<DType> d = attrs.getType(attr);
        ok = ok && d.ok() && *d == type;
      }
      if (ok) {
        chosen = &k;
        break;
      }
    }
  }
  if (!chosen) {
    std::string types;
    for (const OpAttrSpec &a : def.attrs)
      if (a.kind == "type")
        if (StatusOr<DType> d = attrs.getType(a.name); d.ok())
          types += std::string(types.empty() ? "" : ", ") + a.name + "=" +
                   dtypeName(*d);
    return errors::NotFound("No registered '", def.name,
                            "' OpKernel for CPU devices compatible with node ",
                            attrs.name(), " (", types, ") in ", def.library);
  }
  StatusOr<std::vector<DType>> outs = expandArgs(def, def.outputs, attrs);
  if (!outs.ok())
    return outs.status();
  std::vector<bool> refs;
  for (const OpArgSpec &a : def.inputs) {
    StatusOr<std::vector<DType>> n = expandArgs(def, {a}, attrs);
    if (!n.ok())
      return n.status();
    refs.insert(refs.end(), n->size(), a.isRef);
  }
  auto k = std::make_unique<CustomKernel>(def, *chosen, std::move(attrs),
                                          std::move(*outs), std::move(refs));
  if (Status s = k->create(); !s.ok())
    return Status(s.code(),
                  s.message() + "\n\t [[{{node " + raw.name() + "}}]]");
  return std::unique_ptr<HostKernel>(std::move(k));
}

/// A library's error as a Status: an unknown code (or OK, which is no
/// error) becomes Unknown.
Status libraryStatus(KilnCode code, const char *message) {
  bool known =
      code > 0 && code <= static_cast<KilnCode>(Code::kUnauthenticated);
  return Status(known ? static_cast<Code>(code) : Code::kUnknown,
                message ? message : "");
}

KilnTensor *hold(KilnKernelContext *c, Tensor t) {
  c->tensors.push_back(KilnTensor{std::move(t)});
  return &c->tensors.back();
}

void setError(KilnKernelContext *c, Status s) {
  if (c->status.ok())
    c->status = std::move(s);
}

StatusOr<TensorShape> shapeOf(int64_t rank, const int64_t *dims) {
  if (rank < 0 || (rank > 0 && !dims))
    return errors::InvalidArgument("bad rank ", rank);
  std::vector<int64_t> d(dims, dims + rank);
  for (int64_t x : d)
    if (x < 0)
      return errors::InvalidArgument("negative dimension ", x);
  return TensorShape(std::move(d));
}

//===----------------------------------------------------------------------===//
// The host table
//===----------------------------------------------------------------------===//

template <typename T, typename Get>
int attrList(const KilnAttrs *a, const char *name, T *out, size_t cap,
             size_t *n, Get get) {
  const AttrValue *v = a->attrs->find(name);
  if (!v || v->kind != AttrValue::Kind::kList)
    return 0;
  const auto &items = get(v->list);
  *n = items.size();
  for (size_t i = 0; i < items.size() && i < cap; ++i)
    out[i] = static_cast<T>(items[i]);
  return 1;
}

const AttrValue *attrOfKind(const KilnAttrs *a, const char *name,
                            AttrValue::Kind kind) {
  const AttrValue *v = a->attrs->find(name);
  return v && v->kind == kind ? v : nullptr;
}

const KilnHostApi &hostApi() {
  static const KilnHostApi api = [] {
    KilnHostApi h{};
    h.abi_version = KILN_OP_ABI_VERSION;
    h.struct_size = sizeof(KilnHostApi);
    h.register_op = [](KilnRegistrar *r, const KilnOpDef *d) {
      if (!r->error.ok())
        return;
      CustomOpDef def;
      def.name = d->name ? d->name : "";
      def.library = r->library;
      def.stateful = d->stateful != 0;
      def.shapeFn = d->shape_fn;
      def.shapeFnData = d->shape_fn_data;
      def.doc = d->doc ? d->doc : "";
      auto fail = [&](const Status &s) {
        r->error = errors::InvalidArgument("op library ", r->library, ": op ",
                                           def.name, ": ", s.message());
      };
      if (!isIdentifier(def.name))
        return fail(errors::InvalidArgument("bad op name"));
      for (size_t i = 0; i < d->num_attrs; ++i) {
        OpAttrSpec a;
        if (Status s = parseAttrSpec(d->attrs[i], a); !s.ok())
          return fail(s);
        def.attrs.push_back(std::move(a));
      }
      auto args = [&](const char *const *specs, size_t n,
                      std::vector<OpArgSpec> &out) {
        for (size_t i = 0; i < n; ++i) {
          OpArgSpec a;
          if (Status s = parseArgSpec(specs[i], def.attrs, a); !s.ok())
            return s;
          out.push_back(std::move(a));
        }
        return Status::OK();
      };
      if (Status s = args(d->inputs, d->num_inputs, def.inputs); !s.ok())
        return fail(s);
      if (Status s = args(d->outputs, d->num_outputs, def.outputs); !s.ok())
        return fail(s);
      for (const OpArgSpec &a : def.outputs)
        if (a.isRef)
          return fail(errors::InvalidArgument(
              "output '", a.name, "': Ref outputs are not supported"));
      r->ops.push_back(std::move(def));
    };
    h.register_kernel = [](KilnRegistrar *r, const KilnKernelDef *d) {
      if (!r->error.ok())
        return;
      KernelDefCopy k;
      k.op = d->op ? d->op : "";
      k.device = d->device ? d->device : "CPU";
      for (size_t i = 0; i < d->num_constraints; ++i) {
        if (!isValidDType(d->constraint_types[i])) {
          r->error = errors::InvalidArgument(
              "op library ", r->library, ": kernel of ", k.op, ": bad dtype ",
              d->constraint_types[i], " for '", d->constraint_attrs[i], "'");
          return;
        }
        k.constraints.emplace_back(d->constraint_attrs[i],
                                   static_cast<DType>(d->constraint_types[i]));
      }
      k.create = d->create;
      k.compute = d->compute;
      k.destroy = d->destroy;
      k.data = d->data;
      if (!k.create || !k.compute || !k.destroy) {
        r->error =
            errors::InvalidArgument("op library ", r->library, ": kernel of ",
                                    k.op, " lacks create/compute/destroy");
        return;
      }
      r->kernels.push_back(std::move(k));
    };
    h.set_status = [](KilnStatus *s, KilnCode code, const char *message) {
      s->status = libraryStatus(code, message);
    };
    h.node_name = [](const KilnAttrs *a) { return a->attrs->name().c_str(); };
    h.attr_int = [](const KilnAttrs *a, const char *name, int64_t *out) {
      const AttrValue *v = attrOfKind(a, name, AttrValue::Kind::kInt);
      if (v)
        *out = v->i;
      return v ? 1 : 0;
    };
    h.attr_float = [](const KilnAttrs *a, const char *name, float *out) {
      const AttrValue *v = attrOfKind(a, name, AttrValue::Kind::kFloat);
      if (v)
        *out = v->f;
      return v ? 1 : 0;
    };
    h.attr_bool = [](const KilnAttrs *a, const char *name, int32_t *out) {
      const AttrValue *v = attrOfKind(a, name, AttrValue::Kind::kBool);
      if (v)
        *out = v->b;
      return v ? 1 : 0;
    };
    h.attr_type = [](const KilnAttrs *a, const char *name, KilnDataType *out) {
      const AttrValue *v = attrOfKind(a, name, AttrValue::Kind::kType);
      if (v)
        *out = static_cast<KilnDataType>(v->type);
      return v ? 1 : 0;
    };
    h.attr_string = [](const KilnAttrs *a, const char *name, const char **data,
                       size_t *size) {
      const AttrValue *v = attrOfKind(a, name, AttrValue::Kind::kString);
      if (v) {
        *data = v->s.data();
        *size = v->s.size();
      }
      return v ? 1 : 0;
    };
    h.attr_int_list = [](const KilnAttrs *a, const char *name, int64_t *out,
                         size_t cap, size_t *n) {
      return attrList(
          a, name, out, cap, n,
          [](const AttrValue::List &l) -> const auto & { return l.i; });
    };
    h.attr_float_list = [](const KilnAttrs *a, const char *name, float *out,
                           size_t cap, size_t *n) {
      return attrList(
          a, name, out, cap, n,
          [](const AttrValue::List &l) -> const auto & { return l.f; });
    };
    h.attr_type_list = [](const KilnAttrs *a, const char *name,
                          KilnDataType *out, size_t cap, size_t *n) {
      return attrList(
          a, name, out, cap, n,
          [](const AttrValue::List &l) -> const auto & { return l.type; });
    };

    h.shape_attrs = [](KilnShapeContext *c) -> const KilnAttrs * {
      return &c->attrs;
    };
    h.shape_num_inputs = [](KilnShapeContext *c) { return c->inputs->size(); };
    h.shape_num_outputs = [](KilnShapeContext *c) { return c->outputs.size(); };
    h.shape_input_rank = [](KilnShapeContext *c, size_t i) -> int64_t {
      return i < c->inputs->size() ? (*c->inputs)[i].rank : -1;
    };
    h.shape_input_dim = [](KilnShapeContext *c, size_t i, size_t d) -> int64_t {
      if (i >= c->inputs->size() || d >= (*c->inputs)[i].dims.size())
        return -1;
      return (*c->inputs)[i].dims[d];
    };
    h.shape_input_tensor = [](KilnShapeContext *c,
                              size_t i) -> const KilnTensor * {
      if (i >= c->inputs->size() || !(*c->inputs)[i].value)
        return nullptr;
      c->values.push_back(KilnTensor{*(*c->inputs)[i].value});
      return &c->values.back();
    };
    h.shape_set_output = [](KilnShapeContext *c, size_t i, int64_t rank,
                            const int64_t *dims) {
      if (i >= c->outputs.size()) {
        if (c->status.ok())
          c->status = errors::InvalidArgument("shape function set output ", i,
                                              " of ", c->outputs.size());
        return;
      }
      ShapeFnShape s;
      s.rank = rank < 0 ? -1 : rank;
      for (int64_t d = 0; d < s.rank; ++d)
        s.dims.push_back(dims[d] < 0 ? -1 : dims[d]);
      c->outputs[i] = std::move(s);
    };
    h.shape_set_error = [](KilnShapeContext *c, KilnCode code,
                           const char *message) {
      if (c->status.ok())
        c->status = libraryStatus(code, message);
    };

    h.kernel_attrs = [](KilnKernelContext *c) -> const KilnAttrs * {
      return c->kernel->cattrs();
    };
    h.num_inputs = [](KilnKernelContext *c) { return c->inputs.size(); };
    h.num_outputs = [](KilnKernelContext *c) { return c->outputs.size(); };
    h.input = [](KilnKernelContext *c, size_t i) -> const KilnTensor * {
      if (i >= c->inputs.size()) {
        setError(
            c, errors::InvalidArgument("input ", i, " of ", c->inputs.size()));
        return nullptr;
      }
      if (!c->inputs[i]) {
        if (c->kernel->isRefInput(i)) {
          StatusOr<Variable *> var = c->ctx->resource<Variable>(i);
          StatusOr<Tensor> value =
              var.ok() ? (*var)->snapshot() : StatusOr<Tensor>(var.status());
          if (!value.ok()) {
            setError(c, value.status());
            return nullptr;
          }
          c->inputs[i] = hold(c, std::move(*value));
        } else {
          c->inputs[i] = hold(c, c->ctx->input(i));
        }
      }
      return c->inputs[i];
    };
    h.mutable_input = [](KilnKernelContext *c, size_t i,
                         int32_t lock) -> KilnTensor * {
      if (i >= c->inputs.size() || !c->kernel->isRefInput(i)) {
        setError(c, errors::InvalidArgument("mutable_input(", i, "): input ", i,
                                            " is no Ref input of the op"));
        return nullptr;
      }
      StatusOr<Variable *> var = c->ctx->resource<Variable>(i);
      if (!var.ok()) {
        setError(c, var.status());
        return nullptr;
      }
      std::unique_lock<std::mutex> guard;
      StatusOr<Tensor> value = (*var)->valueInPlace(lock ? &guard : nullptr);
      if (!value.ok()) {
        setError(c, value.status());
        return nullptr;
      }
      if (lock)
        c->locks.push_back(std::move(guard));
      return hold(c, std::move(*value));
    };
    h.allocate_output = [](KilnKernelContext *c, size_t i, int64_t rank,
                           const int64_t *dims) -> KilnTensor * {
      if (i >= c->outputs.size()) {
        setError(c, errors::InvalidArgument("allocate_output(", i,
                                            "): the op has ", c->outputs.size(),
                                            " outputs"));
        return nullptr;
      }
      StatusOr<TensorShape> shape = shapeOf(rank, dims);
      if (!shape.ok()) {
        setError(c, shape.status());
        return nullptr;
      }
      DType t = c->kernel->outputTypes()[i];
      if (!isPodDType(t)) {
        setError(c, errors::Unimplemented("allocate_output(", i,
                                          "): ", dtypeName(t),
                                          " outputs are not supported"));
        return nullptr;
      }
      Tensor out = Tensor::uninitialized(t, std::move(*shape));
      c->outputs[i] = out;
      return hold(c, std::move(out));
    };
    h.set_output = [](KilnKernelContext *c, size_t i, const KilnTensor *t) {
      if (i >= c->outputs.size() || !t) {
        setError(c, errors::InvalidArgument("set_output(", i, ")"));
        return 0;
      }
      if (t->t.dtype() != c->kernel->outputTypes()[i]) {
        setError(c, errors::InvalidArgument(
                        "set_output(", i, "): a ", dtypeName(t->t.dtype()),
                        " tensor for an output of ",
                        dtypeName(c->kernel->outputTypes()[i])));
        return 0;
      }
      c->outputs[i] = t->t;
      return 1;
    };
    h.kernel_set_error = [](KilnKernelContext *c, KilnCode code,
                            const char *message) {
      setError(c, libraryStatus(code, message));
    };
    h.allocate_temp = [](KilnKernelContext *c, KilnDataType dtype, int64_t rank,
                         const int64_t *dims) -> KilnTensor * {
      StatusOr<TensorShape> shape = shapeOf(rank, dims);
      if (!shape.ok() || !isValidDType(dtype) ||
          !isPodDType(static_cast<DType>(dtype))) {
        setError(c, shape.ok() ? errors::InvalidArgument(
                                     "allocate_temp: bad dtype ", dtype)
                               : shape.status());
        return nullptr;
      }
      return hold(c, Tensor::uninitialized(static_cast<DType>(dtype),
                                           std::move(*shape)));
    };

    h.tensor_dtype = [](const KilnTensor *t) {
      return static_cast<KilnDataType>(t->t.dtype());
    };
    h.tensor_rank = [](const KilnTensor *t) -> int64_t {
      return t->t.shape().rank();
    };
    h.tensor_dim = [](const KilnTensor *t, int64_t d) -> int64_t {
      return d >= 0 && d < t->t.shape().rank()
                 ? t->t.shape().dim(static_cast<int>(d))
                 : -1;
    };
    h.tensor_num_elements = [](const KilnTensor *t) -> int64_t {
      return t->t.numElements();
    };
    h.tensor_data = [](const KilnTensor *t) -> void * {
      return const_cast<Tensor &>(t->t).raw();
    };
    return h;
  }();
  return api;
}

} // namespace

//===----------------------------------------------------------------------===//
// Public functions
//===----------------------------------------------------------------------===//

const OpAttrSpec *CustomOpDef::findAttr(const std::string &attr) const {
  for (const OpAttrSpec &a : attrs)
    if (a.name == attr)
      return &a;
  return nullptr;
}

std::string CustomOpDef::summary() const {
  std::string s = "Op<name=" + name + "; signature=";
  auto args = [](const std::vector<OpArgSpec> &v) {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i)
      out += (i ? ", " : "") + v[i].name + ":" + v[i].typeText;
    return out;
  };
  s += args(inputs) + " -> " + args(outputs);
  for (const OpAttrSpec &a : attrs) {
    s += "; attr=" + a.name + ":" + a.kind;
    if (!a.allowed.empty()) {
      s += ",allowed=[";
      for (size_t i = 0; i < a.allowed.size(); ++i)
        s += (i ? ", " : "") + a.allowed[i];
      s += "]";
    }
    if (!a.defaultText.empty())
      s += ",default=" + a.defaultText;
  }
  return s + ">";
}

Status kiln::loadOpLibrary(const std::string &path) {
  OpTable &t = table();
  // One load at a time, so that no library's entry point runs twice.
  static std::mutex loading;
  std::lock_guard<std::mutex> one(loading);
  {
    std::lock_guard<std::mutex> lock(t.mu);
    for (const LoadedLibrary &l : t.libraries)
      if (l.path == path)
        return Status::OK();
  }
  void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = dlerror();
    return errors::NotFound("could not load op library ", path, ": ",
                            why ? why : "dlopen failed");
  }
  {
    // The same library by another name (its file name after its path, as
    // a compiled model loads a library linked into the program).
    std::lock_guard<std::mutex> lock(t.mu);
    for (const LoadedLibrary &l : t.libraries)
      if (l.handle == handle) {
        dlclose(handle); // the extra reference dlopen just took
        t.libraries.push_back({path, handle});
        return Status::OK();
      }
  }
  auto entry =
      reinterpret_cast<KilnOpLibraryFn>(dlsym(handle, KILN_OP_LIBRARY_SYMBOL));
  if (!entry) {
    dlclose(handle);
    return errors::InvalidArgument(
        path, " is no Kiln op library: it does not define ",
        KILN_OP_LIBRARY_SYMBOL, " (include kiln/op/OpKernel.h)");
  }
  KilnRegistrar r;
  r.library = path;
  KilnStatus status;
  if (entry(&hostApi(), &r, &status) != 0) {
    // The library may keep pointers into itself; it stays loaded.
    return status.status.ok()
               ? errors::Internal("op library ", path, " failed to load")
               : Status(status.status.code(),
                        "op library " + path + ": " + status.status.message());
  }
  if (!r.error.ok())
    return r.error;
  std::lock_guard<std::mutex> lock(t.mu);
  for (const CustomOpDef &d : r.ops) {
    auto it = t.byName.find(d.name);
    if (it != t.byName.end())
      return errors::AlreadyExists("op ", d.name, " of ", path,
                                   " is already registered by ",
                                   it->second->library);
    if (findHostKernel(d.name))
      return errors::AlreadyExists("op ", d.name, " of ", path,
                                   " is one of Kiln's own");
  }
  for (CustomOpDef &d : r.ops) {
    t.ops.push_back(std::move(d));
    const CustomOpDef *def = &t.ops.back();
    t.byName[def->name] = def;
    registerHostKernel(def->name, [def](const NodeAttrs &attrs) {
      return makeCustomKernel(*def, attrs);
    });
  }
  for (KernelDefCopy &k : r.kernels)
    t.kernels.push_back(std::move(k));
  t.libraries.push_back({path, handle});
  return Status::OK();
}

const CustomOpDef *kiln::findCustomOp(const std::string &opType) {
  OpTable &t = table();
  std::lock_guard<std::mutex> lock(t.mu);
  auto it = t.byName.find(opType);
  return it == t.byName.end() ? nullptr : it->second;
}

std::vector<const CustomOpDef *> kiln::customOps() {
  OpTable &t = table();
  std::lock_guard<std::mutex> lock(t.mu);
  std::vector<const CustomOpDef *> out;
  for (const CustomOpDef &d : t.ops)
    out.push_back(&d);
  return out;
}

NodeAttrs kiln::withDefaultAttrs(const CustomOpDef &def,
                                 const NodeAttrs &attrs) {
  NodeAttrs out = attrs;
  for (const OpAttrSpec &a : def.attrs)
    if (a.defaultValue && !out.has(a.name))
      out.set(a.name, *a.defaultValue);
  return out;
}

StatusOr<std::vector<DType>>
kiln::expandArgs(const CustomOpDef &def, const std::vector<OpArgSpec> &args,
                 const NodeAttrs &attrs) {
  std::vector<DType> out;
  for (const OpArgSpec &a : args) {
    if (!a.typeListAttr.empty()) {
      StatusOr<std::vector<DType>> l = attrs.getTypeList(a.typeListAttr);
      if (!l.ok())
        return errors::InvalidArgument("NodeDef missing attr '", a.typeListAttr,
                                       "' from ", def.summary());
      out.insert(out.end(), l->begin(), l->end());
      continue;
    }
    DType t = a.dtype;
    if (!a.typeAttr.empty()) {
      StatusOr<DType> d = attrs.getType(a.typeAttr);
      if (!d.ok())
        return errors::InvalidArgument("NodeDef missing attr '", a.typeAttr,
                                       "' from ", def.summary());
      t = *d;
    }
    int64_t n = 1;
    if (!a.numberAttr.empty()) {
      StatusOr<int64_t> v = attrs.getInt(a.numberAttr);
      if (!v.ok())
        return errors::InvalidArgument("NodeDef missing attr '", a.numberAttr,
                                       "' from ", def.summary());
      n = *v;
    }
    out.insert(out.end(), static_cast<size_t>(std::max<int64_t>(n, 0)), t);
  }
  return out;
}

Status kiln::checkCustomOpAttrs(const CustomOpDef &def,
                                const NodeAttrs &attrs) {
  for (const std::string &name : attrs.names()) {
    if (name.empty() || name[0] == '_')
      continue;
    if (!def.findAttr(name))
      return errors::InvalidArgument("NodeDef mentions attr '", name,
                                     "' not in ", def.summary(),
                                     "; NodeDef: ", attrs.name());
  }
  for (const OpAttrSpec &a : def.attrs) {
    const AttrValue *v = attrs.find(a.name);
    if (!v)
      return errors::InvalidArgument("NodeDef missing attr '", a.name,
                                     "' from ", def.summary(),
                                     "; NodeDef: ", attrs.name());
    std::string kind = attrKindOf(*v);
    bool emptyList = kind == "list()" && a.kind.rfind("list(", 0) == 0;
    if (kind != a.kind && !emptyList)
      return errors::InvalidArgument("AttrValue had value with type '", kind,
                                     "' when '", a.kind,
                                     "' expected\n\t for attr '", a.name,
                                     "'\n\t; NodeDef: ", attrs.name());
    if (!a.allowed.empty()) {
      std::string value;
      if (a.kind == "type")
        value = dtypeName(v->type);
      else if (a.kind == "string")
        value = v->s;
      if (!value.empty() && std::find(a.allowed.begin(), a.allowed.end(),
                                      value) == a.allowed.end()) {
        std::string list;
        for (size_t i = 0; i < a.allowed.size(); ++i)
          list += (i ? ", " : "") + a.allowed[i];
        return errors::InvalidArgument("Value for attr '", a.name, "' of ",
                                       value,
                                       " is not in the list of allowed "
                                       "values: ",
                                       list, "\n\t; NodeDef: ", attrs.name());
      }
    }
    if (a.minimum) {
      int64_t n =
          a.kind == "int" ? v->i
          : a.kind.rfind("list(", 0) == 0
              ? static_cast<int64_t>(v->list.i.size() + v->list.f.size() +
                                     v->list.b.size() + v->list.type.size() +
                                     v->list.s.size() + v->list.shape.size())
              : *a.minimum;
      if (n < *a.minimum)
        return errors::InvalidArgument(
            a.kind == "int" ? "Value for attr '" : "Length for attr '", a.name,
            "' of ", n, " must be at least minimum ", *a.minimum,
            "\n\t; NodeDef: ", attrs.name());
    }
  }
  return Status::OK();
}

StatusOr<std::vector<ShapeFnShape>>
kiln::runShapeFn(const CustomOpDef &def, const NodeAttrs &attrs,
                 const std::vector<ShapeFnShape> &inputs, size_t numOutputs) {
  KilnShapeContext c;
  c.def = &def;
  NodeAttrs full = withDefaultAttrs(def, attrs);
  c.attrs.attrs = &full;
  c.inputs = &inputs;
  c.outputs.resize(numOutputs);
  if (def.shapeFn) {
    // The library's host table is set by its entry point; shape functions
    // only run after loading.
    def.shapeFn(&c, def.shapeFnData);
  }
  if (!c.status.ok())
    return c.status;
  return std::move(c.outputs);
}
