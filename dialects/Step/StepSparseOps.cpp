//===- StepSparseOps.cpp - sparse (SAM) stream operators ------------------===//
//
// Shape rules and verifiers of the operators declared in StepSparseOps.td:
// which element kinds each operand carries (crd, ref, values) and how the
// stream dims change (a compressed level adds a ragged dim).
//
//===----------------------------------------------------------------------===//

#include "dialects/Step/StepOps.h"
#include "dialects/Step/StepOpsSupport.h"

using namespace mlir;
using namespace mlir::step;
using namespace mlir::step::detail;

namespace {
bool isValueElement(Type t) {
  auto tile = dyn_cast<TileType>(t);
  return tile && isa<FloatType>(tile.getElementType());
}

/// Checks that operand `what` carries elements of `kind` ("crd", "ref",
/// "values", "crd or ref").
LogicalResult checkElement(std::optional<Location> loc, StringRef opName,
                           StringRef what, Value v, StringRef kind) {
  Type e = streamOf(v).getElementType();
  bool ok = (kind == "crd" && isa<CrdType>(e)) ||
            (kind == "ref" && isa<RefType>(e)) ||
            (kind == "values" && isValueElement(e));
  if (ok)
    return success();
  return fail(loc, opName, "expected '", what, "' to carry ",
              kind == "values" ? "values (float tiles)" : kind, ", got ", e);
}

LogicalResult checkName(std::optional<Location> loc, StringRef opName,
                        StringRef name) {
  if (!sym::isValidSymbolName(name))
    return fail(loc, opName, "'", name, "' is not a valid symbol name");
  return success();
}

Dims outerDims(StreamType t) {
  Dims d = dimsOf(t);
  d.pop_back();
  return d;
}

} // namespace

LogicalResult RootOp::inferReturnTypes(MLIRContext *ctx,
                                       std::optional<Location>, Adaptor,
                                       SmallVectorImpl<Type> &results) {
  results.push_back(StreamType::get(ctx, {c(1)}, RefType::get(ctx)));
  return success();
}

LogicalResult FiberLookupOp::inferReturnTypes(MLIRContext *ctx,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &results) {
  StringRef op = "fiber_lookup";
  if (failed(checkStreams(loc, op, adaptor.getOperands())) ||
      failed(checkElement(loc, op, "ref", adaptor.getRef(), "ref")))
    return failure();
  Dims dims = dimsOf(streamOf(adaptor.getRef()));
  StringRef format = adaptor.getFormat();
  if (format == "compressed") {
    if (adaptor.getDim())
      return fail(loc, op, "a compressed level takes no 'dim'");
    if (!adaptor.getName())
      return fail(loc, op,
                  "a compressed level needs a 'name' for its ragged "
                  "dim");
    if (failed(checkName(loc, op, *adaptor.getName())))
      return failure();
    dims.push_back(sym::raggedSymbol(adaptor.getName()->str()));
  } else if (format == "dense") {
    if (!adaptor.getDim())
      return fail(loc, op, "a dense level needs its size 'dim'");
    if (adaptor.getName())
      return fail(loc, op, "a dense level takes no 'name'");
    dims.push_back(c(*adaptor.getDim()));
  } else {
    return fail(loc, op,
                "expected the format \"compressed\" or \"dense\", got "
                "\"",
                format, "\"");
  }
  results.push_back(StreamType::get(ctx, dims, CrdType::get(ctx)));
  results.push_back(StreamType::get(ctx, dims, RefType::get(ctx)));
  return success();
}

LogicalResult RepeatSigOp::inferReturnTypes(MLIRContext *ctx,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  if (failed(checkStreams(loc, "repeat_sig", adaptor.getOperands())))
    return failure();
  results.push_back(StreamType::get(
      ctx, streamOf(adaptor.getInput()).getShape(), IntegerType::get(ctx, 1)));
  return success();
}

LogicalResult FiberRepeatOp::inferReturnTypes(MLIRContext *ctx,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &results) {
  StringRef op = "fiber_repeat";
  if (failed(checkStreams(loc, op, adaptor.getOperands())))
    return failure();
  StreamType in = streamOf(adaptor.getInput()),
             sig = streamOf(adaptor.getSignal());
  if (sig.getShape().size() != in.getShape().size() + 1 ||
      !sameDims(outerDims(sig), in.getShape()))
    return fail(loc, op, "expected the signal to have the input's dims ",
                str(in.getShape()), " plus one inner dim, got ",
                str(sig.getShape()));
  results.push_back(StreamType::get(ctx, sig.getShape(), in.getElementType()));
  return success();
}

static LogicalResult inferJoiner(MLIRContext *ctx, std::optional<Location> loc,
                                 StringRef op, ValueRange crds, ValueRange refs,
                                 StringRef name,
                                 SmallVectorImpl<Type> &results) {
  if (failed(checkStreams(loc, op, crds)) ||
      failed(checkStreams(loc, op, refs)))
    return failure();
  if (crds.size() < 2)
    return fail(loc, op, "expected at least two coordinate streams, got ",
                crds.size());
  if (refs.size() != crds.size())
    return fail(loc, op,
                "expected one reference stream per coordinate "
                "stream (",
                crds.size(), "), got ", refs.size());
  if (failed(checkName(loc, op, name)))
    return failure();
  Dims outer = outerDims(streamOf(crds[0]));
  for (auto [i, v] : llvm::enumerate(crds)) {
    if (failed(checkElement(loc, op, "crds #" + std::to_string(i), v, "crd")))
      return failure();
    if (streamOf(v).getShape().size() < 2 ||
        !sameDims(outerDims(streamOf(v)), outer))
      return fail(loc, op, "expected crds #", i, " to have the outer dims ",
                  str(outer), " of crds #0, got ", str(streamOf(v).getShape()));
    if (!sameDims(streamOf(refs[i]).getShape(), streamOf(v).getShape()))
      return fail(loc, op, "expected refs #", i, " to have the shape ",
                  str(streamOf(v).getShape()), " of crds #", i, ", got ",
                  str(streamOf(refs[i]).getShape()));
  }
  Dims dims = outer;
  dims.push_back(sym::raggedSymbol(name.str()));
  results.push_back(StreamType::get(ctx, dims, CrdType::get(ctx)));
  for (Value r : refs)
    results.push_back(StreamType::get(ctx, dims, streamOf(r).getElementType()));
  return success();
}

LogicalResult IntersectOp::inferReturnTypes(MLIRContext *ctx,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  return inferJoiner(ctx, loc, "intersect", adaptor.getCrds(),
                     adaptor.getRefs(), adaptor.getName(), results);
}

LogicalResult UnionOp::inferReturnTypes(MLIRContext *ctx,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  return inferJoiner(ctx, loc, "union", adaptor.getCrds(), adaptor.getRefs(),
                     adaptor.getName(), results);
}

LogicalResult LocateOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  StringRef op = "locate";
  if (failed(checkStreams(loc, op, adaptor.getOperands())) ||
      failed(checkElement(loc, op, "crd", adaptor.getCrd(), "crd")) ||
      failed(checkElement(loc, op, "ref", adaptor.getRef(), "ref")) ||
      failed(checkElement(loc, op, "parent", adaptor.getParent(), "ref")))
    return failure();
  StreamType crd = streamOf(adaptor.getCrd()),
             parent = streamOf(adaptor.getParent());
  if (!sameDims(streamOf(adaptor.getRef()).getShape(), crd.getShape()))
    return fail(loc, op, "expected 'ref' to have the shape ",
                str(crd.getShape()), " of 'crd', got ",
                str(streamOf(adaptor.getRef()).getShape()));
  if (crd.getShape().size() != parent.getShape().size() + 1 ||
      !sameDims(outerDims(crd), parent.getShape()))
    return fail(loc, op, "expected 'parent' to have the outer dims ",
                str(outerDims(crd)), " of 'crd', got ", str(parent.getShape()));
  results.push_back(crd);
  results.push_back(StreamType::get(ctx, crd.getShape(), RefType::get(ctx)));
  results.push_back(StreamType::get(ctx, crd.getShape(), RefType::get(ctx)));
  return success();
}

LogicalResult ArrayValOp::inferReturnTypes(MLIRContext *ctx,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &results) {
  if (failed(checkStreams(loc, "array_val", adaptor.getOperands())) ||
      failed(checkElement(loc, "array_val", "ref", adaptor.getRef(), "ref")))
    return failure();
  int64_t b = adaptor.getBlock() ? *adaptor.getBlock() : 1;
  if (b < 1)
    return fail(loc, "array_val", "expected a positive block size, got ", b);
  int64_t rows = b, cols = b;
  if (auto t = adaptor.getTileShapeAttr()) {
    if (adaptor.getBlock())
      return fail(loc, "array_val", "expected 'block' or 'tile', not both");
    if (t.size() != 2 || t[0] < 1 || t[1] < 1)
      return fail(loc, "array_val",
                  "expected 'tile' to be two positive sizes [R, C]");
    rows = t[0];
    cols = t[1];
  }
  results.push_back(StreamType::get(
      ctx, streamOf(adaptor.getRef()).getShape(),
      TileType::get(ctx, c(rows), c(cols), Float32Type::get(ctx))));
  return success();
}

LogicalResult ReduceOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  StringRef op = "reduce";
  if (failed(checkStreams(loc, op, adaptor.getOperands())) ||
      failed(checkElement(loc, op, "input", adaptor.getInput(), "values")))
    return failure();
  if (adaptor.getKind() != "add" && adaptor.getKind() != "max")
    return fail(loc, op, "expected the kind \"add\" or \"max\", got \"",
                adaptor.getKind(), "\"");
  StreamType in = streamOf(adaptor.getInput());
  if (in.getRank() < 1)
    return fail(loc, op, "expected an input of rank >= 1, got ",
                str(in.getShape()));
  if (Value outer = adaptor.getOuter()) {
    if (failed(checkElement(loc, op, "outer", outer, "crd")))
      return failure();
    if (!sameDims(streamOf(outer).getShape(), outerDims(in)))
      return fail(loc, op, "expected 'outer' to have the dims ",
                  str(outerDims(in)), " of the result, got ",
                  str(streamOf(outer).getShape()));
  }
  results.push_back(StreamType::get(ctx, outerDims(in), in.getElementType()));
  return success();
}

LogicalResult SpaccOp::inferReturnTypes(MLIRContext *ctx,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  StringRef op = "spacc";
  if (failed(checkStreams(loc, op, adaptor.getOperands())) ||
      failed(checkElement(loc, op, "inner", adaptor.getInner(), "crd")) ||
      failed(checkElement(loc, op, "outer", adaptor.getOuter(), "crd")) ||
      failed(checkElement(loc, op, "vals", adaptor.getVals(), "values")) ||
      failed(checkName(loc, op, adaptor.getName())) ||
      failed(checkName(loc, op, adaptor.getOuterName())))
    return failure();
  if (adaptor.getOrder() != 1)
    return fail(loc, op, "only order 1 is implemented, got ",
                adaptor.getOrder());
  StreamType inner = streamOf(adaptor.getInner());
  if (inner.getShape().size() < 4)
    return fail(loc, op,
                "expected inputs [D.., I, K, J] (at least 4 dims), "
                "got ",
                str(inner.getShape()));
  for (Value v : {adaptor.getOuter(), adaptor.getVals()})
    if (!sameDims(streamOf(v).getShape(), inner.getShape()))
      return fail(loc, op, "expected every input to have the shape ",
                  str(inner.getShape()), ", got ", str(streamOf(v).getShape()));
  // [D.., I, K, J] -> outer [D.., I2], inner [D.., I2, J2]: only blocks
  // with elements get a coordinate.
  Dims outerOut = dimsOf(inner);
  outerOut.pop_back();
  outerOut.pop_back();
  // keep_empty: every block emits its inner fiber, so the inner results
  // keep the outer level I.
  Dims innerDims = outerOut;
  outerOut.back() = sym::raggedSymbol(adaptor.getOuterName().str());
  if (!adaptor.getKeepEmpty())
    innerDims = outerOut;
  innerDims.push_back(sym::raggedSymbol(adaptor.getName().str()));
  results.push_back(StreamType::get(ctx, innerDims, CrdType::get(ctx)));
  results.push_back(StreamType::get(ctx, outerOut, CrdType::get(ctx)));
  results.push_back(StreamType::get(
      ctx, innerDims, streamOf(adaptor.getVals()).getElementType()));
  return success();
}

LogicalResult CrdDropOp::inferReturnTypes(MLIRContext *ctx,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  StringRef op = "crd_drop";
  if (failed(checkStreams(loc, op, adaptor.getOperands())) ||
      failed(checkElement(loc, op, "outer", adaptor.getOuter(), "crd")) ||
      failed(checkElement(loc, op, "inner", adaptor.getInner(), "crd")))
    return failure();
  StreamType outer = streamOf(adaptor.getOuter()),
             inner = streamOf(adaptor.getInner());
  if (inner.getShape().size() != outer.getShape().size() + 1 ||
      !sameDims(outerDims(inner), outer.getShape()))
    return fail(loc, op, "expected 'inner' to have the dims ",
                str(outer.getShape()), " of 'outer' plus one, got ",
                str(inner.getShape()));
  results.push_back(outer);
  results.push_back(inner);
  return success();
}

LogicalResult ForkOp::inferReturnTypes(MLIRContext *ctx,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &results) {
  StringRef op = "fork";
  if (failed(checkStreams(loc, op, adaptor.getOperands())))
    return failure();
  StreamType in = streamOf(adaptor.getInput());
  if (in.getRank() < 1)
    return fail(loc, op, "expected an input of rank >= 1, got ",
                str(in.getShape()));
  int64_t count = adaptor.getCount();
  if (count < 1)
    return fail(loc, op, "expected a positive count, got ", count);
  for (int64_t k = 0; k < count; ++k) {
    std::string name = adaptor.getName().str() + "_" + std::to_string(k);
    if (failed(checkName(loc, op, name)))
      return failure();
    Dims dims = outerDims(in);
    dims.push_back(sym::raggedSymbol(name));
    results.push_back(StreamType::get(ctx, dims, in.getElementType()));
  }
  return success();
}

LogicalResult JoinOp::inferReturnTypes(MLIRContext *ctx,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &results) {
  StringRef op = "join";
  if (failed(checkStreams(loc, op, adaptor.getOperands())))
    return failure();
  if (adaptor.getLanes().empty())
    return fail(loc, op, "expected at least one lane");
  if (failed(checkName(loc, op, adaptor.getName())))
    return failure();
  StreamType first = streamOf(adaptor.getLanes()[0]);
  int64_t depth = adaptor.getDepth();
  int64_t rank = first.getRank();
  if (depth < 0 || depth >= rank)
    return fail(loc, op, "expected a depth in [0, ", rank,
                ") (the lanes have rank ", rank, "), got ", depth);
  size_t at = first.getShape().size() - 1 - depth;
  for (auto [k, v] : llvm::enumerate(adaptor.getLanes())) {
    StreamType t = streamOf(v);
    bool same = t.getShape().size() == first.getShape().size() &&
                t.getElementType() == first.getElementType();
    for (size_t i = 0; same && i < t.getShape().size(); ++i)
      same = i == at || t.getShape()[i] == first.getShape()[i];
    if (!same)
      return fail(loc, op, "expected lane #", k, " to match lane #0 ", first,
                  " except for dim ", at, ", got ", t);
  }
  Dims dims = dimsOf(first);
  dims[at] = sym::raggedSymbol(adaptor.getName().str());
  results.push_back(StreamType::get(ctx, dims, first.getElementType()));
  return success();
}

LogicalResult FiberWriteOp::verify() {
  if (!isa<CrdType>(getCrd().getType().getElementType()))
    return emitOpError("expected coordinates, got ")
           << getCrd().getType().getElementType();
  if (static_cast<int64_t>(getMode()) + 1 >
      static_cast<int64_t>(getCrd().getType().getShape().size()))
    return emitOpError("expected a stream of rank >= mode ")
           << getMode() << ", got " << str(getCrd().getType().getShape());
  return success();
}

LogicalResult ValWriteOp::verify() {
  if (!isValueElement(getVals().getType().getElementType()))
    return emitOpError("expected values (float tiles), got ")
           << getVals().getType().getElementType();
  return success();
}
