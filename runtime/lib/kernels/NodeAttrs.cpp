//===- NodeAttrs.cpp - Decoding a NodeDef's attrs -------------------------===//
//
// Field numbers (tensorflow/core/framework/{node_def,attr_value,
// tensor_shape}.proto): NodeDef name=1 op=2 input=3 device=4 attr=5 (map
// entries key=1 value=2); AttrValue list=1 s=2 i=3 f=4 b=5 type=6 shape=7
// tensor=8 placeholder=9 func=10; ListValue s=2 i=3 f=4 b=5 type=6 shape=7
// tensor=8 func=9; TensorShapeProto dim=2 (size=1 name=2) unknown_rank=3.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/NodeAttrs.h"
#include "kiln/runtime/Wire.h"

#include <cstring>

using namespace kiln;

namespace {

using wire::WireType;

/// A cursor over one message's fields.
class Fields {
public:
  explicit Fields(std::string_view in) : in_(in) {}
  /// Reads the next field's tag; false at the end or on a malformed tag.
  bool next() {
    if (in_.empty())
      return false;
    uint32_t tag;
    if (!wire::getVarint32(in_, &tag)) {
      bad_ = true;
      return false;
    }
    field_ = tag >> 3;
    type_ = tag & 7;
    return true;
  }
  uint32_t field() const { return field_; }
  uint32_t type() const { return type_; }
  bool bad() const { return bad_; }

  bool varint(uint64_t *v) {
    return check(type_ == wire::kVarint && wire::getVarint64(in_, v));
  }
  bool bytes(std::string_view *v) {
    uint64_t n;
    if (!check(type_ == wire::kLengthDelimited && wire::getVarint64(in_, &n) &&
               n <= in_.size()))
      return false;
    *v = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  bool fixed32(uint32_t *v) {
    if (!check(type_ == wire::kFixed32 && in_.size() >= 4))
      return false;
    *v = wire::getFixed32(in_.data());
    in_.remove_prefix(4);
    return true;
  }
  bool skip() { return check(wire::skipField(in_, type_)); }

  /// A repeated varint field, packed or not: calls `each(value)` per
  /// element. `repeatedFixed32` is the same for fixed32 (float) fields.
  template <typename Each> bool repeated(Each each) {
    if (type_ == wire::kLengthDelimited) {
      std::string_view packed;
      if (!bytes(&packed))
        return false;
      while (!packed.empty()) {
        uint64_t v;
        if (!check(wire::getVarint64(packed, &v)))
          return false;
        each(v);
      }
      return true;
    }
    uint64_t v;
    if (!varint(&v))
      return false;
    each(v);
    return true;
  }
  template <typename Each> bool repeatedFixed32(Each each) {
    if (type_ == wire::kLengthDelimited) {
      std::string_view packed;
      if (!bytes(&packed) || !check(packed.size() % 4 == 0))
        return false;
      for (size_t k = 0; k < packed.size(); k += 4)
        each(wire::getFixed32(packed.data() + k));
      return true;
    }
    uint32_t v;
    if (!fixed32(&v))
      return false;
    each(v);
    return true;
  }

private:
  bool check(bool ok) {
    if (!ok)
      bad_ = true;
    return ok;
  }
  std::string_view in_;
  uint32_t field_ = 0;
  uint32_t type_ = 0;
  bool bad_ = false;
};

float floatOfBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

DType dtypeOfEnum(uint64_t v) {
  return isValidDType(static_cast<int32_t>(v)) ? static_cast<DType>(v)
                                               : DType::kInvalid;
}

bool parseShape(std::string_view in, PartialShape *out) {
  out->unknownRank = false;
  out->dims.clear();
  Fields f(in);
  while (f.next()) {
    if (f.field() == 2) {
      std::string_view dim;
      if (!f.bytes(&dim))
        return false;
      int64_t size = 0;
      Fields d(dim);
      while (d.next()) {
        uint64_t v;
        if (d.field() == 1) {
          if (!d.varint(&v))
            return false;
          size = static_cast<int64_t>(v);
        } else if (!d.skip()) {
          return false;
        }
      }
      if (d.bad())
        return false;
      out->dims.push_back(size);
    } else if (f.field() == 3) {
      uint64_t v;
      if (!f.varint(&v))
        return false;
      out->unknownRank = v != 0;
    } else if (!f.skip()) {
      return false;
    }
  }
  if (out->unknownRank)
    out->dims.clear();
  return !f.bad();
}

bool parseList(std::string_view in, AttrValue::List *out) {
  Fields f(in);
  while (f.next()) {
    std::string_view bytes;
    switch (f.field()) {
    case 2:
      if (!f.bytes(&bytes))
        return false;
      out->s.emplace_back(bytes);
      break;
    case 3:
      if (!f.repeated(
              [&](uint64_t v) { out->i.push_back(static_cast<int64_t>(v)); }))
        return false;
      break;
    case 4:
      if (!f.repeatedFixed32(
              [&](uint32_t v) { out->f.push_back(floatOfBits(v)); }))
        return false;
      break;
    case 5:
      if (!f.repeated([&](uint64_t v) { out->b.push_back(v != 0); }))
        return false;
      break;
    case 6:
      if (!f.repeated([&](uint64_t v) { out->type.push_back(dtypeOfEnum(v)); }))
        return false;
      break;
    case 7: {
      PartialShape s;
      if (!f.bytes(&bytes) || !parseShape(bytes, &s))
        return false;
      out->shape.push_back(std::move(s));
      break;
    }
    default:
      if (!f.skip())
        return false;
    }
  }
  return !f.bad();
}

bool parseAttrValue(std::string_view in, AttrValue *out) {
  Fields f(in);
  while (f.next()) {
    std::string_view bytes;
    uint64_t v;
    uint32_t bits;
    switch (f.field()) {
    case 1:
      out->kind = AttrValue::Kind::kList;
      if (!f.bytes(&bytes) || !parseList(bytes, &out->list))
        return false;
      break;
    case 2:
      out->kind = AttrValue::Kind::kString;
      if (!f.bytes(&bytes))
        return false;
      out->s.assign(bytes);
      break;
    case 3:
      out->kind = AttrValue::Kind::kInt;
      if (!f.varint(&v))
        return false;
      out->i = static_cast<int64_t>(v);
      break;
    case 4:
      out->kind = AttrValue::Kind::kFloat;
      if (!f.fixed32(&bits))
        return false;
      out->f = floatOfBits(bits);
      break;
    case 5:
      out->kind = AttrValue::Kind::kBool;
      if (!f.varint(&v))
        return false;
      out->b = v != 0;
      break;
    case 6:
      out->kind = AttrValue::Kind::kType;
      if (!f.varint(&v))
        return false;
      out->type = dtypeOfEnum(v);
      break;
    case 7:
      out->kind = AttrValue::Kind::kShape;
      if (!f.bytes(&bytes) || !parseShape(bytes, &out->shape))
        return false;
      break;
    case 8:
      out->kind = AttrValue::Kind::kTensor;
      if (!f.bytes(&bytes))
        return false;
      out->s.assign(bytes);
      break;
    case 9:
    case 10:
      out->kind = f.field() == 9 ? AttrValue::Kind::kPlaceholder
                                 : AttrValue::Kind::kFunc;
      if (!f.skip())
        return false;
      break;
    default:
      if (!f.skip())
        return false;
    }
  }
  return !f.bad();
}

} // namespace

std::string PartialShape::toString() const {
  if (unknownRank)
    return "<unknown>";
  std::string s = "[";
  for (size_t k = 0; k < dims.size(); ++k)
    s += (k ? "," : "") +
         (dims[k] < 0 ? std::string("?") : std::to_string(dims[k]));
  return s + "]";
}

StatusOr<NodeAttrs> NodeAttrs::parse(std::string_view nodeDef) {
  NodeAttrs out;
  Fields f(nodeDef);
  auto malformed = [] { return errors::DataLoss("malformed NodeDef"); };
  while (f.next()) {
    std::string_view bytes;
    switch (f.field()) {
    case 1:
    case 2:
      if (!f.bytes(&bytes))
        return malformed();
      (f.field() == 1 ? out.name_ : out.op_).assign(bytes);
      break;
    case 5: {
      if (!f.bytes(&bytes))
        return malformed();
      std::string key;
      AttrValue value;
      Fields e(bytes);
      while (e.next()) {
        std::string_view part;
        if (e.field() == 1 && e.bytes(&part))
          key.assign(part);
        else if (e.field() == 2 && e.bytes(&part)) {
          if (!parseAttrValue(part, &value))
            return malformed();
        } else if (e.bad() || !e.skip())
          return malformed();
      }
      if (e.bad())
        return malformed();
      out.attrs_[key] = std::move(value);
      break;
    }
    default:
      if (!f.skip())
        return malformed();
    }
  }
  if (f.bad())
    return malformed();
  return out;
}

const AttrValue *NodeAttrs::find(const std::string &attr) const {
  auto it = attrs_.find(attr);
  return it == attrs_.end() ? nullptr : &it->second;
}

StatusOr<const AttrValue *> NodeAttrs::lookup(const std::string &attr,
                                              AttrValue::Kind kind,
                                              const char *typeName) const {
  const AttrValue *v = find(attr);
  if (!v)
    return errors::NotFound("No attr named '", attr, "' in NodeDef '", name_,
                            "' (", op_, ")");
  if (v->kind != kind)
    return errors::InvalidArgument(
        "AttrValue had value with type '", attrKindName(v->kind), "' when '",
        typeName, "' expected (attr '", attr, "' of node '", name_, "')");
  return v;
}

#define KILN_ATTR_GETTER(Method, Ret, K, TypeName, Member)                     \
  StatusOr<Ret> NodeAttrs::Method(const std::string &attr) const {             \
    StatusOr<const AttrValue *> v =                                            \
        lookup(attr, AttrValue::Kind::K, TypeName);                            \
    if (!v.ok())                                                               \
      return v.status();                                                       \
    return Ret((*v)->Member);                                                  \
  }
KILN_ATTR_GETTER(getInt, int64_t, kInt, "int", i)
KILN_ATTR_GETTER(getFloat, float, kFloat, "float", f)
KILN_ATTR_GETTER(getBool, bool, kBool, "bool", b)
KILN_ATTR_GETTER(getString, std::string, kString, "string", s)
KILN_ATTR_GETTER(getType, DType, kType, "type", type)
KILN_ATTR_GETTER(getShape, PartialShape, kShape, "shape", shape)
KILN_ATTR_GETTER(getIntList, std::vector<int64_t>, kList, "list(int)", list.i)
KILN_ATTR_GETTER(getStringList, std::vector<std::string>, kList, "list(string)",
                 list.s)
KILN_ATTR_GETTER(getTypeList, std::vector<DType>, kList, "list(type)",
                 list.type)
KILN_ATTR_GETTER(getShapeList, std::vector<PartialShape>, kList, "list(shape)",
                 list.shape)
#undef KILN_ATTR_GETTER

StatusOr<int64_t> NodeAttrs::getInt(const std::string &attr,
                                    int64_t dflt) const {
  return has(attr) ? getInt(attr) : StatusOr<int64_t>(dflt);
}

StatusOr<bool> NodeAttrs::getBool(const std::string &attr, bool dflt) const {
  return has(attr) ? getBool(attr) : StatusOr<bool>(dflt);
}

StatusOr<std::string> NodeAttrs::getString(const std::string &attr,
                                           std::string dflt) const {
  return has(attr) ? getString(attr) : StatusOr<std::string>(std::move(dflt));
}

const char *kiln::attrKindName(AttrValue::Kind k) {
  switch (k) {
  case AttrValue::Kind::kString:
    return "string";
  case AttrValue::Kind::kInt:
    return "int";
  case AttrValue::Kind::kFloat:
    return "float";
  case AttrValue::Kind::kBool:
    return "bool";
  case AttrValue::Kind::kType:
    return "type";
  case AttrValue::Kind::kShape:
    return "shape";
  case AttrValue::Kind::kTensor:
    return "tensor";
  case AttrValue::Kind::kList:
    return "list";
  case AttrValue::Kind::kFunc:
    return "func";
  case AttrValue::Kind::kPlaceholder:
    return "placeholder";
  case AttrValue::Kind::kNone:
    break;
  }
  return "none";
}
