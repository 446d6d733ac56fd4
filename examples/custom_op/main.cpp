//===- main.cpp - An AOT-compiled graph that uses custom ops --------------===//
//
// Runs the signatures of graph.pbtxt, compiled by graph-compile with
// libcustom_ops.so (linked into this program), and prints what they give:
//
//   custom_op [X0,X1,...] [Y0,Y1,...]
//
// prints z = x + 2 y and CheckPositive's verdict, the run counter three
// times (10, 15, 20: the kernel keeps its count across runs), and the
// variable scaled in place by 2 and then by 0.5.
//
//===----------------------------------------------------------------------===//
#include "custom_op_graph.h"

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

using kiln::Status;
using kiln::Tensor;

namespace {

bool parseFloats(const std::string &text, std::vector<float> &out) {
  std::string s = text;
  for (char &c : s)
    if (c == '[' || c == ']' || c == ',')
      c = ' ';
  std::istringstream in(s);
  float v;
  while (in >> v)
    out.push_back(v);
  return in.eof() && !out.empty();
}

bool ok(const Status &s, const char *what) {
  if (s.ok())
    return true;
  std::fprintf(stderr, "%s: %s\n", what, s.toString().c_str());
  return false;
}

} // namespace

int main(int argc, char **argv) {
  std::vector<float> x{1, 2, 3}, y{0.5f, -0.25f, 4};
  if (argc == 3) {
    x.clear();
    y.clear();
    if (!parseFloats(argv[1], x) || !parseFloats(argv[2], y)) {
      std::fprintf(stderr, "usage: custom_op [X0,X1,...] [Y0,Y1,...]\n");
      return 2;
    }
  } else if (argc != 1) {
    std::fprintf(stderr, "usage: custom_op [X0,X1,...] [Y0,Y1,...]\n");
    return 2;
  }
  auto model = demo::CustomOps::create();
  if (!ok(model.status(), "create"))
    return 1;
  demo::CustomOps &m = **model;
  if (!ok(m.init(), "init"))
    return 1;

  Tensor z, checked;
  Status st = m.add(Tensor::fromVector(x), Tensor::fromVector(y), &z, &checked);
  if (!st.ok()) {
    std::printf("add: %s\n", st.toString().c_str());
  } else {
    std::printf("z = %s\n", z.debugString().c_str());
    std::printf("checked = %s\n", checked.debugString().c_str());
  }

  for (int i = 0; i < 3; ++i) {
    Tensor counter;
    if (!ok(m.count(&counter), "count"))
      return 1;
    std::printf("counter = %s\n", counter.debugString().c_str());
  }

  for (float factor : {2.0f, 0.5f}) {
    Tensor sum, v;
    if (!ok(m.scale(Tensor::scalar<float>(factor), &sum, &v), "scale"))
      return 1;
    std::printf("scale by %g: sum = %s, v = %s\n", factor,
                sum.debugString().c_str(), v.debugString().c_str());
  }
  return 0;
}
