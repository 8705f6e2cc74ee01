//===- Config.cpp - model dimensions and schedule options -----------------===//
//
// The named model configs, their lookup and overrides, and the checks that
// keep the builders from being asked for a layer they cannot build.
//
//===----------------------------------------------------------------------===//

#include "frontends/layers/Config.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::step::frontends;

namespace {
// Every expert is a branch of the graph with a dozen operators; a partition
// with more outputs than this is a typo, not a model.
constexpr int64_t kMaxExperts = 1 << 16;

const ModelConfig kModels[] = {
    // reference/step.md §7.1: the artifact's Qwen3-30B-A3B (head_dim 64, not
    // the public config's 128) and Mixtral-8x7B.
    {"qwen3-30b-a3b", /*numExperts=*/128, /*topK=*/8, /*dim=*/2048,
     /*interDim=*/768, /*numHeads=*/32, /*numKVHeads=*/4, /*headDim=*/64},
    {"mixtral-8x7b", /*numExperts=*/8, /*topK=*/2, /*dim=*/4096,
     /*interDim=*/14336, /*numHeads=*/32, /*numKVHeads=*/8, /*headDim=*/128},
};
} // namespace

llvm::ArrayRef<ModelConfig> mlir::step::frontends::getKnownModelConfigs() {
  return kModels;
}

std::optional<ModelConfig>
mlir::step::frontends::lookupModelConfig(llvm::StringRef name,
                                         std::string *error) {
  for (const ModelConfig &m : kModels)
    if (m.name == name)
      return m;
  if (error) {
    llvm::raw_string_ostream os(*error);
    os << "unknown model '" << name << "'; known models: ";
    llvm::interleaveComma(kModels, os,
                          [&](const ModelConfig &m) { os << m.name; });
  }
  return std::nullopt;
}

ModelConfig mlir::step::frontends::applyOverrides(ModelConfig config,
                                                  const ModelOverrides &o) {
  if (o.numExperts)
    config.numExperts = *o.numExperts;
  if (o.topK)
    config.topK = *o.topK;
  if (o.dim)
    config.dim = *o.dim;
  if (o.interDim)
    config.interDim = *o.interDim;
  return config;
}

LogicalResult mlir::step::frontends::parseTiling(llvm::StringRef text,
                                                 ScheduleOptions &options,
                                                 std::string &error) {
  if (text == "dyn") {
    options.tileRows = std::nullopt;
    return success();
  }
  int64_t rows;
  if (text.getAsInteger(10, rows) || rows < 1) {
    error = ("the tiling must be a positive integer (token rows per tile) or "
             "'dyn', got '" +
             text + "'")
                .str();
    return failure();
  }
  options.tileRows = rows;
  return success();
}

/// True if v >= 1; otherwise says so on `os`.
static bool requirePositive(llvm::raw_ostream &os, llvm::StringRef what,
                            int64_t v) {
  if (v >= 1)
    return true;
  os << what << " must be positive, got " << v;
  return false;
}

/// The attention-decode checks (LayerKind::Attention).
static LogicalResult validateAttention(const ModelConfig &config,
                                       const ScheduleOptions &options,
                                       std::string &error) {
  llvm::raw_string_ostream os(error);
  auto positive = [&](llvm::StringRef what, int64_t v) {
    return requirePositive(os, what, v);
  };
  if (!positive("the head dimension", config.headDim) ||
      !positive("the number of heads", config.numHeads) ||
      !positive("the number of KV heads", config.numKVHeads) ||
      !positive("the KV tile rows (tile_N)", options.kvTileRows) ||
      !positive("the KV-cache rows per request (max-kv)", options.maxKV))
    return failure();
  if (config.numHeads % config.numKVHeads != 0) {
    os << "the " << config.numKVHeads << " KV heads do not divide the "
       << config.numHeads << " heads";
    return failure();
  }
  if (options.metadataDepth < 0 || options.writeBackDepth < 0) {
    os << "FIFO depths must be non-negative (0: the default depth)";
    return failure();
  }
  if (options.maxKV % options.kvTileRows != 0) {
    os << "tile_N " << options.kvTileRows
       << " does not divide the KV-cache rows per request " << options.maxKV;
    return failure();
  }
  if (options.batch > (int64_t(1) << 20) ||
      options.maxKV > (int64_t(1) << 24)) {
    os << "batch or max-kv too large";
    return failure();
  }
  return success();
}

LogicalResult mlir::step::frontends::validate(LayerKind kind,
                                              const ModelConfig &config,
                                              const ScheduleOptions &options,
                                              std::string &error) {
  llvm::raw_string_ostream os(error);
  auto positive = [&](llvm::StringRef what, int64_t v) {
    return requirePositive(os, what, v);
  };
  // The schedule options every layer shares.
  if (!positive("the batch size", options.batch) ||
      (options.computeBw &&
       !positive("the compute bandwidth", *options.computeBw)) ||
      (options.channelDepth &&
       !positive("the channel depth", *options.channelDepth)))
    return failure();
  if (kind == LayerKind::Attention)
    return validateAttention(config, options, error);
  if (!positive("the hidden size (dim)", config.dim) ||
      !positive("the intermediate size (inter)", config.interDim) ||
      !positive("tile_F", options.tileF))
    return failure();
  if (options.tileRows && !positive("the token tile size", *options.tileRows))
    return failure();
  if (config.interDim % options.tileF != 0) {
    os << "tile_F " << options.tileF
       << " does not divide the intermediate size " << config.interDim;
    return failure();
  }
  if (kind == LayerKind::MoE) {
    if (!positive("the number of experts", config.numExperts) ||
        !positive("top-k", config.topK))
      return failure();
    if (config.numExperts > kMaxExperts) {
      os << "at most " << kMaxExperts << " experts, got " << config.numExperts;
      return failure();
    }
    if (config.topK > config.numExperts) {
      os << "top-k " << config.topK << " exceeds the number of experts "
         << config.numExperts;
      return failure();
    }
  }
  return success();
}
