//===- StepTileOps.cpp - tile operations ----------------------------------===//
//
// Shape rules and FLOP counts of the tile ops that make up the regions of
// higher-order operators (reference/step.md §3.2).
//
//===----------------------------------------------------------------------===//

#include "dialects/Step/StepOps.h"
#include "dialects/Step/StepOpsSupport.h"

using namespace mlir;
using namespace mlir::step;
using namespace mlir::step::detail;

//===----------------------------------------------------------------------===//
// Tile operations
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  if (failed(checkTiles(loc, "matmul", adaptor.getOperands())))
    return failure();
  auto a = cast<TileType>(adaptor.getLhs().getType());
  auto b = cast<TileType>(adaptor.getRhs().getType());
  bool tb = adaptor.getTransposeB();
  sym::Expr k2 = tb ? b.getCols() : b.getRows();
  sym::Expr n = tb ? b.getRows() : b.getCols();
  if (a.getCols() != k2)
    return fail(loc, "matmul", "contraction dims differ: 'lhs' ", Type(a),
                " has ", str(a.getCols()), " columns, 'rhs' ", Type(b),
                tb ? " (transposed)" : "", " has ", str(k2), " rows");
  results.push_back(
      TileType::get(ctx, a.getRows(), n,
                    widerScalar(a.getElementType(), b.getElementType())));
  return success();
}

sym::Expr MatmulOp::getFlops() {
  auto a = getLhs().getType();
  auto r = getResult().getType();
  return c(2) * a.getRows() * a.getCols() * r.getCols();
}

/// Broadcasting shape rule of the element-wise tile ops.
static LogicalResult inferBinaryTile(MLIRContext *ctx,
                                     std::optional<Location> loc,
                                     StringRef opName, Value lhs, Value rhs,
                                     SmallVectorImpl<Type> &results) {
  auto a = cast<TileType>(lhs.getType());
  auto b = cast<TileType>(rhs.getType());
  auto pick = [&](sym::Expr x, sym::Expr y) -> sym::Expr {
    if (x == y || y == c(1))
      return x;
    if (x == c(1))
      return y;
    return {};
  };
  sym::Expr rows = pick(a.getRows(), b.getRows());
  sym::Expr cols = pick(a.getCols(), b.getCols());
  if (!rows || !cols)
    return fail(loc, opName, "shapes of 'lhs' ", Type(a), " and 'rhs' ",
                Type(b), " are neither equal nor broadcastable");
  results.push_back(TileType::get(
      ctx, rows, cols, widerScalar(a.getElementType(), b.getElementType())));
  return success();
}

#define STEP_BINARY_TILE_OP(OP, NAME)                                          \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *ctx, std::optional<Location> loc, Adaptor adaptor,          \
      SmallVectorImpl<Type> &results) {                                        \
    if (failed(checkTiles(loc, NAME, adaptor.getOperands())))                  \
      return failure();                                                        \
    return inferBinaryTile(ctx, loc, NAME, adaptor.getLhs(), adaptor.getRhs(), \
                           results);                                           \
  }                                                                            \
  sym::Expr OP::getFlops() { return getResult().getType().getNumElements(); }
STEP_BINARY_TILE_OP(AddOp, "add")
STEP_BINARY_TILE_OP(SubOp, "sub")
STEP_BINARY_TILE_OP(MulOp, "mul")
STEP_BINARY_TILE_OP(DivOp, "div")
STEP_BINARY_TILE_OP(MaxOp, "max")
#undef STEP_BINARY_TILE_OP

#define STEP_UNARY_TILE_OP(OP, NAME, FLOPS)                                    \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, Adaptor adaptor,             \
      SmallVectorImpl<Type> &results) {                                        \
    if (failed(checkTiles(loc, NAME, adaptor.getOperands())))                  \
      return failure();                                                        \
    results.push_back(adaptor.getInput().getType());                           \
    return success();                                                          \
  }                                                                            \
  sym::Expr OP::getFlops() {                                                   \
    return c(FLOPS) * getInput().getType().getNumElements();                   \
  }
STEP_UNARY_TILE_OP(ExpOp, "exp", 4)
STEP_UNARY_TILE_OP(SiluOp, "silu", 8)
STEP_UNARY_TILE_OP(LogOp, "log", 4)
STEP_UNARY_TILE_OP(NegOp, "neg", 1)
#undef STEP_UNARY_TILE_OP

#define STEP_ROW_REDUCE_OP(OP, NAME)                                           \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *ctx, std::optional<Location> loc, Adaptor adaptor,          \
      SmallVectorImpl<Type> &results) {                                        \
    if (failed(checkTiles(loc, NAME, adaptor.getOperands())))                  \
      return failure();                                                        \
    auto t = cast<TileType>(adaptor.getInput().getType());                     \
    results.push_back(                                                         \
        TileType::get(ctx, t.getRows(), c(1), t.getElementType()));            \
    return success();                                                          \
  }                                                                            \
  sym::Expr OP::getFlops() { return getInput().getType().getNumElements(); }
STEP_ROW_REDUCE_OP(RowSumOp, "row_sum")
STEP_ROW_REDUCE_OP(RowMaxOp, "row_max")
#undef STEP_ROW_REDUCE_OP

LogicalResult RetileRowsOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &results) {
  if (failed(checkTiles(loc, "retile_rows", adaptor.getOperands())))
    return failure();
  results.push_back(adaptor.getAcc().getType());
  return success();
}

LogicalResult RetileRowsOp::verify() {
  auto acc = getAcc().getType(), rows = getRows().getType();
  if (acc.getCols() != rows.getCols())
    return emitOpError("expected 'rows' ")
           << Type(rows) << " to have the columns of 'acc' " << Type(acc);
  return success();
}

sym::Expr RetileRowsOp::getFlops() { return c(0); }

LogicalResult SplitRowsOp::inferReturnTypes(MLIRContext *ctx,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  if (failed(checkTiles(loc, "split_rows", adaptor.getOperands())))
    return failure();
  auto t = cast<TileType>(adaptor.getInput().getType());
  results.push_back(StreamType::get(
      ctx, {t.getRows()},
      TileType::get(ctx, c(1), t.getCols(), t.getElementType())));
  return success();
}

LogicalResult SplitRowsOp::verify() {
  if (!(*this)->getParentOfType<FlatMapOp>())
    return emitOpError("is only valid inside step.flatmap");
  return success();
}

sym::Expr SplitRowsOp::getFlops() { return c(0); }

sym::Expr ZerosOp::getFlops() { return c(0); }

sym::Expr ConstOp::getFlops() { return c(0); }
