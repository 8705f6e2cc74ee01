//===- ReportCost.cpp - the STeP symbolic cost report ---------------------===//
//
// Prints off-chip traffic and on-chip memory per operator and in total,
// symbolically and, given bindings, as numbers (reference/step.md §4). Also
// prints the relations routing operators record between the symbols they
// mint, and checks the bindings against them.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <set>

namespace mlir::step {
#define GEN_PASS_DEF_STEPREPORTCOST
#include "passes/Passes.h.inc"
} // namespace mlir::step

using namespace mlir;
using namespace mlir::step;

namespace {

/// A linear relation `sum(lhs) = rhs` between symbols, with its origin.
struct Relation {
  std::vector<sym::Expr> lhs;
  sym::Expr rhs;
  Operation *origin;
};

std::string label(Operation *op) {
  std::string s = op->getName().getStringRef().str();
  if (auto name = op->getAttrOfType<StringAttr>("tensor"))
    s += " \"" + name.getValue().str() + "\"";
  else if (auto name = op->getAttrOfType<StringAttr>("input"))
    s += " \"" + name.getValue().str() + "\"";
  if (auto loc = dyn_cast<FileLineColLoc>(op->getLoc()))
    s += " (line " + std::to_string(loc.getLine()) + ")";
  return s;
}

/// Relations recorded by routing operators between the symbols they mint.
std::vector<Relation> collectRelations(Operation *root) {
  std::vector<Relation> rels;
  root->walk([&](PartitionOp op) {
    auto sel = op.getSel().getType();
    auto selTy = cast<SelectorType>(sel.getElementType());
    if (selTy.getHot() == 0)
      return;
    Relation r;
    for (Value out : op.getOutputs())
      r.lhs.push_back(cast<StreamType>(out.getType()).getShape().front());
    r.rhs = sel.getCardinality() * sym::constant(selTy.getHot());
    r.origin = op;
    rels.push_back(r);
  });
  root->walk([&](ReassembleOp op) {
    auto out = op.getResult().getType();
    size_t pos = op.getSel().getType().getShape().size();
    sym::Expr k = out.getShape()[pos];
    if (!k.isRagged())
      return;
    Relation r;
    for (Value in : op.getInputs())
      r.lhs.push_back(cast<StreamType>(in.getType()).getShape().front());
    r.rhs = k.getOperands()[0];
    r.origin = op;
    rels.push_back(r);
  });
  return rels;
}

/// True for the `add` of an accumulator (the update region's first
/// argument) and a matmul product: part of a multiply-accumulate, whose cost
/// is the matmul's 2*M*K*N alone (the convention of STeP's simulator, and of
/// ours).
bool isFusedAccumulation(Operation *op, Region &update) {
  auto add = dyn_cast<AddOp>(op);
  if (!add || update.empty() || update.front().getNumArguments() == 0)
    return false;
  Value acc = update.front().getArgument(0);
  for (auto [x, y] : {std::pair(add.getLhs(), add.getRhs()),
                      std::pair(add.getRhs(), add.getLhs())})
    if (x == acc && y.getDefiningOp<MatmulOp>())
      return true;
  return false;
}

/// FLOPs of a higher-order operator over its whole input: the FLOPs of its
/// region's tile ops (for accum and scan, the update region) times the
/// number of input elements.
sym::Expr operatorFlops(Operation *op) {
  bool accumulating = isa<AccumOp, ScanOp>(op);
  Region &body = accumulating ? op->getRegion(1) : op->getRegion(0);
  sym::Expr perElement = sym::constant(0);
  body.walk([&](TileOpInterface t) {
    if (!(accumulating && isFusedAccumulation(t, body)))
      perElement = perElement + t.getFlops();
  });
  auto in = cast<StreamType>(op->getOperand(0).getType());
  return in.getCardinality() * perElement;
}

struct ReportCostPass : public mlir::step::impl::StepReportCostBase<ReportCostPass> {
  using StepReportCostBase::StepReportCostBase;

  /// Parses `bind`; reports malformed entries on the module.
  LogicalResult parseBindings(sym::Bindings &values) {
    for (const std::string &entry : bind) {
      StringRef text(entry);
      auto [name, value] = text.split('=');
      name = name.trim();
      value = value.trim();
      if (!text.contains('=') || name.empty() || value.empty())
        return getOperation().emitError()
               << "bad binding '" << entry << "': expected NAME=VALUE";
      if (!sym::isValidSymbolName(name))
        return getOperation().emitError()
               << "bad binding '" << entry << "': '" << name
               << "' is not a valid symbol name";
      int64_t v;
      if (value.getAsInteger(10, v))
        return getOperation().emitError()
               << "bad binding '" << entry << "': '" << value
               << "' is not an integer";
      if (v < 0)
        return getOperation().emitError()
               << "bad binding '" << entry
               << "': sizes are non-negative, got " << v;
      if (values.count(name.str()))
        return getOperation().emitError()
               << "bad binding '" << entry << "': '" << name
               << "' is bound twice";
      values[name.str()] = v;
    }
    return success();
  }

  void runOnOperation() override {
    if (mode != 1 && mode != 2) {
      getOperation().emitError() << "mode must be 1 or 2, got " << static_cast<int>(mode);
      return signalPassFailure();
    }
    sym::Bindings values;
    if (failed(parseBindings(values)))
      return signalPassFailure();
    CostOptions options{mode, countFifos};

    // Every symbol that occurs in the module's stream types.
    std::set<std::string> known;
    getOperation()->walk([&](Operation *op) {
      for (Type t : op->getResultTypes())
        collectSymbols(t, known);
      for (Region &r : op->getRegions())
        for (Block &b : r)
          for (Type t : b.getArgumentTypes())
            collectSymbols(t, known);
    });
    for (auto &[name, v] : values)
      if (!known.count(name)) {
        auto diag = getOperation().emitError()
                    << "bad binding: unknown symbol '" << name << "'";
        diag << "; the graph's symbols are: "
             << (known.empty() ? std::string("(none)")
                               : llvm::join(known, ", "));
        return signalPassFailure();
      }

    llvm::raw_ostream &os = llvm::outs();
    auto num = [&](sym::Expr e) -> std::string {
      std::string err;
      if (auto v = sym::evaluate(e, values, &err))
        return std::to_string(*v);
      return "?";
    };
    auto unbound = [&](sym::Expr e) {
      std::set<std::string> syms;
      e.collectSymbols(syms);
      std::vector<std::string> missing;
      for (const std::string &s : syms)
        if (!values.count(s))
          missing.push_back(s);
      return missing;
    };

    bool anyFailure = false;
    getOperation()->walk([&](func::FuncOp func) {
      SmallVector<CostOpInterface> ops;
      func.walk([&](CostOpInterface op) { ops.push_back(op); });
      if (ops.empty())
        return;
      os << "step cost report for @" << func.getSymName()
         << " (accounting: mode " << mode << ", FIFOs "
         << (countFifos ? "counted" : "not counted") << ")\n";
      sym::Expr offTotal = sym::constant(0), onTotal = sym::constant(0);
      sym::Expr flopsTotal = sym::constant(0);
      func.walk([&](Operation *op) {
        if (isa<MapOp, AccumOp, ScanOp, FlatMapOp>(op))
          flopsTotal = flopsTotal + operatorFlops(op);
      });
      for (CostOpInterface op : ops) {
        sym::Expr off = op.getOffChipBytes();
        sym::Expr on = op.getOnChipBytes(options);
        offTotal = offTotal + off;
        onTotal = onTotal + on;
        if (!perOp || (off == sym::constant(0) && on == sym::constant(0)))
          continue;
        os << "  " << label(op) << "\n";
        os << "      off-chip: " << dimToString(off);
        if (!off.isStatic() && !values.empty())
          os << " = " << num(off);
        os << "\n      on-chip:  " << dimToString(on);
        if (!on.isStatic() && !values.empty())
          os << " = " << num(on);
        os << "\n";
      }
      auto total = [&](StringRef what, sym::Expr e) {
        os << "  total " << what << ": " << dimToString(e) << "\n";
        std::vector<std::string> missing = unbound(e);
        if (missing.empty())
          os << "  total " << what << " = " << num(e) << " B\n";
        else
          os << "  total " << what << " unbound symbols: "
             << llvm::join(missing, ", ") << "\n";
      };
      total("off-chip traffic", offTotal);
      total("on-chip memory", onTotal);
      os << "  total FLOPs of tile ops: " << dimToString(flopsTotal) << "\n";
      if (unbound(flopsTotal).empty())
        os << "  total FLOPs of tile ops = " << num(flopsTotal) << "\n";

      std::vector<Relation> rels = collectRelations(func);
      if (!rels.empty())
        os << "  relations recorded by routing operators:\n";
      for (const Relation &r : rels) {
        sym::Expr sum = sym::constant(0);
        std::string lhs;
        for (sym::Expr e : r.lhs) {
          sum = sum + e;
          lhs += (lhs.empty() ? "" : " + ") + dimToString(e);
        }
        os << "    " << lhs << " = " << dimToString(r.rhs) << "  ("
           << label(r.origin) << ")";
        if (unbound(sum).empty() && unbound(r.rhs).empty()) {
          auto a = sym::evaluate(sum, values), b = sym::evaluate(r.rhs, values);
          if (a && b && *a == *b) {
            os << "  holds: " << *a << "\n";
          } else {
            os << "  VIOLATED\n";
            os.flush();
            r.origin->emitError()
                << "the bindings violate the relation " << lhs << " = "
                << dimToString(r.rhs) << " recorded here ("
                << (a ? std::to_string(*a) : "?") << " != "
                << (b ? std::to_string(*b) : "?") << ")";
            anyFailure = true;
          }
        } else {
          os << "\n";
        }
      }
    });
    os.flush();
    if (anyFailure)
      signalPassFailure();
    markAllAnalysesPreserved();
  }
};
} // namespace
