//===- graph-ckpt.cpp - Inspect TensorFlow V2 checkpoints
//------------------===//
//
// A thin command-line front end over BundleReader: list the tensors of a
// checkpoint, print one, compare two, or verify every checksum. Works on
// checkpoints written by TensorFlow and by Kiln alike.
//
//===----------------------------------------------------------------------===//
#include "kiln/runtime/BundleReader.h"
#include "kiln/runtime/CheckpointFile.h"
#include "kiln/runtime/CheckpointState.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

using namespace kiln;

static const char *kUsage =
    R"(graph-ckpt: inspect TensorFlow V2 checkpoints (written by TF or by Kiln)

A checkpoint is a prefix P naming the files P.index (names, dtypes, shapes,
checksums) and P.data-00000-of-00001 (the tensor bytes). Wherever PREFIX is
asked for you may also give a directory holding a `checkpoint` state file;
its latest checkpoint is used.

Usage:
  graph-ckpt list PREFIX              one line per tensor: name dtype shape bytes
                                      (reads only P.index)
  graph-ckpt list --offsets PREFIX    the same plus each tensor's shard and
                                      byte offset in it
  graph-ckpt print PREFIX NAME        the tensor's values, numpy style
  graph-ckpt diff A B [--rtol R]      compare two checkpoints tensor by tensor;
                                      numbers match when |a-b| <= R*|b|
                                      (default R = 0: exact)
  graph-ckpt verify PREFIX            read every tensor and check its CRC32C
  graph-ckpt --help                   this text

Exit status: 0 on success; 1 on an error (printed as `<Code>: message`),
when `diff` finds differences, or when `verify` finds a bad checksum.

Examples:
  graph-ckpt list ckpt_dir                      # latest checkpoint in ckpt_dir
  graph-ckpt print ckpt_dir/model.ckpt-99 Variable_2
  graph-ckpt diff run1/model.ckpt-10 run2/model.ckpt-10 --rtol 1e-6
)";

static int fail(const Status &s) {
  std::cerr << s.toString() << "\n";
  return 1;
}

/// PREFIX or, for a directory, the latest checkpoint its state file names.
static StatusOr<std::string> resolvePrefix(const std::string &arg) {
  if (!checkpoint::isDirectory(arg))
    return arg;
  auto state = getCheckpointState(arg);
  if (!state.ok())
    return state.status();
  if (!state->has_value())
    return errors::NotFound("No `checkpoint` state file in directory ", arg,
                            "; give a checkpoint prefix instead");
  auto latest = latestCheckpoint(arg);
  if (!latest)
    return errors::NotFound("The `checkpoint` file in ", arg, " names ",
                            (*state)->modelCheckpointPath,
                            ", whose .index does not exist");
  return *latest;
}

static StatusOr<std::unique_ptr<BundleReader>> openArg(const std::string &arg) {
  auto prefix = resolvePrefix(arg);
  if (!prefix.ok())
    return prefix.status();
  return BundleReader::open(*prefix);
}

static float halfToFloat(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  float f;
  if (exp == 0)
    f = std::ldexp(static_cast<float>(man), -24);
  else if (exp == 31)
    f = man ? NAN : INFINITY;
  else
    f = std::ldexp(static_cast<float>(man | 0x400), static_cast<int>(exp) - 25);
  return sign ? -f : f;
}

/// A tensor Tensor::debugString can print: half/bfloat16 widened to float,
/// quantized types shown as their integer storage.
static Tensor printable(const Tensor &t) {
  auto widen = [&](auto convert) {
    Tensor f(DType::kFloat, t.shape());
    const uint16_t *src = static_cast<const uint16_t *>(t.raw());
    for (int64_t i = 0; i < t.numElements(); ++i)
      f.data<float>()[i] = convert(src[i]);
    return f;
  };
  auto retype = [&](DType to) {
    Tensor out(to, t.shape());
    std::memcpy(out.raw(), t.raw(), t.numElements() * dtypeSize(to));
    return out;
  };
  switch (t.dtype()) {
  case DType::kHalf:
    return widen(halfToFloat);
  case DType::kBFloat16:
    return widen([](uint16_t b) {
      uint32_t bits = uint32_t(b) << 16;
      float f;
      std::memcpy(&f, &bits, 4);
      return f;
    });
  case DType::kQInt8:
    return retype(DType::kInt8);
  case DType::kQUInt8:
    return retype(DType::kUInt8);
  case DType::kQInt16:
    return retype(DType::kInt16);
  case DType::kQUInt16:
    return retype(DType::kUInt16);
  case DType::kQInt32:
    return retype(DType::kInt32);
  default:
    return t;
  }
}

/// Element i of a printable() numeric tensor as double (complex: `part` 0
/// real, 1 imaginary).
static double elementAt(const Tensor &p, int64_t i, int part) {
  switch (p.dtype()) {
  case DType::kFloat:
    return p.data<float>()[i];
  case DType::kDouble:
    return p.data<double>()[i];
  case DType::kInt32:
    return p.data<int32_t>()[i];
  case DType::kUInt8:
    return p.data<uint8_t>()[i];
  case DType::kInt16:
    return p.data<int16_t>()[i];
  case DType::kInt8:
    return p.data<int8_t>()[i];
  case DType::kInt64:
    return static_cast<double>(p.data<int64_t>()[i]);
  case DType::kUInt16:
    return p.data<uint16_t>()[i];
  case DType::kUInt32:
    return p.data<uint32_t>()[i];
  case DType::kUInt64:
    return static_cast<double>(p.data<uint64_t>()[i]);
  case DType::kBool:
    return p.data<bool>()[i];
  case DType::kComplex64: {
    auto c = p.data<std::complex<float>>()[i];
    return part ? c.imag() : c.real();
  }
  case DType::kComplex128: {
    auto c = p.data<std::complex<double>>()[i];
    return part ? c.imag() : c.real();
  }
  default:
    return 0;
  }
}

static int cmdList(const std::string &arg, bool offsets) {
  auto r = openArg(arg);
  if (!r.ok())
    return fail(r.status());
  size_t width = 4;
  for (const std::string &k : (*r)->keys())
    width = std::max(width, k.size());
  for (const std::string &k : (*r)->keys()) {
    auto e = (*r)->entry(k);
    if (!e.ok())
      return fail(e.status());
    std::string shape =
        e->unknownRank ? "<unknown>" : e->tensorShape().toString();
    std::printf("%-*s  %-10s  %-16s  %lld", static_cast<int>(width), k.c_str(),
                dtypeNameFromEnum(e->dtype).c_str(), shape.c_str(),
                static_cast<long long>(e->size));
    if (offsets)
      std::printf("  shard %d offset %lld", e->shardId,
                  static_cast<long long>(e->offset));
    std::printf("\n");
  }
  return 0;
}

static int cmdPrint(const std::string &arg, const std::string &name) {
  auto r = openArg(arg);
  if (!r.ok())
    return fail(r.status());
  Tensor t;
  Status s = (*r)->lookup(name, &t);
  if (!s.ok())
    return fail(s);
  std::printf("%s: %s %s\n%s\n", name.c_str(), dtypeName(t.dtype()),
              t.shape().toString().c_str(),
              printable(t).debugString(1000).c_str());
  return 0;
}

static int cmdDiff(const std::string &a, const std::string &b, double rtol) {
  auto ra = openArg(a), rb = openArg(b);
  if (!ra.ok())
    return fail(ra.status());
  if (!rb.ok())
    return fail(rb.status());
  int differences = 0;
  for (const std::string &k : (*ra)->keys())
    if (!(*rb)->contains(k)) {
      std::printf("only in A: %s\n", k.c_str());
      ++differences;
    }
  for (const std::string &k : (*rb)->keys())
    if (!(*ra)->contains(k)) {
      std::printf("only in B: %s\n", k.c_str());
      ++differences;
    }
  for (const std::string &k : (*ra)->keys()) {
    if (!(*rb)->contains(k))
      continue;
    Tensor ta, tb;
    Status s = (*ra)->lookup(k, &ta);
    if (s.ok())
      s = (*rb)->lookup(k, &tb);
    if (!s.ok())
      return fail(s);
    if (ta.dtype() != tb.dtype() || ta.shape() != tb.shape()) {
      std::printf("%s: %s %s vs %s %s\n", k.c_str(), dtypeName(ta.dtype()),
                  ta.shape().toString().c_str(), dtypeName(tb.dtype()),
                  tb.shape().toString().c_str());
      ++differences;
      continue;
    }
    if (ta.dtype() == DType::kString) {
      int64_t n = 0;
      for (int64_t i = 0; i < ta.numElements(); ++i)
        n += ta.data<std::string>()[i] != tb.data<std::string>()[i];
      if (n) {
        std::printf("%s: %lld of %lld strings differ\n", k.c_str(),
                    static_cast<long long>(n),
                    static_cast<long long>(ta.numElements()));
        ++differences;
      }
      continue;
    }
    Tensor pa = printable(ta), pb = printable(tb);
    int parts =
        (ta.dtype() == DType::kComplex64 || ta.dtype() == DType::kComplex128)
            ? 2
            : 1;
    int64_t bad = 0;
    double maxAbs = 0;
    for (int64_t i = 0; i < ta.numElements(); ++i)
      for (int part = 0; part < parts; ++part) {
        double x = elementAt(pa, i, part), y = elementAt(pb, i, part);
        double d = std::fabs(x - y);
        bool same = (x == y) || (std::isnan(x) && std::isnan(y)) ||
                    d <= rtol * std::fabs(y);
        if (!same) {
          ++bad;
          maxAbs = std::max(maxAbs, d);
        }
      }
    if (bad) {
      std::printf("%s: %lld of %lld elements differ (max abs diff %g)\n",
                  k.c_str(), static_cast<long long>(bad),
                  static_cast<long long>(ta.numElements() * parts), maxAbs);
      ++differences;
    }
  }
  if (differences) {
    std::printf("%d difference%s\n", differences, differences == 1 ? "" : "s");
    return 1;
  }
  std::printf("identical: %zu tensors\n", (*ra)->keys().size());
  return 0;
}

static int cmdVerify(const std::string &arg) {
  auto r = openArg(arg);
  if (!r.ok())
    return fail(r.status());
  int bad = 0;
  for (const std::string &k : (*r)->keys()) {
    Tensor t;
    Status s = (*r)->lookup(k, &t);
    if (!s.ok()) {
      std::printf("FAIL %s: %s\n", k.c_str(), s.toString().c_str());
      ++bad;
    }
  }
  if (bad) {
    std::printf("%d of %zu tensors failed verification in %s\n", bad,
                (*r)->keys().size(), (*r)->prefix().c_str());
    return 1;
  }
  std::printf("OK: %zu tensors, all checksums match in %s\n",
              (*r)->keys().size(), (*r)->prefix().c_str());
  return 0;
}

int main(int argc, char **argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" ||
      args[0] == "help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 1 : 0;
  }
  const std::string &cmd = args[0];
  auto usageError = [&](const std::string &msg) {
    return fail(
        errors::InvalidArgument(msg, " (run `graph-ckpt --help` for usage)"));
  };
  if (cmd == "list" && args.size() == 3 && args[1] == "--offsets")
    return cmdList(args[2], /*offsets=*/true);
  if (cmd == "list" || cmd == "verify") {
    if (args.size() != 2)
      return usageError("`" + cmd + "` takes one PREFIX");
    return cmd == "list" ? cmdList(args[1], false) : cmdVerify(args[1]);
  }
  if (cmd == "print") {
    if (args.size() != 3)
      return usageError("`print` takes PREFIX and NAME");
    return cmdPrint(args[1], args[2]);
  }
  if (cmd == "diff") {
    double rtol = 0;
    std::vector<std::string> pos;
    for (size_t i = 1; i < args.size(); ++i) {
      if (args[i] == "--rtol") {
        if (i + 1 >= args.size())
          return usageError("--rtol needs a value");
        char *end = nullptr;
        rtol = std::strtod(args[++i].c_str(), &end);
        if (*end != '\0' || rtol < 0)
          return usageError("--rtol must be a non-negative number, got '" +
                            args[i] + "'");
      } else {
        pos.push_back(args[i]);
      }
    }
    if (pos.size() != 2)
      return usageError("`diff` takes two checkpoints A and B");
    return cmdDiff(pos[0], pos[1], rtol);
  }
  return usageError("unknown command '" + cmd + "'");
}
