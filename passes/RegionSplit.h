//===- RegionSplit.h - shared by the parallelization passes -----*- C++ -*-===//
//
// Internal to StepPasses: finding the sources and the region of a
// single-region graph (step-gen attention) and cloning the region for a
// share of the requests. Used by --step-parallelize and
// --step-dynamic-parallelize.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_PASSES_REGIONSPLIT_H
#define STEP_PASSES_REGIONSPLIT_H

#include "dialects/Step/StepOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::step::detail {

struct SingleRegion {
  /// Source ops (linear loads, metadata_gens) and the flattens that follow
  /// them, in program order.
  SmallVector<Operation *> sourceOps;
  /// The streams the region reads: each source's last value.
  SmallVector<Value> sourceValues;
  /// Every other operator, in program order.
  SmallVector<Operation *> regionOps;
  /// The request count: the outer dim of every source value.
  ::step::sym::Expr requests;
};

/// Splits `func` into sources and region; emits an error naming the
/// offending op and fails if it is not a single-region graph.
FailureOr<SingleRegion> findSingleRegion(func::FuncOp func);

/// Clones `ops` at `b`'s insertion point for region `index`: operands are
/// looked up in `map` (which the clones extend); ragged and partition
/// symbols get the suffix "_r<index>"; result types are re-inferred and
/// assume_shape results whose outer dim was `oldRequests` get
/// `newRequests`. Emits an error and fails if a type cannot be inferred.
LogicalResult cloneForRegion(OpBuilder &b, ArrayRef<Operation *> ops,
                             IRMapping &map, int64_t index,
                             ::step::sym::Expr oldRequests,
                             ::step::sym::Expr newRequests);

/// Erases `ops` (users first).
void eraseOps(ArrayRef<Operation *> ops);

} // namespace mlir::step::detail

#endif // STEP_PASSES_REGIONSPLIT_H
