//===- TfFixtures.h - Where the TF-written fixtures are, or why not -*- C++ -*-===//
//
// Tests on files TensorFlow wrote read them from $KILN_TF_FIXTURES, else the
// configured KILN_TF_FIXTURES (../shared/fixtures/tf). Without them a test
// skips on a developer's machine, but fails under CI=true: a broken fixture
// path must not pass for green.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TEST_RUNTIME_TFFIXTURES_H
#define KILN_TEST_RUNTIME_TFFIXTURES_H

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <strings.h>
#include <sys/stat.h>

namespace kiln {
namespace testing {

/// CI=true (or 1) in the environment, as CI services set it.
inline bool fixturesRequired() {
  const char *ci = std::getenv("CI");
  return ci && (::strcasecmp(ci, "true") == 0 || std::strcmp(ci, "1") == 0);
}

/// The TF fixture folder, or "" when it does not exist.
inline std::string tfFixturesDir() {
  const char *env = std::getenv("KILN_TF_FIXTURES");
  std::string dir = env && *env ? env : KILN_TF_FIXTURES;
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return "";
  return dir;
}

} // namespace testing
} // namespace kiln

/// Ends the test for a missing fixture: a skip, or a failure under CI=true.
/// `message` may stream (`"missing: " << path`).
#define KILN_MISSING_FIXTURE(message)                                          \
  do {                                                                         \
    if (::kiln::testing::fixturesRequired())                                   \
      GTEST_FAIL() << message                                                  \
                   << " (CI=true: the TF fixtures must be there; set "         \
                      "KILN_TF_FIXTURES)";                                     \
    else                                                                       \
      GTEST_SKIP() << message << " (set KILN_TF_FIXTURES)";                    \
  } while (0)

/// Declares `dirVar` as the fixture folder, or ends the test without it.
#define KILN_REQUIRE_FIXTURES(dirVar)                                          \
  std::string dirVar = ::kiln::testing::tfFixturesDir();                       \
  if (dirVar.empty())                                                          \
    KILN_MISSING_FIXTURE("TF fixtures folder not found")

#endif // KILN_TEST_RUNTIME_TFFIXTURES_H
