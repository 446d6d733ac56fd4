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

// The key lookup and the direct walk (below) run their helpers a few dozen
// times per record: forced inline, the position they advance stays in a
// register.
#define KILN_ALWAYS_INLINE inline __attribute__((always_inline))

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

/// a[0, n) == b[0, n); feature keys are short, and two overlapping word
/// compares beat a call to memcmp.
KILN_ALWAYS_INLINE bool sameBytes(const char *a, const char *b, size_t n) {
  if (n >= 8 && n <= 16) {
    uint64_t a0, a1, b0, b1;
    std::memcpy(&a0, a, 8);
    std::memcpy(&b0, b, 8);
    std::memcpy(&a1, a + n - 8, 8);
    std::memcpy(&b1, b + n - 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
  if (n >= 4 && n < 8) {
    uint32_t a0, a1, b0, b1;
    std::memcpy(&a0, a, 4);
    std::memcpy(&b0, b, 4);
    std::memcpy(&a1, a + n - 4, 4);
    std::memcpy(&b1, b + n - 4, 4);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
  if (n < 4) {
    for (size_t i = 0; i < n; ++i)
      if (a[i] != b[i])
        return false;
    return true;
  }
  return std::memcmp(a, b, n) == 0;
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
  for (const FixedLenFeature &f : p.config_.dense)
    p.rowElems_.push_back(f.shape.numElements());
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

namespace {

// Configs are small (a handful of keys): a scan that compares lengths first
// beats a binary search of string compares.
constexpr size_t kMaxScannedKeys = 16;

KILN_ALWAYS_INLINE size_t
scanKeys(const std::vector<std::pair<std::string, int>> &keys,
         std::string_view key) {
  for (size_t i = 0; i < keys.size(); ++i) {
    const std::string &k = keys[i].first;
    if (k.size() == key.size() && sameBytes(k.data(), key.data(), k.size()))
      return i;
  }
  return ~size_t(0);
}

} // namespace

size_t ExampleParser::findSlot(std::string_view key) const {
  if (keyIndex_.size() <= kMaxScannedKeys)
    return scanKeys(keyIndex_, key);
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
  if (views.size() == config_.dense.size())
    std::fill(views.begin(), views.end(), std::string_view());
  else
    views.assign(config_.dense.size(), std::string_view());
  borrowed_ = &views;
  Status s = parseOne(index, serialized, {}, /*single=*/false);
  borrowed_ = nullptr;
  return s;
}

//===----------------------------------------------------------------------===//
// The direct walk. It accepts only the layout every writer produces and, on
// anything else, returns false before an output is in a state the general
// decoder would not overwrite: dense rows it wrote get the same values again,
// and sparse values it appended are dropped.
//===----------------------------------------------------------------------===//

namespace {

/// A varint at p as wire::getVarint64 decodes it; false when truncated or
/// longer than 10 bytes.
KILN_ALWAYS_INLINE bool fastVarint(const uint8_t *&p, const uint8_t *end,
                                   uint64_t *v) {
  if (p != end && *p < 0x80) {
    *v = *p++;
    return true;
  }
  uint64_t result = 0;
  for (int i = 0; i < 10 && p + i != end; ++i) {
    uint64_t byte = p[i];
    result |= (byte & 0x7f) << (7 * i);
    if (!(byte & 0x80)) {
      p += i + 1;
      *v = result;
      return true;
    }
  }
  return false;
}

/// A one-byte tag `tag` followed by a length that spans exactly the rest of
/// [p, end): a sub-message or list that is the only field of its parent.
KILN_ALWAYS_INLINE bool fastOnlyField(const uint8_t *&p, const uint8_t *end,
                                      uint8_t tag) {
  uint64_t n;
  return p != end && *p++ == tag && fastVarint(p, end, &n) &&
         n == static_cast<uint64_t>(end - p);
}

/// The tag of Feature's oneof member holding `dtype`'s list.
uint8_t featureTag(DType dtype) {
  return dtype == DType::kString  ? 0x0a  // bytes_list = 1
         : dtype == DType::kFloat ? 0x12  // float_list = 2
                                  : 0x1a; // int64_list = 3
}

} // namespace

bool ExampleParser::parseFast(int64_t index, std::string_view serialized) {
  const auto *p = reinterpret_cast<const uint8_t *>(serialized.data());
  const uint8_t *end = p + serialized.size();
  auto view = [](const uint8_t *b, size_t n) {
    return std::string_view(reinterpret_cast<const char *>(b), n);
  };
  // Example: its features = 1 and nothing else.
  if (!fastOnlyField(p, end, 0x0a))
    return false;
  std::fill(present_.begin(), present_.end(), 0);
  while (p != end) {
    // Features: map entries feature = 1 of { key = 1; value = 2; }.
    uint64_t n;
    if (*p++ != 0x0a || !fastVarint(p, end, &n) ||
        n > static_cast<uint64_t>(end - p))
      return false;
    const uint8_t *entryEnd = p + n;
    if (entryEnd - p < 2 || p[0] != 0x0a || p[1] >= 0x80 ||
        p[1] > entryEnd - p - 2)
      return false;
    std::string_view key = view(p + 2, p[1]);
    p += 2 + p[1];
    if (!fastOnlyField(p, entryEnd, 0x12))
      return false;
    size_t slot = keyIndex_.size() <= kMaxScannedKeys ? scanKeys(keyIndex_, key)
                                                      : findSlot(key);
    if (slot != kNoSlot) { // later duplicates win, as in the map
      found_[slot] = view(p, static_cast<size_t>(entryEnd - p));
      present_[slot] = 1;
    }
    p = entryEnd;
  }

  // Sparse values appended so far, to drop them on a fallback.
  sparseMarks_.clear();
  for (const SparseAccum &acc : sparse_)
    sparseMarks_.insert(sparseMarks_.end(),
                        {acc.counts.size(), acc.ints.size(), acc.floats.size(),
                         acc.bytes.size()});
  auto fallBack = [&] {
    const size_t *mark = sparseMarks_.data();
    for (SparseAccum &acc : sparse_) {
      acc.counts.resize(mark[0]);
      acc.ints.resize(mark[1]);
      acc.floats.resize(mark[2]);
      acc.bytes.resize(mark[3]);
      mark += 4;
    }
    return false;
  };

  for (size_t slot = 0; slot < keyIndex_.size(); ++slot) {
    int which = keyIndex_[slot].second;
    bool dense = which >= 0;
    DType dtype =
        dense ? config_.dense[which].dtype : config_.sparse[-which - 1].dtype;
    if (!present_[slot]) {
      if (!dense)
        continue;
      const Tensor &def = config_.dense[which].defaultValue;
      if (!def.isValid() || def.numElements() == 0)
        return fallBack(); // required: the general decoder says so
      dense_[which].copyElements(index * rowElems_[which], def, 0,
                                 rowElems_[which]);
      continue;
    }
    const auto *q = reinterpret_cast<const uint8_t *>(found_[slot].data());
    const uint8_t *qEnd = q + found_[slot].size();
    // Feature: the one list of the configured type.
    if (!fastOnlyField(q, qEnd, featureTag(dtype)))
      return fallBack();
    int64_t rowElems = dense ? rowElems_[which] : 0;
    int64_t base = index * rowElems;
    int64_t count = 0;
    if (dtype == DType::kString && dense && borrowed_ && rowElems == 1) {
      // A borrowed scalar: the one value = 1 field of the BytesList.
      if (!fastOnlyField(q, qEnd, 0x0a))
        return fallBack();
      (*borrowed_)[which] = view(q, static_cast<size_t>(qEnd - q));
      count = 1;
    } else if (dtype == DType::kString) {
      // BytesList: one value = 1 field per value.
      std::string *row =
          dense ? dense_[which].data<std::string>() + base : nullptr;
      while (q != qEnd) {
        uint64_t n;
        if (*q++ != 0x0a || !fastVarint(q, qEnd, &n) ||
            n > static_cast<uint64_t>(qEnd - q))
          return fallBack();
        if (!dense)
          sparse_[-which - 1].bytes.emplace_back(
              view(q, static_cast<size_t>(n)));
        else if (count < rowElems)
          row[count].assign(reinterpret_cast<const char *>(q),
                            static_cast<size_t>(n));
        q += n;
        ++count;
      }
    } else if (q != qEnd) {
      // FloatList / Int64List: one packed value = 1 field.
      if (!fastOnlyField(q, qEnd, 0x0a))
        return fallBack();
      if (dtype == DType::kFloat) {
        size_t n = static_cast<size_t>(qEnd - q);
        if (n % 4 != 0)
          return fallBack();
        count = static_cast<int64_t>(n / 4);
        if (dense) {
          if (count != rowElems)
            return fallBack();
          float *row = dense_[which].data<float>() + base;
          for (int64_t i = 0; i < count; ++i)
            row[i] = floatFromBits(reinterpret_cast<const char *>(q) + 4 * i);
        } else {
          std::vector<float> &out = sparse_[-which - 1].floats;
          for (int64_t i = 0; i < count; ++i)
            out.push_back(
                floatFromBits(reinterpret_cast<const char *>(q) + 4 * i));
        }
      } else {
        int64_t *row = dense ? dense_[which].data<int64_t>() + base : nullptr;
        while (q != qEnd) {
          uint64_t v;
          if (!fastVarint(q, qEnd, &v))
            return fallBack();
          if (!dense)
            sparse_[-which - 1].ints.push_back(static_cast<int64_t>(v));
          else if (count < rowElems)
            row[count] = static_cast<int64_t>(v);
          ++count;
        }
      }
    }
    if (dense ? count != rowElems : false)
      return fallBack();
    if (!dense && count > 0)
      sparse_[-which - 1].counts.emplace_back(index, count);
  }
  ++fastParses_;
  return true;
}

Status ExampleParser::parseGeneral(int64_t index, std::string_view serialized,
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
