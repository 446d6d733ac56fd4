//===- NodeAttrs.h - A node's name, op type and attrs -----------*- C++ -*-===//
//
// What a host kernel knows about the node it runs for, decoded from the
// node's serialized `NodeDef` (the compiler embeds it next to the call) with
// the runtime's own wire reader, so the runtime needs no protobuf library.
// Getters answer TF's errors for a missing attr or one of another type.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_NODEATTRS_H
#define KILN_RUNTIME_NODEATTRS_H

#include "kiln/runtime/DType.h"
#include "kiln/runtime/Status.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kiln {

/// A TensorShapeProto as attrs carry it: unknown rank, or dims with -1 for
/// an unknown size.
struct PartialShape {
  bool unknownRank = true;
  std::vector<int64_t> dims;
  std::string toString() const;
};

/// One AttrValue. `kind` says which member is set.
struct AttrValue {
  enum class Kind {
    kNone,
    kString,
    kInt,
    kFloat,
    kBool,
    kType,
    kShape,
    kTensor,
    kList,
    kFunc,
    kPlaceholder
  };
  Kind kind = Kind::kNone;
  std::string s; // kString; kTensor: the serialized TensorProto
  int64_t i = 0;
  float f = 0;
  bool b = false;
  DType type = DType::kInvalid;
  PartialShape shape;
  struct List {
    std::vector<std::string> s;
    std::vector<int64_t> i;
    std::vector<float> f;
    std::vector<bool> b;
    std::vector<DType> type;
    std::vector<PartialShape> shape;
  } list;
};

/// TF's name of an attr kind in errors: "int", "list", "func", ...
const char *attrKindName(AttrValue::Kind kind);

class NodeAttrs {
public:
  /// Decodes a serialized NodeDef; DataLoss when the bytes are malformed.
  static StatusOr<NodeAttrs> parse(std::string_view nodeDef);

  const std::string &name() const { return name_; }
  const std::string &op() const { return op_; }
  bool has(const std::string &attr) const { return attrs_.count(attr) != 0; }
  const AttrValue *find(const std::string &attr) const;
  /// Sets (or replaces) an attr, as TF adds an op's defaults to a node.
  void set(const std::string &attr, AttrValue value) {
    attrs_[attr] = std::move(value);
  }
  /// The attrs' names, sorted.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto &kv : attrs_)
      out.push_back(kv.first);
    return out;
  }

  /// Typed getters. A missing attr is NotFound "No attr named 'x' in
  /// NodeDef ...", one of another kind InvalidArgument "AttrValue had value
  /// with type 'a' when 'b' expected ...", in the words of TF's GetNodeAttr.
  StatusOr<int64_t> getInt(const std::string &attr) const;
  StatusOr<float> getFloat(const std::string &attr) const;
  StatusOr<bool> getBool(const std::string &attr) const;
  StatusOr<std::string> getString(const std::string &attr) const;
  StatusOr<DType> getType(const std::string &attr) const;
  StatusOr<PartialShape> getShape(const std::string &attr) const;
  StatusOr<std::vector<int64_t>> getIntList(const std::string &attr) const;
  StatusOr<std::vector<std::string>>
  getStringList(const std::string &attr) const;
  StatusOr<std::vector<DType>> getTypeList(const std::string &attr) const;
  StatusOr<std::vector<PartialShape>>
  getShapeList(const std::string &attr) const;

  /// Getters with a default for an absent attr (a present attr of another
  /// kind still fails).
  StatusOr<int64_t> getInt(const std::string &attr, int64_t dflt) const;
  StatusOr<bool> getBool(const std::string &attr, bool dflt) const;
  StatusOr<std::string> getString(const std::string &attr,
                                  std::string dflt) const;

private:
  StatusOr<const AttrValue *> lookup(const std::string &attr,
                                     AttrValue::Kind kind,
                                     const char *typeName) const;

  std::string name_;
  std::string op_;
  std::map<std::string, AttrValue> attrs_;
};

} // namespace kiln

#endif // KILN_RUNTIME_NODEATTRS_H
