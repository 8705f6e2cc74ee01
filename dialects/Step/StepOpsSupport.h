//===- StepOpsSupport.h - helpers shared by the op files ---------*- C++
//-*-===//
//
// Internal to the dialect library: small helpers for shape rules, verifiers
// and costs, shared by StepOps.cpp, StepTileOps.cpp and StepCost.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_DIALECT_STEPOPSSUPPORT_H
#define STEP_DIALECT_STEPOPSSUPPORT_H

#include "dialects/Step/StepOps.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"

namespace mlir::step::detail {
using Dims = SmallVector<sym::Expr>;

inline StreamType streamOf(Value v) { return cast<StreamType>(v.getType()); }

inline Dims dimsOf(StreamType t) { return Dims(t.getShape()); }

inline std::string str(ArrayRef<sym::Expr> dims) {
  return dimListToString(dims);
}
inline std::string str(sym::Expr e) { return dimToString(e); }

inline bool sameDims(ArrayRef<sym::Expr> a, ArrayRef<sym::Expr> b) {
  return a.size() == b.size() && llvm::equal(a, b);
}

inline sym::Expr c(int64_t v) { return sym::constant(v); }

/// Reports an inference failure at the op's location (when there is one).
template <typename... Args>
LogicalResult fail(std::optional<Location> loc, StringRef opName,
                   Args &&...args) {
  return emitOptionalError(loc, "'step.", opName, "' op ",
                           std::forward<Args>(args)...);
}

/// The custom parsers infer result types before ODS checks operand types:
/// checks that every operand has the type kind the inference casts it to.
template <typename T>
LogicalResult checkOperandKinds(std::optional<Location> loc, StringRef opName,
                                ValueRange operands, StringRef kind) {
  for (auto [i, v] : llvm::enumerate(operands))
    if (!isa<T>(v.getType()))
      return fail(loc, opName, "expected operand #", i, " to be a ", kind,
                  ", got ", v.getType());
  return success();
}

inline LogicalResult checkStreams(std::optional<Location> loc, StringRef opName,
                                  ValueRange operands) {
  return checkOperandKinds<StreamType>(loc, opName, operands, "step stream");
}

inline LogicalResult checkTiles(std::optional<Location> loc, StringRef opName,
                                ValueRange operands) {
  return checkOperandKinds<TileType>(loc, opName, operands, "step tile");
}

/// The element type of the wider of two scalar types (ties: the first).
inline Type widerScalar(Type a, Type b) {
  return b.getIntOrFloatBitWidth() > a.getIntOrFloatBitWidth() ? b : a;
}

/// Bytes of one element of a stream value.
inline sym::Expr elemBytes(Value v) {
  return getElementBytes(streamOf(v).getElementType());
}

} // namespace mlir::step::detail

#endif // STEP_DIALECT_STEPOPSSUPPORT_H
