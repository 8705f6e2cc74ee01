//===- Reinfer.h - type re-inference after a graph rewrite -------*- C++
//-*-===//
//
// Helpers for passes that change stream shapes or tile types in the middle
// of a graph and must propagate the change (passes/Reinfer.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef STEP_PASSES_REINFER_H
#define STEP_PASSES_REINFER_H

#include "dialects/Step/StepOps.h"

namespace mlir::step {

/// The zeros op whose result the init region of an accum/scan yields, if any.
ZerosOp initZeros(Region &init);

/// Sets the accumulator type of an accum/scan: the zeros initializer and the
/// update region's first block argument.
void setAccumulatorType(ZerosOp zeros, Region &update, Type type);

/// Gives the block arguments of a higher-order operator's regions the
/// element types of its (re-inferred) operands; an accumulator whose rows
/// were an input tile's static rows follows them when they become dynamic,
/// and `split_rows` of a tile that became dynamic no longer drops padding.
void updateRegionArguments(Operation *op);

/// Re-infers the types of every op of `block`, in order, descending into the
/// regions of higher-order operators; on failure the error at the op says it
/// happened after `what`.
LogicalResult reinferBlock(Block &block, StringRef what);

} // namespace mlir::step

#endif // STEP_PASSES_REINFER_H
