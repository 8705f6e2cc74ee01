//===- SamEstimate.cpp - FLOPs/bytes estimate of a lowered SAM graph ------===//
//
// --step-sam-estimate: FuseFlow's fusion heuristic (estimated coordinates =
// extent x density, multiplied over the loop nest) evaluated over the graph
// that --step-lower-sparse built, instead of over one loop nest per linalg
// op. Every stream gets an expected size per level; sizes propagate through
// the SAM operators (scanners, joiners, repeaters, reducers, accumulators)
// under an independence assumption, and the FLOPs and memory bytes are
// counted with the simulator's counting rules. Nothing is simulated. The
// model and its assumptions are in the pass description in Passes.td.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/Step/StepOps.h"
#include "dialects/Step/StepTypes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace mlir::step {
#define GEN_PASS_DEF_STEPSAMESTIMATE
#include "passes/Passes.h.inc"
} // namespace mlir::step

using namespace mlir;

namespace {

/// A count as printed: six significant digits.
llvm::format_object<double> num(double x) { return llvm::format("%.6g", x); }

/// A monotone boolean formula over independent atoms, in disjunctive normal
/// form: a set of terms, each a set of atoms (their conjunction). {{}} is
/// true, {} is false. Joiners build them: an intersection is the product of
/// its inputs' terms, a union their concatenation; the same atom joined with
/// itself stays one atom, so duplicated coordinate streams are not counted
/// as independent.
using Term = std::set<int>;
using Formula = std::set<Term>;

Formula truth() { return Formula{Term{}}; }

/// Absorption: a term containing another is implied by it.
Formula absorb(const Formula &r) {
  Formula out;
  for (const Term &t : r)
    if (!std::any_of(r.begin(), r.end(), [&](const Term &u) {
          return u != t && std::includes(t.begin(), t.end(), u.begin(),
                                         u.end());
        }))
      out.insert(t);
  return out;
}

Formula conj(const Formula &a, const Formula &b) {
  Formula r;
  for (const Term &x : a)
    for (const Term &y : b) {
      Term t = x;
      t.insert(y.begin(), y.end());
      r.insert(t);
    }
  return absorb(r);
}

Formula disj(const Formula &a, const Formula &b) {
  Formula r = a;
  r.insert(b.begin(), b.end());
  return absorb(r);
}

/// One level of a stream: `n` coordinates expected over the whole stream,
/// the extent of the index variable, and the formula `g` of which
/// coordinates exist under a parent position.
struct Level {
  double n = 1;
  double ext = 1;
  Formula g = truth();
};

/// The estimate of one stream: its levels (the first is the root's single
/// element) and, for references and values, the formula of the positions
/// holding an element rather than N (true: all of them).
struct Est {
  llvm::SmallVector<Level> levels;
  Formula valid = truth();
  double blockElems = 1; // values: elements of a tile
};

struct LevelStats {
  double extent = 0, fibers = 0, crds = 0;
  double nonEmpty = -1; // fibers with a coordinate (-1: unknown)
};

struct SamEstimatePass
    : public mlir::step::impl::StepSamEstimateBase<SamEstimatePass> {
  using StepSamEstimateBase::StepSamEstimateBase;

  std::map<std::pair<std::string, int64_t>, LevelStats> stats;
  std::vector<double> atomP; // probability of each atom, per coordinate
  std::vector<double> atomE; // probability that its fiber is non-empty
  std::vector<size_t> atomDepth; // the stream level it describes
  std::map<std::tuple<std::string, int64_t, size_t, std::string>, int>
      atomIds;
  std::vector<std::pair<std::string, int64_t>> atomSource; // tensor, mode
  /// Fibers of (tensor, mode) reached through the coordinates of another
  /// (tensor, mode): mean length and non-empty fraction, weighted by how
  /// often each coordinate occurs there (`by` lines of the stats file).
  std::map<std::pair<std::pair<std::string, int64_t>,
                     std::pair<std::string, int64_t>>,
           std::pair<double, double>>
      driven;

  double prob(const Formula &f) const {
    if (f.empty())
      return 0;
    std::vector<Term> terms(f.begin(), f.end());
    if (terms.size() > 14) {
      // Too many terms for inclusion-exclusion: treat them as independent.
      double none = 1;
      for (const Term &t : terms) {
        double p = 1;
        for (int a : t)
          p *= atomP[a];
        none *= 1 - p;
      }
      return 1 - none;
    }
    double total = 0;
    size_t k = terms.size();
    for (size_t mask = 1; mask < (size_t(1) << k); ++mask) {
      Term u;
      int bits = 0;
      for (size_t i = 0; i < k; ++i)
        if (mask & (size_t(1) << i)) {
          u.insert(terms[i].begin(), terms[i].end());
          ++bits;
        }
      double p = 1;
      for (int a : u)
        p *= atomP[a];
      total += (bits % 2 ? 1 : -1) * p;
    }
    return std::clamp(total, 0.0, 1.0);
  }

  /// nonEmpty given that the parent position exists (its formula `parent`).
  double fiberNonEmpty(const Formula &g, double ext, size_t depth,
                       const Formula &parent) const {
    double pp = prob(parent);
    return pp > 0 ? std::min(1.0, nonEmpty(conj(g, parent), ext, depth) / pp)
                  : 0;
  }

  double cond(const Formula &f, const Formula &given) const {
    double pg = prob(given);
    return pg > 0 ? prob(conj(f, given)) / pg : 0;
  }

  /// An atom at stream level `depth` with per-coordinate probability `p`
  /// over `ext` coordinates, its fiber non-empty with probability `e` (< 0:
  /// binomial, as if coordinates were independent).
  int newAtom(double p, double ext, size_t depth, double e = -1) {
    p = std::clamp(p, 0.0, 1.0);
    atomP.push_back(p);
    atomE.push_back(e >= 0 ? std::clamp(e, p, 1.0)
                           : 1 - std::pow(1 - p, std::max(ext, 1.0)));
    atomDepth.push_back(depth);
    atomSource.emplace_back();
    return static_cast<int>(atomP.size()) - 1;
  }

  /// Probability that a fiber at stream level `depth` (extent `ext`) of
  /// formula `g` has an element. A term with one atom of the level is
  /// non-empty with that atom's probability e; with several, a non-empty
  /// fiber of each holds a coordinate with probability p/e, independently.
  /// Atoms of outer levels are fixed along the fiber; terms are taken as
  /// independent.
  double nonEmpty(const Formula &g, double ext, size_t depth) const {
    double none = 1;
    for (const Term &t : g) {
      double whole = 1, inner = 1;
      int own = 0;
      for (int a : t) {
        if (atomDepth[a] == depth) {
          ++own;
          whole *= atomE[a];
          inner *= atomE[a] > 0 ? atomP[a] / atomE[a] : 0;
        } else {
          whole *= atomP[a];
        }
      }
      // One atom of the level: its own non-empty fraction. Several: the
      // intersection of non-empty fibers, binomial over the extent.
      double pt = own > 1 ? whole * (1 - std::pow(1 - inner, std::max(ext, 1.0)))
                          : (ext >= 1 ? whole : 0);
      none *= 1 - pt;
    }
    return 1 - none;
  }

  LogicalResult readStats(ModuleOp module) {
    if (statsFile.empty())
      return success();
    auto buf = llvm::MemoryBuffer::getFile(statsFile);
    if (!buf)
      return module.emitError("--step-sam-estimate: cannot read stats file '")
             << statsFile << "': " << buf.getError().message();
    llvm::SmallVector<llvm::StringRef> lines;
    (*buf)->getBuffer().split(lines, '\n');
    for (size_t i = 0; i < lines.size(); ++i) {
      llvm::StringRef line = lines[i].trim();
      if (line.empty() || line.starts_with("#"))
        continue;
      llvm::SmallVector<llvm::StringRef> f;
      line.split(f, ' ', -1, /*KeepEmpty=*/false);
      if (f.size() >= 3 && f[2] == "by") {
        int64_t m1, m2;
        double mean, nonEmpty;
        if (f.size() != 7 || f[1].getAsInteger(10, m2) ||
            f[4].getAsInteger(10, m1) || f[5].getAsDouble(mean) ||
            f[6].getAsDouble(nonEmpty) || mean < 0 || nonEmpty < 0 ||
            nonEmpty > 1)
          return module.emitError("--step-sam-estimate: ")
                 << statsFile << ":" << i + 1
                 << ": expected 'TENSOR MODE by TENSOR2 MODE2 MEANLEN "
                    "NONEMPTYFRACTION'";
        driven[{{f[0].str(), m2}, {f[3].str(), m1}}] = {mean, nonEmpty};
        continue;
      }
      int64_t mode;
      double ext, fibers, crds, nonEmpty = -1;
      if ((f.size() != 5 && f.size() != 6) || f[1].getAsInteger(10, mode) ||
          f[2].getAsDouble(ext) || f[3].getAsDouble(fibers) ||
          f[4].getAsDouble(crds) ||
          (f.size() == 6 && f[5].getAsDouble(nonEmpty)) || mode < 0 ||
          ext <= 0 || fibers < 0 || crds < 0 ||
          (f.size() == 6 && (nonEmpty < 0 || nonEmpty > fibers)))
        return module.emitError("--step-sam-estimate: ")
               << statsFile << ":" << i + 1
               << ": expected 'TENSOR MODE EXTENT FIBERS CRDS [NONEMPTY]' "
                  "(numbers >= 0, EXTENT > 0, NONEMPTY <= FIBERS)";
      stats[{f[0].str(), mode}] = {ext, fibers, crds, nonEmpty};
    }
    return success();
  }

  /// Elements of a tile type (1 for anything else or dynamic dims).
  static double tileSize(Type t) {
    auto tile = dyn_cast<mlir::step::TileType>(t);
    if (!tile)
      return 1;
    auto r = tile.getRows().getConstant(), c = tile.getCols().getConstant();
    return double(r ? *r : 1) * double(c ? *c : 1);
  }
  /// Elements of the tiles a value stream carries (1 for scalars).
  static double tileElems(Value v) {
    auto st = dyn_cast<mlir::step::StreamType>(v.getType());
    return st ? tileSize(st.getElementType()) : 1;
  }

  /// Flops of one element of a map: its region's tile ops, by their own
  /// getFlops (the rules the simulator's TileProgram applies); the sparse
  /// lowering's tiles are static.
  static double mapFlops(Operation *map) {
    double flops = 0;
    map->walk([&](mlir::step::TileOpInterface t) {
      flops += double(t.getFlops().getConstant().value_or(0));
    });
    return flops;
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(readStats(module)))
      return signalPassFailure();
    llvm::raw_ostream &os = llvm::outs();
    double totalFlops = 0, totalRead = 0, totalWritten = 0;
    bool any = false;
    for (auto f : module.getOps<func::FuncOp>()) {
      if (!f.getSymName().ends_with("_sam") ||
          (!function.empty() && f.getSymName() != function))
        continue;
      any = true;
      double flops = 0, read = 0, written = 0;
      if (failed(estimate(f, flops, read, written)))
        return signalPassFailure();
      os << "sam estimate @" << f.getSymName() << ": flops " << num(flops)
         << ", bytes read " << num(read) << ", written " << num(written)
         << "\n";
      totalFlops += flops;
      totalRead += read;
      totalWritten += written;
    }
    if (!any) {
      module.emitError("--step-sam-estimate: no lowered '@*_sam' function")
          << (function.empty() ? std::string()
                               : " named '" + function + "'")
          << " (run --step-lower-sparse first)";
      return signalPassFailure();
    }
    os << "module sam estimate: flops " << num(totalFlops) << ", bytes "
       << num(totalRead + totalWritten) << " (read " << num(totalRead)
       << ", written " << num(totalWritten) << ")\n";
  }

  /// Probability that the last level of `e` has an element under a parent
  /// position, per coordinate of its extent (valid positions only).
  double perCoord(const Est &e) const {
    const Level &last = e.levels.back();
    const Level &parent = e.levels[e.levels.size() - 2];
    double perParent = parent.n > 0 ? last.n / parent.n : 0;
    return last.ext > 0 ? perParent / last.ext * cond(e.valid, last.g) : 0;
  }

  /// The atoms, other than the scanned tensor's own parent level, that
  /// every term of the parent level's formula holds: the levels whose
  /// coordinates pick the fibers.
  std::vector<int> drivingAtoms(const Est &src, const std::string &tensor,
                                int64_t mode) const {
    size_t depth = src.levels.size() - 1;
    Formula g = conj(src.levels.back().g, src.valid);
    std::set<std::pair<std::string, int64_t>> common;
    std::map<std::pair<std::string, int64_t>, int> any;
    bool first = true;
    for (const Term &t : g) {
      std::set<std::pair<std::string, int64_t>> here;
      for (int a : t)
        if (atomDepth[a] == depth && !atomSource[a].first.empty() &&
            atomSource[a] != std::make_pair(tensor, mode - 1)) {
          here.insert(atomSource[a]);
          any[atomSource[a]] = a;
        }
      if (first)
        common = here;
      else {
        std::set<std::pair<std::string, int64_t>> both;
        std::set_intersection(common.begin(), common.end(), here.begin(),
                              here.end(), std::inserter(both, both.begin()));
        common = both;
      }
      first = false;
    }
    std::vector<int> out;
    for (const auto &src : common)
      out.push_back(any[src]);
    return out;
  }

  double validCount(const Est &e) const {
    return e.levels.back().n * cond(e.valid, e.levels.back().g);
  }

  LogicalResult estimate(func::FuncOp f, double &flops, double &read,
                         double &written) {
    // Room for every result up front: inserting never moves an entry, so
    // an operator's operands are read in place while its results go in.
    llvm::DenseMap<Value, Est> est;
    size_t results = 0;
    for (Operation &op : f.getBody().front())
      results += op.getNumResults();
    est.reserve(results);
    auto get = [&](Value v) -> Est * {
      auto it = est.find(v);
      return it == est.end() ? nullptr : &it->second;
    };
    auto fail = [&](Operation *op, const llvm::Twine &msg) {
      op->emitError("--step-sam-estimate: ") << msg;
      return failure();
    };
    for (Operation &opRef : f.getBody().front()) {
      Operation *op = &opRef;
      llvm::StringRef name = op->getName().stripDialect();
      if (op->getName().getDialectNamespace() != "step") {
        if (isa<func::ReturnOp>(op))
          continue;
        return fail(op, "an operator that is not a step operator");
      }
      // Every stream operand must have an estimate.
      llvm::SmallVector<Est *> in;
      for (Value v : op->getOperands()) {
        Est *e = get(v);
        if (!e)
          return fail(op, "an operand without an estimate (not defined by an "
                          "earlier operator of the function)");
        in.push_back(e);
      }
      auto need = [&](size_t k) -> LogicalResult {
        if (in.size() < k || in.empty())
          return fail(op, "expected at least " + llvm::Twine(k) + " operands");
        return success();
      };
      if (name == "root") {
        Est e;
        e.levels.push_back(Level{});
        est[op->getResult(0)] = e;
      } else if (name == "fiber_lookup") {
        if (failed(need(1)))
          return failure();
        Est &src = *in[0];
        std::string tensor =
            op->getAttrOfType<StringAttr>("tensor").getValue().str();
        int64_t mode = op->getAttrOfType<IntegerAttr>("mode").getInt();
        llvm::StringRef format =
            op->getAttrOfType<StringAttr>("format").getValue();
        double parentValid = validCount(src);
        Level lv;
        if (format == "dense") {
          auto dim = op->getAttrOfType<IntegerAttr>("dim");
          lv.ext = dim ? dim.getInt() : 1;
          lv.g = src.valid;
          lv.n = parentValid * lv.ext;
        } else {
          auto it = stats.find({tensor, mode});
          LevelStats s;
          if (it == stats.end()) {
            op->emitWarning("--step-sam-estimate: no statistics for '")
                << tensor << "' mode " << mode
                << " (stats=FILE): assumed full (density 1)";
            s = {1, 1, 1};
          } else {
            s = it->second;
          }
          double perFiber = s.fibers > 0 ? s.crds / s.fibers : 0;
          double e =
              s.nonEmpty >= 0 && s.fibers > 0 ? s.nonEmpty / s.fibers : -1;
          // The references come from coordinates that other levels decide
          // (those the parent level intersects): a fiber is reached as often
          // as they hold its coordinate, not uniformly. Each such level's
          // bias (its `by` statistics over the plain mean) is applied, as if
          // the biases were independent.
          std::string drivers;
          double plainLen = perFiber, plainE = e >= 0 ? e : 1;
          for (int a : drivingAtoms(src, tensor, mode)) {
            auto d = driven.find({{tensor, mode}, atomSource[a]});
            if (d == driven.end() || plainLen <= 0)
              continue;
            perFiber *= d->second.first / plainLen;
            if (e >= 0 && plainE > 0)
              e = std::min(1.0, e * d->second.second / plainE);
            drivers += atomSource[a].first + ":" +
                       std::to_string(atomSource[a].second) + ",";
          }
          lv.ext = s.extent;
          auto key =
              std::make_tuple(tensor, mode, src.levels.size(), drivers);
          auto found = atomIds.find(key);
          int atom = found != atomIds.end()
                         ? found->second
                         : (atomIds[key] = newAtom(perFiber / s.extent,
                                                   s.extent,
                                                   src.levels.size(), e));
          atomSource[atom] = {tensor, mode};
          lv.g = conj(Formula{Term{atom}}, src.valid);
          lv.n = parentValid * perFiber;
          read += 8 * parentValid + 4 * lv.n;
        }
        Est e;
        e.levels = src.levels;
        e.levels.push_back(lv);
        est[op->getResult(0)] = e;
        est[op->getResult(1)] = e;
      } else if (name == "repeat_sig" || name == "broadcast" ||
                 name == "sink") {
        if (failed(need(1)))
          return failure();
        for (Value r : op->getResults())
          est[r] = *in[0];
      } else if (name == "fiber_repeat") {
        if (failed(need(2)))
          return failure();
        Est e = *in[1];
        e.valid = in[0]->valid;
        e.blockElems = in[0]->blockElems;
        est[op->getResult(0)] = e;
      } else if (name == "intersect" || name == "union") {
        size_t k = op->getNumResults() - 1;
        if (in.size() != 2 * k || k < 1)
          return fail(op, "expected as many coordinate as reference inputs");
        Est &first = *in[0];
        if (first.levels.size() < 2)
          return fail(op, "a coordinate input without a level to join");
        Level lv = first.levels.back();
        Formula g = name == "union" ? Formula{} : truth();
        llvm::SmallVector<Formula> gi;
        for (size_t i = 0; i < k; ++i) {
          Est &c = *in[i];
          if (c.levels.size() != first.levels.size())
            return fail(op, "inputs of different depths");
          Formula fi = conj(c.levels.back().g, in[k + i]->valid);
          gi.push_back(fi);
          g = name == "union" ? disj(g, fi) : conj(g, fi);
          lv.ext = std::max(lv.ext, c.levels.back().ext);
        }
        const Level &parent = first.levels[first.levels.size() - 2];
        lv.g = g;
        lv.n = parent.n * lv.ext * cond(g, parent.g);
        Est c;
        c.levels = first.levels;
        c.levels.back() = lv;
        est[op->getResult(0)] = c;
        for (size_t i = 0; i < k; ++i) {
          Est r = c;
          r.valid = name == "union" ? gi[i] : truth();
          r.blockElems = in[k + i]->blockElems;
          est[op->getResult(1 + i)] = r;
        }
      } else if (name == "locate") {
        if (failed(need(3)))
          return failure();
        est[op->getResult(0)] = *in[0];
        est[op->getResult(1)] = *in[1];
        Est d = *in[0];
        d.valid = in[2]->valid;
        est[op->getResult(2)] = d;
      } else if (name == "array_val") {
        if (failed(need(1)))
          return failure();
        Est e = *in[0];
        e.blockElems = tileElems(op->getResult(0));
        read += 4 * e.blockElems * validCount(e);
        est[op->getResult(0)] = e;
      } else if (name == "map") {
        if (failed(need(1)))
          return failure();
        Est e = *in[0];
        Formula any{};
        for (Est *x : in)
          any = disj(any, x->valid);
        e.valid = any;
        e.blockElems = tileElems(op->getResult(0));
        flops += mapFlops(op) * validCount(e);
        est[op->getResult(0)] = e;
      } else if (name == "reduce") {
        if (failed(need(1)))
          return failure();
        Est &src = *in[0];
        if (src.levels.size() < 2)
          return fail(op, "a value stream without a level to reduce");
        const Level &last = src.levels.back();
        double fibers = src.levels[src.levels.size() - 2].n;
        double nonEmptyFibers =
            fibers * fiberNonEmpty(conj(last.g, src.valid), last.ext,
                                   src.levels.size() - 1,
                                   src.levels[src.levels.size() - 2].g);
        flops += src.blockElems *
                 std::max(0.0, validCount(src) - nonEmptyFibers);
        Est e;
        e.levels = src.levels;
        e.levels.pop_back();
        // With `outer`, one value per coordinate of the result's level.
        if (in.size() >= 2)
          e.levels = in[1]->levels;
        e.blockElems = src.blockElems;
        est[op->getResult(0)] = e;
      } else if (name == "spacc") {
        if (failed(need(3)))
          return failure();
        Est &v = *in[2];
        size_t d = v.levels.size();
        if (d < 4)
          return fail(op, "inputs shallower than [D.., I, K, J]");
        const Level &li = v.levels[d - 3], &lk = v.levels[d - 2],
                    &lj = v.levels[d - 1];
        double q = perCoord(v);
        double kPerI = li.n > 0 ? lk.n / li.n : 0;
        double pj = 1 - std::pow(1 - q, kPerI);
        Level i2 = li;
        if (!op->hasAttr("keep_empty"))
          i2.n = li.n * (1 - std::pow(1 - pj, lj.ext));
        Level j2;
        j2.ext = lj.ext;
        j2.g = Formula{Term{newAtom(pj, lj.ext, d - 2)}};
        j2.n = li.n * lj.ext * pj;
        // The simulator's spacc counts an add per value it takes.
        flops += v.blockElems * validCount(v);
        Est inner;
        inner.levels.assign(v.levels.begin(), v.levels.begin() + (d - 3));
        inner.levels.push_back(i2);
        Est outer = inner;
        inner.levels.push_back(j2);
        Est vals = inner;
        vals.blockElems = v.blockElems;
        est[op->getResult(0)] = inner;
        est[op->getResult(1)] = outer;
        est[op->getResult(2)] = vals;
      } else if (name == "crd_drop") {
        if (failed(need(2)))
          return failure();
        Est outer = *in[0];
        const Level &il = in[1]->levels.back();
        outer.levels.back().n *=
            fiberNonEmpty(il.g, il.ext, in[1]->levels.size() - 1,
                          in[1]->levels[in[1]->levels.size() - 2].g);
        est[op->getResult(0)] = outer;
        est[op->getResult(1)] = *in[1];
      } else if (name == "fork") {
        if (failed(need(1)))
          return failure();
        double count = op->getNumResults();
        Est lane = *in[0];
        lane.levels.back().n /= count;
        for (Value r : op->getResults())
          est[r] = lane;
      } else if (name == "join") {
        if (failed(need(1)))
          return failure();
        int64_t depth = op->getAttrOfType<IntegerAttr>("depth").getInt();
        Est e = *in[0];
        size_t from = e.levels.size() - 1 - std::min<size_t>(
                                                  depth, e.levels.size() - 1);
        for (size_t l = from; l < e.levels.size(); ++l) {
          double n = 0;
          for (Est *x : in)
            n += l < x->levels.size() ? x->levels[l].n : 0;
          e.levels[l].n = n;
        }
        est[op->getResult(0)] = e;
      } else if (name == "fiber_write") {
        if (failed(need(1)))
          return failure();
        Est &c = *in[0];
        double stops = c.levels.size() >= 2 ? c.levels[c.levels.size() - 2].n
                                            : 0;
        written += 4 * c.levels.back().n + 4 * stops;
      } else if (name == "val_write") {
        if (failed(need(1)))
          return failure();
        Est &v = *in[0];
        double valid = validCount(v);
        // N is written as a zero tile too.
        written += 4 * v.blockElems * valid +
                   4 * v.blockElems * std::max(0.0, v.levels.back().n - valid);
      } else {
        return fail(op, "'" + name + "' is not a SAM stream operator this "
                                     "estimate knows");
      }
    }
    return success();
  }
};

} // namespace
