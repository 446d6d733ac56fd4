//===- BuiltinKernels.h - The kernels the table starts with -----*- C++ -*-===//
//
// Private to the kernels library. The table (HostKernelRegistry.cpp) adds
// these on first use instead of each kernel file registering itself from a
// static constructor: the linker drops an object file of a static library
// that nothing references, and its constructor with it.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_LIB_KERNELS_BUILTINKERNELS_H
#define KILN_RUNTIME_LIB_KERNELS_BUILTINKERNELS_H

#include "kiln/runtime/HostKernel.h"

#include <map>
#include <string>

namespace kiln {

using HostKernelTable = std::map<std::string, HostKernelFactory>;

/// Shape ops on any dtype, Assert, CountUpTo, RandomShuffle
/// (GeneralKernels.cpp).
void addGeneralKernels(HostKernelTable &table);
/// Readers, Example parsing, DecodeRaw (IoKernels.cpp).
void addIoKernels(HostKernelTable &table);

} // namespace kiln

#endif // KILN_RUNTIME_LIB_KERNELS_BUILTINKERNELS_H
