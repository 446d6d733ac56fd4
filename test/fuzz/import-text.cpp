//===- import-text.cpp - Fuzzes text GraphDef/MetaGraphDef import ---------===//
//
// The input is a GraphDef, MetaGraphDef or SavedModel in protobuf text
// format; see importEveryWay.
//
//===----------------------------------------------------------------------===//
#include "ImportFuzz.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

namespace {
class Quiet : public google::protobuf::io::ErrorCollector {
public:
  void AddError(int, int, const std::string &) override {}
  void AddWarning(int, int, const std::string &) override {}
};
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string bytes(reinterpret_cast<const char *>(data), size);
  kiln::fuzz::importEveryWay(
      bytes, "fuzz.pbtxt",
      [](const std::string &b, google::protobuf::Message &m) {
        google::protobuf::TextFormat::Parser parser;
        Quiet quiet;
        parser.RecordErrorsTo(&quiet);
        return parser.ParseFromString(b, &m);
      });
  return 0;
}
