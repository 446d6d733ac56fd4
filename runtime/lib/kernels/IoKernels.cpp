//===- IoKernels.cpp - Readers, Example parsing and DecodeRaw as kernels --===//
//
// The reading half of an input pipeline (S8): ReaderReadV2 & co. on the
// session's readers and queues, ParseSingleExample / ParseExample into
// dense and sparse tensors, and DecodeRaw. They wrap the runtime's io
// library (ReaderOps.h, Example.h, DecodeRaw.h), which holds the semantics
// and TF's error wording.
//
//===----------------------------------------------------------------------===//
#include "BuiltinKernels.h"

#include "kiln/runtime/DecodeRaw.h"
#include "kiln/runtime/Example.h"
#include "kiln/runtime/ReaderOps.h"

using namespace kiln;

namespace {

using KernelOr = StatusOr<std::unique_ptr<HostKernel>>;

Tensor stringScalar(std::string s) {
  Tensor t(DType::kString, TensorShape{});
  t.data<std::string>()[0] = std::move(s);
  return t;
}

Tensor stringVector(std::vector<std::string> v) {
  Tensor t(DType::kString, TensorShape{static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i)
    t.data<std::string>()[i] = std::move(v[i]);
  return t;
}

Status checkStringScalar(const KernelContext &ctx, size_t i, const char *what) {
  const Tensor &t = ctx.input(i);
  if (t.dtype() != DType::kString || t.shape().rank() != 0)
    return errors::InvalidArgument(what, " must be a string scalar, got ",
                                   dtypeName(t.dtype()), " ",
                                   t.shape().toString());
  return Status::OK();
}

//===--- Readers ---------------------------------------------------------===//

/// The reader (input 0) and work queue (input 1) of a read op.
Status readerAndQueue(const KernelContext &ctx, ReaderBase **reader,
                      Queue **queue) {
  StatusOr<ReaderBase *> r = ctx.resource<ReaderBase>(0);
  if (!r.ok())
    return r.status();
  StatusOr<Queue *> q = ctx.resource<Queue>(1);
  if (!q.ok())
    return q.status();
  *reader = *r;
  *queue = *q;
  return Status::OK();
}

/// ReaderReadV2(reader, queue) -> key, value.
Status readerRead(KernelContext &ctx) {
  ReaderBase *reader;
  Queue *queue;
  KILN_RETURN_IF_ERROR(readerAndQueue(ctx, &reader, &queue));
  std::string key, value;
  KILN_RETURN_IF_ERROR(reader->read(queue, &key, &value, ctx.runContext()));
  ctx.setOutput(0, stringScalar(std::move(key)));
  ctx.setOutput(1, stringScalar(std::move(value)));
  return Status::OK();
}

/// ReaderReadUpToV2(reader, queue, num_records) -> keys, values.
Status readerReadUpTo(KernelContext &ctx) {
  ReaderBase *reader;
  Queue *queue;
  KILN_RETURN_IF_ERROR(readerAndQueue(ctx, &reader, &queue));
  const Tensor &n = ctx.input(2);
  if (n.dtype() != DType::kInt64 || n.shape().rank() != 0)
    return errors::InvalidArgument("num_records must be an int64 scalar");
  int64_t count = n.data<int64_t>()[0];
  if (count <= 0)
    return errors::InvalidArgument("num_records must be > 0 but got ", count);
  std::vector<std::string> keys, values;
  KILN_RETURN_IF_ERROR(
      reader->readUpTo(queue, count, &keys, &values, ctx.runContext()));
  ctx.setOutput(0, stringVector(std::move(keys)));
  ctx.setOutput(1, stringVector(std::move(values)));
  return Status::OK();
}

/// ReaderNumRecordsProducedV2 / ReaderNumWorkUnitsCompletedV2: one of the
/// reader's counters as an int64 scalar.
template <int64_t (ReaderBase::*Counter)() const>
Status readerCounter(KernelContext &ctx) {
  StatusOr<ReaderBase *> reader = ctx.resource<ReaderBase>(0);
  if (!reader.ok())
    return reader.status();
  ctx.setOutput(0, Tensor::scalar<int64_t>(((*reader)->*Counter)()));
  return Status::OK();
}

Status readerReset(KernelContext &ctx) {
  StatusOr<ReaderBase *> reader = ctx.resource<ReaderBase>(0);
  if (!reader.ok())
    return reader.status();
  return (*reader)->reset();
}

//===--- Example parsing --------------------------------------------------===//

/// The attrs both parse ops share; keys come from attrs (ParseSingleExample)
/// or inputs (ParseExample).
struct ParseAttrs {
  std::vector<DType> sparseTypes;
  std::vector<DType> denseTypes;
  std::vector<TensorShape> denseShapes;
};

StatusOr<ParseAttrs> parseAttrs(const NodeAttrs &n) {
  ParseAttrs a;
  StatusOr<std::vector<DType>> sparse = n.getTypeList("sparse_types");
  StatusOr<std::vector<DType>> dense = n.getTypeList("Tdense");
  StatusOr<std::vector<PartialShape>> shapes = n.getShapeList("dense_shapes");
  if (!sparse.ok())
    return sparse.status();
  if (!dense.ok())
    return dense.status();
  if (!shapes.ok())
    return shapes.status();
  if (shapes->size() != dense->size())
    return errors::InvalidArgument("len(dense_shapes) != len(Tdense): ",
                                   shapes->size(), " vs. ", dense->size());
  a.sparseTypes = *sparse;
  a.denseTypes = *dense;
  for (const PartialShape &s : *shapes) {
    if (s.unknownRank)
      return errors::Unimplemented("node '", n.name(),
                                   "': dense shapes of unknown rank are not "
                                   "supported");
    for (int64_t d : s.dims)
      if (d < 0)
        return errors::Unimplemented(
            "node '", n.name(), "' (", n.op(), "): dense shape ", s.toString(),
            " has an unknown dimension (FixedLenSequenceFeature) - not "
            "supported yet");
    a.denseShapes.push_back(TensorShape(s.dims));
  }
  return a;
}

StatusOr<ParseExampleConfig>
configOf(const ParseAttrs &a, const std::vector<std::string> &sparseKeys,
         const std::vector<std::string> &denseKeys, const KernelContext &ctx,
         size_t firstDefault) {
  if (sparseKeys.size() != a.sparseTypes.size() ||
      denseKeys.size() != a.denseTypes.size())
    return errors::InvalidArgument(
        "node '", ctx.node().name(),
        "': the number of keys does not match the number of types");
  if (ctx.numInputs() != firstDefault + a.denseTypes.size())
    return errors::InvalidArgument("node '", ctx.node().name(), "': expected ",
                                   a.denseTypes.size(), " dense defaults");
  ParseExampleConfig c;
  for (size_t s = 0; s < sparseKeys.size(); ++s)
    c.sparse.push_back({sparseKeys[s], a.sparseTypes[s]});
  for (size_t d = 0; d < denseKeys.size(); ++d)
    c.dense.push_back({denseKeys[d], a.denseTypes[d], a.denseShapes[d],
                       ctx.input(firstDefault + d)});
  return c;
}

void setParsedOutputs(KernelContext &ctx, ParsedExamples &parsed) {
  size_t k = 0;
  for (Tensor &t : parsed.sparseIndices)
    ctx.setOutput(k++, std::move(t));
  for (Tensor &t : parsed.sparseValues)
    ctx.setOutput(k++, std::move(t));
  for (Tensor &t : parsed.sparseShapes)
    ctx.setOutput(k++, std::move(t));
  for (Tensor &t : parsed.denseValues)
    ctx.setOutput(k++, std::move(t));
}

/// ParseSingleExample(serialized, dense_defaults...).
class ParseSingleExampleKernel : public HostKernel {
public:
  static KernelOr create(const NodeAttrs &n) {
    auto k = std::make_unique<ParseSingleExampleKernel>();
    StatusOr<ParseAttrs> a = parseAttrs(n);
    StatusOr<std::vector<std::string>> sparse = n.getStringList("sparse_keys");
    StatusOr<std::vector<std::string>> dense = n.getStringList("dense_keys");
    if (!a.ok())
      return a.status();
    if (!sparse.ok())
      return sparse.status();
    if (!dense.ok())
      return dense.status();
    k->attrs_ = std::move(*a);
    k->sparseKeys_ = std::move(*sparse);
    k->denseKeys_ = std::move(*dense);
    return std::unique_ptr<HostKernel>(std::move(k));
  }
  Status compute(KernelContext &ctx) override {
    KILN_RETURN_IF_ERROR(checkStringScalar(ctx, 0, "serialized"));
    StatusOr<ParseExampleConfig> config =
        configOf(attrs_, sparseKeys_, denseKeys_, ctx, 1);
    if (!config.ok())
      return config.status();
    StatusOr<ParsedExamples> parsed =
        parseSingleExample(ctx.input(0).data<std::string>()[0], *config);
    if (!parsed.ok())
      return parsed.status();
    setParsedOutputs(ctx, *parsed);
    return Status::OK();
  }

private:
  ParseAttrs attrs_;
  std::vector<std::string> sparseKeys_;
  std::vector<std::string> denseKeys_;
};

/// ParseExample(serialized, names, sparse_keys..., dense_keys...,
/// dense_defaults...).
class ParseExampleKernel : public HostKernel {
public:
  static KernelOr create(const NodeAttrs &n) {
    auto k = std::make_unique<ParseExampleKernel>();
    StatusOr<ParseAttrs> a = parseAttrs(n);
    if (!a.ok())
      return a.status();
    k->attrs_ = std::move(*a);
    return std::unique_ptr<HostKernel>(std::move(k));
  }
  Status compute(KernelContext &ctx) override {
    size_t ns = attrs_.sparseTypes.size(), nd = attrs_.denseTypes.size();
    if (ctx.numInputs() < 2 + ns + nd)
      return errors::InvalidArgument("node '", ctx.node().name(),
                                     "': too few inputs");
    const Tensor &serialized = ctx.input(0);
    const Tensor &names = ctx.input(1);
    if (serialized.dtype() != DType::kString || serialized.shape().rank() != 1)
      return errors::InvalidArgument("Expected serialized to be a vector, got "
                                     "shape: ",
                                     serialized.shape().toString());
    if (names.dtype() != DType::kString || names.shape().rank() != 1)
      return errors::InvalidArgument("Expected names to be a vector, got "
                                     "shape: ",
                                     names.shape().toString());
    std::vector<std::string> keys;
    for (size_t i = 2; i < 2 + ns + nd; ++i) {
      KILN_RETURN_IF_ERROR(checkStringScalar(ctx, i, "a feature key"));
      keys.push_back(ctx.input(i).data<std::string>()[0]);
    }
    std::vector<std::string> sparseKeys(keys.begin(), keys.begin() + ns);
    std::vector<std::string> denseKeys(keys.begin() + ns, keys.end());
    StatusOr<ParseExampleConfig> config =
        configOf(attrs_, sparseKeys, denseKeys, ctx, 2 + ns + nd);
    if (!config.ok())
      return config.status();
    std::vector<std::string_view> records;
    for (int64_t i = 0; i < serialized.numElements(); ++i)
      records.push_back(serialized.data<std::string>()[i]);
    std::vector<std::string> nameList(names.data<std::string>(),
                                      names.data<std::string>() +
                                          names.numElements());
    StatusOr<ParsedExamples> parsed = parseExample(records, nameList, *config);
    if (!parsed.ok())
      return parsed.status();
    setParsedOutputs(ctx, *parsed);
    return Status::OK();
  }

private:
  ParseAttrs attrs_;
};

/// DecodeRaw(bytes) with out_type and little_endian.
KernelOr decodeRawKernel(const NodeAttrs &n) {
  StatusOr<DType> type = n.getType("out_type");
  StatusOr<bool> little = n.getBool("little_endian", true);
  if (!type.ok())
    return type.status();
  if (!little.ok())
    return little.status();
  DType outType = *type;
  bool le = *little;
  return kernelOf([outType, le](KernelContext &ctx) -> Status {
    if (ctx.input(0).dtype() != DType::kString)
      return errors::InvalidArgument("DecodeRaw needs string input");
    StatusOr<Tensor> out = decodeRaw(ctx.input(0), outType, le);
    if (!out.ok())
      return out.status();
    ctx.setOutput(0, std::move(*out));
    return Status::OK();
  })(n);
}

} // namespace

void kiln::addIoKernels(HostKernelTable &table) {
  for (const char *t : {"ReaderReadV2", "ReaderRead"})
    table[t] = kernelOf(readerRead);
  for (const char *t : {"ReaderReadUpToV2", "ReaderReadUpTo"})
    table[t] = kernelOf(readerReadUpTo);
  for (const char *t :
       {"ReaderNumRecordsProducedV2", "ReaderNumRecordsProduced"})
    table[t] = kernelOf(readerCounter<&ReaderBase::numRecordsProduced>);
  for (const char *t :
       {"ReaderNumWorkUnitsCompletedV2", "ReaderNumWorkUnitsCompleted"})
    table[t] = kernelOf(readerCounter<&ReaderBase::numWorkUnitsCompleted>);
  for (const char *t : {"ReaderResetV2", "ReaderReset"})
    table[t] = kernelOf(readerReset);
  table["ParseSingleExample"] = ParseSingleExampleKernel::create;
  table["ParseExample"] = ParseExampleKernel::create;
  table["DecodeRaw"] = decodeRawKernel;
}
