//===- DynamicParallelize.cpp - requests fed to regions on demand ---------===//
//
// STeP's dynamic parallelization (reference/step.md §8.3, the artifact's
// build_dynmic_par): shared sources partitioned over R clones of the
// region, the selector built from an initial round robin and the order in
// which regions finish reading their requests' K caches, fed back through
// step.feedback edges.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/RegionSplit.h"

namespace mlir::step {
#define GEN_PASS_DEF_STEPDYNAMICPARALLELIZE
#include "passes/Passes.h.inc"
} // namespace mlir::step

using namespace mlir;
using namespace mlir::step;
using namespace mlir::step::detail;
namespace sym = ::step::sym;

namespace {
struct DynamicParallelizePass
    : public mlir::step::impl::StepDynamicParallelizeBase<
          DynamicParallelizePass> {
  using StepDynamicParallelizeBase::StepDynamicParallelizeBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (regions < 2) {
      func.emitError() << "--step-dynamic-parallelize: expected regions >= 2, "
                          "got "
                       << static_cast<int64_t>(regions);
      return signalPassFailure();
    }
    auto region = findSingleRegion(func);
    if (failed(region))
      return signalPassFailure();
    if (failed(rewrite(func, *region)))
      return signalPassFailure();
  }

  LogicalResult rewrite(func::FuncOp func, SingleRegion &r) {
    int64_t b = *r.requests.getConstant();
    if (b <= regions)
      return func.emitError()
             << "--step-dynamic-parallelize: needs more requests than the "
             << static_cast<int64_t>(regions) << " regions, got " << b;
    MLIRContext *ctx = func.getContext();
    Location loc = func.getLoc();
    OpBuilder builder(ctx);
    builder.setInsertionPointAfter(r.sourceOps.back());
    auto i64 = IntegerType::get(ctx, 64);
    TileType signalTile =
        TileType::get(ctx, sym::constant(1), sym::constant(1), i64);
    SmallVector<std::string> names;
    SmallVector<Attribute> nameAttrs;
    for (int64_t i = 0; i < regions; ++i) {
      names.push_back("R" + std::to_string(i));
      nameAttrs.push_back(builder.getStringAttr(names.back()));
    }
    auto typed = [&](Operation *op) { return refreshResultTypes(op); };
    auto sel = [&](int64_t width, int64_t length) {
      return StreamType::get(ctx, {sym::constant(length)},
                             SelectorType::get(ctx, width, /*hot=*/1));
    };

    // Completion signals of the regions, defined later.
    SmallVector<Value> feedback;
    for (const std::string &n : names)
      feedback.push_back(
          builder
              .create<FeedbackOp>(
                  loc, StreamType::get(ctx, {sym::symbol(n)}, signalTile))
              .getResult());
    SmallVector<Type> two(2, builder.getNoneType());
    auto merge = builder.create<EagerMergeOp>(loc, TypeRange(two), feedback,
                                              builder.getI64IntegerAttr(0));
    if (failed(typed(merge)))
      return failure();
    builder.create<SinkOp>(loc, merge.getData());
    Value which = builder.create<AssumeShapeOp>(loc, sel(regions, b),
                                                merge.getSelector());

    // Keep the first B-R completions; the last R free no request.
    SmallVector<int64_t> keepTargets(b - regions, 1), orderTargets(regions, 0),
        rrTargets;
    keepTargets.append(regions, 0);
    orderTargets.append(b - regions, 1);
    for (int64_t i = 0; i < regions; ++i)
      rrTargets.push_back(i);
    // STeP's SelectGen of a [1, n] one-hot array, then Flatten(0, 1).
    auto inlineSel = [&](StringRef name, int64_t width,
                         ArrayRef<int64_t> targets) -> FailureOr<Value> {
      int64_t n = targets.size();
      Value g = builder.create<SelectGenOp>(
          loc,
          StreamType::get(ctx, {sym::constant(1), sym::constant(n)},
                          SelectorType::get(ctx, width, /*hot=*/1)),
          name, builder.getDenseI64ArrayAttr(targets));
      auto f = builder.create<FlattenOp>(loc, TypeRange(builder.getNoneType()),
                                         g, builder.getI64IntegerAttr(0),
                                         builder.getI64IntegerAttr(1));
      if (failed(typed(f)))
        return failure();
      return f.getResult();
    };
    auto keepOr = inlineSel("keep", 2, keepTargets);
    if (failed(keepOr))
      return failure();
    Value keep = *keepOr;
    auto done = builder.create<PartitionOp>(
        loc, TypeRange(two), which, keep, builder.getI64IntegerAttr(0),
        builder.getArrayAttr(
            {builder.getStringAttr("Dropped"), builder.getStringAttr("Done")}));
    if (failed(typed(done)))
      return failure();
    builder.create<SinkOp>(loc, done.getOutputs()[0]);
    auto rrOr = inlineSel("round_robin", regions, rrTargets);
    auto orderOr = inlineSel("order", 2, orderTargets);
    if (failed(rrOr) || failed(orderOr))
      return failure();
    Value rr = *rrOr, order = *orderOr;
    auto joined = builder.create<ReassembleOp>(
        loc, TypeRange(builder.getNoneType()),
        ValueRange{rr, done.getOutputs()[1]}, order,
        builder.getI64IntegerAttr(0), StringAttr());
    if (failed(typed(joined)))
      return failure();
    auto selector = builder.create<FlattenOp>(
        loc, TypeRange(builder.getNoneType()), joined.getResult(),
        builder.getI64IntegerAttr(0), builder.getI64IntegerAttr(1));
    if (failed(typed(selector)))
      return failure();

    // Every source partitioned by that selector.
    SmallVector<PartitionOp> route;
    SmallVector<Type> none(regions, builder.getNoneType());
    for (Value v : r.sourceValues) {
      auto shape = cast<StreamType>(v.getType()).getShape();
      auto p = builder.create<PartitionOp>(
          loc, TypeRange(none), v, selector.getResult(),
          builder.getI64IntegerAttr(shape.size() - 1),
          builder.getArrayAttr(nameAttrs));
      if (failed(typed(p)))
        return failure();
      route.push_back(p);
    }

    builder.setInsertionPoint(func.getBody().front().getTerminator());
    for (int64_t i = 0; i < regions; ++i) {
      IRMapping map;
      for (auto [v, p] : llvm::zip(r.sourceValues, route))
        map.map(v, p.getOutputs()[i]);
      if (failed(cloneForRegion(builder, r.regionOps, map, i, r.requests,
                                sym::symbol(names[i]))))
        return failure();
      // The completion signal: one token per request once all of its
      // tiles of the signal tensor were read.
      RandomLoadOp load;
      for (Operation *op : r.regionOps)
        if (auto l = dyn_cast<RandomLoadOp>(op);
            l && l.getTensor() == signalTensor)
          load = cast<RandomLoadOp>(map.lookup(l.getResult()).getDefiningOp());
      if (!load)
        return func.emitError()
               << "--step-dynamic-parallelize: no random_load of '"
               << signalTensor << "' to signal completion";
      auto tile = cast<TileType>(load.getResult().getType().getElementType());
      auto acc = builder.create<AccumOp>(
          loc, TypeRange(builder.getNoneType()), ValueRange{load.getResult()},
          builder.getI64IntegerAttr(1), IntegerAttr(), UnitAttr());
      {
        OpBuilder::InsertionGuard guard(builder);
        Block *init = builder.createBlock(&acc.getInit());
        Value z = builder.create<ZerosOp>(loc, signalTile);
        builder.create<YieldOp>(loc, ValueRange{z});
        Block *update = builder.createBlock(&acc.getUpdate(), {},
                                            {signalTile, tile}, {loc, loc});
        (void)init;
        Value n = builder.create<SignalReqAllReadOp>(
            loc, update->getArgument(0), update->getArgument(1));
        builder.create<YieldOp>(loc, ValueRange{n});
      }
      if (failed(typed(acc)))
        return failure();
      if (acc.getResult().getType() != feedback[i].getType())
        return acc.emitError() << "--step-dynamic-parallelize: the signal of "
                                  "region "
                               << i << " has type " << acc.getResult().getType()
                               << ", expected " << feedback[i].getType();
      builder.create<FeedbackConnectOp>(loc, acc.getResult(), feedback[i]);
    }
    eraseOps(r.regionOps);
    return success();
  }
};
} // namespace
