//===- Strategies.cpp - random, evolutionary and exhaustive search --------===//
//
// The baselines that need no model, and the strategy dispatcher.
//
//===----------------------------------------------------------------------===//

#include "tuner/Search.h"

#include <algorithm>
#include <limits>
#include <set>

namespace step::tune {

const std::vector<std::string> &strategyNames() {
  static const std::vector<std::string> names = {
      "mcts", "random", "evolutionary", "bo", "exhaustive"};
  return names;
}

bool runStrategy(const std::string &name, Harness &h, const SearchOptions &o,
                 SearchResult &result, std::string &error) {
  if (name == "mcts") {
    if (!o.proposer) {
      error = "mcts needs a proposer";
      return false;
    }
    result = runMcts(h, o);
  } else if (name == "random")
    result = runRandom(h, o);
  else if (name == "evolutionary")
    result = runEvolutionary(h, o);
  else if (name == "bo")
    result = runBayesOpt(h, o);
  else if (name == "exhaustive")
    result = runExhaustive(h, o);
  else {
    error = "unknown strategy '" + name +
            "' (expected mcts, random, evolutionary, bo or exhaustive)";
    return false;
  }
  if (result.sequence.empty() && h.best())
    result.sequence = h.workload().space().diff(
        h.workload().canonical(h.workload().baseline()), h.best()->schedule);
  return true;
}

/// Up to `n` random schedules this run has not evaluated, distinct;
/// gives up after a bounded number of draws (a nearly exhausted space).
static std::vector<Schedule> freshRandom(Harness &h, size_t n,
                                         std::mt19937_64 &rng) {
  const Workload &w = h.workload();
  std::vector<Schedule> out;
  std::set<Schedule> picked;
  for (size_t tries = 0; out.size() < n && tries < 200 * n + 1000; ++tries) {
    Schedule s = w.canonical(w.space().random(rng));
    if (h.seen(s) || !picked.insert(s).second)
      continue;
    out.push_back(s);
  }
  return out;
}

SearchResult runRandom(Harness &h, const SearchOptions &o) {
  std::mt19937_64 rng(o.seed);
  const Workload &w = h.workload();
  h.evaluate({w.canonical(w.baseline())});
  while (!h.exhausted()) {
    std::vector<Schedule> batch = freshRandom(h, 8, rng);
    if (batch.empty())
      break;
    h.evaluate(batch);
  }
  return {};
}

SearchResult runExhaustive(Harness &h, const SearchOptions &) {
  const Workload &w = h.workload();
  h.evaluate({w.canonical(w.baseline())});
  uint64_t size = w.space().size();
  std::vector<Schedule> batch;
  for (uint64_t i = 0; i < size && !h.exhausted(); ++i) {
    Schedule s = w.canonical(w.space().decode(i));
    if (!h.seen(s))
      batch.push_back(s);
    if (batch.size() == 64 || i + 1 == size) {
      h.evaluate(batch);
      batch.clear();
    }
  }
  return {};
}

static double fitness(const Sample &s) {
  return s.metrics.feasible ? double(s.metrics.cycles)
                            : std::numeric_limits<double>::infinity();
}

SearchResult runEvolutionary(Harness &h, const SearchOptions &o) {
  std::mt19937_64 rng(o.seed);
  const Workload &w = h.workload();
  const Space &space = w.space();
  size_t popSize = std::max(2, o.population);
  std::vector<Schedule> init = {w.canonical(w.baseline())};
  for (const Schedule &s : freshRandom(h, popSize - 1, rng))
    if (s != init[0])
      init.push_back(s);
  std::vector<Sample> pop;
  for (auto &s : h.evaluate(init))
    if (s)
      pop.push_back(*s);
  auto tournament = [&]() -> const Sample & {
    const Sample &a = pop[rng() % pop.size()];
    const Sample &b = pop[rng() % pop.size()];
    return fitness(b) < fitness(a) ? b : a;
  };
  while (!h.exhausted() && !pop.empty()) {
    std::vector<Schedule> children;
    std::set<Schedule> picked;
    for (size_t tries = 0; children.size() < popSize && tries < 100 * popSize;
         ++tries) {
      Schedule child = tournament().schedule;
      // Uniform crossover with a second parent.
      if ((rng() % 1000) < o.crossoverProbability * 1000) {
        const Schedule &other = tournament().schedule;
        for (size_t p = 0; p < child.size(); ++p)
          if (rng() % 2)
            child[p] = other[p];
      }
      // Mutate one decision (MetaSchedule's mutators change one sampling
      // decision of the trace).
      size_t p = rng() % space.params.size();
      size_t n = space.params[p].values.size();
      if (n > 1)
        child[p] = static_cast<int>((child[p] + 1 + rng() % (n - 1)) % n);
      child = w.canonical(child);
      if (h.seen(child) || !picked.insert(child).second)
        continue;
      children.push_back(child);
    }
    if (children.empty())
      break;
    std::vector<Sample> next;
    for (auto &s : h.evaluate(children))
      if (s)
        next.push_back(*s);
    // Generational with elitism: the `elites` fittest of parents and
    // children survive, the rest of the population are the fittest
    // children (then parents if children are too few); ties by sample order.
    auto byFitness = [](std::vector<Sample> v) {
      std::stable_sort(v.begin(), v.end(),
                       [](const Sample &a, const Sample &b) {
                         return fitness(a) < fitness(b);
                       });
      return v;
    };
    std::vector<Sample> all = pop;
    all.insert(all.end(), next.begin(), next.end());
    all = byFitness(all);
    std::vector<Sample> merged;
    std::set<Schedule> kept;
    auto keep = [&](const Sample &s) {
      if (merged.size() < popSize && kept.insert(s.schedule).second)
        merged.push_back(s);
    };
    for (size_t i = 0; i < all.size() && i < size_t(std::max(0, o.elites)); ++i)
      keep(all[i]);
    for (const Sample &s : byFitness(next))
      keep(s);
    for (const Sample &s : all)
      keep(s);
    pop = std::move(merged);
  }
  return {};
}

} // namespace step::tune
