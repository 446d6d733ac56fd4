//===- ImportAttr.cpp - AttrValue/TensorProto to MLIR attributes ----------===//
#include "ImportAttr.h"

#include "kiln/Dialect/Graph/GraphDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/MathExtras.h"
#include <google/protobuf/text_format.h>

#include <cstdint>
#include <cstring>

using namespace mlir;

namespace kiln {

Attribute importShape(const tensorflow::TensorShapeProto &shape,
                      MLIRContext *ctx) {
  if (shape.unknown_rank())
    return graph::ShapeAttr::get(ctx, {}, true);
  SmallVector<int64_t> dims;
  for (const auto &d : shape.dim())
    dims.push_back(d.size() < 0 ? -1 : d.size());
  return graph::ShapeAttr::get(ctx, dims, false);
}

namespace {

/// Appends `n` little-endian bytes of `v` to `buf`.
template <typename T> void appendRaw(std::vector<char> &buf, T v) {
  const char *p = reinterpret_cast<const char *>(&v);
  buf.insert(buf.end(), p, p + sizeof(T));
}

/// The values of the typed field for `dtype`, as raw element bytes.
/// Returns the element count found, or -1 if the dtype has no such field.
int64_t typedFieldBytes(const tensorflow::TensorProto &t, int dtype,
                        std::vector<char> &buf) {
  switch (dtype) {
  case 1:
    for (float v : t.float_val()) appendRaw(buf, v);
    return t.float_val_size();
  case 2:
    for (double v : t.double_val()) appendRaw(buf, v);
    return t.double_val_size();
  case 3:
    for (int32_t v : t.int_val()) appendRaw(buf, v);
    return t.int_val_size();
  case 4: case 12:
    for (int32_t v : t.int_val()) appendRaw(buf, uint8_t(v));
    return t.int_val_size();
  case 5: case 15:
    for (int32_t v : t.int_val()) appendRaw(buf, int16_t(v));
    return t.int_val_size();
  case 6: case 11:
    for (int32_t v : t.int_val()) appendRaw(buf, int8_t(v));
    return t.int_val_size();
  case 17: case 16:
    for (int32_t v : t.int_val()) appendRaw(buf, uint16_t(v));
    return t.int_val_size();
  case 9:
    for (int64_t v : t.int64_val()) appendRaw(buf, v);
    return t.int64_val_size();
  case 10:
    for (bool v : t.bool_val()) appendRaw(buf, uint8_t(v));
    return t.bool_val_size();
  case 14: case 19:
    for (int32_t v : t.half_val()) appendRaw(buf, uint16_t(v));
    return t.half_val_size();
  case 8:
    for (float v : t.scomplex_val()) appendRaw(buf, v);
    return t.scomplex_val_size() / 2;
  case 18:
    for (double v : t.dcomplex_val()) appendRaw(buf, v);
    return t.dcomplex_val_size() / 2;
  case 22:
    for (uint32_t v : t.uint32_val()) appendRaw(buf, v);
    return t.uint32_val_size();
  case 23:
    for (uint64_t v : t.uint64_val()) appendRaw(buf, v);
    return t.uint64_val_size();
  case 13:
    for (int32_t v : t.int_val()) appendRaw(buf, v);
    return t.int_val_size();
  default:
    return -1;
  }
}

size_t dtypeByteSize(int dtype) {
  switch (dtype) {
  case 1: case 3: case 13: case 22: return 4;
  case 2: case 9: case 23: case 8: return 8;
  case 18: return 16;
  case 4: case 6: case 10: case 11: case 12: return 1;
  case 5: case 14: case 15: case 16: case 17: case 19: return 2;
  default: return 0;
  }
}

/// Bounds the element count of a TensorProto's shape.
constexpr int64_t kMaxTensorElements = INT64_MAX / 16;

/// A value list shorter than the shape repeats its last value (a single
/// value becomes a splat and costs nothing). TF writes one value or all of
/// them, so a longer short list is a hand-made or corrupt graph: refuse to
/// let its few bytes expand into more than this.
constexpr uint64_t kMaxRepeatedTensorBytes = 64 << 20;

std::string shapeString(ArrayRef<int64_t> dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? "," : "") + std::to_string(dims[i]);
  return s + "]";
}

LogicalResult checkRepeat(int64_t count, int64_t n, size_t elemBytes,
                          std::string &error) {
  uint64_t bytes = uint64_t(n) * elemBytes;
  if (bytes <= kMaxRepeatedTensorBytes)
    return success();
  error = "tensor has " + std::to_string(count) + " values for " +
          std::to_string(n) + " elements: repeating the last one would take " +
          std::to_string(bytes) + " bytes, over the limit of " +
          std::to_string(kMaxRepeatedTensorBytes);
  return failure();
}

} // namespace

Attribute importTensor(const tensorflow::TensorProto &t, MLIRContext *ctx,
                       std::string &error) {
  int dtype = t.dtype();
  Type elem = graph::dtypeToElementType(ctx, dtype);
  if (!elem || dtype > 100) {
    error = "tensor has unknown dtype " + std::to_string(dtype);
    return {};
  }
  if (t.tensor_shape().unknown_rank()) {
    error = "tensor has an unknown rank";
    return {};
  }
  SmallVector<int64_t> dims;
  int64_t n = 1;
  for (const auto &d : t.tensor_shape().dim()) {
    if (d.size() < 0) {
      error = "tensor has an unknown dimension";
      return {};
    }
    dims.push_back(d.size());
  }
  // Room for the byte size of 16-byte elements, so no size computed from the
  // element count below can overflow.
  for (int64_t d : dims) {
    if (llvm::MulOverflow(n, d, n) || n > kMaxTensorElements) {
      error = "tensor shape " + shapeString(dims) + " has too many elements";
      return {};
    }
  }
  // Quantized, resource and variant tensors have no MLIR elements attribute:
  // keep the proto itself.
  if (isa<graph::QInt8Type, graph::QUInt8Type, graph::QInt16Type,
          graph::QUInt16Type, graph::QInt32Type, graph::ResourceType,
          graph::VariantType>(elem)) {
    std::string text;
    google::protobuf::TextFormat::Printer printer;
    printer.SetSingleLineMode(true);
    printer.PrintToString(t, &text);
    return graph::TensorProtoAttr::get(ctx, text);
  }
  auto type = RankedTensorType::get(dims, elem);
  if (isa<graph::StringType>(elem)) {
    if (t.string_val_size() > n) {
      error = "tensor has " + std::to_string(t.string_val_size()) +
              " values but shape " + std::to_string(n) + " elements";
      return {};
    }
    SmallVector<StringRef> values;
    for (const std::string &s : t.string_val())
      values.push_back(s);
    if (values.empty() && n > 0)
      values.push_back("");
    // Fewer values than elements: TF repeats the last one.
    if (values.size() == 1 && n > 1)
      return DenseStringElementsAttr::get(type, values);
    if (int64_t(values.size()) < n &&
        failed(checkRepeat(values.size(), n,
                           sizeof(StringRef) + values.back().size(), error)))
      return {};
    while (int64_t(values.size()) < n)
      values.push_back(values.back());
    return DenseStringElementsAttr::get(type, values);
  }
  size_t elemSize = dtypeByteSize(dtype);
  std::vector<char> buf;
  if (!t.tensor_content().empty()) {
    const std::string &c = t.tensor_content();
    if (c.size() != elemSize * size_t(n)) {
      error = "tensor_content has " + std::to_string(c.size()) +
              " bytes, shape and dtype need " +
              std::to_string(elemSize * size_t(n));
      return {};
    }
    buf.assign(c.begin(), c.end());
  } else {
    int64_t count = typedFieldBytes(t, dtype, buf);
    if (count > n) {
      error = "tensor has " + std::to_string(count) + " values but shape " +
              std::to_string(n) + " elements";
      return {};
    }
    if (count == 0 && n > 0)
      buf.assign(elemSize, 0);
    // Fewer values than elements: TF repeats the last one. A single value
    // stays one element, which MLIR stores as a splat.
    if (buf.size() > elemSize && buf.size() < elemSize * size_t(n)) {
      if (failed(checkRepeat(count, n, elemSize, error)))
        return {};
      std::vector<char> last(buf.end() - elemSize, buf.end());
      while (buf.size() < elemSize * size_t(n))
        buf.insert(buf.end(), last.begin(), last.end());
    }
  }
  if (elem.isInteger(1)) {
    SmallVector<bool> values;
    for (char c : buf)
      values.push_back(c != 0);
    if (values.size() == 1 && n > 1)
      return DenseElementsAttr::get(type, values.front());
    return DenseElementsAttr::get(type, values);
  }
  return DenseElementsAttr::getFromRawBuffer(type, buf);
}

std::string attrValueKind(const tensorflow::AttrValue &v) {
  using AV = tensorflow::AttrValue;
  switch (v.value_case()) {
  case AV::kS: return "string";
  case AV::kI: return "int";
  case AV::kF: return "float";
  case AV::kB: return "bool";
  case AV::kType: return "type";
  case AV::kShape: return "shape";
  case AV::kTensor: return "tensor";
  case AV::kFunc: return "func";
  case AV::kPlaceholder: return "placeholder";
  case AV::kList: {
    const auto &l = v.list();
    if (l.s_size()) return "list(string)";
    if (l.i_size()) return "list(int)";
    if (l.f_size()) return "list(float)";
    if (l.b_size()) return "list(bool)";
    if (l.type_size()) return "list(type)";
    if (l.shape_size()) return "list(shape)";
    if (l.tensor_size()) return "list(tensor)";
    if (l.func_size()) return "list(func)";
    return "list()";
  }
  case AV::VALUE_NOT_SET: return "none";
  }
  return "none";
}

Attribute importAttrValue(const tensorflow::AttrValue &v, MLIRContext *ctx,
                          std::string &error) {
  using AV = tensorflow::AttrValue;
  Builder b(ctx);
  auto importType = [&](int dtype) -> Attribute {
    Type t = graph::dtypeToElementType(ctx, dtype);
    if (!t) {
      error = "unknown dtype " + std::to_string(dtype);
      return {};
    }
    return TypeAttr::get(t);
  };
  auto importFunc = [&](const tensorflow::NameAttrList &f) -> Attribute {
    SmallVector<NamedAttribute> attrs;
    for (const auto &[k, av] : f.attr()) {
      Attribute a = importAttrValue(av, ctx, error);
      if (!a)
        return {};
      attrs.push_back(b.getNamedAttr(k, a));
    }
    return graph::FuncAttr::get(ctx, f.name(), b.getDictionaryAttr(attrs));
  };
  switch (v.value_case()) {
  case AV::kS: return b.getStringAttr(v.s());
  case AV::kI: return b.getI64IntegerAttr(v.i());
  case AV::kF: return b.getF32FloatAttr(v.f());
  case AV::kB: return b.getBoolAttr(v.b());
  case AV::kType: return importType(v.type());
  case AV::kShape: return importShape(v.shape(), ctx);
  case AV::kTensor: return importTensor(v.tensor(), ctx, error);
  case AV::kFunc: return importFunc(v.func());
  case AV::kPlaceholder: return graph::PlaceholderAttr::get(ctx, v.placeholder());
  case AV::VALUE_NOT_SET: return b.getUnitAttr();
  case AV::kList: break;
  }
  const auto &l = v.list();
  SmallVector<Attribute> items;
  for (const std::string &s : l.s()) items.push_back(b.getStringAttr(s));
  for (int64_t i : l.i()) items.push_back(b.getI64IntegerAttr(i));
  for (float f : l.f()) items.push_back(b.getF32FloatAttr(f));
  for (bool x : l.b()) items.push_back(b.getBoolAttr(x));
  for (int t : l.type()) {
    Attribute a = importType(t);
    if (!a)
      return {};
    items.push_back(a);
  }
  for (const auto &s : l.shape()) items.push_back(importShape(s, ctx));
  for (const auto &t : l.tensor()) {
    Attribute a = importTensor(t, ctx, error);
    if (!a)
      return {};
    items.push_back(a);
  }
  for (const auto &f : l.func()) {
    Attribute a = importFunc(f);
    if (!a)
      return {};
    items.push_back(a);
  }
  return b.getArrayAttr(items);
}

} // namespace kiln
