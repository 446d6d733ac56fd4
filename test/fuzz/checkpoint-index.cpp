//===- checkpoint-index.cpp - Fuzzes the checkpoint index reader ----------===//
//
// The input is a checkpoint's `.index` file (a LevelDB table of a
// BundleHeaderProto and one BundleEntryProto per tensor), read as it is and
// again with its block checksums fixed: the table reader directly, then
// BundleReader (open, list, every entry; lookups fail for want of a data
// file).
//
//===----------------------------------------------------------------------===//
#include "CheckpointFuzz.h"

using namespace kiln;

static void readIndex(const std::string &bytes) {
  fuzz::ScratchDir &dir = fuzz::ScratchDir::get();
  dir.clear();
  std::string path = dir.write("ckpt.index", bytes);

  auto file = checkpoint::RandomAccessFile::open(path);
  if (file.ok()) {
    auto table = table::Table::open(&*file);
    if (table.ok()) {
      std::vector<std::string> keys;
      (void)(*table)->forEach([&](std::string_view k, std::string_view) {
        keys.emplace_back(k);
        return Status::OK();
      });
      std::string value;
      for (const std::string &k : keys)
        (void)(*table)->get(k, &value);
      (void)(*table)->get("", &value);
      (void)(*table)->get("\xff\xff", &value);
    }
  }

  auto reader = BundleReader::open(dir.path("ckpt"));
  if (!reader.ok())
    return;
  for (const std::string &key : (*reader)->keys()) {
    (void)(*reader)->contains(key);
    (void)(*reader)->entry(key);
    Tensor t;
    (void)(*reader)->lookup(key, &t);
  }
  (void)(*reader)->entry("no such key");
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string input(reinterpret_cast<const char *>(data), size);
  readIndex(input);
  std::string fixed = input;
  fuzz::fixTableCrcs(fixed);
  if (fixed != input)
    readIndex(fixed);
  return 0;
}
