//===- StepAttentionOps.cpp - attention-decode and feedback operators -----===//
//
// Shape rules and verifiers of the operators declared in
// StepAttentionOps.td (reference/step.md §8.3), the broadcast depths and the
// metadata_gen derivations.
//
//===----------------------------------------------------------------------===//

#include "dialects/Step/StepOps.h"
#include "dialects/Step/StepOpsSupport.h"

#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::step;
using namespace mlir::step::detail;

namespace {
bool isInteger(Type t) {
  if (isa<IntegerType>(t))
    return true;
  if (auto tile = dyn_cast<TileType>(t))
    return isa<IntegerType>(tile.getElementType()) && tile.getRows() == c(1) &&
           tile.getCols() == c(1);
  return false;
}

/// Checks the `[R]` integer operands of the address macros (all of the same
/// shape) and a valid ragged-dim name; returns `[R, ragged<name>]`.
FailureOr<Dims> raggedPerRequest(std::optional<Location> loc, StringRef opName,
                                 ValueRange operands, StringRef name) {
  if (failed(checkStreams(loc, opName, operands)))
    return failure();
  auto first = streamOf(operands[0]);
  for (auto [i, v] : llvm::enumerate(operands)) {
    auto s = streamOf(v);
    if (!isInteger(s.getElementType()))
      return fail(loc, opName, "expected operand #", i,
                  " to carry integers (a scalar or a 1x1 integer tile), got ",
                  s.getElementType());
    if (!sameDims(s.getShape(), first.getShape()))
      return fail(loc, opName, "expected operand #", i, " to have the shape ",
                  str(first.getShape()), " of operand #0, got ",
                  str(s.getShape()));
  }
  if (!sym::isValidSymbolName(name))
    return fail(loc, opName, "'", name, "' is not a valid symbol name");
  Dims dims = dimsOf(first);
  dims.push_back(sym::raggedSymbol(name));
  return dims;
}
} // namespace

LogicalResult CacheReadAddrGenOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  auto dims = raggedPerRequest(loc, "cache_read_addr_gen",
                               adaptor.getOperands(), adaptor.getName());
  if (failed(dims))
    return failure();
  results.push_back(StreamType::get(
      ctx, *dims, TileType::get(ctx, c(1), c(1), IntegerType::get(ctx, 64))));
  return success();
}

LogicalResult
FilterLastTileOp::inferReturnTypes(MLIRContext *ctx,
                                   std::optional<Location> loc, Adaptor adaptor,
                                   SmallVectorImpl<Type> &results) {
  auto dims = raggedPerRequest(loc, "filter_last_tile", adaptor.getOperands(),
                               adaptor.getName());
  if (failed(dims))
    return failure();
  results.push_back(
      StreamType::get(ctx, *dims, SelectorType::get(ctx, 2, /*hot=*/1)));
  return success();
}

LogicalResult FeedbackConnectOp::verify() {
  if (!getFeedback().getDefiningOp<FeedbackOp>())
    return emitOpError("expected 'feedback' to be the result of a "
                       "step.feedback, got ")
           << getFeedback();
  if (getValue().getType() != getFeedback().getType())
    return emitOpError("expected the value's type ")
           << getValue().getType() << " to equal the feedback's type "
           << getFeedback().getType();
  return success();
}

LogicalResult AssumeShapeOp::verify() {
  auto in = getInput().getType(), out = getResult().getType();
  if (in.getElementType() != out.getElementType())
    return emitOpError("expected the result to carry ")
           << in.getElementType() << " like the input, got "
           << out.getElementType();
  if (in.getShape().size() != out.getShape().size())
    return emitOpError("expected the result to have rank ")
           << in.getShape().size() - 1 << " like the input "
           << str(in.getShape()) << ", got " << str(out.getShape());
  return success();
}

LogicalResult BroadcastOp::verify() {
  if (auto depths = getDepths()) {
    if (static_cast<int64_t>(depths->size()) != static_cast<int64_t>(getCount()))
      return emitOpError("expected one depth per result (")
             << getCount() << "), got " << depths->size();
    for (int64_t d : *depths)
      if (d < 0)
        return emitOpError("expected depths >= 0, got ") << d;
  }
  return success();
}

std::optional<MetadataDerivation>
mlir::step::parseMetadataDerivation(StringRef text) {
  MetadataDerivation d;
  if (text == "index") {
    d.kind = MetadataDerivation::Index;
    return d;
  }
  StringRef rest = text;
  if (rest.consume_front("tiles"))
    d.kind = MetadataDerivation::Tiles;
  else if (rest.consume_front("offset"))
    d.kind = MetadataDerivation::Offset;
  else
    return std::nullopt;
  if (rest.getAsInteger(10, d.n) || d.n <= 0)
    return std::nullopt;
  return d;
}

LogicalResult RowAppendOp::verify() {
  auto t = getTile().getType(), r = getRow().getType();
  if (r.getRows() != c(1) || r.getCols() != t.getCols())
    return emitOpError("expected 'row' to be one row of ")
           << str(t.getCols()) << " columns, got " << Type(r);
  return success();
}

#define STEP_SAME_AS_FIRST(OP, NAME, FIRST)                                    \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, Adaptor adaptor,             \
      SmallVectorImpl<Type> &results) {                                        \
    if (!isa<TileType>(adaptor.FIRST().getType()))                             \
      return fail(loc, NAME, "expected a step tile, got ",                     \
                  adaptor.FIRST().getType());                                  \
    results.push_back(adaptor.FIRST().getType());                              \
    return success();                                                          \
  }                                                                            \
  sym::Expr OP::getFlops() { return c(0); }
STEP_SAME_AS_FIRST(SetOffsetOp, "set_offset", getTile)
STEP_SAME_AS_FIRST(RowAppendOp, "row_append", getTile)
STEP_SAME_AS_FIRST(SignalReqAllReadOp, "signal_req_all_read", getAcc)
#undef STEP_SAME_AS_FIRST

LogicalResult SetOffsetOp::verify() {
  if (!isInteger(getOffset().getType()))
    return emitOpError("expected 'offset' to be an integer (a scalar or a "
                       "1x1 integer tile), got ")
           << getOffset().getType();
  return success();
}

LogicalResult
CacheWriteAddrOp::inferReturnTypes(MLIRContext *ctx,
                                   std::optional<Location> loc, Adaptor adaptor,
                                   SmallVectorImpl<Type> &results) {
  for (Value v : adaptor.getOperands())
    if (!isInteger(v.getType()))
      return fail(loc, "cache_write_addr",
                  "expected integers (a scalar or a 1x1 integer tile), got ",
                  v.getType());
  results.push_back(TileType::get(ctx, c(1), c(1), IntegerType::get(ctx, 64)));
  return success();
}

sym::Expr CacheWriteAddrOp::getFlops() { return c(0); }

LogicalResult SignalReqAllReadOp::verify() {
  if (!isInteger(getAcc().getType()))
    return emitOpError("expected the accumulator to be a 1x1 integer tile, "
                       "got ")
           << getAcc().getType();
  return success();
}
