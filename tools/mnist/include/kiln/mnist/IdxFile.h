//===- IdxFile.h - MNIST's idx array files ----------------------*- C++ -*-===//
//
// The idx format of MNIST and Fashion-MNIST (yann.lecun.com/exdb/mnist):
// two zero bytes, an element type byte (0x08 = unsigned byte), a rank byte,
// `rank` big-endian uint32 dimensions, then the elements row-major. Files may
// be gzip-compressed (as Debian's dataset-fashion-mnist ships them) or plain.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_MNIST_IDXFILE_H
#define KILN_MNIST_IDXFILE_H

#include "kiln/runtime/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

/// An idx file of unsigned bytes (the only element type MNIST uses).
struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;
};

/// Reads a (possibly gzipped) idx file. Errors name the file: NotFound when
/// it is missing, DataLoss when the header is malformed, the data is short
/// or longer than the header says, InvalidArgument for element types other
/// than unsigned byte.
StatusOr<IdxArray> readIdxFile(const std::string &path);

} // namespace kiln

#endif // KILN_MNIST_IDXFILE_H
