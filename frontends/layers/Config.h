//===- Config.h - model dimensions and schedule options ---------*- C++ -*-===//
//
// What a layer builder needs to know: the model's dimensions (named configs
// of the models STeP evaluates, reference/step.md §7.1, with per-field
// overrides) and the schedule to build it with (tiling, compute bandwidth,
// channel depth, batch size).
//
//===----------------------------------------------------------------------===//

#ifndef STEP_FRONTENDS_LAYERS_CONFIG_H
#define STEP_FRONTENDS_LAYERS_CONFIG_H

#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir::step::frontends {

/// Dimensions of a model's MoE and attention layers.
struct ModelConfig {
  std::string name;
  // MoE: routed experts, experts per token, hidden size, expert FFN size.
  int64_t numExperts = 0;
  int64_t topK = 0;
  int64_t dim = 0;
  int64_t interDim = 0;
  // Attention (decode, grouped-query): recorded for the attention builder.
  int64_t numHeads = 0;
  int64_t numKVHeads = 0;
  int64_t headDim = 0;
};

/// Fields to replace in a named config; unset fields keep its value.
struct ModelOverrides {
  std::optional<int64_t> numExperts, topK, dim, interDim;
};

/// The named configs: qwen3-30b-a3b and mixtral-8x7b, as STeP's artifact
/// uses them (reference/step.md §7.1; Qwen's head_dim is the artifact's 64).
llvm::ArrayRef<ModelConfig> getKnownModelConfigs();

/// The named config `name`; std::nullopt and, if given, an error listing the
/// known names when there is none.
std::optional<ModelConfig> lookupModelConfig(llvm::StringRef name,
                                             std::string *error = nullptr);

/// `config` with the set fields of `overrides` replaced.
ModelConfig applyOverrides(ModelConfig config, const ModelOverrides &overrides);

/// How a layer is scheduled onto streams.
struct ScheduleOptions {
  /// Tokens in the batch (the rows of the input).
  int64_t batch = 64;
  /// Token rows per tile (static tiling: `reshape` into padded chunks), or
  /// std::nullopt for dynamic tiling (`promote`: each expert packs all its
  /// tokens into one dynamically shaped tile).
  std::optional<int64_t> tileRows = 16;
  /// Columns of the W1/W3 tiles (rows of the W2 tiles); must divide the
  /// intermediate size.
  int64_t tileF = 64;
  /// FLOPs per cycle given to every map and accumulation (attribute
  /// `compute_bw`); unset leaves it to the simulator's architecture.
  std::optional<int64_t> computeBw;
  /// FIFO depth, recorded as the module attribute `step.channel_depth`.
  std::optional<int64_t> channelDepth;

  // Attention decode (LayerKind::Attention).
  /// KV-cache rows reserved per request (STeP's maxN); a multiple of
  /// kvTileRows.
  int64_t maxKV = 6464;
  /// Cache rows per K/V tile (STeP's tile_N).
  int64_t kvTileRows = 32;
  /// FIFO depth of the explicit idx/seq_len/offset broadcasts' outputs and
  /// of the K/V write-back (STeP's stated 16 and 4); 0 leaves those
  /// channels at the default depth.
  int64_t metadataDepth = 16;
  int64_t writeBackDepth = 4;

  bool isDynamicTiling() const { return !tileRows; }
};

/// Parses a tiling: a positive integer (token rows per tile) or "dyn".
LogicalResult parseTiling(llvm::StringRef text, ScheduleOptions &options,
                          std::string &error);

/// The layers the builders know.
enum class LayerKind { MoE, SwiGLUFFN, Attention };

/// Checks that `config` and `options` describe a layer of `kind` that can be
/// built; `error` says what is wrong otherwise.
LogicalResult validate(LayerKind kind, const ModelConfig &config,
                       const ScheduleOptions &options, std::string &error);

} // namespace mlir::step::frontends

#endif // STEP_FRONTENDS_LAYERS_CONFIG_H
