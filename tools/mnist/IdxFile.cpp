//===- IdxFile.cpp - MNIST's idx array files ------------------------------===//
#include "kiln/mnist/IdxFile.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <zlib.h>

namespace kiln {
namespace {

/// gzread also reads uncompressed files unchanged, so one path serves both.
class GzFile {
public:
  explicit GzFile(gzFile f) : f_(f) {}
  ~GzFile() {
    if (f_)
      gzclose(f_);
  }
  GzFile(const GzFile &) = delete;
  GzFile &operator=(const GzFile &) = delete;

  /// Reads up to n bytes; returns the count or -1 on a decompression error.
  int64_t read(void *dst, size_t n) {
    auto *p = static_cast<char *>(dst);
    size_t done = 0;
    while (done < n) {
      unsigned chunk =
          static_cast<unsigned>(std::min<size_t>(n - done, 1u << 30));
      int r = gzread(f_, p + done, chunk);
      if (r < 0)
        return -1;
      if (r == 0)
        break;
      done += static_cast<size_t>(r);
    }
    return static_cast<int64_t>(done);
  }
  std::string error() {
    int code;
    const char *msg = gzerror(f_, &code);
    return msg ? msg : "decompression error";
  }

private:
  gzFile f_;
};

} // namespace

StatusOr<IdxArray> readIdxFile(const std::string &path) {
  errno = 0;
  gzFile raw = gzopen(path.c_str(), "rb");
  if (!raw) {
    int err = errno ? errno : ENOENT;
    std::string msg = path + ": " + std::strerror(err);
    if (err == ENOENT)
      return errors::NotFound(msg);
    return errors::Unknown(msg);
  }
  GzFile f(raw);
  auto bad = [&](const std::string &why) {
    return errors::DataLoss(path, ": not a valid idx file: ", why);
  };
  uint8_t magic[4];
  int64_t got = f.read(magic, 4);
  if (got < 0)
    return bad(f.error());
  if (got < 4)
    return bad("file shorter than the 4-byte idx magic number");
  if (magic[0] != 0 || magic[1] != 0)
    return bad("the magic number must start with two zero bytes");
  if (magic[2] != 0x08)
    return errors::InvalidArgument(path, ": idx element type 0x", std::hex,
                                   int(magic[2]),
                                   " is not supported (only unsigned byte, "
                                   "0x08, is)");
  int rank = magic[3];
  if (rank == 0)
    return bad("rank 0");
  IdxArray out;
  uint64_t total = 1;
  for (int i = 0; i < rank; ++i) {
    uint8_t b[4];
    if (f.read(b, 4) != 4)
      return bad("header ends inside the dimension sizes");
    uint32_t d = uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 |
                 uint32_t(b[2]) << 8 | uint32_t(b[3]);
    out.dims.push_back(d);
    total *= d;
    if (total > (uint64_t(1) << 40))
      return bad("dimensions describe more than 1 TiB of data");
  }
  // Grow as data arrives rather than trusting the header's size up front.
  std::vector<uint8_t> &data = out.data;
  size_t have = 0;
  while (have < total) {
    size_t want = std::min<uint64_t>(total - have, 16u << 20);
    data.resize(have + want);
    int64_t r = f.read(data.data() + have, want);
    if (r < 0)
      return bad(f.error());
    have += static_cast<size_t>(r);
    if (static_cast<size_t>(r) < want)
      break;
  }
  if (have < total)
    return bad(errors::detail::cat("the header promises ", total,
                                   " data bytes but the file has ", have));
  data.resize(have);
  uint8_t extra;
  int64_t r = f.read(&extra, 1);
  if (r < 0)
    return bad(f.error());
  if (r > 0)
    return bad(errors::detail::cat("data continues past the ", total,
                                   " bytes the header promises"));
  return out;
}

} // namespace kiln
