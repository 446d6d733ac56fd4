//===- Resource.h - Named stateful objects of a session ---------*- C++ -*-===//
//
// Queues, readers and other objects a graph refers to by resource handle
// derive from Resource so one SessionState can own them all by name.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_RESOURCE_H
#define KILN_RUNTIME_RESOURCE_H

#include <string>

namespace kiln {

class Resource {
public:
  virtual ~Resource() = default;
  /// The TF type name, e.g. "FIFOQueue", "TFRecordReader".
  virtual std::string kind() const = 0;
};

} // namespace kiln

#endif // KILN_RUNTIME_RESOURCE_H
