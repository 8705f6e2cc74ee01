//===- StreamBuilder.cpp - step operators with inferred types -------------===//
//
// Every op is created with placeholder result types and then given the types
// its shape rule infers (as --step-infer-shapes does), instead of through the
// ODS builders that infer at creation: those abort the process when the rule
// fails, and a region op's rule needs its region, which is filled after the
// op exists.
//
//===----------------------------------------------------------------------===//

#include "frontends/layers/StreamBuilder.h"

#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::step;
using namespace mlir::step::frontends;
namespace sym = ::step::sym;

static SmallVector<Type> elementTypes(ValueRange streams) {
  SmallVector<Type> types;
  for (Value v : streams)
    types.push_back(cast<StreamType>(v.getType()).getElementType());
  return types;
}

//===----------------------------------------------------------------------===//
// Machinery
//===----------------------------------------------------------------------===//

bool StreamBuilder::ready(ValueRange operands) const {
  return !hasFailed && llvm::all_of(operands, [](Value v) { return bool(v); });
}

template <typename OpTy, typename... Args>
OpTy StreamBuilder::create(unsigned numResults, Args &&...args) {
  SmallVector<Type> placeholders(numResults, b.getNoneType());
  return b.create<OpTy>(loc, TypeRange(placeholders),
                        std::forward<Args>(args)...);
}

template <typename OpTy, typename... Args>
Value StreamBuilder::tileOp(ValueRange operands, Args &&...args) {
  if (!ready(operands))
    return {};
  auto op = create<OpTy>(1, std::forward<Args>(args)...);
  if (mlir::failed(refineTypes(op)))
    return {};
  return op.getResult();
}

Value StreamBuilder::finishRegionOp(Operation *op) {
  if (hasFailed) {
    op->erase();
    return {};
  }
  if (mlir::failed(refineTypes(op)))
    return {};
  return op->getResult(0);
}

LogicalResult StreamBuilder::refineTypes(Operation *op) {
  if (mlir::failed(refreshResultTypes(op))) {
    op->erase();
    hasFailed = true;
    return failure();
  }
  return success();
}

void StreamBuilder::fillRegion(Region &region, TypeRange argTypes, Body body) {
  OpBuilder::InsertionGuard guard(b);
  SmallVector<Location> locs(argTypes.size(), loc);
  Block *block = b.createBlock(&region, {}, argTypes, locs);
  Value result = body(block->getArguments());
  if (!result) {
    hasFailed = true;
    return;
  }
  b.create<YieldOp>(loc, ValueRange{result});
}

IntegerAttr StreamBuilder::bwAttr(std::optional<int64_t> bw) {
  return bw ? b.getI64IntegerAttr(*bw) : IntegerAttr();
}

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

TileType StreamBuilder::tile(sym::Expr rows, sym::Expr cols, Type element) {
  return TileType::get(getContext(), rows, cols, element);
}

TileType StreamBuilder::tile(int64_t rows, int64_t cols, Type element) {
  return tile(sym::constant(rows), sym::constant(cols), element);
}

StreamType StreamBuilder::stream(ArrayRef<sym::Expr> shape, Type element) {
  return StreamType::get(getContext(), shape, element);
}

StreamType StreamBuilder::stream(ArrayRef<int64_t> shape, Type element) {
  SmallVector<sym::Expr> dims;
  for (int64_t d : shape)
    dims.push_back(sym::constant(d));
  return stream(dims, element);
}

//===----------------------------------------------------------------------===//
// Stream operators
//===----------------------------------------------------------------------===//

Value StreamBuilder::linearLoad(StringRef tensor, ArrayRef<int64_t> tensorShape,
                                TileType tileType, ArrayRef<int64_t> view,
                                Value ref) {
  if (hasFailed)
    return {};
  auto op = create<LinearLoadOp>(1, ref, tensor, tensorShape, tileType, view,
                                 /*stride=*/DenseI64ArrayAttr(),
                                 /*par_dispatch=*/IntegerAttr());
  if (mlir::failed(refineTypes(op)))
    return {};
  return op.getResult();
}

void StreamBuilder::linearStore(Value input, StringRef tensor,
                                ArrayRef<int64_t> tensorShape) {
  if (!ready(input))
    return;
  b.create<LinearStoreOp>(loc, input, tensor, tensorShape,
                          /*par_dispatch=*/IntegerAttr());
}

Value StreamBuilder::selectGen(StringRef input, StreamType type) {
  if (hasFailed)
    return {};
  return b.create<SelectGenOp>(loc, type, input, DenseI64ArrayAttr())
      .getResult();
}

SmallVector<Value> StreamBuilder::partition(Value input, Value sel,
                                            int64_t rank,
                                            ArrayRef<std::string> names) {
  SmallVector<Value> outputs(names.size());
  if (!ready({input, sel}))
    return outputs;
  SmallVector<Attribute> nameAttrs;
  for (const std::string &name : names)
    nameAttrs.push_back(b.getStringAttr(name));
  auto op = create<PartitionOp>(names.size(), input, sel, rank,
                                b.getArrayAttr(nameAttrs));
  if (mlir::failed(refineTypes(op)))
    return outputs;
  llvm::copy(op.getOutputs(), outputs.begin());
  return outputs;
}

Value StreamBuilder::reassemble(ValueRange inputs, Value sel, int64_t rank) {
  if (!ready(inputs) || !ready(sel))
    return {};
  auto op = create<ReassembleOp>(1, inputs, sel, rank,
                                 /*name=*/StringAttr());
  if (mlir::failed(refineTypes(op)))
    return {};
  return op.getResult();
}

Value StreamBuilder::flatten(Value input, int64_t minRank, int64_t maxRank) {
  return tileOp<FlattenOp>({input}, input, minRank, maxRank);
}

Value StreamBuilder::reshape(Value input, int64_t rank, int64_t chunk) {
  if (!ready(input))
    return {};
  // No `pad` attribute: the default (0.0) is what the text form omits.
  auto op = create<ReshapeOp>(2, input, b.getI64IntegerAttr(rank),
                              b.getI64IntegerAttr(chunk), FloatAttr());
  if (mlir::failed(refineTypes(op)))
    return {};
  return op.getResult();
}

Value StreamBuilder::promote(Value input) {
  return tileOp<PromoteOp>({input}, input, /*rank=*/IntegerAttr());
}

Value StreamBuilder::repeat(Value input, int64_t count) {
  return tileOp<RepeatOp>({input}, input, static_cast<uint64_t>(count));
}

Value StreamBuilder::map(ValueRange inputs, Body body) {
  return mapWith(inputs, computeBw, /*writeBack=*/false, body);
}

Value StreamBuilder::accum(ValueRange inputs, int64_t rank, TileType acc,
                           Update update) {
  return accumWith(inputs, rank, acc, computeBw, update);
}

Value StreamBuilder::mapWith(ValueRange inputs, std::optional<int64_t> bw,
                             bool writeBack, Body body) {
  if (!ready(inputs))
    return {};
  auto op = create<MapOp>(1, inputs,
                          bwAttr(bw),
                          writeBack ? b.getUnitAttr() : UnitAttr());
  fillRegion(op.getBody(), elementTypes(inputs), body);
  return finishRegionOp(op);
}

Value StreamBuilder::accumWith(ValueRange inputs, int64_t rank, TileType acc,
                               std::optional<int64_t> bw, Update update) {
  if (!ready(inputs))
    return {};
  auto op = create<AccumOp>(1, inputs, static_cast<uint64_t>(rank),
                            bwAttr(bw),
                            /*write_back_mu=*/false);
  fillRegion(op.getInit(), {}, [&](ValueRange) { return zeros(acc); });
  SmallVector<Type> args{acc};
  llvm::append_range(args, elementTypes(inputs));
  if (!hasFailed)
    fillRegion(op.getUpdate(), args,
               [&](ValueRange a) { return update(a.front(), a.drop_front()); });
  return finishRegionOp(op);
}

Value StreamBuilder::flatMap(ValueRange inputs, StringRef dim, Body body) {
  if (!ready(inputs))
    return {};
  auto op = create<FlatMapOp>(
      1, inputs, dim.empty() ? StringAttr() : b.getStringAttr(dim));
  fillRegion(op.getBody(), elementTypes(inputs), body);
  return finishRegionOp(op);
}

//===----------------------------------------------------------------------===//
// Tile operators
//===----------------------------------------------------------------------===//

Value StreamBuilder::zeros(TileType type) {
  if (hasFailed)
    return {};
  return b.create<ZerosOp>(loc, type).getResult();
}

Value StreamBuilder::matmul(Value lhs, Value rhs) {
  return tileOp<MatmulOp>({lhs, rhs}, lhs, rhs, /*transpose_b=*/false);
}
Value StreamBuilder::add(Value lhs, Value rhs) {
  return tileOp<AddOp>({lhs, rhs}, lhs, rhs);
}
Value StreamBuilder::mul(Value lhs, Value rhs) {
  return tileOp<MulOp>({lhs, rhs}, lhs, rhs);
}
Value StreamBuilder::silu(Value input) {
  return tileOp<SiluOp>({input}, input);
}
Value StreamBuilder::retileRows(Value acc, Value rows) {
  return tileOp<RetileRowsOp>({acc, rows}, acc, rows);
}
Value StreamBuilder::splitRows(Value input, bool dropPadding) {
  return tileOp<SplitRowsOp>({input}, input, dropPadding);
}
