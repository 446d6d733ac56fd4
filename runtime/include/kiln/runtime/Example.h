//===- Example.h - tf.train.Example encoding and fast parsing ---*- C++ -*-===//
//
// tf.train.Example without protobuf: ExampleBuilder writes the exact bytes
// protobuf's deterministic serializer writes (map entries sorted by key,
// key = 1 / value = 2, packed repeated numbers), and ExampleParser decodes
// serialized Examples straight into the output tensors of TF's ParseExample /
// ParseSingleExample ops, with TF 1.12's error wording
// (core/util/example_proto_fast_parsing.cc). The parser accepts the unpacked
// form of repeated numbers as well, and when a key appears more than once in
// an Example's map the last occurrence wins, as protobuf's map semantics
// (and TF's single-example fast path) say.
//
// Supported: FixedLenFeature (with or without default, any fully known
// shape) and VarLenFeature, for float, int64 and string. Not supported:
// FixedLenSequenceFeature (allow_missing / variable-length dense features).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_EXAMPLE_H
#define KILN_RUNTIME_EXAMPLE_H

#include "kiln/runtime/DType.h"
#include "kiln/runtime/Status.h"
#include "kiln/runtime/Tensor.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kiln {

/// Builds one serialized tf.train.Example.
class ExampleBuilder {
public:
  /// kSortedKeys gives protobuf's deterministic serialization (the default).
  /// kInsertion writes map entries in the order they were added, which
  /// reproduces files whose writer iterated its map in some other order
  /// (e.g. Python's protobuf) byte for byte.
  enum class Order { kSortedKeys, kInsertion };
  explicit ExampleBuilder(Order order = Order::kSortedKeys) : order_(order) {}

  ExampleBuilder &addInt64(std::string key, std::vector<int64_t> values);
  ExampleBuilder &addFloat(std::string key, std::vector<float> values);
  ExampleBuilder &addBytes(std::string key, std::vector<std::string> values);
  /// Appends the serialized Example to `out` (so a caller can reuse one
  /// buffer across records).
  void serializeTo(std::string &out) const;
  std::string serialize() const {
    std::string s;
    serializeTo(s);
    return s;
  }
  void clear() { features_.clear(); }

private:
  struct Feature {
    std::string key;
    DType dtype;
    std::vector<int64_t> ints;
    std::vector<float> floats;
    std::vector<std::string> bytes;
  };
  Feature &slot(std::string key, DType dtype);
  Order order_;
  std::vector<Feature> features_;
};

/// tf.io.FixedLenFeature: a dense value of `shape`. An invalid or
/// zero-element `defaultValue` makes the feature required.
struct FixedLenFeature {
  std::string key;
  DType dtype = DType::kFloat;
  TensorShape shape;
  Tensor defaultValue;
};

/// tf.io.VarLenFeature: a SparseTensor of all values present.
struct VarLenFeature {
  std::string key;
  DType dtype = DType::kFloat;
};

/// The attrs of ParseExample / ParseSingleExample (sparse_keys/types,
/// dense_keys/Tdense/dense_shapes and the dense_defaults inputs).
struct ParseExampleConfig {
  std::vector<VarLenFeature> sparse;
  std::vector<FixedLenFeature> dense;
};

/// The op outputs, one tensor per configured feature, in config order.
struct ParsedExamples {
  std::vector<Tensor> sparseIndices; // int64 [n, 2] ([n, 1] for single)
  std::vector<Tensor> sparseValues;  // dtype [n]
  std::vector<Tensor> sparseShapes;  // int64 [2] ([1] for single)
  std::vector<Tensor> denseValues;   // dtype [B] + shape (shape for single)
};

/// Parses serialized Examples into preallocated batch tensors. Reuse one
/// parser for a stream of batches; dense values are decoded directly into
/// row `i` of the output, with no intermediate message objects. A parser
/// keeps per-batch scratch state: use one per thread.
class ExampleParser {
public:
  /// Checks the config: dtypes, default shapes, no duplicate keys.
  static StatusOr<ExampleParser> create(ParseExampleConfig config);

  const ParseExampleConfig &config() const { return config_; }

  /// Starts a batch of `batchSize` examples (allocates the dense outputs).
  void beginBatch(int64_t batchSize);
  /// Parses example `index` (< batchSize) of the batch. `name` is the entry
  /// of ParseExample's `names` input, or empty for "<unknown>".
  Status parseInto(int64_t index, std::string_view serialized,
                   std::string_view name = {});
  /// parseInto for a fused ParseExample -> DecodeRaw: a scalar string
  /// feature d is not copied into its output; views[d] receives its bytes
  /// inside `serialized` (valid as long as that is) for the caller to decode
  /// in place. Other features are parsed as usual; views of them are empty.
  Status parseIntoBorrowed(int64_t index, std::string_view serialized,
                           std::vector<std::string_view> &views);
  /// Assembles the ParseExample outputs of the batch.
  ParsedExamples finishBatch();

  /// Parses one Example with ParseSingleExample's shapes and messages.
  StatusOr<ParsedExamples> parseSingle(std::string_view serialized);

  /// The dense output tensors of the batch in progress (to read row-wise
  /// while parsing, e.g. by a batching runner).
  const std::vector<Tensor> &denseOutputs() const { return dense_; }

  /// Examples laid out as every writer lays them out (one features field,
  /// map entries of key then value, each list in one packed field or one
  /// field per bytes value, with the configured type and count) are decoded
  /// by a single direct walk; anything else, including every malformed or
  /// mismatching example, goes through the general decoder, which alone
  /// decides errors. Outputs are the same either way. Turning the direct
  /// walk off is for tests that compare the two.
  void setFastPath(bool on) { fastPath_ = on; }
  /// How many examples the direct walk decoded.
  int64_t fastParses() const { return fastParses_; }

private:
  explicit ExampleParser(ParseExampleConfig config);
  Status parseOne(int64_t index, std::string_view serialized,
                  std::string_view name, bool single) {
    if (fastPath_ && parseFast(index, serialized))
      return Status::OK();
    return parseGeneral(index, serialized, name, single);
  }
  /// The direct walk: true when it decoded the example completely; false
  /// (outputs then get rewritten by the general decoder) otherwise.
  bool parseFast(int64_t index, std::string_view serialized);
  /// The general decoder, which also decides every error.
  Status parseGeneral(int64_t index, std::string_view serialized,
                      std::string_view name, bool single);
  static constexpr size_t kNoSlot = ~size_t(0);
  /// The keyIndex_ position of `key`, or kNoSlot.
  size_t findSlot(std::string_view key) const;

  ParseExampleConfig config_;
  // Keys sorted for lookup: (key, feature index); index >= 0 is dense d,
  // index < 0 is sparse -(index + 1).
  std::vector<std::pair<std::string, int>> keyIndex_;
  int64_t batchSize_ = 0;
  std::vector<Tensor> dense_;
  // Per sparse feature: example index and value count per example, values.
  struct SparseAccum {
    std::vector<std::pair<int64_t, int64_t>> counts;
    std::vector<int64_t> ints;
    std::vector<float> floats;
    std::vector<std::string> bytes;
  };
  std::vector<SparseAccum> sparse_;
  // The sizes of sparse_'s four vectors before the direct walk of an example.
  std::vector<size_t> sparseMarks_;
  // Scratch: the payload found for each feature in the current example.
  std::vector<std::string_view> found_;
  // Set during parseIntoBorrowed.
  std::vector<std::string_view> *borrowed_ = nullptr;
  std::vector<uint8_t> present_;
  // Elements per example of each dense feature.
  std::vector<int64_t> rowElems_;
  bool fastPath_ = true;
  int64_t fastParses_ = 0;
};

/// ParseExample: `names` is empty or has one entry per serialized example.
StatusOr<ParsedExamples>
parseExample(const std::vector<std::string_view> &serialized,
             const std::vector<std::string> &names,
             const ParseExampleConfig &config);

/// ParseSingleExample.
StatusOr<ParsedExamples> parseSingleExample(std::string_view serialized,
                                            const ParseExampleConfig &config);

} // namespace kiln

#endif // KILN_RUNTIME_EXAMPLE_H
