//===- graph-run.cpp - Run TF1 graphs with Kiln's JIT
//----------------------===//
//
// graph-run GRAPH --run 'fetch=y feed=x=[1,2]' [--run ...]: loads the graph,
// creates one session and executes the runs in order on the same state,
// compiling each distinct signature once. Fetched tensors print as
// `name = value` (numpy's style); a failed run prints TF's status code and
// message and makes the exit code non-zero.
//
//===----------------------------------------------------------------------===//
#include "kiln/Execution/CompileSessions.h"
#include "kiln/Execution/GraphJit.h"
#include "kiln/runtime/BundleReader.h"
#include "kiln/runtime/CheckpointFile.h"
#include "kiln/runtime/CheckpointState.h"
#include "kiln/runtime/Coordinator.h"
#include "kiln/runtime/OpLibrary.h"
#include "kiln/runtime/Summary.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>

using namespace kiln;

namespace {

const char *kUsage =
    R"(usage: graph-run GRAPH [options] --run 'RUN' [--run 'RUN']...

Runs a TensorFlow 1.x graph (.pb/.pbtxt GraphDef, .meta MetaGraphDef or a
SavedModel directory) with Kiln's JIT: one session, the runs in order, on the
same variables and queues (like successive Session.run calls).

RUN is space-separated parts:
  fetch=a,b:1        tensors to fetch and print (`node` means `node:0`)
  target=init,train  nodes to run for their effect
  feed=x=[1,2,3]     feed a literal (nested lists; dtype = the tensor's)
  feed=x=@in.npy     feed a NumPy .npy file
  timeout_ms=N       RunOptions.timeout_in_ms: a run blocked longer fails
                     with DeadlineExceeded
  repeat=N           do this run N times

Options (applied in command-line order, between runs):
  --start-queue-runners  start the graph's queue runners (its MetaGraphDef
                         `queue_runners` collection) with a Coordinator; they
                         are stopped and joined when all runs are done
  --restore PREFIX       load every variable found in checkpoint PREFIX (or
                         the latest one of a directory with a `checkpoint`)
  --output-dir DIR       from here on, also write each fetched tensor to
                         DIR/NAME.npy (NAME with '/' and ':' as '_'); DIR
                         and its parents are created when missing
  --summary-dir DIR      from here on, add each fetched Summary (a string
                         scalar, e.g. of MergeSummary) to a TensorBoard event
                         file in DIR, the step counting the runs from 1
  --prefix NAME          import with node names prefixed by NAME/
  --tags a,b             SavedModel tag set
  --keep-going           continue after a failed run (exit code stays 1)
  --verbose              say what is compiled and how long it took
  --gemm MODE            matmuls on the runtime's GEMM kernel: auto (f32
                         products big enough to pay for a call; default),
                         kernel (every f32 matmul) or codegen (generated
                         loops only)
  --vector-bits N         width of the vector code generated for the
                         matmuls not on the GEMM kernel: 512, 256, 128, or
                         0 (plain loops); default: the CPU's widest
  --no-specialize        compile each run once for the shapes the graph
                         declares (open dims, e.g. the batch, stay open)
                         instead of once per fed shape
  --op-library LIB       load a custom-op library (a shared library built
                         against kiln/op/OpKernel.h) before importing the
                         graph: its ops type-check and shape the graph's
                         nodes and its kernels run them; repeatable

Example (S7):
  graph-run examples/s7_feeding/graph.pbtxt \
      --run 'feed=Placeholder=[2,3,4] feed=Placeholder_1=[4,0,1] fetch=Add'
prints `Add = [6 3 5]`.
)";

struct Action {
  enum Kind {
    kRun,
    kStartQueueRunners,
    kRestore,
    kOutputDir,
    kSummaryDir
  } kind;
  std::string text;
};

/// Parses a literal like [[1,2],[3,4]] into values and a shape.
bool parseLiteral(const std::string &s, std::vector<std::string> &values,
                  std::vector<int64_t> &shape, std::string &error) {
  size_t pos = 0;
  std::vector<int64_t> dims;
  bool sawScalar = false;
  std::function<bool(int)> parse = [&](int level) -> bool {
    while (pos < s.size() && isspace(static_cast<unsigned char>(s[pos])))
      ++pos;
    if (pos < s.size() && s[pos] == '[') {
      ++pos;
      int64_t n = 0;
      while (true) {
        while (pos < s.size() && isspace(static_cast<unsigned char>(s[pos])))
          ++pos;
        if (pos < s.size() && s[pos] == ']') {
          ++pos;
          break;
        }
        if (!parse(level + 1))
          return false;
        ++n;
        while (pos < s.size() && isspace(static_cast<unsigned char>(s[pos])))
          ++pos;
        if (pos < s.size() && s[pos] == ',')
          ++pos;
        else if (pos < s.size() && s[pos] == ']') {
          ++pos;
          break;
        } else {
          error = "expected ',' or ']' at offset " + std::to_string(pos);
          return false;
        }
      }
      if (static_cast<int>(dims.size()) <= level)
        dims.resize(level + 1, -1);
      if (dims[level] >= 0 && dims[level] != n) {
        error = "ragged list: rows of different lengths";
        return false;
      }
      dims[level] = n;
      return true;
    }
    size_t start = pos;
    while (pos < s.size() && s[pos] != ',' && s[pos] != ']' &&
           !isspace(static_cast<unsigned char>(s[pos])))
      ++pos;
    if (start == pos) {
      error = "expected a number at offset " + std::to_string(pos);
      return false;
    }
    values.push_back(s.substr(start, pos - start));
    if (level == 0)
      sawScalar = true;
    return true;
  };
  if (!parse(0))
    return false;
  if (pos != s.size()) {
    error = "trailing characters after the literal";
    return false;
  }
  shape = sawScalar ? std::vector<int64_t>{} : dims;
  for (int64_t &d : shape)
    if (d < 0)
      d = 0;
  return true;
}

template <typename T> bool parseNumber(const std::string &s, T *out) {
  std::istringstream in(s);
  if constexpr (std::is_floating_point_v<T>) {
    double v;
    if (s == "nan" || s == "inf" || s == "-inf") {
      *out = static_cast<T>(std::stod(s));
      return true;
    }
    if (!(in >> v))
      return false;
    *out = static_cast<T>(v);
  } else {
    long long v;
    if (!(in >> v))
      return false;
    *out = static_cast<T>(v);
  }
  return in.eof() || in.peek() == EOF;
}

StatusOr<Tensor> literalTensor(const std::string &text, DType dtype,
                               const std::string &name) {
  std::vector<std::string> values;
  std::vector<int64_t> shape;
  std::string error;
  if (!parseLiteral(text, values, shape, error))
    return errors::InvalidArgument("feed ", name, "=", text, ": ", error);
  Tensor t(dtype, TensorShape(shape));
  auto fill = [&](auto *data) -> Status {
    using T = std::remove_pointer_t<decltype(data)>;
    for (size_t i = 0; i < values.size(); ++i) {
      if constexpr (std::is_same_v<T, bool>) {
        const std::string &v = values[i];
        if (v == "true" || v == "True" || v == "1")
          data[i] = true;
        else if (v == "false" || v == "False" || v == "0")
          data[i] = false;
        else
          return errors::InvalidArgument("feed ", name, ": '", v,
                                         "' is not a bool");
      } else if (!parseNumber(values[i], &data[i])) {
        return errors::InvalidArgument("feed ", name, ": '", values[i],
                                       "' is not a ", dtypeName(dtype));
      }
    }
    return Status::OK();
  };
  Status st;
  switch (dtype) {
  case DType::kFloat:
    st = fill(t.data<float>());
    break;
  case DType::kDouble:
    st = fill(t.data<double>());
    break;
  case DType::kInt32:
    st = fill(t.data<int32_t>());
    break;
  case DType::kInt64:
    st = fill(t.data<int64_t>());
    break;
  case DType::kInt16:
    st = fill(t.data<int16_t>());
    break;
  case DType::kInt8:
    st = fill(t.data<int8_t>());
    break;
  case DType::kUInt8:
    st = fill(t.data<uint8_t>());
    break;
  case DType::kUInt16:
    st = fill(t.data<uint16_t>());
    break;
  case DType::kBool:
    st = fill(t.data<bool>());
    break;
  default:
    return errors::Unimplemented("feed ", name, ": literals of dtype ",
                                 dtypeName(dtype), " are not supported");
  }
  if (!st.ok())
    return st;
  return t;
}

/// A NumPy .npy file (version 1/2, C order, little-endian numbers).
StatusOr<Tensor> npyTensor(const std::string &path, const std::string &name) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return errors::NotFound(path, "; No such file or directory");
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    return errors::InvalidArgument(path, ": not a .npy file");
  int major = static_cast<unsigned char>(bytes[6]);
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = static_cast<unsigned char>(bytes[8]) |
                (static_cast<unsigned char>(bytes[9]) << 8);
    headerStart = 10;
  } else {
    if (bytes.size() < 12)
      return errors::InvalidArgument(path, ": truncated .npy header");
    headerLen = 0;
    for (int i = 0; i < 4; ++i)
      headerLen |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i]))
                   << (8 * i);
    headerStart = 12;
  }
  if (headerStart + headerLen > bytes.size())
    return errors::InvalidArgument(path, ": truncated .npy header");
  std::string header = bytes.substr(headerStart, headerLen);
  auto field = [&](const std::string &key) -> std::string {
    size_t k = header.find("'" + key + "'");
    if (k == std::string::npos)
      return "";
    size_t colon = header.find(':', k);
    size_t start = header.find_first_not_of(' ', colon + 1);
    if (header[start] == '\'') {
      size_t end = header.find('\'', start + 1);
      return header.substr(start + 1, end - start - 1);
    }
    if (header[start] == '(') {
      size_t end = header.find(')', start);
      return header.substr(start + 1, end - start - 1);
    }
    size_t end = header.find_first_of(",}", start);
    return header.substr(start, end - start);
  };
  std::string descr = field("descr"), fortran = field("fortran_order"),
              shapeText = field("shape");
  if (fortran == "True")
    return errors::Unimplemented(path, ": Fortran-order arrays");
  static const std::pair<const char *, DType> kinds[] = {
      {"<f4", DType::kFloat}, {"<f8", DType::kDouble}, {"<i4", DType::kInt32},
      {"<i8", DType::kInt64}, {"<i2", DType::kInt16},  {"|i1", DType::kInt8},
      {"|u1", DType::kUInt8}, {"<u2", DType::kUInt16}, {"|b1", DType::kBool}};
  DType dtype = DType::kInvalid;
  for (auto &[d, t] : kinds)
    if (descr == d)
      dtype = t;
  if (dtype == DType::kInvalid)
    return errors::Unimplemented(path, ": .npy dtype '", descr, "'");
  std::vector<int64_t> shape;
  std::stringstream ss(shapeText);
  std::string item;
  while (std::getline(ss, item, ','))
    if (item.find_first_not_of(' ') != std::string::npos)
      shape.push_back(std::stoll(item));
  Tensor t(dtype, TensorShape(shape));
  size_t dataStart = headerStart + headerLen;
  if (bytes.size() - dataStart != t.byteSize())
    return errors::InvalidArgument(path, ": expected ", t.byteSize(),
                                   " bytes of data, found ",
                                   bytes.size() - dataStart);
  std::memcpy(t.raw(), bytes.data() + dataStart, t.byteSize());
  (void)name;
  return t;
}

/// Writes `t` as a NumPy .npy file (version 1.0, C order).
Status writeNpy(const std::string &dir, const std::string &name,
                const Tensor &t) {
  static const std::pair<DType, const char *> kinds[] = {
      {DType::kFloat, "<f4"}, {DType::kDouble, "<f8"}, {DType::kInt32, "<i4"},
      {DType::kInt64, "<i8"}, {DType::kInt16, "<i2"},  {DType::kInt8, "|i1"},
      {DType::kUInt8, "|u1"}, {DType::kUInt16, "<u2"}, {DType::kBool, "|b1"}};
  const char *descr = nullptr;
  for (auto &[d, k] : kinds)
    if (d == t.dtype())
      descr = k;
  if (!descr)
    return errors::Unimplemented("--output-dir: no .npy form for dtype ",
                                 dtypeName(t.dtype()));
  std::string shape = "(";
  for (int d = 0; d < t.shape().rank(); ++d)
    shape +=
        std::to_string(t.shape().dim(d)) + (t.shape().rank() == 1      ? ","
                                            : d + 1 < t.shape().rank() ? ", "
                                                                       : "");
  shape += ")";
  std::string header = std::string("{'descr': '") + descr +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
  size_t total = 10 + header.size() + 1;
  header += std::string((64 - total % 64) % 64, ' ') + "\n";
  std::string file = name;
  for (char &c : file)
    if (c == '/' || c == ':')
      c = '_';
  std::string path = dir + "/" + file + ".npy";
  std::ofstream out(path, std::ios::binary);
  if (!out)
    return errors::NotFound(path, "; cannot open for writing");
  out.write("\x93NUMPY\x01\x00", 8);
  uint16_t len = static_cast<uint16_t>(header.size());
  char lenBytes[2] = {static_cast<char>(len & 0xff),
                      static_cast<char>(len >> 8)};
  out.write(lenBytes, 2);
  out << header;
  out.write(static_cast<const char *>(t.raw()),
            static_cast<std::streamsize>(t.byteSize()));
  return out ? Status::OK() : errors::DataLoss("short write to ", path);
}

struct RunSpec {
  std::vector<std::pair<std::string, Tensor>> feeds;
  std::vector<std::string> fetches, targets;
  int64_t timeoutMs = 0;
  int64_t repeat = 1;
};

std::vector<std::string> splitList(const std::string &s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty())
      out.push_back(item);
  return out;
}

StatusOr<RunSpec> parseRun(const std::string &text, GraphJit &jit) {
  RunSpec run;
  std::stringstream ss(text);
  std::string part;
  while (ss >> part) {
    size_t eq = part.find('=');
    std::string key = part.substr(0, eq),
                value = eq == std::string::npos ? "" : part.substr(eq + 1);
    if (key == "fetch") {
      for (auto &f : splitList(value))
        run.fetches.push_back(f);
    } else if (key == "target") {
      for (auto &t : splitList(value))
        run.targets.push_back(t);
    } else if (key == "feed") {
      size_t eq2 = value.find('=');
      if (eq2 == std::string::npos)
        return errors::InvalidArgument("'", part,
                                       "': expected feed=NAME=VALUE");
      std::string name = value.substr(0, eq2), lit = value.substr(eq2 + 1);
      StatusOr<DType> dtype = jit.tensorDType(name);
      if (!dtype.ok())
        return dtype.status();
      StatusOr<Tensor> t = lit.size() > 1 && lit[0] == '@'
                               ? npyTensor(lit.substr(1), name)
                               : literalTensor(lit, *dtype, name);
      if (!t.ok())
        return t.status();
      run.feeds.emplace_back(name, std::move(*t));
    } else if (key == "timeout_ms" || key == "repeat") {
      char *end = nullptr;
      long long v = std::strtoll(value.c_str(), &end, 10);
      if (value.empty() || *end)
        return errors::InvalidArgument("'", part, "': expected a number");
      (key == "repeat" ? run.repeat : run.timeoutMs) = v;
    } else {
      return errors::InvalidArgument(
          "'", part, "' is not fetch=, target=, feed=, timeout_ms= or repeat=");
    }
  }
  if (run.fetches.empty() && run.targets.empty())
    return errors::InvalidArgument("run '", text,
                                   "' has neither fetch= nor target=");
  return run;
}

Status restore(Session &session, const std::string &path) {
  std::string prefix = path;
  if (std::optional<std::string> latest = latestCheckpoint(path))
    prefix = *latest;
  StatusOr<std::unique_ptr<BundleReader>> reader = BundleReader::open(prefix);
  if (!reader.ok())
    return reader.status();
  int restored = 0;
  for (Variable *v : session.state().variables()) {
    if (!(*reader)->contains(v->name()))
      continue;
    Tensor t;
    Status st = (*reader)->lookup(v->name(), &t);
    if (st.ok())
      st = v->assign(t, /*validateShape=*/true);
    if (!st.ok())
      return st;
    ++restored;
  }
  std::fprintf(stderr, "graph-run: restored %d variables from %s\n", restored,
               prefix.c_str());
  return Status::OK();
}

void printError(const Status &s) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s: %s\n", codeName(s.code()), s.message().c_str());
}

} // namespace

int main(int argc, char **argv) {
  std::string graphPath;
  std::vector<Action> actions;
  JitOptions options;
  bool keepGoing = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char *flag) -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "graph-run: %s needs a value\n", flag);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--run") {
      actions.push_back({Action::kRun, value("--run")});
    } else if (a.rfind("--run=", 0) == 0) {
      actions.push_back({Action::kRun, a.substr(6)});
    } else if (a == "--start-queue-runners") {
      actions.push_back({Action::kStartQueueRunners, ""});
    } else if (a == "--restore") {
      actions.push_back({Action::kRestore, value("--restore")});
    } else if (a == "--summary-dir") {
      actions.push_back({Action::kSummaryDir, value("--summary-dir")});
    } else if (a == "--output-dir") {
      actions.push_back({Action::kOutputDir, value("--output-dir")});
    } else if (a == "--prefix") {
      options.prefix = value("--prefix");
    } else if (a == "--tags") {
      options.tags = value("--tags");
    } else if (a == "--keep-going") {
      keepGoing = true;
    } else if (a == "--verbose") {
      options.verbose = true;
    } else if (a == "--gemm") {
      options.gemm = value("--gemm");
      if (!isGemmMode(options.gemm)) {
        std::fprintf(stderr,
                     "graph-run: --gemm takes auto, kernel or codegen, not "
                     "'%s'\n",
                     options.gemm.c_str());
        return 2;
      }
    } else if (a == "--vector-bits") {
      std::string v = value("--vector-bits");
      options.vectorBits = parseVectorBits(v);
      if (options.vectorBits < 0) {
        std::fprintf(
            stderr,
            "graph-run: --vector-bits takes 512, 256, 128 or 0, not '%s'\n",
            v.c_str());
        return 2;
      }
    } else if (a == "--no-specialize") {
      options.specializeFeeds = false;
    } else if (a == "--op-library") {
      Status st = loadOpLibrary(value("--op-library"));
      if (!st.ok()) {
        printError(st);
        return 1;
      }
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "graph-run: unknown option %s\n%s", a.c_str(),
                   kUsage);
      return 2;
    } else if (graphPath.empty()) {
      graphPath = a;
    } else {
      std::fprintf(stderr, "graph-run: more than one graph given\n");
      return 2;
    }
  }
  if (graphPath.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }

  StatusOr<std::unique_ptr<GraphJit>> jit = GraphJit::load(graphPath, options);
  if (!jit.ok()) {
    printError(jit.status());
    return 1;
  }
  StatusOr<std::unique_ptr<Session>> session =
      Session::create((*jit)->resourceSpecs(), jit->get());
  if (!session.ok()) {
    printError(session.status());
    return 1;
  }

  Coordinator coord;
  std::vector<std::unique_ptr<QueueRunner>> runners;
  std::vector<ThreadHandle> threads;
  bool failedAny = false;
  std::string outputDir;
  std::unique_ptr<SummaryWriter> summaries;
  int64_t runCount = 0;
  for (const Action &action : actions) {
    if (failedAny && !keepGoing)
      break;
    if (action.kind == Action::kStartQueueRunners) {
      if ((*jit)->queueRunners().empty())
        std::fprintf(stderr, "graph-run: the graph has no queue runners\n");
      // Compile the runners' ops first, so that the threads start together
      // rather than in the order their code gets compiled.
      for (const QueueRunnerSpec &spec : (*jit)->queueRunners()) {
        std::vector<std::string> ops = spec.enqueueOpNames;
        ops.push_back(spec.closeOpName);
        ops.push_back(spec.cancelOpName);
        for (const std::string &op : ops) {
          if (op.empty())
            continue;
          bool isTensor = op.find(':') != std::string::npos;
          StatusOr<const CompiledSignature *> sig =
              isTensor ? (*jit)->get({}, {op}, {}, nullptr)
                       : (*jit)->get({}, {}, {op}, nullptr);
          if (!sig.ok()) {
            printError(sig.status());
            failedAny = true;
          }
        }
      }
      for (const QueueRunnerSpec &spec : (*jit)->queueRunners()) {
        runners.push_back(std::make_unique<QueueRunner>(spec));
        for (ThreadHandle &t :
             runners.back()->createThreads(session->get(), &coord, true))
          threads.push_back(t);
      }
      continue;
    }
    if (action.kind == Action::kOutputDir) {
      // Like TF's writers (FileWriter, Saver), make the folder rather than
      // fail at the first tensor written into it.
      Status st = checkpoint::createDirs(action.text);
      if (!st.ok()) {
        printError(Status(st.code(),
                          "--output-dir " + action.text +
                              ": cannot create the folder: " + st.message()));
        failedAny = true;
        continue;
      }
      outputDir = action.text;
      continue;
    }
    if (action.kind == Action::kSummaryDir) {
      StatusOr<std::unique_ptr<SummaryWriter>> w =
          SummaryWriter::create(action.text);
      if (!w.ok()) {
        printError(w.status());
        failedAny = true;
        continue;
      }
      summaries = std::move(*w);
      continue;
    }
    if (action.kind == Action::kRestore) {
      Status st = restore(**session, action.text);
      if (!st.ok()) {
        printError(st);
        failedAny = true;
      }
      continue;
    }
    StatusOr<RunSpec> run = parseRun(action.text, **jit);
    if (!run.ok()) {
      printError(run.status());
      failedAny = true;
      continue;
    }
    for (int64_t r = 0; r < run->repeat; ++r) {
      std::vector<Tensor> outputs;
      Status st = (*session)->run(run->feeds, run->fetches, run->targets,
                                  &outputs, run->timeoutMs);
      if (!st.ok()) {
        printError(st);
        failedAny = true;
        break;
      }
      ++runCount;
      for (size_t i = 0; i < outputs.size(); ++i) {
        if (summaries && outputs[i].dtype() == DType::kString &&
            outputs[i].numElements() == 1) {
          const std::string &s = outputs[i].data<std::string>()[0];
          Status w = mergeSummaries({s}).status();
          if (w.ok())
            w = summaries->addSummary(s, runCount);
          if (!w.ok()) {
            printError(w);
            failedAny = true;
          }
          std::printf("%s = <Summary of %zu bytes, step %lld>\n",
                      run->fetches[i].c_str(), s.size(),
                      static_cast<long long>(runCount));
          continue;
        }
        std::printf("%s = %s\n", run->fetches[i].c_str(),
                    outputs[i].debugString().c_str());
        if (!outputDir.empty()) {
          Status w = writeNpy(outputDir, run->fetches[i], outputs[i]);
          if (!w.ok()) {
            printError(w);
            failedAny = true;
          }
        }
      }
      std::fflush(stdout);
    }
  }
  if (!threads.empty()) {
    coord.requestStop();
    Status st = coord.join(threads, /*stopGracePeriodSecs=*/10);
    if (!st.ok()) {
      printError(st);
      failedAny = true;
    }
  }
  if (summaries) {
    Status st = summaries->close();
    if (!st.ok()) {
      printError(st);
      failedAny = true;
    }
  }
  // Threads are joined; closing the session cancels whatever still waits.
  session->reset();
  return failedAny ? 1 : 0;
}
