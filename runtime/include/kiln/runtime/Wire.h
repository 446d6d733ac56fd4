//===- Wire.h - Little-endian fixed ints and protobuf varints ---*- C++ -*-===//
//
// The byte-level encodings shared by checkpoints (SSTable blocks, bundle
// entries), TFRecords and the hand-written protobuf encoders/decoders that
// keep the hot paths free of protobuf message objects.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RUNTIME_WIRE_H
#define KILN_RUNTIME_WIRE_H

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace kiln {
namespace wire {

inline void putFixed32(std::string &out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i)
    b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out.append(b, 4);
}

inline void putFixed64(std::string &out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i)
    b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out.append(b, 8);
}

inline uint32_t getFixed32(const char *p) {
  const auto *u = reinterpret_cast<const uint8_t *>(p);
  return uint32_t(u[0]) | uint32_t(u[1]) << 8 | uint32_t(u[2]) << 16 |
         uint32_t(u[3]) << 24;
}

inline uint64_t getFixed64(const char *p) {
  return uint64_t(getFixed32(p)) | uint64_t(getFixed32(p + 4)) << 32;
}

inline void putVarint64(std::string &out, uint64_t v) {
  char b[10];
  int n = 0;
  while (v >= 0x80) {
    b[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  b[n++] = static_cast<char>(v);
  out.append(b, n);
}

inline void putVarint32(std::string &out, uint32_t v) { putVarint64(out, v); }

/// Number of bytes putVarint64 writes for `v`.
inline int varintLength(uint64_t v) {
  int n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

/// Decodes a varint from the front of `in` and advances it. Returns false on
/// truncated input or a varint longer than 10 bytes (never reads past `in`).
inline bool getVarint64(std::string_view &in, uint64_t *v) {
  uint64_t result = 0;
  for (int shift = 0, i = 0; shift <= 63 && i < static_cast<int>(in.size());
       shift += 7, ++i) {
    uint64_t byte = static_cast<uint8_t>(in[i]);
    result |= (byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      in.remove_prefix(i + 1);
      *v = result;
      return true;
    }
  }
  return false;
}

inline bool getVarint32(std::string_view &in, uint32_t *v) {
  uint64_t x;
  std::string_view save = in;
  if (!getVarint64(in, &x) || x > 0xffffffffu) {
    in = save;
    return false;
  }
  *v = static_cast<uint32_t>(x);
  return true;
}

/// Protobuf wire types.
enum WireType : uint32_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kFixed32 = 5,
};

inline void putTag(std::string &out, uint32_t field, WireType type) {
  putVarint32(out, (field << 3) | type);
}

/// A length-delimited field (bytes, string or sub-message).
inline void putLengthDelimited(std::string &out, uint32_t field,
                               std::string_view bytes) {
  putTag(out, field, kLengthDelimited);
  putVarint64(out, bytes.size());
  out.append(bytes.data(), bytes.size());
}

/// Skips a field's payload of wire type `type`; false if malformed/truncated.
inline bool skipField(std::string_view &in, uint32_t type) {
  uint64_t n;
  switch (type) {
  case kVarint:
    return getVarint64(in, &n);
  case kFixed64:
    if (in.size() < 8)
      return false;
    in.remove_prefix(8);
    return true;
  case kLengthDelimited:
    if (!getVarint64(in, &n) || n > in.size())
      return false;
    in.remove_prefix(n);
    return true;
  case kFixed32:
    if (in.size() < 4)
      return false;
    in.remove_prefix(4);
    return true;
  default:
    return false;
  }
}

} // namespace wire
} // namespace kiln

#endif // KILN_RUNTIME_WIRE_H
