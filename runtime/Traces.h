//===- Traces.h - expert-routing and KV-length traces -----------*- C++ -*-===//
//
// Reads the real traces the LLM layers are driven by (data/traces/README.md):
// per-token expert routing for select_gen, KV-cache lengths for metadata_gen,
// and per-layer expert counts from which routing is sampled when no
// token-level trace exists. Every reader checks its file completely and
// reports bad input as sim::InputError naming the file and line. No MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_RUNTIME_TRACES_H
#define STEP_RUNTIME_TRACES_H

#include "simulator/Simulator.h"

#include <cstdint>
#include <string>
#include <vector>

namespace step::runtime {

//===----------------------------------------------------------------------===//
// Expert routing
//===----------------------------------------------------------------------===//

/// Reads a routing trace: the header `token,expert_0,...,expert_{k-1}`, then
/// one row per token, tokens numbered 0, 1, ... in order, each row naming k
/// distinct experts in [0, experts). When `topk` > 0 the file's k must equal
/// it. Returns an integer tensor [tokens, k].
sim::Tensor loadRoutingCsv(const std::string &path, int64_t experts,
                           int64_t topk);

/// Writes `routing` (an integer tensor [tokens, k]) in the format
/// loadRoutingCsv reads. Atomic (a temporary file moved into place) and
/// never replaces an existing file.
void writeRoutingCsv(const std::string &path, const sim::Tensor &routing);

/// Which rows of an expert-count file to use. The two supported formats are
/// the OLMoE routing counts (`source_folder,model,num_experts,top_k,domain,
/// variant,layer,expert,count`; only the `topk` variant is used) and Fiddler's
/// Mixtral popularity (`model_variant,mmlu_subject,total_input_tokens,layer,
/// expert,count`).
struct CountsSelector {
  /// `source_folder` or `model` (OLMoE file), `model_variant` (Fiddler file).
  /// Empty: the file must hold a single model.
  std::string model;
  /// `domain` (OLMoE file) or `mmlu_subject` (Fiddler file). Empty: the
  /// counts of every domain are summed.
  std::string domain;
};

/// Per-expert selection counts of one layer of one model.
struct ExpertCounts {
  std::string model;   ///< as named in the file
  int64_t experts = 0; ///< number of experts of the model
  /// The model's top-k: the OLMoE file's `top_k` column; 2 for Fiddler's
  /// (all Mixtral-8x7B, as its source documents).
  int64_t fileTopk = 0;
  std::vector<int64_t> count; ///< [experts], summed over the selected rows
};

/// Reads the counts of `layer` from an expert-count file.
ExpertCounts loadExpertCounts(const std::string &path, int64_t layer,
                              const CountsSelector &select = {});

/// Draws `tokens` routing rows of `topk` distinct experts each whose expected
/// per-expert frequencies equal the counts' (expert e is chosen by a token
/// with probability min(1, c * count_e), the cap redistributed; see
/// Traces.cpp). Deterministic for a seed on every platform: std::mt19937_64
/// and explicit arithmetic, no std:: distributions. Only the marginals are
/// real: the count files carry no joint (per-token) information.
sim::Tensor sampleRouting(const ExpertCounts &counts, int64_t tokens,
                          int64_t topk, uint64_t seed);
/// loadExpertCounts then sampleRouting. The model's top-k must match the
/// file's where the file states one.
sim::Tensor sampleRouting(const std::string &countsFile, int64_t layer,
                          int64_t tokens, int64_t topk, uint64_t seed,
                          const CountsSelector &select = {});

//===----------------------------------------------------------------------===//
// KV-cache lengths
//===----------------------------------------------------------------------===//

/// ContextTokens of data rows firstRow..lastRow (1-based, inclusive, header
/// excluded: STeP's `conv_stdev996_4007_4070.npy` is rows 4007..4070) of the
/// Azure LLM inference trace (`TIMESTAMP,ContextTokens,GeneratedTokens`), as
/// a 1-D integer tensor.
sim::Tensor loadAzureKvLengths(const std::string &path, int64_t firstRow,
                               int64_t lastRow);

/// The KV lengths (`kv_len_context_tokens`, in slot order) of batch
/// `batchId` (for example `b64_s4007_e4070`) of the STeP batch file
/// step_kv_batches_azure2023_conv.csv, as a 1-D integer tensor.
sim::Tensor loadKvBatch(const std::string &path, const std::string &batchId);

/// The batch ids of a STeP batch file, in file order.
std::vector<std::string> listKvBatches(const std::string &path);

} // namespace step::runtime

#endif // STEP_RUNTIME_TRACES_H
