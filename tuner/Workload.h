//===- Workload.h - what step-tune schedules --------------------*- C++ -*-===//
//
// A workload is a layer with its schedule space: it turns a schedule into the
// step-gen / step-opt / step-sim command lines that build, schedule and
// simulate it. Two are built in: the Qwen3-30B-A3B MoE layer ("moe") and
// attention decode ("attention"), with the traces scripts/reproduce_step.py
// binds. A third (the GCN fusion space of the sparse-fusion lowering) plugs
// in by subclassing Workload and adding a case to createWorkload.
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
/// directory the commands run in; `setup` (if any) prepares its inputs.
struct Commands {
  std::vector<std::string> setup; ///< e.g. step-trace kv-lengths ... -o kv.npy
  std::vector<std::string> gen;   ///< step-gen ... (stdout: the layer)
  std::vector<std::string> opt;   ///< step-opt <pipeline> (stdin -> -o)
  std::vector<std::string> sim;   ///< step-sim GRAPH ... (GRAPH at simGraphArg)
  size_t simGraphArg = 1;
  /// `setup && gen | opt -o schedule.mlir && sim schedule.mlir ...`, shell
  /// quoted, with bare tool names.
  std::string shell() const;
};

struct WorkloadOptions {
  std::string sourceRoot; ///< repository root (arch/, examples/, data/)
  std::string arch;       ///< arch file; default <root>/arch/sn40l_like.pbtxt
  int batch = 64;
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
  /// Commands for `s`. `kvPath` etc. are relative names (see Commands).
  virtual Commands commands(const Schedule &s) const = 0;
  /// One paragraph for proposer prompts: model, shapes, traces.
  virtual std::string summary() const = 0;
  const std::string &archPath() const { return arch; }

protected:
  std::string arch;
};

/// "moe" or "attention"; nullptr and `error` set for anything else.
std::unique_ptr<Workload> createWorkload(const std::string &name,
                                         const WorkloadOptions &options,
                                         std::string &error);

/// POSIX shell quoting of one argument.
std::string shellQuote(const std::string &arg);

} // namespace step::tune

#endif // STEP_TUNER_WORKLOAD_H
