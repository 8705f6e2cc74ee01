//===- StepCost.h - options of the STeP cost model ---------------*- C++ -*-===//
//
// The accounting variants of the STeP artifact's on-chip memory model.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_DIALECT_STEPCOST_H
#define STEP_DIALECT_STEPCOST_H

namespace mlir::step {
/// Which variant of the STeP on-chip memory accounting to apply
/// (reference/step.md §4). Mode 1 with `countFifos = false` is what the
/// artifact's experiment scripts used for the published figures.
struct CostOptions {
  /// 1: off-chip op buffers are single tiles, streamify counts its buffer.
  /// 2: off-chip op buffers are doubled, matmuls use the 16-row rule.
  int mode = 1;
  /// Also charge FIFO capacity at operators that hold stream elements.
  bool countFifos = false;
};
} // namespace mlir::step

#endif // STEP_DIALECT_STEPCOST_H
