//===- SamParallelize.cpp - fork/join lanes over one level of a SAM graph -===//
//
// FuseFlow's stream parallelizer (reference/fuseflow.md §3.6) as a separate
// pass over the lowered `@*_sam` functions: after the scan or joiner that
// produces level L of a loop nest, its streams are forked round-robin into
// P lanes, the subgraph working per level-L element is duplicated per lane,
// and the lanes are joined back in front of the first operator that needs
// the whole level (a writer, a reduction over L, a coordinate dropper of L).
//
// Which streams belong together: every stream with a dimension at position
// L gets a "structure" (the sequence of level-L elements it carries). A
// level-L scan (fiber_lookup from an L-dimensional reference) or a level-L
// joiner creates one; per-element operators (scans of deeper levels,
// repeats, locate, value loads, maps, reductions of deeper levels, ...)
// keep their operands'. A structure that feeds a level-L joiner is not
// final; the final ones are forked, one fork group each, so the lanes of a
// group all hold the same elements and deeper joiners stay aligned.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/Step/Symbolic/SymExpr.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <set>

namespace mlir::step {
#define GEN_PASS_DEF_STEPSAMPARALLELIZE
#include "passes/Passes.h.inc"
} // namespace mlir::step

using namespace mlir;
using namespace mlir::step;

namespace {
constexpr const char *kPass = "--step-sam-parallelize: ";

int64_t rankOf(Value v) {
  auto t = dyn_cast<StreamType>(v.getType());
  return t ? static_cast<int64_t>(t.getShape().size()) : -1;
}

/// Forks one level of one function.
class LevelRewriter {
public:
  LevelRewriter(func::FuncOp func, int64_t level, int64_t factor)
      : func(func), L(level), P(factor) {}

  LogicalResult run();

private:
  struct Group {
    Operation *creator;          ///< the level-L scan or joiner
    SmallVector<Value> forked;   ///< its results that are forked
    llvm::SetVector<Value> lane; ///< values computed per lane
    llvm::SetVector<Operation *> ops;
    /// Lane values read by operators that stay whole, each with its first
    /// such reader in program order (where the join goes).
    llvm::MapVector<Value, Operation *> joins;
  };

  bool atLevel(Value v) const { return rankOf(v) >= L + 1; }
  /// Whether `op`, fed a lane's share of the level-L elements, computes that
  /// share of its results (per element, in order).
  bool perElement(Operation *op) const;
  bool isLevelJoiner(Operation *op) const;
  bool isLevelScan(Operation *op) const;
  void classify();
  LogicalResult collect(Group &g);
  LogicalResult rewrite(Group &g, StringRef forkName, StringRef denseJoinName);
  std::string freshName(StringRef base);
  int64_t minElements(Operation *creator) const;

  func::FuncOp func;
  int64_t L, P;
  /// Structure of every value with a dim at L: an id; -1 when an operator
  /// mixes two structures.
  DenseMap<Value, int64_t> structure;
  SmallVector<Operation *> creators; ///< per structure id
  std::set<int64_t> joined;          ///< structures fed to a level-L joiner
};

bool LevelRewriter::isLevelScan(Operation *op) const {
  auto scan = dyn_cast<FiberLookupOp>(op);
  return scan && rankOf(scan.getRef()) == L;
}

/// The coordinate operands of a joiner (intersect, union); none otherwise.
static OperandRange joinerCrds(Operation *op) {
  if (auto j = dyn_cast<IntersectOp>(op))
    return j.getCrds();
  if (auto j = dyn_cast<UnionOp>(op))
    return j.getCrds();
  return op->getOperands().take_front(0);
}

bool LevelRewriter::isLevelJoiner(Operation *op) const {
  OperandRange crds = joinerCrds(op);
  return !crds.empty() && rankOf(crds[0]) == L + 1;
}

bool LevelRewriter::perElement(Operation *op) const {
  if (isa<RepeatSigOp, FiberRepeatOp, LocateOp, ArrayValOp, MapOp, SinkOp,
          BroadcastOp>(op))
    return true;
  if (auto scan = dyn_cast<FiberLookupOp>(op))
    return rankOf(scan.getRef()) >= L + 1;
  if (auto red = dyn_cast<ReduceOp>(op))
    return rankOf(red.getInput()) >= L + 2; // not a reduction over L
  if (isa<IntersectOp, UnionOp>(op))
    return op->getNumOperands() > 0 && rankOf(op->getOperand(0)) >= L + 2;
  if (auto drop = dyn_cast<CrdDropOp>(op))
    return rankOf(drop.getOuter()) >= L + 2; // drops below L only
  if (auto acc = dyn_cast<SpaccOp>(op)) {
    // [D.., I, K, J]: K at L is a reduction over L; I at L is per element
    // only when every block keeps its (inner) fiber and the outer
    // coordinates, which skip empty blocks, are unused.
    int64_t r = rankOf(acc.getInner());
    if (r - 3 > L)
      return true;
    if (r - 3 == L && acc.getKeepEmpty())
      return llvm::all_of(acc.getOuterCrd().getUsers(),
                          [](Operation *u) { return isa<SinkOp>(u); });
    return false;
  }
  return false;
}

void LevelRewriter::classify() {
  func.walk([&](Operation *op) {
    if (op->getNumResults() == 0 || op == func.getOperation())
      return;
    int64_t id = -2; // -2: none yet
    if (perElement(op)) {
      for (Value o : op->getOperands()) {
        auto it = structure.find(o);
        if (it == structure.end())
          continue;
        if (id == -2)
          id = it->second;
        else if (id != it->second)
          id = -1;
      }
    }
    if (id == -2) {
      // A new structure: a level-L scan or joiner, or any operator that
      // does not keep its operands' level-L elements.
      bool any = llvm::any_of(op->getResults(),
                              [&](Value r) { return atLevel(r); });
      if (!any)
        return;
      id = static_cast<int64_t>(creators.size());
      creators.push_back(op);
    }
    if (isLevelJoiner(op))
      for (Value o : op->getOperands())
        if (auto it = structure.find(o); it != structure.end())
          joined.insert(it->second);
    for (Value r : op->getResults())
      if (atLevel(r))
        structure[r] = id;
  });
}

/// A lower bound on the elements of every level-L fiber of the structure
/// `creator` makes: a dense scan's size; a union's largest operand's, an
/// intersection's smallest; 0 for a compressed level.
int64_t LevelRewriter::minElements(Operation *creator) const {
  if (auto scan = dyn_cast<FiberLookupOp>(creator))
    return scan.getFormat() == "dense" && scan.getDim() ? *scan.getDim() : 0;
  bool isUnion = isa<UnionOp>(creator);
  if (!isUnion && !isa<IntersectOp>(creator))
    return 0;
  std::optional<int64_t> bound;
  for (Value crd : joinerCrds(creator)) {
    auto it = structure.find(crd);
    int64_t n = it == structure.end() || it->second < 0
                    ? 0
                    : minElements(creators[it->second]);
    bound = !bound ? n : isUnion ? std::max(*bound, n) : std::min(*bound, n);
  }
  return bound.value_or(0);
}

LogicalResult LevelRewriter::collect(Group &g) {
  SmallVector<Value> work(g.forked.begin(), g.forked.end());
  g.lane.insert(g.forked.begin(), g.forked.end());
  while (!work.empty()) {
    Value v = work.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (!perElement(user)) {
        // A forked stream itself is whole: its other readers keep it.
        if (llvm::is_contained(g.forked, v))
          continue;
        if (!g.joins.count(v) || user->isBeforeInBlock(g.joins[v]))
          g.joins[v] = user;
        continue;
      }
      if (!g.ops.insert(user))
        continue;
      for (Value r : user->getResults()) {
        if (!atLevel(r))
          return user->emitError()
                 << kPass << "cannot parallelize level " << L
                 << ": result #" << cast<OpResult>(r).getResultNumber()
                 << " leaves the level inside a lane";
        if (g.lane.insert(r))
          work.push_back(r);
      }
    }
  }
  // Fork only the streams that per-element operators read.
  llvm::erase_if(g.forked, [&](Value v) {
    return llvm::none_of(v.getUsers(),
                         [&](Operation *u) { return g.ops.contains(u); });
  });
  // Operands from outside the lanes: outer streams (no dim at L) are read
  // whole by every lane; a stream with a dim at L that is not forked with
  // this group would pair different elements.
  for (Operation *op : g.ops)
    for (Value o : op->getOperands()) {
      if (g.lane.contains(o) || !atLevel(o))
        continue;
      InFlightDiagnostic d =
          op->emitError()
          << kPass << "cannot parallelize level " << L
          << ": the operator combines the forked level-" << L
          << " streams with a level-" << L << " stream that is not forked";
      if (Operation *def = o.getDefiningOp())
        d.attachNote(def->getLoc()) << "the stream comes from here";
      return failure();
    }
  // Every lane must get an element of every level-L fiber: a lane's empty
  // fiber is a bare stop, which a deeper scan turns into "one empty fiber"
  // (SAM's reading of stops, simulator/README.md), so a reduction below
  // would emit a value for an element the lane never had.
  int64_t atLeast = minElements(g.creator);
  bool deeper = llvm::any_of(g.lane, [&](Value v) { return rankOf(v) > L + 1; });
  if (deeper && atLeast < P)
    return g.creator->emitError()
           << kPass << "cannot parallelize level " << L << " over " << P
           << " lanes: its fibers are only known to hold " << atLeast
           << " element(s), so a lane could get an empty fiber, which the "
              "deeper levels' stop tokens cannot express (the level needs a "
              "dense scan of at least "
           << P << " in its joiner)";
  return success();
}

std::string LevelRewriter::freshName(StringRef base) {
  std::set<std::string> used;
  func.walk([&](Operation *op) {
    for (Value r : op->getResults())
      if (auto t = dyn_cast<StreamType>(r.getType()))
        for (sym::Expr e : t.getShape())
          e.collectSymbols(used);
  });
  for (int n = 0;; ++n) {
    std::string name = base.str() + (n ? "_" + std::to_string(n) : "");
    bool clash = used.count(name);
    for (int64_t k = 0; k < P && !clash; ++k)
      clash = used.count(name + "_" + std::to_string(k));
    if (!clash)
      return name;
  }
}

LogicalResult LevelRewriter::rewrite(Group &g, StringRef forkName,
                                     StringRef denseJoinName) {
  OpBuilder b(func.getContext());
  SmallVector<IRMapping> lanes(P);
  llvm::SmallPtrSet<Operation *, 8> forks;
  b.setInsertionPointAfter(g.creator);
  for (Value v : g.forked) {
    auto fork = b.create<ForkOp>(v.getLoc(), v, P, forkName);
    forks.insert(fork);
    for (int64_t k = 0; k < P; ++k)
      lanes[k].map(v, fork.getResult(k));
  }
  // Clone in program order, each clone right before its original, so every
  // operand dominates it.
  SmallVector<Operation *> order;
  llvm::SetVector<Operation *> roots;
  func.walk([&](Operation *op) {
    if (g.ops.contains(op))
      order.push_back(op);
  });
  for (Operation *op : order) {
    b.setInsertionPoint(op);
    for (int64_t k = 0; k < P; ++k) {
      // A root (FuseFlow's generator) is cheaper to repeat than to share.
      for (Value o : op->getOperands())
        if (auto root = o.getDefiningOp<RootOp>();
            root && !lanes[k].contains(o)) {
          lanes[k].map(o, b.clone(*root)->getResult(0));
          roots.insert(root);
        }
      Operation *c = b.clone(*op, lanes[k]);
      if (c->getNumResults() > 0 && failed(refreshResultTypes(c)))
        return op->emitError() << kPass << "lane " << k
                               << " of this operator has no valid type";
    }
  }
  // Join each lane value that a whole-level operator reads.
  SmallVector<Operation *> retyped;
  for (auto &[v, first] : g.joins) {
    b.setInsertionPoint(first);
    SmallVector<Value> parts;
    for (int64_t k = 0; k < P; ++k)
      parts.push_back(lanes[k].lookup(v));
    sym::Expr d = cast<StreamType>(v.getType()).getShape()[L];
    // The join restores the original stream: keep its type when the level
    // is ragged (its name).
    std::string name = d.isRagged() && d.getOperands().size() == 1 &&
                               !d.getOperands()[0].getSymbolName().empty()
                           ? std::string(d.getOperands()[0].getSymbolName())
                           : denseJoinName.str();
    auto join = b.create<JoinOp>(v.getLoc(), parts, rankOf(v) - 1 - L, name);
    for (OpOperand &use : llvm::make_early_inc_range(v.getUses()))
      if (!g.ops.contains(use.getOwner()) && !forks.contains(use.getOwner())) {
        use.set(join.getResult());
        if (join.getResult().getType() != v.getType())
          retyped.push_back(use.getOwner());
      }
  }
  for (Operation *op : llvm::reverse(order))
    op->erase();
  for (Operation *root : roots)
    if (root->use_empty())
      root->erase();
  // A dense level's join has a ragged dim where the original had a size:
  // re-infer the whole-level operators downstream.
  while (!retyped.empty()) {
    Operation *op = retyped.pop_back_val();
    if (op->getNumResults() == 0)
      continue;
    SmallVector<Type> before(op->getResultTypes());
    if (failed(refreshResultTypes(op)))
      return op->emitError() << kPass << "cannot read the joined level-" << L
                             << " stream (a dense level made ragged by the "
                                "join)";
    if (!llvm::equal(before, op->getResultTypes()))
      for (Operation *u : op->getUsers())
        retyped.push_back(u);
  }
  return success();
}

LogicalResult LevelRewriter::run() {
  int64_t deepest = 0;
  func.walk([&](Operation *op) {
    for (Value r : op->getResults())
      deepest = std::max(deepest, rankOf(r) - 1);
  });
  if (deepest < L)
    return func.emitError() << kPass << "no level " << L << " in @"
                            << func.getSymName() << " (its streams reach level "
                            << deepest << ")";
  classify();
  SmallVector<Group> groups;
  for (auto [id, creator] : llvm::enumerate(creators)) {
    if (joined.count(id) || !(isLevelScan(creator) || isLevelJoiner(creator)))
      continue;
    Group g;
    g.creator = creator;
    for (Value r : creator->getResults())
      if (atLevel(r) && !llvm::all_of(r.getUsers(), [](Operation *u) {
            return isa<SinkOp>(u);
          }))
        g.forked.push_back(r);
    if (g.forked.empty())
      continue;
    if (failed(collect(g)))
      return failure();
    if (!g.ops.empty())
      groups.push_back(std::move(g));
  }
  if (groups.empty())
    return func.emitError() << kPass << "nothing to parallelize at level " << L
                            << " in @" << func.getSymName()
                            << ": no scan or joiner of the level feeds "
                               "per-element work";
  std::string joinName = freshName("J" + std::to_string(L));
  for (Group &g : groups) {
    std::string forkName = freshName("P" + std::to_string(L));
    if (failed(rewrite(g, forkName, joinName)))
      return failure();
  }
  return success();
}

struct SamParallelizePass
    : public mlir::step::impl::StepSamParallelizeBase<SamParallelizePass> {
  using StepSamParallelizeBase::StepSamParallelizeBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (levels.size() != factors.size()) {
      module.emitError() << kPass << "expected as many factors as levels, got "
                         << levels.size() << " levels and " << factors.size()
                         << " factors";
      return signalPassFailure();
    }
    for (auto [l, p] : llvm::zip(levels, factors)) {
      if (l < 1) {
        module.emitError() << kPass << "expected a level >= 1 (1 is the "
                           << "outermost loop level), got " << l;
        return signalPassFailure();
      }
      if (p < 1) {
        module.emitError() << kPass << "expected a factor >= 1, got " << p;
        return signalPassFailure();
      }
    }
    std::set<std::string> wanted(funcs.begin(), funcs.end());
    SmallVector<func::FuncOp> targets;
    for (auto f : module.getOps<func::FuncOp>()) {
      bool sam = false;
      f.walk([&](FiberLookupOp) { sam = true; });
      if (sam && (wanted.empty() || wanted.count(f.getSymName().str())))
        targets.push_back(f);
    }
    for (const std::string &name : wanted)
      if (!module.lookupSymbol<func::FuncOp>(name)) {
        module.emitError() << kPass << "no function @" << name;
        return signalPassFailure();
      }
    // Outer levels first: an inner level is then forked inside every lane.
    for (auto [l, p] : llvm::zip(levels, factors)) {
      if (p == 1)
        continue;
      for (func::FuncOp f : targets)
        if (failed(LevelRewriter(f, l, p).run()))
          return signalPassFailure();
    }
  }
};
} // namespace
