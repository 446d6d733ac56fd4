//===- checkpoint-bundle.cpp - Fuzzes BundleReader on index + data --------===//
//
// The input is a whole checkpoint: its `.index` up to and including the
// table's magic number, then the bytes of its data file (a seed is `cat
// x.index x.data-00000-of-00001`). The checkpoint is read as it is and again
// with the block checksums of the index and the length checksums of string
// tensors fixed: every tensor is looked up (twice, the second time into the
// tensor the first returned, which reads in place) and verifyAll() runs.
//
//===----------------------------------------------------------------------===//
#include "CheckpointFuzz.h"

using namespace kiln;

static void readBundle(const std::string &index, const std::string &data,
                       bool fixStrings) {
  fuzz::ScratchDir &dir = fuzz::ScratchDir::get();
  dir.clear();
  dir.write("ckpt.index", index);
  std::string prefix = dir.path("ckpt");
  auto reader = BundleReader::open(prefix);
  if (!reader.ok())
    return;
  int numShards = (*reader)->header().numShards;
  std::string dataName =
      bundleDataFilename("ckpt", 0, numShards > 0 ? numShards : 1);
  if (fixStrings) {
    std::string fixedData = data;
    fuzz::fixStringLengthCrcs(**reader, fixedData);
    dir.write(dataName, fixedData);
  } else {
    dir.write(dataName, data);
  }
  for (const std::string &key : (*reader)->keys()) {
    Tensor t;
    if ((*reader)->lookup(key, &t).ok())
      (void)(*reader)->lookup(key, &t);
  }
  (void)(*reader)->verifyAll();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto [index, bytes] = fuzz::splitBundle(
      std::string_view(reinterpret_cast<const char *>(data), size));
  readBundle(index, bytes, /*fixStrings=*/false);
  std::string fixed = index;
  fuzz::fixTableCrcs(fixed);
  readBundle(fixed, bytes, /*fixStrings=*/true);
  return 0;
}
