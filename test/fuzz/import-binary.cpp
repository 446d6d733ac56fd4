//===- import-binary.cpp - Fuzzes binary GraphDef/MetaGraphDef import -----===//
//
// The input is a binary GraphDef, MetaGraphDef or SavedModel; see
// importEveryWay.
//
//===----------------------------------------------------------------------===//
#include "ImportFuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string bytes(reinterpret_cast<const char *>(data), size);
  kiln::fuzz::importEveryWay(
      bytes, "fuzz.pb", [](const std::string &b, google::protobuf::Message &m) {
        return m.ParseFromString(b);
      });
  return 0;
}
