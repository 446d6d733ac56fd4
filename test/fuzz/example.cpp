//===- example.cpp - Fuzzes the tf.train.Example parser -------------------===//
//
// The input is a serialized tf.train.Example. It is parsed with two fixed
// configs covering every dtype as a required dense feature, a dense feature
// with a default, a dense feature of zero elements and a sparse feature:
// ParseSingleExample; ParseExample on it alone and on it split into two
// examples (with names); and the fused ParseExample -> DecodeRaw path.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/Example.h"

#include <cstdint>

using namespace kiln;

static ParseExampleConfig requiredConfig() {
  ParseExampleConfig c;
  c.dense.push_back({"a", DType::kFloat, TensorShape{}, Tensor()});
  c.dense.push_back({"b", DType::kInt64, TensorShape{2}, Tensor()});
  c.dense.push_back({"c", DType::kString, TensorShape{}, Tensor()});
  c.dense.push_back({"g", DType::kFloat, TensorShape{2, 2}, Tensor()});
  c.dense.push_back({"z", DType::kInt64, TensorShape{0}, Tensor()});
  c.sparse.push_back({"s", DType::kFloat});
  c.sparse.push_back({"t", DType::kInt64});
  c.sparse.push_back({"u", DType::kString});
  return c;
}

static ParseExampleConfig defaultsConfig() {
  ParseExampleConfig c;
  c.dense.push_back({"d", DType::kFloat, TensorShape{3},
                     Tensor::vector<float>({1.f, 2.f, 3.f})});
  c.dense.push_back(
      {"e", DType::kInt64, TensorShape{}, Tensor::scalar<int64_t>(7)});
  c.dense.push_back({"f", DType::kString, TensorShape{2},
                     Tensor::vector<std::string>({"x", "y"})});
  c.dense.push_back(
      {"c", DType::kString, TensorShape{}, Tensor::scalar<std::string>("")});
  c.sparse.push_back({"a", DType::kFloat});
  c.sparse.push_back({"b", DType::kInt64});
  c.sparse.push_back({"u", DType::kString});
  return c;
}

static void parse(std::string_view in, const ParseExampleConfig &config) {
  (void)parseSingleExample(in, config);
  (void)parseExample({in}, {}, config);
  size_t half = in.size() / 2;
  (void)parseExample({in.substr(0, half), in.substr(half)}, {"first", "second"},
                     config);
  StatusOr<ExampleParser> parser = ExampleParser::create(config);
  if (!parser.ok())
    __builtin_trap(); // the configs are valid
  parser->beginBatch(2);
  std::vector<std::string_view> views(config.dense.size());
  if (parser->parseIntoBorrowed(0, in, views).ok() &&
      parser->parseIntoBorrowed(1, in, views).ok())
    (void)parser->finishBatch();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view in(reinterpret_cast<const char *>(data), size);
  static const ParseExampleConfig required = requiredConfig();
  static const ParseExampleConfig defaults = defaultsConfig();
  parse(in, required);
  parse(in, defaults);
  return 0;
}
