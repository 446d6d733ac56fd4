//===- TensorBundle.cpp - TensorFlow V2 checkpoint entries ----------------===//
#include "kiln/runtime/TensorBundle.h"

#include "kiln/runtime/Crc32c.h"

#include "kiln/runtime/Wire.h"

#include <cstdio>

namespace kiln {

using namespace wire;

std::string bundleIndexFilename(const std::string &prefix) {
  return prefix + ".index";
}

std::string bundleDataFilename(const std::string &prefix, int shard,
                               int numShards) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), ".data-%05d-of-%05d", shard, numShards);
  return prefix + buf;
}

// Protobuf writes int32/int64 fields as varints of the sign-extended value.
static void putIntField(std::string &out, uint32_t field, int64_t v) {
  if (v == 0)
    return;
  putTag(out, field, kVarint);
  putVarint64(out, static_cast<uint64_t>(v));
}

namespace {
/// Iterates the fields of one serialised message.
struct FieldReader {
  std::string_view in;
  uint32_t field = 0, type = 0;

  bool next(bool *ok) {
    if (in.empty())
      return false;
    uint64_t tag;
    if (!getVarint64(in, &tag) || (tag >> 3) == 0 || tag > 0xffffffffu) {
      *ok = false;
      return false;
    }
    field = static_cast<uint32_t>(tag >> 3);
    type = static_cast<uint32_t>(tag & 7);
    return true;
  }
  bool varint(uint64_t *v) { return type == kVarint && getVarint64(in, v); }
  bool bytes(std::string_view *v) {
    uint64_t n;
    if (type != kLengthDelimited || !getVarint64(in, &n) || n > in.size())
      return false;
    *v = in.substr(0, n);
    in.remove_prefix(n);
    return true;
  }
  bool skip() { return skipField(in, type); }
};
} // namespace

//===----------------------------------------------------------------------===//
// BundleHeaderProto
//===----------------------------------------------------------------------===//

std::string BundleHeader::encode() const {
  std::string version;
  putIntField(version, 1, versionProducer);
  putIntField(version, 2, versionMinConsumer);
  if (!badConsumers.empty()) {
    std::string packed; // proto3 repeated scalars are packed
    for (int32_t c : badConsumers)
      putVarint64(packed, static_cast<uint64_t>(int64_t(c)));
    putLengthDelimited(version, 3, packed);
  }
  std::string out;
  putIntField(out, 1, numShards);
  putIntField(out, 2, endianness);
  putLengthDelimited(out, 3, version);
  return out;
}

StatusOr<BundleHeader> BundleHeader::decode(std::string_view bytes) {
  Status bad = errors::DataLoss("Unable to parse BundleHeaderProto");
  BundleHeader h;
  FieldReader r{bytes};
  bool ok = true;
  while (r.next(&ok)) {
    uint64_t v;
    std::string_view sub;
    if (r.field == 1 && r.type == kVarint) {
      if (!r.varint(&v))
        return bad;
      h.numShards = static_cast<int32_t>(v);
    } else if (r.field == 2 && r.type == kVarint) {
      if (!r.varint(&v))
        return bad;
      h.endianness = static_cast<int32_t>(v);
    } else if (r.field == 3 && r.type == kLengthDelimited) {
      if (!r.bytes(&sub))
        return bad;
      FieldReader vr{sub};
      while (vr.next(&ok)) {
        if (vr.field == 1 && vr.varint(&v))
          h.versionProducer = static_cast<int32_t>(v);
        else if (vr.field == 2 && vr.varint(&v))
          h.versionMinConsumer = static_cast<int32_t>(v);
        else if (vr.field == 3 && vr.type == kVarint && vr.varint(&v))
          h.badConsumers.push_back(static_cast<int32_t>(v));
        else if (vr.field == 3 && vr.type == kLengthDelimited) {
          std::string_view packed;
          if (!vr.bytes(&packed))
            return bad;
          while (!packed.empty()) {
            if (!getVarint64(packed, &v))
              return bad;
            h.badConsumers.push_back(static_cast<int32_t>(v));
          }
        } else if (!vr.skip())
          return bad;
      }
      if (!ok)
        return bad;
    } else if (!r.skip()) {
      return bad;
    }
  }
  if (!ok)
    return bad;
  return h;
}

//===----------------------------------------------------------------------===//
// BundleEntryProto
//===----------------------------------------------------------------------===//

std::string BundleEntry::encode() const {
  std::string out;
  putIntField(out, 1, dtype);
  std::string shapeBytes;
  for (int64_t d : shape) {
    std::string dim;
    putIntField(dim, 1, d);
    putLengthDelimited(shapeBytes, 2, dim);
  }
  if (unknownRank) {
    putTag(shapeBytes, 3, kVarint);
    putVarint64(shapeBytes, 1);
  }
  putLengthDelimited(out, 2, shapeBytes); // always present, even if empty
  putIntField(out, 3, shardId);
  putIntField(out, 4, offset);
  putIntField(out, 5, size);
  if (crc32c != 0) {
    putTag(out, 6, kFixed32);
    putFixed32(out, crc32c);
  }
  for (const auto &slice : slices) {
    std::string sliceBytes;
    for (const SliceExtent &e : slice) {
      std::string extent;
      putIntField(extent, 1, e.start);
      if (e.length) { // oneof member: written even when zero
        putTag(extent, 2, kVarint);
        putVarint64(extent, static_cast<uint64_t>(*e.length));
      }
      putLengthDelimited(sliceBytes, 1, extent);
    }
    putLengthDelimited(out, 7, sliceBytes);
  }
  return out;
}

StatusOr<BundleEntry> BundleEntry::decode(std::string_view bytes) {
  Status bad = errors::DataLoss("Unable to parse BundleEntryProto");
  BundleEntry e;
  FieldReader r{bytes};
  bool ok = true;
  while (r.next(&ok)) {
    uint64_t v;
    std::string_view sub;
    switch (r.field) {
    case 1:
      if (!r.varint(&v))
        return bad;
      e.dtype = static_cast<int32_t>(v);
      break;
    case 2: {
      if (!r.bytes(&sub))
        return bad;
      FieldReader sr{sub};
      while (sr.next(&ok)) {
        std::string_view dim;
        if (sr.field == 2 && sr.bytes(&dim)) {
          FieldReader dr{dim};
          int64_t size = 0;
          while (dr.next(&ok)) {
            if (dr.field == 1 && dr.varint(&v))
              size = static_cast<int64_t>(v);
            else if (!dr.skip())
              return bad;
          }
          e.shape.push_back(size);
        } else if (sr.field == 3 && sr.varint(&v)) {
          e.unknownRank = v != 0;
        } else if (!sr.skip()) {
          return bad;
        }
      }
      break;
    }
    case 3:
      if (!r.varint(&v))
        return bad;
      e.shardId = static_cast<int32_t>(v);
      break;
    case 4:
      if (!r.varint(&v))
        return bad;
      e.offset = static_cast<int64_t>(v);
      break;
    case 5:
      if (!r.varint(&v))
        return bad;
      e.size = static_cast<int64_t>(v);
      break;
    case 6:
      if (r.type != kFixed32 || r.in.size() < 4)
        return bad;
      e.crc32c = getFixed32(r.in.data());
      r.in.remove_prefix(4);
      break;
    case 7: {
      if (!r.bytes(&sub))
        return bad;
      std::vector<SliceExtent> slice;
      FieldReader sr{sub};
      while (sr.next(&ok)) {
        std::string_view ext;
        if (sr.field == 1 && sr.bytes(&ext)) {
          SliceExtent x;
          FieldReader xr{ext};
          while (xr.next(&ok)) {
            if (xr.field == 1 && xr.varint(&v))
              x.start = static_cast<int64_t>(v);
            else if (xr.field == 2 && xr.varint(&v))
              x.length = static_cast<int64_t>(v);
            else if (!xr.skip())
              return bad;
          }
          slice.push_back(x);
        } else if (!sr.skip()) {
          return bad;
        }
      }
      e.slices.push_back(std::move(slice));
      break;
    }
    default:
      if (!r.skip())
        return bad;
    }
  }
  if (!ok)
    return bad;
  return e;
}

uint32_t extendCrcWithStringLength(uint32_t crc, uint64_t length) {
  int width = length <= UINT32_MAX ? 4 : 8;
  char le[8];
  for (int b = 0; b < width; ++b)
    le[b] = static_cast<char>(length >> (8 * b));
  return crc32c::extend(crc, le, width);
}

} // namespace kiln
