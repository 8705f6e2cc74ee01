//===- StreamBuilder.h - step operators with inferred types -----*- C++ -*-===//
//
// A thin layer over OpBuilder for the layer builders: one call per step
// operator, result types computed by the dialect's own shape rules (never
// restated here), regions of tile ops written as callbacks.
//
// Failure is sticky: an operator whose shape rule rejects its operands emits
// the rule's diagnostic, and from then on every call builds nothing and
// returns a null value, so a builder reads as straight-line code and checks
// failed() once at the end.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_FRONTENDS_LAYERS_STREAMBUILDER_H
#define STEP_FRONTENDS_LAYERS_STREAMBUILDER_H

#include "dialects/Step/StepOps.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <optional>
#include <string>

namespace mlir::step::frontends {

class StreamBuilder {
public:
  /// Builds at `builder`'s insertion point; every op gets `loc`. Maps and
  /// accumulations get the attribute `compute_bw` when `computeBw` is set.
  StreamBuilder(OpBuilder &builder, Location loc,
                std::optional<int64_t> computeBw = std::nullopt)
      : b(builder), loc(loc), computeBw(computeBw) {}

  bool failed() const { return hasFailed; }
  MLIRContext *getContext() const { return b.getContext(); }

  // Types.
  TileType tile(::step::sym::Expr rows, ::step::sym::Expr cols, Type element);
  TileType tile(int64_t rows, int64_t cols, Type element);
  StreamType stream(llvm::ArrayRef<::step::sym::Expr> shape, Type element);
  StreamType stream(llvm::ArrayRef<int64_t> shape, Type element);

  // Stream operators.
  Value linearLoad(llvm::StringRef tensor, llvm::ArrayRef<int64_t> tensorShape,
                   TileType tile, llvm::ArrayRef<int64_t> view,
                   Value ref = nullptr);
  void linearStore(Value input, llvm::StringRef tensor,
                   llvm::ArrayRef<int64_t> tensorShape);
  /// A selector stream of the given (explicit) type read from `input`.
  Value selectGen(llvm::StringRef input, StreamType type);
  /// One output per name (null values after a failure).
  SmallVector<Value> partition(Value input, Value sel, int64_t rank,
                               llvm::ArrayRef<std::string> names);
  Value reassemble(ValueRange inputs, Value sel, int64_t rank);
  Value flatten(Value input, int64_t minRank, int64_t maxRank);
  /// The data result; the padding flags are left unconnected.
  Value reshape(Value input, int64_t rank, int64_t chunk);
  Value promote(Value input);
  Value repeat(Value input, int64_t count);

  /// Region callbacks get the block arguments (one element per input, after
  /// the accumulator for `accum`) and return the value to yield; the
  /// insertion point is inside the region while they run.
  using Body = llvm::function_ref<Value(ValueRange)>;
  using Update = llvm::function_ref<Value(Value acc, ValueRange elements)>;

  Value map(ValueRange inputs, Body body);
  /// Accumulation over the inner `rank` dims, initialized with zeros of
  /// `acc`.
  Value accum(ValueRange inputs, int64_t rank, TileType acc, Update update);
  /// `dim` (empty: none) states the resulting dimension when the body's
  /// sub-stream length is data-dependent.
  Value flatMap(ValueRange inputs, llvm::StringRef dim, Body body);

  // Tile operators (inside regions).
  Value zeros(TileType type);
  Value matmul(Value lhs, Value rhs);
  Value add(Value lhs, Value rhs);
  Value mul(Value lhs, Value rhs);
  Value silu(Value input);
  Value retileRows(Value acc, Value rows);
  Value splitRows(Value input, bool dropPadding);

  // Generic construction (attention decode and passes): builds OpTy from
  // `args` once `operands` are ready, typed by its shape rule; the results
  // (null values after a failure).
  template <typename OpTy, typename... Args>
  SmallVector<Value> build(unsigned numResults, ValueRange operands,
                           Args &&...args) {
    SmallVector<Value> results(numResults);
    if (!ready(operands))
      return results;
    SmallVector<Type> placeholders(numResults, b.getNoneType());
    auto op = b.create<OpTy>(loc, TypeRange(placeholders),
                             std::forward<Args>(args)...);
    if (mlir::failed(refineTypes(op)))
      return results;
    llvm::copy(op->getResults(), results.begin());
    return results;
  }
  /// A map with its own compute bandwidth (none: the architecture's) and
  /// write-back flag.
  Value mapWith(ValueRange inputs, std::optional<int64_t> bw, bool writeBack,
                Body body);
  /// An accumulation with its own compute bandwidth.
  Value accumWith(ValueRange inputs, int64_t rank, TileType acc,
                  std::optional<int64_t> bw, Update update);
  /// Marks the builder failed (a caller-detected error was emitted).
  void markFailed() { hasFailed = true; }
  OpBuilder &getBuilder() { return b; }
  Location getLoc() const { return loc; }

private:
  /// False (and nothing may be built) after a failure or on a null operand.
  bool ready(ValueRange operands) const;
  /// Creates OpTy with `numResults` placeholder result types; refineTypes()
  /// replaces them.
  template <typename OpTy, typename... Args>
  OpTy create(unsigned numResults, Args &&...args);
  /// Builds a one-result op from `args` once `operands` are ready and
  /// returns its result, typed by its shape rule (null after a failure).
  template <typename OpTy, typename... Args>
  Value tileOp(ValueRange operands, Args &&...args);
  /// Ends a region op whose regions were filled: erases it if building its
  /// regions failed, else types it and returns its result.
  Value finishRegionOp(Operation *op);
  /// Sets the result types from the op's shape rule; on failure erases the
  /// op and marks the builder failed.
  LogicalResult refineTypes(Operation *op);
  /// Adds the region's block with one argument per type and runs `body` in it.
  void fillRegion(Region &region, TypeRange argTypes, Body body);
  /// The `compute_bw` attribute for `bw` (none when unset).
  IntegerAttr bwAttr(std::optional<int64_t> bw);

  OpBuilder &b;
  Location loc;
  std::optional<int64_t> computeBw;
  bool hasFailed = false;
};

} // namespace mlir::step::frontends

#endif // STEP_FRONTENDS_LAYERS_STREAMBUILDER_H
