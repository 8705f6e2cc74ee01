//===- SymExpr.cpp - Interning and canonical simplification ---------------===//
//
// Node interning, the deterministic order, the polynomial normal form behind
// +, - and *, division and max rules, the ragged absorption rule,
// substitution and evaluation. Printing and parsing live in SymParse.cpp.
//
//===----------------------------------------------------------------------===//

#include "dialects/Step/Symbolic/SymExpr.h"

#include <algorithm>
#include <cassert>
#include <mutex>
#include <numeric>
#include <unordered_map>

namespace step::sym {
namespace detail {

struct Node {
  ExprKind kind;
  bool hasRagged;
  bool hasSymbols;
  size_t hash;
  int64_t value;
  std::string name;
  std::vector<Expr> operands;
};

struct NodeAccess {
  static Expr wrap(const Node *n) { return Expr(n); }
  static const Node *get(Expr e) { return e.node; }
};

} // namespace detail

using detail::Node;
using detail::NodeAccess;

namespace {

//===----------------------------------------------------------------------===//
// Interning
//===----------------------------------------------------------------------===//

size_t hashCombine(size_t h, uint64_t v) {
  // splitmix64 finalizer: fixed, so hashes are the same in every run.
  uint64_t x = h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return static_cast<size_t>(x ^ (x >> 31));
}

size_t hashString(std::string_view s) {
  uint64_t h = 1469598103934665603ULL; // FNV-1a
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return static_cast<size_t>(h);
}

/// The process-wide table of nodes. Nodes are never freed, which keeps
/// handles valid in any thread and at exit.
class Uniquer {
public:
  const Node *get(ExprKind kind, int64_t value, std::string_view name,
                  std::vector<Expr> operands) {
    size_t h = hashCombine(static_cast<size_t>(kind), value);
    h = hashCombine(h, hashString(name));
    bool hasRagged = kind == ExprKind::Ragged;
    bool hasSymbols = kind == ExprKind::Symbol;
    for (const Expr &op : operands) {
      h = hashCombine(h, op.hash());
      hasRagged |= op.containsRagged();
      hasSymbols |= !op.isStatic();
    }

    std::lock_guard<std::mutex> lock(mutex);
    auto range = table.equal_range(h);
    for (auto it = range.first; it != range.second; ++it) {
      const Node *n = it->second;
      if (n->kind == kind && n->value == value && n->name == name &&
          n->operands == operands)
        return n;
    }
    Node *n = new Node;
    n->kind = kind;
    n->hasRagged = hasRagged;
    n->hasSymbols = hasSymbols;
    n->hash = h;
    n->value = value;
    n->name = std::string(name);
    n->operands = std::move(operands);
    table.emplace(h, n);
    return n;
  }

private:
  std::mutex mutex;
  std::unordered_multimap<size_t, const Node *> table;
};

Uniquer &getUniquer() {
  static Uniquer *uniquer = new Uniquer; // leaked on purpose, see Uniquer
  return *uniquer;
}

Expr make(ExprKind kind, std::vector<Expr> operands) {
  return NodeAccess::wrap(
      getUniquer().get(kind, 0, std::string_view(), std::move(operands)));
}

const Node *nodeOf(Expr e) {
  assert(e && "null symbolic expression");
  return NodeAccess::get(e);
}

//===----------------------------------------------------------------------===//
// Order
//===----------------------------------------------------------------------===//

int compareExprs(Expr a, Expr b);

int compareLists(const std::vector<Expr> &a, const std::vector<Expr> &b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i)
    if (int c = compareExprs(a[i], b[i]))
      return c;
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

int compareExprs(Expr a, Expr b) {
  if (a == b)
    return 0;
  if (!a || !b)
    return !a ? -1 : 1;
  const Node *x = nodeOf(a), *y = nodeOf(b);
  if (x->kind != y->kind)
    return x->kind < y->kind ? -1 : 1;
  switch (x->kind) {
  case ExprKind::Constant:
    return x->value < y->value ? -1 : 1;
  case ExprKind::Symbol:
    return x->name.compare(y->name) < 0 ? -1 : 1;
  default:
    return compareLists(x->operands, y->operands);
  }
}

//===----------------------------------------------------------------------===//
// Polynomial normal form
//===----------------------------------------------------------------------===//

/// coef * product(atoms). Atoms are sorted; they are Symbol, FloorDiv,
/// CeilDiv or Max nodes, plus Constant factors only where folding them into
/// the coefficient would have overflowed.
struct Term {
  int64_t coef;
  std::vector<Expr> atoms;
};
using Poly = std::vector<Term>;

/// Monomial order: lexicographic on atoms, the constant term last.
int compareMonomials(const std::vector<Expr> &a, const std::vector<Expr> &b) {
  if (a.empty() != b.empty())
    return a.empty() ? 1 : -1;
  return compareLists(a, b);
}

void appendTerms(Expr e, Poly &p) {
  switch (e.getKind()) {
  case ExprKind::Constant:
    if (int64_t v = *e.getConstant())
      p.push_back({v, {}});
    return;
  case ExprKind::Add:
    for (const Expr &term : e.getOperands())
      appendTerms(term, p);
    return;
  case ExprKind::Mul: {
    const std::vector<Expr> &ops = e.getOperands();
    std::optional<int64_t> coef = ops.front().getConstant();
    p.push_back({coef.value_or(1),
                 std::vector<Expr>(ops.begin() + (coef ? 1 : 0), ops.end())});
    return;
  }
  default:
    p.push_back({1, {e}});
  }
}

/// Sorts, combines like terms and drops zero terms. Like terms whose sum
/// overflows stay separate, so nothing is silently wrapped.
void normalize(Poly &p) {
  for (Term &t : p)
    std::sort(t.atoms.begin(), t.atoms.end());
  std::sort(p.begin(), p.end(), [](const Term &a, const Term &b) {
    if (int c = compareMonomials(a.atoms, b.atoms))
      return c < 0;
    return a.coef < b.coef;
  });
  Poly out;
  for (Term &t : p) {
    int64_t sum;
    if (!out.empty() && out.back().atoms == t.atoms &&
        !__builtin_add_overflow(out.back().coef, t.coef, &sum)) {
      out.back().coef = sum;
      continue;
    }
    out.push_back(std::move(t));
  }
  out.erase(std::remove_if(out.begin(), out.end(),
                           [](const Term &t) { return t.coef == 0; }),
            out.end());
  p = std::move(out);
}

Expr termExpr(const Term &t) {
  if (t.atoms.empty())
    return constant(t.coef);
  if (t.coef == 1 && t.atoms.size() == 1)
    return t.atoms.front();
  std::vector<Expr> ops;
  if (t.coef != 1)
    ops.push_back(constant(t.coef));
  ops.insert(ops.end(), t.atoms.begin(), t.atoms.end());
  return make(ExprKind::Mul, std::move(ops));
}

Expr fromPoly(Poly p) {
  normalize(p);
  if (p.empty())
    return constant(0);
  if (p.size() == 1)
    return termExpr(p.front());
  std::vector<Expr> terms;
  for (const Term &t : p)
    terms.push_back(termExpr(t));
  return make(ExprKind::Add, std::move(terms));
}

Poly toPoly(Expr e) {
  Poly p;
  appendTerms(e, p);
  return p;
}

Term mulTerms(const Term &a, const Term &b) {
  Term t{0, a.atoms};
  t.atoms.insert(t.atoms.end(), b.atoms.begin(), b.atoms.end());
  if (!__builtin_mul_overflow(a.coef, b.coef, &t.coef))
    return t;
  // Keep the larger coefficient as a factor so that a * b == b * a.
  t.coef = std::min(a.coef, b.coef);
  t.atoms.push_back(constant(std::max(a.coef, b.coef)));
  return t;
}

Poly mulPolys(const Poly &a, const Poly &b) {
  Poly p;
  for (const Term &x : a)
    for (const Term &y : b)
      p.push_back(mulTerms(x, y));
  return p;
}

Expr strip(Expr e) { return e.isRagged() ? e.getOperands().front() : e; }

bool anyRagged(const std::vector<Expr> &es) {
  return std::any_of(es.begin(), es.end(),
                     [](const Expr &e) { return e.isRagged(); });
}

std::vector<Expr> stripAll(std::vector<Expr> es) {
  for (Expr &e : es)
    e = strip(e);
  return es;
}

Expr sumOf(const std::vector<Expr> &es) {
  if (anyRagged(es))
    return ragged(sumOf(stripAll(es)));
  Poly p;
  for (const Expr &e : es)
    appendTerms(e, p);
  return fromPoly(std::move(p));
}

Expr productOf(const std::vector<Expr> &es) {
  if (anyRagged(es))
    return ragged(productOf(stripAll(es)));
  Poly p{{1, {}}};
  for (const Expr &e : es) {
    p = mulPolys(p, toPoly(e));
    normalize(p);
  }
  return fromPoly(std::move(p));
}

//===----------------------------------------------------------------------===//
// Division and max
//===----------------------------------------------------------------------===//

/// Mathematical floor or ceil of a / b; nullopt on overflow or b == 0.
std::optional<int64_t> divConstants(int64_t a, int64_t b, bool ceil) {
  if (b == 0 || (a == INT64_MIN && b == -1))
    return std::nullopt;
  int64_t q = a / b;
  bool inexact = a % b != 0;
  bool positive = (a < 0) == (b < 0);
  if (inexact && ceil && positive)
    ++q;
  if (inexact && !ceil && !positive)
    --q;
  return q;
}

uint64_t magnitude(int64_t v) {
  return v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
}

Expr divide(Expr a, Expr b, bool ceil);

/// floor(floor(x / a) / c) == floor(x / (a * c)) for a, c > 0; same for ceil.
std::optional<Expr> mergeNested(Expr lhs, int64_t c, bool ceil) {
  if (lhs.getKind() != (ceil ? ExprKind::CeilDiv : ExprKind::FloorDiv))
    return std::nullopt;
  std::optional<int64_t> inner = lhs.getOperands()[1].getConstant();
  int64_t product;
  if (!inner || *inner <= 0 || __builtin_mul_overflow(*inner, c, &product))
    return std::nullopt;
  return divide(lhs.getOperands()[0], constant(product), ceil);
}

Expr divide(Expr a, Expr b, bool ceil) {
  if (a.isRagged() || b.isRagged())
    return ragged(divide(strip(a), strip(b), ceil));
  ExprKind kind = ceil ? ExprKind::CeilDiv : ExprKind::FloorDiv;
  std::optional<int64_t> c = b.getConstant();
  // Symbolic, zero (reported by evaluate) or negative divisors stay as is.
  if (!c || *c == 0)
    return make(kind, {a, b});
  if (std::optional<int64_t> av = a.getConstant()) {
    if (std::optional<int64_t> q = divConstants(*av, *c, ceil))
      return constant(*q);
    return make(kind, {a, b});
  }
  if (*c == 1)
    return a;
  if (*c < 0)
    return make(kind, {a, b});
  // One canonical form for both: ceil(x / c) == floor((x + c - 1) / c) for
  // c > 0, so `B ceildiv 16` and `(B + 15) floordiv 16` compare equal.
  if (ceil)
    return divide(a + constant(*c - 1), b, /*ceil=*/false);

  if (std::optional<Expr> merged = mergeNested(a, *c, ceil))
    return *merged;
  // floor((floor(x / d) + k) / c) == floor((x + k * d) / (d * c)) for d, c > 0,
  // which is what a ceildiv of a ceildiv becomes in floor form.
  if (!ceil) {
    Poly p = toPoly(a);
    if (p.size() == 2 && p[0].coef == 1 && p[0].atoms.size() == 1 &&
        p[0].atoms[0].getKind() == ExprKind::FloorDiv && p[1].atoms.empty()) {
      Expr inner = p[0].atoms[0];
      std::optional<int64_t> d = inner.getOperands()[1].getConstant();
      int64_t kd, dc;
      if (d && *d > 0 && !__builtin_mul_overflow(p[1].coef, *d, &kd) &&
          !__builtin_mul_overflow(*d, *c, &dc))
        return divide(inner.getOperands()[0] + constant(kd), constant(dc),
                      /*ceil=*/false);
    }
  }

  // (c * q + r) / c == q + r / c, with q exact.
  Poly quotient, rest;
  for (Term &t : toPoly(a)) {
    if (t.coef % *c == 0) {
      t.coef /= *c;
      quotient.push_back(std::move(t));
    } else {
      rest.push_back(std::move(t));
    }
  }
  if (rest.size() == 1 && rest.front().atoms.empty()) {
    quotient.push_back({*divConstants(rest.front().coef, *c, ceil), {}});
  } else if (!rest.empty()) {
    // (g * r) / (g * d) == r / d: cancel the common factor.
    uint64_t g = static_cast<uint64_t>(*c);
    for (const Term &t : rest)
      g = std::gcd(g, magnitude(t.coef));
    for (Term &t : rest)
      t.coef /= static_cast<int64_t>(g);
    Expr divisor = constant(*c / static_cast<int64_t>(g));
    Expr lhs = fromPoly(std::move(rest));
    std::optional<Expr> div = mergeNested(lhs, *divisor.getConstant(), ceil);
    quotient.push_back({1, {div ? *div : make(kind, {lhs, divisor})}});
  }
  return fromPoly(std::move(quotient));
}

/// True if \p e is provably >= 0 given that every symbol is.
bool isNonNegative(Expr e) {
  const std::vector<Expr> &ops = e.getOperands();
  auto nonNeg = [](const Expr &x) { return isNonNegative(x); };
  switch (e.getKind()) {
  case ExprKind::Constant:
    return *e.getConstant() >= 0;
  case ExprKind::Symbol:
    return true;
  case ExprKind::Max:
    return std::any_of(ops.begin(), ops.end(), nonNeg);
  default:
    return std::all_of(ops.begin(), ops.end(), nonNeg);
  }
}

} // namespace

//===----------------------------------------------------------------------===//
// Expr
//===----------------------------------------------------------------------===//

ExprKind Expr::getKind() const { return nodeOf(*this)->kind; }

std::optional<int64_t> Expr::getConstant() const {
  if (node && node->kind == ExprKind::Constant)
    return node->value;
  return std::nullopt;
}

std::string_view Expr::getSymbolName() const {
  return node ? std::string_view(node->name) : std::string_view();
}

const std::vector<Expr> &Expr::getOperands() const {
  return nodeOf(*this)->operands;
}

bool Expr::containsRagged() const { return node && node->hasRagged; }

bool Expr::isStatic() const { return !node || !node->hasSymbols; }

void Expr::collectSymbols(std::set<std::string> &out) const {
  if (!node || !node->hasSymbols)
    return;
  if (node->kind == ExprKind::Symbol)
    out.insert(node->name);
  for (const Expr &op : node->operands)
    op.collectSymbols(out);
}

size_t Expr::hash() const { return node ? node->hash : 0; }

bool operator<(const Expr &a, const Expr &b) { return compareExprs(a, b) < 0; }

//===----------------------------------------------------------------------===//
// Construction
//===----------------------------------------------------------------------===//

Expr constant(int64_t v) {
  return NodeAccess::wrap(getUniquer().get(ExprKind::Constant, v, {}, {}));
}

Expr symbol(std::string_view name) {
  assert(isValidSymbolName(name) && "invalid symbol name");
  return NodeAccess::wrap(getUniquer().get(ExprKind::Symbol, 0, name, {}));
}

Expr raggedSymbol(std::string_view name) { return ragged(symbol(name)); }

Expr ragged(Expr def) {
  if (def.isRagged())
    return def;
  return make(ExprKind::Ragged, {def});
}

Expr operator+(Expr a, Expr b) { return sumOf({a, b}); }
Expr operator-(Expr a, Expr b) {
  if (a.isRagged() || b.isRagged())
    return ragged(strip(a) - strip(b));
  Poly p = toPoly(a);
  for (Term &t : mulPolys(toPoly(b), {{-1, {}}}))
    p.push_back(std::move(t));
  return fromPoly(std::move(p));
}
Expr operator*(Expr a, Expr b) { return productOf({a, b}); }
Expr operator-(Expr a) { return a * constant(-1); }
Expr operator+(Expr a, int64_t b) { return a + constant(b); }
Expr operator+(int64_t a, Expr b) { return constant(a) + b; }
Expr operator-(Expr a, int64_t b) { return a - constant(b); }
Expr operator-(int64_t a, Expr b) { return constant(a) - b; }
Expr operator*(Expr a, int64_t b) { return a * constant(b); }
Expr operator*(int64_t a, Expr b) { return constant(a) * b; }

Expr floorDiv(Expr a, Expr b) { return divide(a, b, /*ceil=*/false); }
Expr floorDiv(Expr a, int64_t b) { return floorDiv(a, constant(b)); }
Expr ceilDiv(Expr a, Expr b) { return divide(a, b, /*ceil=*/true); }
Expr ceilDiv(Expr a, int64_t b) { return ceilDiv(a, constant(b)); }

Expr max(Expr a, Expr b) { return max(std::vector<Expr>{a, b}); }

Expr max(const std::vector<Expr> &args) {
  if (args.empty())
    return Expr();
  if (anyRagged(args))
    return ragged(max(stripAll(args)));
  std::vector<Expr> rest;
  std::optional<int64_t> best;
  auto add = [&](const Expr &e) {
    if (std::optional<int64_t> v = e.getConstant())
      best = std::max(best.value_or(*v), *v);
    else
      rest.push_back(e);
  };
  for (const Expr &arg : args) {
    if (arg.getKind() == ExprKind::Max)
      std::for_each(arg.getOperands().begin(), arg.getOperands().end(), add);
    else
      add(arg);
  }
  std::sort(rest.begin(), rest.end());
  rest.erase(std::unique(rest.begin(), rest.end()), rest.end());
  // max(x, c) == x when x >= 0 >= c.
  if (best && *best <= 0 &&
      std::any_of(rest.begin(), rest.end(), isNonNegative))
    best.reset();
  if (best)
    rest.push_back(constant(*best));
  if (rest.size() == 1)
    return rest.front();
  return make(ExprKind::Max, std::move(rest));
}

//===----------------------------------------------------------------------===//
// Substitution and evaluation
//===----------------------------------------------------------------------===//

namespace {

class Substituter {
public:
  explicit Substituter(const std::map<std::string, Expr, std::less<>> &repl)
      : repl(repl) {}

  Expr run(Expr e) {
    if (e.isStatic())
      return e;
    auto it = memo.find(e);
    if (it != memo.end())
      return it->second;
    std::vector<Expr> ops;
    for (const Expr &op : e.getOperands())
      ops.push_back(run(op));
    Expr result;
    switch (e.getKind()) {
    case ExprKind::Symbol: {
      auto found = repl.find(e.getSymbolName());
      result = found == repl.end() ? e : found->second;
      break;
    }
    case ExprKind::Add:
      result = sumOf(ops);
      break;
    case ExprKind::Mul:
      result = productOf(ops);
      break;
    case ExprKind::FloorDiv:
      result = floorDiv(ops[0], ops[1]);
      break;
    case ExprKind::CeilDiv:
      result = ceilDiv(ops[0], ops[1]);
      break;
    case ExprKind::Max:
      result = max(ops);
      break;
    case ExprKind::Ragged:
      result = ragged(ops[0]);
      break;
    case ExprKind::Constant:
      result = e;
      break;
    }
    memo.emplace(e, result);
    return result;
  }

private:
  const std::map<std::string, Expr, std::less<>> &repl;
  std::unordered_map<Expr, Expr> memo;
};

class Evaluator {
public:
  Evaluator(const Bindings &values, std::string *error)
      : values(values), error(error) {}

  std::optional<int64_t> run(Expr e) {
    auto it = memo.find(e);
    if (it != memo.end())
      return it->second;
    std::optional<int64_t> v = compute(e);
    if (v)
      memo.emplace(e, *v);
    return v;
  }

private:
  std::optional<int64_t> fail(const std::string &message) {
    if (error)
      *error = message;
    return std::nullopt;
  }

  std::optional<int64_t> compute(Expr e) {
    switch (e.getKind()) {
    case ExprKind::Constant:
      return e.getConstant();
    case ExprKind::Symbol: {
      auto it = values.find(e.getSymbolName());
      if (it == values.end())
        return fail("unbound symbol '" + std::string(e.getSymbolName()) + "'");
      if (it->second < 0)
        return fail("symbol '" + it->first + "' bound to negative value " +
                    std::to_string(it->second));
      return it->second;
    }
    case ExprKind::Ragged:
      return run(e.getOperands()[0]);
    default:
      break;
    }

    std::vector<int64_t> args;
    for (const Expr &op : e.getOperands()) {
      std::optional<int64_t> v = run(op);
      if (!v)
        return std::nullopt;
      args.push_back(*v);
    }
    int64_t acc = args[0];
    for (size_t i = 1; i < args.size(); ++i) {
      bool overflow = false;
      switch (e.getKind()) {
      case ExprKind::Add:
        overflow = __builtin_add_overflow(acc, args[i], &acc);
        break;
      case ExprKind::Mul:
        overflow = __builtin_mul_overflow(acc, args[i], &acc);
        break;
      case ExprKind::Max:
        acc = std::max(acc, args[i]);
        break;
      default: { // FloorDiv, CeilDiv
        if (args[1] == 0)
          return fail("division by zero in '" + e.str() + "'");
        std::optional<int64_t> q =
            divConstants(acc, args[1], e.getKind() == ExprKind::CeilDiv);
        overflow = !q;
        acc = q.value_or(0);
      }
      }
      if (overflow)
        return fail("integer overflow in '" + e.str() + "'");
    }
    return acc;
  }

  const Bindings &values;
  std::string *error;
  std::unordered_map<Expr, int64_t> memo;
};

} // namespace

Expr substitute(Expr e, const std::map<std::string, Expr, std::less<>> &repl) {
  return Substituter(repl).run(e);
}

Expr substitute(Expr e, const Bindings &values) {
  std::map<std::string, Expr, std::less<>> repl;
  for (const auto &[name, value] : values)
    repl.emplace(name, constant(value));
  return substitute(e, repl);
}

std::optional<int64_t> evaluate(Expr e, const Bindings &values,
                                std::string *error) {
  if (!e) {
    if (error)
      *error = "null expression";
    return std::nullopt;
  }
  return Evaluator(values, error).run(e);
}

} // namespace step::sym
