//===- Errno.h - Statuses for failed system calls -------------*- C++ -*-===//
//
// How TensorFlow's file systems report a failed system call, so that Kiln's
// file errors read as TF's do: "<path>; No such file or directory" as
// NotFound, "<path>; Permission denied" as PermissionDenied, and so on.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_ERRNO_H
#define KILN_RUNTIME_ERRNO_H

#include "kiln/runtime/Status.h"

#include <string>

namespace kiln {
namespace errors {

/// The code TensorFlow gives an errno value (ENOENT -> NotFound, EACCES ->
/// PermissionDenied, ENOSPC -> ResourceExhausted, EISDIR ->
/// FailedPrecondition, anything it does not list -> Unknown).
Code codeForErrno(int err);

/// A failed system call on `context` (usually a path):
/// "<context>; <strerror(err)>" with codeForErrno(err).
Status IOError(const std::string &context, int err);

} // namespace errors
} // namespace kiln

#endif // KILN_RUNTIME_ERRNO_H
