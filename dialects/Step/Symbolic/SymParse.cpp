//===- SymParse.cpp - Text form of symbolic expressions -------------------===//
//
// The canonical printer (Expr::str) and the recursive-descent parser for
//   sum  := prod (('+' | '-') prod)*
//   prod := atom (('*' | 'floordiv' | 'ceildiv') atom)*
//   atom := INTEGER | '-' atom | IDENT | '(' sum ')'
//         | 'max' '(' sum (',' sum)+ ')' | 'ragged' '<' sum '>'
// Both only use the public Expr API.
//
//===----------------------------------------------------------------------===//

#include "dialects/Step/Symbolic/SymExpr.h"

#include <ostream>

namespace step::sym {
namespace {

//===----------------------------------------------------------------------===//
// Printer
//===----------------------------------------------------------------------===//

// Binding strength of the printed form: a sum, a left-associative product
// chain, or an atom (including '-' atom).
enum Prec { SumPrec = 1, ProdPrec = 2, AtomPrec = 3 };

void print(Expr e, int minPrec, std::string &out);

/// Splits a sum term into its coefficient and its other factors.
int64_t splitTerm(Expr term, std::vector<Expr> &factors) {
  if (std::optional<int64_t> v = term.getConstant())
    return *v;
  if (term.getKind() != ExprKind::Mul) {
    factors.push_back(term);
    return 1;
  }
  const std::vector<Expr> &ops = term.getOperands();
  std::optional<int64_t> coef = ops.front().getConstant();
  factors.assign(ops.begin() + (coef ? 1 : 0), ops.end());
  return coef.value_or(1);
}

int precedence(Expr e) {
  switch (e.getKind()) {
  case ExprKind::Add:
    return SumPrec;
  case ExprKind::FloorDiv:
  case ExprKind::CeilDiv:
    return ProdPrec;
  case ExprKind::Mul: {
    std::vector<Expr> factors;
    bool negation = splitTerm(e, factors) == -1 && factors.size() == 1;
    return negation ? AtomPrec : ProdPrec;
  }
  default:
    return AtomPrec;
  }
}

/// Prints coef * factors. A lone factor may be a division (the product is
/// then that division); otherwise divisions among the factors get
/// parentheses so that "(a floordiv 2) * b" never reads as one chain.
void printProduct(int64_t coef, const std::vector<Expr> &factors,
                  std::string &out) {
  if (factors.empty()) {
    out += std::to_string(coef);
    return;
  }
  const char *sep = "";
  if (coef == -1) {
    out += '-';
  } else if (coef != 1) {
    out += std::to_string(coef);
    sep = " * ";
  }
  int minPrec = coef == 1 && factors.size() == 1 ? ProdPrec : AtomPrec;
  for (const Expr &f : factors) {
    out += sep;
    print(f, minPrec, out);
    sep = " * ";
  }
}

void print(Expr e, int minPrec, std::string &out) {
  bool parens = precedence(e) < minPrec;
  if (parens)
    out += '(';
  const std::vector<Expr> &ops = e.getOperands();
  switch (e.getKind()) {
  case ExprKind::Constant:
    out += std::to_string(*e.getConstant());
    break;
  case ExprKind::Symbol:
    out += e.getSymbolName();
    break;
  case ExprKind::Add:
    for (size_t i = 0; i < ops.size(); ++i) {
      std::vector<Expr> factors;
      int64_t coef = splitTerm(ops[i], factors);
      if (i != 0 && coef < 0 && coef != INT64_MIN) {
        out += " - ";
        coef = -coef;
      } else if (i != 0) {
        out += " + ";
      }
      printProduct(coef, factors, out);
    }
    break;
  case ExprKind::Mul: {
    std::vector<Expr> factors;
    int64_t coef = splitTerm(e, factors);
    printProduct(coef, factors, out);
    break;
  }
  case ExprKind::FloorDiv:
  case ExprKind::CeilDiv:
    print(ops[0], ProdPrec, out);
    out += e.getKind() == ExprKind::FloorDiv ? " floordiv " : " ceildiv ";
    print(ops[1], AtomPrec, out);
    break;
  case ExprKind::Max:
    out += "max(";
    for (size_t i = 0; i < ops.size(); ++i) {
      if (i != 0)
        out += ", ";
      print(ops[i], SumPrec, out);
    }
    out += ')';
    break;
  case ExprKind::Ragged:
    out += "ragged<";
    print(ops[0], SumPrec, out);
    out += '>';
    break;
  }
  if (parens)
    out += ')';
}

//===----------------------------------------------------------------------===//
// Lexer and parser
//===----------------------------------------------------------------------===//

bool isIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isIdentBody(char c) {
  return isIdentStart(c) || isDigit(c) || c == '$' || c == '.';
}
bool isReserved(std::string_view s) {
  return s == "floordiv" || s == "ceildiv" || s == "max" || s == "ragged";
}

struct Token {
  enum Kind { End, Integer, Ident, Punct, Invalid } kind = End;
  std::string_view text;
  size_t offset = 0;
};

class Parser {
public:
  Parser(std::string_view text, std::string *error) : text(text), error(error) {
    lex();
  }

  std::optional<Expr> parseSum() {
    std::optional<Expr> lhs = parseProd();
    while (lhs && (isPunct('+') || isPunct('-'))) {
      bool minus = isPunct('-');
      lex();
      std::optional<Expr> rhs = parseProd();
      if (!rhs)
        return std::nullopt;
      lhs = minus ? *lhs - *rhs : *lhs + *rhs;
    }
    return lhs;
  }

  const Token &current() const { return tok; }

  std::nullopt_t fail(const std::string &message) {
    if (error)
      *error = "column " + std::to_string(tok.offset + 1) + ": " + message;
    return std::nullopt;
  }

  std::string describe() const {
    if (tok.kind == Token::End)
      return "end of input";
    return "'" + std::string(tok.text) + "'";
  }

private:
  static constexpr int maxDepth = 256;

  void lex() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' ||
                                 text[pos] == '\n' || text[pos] == '\r'))
      ++pos;
    size_t start = pos;
    tok.offset = start;
    if (pos == text.size()) {
      tok.kind = Token::End;
    } else if (isDigit(text[pos])) {
      while (pos < text.size() && isDigit(text[pos]))
        ++pos;
      tok.kind = Token::Integer;
    } else if (isIdentStart(text[pos])) {
      while (pos < text.size() && isIdentBody(text[pos]))
        ++pos;
      tok.kind = Token::Ident;
    } else {
      char c = text[pos++];
      bool punct = std::string_view("+-*(),<>").find(c) != std::string::npos;
      tok.kind = punct ? Token::Punct : Token::Invalid;
    }
    tok.text = text.substr(start, pos - start);
  }

  bool isPunct(char c) const {
    return tok.kind == Token::Punct && tok.text[0] == c;
  }
  bool isWord(std::string_view w) const {
    return tok.kind == Token::Ident && tok.text == w;
  }

  bool expect(char c, const char *context) {
    if (isPunct(c)) {
      lex();
      return true;
    }
    fail(std::string("expected '") + c + "' " + context + ", found " +
         describe());
    return false;
  }

  std::optional<Expr> parseProd() {
    std::optional<Expr> lhs = parseAtom();
    while (lhs && (isPunct('*') || isWord("floordiv") || isWord("ceildiv"))) {
      char op = isPunct('*') ? '*' : tok.text[0];
      lex();
      std::optional<Expr> rhs = parseAtom();
      if (!rhs)
        return std::nullopt;
      lhs = op == '*'   ? *lhs * *rhs
            : op == 'f' ? floorDiv(*lhs, *rhs)
                        : ceilDiv(*lhs, *rhs);
    }
    return lhs;
  }

  /// Parses the current Integer token; \p negative allows -2^63.
  std::optional<Expr> parseInteger(bool negative) {
    uint64_t limit = negative ? uint64_t(INT64_MAX) + 1 : uint64_t(INT64_MAX);
    uint64_t value = 0;
    for (char c : tok.text) {
      uint64_t digit = static_cast<uint64_t>(c - '0');
      if (value > (limit - digit) / 10)
        return fail("integer literal " + std::string(tok.text) +
                    " is out of range");
      value = value * 10 + digit;
    }
    lex();
    return constant(negative ? static_cast<int64_t>(0 - value)
                             : static_cast<int64_t>(value));
  }

  std::optional<Expr> parseAtom() {
    if (depth >= maxDepth)
      return fail("expression nested too deeply");
    ++depth;
    std::optional<Expr> result = parseAtomImpl();
    --depth;
    return result;
  }

  std::optional<Expr> parseAtomImpl() {
    if (tok.kind == Token::Integer)
      return parseInteger(/*negative=*/false);
    if (isPunct('-')) {
      lex();
      if (tok.kind == Token::Integer)
        return parseInteger(/*negative=*/true);
      std::optional<Expr> operand = parseAtom();
      if (!operand)
        return std::nullopt;
      return -*operand;
    }
    if (isPunct('(')) {
      lex();
      std::optional<Expr> inner = parseSum();
      if (!inner || !expect(')', "to close '('"))
        return std::nullopt;
      return inner;
    }
    if (isWord("max"))
      return parseMax();
    if (isWord("ragged"))
      return parseRagged();
    if (tok.kind == Token::Ident && !isReserved(tok.text)) {
      Expr sym = symbol(tok.text);
      lex();
      return sym;
    }
    if (tok.kind == Token::Ident)
      return fail("expected an expression, found reserved word " + describe());
    return fail("expected an expression, found " + describe());
  }

  std::optional<Expr> parseMax() {
    lex();
    if (!expect('(', "after 'max' (a reserved word)"))
      return std::nullopt;
    std::vector<Expr> args;
    do {
      std::optional<Expr> arg = parseSum();
      if (!arg)
        return std::nullopt;
      args.push_back(*arg);
      if (args.size() == 1 && !isPunct(','))
        return fail("expected ',' (max needs at least two arguments), found " +
                    describe());
    } while (isPunct(',') && (lex(), true));
    if (!expect(')', "to close 'max('"))
      return std::nullopt;
    return max(args);
  }

  std::optional<Expr> parseRagged() {
    lex();
    if (!expect('<', "after 'ragged' (a reserved word)"))
      return std::nullopt;
    std::optional<Expr> def = parseSum();
    if (!def || !expect('>', "to close 'ragged<'"))
      return std::nullopt;
    return ragged(*def);
  }

  std::string_view text;
  std::string *error;
  size_t pos = 0;
  int depth = 0;
  Token tok;
};

} // namespace

std::string Expr::str() const {
  if (!*this)
    return "<null>";
  std::string out;
  print(*this, SumPrec, out);
  return out;
}

std::ostream &operator<<(std::ostream &os, const Expr &e) {
  return os << e.str();
}

std::optional<Expr> parsePrefix(std::string_view text, size_t &consumed,
                                std::string *error) {
  Parser parser(text, error);
  std::optional<Expr> result = parser.parseSum();
  consumed = result ? parser.current().offset : 0;
  return result;
}

std::optional<Expr> parse(std::string_view text, std::string *error) {
  Parser parser(text, error);
  std::optional<Expr> result = parser.parseSum();
  if (result && parser.current().kind != Token::End)
    return parser.fail("unexpected " + parser.describe() +
                       " after the expression");
  return result;
}

bool isValidSymbolName(std::string_view name) {
  if (name.empty() || !isIdentStart(name[0]) || isReserved(name))
    return false;
  for (char c : name)
    if (!isIdentBody(c))
      return false;
  return true;
}

} // namespace step::sym
