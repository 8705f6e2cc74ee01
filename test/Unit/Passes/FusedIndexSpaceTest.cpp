//===- FusedIndexSpaceTest.cpp - the FusedIndexSpace analysis API ---------===//
//
// What the printed report cannot show: the exact order count agrees with
// the enumeration, the enumeration is lexicographic and duplicate-free, and
// above 20 variables the count is declined rather than overflowing.
//
//===----------------------------------------------------------------------===//

#include "passes/FusedIndexSpace.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

using namespace mlir;

namespace {

/// A function of `n` unrelated 1-D copies: n index variables, no edges.
std::string independentOps(unsigned n) {
  std::string s = "#m = affine_map<(d0) -> (d0)>\n"
                  "func.func @f(%x: tensor<4xf32>, %o: tensor<4xf32>) {\n";
  for (unsigned k = 0; k < n; ++k)
    s += "  %v" + std::to_string(k) +
         " = linalg.generic {indexing_maps = [#m, #m], iterator_types = "
         "[\"parallel\"]} ins(%x : tensor<4xf32>) outs(%o : tensor<4xf32>) {\n"
         "  ^bb0(%a: f32, %b: f32):\n    linalg.yield %a : f32\n"
         "  } -> tensor<4xf32>\n";
  return s + "  return\n}\n";
}

class FusedIndexSpaceTest : public ::testing::Test {
protected:
  FusedIndexSpaceTest() {
    ctx.loadDialect<func::FuncDialect, linalg::LinalgDialect,
                    arith::ArithDialect, tensor::TensorDialect>();
  }
  FailureOr<mlir::step::FusedIndexSpace> analyze(const std::string &text) {
    module = parseSourceString<ModuleOp>(text, &ctx);
    if (!module)
      return failure();
    func::FuncOp f = *module->getOps<func::FuncOp>().begin();
    return mlir::step::FusedIndexSpace::build(f, {});
  }
  MLIRContext ctx;
  OwningOpRef<ModuleOp> module;
};

TEST_F(FusedIndexSpaceTest, CountMatchesEnumeration) {
  auto fis = analyze(independentOps(7));
  ASSERT_TRUE(succeeded(fis));
  EXPECT_EQ(fis->getIndexVars().size(), 7u);
  EXPECT_TRUE(fis->getEdges().empty());
  EXPECT_FALSE(fis->findCycle());
  ASSERT_TRUE(fis->countOrders().has_value());
  EXPECT_EQ(*fis->countOrders(), 5040u);
  auto orders = fis->enumerateOrders(100000);
  EXPECT_EQ(orders.size(), 5040u);
  std::set<std::vector<unsigned>> distinct;
  for (auto &o : orders)
    distinct.insert(std::vector<unsigned>(o.begin(), o.end()));
  EXPECT_EQ(distinct.size(), 5040u);
  // Lexicographic: sorted, starting at the identity.
  EXPECT_TRUE(std::is_sorted(orders.begin(), orders.end()));
  EXPECT_EQ(orders.front(), (llvm::SmallVector<unsigned>{0, 1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(orders.back(), (llvm::SmallVector<unsigned>{6, 5, 4, 3, 2, 1, 0}));
}

TEST_F(FusedIndexSpaceTest, CapsEnumerationAndDeclinesLargeCounts) {
  auto fis = analyze(independentOps(21));
  ASSERT_TRUE(succeeded(fis));
  EXPECT_EQ(fis->getIndexVars().size(), 21u);
  EXPECT_FALSE(fis->countOrders().has_value()); // 21! overflows 64 bits
  auto orders = fis->enumerateOrders(3);
  ASSERT_EQ(orders.size(), 3u);
  EXPECT_EQ(orders[1][19], 20u); // the second order swaps the last two
  EXPECT_EQ(orders[1][20], 19u);

  auto twenty = analyze(independentOps(20));
  ASSERT_TRUE(succeeded(twenty));
  ASSERT_TRUE(twenty->countOrders().has_value());
  EXPECT_EQ(*twenty->countOrders(), 2432902008176640000ull); // 20!
}

} // namespace
