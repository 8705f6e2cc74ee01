//===- InferShapesTest.cpp - --step-infer-shapes on mutated graphs --------===//
//
// The verifier rejects stale types in text, so the pass (which repairs types
// after in-memory rewrites) is tested by rewriting a graph in C++.
//
//===----------------------------------------------------------------------===//

#include "dialects/Step/StepOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

using namespace mlir;

namespace {
const char *kGraph = R"mlir(
func.func @retile(%e: !step.stream<[B0], tile<1x64xbf16>>) {
  %c, %pad = step.reshape %e rank 0 chunk 16 : !step.stream<[B0], tile<1x64xbf16>>
  %r = step.repeat %c count 4 : !step.stream<[(B0 + 15) floordiv 16, 16], tile<1x64xbf16>>
  %f = step.flatten %r ranks 0 to 1 : !step.stream<[(B0 + 15) floordiv 16, 16, 4], tile<1x64xbf16>>
  step.linear_store %f to "y" [64, 64] : !step.stream<[(B0 + 15) floordiv 16, 64], tile<1x64xbf16>>
  return
}
)mlir";

class InferShapesTest : public ::testing::Test {
protected:
  InferShapesTest() {
    ctx.loadDialect<mlir::step::StepDialect, func::FuncDialect>();
    module = parseSourceString<ModuleOp>(kGraph, &ctx);
  }
  std::string typeOf(Value v) {
    std::string s;
    llvm::raw_string_ostream os(s);
    os << v.getType();
    return s;
  }
  MLIRContext ctx;
  OwningOpRef<ModuleOp> module;
};

TEST_F(InferShapesTest, PropagatesAChangedChunk) {
  ASSERT_TRUE(module);
  mlir::step::ReshapeOp reshape;
  mlir::step::FlattenOp flatten;
  module->walk([&](mlir::step::ReshapeOp op) { reshape = op; });
  module->walk([&](mlir::step::FlattenOp op) { flatten = op; });
  reshape.setChunk(32);
  // Stale before the pass.
  EXPECT_EQ(typeOf(flatten.getResult()),
            "!step.stream<[(B0 + 15) floordiv 16, 64], tile<1x64xbf16>>");
  PassManager pm(&ctx);
  pm.addPass(mlir::step::createStepInferShapes());
  ASSERT_TRUE(succeeded(pm.run(*module)));
  EXPECT_EQ(typeOf(flatten.getResult()),
            "!step.stream<[(B0 + 31) floordiv 32, 128], tile<1x64xbf16>>");
  EXPECT_TRUE(succeeded(mlir::verify(*module)));
}

TEST_F(InferShapesTest, ReportsAnOperatorWhoseRulesNoLongerHold) {
  ASSERT_TRUE(module);
  mlir::step::FlattenOp flatten;
  module->walk([&](mlir::step::FlattenOp op) { flatten = op; });
  flatten.setMax(7); // beyond the stream's rank
  std::string diag;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
    diag += d.str() + "\n";
    return success();
  });
  PassManager pm(&ctx);
  pm.addPass(mlir::step::createStepInferShapes());
  EXPECT_TRUE(failed(pm.run(*module)));
  EXPECT_NE(diag.find("expected ranks 0 <= min < max < 3"), std::string::npos)
      << diag;
  EXPECT_NE(diag.find("shape inference failed at this operator"),
            std::string::npos)
      << diag;
}
} // namespace
