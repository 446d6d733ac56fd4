//===- DecodeRaw.h - The DecodeRaw op ---------------------------*- C++ -*-===//
//
// DecodeRaw reinterprets the bytes of each string as a vector of `outType`
// numbers (core/kernels/decode_raw_op.cc): the output shape is the input
// shape + [len / sizeof(T)], every string must have the same length, a
// multiple of sizeof(T), and bytes are swapped when `littleEndian` differs
// from the host order. Errors use TF's wording.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_DECODERAW_H
#define KILN_RUNTIME_DECODERAW_H

#include "kiln/runtime/DType.h"
#include "kiln/runtime/Status.h"
#include "kiln/runtime/Tensor.h"

#include <string_view>

namespace kiln {

/// Whether DecodeRaw's out_type attr allows `t` (half, float, double, int32,
/// uint16, uint8, int16, int8, int64).
bool isDecodeRawType(DType t);

/// The op: `bytes` is a string tensor of any shape.
StatusOr<Tensor> decodeRaw(const Tensor &bytes, DType outType,
                           bool littleEndian = true);

/// One string into `out` (room for bytes.size() / dtypeSize(outType)
/// elements); the building block for fused parse + decode loops. The caller
/// has checked the length.
void decodeRawInto(std::string_view bytes, DType outType, bool littleEndian,
                   void *out);

} // namespace kiln

#endif // KILN_RUNTIME_DECODERAW_H
