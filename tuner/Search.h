//===- Search.h - search strategies of step-tune ----------------*- C++ -*-===//
//
// Every strategy runs in the same Harness: it starts with the workload's
// baseline schedule (sample 1), spends the Harness's budget of distinct
// simulations, and hands batches to Harness::evaluate whose size does not
// depend on the number of threads, so a seed gives one result.
//
//   mcts          UCT tree search (Mcts.h), expansions by a Proposer
//   random        uniform random schedules, batches of 8
//   evolutionary  MetaSchedule-like: population, tournament selection,
//                 uniform crossover, one-decision mutation, elites
//   bo            BaCO-like Bayesian optimisation: GP surrogate of log
//                 cycles, expected improvement x P(feasible) from a k-NN
//                 feasibility classifier, one schedule per iteration
//   exhaustive    every schedule of the space (the reference optimum)
//
//===----------------------------------------------------------------------===//

#ifndef STEP_TUNER_SEARCH_H
#define STEP_TUNER_SEARCH_H

#include "tuner/Evaluator.h"
#include "tuner/Proposer.h"

#include <cmath>
#include <string>
#include <vector>

namespace step::tune {

struct SearchOptions {
  uint64_t seed = 1;
  // mcts
  double c = std::sqrt(2.0);
  unsigned branching = 2;
  int maxDepth = 16;
  Proposer *proposer = nullptr;
  std::vector<MemoryExample> examples;
  std::string archSummary;
  /// Let the proposer use the workload's static estimates (if it has any).
  bool estimates = true;
  // evolutionary
  int population = 8;
  int elites = 2;
  double crossoverProbability = 0.5;
  // bo
  int initialSamples = 8;
  double feasibilityThreshold = 0.1;
  int neighbours = 5;
};

struct SearchResult {
  ProposalStats stats;                  ///< mcts only
  std::vector<Transformation> sequence; ///< baseline -> best schedule
};

const std::vector<std::string> &strategyNames();
/// Runs the named strategy; false and `error` for an unknown name.
bool runStrategy(const std::string &name, Harness &harness,
                 const SearchOptions &options, SearchResult &result,
                 std::string &error);

SearchResult runMcts(Harness &h, const SearchOptions &o);
SearchResult runRandom(Harness &h, const SearchOptions &o);
SearchResult runEvolutionary(Harness &h, const SearchOptions &o);
SearchResult runBayesOpt(Harness &h, const SearchOptions &o);
SearchResult runExhaustive(Harness &h, const SearchOptions &o);

/// BO internals, exposed for tests.
namespace bo {
/// [0,1] per ordinal parameter, one-hot per categorical one.
std::vector<double> encode(const Space &space, const Schedule &s);
/// P(feasible) of `x` from the k nearest of `xs` (labels `feasible`),
/// Laplace-smoothed: (feasible neighbours + 1) / (k + 2).
double feasibility(const std::vector<std::vector<double>> &xs,
                   const std::vector<bool> &feasible,
                   const std::vector<double> &x, int k);
/// Expected improvement of a minimisation below `best`.
double expectedImprovement(double mean, double sd, double best);
} // namespace bo

} // namespace step::tune

#endif // STEP_TUNER_SEARCH_H
