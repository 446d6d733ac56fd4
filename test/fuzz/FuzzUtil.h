//===- FuzzUtil.h - Shared helpers of the fuzz harnesses --------*- C++ -*-===//
//
// The runtime's readers take file names, so the harnesses write each input
// into a private scratch directory first. Checksums (CRC32C) guard most of
// the formats; a fuzzer cannot guess them, so harnesses also run a copy of
// the input whose checksums were recomputed to match (fixRecordCrcs and the
// checkpoint fixers), which lets mutations reach the code behind the checks.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TEST_FUZZ_FUZZUTIL_H
#define KILN_TEST_FUZZ_FUZZUTIL_H

#include "kiln/runtime/Crc32c.h"
#include "kiln/runtime/Wire.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace kiln {
namespace fuzz {

/// A directory under $TMPDIR (or /tmp) that lives as long as the process;
/// clear() removes the files written since the last clear().
class ScratchDir {
public:
  static ScratchDir &get() {
    static ScratchDir dir;
    return dir;
  }
  std::string path(const std::string &name) const { return dir_ + "/" + name; }
  /// Writes `bytes` to `name` in the directory; aborts when it cannot.
  std::string write(const std::string &name, std::string_view bytes) {
    std::string p = path(name);
    FILE *f = std::fopen(p.c_str(), "wb");
    if (!f || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() ||
        std::fclose(f) != 0) {
      std::perror(p.c_str());
      std::abort();
    }
    written_.push_back(p);
    return p;
  }
  void clear() {
    for (const std::string &p : written_)
      ::unlink(p.c_str());
    written_.clear();
  }
  ~ScratchDir() {
    clear();
    ::rmdir(dir_.c_str());
  }

private:
  ScratchDir() {
    const char *tmp = std::getenv("TMPDIR");
    std::string templ =
        std::string(tmp && *tmp ? tmp : "/tmp") + "/kiln-fuzz-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data())) {
      std::perror("mkdtemp");
      std::abort();
    }
    dir_ = buf.data();
  }
  std::string dir_;
  std::vector<std::string> written_;
};

inline void storeFixed32(char *p, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    p[i] = static_cast<char>(v >> (8 * i));
}

/// Recomputes the length and data CRCs of every TFRecord framed in `s`, as
/// far as the lengths lead; lengths themselves are left as they are.
inline void fixRecordCrcs(std::string &s) {
  size_t pos = 0;
  while (s.size() - pos >= 12) {
    char *h = &s[pos];
    storeFixed32(h + 8, crc32c::mask(crc32c::value(h, 8)));
    uint64_t len = wire::getFixed64(h);
    size_t left = s.size() - pos - 12;
    if (len > left || left - len < 4)
      return;
    char *d = h + 12;
    storeFixed32(d + len, crc32c::mask(crc32c::value(d, len)));
    pos += 12 + len + 4;
  }
}

} // namespace fuzz
} // namespace kiln

#endif // KILN_TEST_FUZZ_FUZZUTIL_H
