//===- Mcts.h - the UCT tree of step-tune -----------------------*- C++ -*-===//
//
// Nodes are schedules; an edge is the proposal (one or more
// transformations) that made the child. A node is expanded until it has
// `branching` children (B = 2 by default, as in the Reasoning Compiler);
// every new child is simulated at once (its leaf value) and its reward,
// baseline cycles / cycles (0 when infeasible), is added to it and to every
// ancestor. A transposition table maps each schedule to its node, so no
// schedule enters the tree twice.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_TUNER_MCTS_H
#define STEP_TUNER_MCTS_H

#include "tuner/Evaluator.h"
#include "tuner/Space.h"

#include <map>
#include <string>
#include <vector>

namespace step::tune {

struct MctsNode {
  Schedule schedule;
  std::string key;
  int parent = -1;
  int depth = 0;
  std::vector<int> children;
  std::vector<Transformation> edge;     ///< what made this node
  std::vector<Transformation> sequence; ///< from the root
  Metrics metrics;
  double reward = 0;      ///< own simulated reward
  double W = 0;           ///< summed rewards of the subtree's simulations
  int64_t N = 0;          ///< simulations in the subtree
  bool exhausted = false; ///< the proposer found no new child
  bool dead = false;      ///< no expandable node below (or here)
};

class Mcts {
public:
  Mcts(double c, unsigned branching, int maxDepth)
      : c(c), branching(branching), maxDepth(maxDepth) {}
  int addRoot(const Schedule &s, const std::string &key, const Metrics &m,
              double reward);
  /// Adds a child of `parent` (which must not be in the table yet) and
  /// backpropagates its reward. Returns its index.
  int addChild(int parent, const std::vector<Transformation> &edge,
               const Schedule &s, const std::string &key, const Metrics &m,
               double reward);
  /// Node of a schedule key, -1 if none (the transposition table).
  int find(const std::string &key) const;
  /// UCT value of a child: W/N + c sqrt(ln N(parent) / N).
  double uct(int child) const;
  bool expandable(int node) const;
  /// From the root, descend by UCT through nodes that cannot be expanded
  /// to the first that can; -1 when no node can (the tree is done).
  int select() const;
  void markExhausted(int node);
  void backprop(int node, double reward);
  std::vector<MctsNode> nodes;

private:
  void refreshDead(int node);
  double c;
  unsigned branching;
  int maxDepth;
  std::map<std::string, int> table;
};

} // namespace step::tune

#endif // STEP_TUNER_MCTS_H
