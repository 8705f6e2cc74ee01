//===- StepTypes.cpp - stream and element types ---------------------------===//
//
// Parsing, printing and verification of the step types, and the text form of
// symbolic dimensions inside MLIR type syntax.
//
//===----------------------------------------------------------------------===//

#include "dialects/Step/StepTypes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::step;

//===----------------------------------------------------------------------===//
// Symbolic dimensions in MLIR syntax
//===----------------------------------------------------------------------===//
//
// Grammar (the same as step::sym::parse, read with MLIR's tokens):
//   sum  := prod (('+' | '-') prod)*
//   prod := atom (('*' | 'floordiv' | 'ceildiv') atom)*
//   atom := INT | IDENT | '(' sum ')' | 'max' '(' sum (',' sum)+ ')'
//         | 'ragged' '<' sum '>'
// MLIR's lexer folds a '-' into a following integer, so subtraction of a
// non-constant is printed as `+ -1 * X`.

static ParseResult parseSum(AsmParser &parser, sym::Expr &result,
                            unsigned depth);

/// Deepest nesting of parentheses, max( and ragged< accepted: the parser
/// recurses once per level, so an absurd nesting would overflow the stack.
static constexpr unsigned kMaxDimNesting = 256;

static ParseResult parseAtom(AsmParser &parser, sym::Expr &result,
                             unsigned depth) {
  SMLoc loc = parser.getCurrentLocation();
  if (depth > kMaxDimNesting)
    return parser.emitError(loc, "dimension expression nested more than ")
           << kMaxDimNesting << " levels deep";
  int64_t value;
  OptionalParseResult intResult = parser.parseOptionalInteger(value);
  if (intResult.has_value()) {
    if (failed(*intResult))
      return failure();
    result = sym::constant(value);
    return success();
  }
  if (succeeded(parser.parseOptionalLParen())) {
    if (parseSum(parser, result, depth + 1) || parser.parseRParen())
      return failure();
    return success();
  }
  StringRef name;
  if (failed(parser.parseOptionalKeyword(&name)))
    return parser.emitError(loc, "expected a dimension: an integer, a symbol, "
                                 "'(', 'max(' or 'ragged<'");
  if (name == "max") {
    std::vector<sym::Expr> args;
    if (parser.parseLParen())
      return failure();
    do {
      sym::Expr arg;
      if (parseSum(parser, arg, depth + 1))
        return failure();
      args.push_back(arg);
    } while (succeeded(parser.parseOptionalComma()));
    if (parser.parseRParen())
      return failure();
    if (args.size() < 2)
      return parser.emitError(loc, "max needs at least two arguments");
    result = sym::max(args);
    return success();
  }
  if (name == "ragged") {
    sym::Expr def;
    if (parser.parseLess() || parseSum(parser, def, depth + 1) ||
        parser.parseGreater())
      return failure();
    result = sym::ragged(def);
    return success();
  }
  if (!sym::isValidSymbolName(name))
    return parser.emitError(loc, "'") << name << "' is not a valid symbol name";
  result = sym::symbol(name);
  return success();
}

/// Parses the `('*' | 'floordiv' | 'ceildiv') atom` tail of a product whose
/// first factor is already in `result`.
static ParseResult parseProdTail(AsmParser &parser, sym::Expr &result,
                                 unsigned depth) {
  while (true) {
    bool mul = succeeded(parser.parseOptionalStar());
    bool floor = !mul && succeeded(parser.parseOptionalKeyword("floordiv"));
    bool ceil = !mul && !floor &&
                succeeded(parser.parseOptionalKeyword("ceildiv"));
    if (!mul && !floor && !ceil)
      return success();
    sym::Expr rhs;
    if (parseAtom(parser, rhs, depth))
      return failure();
    result = mul     ? result * rhs
             : floor ? sym::floorDiv(result, rhs)
                     : sym::ceilDiv(result, rhs);
  }
}

static ParseResult parseProd(AsmParser &parser, sym::Expr &result,
                             unsigned depth) {
  if (parseAtom(parser, result, depth))
    return failure();
  return parseProdTail(parser, result, depth);
}

static ParseResult parseSum(AsmParser &parser, sym::Expr &result,
                            unsigned depth) {
  if (parseProd(parser, result, depth))
    return failure();
  while (true) {
    sym::Expr term;
    if (succeeded(parser.parseOptionalPlus())) {
      if (parseProd(parser, term, depth))
        return failure();
      result = result + term;
      continue;
    }
    // MLIR lexes `- 2 * B0` as the integer -2 followed by `* B0`: a
    // subtraction whose product starts with a negative constant.
    int64_t value;
    OptionalParseResult neg = parser.parseOptionalInteger(value);
    if (!neg.has_value())
      return success();
    if (failed(*neg))
      return failure();
    term = sym::constant(value);
    if (parseProdTail(parser, term, depth))
      return failure();
    result = result + term;
  }
}

ParseResult mlir::step::parseDim(AsmParser &parser, sym::Expr &result) {
  return parseSum(parser, result, /*depth=*/0);
}

ParseResult mlir::step::parseDimList(AsmParser &parser,
                                     SmallVectorImpl<sym::Expr> &dims) {
  if (parser.parseLSquare())
    return failure();
  if (succeeded(parser.parseOptionalRSquare()))
    return success();
  do {
    sym::Expr d;
    if (parseDim(parser, d))
      return failure();
    dims.push_back(d);
  } while (succeeded(parser.parseOptionalComma()));
  return parser.parseRSquare();
}

namespace {
enum class Prec { Sum = 0, Prod = 1, Atom = 2 };
} // namespace

static void printExpr(llvm::raw_ostream &os, sym::Expr e, Prec ctx);

static void printTermsOfProduct(llvm::raw_ostream &os,
                                const std::vector<sym::Expr> &factors) {
  bool first = true;
  for (sym::Expr f : factors) {
    if (!first)
      os << " * ";
    first = false;
    printExpr(os, f, Prec::Atom);
  }
}

static void printExpr(llvm::raw_ostream &os, sym::Expr e, Prec ctx) {
  switch (e.getKind()) {
  case sym::ExprKind::Constant:
    os << *e.getConstant();
    return;
  case sym::ExprKind::Symbol:
    os << e.getSymbolName();
    return;
  case sym::ExprKind::Ragged:
    os << "ragged<";
    printExpr(os, e.getOperands()[0], Prec::Sum);
    os << ">";
    return;
  case sym::ExprKind::Max: {
    os << "max(";
    bool first = true;
    for (sym::Expr a : e.getOperands()) {
      if (!first)
        os << ", ";
      first = false;
      printExpr(os, a, Prec::Sum);
    }
    os << ")";
    return;
  }
  case sym::ExprKind::Mul: {
    if (ctx == Prec::Atom)
      os << "(";
    printTermsOfProduct(os, e.getOperands());
    if (ctx == Prec::Atom)
      os << ")";
    return;
  }
  case sym::ExprKind::FloorDiv:
  case sym::ExprKind::CeilDiv: {
    if (ctx == Prec::Atom)
      os << "(";
    printExpr(os, e.getOperands()[0], Prec::Prod);
    os << (e.getKind() == sym::ExprKind::FloorDiv ? " floordiv " : " ceildiv ");
    printExpr(os, e.getOperands()[1], Prec::Atom);
    if (ctx == Prec::Atom)
      os << ")";
    return;
  }
  case sym::ExprKind::Add: {
    if (ctx != Prec::Sum)
      os << "(";
    bool first = true;
    for (sym::Expr t : e.getOperands()) {
      if (!first)
        os << " + ";
      first = false;
      // Products print their coefficient first, so a negative coefficient
      // reads `-2 * B0`, which MLIR lexes as the integer -2 times B0.
      printExpr(os, t, Prec::Prod);
    }
    if (ctx != Prec::Sum)
      os << ")";
    return;
  }
  }
}

std::string mlir::step::dimToString(sym::Expr e) {
  std::string s;
  llvm::raw_string_ostream os(s);
  printExpr(os, e, Prec::Sum);
  return s;
}

void mlir::step::printDim(AsmPrinter &printer, sym::Expr e) {
  printExpr(printer.getStream(), e, Prec::Sum);
}

std::string mlir::step::dimListToString(ArrayRef<sym::Expr> dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i)
      s += ", ";
    s += dimToString(dims[i]);
  }
  return s + "]";
}

void mlir::step::printDimList(AsmPrinter &printer, ArrayRef<sym::Expr> dims) {
  printer << dimListToString(dims);
}

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

bool mlir::step::isStreamElementType(Type type) {
  return isa<TileType, SelectorType, BufferType, ElemTupleType, IntegerType,
             FloatType, CrdType, RefType>(type);
}

ParseResult mlir::step::parseElementType(AsmParser &parser, Type &type) {
  if (succeeded(parser.parseOptionalKeyword("tile"))) {
    type = TileType::parse(parser);
    return success(static_cast<bool>(type));
  }
  if (succeeded(parser.parseOptionalKeyword("selector"))) {
    type = SelectorType::parse(parser);
    return success(static_cast<bool>(type));
  }
  if (succeeded(parser.parseOptionalKeyword("buffer"))) {
    type = BufferType::parse(parser);
    return success(static_cast<bool>(type));
  }
  if (succeeded(parser.parseOptionalKeyword("crd"))) {
    type = CrdType::get(parser.getContext());
    return success();
  }
  if (succeeded(parser.parseOptionalKeyword("ref"))) {
    type = RefType::get(parser.getContext());
    return success();
  }
  if (succeeded(parser.parseOptionalKeyword("tuple"))) {
    type = ElemTupleType::parse(parser);
    return success(static_cast<bool>(type));
  }
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseType(type))
    return failure();
  if (!isStreamElementType(type))
    return parser.emitError(loc, "expected a stream element type (tile, "
                                 "selector, buffer, tuple, scalar, crd or "
                                 "ref), got ")
           << type;
  return success();
}

void mlir::step::printElementType(AsmPrinter &printer, Type type) {
  llvm::TypeSwitch<Type>(type)
      .Case<TileType>([&](TileType t) {
        printer << "tile";
        t.print(printer);
      })
      .Case<SelectorType>([&](SelectorType t) {
        printer << "selector";
        t.print(printer);
      })
      .Case<BufferType>([&](BufferType t) {
        printer << "buffer";
        t.print(printer);
      })
      .Case<ElemTupleType>([&](ElemTupleType t) {
        printer << "tuple";
        t.print(printer);
      })
      .Case<CrdType>([&](CrdType) { printer << "crd"; })
      .Case<RefType>([&](RefType) { printer << "ref"; })
      .Default([&](Type t) { printer << t; });
}

int64_t mlir::step::getScalarBytes(Type type) {
  unsigned bits = type.getIntOrFloatBitWidth();
  return std::max<int64_t>(1, (bits + 7) / 8);
}

sym::Expr mlir::step::getElementBytes(Type type) {
  if (auto tile = dyn_cast<TileType>(type))
    return tile.getBytes();
  if (auto sel = dyn_cast<SelectorType>(type))
    return sym::constant(sel.getBytes());
  if (isa<BufferType>(type))
    return sym::constant(8);
  if (isa<CrdType, RefType>(type))
    return sym::constant(4); // Comal's u32 coordinates and references
  if (auto tuple = dyn_cast<ElemTupleType>(type)) {
    sym::Expr total = sym::constant(0);
    for (Type t : tuple.getElements())
      total = total + getElementBytes(t);
    return total;
  }
  return sym::constant(getScalarBytes(type));
}

void mlir::step::collectSymbols(Type type, std::set<std::string> &out) {
  type.walk([&](Type sub) {
    if (auto s = dyn_cast<StreamType>(sub))
      for (sym::Expr d : s.getShape())
        d.collectSymbols(out);
    if (auto b = dyn_cast<BufferType>(sub))
      for (sym::Expr d : b.getShape())
        d.collectSymbols(out);
    if (auto tile = dyn_cast<TileType>(sub)) {
      tile.getRows().collectSymbols(out);
      tile.getCols().collectSymbols(out);
    }
  });
}

//===----------------------------------------------------------------------===//
// TileType
//===----------------------------------------------------------------------===//

sym::Expr TileType::getNumElements() const { return getRows() * getCols(); }

sym::Expr TileType::getBytes() const {
  return getNumElements() * sym::constant(getScalarBytes(getElementType()));
}

/// True if some division in \p e is by the constant zero (the symbolic
/// library keeps such divisions unfolded).
static bool dividesByZero(sym::Expr e) {
  if ((e.getKind() == sym::ExprKind::FloorDiv ||
       e.getKind() == sym::ExprKind::CeilDiv) &&
      e.getOperands()[1].getConstant() == 0)
    return true;
  return llvm::any_of(e.getOperands(), dividesByZero);
}

static LogicalResult checkDimNonNegative(function_ref<InFlightDiagnostic()> emitError,
                                         sym::Expr d, StringRef what) {
  if (!d)
    return emitError() << what << " is missing";
  if (auto c = d.getConstant(); c && *c < 0)
    return emitError() << what << " must be non-negative, got " << *c;
  // A size that can never be evaluated: reject it here rather than when a
  // cost report or the simulator first binds the symbols.
  if (dividesByZero(d))
    return emitError() << what << " '" << dimToString(d) << "' divides by zero";
  if (d.isStatic() && !d.getConstant())
    return emitError() << what << " '" << dimToString(d) << "' overflows int64";
  return success();
}

LogicalResult TileType::verify(function_ref<InFlightDiagnostic()> emitError,
                               sym::Expr rows, sym::Expr cols, Type elementType) {
  if (failed(checkDimNonNegative(emitError, rows, "tile rows")) ||
      failed(checkDimNonNegative(emitError, cols, "tile cols")))
    return failure();
  if (rows.containsRagged() || cols.containsRagged())
    return emitError() << "tile dimensions cannot be ragged, got ["
                       << dimToString(rows) << ", " << dimToString(cols) << "]";
  if (!llvm::isa<IntegerType, FloatType>(elementType))
    return emitError() << "tile element must be an integer or float type, got "
                       << elementType;
  return success();
}

// Static form: `<16x4096xbf16>`; symbolic form: `<[B0, 4096], bf16>`.
Type TileType::parse(AsmParser &parser) {
  if (parser.parseLess())
    return {};
  Type elementType;
  sym::Expr rows, cols;
  if (succeeded(parser.parseOptionalLSquare())) {
    if (parseDim(parser, rows) || parser.parseComma() ||
        parseDim(parser, cols) || parser.parseRSquare() ||
        parser.parseComma() || parser.parseType(elementType) ||
        parser.parseGreater())
      return {};
  } else {
    SMLoc loc = parser.getCurrentLocation();
    SmallVector<int64_t, 2> dims;
    if (parser.parseDimensionList(dims, /*allowDynamic=*/false) ||
        parser.parseType(elementType) || parser.parseGreater())
      return {};
    if (dims.size() != 2) {
      parser.emitError(loc, "a tile has exactly two dimensions, got ")
          << dims.size();
      return {};
    }
    rows = sym::constant(dims[0]);
    cols = sym::constant(dims[1]);
  }
  return getChecked([&] { return parser.emitError(parser.getNameLoc()); },
                    parser.getContext(), rows, cols, elementType);
}

void TileType::print(AsmPrinter &printer) const {
  if (hasStaticShape()) {
    printer << "<" << *getRows().getConstant() << "x" << *getCols().getConstant()
            << "x" << getElementType() << ">";
    return;
  }
  printer << "<[";
  printDim(printer, getRows());
  printer << ", ";
  printDim(printer, getCols());
  printer << "], " << getElementType() << ">";
}

//===----------------------------------------------------------------------===//
// SelectorType
//===----------------------------------------------------------------------===//

LogicalResult SelectorType::verify(function_ref<InFlightDiagnostic()> emitError,
                                   int64_t width, int64_t hot) {
  if (width < 1)
    return emitError() << "selector width must be at least 1, got " << width;
  if (hot < 0 || hot > width)
    return emitError() << "selector hot count must be in [0, " << width
                       << "] (0 = any), got " << hot;
  return success();
}

Type SelectorType::parse(AsmParser &parser) {
  int64_t width = 0, hot = 0;
  if (parser.parseLess() || parser.parseInteger(width))
    return {};
  if (succeeded(parser.parseOptionalComma())) {
    if (parser.parseKeyword("hot") || parser.parseEqual() ||
        parser.parseInteger(hot))
      return {};
  }
  if (parser.parseGreater())
    return {};
  return getChecked([&] { return parser.emitError(parser.getNameLoc()); },
                    parser.getContext(), width, hot);
}

void SelectorType::print(AsmPrinter &printer) const {
  printer << "<" << getWidth();
  if (getHot())
    printer << ", hot = " << getHot();
  printer << ">";
}

//===----------------------------------------------------------------------===//
// BufferType
//===----------------------------------------------------------------------===//

LogicalResult BufferType::verify(function_ref<InFlightDiagnostic()> emitError,
                                 ArrayRef<sym::Expr> shape, Type elementType,
                                 bool offChip) {
  if (shape.empty())
    return emitError() << "a buffer needs at least one dimension";
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (failed(checkDimNonNegative(emitError, d, "buffer dimension")))
      return failure();
    if (i > 0 && d.containsRagged())
      return emitError() << "only the outermost buffer dimension may be "
                            "ragged, got "
                         << dimListToString(shape);
  }
  if (!llvm::isa<TileType>(elementType))
    return emitError() << "buffer elements must be tiles, got " << elementType;
  return success();
}

Type BufferType::parse(AsmParser &parser) {
  SmallVector<sym::Expr> shape;
  Type elementType;
  bool offChip = false;
  if (parser.parseLess() || parseDimList(parser, shape) ||
      parser.parseComma() || parseElementType(parser, elementType))
    return {};
  if (succeeded(parser.parseOptionalComma())) {
    StringRef level;
    SMLoc loc = parser.getCurrentLocation();
    if (parser.parseKeyword(&level))
      return {};
    if (level == "offchip")
      offChip = true;
    else if (level != "onchip") {
      parser.emitError(loc, "expected memory level 'onchip' or 'offchip', got '")
          << level << "'";
      return {};
    }
  }
  if (parser.parseGreater())
    return {};
  return getChecked([&] { return parser.emitError(parser.getNameLoc()); },
                    parser.getContext(), shape, elementType, offChip);
}

void BufferType::print(AsmPrinter &printer) const {
  printer << "<";
  printDimList(printer, getShape());
  printer << ", ";
  printElementType(printer, getElementType());
  if (getOffChip())
    printer << ", offchip";
  printer << ">";
}

//===----------------------------------------------------------------------===//
// ElemTupleType
//===----------------------------------------------------------------------===//

LogicalResult ElemTupleType::verify(function_ref<InFlightDiagnostic()> emitError,
                                ArrayRef<Type> elements) {
  if (elements.size() < 2)
    return emitError() << "a tuple needs at least two elements, got "
                       << elements.size();
  for (Type t : elements)
    if (!isStreamElementType(t))
      return emitError() << "tuple element must be a stream element type, got "
                         << t;
  return success();
}

Type ElemTupleType::parse(AsmParser &parser) {
  SmallVector<Type> elements;
  if (parser.parseLess())
    return {};
  do {
    Type t;
    if (parseElementType(parser, t))
      return {};
    elements.push_back(t);
  } while (succeeded(parser.parseOptionalComma()));
  if (parser.parseGreater())
    return {};
  return getChecked([&] { return parser.emitError(parser.getNameLoc()); },
                    parser.getContext(), elements);
}

void ElemTupleType::print(AsmPrinter &printer) const {
  printer << "<";
  llvm::interleave(
      getElements(), printer, [&](Type t) { printElementType(printer, t); },
      ", ");
  printer << ">";
}

//===----------------------------------------------------------------------===//
// StreamType
//===----------------------------------------------------------------------===//

LogicalResult StreamType::verify(function_ref<InFlightDiagnostic()> emitError,
                                 ArrayRef<sym::Expr> shape, Type elementType) {
  if (shape.empty())
    return emitError() << "a stream has at least one dimension (rank 0)";
  for (sym::Expr d : shape)
    if (failed(checkDimNonNegative(emitError, d, "stream dimension")))
      return failure();
  if (!isStreamElementType(elementType))
    return emitError() << "stream element must be a tile, selector, buffer, "
                          "tuple or scalar, got "
                       << elementType;
  return success();
}

Type StreamType::parse(AsmParser &parser) {
  SmallVector<sym::Expr> shape;
  Type elementType;
  if (parser.parseLess() || parseDimList(parser, shape) ||
      parser.parseComma() || parseElementType(parser, elementType) ||
      parser.parseGreater())
    return {};
  return getChecked([&] { return parser.emitError(parser.getNameLoc()); },
                    parser.getContext(), shape, elementType);
}

void StreamType::print(AsmPrinter &printer) const {
  printer << "<";
  printDimList(printer, getShape());
  printer << ", ";
  printElementType(printer, getElementType());
  printer << ">";
}

sym::Expr StreamType::getCardinality() const {
  ArrayRef<sym::Expr> shape = getShape();
  // With a ragged dimension, its value is its total over the dimensions
  // outside it, so those are absorbed rather than multiplied.
  size_t start = 0;
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i].containsRagged())
      start = i;
  sym::Expr total = sym::constant(1);
  for (size_t i = start; i < shape.size(); ++i)
    total = total * shape[i];
  return total;
}

StreamType StreamType::withShape(ArrayRef<sym::Expr> shape) const {
  return StreamType::get(getContext(), shape, getElementType());
}

//===----------------------------------------------------------------------===//
// Registration
//===----------------------------------------------------------------------===//

#define GET_TYPEDEF_CLASSES
#include "dialects/Step/StepTypes.cpp.inc"

void StepDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/Step/StepTypes.cpp.inc"
      >();
}
