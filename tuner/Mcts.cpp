//===- Mcts.cpp - UCT tree search with proposer expansions ----------------===//

#include "tuner/Mcts.h"
#include "tuner/Search.h"

#include <cmath>
#include <limits>

namespace step::tune {

int Mcts::addRoot(const Schedule &s, const std::string &key, const Metrics &m,
                  double reward) {
  nodes.clear();
  table.clear();
  MctsNode n;
  n.schedule = s;
  n.key = key;
  n.metrics = m;
  n.reward = reward;
  nodes.push_back(n);
  table[key] = 0;
  backprop(0, reward);
  refreshDead(0);
  return 0;
}

int Mcts::addChild(int parent, const std::vector<Transformation> &edge,
                   const Schedule &s, const std::string &key, const Metrics &m,
                   double reward) {
  MctsNode n;
  n.schedule = s;
  n.key = key;
  n.parent = parent;
  n.depth = nodes[parent].depth + 1;
  n.edge = edge;
  n.sequence = nodes[parent].sequence;
  n.sequence.insert(n.sequence.end(), edge.begin(), edge.end());
  n.metrics = m;
  n.reward = reward;
  int id = static_cast<int>(nodes.size());
  nodes.push_back(std::move(n));
  nodes[parent].children.push_back(id);
  table[key] = id;
  backprop(id, reward);
  refreshDead(id);
  return id;
}

int Mcts::find(const std::string &key) const {
  auto it = table.find(key);
  return it == table.end() ? -1 : it->second;
}

double Mcts::uct(int child) const {
  const MctsNode &n = nodes[child];
  if (n.N == 0)
    return std::numeric_limits<double>::infinity();
  double parentN = n.parent >= 0 ? nodes[n.parent].N : n.N;
  return n.W / n.N + c * std::sqrt(std::log(double(parentN)) / n.N);
}

bool Mcts::expandable(int node) const {
  const MctsNode &n = nodes[node];
  return !n.exhausted && n.depth < maxDepth && n.children.size() < branching;
}

int Mcts::select() const {
  if (nodes.empty() || nodes[0].dead)
    return -1;
  int node = 0;
  while (!expandable(node)) {
    int best = -1;
    double bestValue = -std::numeric_limits<double>::infinity();
    for (int ch : nodes[node].children) {
      if (nodes[ch].dead)
        continue;
      double v = uct(ch);
      if (v > bestValue) { // first of equals: child order
        bestValue = v;
        best = ch;
      }
    }
    if (best < 0)
      return -1; // cannot happen while `dead` is kept up to date
    node = best;
  }
  return node;
}

void Mcts::markExhausted(int node) {
  nodes[node].exhausted = true;
  refreshDead(node);
}

void Mcts::backprop(int node, double reward) {
  for (int n = node; n >= 0; n = nodes[n].parent) {
    nodes[n].W += reward;
    nodes[n].N += 1;
  }
}

void Mcts::refreshDead(int node) {
  for (int n = node; n >= 0; n = nodes[n].parent) {
    bool dead = !expandable(n);
    for (int ch : nodes[n].children)
      dead = dead && nodes[ch].dead;
    if (nodes[n].dead == dead && n != node)
      break;
    nodes[n].dead = dead;
  }
}

static double rewardOf(const Metrics &m, int64_t baseline) {
  return m.feasible && m.cycles > 0 && baseline > 0
             ? double(baseline) / double(m.cycles)
             : 0.0;
}

SearchResult runMcts(Harness &h, const SearchOptions &o) {
  SearchResult result;
  const Workload &w = h.workload();
  const Space &space = w.space();
  std::mt19937_64 rng(o.seed);
  Mcts tree(o.c, o.branching, o.maxDepth);
  Schedule root = w.canonical(w.baseline());
  auto first = h.evaluate({root});
  if (!first[0])
    return result;
  tree.addRoot(root, space.key(root), first[0]->metrics,
               rewardOf(first[0]->metrics, h.baselineCycles));
  while (!h.exhausted()) {
    int n = tree.select();
    if (n < 0)
      break;
    ProposalContext ctx;
    ctx.workload = &w;
    ctx.layerSummary = w.summary();
    ctx.archSummary = o.archSummary;
    for (int a = n; a >= 0 && ctx.lineage.size() < 3;
         a = tree.nodes[a].parent) {
      const MctsNode &node = tree.nodes[a];
      ctx.lineage.push_back({node.schedule, node.sequence, node.key,
                             w.commands(node.schedule).shell(), node.metrics});
    }
    ctx.vocabulary = space.vocabulary(tree.nodes[n].schedule);
    for (int ch : tree.nodes[n].children)
      ctx.tried.insert(ctx.tried.end(), tree.nodes[ch].edge.begin(),
                       tree.nodes[ch].edge.end());
    ctx.examples = o.examples;
    ctx.baselineCycles = h.baselineCycles;
    unsigned want =
        o.branching - static_cast<unsigned>(tree.nodes[n].children.size());
    ctx.count = want;
    if (o.estimates)
      ctx.estimate = [&h](const Schedule &s) { return h.estimate(s); };
    std::vector<std::string> raw = o.proposer->propose(ctx, rng);
    std::vector<Proposal> props = validateProposals(
        space, tree.nodes[n].schedule, raw, want,
        [&](const Schedule &s) {
          return tree.find(space.key(w.canonical(s))) < 0;
        },
        rng, result.stats);
    if (props.size() < want)
      tree.markExhausted(n);
    if (props.empty())
      continue;
    std::vector<Schedule> batch;
    for (const Proposal &p : props)
      batch.push_back(w.canonical(p.schedule));
    auto samples = h.evaluate(batch);
    bool cut = false;
    for (size_t i = 0; i < props.size(); ++i) {
      if (!samples[i]) {
        cut = true;
        continue;
      }
      tree.addChild(n, props[i].sequence, batch[i], space.key(batch[i]),
                    samples[i]->metrics,
                    rewardOf(samples[i]->metrics, h.baselineCycles));
    }
    if (cut)
      break;
  }
  result.stats.estimates = h.getEvaluator().estimates();
  if (const Sample *best = h.best()) {
    int node = tree.find(space.key(best->schedule));
    result.sequence = node >= 0 ? tree.nodes[node].sequence
                                : space.diff(root, best->schedule);
  }
  return result;
}

} // namespace step::tune
