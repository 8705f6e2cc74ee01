//===- InferShapes.cpp - whole-graph shape inference ----------------------===//
//
// Recomputes every step operator's result types from its operands, in
// program order, so a shape change propagates through the graph.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Interfaces/InferTypeOpInterface.h"

namespace mlir::step {
#define GEN_PASS_DEF_STEPINFERSHAPES
#include "passes/Passes.h.inc"
} // namespace mlir::step

using namespace mlir;
using namespace mlir::step;

namespace {
struct InferShapesPass
    : public mlir::step::impl::StepInferShapesBase<InferShapesPass> {
  void runOnOperation() override {
    auto result = getOperation()->walk<WalkOrder::PreOrder>(
        [&](InferTypeOpInterface op) -> WalkResult {
          if (!isa<StepDialect>(op->getDialect()))
            return WalkResult::advance();
          if (failed(refreshResultTypes(op))) {
            op->emitError("shape inference failed at this operator");
            return WalkResult::interrupt();
          }
          return WalkResult::advance();
        });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
