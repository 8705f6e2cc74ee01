//===- VerifyGraph.cpp - dataflow-graph well-formedness -------------------===//
//
// Checks the properties of a step graph that single-op verifiers cannot see:
// single consumers, no dangling streams, inferred types up to date.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

#include <set>

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

  /// Every symbol in a result type must come from somewhere: a function
  /// argument, a runtime-input source's type, or a routing op's names.
  LogicalResult checkSymbolsKnown() {
    std::set<std::string> known;
    getOperation()->walk([&](Operation *op) {
      if (auto func = dyn_cast<FunctionOpInterface>(op))
        for (Type t : func.getArgumentTypes())
          collectSymbols(t, known);
      if (isa<SelectGenOp, MetadataGenOp>(op))
        for (Type t : op->getResultTypes())
          collectSymbols(t, known);
      if (auto p = dyn_cast<PartitionOp>(op))
        for (Attribute a : p.getNames())
          known.insert(cast<StringAttr>(a).getValue().str());
      if (auto a = dyn_cast<CacheReadAddrGenOp>(op))
        known.insert(a.getName().str());
      if (auto f = dyn_cast<FilterLastTileOp>(op))
        known.insert(f.getName().str());
      if (auto r = dyn_cast<ReassembleOp>(op))
        if (auto name = r.getName())
          known.insert(name->str());
      // Sparse (SAM) operators mint the ragged dims of compressed levels,
      // joins and accumulations.
      if (auto l = dyn_cast<FiberLookupOp>(op))
        if (auto name = l.getName())
          known.insert(name->str());
      if (auto j = dyn_cast<IntersectOp>(op))
        known.insert(j.getName().str());
      if (auto j = dyn_cast<UnionOp>(op))
        known.insert(j.getName().str());
      if (auto j = dyn_cast<JoinOp>(op))
        known.insert(j.getName().str());
      if (auto f = dyn_cast<ForkOp>(op))
        for (int64_t k = 0; k < static_cast<int64_t>(f.getCount()); ++k)
          known.insert(f.getName().str() + "_" + std::to_string(k));
      if (auto s = dyn_cast<SpaccOp>(op)) {
        known.insert(s.getName().str());
        known.insert(s.getOuterName().str());
      }
    });
    bool ok = true;
    getOperation()->walk([&](Operation *op) {
      if (!isa_and_nonnull<StepDialect>(op->getDialect()))
        return;
      std::set<std::string> used;
      for (Type t : op->getResultTypes())
        collectSymbols(t, used);
      for (const std::string &s : used)
        if (!known.count(s)) {
          op->emitError() << "unknown symbol '" << s
                          << "': it is not minted by a routing operator nor "
                             "given by a function argument or runtime input";
          ok = false;
        }
    });
    return success(ok);
  }

  void runOnOperation() override {
    bool failedAny = false;
    getOperation()->walk([&](Operation *op) {
      if (!isa_and_nonnull<StepDialect>(op->getDialect()))
        return;
      for (OpResult r : op->getResults()) {
        if (!isa<StreamType>(r.getType()))
          continue;
        unsigned uses = countStreamConsumers(r);
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
      if (auto fb = dyn_cast<FeedbackOp>(op)) {
        unsigned connects = 0;
        for (OpOperand &use : fb.getResult().getUses())
          connects += !isStreamConsumer(use);
        if (connects != 1) {
          op->emitError() << "expected exactly one step.feedback_connect "
                             "supplying this feedback stream, got "
                          << connects;
          failedAny = true;
        }
      }
      if (isa<InferTypeOpInterface>(op)) {
        SmallVector<Type> types;
        if (failed(inferResultTypes(op, types))) {
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
    failedAny |= failed(checkSymbolsKnown());
    if (failedAny)
      signalPassFailure();
  }
};
} // namespace
