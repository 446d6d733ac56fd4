//===- Example.cpp - tf.train.Example encoding and fast parsing -----------===//
//
// The wire layout handled here (example.proto / feature.proto):
//   Example   { Features features = 1; }
//   Features  { map<string, Feature> feature = 1; }  entry: key = 1, value = 2
//   Feature   { oneof { BytesList bytes_list = 1; FloatList float_list = 2;
//                       Int64List int64_list = 3; } }
//   BytesList { repeated bytes value = 1; }
//   FloatList { repeated float value = 1 [packed]; }
//   Int64List { repeated int64 value = 1 [packed]; }
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/Example.h"

#include "kiln/runtime/Wire.h"

#include <algorithm>
#include <cstring>

namespace kiln {
namespace {

using wire::WireType;

//===----------------------------------------------------------------------===//
// Encoding
//===----------------------------------------------------------------------===//

std::string encodeFeature(DType dtype, const std::vector<int64_t> &ints,
                          const std::vector<float> &floats,
                          const std::vector<std::string> &bytes) {
  std::string list;
  uint32_t field = 0;
  switch (dtype) {
  case DType::kString:
    field = 1;
    for (const std::string &b : bytes)
      wire::putLengthDelimited(list, 1, b);
    break;
  case DType::kFloat:
    field = 2;
    if (!floats.empty()) {
      wire::putTag(list, 1, wire::kLengthDelimited);
      wire::putVarint64(list, floats.size() * 4);
      for (float f : floats) {
        uint32_t u;
        std::memcpy(&u, &f, 4);
        wire::putFixed32(list, u);
      }
    }
    break;
  default:
    field = 3;
    if (!ints.empty()) {
      size_t n = 0;
      for (int64_t v : ints)
        n += wire::varintLength(static_cast<uint64_t>(v));
      wire::putTag(list, 1, wire::kLengthDelimited);
      wire::putVarint64(list, n);
      for (int64_t v : ints)
        wire::putVarint64(list, static_cast<uint64_t>(v));
    }
    break;
  }
  std::string feature;
  wire::putLengthDelimited(feature, field, list);
  return feature;
}

//===----------------------------------------------------------------------===//
// Decoding helpers. Each returns false on malformed input and never reads
// outside its view.
//===----------------------------------------------------------------------===//

// Tags of fields 1..15 and lengths below 128 are one byte; those fast paths
// keep the per-record parse cost small next to the CRC.
inline bool readTag(std::string_view &in, uint32_t *field, uint32_t *type) {
  uint32_t tag;
  if (!in.empty() && static_cast<uint8_t>(in[0]) < 0x80) {
    tag = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
  } else if (!wire::getVarint32(in, &tag)) {
    return false;
  }
  if ((tag >> 3) == 0)
    return false;
  *field = tag >> 3;
  *type = tag & 7;
  return true;
}

inline bool readLengthDelimited(std::string_view &in, std::string_view *out) {
  uint64_t n;
  if (!in.empty() && static_cast<uint8_t>(in[0]) < 0x80) {
    n = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
  } else if (!wire::getVarint64(in, &n)) {
    return false;
  }
  if (n > in.size())
    return false;
  *out = in.substr(0, static_cast<size_t>(n));
  in.remove_prefix(static_cast<size_t>(n));
  return true;
}

/// Splits a Feature message into its kind and list payload. An empty Feature
/// (no oneof member) gives kInvalid, as TF's parser reports it.
bool parseFeature(std::string_view in, DType *kind, std::string_view *list) {
  *kind = DType::kInvalid;
  *list = {};
  while (!in.empty()) {
    uint32_t field, type;
    if (!readTag(in, &field, &type))
      return false;
    if (type == wire::kLengthDelimited && field >= 1 && field <= 3) {
      if (!readLengthDelimited(in, list))
        return false;
      *kind = field == 1   ? DType::kString
              : field == 2 ? DType::kFloat
                           : DType::kInt64;
      continue;
    }
    if (!wire::skipField(in, type))
      return false;
  }
  return true;
}

/// Calls fn(value) for every value of an Int64List, packed or not.
template <typename Fn> bool forEachInt64(std::string_view in, Fn &&fn) {
  while (!in.empty()) {
    uint32_t field, type;
    if (!readTag(in, &field, &type))
      return false;
    if (field == 1 && type == wire::kLengthDelimited) {
      std::string_view packed;
      if (!readLengthDelimited(in, &packed))
        return false;
      while (!packed.empty()) {
        uint64_t v;
        if (!wire::getVarint64(packed, &v))
          return false;
        fn(static_cast<int64_t>(v));
      }
    } else if (field == 1 && type == wire::kVarint) {
      uint64_t v;
      if (!wire::getVarint64(in, &v))
        return false;
      fn(static_cast<int64_t>(v));
    } else if (!wire::skipField(in, type)) {
      return false;
    }
  }
  return true;
}

float floatFromBits(const char *p) {
  uint32_t u = wire::getFixed32(p);
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

/// Calls fn(value) for every value of a FloatList, packed or not.
template <typename Fn> bool forEachFloat(std::string_view in, Fn &&fn) {
  while (!in.empty()) {
    uint32_t field, type;
    if (!readTag(in, &field, &type))
      return false;
    if (field == 1 && type == wire::kLengthDelimited) {
      std::string_view packed;
      if (!readLengthDelimited(in, &packed) || packed.size() % 4 != 0)
        return false;
      for (size_t i = 0; i < packed.size(); i += 4)
        fn(floatFromBits(packed.data() + i));
    } else if (field == 1 && type == wire::kFixed32) {
      if (in.size() < 4)
        return false;
      fn(floatFromBits(in.data()));
      in.remove_prefix(4);
    } else if (!wire::skipField(in, type)) {
      return false;
    }
  }
  return true;
}

/// Calls fn(view) for every value of a BytesList.
template <typename Fn> bool forEachBytes(std::string_view in, Fn &&fn) {
  while (!in.empty()) {
    uint32_t field, type;
    if (!readTag(in, &field, &type))
      return false;
    if (field == 1 && type == wire::kLengthDelimited) {
      std::string_view v;
      if (!readLengthDelimited(in, &v))
        return false;
      fn(v);
    } else if (!wire::skipField(in, type)) {
      return false;
    }
  }
  return true;
}

/// The word TF uses in "Number of <type> values != expected".
const char *listTypeName(DType t) {
  switch (t) {
  case DType::kFloat:
    return "float";
  case DType::kInt64:
    return "int64";
  default:
    return "bytes";
  }
}

bool isExampleDType(DType t) {
  return t == DType::kFloat || t == DType::kInt64 || t == DType::kString;
}

} // namespace

//===----------------------------------------------------------------------===//
// ExampleBuilder
//===----------------------------------------------------------------------===//

ExampleBuilder::Feature &ExampleBuilder::slot(std::string key, DType dtype) {
  // A map holds one value per key: setting a key again replaces its value.
  for (Feature &f : features_)
    if (f.key == key) {
      f = Feature{std::move(key), dtype, {}, {}, {}};
      return f;
    }
  features_.push_back(Feature{std::move(key), dtype, {}, {}, {}});
  return features_.back();
}

ExampleBuilder &ExampleBuilder::addInt64(std::string key,
                                         std::vector<int64_t> values) {
  slot(std::move(key), DType::kInt64).ints = std::move(values);
  return *this;
}

ExampleBuilder &ExampleBuilder::addFloat(std::string key,
                                         std::vector<float> values) {
  slot(std::move(key), DType::kFloat).floats = std::move(values);
  return *this;
}

ExampleBuilder &ExampleBuilder::addBytes(std::string key,
                                         std::vector<std::string> values) {
  slot(std::move(key), DType::kString).bytes = std::move(values);
  return *this;
}

void ExampleBuilder::serializeTo(std::string &out) const {
  // Deterministic serialization orders map entries by key.
  std::vector<const Feature *> sorted;
  sorted.reserve(features_.size());
  for (const Feature &f : features_)
    sorted.push_back(&f);
  if (order_ == Order::kSortedKeys)
    std::sort(
        sorted.begin(), sorted.end(),
        [](const Feature *a, const Feature *b) { return a->key < b->key; });
  std::string features;
  for (const Feature *f : sorted) {
    std::string entry;
    wire::putLengthDelimited(entry, 1, f->key);
    wire::putLengthDelimited(
        entry, 2, encodeFeature(f->dtype, f->ints, f->floats, f->bytes));
    wire::putLengthDelimited(features, 1, entry);
  }
  // proto3 omits an empty sub-message only if it is unset; Example.features
  // is set by every writer (tf.train.Example(features=...)), so keep it.
  wire::putLengthDelimited(out, 1, features);
}

//===----------------------------------------------------------------------===//
// ExampleParser
//===----------------------------------------------------------------------===//

ExampleParser::ExampleParser(ParseExampleConfig config)
    : config_(std::move(config)) {}

StatusOr<ExampleParser> ExampleParser::create(ParseExampleConfig config) {
  for (const VarLenFeature &f : config.sparse)
    if (!isExampleDType(f.dtype))
      return errors::InvalidArgument("Invalid sparse_types for key ", f.key,
                                     ": ", dtypeName(f.dtype),
                                     " (expected float, int64 or string)");
  for (const FixedLenFeature &f : config.dense) {
    if (!isExampleDType(f.dtype))
      return errors::InvalidArgument("Invalid Tdense for key ", f.key, ": ",
                                     dtypeName(f.dtype),
                                     " (expected float, int64 or string)");
    for (int64_t d : f.shape.dims())
      if (d < 0)
        return errors::InvalidArgument("dense_shapes for key ", f.key,
                                       " must be fully defined, got ",
                                       f.shape.toString());
    if (f.defaultValue.isValid() && f.defaultValue.numElements() > 0) {
      if (f.defaultValue.dtype() != f.dtype)
        return errors::InvalidArgument("dense_defaults[", f.key, "] has type ",
                                       dtypeName(f.defaultValue.dtype()),
                                       " but Tdense says ", dtypeName(f.dtype));
      if (f.defaultValue.numElements() != f.shape.numElements())
        return errors::InvalidArgument(
            "Default value for key ", f.key, " has shape ",
            f.defaultValue.shape().toString(), " but dense_shapes says ",
            f.shape.toString());
    }
  }
  ExampleParser p(std::move(config));
  for (size_t d = 0; d < p.config_.dense.size(); ++d)
    p.keyIndex_.emplace_back(p.config_.dense[d].key, static_cast<int>(d));
  for (size_t s = 0; s < p.config_.sparse.size(); ++s)
    p.keyIndex_.emplace_back(p.config_.sparse[s].key, -static_cast<int>(s) - 1);
  std::sort(p.keyIndex_.begin(), p.keyIndex_.end());
  for (size_t i = 1; i < p.keyIndex_.size(); ++i)
    if (p.keyIndex_[i].first == p.keyIndex_[i - 1].first)
      return errors::InvalidArgument("Duplicate feature key in config: ",
                                     p.keyIndex_[i].first);
  p.found_.resize(p.keyIndex_.size());
  p.present_.resize(p.keyIndex_.size());
  return p;
}

void ExampleParser::beginBatch(int64_t batchSize) {
  batchSize_ = batchSize;
  dense_.clear();
  for (const FixedLenFeature &f : config_.dense) {
    TensorShape shape = f.shape;
    shape.insertDim(0, batchSize);
    dense_.emplace_back(f.dtype, shape);
  }
  sparse_.assign(config_.sparse.size(), SparseAccum());
}

size_t ExampleParser::findSlot(std::string_view key) const {
  // Configs are small (a handful of keys): a scan that compares lengths
  // first beats a binary search of string compares.
  if (keyIndex_.size() <= 16) {
    for (size_t i = 0; i < keyIndex_.size(); ++i) {
      const std::string &k = keyIndex_[i].first;
      if (k.size() == key.size() && (key.empty() || k[0] == key[0]) &&
          std::memcmp(k.data(), key.data(), key.size()) == 0)
        return i;
    }
    return kNoSlot;
  }
  auto it = std::lower_bound(
      keyIndex_.begin(), keyIndex_.end(), key,
      [](const std::pair<std::string, int> &a, std::string_view k) {
        return std::string_view(a.first) < k;
      });
  if (it == keyIndex_.end() || it->first != key)
    return kNoSlot;
  return static_cast<size_t>(it - keyIndex_.begin());
}

Status ExampleParser::parseInto(int64_t index, std::string_view serialized,
                                std::string_view name) {
  if (index < 0 || index >= batchSize_)
    return errors::InvalidArgument("Example index ", index,
                                   " is outside the batch of ", batchSize_);
  return parseOne(index, serialized, name, /*single=*/false);
}

Status ExampleParser::parseIntoBorrowed(int64_t index,
                                        std::string_view serialized,
                                        std::vector<std::string_view> &views) {
  if (index < 0 || index >= batchSize_)
    return errors::InvalidArgument("Example index ", index,
                                   " is outside the batch of ", batchSize_);
  views.assign(config_.dense.size(), std::string_view());
  borrowed_ = &views;
  Status s = parseOne(index, serialized, {}, /*single=*/false);
  borrowed_ = nullptr;
  return s;
}

Status ExampleParser::parseOne(int64_t index, std::string_view serialized,
                               std::string_view name, bool single) {
  std::string_view exampleName =
      name.empty() ? std::string_view("<unknown>") : name;
  auto parseFailure = [&] {
    return errors::InvalidArgument("Could not parse example input, value: '",
                                   std::string(serialized), "'");
  };
  // "Key: k.  <what>" for ParseSingleExample, "Name: n, Key: k, Index: i.
  // <what>" for ParseExample.
  auto keyError = [&](const std::string &key, const std::string &what) {
    if (single)
      return errors::InvalidArgument("Key: ", key, ".  ", what);
    return errors::InvalidArgument("Name: ", exampleName, ", Key: ", key,
                                   ", Index: ", index, ".  ", what);
  };

  // Pass 1: find each configured feature's payload; later duplicates win.
  std::fill(present_.begin(), present_.end(), false);
  std::string_view ex = serialized;
  while (!ex.empty()) {
    uint32_t field, type;
    if (!readTag(ex, &field, &type))
      return parseFailure();
    if (field != 1 || type != wire::kLengthDelimited) {
      if (!wire::skipField(ex, type))
        return parseFailure();
      continue;
    }
    std::string_view features;
    if (!readLengthDelimited(ex, &features))
      return parseFailure();
    while (!features.empty()) {
      if (!readTag(features, &field, &type))
        return parseFailure();
      if (field != 1 || type != wire::kLengthDelimited) {
        if (!wire::skipField(features, type))
          return parseFailure();
        continue;
      }
      std::string_view entry, key, value;
      if (!readLengthDelimited(features, &entry))
        return parseFailure();
      while (!entry.empty()) {
        if (!readTag(entry, &field, &type))
          return parseFailure();
        if (field == 1 && type == wire::kLengthDelimited) {
          if (!readLengthDelimited(entry, &key))
            return parseFailure();
        } else if (field == 2 && type == wire::kLengthDelimited) {
          if (!readLengthDelimited(entry, &value))
            return parseFailure();
        } else if (!wire::skipField(entry, type)) {
          return parseFailure();
        }
      }
      size_t slot = findSlot(key);
      if (slot == kNoSlot)
        continue; // a feature nobody asked for
      found_[slot] = value;
      present_[slot] = true;
    }
  }

  // Pass 2: decode what was found into the outputs.
  for (size_t slot = 0; slot < keyIndex_.size(); ++slot) {
    int which = keyIndex_[slot].second;
    const std::string &key = keyIndex_[slot].first;
    if (which >= 0) {
      const FixedLenFeature &spec = config_.dense[which];
      Tensor &out = dense_[which];
      int64_t rowElems = spec.shape.numElements();
      int64_t base = index * rowElems;
      if (!present_[slot]) {
        if (!spec.defaultValue.isValid() ||
            spec.defaultValue.numElements() == 0) {
          if (single)
            return errors::InvalidArgument(
                "Feature: ", key, " (data type: ", dtypeName(spec.dtype), ")",
                " is required but could not be found.");
          return errors::InvalidArgument(
              "Name: ", exampleName, ", Feature: ", key,
              " (data type: ", dtypeName(spec.dtype), ")",
              " is required but could not be found.");
        }
        out.copyElements(base, spec.defaultValue, 0, rowElems);
        continue;
      }
      DType kind;
      std::string_view list;
      if (!parseFeature(found_[slot], &kind, &list))
        return keyError(key, "Can't parse serialized Example.");
      if (kind != DType::kInvalid && kind != spec.dtype)
        return keyError(
            key, errors::detail::cat(
                     "Data types don't match. Data type: ", dtypeName(kind),
                     " but expected type: ", dtypeName(spec.dtype)));
      int64_t count = 0;
      bool ok = true;
      switch (spec.dtype) {
      case DType::kFloat: {
        float *row = out.data<float>() + base;
        ok = forEachFloat(list, [&](float v) {
          if (count < rowElems)
            row[count] = v;
          ++count;
        });
        break;
      }
      case DType::kInt64: {
        int64_t *row = out.data<int64_t>() + base;
        ok = forEachInt64(list, [&](int64_t v) {
          if (count < rowElems)
            row[count] = v;
          ++count;
        });
        break;
      }
      default: {
        if (borrowed_ && rowElems == 1) {
          std::string_view *view = &(*borrowed_)[which];
          ok = forEachBytes(list, [&](std::string_view v) {
            if (count == 0)
              *view = v;
            ++count;
          });
          break;
        }
        std::string *row = out.data<std::string>() + base;
        ok = forEachBytes(list, [&](std::string_view v) {
          if (count < rowElems)
            row[count].assign(v.data(), v.size());
          ++count;
        });
        break;
      }
      }
      if (!ok)
        return keyError(key, "Can't parse serialized Example.");
      if (count != rowElems)
        return keyError(key, errors::detail::cat(
                                 "Number of ", listTypeName(spec.dtype),
                                 " values != expected.  Values size: ", count,
                                 " but output shape: ", spec.shape.toString()));
      continue;
    }

    // A sparse (VarLen) feature: append whatever is there.
    const VarLenFeature &spec = config_.sparse[-which - 1];
    SparseAccum &acc = sparse_[-which - 1];
    if (!present_[slot])
      continue;
    DType kind;
    std::string_view list;
    if (!parseFeature(found_[slot], &kind, &list))
      return keyError(key, "Can't parse serialized Example.");
    if (kind != DType::kInvalid && kind != spec.dtype)
      return keyError(
          key, errors::detail::cat("Data types don't match. Expected type: ",
                                   dtypeName(spec.dtype),
                                   ", Actual type: ", dtypeName(kind)));
    int64_t count = 0;
    bool ok = true;
    switch (spec.dtype) {
    case DType::kFloat:
      ok = forEachFloat(list, [&](float v) {
        acc.floats.push_back(v);
        ++count;
      });
      break;
    case DType::kInt64:
      ok = forEachInt64(list, [&](int64_t v) {
        acc.ints.push_back(v);
        ++count;
      });
      break;
    default:
      ok = forEachBytes(list, [&](std::string_view v) {
        acc.bytes.emplace_back(v);
        ++count;
      });
      break;
    }
    if (!ok)
      return keyError(key, "Can't parse serialized Example.");
    if (count > 0)
      acc.counts.emplace_back(index, count);
  }
  return Status::OK();
}

ParsedExamples ExampleParser::finishBatch() {
  ParsedExamples out;
  out.denseValues = dense_;
  for (size_t s = 0; s < config_.sparse.size(); ++s) {
    const SparseAccum &acc = sparse_[s];
    int64_t total = 0, maxLen = 0;
    for (auto [ex, n] : acc.counts) {
      total += n;
      maxLen = std::max(maxLen, n);
    }
    Tensor indices(DType::kInt64, TensorShape{total, 2});
    int64_t *ip = indices.data<int64_t>();
    for (auto [ex, n] : acc.counts)
      for (int64_t j = 0; j < n; ++j) {
        *ip++ = ex;
        *ip++ = j;
      }
    DType dtype = config_.sparse[s].dtype;
    Tensor values(dtype, TensorShape{total});
    if (dtype == DType::kFloat)
      std::copy(acc.floats.begin(), acc.floats.end(), values.data<float>());
    else if (dtype == DType::kInt64)
      std::copy(acc.ints.begin(), acc.ints.end(), values.data<int64_t>());
    else
      std::copy(acc.bytes.begin(), acc.bytes.end(), values.data<std::string>());
    out.sparseIndices.push_back(indices);
    out.sparseValues.push_back(values);
    out.sparseShapes.push_back(Tensor::vector<int64_t>({batchSize_, maxLen}));
  }
  return out;
}

StatusOr<ParsedExamples>
ExampleParser::parseSingle(std::string_view serialized) {
  beginBatch(1);
  KILN_RETURN_IF_ERROR(parseOne(0, serialized, {}, /*single=*/true));
  ParsedExamples batch = finishBatch();
  ParsedExamples out;
  for (size_t d = 0; d < batch.denseValues.size(); ++d) {
    StatusOr<Tensor> t = batch.denseValues[d].reshaped(config_.dense[d].shape);
    if (!t.ok())
      return t.status();
    out.denseValues.push_back(*t);
  }
  for (size_t s = 0; s < batch.sparseIndices.size(); ++s) {
    // ParseSingleExample's sparse tensors have rank 1: drop the batch column.
    const Tensor &ix2 = batch.sparseIndices[s];
    int64_t n = ix2.shape().dim(0);
    Tensor ix1(DType::kInt64, TensorShape{n, 1});
    for (int64_t i = 0; i < n; ++i)
      ix1.data<int64_t>()[i] = ix2.data<int64_t>()[2 * i + 1];
    out.sparseIndices.push_back(ix1);
    out.sparseValues.push_back(batch.sparseValues[s]);
    out.sparseShapes.push_back(Tensor::vector<int64_t>({n}));
  }
  return out;
}

StatusOr<ParsedExamples>
parseExample(const std::vector<std::string_view> &serialized,
             const std::vector<std::string> &names,
             const ParseExampleConfig &config) {
  if (!names.empty() && names.size() != serialized.size())
    return errors::InvalidArgument(
        "Expected len(names) == len(serialized), but got: ", names.size(),
        " vs. ", serialized.size());
  StatusOr<ExampleParser> parser = ExampleParser::create(config);
  if (!parser.ok())
    return parser.status();
  int64_t n = static_cast<int64_t>(serialized.size());
  parser->beginBatch(n);
  for (int64_t i = 0; i < n; ++i)
    KILN_RETURN_IF_ERROR(parser->parseInto(
        i, serialized[i], names.empty() ? std::string_view() : names[i]));
  return parser->finishBatch();
}

StatusOr<ParsedExamples> parseSingleExample(std::string_view serialized,
                                            const ParseExampleConfig &config) {
  StatusOr<ExampleParser> parser = ExampleParser::create(config);
  if (!parser.ok())
    return parser.status();
  return parser->parseSingle(serialized);
}

} // namespace kiln
