//===- Layers.h - layer builders --------------------------------*- C++ -*-===//
//
// Builds model layers as functions of step operators with the MLIR builder
// API: the MoE layer of STeP's Figure 2 (reference/step.md §3.3) and a dense
// SwiGLU FFN. See frontends/README.md.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_FRONTENDS_LAYERS_LAYERS_H
#define STEP_FRONTENDS_LAYERS_LAYERS_H

#include "frontends/layers/Config.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace mlir::step::frontends {

/// The MoE layer: the batch's tokens partitioned over the experts by a top-k
/// routing read at run time ("routing"), a SwiGLU expert per output with its
/// weights ("w1_e<i>", "w3_e<i>", "w2_e<i>") streamed from HBM in tile_F-wide
/// tiles once per token tile, the routing weights ("routing_weights")
/// applied, a reassemble back to token order and the sum over the top-k,
/// stored to "output". Static tiling reshapes each expert's tokens into
/// padded tiles of `tileRows` rows; dynamic tiling packs them into one tile.
/// The graph is op for op the one examples/moe_expert/gen_moe.py writes.
///
/// The function (`moe_tile<N>` or `moe_dyn`) is created at `builder`'s
/// insertion point, which is left after it. On invalid parameters an error
/// is emitted at `loc` and a null function returned.
func::FuncOp buildMoELayer(OpBuilder &builder, Location loc,
                           const ModelConfig &config,
                           const ScheduleOptions &options);

/// A dense SwiGLU FFN: the MoE layer's expert pipeline applied to all tokens
/// of the batch (no routing, no gating), weights "w1", "w3", "w2", input
/// "input", output "output". Function `ffn_tile<N>` or `ffn_dyn` (one tile
/// of the whole batch). The expert count and top-k of `config` are unused.
func::FuncOp buildSwiGLUFFN(OpBuilder &builder, Location loc,
                            const ModelConfig &config,
                            const ScheduleOptions &options);

/// Grouped-query attention decode of one KV head over a KV cache, all
/// `options.batch` requests in one region (STeP §8.3, build_flashattn_graph):
/// q ("q", [B*qpk, head_dim], qpk = heads / KV heads), the new k and v rows
/// ("k", "v", [B, head_dim]), caches "k_cache" and "v_cache" ([B*maxKV,
/// head_dim], bf16, in tiles of kvTileRows rows), output "output". The
/// per-request metadata idx, seq_len and offset are all derived from one
/// runtime input "kv_lens" (the KV lengths). Function
/// `attention_decode_b<B>`.
func::FuncOp buildAttentionDecode(OpBuilder &builder, Location loc,
                                  const ModelConfig &config,
                                  const ScheduleOptions &options);

/// A new module holding the layer (and, if set, the channel depth as the
/// module attribute `step.channel_depth`). Loads the dialects it needs.
/// Null after an error (emitted at `loc`).
OwningOpRef<ModuleOp> buildLayerModule(MLIRContext *context, Location loc,
                                       LayerKind kind,
                                       const ModelConfig &config,
                                       const ScheduleOptions &options);

} // namespace mlir::step::frontends

#endif // STEP_FRONTENDS_LAYERS_LAYERS_H
