//===- FusedIndexSpace.cpp - FuseFlow's IR #1 over one fusion region ------===//
//
// Union-find over the loop dims of a fusion region's linalg ops, the
// partial-order graph of storage and dataflow orders, cycle detection and
// the enumeration of the concordant loop orders (reference/fuseflow.md §3.2).
//
//===----------------------------------------------------------------------===//

#include "passes/FusedIndexSpace.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SparseTensor/IR/SparseTensor.h"
#include "mlir/IR/AsmState.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <numeric>
#include <vector>

using namespace mlir;
using namespace mlir::step;

namespace {

struct UnionFind {
  llvm::SmallVector<unsigned> parent;
  unsigned add() {
    parent.push_back(parent.size());
    return parent.size() - 1;
  }
  unsigned find(unsigned x) {
    while (parent[x] != x)
      x = parent[x] = parent[parent[x]];
    return x;
  }
  // The smaller id stays the root, so a class is named by its first member.
  void unite(unsigned a, unsigned b) {
    a = find(a);
    b = find(b);
    if (a != b)
      parent[std::max(a, b)] = std::min(a, b);
  }
};

std::string printValue(Value v, AsmState &state) {
  std::string s;
  llvm::raw_string_ostream os(s);
  v.printAsOperand(os, state);
  return s;
}

} // namespace

FailureOr<FusedIndexSpace>
FusedIndexSpace::build(func::FuncOp func, const FusedIndexSpaceOptions &opts) {
  FusedIndexSpace fis;
  AsmState state(func);
  llvm::DenseMap<Operation *, unsigned> opIndex;
  UnionFind uf;

  // One instance of an op: its loop dims, one unique variable each.
  auto addInstance = [&](Operation *raw, unsigned opNumber, unsigned copy) {
    auto op = cast<linalg::LinalgOp>(raw);
    unsigned inst = fis.ops.size();
    fis.ops.push_back(raw);
    fis.opNumber.push_back(opNumber);
    fis.copyNumber.push_back(copy);
    std::string label = raw->getNumResults()
                            ? printValue(raw->getResult(0), state)
                            : "op#" + std::to_string(opNumber);
    label += " (" + raw->getName().getStringRef().str() + ")";
    if (copy)
      label += " copy " + std::to_string(copy);
    fis.labels.push_back(label);
    fis.firstDim.push_back(fis.loopDims.size());
    auto iters = op.getIteratorTypesArray();
    for (unsigned d = 0, e = op.getNumLoops(); d < e; ++d) {
      fis.loopDims.push_back(
          {inst, d, iters[d] == utils::IteratorType::reduction});
      uf.add();
    }
    return inst;
  };

  // The ops in program order; instance k is op k's first (primary) copy, so
  // variables are numbered in program order.
  llvm::SmallVector<Operation *> ops;
  WalkResult walk = func.walk([&](linalg::LinalgOp op) -> WalkResult {
    if (isa<linalg::FillOp>(op))
      return WalkResult::advance();
    for (OpOperand &operand : op->getOpOperands()) {
      if (!isa<RankedTensorType, MemRefType>(operand.get().getType()))
        continue;
      AffineMap map = op.getMatchingIndexingMap(&operand);
      for (auto [k, expr] : llvm::enumerate(map.getResults())) {
        if (!isa<AffineDimExpr>(expr)) {
          std::string s;
          llvm::raw_string_ostream os(s);
          expr.print(os);
          return op->emitError("fused index space: result #")
                 << k << " (" << s << ") of the index map of operand #"
                 << operand.getOperandNumber() << " is not a loop dimension";
        }
      }
    }
    opIndex[op] = ops.size();
    ops.push_back(op);
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  for (auto [k, op] : llvm::enumerate(ops))
    addInstance(op, k, 0);

  auto dimId = [&](unsigned inst, AffineExpr e) {
    return fis.firstDim[inst] + cast<AffineDimExpr>(e).getPosition();
  };

  // Producer -> consumer: a use of a linalg result inlines the producer, so
  // the consumer's dims for that operand are the producer's output dims. A
  // result with several uses is inlined once per use: the first use takes
  // the producer's primary instance, every further use a fresh copy (with
  // copies of its own producers), as substitution into a fused Einsum does.
  llvm::SmallVector<bool> claimed(ops.size(), false);
  llvm::SmallVector<unsigned> copies(ops.size(), 0);
  constexpr unsigned maxInstances = 256;
  std::function<LogicalResult(unsigned)> link =
      [&](unsigned inst) -> LogicalResult {
    auto op = cast<linalg::LinalgOp>(fis.ops[inst]);
    for (OpOperand &operand : op->getOpOperands()) {
      auto res = dyn_cast<OpResult>(operand.get());
      if (!res || !opIndex.count(res.getOwner()))
        continue;
      unsigned p = opIndex[res.getOwner()];
      unsigned child = p;
      bool shared = claimed[p] && !opts.copyPerUse;
      if (claimed[p] && opts.copyPerUse) {
        if (fis.ops.size() >= maxInstances)
          return res.getOwner()->emitError(
                     "fused index space: inlining every use makes more than ")
                 << maxInstances << " op instances";
        child = addInstance(res.getOwner(), p, ++copies[p]);
      }
      claimed[p] = true;
      auto producer = cast<linalg::LinalgOp>(res.getOwner());
      AffineMap pmap = producer.getIndexingMapMatchingResult(res);
      AffineMap cmap = op.getMatchingIndexingMap(&operand);
      for (unsigned k = 0; k < cmap.getNumResults(); ++k)
        uf.unite(dimId(inst, cmap.getResult(k)),
                 dimId(child, pmap.getResult(k)));
      if (!shared && failed(link(child)))
        return failure();
    }
    return success();
  };
  // Roots (no linalg user) in program order; every other op is reached
  // from one of them.
  for (auto [k, op] : llvm::enumerate(ops)) {
    bool used = llvm::any_of(op->getUsers(), [&](Operation *user) {
      return opIndex.count(user) != 0;
    });
    if (used)
      continue;
    claimed[k] = true;
    if (failed(link(k)))
      return failure();
  }

  // Name the classes in order of first appearance.
  fis.varOfDim.assign(fis.loopDims.size(), ~0u);
  llvm::DenseMap<unsigned, unsigned> varOfRoot;
  for (unsigned d = 0; d < fis.loopDims.size(); ++d) {
    unsigned root = uf.find(d);
    auto [it, inserted] = varOfRoot.try_emplace(root, fis.vars.size());
    if (inserted)
      fis.vars.emplace_back();
    fis.varOfDim[d] = it->second;
    IndexVar &v = fis.vars[it->second];
    v.members.push_back(d);
    v.reduction |= fis.loopDims[d].reduction;
  }
  // A variable that indexes a returned result is on the fused expression's
  // left-hand side: it is free even if some consumer reduces it.
  func.walk([&](func::ReturnOp ret) {
    for (Value v : ret.getOperands()) {
      auto res = dyn_cast<OpResult>(v);
      if (!res || !opIndex.count(res.getOwner()))
        continue;
      unsigned p = opIndex[res.getOwner()];
      auto producer = cast<linalg::LinalgOp>(res.getOwner());
      for (AffineExpr e :
           producer.getIndexingMapMatchingResult(res).getResults())
        fis.vars[fis.varOfDim[dimId(p, e)]].reduction = false;
    }
  });
  unsigned numI = 0, numU = 0;
  for (IndexVar &v : fis.vars)
    v.name = v.reduction ? "u" + std::to_string(numU++)
                         : "i" + std::to_string(numI++);

  auto addEdge = [&](unsigned fromDim, unsigned toDim, std::string why) {
    unsigned from = fis.varOfDim[fromDim], to = fis.varOfDim[toDim];
    for (Edge &e : fis.edges)
      if (e.from == from && e.to == to) {
        if (!llvm::is_contained(e.origins, why))
          e.origins.push_back(std::move(why));
        return;
      }
    fis.edges.push_back({from, to, {std::move(why)}});
  };

  // Storage (mode) order of every sparse operand: level l outside level l+1.
  for (auto [idx, raw] : llvm::enumerate(fis.ops)) {
    auto op = cast<linalg::LinalgOp>(raw);
    for (OpOperand &operand : op->getOpOperands()) {
      auto enc =
          sparse_tensor::getSparseTensorEncoding(operand.get().getType());
      if (!enc)
        continue;
      AffineMap map = op.getMatchingIndexingMap(&operand);
      AffineMap dimToLvl = enc.getDimToLvl();
      unsigned rank = map.getNumResults();
      if (dimToLvl && !dimToLvl.isPermutation())
        return op->emitError("fused index space: the sparse encoding of "
                             "operand #")
               << operand.getOperandNumber()
               << " has a dimToLvl map that is not a permutation: "
               << AffineMapAttr::get(dimToLvl);
      llvm::SmallVector<unsigned> lvlDims(rank);
      std::iota(lvlDims.begin(), lvlDims.end(), 0);
      if (dimToLvl)
        for (unsigned l = 0; l < rank; ++l)
          lvlDims[l] = dimToLvl.getDimPosition(l);
      std::string why = "storage order of " + printValue(operand.get(), state) +
                        " in " + fis.labels[idx];
      for (unsigned l = 0; l + 1 < rank; ++l)
        addEdge(dimId(idx, map.getResult(lvlDims[l])),
                dimId(idx, map.getResult(lvlDims[l + 1])), why);
    }
  }

  // Dataflow order: the op's affine dims, outermost first.
  if (opts.dataflowEdges)
    for (unsigned idx = 0; idx < fis.ops.size(); ++idx) {
      unsigned n = cast<linalg::LinalgOp>(fis.ops[idx]).getNumLoops();
      for (unsigned d = 0; d + 1 < n; ++d)
        addEdge(fis.firstDim[idx] + d, fis.firstDim[idx] + d + 1,
                "dataflow order of " + fis.labels[idx] + " (d" +
                    std::to_string(d) + " before d" + std::to_string(d + 1) +
                    ")");
    }
  return fis;
}

unsigned FusedIndexSpace::getVar(unsigned opIndex, unsigned dim) const {
  return varOfDim[firstDim[opIndex] + dim];
}

llvm::ArrayRef<std::string> FusedIndexSpace::getEdgeOrigins(unsigned from,
                                                            unsigned to) const {
  for (const Edge &e : edges)
    if (e.from == from && e.to == to)
      return e.origins;
  return {};
}

std::optional<llvm::SmallVector<unsigned>> FusedIndexSpace::findCycle() const {
  unsigned n = vars.size();
  llvm::SmallVector<llvm::SmallVector<unsigned>> succ(n);
  for (const Edge &e : edges)
    succ[e.from].push_back(e.to);
  for (auto &s : succ)
    llvm::sort(s);
  // Iterative DFS, colours: 0 unvisited, 1 on the stack, 2 done.
  llvm::SmallVector<int> colour(n, 0);
  llvm::SmallVector<unsigned> path;
  llvm::SmallVector<unsigned> nextChild;
  for (unsigned start = 0; start < n; ++start) {
    if (colour[start])
      continue;
    path = {start};
    nextChild = {0};
    colour[start] = 1;
    while (!path.empty()) {
      unsigned v = path.back();
      if (nextChild.back() == succ[v].size()) {
        colour[v] = 2;
        path.pop_back();
        nextChild.pop_back();
        continue;
      }
      unsigned w = succ[v][nextChild.back()++];
      if (colour[w] == 1) {
        auto it = llvm::find(path, w);
        return llvm::SmallVector<unsigned>(it, path.end());
      }
      if (colour[w] == 0) {
        colour[w] = 1;
        path.push_back(w);
        nextChild.push_back(0);
      }
    }
  }
  return std::nullopt;
}

llvm::SmallVector<llvm::SmallVector<unsigned>>
FusedIndexSpace::enumerateOrders(unsigned max) const {
  llvm::SmallVector<llvm::SmallVector<unsigned>> orders;
  if (findCycle() || max == 0)
    return orders;
  unsigned n = vars.size();
  llvm::SmallVector<unsigned> indeg(n, 0);
  llvm::SmallVector<llvm::SmallVector<unsigned>> succ(n);
  for (const Edge &e : edges) {
    succ[e.from].push_back(e.to);
    ++indeg[e.to];
  }
  llvm::SmallVector<unsigned> prefix;
  llvm::SmallVector<bool> used(n, false);
  // Backtracking; trying the ready variables in increasing number gives the
  // orders in lexicographic order.
  std::function<void()> rec = [&]() {
    if (orders.size() >= max)
      return;
    if (prefix.size() == n) {
      orders.push_back(prefix);
      return;
    }
    for (unsigned v = 0; v < n && orders.size() < max; ++v) {
      if (used[v] || indeg[v])
        continue;
      used[v] = true;
      prefix.push_back(v);
      for (unsigned w : succ[v])
        --indeg[w];
      rec();
      for (unsigned w : succ[v])
        ++indeg[w];
      prefix.pop_back();
      used[v] = false;
    }
  };
  rec();
  return orders;
}

std::optional<uint64_t> FusedIndexSpace::countOrders() const {
  unsigned n = vars.size();
  if (n > 20)
    return std::nullopt;
  if (findCycle())
    return 0;
  llvm::SmallVector<uint32_t> preds(n, 0);
  for (const Edge &e : edges)
    preds[e.to] |= 1u << e.from;
  // ways[mask]: orders of the variables in `mask` placed first.
  std::vector<uint64_t> ways(size_t(1) << n, 0);
  ways[0] = 1;
  for (uint32_t mask = 0; mask < (1u << n); ++mask) {
    if (!ways[mask])
      continue;
    for (unsigned v = 0; v < n; ++v)
      if (!(mask & (1u << v)) && (preds[v] & ~mask) == 0)
        ways[mask | (1u << v)] += ways[mask];
  }
  return ways[(size_t(1) << n) - 1];
}

llvm::SmallVector<func::FuncOp>
mlir::step::collectFusionRegions(ModuleOp module) {
  llvm::SmallVector<func::FuncOp> regions;
  bool anyMarked = false;
  module.walk(
      [&](func::FuncOp f) { anyMarked |= f->hasAttr("step.fusion_region"); });
  module.walk([&](func::FuncOp f) {
    if (f.isExternal())
      return;
    bool hasLinalg = f.walk([](linalg::LinalgOp) {
                        return WalkResult::interrupt();
                      }).wasInterrupted();
    if (anyMarked ? f->hasAttr("step.fusion_region") : hasLinalg)
      regions.push_back(f);
  });
  return regions;
}
