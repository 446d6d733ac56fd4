//===- main.cpp - The TF-written half_plus_two SavedModel, ahead of time
//---===//
//
// half_plus_two_graph.h comes from graph-compile on the SavedModel directory
// (tag set "serve"); its variables are restored from the SavedModel's
// TF-written checkpoint (variables/variables), then y = a*x + b.
//
//===----------------------------------------------------------------------===//
#include "half_plus_two_graph.h"

#include <cstdio>

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: half_plus_two SAVED_MODEL_DIR\n");
    return 2;
  }
  auto model = demo::HalfPlusTwo::create();
  if (!model.ok()) {
    std::fprintf(stderr, "%s\n", model.status().toString().c_str());
    return 1;
  }
  kiln::Status st =
      (*model)->restore(std::string(argv[1]) + "/variables/variables");
  kiln::Tensor y;
  if (st.ok())
    st = (*model)->serve(
        kiln::Tensor::fromVector<float>({1, 2, 3}, kiln::TensorShape{3, 1}),
        &y);
  if (!st.ok()) {
    std::fprintf(stderr, "%s: %s\n", kiln::codeName(st.code()),
                 st.message().c_str());
    return 1;
  }
  std::printf("y = %s\n", y.debugString().c_str());
  return 0;
}
