//===- StepOps.cpp - step dialect stream operators ------------------------===//
//
// Shape rules (result type inference) and verifiers of the stream operators,
// following reference/step.md §3.1. Costs are in StepCost.cpp, tile ops in
// StepTileOps.cpp.
//
//===----------------------------------------------------------------------===//

#include "dialects/Step/StepOps.h"
#include "dialects/Step/StepOpsSupport.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::step;
using namespace mlir::step::detail;

#include "dialects/Step/StepInterfaces.cpp.inc"

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

namespace {

/// Most outputs a fan-out op (broadcast, parallelize) may have: a guard
/// against counts that would exhaust memory before anything else is checked.
constexpr int64_t kMaxFanOut = 1 << 16;

// The custom parsers infer result types before the ODS constraints on the
// attributes are verified, so an inference that indexes, divides or
// allocates with an attribute value checks its range itself first.

LogicalResult checkAtLeast(std::optional<Location> loc, StringRef opName,
                           StringRef attr, int64_t value, int64_t min) {
  if (value < min)
    return fail(loc, opName, "expected '", attr, "' to be at least ", min,
                ", got ", value);
  return success();
}

LogicalResult checkInRange(std::optional<Location> loc, StringRef opName,
                           StringRef attr, int64_t value, int64_t min,
                           int64_t max) {
  if (value < min || value > max)
    return fail(loc, opName, "expected '", attr, "' to be in [", min, ", ", max,
                "], got ", value);
  return success();
}

/// The tile type of an off-chip op's `tile` attribute, which the custom
/// parser accepts as any type.
FailureOr<TileType> tileAttr(std::optional<Location> loc, StringRef opName,
                             Type type) {
  if (auto tile = dyn_cast_or_null<TileType>(type))
    return tile;
  return fail(loc, opName, "expected 'tile' to be a !step.tile type, got ",
              type);
}

bool isIntegerAddress(Type t) {
  if (isa<IntegerType>(t))
    return true;
  if (auto tile = dyn_cast<TileType>(t))
    return isa<IntegerType>(tile.getElementType()) && tile.getRows() == c(1) &&
           tile.getCols() == c(1);
  return false;
}

/// Checks that all streams have the shape of the first; `what` names them.
LogicalResult checkSameShapes(std::optional<Location> loc, StringRef opName,
                              TypeRange types) {
  if (types.empty())
    return fail(loc, opName, "expected at least one input stream");
  auto first = cast<StreamType>(types[0]);
  for (auto [i, t] : llvm::enumerate(types)) {
    auto s = cast<StreamType>(t);
    if (!sameDims(s.getShape(), first.getShape()))
      return fail(loc, opName, "expected input #", i, " to have the shape ",
                  str(first.getShape()), " of input #0, got ",
                  str(s.getShape()));
  }
  return success();
}

/// A stream type whose dims come from user text or from arithmetic that may
/// overflow int64: verified like a parsed type (so that what is printed can
/// be parsed back), with the error reported at the op if there is a location.
FailureOr<StreamType> checkedStream(MLIRContext *ctx,
                                    std::optional<Location> loc,
                                    StringRef opName, ArrayRef<sym::Expr> dims,
                                    Type elementType) {
  std::optional<ScopedDiagnosticHandler> silence;
  if (!loc)
    silence.emplace(ctx, [](Diagnostic &) { return success(); });
  auto emit = [&]() {
    return mlir::emitError(loc ? *loc : UnknownLoc::get(ctx))
           << "'step." << opName << "' op result type: ";
  };
  if (failed(StreamType::verify(emit, dims, elementType)))
    return failure();
  return StreamType::get(ctx, dims, elementType);
}

/// Tile grid of an off-chip tensor: leading dims, then rows/tr and cols/tc.
FailureOr<SmallVector<int64_t>> tileGrid(std::optional<Location> loc,
                                         StringRef opName,
                                         ArrayRef<int64_t> tensorShape,
                                         TileType tile) {
  if (tensorShape.size() < 2)
    return fail(loc, opName, "expected a tensor of rank >= 2, got rank ",
                tensorShape.size());
  if (!tile.hasStaticShape())
    return fail(loc, opName, "off-chip tiles must have a static shape, got ",
                Type(tile));
  int64_t tr = *tile.getRows().getConstant(),
          tc = *tile.getCols().getConstant();
  int64_t r = tensorShape[tensorShape.size() - 2];
  int64_t cl = tensorShape.back();
  for (int64_t d : tensorShape)
    if (d <= 0)
      return fail(loc, opName, "expected positive tensor dims, got [",
                  tensorShape, "]");
  if (tr <= 0 || tc <= 0 || r % tr != 0 || cl % tc != 0)
    return fail(loc, opName, "tile ", tr, "x", tc,
                " does not divide the tensor's trailing dims ", r, "x", cl);
  SmallVector<int64_t> grid(tensorShape.begin(), tensorShape.end() - 2);
  grid.push_back(r / tr);
  grid.push_back(cl / tc);
  // Callers multiply the grid out; keep that product within int64.
  int64_t total = 1;
  for (int64_t g : grid)
    if (llvm::MulOverflow(total, g, total))
      return fail(loc, opName, "the tensor [", tensorShape,
                  "] has more tiles than int64 can count");
  return grid;
}

/// Number of tiles of a grid tileGrid() accepted (so it does not overflow).
int64_t gridSize(ArrayRef<int64_t> grid) {
  int64_t total = 1;
  for (int64_t g : grid)
    total *= g;
  return total;
}

} // namespace

//===----------------------------------------------------------------------===//
// Dialect
//===----------------------------------------------------------------------===//

#include "dialects/Step/StepDialect.cpp.inc"

void StepDialect::initialize() {
  registerTypes();
  addOperations<
#define GET_OP_LIST
#include "dialects/Step/StepOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Off-chip memory operators
//===----------------------------------------------------------------------===//

LogicalResult LinearLoadOp::inferReturnTypes(MLIRContext *ctx,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &results) {
  if (failed(checkStreams(loc, "linear_load", adaptor.getOperands())))
    return failure();
  auto tile = tileAttr(loc, "linear_load", adaptor.getTile());
  if (failed(tile))
    return failure();
  auto grid = tileGrid(loc, "linear_load", adaptor.getTensorShape(), *tile);
  if (failed(grid))
    return failure();
  ArrayRef<int64_t> view = adaptor.getView();
  // Without strides the view walks the trailing grid dims, so it has at
  // most as many dims as the grid; with strides it may repeat tiles (stride
  // 0) and have any number of dims.
  if (view.empty() ||
      (!adaptor.getStride() && view.size() > grid->size()))
    return fail(loc, "linear_load", "expected 1 to ", grid->size(),
                " view dims without 'stride', got ", view.size());
  for (int64_t v : view)
    if (v <= 0)
      return fail(loc, "linear_load", "expected positive view dims, got [",
                  view, "]");
  // Default stride: row-major over the trailing grid dims the view covers.
  SmallVector<int64_t> stride;
  size_t off = grid->size() - std::min(grid->size(), view.size());
  if (auto s = adaptor.getStride()) {
    stride.assign(s->begin(), s->end());
    if (stride.size() != view.size())
      return fail(loc, "linear_load", "expected ", view.size(),
                  " strides (one per view dim), got ", stride.size());
  } else {
    for (size_t i = 0; i < view.size(); ++i) {
      if (view[i] > (*grid)[off + i])
        return fail(loc, "linear_load", "view dim ", i, " (", view[i],
                    ") exceeds the tile grid dim (", (*grid)[off + i],
                    "); give an explicit stride");
      int64_t st = 1;
      for (size_t j = off + i + 1; j < grid->size(); ++j)
        st *= (*grid)[j];
      stride.push_back(st);
    }
  }
  int64_t last = 0, total = gridSize(*grid);
  for (size_t i = 0; i < view.size(); ++i) {
    if (stride[i] < 0)
      return fail(loc, "linear_load", "expected non-negative strides, got [",
                  ArrayRef<int64_t>(stride), "]");
    int64_t step;
    if (llvm::MulOverflow(view[i] - 1, stride[i], step) ||
        llvm::AddOverflow(last, step, last))
      return fail(loc, "linear_load", "the view [", view, "] with strides [",
                  ArrayRef<int64_t>(stride), "] reads beyond the tensor's ",
                  total, " tiles");
  }
  if (last >= total)
    return fail(loc, "linear_load", "the view reads tile ", last,
                " but the tensor has only ", total, " tiles");
  Dims dims;
  if (Value ref = adaptor.getRef())
    dims = dimsOf(streamOf(ref));
  else
    dims.push_back(c(1));
  for (int64_t v : view)
    dims.push_back(c(v));
  results.push_back(StreamType::get(ctx, dims, *tile));
  return success();
}

LogicalResult LinearStoreOp::verify() {
  auto in = getInput().getType();
  auto tile = dyn_cast<TileType>(in.getElementType());
  if (!tile)
    return emitOpError("expected 'input' to carry tiles, got ")
           << in.getElementType();
  auto grid = tileGrid(getLoc(), "linear_store", getTensorShape(), tile);
  if (failed(grid))
    return failure();
  int64_t tiles = gridSize(*grid);
  if (auto n = in.getCardinality().getConstant(); n && *n != tiles)
    return emitOpError("expected 'input' to hold the tensor's ")
           << tiles << " tiles, got " << *n << " (shape " << str(in.getShape())
           << ")";
  return success();
}

LogicalResult RandomLoadOp::inferReturnTypes(MLIRContext *ctx,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &results) {
  if (failed(checkStreams(loc, "random_load", adaptor.getOperands())))
    return failure();
  auto tile = tileAttr(loc, "random_load", adaptor.getTile());
  if (failed(tile) ||
      failed(tileGrid(loc, "random_load", adaptor.getTensorShape(), *tile)))
    return failure();
  auto addr = streamOf(adaptor.getAddr());
  if (!isIntegerAddress(addr.getElementType()))
    return fail(loc, "random_load",
                "expected 'addr' to carry integer tile indices (an integer "
                "or a 1x1 integer tile), got ",
                addr.getElementType());
  results.push_back(StreamType::get(ctx, addr.getShape(), *tile));
  return success();
}

LogicalResult RandomStoreOp::inferReturnTypes(MLIRContext *ctx,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &results) {
  if (failed(checkStreams(loc, "random_store", adaptor.getOperands())))
    return failure();
  auto addr = streamOf(adaptor.getAddr());
  auto data = streamOf(adaptor.getData());
  if (!isIntegerAddress(addr.getElementType()))
    return fail(loc, "random_store",
                "expected 'addr' to carry integer tile indices, got ",
                addr.getElementType());
  auto tile = dyn_cast<TileType>(data.getElementType());
  if (!tile)
    return fail(loc, "random_store", "expected 'data' to carry tiles, got ",
                data.getElementType());
  if (failed(tileGrid(loc, "random_store", adaptor.getTensorShape(), tile)))
    return failure();
  if (!sameDims(addr.getShape(), data.getShape()))
    return fail(loc, "random_store", "expected 'addr' ", str(addr.getShape()),
                " and 'data' ", str(data.getShape()),
                " to have the same shape");
  results.push_back(
      StreamType::get(ctx, addr.getShape(), IntegerType::get(ctx, 1)));
  return success();
}

//===----------------------------------------------------------------------===//
// On-chip memory operators
//===----------------------------------------------------------------------===//

LogicalResult BufferizeOp::inferReturnTypes(MLIRContext *ctx,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  if (failed(checkStreams(loc, "bufferize", adaptor.getOperands())))
    return failure();
  auto in = streamOf(adaptor.getInput());
  int64_t rank = adaptor.getRank();
  if (failed(checkAtLeast(loc, "bufferize", "rank", rank, 1)))
    return failure();
  if (!isa<TileType>(in.getElementType()))
    return fail(loc, "bufferize", "expected 'input' to carry tiles, got ",
                in.getElementType());
  if (rank >= static_cast<int64_t>(in.getShape().size()))
    return fail(loc, "bufferize", "rank ", rank,
                " must be below the number of dims of 'input' ",
                str(in.getShape()));
  ArrayRef<sym::Expr> shape = in.getShape();
  size_t split = shape.size() - rank;
  Dims inner(shape.begin() + split, shape.end());
  for (size_t i = 1; i < inner.size(); ++i)
    if (inner[i].containsRagged())
      return fail(loc, "bufferize",
                  "only the outermost buffered dim may be "
                  "ragged, got buffered dims ",
                  str(inner));
  auto buf =
      BufferType::get(ctx, inner, in.getElementType(), adaptor.getOffchip());
  results.push_back(
      StreamType::get(ctx, Dims(shape.begin(), shape.begin() + split), buf));
  return success();
}

LogicalResult StreamifyOp::inferReturnTypes(MLIRContext *ctx,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  if (failed(checkStreams(loc, "streamify", adaptor.getOperands())))
    return failure();
  auto in = streamOf(adaptor.getInput());
  auto buf = dyn_cast<BufferType>(in.getElementType());
  if (!buf)
    return fail(loc, "streamify", "expected 'input' to carry buffers, got ",
                in.getElementType());
  Dims dims;
  // Read the attribute, not the defaulted getter: while the custom parser
  // infers the result type the default `{}` has not been filled in yet.
  ArrayRef<int64_t> repeat;
  if (DenseI64ArrayAttr repeatAttr = adaptor.getRepeatAttr())
    repeat = repeatAttr.asArrayRef();
  if (Value refV = adaptor.getRef()) {
    if (!repeat.empty())
      return fail(loc, "streamify", "takes either 'repeat' or 'ref', not both");
    auto rr = adaptor.getRepeatRank();
    if (!rr)
      return fail(loc, "streamify", "with 'ref' needs a repeat rank");
    if (failed(checkAtLeast(loc, "streamify", "repeat_rank",
                            static_cast<int64_t>(*rr), 1)))
      return failure();
    auto ref = streamOf(refV);
    size_t n = in.getShape().size();
    if (ref.getShape().size() != n + *rr ||
        !sameDims(ref.getShape().take_front(n), in.getShape()))
      return fail(loc, "streamify", "expected 'ref' to have the shape ",
                  str(in.getShape()), " of 'input' followed by ", *rr,
                  " more dims, got ", str(ref.getShape()));
    dims = dimsOf(ref);
  } else {
    if (adaptor.getRepeatRank())
      return fail(loc, "streamify", "a repeat rank needs a 'ref' stream");
    dims = dimsOf(in);
    for (int64_t r : repeat) {
      if (r <= 0)
        return fail(loc, "streamify", "repeat counts must be positive, got ",
                    r);
      dims.push_back(c(r));
    }
  }
  dims.append(buf.getShape().begin(), buf.getShape().end());
  results.push_back(StreamType::get(ctx, dims, buf.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Routing and merging
//===----------------------------------------------------------------------===//

LogicalResult PartitionOp::inferReturnTypes(MLIRContext *ctx,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  if (failed(checkStreams(loc, "partition", adaptor.getOperands())))
    return failure();
  auto in = streamOf(adaptor.getInput());
  auto sel = streamOf(adaptor.getSel());
  auto selTy = dyn_cast<SelectorType>(sel.getElementType());
  if (!selTy)
    return fail(loc, "partition", "expected 'sel' to carry selectors, got ",
                sel.getElementType());
  int64_t rank = adaptor.getRank();
  if (failed(checkAtLeast(loc, "partition", "rank", rank, 0)))
    return failure();
  ArrayRef<sym::Expr> shape = in.getShape();
  if (rank >= static_cast<int64_t>(shape.size()))
    return fail(loc, "partition", "rank ", rank,
                " must be below the number of dims of 'input' ", str(shape));
  Dims outer(shape.begin(), shape.end() - rank);
  if (!sameDims(sel.getShape(), outer))
    return fail(loc, "partition", "expected 'sel' to have the outer dims ",
                str(outer), " of 'input' ", str(shape), ", got ",
                str(sel.getShape()));
  ArrayAttr names = adaptor.getNames();
  if (static_cast<int64_t>(names.size()) != selTy.getWidth())
    return fail(loc, "partition", "expected one name per output (",
                selTy.getWidth(), " for ", Type(selTy), "), got ",
                names.size());
  for (Attribute a : names) {
    auto nameAttr = dyn_cast<StringAttr>(a);
    if (!nameAttr)
      return fail(loc, "partition", "expected 'names' to hold strings, got ",
                  a);
    if (!sym::isValidSymbolName(nameAttr.getValue()))
      return fail(loc, "partition", "'", nameAttr.getValue(),
                  "' is not a valid symbol name");
  }
  for (Attribute a : names) {
    Dims dims{sym::symbol(cast<StringAttr>(a).getValue())};
    dims.append(shape.end() - rank, shape.end());
    results.push_back(StreamType::get(ctx, dims, in.getElementType()));
  }
  return success();
}

/// Checks that routing inputs are `[D^i, inner...]` with equal inner dims and
/// element types; returns the inner dims.
static FailureOr<Dims> checkChunkInputs(std::optional<Location> loc,
                                        StringRef opName, ValueRange inputs,
                                        int64_t rank) {
  if (failed(checkAtLeast(loc, opName, "rank", rank, 0)))
    return failure();
  if (inputs.empty())
    return fail(loc, opName, "expected at least one input stream");
  auto first = streamOf(inputs[0]);
  for (auto [i, v] : llvm::enumerate(inputs)) {
    auto s = streamOf(v);
    if (static_cast<int64_t>(s.getShape().size()) != rank + 1)
      return fail(loc, opName, "expected input #", i, " to have rank ", rank,
                  " (", rank + 1, " dims), got ", str(s.getShape()));
    if (!sameDims(s.getShape().drop_front(), first.getShape().drop_front()))
      return fail(loc, opName, "expected input #", i,
                  " to have the inner dims of input #0 ",
                  str(first.getShape().drop_front()), ", got ",
                  str(s.getShape().drop_front()));
    if (s.getElementType() != first.getElementType())
      return fail(loc, opName, "expected input #", i, " to carry ",
                  first.getElementType(), " like input #0, got ",
                  s.getElementType());
  }
  return Dims(first.getShape().drop_front());
}

LogicalResult ReassembleOp::inferReturnTypes(MLIRContext *ctx,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &results) {
  if (failed(checkStreams(loc, "reassemble", adaptor.getOperands())))
    return failure();
  auto sel = streamOf(adaptor.getSel());
  auto selTy = dyn_cast<SelectorType>(sel.getElementType());
  if (!selTy)
    return fail(loc, "reassemble", "expected 'sel' to carry selectors, got ",
                sel.getElementType());
  if (static_cast<int64_t>(adaptor.getInputs().size()) != selTy.getWidth())
    return fail(loc, "reassemble", "expected ", selTy.getWidth(),
                " inputs for ", Type(selTy), ", got ",
                adaptor.getInputs().size());
  auto inner = checkChunkInputs(loc, "reassemble", adaptor.getInputs(),
                                adaptor.getRank());
  if (failed(inner))
    return failure();
  Dims dims = dimsOf(sel);
  if (selTy.getHot() > 0) {
    dims.push_back(c(selTy.getHot()));
  } else {
    auto name = adaptor.getName();
    if (!name)
      return fail(loc, "reassemble",
                  "needs a 'name' for its ragged dim when "
                  "the selector is not k-hot (",
                  Type(selTy), ")");
    if (!sym::isValidSymbolName(*name))
      return fail(loc, "reassemble", "'", *name,
                  "' is not a valid symbol name");
    dims.push_back(sym::raggedSymbol(*name));
  }
  dims.append(inner->begin(), inner->end());
  results.push_back(StreamType::get(
      ctx, dims, streamOf(adaptor.getInputs()[0]).getElementType()));
  return success();
}

LogicalResult EagerMergeOp::inferReturnTypes(MLIRContext *ctx,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &results) {
  if (failed(checkStreams(loc, "eager_merge", adaptor.getOperands())))
    return failure();
  if (adaptor.getInputs().size() < 2)
    return fail(loc, "eager_merge", "expected at least two inputs, got ",
                adaptor.getInputs().size());
  // Dynamically shaped tiles (an expert's packed tokens, tile<[B_i, C]>)
  // may differ in their row counts: the merged stream then carries tiles of
  // up to max_i rows, the buffer its consumer needs. Everything else about
  // the elements must agree (checked below on the unified inputs).
  Type elem = streamOf(adaptor.getInputs()[0]).getElementType();
  if (auto first = dyn_cast<TileType>(elem)) {
    std::vector<sym::Expr> rows;
    bool rowsOnly = true;
    for (Value v : adaptor.getInputs()) {
      auto t = dyn_cast<TileType>(streamOf(v).getElementType());
      if (!t || t.getCols() != first.getCols() ||
          t.getElementType() != first.getElementType()) {
        rowsOnly = false;
        break;
      }
      if (!llvm::is_contained(rows, t.getRows()))
        rows.push_back(t.getRows());
    }
    if (rowsOnly && rows.size() > 1)
      elem = TileType::get(ctx, sym::max(rows), first.getCols(),
                           first.getElementType());
  }
  if (elem != streamOf(adaptor.getInputs()[0]).getElementType()) {
    // Checks the dims only: element types were unified above.
    int64_t rank = adaptor.getRank();
    if (failed(checkAtLeast(loc, "eager_merge", "rank", rank, 0)))
      return failure();
    auto first = streamOf(adaptor.getInputs()[0]);
    for (auto [i, v] : llvm::enumerate(adaptor.getInputs())) {
      auto st = streamOf(v);
      if (static_cast<int64_t>(st.getShape().size()) != rank + 1 ||
          !sameDims(st.getShape().drop_front(), first.getShape().drop_front()))
        return fail(loc, "eager_merge", "expected input #", i, " to have rank ",
                    rank, " and the inner dims of input #0 ",
                    str(first.getShape().drop_front()), ", got ",
                    str(st.getShape()));
    }
  }
  FailureOr<Dims> inner =
      elem == streamOf(adaptor.getInputs()[0]).getElementType()
          ? checkChunkInputs(loc, "eager_merge", adaptor.getInputs(),
                             adaptor.getRank())
          : FailureOr<Dims>(
                Dims(streamOf(adaptor.getInputs()[0]).getShape().drop_front()));
  if (failed(inner))
    return failure();
  sym::Expr total = c(0);
  for (Value v : adaptor.getInputs())
    total = total + streamOf(v).getShape().front();
  Dims dims{total};
  dims.append(inner->begin(), inner->end());
  auto data = checkedStream(ctx, loc, "eager_merge", dims, elem);
  if (failed(data))
    return failure();
  results.push_back(*data);
  int64_t n = adaptor.getInputs().size();
  results.push_back(
      StreamType::get(ctx, {total}, SelectorType::get(ctx, n, /*hot=*/1)));
  return success();
}

LogicalResult BroadcastOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  if (failed(checkStreams(loc, "broadcast", adaptor.getOperands())))
    return failure();
  int64_t count = adaptor.getCount();
  if (failed(checkInRange(loc, "broadcast", "count", count, 2, kMaxFanOut)))
    return failure();
  results.assign(count, adaptor.getInput().getType());
  return success();
}

LogicalResult ParallelizeOp::inferReturnTypes(MLIRContext *ctx,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &results) {
  if (failed(checkStreams(loc, "parallelize", adaptor.getOperands())))
    return failure();
  auto in = streamOf(adaptor.getInput());
  int64_t rank = adaptor.getRank(), n = adaptor.getCount();
  if (failed(checkAtLeast(loc, "parallelize", "rank", rank, 0)) ||
      failed(checkInRange(loc, "parallelize", "count", n, 2, kMaxFanOut)))
    return failure();
  if (static_cast<int64_t>(in.getShape().size()) != rank + 1)
    return fail(loc, "parallelize", "expected 'input' to have rank ", rank,
                " (", rank + 1, " dims), got ", str(in.getShape()));
  sym::Expr d = in.getShape().front();
  for (int64_t i = 0; i < n; ++i) {
    Dims dims{sym::floorDiv(d + c(n - 1 - i), c(n))};
    dims.append(in.getShape().begin() + 1, in.getShape().end());
    auto out =
        checkedStream(ctx, loc, "parallelize", dims, in.getElementType());
    if (failed(out))
      return failure();
    results.push_back(*out);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Sources
//===----------------------------------------------------------------------===//

LogicalResult SelectGenOp::verify() {
  auto selTy = dyn_cast<SelectorType>(getResult().getType().getElementType());
  if (!selTy)
    return emitOpError("expected the result to carry selectors, got ")
           << getResult().getType().getElementType();
  if (auto targets = getTargets()) {
    auto shape = getResult().getType().getShape();
    ::step::sym::Expr elements = ::step::sym::constant(1);
    for (::step::sym::Expr d : shape)
      elements = elements * d;
    if (selTy.getHot() != 1 || shape.size() > 2 ||
        elements != ::step::sym::constant(targets->size()))
      return emitOpError("expected inline 'targets' to give a stream [n] or "
                         "[1, n] of ")
             << targets->size() << " one-hot selectors";
    for (int64_t t : *targets)
      if (t < 0 || t >= selTy.getWidth())
        return emitOpError("target ")
               << t << " is outside [0, " << selTy.getWidth() << ")";
  }
  if (getInput().empty())
    return emitOpError("expected a non-empty runtime input name");
  return success();
}

LogicalResult MetadataGenOp::verify() {
  if (!isIntegerAddress(getResult().getType().getElementType()))
    return emitOpError("expected the result to carry integers (a scalar or a "
                       "1x1 integer tile), got ")
           << getResult().getType().getElementType();
  if (getInput().empty())
    return emitOpError("expected a non-empty runtime input name");
  if (auto derive = getDerive())
    if (!parseMetadataDerivation(*derive))
      return emitOpError("expected 'derive' to be \"index\", \"tiles<N>\" "
                         "or \"offset<N>\" with N > 0, got \"")
             << *derive << "\"";
  if (auto slice = getSlice()) {
    if (slice->empty() || slice->size() % 2)
      return emitOpError("expected 'slice' to hold (start, count) pairs");
    int64_t count = 0;
    for (size_t k = 0; k < slice->size(); k += 2) {
      if ((*slice)[k] < 0 || (*slice)[k + 1] < 1 ||
          (*slice)[k + 1] > (int64_t(1) << 40))
        return emitOpError("expected slices with start >= 0 and count >= 1");
      count += (*slice)[k + 1];
    }
    ::step::sym::Expr elements = ::step::sym::constant(1);
    for (::step::sym::Expr d : getResult().getType().getShape())
      elements = elements * d;
    if (elements != ::step::sym::constant(count))
      return emitOpError("expected the result to have as many elements as "
                         "the slices' total count ")
             << count;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Higher-order operators
//===----------------------------------------------------------------------===//

/// Checks a region's block arguments and returns the yielded types.
static FailureOr<SmallVector<Type>>
checkRegion(std::optional<Location> loc, StringRef opName, StringRef regionName,
            Region *region, TypeRange expectedArgs) {
  if (!region || region->empty())
    return fail(loc, opName, "expected a non-empty '", regionName, "' region");
  Block &block = region->front();
  if (block.getNumArguments() != expectedArgs.size())
    return fail(loc, opName, "expected the '", regionName, "' region to take ",
                expectedArgs.size(), " arguments, got ",
                block.getNumArguments());
  for (auto [i, arg] : llvm::enumerate(block.getArguments()))
    if (arg.getType() != expectedArgs[i])
      return fail(loc, opName, "expected argument #", i, " of the '",
                  regionName, "' region to be ", expectedArgs[i], ", got ",
                  arg.getType());
  auto yield =
      dyn_cast_or_null<YieldOp>(block.empty() ? nullptr : &block.back());
  if (!yield)
    return fail(loc, opName, "expected the '", regionName,
                "' region to end with step.yield");
  return SmallVector<Type>(yield.getValues().getTypes());
}

static SmallVector<Type> elementTypes(ValueRange streams) {
  SmallVector<Type> types;
  for (Value v : streams)
    types.push_back(streamOf(v).getElementType());
  return types;
}

LogicalResult MapOp::inferReturnTypes(MLIRContext *ctx,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &results) {
  if (failed(checkStreams(loc, "map", adaptor.getOperands())))
    return failure();
  if (failed(checkSameShapes(loc, "map", adaptor.getInputs().getTypes())))
    return failure();
  auto yielded = checkRegion(loc, "map", "body", &adaptor.getBody(),
                             elementTypes(adaptor.getInputs()));
  if (failed(yielded))
    return failure();
  if (yielded->size() != 1 || !isStreamElementType((*yielded)[0]))
    return fail(loc, "map", "expected the body to yield one stream element");
  results.push_back(StreamType::get(
      ctx, streamOf(adaptor.getInputs()[0]).getShape(), (*yielded)[0]));
  return success();
}

/// Shared inference of accum and scan.
static LogicalResult
inferAccumLike(MLIRContext *ctx, std::optional<Location> loc, StringRef opName,
               ValueRange inputs, int64_t rank, Region &init, Region &update,
               bool keepInner, SmallVectorImpl<Type> &results) {
  if (failed(checkSameShapes(loc, opName, inputs.getTypes())))
    return failure();
  if (failed(checkAtLeast(loc, opName, "rank", rank, 1)))
    return failure();
  auto in = streamOf(inputs[0]);
  if (rank >= static_cast<int64_t>(in.getShape().size()))
    return fail(loc, opName, "rank ", rank,
                " must be below the number of dims of the input ",
                str(in.getShape()));
  auto initTypes = checkRegion(loc, opName, "init", &init, {});
  if (failed(initTypes))
    return failure();
  if (initTypes->size() != 1 || !isStreamElementType((*initTypes)[0]))
    return fail(loc, opName, "expected the init region to yield one element");
  Type acc = (*initTypes)[0];
  SmallVector<Type> args{acc};
  llvm::append_range(args, elementTypes(inputs));
  auto updTypes = checkRegion(loc, opName, "update", &update, args);
  if (failed(updTypes))
    return failure();
  if (updTypes->size() != 1 || (*updTypes)[0] != acc)
    return fail(loc, opName,
                "expected the update region to yield the "
                "accumulator type ",
                acc);
  ArrayRef<sym::Expr> shape = in.getShape();
  Dims dims(shape.begin(), keepInner ? shape.end() : shape.end() - rank);
  results.push_back(StreamType::get(ctx, dims, acc));
  return success();
}

LogicalResult AccumOp::inferReturnTypes(MLIRContext *ctx,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  if (failed(checkStreams(loc, "accum", adaptor.getOperands())))
    return failure();
  return inferAccumLike(ctx, loc, "accum", adaptor.getInputs(),
                        adaptor.getRank(), adaptor.getInit(),
                        adaptor.getUpdate(), /*keepInner=*/false, results);
}

LogicalResult ScanOp::inferReturnTypes(MLIRContext *ctx,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &results) {
  if (failed(checkStreams(loc, "scan", adaptor.getOperands())))
    return failure();
  return inferAccumLike(ctx, loc, "scan", adaptor.getInputs(),
                        adaptor.getRank(), adaptor.getInit(),
                        adaptor.getUpdate(), /*keepInner=*/true, results);
}

LogicalResult FlatMapOp::inferReturnTypes(MLIRContext *ctx,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  if (failed(checkStreams(loc, "flatmap", adaptor.getOperands())))
    return failure();
  if (failed(checkSameShapes(loc, "flatmap", adaptor.getInputs().getTypes())))
    return failure();
  auto yielded = checkRegion(loc, "flatmap", "body", &adaptor.getBody(),
                             elementTypes(adaptor.getInputs()));
  if (failed(yielded))
    return failure();
  auto sub =
      yielded->size() == 1 ? dyn_cast<StreamType>((*yielded)[0]) : StreamType();
  if (!sub)
    return fail(loc, "flatmap", "expected the body to yield one stream");
  bool dataDependent = false;
  adaptor.getBody().walk([&](SplitRowsOp op) {
    if (op.getDropPadding())
      dataDependent = true;
  });
  auto in = streamOf(adaptor.getInputs()[0]);
  Dims dims(in.getShape().begin(), in.getShape().end() - 1);
  if (auto dimText = adaptor.getDim()) {
    std::string err;
    auto d = sym::parse(*dimText, &err);
    if (!d)
      return fail(loc, "flatmap", "cannot parse 'dim' \"", *dimText,
                  "\": ", err);
    dims.push_back(*d);
  } else {
    if (dataDependent)
      return fail(loc, "flatmap",
                  "drops padding, so its resulting dim is "
                  "data-dependent: state it with 'dim'");
    dims.push_back(in.getShape().back() * sub.getShape().front());
  }
  dims.append(sub.getShape().begin() + 1, sub.getShape().end());
  // 'dim' is user text and the product may overflow.
  auto result = checkedStream(ctx, loc, "flatmap", dims, sub.getElementType());
  if (failed(result))
    return failure();
  results.push_back(*result);
  return success();
}

//===----------------------------------------------------------------------===//
// Shape operators
//===----------------------------------------------------------------------===//

LogicalResult FlattenOp::inferReturnTypes(MLIRContext *ctx,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  if (failed(checkStreams(loc, "flatten", adaptor.getOperands())))
    return failure();
  auto in = streamOf(adaptor.getInput());
  ArrayRef<sym::Expr> shape = in.getShape();
  int64_t lo = adaptor.getMin(), hi = adaptor.getMax();
  int64_t n = shape.size();
  if (failed(checkAtLeast(loc, "flatten", "min", lo, 0)))
    return failure();
  if (lo >= hi || hi >= n)
    return fail(loc, "flatten", "expected ranks 0 <= min < max < ", n,
                " for 'input' ", str(shape), ", got ", lo, " to ", hi);
  size_t outerPos = n - 1 - hi, innerPos = n - 1 - lo;
  // A ragged dim's value is its total over the dims outside it, so those
  // are absorbed rather than multiplied.
  size_t start = outerPos;
  for (size_t i = outerPos; i <= innerPos; ++i)
    if (shape[i].containsRagged())
      start = i;
  sym::Expr merged = c(1);
  for (size_t i = start; i <= innerPos; ++i)
    merged = merged * shape[i];
  Dims dims(shape.begin(), shape.begin() + outerPos);
  dims.push_back(merged);
  dims.append(shape.begin() + innerPos + 1, shape.end());
  auto result = checkedStream(ctx, loc, "flatten", dims, in.getElementType());
  if (failed(result))
    return failure();
  results.push_back(*result);
  return success();
}

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext *ctx,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  if (failed(checkStreams(loc, "reshape", adaptor.getOperands())))
    return failure();
  auto in = streamOf(adaptor.getInput());
  ArrayRef<sym::Expr> shape = in.getShape();
  int64_t rank = adaptor.getRank(), chunk = adaptor.getChunk();
  int64_t n = shape.size();
  if (failed(checkAtLeast(loc, "reshape", "rank", rank, 0)) ||
      failed(checkAtLeast(loc, "reshape", "chunk", chunk, 1)))
    return failure();
  if (rank >= n)
    return fail(loc, "reshape", "rank ", rank,
                " must be below the number of dims of 'input' ", str(shape));
  size_t pos = n - 1 - rank;
  sym::Expr d = shape[pos];
  if (rank > 0) {
    auto v = d.getConstant();
    if (!v || *v % chunk != 0)
      return fail(loc, "reshape", "splitting the dim of rank ", rank, " (",
                  str(d), ") needs a static size divisible by the chunk ",
                  chunk, "; only the innermost dim (rank 0) is padded");
  }
  Dims dims(shape.begin(), shape.begin() + pos);
  dims.push_back(sym::ceilDiv(d, c(chunk)));
  dims.push_back(c(chunk));
  dims.append(shape.begin() + pos + 1, shape.end());
  auto result = checkedStream(ctx, loc, "reshape", dims, in.getElementType());
  if (failed(result))
    return failure();
  results.push_back(*result);
  results.push_back(StreamType::get(ctx, dims, IntegerType::get(ctx, 1)));
  return success();
}

LogicalResult PromoteOp::inferReturnTypes(MLIRContext *ctx,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  if (failed(checkStreams(loc, "promote", adaptor.getOperands())))
    return failure();
  auto in = streamOf(adaptor.getInput());
  ArrayRef<sym::Expr> shape = in.getShape();
  int64_t n = shape.size();
  Dims dims(shape);
  if (auto rank = adaptor.getRank()) {
    if (failed(checkAtLeast(loc, "promote", "rank", static_cast<int64_t>(*rank),
                            1)))
      return failure();
    if (static_cast<int64_t>(*rank) > n)
      return fail(loc, "promote", "rank ", *rank, " exceeds the ", n,
                  " dims of 'input' ", str(shape));
    dims.insert(dims.begin() + (n - *rank), c(1));
  } else {
    // One tensor if the stream is non-empty, none otherwise.
    sym::Expr d = shape.front();
    dims.insert(dims.begin(), sym::ceilDiv(d, sym::max(d, c(1))));
  }
  auto result = checkedStream(ctx, loc, "promote", dims, in.getElementType());
  if (failed(result))
    return failure();
  results.push_back(*result);
  return success();
}

LogicalResult ExpandOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  if (failed(checkStreams(loc, "expand", adaptor.getOperands())))
    return failure();
  auto in = streamOf(adaptor.getInput());
  auto ref = streamOf(adaptor.getRef());
  int64_t rank = adaptor.getRank();
  if (failed(checkAtLeast(loc, "expand", "rank", rank, 1)))
    return failure();
  ArrayRef<sym::Expr> s = in.getShape(), r = ref.getShape();
  if (s.size() != r.size())
    return fail(loc, "expand", "expected 'input' ", str(s), " and 'ref' ",
                str(r), " to have the same number of dims");
  if (rank >= static_cast<int64_t>(s.size()))
    return fail(loc, "expand", "rank ", rank,
                " must be below the number of dims of 'input' ", str(s));
  for (int64_t i = 0; i < rank; ++i)
    if (s[s.size() - 1 - i] != c(1))
      return fail(loc, "expand", "expected the inner ", rank,
                  " dims of 'input' ", str(s), " to be 1");
  if (!sameDims(s.drop_back(rank), r.drop_back(rank)))
    return fail(loc, "expand", "expected the outer dims of 'input' ",
                str(s.drop_back(rank)), " to match those of 'ref' ",
                str(r.drop_back(rank)));
  results.push_back(StreamType::get(ctx, r, in.getElementType()));
  return success();
}

LogicalResult RepeatOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  if (failed(checkStreams(loc, "repeat", adaptor.getOperands())))
    return failure();
  int64_t count = adaptor.getCount();
  if (failed(checkAtLeast(loc, "repeat", "count", count, 1)))
    return failure();
  auto in = streamOf(adaptor.getInput());
  Dims dims = dimsOf(in);
  dims.push_back(c(count));
  results.push_back(StreamType::get(ctx, dims, in.getElementType()));
  return success();
}

LogicalResult ZipOp::inferReturnTypes(MLIRContext *ctx,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &results) {
  if (failed(checkStreams(loc, "zip", adaptor.getOperands())))
    return failure();
  if (adaptor.getInputs().size() < 2)
    return fail(loc, "zip", "expected at least two inputs, got ",
                adaptor.getInputs().size());
  if (failed(checkSameShapes(loc, "zip", adaptor.getInputs().getTypes())))
    return failure();
  results.push_back(StreamType::get(
      ctx, streamOf(adaptor.getInputs()[0]).getShape(),
      ElemTupleType::get(ctx, elementTypes(adaptor.getInputs()))));
  return success();
}

//===----------------------------------------------------------------------===//
// Time-multiplexing macro operators
//===----------------------------------------------------------------------===//

LogicalResult
ExpertAddrGenOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                                  Adaptor adaptor,
                                  SmallVectorImpl<Type> &results) {
  if (failed(checkStreams(loc, "expert_addr_gen", adaptor.getOperands())))
    return failure();
  auto sel = streamOf(adaptor.getSel());
  auto selTy = dyn_cast<SelectorType>(sel.getElementType());
  if (!selTy || selTy.getHot() != 1)
    return fail(loc, "expert_addr_gen",
                "expected 'sel' to carry one-hot selectors (selector<N, hot = "
                "1>), got ",
                sel.getElementType());
  int64_t tiles = adaptor.getTiles();
  if (failed(checkAtLeast(loc, "expert_addr_gen", "tiles", tiles, 1)))
    return failure();
  Dims dims = dimsOf(sel);
  dims.push_back(c(tiles));
  auto i64 = IntegerType::get(ctx, 64);
  results.push_back(
      StreamType::get(ctx, dims, TileType::get(ctx, c(1), c(1), i64)));
  return success();
}

LogicalResult mlir::step::inferResultTypes(Operation *op,
                                          SmallVectorImpl<Type> &types) {
  auto infer = dyn_cast<InferTypeOpInterface>(op);
  if (!infer)
    return failure();
  if (failed(infer.inferReturnTypes(
          op->getContext(), op->getLoc(), op->getOperands(),
          op->getAttrDictionary(), op->getPropertiesStorage(),
          op->getRegions(), types)))
    return failure();
  return success(types.size() == op->getNumResults());
}

LogicalResult mlir::step::refreshResultTypes(Operation *op) {
  SmallVector<Type> types;
  if (failed(inferResultTypes(op, types)))
    return failure();
  for (auto [value, type] : llvm::zip(op->getResults(), types))
    value.setType(type);
  return success();
}

#define GET_OP_CLASSES
#include "dialects/Step/StepOps.cpp.inc"
