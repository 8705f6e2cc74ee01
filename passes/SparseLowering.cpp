//===- SparseLowering.cpp - linalg + sparse_tensor to SAM streams ---------===//
//
// --step-lower-sparse: FuseFlow's lowering (reference/fuseflow.md §3.2-3.3)
// of every fusion-region function (linalg on tensors, sparse operands with
// #sparse_tensor.encoding) into one step function of SAM streams.
//
// 1. Fused expression. The region's result is traced back through its
//    linalg ops into a tree: every use of a result is a node of its own
//    (recomputation, as substituting into one fused Einsum does). Each loop
//    dim gets an index variable top-down: a child's output dims take the
//    variables the parent's indexing map gives that operand, its reduction
//    dims fresh ones. A contraction (sum of a product) used as a factor of
//    another contraction is merged into it (one product, the union of the
//    reductions): the fused Einsum of a matmul chain.
// 2. Global order. Backtracking topological sorts of the partial order
//    given by every sparse operand's storage order and the dense result's
//    row-major order, enumerated lexicographically over the variables
//    numbered top-down (outputs before reductions: inner-product first);
//    the `order`-th one this lowering accepts is used.
// 3. Scopes. Node n iterates It(n): the parent's variables up to n's last
//    output (its context: recomputation over the others) plus its own
//    reductions, in global order. The levels It(n) shares with its parent
//    (those above its first reduction) are the same streams; the levels
//    below are private. Reductions go innermost first: `reduce` when the
//    reduction variable is innermost, `spacc` of order 1 (keep_empty) when
//    one output variable lies below it, which re-emits that variable: the
//    parent joins it as a computed participant (values as references).
// 4. Joins (the fusion table's merge cells). At each level the operands
//    holding the variable participate, combined as the expression says:
//    products intersect, sums union; an operand lacking the variable in a
//    sum makes the level dense (a dense scan unioned with the sparse ones);
//    max(x, 0), negation and a product with a constant keep x's structure.
//    Compressed levels are scanned and joined; dense operands are located
//    from the joined coordinates when a reference is at hand. A join that
//    feeds more than one reference passes its coordinates once per
//    reference (the same set joined with itself).
// 5. Values. References are repeated to the node's innermost level, read
//    by array_val, combined by one map of the body's arithmetic (tile ops),
//    then reduced (each reduce guided by the coordinates of the level
//    above: `outer`, see step.reduce). A dense result is written by val_write after a final
//    level-by-level densification (a union with a dense scan).
//
// Dense operands whose storage order is not the global order are read as
// permuted views named `<tensor>@<p0>,<p1>..` (the driver writes them);
// a sparse operand traversed against its storage order is an error, as are
// sparse results and the other cases named in the errors below.
//
//===----------------------------------------------------------------------===//

#include "dialects/Step/StepDialect.h"
#include "dialects/Step/StepOps.h"
#include "passes/FusedIndexSpace.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SparseTensor/IR/SparseTensor.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <map>
#include <memory>
#include <set>

namespace mlir::step {
#define GEN_PASS_DEF_STEPLOWERSPARSE
#include "passes/Passes.h.inc"
} // namespace mlir::step

using namespace mlir;
using mlir::step::StreamType;

namespace {

//===----------------------------------------------------------------------===//
// The fused expression
//===----------------------------------------------------------------------===//

/// Scalar arithmetic of a linalg body over operand slots.
struct BExpr {
  // Present: sparse_tensor.unary (a: operand, b: its present region over a,
  // only where a is stored); Overlap: sparse_tensor.binary with only an
  // overlap region (a, b: operands; c: the region, where both are stored).
  enum Kind { Slot, Const, Add, Sub, Mul, Div, Max, Exp, Log, Neg, Present,
              Overlap } kind;
  int slot = -1;
  double value = 0;
  std::shared_ptr<BExpr> a, b, c;
};
using BPtr = std::shared_ptr<BExpr>;

BPtr mk(BExpr::Kind k, BPtr a = nullptr, BPtr b = nullptr) {
  auto e = std::make_shared<BExpr>();
  e->kind = k;
  e->a = std::move(a);
  e->b = std::move(b);
  return e;
}

struct Node {
  bool leaf = false;
  Operation *op = nullptr; // producer (op nodes) for messages
  // Leaf: a function argument.
  std::string tensor;
  SmallVector<int64_t> shape;
  SmallVector<unsigned> lvlToDim; // storage level -> tensor dim
  SmallVector<bool> compressed;   // per storage level
  SmallVector<int> dimVars;       // variable per tensor dim
  // Op: body over slots, the children per slot.
  SmallVector<Node *> slots;
  BPtr body;
  std::string reduceKind; // "" (none), "add", "max"
  SmallVector<int> outVars; // per output dim
  SmallVector<int> redVars;
  // Scope (filled per order).
  SmallVector<int> W, It;
  SmallVector<struct Level *> lv; // per It entry
};

struct Participant {
  Node *node; // leaf slot or computed child
  Node *user; // the node whose It this level belongs to (leaf's user)
  int leafLevel = -1; // storage level scanned (leaves)
  bool computed = false;
};

/// A join expression at one level.
struct JExpr {
  enum Kind { Top, Part, Inter, Uni, Dense } kind = Top;
  int part = -1;
  std::vector<JExpr> kids;
};

struct Level {
  int var;
  Level *up = nullptr; // previous level of the scope
  Node *owner;         // the node that created it
  SmallVector<Participant> parts;
  std::optional<JExpr> join; // combined over every node sharing it
  bool denseOutput = false;
  // Built:
  Value crd;
  std::map<Node *, Value> refOf; // participant node -> its ref (or values)
  bool built = false;
};

struct Lowering {
  func::FuncOp func;
  Node *root = nullptr;
  std::vector<std::unique_ptr<Node>> nodes;
  std::vector<std::unique_ptr<Level>> levels;
  int numVars = 0;
  SmallVector<int64_t> varSize;
  std::string error;
  Operation *errorOp = nullptr;

  Node *newNode() {
    nodes.push_back(std::make_unique<Node>());
    return nodes.back().get();
  }
  int newVar(int64_t size) {
    varSize.push_back(size);
    return numVars++;
  }
  bool fail(Operation *op, const Twine &msg) {
    if (error.empty()) {
      error = msg.str();
      errorOp = op;
    }
    return false;
  }

  //--- building the tree ---------------------------------------------------

  llvm::DenseMap<Value, BPtr> bound; // region arguments of sparse_tensor ops

  BPtr bodyExpr(Value v, Block &block, unsigned numInputs, Operation *where,
                bool &ok) {
    if (auto it = bound.find(v); it != bound.end())
      return it->second;
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      if (arg.getOwner() != &block || arg.getArgNumber() >= numInputs) {
        ok = fail(where, "the body reads its output operand outside the "
                         "reduction");
        return nullptr;
      }
      auto e = mk(BExpr::Slot);
      e->slot = arg.getArgNumber();
      return e;
    }
    Operation *op = v.getDefiningOp();
    if (auto c = dyn_cast_or_null<arith::ConstantOp>(op)) {
      auto f = dyn_cast<FloatAttr>(c.getValue());
      if (!f) {
        ok = fail(op, "only float constants are lowered");
        return nullptr;
      }
      auto e = mk(BExpr::Const);
      e->value = f.getValueAsDouble();
      return e;
    }
    auto bin = [&](BExpr::Kind k) {
      return mk(k, bodyExpr(op->getOperand(0), block, numInputs, where, ok),
                bodyExpr(op->getOperand(1), block, numInputs, where, ok));
    };
    auto un = [&](BExpr::Kind k) {
      return mk(k, bodyExpr(op->getOperand(0), block, numInputs, where, ok));
    };
    if (isa_and_nonnull<arith::AddFOp>(op))
      return bin(BExpr::Add);
    if (isa_and_nonnull<arith::SubFOp>(op))
      return bin(BExpr::Sub);
    if (isa_and_nonnull<arith::MulFOp>(op))
      return bin(BExpr::Mul);
    if (isa_and_nonnull<arith::DivFOp>(op))
      return bin(BExpr::Div);
    if (isa_and_nonnull<arith::MaximumFOp, arith::MaxNumFOp>(op))
      return bin(BExpr::Max);
    if (isa_and_nonnull<math::ExpOp>(op))
      return un(BExpr::Exp);
    if (isa_and_nonnull<math::LogOp>(op))
      return un(BExpr::Log);
    if (isa_and_nonnull<arith::NegFOp>(op))
      return un(BExpr::Neg);
    auto regionResult = [&](Region &r) -> BPtr {
      auto y = dyn_cast<sparse_tensor::YieldOp>(r.front().getTerminator());
      if (!y || y->getNumOperands() != 1) {
        ok = fail(op, "expected one sparse_tensor.yield value");
        return nullptr;
      }
      return bodyExpr(y->getOperand(0), block, numInputs, where, ok);
    };
    if (auto u = dyn_cast_or_null<sparse_tensor::UnaryOp>(op)) {
      if (!u.getAbsentRegion().empty() || u.getPresentRegion().empty()) {
        ok = fail(op, "only sparse_tensor.unary with a present region and "
                      "an empty absent region is lowered");
        return nullptr;
      }
      auto e = mk(BExpr::Present);
      e->a = bodyExpr(u.getX(), block, numInputs, where, ok);
      bound[u.getPresentRegion().front().getArgument(0)] = e->a;
      e->b = regionResult(u.getPresentRegion());
      return e;
    }
    if (auto bi = dyn_cast_or_null<sparse_tensor::BinaryOp>(op)) {
      if (!bi.getLeftRegion().empty() || !bi.getRightRegion().empty() ||
          bi.getOverlapRegion().empty() || bi.getLeftIdentity() ||
          bi.getRightIdentity()) {
        ok = fail(op, "only sparse_tensor.binary with just an overlap region "
                      "is lowered");
        return nullptr;
      }
      auto e = mk(BExpr::Overlap);
      e->a = bodyExpr(bi.getX(), block, numInputs, where, ok);
      e->b = bodyExpr(bi.getY(), block, numInputs, where, ok);
      bound[bi.getOverlapRegion().front().getArgument(0)] = e->a;
      bound[bi.getOverlapRegion().front().getArgument(1)] = e->b;
      e->c = regionResult(bi.getOverlapRegion());
      return e;
    }
    ok = fail(op ? op : where, "cannot lower this op in a linalg body" +
                                   (op ? (": " + op->getName().getStringRef())
                                       : Twine("")));
    return nullptr;
  }

  static bool isProductOfSlots(const BPtr &e) {
    if (e->kind == BExpr::Slot)
      return true;
    return e->kind == BExpr::Mul && isProductOfSlots(e->a) &&
           isProductOfSlots(e->b);
  }

  /// A node for `v` used with the variables `vars` (one per tensor dim).
  Node *build(Value v, ArrayRef<int> vars) {
    auto arg = dyn_cast<BlockArgument>(v);
    if (arg && arg.getOwner()->getParentOp() == func.getOperation()) {
      Node *n = newNode();
      n->leaf = true;
      auto tt = cast<RankedTensorType>(v.getType());
      n->shape.assign(tt.getShape().begin(), tt.getShape().end());
      n->tensor = argName(arg.getArgNumber());
      n->dimVars.assign(vars.begin(), vars.end());
      unsigned rank = tt.getRank();
      if (auto enc = sparse_tensor::getSparseTensorEncoding(tt)) {
        AffineMap m = enc.getDimToLvl();
        for (unsigned l = 0; l < m.getNumResults(); ++l) {
          auto d = dyn_cast<AffineDimExpr>(m.getResult(l));
          if (!d) {
            fail(func, "sparse operand '" + n->tensor +
                           "': only permutation dimToLvl maps are lowered");
            return nullptr;
          }
          n->lvlToDim.push_back(d.getPosition());
          n->compressed.push_back(
              enc.getLvlType(l) != sparse_tensor::LevelFormat::Dense);
        }
      } else {
        for (unsigned d = 0; d < rank; ++d) {
          n->lvlToDim.push_back(d);
          n->compressed.push_back(false);
        }
      }
      return n;
    }
    Operation *op = v.getDefiningOp();
    if (auto tr = dyn_cast_or_null<linalg::TransposeOp>(op)) {
      // A transpose renames variables: input dim perm[i] is output dim i.
      SmallVector<int> inVars(vars.size(), -1);
      ArrayRef<int64_t> perm = tr.getPermutation();
      for (unsigned i = 0; i < perm.size(); ++i)
        inVars[perm[i]] = vars[i];
      return build(tr.getInput(), inVars);
    }
    auto lop = dyn_cast_or_null<linalg::LinalgOp>(op);
    if (!lop || isa<linalg::FillOp>(op)) {
      fail(op ? op : func.getOperation(),
           "cannot lower the producer of a linalg operand" +
               (op ? (": " + op->getName().getStringRef()) : Twine("")));
      return nullptr;
    }
    if (lop.getNumDpsInits() != 1) {
      fail(op, "only linalg ops with one result are lowered");
      return nullptr;
    }
    Node *n = newNode();
    n->op = op;
    unsigned numLoops = lop.getNumLoops();
    SmallVector<int> loopVar(numLoops, -1);
    AffineMap outMap = lop.getMatchingIndexingMap(lop.getDpsInitOperand(0));
    auto iters = lop.getIteratorTypesArray();
    SmallVector<int64_t> ranges = lop.getStaticLoopRanges();
    for (unsigned r = 0; r < outMap.getNumResults(); ++r) {
      auto d = dyn_cast<AffineDimExpr>(outMap.getResult(r));
      if (!d) {
        fail(op, "only plain loop dims in indexing maps are lowered");
        return nullptr;
      }
      loopVar[d.getPosition()] = vars[r];
    }
    for (unsigned d = 0; d < numLoops; ++d)
      if (loopVar[d] < 0) {
        if (iters[d] != utils::IteratorType::reduction) {
          fail(op, "a parallel loop dim that does not index the result");
          return nullptr;
        }
        loopVar[d] = newVar(ranges[d]);
        n->redVars.push_back(loopVar[d]);
      }
    n->outVars.assign(vars.begin(), vars.end());
    // Body.
    bool ok = true;
    Block &block = lop->getRegion(0).front();
    unsigned numInputs = lop.getNumDpsInputs();
    auto yield = cast<linalg::YieldOp>(block.getTerminator());
    Value y = yield.getOperand(0);
    if (!n->redVars.empty()) {
      Operation *comb = y.getDefiningOp();
      BlockArgument outArg = block.getArgument(numInputs);
      std::string sparseKind;
      if (auto red = dyn_cast_or_null<sparse_tensor::ReduceOp>(comb)) {
        // sparse_tensor.reduce x, out, identity { a op b }: over the stored
        // elements only (which is what a reduce over a sparse level does).
        Operation *inner =
            red.getRegion().front().getTerminator()->getOperand(0).getDefiningOp();
        if (isa_and_nonnull<arith::AddFOp>(inner))
          sparseKind = "add";
        else if (isa_and_nonnull<arith::MaximumFOp, arith::MaxNumFOp>(inner))
          sparseKind = "max";
        else {
          fail(op, "sparse_tensor.reduce must add or max");
          return nullptr;
        }
      }
      if (!sparseKind.empty()) {
        auto red = cast<sparse_tensor::ReduceOp>(comb);
        if (red.getY() != outArg) {
          fail(op, "sparse_tensor.reduce must combine into the output");
          return nullptr;
        }
        n->reduceKind = sparseKind;
        n->body = bodyExpr(red.getX(), block, numInputs, op, ok);
      } else if (!comb || comb->getNumOperands() != 2 ||
          !isa<arith::AddFOp, arith::MaximumFOp, arith::MaxNumFOp>(comb)) {
        fail(op, "a reduction must combine with addf or maximumf");
        return nullptr;
      }
      Value other;
      if (!sparseKind.empty())
        ;
      else if (comb->getOperand(0) == outArg)
        other = comb->getOperand(1);
      else if (comb->getOperand(1) == outArg)
        other = comb->getOperand(0);
      else {
        fail(op, "a reduction must combine the output with one value");
        return nullptr;
      }
      if (sparseKind.empty()) {
        n->reduceKind = isa<arith::AddFOp>(comb) ? "add" : "max";
        n->body = bodyExpr(other, block, numInputs, op, ok);
      }
      // The output operand must be a fill with the reduction's identity.
      Value init = lop.getDpsInitOperand(0)->get();
      auto fill = init.getDefiningOp<linalg::FillOp>();
      auto cst = fill ? fill.getInputs()[0].getDefiningOp<arith::ConstantOp>()
                      : arith::ConstantOp();
      auto f = cst ? dyn_cast<FloatAttr>(cst.getValue()) : FloatAttr();
      double id = n->reduceKind == "add" ? 0.0 : -INFINITY;
      if (!f || (f.getValueAsDouble() != id &&
                 !(n->reduceKind == "max" && std::isinf(f.getValueAsDouble()))))
        return fail(op, "a reduction's output must be a linalg.fill with "
                        "its identity (0 for a sum, -inf for a max)"),
               nullptr;
    } else {
      n->body = bodyExpr(y, block, numInputs, op, ok);
    }
    if (!ok)
      return nullptr;
    // Operands.
    for (unsigned i = 0; i < numInputs; ++i) {
      OpOperand *operand = lop.getDpsInputOperand(i);
      AffineMap m = lop.getMatchingIndexingMap(operand);
      SmallVector<int> cv;
      for (AffineExpr r : m.getResults()) {
        auto d = dyn_cast<AffineDimExpr>(r);
        if (!d) {
          fail(op, "only plain loop dims in indexing maps are lowered");
          return nullptr;
        }
        cv.push_back(loopVar[d.getPosition()]);
      }
      Node *c = build(operand->get(), cv);
      if (!c)
        return nullptr;
      n->slots.push_back(c);
    }
    // Merge contraction factors (the fused Einsum of a matmul chain).
    if (n->reduceKind == "add" && isProductOfSlots(n->body)) {
      SmallVector<Node *> slots;
      std::function<BPtr(const BPtr &)> subst = [&](const BPtr &e) -> BPtr {
        if (e->kind == BExpr::Mul)
          return mk(BExpr::Mul, subst(e->a), subst(e->b));
        Node *c = n->slots[e->slot];
        if (!c->leaf && c->reduceKind == "add" && isProductOfSlots(c->body)) {
          llvm::append_range(n->redVars, c->redVars);
          // Re-number c's slots into n's.
          std::function<BPtr(const BPtr &)> inner = [&](const BPtr &f) -> BPtr {
            if (f->kind == BExpr::Mul)
              return mk(BExpr::Mul, inner(f->a), inner(f->b));
            auto s = mk(BExpr::Slot);
            s->slot = slots.size();
            slots.push_back(c->slots[f->slot]);
            return s;
          };
          return inner(c->body);
        }
        auto s = mk(BExpr::Slot);
        s->slot = slots.size();
        slots.push_back(c);
        return s;
      };
      n->body = subst(n->body);
      n->slots = std::move(slots);
    }
    return n;
  }

  std::string argName(unsigned i) {
    // The argument's name location (`%A: tensor<..> loc("A")`), else argN.
    if (auto l = dyn_cast<NameLoc>(func.getArgument(i).getLoc()))
      return l.getName().str();
    return "arg" + std::to_string(i);
  }

  //--- sparsity blocking (block=B) ------------------------------------------

  /// Value block size (0: scalar values).
  int64_t blk = 0;
  std::vector<bool> varBlocked;

  /// The blocked dims of a tensor of `shape`: its innermost two dims whose
  /// extent is a multiple of the block size.
  SmallVector<unsigned> blockedDims(ArrayRef<int64_t> shape) const {
    SmallVector<unsigned> d;
    for (int i = shape.size() - 1; i >= 0 && d.size() < 2; --i)
      if (shape[i] >= blk && shape[i] % blk == 0)
        d.push_back(i);
    std::reverse(d.begin(), d.end());
    return d;
  }

  /// Decides which variables are blocked (every tensor holding a variable
  /// must agree) and scales the blocked extents to block counts.
  bool applyBlocking() {
    struct Seen {
      bool blocked;
      std::string where;
      Operation *op;
    };
    std::map<int, Seen> seen;
    auto visit = [&](Operation *op, const std::string &what,
                     ArrayRef<int64_t> shape, ArrayRef<int> vars) {
      SmallVector<unsigned> bd = blockedDims(shape);
      for (unsigned d = 0; d < vars.size(); ++d) {
        bool b = llvm::is_contained(bd, d);
        std::string where = what + " dim " + std::to_string(d);
        auto [it, fresh] = seen.insert({vars[d], {b, where, op}});
        if (!fresh && it->second.blocked != b)
          return fail(op ? op
                      : it->second.op ? it->second.op
                                      : func.getOperation(),
                      "block=" + std::to_string(blk) +
                          ": a variable of extent " +
                          std::to_string(varSize[vars[d]]) + " is blocked in " +
                          (b ? where : it->second.where) + " but not in " +
                          (b ? it->second.where : where) +
                          " (blocked dims: each tensor's innermost two dims "
                          "whose extent is a multiple of the block size)");
      }
      return true;
    };
    for (auto &np : nodes) {
      Node *n = np.get();
      if (n->leaf) {
        if (!visit(nullptr, "'" + n->tensor + "'", n->shape, n->dimVars))
          return false;
        continue;
      }
      SmallVector<int64_t> shape;
      for (int v : n->outVars)
        shape.push_back(varSize[v]);
      std::string what = n->op ? "the result of '" +
                                     n->op->getName().getStringRef().str() + "'"
                               : std::string("the region's result");
      if (!visit(n->op, what, shape, n->outVars))
        return false;
    }
    // The region's result itself (a transpose at the root permutes the
    // root node's dims; run-step unblocks the result by its own dims).
    SmallVector<int64_t> resultShape;
    for (int v : resultVars)
      resultShape.push_back(varSize[v]);
    if (!visit(root->op, "the region's result", resultShape, resultVars))
      return false;
    varBlocked.assign(numVars, false);
    for (auto &[v, sn] : seen)
      varBlocked[v] = sn.blocked;
    for (int v = 0; v < numVars; ++v)
      if (varBlocked[v])
        varSize[v] /= blk;
    for (auto &np : nodes)
      if (np->leaf)
        for (unsigned d = 0; d < np->shape.size(); ++d)
          if (varBlocked[np->dimVars[d]])
            np->shape[d] /= blk;
    return true;
  }

  /// The layout of a value tile: the variable of its rows and of its
  /// columns (-1: size 1). A flexible one is a leaf's vector of one blocked
  /// variable (in `r`), whose orientation the expression decides (`src`: the
  /// map arguments it comes from).
  struct Lay {
    int r = -1, c = -1;
    bool flex = false;
    SmallVector<int, 2> src;
  };
  std::map<Node *, Lay> layoutOf; // computed nodes' value layouts
  std::string blockError;
  Operation *blockErrorOp = nullptr;
  /// Slot layouts of the map being built; `changed` when a flexible one got
  /// its orientation.
  SmallVector<Lay> slotLay;
  bool layChanged = false;

  bool blockFail(Node *n, const Twine &msg) {
    if (blockError.empty()) {
      blockError = ("block=" + Twine(blk) + ": " + msg).str();
      blockErrorOp = n->op;
    }
    broken = true;
    return false;
  }
  std::string layText(const Lay &l) const {
    auto v = [](int x) { return x < 0 ? std::string("1") : "v" + std::to_string(x); };
    return "[" + v(l.r) + ", " + v(l.c) + "]";
  }
  Lay fix(const Lay &l, int r, int c) {
    for (int s : l.src) {
      slotLay[s] = Lay{r, c, false, {}};
      layChanged = true;
    }
    return Lay{r, c, false, {}};
  }
  Type tileOf(const Lay &l) {
    auto d = [&](int v) { return ::step::sym::constant(v < 0 ? 1 : blk); };
    return mlir::step::TileType::get(b->getContext(), d(l.r), d(l.c),
                                     b->getF32Type());
  }
  /// How many map arguments under `e` hold variable `v`.
  int occurrences(const BPtr &e, int v) {
    if (!e)
      return 0;
    if (e->kind == BExpr::Slot) {
      const Lay &l = slotLay[e->slot];
      return l.r == v || l.c == v;
    }
    if (e->kind == BExpr::Present)
      return occurrences(e->b, v);
    if (e->kind == BExpr::Overlap)
      return occurrences(e->c, v);
    return occurrences(e->a, v) + occurrences(e->b, v);
  }
  /// Elementwise combination with size-1 broadcasting.
  bool unify(Node *n, Lay &a, Lay &c2, Lay &out) {
    if (a.flex && c2.flex) {
      if (a.r == c2.r) {
        out = a;
        out.src.append(c2.src.begin(), c2.src.end());
        return true;
      }
      a = fix(a, a.r, -1);
      c2 = fix(c2, -1, c2.r);
    }
    auto orient = [&](Lay &f, const Lay &o) {
      int v = f.r;
      if (o.r == v || (o.c != v && o.r < 0))
        f = fix(f, v, -1);
      else if (o.c == v || o.c < 0)
        f = fix(f, -1, v);
      else
        return blockFail(n, "an elementwise operand of one blocked variable "
                            "next to a tile " + layText(o) +
                            " without it (three blocked variables)");
      return true;
    };
    if (a.flex && !orient(a, c2))
      return false;
    if (c2.flex && !orient(c2, a))
      return false;
    auto merge = [](int x, int y, bool &ok) {
      if (x >= 0 && y >= 0 && x != y)
        ok = false;
      return x >= 0 ? x : y;
    };
    bool ok = true;
    out = Lay{merge(a.r, c2.r, ok), merge(a.c, c2.c, ok), false, {}};
    if (!ok || (out.r >= 0 && out.r == out.c))
      return blockFail(n, "tiles " + layText(a) + " and " + layText(c2) +
                              " do not broadcast elementwise (one is "
                              "transposed)");
    return true;
  }

  /// Layout (and, with `rb`, the tile ops) of body expression `e` of node
  /// `n` over the map arguments `args`.
  Lay blockBody(Node *n, const BPtr &e, OpBuilder *rb, ValueRange args,
                Value &val) {
    Lay out;
    switch (e->kind) {
    case BExpr::Slot:
      out = slotLay[e->slot];
      if (out.flex)
        out.src = {e->slot};
      if (rb)
        val = args[e->slot];
      return out;
    case BExpr::Const:
      if (rb)
        val = rb->create<mlir::step::ConstOp>(loc, tileOf(Lay{}),
                                              rb->getF64FloatAttr(e->value))
                  .getResult();
      return out;
    case BExpr::Present:
      return blockBody(n, e->b, rb, args, val);
    case BExpr::Overlap:
      return blockBody(n, e->c, rb, args, val);
    case BExpr::Exp:
    case BExpr::Log:
    case BExpr::Neg: {
      Value x;
      out = blockBody(n, e->a, rb, args, x);
      if (rb)
        val = emitTileOp(*rb, e->kind, x);
      return out;
    }
    default:
      break;
    }
    Value x, y;
    Lay la = blockBody(n, e->a, rb, args, x);
    Lay lb = blockBody(n, e->b, rb, args, y);
    if (broken)
      return out;
    if (e->kind == BExpr::Mul) {
      // A contraction: a blocked reduction variable that both factors hold
      // and no other factor of the body does.
      auto holds = [](const Lay &l, int v) { return l.r == v || l.c == v; };
      SmallVector<int> contracted, shared;
      for (int v : {la.r, la.c}) {
        if (v < 0 || !holds(lb, v))
          continue;
        if (llvm::is_contained(n->redVars, v) &&
            occurrences(n->body, v) == occurrences(e, v))
          contracted.push_back(v);
        else
          shared.push_back(v);
      }
      // Factors sharing more than the contracted variable multiply
      // elementwise (e.g. a square); the in-block reduction sums after.
      if (contracted.size() == 1 && shared.empty()) {
        int k = contracted[0];
        if (la.flex && lb.flex) {
          la = fix(la, -1, k);
          lb = fix(lb, k, -1);
        } else if (la.flex) {
          la = fix(la, -1, k);
        } else if (lb.flex) {
          lb = la.c == k ? fix(lb, k, -1) : fix(lb, -1, k);
        }
        Value lhs = x, rhs = y;
        bool tb = false;
        if (la.c == k && lb.r == k)
          out = Lay{la.r, lb.c, false, {}};
        else if (la.c == k && lb.c == k)
          out = Lay{la.r, lb.r, false, {}}, tb = true;
        else if (la.r == k && lb.c == k)
          out = Lay{lb.r, la.c, false, {}}, std::swap(lhs, rhs);
        else {
          blockFail(n, "a block product of " + layText(la) + " and " +
                           layText(lb) + " holds the contracted variable in "
                           "the rows of both tiles (a transposed left "
                           "operand is not supported)");
          return out;
        }
        if (out.r >= 0 && out.r == out.c) {
          blockFail(n, "a block product with the same variable on both "
                       "sides of its result");
          return out;
        }
        if (rb)
          val = rb->create<mlir::step::MatmulOp>(
                      loc, lhs, rhs, tb ? rb->getUnitAttr() : UnitAttr())
                    .getResult();
        return out;
      }
    }
    if (!unify(n, la, lb, out))
      return out;
    if (rb)
      val = emitTileOp(*rb, e->kind, x, y);
    return out;
  }

  /// The in-block reductions after the body: a blocked reduction variable
  /// still in the tile is its columns (row_sum / row_max).
  Lay blockReduce(Node *n, Lay l, OpBuilder *rb, Value &val) {
    for (int k : n->redVars) {
      if (!varBlocked[k] || broken)
        continue;
      if (l.flex && l.r == k)
        l = fix(l, -1, k);
      if (l.c == k) {
        if (rb) {
          if (n->reduceKind == "max")
            val = rb->create<mlir::step::RowMaxOp>(loc, val);
          else
            val = rb->create<mlir::step::RowSumOp>(loc, val);
        }
        l = Lay{l.r, -1, false, {}};
      } else if (l.r == k) {
        blockFail(n, "an in-block reduction over the rows of a tile " +
                         layText(l) + " (not supported)");
      }
    }
    return l;
  }

  //--- orders ----------------------------------------------------------------

  /// Variables numbered top-down: outputs, then reductions, then children.
  SmallVector<int> numbering;
  bool chainFirst = false; // operands before reductions and the last result
  void numberVars() {
    std::vector<bool> seen(numVars, false);
    auto add = [&](int v) {
      if (!seen[v]) {
        seen[v] = true;
        numbering.push_back(v);
      }
    };
    auto addLeaf = [&](Node *n) {
      for (unsigned l = 0; l < n->lvlToDim.size(); ++l)
        add(n->dimVars[n->lvlToDim[l]]);
    };
    // chain-first: a result variable is numbered by the topmost node that
    // has it (`owned`: those of the ancestors), its last one after the
    // node's operands and reductions.
    std::set<int> owned;
    std::function<void(Node *)> walk = [&](Node *n) {
      if (n->leaf) {
        if (!chainFirst)
          addLeaf(n);
        return;
      }
      if (chainFirst) {
        SmallVector<int> mine;
        for (int v : n->outVars)
          if (!owned.count(v))
            mine.push_back(v);
        for (size_t k = 0; k + 1 < n->outVars.size(); ++k)
          if (llvm::is_contained(mine, n->outVars[k]))
            add(n->outVars[k]);
        owned.insert(mine.begin(), mine.end());
        for (Node *c : n->slots)
          walk(c);
        for (int v : mine)
          owned.erase(v);
        for (int v : n->redVars)
          add(v);
        for (int v : mine) // the last result variable (and any not added)
          add(v);
        return;
      }
      // Result variables but the last, the reductions, the last one: the
      // first order is the row-wise (Gustavson) dataflow, which streams a
      // sparse operand's rows once; inner-product orders come later.
      for (size_t k = 0; k + 1 < n->outVars.size(); ++k)
        add(n->outVars[k]);
      for (int v : n->redVars)
        add(v);
      if (!n->outVars.empty())
        add(n->outVars.back());
      for (Node *c : n->slots)
        walk(c);
    };
    walk(root);
    for (auto &np : nodes) // variables only a leaf holds (none expected)
      if (np->leaf)
        addLeaf(np.get());
  }

  SmallVector<int> resultVars; // per dim of the region's result
  std::vector<std::set<int>> preds; // var -> vars that must precede it
  void collectEdges() {
    preds.assign(numVars, {});
    // The result is written row-major in its own dims (a transpose at the
    // root permutes the root node's variables, not the result's).
    for (int v = 1; v < (int)resultVars.size(); ++v)
      preds[resultVars[v]].insert(resultVars[v - 1]);
    for (auto &np : nodes) {
      Node *n = np.get();
      if (!n->leaf || !llvm::is_contained(n->compressed, true) ||
          viewable.count(n->tensor))
        continue;
      for (unsigned l = 1; l < n->lvlToDim.size(); ++l) {
        int a = n->dimVars[n->lvlToDim[l - 1]], b = n->dimVars[n->lvlToDim[l]];
        if (a != b)
          preds[b].insert(a);
      }
    }
  }

  /// Calls `f` on topological sorts in lexicographic order of `numbering`
  /// until it returns true or `budget` complete orders were tried.
  bool enumerate(const std::function<bool(ArrayRef<int>)> &f,
                 uint64_t &budget) {
    SmallVector<int> cur;
    std::vector<bool> used(numVars, false);
    std::function<bool()> rec = [&]() -> bool {
      if (cur.size() == (size_t)numVars) {
        if (budget == 0)
          return true;
        --budget;
        return f(cur);
      }
      for (int v : numbering) {
        if (used[v])
          continue;
        bool ready = true;
        for (int p : preds[v])
          ready &= used[p];
        if (!ready)
          continue;
        used[v] = true;
        cur.push_back(v);
        if (rec())
          return true;
        cur.pop_back();
        used[v] = false;
      }
      return false;
    };
    return rec();
  }

  //--- scopes under an order ------------------------------------------------

  SmallVector<int> pos;
  std::string why; // why the last order was rejected

  bool before(int a, int b) const { return pos[a] < pos[b]; }
  SmallVector<int> sorted(SmallVector<int> v) const {
    llvm::sort(v, [&](int a, int b) { return pos[a] < pos[b]; });
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
  }

  Level *newLevel(int var, Level *up, Node *owner) {
    levels.push_back(std::make_unique<Level>());
    Level *l = levels.back().get();
    l->var = var;
    l->up = up;
    l->owner = owner;
    return l;
  }

  /// The scopes of `n` and its subtree; `n->W` is set by the parent.
  bool scope(Node *n, ArrayRef<Level *> parentLv, ArrayRef<int> parentIt) {
    SmallVector<int> it(n->W.begin(), n->W.end());
    llvm::append_range(it, n->redVars);
    n->It = sorted(it);
    int firstRed = n->It.size();
    for (unsigned k = 0; k < n->It.size(); ++k)
      if (llvm::is_contained(n->redVars, n->It[k])) {
        firstRed = k;
        break;
      }
    // Private output/context variables (below a reduction): at most one,
    // the innermost of W, re-emitted by a spacc.
    unsigned privateW = 0;
    for (unsigned k = firstRed; k < n->It.size(); ++k)
      privateW += !llvm::is_contained(n->redVars, n->It[k]);
    if (privateW > 1) {
      why = "more than one result variable below a reduction";
      return false;
    }
    if (privateW == 1) {
      // Reduce innermost first: each step must be reduce (innermost is a
      // reduction) or spacc (the one below is the private variable).
      SmallVector<int> s(n->It.begin(), n->It.end());
      while (true) {
        bool any = false;
        for (int v : s)
          any |= llvm::is_contained(n->redVars, v);
        if (!any)
          break;
        if (llvm::is_contained(n->redVars, s.back())) {
          s.pop_back();
        } else if (s.size() >= 3 &&
                   llvm::is_contained(n->redVars, s[s.size() - 2])) {
          s.erase(s.end() - 2);
        } else {
          why = "a reduction with two variables below it, or outermost "
                "with a result variable below it";
          return false;
        }
      }
    }
    n->lv.clear();
    for (unsigned k = 0; k < n->It.size(); ++k) {
      if ((int)k < firstRed) {
        assert(k < parentLv.size() && parentIt[k] == n->It[k]);
        n->lv.push_back(parentLv[k]);
      } else {
        n->lv.push_back(newLevel(n->It[k], k ? n->lv[k - 1] : nullptr, n));
      }
    }
    for (Node *c : n->slots) {
      if (c->leaf)
        continue;
      int last = -1;
      for (int v : c->outVars)
        if (last < 0 || before(last, v))
          last = v;
      c->W.clear();
      for (int v : n->It)
        if (!before(last, v))
          c->W.push_back(v);
      for (int v : c->outVars)
        if (!llvm::is_contained(c->W, v)) {
          why = "an operand's variable outside its consumer";
          return false;
        }
      if (!scope(c, n->lv, n->It))
        return false;
    }
    return true;
  }

  /// Participation of slot expression `e` of `n` at level `l`.
  JExpr joinOf(Node *n, const BPtr &e, Level *l) {
    switch (e->kind) {
    case BExpr::Slot:
      return joinOfNode(n->slots[e->slot], n, l);
    case BExpr::Const:
      return JExpr{};
    case BExpr::Mul:
    case BExpr::Div: {
      JExpr a = joinOf(n, e->a, l);
      JExpr b = joinOf(n, e->b, l);
      if (e->kind == BExpr::Div) {
        // x / y keeps x's zeros; a constant numerator (1 / y) is dense
        // wherever y is; both sides keep every operand participating.
        if (a.kind == JExpr::Top && b.kind == JExpr::Top)
          return a;
        JExpr r;
        r.kind = JExpr::Uni;
        if (a.kind == JExpr::Top)
          r.kids = {JExpr{JExpr::Dense, -1, {}}, b};
        else if (b.kind == JExpr::Top)
          return a;
        else
          r.kids = {a, b};
        return r;
      }
      if (a.kind == JExpr::Top)
        return b;
      if (b.kind == JExpr::Top)
        return a;
      JExpr r;
      r.kind = JExpr::Inter;
      r.kids = {a, b};
      return r;
    }
    case BExpr::Max:
      // max(x, 0) keeps x's structure (ReLU).
      if (e->b->kind == BExpr::Const && e->b->value == 0)
        return joinOf(n, e->a, l);
      if (e->a->kind == BExpr::Const && e->a->value == 0)
        return joinOf(n, e->b, l);
      [[fallthrough]];
    case BExpr::Add:
    case BExpr::Sub: {
      JExpr a = joinOf(n, e->a, l), b = joinOf(n, e->b, l);
      JExpr r;
      r.kind = JExpr::Uni;
      if (a.kind == JExpr::Top && b.kind == JExpr::Top)
        return JExpr{};
      // A side without the variable: every coordinate (the level is dense).
      r.kids = {a.kind == JExpr::Top ? JExpr{JExpr::Dense, -1, {}} : a,
                b.kind == JExpr::Top ? JExpr{JExpr::Dense, -1, {}} : b};
      return r;
    }
    case BExpr::Neg:
      return joinOf(n, e->a, l);
    case BExpr::Present:
    case BExpr::Overlap: {
      // Only where the operand(s) are stored; every other slot the region
      // reads is located there (intersect).
      JExpr r = joinOf(n, e->a, l);
      auto add = [&](JExpr x) {
        if (x.kind == JExpr::Top)
          return;
        if (r.kind == JExpr::Top) {
          r = x;
          return;
        }
        JExpr i;
        i.kind = JExpr::Inter;
        i.kids = {r, x};
        r = i;
      };
      if (e->kind == BExpr::Overlap)
        add(joinOf(n, e->b, l));
      std::set<int> seen;
      std::function<void(const BPtr &)> others = [&](const BPtr &x) {
        if (!x || x == e->a || (e->kind == BExpr::Overlap && x == e->b))
          return;
        if (x->kind == BExpr::Slot) {
          if (seen.insert(x->slot).second)
            add(joinOf(n, x, l));
          return;
        }
        others(x->a);
        others(x->b);
        others(x->c);
      };
      others(e->kind == BExpr::Present ? e->b : e->c);
      return r;
    }
    case BExpr::Exp:
    case BExpr::Log: {
      // f(0) != 0: every coordinate.
      JExpr a = joinOf(n, e->a, l);
      if (a.kind == JExpr::Top)
        return a;
      JExpr r;
      r.kind = JExpr::Uni;
      r.kids = {JExpr{JExpr::Dense, -1, {}}, a};
      return r;
    }
    }
    return JExpr{};
  }

  /// How node `c` (a slot of `user`) takes part in level `l`.
  JExpr joinOfNode(Node *c, Node *user, Level *l) {
    if (c->leaf) {
      for (unsigned lvl = 0; lvl < c->lvlToDim.size(); ++lvl)
        if (c->dimVars[c->lvlToDim[lvl]] == l->var) {
          JExpr r;
          r.kind = JExpr::Part;
          r.part = l->parts.size();
          l->parts.push_back({c, user, (int)lvl, false});
          return r;
        }
      return JExpr{}; // repeated over it
    }
    if (!llvm::is_contained(c->W, l->var))
      return JExpr{};
    for (Level *x : c->lv)
      if (x == l) // shared: the child's own operands join here
        return joinOf(c, c->body, l);
    // Computed: the child re-emits this variable from its spacc.
    JExpr r;
    r.kind = JExpr::Part;
    r.part = l->parts.size();
    l->parts.push_back({c, user, -1, true});
    return r;
  }

  void planJoins() {
    for (auto &lp : levels) {
      Level *l = lp.get();
      l->parts.clear();
      l->join = joinOf(l->owner, l->owner->body, l);
      if (l->denseOutput && l->join->kind != JExpr::Top) {
        JExpr u;
        u.kind = JExpr::Uni;
        u.kids = {JExpr{JExpr::Dense, -1, {}}, *l->join};
        l->join = u;
      }
    }
  }

  Node *top = nullptr; // the result: an identity node above the root
  /// Per result dim: written as a compressed level (sparse results).
  SmallVector<bool> resultCompressed;

  bool tryOrder(ArrayRef<int> order) {
    pos.assign(numVars, 0);
    for (unsigned k = 0; k < order.size(); ++k)
      pos[order[k]] = k;
    levels.clear();
    for (auto &np : nodes)
      np->lv.clear(), np->It.clear(), np->W.clear();
    if (!top) {
      top = newNode();
      auto e = mk(BExpr::Slot);
      e->slot = 0;
      top->body = e;
      top->slots.push_back(root);
      top->outVars = root->outVars;
    }
    top->W = sorted(SmallVector<int>(root->outVars.begin(),
                                     root->outVars.end()));
    top->It = top->W;
    for (unsigned k = 0; k < top->W.size(); ++k) {
      top->lv.push_back(newLevel(top->W[k], k ? top->lv[k - 1] : nullptr, top));
      top->lv.back()->denseOutput =
          resultCompressed.empty() || !resultCompressed[k];
    }
    root->W = top->W;
    if (!scope(root, top->lv, top->It))
      return false;
    // Sparse leaves must be scanned in storage order (dense ones may be read
    // as permuted views).
    for (auto &np : nodes) {
      Node *n = np.get();
      if (!n->leaf || !llvm::is_contained(n->compressed, true) ||
          viewable.count(n->tensor))
        continue;
      for (unsigned l = 1; l < n->lvlToDim.size(); ++l)
        if (!before(n->dimVars[n->lvlToDim[l - 1]],
                    n->dimVars[n->lvlToDim[l]])) {
          why = "sparse operand '" + n->tensor + "' against its storage order";
          return false;
        }
    }
    planJoins();
    return true;
  }

  //--- emission -------------------------------------------------------------

  OpBuilder *b = nullptr;
  Location loc;
  explicit Lowering(Location l) : loc(l) {}
  int nameCounter = 0;
  std::map<Node *, Value> valueOf;      // node -> values at depth W (or It)
  std::map<std::pair<Node *, Level *>, Value> refAt; // leaf -> ref at level
  std::map<Node *, Value> spaccCrd;     // computed node -> re-emitted crd

  std::string fresh(StringRef p) { return (p + Twine(nameCounter++)).str(); }

  /// fiber_repeat, checked: a signal that is not the input plus one level
  /// means the lowering built inconsistent streams for this order (an
  /// error for the order, never a crash).
  bool broken = false;
  Value repeat(Value in, Value sig) {
    auto a = cast<StreamType>(in.getType()), s = cast<StreamType>(sig.getType());
    bool ok = s.getShape().size() == a.getShape().size() + 1;
    for (unsigned i = 0; ok && i < a.getShape().size(); ++i)
      ok = a.getShape()[i] == s.getShape()[i];
    if (!ok) {
      broken = true;
      return sig;
    }
    return b->create<mlir::step::FiberRepeatOp>(loc, in, sig).getResult();
  }

  Value root0() { return b->create<mlir::step::RootOp>(loc).getResult(); }

  /// The levels of a scope from the top down to `l`.
  SmallVector<Level *> chain(Level *l) {
    SmallVector<Level *> c;
    for (; l; l = l->up)
      c.push_back(l);
    std::reverse(c.begin(), c.end());
    return c;
  }

  Value repeatTo(Value v, Level *from, Level *to) {
    // Repeat `v` (at depth `from`, or the root when null) down to `to`.
    SmallVector<Level *> c = chain(to);
    bool started = from == nullptr;
    for (Level *l : c) {
      if (!started) {
        if (l == from)
          started = true;
        continue;
      }
      v = repeat(v, crdOf(l));
    }
    return v;
  }

  /// A leaf's reference at level `l` of its user's scope (the ref it has
  /// after level l's join, or repeated over l when it lacks l's variable).
  Value leafRef(Node *t, Node *user, Level *l) {
    auto key = std::make_pair(t, l);
    auto it = refAt.find(key);
    if (it != refAt.end())
      return it->second;
    if (!l)
      return refAt[key] = root0();
    buildLevel(l);
    auto f = l->refOf.find(t);
    Value r;
    if (f != l->refOf.end())
      r = f->second;
    else
      r = repeat(leafRef(t, user, l->up), crdOf(l));
    return refAt[key] = r;
  }

  Value crdOf(Level *l) {
    buildLevel(l);
    return l->crd;
  }

  /// Scans storage level `lvl` of leaf `t` (level `viewLevelOfDim` of its
  /// view) under the reference at `up`.
  std::pair<Value, Value> scan(Node *t, Node *user, unsigned lvl, Level *up) {
    Value parent = leafRef(t, user, up);
    unsigned dim = t->lvlToDim[lvl];
    int64_t size = t->shape[dim];
    std::string name = viewName(t);
    unsigned mode = viewLevelOfDim(t, dim);
    if (t->compressed[lvl]) {
      auto op = b->create<mlir::step::FiberLookupOp>(
          loc, parent, name, mode, "compressed", IntegerAttr(),
          b->getStringAttr(fresh("L")));
      return {op.getCrd(), op.getRefs()};
    }
    auto op = b->create<mlir::step::FiberLookupOp>(loc, parent, name, mode, "dense",
                                             b->getI64IntegerAttr(size),
                                             StringAttr());
    return {op.getCrd(), op.getRefs()};
  }

  /// Dense leaves are read in the global order of their variables: a
  /// permuted view when that is not their storage order.
  SmallVector<unsigned> viewPerm(Node *t) {
    SmallVector<unsigned> dims(t->lvlToDim.begin(), t->lvlToDim.end());
    if (isSparseFixed(t))
      return dims;
    llvm::stable_sort(dims, [&](unsigned a, unsigned c) {
      return pos[t->dimVars[a]] < pos[t->dimVars[c]];
    });
    return dims;
  }
  std::string viewName(Node *t) {
    SmallVector<unsigned> p = viewPerm(t);
    bool identity = true;
    for (unsigned i = 0; i < p.size(); ++i)
      identity &= p[i] == t->lvlToDim[i];
    if (identity)
      return t->tensor;
    std::string s = t->tensor + "@";
    for (unsigned i = 0; i < p.size(); ++i)
      s += (i ? "," : "") + std::to_string(p[i]);
    views.insert({s, t->tensor});
    return s;
  }
  /// The view's level that holds tensor dim `dim`.
  unsigned viewLevelOfDim(Node *t, unsigned dim) {
    SmallVector<unsigned> p = viewPerm(t);
    return llvm::find(p, dim) - p.begin();
  }
  std::map<std::string, std::string> views;
  /// Sparse tensors that may be read from a permuted copy (option `views`).
  std::set<std::string> viewable;
  bool isSparseFixed(Node *t) const {
    return llvm::is_contained(t->compressed, true) && !viewable.count(t->tensor);
  }

  /// Dense leaves are scanned by their view's level order, which is the
  /// global order: level index of variable `v` in that order.
  int leafLevelOf(Node *t, int var) {
    for (unsigned l = 0; l < t->lvlToDim.size(); ++l)
      if (t->dimVars[t->lvlToDim[l]] == var)
        return l;
    return -1;
  }

  struct Joined {
    Value crd;
    std::vector<std::pair<int, Value>> refs; // participant -> ref/values
  };

  /// The coordinate and reference stream a single participant offers.
  std::pair<Value, Value> offer(Level *l, const Participant &p) {
    if (p.computed) {
      Value vals = nodeValue(p.node);
      auto it = spaccCrd.find(p.node);
      if (it == spaccCrd.end()) { // its construction failed (broken)
        broken = true;
        return {vals, vals};
      }
      return {it->second, vals};
    }
    int lvl = leafLevelOf(p.node, l->var);
    return scan(p.node, p.user, lvl, l->up);
  }

  bool isDenseLeafPart(Level *l, int i) {
    const Participant &p = l->parts[i];
    return !p.computed && !p.node->compressed[p.leafLevel];
  }

  Joined emitJoin(Level *l, const JExpr &e) {
    if (e.kind == JExpr::Top || e.kind == JExpr::Dense)
      return emitDense(l, JExpr{});
    Joined j;
    if (e.kind == JExpr::Part) {
      auto [c, r] = offer(l, l->parts[e.part]);
      j.crd = c;
      j.refs.push_back({e.part, r});
      return j;
    }
    if (e.kind == JExpr::Uni)
      for (const JExpr &k : e.kids)
        if (k.kind == JExpr::Dense ||
            (k.kind == JExpr::Part && isDenseLeafPart(l, k.part)))
          return emitDense(l, e); // every coordinate
    SmallVector<Joined> sparse;
    SmallVector<int> denseParts;
    for (const JExpr &k : e.kids) {
      if (k.kind == JExpr::Part && isDenseLeafPart(l, k.part)) {
        denseParts.push_back(k.part);
        continue;
      }
      if (k.kind == JExpr::Top)
        continue;
      sparse.push_back(emitJoin(l, k));
    }
    if (sparse.empty()) {
      // Only dense leaves: scan the first, locate the others.
      Joined first = emitJoin(l, JExpr{JExpr::Part, denseParts[0], {}});
      for (unsigned i = 1; i < denseParts.size(); ++i)
        first = locateInto(l, first, denseParts[i]);
      return first;
    }
    Joined r = sparse.size() == 1 ? sparse[0] : joinAll(e.kind, sparse);
    for (int p : denseParts)
      r = locateInto(l, r, p);
    return r;
  }

  Joined joinAll(JExpr::Kind kind, ArrayRef<Joined> parts) {
    SmallVector<Value> crds, refs;
    for (const Joined &p : parts)
      for (auto &[i, r] : p.refs) {
        crds.push_back(p.crd);
        refs.push_back(r);
      }
    std::string name = fresh(kind == JExpr::Uni ? "U" : "X");
    auto outerDims = [](Value v) {
      auto sh = cast<StreamType>(v.getType()).getShape();
      return SmallVector<::step::sym::Expr>(sh.begin(), sh.end() - 1);
    };
    for (unsigned i = 0; i < crds.size(); ++i)
      if (outerDims(crds[i]) != outerDims(crds[0]) ||
          cast<StreamType>(refs[i].getType()).getShape() !=
              cast<StreamType>(crds[i].getType()).getShape())
        broken = true;
    if (broken)
      return parts[0];
    Operation *op;
    if (kind == JExpr::Uni)
      op = b->create<mlir::step::UnionOp>(loc, crds, refs, name);
    else
      op = b->create<mlir::step::IntersectOp>(loc, crds, refs, name);
    Joined j;
    j.crd = op->getResult(0);
    unsigned k = 1;
    for (const Joined &p : parts)
      for (auto &[i, r] : p.refs)
        j.refs.push_back({i, op->getResult(k++)});
    return j;
  }

  Joined locateInto(Level *l, Joined j, int part) {
    // A real reference to pass through, if any.
    Value ref;
    for (auto &[i, r] : j.refs)
      if (isa<mlir::step::RefType>(cast<StreamType>(r.getType()).getElementType())) {
        ref = r;
        break;
      }
    const Participant &p = l->parts[part];
    if (!ref) {
      Joined d = emitJoin(l, JExpr{JExpr::Part, part, {}});
      return joinAll(JExpr::Inter, {j, d});
    }
    Value parent = leafRef(p.node, p.user, l->up);
    int64_t size = p.node->shape[p.node->lvlToDim[p.leafLevel]];
    {
      auto cshape = cast<StreamType>(j.crd.getType()).getShape();
      auto pshape = cast<StreamType>(parent.getType()).getShape();
      if (broken || cshape.size() != pshape.size() + 1 ||
          !std::equal(pshape.begin(), pshape.end(), cshape.begin()) ||
          cast<StreamType>(ref.getType()).getShape() != cshape) {
        broken = true;
        return j;
      }
    }
    auto op = b->create<mlir::step::LocateOp>(loc, j.crd, ref, parent,
                                        b->getI64IntegerAttr(size));
    j.refs.push_back({part, op.getDenseRef()});
    b->create<mlir::step::SinkOp>(loc, op.getOutCrd());
    b->create<mlir::step::SinkOp>(loc, op.getOutRef());
    return j;
  }

  /// Every coordinate of the level's variable: a dense scan unioned with
  /// the sparse participants; dense leaves located.
  Joined emitDense(Level *l, const JExpr &e) {
    SmallVector<int> dense;
    SmallVector<Joined> sparse;
    auto take = [&](const JExpr &k) {
      if (k.kind == JExpr::Dense || k.kind == JExpr::Top)
        return;
      if (k.kind == JExpr::Part && isDenseLeafPart(l, k.part))
        dense.push_back(k.part);
      else
        sparse.push_back(emitJoin(l, k));
    };
    if (e.kind == JExpr::Uni)
      for (const JExpr &k : e.kids)
        take(k);
    else
      take(e);
    Joined j;
    if (!dense.empty()) {
      j = emitJoin(l, JExpr{JExpr::Part, dense[0], {}});
    } else {
      // A generator: a dense level of the variable's size.
      Value parent = l->up ? generatorRef(l->up) : root0();
      auto op = b->create<mlir::step::FiberLookupOp>(
          loc, parent, "_gen", 0, "dense",
          b->getI64IntegerAttr(varSize[l->var]), StringAttr());
      j.crd = op.getCrd();
      j.refs.push_back({-1, op.getRefs()});
    }
    if (!sparse.empty()) {
      SmallVector<Joined> ps{j};
      llvm::append_range(ps, sparse);
      j = joinAll(JExpr::Uni, ps);
    }
    for (unsigned i = 1; i < dense.size(); ++i)
      j = locateInto(l, j, dense[i]);
    return j;
  }

  /// A reference stream at level `l` for generators below it.
  Value generatorRef(Level *l) {
    buildLevel(l);
    if (!l->refOf.count(nullptr)) {
      // Any stream of l's shape works as a parent: repeat a root.
      l->refOf[nullptr] = repeatTo(root0(), nullptr, l);
    }
    return l->refOf[nullptr];
  }

  void buildLevel(Level *l) {
    if (l->built)
      return;
    l->built = true;
    JExpr e = l->join ? *l->join : JExpr{};
    Joined j = emitJoin(l, e);
    l->crd = j.crd;
    for (auto &[i, r] : j.refs) {
      if (i < 0) {
        l->refOf[nullptr] = r;
        continue;
      }
      const Participant &p = l->parts[i];
      if (p.computed)
        joinedValues[{p.node, l}] = r;
      else
        l->refOf[p.node] = r;
    }
  }
  std::map<std::pair<Node *, Level *>, Value> joinedValues;

  /// The tile op of an arithmetic body kind (unary: `y` unused).
  Value emitTileOp(OpBuilder &rb, BExpr::Kind k, Value x, Value y = {}) {
    switch (k) {
    case BExpr::Add:
      return rb.create<mlir::step::AddOp>(loc, x, y);
    case BExpr::Sub:
      return rb.create<mlir::step::SubOp>(loc, x, y);
    case BExpr::Mul:
      return rb.create<mlir::step::MulOp>(loc, x, y);
    case BExpr::Div:
      return rb.create<mlir::step::DivOp>(loc, x, y);
    case BExpr::Max:
      return rb.create<mlir::step::MaxOp>(loc, x, y);
    case BExpr::Exp:
      return rb.create<mlir::step::ExpOp>(loc, x);
    case BExpr::Log:
      return rb.create<mlir::step::LogOp>(loc, x);
    case BExpr::Neg:
      return rb.create<mlir::step::NegOp>(loc, x);
    default:
      return {};
    }
  }

  /// Tile ops of a body expression over the map's arguments.
  Value emitBody(OpBuilder &rb, const BPtr &e, ValueRange args, Type tile) {
    switch (e->kind) {
    case BExpr::Slot:
      return args[e->slot];
    case BExpr::Const:
      return rb.create<mlir::step::ConstOp>(loc, tile, rb.getF64FloatAttr(e->value))
          .getResult();
    case BExpr::Present:
      return emitBody(rb, e->b, args, tile);
    case BExpr::Overlap:
      return emitBody(rb, e->c, args, tile);
    case BExpr::Exp:
    case BExpr::Log:
    case BExpr::Neg:
      return emitTileOp(rb, e->kind, emitBody(rb, e->a, args, tile));
    default: {
      Value x = emitBody(rb, e->a, args, tile);
      return emitTileOp(rb, e->kind, x, emitBody(rb, e->b, args, tile));
    }
    }
  }

  /// Block mode: the tile layouts of `n`'s map arguments, the array_val of
  /// each leaf (`ins` holds its references), and the map of tile ops (with
  /// the in-block reductions); records the value's layout.
  Value blockedValue(Node *n, SmallVector<Value> &ins) {
    slotLay.clear();
    for (Node *c : n->slots) {
      Lay l;
      if (c->leaf) {
        SmallVector<int> bv;
        for (int v : c->dimVars)
          if (varBlocked[v])
            bv.push_back(v);
        if (bv.size() == 2)
          l = Lay{bv[0], bv[1], false, {}};
        else if (bv.size() == 1)
          l = Lay{bv[0], -1, true, {}};
      } else {
        l = layoutOf[c];
      }
      slotLay.push_back(l);
    }
    // Orientations of the flexible vectors: until nothing changes, then
    // columns for those the expression leaves free.
    Value unused;
    for (int iter = 0; iter < 4; ++iter) {
      layChanged = false;
      Lay l = blockBody(n, n->body, nullptr, {}, unused);
      blockReduce(n, l, nullptr, unused);
      if (broken || !layChanged)
        break;
    }
    for (Lay &l : slotLay)
      if (l.flex)
        l = Lay{l.r, -1, false, {}};
    Lay l = blockBody(n, n->body, nullptr, {}, unused);
    Lay red = blockReduce(n, l, nullptr, unused);
    if (broken)
      return ins[0];
    for (unsigned i = 0; i < n->slots.size(); ++i) {
      Node *c = n->slots[i];
      if (!c->leaf)
        continue;
      const Lay &sl = slotLay[i];
      IntegerAttr blockAttr;
      DenseI64ArrayAttr tileAttr;
      if (sl.r >= 0 && sl.c >= 0)
        blockAttr = b->getI64IntegerAttr(blk);
      else if (sl.r >= 0 || sl.c >= 0)
        tileAttr = b->getDenseI64ArrayAttr({sl.r >= 0 ? blk : 1,
                                            sl.c >= 0 ? blk : 1});
      ins[i] = b->create<mlir::step::ArrayValOp>(loc, ins[i], viewName(c),
                                                 blockAttr, tileAttr)
                   .getResult();
    }
    bool inBlockReduce = red.r != l.r || red.c != l.c;
    if (n->body->kind == BExpr::Slot && !inBlockReduce) {
      layoutOf[n] = red;
      return ins[n->body->slot];
    }
    Value map = buildMap(
        ins, [&](unsigned i) { return tileOf(slotLay[i]); },
        [&](OpBuilder &rb, ValueRange args) {
          Value y;
          blockBody(n, n->body, &rb, args, y);
          red = blockReduce(n, l, &rb, y);
          return y;
        });
    layoutOf[n] = red;
    return map;
  }

  /// A map over `ins`: region argument i of type argType(i), the region's
  /// result built by `body`; result types inferred (a failure breaks the
  /// order).
  Value buildMap(ValueRange ins, function_ref<Type(unsigned)> argType,
                 function_ref<Value(OpBuilder &, ValueRange)> body) {
    auto map = b->create<mlir::step::MapOp>(loc, ins[0].getType(), ins,
                                            IntegerAttr(), UnitAttr());
    Block *blk = new Block();
    map.getBody().push_back(blk);
    for (unsigned i = 0; i < ins.size(); ++i)
      blk->addArgument(argType(i), loc);
    OpBuilder rb = OpBuilder::atBlockEnd(blk);
    Value y = body(rb, blk->getArguments());
    rb.create<mlir::step::YieldOp>(loc, ValueRange{y});
    if (failed(mlir::step::refreshResultTypes(map.getOperation())))
      broken = true;
    return map.getResult();
  }

  /// The value stream of node `n` at depth W(n) (after its reductions).
  Value nodeValue(Node *n) {
    auto it = valueOf.find(n);
    if (it != valueOf.end())
      return it->second;
    Level *inner = n->lv.empty() ? nullptr : n->lv.back();
    SmallVector<Value> ins;
    for (Node *c : n->slots) {
      if (c->leaf) {
        Value r = leafRef(c, n, inner);
        if (blk) { // array_val once the tile layouts are known
          ins.push_back(r);
          continue;
        }
        ins.push_back(
            b->create<mlir::step::ArrayValOp>(loc, r, viewName(c), IntegerAttr(),
                                              DenseI64ArrayAttr())
                .getResult());
        continue;
      }
      // The child's values at the level where they meet n's scope: the
      // joined values at a computed level, or its own depth when shared.
      Level *at = c->W.empty() ? nullptr : n->lv[c->W.size() - 1];
      Value v;
      auto jv = joinedValues.find({c, at});
      if (jv != joinedValues.end()) {
        v = jv->second;
      } else {
        buildLevel(at);
        auto jv2 = joinedValues.find({c, at});
        v = jv2 != joinedValues.end() ? jv2->second : nodeValue(c);
      }
      ins.push_back(repeatTo(v, at, inner));
    }
    auto tile = mlir::step::TileType::get(b->getContext(), ::step::sym::constant(1),
                                          ::step::sym::constant(1),
                                          b->getF32Type());
    Value val;
    for (Value v : ins)
      if (cast<StreamType>(v.getType()).getShape() !=
          cast<StreamType>(ins[0].getType()).getShape())
        broken = true;
    if (blk && !broken) {
      val = blockedValue(n, ins);
    } else if (broken) {
      val = ins[0];
    } else if (n->body->kind == BExpr::Slot) {
      val = ins[n->body->slot];
    } else {
      val = buildMap(
          ins, [&](unsigned) { return tile; },
          [&](OpBuilder &rb, ValueRange args) {
            return emitBody(rb, n->body, args, tile);
          });
    }
    // Reductions, innermost first. `cs` are the coordinate streams of the
    // current levels (a spacc re-emits the innermost one).
    SmallVector<int> s(n->It.begin(), n->It.end());
    SmallVector<Value> cs;
    for (Level *l : n->lv)
      cs.push_back(crdOf(l));
    auto isRed = [&](int v) { return llvm::is_contained(n->redVars, v); };
    while (llvm::any_of(s, isRed)) {
      if (isRed(s.back())) {
        // The coordinates of the level above guide the reduce: below an
        // empty fiber of an outer level the values carry a bare stop that
        // SAM's reducer would read as an element with an empty fiber (a 0
        // that no coordinate stream of that level has).
        Value outer = cs.size() >= 2 ? cs[cs.size() - 2] : Value();
        if (outer && !broken &&
            cast<StreamType>(outer.getType()).getShape() !=
                cast<StreamType>(val.getType()).getShape().drop_back())
          broken = true;
        if (broken)
          break;
        val = b->create<mlir::step::ReduceOp>(loc, val, n->reduceKind, outer)
                  .getResult();
        s.pop_back();
        cs.pop_back();
        continue;
      }
      // spacc over the reduction above the innermost (private) variable;
      // the outer coordinates are held over the two levels below.
      size_t k = s.size();
      Value outer = cs[k - 3];
      outer = repeat(outer, cs[k - 2]);
      outer = repeat(outer, cs[k - 1]);
      auto vt = cast<StreamType>(val.getType()).getShape(),
           ot = cast<StreamType>(outer.getType()).getShape(),
           it = cast<StreamType>(cs[k - 1].getType()).getShape();
      if (broken || vt != ot || vt != it || vt.size() < 4) {
        broken = true;
        break;
      }
      auto sp = b->create<mlir::step::SpaccOp>(loc, cs[k - 1], outer, val, 1,
                                               fresh("A"), fresh("B"),
                                               /*keep_empty=*/true);
      b->create<mlir::step::SinkOp>(loc, sp.getOuterCrd());
      val = sp.getResultVals();
      spaccCrd[n] = sp.getInnerCrd();
      s.erase(s.end() - 2);
      cs.erase(cs.end() - 2);
      cs.back() = sp.getInnerCrd();
    }
    return valueOf[n] = val;
  }
};

} // namespace

namespace {
struct LowerSparsePass
    : public mlir::step::impl::StepLowerSparseBase<LowerSparsePass> {
  using StepLowerSparseBase::StepLowerSparseBase;
  void runOnOperation() override;
};
} // namespace

/// Lowers result `idx` of region `f` with its own fused expression and the
/// `k`-th accepted order into the body of `sf` (before its end), writing
/// tensor `outName`. Returns false (after an error) on failure.
static bool lowerResult(func::FuncOp f, unsigned idx, StringRef outName,
                        func::FuncOp sf, int64_t k, uint64_t maxTries,
                        StringRef viewsOpt, std::string &orderText,
                        std::set<std::string> &viewsOut, bool clampOrder,
                        bool chainFirst, int64_t block) {
  Lowering L(f.getLoc());
  L.func = f;
  L.chainFirst = chainFirst;
  L.blk = block > 1 ? block : 0;
  for (StringRef v : llvm::split(viewsOpt, ','))
    if (!v.trim().empty())
      L.viewable.insert(v.trim().str());
  auto ret = cast<func::ReturnOp>(f.getBody().front().getTerminator());
  Value result = ret.getOperand(idx);
  auto rt = dyn_cast<RankedTensorType>(result.getType());
  if (!rt) {
    f.emitError("--step-lower-sparse: result #") << idx << " is not a tensor";
    return false;
  }
  if (auto enc = sparse_tensor::getSparseTensorEncoding(rt)) {
    // A sparse result: its compressed levels are written by fiber_write
    // (empty fibers are kept as empty segments), its dense ones complete.
    AffineMap m = enc.getDimToLvl();
    for (unsigned l = 0; l < m.getNumResults(); ++l) {
      auto d = dyn_cast<AffineDimExpr>(m.getResult(l));
      if (!d || d.getPosition() != l) {
        f.emitError("--step-lower-sparse: sparse result #")
            << idx << " must be stored in dim order";
        return false;
      }
      L.resultCompressed.push_back(enc.getLvlType(l) !=
                                   sparse_tensor::LevelFormat::Dense);
    }
  }
  SmallVector<int> outVars;
  for (int64_t d : rt.getShape())
    outVars.push_back(L.newVar(d));
  L.resultVars = outVars;
  L.root = L.build(result, outVars);
  if (!L.root) {
    (L.errorOp ? L.errorOp : f.getOperation())
            ->emitError("--step-lower-sparse: ")
        << L.error;
    return false;
  }
  if (L.root->leaf) {
    // A region that only transposes (or returns) an argument: a copy.
    Node *copy = L.newNode();
    auto e = mk(BExpr::Slot);
    e->slot = 0;
    copy->body = e;
    copy->slots.push_back(L.root);
    copy->outVars = outVars;
    L.root = copy;
  }
  if (L.blk && !L.applyBlocking()) {
    (L.errorOp ? L.errorOp : f.getOperation())
            ->emitError("--step-lower-sparse: ")
        << L.error;
    return false;
  }
  L.numberVars();
  L.collectEdges();
  int64_t seen = 0;
  uint64_t budget = maxTries;
  SmallVector<int> chosen;
  std::string lastWhy;
  bool blockFailed = false;
  OpBuilder mb(f.getContext());
  mb.setInsertionPointAfter(sf);
  L.enumerate(
      [&](ArrayRef<int> o) {
        if (!L.tryOrder(o)) {
          lastWhy = L.why;
          return false;
        }
        // Emit into a scratch function; an order whose streams come out
        // inconsistent is skipped.
        auto tmp = mb.create<func::FuncOp>(f.getLoc(), "__step_lower_tmp",
                                           mb.getFunctionType({}, {}));
        Block *blk = tmp.addEntryBlock();
        OpBuilder eb = OpBuilder::atBlockEnd(blk);
        L.b = &eb;
        L.loc = f.getLoc();
        L.broken = false;
        L.valueOf.clear();
        L.refAt.clear();
        L.spaccCrd.clear();
        L.joinedValues.clear();
        L.views.clear();
        Value outVals = L.nodeValue(L.top);
        if (L.blk && L.blockError.empty() && !L.broken) {
          // The result's tile must be its blocked dims in dim order.
          SmallVector<int> want;
          for (int v : L.resultVars)
            if (L.varBlocked[v])
              want.push_back(v);
          const Lowering::Lay &got = L.layoutOf[L.top];
          bool ok = want.size() == 2 ? got.r == want[0] && got.c == want[1]
                    : want.size() == 1
                        ? (got.r == want[0]) != (got.c == want[0]) &&
                              std::min(got.r, got.c) < 0
                        : got.r < 0 && got.c < 0;
          if (!ok)
            L.blockFail(L.root, "the result's tile " + L.layText(got) +
                                    " is not its blocked dims in dim order");
        }
        if (!L.blockError.empty()) {
          (L.blockErrorOp ? L.blockErrorOp : f.getOperation())
                  ->emitError("--step-lower-sparse: ")
              << L.blockError;
          blockFailed = true;
          tmp.erase();
          return true;
        }
        if (L.broken || seen < k) {
          if (L.broken)
            lastWhy = "streams of mismatched structure (not supported)";
          else
            ++seen;
          tmp.erase();
          return false;
        }
        eb.create<mlir::step::ValWriteOp>(L.loc, outVals, outName);
        for (unsigned lvl = 0; lvl < L.resultCompressed.size(); ++lvl)
          if (L.resultCompressed[lvl])
            eb.create<mlir::step::FiberWriteOp>(
                L.loc, L.crdOf(L.top->lv[lvl]), outName, lvl);
        Block &dst = sf.getBody().front();
        for (Operation &op : llvm::make_early_inc_range(*blk))
          op.moveBefore(&dst, dst.end());
        tmp.erase();
        ++seen;
        chosen.assign(o.begin(), o.end());
        return true;
      },
      budget);
  if (blockFailed)
    return false;
  if (chosen.empty() && seen > 0 && clampOrder)
    // Fewer orders than asked for: the last one (so one index can sweep a
    // model whose regions have different numbers of orders).
    return lowerResult(f, idx, outName, sf, seen - 1, maxTries, viewsOpt,
                       orderText, viewsOut, /*clampOrder=*/false, chainFirst,
                       block);
  if (chosen.empty()) {
    f.emitError("--step-lower-sparse: no lowerable loop order with index ")
        << k << " for result #" << idx << " (" << seen << " found in "
        << maxTries << " tried; last rejection: " << lastWhy << ")";
    return false;
  }
  for (int v : chosen)
    orderText += (orderText.empty() ? "" : ",") + ("v" + std::to_string(v));
  for (auto &[view, t] : L.views)
    viewsOut.insert(view);
  return true;
}

void LowerSparsePass::runOnOperation() {
  ModuleOp module = getOperation();
  if (order < 0) {
    module.emitError("--step-lower-sparse: order must be >= 0, got ")
        << int64_t(order);
    return signalPassFailure();
  }
  if (block < 0) {
    module.emitError("--step-lower-sparse: block must be >= 0, got ")
        << int64_t(block);
    return signalPassFailure();
  }
  SmallVector<func::FuncOp> regions = mlir::step::collectFusionRegions(module);
  if (regions.empty()) {
    module.emitError("--step-lower-sparse: no function holds linalg ops");
    return signalPassFailure();
  }
  OpBuilder mb(module.getContext());
  mb.setInsertionPointToEnd(module.getBody());
  bool failedAny = false;
  for (func::FuncOp f : regions) {
    auto ret = dyn_cast<func::ReturnOp>(f.getBody().front().getTerminator());
    if (!ret || ret.getNumOperands() == 0) {
      f.emitError("--step-lower-sparse: a fusion region must return tensors");
      failedAny = true;
      continue;
    }
    std::string name = (f.getSymName() + "_sam").str();
    auto sf = mb.create<func::FuncOp>(f.getLoc(), name,
                                      mb.getFunctionType({}, {}));
    sf.addEntryBlock();
    std::string orders;
    std::set<std::string> views;
    bool ok = true;
    // Several results: independent graphs in one function (they run
    // side by side), written as output0, output1, ...
    for (unsigned i = 0; ok && i < ret.getNumOperands(); ++i) {
      std::string out = ret.getNumOperands() == 1 ? std::string("output")
                                                  : "output" + std::to_string(i);
      std::string o;
      ok = lowerResult(f, i, out, sf, order, maxTries, viewsOpt, o, views,
                       clampOrder, chainFirst, block);
      orders += (orders.empty() ? "" : ";") + o;
    }
    if (!ok) {
      sf.erase();
      failedAny = true;
      continue;
    }
    OpBuilder b = OpBuilder::atBlockEnd(&sf.getBody().front());
    // Streams nobody reads (a scanner's coordinates where only its
    // references are joined, ...) end in a sink.
    SmallVector<Value> unused;
    sf.walk([&](Operation *op) {
      for (Value r : op->getResults())
        if (r.use_empty() && isa<StreamType>(r.getType()))
          unused.push_back(r);
    });
    for (Value r : unused)
      b.create<mlir::step::SinkOp>(f.getLoc(), r);
    b.create<func::ReturnOp>(f.getLoc());
    sf->setAttr("step.loop_order", b.getStringAttr(orders));
    SmallVector<Attribute> viewAttrs;
    for (const std::string &v : views)
      viewAttrs.push_back(b.getStringAttr(v));
    sf->setAttr("step.views", b.getArrayAttr(viewAttrs));
    if (auto id = f->getAttr("step.fusion_region"))
      sf->setAttr("step.fusion_region", id);
  }
  if (failedAny)
    return signalPassFailure();
  // Comal's channels are effectively unbounded (reference/fuseflow.md §4.3);
  // a SAM graph's forks and repeats deadlock on shallow FIFOs.
  if (channelDepth > 0)
    module->setAttr("step.channel_depth",
                    IntegerAttr::get(IntegerType::get(module.getContext(), 64),
                                     int64_t(channelDepth)));
  // The step functions replace the linalg ones (step-sim reads step only).
  SmallVector<func::FuncOp> old;
  for (auto f : module.getOps<func::FuncOp>())
    if (!f->hasAttr("step.loop_order"))
      old.push_back(f);
  for (func::FuncOp f : old)
    f.erase();
}
