//===- TensorProto.h - Tensor and QueueRunnerDef <-> TF protos --*- C++ -*-===//
//
// Conversions between runtime values and TensorFlow's protos with TF's own
// rules (Tensor::FromProto, tensor_util.make_tensor_proto), so constants,
// checkpoint metadata and .meta collections read and write as TF does. Part of
// kiln_runtime_proto, the only runtime library that links protobuf.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_TENSORPROTO_H
#define KILN_RUNTIME_TENSORPROTO_H

#include "kiln/runtime/QueueRunner.h"
#include "kiln/runtime/Status.h"
#include "kiln/runtime/Tensor.h"

namespace tensorflow {
class TensorProto;
class TensorShapeProto;
class QueueRunnerDef;
} // namespace tensorflow

namespace kiln {

/// Tensor::FromProto: a non-empty tensor_content is the raw little-endian
/// data; otherwise the dtype's typed field is used (int_val for the small
/// integer and quantized types, half_val for half/bfloat16 bit patterns),
/// the last value filling a short field and zeros an empty one. Anything it
/// cannot use is InvalidArgument "Cannot parse tensor from proto: ...".
StatusOr<Tensor> tensorFromProto(const tensorflow::TensorProto &proto);

enum class TensorProtoEncoding {
  /// Python's make_tensor_proto: tensor_content for more than one element of
  /// a numeric dtype it packs, typed fields otherwise.
  kAuto,
  /// Tensor::AsProtoTensorContent.
  kTensorContent,
  /// Tensor::AsProtoField.
  kTypedField,
};
Status tensorToProto(const Tensor &tensor, tensorflow::TensorProto *proto,
                     TensorProtoEncoding encoding = TensorProtoEncoding::kAuto);

/// A fully defined shape; unknown rank or dims are InvalidArgument unless
/// `allowUnknownDims`, which keeps -1 dims (queue `shapes` attrs of a
/// PaddingFIFOQueue).
StatusOr<TensorShape> shapeFromProto(const tensorflow::TensorShapeProto &proto,
                                     bool allowUnknownDims = false);
void shapeToProto(const TensorShape &shape,
                  tensorflow::TensorShapeProto *proto);

/// QueueRunnerDef -> QueueRunnerSpec (no closed types means OUT_OF_RANGE,
/// as when TF loads a QueueRunnerDef) and back.
QueueRunnerSpec queueRunnerFromProto(const tensorflow::QueueRunnerDef &def);
void queueRunnerToProto(const QueueRunnerSpec &spec,
                        tensorflow::QueueRunnerDef *def);

} // namespace kiln

#endif // KILN_RUNTIME_TENSORPROTO_H
