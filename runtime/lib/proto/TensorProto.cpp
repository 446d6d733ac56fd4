//===- TensorProto.cpp - Tensor and QueueRunnerDef <-> TF protos ----------===//
#include "kiln/runtime/TensorProto.h"

#include "kiln/proto/meta_graph.pb.h"
#include "kiln/proto/tensor.pb.h"
#include "kiln/runtime/Wire.h"

#include <complex>
#include <cstring>

namespace kiln {
namespace {

Status cannotParse(const tensorflow::TensorProto &proto) {
  return errors::InvalidArgument("Cannot parse tensor from proto: ",
                                 proto.DebugString());
}

// Copies a typed repeated field into n elements the way TF's FromProtoField
// does: extra values are ignored, a short field repeats its last value and
// an empty one leaves the zero fill.
template <typename T, typename Field>
void fillFromField(T *out, int64_t n, const Field &field) {
  const int64_t in = field.size();
  if (in <= 0)
    return;
  const int64_t m = std::min(n, in);
  for (int64_t i = 0; i < m; ++i)
    out[i] = static_cast<T>(field.Get(static_cast<int>(i)));
  for (int64_t i = m; i < n; ++i)
    out[i] = out[m - 1];
}

// Complex fields hold (re, im) pairs.
template <typename C, typename Field>
void fillComplex(C *out, int64_t n, const Field &field) {
  const int64_t in = field.size() / 2;
  if (in <= 0)
    return;
  const int64_t m = std::min(n, in);
  for (int64_t i = 0; i < m; ++i)
    out[i] = C(field.Get(static_cast<int>(2 * i)),
               field.Get(static_cast<int>(2 * i + 1)));
  for (int64_t i = m; i < n; ++i)
    out[i] = out[m - 1];
}

bool usesIntVal(DType t) {
  switch (t) {
  case DType::kInt32:
  case DType::kInt16:
  case DType::kInt8:
  case DType::kUInt8:
  case DType::kUInt16:
  case DType::kQInt8:
  case DType::kQUInt8:
  case DType::kQInt16:
  case DType::kQUInt16:
  case DType::kQInt32:
    return true;
  default:
    return false;
  }
}

template <typename T, typename Field>
void fillIntVal(Tensor &t, int64_t n, const Field &field) {
  fillFromField(t.data<T>(), n, field);
}

// Strings in tensor_content: n varint32 lengths, then the bytes
// (port::EncodeStringList).
bool decodeStringList(const std::string &content, int64_t n, Tensor &t) {
  std::string_view in(content);
  std::vector<uint32_t> lengths(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    if (!wire::getVarint32(in, &lengths[i]))
      return false;
  std::string *out = t.data<std::string>();
  for (int64_t i = 0; i < n; ++i) {
    if (in.size() < lengths[i])
      return false;
    out[i].assign(in.data(), lengths[i]);
    in.remove_prefix(lengths[i]);
  }
  return in.empty();
}

} // namespace

StatusOr<TensorShape> shapeFromProto(const tensorflow::TensorShapeProto &proto,
                                     bool allowUnknownDims) {
  if (proto.unknown_rank())
    return errors::InvalidArgument("Unknown rank is not a valid shape here");
  TensorShape shape;
  for (const auto &d : proto.dim()) {
    if (d.size() < 0 && !(allowUnknownDims && d.size() == -1))
      return errors::InvalidArgument("Dimension ", d.size(), " must be >= 0");
    shape.addDim(d.size());
  }
  return shape;
}

void shapeToProto(const TensorShape &shape,
                  tensorflow::TensorShapeProto *proto) {
  proto->Clear();
  for (int64_t d : shape.dims())
    proto->add_dim()->set_size(d);
}

StatusOr<Tensor> tensorFromProto(const tensorflow::TensorProto &proto) {
  const int32_t dt = static_cast<int32_t>(proto.dtype());
  if (!isValidDType(dt))
    return cannotParse(proto);
  const DType dtype = static_cast<DType>(dt);
  if (dtype == DType::kResource || dtype == DType::kVariant)
    return errors::Unimplemented("Tensors of dtype ", dtypeName(dtype),
                                 " cannot be made from a TensorProto");
  StatusOr<TensorShape> shape = shapeFromProto(proto.tensor_shape());
  if (!shape.ok())
    return cannotParse(proto);
  Tensor t(dtype, *shape);
  const int64_t n = t.numElements();
  if (n == 0)
    return t;

  if (!proto.tensor_content().empty()) {
    const std::string &content = proto.tensor_content();
    if (dtype == DType::kString) {
      if (!decodeStringList(content, n, t))
        return cannotParse(proto);
      return t;
    }
    if (content.size() != t.byteSize())
      return cannotParse(proto);
    std::memcpy(t.raw(), content.data(), content.size());
    return t;
  }

  switch (dtype) {
  case DType::kFloat:
    fillFromField(t.data<float>(), n, proto.float_val());
    break;
  case DType::kDouble:
    fillFromField(t.data<double>(), n, proto.double_val());
    break;
  case DType::kInt64:
    fillFromField(t.data<int64_t>(), n, proto.int64_val());
    break;
  case DType::kUInt32:
    fillFromField(t.data<uint32_t>(), n, proto.uint32_val());
    break;
  case DType::kUInt64:
    fillFromField(t.data<uint64_t>(), n, proto.uint64_val());
    break;
  case DType::kBool:
    fillFromField(t.data<bool>(), n, proto.bool_val());
    break;
  case DType::kString:
    fillFromField(t.data<std::string>(), n, proto.string_val());
    break;
  case DType::kComplex64:
    fillComplex(t.data<std::complex<float>>(), n, proto.scomplex_val());
    break;
  case DType::kComplex128:
    fillComplex(t.data<std::complex<double>>(), n, proto.dcomplex_val());
    break;
  case DType::kHalf:
  case DType::kBFloat16:
    // half_val holds the raw 16-bit patterns.
    fillFromField(static_cast<uint16_t *>(t.raw()), n, proto.half_val());
    break;
  case DType::kInt32:
  case DType::kQInt32:
    fillIntVal<int32_t>(t, n, proto.int_val());
    break;
  case DType::kInt16:
  case DType::kQInt16:
    fillIntVal<int16_t>(t, n, proto.int_val());
    break;
  case DType::kUInt16:
  case DType::kQUInt16:
    fillIntVal<uint16_t>(t, n, proto.int_val());
    break;
  case DType::kInt8:
  case DType::kQInt8:
    fillIntVal<int8_t>(t, n, proto.int_val());
    break;
  case DType::kUInt8:
  case DType::kQUInt8:
    fillIntVal<uint8_t>(t, n, proto.int_val());
    break;
  default:
    return cannotParse(proto);
  }
  return t;
}

namespace {

bool pythonPacksContent(DType t) {
  switch (t) {
  case DType::kFloat:
  case DType::kDouble:
  case DType::kInt32:
  case DType::kUInt8:
  case DType::kInt16:
  case DType::kInt8:
  case DType::kInt64:
  case DType::kQInt8:
  case DType::kQUInt8:
  case DType::kQInt16:
  case DType::kQUInt16:
  case DType::kQInt32:
  case DType::kUInt32:
  case DType::kUInt64:
    return true;
  default:
    return false;
  }
}

template <typename T, typename Adder> void addAll(const Tensor &t, Adder add) {
  const T *d = t.data<T>();
  for (int64_t i = 0; i < t.numElements(); ++i)
    add(d[i]);
}

} // namespace

Status tensorToProto(const Tensor &tensor, tensorflow::TensorProto *proto,
                     TensorProtoEncoding encoding) {
  const DType dtype = tensor.dtype();
  if (!tensor.isValid() || dtype == DType::kResource ||
      dtype == DType::kVariant)
    return errors::Unimplemented("Cannot encode a tensor of dtype ",
                                 dtypeName(dtype), " as a TensorProto");
  proto->Clear();
  proto->set_dtype(static_cast<tensorflow::DataType>(dtype));
  shapeToProto(tensor.shape(), proto->mutable_tensor_shape());
  const int64_t n = tensor.numElements();
  bool content = encoding == TensorProtoEncoding::kTensorContent;
  if (encoding == TensorProtoEncoding::kAuto)
    content = n > 1 && pythonPacksContent(dtype);
  if (content) {
    if (dtype == DType::kString) {
      std::string out;
      const std::string *s = tensor.data<std::string>();
      for (int64_t i = 0; i < n; ++i)
        wire::putVarint32(out, static_cast<uint32_t>(s[i].size()));
      for (int64_t i = 0; i < n; ++i)
        out += s[i];
      proto->set_tensor_content(out);
    } else {
      proto->set_tensor_content(std::string(
          static_cast<const char *>(tensor.raw()), tensor.byteSize()));
    }
    return Status::OK();
  }
  switch (dtype) {
  case DType::kFloat:
    addAll<float>(tensor, [&](float v) { proto->add_float_val(v); });
    break;
  case DType::kDouble:
    addAll<double>(tensor, [&](double v) { proto->add_double_val(v); });
    break;
  case DType::kInt64:
    addAll<int64_t>(tensor, [&](int64_t v) { proto->add_int64_val(v); });
    break;
  case DType::kUInt32:
    addAll<uint32_t>(tensor, [&](uint32_t v) { proto->add_uint32_val(v); });
    break;
  case DType::kUInt64:
    addAll<uint64_t>(tensor, [&](uint64_t v) { proto->add_uint64_val(v); });
    break;
  case DType::kBool:
    addAll<bool>(tensor, [&](bool v) { proto->add_bool_val(v); });
    break;
  case DType::kString:
    addAll<std::string>(
        tensor, [&](const std::string &v) { proto->add_string_val(v); });
    break;
  case DType::kComplex64:
    addAll<std::complex<float>>(tensor, [&](std::complex<float> v) {
      proto->add_scomplex_val(v.real());
      proto->add_scomplex_val(v.imag());
    });
    break;
  case DType::kComplex128:
    addAll<std::complex<double>>(tensor, [&](std::complex<double> v) {
      proto->add_dcomplex_val(v.real());
      proto->add_dcomplex_val(v.imag());
    });
    break;
  case DType::kHalf:
  case DType::kBFloat16: {
    const uint16_t *d = static_cast<const uint16_t *>(tensor.raw());
    for (int64_t i = 0; i < n; ++i)
      proto->add_half_val(d[i]);
    break;
  }
  case DType::kInt32:
  case DType::kQInt32:
    addAll<int32_t>(tensor, [&](int32_t v) { proto->add_int_val(v); });
    break;
  case DType::kInt16:
  case DType::kQInt16:
    addAll<int16_t>(tensor, [&](int16_t v) { proto->add_int_val(v); });
    break;
  case DType::kUInt16:
  case DType::kQUInt16:
    addAll<uint16_t>(tensor, [&](uint16_t v) { proto->add_int_val(v); });
    break;
  case DType::kInt8:
  case DType::kQInt8:
    addAll<int8_t>(tensor, [&](int8_t v) { proto->add_int_val(v); });
    break;
  case DType::kUInt8:
  case DType::kQUInt8:
    addAll<uint8_t>(tensor, [&](uint8_t v) { proto->add_int_val(v); });
    break;
  default:
    return errors::Unimplemented("Cannot encode a tensor of dtype ",
                                 dtypeName(dtype), " as a TensorProto");
  }
  return Status::OK();
}

QueueRunnerSpec queueRunnerFromProto(const tensorflow::QueueRunnerDef &def) {
  QueueRunnerSpec spec;
  spec.queueName = def.queue_name();
  spec.enqueueOpNames.assign(def.enqueue_op_name().begin(),
                             def.enqueue_op_name().end());
  spec.closeOpName = def.close_op_name();
  spec.cancelOpName = def.cancel_op_name();
  for (int code : def.queue_closed_exception_types())
    spec.queueClosedExceptionTypes.push_back(static_cast<Code>(code));
  if (spec.queueClosedExceptionTypes.empty())
    spec.queueClosedExceptionTypes = {Code::kOutOfRange};
  return spec;
}

void queueRunnerToProto(const QueueRunnerSpec &spec,
                        tensorflow::QueueRunnerDef *def) {
  def->Clear();
  def->set_queue_name(spec.queueName);
  for (const std::string &op : spec.enqueueOpNames)
    def->add_enqueue_op_name(op);
  def->set_close_op_name(spec.closeOpName);
  def->set_cancel_op_name(spec.cancelOpName);
  for (Code c : spec.queueClosedExceptionTypes)
    def->add_queue_closed_exception_types(
        static_cast<tensorflow::error::Code>(c));
}

} // namespace kiln
