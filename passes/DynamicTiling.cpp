//===- DynamicTiling.cpp - STeP's dynamic tiling rewrite ------------------===//
//
// Replaces the static-tile packing of an expert's token stream (a reshape
// into chunks of N rows, accumulated into tile<N x C>) by one dynamically
// shaped tile holding all B_i tokens (a promote, accumulated into
// tile<[B_i, C]>), then re-infers every type the change reaches, including
// the block arguments and tile ops inside map/accum/scan/flatmap regions
// (reference/step.md §3.3, §8.1).
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Interfaces/InferTypeOpInterface.h"

#include "llvm/ADT/SetVector.h"

namespace mlir::step {
#define GEN_PASS_DEF_STEPDYNAMICTILING
#include "passes/Passes.h.inc"
} // namespace mlir::step

using namespace mlir;
using namespace mlir::step;

namespace {

/// Rows of a tile type, or null for anything else.
::step::sym::Expr tileRows(Type type) {
  if (auto tile = dyn_cast<TileType>(type))
    return tile.getRows();
  return {};
}

/// The zeros op whose result the init region of an accum/scan yields, if any.
ZerosOp initZeros(Region &init) {
  if (init.empty())
    return {};
  auto yield = dyn_cast<YieldOp>(init.front().getTerminator());
  if (!yield || yield.getValues().size() != 1)
    return {};
  return yield.getValues()[0].getDefiningOp<ZerosOp>();
}

/// Sets the accumulator type of an accum/scan: the zeros initializer and the
/// update region's first block argument.
void setAccumulatorType(ZerosOp zeros, Region &update, Type type) {
  Value(zeros.getResult()).setType(type);
  if (!update.empty() && update.front().getNumArguments() > 0)
    update.front().getArgument(0).setType(type);
}

struct DynamicTilingPass
    : public mlir::step::impl::StepDynamicTilingBase<DynamicTilingPass> {
  void runOnOperation() override;

private:
  /// Rewrites one reshape if it packs an expert's tokens into static tiles;
  /// returns true if it did.
  bool rewrite(ReshapeOp reshape);
  /// Re-infers the types of every op of `block`, in order, descending into
  /// the regions of higher-order operators.
  LogicalResult reinferBlock(Block &block);
  /// Gives the block arguments of a higher-order operator's regions the
  /// element types of its (re-inferred) operands.
  void updateRegionArguments(Operation *op);
};

bool DynamicTilingPass::rewrite(ReshapeOp reshape) {
  if (reshape.getRank() != 0 ||
      !reshape.getInput().getDefiningOp<PartitionOp>())
    return false;
  auto in = cast<StreamType>(reshape.getInput().getType());
  if (in.getShape().size() != 1)
    return false;
  Value data = reshape.getResult();
  if (!data.hasOneUse())
    return false;
  auto accum = dyn_cast<AccumOp>(*data.getUsers().begin());
  if (!accum || accum.getInputs().size() != 1 || accum.getRank() != 1)
    return false;
  ZerosOp zeros = initZeros(accum.getInit());
  if (!zeros)
    return false;
  TileType acc = cast<TileType>(zeros.getResult().getType());
  if (!acc.hasStaticShape() || accum.getUpdate().empty())
    return false;
  bool packsRows = false;
  accum.getUpdate().walk([&](RetileRowsOp op) {
    if (op.getAcc() == accum.getUpdate().front().getArgument(0))
      packsRows = true;
  });
  if (!packsRows)
    return false;
  if (!reshape.getPadding().use_empty()) {
    reshape.emitRemark("not tiled dynamically: its padding flags are used");
    return false;
  }

  OpBuilder builder(reshape);
  auto promote = builder.create<PromoteOp>(reshape.getLoc(), reshape.getInput(),
                                           /*rank=*/IntegerAttr());
  data.replaceAllUsesWith(promote.getResult());
  reshape.erase();
  setAccumulatorType(zeros, accum.getUpdate(),
                     TileType::get(&getContext(), in.getShape().front(),
                                   acc.getCols(), acc.getElementType()));
  return true;
}

void DynamicTilingPass::updateRegionArguments(Operation *op) {
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

LogicalResult DynamicTilingPass::reinferBlock(Block &block) {
  for (Operation &op : block) {
    if (!isa<StepDialect>(op.getDialect()))
      continue;
    if (op.getNumRegions() > 0) {
      if (isa<MapOp, FlatMapOp, AccumOp, ScanOp>(op))
        updateRegionArguments(&op);
      for (Region &region : op.getRegions())
        for (Block &inner : region)
          if (failed(reinferBlock(inner)))
            return failure();
    }
    if (!isa<InferTypeOpInterface>(op))
      continue;
    if (failed(refreshResultTypes(&op)))
      return op.emitError("shape inference failed at this operator after "
                          "dynamic tiling");
  }
  return success();
}

void DynamicTilingPass::runOnOperation() {
  SmallVector<ReshapeOp> reshapes;
  getOperation()->walk([&](ReshapeOp op) { reshapes.push_back(op); });
  llvm::SetVector<Block *> changed;
  for (ReshapeOp reshape : reshapes) {
    Block *block = reshape->getBlock();
    if (rewrite(reshape))
      changed.insert(block);
  }
  for (Block *block : changed)
    if (failed(reinferBlock(*block)))
      return signalPassFailure();
}

} // namespace
