//===- import_bench.cpp - Import+verify+export vs protobuf parsing ---------===//
//
// Builds a 100,000-node GraphDef shaped like real TF graphs (constants,
// matmuls, element-wise ops, identities with control edges, `_output_shapes`
// on every node), serializes it, then times in the same process:
//   peer: tensorflow::GraphDef::ParseFromString of the bytes
//   kiln: import (parse, build the graph dialect, verify) + export + serialize
// and prints BENCH lines and the throughput ratio kiln/peer.
//
//===----------------------------------------------------------------------===//
#include "kiln/Dialect/Graph/GraphDialect.h"
#include "kiln/Export/ExportGraphDef.h"
#include "kiln/Import/ImportGraphDef.h"
#include "kiln/proto/graph.pb.h"

#include "mlir/IR/MLIRContext.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

void setShape(tensorflow::AttrValue &v, std::initializer_list<int64_t> dims) {
  auto *s = v.mutable_list()->add_shape();
  for (int64_t d : dims)
    s->add_dim()->set_size(d);
}

std::string makeGraph(int nodes) {
  tensorflow::GraphDef g;
  g.mutable_versions()->set_producer(27);
  auto add = [&](const std::string &name, const std::string &op) {
    auto *n = g.add_node();
    n->set_name(name);
    n->set_op(op);
    (*n->mutable_attr())["T"].set_type(tensorflow::DT_FLOAT);
    setShape((*n->mutable_attr())["_output_shapes"], {-1, 16});
    return n;
  };
  auto *x = g.add_node();
  x->set_name("x");
  x->set_op("Placeholder");
  (*x->mutable_attr())["dtype"].set_type(tensorflow::DT_FLOAT);
  (*x->mutable_attr())["shape"].mutable_shape()->add_dim()->set_size(-1);
  (*x->mutable_attr())["shape"].mutable_shape()->add_dim()->set_size(16);
  std::string prev = "x";
  for (int i = 1; i < nodes; i += 4) {
    std::string s = "layer" + std::to_string(i);
    auto *c = g.add_node();
    c->set_name(s + "/w");
    c->set_op("Const");
    (*c->mutable_attr())["dtype"].set_type(tensorflow::DT_FLOAT);
    auto *t = (*c->mutable_attr())["value"].mutable_tensor();
    t->set_dtype(tensorflow::DT_FLOAT);
    t->mutable_tensor_shape()->add_dim()->set_size(16);
    t->mutable_tensor_shape()->add_dim()->set_size(16);
    std::string content(16 * 16 * 4, '\0');
    for (size_t k = 0; k < content.size(); ++k)
      content[k] = static_cast<char>((k * 131 + i * 7) & 0x7f);
    t->set_tensor_content(content);
    auto *m = add(s + "/MatMul", "MatMul");
    m->add_input(prev);
    m->add_input(s + "/w");
    (*m->mutable_attr())["transpose_b"].set_b(i % 8 == 1);
    auto *r = add(s + "/Relu", "Relu");
    r->add_input(s + "/MatMul");
    auto *id = add(s + "/Identity", "Identity");
    id->add_input(s + "/Relu");
    id->add_input("^" + s + "/w");
    prev = s + "/Identity";
  }
  return g.SerializeAsString();
}

template <typename F> double bestSeconds(int reps, F f) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    auto t1 = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double>(t1 - t0).count());
  }
  return best;
}

} // namespace

int main() {
  int nodes = 100000;
  if (const char *n = std::getenv("KILN_BENCH_NODES"))
    nodes = std::atoi(n);
  int reps = 3;
  if (const char *r = std::getenv("KILN_BENCH_REPS"))
    reps = std::atoi(r);
  std::string bytes = makeGraph(nodes);

  double peer = bestSeconds(reps, [&] {
    tensorflow::GraphDef g;
    if (!g.ParseFromString(bytes))
      std::abort();
  });

  mlir::MLIRContext ctx;
  ctx.loadDialect<kiln::graph::GraphDialect>();
  ctx.disableMultithreading();
  size_t outSize = 0;
  double kiln = bestSeconds(reps, [&] {
    std::string error, out;
    auto module = kiln::importGraphBytes(bytes, "bench.pb", &ctx, {}, error);
    if (!module) {
      std::fprintf(stderr, "import failed: %s\n", error.c_str());
      std::exit(1);
    }
    if (failed(kiln::exportModule(*module, {}, out, error))) {
      std::fprintf(stderr, "export failed: %s\n", error.c_str());
      std::exit(1);
    }
    outSize = out.size();
  });
  std::printf("BENCH import_graph_nodes %d nodes\n", nodes);
  std::printf("BENCH import_graph_bytes %zu bytes (exported %zu)\n", bytes.size(),
              outSize);
  std::printf("BENCH protobuf_parse %.4f s\n", peer);
  std::printf("BENCH kiln_import_verify_export %.4f s\n", kiln);
  std::printf("BENCH kiln_import_verify_export_rate %.0f nodes/s\n",
              nodes / kiln);
  std::printf("RATIO import_verify_export_vs_parse %.3f (higher is better; "
              "goal >= 0.2, i.e. under 5x the parse time)\n",
              peer / kiln);
  return 0;
}
