//===- SymExpr.h - Symbolic dimension expressions ---------------*- C++ -*-===//
//
// Interned, canonical integer expressions over named non-negative symbols:
// the dimension sizes of STeP stream and tile types (static, dynamic-regular
// and ragged dimensions). Plain C++17 with no exceptions and no dependency
// beyond the standard library, so both the MLIR dialect and the simulator can
// link it. See README.md next to this file for the semantics and the syntax.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_DIALECTS_STEP_SYMBOLIC_SYMEXPR_H
#define STEP_DIALECTS_STEP_SYMBOLIC_SYMEXPR_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace step::sym {

enum class ExprKind : uint8_t {
  Constant,
  Symbol,
  Add,
  Mul,
  FloorDiv,
  CeilDiv,
  Max,
  Ragged
};

namespace detail {
struct Node;
struct NodeAccess;
} // namespace detail

/// Values for symbols, keyed by name (heterogeneous lookup by string_view).
using Bindings = std::map<std::string, int64_t, std::less<>>;

/// A handle to an interned, immutable, canonical expression node. Nodes live
/// for the whole process, so handles are cheap to copy and never dangle, and
/// two handles are equal iff the expressions are structurally equal.
class Expr {
public:
  Expr() = default; ///< The null handle.

  explicit operator bool() const { return node != nullptr; }
  ExprKind getKind() const;
  /// The value of a Constant node; nullopt for every other kind.
  std::optional<int64_t> getConstant() const;
  /// The name of a Symbol node; empty for every other kind.
  std::string_view getSymbolName() const;
  /// Add: terms (constant last); Mul: factors (coefficient first if != 1);
  /// FloorDiv/CeilDiv: {lhs, rhs}; Max: args (constant last); Ragged: {def}.
  /// Empty for Constant and Symbol.
  const std::vector<Expr> &getOperands() const;

  bool isRagged() const { return node && getKind() == ExprKind::Ragged; }
  /// True if any node in the expression is Ragged. Because of the absorption
  /// rule this equals isRagged() for every expression the library builds.
  bool containsRagged() const;
  /// True if the expression has no symbols. It is then a Constant unless
  /// folding it would overflow int64 or divide by zero.
  bool isStatic() const;
  /// Adds the names of all symbols, including those inside ragged defs.
  void collectSymbols(std::set<std::string> &out) const;

  /// Canonical text in the grammar of parse(); parse(str()) == *this.
  std::string str() const;
  /// Structural hash; deterministic across runs.
  size_t hash() const;

  bool operator==(const Expr &o) const { return node == o.node; }
  bool operator!=(const Expr &o) const { return node != o.node; }

  const void *getAsOpaquePointer() const { return node; }
  static Expr getFromOpaquePointer(const void *p) {
    return Expr(static_cast<const detail::Node *>(p));
  }

private:
  explicit Expr(const detail::Node *n) : node(n) {}
  friend struct detail::NodeAccess;

  const detail::Node *node = nullptr;
};

/// A deterministic total order: structural, so it depends neither on pointer
/// values nor on creation order. The null handle sorts first.
bool operator<(const Expr &a, const Expr &b);

/// Prints str() ("<null>" for the null handle); used by test diagnostics.
std::ostream &operator<<(std::ostream &os, const Expr &e);

Expr constant(int64_t v);
/// A dynamic-regular symbol. \p name must satisfy isValidSymbolName().
Expr symbol(std::string_view name);
/// A named ragged dimension: ragged(symbol(name)).
Expr raggedSymbol(std::string_view name);
/// A ragged dimension whose total over the whole stream is \p def. Wrapping a
/// ragged expression again returns it unchanged.
Expr ragged(Expr def);

// Arithmetic. Every operation simplifies to canonical form, and any operation
// with a ragged operand yields a ragged result (the absorption rule).
Expr operator+(Expr a, Expr b);
Expr operator-(Expr a, Expr b);
Expr operator*(Expr a, Expr b);
Expr operator-(Expr a);
Expr operator+(Expr a, int64_t b);
Expr operator+(int64_t a, Expr b);
Expr operator-(Expr a, int64_t b);
Expr operator-(int64_t a, Expr b);
Expr operator*(Expr a, int64_t b);
Expr operator*(int64_t a, Expr b);
/// Floor division (rounds toward negative infinity).
Expr floorDiv(Expr a, Expr b);
Expr floorDiv(Expr a, int64_t b);
/// Ceiling division (rounds toward positive infinity).
Expr ceilDiv(Expr a, Expr b);
Expr ceilDiv(Expr a, int64_t b);
Expr max(Expr a, Expr b);
/// Maximum of \p args; the null handle if \p args is empty.
Expr max(const std::vector<Expr> &args);

/// Replaces symbols by expressions (symbols not in \p repl stay) and
/// re-simplifies the result.
Expr substitute(Expr e, const std::map<std::string, Expr, std::less<>> &repl);
/// Replaces the bound symbols by constants; unbound symbols stay.
Expr substitute(Expr e, const Bindings &values);

/// Evaluates \p e; on an unbound symbol, a negative binding, a division by
/// zero or an int64 overflow returns nullopt and sets \p error (if given).
/// A ragged node evaluates to its def (see README.md).
std::optional<int64_t> evaluate(Expr e, const Bindings &values,
                                std::string *error = nullptr);

/// Parses a whole expression. On failure returns nullopt and sets \p error
/// to a message that starts with "column N:" (1-based).
std::optional<Expr> parse(std::string_view text, std::string *error = nullptr);
/// Parses the longest expression at the start of \p text (leading whitespace
/// allowed) and sets \p consumed to the offset of the first byte after it,
/// for embedding in a larger syntax such as "[ragged<R>, 64]".
std::optional<Expr> parsePrefix(std::string_view text, size_t &consumed,
                                std::string *error = nullptr);

/// [A-Za-z_][A-Za-z0-9_$.]* and not one of floordiv, ceildiv, max, ragged.
bool isValidSymbolName(std::string_view name);

} // namespace step::sym

template <> struct std::hash<step::sym::Expr> {
  size_t operator()(const step::sym::Expr &e) const { return e.hash(); }
};

#endif // STEP_DIALECTS_STEP_SYMBOLIC_SYMEXPR_H
