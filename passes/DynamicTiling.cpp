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
#include "passes/Reinfer.h"

#include "mlir/Interfaces/InferTypeOpInterface.h"

#include "llvm/ADT/SetVector.h"

namespace mlir::step {
#define GEN_PASS_DEF_STEPDYNAMICTILING
#include "passes/Passes.h.inc"
} // namespace mlir::step

using namespace mlir;
using namespace mlir::step;

namespace {

struct DynamicTilingPass
    : public mlir::step::impl::StepDynamicTilingBase<DynamicTilingPass> {
  void runOnOperation() override;

private:
  /// Rewrites one reshape if it packs an expert's tokens into static tiles;
  /// returns true if it did.
  bool rewrite(ReshapeOp reshape);
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
    if (failed(reinferBlock(*block, "dynamic tiling")))
      return signalPassFailure();
}

} // namespace
