//===- RtToLLVM.cpp - Runtime ops to calls of the runtime's C ABI ---------===//
//
// Each `kiln_rt` op on memrefs becomes the ABI calls that do what it says.
// Arrays go to the runtime as (dtype, data address, rank, address of dims)
// and come back as value indices the runtime views for us (`kiln_rt_view`
// checks the dims the compiled code assumed, fills in the others and gives
// the data address; the memref descriptor is built from that, so the memory
// stays the runtime's). Every call is declared from CompiledAbi.def: a call
// whose operands disagree with the ABI cannot be built.
//
//===----------------------------------------------------------------------===//
#include "kiln/Conversion/RtToLLVM.h"

#include "kiln/Dialect/Rt/RtDialect.h"
#include "kiln/runtime/CompiledAbi.h"

#include "mlir/Conversion/LLVMCommon/MemRefBuilder.h"
#include "mlir/Conversion/LLVMCommon/Pattern.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::rt;

//===----------------------------------------------------------------------===//
// The ABI, from CompiledAbi.def
//===----------------------------------------------------------------------===//

namespace {

template <typename T> Type llvmTypeOf(MLIRContext *ctx);
template <> Type llvmTypeOf<void>(MLIRContext *ctx) {
  return LLVM::LLVMVoidType::get(ctx);
}
template <> Type llvmTypeOf<int32_t>(MLIRContext *ctx) {
  return IntegerType::get(ctx, 32);
}
template <> Type llvmTypeOf<int64_t>(MLIRContext *ctx) {
  return IntegerType::get(ctx, 64);
}
template <> Type llvmTypeOf<KilnCall *>(MLIRContext *ctx) {
  return LLVM::LLVMPointerType::get(ctx);
}

template <typename Result, typename... Params>
LLVM::LLVMFunctionType abiType(MLIRContext *ctx) {
  return LLVM::LLVMFunctionType::get(llvmTypeOf<Result>(ctx),
                                     {llvmTypeOf<Params>(ctx)...});
}

struct AbiFunction {
  const char *name;
  LLVM::LLVMFunctionType (*type)(MLIRContext *);
};

const AbiFunction kAbi[] = {
#define KILN_RT_FUNCTION(result, name, ...)                                    \
  {#name, &abiType<result, __VA_ARGS__>},
#include "kiln/runtime/CompiledAbi.def"
};

} // namespace

LLVM::LLVMFunctionType kiln::abiFunctionType(MLIRContext *ctx, StringRef name) {
  for (const AbiFunction &f : kAbi)
    if (name == f.name)
      return f.type(ctx);
  return nullptr;
}

std::vector<StringRef> kiln::abiFunctionNames() {
  std::vector<StringRef> names;
  for (const AbiFunction &f : kAbi)
    names.push_back(f.name);
  return names;
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

namespace {

/// What every runtime op's lowering needs: calls, constants, arrays in and
/// out.
template <typename OpTy>
struct RtPattern : public ConvertOpToLLVMPattern<OpTy> {
  using ConvertOpToLLVMPattern<OpTy>::ConvertOpToLLVMPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  Type i64Type() const { return IntegerType::get(this->getContext(), 64); }
  Type i32Type() const { return IntegerType::get(this->getContext(), 32); }
  Value i64(OpBuilder &b, Location loc, int64_t v) const {
    return LLVM::ConstantOp::create(b, loc, i64Type(), v);
  }
  Value i32(OpBuilder &b, Location loc, int32_t v) const {
    return LLVM::ConstantOp::create(b, loc, i32Type(), v);
  }

  /// Calls ABI function `name` (declared on first use from the .def).
  FailureOr<Value> call(ConversionPatternRewriter &r, Operation *op,
                        StringRef name, ValueRange args) const {
    auto module = op->getParentOfType<ModuleOp>();
    LLVM::LLVMFunctionType type = abiFunctionType(op->getContext(), name);
    if (!type)
      return r.notifyMatchFailure(op, "no such ABI function");
    auto fn = module.lookupSymbol<LLVM::LLVMFuncOp>(name);
    if (!fn) {
      OpBuilder::InsertionGuard g(r);
      r.setInsertionPointToStart(module.getBody());
      fn = LLVM::LLVMFuncOp::create(r, module.getLoc(), name, type);
    }
    if (fn.getFunctionType() != type ||
        TypeRange(args) != TypeRange(type.getParams())) {
      op->emitError() << "Internal: call of " << name
                      << " disagrees with CompiledAbi.def";
      return failure();
    }
    auto c = LLVM::CallOp::create(r, op->getLoc(), fn, args);
    return c.getNumResults() ? c.getResult() : Value();
  }

  /// An i64 array of `n` elements on the stack (in the function's entry
  /// block, so loops and repeated ops do not grow the stack).
  Value stackArray(ConversionPatternRewriter &r, Operation *op,
                   int64_t n) const {
    OpBuilder::InsertionGuard g(r);
    Region *body = op->getParentRegion();
    while (!isa<FunctionOpInterface>(body->getParentOp()))
      body = body->getParentOp()->getParentRegion();
    r.setInsertionPointToStart(&body->front());
    Location loc = op->getLoc();
    auto arrayType =
        LLVM::LLVMArrayType::get(i64Type(), std::max<int64_t>(n, 1));
    return LLVM::AllocaOp::create(
        r, loc, LLVM::LLVMPointerType::get(this->getContext()), arrayType,
        i64(r, loc, 1));
  }
  Value element(OpBuilder &b, Location loc, Value array, int64_t n,
                int64_t i) const {
    auto arrayType =
        LLVM::LLVMArrayType::get(i64Type(), std::max<int64_t>(n, 1));
    return LLVM::GEPOp::create(
        b, loc, LLVM::LLVMPointerType::get(b.getContext()), arrayType, array,
        ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
  }
  Value address(OpBuilder &b, Location loc, Value ptr) const {
    return LLVM::PtrToIntOp::create(b, loc, i64Type(), ptr);
  }

  /// Pushes `original` (its lowered form `lowered`) as the next argument.
  LogicalResult push(ConversionPatternRewriter &r, Operation *op, Value frame,
                     Value original, Value lowered, int32_t dtype) const {
    Location loc = op->getLoc();
    if (isa<ValueType>(original.getType()))
      return call(r, op, "kiln_rt_arg_value", {frame, lowered});
    auto type = cast<MemRefType>(original.getType());
    if (!type.getLayout().isIdentity())
      return r.notifyMatchFailure(op, "runtime arguments must be contiguous");
    MemRefDescriptor desc(lowered);
    int64_t rank = type.getRank();
    Value dims = stackArray(r, op, rank);
    for (int64_t d = 0; d < rank; ++d) {
      Value size = desc.size(r, loc, d);
      LLVM::StoreOp::create(r, loc, size, element(r, loc, dims, rank, d));
    }
    return call(r, op, "kiln_rt_arg",
                {frame, i32(r, loc, dtype),
                 address(r, loc, desc.alignedPtr(r, loc)), i64(r, loc, rank),
                 address(r, loc, dims)});
  }

  /// Value `idx` of the frame as `type`: an index for runtime values, a
  /// memref descriptor over the runtime's memory for arrays (its static
  /// dims checked at run time; errors name resource `slot`, or the last
  /// kernel when -1).
  FailureOr<Value> import(ConversionPatternRewriter &r, Operation *op,
                          Value frame, Value idx, Type type,
                          int64_t slot) const {
    if (isa<ValueType>(type))
      return idx;
    Location loc = op->getLoc();
    auto memType = cast<MemRefType>(type);
    Value dims = expectedDims(r, op, memType);
    FailureOr<Value> addr = call(r, op, "kiln_rt_view",
                                 {frame, idx, i64(r, loc, memType.getRank()),
                                  address(r, loc, dims), i64(r, loc, slot)});
    if (failed(addr))
      return failure();
    return viewOf(r, op, memType, *addr, dims);
  }

  /// The dims array kiln_rt_view and kiln_rt_writable take: `type`'s dims,
  /// -1 for dynamic ones (the runtime writes the actual dims back).
  Value expectedDims(ConversionPatternRewriter &r, Operation *op,
                     MemRefType type) const {
    Location loc = op->getLoc();
    int64_t rank = type.getRank();
    Value dims = stackArray(r, op, rank);
    for (int64_t d = 0; d < rank; ++d)
      LLVM::StoreOp::create(
          r, loc, i64(r, loc, type.isDynamicDim(d) ? -1 : type.getDimSize(d)),
          element(r, loc, dims, rank, d));
    return dims;
  }
  /// The descriptor of `type` at `addr`, its dynamic dims from `dims`.
  Value viewOf(ConversionPatternRewriter &r, Operation *op, MemRefType type,
               Value addr, Value dims) const {
    Location loc = op->getLoc();
    int64_t rank = type.getRank();
    SmallVector<Value> sizes(rank);
    for (int64_t d = 0; d < rank; ++d)
      sizes[d] = type.isDynamicDim(d)
                     ? LLVM::LoadOp::create(r, loc, i64Type(),
                                            element(r, loc, dims, rank, d))
                           .getResult()
                     : i64(r, loc, type.getDimSize(d));
    return rowMajor(r, loc, type, addr, sizes);
  }

  /// The descriptor of a contiguous, row-major `type` at address `addr`
  /// (i64) with `sizes` (i64).
  Value rowMajor(OpBuilder &r, Location loc, MemRefType type, Value addr,
                 ArrayRef<Value> sizes) const {
    auto ptrType = LLVM::LLVMPointerType::get(this->getContext());
    Value ptr = LLVM::IntToPtrOp::create(r, loc, ptrType, addr);
    auto desc = MemRefDescriptor::poison(
        r, loc, this->getTypeConverter()->convertType(type));
    desc.setAllocatedPtr(r, loc, ptr);
    desc.setAlignedPtr(r, loc, ptr);
    desc.setConstantOffset(r, loc, 0);
    Value stride = i64(r, loc, 1);
    for (int64_t d = type.getRank() - 1; d >= 0; --d) {
      desc.setSize(r, loc, d, sizes[d]);
      desc.setStride(r, loc, d, stride);
      if (d > 0)
        stride = LLVM::MulOp::create(r, loc, stride, sizes[d]);
    }
    return desc;
  }

  /// Results of `op` from the consecutive frame values from `first`.
  LogicalResult importResults(ConversionPatternRewriter &r, Operation *op,
                              Value frame, Value first, int64_t slot) const {
    SmallVector<Value> results;
    Location loc = op->getLoc();
    for (auto [k, result] : llvm::enumerate(op->getResults())) {
      Value idx =
          k == 0 ? first
                 : LLVM::AddOp::create(r, loc, first,
                                       i64(r, loc, static_cast<int64_t>(k)))
                       .getResult();
      FailureOr<Value> v = import(r, op, frame, idx, result.getType(), slot);
      if (failed(v))
        return failure();
      results.push_back(*v);
    }
    r.replaceOp(op, results);
    return success();
  }

  /// Pushes every operand of `values` (lowered: `lowered`) with `dtypes`.
  LogicalResult pushAll(ConversionPatternRewriter &r, Operation *op,
                        Value frame, ValueRange values, ValueRange lowered,
                        ArrayRef<int32_t> dtypes) const {
    for (auto [i, v] : llvm::enumerate(values))
      if (failed(push(r, op, frame, v, lowered[i],
                      i < dtypes.size() ? dtypes[i] : 0)))
        return failure();
    return success();
  }

  /// Checks `op` lowered to a call; erases it.
  LogicalResult done(ConversionPatternRewriter &r, Operation *op,
                     FailureOr<Value> v) const {
    if (failed(v))
      return failure();
    r.eraseOp(op);
    return success();
  }
};

struct FeedLowering : RtPattern<FeedOp> {
  using RtPattern::RtPattern;
  LogicalResult matchAndRewrite(FeedOp op, OpAdaptor a,
                                ConversionPatternRewriter &r) const override {
    FailureOr<Value> idx =
        call(r, op, "kiln_rt_feed",
             {a.getFrame(), i64(r, op.getLoc(), op.getIndex())});
    if (failed(idx))
      return failure();
    return importResults(r, op, a.getFrame(), *idx, -1);
  }
};

struct FetchLowering : RtPattern<FetchOp> {
  using RtPattern::RtPattern;
  LogicalResult matchAndRewrite(FetchOp op, OpAdaptor a,
                                ConversionPatternRewriter &r) const override {
    if (failed(push(r, op, a.getFrame(), op.getValue(), a.getValue(),
                    op.getDtype())))
      return failure();
    return done(r, op,
                call(r, op, "kiln_rt_fetch",
                     {a.getFrame(), i64(r, op.getLoc(), op.getIndex())}));
  }
};

struct ReadLowering : RtPattern<ReadOp> {
  using RtPattern::RtPattern;
  LogicalResult matchAndRewrite(ReadOp op, OpAdaptor a,
                                ConversionPatternRewriter &r) const override {
    FailureOr<Value> idx =
        call(r, op, "kiln_rt_read",
             {a.getFrame(), i64(r, op.getLoc(), op.getSlot())});
    if (failed(idx))
      return failure();
    return importResults(r, op, a.getFrame(), *idx, op.getSlot());
  }
};

/// As import(): the dims array in and out, the descriptor around the
/// address the runtime returns.
struct WritableLowering : RtPattern<WritableOp> {
  using RtPattern::RtPattern;
  LogicalResult matchAndRewrite(WritableOp op, OpAdaptor a,
                                ConversionPatternRewriter &r) const override {
    Location loc = op.getLoc();
    auto type = cast<MemRefType>(op.getBuffer().getType());
    if (!type.getLayout().isIdentity())
      return r.notifyMatchFailure(op, "variables are contiguous");
    Value dims = expectedDims(r, op, type);
    FailureOr<Value> addr =
        call(r, op, "kiln_rt_writable",
             {a.getFrame(), i64(r, loc, op.getSlot()),
              i64(r, loc, type.getRank()), address(r, loc, dims)});
    if (failed(addr))
      return failure();
    r.replaceOp(op, viewOf(r, op, type, *addr, dims));
    return success();
  }
};

struct AssignLowering : RtPattern<AssignOp> {
  using RtPattern::RtPattern;
  LogicalResult matchAndRewrite(AssignOp op, OpAdaptor a,
                                ConversionPatternRewriter &r) const override {
    Location loc = op.getLoc();
    if (failed(push(r, op, a.getFrame(), op.getValue(), a.getValue(),
                    op.getDtype())))
      return failure();
    return done(r, op,
                call(r, op, "kiln_rt_assign",
                     {a.getFrame(), i64(r, loc, op.getSlot()),
                      i32(r, loc, op.getMode()),
                      i32(r, loc, op.getValidateShape() ? 1 : 0)}));
  }
};

struct EnqueueLowering : RtPattern<EnqueueOp> {
  using RtPattern::RtPattern;
  LogicalResult matchAndRewrite(EnqueueOp op, OpAdaptor a,
                                ConversionPatternRewriter &r) const override {
    Location loc = op.getLoc();
    if (failed(pushAll(r, op, a.getFrame(), op.getValues(), a.getValues(),
                       op.getDtypes())))
      return failure();
    return done(r, op,
                call(r, op, "kiln_rt_enqueue",
                     {a.getFrame(), i64(r, loc, op.getSlot()),
                      i64(r, loc, static_cast<int64_t>(op.getValues().size())),
                      i32(r, loc, op.getMany() ? 1 : 0),
                      i64(r, loc, op.getTimeoutMs())}));
  }
};

struct DequeueLowering : RtPattern<DequeueOp> {
  using RtPattern::RtPattern;
  LogicalResult matchAndRewrite(DequeueOp op, OpAdaptor a,
                                ConversionPatternRewriter &r) const override {
    Location loc = op.getLoc();
    Value count = a.getCount() ? a.getCount() : i64(r, loc, 0);
    FailureOr<Value> first = call(r, op, "kiln_rt_dequeue",
                                  {a.getFrame(), i64(r, loc, op.getSlot()),
                                   i32(r, loc, op.getMode()), count,
                                   i64(r, loc, op.getTimeoutMs())});
    if (failed(first))
      return failure();
    return importResults(r, op, a.getFrame(), *first, op.getSlot());
  }
};

/// queue_size / queue_is_closed / queue_close: one call on the slot.
struct QueueSizeLowering : RtPattern<QueueSizeOp> {
  using RtPattern::RtPattern;
  LogicalResult matchAndRewrite(QueueSizeOp op, OpAdaptor a,
                                ConversionPatternRewriter &r) const override {
    FailureOr<Value> v =
        call(r, op, "kiln_rt_queue_size",
             {a.getFrame(), i64(r, op.getLoc(), op.getSlot())});
    if (failed(v))
      return failure();
    r.replaceOp(op, *v);
    return success();
  }
};

struct QueueIsClosedLowering : RtPattern<QueueIsClosedOp> {
  using RtPattern::RtPattern;
  LogicalResult matchAndRewrite(QueueIsClosedOp op, OpAdaptor a,
                                ConversionPatternRewriter &r) const override {
    Location loc = op.getLoc();
    FailureOr<Value> v = call(r, op, "kiln_rt_queue_is_closed",
                              {a.getFrame(), i64(r, loc, op.getSlot())});
    if (failed(v))
      return failure();
    r.replaceOpWithNewOp<LLVM::ICmpOp>(op, LLVM::ICmpPredicate::ne, *v,
                                       i32(r, loc, 0));
    return success();
  }
};

struct QueueCloseLowering : RtPattern<QueueCloseOp> {
  using RtPattern::RtPattern;
  LogicalResult matchAndRewrite(QueueCloseOp op, OpAdaptor a,
                                ConversionPatternRewriter &r) const override {
    Location loc = op.getLoc();
    return done(r, op,
                call(r, op, "kiln_rt_queue_close",
                     {a.getFrame(), i64(r, loc, op.getSlot()),
                      i32(r, loc, op.getCancelPendingEnqueues() ? 1 : 0)}));
  }
};

struct RandomLowering : RtPattern<RandomOp> {
  using RtPattern::RtPattern;
  LogicalResult matchAndRewrite(RandomOp op, OpAdaptor a,
                                ConversionPatternRewriter &r) const override {
    Location loc = op.getLoc();
    if (failed(push(r, op, a.getFrame(), op.getShape(), a.getShape(),
                    op.getShapeDtype())))
      return failure();
    Value skip = a.getSkip()
                     ? LLVM::ZExtOp::create(r, loc, r.getI32Type(), a.getSkip())
                           .getResult()
                     : i32(r, loc, 0);
    FailureOr<Value> idx =
        call(r, op, "kiln_rt_random",
             {a.getFrame(), i64(r, loc, op.getSlot()),
              i32(r, loc, op.getDist()), i32(r, loc, op.getDtype()), skip});
    if (failed(idx))
      return failure();
    return importResults(r, op, a.getFrame(), *idx, op.getSlot());
  }
};

/// Constant bytes as a private global named `<prefix>_<n>` (n counts up in
/// the order the conversion meets them, so objects are reproducible).
Value constantBytes(ConversionPatternRewriter &r, Operation *op,
                    StringRef prefix, StringRef bytes) {
  auto module = op->getParentOfType<ModuleOp>();
  std::string name;
  for (int k = 0;; ++k) {
    name = (prefix + "_" + Twine(k)).str();
    if (!module.lookupSymbol(name))
      break;
  }
  std::string data = bytes.str();
  if (data.empty())
    data.push_back(0);
  MLIRContext *ctx = op->getContext();
  auto arrayType =
      LLVM::LLVMArrayType::get(IntegerType::get(ctx, 8), data.size());
  {
    OpBuilder::InsertionGuard g(r);
    r.setInsertionPointToStart(module.getBody());
    LLVM::GlobalOp::create(r, op->getLoc(), arrayType, /*isConstant=*/true,
                           LLVM::Linkage::Private, name, r.getStringAttr(data));
  }
  Value ptr = LLVM::AddressOfOp::create(r, op->getLoc(),
                                        LLVM::LLVMPointerType::get(ctx), name);
  return LLVM::PtrToIntOp::create(r, op->getLoc(), IntegerType::get(ctx, 64),
                                  ptr);
}

struct StringConstLowering : RtPattern<StringConstOp> {
  using RtPattern::RtPattern;
  LogicalResult matchAndRewrite(StringConstOp op, OpAdaptor a,
                                ConversionPatternRewriter &r) const override {
    Location loc = op.getLoc();
    StringRef bytes = op.getBytes();
    Value data = constantBytes(r, op, "kiln_string_const", bytes);
    ArrayRef<int64_t> shape = op.getShape();
    int64_t rank = static_cast<int64_t>(shape.size());
    Value dims = stackArray(r, op, rank);
    for (int64_t d = 0; d < rank; ++d)
      LLVM::StoreOp::create(r, loc, i64(r, loc, shape[d]),
                            element(r, loc, dims, rank, d));
    FailureOr<Value> idx = call(
        r, op, "kiln_rt_string_const",
        {a.getFrame(), data, i64(r, loc, static_cast<int64_t>(bytes.size())),
         i64(r, loc, rank), address(r, loc, dims)});
    if (failed(idx))
      return failure();
    r.replaceOp(op, *idx);
    return success();
  }
};

struct SummaryLowering : RtPattern<SummaryOp> {
  using RtPattern::RtPattern;
  LogicalResult matchAndRewrite(SummaryOp op, OpAdaptor a,
                                ConversionPatternRewriter &r) const override {
    if (failed(pushAll(r, op, a.getFrame(), {op.getTags(), op.getValues()},
                       {a.getTags(), a.getValues()}, op.getDtypes())))
      return failure();
    FailureOr<Value> idx =
        call(r, op, "kiln_rt_summary",
             {a.getFrame(), i32(r, op.getLoc(), op.getKind())});
    if (failed(idx))
      return failure();
    r.replaceOp(op, *idx);
    return success();
  }
};

struct MergeSummaryLowering : RtPattern<MergeSummaryOp> {
  using RtPattern::RtPattern;
  LogicalResult matchAndRewrite(MergeSummaryOp op, OpAdaptor a,
                                ConversionPatternRewriter &r) const override {
    if (failed(pushAll(r, op, a.getFrame(), op.getInputs(), a.getInputs(),
                       op.getDtypes())))
      return failure();
    FailureOr<Value> idx =
        call(r, op, "kiln_rt_merge_summary",
             {a.getFrame(), i64(r, op.getLoc(),
                                static_cast<int64_t>(op.getInputs().size()))});
    if (failed(idx))
      return failure();
    r.replaceOp(op, *idx);
    return success();
  }
};

struct KernelLowering : RtPattern<KernelOp> {
  using RtPattern::RtPattern;
  LogicalResult matchAndRewrite(KernelOp op, OpAdaptor a,
                                ConversionPatternRewriter &r) const override {
    Location loc = op.getLoc();
    Value frame = a.getFrame();
    unsigned next = 0;
    for (int64_t slot : op.getInputSlots()) {
      if (slot >= 0) {
        if (failed(call(r, op, "kiln_rt_arg_slot", {frame, i64(r, loc, slot)})))
          return failure();
        continue;
      }
      if (failed(push(r, op, frame, op.getInputs()[next], a.getInputs()[next],
                      op.getDtypes()[next])))
        return failure();
      ++next;
    }
    StringRef nodeDef = op.getNodeDef();
    Value bytes = constantBytes(r, op, "kiln_node_def", nodeDef);
    FailureOr<Value> first =
        call(r, op, "kiln_rt_kernel",
             {frame, bytes, i64(r, loc, static_cast<int64_t>(nodeDef.size())),
              i64(r, loc, static_cast<int64_t>(op.getInputSlots().size())),
              i64(r, loc, static_cast<int64_t>(op.getNumResults())),
              i64(r, loc, op.getOwnSlot())});
    if (failed(first))
      return failure();
    return importResults(r, op, frame, *first, -1);
  }
};

struct CheckLabelsLowering : RtPattern<CheckLabelsOp> {
  using RtPattern::RtPattern;
  LogicalResult matchAndRewrite(CheckLabelsOp op, OpAdaptor a,
                                ConversionPatternRewriter &r) const override {
    if (failed(push(r, op, a.getFrame(), op.getLabels(), a.getLabels(),
                    op.getDtype())))
      return failure();
    return done(r, op,
                call(r, op, "kiln_rt_check_labels",
                     {a.getFrame(), i64(r, op.getLoc(), op.getNumClasses())}));
  }
};

struct CheckDivisorLowering : RtPattern<CheckDivisorOp> {
  using RtPattern::RtPattern;
  LogicalResult matchAndRewrite(CheckDivisorOp op, OpAdaptor a,
                                ConversionPatternRewriter &r) const override {
    Value flag =
        LLVM::ZExtOp::create(r, op.getLoc(), i32Type(), a.getNonzero());
    return done(r, op,
                call(r, op, "kiln_rt_check_divisor", {a.getFrame(), flag}));
  }
};

/// check_reshape / check_dims: two index values.
template <typename OpTy> struct CheckPairLowering : RtPattern<OpTy> {
  CheckPairLowering(const LLVMTypeConverter &c, StringRef fn)
      : RtPattern<OpTy>(c), fn(fn) {}
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor a,
                                ConversionPatternRewriter &r) const override {
    Location loc = op.getLoc();
    auto asI64 = [&](Value v) -> Value {
      unsigned width = v.getType().getIntOrFloatBitWidth();
      if (width == 64)
        return v;
      return width < 64
                 ? LLVM::SExtOp::create(r, loc, this->i64Type(), v).getResult()
                 : LLVM::TruncOp::create(r, loc, this->i64Type(), v)
                       .getResult();
    };
    SmallVector<Value> operands = a.getOperands();
    return this->done(
        r, op,
        this->call(r, op, fn,
                   {a.getFrame(), asI64(operands[1]), asI64(operands[2])}));
  }
  std::string fn;
};

/// A buffer from the frame: the size in bytes from the dims, the
/// descriptor (identity layout) around the address the runtime returns.
struct AllocLowering : RtPattern<AllocOp> {
  using RtPattern::RtPattern;
  LogicalResult matchAndRewrite(AllocOp op, OpAdaptor a,
                                ConversionPatternRewriter &r) const override {
    Location loc = op.getLoc();
    auto type = cast<MemRefType>(op.getBuffer().getType());
    Type elem = type.getElementType();
    int64_t elemBytes =
        elem.isIndex() ? 8 : (elem.getIntOrFloatBitWidth() + 7) / 8;
    if (!elem.isIntOrIndexOrFloat())
      return r.notifyMatchFailure(op, "element type without a byte size");
    int64_t rank = type.getRank();
    SmallVector<Value> sizes(rank);
    unsigned nextDynamic = 0;
    for (int64_t d = 0; d < rank; ++d)
      sizes[d] = type.isDynamicDim(d) ? a.getDynamicSizes()[nextDynamic++]
                                      : i64(r, loc, type.getDimSize(d));
    Value bytes = i64(r, loc, elemBytes);
    for (Value s : sizes)
      bytes = LLVM::MulOp::create(r, loc, bytes, s);
    FailureOr<Value> addr = call(r, op, "kiln_rt_alloc", {a.getFrame(), bytes});
    if (failed(addr))
      return failure();
    r.replaceOp(op, rowMajor(r, loc, type, *addr, sizes));
    return success();
  }
};

struct FreeLowering : RtPattern<FreeOp> {
  using RtPattern::RtPattern;
  LogicalResult matchAndRewrite(FreeOp op, OpAdaptor a,
                                ConversionPatternRewriter &r) const override {
    MemRefDescriptor desc(a.getBuffer());
    Value addr = address(r, op.getLoc(), desc.allocatedPtr(r, op.getLoc()));
    return done(r, op, call(r, op, "kiln_rt_free", {a.getFrame(), addr}));
  }
};

/// An outlined function called through the runtime (a parallel loop's
/// blocks, a GEMM's epilogue): its captures go into a struct on the stack,
/// and a trampoline `void <callee><suffix>(ptr ctx, i64 x numIndices)`
/// unpacks them (memref descriptors into their fields, as func-to-llvm
/// passes them) and calls `callee` with the indices first. Returns the
/// trampoline's and the struct's addresses as i64.
std::pair<Value, Value> outlinedCall(ConversionPatternRewriter &r,
                                     Operation *op, StringRef callee,
                                     StringRef suffix, unsigned numIndices,
                                     ValueRange original, ValueRange lowered) {
  Location loc = op->getLoc();
  MLIRContext *ctx = op->getContext();
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  Type i64 = IntegerType::get(ctx, 64);
  SmallVector<Type> fields;
  for (Value v : lowered)
    fields.push_back(v.getType());
  auto structType = LLVM::LLVMStructType::getLiteral(ctx, fields);
  Value context;
  {
    OpBuilder::InsertionGuard g(r);
    Region *body = op->getParentRegion();
    while (!isa<FunctionOpInterface>(body->getParentOp()))
      body = body->getParentOp()->getParentRegion();
    r.setInsertionPointToStart(&body->front());
    context = LLVM::AllocaOp::create(r, loc, ptrType, structType,
                                     LLVM::ConstantOp::create(r, loc, i64, 1));
  }
  Value packed = LLVM::PoisonOp::create(r, loc, structType);
  for (auto [i, v] : llvm::enumerate(lowered))
    packed = LLVM::InsertValueOp::create(r, loc, packed, v, i);
  LLVM::StoreOp::create(r, loc, packed, context);

  auto module = op->getParentOfType<ModuleOp>();
  std::string name = (callee + suffix).str();
  if (!module.lookupSymbol(name)) {
    OpBuilder::InsertionGuard g(r);
    r.setInsertionPointToStart(module.getBody());
    SmallVector<Type> params{ptrType};
    params.append(numIndices, i64);
    auto fnType =
        LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), params);
    auto fn =
        LLVM::LLVMFuncOp::create(r, loc, name, fnType, LLVM::Linkage::Internal);
    Block *entry = r.createBlock(&fn.getBody(), {}, params,
                                 SmallVector<Location>(params.size(), loc));
    r.setInsertionPointToStart(entry);
    Value all = LLVM::LoadOp::create(r, loc, structType, entry->getArgument(0));
    SmallVector<Value> args(entry->getArguments().drop_front());
    for (auto [i, v] : llvm::enumerate(original)) {
      Value field = LLVM::ExtractValueOp::create(r, loc, all, i);
      if (auto memref = dyn_cast<MemRefType>(v.getType()))
        MemRefDescriptor::unpack(r, loc, field, memref, args);
      else
        args.push_back(field);
    }
    LLVM::CallOp::create(r, loc, TypeRange{}, callee, args);
    LLVM::ReturnOp::create(r, loc, ValueRange{});
  }
  Value fnAddr = LLVM::PtrToIntOp::create(
      r, loc, i64, LLVM::AddressOfOp::create(r, loc, ptrType, name));
  return {fnAddr, LLVM::PtrToIntOp::create(r, loc, i64, context)};
}

/// kiln_rt.matmul on buffers: the kiln_rt_matmul call with each matrix's
/// address (offset applied), dims and row stride, and its epilogue's
/// trampoline and captures (zeros without one).
struct MatmulLowering : RtPattern<MatmulOp> {
  using RtPattern::RtPattern;
  struct Matrix {
    Value addr, rows, cols, ld;
  };
  FailureOr<Matrix> matrix(ConversionPatternRewriter &r, Operation *op,
                           Value original, Value lowered) const {
    auto type = cast<MemRefType>(original.getType());
    SmallVector<int64_t> strides;
    int64_t offset;
    if (failed(type.getStridesAndOffset(strides, offset)) || strides[1] != 1)
      return r.notifyMatchFailure(op, "matrix rows must have unit stride");
    Location loc = op->getLoc();
    MemRefDescriptor d(lowered);
    auto ptrType = LLVM::LLVMPointerType::get(r.getContext());
    Value ptr = LLVM::GEPOp::create(r, loc, ptrType, type.getElementType(),
                                    d.alignedPtr(r, loc), d.offset(r, loc));
    return Matrix{address(r, loc, ptr), d.size(r, loc, 0), d.size(r, loc, 1),
                  d.stride(r, loc, 0)};
  }
  LogicalResult matchAndRewrite(MatmulOp op, OpAdaptor a,
                                ConversionPatternRewriter &r) const override {
    if (!op.getResult().empty())
      return r.notifyMatchFailure(op, "not bufferized");
    FailureOr<Matrix> ma = matrix(r, op, op.getA(), a.getA());
    FailureOr<Matrix> mb = matrix(r, op, op.getB(), a.getB());
    FailureOr<Matrix> mc = matrix(r, op, op.getInit(), a.getInit());
    if (failed(ma) || failed(mb) || failed(mc))
      return failure();
    Location loc = op.getLoc();
    Value m = op.getTransposeA() ? ma->cols : ma->rows;
    Value k = op.getTransposeA() ? ma->rows : ma->cols;
    int32_t flags = (op.getTransposeA() ? 1 : 0) |
                    (op.getTransposeB() ? 2 : 0) | (op.getAccumulate() ? 4 : 0);
    Value epilogue = i64(r, loc, 0), context = epilogue;
    if (auto callee = op.getEpilogueAttr())
      std::tie(epilogue, context) =
          outlinedCall(r, op, callee.getValue(), "_tile", 4, op.getCaptures(),
                       a.getCaptures());
    return done(r, op,
                call(r, op, "kiln_rt_matmul",
                     {a.getFrame(), ma->addr, mb->addr, mc->addr, m, mc->cols,
                      k, ma->ld, mb->ld, mc->ld, i32(r, loc, flags), epilogue,
                      context}));
  }
};

/// kiln_rt.parallel_for: the runtime calls the outlined function's
/// trampoline `<callee>_block(ctx, lo, hi)` per block.
struct ParallelForLowering : RtPattern<ParallelForOp> {
  using RtPattern::RtPattern;
  LogicalResult matchAndRewrite(ParallelForOp op, OpAdaptor a,
                                ConversionPatternRewriter &r) const override {
    Location loc = op.getLoc();
    auto [fnAddr, context] = outlinedCall(r, op, op.getCallee(), "_block", 2,
                                          op.getCaptures(), a.getCaptures());
    return done(r, op,
                call(r, op, "kiln_rt_parallel_for",
                     {a.getFrame(), fnAddr, context, a.getTotal(),
                      i64(r, loc, op.getGrain())}));
  }
};

struct OkLowering : RtPattern<OkOp> {
  using RtPattern::RtPattern;
  LogicalResult matchAndRewrite(OkOp op, OpAdaptor a,
                                ConversionPatternRewriter &r) const override {
    FailureOr<Value> v = call(r, op, "kiln_rt_ok", {a.getFrame()});
    if (failed(v))
      return failure();
    r.replaceOpWithNewOp<LLVM::ICmpOp>(op, LLVM::ICmpPredicate::ne, *v,
                                       i32(r, op.getLoc(), 0));
    return success();
  }
};

} // namespace

void kiln::populateRtToLLVMTypeConversions(LLVMTypeConverter &converter) {
  converter.addConversion([](FrameType t) -> Type {
    return LLVM::LLVMPointerType::get(t.getContext());
  });
  converter.addConversion(
      [](ValueType t) -> Type { return IntegerType::get(t.getContext(), 64); });
}

void kiln::populateRtToLLVMConversionPatterns(LLVMTypeConverter &converter,
                                              RewritePatternSet &patterns) {
  patterns.add<FeedLowering, FetchLowering, ReadLowering, AssignLowering,
               EnqueueLowering, DequeueLowering, QueueSizeLowering,
               QueueIsClosedLowering, QueueCloseLowering, RandomLowering,
               StringConstLowering, SummaryLowering, MergeSummaryLowering,
               KernelLowering, CheckLabelsLowering, CheckDivisorLowering,
               AllocLowering, FreeLowering, OkLowering, MatmulLowering,
               WritableLowering, ParallelForLowering>(converter);
  patterns.add<CheckPairLowering<CheckReshapeOp>>(converter,
                                                  "kiln_rt_check_reshape");
  patterns.add<CheckPairLowering<CheckDimsOp>>(converter, "kiln_rt_check_dims");
}
