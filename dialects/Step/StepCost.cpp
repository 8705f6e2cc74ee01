//===- StepCost.cpp - the STeP cost model of every stream operator --------===//
//
// Off-chip traffic and on-chip memory requirement per operator
// (reference/step.md §4), with the accounting variants of the STeP
// artifact's `on_chip_requirement(count_fifos, mode)`.
//
//===----------------------------------------------------------------------===//

#include "dialects/Step/StepOps.h"
#include "dialects/Step/StepOpsSupport.h"

using namespace mlir;
using namespace mlir::step;
using namespace mlir::step::detail;

sym::Expr LinearLoadOp::getOffChipBytes() {
  return getResult().getType().getCardinality() * getTile().getBytes();
}

sym::Expr LinearLoadOp::getOnChipBytes(const CostOptions &o) {
  return getTile().getBytes() * c(o.mode == 2 ? 2 : 1);
}

sym::Expr LinearStoreOp::getOffChipBytes() {
  return getInput().getType().getCardinality() * elemBytes(getInput());
}

sym::Expr LinearStoreOp::getOnChipBytes(const CostOptions &o) {
  return elemBytes(getInput()) * c(o.mode == 2 ? 2 : 1);
}

sym::Expr RandomLoadOp::getOffChipBytes() {
  return getResult().getType().getCardinality() * getTile().getBytes();
}

sym::Expr RandomLoadOp::getOnChipBytes(const CostOptions &o) {
  return getTile().getBytes() * c(o.mode == 2 ? 2 : 1);
}

sym::Expr RandomStoreOp::getOffChipBytes() {
  return getData().getType().getCardinality() * elemBytes(getData());
}

sym::Expr RandomStoreOp::getOnChipBytes(const CostOptions &o) {
  return elemBytes(getData()) * c(o.mode == 2 ? 2 : 1);
}

static sym::Expr bufferBytes(BufferType b) {
  sym::Expr n = c(1);
  for (sym::Expr d : b.getShape())
    n = n * d;
  return n * getElementBytes(b.getElementType());
}

sym::Expr BufferizeOp::getOffChipBytes() {
  if (!getOffchip())
    return c(0);
  return getInput().getType().getCardinality() * elemBytes(getInput());
}

sym::Expr BufferizeOp::getOnChipBytes(const CostOptions &) {
  sym::Expr tile = elemBytes(getInput());
  if (getOffchip())
    return tile;
  auto buf = cast<BufferType>(getResult().getType().getElementType());
  return tile + c(2) * bufferBytes(buf);
}

sym::Expr StreamifyOp::getOffChipBytes() {
  auto buf = cast<BufferType>(getInput().getType().getElementType());
  if (!buf.getOffChip())
    return c(0);
  return getResult().getType().getCardinality() *
         getElementBytes(buf.getElementType());
}

sym::Expr StreamifyOp::getOnChipBytes(const CostOptions &o) {
  auto buf = cast<BufferType>(getInput().getType().getElementType());
  sym::Expr tile = getElementBytes(buf.getElementType());
  if (buf.getOffChip())
    return tile;
  if (o.mode == 2)
    return c(0);
  return bufferBytes(buf) + tile;
}

sym::Expr PartitionOp::getOnChipBytes(const CostOptions &o) {
  if (!o.countFifos)
    return c(0);
  return elemBytes(getInput()) * c(getNumResults() + 1);
}

sym::Expr ReassembleOp::getOnChipBytes(const CostOptions &o) {
  if (!o.countFifos)
    return c(0);
  return elemBytes(getInputs()[0]) * c(getInputs().size() + 1);
}

sym::Expr EagerMergeOp::getOnChipBytes(const CostOptions &o) {
  if (!o.countFifos)
    return c(0);
  int64_t n = getInputs().size();
  return (elemBytes(getInputs()[0]) + c(n)) * c(n + 1);
}

sym::Expr ParallelizeOp::getOnChipBytes(const CostOptions &o) {
  if (!o.countFifos)
    return c(0);
  return elemBytes(getInput()) * c(getCount() + 1);
}

/// True if the region contains a matmul (STeP counts such maps and accums
/// with its matmul rule in mode 2).
static bool hasMatmul(Region &region) {
  bool found = false;
  region.walk([&](MatmulOp) { found = true; });
  return found;
}

static sym::Expr tileCols(Value stream) {
  if (auto t = dyn_cast<TileType>(streamOf(stream).getElementType()))
    return t.getCols();
  return c(0);
}

sym::Expr MapOp::getOnChipBytes(const CostOptions &o) {
  if (!o.countFifos)
    return c(0);
  sym::Expr out = elemBytes(getResult());
  if (o.mode == 2) {
    // The artifact's matmul rule: 16 rows of the input's columns (counted in
    // elements, not bytes, as the artifact does), the weight and the output.
    if (!hasMatmul(getBody()) || getInputs().size() < 2)
      return c(0);
    return c(16) * tileCols(getInputs()[0]) + elemBytes(getInputs()[1]) + out;
  }
  sym::Expr total = out;
  for (Value in : getInputs())
    total = total + elemBytes(in);
  return total;
}

/// STeP's accounting of accumulating operators (Accum, BinaryMapAccum).
static sym::Expr accumOnChip(const CostOptions &o, ValueRange inputs,
                             Value result, Region &update) {
  sym::Expr acc = elemBytes(result);
  if (!o.countFifos)
    return acc;
  if (o.mode == 2) {
    if (hasMatmul(update) && inputs.size() >= 2)
      return c(16) * tileCols(inputs[0]) + elemBytes(inputs[1]) + acc;
    return acc;
  }
  // Mode 1 with FIFOs. The artifact charges a two-input accumulation three
  // times its first input tile (BinaryMapAccum) and otherwise the
  // accumulator plus the input tile.
  if (inputs.size() >= 2)
    return c(3) * elemBytes(inputs[0]);
  return acc + elemBytes(inputs[0]);
}

sym::Expr AccumOp::getOnChipBytes(const CostOptions &o) {
  return accumOnChip(o, getInputs(), getResult(), getUpdate());
}

sym::Expr ScanOp::getOnChipBytes(const CostOptions &o) {
  return accumOnChip(o, getInputs(), getResult(), getUpdate());
}

sym::Expr FlattenOp::getOnChipBytes(const CostOptions &o) {
  return o.countFifos ? c(2) * elemBytes(getResult()) : c(0);
}

sym::Expr ReshapeOp::getOnChipBytes(const CostOptions &o) {
  return o.countFifos ? c(2) * elemBytes(getResult()) : c(0);
}

sym::Expr PromoteOp::getOnChipBytes(const CostOptions &o) {
  return o.countFifos ? c(2) * elemBytes(getResult()) : c(0);
}

sym::Expr ExpandOp::getOnChipBytes(const CostOptions &o) {
  return elemBytes(getResult()) * c(o.countFifos ? 2 : 1);
}

sym::Expr RepeatOp::getOnChipBytes(const CostOptions &o) {
  return elemBytes(getResult()) * c(o.countFifos ? 2 : 1);
}

//===----------------------------------------------------------------------===//
// Time-multiplexing macro operators
//===----------------------------------------------------------------------===//

// An address counter: it reads nothing off chip and holds no tile (STeP's
// ExpertAddrGen reports 0 for both).
sym::Expr ExpertAddrGenOp::getOffChipBytes() { return c(0); }

sym::Expr ExpertAddrGenOp::getOnChipBytes(const CostOptions &) { return c(0); }
