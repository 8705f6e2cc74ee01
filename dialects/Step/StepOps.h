//===- StepOps.h - step dialect operators ------------------------*- C++ -*-===//
//
// Operators of the step dialect and the interfaces they implement.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_DIALECT_STEPOPS_H
#define STEP_DIALECT_STEPOPS_H

#include "dialects/Step/StepCost.h"
#include "dialects/Step/StepDialect.h"
#include "dialects/Step/StepTypes.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/Step/StepInterfaces.h.inc"

#define GET_OP_CLASSES
#include "dialects/Step/StepOps.h.inc"

namespace mlir::step {
/// The result types `op`'s shape rules give for its current operands,
/// attributes and regions; failure (with a diagnostic from the rule) if they
/// do not hold or `op` has no shape rules.
LogicalResult inferResultTypes(Operation *op, SmallVectorImpl<Type> &types);
/// Sets `op`'s result types to the ones its shape rules give.
LogicalResult refreshResultTypes(Operation *op);
} // namespace mlir::step

#endif // STEP_DIALECT_STEPOPS_H
