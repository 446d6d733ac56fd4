//===- Outline.cpp - Elementwise loops as functions of index ranges -------===//
#include "Outline.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;

bool kiln::isOutlinableGeneric(linalg::GenericOp generic) {
  if (!generic.hasPureBufferSemantics() || generic.getNumLoops() == 0 ||
      generic.getNumParallelLoops() != generic.getNumLoops())
    return false;
  for (AffineMap map : generic.getIndexingMapsArray())
    if (!map.isProjectedPermutation())
      return false;
  for (Value v : generic->getOperands())
    if (!isa<MemRefType>(v.getType()))
      return false;
  // linalg.index would count from the start of a slice, not of the loop.
  return generic.getBody()->getOps<linalg::IndexOp>().empty();
}

kiln::OutlinedLoop kiln::outlineGeneric(SymbolTable &symbols,
                                        func::FuncOp parent,
                                        linalg::GenericOp generic,
                                        StringRef name,
                                        ArrayRef<unsigned> slicedLoops) {
  MLIRContext *ctx = generic.getContext();
  Location loc = generic.getLoc();
  SetVector<Value> above;
  getUsedValuesDefinedAbove(generic.getRegion(), above);
  OutlinedLoop out;
  out.captures.assign(generic->getOperands().begin(),
                      generic->getOperands().end());
  SmallVector<Operation *> constants;
  for (Value v : above) {
    Operation *def = v.getDefiningOp();
    if (def && def->hasTrait<OpTrait::ConstantLike>())
      constants.push_back(def);
    else
      out.captures.push_back(v);
  }
  Type indexType = IndexType::get(ctx);
  SmallVector<Type> argTypes(2 * slicedLoops.size(), indexType);
  for (Value v : out.captures)
    argTypes.push_back(v.getType());
  OpBuilder b(parent);
  out.fn =
      func::FuncOp::create(b, loc, name, FunctionType::get(ctx, argTypes, {}));
  out.fn.setPrivate();
  symbols.insert(out.fn);
  Block *entry = out.fn.addEntryBlock();
  OpBuilder body = OpBuilder::atBlockBegin(entry);
  IRMapping mapping;
  for (Operation *c : constants)
    body.clone(*c, mapping);
  for (auto [v, arg] : llvm::zip(out.captures, entry->getArguments().drop_front(
                                                   2 * slicedLoops.size())))
    mapping.map(v, arg);
  SmallVector<Value> lo, count;
  for (size_t i = 0; i < slicedLoops.size(); ++i) {
    lo.push_back(entry->getArgument(2 * i));
    count.push_back(arith::SubIOp::create(
        body, loc, entry->getArgument(2 * i + 1), entry->getArgument(2 * i)));
  }
  // Each operand's slice along the sliced loops it has.
  SmallVector<Value> operands;
  for (auto [operand, map] :
       llvm::zip(generic->getOperands(), generic.getIndexingMapsArray())) {
    Value arg = mapping.lookup(operand);
    auto type = cast<MemRefType>(arg.getType());
    int64_t rank = type.getRank();
    SmallVector<OpFoldResult> offsets(rank, body.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes(rank), strides(rank, body.getIndexAttr(1));
    bool sliced = false;
    for (auto [i, loop] : llvm::enumerate(slicedLoops)) {
      std::optional<unsigned> pos =
          map.getResultPosition(getAffineDimExpr(loop, ctx));
      if (!pos)
        continue;
      offsets[*pos] = lo[i];
      sizes[*pos] = count[i];
      sliced = true;
    }
    if (!sliced) {
      operands.push_back(arg); // broadcast along every sliced loop: whole
      continue;
    }
    for (int64_t d = 0; d < rank; ++d)
      if (!sizes[d])
        sizes[d] =
            type.isDynamicDim(d)
                ? OpFoldResult(
                      memref::DimOp::create(body, loc, arg, d).getResult())
                : OpFoldResult(body.getIndexAttr(type.getDimSize(d)));
    operands.push_back(
        memref::SubViewOp::create(body, loc, arg, offsets, sizes, strides));
  }
  unsigned numInputs = generic.getNumDpsInputs();
  auto slice = linalg::GenericOp::create(
      body, loc, TypeRange{}, ArrayRef(operands).take_front(numInputs),
      ArrayRef(operands).drop_front(numInputs), generic.getIndexingMapsArray(),
      generic.getIteratorTypesArray());
  generic.getRegion().cloneInto(&slice.getRegion(), mapping);
  func::ReturnOp::create(body, loc);
  return out;
}
