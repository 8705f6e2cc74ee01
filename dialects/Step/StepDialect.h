//===- StepDialect.h - the step dialect --------------------------*- C++ -*-===//
//
// Declares the step dialect. Include StepOps.h for ops and StepTypes.h for
// types.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_DIALECT_STEPDIALECT_H
#define STEP_DIALECT_STEPDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialects/Step/StepDialect.h.inc"

#endif // STEP_DIALECT_STEPDIALECT_H
