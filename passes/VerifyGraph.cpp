//===- VerifyGraph.cpp - dataflow-graph well-formedness -------------------===//
//
// Checks the properties of a step graph that single-op verifiers cannot see:
// single consumers, no dangling streams, inferred types up to date.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Interfaces/InferTypeOpInterface.h"

namespace mlir::step {
#define GEN_PASS_DEF_STEPVERIFYGRAPH
#include "passes/Passes.h.inc"
} // namespace mlir::step

using namespace mlir;
using namespace mlir::step;

namespace {
/// Results a graph may leave unconnected: the simulator discards them.
/// Reshape's padding flags are only needed by consumers that filter padding
/// explicitly (split_rows with drop_padding reads the tile's own count).
bool isOptionalResult(OpResult r) {
  return isa<ReshapeOp>(r.getOwner()) && r.getResultNumber() == 1;
}

struct VerifyGraphPass
    : public mlir::step::impl::StepVerifyGraphBase<VerifyGraphPass> {
  using StepVerifyGraphBase::StepVerifyGraphBase;

  void runOnOperation() override {
    bool failedAny = false;
    getOperation()->walk([&](Operation *op) {
      if (!isa_and_nonnull<StepDialect>(op->getDialect()))
        return;
      for (OpResult r : op->getResults()) {
        if (!isa<StreamType>(r.getType()))
          continue;
        unsigned uses = std::distance(r.use_begin(), r.use_end());
        if (uses > 1) {
          op->emitError() << "result #" << r.getResultNumber() << " has "
                          << uses
                          << " consumers, but a stream has exactly one; run "
                             "--step-insert-broadcast";
          failedAny = true;
        } else if (uses == 0 && !isOptionalResult(r)) {
          auto diag = allowDangling ? op->emitWarning() : op->emitError();
          diag << "result #" << r.getResultNumber()
               << " is never consumed; its FIFO would fill and stall the "
                  "operator";
          failedAny |= !allowDangling;
        }
      }
      if (auto infer = dyn_cast<InferTypeOpInterface>(op)) {
        SmallVector<Type> types;
        if (failed(infer.inferReturnTypes(
                op->getContext(), op->getLoc(), op->getOperands(),
                op->getAttrDictionary(), op->getPropertiesStorage(),
                op->getRegions(), types))) {
          failedAny = true;
          return;
        }
        for (auto [r, t] : llvm::zip(op->getResults(), types))
          if (r.getType() != t) {
            op->emitError() << "result #" << r.getResultNumber()
                            << " has type " << r.getType()
                            << " but the shape rules give " << t
                            << "; run --step-infer-shapes";
            failedAny = true;
          }
      }
    });
    if (failedAny)
      signalPassFailure();
  }
};
} // namespace
