//===- TimeMultiplex.cpp - STeP's configuration time-multiplexing ---------===//
//
// Shares one configured expert region among E/P experts of an MoE layer
// (reference/step.md §8.2; the graph of step-perf's
// timeshare_mn_mk_gemm_reshape_fixed_fanout_revet,
// simulator/docs/step-perf-routing-and-attention.md §3): per region, an
// eager_merge of the experts' packed-token tiles feeds one copy of the
// expert pipeline whose weight loads become random_loads addressed by
// expert_addr_gen, and a partition driven by the merge's selector returns
// each output tile to its expert.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/Reinfer.h"

#include "mlir/Analysis/TopologicalSortUtils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"

namespace mlir::step {
#define GEN_PASS_DEF_STEPTIMEMULTIPLEX
#include "passes/Passes.h.inc"
} // namespace mlir::step

using namespace mlir;
using namespace mlir::step;

namespace {

/// One expert of the MoE graph as step-gen writes it.
struct Expert {
  /// Packs the expert's tokens into tiles (accum of retile_rows).
  AccumOp tokens;
  RepeatOp repeat;
  /// The weight loads (ref = tokens) and the flattens that follow them, in
  /// block order.
  SmallVector<LinearLoadOp, 3> loads;
  SmallVector<FlattenOp, 3> flattens;
  /// The down projection, whose result the split flatmap reads.
  AccumOp down;
  FlatMapOp split;
  /// Every op of the expert's compute pipeline (repeat, loads, flattens,
  /// maps, accums), in block order.
  SmallVector<Operation *> body;
};

/// The accum that packs a token-partition output into tiles (through a
/// reshape or a promote), if `v` feeds one.
AccumOp packingAccum(Value v) {
  if (!v.hasOneUse())
    return {};
  Operation *user = *v.getUsers().begin();
  Value packed;
  if (auto reshape = dyn_cast<ReshapeOp>(user)) {
    if (reshape.getRank() != 0)
      return {};
    packed = reshape.getResult();
  } else if (auto promote = dyn_cast<PromoteOp>(user)) {
    packed = promote.getResult();
  } else {
    return {};
  }
  if (!packed.hasOneUse())
    return {};
  auto accum = dyn_cast<AccumOp>(*packed.getUsers().begin());
  if (!accum || accum.getInputs().size() != 1 || accum.getUpdate().empty())
    return {};
  bool packs = false;
  accum.getUpdate().walk([&](RetileRowsOp) { packs = true; });
  return packs ? accum : AccumOp();
}

/// The `<name>_r<region>` name of a region's weight tensor: the expert
/// suffix `_e<i>` of the template's tensor, if any, is dropped.
std::string regionTensorName(StringRef expertTensor, int64_t region) {
  StringRef base = expertTensor;
  size_t pos = base.rfind("_e");
  if (pos != StringRef::npos && pos + 2 < base.size() &&
      llvm::all_of(base.drop_front(pos + 2),
                   [](char ch) { return llvm::isDigit(ch); }))
    base = base.take_front(pos);
  return (base + "_r" + Twine(region)).str();
}

struct TimeMultiplexPass
    : public mlir::step::impl::StepTimeMultiplexBase<TimeMultiplexPass> {
  using StepTimeMultiplexBase::StepTimeMultiplexBase;
  void runOnOperation() override;

private:
  LogicalResult rewriteFunction(func::FuncOp func, PartitionOp tokens);
  FailureOr<Expert> recognize(PartitionOp tokens, unsigned i, AccumOp packed);
  void rewriteRegion(PartitionOp tokens, MutableArrayRef<Expert> experts,
                     int64_t region, int64_t first, int64_t count);
};

FailureOr<Expert> TimeMultiplexPass::recognize(PartitionOp tokens, unsigned i,
                                               AccumOp packed) {
  Expert e;
  e.tokens = packed;
  Value tok = packed.getResult();
  auto bad = [&](const Twine &why) {
    packed.emitError("step-time-multiplex: expert ")
        << i << " is not the recognised MoE expert: " << why;
    return failure();
  };
  for (Operation *user : tok.getUsers()) {
    if (auto repeat = dyn_cast<RepeatOp>(user)) {
      if (e.repeat)
        return bad("its packed tokens feed two repeats");
      e.repeat = repeat;
    } else if (auto load = dyn_cast<LinearLoadOp>(user)) {
      if (load.getRef() != tok)
        return bad("a load reads its packed tokens as data");
      e.loads.push_back(load);
    } else {
      return bad(Twine("its packed tokens feed '") +
                 user->getName().getStringRef() +
                 "' (expected one repeat and the weight loads)");
    }
  }
  if (!e.repeat || e.loads.empty())
    return bad("its packed tokens do not feed a repeat and weight loads");
  llvm::sort(e.loads, [](LinearLoadOp a, LinearLoadOp b) {
    return a->isBeforeInBlock(b);
  });
  int64_t count = e.repeat.getCount();
  for (LinearLoadOp load : e.loads) {
    auto tile = load.getTile();
    ArrayRef<int64_t> shape = load.getTensorShape();
    if (shape.size() != 2 || load->hasAttr("stride") ||
        !load.getResult().hasOneUse())
      return bad(Twine("weight load '") + load.getTensor() +
                 "' is not a plain 2-D load with one use");
    auto rows = tile.getRows().getConstant(),
         cols = tile.getCols().getConstant();
    if (!rows || !cols || shape[0] % *rows || shape[1] % *cols ||
        (shape[0] / *rows) * (shape[1] / *cols) != count)
      return bad(Twine("weight load '") + load.getTensor() +
                 "' does not read " + Twine(count) +
                 " tiles per token tile (the repeat count)");
    auto flatten = dyn_cast<FlattenOp>(*load.getResult().getUsers().begin());
    if (!flatten)
      return bad(Twine("weight load '") + load.getTensor() +
                 "' is not followed by a flatten");
    e.flattens.push_back(flatten);
  }

  // The compute pipeline: everything reachable from the repeat and the
  // flattened weights, up to the flatmap that splits the output tiles.
  llvm::SetVector<Operation *> body;
  SmallVector<Operation *> work{e.repeat};
  work.append(e.flattens.begin(), e.flattens.end());
  for (LinearLoadOp load : e.loads)
    body.insert(load);
  while (!work.empty()) {
    Operation *op = work.pop_back_val();
    if (!body.insert(op))
      continue;
    for (Operation *user : op->getUsers()) {
      if (auto split = dyn_cast<FlatMapOp>(user)) {
        if (e.split && e.split != split)
          return bad("its pipeline feeds two flatmaps");
        e.split = split;
        continue;
      }
      if (!isa<MapOp, AccumOp, RepeatOp, FlattenOp>(user))
        return bad(Twine("its pipeline feeds '") +
                   user->getName().getStringRef() + "'");
      work.push_back(user);
    }
  }
  if (!e.split || e.split.getInputs().size() != 1)
    return bad("its pipeline does not end in a one-input flatmap");
  e.down = e.split.getInputs()[0].getDefiningOp<AccumOp>();
  if (!e.down || !body.contains(e.down) || !e.down.getResult().hasOneUse())
    return bad("the flatmap does not read an accum of the pipeline");
  e.body.assign(body.begin(), body.end());
  llvm::sort(e.body,
             [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  return e;
}

void TimeMultiplexPass::rewriteRegion(PartitionOp tokens,
                                      MutableArrayRef<Expert> experts,
                                      int64_t region, int64_t first,
                                      int64_t count) {
  MLIRContext *ctx = &getContext();
  Expert &tmpl = experts[first];
  MutableArrayRef<Expert> members = experts.slice(first, count);
  Location loc = tmpl.tokens.getLoc();

  // The merge goes after the last packed-token tile it reads; the block is
  // sorted topologically at the end.
  Operation *last = tmpl.tokens;
  SmallVector<Value> packed;
  for (Expert &e : members) {
    packed.push_back(e.tokens.getResult());
    if (last->isBeforeInBlock(e.tokens))
      last = e.tokens;
  }
  OpBuilder b(ctx);
  b.setInsertionPointAfter(last);
  auto merge = b.create<EagerMergeOp>(loc, packed, /*rank=*/0);
  // With dynamic tiling the merged tiles have up to max_i rows: the down
  // projection's accumulator, sized like the template's token tile, follows.
  auto oldTile = dyn_cast<TileType>(
      cast<StreamType>(tmpl.tokens.getResult().getType()).getElementType());
  auto newTile = dyn_cast<TileType>(
      cast<StreamType>(merge.getData().getType()).getElementType());
  if (oldTile && newTile && oldTile != newTile) {
    for (Operation *op : tmpl.body) {
      auto accum = dyn_cast<AccumOp>(op);
      if (!accum)
        continue;
      ZerosOp zeros = initZeros(accum.getInit());
      if (!zeros)
        continue;
      auto acc = cast<TileType>(zeros.getResult().getType());
      if (acc.getRows() == oldTile.getRows())
        setAccumulatorType(zeros, accum.getUpdate(),
                           TileType::get(ctx, newTile.getRows(), acc.getCols(),
                                         acc.getElementType()));
    }
  }

  int64_t tiles = tmpl.repeat.getCount();
  auto addr = b.create<ExpertAddrGenOp>(loc, merge.getSelector(), tiles,
                                        /*base=*/IntegerAttr());
  for (auto [load, flatten] : llvm::zip(tmpl.loads, tmpl.flattens)) {
    ArrayRef<int64_t> shape = load.getTensorShape();
    SmallVector<int64_t> regionShape{shape[0] * count, shape[1]};
    auto rl = b.create<RandomLoadOp>(load.getLoc(), addr.getResult(),
                                     regionTensorName(load.getTensor(), region),
                                     regionShape, load.getTile(),
                                     load.getParDispatchAttr());
    flatten.getResult().replaceAllUsesWith(rl.getResult());
    flatten.erase();
    load.erase();
  }
  tmpl.repeat.getInputMutable().assign(merge.getData());

  // The partition back to the experts; its types are set when the block is
  // re-inferred (the down projection's type is stale until then).
  SmallVector<Attribute> names;
  SmallVector<Type> types;
  for (int64_t j = 0; j < count; ++j) {
    names.push_back(StringAttr::get(ctx, "C_e" + Twine(first + j)));
    types.push_back(tmpl.down.getResult().getType());
  }
  b.setInsertionPointAfter(tmpl.down);
  auto part = b.create<PartitionOp>(
      tmpl.down.getLoc(), types, tmpl.down.getResult(), merge.getSelector(),
      b.getI64IntegerAttr(0), b.getArrayAttr(names));
  ArrayAttr tokenNames = tokens.getNames();
  for (auto [j, e] : llvm::enumerate(members)) {
    FlatMapOp split = e.split;
    split->setOperand(0, part.getResult(j));
    // The split now reads tiles of the region; state that it yields the
    // expert's tokens (dynamic tiling leaves the dim implicit).
    if (!split.getDim())
      split.setDimAttr(cast<StringAttr>(tokenNames[first + j]));
  }

  // The other experts' pipelines are dead now.
  for (const Expert &e : members.drop_front())
    for (Operation *op : llvm::reverse(e.body))
      op->erase();
}

LogicalResult TimeMultiplexPass::rewriteFunction(func::FuncOp func,
                                                 PartitionOp tokens) {
  unsigned numExperts = tokens.getNumResults();
  if (regions <= 0)
    return tokens.emitError("step-time-multiplex: needs regions=P with P > 0");
  if (numExperts % regions != 0)
    return tokens.emitError("step-time-multiplex: regions=")
           << static_cast<int64_t>(regions) << " does not divide the "
           << numExperts << " experts";
  SmallVector<Expert> experts;
  for (unsigned i = 0; i < numExperts; ++i) {
    auto e = recognize(tokens, i, packingAccum(tokens.getResult(i)));
    if (failed(e))
      return failure();
    experts.push_back(std::move(*e));
  }
  int64_t perRegion = numExperts / regions;
  if (perRegion == 1)
    return success(); // P = E: one dedicated region per expert, unchanged.
  for (int64_t r = 0; r < regions; ++r)
    rewriteRegion(tokens, experts, r, r * perRegion, perRegion);
  Block &block = func.getBody().front();
  if (!sortTopologically(&block))
    return func.emitError("step-time-multiplex: the rewritten graph has a "
                          "cycle");
  return reinferBlock(block, "time-multiplexing");
}

void TimeMultiplexPass::runOnOperation() {
  bool found = false;
  WalkResult result = getOperation()->walk([&](func::FuncOp func) {
    if (func.isExternal())
      return WalkResult::advance();
    // The token partition: its outputs are packed into tiles per expert.
    PartitionOp tokens;
    bool ambiguous = false;
    func.walk([&](PartitionOp p) {
      if (p.getRank() != 0 || p.getNumResults() == 0 ||
          !packingAccum(p.getResult(0)))
        return;
      ambiguous |= static_cast<bool>(tokens);
      tokens = p;
    });
    if (!tokens)
      return WalkResult::advance();
    found = true;
    if (ambiguous) {
      tokens.emitError("step-time-multiplex: more than one token partition "
                       "in the function");
      return WalkResult::interrupt();
    }
    for (unsigned i = 0; i < tokens.getNumResults(); ++i)
      if (!packingAccum(tokens.getResult(i))) {
        tokens.emitError("step-time-multiplex: output ")
            << i
            << " of the token partition is not packed into tiles by a "
               "reshape or promote and an accum of retile_rows";
        return WalkResult::interrupt();
      }
    if (failed(rewriteFunction(func, tokens)))
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  if (result.wasInterrupted())
    return signalPassFailure();
  if (!found) {
    getOperation()->emitError(
        "step-time-multiplex: found no MoE token partition (a rank-0 "
        "step.partition whose outputs a reshape or promote and an accum of "
        "retile_rows pack into tiles)");
    signalPassFailure();
  }
}

} // namespace
