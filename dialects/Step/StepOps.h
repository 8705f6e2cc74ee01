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

/// Whether `use` reads the stream. The `feedback` operand of
/// step.feedback_connect only names the feedback edge it supplies.
inline bool isStreamConsumer(OpOperand &use) {
  return !(isa<FeedbackConnectOp>(use.getOwner()) &&
           use.getOperandNumber() == 1);
}
/// The uses of a stream value that read it.
inline unsigned countStreamConsumers(Value v) {
  unsigned n = 0;
  for (OpOperand &use : v.getUses())
    n += isStreamConsumer(use);
  return n;
}

/// The `derive` attribute of step.metadata_gen: what it computes from the
/// bound integers x_i (Index: i; Tiles: ceil((x_i + 1) / n); Offset:
/// x_i mod n).
struct MetadataDerivation {
  enum Kind { Index, Tiles, Offset } kind = Index;
  int64_t n = 0;
};
/// Parses "index", "tiles<N>" or "offset<N>" (N > 0); nullopt otherwise.
std::optional<MetadataDerivation> parseMetadataDerivation(StringRef text);
/// Sets `op`'s result types to the ones its shape rules give.
LogicalResult refreshResultTypes(Operation *op);
} // namespace mlir::step

#endif // STEP_DIALECT_STEPOPS_H
