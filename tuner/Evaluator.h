//===- Evaluator.h - simulate schedules, once each --------------*- C++ -*-===//
//
// The Evaluator runs a schedule's commands (the built step-gen, step-opt and
// step-sim, as subprocesses: the printed command line and the evaluation are
// then the same argv), reads step-sim's JSON statistics and checks the
// result against the architecture's limits. A transposition table keyed by
// the canonical schedule means a schedule is never simulated twice; it can
// be persisted to a file shared by several runs.
//
// The Harness is what a search strategy sees: it evaluates batches of
// schedules (TBB, results in batch order), counts the distinct schedules
// each run has evaluated (its samples, the budget), keeps the best, the
// convergence trace and the stderr progress lines.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_TUNER_EVALUATOR_H
#define STEP_TUNER_EVALUATOR_H

#include "tuner/Workload.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace step::tune {

struct OpSummary {
  std::string kind;
  std::string location;
  double utilization = 0; ///< busy / cycles
  double stalled = 0;     ///< (stalled in + stalled out) / cycles
  int64_t computeBw = 0;
};

struct Metrics {
  bool feasible = false;
  std::string reason; ///< why infeasible (tool error, limit exceeded)
  int64_t cycles = 0;
  int64_t offchipBytes = 0;              ///< read + written
  int64_t onchipBytes = 0;               ///< measured peak
  double allocatedFlops = 0;             ///< FLOPs/cycle allocated
  double achievedFlops = 0;              ///< FLOPs/cycle achieved
  double offchipUse = 0;                 ///< off-chip bytes / cycle / peak
  std::vector<OpSummary> hottest;        ///< up to 3 busiest operators
  Pressure pressure = Pressure::OffChip; ///< the dominant bottleneck
  double utilization() const {
    return allocatedFlops > 0 ? achievedFlops / allocatedFlops : 0;
  }
  std::string describe() const; ///< one line for logs and prompts
  std::string toJson() const;
  static bool fromJson(const std::string &text, Metrics &out);
};

/// Limits read from the arch file.
struct ArchLimits {
  std::string name;
  int64_t computeUnits = 0, flopsPerUnit = 0;
  int64_t memoryUnits = 0, bytesPerMemoryUnit = 0;
  double offchipBytesPerCycle = 0;
  double totalFlops() const { return double(computeUnits) * flopsPerUnit; }
  double totalOnchip() const {
    return double(memoryUnits) * bytesPerMemoryUnit;
  }
  std::string summary() const;
  static bool load(const std::string &path, ArchLimits &out,
                   std::string &error);
};

/// Classifies simulator statistics: feasibility against `limits` and the
/// dominant pressure. Exposed for tests.
void classify(Metrics &m, const ArchLimits &limits);
/// Parses step-sim --stats json into `m` (not yet classified).
bool parseSimStats(const std::string &json, Metrics &m, std::string &error);
/// Parses frontends/torch/run-step --json into `m` (not yet classified):
/// total cycles, off-chip bytes and FLOPs; the largest region peak on-chip
/// and allocated FLOPs/cycle (regions run one after another); the busiest
/// operators weighted by their region's share of the cycles; the pressure
/// from the busiest operator of the region with the most cycles. A result
/// that differs from PyTorch's is infeasible.
bool parseRunStepJson(const std::string &json, Metrics &m, std::string &error);

class Evaluator {
public:
  /// `toolsDir`: where step-gen, step-opt, step-sim, step-trace are.
  Evaluator(const Workload &workload, ArchLimits limits, std::string toolsDir,
            std::string cacheFile, int timeoutSeconds);
  ~Evaluator();
  /// Creates the work directory and runs the workload's setup; false and
  /// `error` on failure.
  bool init(std::string &error);
  /// Metrics of the canonical schedule `s`, from the table or simulated.
  Metrics evaluate(const Schedule &s);
  /// Seeds the table (tests; a fake simulator).
  void preload(const std::string &key, const Metrics &m);
  /// The table's entry for a canonical schedule, if any.
  std::optional<Metrics> lookup(const Schedule &s);
  /// Records metrics computed elsewhere (another MPI rank) as a simulation
  /// of this evaluator: table, file and count.
  void store(const Schedule &s, const Metrics &m);
  /// Replaces the subprocess run (tests): maps a schedule to metrics.
  std::function<Metrics(const Schedule &)> fake;
  /// Static estimate of the work of canonical schedule `s` without
  /// simulating it (Commands::estimateArgs): estimated FLOPs + numbers
  /// moved (bytes / 4), the measure run-step --prune-by-estimate ranks loop
  /// orders by. nullopt when the workload has no estimate or it failed.
  /// Memoized in this process; not a sample, not in the budget.
  std::optional<double> estimate(const Schedule &s);
  /// Replaces the estimate's subprocess (tests).
  std::function<std::optional<double>(const Schedule &)> fakeEstimate;
  /// Distinct schedules estimated by this process.
  int64_t estimates() const { return estimated; }
  /// Distinct schedules simulated by this process (not from a file).
  int64_t simulations() const { return simulated; }
  const Workload &getWorkload() const { return workload; }
  const ArchLimits &getLimits() const { return limits; }

private:
  Metrics run(const Schedule &s);
  /// Runs `c.setup` once per distinct setup command (later calls return the
  /// first outcome); false and `error` when it failed.
  bool ensureSetup(const Commands &c, std::string &error);
  /// `args` with work files (Commands::workFiles) in the work directory and
  /// the program resolved (bare name: the tools directory).
  std::vector<std::string> localArgs(const Commands &c,
                                     std::vector<std::string> args) const;
  std::mutex setupMutex;
  std::map<std::string, std::string> setups; ///< setup command -> error
  const Workload &workload;
  ArchLimits limits;
  std::string toolsDir, cacheFile, workDir;
  int timeoutSeconds;
  std::mutex mutex;
  std::map<std::string, Metrics> table;
  std::map<std::string, std::optional<double>> estimateTable;
  int64_t simulated = 0, estimated = 0;
  int64_t counter = 0;
};

struct Sample {
  Schedule schedule;
  Metrics metrics;
  int64_t index = 0; ///< 1-based sample number in this run
};

class Harness {
public:
  Harness(Evaluator &evaluator, int64_t budget, int jobs, std::string strategy,
          uint64_t seed);
  /// Evaluates the schedules (canonicalized) in parallel; returns their
  /// samples in batch order. Schedules this run has not seen yet become new
  /// samples, numbered in batch order; once the budget is spent, schedules
  /// not yet seen are not evaluated (nullopt at their position).
  std::vector<std::optional<Sample>>
  evaluate(const std::vector<Schedule> &batch);
  /// Whether this run already evaluated `s`, and its metrics if so.
  const Sample *seen(const Schedule &s) const;
  bool exhausted() const { return samples >= budget; }
  int64_t remaining() const { return budget - samples; }
  int64_t count() const { return samples; }
  /// The evaluator's static estimate of `s` (canonicalized); not a sample.
  std::optional<double> estimate(const Schedule &s) {
    return evaluator.estimate(workload().canonical(s));
  }
  const Sample *best() const {
    return bestIndex < 0 ? nullptr : &all[bestIndex];
  }
  int64_t baselineCycles = 0; ///< set by the first feasible sample
  const Workload &workload() const { return evaluator.getWorkload(); }
  const Evaluator &getEvaluator() const { return evaluator; }
  /// (samples, best cycles so far) after every sample.
  std::vector<std::pair<int64_t, int64_t>> convergence;
  const std::vector<Sample> &history() const { return all; }
  /// Evaluates the new schedules of a batch instead of the TBB arena (the
  /// MPI back-end); must return one Metrics per schedule, in order.
  std::function<std::vector<Metrics>(const std::vector<Schedule> &)> backend;
  /// Progress on stderr every `every` samples and every `seconds`.
  int progressEvery = 0;
  double progressSeconds = 10;

private:
  Evaluator &evaluator;
  int64_t budget;
  int jobs;
  std::string strategy;
  uint64_t seed;
  int64_t samples = 0;
  std::map<std::string, size_t> index; // key -> position in `all`
  std::vector<Sample> all;
  long bestIndex = -1;
  std::chrono::steady_clock::time_point start, lastProgress;
};

} // namespace step::tune

#endif // STEP_TUNER_EVALUATOR_H
