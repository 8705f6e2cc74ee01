//===- Proposer.cpp - proposer registry, validation, built-in proposers ---===//
//
// The heuristic proposer knows no good schedule: it reads the current
// schedule's bottleneck (Metrics::pressure), the parameters' stated
// mechanisms (Param::hint), which parameters only refine another's choice
// (Param::conditional), the path from the baseline and whether the last
// step helped, in this order:
//   1. infeasible over a limit: step the parameters that relieve that limit;
//   2. the last step of an ordinal made the schedule faster: one more step
//      the same way and a jump to the end of its range that way (two
//      samples bracket its best value however far away it is);
//   3. remembered sequences of the layer kind: their first step not yet
//      taken;
//   4. the bottleneck: step the program-shaping parameters whose mechanism
//      relieves it, ordinals (a known direction) before categoricals;
//   5. any other step of the program-shaping parameters, except an ordinal
//      step back against its last move on the path;
//   6. the refinements (conditional parameters) that may relieve the
//      bottleneck;
//   7. anything else, seeded random order.
// Within a rule, parameters take turns (one value of each before a second
// of any), so an expansion's B children probe different parameters.
// Steps already tried from this schedule and the step back to the parent
// are skipped.
//
//===----------------------------------------------------------------------===//

#include "tuner/Proposer.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>

namespace step::tune {

namespace {

std::map<std::string, ProposerFactory> &registry() {
  static std::map<std::string, ProposerFactory> r;
  return r;
}
std::mutex registryMutex;

template <typename T> void shuffle(std::vector<T> &v, std::mt19937_64 &rng) {
  // Fisher-Yates with rng() % n: the same sequence on every standard
  // library (std::shuffle's use of the engine is unspecified).
  for (size_t i = v.size(); i > 1; --i)
    std::swap(v[i - 1], v[rng() % i]);
}

class RandomProposer : public Proposer {
public:
  std::string name() const override { return "random"; }
  std::vector<std::string> propose(const ProposalContext &ctx,
                                   std::mt19937_64 &rng) override {
    std::vector<std::string> out;
    if (ctx.vocabulary.empty())
      return out;
    for (unsigned i = 0; i < ctx.count; ++i)
      out.push_back(ctx.vocabulary[rng() % ctx.vocabulary.size()]);
    return out;
  }
};

class HeuristicProposer : public Proposer {
public:
  std::string name() const override { return "heuristic"; }
  std::vector<std::string> propose(const ProposalContext &ctx,
                                   std::mt19937_64 &rng) override {
    const Space &space = ctx.workload->space();
    const ScheduleView &cur = ctx.lineage.at(0);
    const Schedule &s = cur.schedule;
    // Each proposal: a step, then the refinements it makes active, set by
    // the static estimate (below).
    std::vector<std::vector<Transformation>> out;
    Schedule parent;
    if (ctx.lineage.size() > 1)
      parent = ctx.lineage[1].schedule;
    // The values of `p` in `from`'s program ordered by estimated work, least
    // first (values without an estimate last, in index order); empty when
    // there is no estimate.
    auto byEstimate = [&](const Schedule &from, int p) {
      std::vector<std::pair<double, int>> ranked;
      if (!ctx.estimate)
        return std::vector<int>();
      for (int v = 0; v < static_cast<int>(space.params[p].values.size());
           ++v) {
        Schedule t = from;
        t[p] = v;
        std::optional<double> e = ctx.estimate(t);
        ranked.push_back({e ? *e : std::numeric_limits<double>::infinity(), v});
      }
      std::stable_sort(ranked.begin(), ranked.end());
      std::vector<int> vs;
      for (auto [e, v] : ranked)
        vs.push_back(v);
      return vs;
    };
    auto add = [&](Transformation t) {
      if (out.size() >= ctx.count || t.value == s[t.param])
        return;
      // A parameter that does not change this schedule's program (a loop
      // order of a region its fusion plan lacks) would be a no-op.
      if (!ctx.workload->active(s, t.param))
        return;
      for (const auto &seq : out)
        if (seq.front() == t)
          return;
      if (std::find(ctx.tried.begin(), ctx.tried.end(), t) != ctx.tried.end())
        return;
      if (!parent.empty() && space.apply(s, t) == parent)
        return;
      // A step that switches to another fusion plan makes that plan's
      // refinements (its regions' loop orders) active: with a static
      // estimate, set each to its value of least estimated work, one after
      // the other, in the same proposal (nothing is simulated for it).
      std::vector<Transformation> seq = {t};
      Schedule n = space.apply(s, t);
      for (size_t p = 0; p < space.params.size(); ++p) {
        int pi = static_cast<int>(p);
        if (!space.params[p].conditional || ctx.workload->active(s, pi) ||
            !ctx.workload->active(n, pi))
          continue;
        std::vector<int> vs = byEstimate(n, pi);
        if (!vs.empty() && vs.front() != n[p]) {
          seq.push_back({pi, vs.front()});
          n = space.apply(n, seq.back());
        }
      }
      out.push_back(std::move(seq));
    };
    // Candidate steps per parameter: an ordinal's step in `dir`, a
    // categorical's other values in seeded order.
    auto candidates = [&](int p, int dir) {
      const Param &param = space.params[p];
      std::vector<Transformation> c;
      if (param.kind == Param::Kind::Ordinal) {
        int v = s[p] + dir;
        if (v >= 0 && v < static_cast<int>(param.values.size()))
          c.push_back({p, v});
      } else if (param.conditional && ctx.estimate &&
                 ctx.workload->active(s, p) && out.size() < ctx.count) {
        // A refinement: least estimated work first (estimated only while
        // a slot is open; each estimate runs the lowering).
        for (int v : byEstimate(s, p))
          if (v != s[p])
            c.push_back({p, v});
      } else {
        std::vector<int> vs;
        for (int v = 0; v < static_cast<int>(param.values.size()); ++v)
          if (v != s[p])
            vs.push_back(v);
        shuffle(vs, rng);
        for (int v : vs)
          c.push_back({p, v});
      }
      return c;
    };
    // Round-robin over parameters: one candidate of each before a second
    // of any, so the B children of an expansion probe B different
    // parameters (a categorical's many values do not fill every slot).
    auto roundRobin = [&](std::vector<std::vector<Transformation>> lists) {
      for (size_t round = 0;; ++round) {
        bool any = false;
        for (const auto &l : lists)
          if (round < l.size()) {
            add(l[round]);
            any = true;
          }
        if (!any)
          break;
      }
    };
    // Proposes the (parameter, direction) steps in seeded order, ordinals
    // (a known direction) before categoricals (only "another value may
    // help"), the parameters taking turns (roundRobin).
    auto proposeSteps = [&](std::vector<std::pair<int, int>> steps) {
      shuffle(steps, rng);
      std::stable_partition(steps.begin(), steps.end(), [&](auto st) {
        return space.params[st.first].kind == Param::Kind::Ordinal;
      });
      std::vector<std::vector<Transformation>> lists;
      for (auto [p, dir] : steps)
        lists.push_back(candidates(p, dir));
      roundRobin(lists);
    };
    // The parameters whose stated mechanism relieves `pressure`, in the
    // hint's direction; `refinements` selects the parameters that refine
    // another's choice (Param::conditional) or the others.
    auto relieve = [&](Pressure pressure, bool refinements) {
      std::vector<std::pair<int, int>> steps;
      for (size_t p = 0; p < space.params.size(); ++p)
        if (int dir = space.params[p].hint[static_cast<int>(pressure)];
            dir && space.params[p].conditional == refinements)
          steps.push_back({static_cast<int>(p), dir});
      proposeSteps(std::move(steps));
    };
    // Direction of the last move of each ordinal on the path from the
    // baseline (0: not moved): stepping back against it would undo a
    // step the search already took.
    std::vector<int> lastDir(space.params.size(), 0);
    {
      Schedule walk = ctx.workload->canonical(ctx.workload->baseline());
      for (const Transformation &t : cur.sequence) {
        if (t.value != walk[t.param])
          lastDir[t.param] = t.value > walk[t.param] ? 1 : -1;
        walk = space.apply(walk, t);
      }
    }
    // Any step of the parameters in `refinements` (see relieve); with
    // `forward`, no ordinal step back against the path.
    auto anyStep = [&](bool refinements, bool forward) {
      std::vector<std::pair<int, int>> steps;
      for (size_t p = 0; p < space.params.size(); ++p) {
        const Param &param = space.params[p];
        if (param.conditional != refinements)
          continue;
        for (int dir : {-1, 1})
          if (param.kind == Param::Kind::Ordinal
                  ? !(forward && lastDir[p] == -dir)
                  : dir == 1)
            steps.push_back({static_cast<int>(p), dir});
      }
      proposeSteps(std::move(steps));
    };

    const Metrics &m = cur.metrics;
    // 1. Over a limit.
    if (!m.feasible && (m.pressure == Pressure::OnChipOver ||
                        m.pressure == Pressure::ComputeOver)) {
      relieve(m.pressure, false);
      relieve(m.pressure, true);
    }
    // 2. Keep going the way that helped: the step that helped moved
    //    ordinal p by d value positions; propose one more move by d and a
    //    jump to the end of p's range in that direction, which brackets
    //    the best value of p with two samples however far it is.
    if (ctx.lineage.size() > 1 && !cur.sequence.empty()) {
      const Metrics &pm = ctx.lineage[1].metrics;
      const Transformation &last = cur.sequence.back();
      const Param &param = space.params[last.param];
      if (m.feasible && pm.feasible && m.cycles < pm.cycles &&
          param.kind == Param::Kind::Ordinal &&
          last.value != parent[last.param]) {
        int d = last.value - parent[last.param];
        int n = static_cast<int>(param.values.size());
        add({last.param, std::clamp(s[last.param] + d, 0, n - 1)});
        add({last.param, d > 0 ? n - 1 : 0});
      }
    }
    // 3. Remembered sequences.
    for (const MemoryExample &ex : ctx.examples) {
      std::stringstream ss(ex.sequence);
      std::string item;
      while (std::getline(ss, item, ',')) {
        std::string err;
        if (auto t = space.parseTransformation(item, s, err)) {
          add(*t);
          break;
        }
      }
    }
    if (m.feasible) {
      // 4. The bottleneck, with the parameters that shape the program.
      relieve(m.pressure, false);
      // 5. Any other step of those, not undoing the path.
      anyStep(false, true);
      // 6. The refinements (loop orders of the plan's regions) that may
      //    relieve the bottleneck.
      relieve(m.pressure, true);
    }
    // 7. Any step.
    anyStep(false, false);
    anyStep(true, false);
    std::vector<std::string> texts;
    for (const auto &seq : out) {
      std::string text;
      for (const Transformation &t : seq)
        text += (text.empty() ? "" : ",") + space.text(t);
      texts.push_back(text);
    }
    return texts;
  }
};

} // namespace

void registerProposer(const std::string &name, ProposerFactory factory) {
  std::lock_guard<std::mutex> lock(registryMutex);
  registry()[name] = std::move(factory);
}

std::vector<std::string> proposerNames() {
  std::lock_guard<std::mutex> lock(registryMutex);
  std::vector<std::string> names = {"heuristic", "random"};
  for (auto &[name, f] : registry())
    if (name != "heuristic" && name != "random")
      names.push_back(name);
  return names;
}

std::unique_ptr<Proposer> createProposer(const std::string &name,
                                         const ProposerOptions &options,
                                         std::string &error) {
  {
    std::lock_guard<std::mutex> lock(registryMutex);
    auto it = registry().find(name);
    if (it != registry().end())
      return it->second(options, error);
  }
  if (name == "heuristic")
    return std::make_unique<HeuristicProposer>();
  if (name == "random")
    return std::make_unique<RandomProposer>();
  if (name == "llm") {
    error = "the llm proposer is not built into this step-tune (tuner/llm "
            "registers it)";
    return nullptr;
  }
  error = "unknown proposer '" + name + "' (expected heuristic, random or llm)";
  return nullptr;
}

std::vector<Proposal>
validateProposals(const Space &space, const Schedule &from,
                  const std::vector<std::string> &raw, unsigned count,
                  const std::function<bool(const Schedule &)> &isNew,
                  std::mt19937_64 &rng, ProposalStats &stats) {
  ++stats.calls;
  stats.proposals += count;
  std::vector<Proposal> out;
  auto fresh = [&](const Schedule &s) {
    if (!isNew(s))
      return false;
    for (const Proposal &p : out)
      if (p.schedule == s)
        return false;
    return true;
  };
  for (size_t i = 0; i < raw.size() && out.size() < count; ++i) {
    Proposal p;
    p.schedule = from;
    bool ok = true;
    std::stringstream ss(raw[i]);
    std::string item;
    while (ok && std::getline(ss, item, ',')) {
      std::string err;
      auto t = space.parseTransformation(item, p.schedule, err);
      if (!t)
        ok = false;
      else {
        p.sequence.push_back(*t);
        p.schedule = space.apply(p.schedule, *t);
      }
    }
    if (!ok || p.sequence.empty()) {
      ++stats.invalid;
      continue;
    }
    if (!fresh(p.schedule)) {
      ++stats.duplicates;
      continue;
    }
    out.push_back(std::move(p));
  }
  // Fill the remaining slots with random legal single steps to new
  // schedules.
  std::vector<Transformation> moves = space.moves(from);
  shuffle(moves, rng);
  for (const Transformation &t : moves) {
    if (out.size() >= count)
      break;
    Schedule s = space.apply(from, t);
    if (!fresh(s))
      continue;
    out.push_back({{t}, s, true});
    ++stats.fallbacks;
  }
  return out;
}

std::vector<MemoryExample> loadMemory(const std::string &path,
                                      const std::string &kind) {
  std::vector<MemoryExample> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    MemoryExample ex;
    std::string speedup;
    if (!std::getline(ss, ex.kind, '\t') ||
        !std::getline(ss, ex.sequence, '\t') || !std::getline(ss, speedup))
      continue;
    ex.speedup = std::atof(speedup.c_str());
    if (ex.kind == kind && !ex.sequence.empty())
      out.push_back(ex);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const MemoryExample &a, const MemoryExample &b) {
                     return a.speedup > b.speedup;
                   });
  if (out.size() > 5)
    out.resize(5);
  return out;
}

bool appendMemory(const std::string &path, const MemoryExample &example) {
  std::ofstream out(path, std::ios::app);
  out << example.kind << '\t' << example.sequence << '\t' << example.speedup
      << '\n';
  return static_cast<bool>(out);
}

} // namespace step::tune
