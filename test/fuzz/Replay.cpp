//===- Replay.cpp - Runs a fuzz harness over saved inputs -----------------===//
//
// The main() of the fuzz-<name>-replay executables that every build links
// with each harness: runs LLVMFuzzerTestOneInput once per file named on the
// command line or found (recursively) in a directory named there, in sorted
// order, so CTest replays the seed corpora and the regression inputs without
// libFuzzer. Fails when a path does not exist or no input was found; a crash
// is reported by the sanitizers (or the signal) with the input named first.
// Under a sanitizer, one allocation over 2 GiB is a failure too, as it is for
// libFuzzer (its -malloc_limit_mb defaults to -rss_limit_mb, 2048).
//
//===----------------------------------------------------------------------===//
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <unistd.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int *argc,
                                                          char ***argv);

extern "C" __attribute__((weak)) int __sanitizer_install_malloc_and_free_hooks(
    void (*mallocHook)(const volatile void *, size_t),
    void (*freeHook)(const volatile void *));
extern "C" __attribute__((weak)) void __sanitizer_print_stack_trace();

namespace fs = std::filesystem;

static void mallocHook(const volatile void *, size_t size) {
  if (size <= (size_t(2048) << 20))
    return;
  static const char msg[] = "replay: an allocation exceeds the malloc limit "
                            "of 2048 MB (libFuzzer's default)\n";
  (void)!::write(2, msg, sizeof(msg) - 1);
  if (__sanitizer_print_stack_trace)
    __sanitizer_print_stack_trace();
  std::abort();
}

int main(int argc, char **argv) {
  if (__sanitizer_install_malloc_and_free_hooks)
    __sanitizer_install_malloc_and_free_hooks(mallocHook, nullptr);
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::error_code ec;
    fs::path p(argv[i]);
    if (fs::is_directory(p, ec)) {
      for (fs::recursive_directory_iterator it(p, ec), end; !ec && it != end;
           it.increment(ec))
        if (it->is_regular_file(ec))
          files.push_back(it->path().string());
    } else if (fs::is_regular_file(p, ec)) {
      files.push_back(p.string());
    } else {
      std::fprintf(stderr, "replay: %s: no such file or directory\n", argv[i]);
      return 2;
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "replay: no inputs found\n");
    return 1;
  }
  std::sort(files.begin(), files.end());
  for (const std::string &file : files) {
    std::ifstream in(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
      return 2;
    }
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", file.c_str(),
                 bytes.size());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(bytes.data()),
                           bytes.size());
  }
  std::printf("replayed %zu inputs\n", files.size());
  return 0;
}
