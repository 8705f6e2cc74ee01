//===- LayerSupport.h - pieces shared by the layer builders -----*- C++ -*-===//
//
// Internal to StepFrontends: the layer function's frame (creation, final
// checks, module attributes) and the SwiGLU expert pipeline that the MoE
// layer runs per expert and the dense FFN runs once.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_FRONTENDS_LAYERS_LAYERSUPPORT_H
#define STEP_FRONTENDS_LAYERS_LAYERSUPPORT_H

#include "frontends/layers/Config.h"
#include "frontends/layers/StreamBuilder.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::step::frontends {

/// Checks the parameters (emitting the error at `loc`), then creates the
/// empty function `name` at the builder's insertion point and moves the
/// insertion point into it. Null after an error.
func::FuncOp beginLayer(OpBuilder &builder, Location loc, LayerKind kind,
                        const ModelConfig &config,
                        const ScheduleOptions &options, llvm::StringRef name);

/// Ends the function with a return, verifies it and records the module-level
/// options; erases it and returns null if anything failed.
func::FuncOp finishLayer(OpBuilder &builder, Location loc, func::FuncOp func,
                         const StreamBuilder &streams,
                         const ScheduleOptions &options);

/// The function name for a layer: `<prefix>_tile<N>` or `<prefix>_dyn`.
std::string layerName(llvm::StringRef prefix, const ScheduleOptions &options);

/// One SwiGLU expert, (silu(x W1) * (x W3)) W2, over `tokens` (a stream
/// `[N]` of `tile<1xDxbf16>` rows): token tiles (static: reshape into padded
/// chunks; dynamic: promote, one tile of all N rows) packed by an
/// accumulating retile_rows; the F/tile_F weight tiles of each of W1, W3, W2
/// (`[D, F]`, `[D, F]`, `[F, D]`, bf16) loaded once per token tile; the two
/// up-projections, SiLU, gating product and the accumulated down-projection
/// in f32; split back into rows. Returns `[N]` of `tile<1xDxf32>`.
Value buildSwiGLUExpert(StreamBuilder &streams, Value tokens,
                        const ModelConfig &config,
                        const ScheduleOptions &options, llvm::StringRef w1,
                        llvm::StringRef w3, llvm::StringRef w2);

} // namespace mlir::step::frontends

#endif // STEP_FRONTENDS_LAYERS_LAYERSUPPORT_H
