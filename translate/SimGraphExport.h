//===- SimGraphExport.h - step dialect to SimGraph ---------------*- C++ -*-===//
//
// Translates a function of step operators into the simulator's protobuf
// SimGraph: one operator per stream op, one channel per stream, tile-op
// regions in SSA form. This is the only place that knows both MLIR and the
// simulator's interchange format.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_TRANSLATE_SIMGRAPHEXPORT_H
#define STEP_TRANSLATE_SIMGRAPHEXPORT_H

#include "simulator/proto/sim_graph.pb.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringRef.h"

namespace mlir::step {

/// Exports the function `funcName` (or, when empty, the only function that
/// holds step operators) of `module`. Streams with several uses get explicit
/// broadcasts first and the graph is verified (--step-verify-graph); errors
/// are emitted as diagnostics at the offending operation.
LogicalResult exportSimGraph(ModuleOp module, llvm::StringRef funcName,
                             ::step::sim::proto::SimGraph &graph);

} // namespace mlir::step

#endif // STEP_TRANSLATE_SIMGRAPHEXPORT_H
