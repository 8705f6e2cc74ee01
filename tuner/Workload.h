//===- Workload.h - what step-tune schedules --------------------*- C++ -*-===//
//
// A workload is a layer with its schedule space: it turns a schedule into the
// step-gen / step-opt / step-sim command lines that build, schedule and
// simulate it. Three are built in: the Qwen3-30B-A3B MoE layer ("moe") and
// attention decode ("attention"), with the traces scripts/reproduce_step.py
// binds, and the 2-layer GCN of the sparse-fusion lowering ("gcn": fusion
// plan and per-region loop orders, built by frontends/torch/torch-import
// and simulated by frontends/torch/run-step). Another plugs in by
// subclassing Workload and adding a case to createWorkload.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_TUNER_WORKLOAD_H
#define STEP_TUNER_WORKLOAD_H

#include "tuner/Space.h"

#include <memory>
#include <string>
#include <vector>

namespace step::tune {

/// The commands of one schedule. Paths named here are relative to the
/// directory the commands run in; `setup` (if any) prepares its inputs. A
/// program named without a '/' is a built tool (bare name; the evaluator
/// runs the one in its tools directory), otherwise a path (a script).
struct Commands {
  std::vector<std::string> setup; ///< e.g. step-trace kv-lengths ... -o kv.npy
  std::vector<std::string> gen;   ///< step-gen ... (stdout: the layer); may
                                  ///< be empty (no gen | opt stage)
  std::vector<std::string> opt;   ///< step-opt <pipeline> (stdin -> -o)
  std::vector<std::string> sim;   ///< step-sim GRAPH ... (GRAPH at simGraphArg)
  static constexpr size_t kNoGraph = ~size_t(0);
  size_t simGraphArg = 1; ///< kNoGraph: `sim` names no scheduled graph
  /// What `setup` writes, relative to the work directory (kv.npy, a tensor
  /// store): arguments equal to one of them, or ending in "=" and one, are
  /// rewritten to the evaluator's work directory.
  std::vector<std::string> workFiles;
  /// Appended to `sim` by the evaluator for machine-readable statistics;
  /// not part of the printed command.
  std::vector<std::string> statsArgs = {"--stats", "json", "--quiet"};
  /// How `sim`'s stdout (with statsArgs) is read.
  enum class Stats {
    StepSim, ///< step-sim --stats json
    RunStep, ///< frontends/torch/run-step --json (regions, total)
  } stats = Stats::StepSim;
  /// Appended to `sim` (after statsArgs) for a static estimate of the
  /// schedule's work without simulating it (run-step --estimate-only:
  /// FuseFlow's FLOPs/bytes heuristic over the lowered graph); empty: the
  /// workload has none. Read by Evaluator::estimate.
  std::vector<std::string> estimateArgs;
  /// `setup && gen | opt -o schedule.mlir && sim schedule.mlir ...` (or
  /// `setup && sim ...` without gen), shell quoted, with bare tool names.
  std::string shell() const;
};

struct WorkloadOptions {
  std::string sourceRoot; ///< repository root (arch/, examples/, data/)
  std::string arch;       ///< arch file; default <root>/arch/sn40l_like.pbtxt
  int batch = 64;
  /// Where the built tools are (<build>/bin); run-step is given its parent
  /// as --build.
  std::string toolsDir;
};

class Workload {
public:
  virtual ~Workload() = default;
  /// "moe", "attention"; also the layer kind of the transformation memory.
  virtual std::string kind() const = 0;
  virtual const Space &space() const = 0;
  /// The reference schedule every strategy evaluates first; rewards are
  /// baseline cycles / cycles.
  virtual Schedule baseline() const = 0;
  /// Equivalent schedules map to one canonical schedule (one cache key).
  virtual Schedule canonical(const Schedule &s) const { return s; }
  /// Whether parameter `param` changes the program of schedule `s` (a loop
  /// order of a region the fusion plan of `s` does not have does not).
  /// Proposers skip inactive parameters.
  virtual bool active(const Schedule &s, int param) const {
    (void)s;
    (void)param;
    return true;
  }
  /// Commands for `s`. `kvPath` etc. are relative names (see Commands).
  virtual Commands commands(const Schedule &s) const = 0;
  /// One paragraph for proposer prompts: model, shapes, traces.
  virtual std::string summary() const = 0;
  const std::string &archPath() const { return arch; }

protected:
  std::string arch;
};

/// "moe", "attention" or "gcn"; nullptr and `error` set for anything else.
std::unique_ptr<Workload> createWorkload(const std::string &name,
                                         const WorkloadOptions &options,
                                         std::string &error);

/// POSIX shell quoting of one argument.
std::string shellQuote(const std::string &arg);

} // namespace step::tune

#endif // STEP_TUNER_WORKLOAD_H
