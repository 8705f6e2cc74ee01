//===- RegionSplit.cpp - shared by the parallelization passes -------------===//
//
// See RegionSplit.h.
//
//===----------------------------------------------------------------------===//

#include "passes/RegionSplit.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::step;
using namespace mlir::step::detail;

FailureOr<SingleRegion>
mlir::step::detail::findSingleRegion(func::FuncOp func) {
  SingleRegion r;
  llvm::DenseSet<Operation *> inSources;
  for (Operation &op : func.getBody().front()) {
    if (isa<ParallelizeOp, EagerMergeOp, FeedbackOp>(op)) {
      op.emitError("expected a single-region graph (as step-gen attention "
                   "builds it), but it is already split");
      return failure();
    }
    bool source = false;
    if (auto load = dyn_cast<LinearLoadOp>(op))
      source = !load.getRef();
    source |= isa<MetadataGenOp>(op);
    if (!source)
      continue;
    Value v = op.getResult(0);
    r.sourceOps.push_back(&op);
    inSources.insert(&op);
    while (v.hasOneUse()) {
      auto flatten = dyn_cast<FlattenOp>(*v.getUsers().begin());
      if (!flatten)
        break;
      r.sourceOps.push_back(flatten);
      inSources.insert(flatten);
      v = flatten.getResult();
    }
    auto shape = cast<StreamType>(v.getType()).getShape();
    if (!r.requests)
      r.requests = shape.front();
    if (shape.front() != r.requests) {
      op.emitError() << "expected every source stream to have the request "
                        "count "
                     << dimToString(r.requests) << " as its outer dim, got "
                     << dimListToString(shape);
      return failure();
    }
    r.sourceValues.push_back(v);
  }
  if (r.sourceValues.empty()) {
    func.emitError("expected sources (linear loads, metadata_gens) feeding "
                   "one region");
    return failure();
  }
  if (!r.requests.getConstant()) {
    func.emitError() << "expected a static request count, got "
                     << dimToString(r.requests);
    return failure();
  }
  // Program order (a source's flattens may sit among the region's ops).
  r.sourceOps.clear();
  for (Operation &op : func.getBody().front()) {
    if (inSources.count(&op))
      r.sourceOps.push_back(&op);
    else if (!isa<func::ReturnOp>(op))
      r.regionOps.push_back(&op);
  }
  return r;
}

static StringAttr suffixed(StringAttr a, int64_t index) {
  return StringAttr::get(a.getContext(),
                         a.getValue() + "_r" + std::to_string(index));
}

LogicalResult mlir::step::detail::cloneForRegion(
    OpBuilder &b, ArrayRef<Operation *> ops, IRMapping &map, int64_t index,
    ::step::sym::Expr oldRequests, ::step::sym::Expr newRequests) {
  for (Operation *orig : ops) {
    Operation *op = b.clone(*orig, map);
    if (auto a = dyn_cast<CacheReadAddrGenOp>(op))
      a.setNameAttr(suffixed(a.getNameAttr(), index));
    else if (auto f = dyn_cast<FilterLastTileOp>(op))
      f.setNameAttr(suffixed(f.getNameAttr(), index));
    else if (auto re = dyn_cast<ReassembleOp>(op); re && re.getNameAttr())
      re.setNameAttr(suffixed(re.getNameAttr(), index));
    else if (auto p = dyn_cast<PartitionOp>(op)) {
      SmallVector<Attribute> names;
      for (Attribute n : p.getNames())
        names.push_back(suffixed(cast<StringAttr>(n), index));
      p.setNamesAttr(b.getArrayAttr(names));
    }
    if (auto a = dyn_cast<AssumeShapeOp>(op)) {
      StreamType t = a.getResult().getType();
      if (!t.getShape().empty() && t.getShape().front() == oldRequests) {
        SmallVector<::step::sym::Expr> dims(t.getShape());
        dims.front() = newRequests;
        a.getResult().setType(
            StreamType::get(b.getContext(), dims, t.getElementType()));
      }
    } else if (isa<InferTypeOpInterface>(op) &&
               failed(refreshResultTypes(op))) {
      return op->emitError("cannot re-infer the types of region ")
             << index << " (see the error above)";
    }
  }
  return success();
}

void mlir::step::detail::eraseOps(ArrayRef<Operation *> ops) {
  for (Operation *op : llvm::reverse(ops)) {
    op->dropAllUses();
    op->erase();
  }
}
