//===- Parallelize.cpp - static parallelization of a single region --------===//
//
// STeP's static interleaved and static coarse parallelization
// (reference/step.md §8.3): the single region of a graph is cloned R times;
// either shared sources are dealt round robin by `parallelize`, or each
// clone gets its own sources for a contiguous slice of the requests.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/RegionSplit.h"

namespace mlir::step {
#define GEN_PASS_DEF_STEPPARALLELIZE
#include "passes/Passes.h.inc"
} // namespace mlir::step

using namespace mlir;
using namespace mlir::step;
using namespace mlir::step::detail;
namespace sym = ::step::sym;

namespace {
struct ParallelizePass
    : public mlir::step::impl::StepParallelizeBase<ParallelizePass> {
  using StepParallelizeBase::StepParallelizeBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (regions < 2) {
      func.emitError() << "--step-parallelize: expected regions >= 2, got "
                       << static_cast<int64_t>(regions);
      return signalPassFailure();
    }
    if (strategy != "interleaved" && strategy != "coarse") {
      func.emitError() << "--step-parallelize: unknown strategy '" << strategy
                       << "' (interleaved or coarse)";
      return signalPassFailure();
    }
    auto region = findSingleRegion(func);
    if (failed(region))
      return signalPassFailure();
    int64_t b = *region->requests.getConstant();
    if (regions > b) {
      func.emitError() << "--step-parallelize: "
                       << static_cast<int64_t>(regions) << " regions for " << b
                       << " requests";
      return signalPassFailure();
    }
    OpBuilder builder(func.getContext());
    builder.setInsertionPoint(func.getBody().front().getTerminator());
    LogicalResult ok = strategy == "coarse" ? coarse(builder, *region, b)
                                            : interleaved(builder, *region);
    if (failed(ok))
      return signalPassFailure();
  }

  LogicalResult interleaved(OpBuilder &builder, SingleRegion &r) {
    SmallVector<ParallelizeOp> deal;
    for (Value v : r.sourceValues) {
      OpBuilder at(v.getContext());
      at.setInsertionPointAfterValue(v);
      auto shape = cast<StreamType>(v.getType()).getShape();
      SmallVector<Type> none(regions, at.getNoneType());
      auto p = at.create<ParallelizeOp>(v.getLoc(), TypeRange(none), v,
                                        at.getI64IntegerAttr(shape.size() - 1),
                                        at.getI64IntegerAttr(regions));
      if (failed(refreshResultTypes(p)))
        return failure();
      deal.push_back(p);
    }
    for (int64_t i = 0; i < regions; ++i) {
      IRMapping map;
      for (auto [v, p] : llvm::zip(r.sourceValues, deal))
        map.map(v, p.getOutputs()[i]);
      sym::Expr n = cast<StreamType>(deal.front().getOutputs()[i].getType())
                        .getShape()
                        .front();
      if (failed(cloneForRegion(builder, r.regionOps, map, i, r.requests, n)))
        return failure();
    }
    eraseOps(r.regionOps);
    return success();
  }

  LogicalResult coarse(OpBuilder &builder, SingleRegion &r, int64_t b) {
    int64_t c = chunk;
    if (c == 0) {
      if (b % regions != 0) {
        r.sourceOps.front()->emitError()
            << "--step-parallelize: strategy=coarse needs the " << b
            << " requests to split evenly over "
            << static_cast<int64_t>(regions) << " regions (or a 'chunk' size)";
        return failure();
      }
      c = b / regions;
    }
    if (c < 1 || b % c != 0 || b / c < regions) {
      r.sourceOps.front()->emitError()
          << "--step-parallelize: chunk " << c << " must divide the " << b
          << " requests into at least " << static_cast<int64_t>(regions)
          << " chunks";
      return failure();
    }
    for (int64_t i = 0; i < regions; ++i) {
      // Region i's chunks: i, i + R, i + 2R, ...
      SmallVector<int64_t> slices;
      int64_t share = 0;
      for (int64_t k = i; k * c < b; k += regions) {
        slices.append({k * c, c});
        share += c;
      }
      sym::Expr n = sym::constant(share);
      IRMapping map;
      for (Operation *orig : r.sourceOps) {
        Operation *op = builder.clone(*orig, map);
        if (auto load = dyn_cast<LinearLoadOp>(op)) {
          SmallVector<int64_t> view(load.getView());
          auto shape =
              cast<StreamType>(orig->getResult(0).getType()).getShape();
          // The request dim of the load is the first view dim that is B.
          size_t dim = 0;
          while (dim < view.size() && view[dim] != b)
            ++dim;
          if (dim == view.size())
            return load.emitError()
                   << "--step-parallelize: no view dim of the load has the "
                      "request count "
                   << b << " (shape " << dimListToString(shape) << ")";
          view[dim] = share;
          load.setView(view);
          if (failed(refreshResultTypes(op)))
            return failure();
        } else if (auto meta = dyn_cast<MetadataGenOp>(op)) {
          if (meta.getSlice())
            return meta.emitError("--step-parallelize: the source already "
                                  "reads a slice");
          meta.setSliceAttr(builder.getDenseI64ArrayAttr(slices));
          StreamType t = meta.getResult().getType();
          SmallVector<sym::Expr> dims(t.getShape());
          auto it = llvm::find(dims, r.requests);
          if (it == dims.end())
            return meta.emitError()
                   << "--step-parallelize: no dim of the source has the "
                      "request count "
                   << b;
          *it = n;
          meta.getResult().setType(
              StreamType::get(op->getContext(), dims, t.getElementType()));
        } else if (failed(refreshResultTypes(op))) {
          return failure();
        }
      }
      if (failed(cloneForRegion(builder, r.regionOps, map, i, r.requests, n)))
        return failure();
    }
    eraseOps(r.regionOps);
    eraseOps(r.sourceOps);
    return success();
  }
};
} // namespace
