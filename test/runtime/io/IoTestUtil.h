//===- IoTestUtil.h - Helpers for the io and MNIST tests --------*- C++ -*-===//
#ifndef KILN_TEST_RUNTIME_IO_IOTESTUTIL_H
#define KILN_TEST_RUNTIME_IO_IOTESTUTIL_H

#include "../TfFixtures.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace kiln {
namespace testutil {

/// The TF fixture folder, or "" when it is absent (see TfFixtures.h: tests
/// then end with KILN_MISSING_FIXTURE).
inline std::string fixturesDir() { return ::kiln::testing::tfFixturesDir(); }

inline bool exists(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

inline std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// A fresh directory removed (with its files) at the end of the test.
class TempDir {
public:
  TempDir() {
    const char *t = std::getenv("TMPDIR");
    std::string tmpl = std::string(t && *t ? t : "/tmp") + "/kiln-io-XXXXXX";
    if (::mkdtemp(tmpl.data()))
      path_ = tmpl;
  }
  ~TempDir() {
    if (!path_.empty())
      std::system(("rm -rf '" + path_ + "'").c_str());
  }
  const std::string &path() const { return path_; }
  std::string file(const std::string &name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

} // namespace testutil
} // namespace kiln

#endif // KILN_TEST_RUNTIME_IO_IOTESTUTIL_H
