//===- StepTypes.h - stream and element types --------------------*- C++ -*-===//
//
// Types of the step dialect and the glue that lets symbolic dimensions
// (step::sym::Expr) live inside MLIR type storage and text.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_DIALECT_STEPTYPES_H
#define STEP_DIALECT_STEPTYPES_H

#include "dialects/Step/StepDialect.h"
#include "dialects/Step/Symbolic/SymExpr.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/Types.h"
#include "llvm/ADT/Hashing.h"

#include <set>
#include <string>

namespace step::sym {
/// Expressions are interned and canonical, so the node address is a valid
/// hash for MLIR's type uniquing.
inline llvm::hash_code hash_value(const Expr &e) {
  return llvm::hash_value(e.getAsOpaquePointer());
}
} // namespace step::sym

namespace mlir::step {
namespace sym = ::step::sym;

/// Parses one symbolic dimension in the type syntax (see Symbolic/README.md).
ParseResult parseDim(AsmParser &parser, sym::Expr &result);
/// Parses `[d, d, ...]` (possibly empty).
ParseResult parseDimList(AsmParser &parser, SmallVectorImpl<sym::Expr> &dims);
/// Prints a dimension so that parseDim reads it back.
void printDim(AsmPrinter &printer, sym::Expr e);
std::string dimToString(sym::Expr e);
void printDimList(AsmPrinter &printer, ArrayRef<sym::Expr> dims);
std::string dimListToString(ArrayRef<sym::Expr> dims);

/// True for the types a stream may carry: step tiles, selectors, buffers,
/// tuples, and builtin integer/float scalars.
bool isStreamElementType(Type type);
/// Parses an element type; the `!step.` prefix is optional for step types.
ParseResult parseElementType(AsmParser &parser, Type &type);
/// Prints an element type, without the `!step.` prefix for step types.
void printElementType(AsmPrinter &printer, Type type);
/// Bytes of one element of the given type (symbolic for dynamic tiles).
/// Buffers count as a reference (8 bytes); tuples add their parts.
sym::Expr getElementBytes(Type type);
/// Bytes of one scalar of a builtin integer or float type (i1 counts 1).
int64_t getScalarBytes(Type type);
/// Adds the names of the symbols in the dims of `type` and of every type
/// nested in it (stream shapes, buffer shapes, tile rows and columns).
void collectSymbols(Type type, std::set<std::string> &out);
} // namespace mlir::step

#define GET_TYPEDEF_CLASSES
#include "dialects/Step/StepTypes.h.inc"

#endif // STEP_DIALECT_STEPTYPES_H
