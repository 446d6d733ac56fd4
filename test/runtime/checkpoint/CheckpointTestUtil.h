//===- CheckpointTestUtil.h - Helpers for checkpoint tests ----*- C++ -*-===//
//
// Temporary directories, whole-file reads and the fixture location, shared
// by the checkpoint test executables (each test .cpp is its own binary).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TEST_CHECKPOINTTESTUTIL_H
#define KILN_TEST_CHECKPOINTTESTUTIL_H

#include "../TfFixtures.h"

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kiln {
namespace testing {

/// The TF fixture folder, or "" when it is absent (see TfFixtures.h).
inline std::string fixturesDir() { return tfFixturesDir(); }

/// A fresh directory under $TMPDIR, removed (recursively) on destruction.
class TempDir {
public:
  TempDir() {
    const char *base = std::getenv("TMPDIR");
    std::string tmpl =
        std::string(base && *base ? base : "/tmp") + "/kiln-ckpt-XXXXXX";
    char *p = ::mkdtemp(tmpl.data());
    path_ = p ? p : "";
  }
  ~TempDir() {
    if (!path_.empty())
      (void)std::system(("rm -rf '" + path_ + "'").c_str());
  }
  const std::string &path() const { return path_; }
  std::string operator/(const std::string &name) const {
    return path_ + "/" + name;
  }

private:
  std::string path_;
};

inline std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void writeFile(const std::string &path, const std::string &data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

/// The peak resident set size of the process so far, in bytes.
inline uint64_t peakRssBytes() {
  struct rusage ru;
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<uint64_t>(ru.ru_maxrss) * 1024;
}

} // namespace testing
} // namespace kiln

#endif // KILN_TEST_CHECKPOINTTESTUTIL_H
