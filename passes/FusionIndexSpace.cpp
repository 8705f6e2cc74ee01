//===- FusionIndexSpace.cpp - print each fusion region's index space ------===//
//
// --step-fusion-index-space: runs the FusedIndexSpace analysis on every
// fusion-region function and prints its index variables, partial-order
// graph and legal loop orders. The IR is left unchanged.
//
//===----------------------------------------------------------------------===//

#include "passes/FusedIndexSpace.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::step {
#define GEN_PASS_DEF_STEPFUSIONINDEXSPACE
#include "passes/Passes.h.inc"
} // namespace mlir::step

using namespace mlir;
using namespace mlir::step;

namespace {

struct FusionIndexSpacePass
    : public mlir::step::impl::StepFusionIndexSpaceBase<FusionIndexSpacePass> {
  using StepFusionIndexSpaceBase::StepFusionIndexSpaceBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (order < 0) {
      module.emitError("--step-fusion-index-space: order must be >= 0, got ")
          << int64_t(order);
      return signalPassFailure();
    }
    llvm::SmallVector<func::FuncOp> regions = collectFusionRegions(module);
    bool failed = false;
    llvm::raw_ostream &os = llvm::outs();
    for (func::FuncOp f : regions)
      failed |= report(f, os).failed();
    if (failed)
      signalPassFailure();
  }

  LogicalResult report(func::FuncOp f, llvm::raw_ostream &os) {
    FusedIndexSpaceOptions opts;
    opts.dataflowEdges = dataflowEdges;
    opts.copyPerUse = copyPerUse;
    FailureOr<FusedIndexSpace> fis = FusedIndexSpace::build(f, opts);
    if (failed(fis))
      return failure();
    os << "fusion region @" << f.getSymName();
    if (auto id = f->getAttrOfType<IntegerAttr>("step.fusion_region"))
      os << " (step.fusion_region = " << id.getInt() << ")";
    unsigned numCopies = 0;
    for (unsigned i = 0; i < fis->getOps().size(); ++i)
      numCopies += fis->getInstanceName(i).find('#') != std::string::npos;
    os << ": " << fis->getOps().size() - numCopies << " linalg ops, ";
    if (numCopies)
      os << numCopies
         << (numCopies == 1 ? " inlined copy, " : " inlined copies, ");
    os << fis->getIndexVars().size() << " index variables\n";
    auto name = [&](unsigned v) -> llvm::StringRef {
      return fis->getIndexVars()[v].name;
    };
    os << "  ops:\n";
    for (unsigned i = 0; i < fis->getOps().size(); ++i) {
      os << "    " << fis->getInstanceName(i) << " " << fis->getOpLabel(i)
         << ":";
      auto linalgOp = cast<linalg::LinalgOp>(fis->getOps()[i]);
      auto iters = linalgOp.getIteratorTypesArray();
      for (unsigned d = 0; d < linalgOp.getNumLoops(); ++d)
        os << " d" << d << "=" << name(fis->getVar(i, d))
           << (iters[d] == utils::IteratorType::reduction ? "(red)" : "");
      os << "\n";
    }
    os << "  index variables:\n";
    for (const auto &v : fis->getIndexVars()) {
      os << "    " << v.name << ":";
      for (unsigned m : v.members) {
        const auto &ld = fis->getLoopDims()[m];
        os << " " << fis->getInstanceName(ld.opIndex) << ".d" << ld.dim;
      }
      os << "\n";
    }
    os << "  edges:" << (fis->getEdges().empty() ? " none" : "") << "\n";
    for (const auto &e : fis->getEdges()) {
      os << "    " << name(e.from) << " -> " << name(e.to) << ":";
      llvm::interleave(
          e.origins, os, [&](const std::string &s) { os << " " << s; }, ";");
      os << "\n";
    }
    if (auto cycle = fis->findCycle()) {
      InFlightDiagnostic diag = mlir::emitError(f.getLoc())
                                << "fusion region @" << f.getSymName()
                                << ": the partial-order graph has a cycle ";
      for (unsigned v : *cycle)
        diag << name(v) << " -> ";
      diag << name(cycle->front()) << " (";
      for (unsigned k = 0; k < cycle->size(); ++k) {
        unsigned from = (*cycle)[k], to = (*cycle)[(k + 1) % cycle->size()];
        diag << (k ? "; " : "") << name(from) << " -> " << name(to) << ": ";
        llvm::ArrayRef<std::string> origins = fis->getEdgeOrigins(from, to);
        for (unsigned o = 0; o < origins.size(); ++o)
          diag << (o ? ", " : "") << origins[o];
      }
      diag << "); no concordant loop order exists (a permuted copy of one "
              "tensor view would be needed)";
      os << "  loop orders: none (cycle)\n";
      return failure();
    }
    auto orders = fis->enumerateOrders(maxOrders);
    os << "  loop orders: ";
    if (auto count = fis->countOrders())
      os << *count;
    else
      os << "at least " << orders.size() << " (not counted: over 20 variables)";
    os << ", first " << orders.size() << ":\n";
    for (auto [k, o] : llvm::enumerate(orders)) {
      os << "    #" << k << ":";
      for (unsigned v : o)
        os << " " << name(v);
      os << (int64_t(k) == order ? "  (chosen)" : "") << "\n";
    }
    if (order >= int64_t(orders.size()))
      return mlir::emitError(f.getLoc())
             << "fusion region @" << f.getSymName()
             << ": order=" << int64_t(order)
             << " is out of range: " << orders.size()
             << " loop orders enumerated (max-orders=" << unsigned(maxOrders)
             << ")";
    return success();
  }
};

} // namespace
