//===- SymExprTest.cpp - Unit tests for StepSymbolic ----------------------===//
//
// Canonical simplification, printing, parsing, substitution, evaluation, the
// ragged absorption rule, order determinism and thread-safe interning.
//
//===----------------------------------------------------------------------===//

#include "dialects/Step/Symbolic/SymExpr.h"

#include <gtest/gtest.h>

#include <thread>
#include <unordered_set>

using namespace step::sym;

namespace {

Expr parseOrFail(std::string_view text) {
  std::string error;
  std::optional<Expr> e = parse(text, &error);
  if (!e) {
    ADD_FAILURE() << "cannot parse '" << text << "': " << error;
    return constant(0);
  }
  return *e;
}

/// The error message parse() gives for \p text ("" if it parses).
std::string parseError(std::string_view text) {
  std::string error;
  if (parse(text, &error))
    return "";
  return error;
}

class SymExprTest : public ::testing::Test {
protected:
  Expr a = symbol("A"), b = symbol("B"), c = symbol("C");
  Expr b0 = symbol("B0"), b1 = symbol("B1");
  Expr r = raggedSymbol("R");
};

TEST_F(SymExprTest, ConstantFolding) {
  EXPECT_EQ(constant(2) + constant(3), constant(5));
  EXPECT_EQ(constant(6) * constant(7), constant(42));
  EXPECT_EQ(constant(2) - constant(9), constant(-7));
  EXPECT_EQ(floorDiv(constant(7), 2), constant(3));
  EXPECT_EQ(floorDiv(constant(-7), 2), constant(-4));
  EXPECT_EQ(floorDiv(constant(7), -2), constant(-4));
  EXPECT_EQ(floorDiv(constant(-8), 2), constant(-4));
  EXPECT_EQ(ceilDiv(constant(7), 2), constant(4));
  EXPECT_EQ(ceilDiv(constant(-7), 2), constant(-3));
  EXPECT_EQ(ceilDiv(constant(7), -2), constant(-3));
  EXPECT_EQ(ceilDiv(constant(-7), -2), constant(4));
  EXPECT_EQ(max(constant(3), constant(-5)), constant(3));
  Expr e = (constant(3) + 4) * 2 - 1;
  EXPECT_EQ(e.getKind(), ExprKind::Constant);
  EXPECT_EQ(e.getConstant(), std::optional<int64_t>(13));
  EXPECT_TRUE(e.isStatic());
  EXPECT_FALSE(b.getConstant().has_value());
  EXPECT_FALSE(b.isStatic());
}

TEST_F(SymExprTest, CommutativityAndAssociativity) {
  EXPECT_EQ(a + b, b + a);
  EXPECT_EQ((a + b) + c, a + (b + c));
  EXPECT_EQ(a * b, b * a);
  EXPECT_EQ((a * b) * c, a * (b * c));
  EXPECT_EQ(max(a, b), max(b, a));
  EXPECT_EQ(max(max(a, b), c), max(a, max(b, c)));
  EXPECT_EQ((a + b).getAsOpaquePointer(), (b + a).getAsOpaquePointer());
  EXPECT_NE(a + b, a * b);
  EXPECT_NE(a - b, b - a);
}

TEST_F(SymExprTest, Distribution) {
  EXPECT_EQ((a + b) * c, a * c + b * c);
  EXPECT_EQ((a + 1) * (a - 1), a * a - 1);
  EXPECT_EQ(((a + 1) * (a - 1)).str(), "A * A - 1");
  EXPECT_EQ(3 * (a + 2), 3 * a + 6);
  EXPECT_EQ((a + b) * (a + b), a * a + 2 * a * b + b * b);
}

TEST_F(SymExprTest, LikeTermsAndIdentities) {
  EXPECT_EQ(a - a, constant(0));
  EXPECT_EQ(2 * a + 3 * a, 5 * a);
  EXPECT_EQ((2 * a + 3 * a).str(), "5 * A");
  EXPECT_EQ(a + b - a, b);
  EXPECT_EQ(a * b - b * a, constant(0));
  EXPECT_EQ(a * 0, constant(0));
  EXPECT_EQ(a * 1, a);
  EXPECT_EQ(a + 0, a);
  EXPECT_EQ(-(-a), a);
}

TEST_F(SymExprTest, CanonicalStructure) {
  Expr sum = 2 * b0 + 15;
  ASSERT_EQ(sum.getKind(), ExprKind::Add);
  ASSERT_EQ(sum.getOperands().size(), 2u);
  EXPECT_EQ(sum.getOperands()[1], constant(15)); // constant last
  Expr term = sum.getOperands()[0];
  ASSERT_EQ(term.getKind(), ExprKind::Mul);
  EXPECT_EQ(term.getOperands()[0], constant(2)); // coefficient first
  EXPECT_EQ(term.getOperands()[1], b0);
  EXPECT_EQ(b0.getSymbolName(), "B0");
  EXPECT_TRUE(constant(1).getOperands().empty());
}

TEST_F(SymExprTest, FloorDivAndCeilDiv) {
  EXPECT_EQ(floorDiv(16 * b + 15, 16), b);
  EXPECT_EQ(ceilDiv(2 * b + 4, 2), b + 2);
  EXPECT_EQ(floorDiv(16 * b + 17, 16), b + 1);
  EXPECT_EQ(floorDiv(16 * b + 32 + c, 16), b + 2 + floorDiv(c, 16));
  Expr kept = floorDiv(b + 15, 16);
  EXPECT_EQ(kept.getKind(), ExprKind::FloorDiv);
  EXPECT_EQ(kept.str(), "(B + 15) floordiv 16");
  EXPECT_EQ(floorDiv(a, 1), a);
  EXPECT_EQ(ceilDiv(a, 1), a);
  // Common factors cancel; nested divisions by positive constants merge.
  EXPECT_EQ(floorDiv(2 * b + 2, 4), floorDiv(b + 1, 2));
  EXPECT_EQ(floorDiv(floorDiv(b, 4), 2), floorDiv(b, 8));
  EXPECT_EQ(ceilDiv(ceilDiv(b, 4), 2), ceilDiv(b, 8));
  EXPECT_NE(ceilDiv(floorDiv(b, 4), 2), ceilDiv(b, 8));
  // Symbolic divisors stay, even x / x (x may be 0).
  EXPECT_EQ(floorDiv(a, a).getKind(), ExprKind::FloorDiv);
  EXPECT_EQ(ceilDiv(a, a).getKind(), ExprKind::CeilDiv);
  EXPECT_EQ(floorDiv(a, b).str(), "A floordiv B");
  // Division by zero and by negative constants is kept, not folded.
  EXPECT_EQ(floorDiv(a, 0).getKind(), ExprKind::FloorDiv);
  EXPECT_EQ(floorDiv(constant(5), 0).getKind(), ExprKind::FloorDiv);
  EXPECT_EQ(floorDiv(a, -2).str(), "A floordiv -2");
}

TEST_F(SymExprTest, MaxRules) {
  EXPECT_EQ(max(constant(3), constant(5)), constant(5));
  EXPECT_EQ(max(b, b), b);
  EXPECT_EQ(max(b, constant(0)), b);
  EXPECT_EQ(max(b, constant(-3)), b);
  EXPECT_EQ(max(2 * b + c, constant(0)), 2 * b + c);
  EXPECT_EQ(max(b, constant(4)).str(), "max(B, 4)");
  EXPECT_EQ(max(max(a, constant(2)), max(b, constant(7))).str(),
            "max(A, B, 7)");
  EXPECT_EQ(max({b, a, b, constant(1), constant(3)}).str(), "max(A, B, 3)");
  // B - 5 may be negative, so the 0 stays.
  EXPECT_EQ(max(b - 5, constant(0)).str(), "max(B - 5, 0)");
  EXPECT_EQ(max(std::vector<Expr>{a}), a);
  EXPECT_FALSE(max(std::vector<Expr>{}));
}

TEST_F(SymExprTest, Substitution) {
  Expr e = 2 * b + c;
  EXPECT_EQ(substitute(e, {{"B", c + 1}}), 3 * c + 2);
  EXPECT_EQ(substitute(e, Bindings{{"B", 4}}), c + 8);
  EXPECT_EQ(substitute(e, Bindings{{"B", 4}, {"C", 1}}), constant(9));
  EXPECT_EQ(substitute(e, Bindings{{"Z", 4}}), e);
  EXPECT_EQ(substitute(floorDiv(b + 15, 16), Bindings{{"B", 17}}), constant(2));
  EXPECT_EQ(substitute(max(a, b), {{"A", b}}), b);
  EXPECT_EQ(substitute(floorDiv(a, b), {{"A", 3 * b}, {"B", b}}),
            floorDiv(3 * b, b));
  // Substitution inside a ragged def keeps the node ragged.
  EXPECT_EQ(substitute(r * 64, {{"R", 2 * a}}), ragged(128 * a));
  EXPECT_EQ(substitute(r * 64, Bindings{{"R", 3}}), ragged(constant(192)));
}

TEST_F(SymExprTest, Evaluation) {
  std::string error;
  EXPECT_EQ(evaluate(floorDiv(b + 15, 16), {{"B", 17}}),
            std::optional<int64_t>(2));
  EXPECT_EQ(evaluate(ceilDiv(b, 16), {{"B", 17}}), std::optional<int64_t>(2));
  EXPECT_EQ(evaluate(floorDiv(b - 10, 4), {{"B", 3}}),
            std::optional<int64_t>(-2));
  EXPECT_EQ(evaluate(max(b - 10, constant(1)), {{"B", 3}}),
            std::optional<int64_t>(1));
  EXPECT_EQ(evaluate(a * b + 1, {{"A", 3}, {"B", 4}}),
            std::optional<int64_t>(13));

  EXPECT_FALSE(evaluate(b0 + b1, {{"B1", 1}}, &error));
  EXPECT_EQ(error, "unbound symbol 'B0'");

  EXPECT_FALSE(evaluate(floorDiv(a, b), {{"A", 1}, {"B", 0}}, &error));
  EXPECT_EQ(error, "division by zero in 'A floordiv B'");
  EXPECT_FALSE(evaluate(ceilDiv(a, 0), {{"A", 1}}, &error));
  EXPECT_NE(error.find("division by zero"), std::string::npos);

  EXPECT_FALSE(evaluate(a * b, {{"A", int64_t(1) << 62}, {"B", 4}}, &error));
  EXPECT_EQ(error, "integer overflow in 'A * B'");
  EXPECT_FALSE(evaluate(a + INT64_MAX, {{"A", 1}}, &error));
  EXPECT_NE(error.find("overflow"), std::string::npos);

  EXPECT_FALSE(evaluate(a, {{"A", -1}}, &error));
  EXPECT_NE(error.find("negative"), std::string::npos);
  EXPECT_FALSE(evaluate(Expr(), {}, &error));
}

TEST_F(SymExprTest, ConstantOverflowIsKeptUnfolded) {
  Expr sum = constant(INT64_MAX) + 1;
  EXPECT_EQ(sum.getKind(), ExprKind::Add);
  EXPECT_TRUE(sum.isStatic());
  EXPECT_EQ(sum.str(), "1 + 9223372036854775807");
  std::string error;
  EXPECT_FALSE(evaluate(sum, {}, &error));
  EXPECT_NE(error.find("overflow"), std::string::npos);
  Expr product = constant(int64_t(1) << 62) * 4;
  EXPECT_EQ(product.getKind(), ExprKind::Mul);
  EXPECT_EQ(product, 4 * constant(int64_t(1) << 62));
  EXPECT_FALSE(evaluate(product, {}));
  EXPECT_EQ(floorDiv(constant(INT64_MIN), -1).getKind(), ExprKind::FloorDiv);
}

TEST_F(SymExprTest, PrintingExactStrings) {
  Expr x = symbol("X");
  std::vector<std::pair<Expr, std::string>> cases = {
      {2 * b0 + 15, "2 * B0 + 15"},
      {floorDiv(b0 + 15, 16), "(B0 + 15) floordiv 16"},
      {ceilDiv(b0, 16), "(B0 + 15) floordiv 16"},
      {ceilDiv(b0, b1), "B0 ceildiv B1"},
      {max(b0, constant(4)), "max(B0, 4)"},
      {r * 64, "ragged<64 * R>"},
      {r + b, "ragged<B + R>"},
      {b0 - b1, "B0 - B1"},
      {-b0, "-B0"},
      {5 - b0, "-B0 + 5"},
      {b0 - 3 * b1, "B0 - 3 * B1"},
      {-3 * b0 * b1, "-3 * B0 * B1"},
      {b0 * b1 * b0, "B0 * B0 * B1"},
      {b0 + floorDiv(b1, 2), "B0 + B1 floordiv 2"},
      {b0 - floorDiv(b1, 2), "B0 - B1 floordiv 2"},
      {b0 * floorDiv(b1, 2), "B0 * (B1 floordiv 2)"},
      {floorDiv(x, 2) * floorDiv(x, 3), "(X floordiv 2) * (X floordiv 3)"},
      {floorDiv(2 * b0, 3), "2 * B0 floordiv 3"},
      {floorDiv(b0, b1 + 1), "B0 floordiv (B1 + 1)"},
      {floorDiv(-b0, 2), "-B0 floordiv 2"},
      {-floorDiv(b0, b1), "-(B0 floordiv B1)"},
      {floorDiv(floorDiv(a, b), c), "A floordiv B floordiv C"},
      {floorDiv(a, floorDiv(b, c)), "A floordiv (B floordiv C)"},
      {max(b0 + 1, b1 * 2), "max(B0 + 1, 2 * B1)"},
      {constant(-5), "-5"},
      {b0 - 5, "B0 - 5"},
  };
  for (const auto &[e, text] : cases)
    EXPECT_EQ(e.str(), text);
  EXPECT_EQ(Expr().str(), "<null>");
}

TEST_F(SymExprTest, ParseErrors) {
  EXPECT_EQ(parseError("B0 +"),
            "column 5: expected an expression, found end of input");
  EXPECT_EQ(parseError("max(B0)"),
            "column 7: expected ',' (max needs at least two arguments), "
            "found ')'");
  EXPECT_EQ(parseError("ragged<>"),
            "column 8: expected an expression, found '>'");
  EXPECT_EQ(parseError("3 ** 4"),
            "column 4: expected an expression, found '*'");
  EXPECT_EQ(parseError("floordiv + 1"),
            "column 1: expected an expression, found reserved word "
            "'floordiv'");
  EXPECT_EQ(parseError("B + ceildiv"),
            "column 5: expected an expression, found reserved word "
            "'ceildiv'");
  EXPECT_EQ(parseError("max + 1"),
            "column 5: expected '(' after 'max' (a reserved word), found '+'");
  EXPECT_EQ(parseError("ragged"),
            "column 7: expected '<' after 'ragged' (a reserved word), found "
            "end of input");
  EXPECT_EQ(parseError("B0 B1"), "column 4: unexpected 'B1' after the "
                                 "expression");
  EXPECT_EQ(parseError("(B0"),
            "column 4: expected ')' to close '(', found end of input");
  EXPECT_EQ(parseError("ragged<B0"),
            "column 10: expected '>' to close 'ragged<', found end of input");
  EXPECT_EQ(parseError("B0 # 2"), "column 4: unexpected '#' after the "
                                  "expression");
  EXPECT_EQ(parseError("99999999999999999999"),
            "column 1: integer literal 99999999999999999999 is out of range");
  EXPECT_EQ(parseError("9223372036854775808"),
            "column 1: integer literal 9223372036854775808 is out of range");
  EXPECT_EQ(parseError(""),
            "column 1: expected an expression, found end of input");
  EXPECT_EQ(parse(std::string(1000, '(') + "1" + std::string(1000, ')')),
            std::nullopt);
  EXPECT_EQ(parseOrFail("-9223372036854775808"), constant(INT64_MIN));
  EXPECT_FALSE(parse("B0 +")); // error pointer is optional
}

TEST_F(SymExprTest, ParseBuildsCanonicalExprs) {
  EXPECT_EQ(parseOrFail("2 * B0 + 15"), 2 * b0 + 15);
  EXPECT_EQ(parseOrFail("15+B0*2"), 2 * b0 + 15);
  EXPECT_EQ(parseOrFail("(A + B) * C"), a * c + b * c);
  EXPECT_EQ(parseOrFail("A - B - C"), a - b - c);
  EXPECT_EQ(parseOrFail("A floordiv 2 * B"), floorDiv(a, 2) * b);
  EXPECT_EQ(parseOrFail("-A * B"), -(a * b));
  EXPECT_EQ(parseOrFail("- -A"), a);
  EXPECT_EQ(parseOrFail("(16 * B + 15) floordiv 16"), b);
  EXPECT_EQ(parseOrFail("max(B, 1, max(A, 3))"), max({a, b, constant(3)}));
  EXPECT_EQ(parseOrFail("ragged<R> * 64"), r * 64);
  EXPECT_EQ(parseOrFail("ragged<ragged<R>>"), r);
  EXPECT_EQ(parseOrFail("a.b$c_1 + _x"), symbol("a.b$c_1") + symbol("_x"));
}

TEST_F(SymExprTest, ParsePrefix) {
  size_t consumed = 0;
  std::optional<Expr> e = parsePrefix("ragged<R> * 2, 64]", consumed);
  ASSERT_TRUE(e);
  EXPECT_EQ(*e, r * 2);
  EXPECT_EQ(consumed, 13u);
  e = parsePrefix("  B0]", consumed);
  ASSERT_TRUE(e);
  EXPECT_EQ(*e, b0);
  EXPECT_EQ(consumed, 4u);
  std::string error;
  EXPECT_FALSE(parsePrefix(", 4", consumed, &error));
  EXPECT_EQ(error, "column 1: expected an expression, found ','");
}

TEST_F(SymExprTest, RoundTrip) {
  const char *texts[] = {
      "0",
      "-7",
      "B0",
      "2 * B0 + 15",
      "B0 - B1",
      "-B0",
      "-B0 + 5",
      "B0 * B1 - 3 * B1 + 1",
      "(B0 + 15) floordiv 16",
      "(B0 + 15) ceildiv 16",
      "B0 floordiv B1",
      "B0 ceildiv (B1 + 1)",
      "B0 floordiv -3",
      "-B0 floordiv 2",
      "-(B0 floordiv B1)",
      "(B0 floordiv 2) * B1",
      "2 * B0 floordiv 3",
      "(A floordiv B) floordiv C",
      "A floordiv (B floordiv C)",
      "max(B0, 4)",
      "max(B0 - 5, 0)",
      "max(A, B, 7) * 2",
      "max(A * B, A + B) floordiv 4",
      "ragged<R>",
      "ragged<R> * 64",
      "ragged<R> + B",
      "ragged<R> ceildiv 16",
      "max(ragged<R>, 4)",
      "(A + B) * (A - B)",
      "(A + 1) * (A + 1) * (A + 1)",
      "x.y$z * _w",
      "9223372036854775807 + 1",
      "-9223372036854775808 - 1",
      "4611686018427387904 * 4 * B",
      "-9223372036854775808 * -1",
  };
  for (const char *text : texts) {
    Expr e = parseOrFail(text);
    std::string printed = e.str();
    std::optional<Expr> back = parse(printed);
    ASSERT_TRUE(back) << printed;
    EXPECT_EQ(*back, e) << text << " printed as " << printed;
    EXPECT_EQ(back->str(), printed);
  }
}

TEST_F(SymExprTest, RaggedAbsorption) {
  Expr rDef = symbol("R");
  EXPECT_TRUE(r.isRagged());
  EXPECT_EQ(r, ragged(rDef));
  EXPECT_EQ(r.getOperands()[0], rDef);

  Expr scaled = r * 64;
  EXPECT_TRUE(scaled.isRagged());
  EXPECT_EQ(scaled, ragged(rDef * 64));
  EXPECT_EQ(r + b, ragged(rDef + b));
  EXPECT_EQ(b - r, ragged(b - rDef));
  EXPECT_EQ(ragged(ragged(a)), ragged(a));
  EXPECT_EQ(floorDiv(r, 16), ragged(floorDiv(rDef, 16)));
  EXPECT_EQ(ceilDiv(a, r), ragged(ceilDiv(a, rDef)));
  EXPECT_EQ(max(r, constant(4)), ragged(max(rDef, constant(4))));
  EXPECT_EQ(r * ragged(a), ragged(rDef * a));
  EXPECT_EQ(r - r, ragged(constant(0)));

  // Operations that do not change the value return the same node.
  EXPECT_EQ((r * 1).getAsOpaquePointer(), r.getAsOpaquePointer());
  EXPECT_EQ(r + 0, r);
  EXPECT_EQ(floorDiv(r, 1), r);

  EXPECT_TRUE(r.containsRagged());
  EXPECT_TRUE(scaled.containsRagged());
  EXPECT_FALSE((a + b).containsRagged());
  EXPECT_FALSE(rDef.containsRagged());

  std::set<std::string> names;
  (r * b + c).collectSymbols(names);
  EXPECT_EQ(names, (std::set<std::string>{"B", "C", "R"}));

  // A ragged node evaluates to its def over the totals.
  EXPECT_EQ(evaluate(scaled, {{"R", 10}}), std::optional<int64_t>(640));
  EXPECT_EQ(evaluate(r + b, {{"R", 10}, {"B", 3}}), std::optional<int64_t>(13));
  std::string error;
  EXPECT_FALSE(evaluate(scaled, {}, &error));
  EXPECT_EQ(error, "unbound symbol 'R'");
}

TEST_F(SymExprTest, OrderIndependentOfCreation) {
  // Fresh names, created in opposite orders.
  Expr z1 = symbol("Ord1_z"), m1 = symbol("Ord1_m"), a1 = symbol("Ord1_a");
  Expr a2 = symbol("Ord2_a"), m2 = symbol("Ord2_m"), z2 = symbol("Ord2_z");
  Expr e1 = max({z1 * m1 + floorDiv(a1, 3), a1 + z1, constant(2)}) + z1 * a1;
  Expr e2 = a2 * z2 + max({constant(2), z2 + a2, floorDiv(a2, 3) + m2 * z2});
  std::string s1 = e1.str(), s2 = e2.str();
  for (std::string *s : {&s1, &s2})
    for (size_t p; (p = s->find("Ord")) != std::string::npos;)
      s->erase(p, 5);
  EXPECT_EQ(s1, s2);
  EXPECT_EQ(s1, "a * z + max(a + z, m * z + a floordiv 3, 2)");
  EXPECT_TRUE(a1 < z1);
  EXPECT_FALSE(z1 < a1);
  EXPECT_TRUE(constant(100) < a1); // constants before symbols
  EXPECT_TRUE(constant(-1) < constant(1));
  EXPECT_FALSE(a1 < a1);
}

TEST_F(SymExprTest, Hashing) {
  std::unordered_set<Expr> set = {a + b, b + a, a * b};
  EXPECT_EQ(set.size(), 2u);
  EXPECT_EQ((a + b).hash(), (b + a).hash());
  EXPECT_EQ(Expr::getFromOpaquePointer((a + b).getAsOpaquePointer()), a + b);
}

TEST_F(SymExprTest, SymbolNames) {
  EXPECT_TRUE(isValidSymbolName("B0"));
  EXPECT_TRUE(isValidSymbolName("_x.y$1"));
  EXPECT_FALSE(isValidSymbolName(""));
  EXPECT_FALSE(isValidSymbolName("0B"));
  EXPECT_FALSE(isValidSymbolName("$x"));
  EXPECT_FALSE(isValidSymbolName("a-b"));
  EXPECT_FALSE(isValidSymbolName("max"));
  EXPECT_FALSE(isValidSymbolName("ragged"));
  EXPECT_FALSE(isValidSymbolName("floordiv"));
  EXPECT_FALSE(isValidSymbolName("ceildiv"));
  EXPECT_TRUE(isValidSymbolName("maxi"));
}

/// A random expression tree, kept unsimplified next to the Expr built from
/// it, so simplification can be checked against direct evaluation.
struct RefTree {
  char op; // 'k' constant, 's' symbol, or one of + - * / \\ (ceil) m (max)
  int64_t value = 0;
  std::string name;
  std::vector<RefTree> kids;

  std::optional<int64_t> eval(const Bindings &values) const {
    if (op == 'k')
      return value;
    if (op == 's')
      return values.at(name);
    std::optional<int64_t> x = kids[0].eval(values), y = kids[1].eval(values);
    if (!x || !y)
      return std::nullopt;
    switch (op) {
    case '+':
      return *x + *y;
    case '-':
      return *x - *y;
    case '*':
      return *x * *y;
    case 'm':
      return std::max(*x, *y);
    default: {
      if (*y == 0)
        return std::nullopt;
      int64_t q = *x / *y;
      bool inexact = *x % *y != 0, positive = (*x < 0) == (*y < 0);
      return q + (op == '\\' ? (inexact && positive) : -(inexact && !positive));
    }
    }
  }
};

struct RandomExprs {
  uint64_t state = 12345;
  uint64_t next(uint64_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % n;
  }
  std::pair<RefTree, Expr> make(int depth) {
    uint64_t pick = next(depth == 0 ? 2 : 8);
    if (pick == 0) {
      int64_t v = static_cast<int64_t>(next(9)) - 2;
      return {RefTree{'k', v, "", {}}, constant(v)};
    }
    if (pick == 1) {
      std::string name(1, static_cast<char>('A' + next(3)));
      return {RefTree{'s', 0, name, {}}, symbol(name)};
    }
    const char ops[] = "+-*/\\m";
    char op = ops[next(6)];
    auto [lt, le] = make(depth - 1);
    auto [rt, re] = make(depth - 1);
    if ((op == '/' || op == '\\') && next(2)) { // mostly constant divisors
      int64_t d = static_cast<int64_t>(next(6)) + 1;
      rt = RefTree{'k', d, "", {}};
      re = constant(d);
    }
    Expr e = op == '+'   ? le + re
             : op == '-' ? le - re
             : op == '*' ? le * re
             : op == '/' ? floorDiv(le, re)
             : op == 'm' ? max(le, re)
                         : ceilDiv(le, re);
    return {RefTree{op, 0, "", {lt, rt}}, e};
  }
};

TEST(SymExprProperty, SimplificationPreservesValueAndRoundTrips) {
  RandomExprs gen;
  int compared = 0;
  for (int i = 0; i < 400; ++i) {
    auto [tree, e] = gen.make(4);
    ASSERT_EQ(parseOrFail(e.str()), e) << e;
    for (int j = 0; j < 5; ++j) {
      Bindings values = {{"A", static_cast<int64_t>(gen.next(12))},
                         {"B", static_cast<int64_t>(gen.next(12))},
                         {"C", static_cast<int64_t>(gen.next(12))}};
      std::optional<int64_t> expected = tree.eval(values);
      if (!expected)
        continue; // the tree divides by zero; simplification may drop that
      std::string error;
      EXPECT_EQ(evaluate(e, values, &error), expected)
          << e << " with A=" << values["A"] << " B=" << values["B"]
          << " C=" << values["C"] << " " << error;
      ++compared;
    }
  }
  EXPECT_GT(compared, 1000);
}

TEST(SymExprThreads, ConcurrentConstructionGivesEqualHandles) {
  constexpr int numThreads = 8;
  auto build = [] {
    std::vector<const void *> out;
    for (int i = 0; i < 200; ++i) {
      Expr x = symbol("T_x" + std::to_string(i % 17));
      Expr y = symbol("T_y" + std::to_string(i % 5));
      Expr e = floorDiv(x * y + 2 * x + i, 16) + max(x, y + 1) * ragged(y);
      out.push_back(e.getAsOpaquePointer());
      out.push_back(parse(e.str())->getAsOpaquePointer());
    }
    return out;
  };
  std::vector<std::vector<const void *>> results(numThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < numThreads; ++t)
    threads.emplace_back([&, t] { results[t] = build(); });
  for (std::thread &t : threads)
    t.join();
  for (int t = 1; t < numThreads; ++t)
    EXPECT_EQ(results[t], results[0]);
  for (size_t i = 0; i < results[0].size(); i += 2)
    EXPECT_EQ(results[0][i], results[0][i + 1]);
}

} // namespace
