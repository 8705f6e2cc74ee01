//===- InsertBroadcast.cpp - explicit fan-out of shared streams -----------===//
//
// Streams are single-consumer FIFOs; a stream value with several uses gets a
// step.broadcast with one result per use.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/IR/Builders.h"

namespace mlir::step {
#define GEN_PASS_DEF_STEPINSERTBROADCAST
#include "passes/Passes.h.inc"
} // namespace mlir::step

using namespace mlir;
using namespace mlir::step;

namespace {
struct InsertBroadcastPass
    : public mlir::step::impl::StepInsertBroadcastBase<InsertBroadcastPass> {
  void runOnOperation() override {
    SmallVector<Value> shared;
    auto consider = [&](Value v) {
      if (isa<StreamType>(v.getType()) && countStreamConsumers(v) > 1)
        shared.push_back(v);
    };
    getOperation()->walk([&](Operation *op) {
      for (Region &region : op->getRegions())
        for (Block &block : region)
          for (BlockArgument arg : block.getArguments())
            consider(arg);
      for (Value result : op->getResults())
        consider(result);
    });

    for (Value v : shared) {
      OpBuilder builder(v.getContext());
      if (auto arg = dyn_cast<BlockArgument>(v))
        builder.setInsertionPointToStart(arg.getOwner());
      else
        builder.setInsertionPointAfter(v.getDefiningOp());
      SmallVector<OpOperand *> uses;
      for (OpOperand &use : v.getUses())
        if (isStreamConsumer(use))
          uses.push_back(&use);
      // Keep the consumers in program order so the output is stable.
      llvm::sort(uses, [](OpOperand *a, OpOperand *b) {
        Operation *oa = a->getOwner(), *ob = b->getOwner();
        if (oa == ob)
          return a->getOperandNumber() < b->getOperandNumber();
        if (oa->getBlock() == ob->getBlock())
          return oa->isBeforeInBlock(ob);
        return oa < ob;
      });
      auto bcast = builder.create<BroadcastOp>(v.getLoc(), v,
                                               static_cast<int64_t>(uses.size()),
                                               DenseI64ArrayAttr());
      for (auto [use, result] : llvm::zip(uses, bcast.getOutputs()))
        use->set(result);
    }
  }
};
} // namespace
