//===- step-opt.cpp - the step optimizer driver ---------------------------===//
//
// mlir-opt for the step toolchain: the step dialect, the upstream dialects
// step programs come from (func, arith, math, linalg, tensor,
// sparse_tensor), the step-* passes and the generic transformation passes.
//
//===----------------------------------------------------------------------===//

#include "dialects/Step/StepDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SparseTensor/IR/SparseTensor.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::step::StepDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::linalg::LinalgDialect,
                  mlir::math::MathDialect, mlir::tensor::TensorDialect,
                  mlir::sparse_tensor::SparseTensorDialect>();
  mlir::registerTransformsPasses();
  mlir::step::registerStepPasses();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "step optimizer: streaming tensor programs\n", registry));
}
