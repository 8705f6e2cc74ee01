//===- Space.h - schedule spaces of step-tune -------------------*- C++ -*-===//
//
// A schedule space is a list of typed parameters, each with a closed list of
// values taken from a builder or pass option (step-gen --tiling, step-opt
// --step-time-multiplex=regions=P, ...). A schedule assigns one value to
// every parameter; a transformation sets one parameter ("regions=16") or
// moves an ordinal one a step ("regions+", "regions-"). The vocabulary is
// the set of those texts; anything else is rejected by parseTransformation.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_TUNER_SPACE_H
#define STEP_TUNER_SPACE_H

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace step::tune {

/// What a bottleneck of the simulated schedule is, as the heuristic proposer
/// and the feasibility check name it.
enum class Pressure {
  OffChip,     ///< off-chip loads are the busiest operators
  Compute,     ///< operators with a compute bandwidth are the busiest
  Stall,       ///< operators mostly wait on full or empty FIFOs
  OnChipOver,  ///< over the architecture's on-chip capacity (infeasible)
  ComputeOver, ///< over the architecture's compute (infeasible)
};
constexpr int kNumPressures = 5;
const char *pressureName(Pressure p);

struct Param {
  enum class Kind { Ordinal, Categorical };
  std::string name;
  Kind kind = Kind::Ordinal;
  std::vector<std::string> values;
  std::string help;
  /// For each Pressure, the direction (+1: towards later values, -1:
  /// earlier, 0: none) that the mechanism behind the option suggests for
  /// relieving it. Stated by the workload next to the option, with the
  /// reason; the heuristic proposer reads only these.
  int hint[kNumPressures] = {0, 0, 0, 0, 0};
  /// A refinement of another parameter's choice, active only under some of
  /// its values (a loop order of one fusion plan's region). The heuristic
  /// proposer explores the parameters that shape the program before these.
  bool conditional = false;
};

/// One value index per parameter of a space.
using Schedule = std::vector<int>;

struct Transformation {
  int param = -1;
  int value = -1;
  bool operator==(const Transformation &o) const {
    return param == o.param && value == o.value;
  }
};

class Space {
public:
  std::vector<Param> params;

  int find(const std::string &name) const;
  /// Number of schedules (product of value counts), saturating at 2^62.
  uint64_t size() const;
  /// "tiling=32 regions=16 ..." - also the transposition-table key.
  std::string key(const Schedule &s) const;
  std::string text(const Transformation &t) const;
  std::string text(const std::vector<Transformation> &seq) const;
  Schedule apply(Schedule s, const Transformation &t) const;
  /// Parses "name=value", "name+" or "name-" against `from`; on failure
  /// returns nullopt and sets `error`. A transformation that leaves the
  /// schedule unchanged is invalid.
  std::optional<Transformation> parseTransformation(const std::string &text,
                                                    const Schedule &from,
                                                    std::string &error) const;
  /// Every single-parameter change of `from`, in parameter/value order.
  std::vector<Transformation> moves(const Schedule &from) const;
  /// The vocabulary as texts ("name=value" for every other value, plus
  /// "name+"/"name-" where an ordinal step exists).
  std::vector<std::string> vocabulary(const Schedule &from) const;
  Schedule random(std::mt19937_64 &rng) const;
  /// The transformations that turn `from` into `to` (parameter order).
  std::vector<Transformation> diff(const Schedule &from,
                                   const Schedule &to) const;
  /// Schedule number `index` in mixed-radix order (exhaustive enumeration).
  Schedule decode(uint64_t index) const;
};

} // namespace step::tune

#endif // STEP_TUNER_SPACE_H
