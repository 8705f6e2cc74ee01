//===- Reinfer.cpp - type re-inference after a graph rewrite --------------===//
//
// Shared by the passes that change stream shapes or tile types in the middle
// of a graph (dynamic tiling, time-multiplexing): re-infers every op in
// order, including the block arguments and tile ops of the regions of
// higher-order operators.
//
//===----------------------------------------------------------------------===//

#include "passes/Reinfer.h"

#include "mlir/Interfaces/InferTypeOpInterface.h"

using namespace mlir;
using namespace mlir::step;

namespace {

/// Rows of a tile type, or null for anything else.
::step::sym::Expr tileRows(Type type) {
  if (auto tile = dyn_cast<TileType>(type))
    return tile.getRows();
  return {};
}

} // namespace

ZerosOp mlir::step::initZeros(Region &init) {
  if (init.empty())
    return {};
  auto yield = dyn_cast<YieldOp>(init.front().getTerminator());
  if (!yield || yield.getValues().size() != 1)
    return {};
  return yield.getValues()[0].getDefiningOp<ZerosOp>();
}

void mlir::step::setAccumulatorType(ZerosOp zeros, Region &update, Type type) {
  Value(zeros.getResult()).setType(type);
  if (!update.empty() && update.front().getNumArguments() > 0)
    update.front().getArgument(0).setType(type);
}

void mlir::step::updateRegionArguments(Operation *op) {
  SmallVector<Type> elems;
  for (Value v : op->getOperands())
    elems.push_back(cast<StreamType>(v.getType()).getElementType());

  auto retype = [](Block &block, unsigned first, ArrayRef<Type> types) {
    for (auto [i, type] : llvm::enumerate(types))
      if (first + i < block.getNumArguments())
        block.getArgument(first + i).setType(type);
  };

  if (isa<MapOp, FlatMapOp>(op)) {
    Region &body = op->getRegion(0);
    if (body.empty())
      return;
    Block &block = body.front();
    // A static tile that becomes dynamically shaped was padded to its row
    // count; a dynamically shaped one holds only valid rows, so splitting it
    // has no padding to drop.
    if (isa<FlatMapOp>(op))
      for (auto [arg, type] : llvm::zip(block.getArguments(), elems)) {
        auto oldRows = tileRows(arg.getType()), newRows = tileRows(type);
        if (!oldRows || !newRows || !oldRows.isStatic() || newRows.isStatic())
          continue;
        for (Operation *user : arg.getUsers())
          if (auto split = dyn_cast<SplitRowsOp>(user))
            split.setDropPadding(false);
      }
    retype(block, 0, elems);
    return;
  }

  if (!isa<AccumOp, ScanOp>(op))
    return;
  Region &init = op->getRegion(0), &update = op->getRegion(1);
  if (update.empty())
    return;
  Block &block = update.front();
  // An accumulator with the row count of an input tile (a matmul's output
  // rows, say) follows that input when its rows become dynamic.
  if (ZerosOp zeros = initZeros(init)) {
    auto acc = cast<TileType>(zeros.getResult().getType());
    for (auto [i, type] : llvm::enumerate(elems)) {
      if (i + 1 >= block.getNumArguments())
        break;
      auto oldRows = tileRows(block.getArgument(i + 1).getType());
      auto newRows = tileRows(type);
      if (!oldRows || !newRows || oldRows == newRows || !oldRows.isStatic() ||
          newRows.isStatic() || acc.getRows() != oldRows)
        continue;
      setAccumulatorType(zeros, update,
                         TileType::get(op->getContext(), newRows, acc.getCols(),
                                       acc.getElementType()));
      break;
    }
  }
  retype(block, 1, elems);
}

LogicalResult mlir::step::reinferBlock(Block &block, StringRef what) {
  for (Operation &op : block) {
    if (!isa<StepDialect>(op.getDialect()))
      continue;
    if (op.getNumRegions() > 0) {
      if (isa<MapOp, FlatMapOp, AccumOp, ScanOp>(op))
        updateRegionArguments(&op);
      for (Region &region : op.getRegions())
        for (Block &inner : region)
          if (failed(reinferBlock(inner, what)))
            return failure();
    }
    if (!isa<InferTypeOpInterface>(op))
      continue;
    if (failed(refreshResultTypes(&op)))
      return op.emitError("shape inference failed at this operator after ")
             << what;
  }
  return success();
}
