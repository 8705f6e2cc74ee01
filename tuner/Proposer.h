//===- Proposer.h - who proposes the next transformations -------*- C++ -*-===//
//
// At an MCTS expansion a proposer reads the context (layer and architecture
// summaries, the current schedule with its parent and grandparent and their
// simulated metrics, the vocabulary, the transformations already tried from
// the current schedule, remembered successful sequences for the layer kind)
// and returns up to `count` proposals as text. A proposal is one
// transformation ("regions=16", "tile_f+") or a comma-separated sequence of
// them applied in order to make one child. validateProposals checks every
// proposal against the vocabulary; an invalid one is replaced by a random
// legal transformation and counted.
//
// Built in: "heuristic" (the default; reads the metrics and moves the
// parameters whose stated mechanism relieves the bottleneck) and "random".
// Others register a factory: the language-model proposer (tuner/llm/)
// registers "llm" with registerProposer.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_TUNER_PROPOSER_H
#define STEP_TUNER_PROPOSER_H

#include "tuner/Evaluator.h"
#include "tuner/Space.h"

#include <functional>
#include <optional>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace step::tune {

/// One schedule of the lineage shown to a proposer.
struct ScheduleView {
  Schedule schedule;
  std::vector<Transformation> sequence; ///< from the baseline, in order
  std::string key;                      ///< Space::key
  std::string pipeline;                 ///< Commands::shell
  Metrics metrics;
};

/// A remembered successful sequence for a layer kind.
struct MemoryExample {
  std::string kind;
  std::string sequence; ///< "tiling=dyn,regions=16"
  double speedup = 0;   ///< baseline cycles / cycles
};

struct ProposalContext {
  const Workload *workload = nullptr;
  std::string layerSummary, archSummary;
  /// lineage[0] is the current schedule, [1] its parent, [2] grandparent.
  std::vector<ScheduleView> lineage;
  std::vector<std::string> vocabulary;
  /// Transformations already applied to the current schedule (its children).
  std::vector<Transformation> tried;
  std::vector<MemoryExample> examples;
  int64_t baselineCycles = 0;
  unsigned count = 2; ///< proposals wanted (the branching factor)
  /// Static estimate of a schedule's work (FLOPs + numbers moved) without
  /// simulating it, or nullopt; empty when the workload has none or
  /// estimates are off (--no-estimates). The heuristic proposer uses it
  /// to pick the loop orders of a fusion plan it switches to.
  std::function<std::optional<double>(const Schedule &)> estimate;
};

class Proposer {
public:
  virtual ~Proposer() = default;
  virtual std::string name() const = 0;
  /// Up to ctx.count proposals (more are ignored). Must not throw; an empty
  /// answer is allowed (every slot then falls back).
  virtual std::vector<std::string> propose(const ProposalContext &ctx,
                                           std::mt19937_64 &rng) = 0;
};

struct ProposerOptions {
  uint64_t seed = 0;
  std::string llmUrl, llmModel;
  double llmTimeoutSeconds = 60;
  std::string apiKeyEnv =
      "STEP_TUNE_API_KEY";            ///< the key is read, never logged
  std::string recordFile, replayFile; ///< exchange record/replay
};

using ProposerFactory = std::function<std::unique_ptr<Proposer>(
    const ProposerOptions &, std::string &error)>;
/// Registers (or replaces) a proposer by name.
void registerProposer(const std::string &name, ProposerFactory factory);
/// The proposer `name`; nullptr and `error` when unknown or when its
/// factory fails. "heuristic" and "random" are always there.
std::unique_ptr<Proposer> createProposer(const std::string &name,
                                         const ProposerOptions &options,
                                         std::string &error);
std::vector<std::string> proposerNames();

struct ProposalStats {
  int64_t calls = 0;      ///< expansions that asked the proposer
  int64_t proposals = 0;  ///< slots filled (count per call)
  int64_t invalid = 0;    ///< proposals rejected by the vocabulary
  int64_t duplicates = 0; ///< valid but leading to a schedule already tried
  int64_t fallbacks = 0;  ///< slots filled by a random legal transformation
  int64_t estimates = 0;  ///< static estimates computed (no simulation)
};

/// One validated child of the current schedule.
struct Proposal {
  std::vector<Transformation> sequence;
  Schedule schedule;
  bool fallback = false;
};

/// Validates `raw` against the space from `from`, keeps up to `count`
/// proposals whose schedule `isNew` accepts, and fills the remaining slots
/// with random legal transformations leading to new schedules (fewer if
/// none is left). Invalid, duplicate and fallback counts go to `stats`.
std::vector<Proposal>
validateProposals(const Space &space, const Schedule &from,
                  const std::vector<std::string> &raw, unsigned count,
                  const std::function<bool(const Schedule &)> &isNew,
                  std::mt19937_64 &rng, ProposalStats &stats);

/// The memory of successful sequences: a text file of lines
/// KIND<TAB>SEQUENCE<TAB>SPEEDUP.
std::vector<MemoryExample> loadMemory(const std::string &path,
                                      const std::string &kind);
bool appendMemory(const std::string &path, const MemoryExample &example);

} // namespace step::tune

#endif // STEP_TUNER_PROPOSER_H
