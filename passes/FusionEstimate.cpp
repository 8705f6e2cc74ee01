//===- FusionEstimate.cpp - FuseFlow's FLOPs/bytes fusion heuristic -------===//
//
// --step-fusion-estimate: for every fusion region and its chosen loop order
// (the FusedIndexSpace analysis), estimates the operations and the memory
// traffic (in elements) of each op, the region and the module, following
// FuseFlow's heuristic (reference/fuseflow.md §3.6). The counting rules, and
// where we had to choose, are in the pass description in Passes.td.
//
//===----------------------------------------------------------------------===//

#include "passes/FusedIndexSpace.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SparseTensor/IR/SparseTensor.h"
#include "mlir/IR/AsmState.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::step {
#define GEN_PASS_DEF_STEPFUSIONESTIMATE
#include "passes/Passes.h.inc"
} // namespace mlir::step

using namespace mlir;
using namespace mlir::step;

namespace {

std::string num(double x) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << llvm::format("%.6g", x);
  return s;
}

enum class NodeKind { Mul, Add, None };

NodeKind classify(Operation *op) {
  bool mul = false, add = false;
  op->walk([&](Operation *inner) {
    if (isa<arith::MulFOp, arith::DivFOp, arith::MulIOp, arith::DivSIOp,
            arith::DivUIOp>(inner))
      mul = true;
    else if (isa<arith::AddFOp, arith::SubFOp, arith::AddIOp, arith::SubIOp,
                 arith::MaximumFOp, arith::MaxNumFOp, arith::MinimumFOp,
                 arith::MinNumFOp>(inner))
      add = true;
  });
  return mul ? NodeKind::Mul : add ? NodeKind::Add : NodeKind::None;
}

struct FusionEstimatePass
    : public mlir::step::impl::StepFusionEstimateBase<FusionEstimatePass> {
  using StepFusionEstimateBase::StepFusionEstimateBase;

  /// density=... entries: by argument index (argN) and by argument name
  /// (the NameLoc of the function argument, `%A: ... loc("A")`).
  llvm::DenseMap<unsigned, double> densityByIndex;
  llvm::StringMap<double> densityByName;

  LogicalResult parseDensity(ModuleOp module) {
    llvm::SmallVector<llvm::StringRef> items;
    llvm::StringRef(density).split(items, ',', -1, /*KeepEmpty=*/false);
    for (llvm::StringRef item : items) {
      auto [key, value] = item.trim().split(':');
      key = key.trim();
      double p;
      if (key.empty() || value.trim().getAsDouble(p) || !(p > 0.0 && p <= 1.0))
        return module.emitError("--step-fusion-estimate: bad density entry '")
               << item.trim()
               << "': expected NAME:P with NAME argN (function argument "
                  "index) or an argument's loc name, and 0 < P <= 1";
      unsigned idx;
      llvm::StringRef digits = key;
      if (digits.consume_front("arg") && !digits.getAsInteger(10, idx))
        densityByIndex[idx] = p;
      else
        densityByName[key] = p;
    }
    return success();
  }

  static std::optional<llvm::StringRef> argName(BlockArgument arg) {
    if (auto loc = dyn_cast<NameLoc>(arg.getLoc()))
      return loc.getName().getValue();
    return std::nullopt;
  }

  /// The density of a function argument's non-dense levels: by name first,
  /// then by index, else 1.
  double argDensity(BlockArgument arg) const {
    if (auto name = argName(arg)) {
      auto it = densityByName.find(*name);
      if (it != densityByName.end())
        return it->second;
    }
    auto it = densityByIndex.find(arg.getArgNumber());
    return it == densityByIndex.end() ? 1.0 : it->second;
  }

  /// A density key that names no argument of any region is probably a typo:
  /// warn (not an error, so one option can serve several inputs).
  void checkKeys(ModuleOp module, llvm::ArrayRef<func::FuncOp> regions) {
    unsigned maxArgs = 0;
    llvm::StringSet<> names;
    for (func::FuncOp f : regions) {
      maxArgs = std::max(maxArgs, f.getNumArguments());
      for (BlockArgument a : f.getArguments())
        if (auto n = argName(a))
          names.insert(*n);
    }
    for (auto &[idx, p] : densityByIndex)
      if (idx >= maxArgs)
        module.emitWarning("--step-fusion-estimate: density key 'arg")
            << idx << "' names no argument of any fusion region";
    for (auto &entry : densityByName)
      if (!names.contains(entry.getKey()))
        module.emitWarning("--step-fusion-estimate: density key '")
            << entry.getKey()
            << "' names no argument of any fusion region (neither argN "
               "nor an argument loc name)";
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (order < 0) {
      module.emitError("--step-fusion-estimate: order must be >= 0, got ")
          << int64_t(order);
      return signalPassFailure();
    }
    if (failed(parseDensity(module)))
      return signalPassFailure();
    llvm::SmallVector<func::FuncOp> regions = collectFusionRegions(module);
    checkKeys(module, regions);
    llvm::raw_ostream &os = llvm::outs();
    double totalOps = 0, totalBytes = 0;
    bool anyFailed = false;
    for (func::FuncOp f : regions) {
      double ops = 0, bytes = 0;
      if (failed(estimate(f, os, ops, bytes)))
        anyFailed = true;
      totalOps += ops;
      totalBytes += bytes;
    }
    if (anyFailed)
      return signalPassFailure();
    os << "module estimate: ops " << num(totalOps) << ", bytes "
       << num(totalBytes) << " (elements)\n";
  }

  LogicalResult estimate(func::FuncOp f, llvm::raw_ostream &os,
                         double &regionOps, double &regionBytes) {
    FusedIndexSpaceOptions opts;
    opts.dataflowEdges = dataflowEdges;
    opts.copyPerUse = copyPerUse;
    FailureOr<FusedIndexSpace> fis = FusedIndexSpace::build(f, opts);
    if (failed(fis))
      return failure();
    auto vars = fis->getIndexVars();
    auto name = [&](unsigned v) -> llvm::StringRef { return vars[v].name; };
    if (fis->findCycle())
      return mlir::emitError(f.getLoc())
             << "fusion region @" << f.getSymName()
             << ": the partial-order graph has a cycle (see "
                "--step-fusion-index-space); no loop order to estimate";
    auto orders = fis->enumerateOrders(unsigned(order) + 1);
    if (order >= int64_t(orders.size()))
      return mlir::emitError(f.getLoc())
             << "fusion region @" << f.getSymName()
             << ": order=" << int64_t(order) << " is out of range: "
             << orders.size() << " loop orders";
    llvm::ArrayRef<unsigned> chosen = orders[order];
    llvm::SmallVector<unsigned> pos(vars.size());
    for (auto [k, v] : llvm::enumerate(chosen))
      pos[v] = k;

    // Extents from the static loop ranges; densities from the sparse
    // function arguments' non-dense levels (each argument once per var).
    unsigned numVars = vars.size();
    llvm::SmallVector<int64_t> extent(numVars, -1);
    llvm::SmallVector<llvm::SmallVector<BlockArgument>> sparseArgs(numVars);
    for (unsigned i = 0; i < fis->getOps().size(); ++i) {
      auto op = cast<linalg::LinalgOp>(fis->getOps()[i]);
      llvm::SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      for (unsigned d = 0; d < ranges.size(); ++d) {
        if (ShapedType::isDynamic(ranges[d]))
          return op->emitError("fusion estimate: loop d")
                 << d << " has no static extent";
        extent[fis->getVar(i, d)] = ranges[d];
      }
      for (OpOperand *operand : op.getDpsInputOperands()) {
        auto arg = dyn_cast<BlockArgument>(operand->get());
        auto enc = sparse_tensor::getSparseTensorEncoding(operand->get().getType());
        if (!arg || !enc || arg.getOwner()->getParentOp() != f)
          continue;
        AffineMap map = op.getMatchingIndexingMap(operand);
        AffineMap dimToLvl = enc.getDimToLvl();
        for (unsigned l = 0; l < map.getNumResults(); ++l) {
          if (enc.isDenseLvl(l))
            continue;
          unsigned dim = dimToLvl ? dimToLvl.getDimPosition(l) : l;
          unsigned v = fis->getVar(
              i, cast<AffineDimExpr>(map.getResult(dim)).getPosition());
          if (!llvm::is_contained(sparseArgs[v], arg))
            sparseArgs[v].push_back(arg);
        }
      }
    }
    llvm::SmallVector<double> coords(numVars);
    os << "fusion estimate @" << f.getSymName() << ": order";
    for (unsigned v : chosen)
      os << " " << name(v);
    os << "\n  coords:";
    for (unsigned v : chosen) {
      double c = double(extent[v]);
      os << " " << name(v) << "=" << extent[v];
      for (BlockArgument a : sparseArgs[v]) {
        double p = argDensity(a);
        c *= p;
        os << "*" << num(p);
      }
      if (!sparseArgs[v].empty())
        os << "=" << num(c);
      coords[v] = c;
    }
    os << "\n";

    AsmState state(f);
    auto valueName = [&](Value v) {
      std::string s;
      llvm::raw_string_ostream vs(s);
      v.printAsOperand(vs, state);
      return s;
    };
    // The variables of an operand's levels, in storage order.
    auto levelVars = [&](unsigned inst, OpOperand &operand) {
      auto op = cast<linalg::LinalgOp>(fis->getOps()[inst]);
      AffineMap map = op.getMatchingIndexingMap(&operand);
      auto enc = sparse_tensor::getSparseTensorEncoding(operand.get().getType());
      AffineMap dimToLvl = enc ? enc.getDimToLvl() : AffineMap();
      llvm::SmallVector<unsigned> lv;
      for (unsigned l = 0; l < map.getNumResults(); ++l) {
        unsigned dim = dimToLvl ? dimToLvl.getDimPosition(l) : l;
        lv.push_back(fis->getVar(
            inst, cast<AffineDimExpr>(map.getResult(dim)).getPosition()));
      }
      return lv;
    };

    for (unsigned i = 0; i < fis->getOps().size(); ++i) {
      auto op = cast<linalg::LinalgOp>(fis->getOps()[i]);
      llvm::SmallVector<unsigned> own;
      unsigned last = 0;
      for (unsigned d = 0; d < op.getNumLoops(); ++d) {
        unsigned v = fis->getVar(i, d);
        if (!llvm::is_contained(own, v))
          own.push_back(v);
        last = std::max(last, pos[v]);
      }
      // Scope: loops up to the innermost own loop, except pure reduction
      // loops of other ops (they close before this op runs).
      llvm::SmallVector<unsigned> scope;
      for (unsigned k = 0; k <= last; ++k) {
        unsigned v = chosen[k];
        bool pureReduction = llvm::all_of(vars[v].members, [&](unsigned m) {
          return fis->getLoopDims()[m].reduction;
        });
        if (llvm::is_contained(own, v) || !pureReduction)
          scope.push_back(v);
      }
      NodeKind kind = classify(op);
      bool reduction = op.getNumReductionLoops() > 0;
      llvm::SmallVector<unsigned> leftVars;
      if (op.getNumDpsInputs()) {
        AffineMap m = op.getMatchingIndexingMap(op.getDpsInputOperand(0));
        for (AffineExpr e : m.getResults())
          leftVars.push_back(
              fis->getVar(i, cast<AffineDimExpr>(e).getPosition()));
      }
      double ops = 0;
      if (kind != NodeKind::None) {
        ops = 1;
        for (unsigned v : scope)
          if (kind == NodeKind::Mul || llvm::is_contained(leftVars, v))
            ops *= coords[v];
        if (reduction)
          ops *= 2;
      }
      // Reads of the inputs that are not inlined linalg results: one value
      // per coordinate; in a mul/div node times every scoped loop that does
      // not index the operand, and x2 at the outermost scoped loop.
      double reads = 0;
      std::string readList;
      for (OpOperand *operand : op.getDpsInputOperands()) {
        if (!isa<RankedTensorType, MemRefType>(operand->get().getType()) ||
            operand->get().getDefiningOp<linalg::LinalgOp>())
          continue;
        llvm::SmallVector<unsigned> opVars = levelVars(i, *operand);
        double r = 1;
        for (unsigned v : opVars)
          r *= coords[v];
        if (kind == NodeKind::Mul) {
          for (unsigned v : scope)
            if (!llvm::is_contained(opVars, v))
              r *= coords[v];
          r *= 2;
        }
        reads += r;
        readList += (readList.empty() ? "" : ", ") +
                    valueName(operand->get()) + " " + num(r);
      }
      // Writes of the returned results (primary instance only): per level
      // in storage order seg (the coordinates outside it) and crd (up to
      // it), then the values.
      double writes = 0;
      bool primary = fis->getInstanceName(i).find('#') == std::string::npos;
      for (OpResult res : op->getResults()) {
        if (!primary || !llvm::any_of(res.getUsers(), [](Operation *u) {
              return isa<func::ReturnOp>(u);
            }))
          continue;
        double outer = 1;
        for (unsigned v :
             levelVars(i, *op.getDpsInitOperand(res.getResultNumber()))) {
          writes += outer;
          outer *= coords[v];
          writes += outer;
        }
        writes += outer;
      }
      os << "  " << fis->getInstanceName(i) << " " << fis->getOpLabel(i)
         << ": "
         << (kind == NodeKind::Mul   ? "mul"
             : kind == NodeKind::Add ? "add"
                                     : "no binary node")
         << (reduction ? ", reduction" : "") << ": ops " << num(ops)
         << " (scope";
      for (unsigned v : scope)
        os << " " << name(v);
      os << "); reads " << num(reads);
      if (!readList.empty())
        os << " (" << readList << ")";
      os << "; writes " << num(writes) << "\n";
      regionOps += ops;
      regionBytes += reads + writes;
    }
    os << "  total @" << f.getSymName() << ": ops " << num(regionOps)
       << ", bytes " << num(regionBytes) << "\n";
    return success();
  }
};

} // namespace
