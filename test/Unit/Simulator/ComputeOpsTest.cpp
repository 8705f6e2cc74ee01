//===- ComputeOpsTest.cpp - map, accum and linear_load components ---------===//
//
// STeP's roofline per element (reference/step.md §5.2): max(memory-unit
// load cycles of inputs that sit in memory units, summed; FLOPs /
// compute_bw; store cycles when written back). The test architecture has
// 64-byte/cycle memory units and compute_bw 64 unless an operator says
// otherwise. Sources request every token at 0, so inputs are visible at 1.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace steptest;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

namespace {

std::vector<Item> atZero(int n, int64_t rows, int64_t cols, bool fromMu,
                         const std::vector<uint32_t> &stops) {
  std::vector<Item> v;
  for (int k = 0; k < n; ++k)
    v.push_back(Item{tile(k, rows, cols, fromMu), stops.at(k), 0, -1});
  return v;
}

/// A map of `ins` with `region`.
proto::Operator &addMap(Harness &h, const std::vector<int> &ins, int out,
                        RegionBuilder region) {
  proto::Operator &op = h.op("map", ins, {out});
  *op.add_regions() = region.region;
  return op;
}

//===----------------------------------------------------------------------===//
// accum
//===----------------------------------------------------------------------===//

/// accum rank 1 over A (4x8) and B (8x16): acc += A * B, acc 4x16 f32.
proto::Operator &addMatmulAccum(Harness &h, int a, int b, int out) {
  proto::Operator &op = h.op("accum", {a, b}, {out});
  (*op.mutable_attrs())["rank"] = intAttr(1);
  RegionBuilder init;
  init.yield(init.op("zeros", {}, tileType(4, 16)));
  RegionBuilder update;
  int acc = update.arg(tileType(4, 16));
  int x = update.arg(tileType(4, 8));
  int w = update.arg(tileType(8, 16));
  int mm = update.op("matmul", {x, w}, tileType(4, 16));
  update.yield(update.op("add", {acc, mm}, tileType(4, 16)));
  *op.add_regions() = init.region;
  *op.add_regions() = update.region;
  return op;
}

TEST(AccumTest, RankOneEmitsPerGroupWithFusedMacFlops) {
  Harness h;
  int a = h.channel(8), b = h.channel(8), out = h.channel(8);
  proto::Operator &op = addMatmulAccum(h, a, b, out);
  (*op.mutable_attrs())["write_back_mu"] = boolAttr(true);
  // [1, 2, 3]: two groups of three.
  std::vector<uint32_t> stops = stopsOf({1, 2, 3});
  h.source(a, atZero(6, 4, 8, false, stops));
  h.source(b, atZero(6, 8, 16, false, stops));
  Sink &s = h.sink(out);
  h.run();
  // FLOPs per element: the accumulator add of a matmul product is part of
  // the multiply-accumulate: 2 * 4 * 8 * 16 = 1024 (not + 4 * 16).
  EXPECT_EQ(h.component(0).flops, 6 * 1024);
  // Per element max(load 0 (inputs not in memory units), 1024 / 64 = 16,
  // store 4x16x4 B / 64 = 4 at a group's end) = 16. Elements are taken at
  // 1, so the clock is 17, 33, 49 after the first group and 65, 81, 97
  // after the second; each result is sent then: visible 50 and 98.
  EXPECT_THAT(s.times(), ElementsAre(50, 98));
  // Stop s - rank: the groups of [1, 2, 3] leave [1, 2].
  EXPECT_THAT(s.stops(), ElementsAre(0, 1));
  EXPECT_EQ(s.records.at(0).value.rows, 4);
  EXPECT_EQ(s.records.at(0).value.cols, 16);
  // Written back: the consumer reads it from a memory unit.
  EXPECT_TRUE(s.records.at(0).value.readFromMu);
  EXPECT_EQ(h.component(0).stats.busy, 96);
}

TEST(AccumTest, StoreCyclesOnlyAtTheEndOfAGroup) {
  Harness h;
  int a = h.channel(8), b = h.channel(8), out = h.channel(8);
  proto::Operator &op = addMatmulAccum(h, a, b, out);
  (*op.mutable_attrs())["write_back_mu"] = boolAttr(true);
  (*op.mutable_attrs())["compute_bw"] = intAttr(1024);
  std::vector<uint32_t> stops = stopsOf({1, 2, 3});
  h.source(a, atZero(6, 4, 8, false, stops));
  h.source(b, atZero(6, 8, 16, false, stops));
  Sink &s = h.sink(out);
  h.run();
  // Compute 1024 / 1024 = 1 cycle; the store of 256 bytes (4 cycles) only
  // on the last element of a group: 1, 1, 4 per group. From clock 1: 2, 3,
  // 7 (sent, visible 8), then 8, 9, 13 (visible 14).
  EXPECT_THAT(s.times(), ElementsAre(8, 14));
  EXPECT_EQ(h.component(0).stats.busy, 12);
}

TEST(AccumTest, WithoutWriteBackTheResultStaysOutOfMemoryUnits) {
  Harness h;
  int a = h.channel(8), b = h.channel(8), out = h.channel(8);
  addMatmulAccum(h, a, b, out);
  std::vector<uint32_t> stops = stopsOf({1, 3});
  h.source(a, atZero(3, 4, 8, false, stops));
  h.source(b, atZero(3, 8, 16, false, stops));
  Sink &s = h.sink(out);
  h.run();
  // 3 elements of 16 cycles from clock 1: sent at 49, visible 50, stop 0.
  EXPECT_THAT(s.times(), ElementsAre(50));
  EXPECT_THAT(s.stops(), ElementsAre(0));
  EXPECT_FALSE(s.records.at(0).value.readFromMu);
}

//===----------------------------------------------------------------------===//
// map
//===----------------------------------------------------------------------===//

RegionBuilder binary(const std::string &kind, int64_t rows, int64_t cols) {
  RegionBuilder r;
  int x = r.arg(tileType(rows, cols));
  int y = r.arg(tileType(rows, cols));
  r.yield(r.op(kind, {x, y}, tileType(rows, cols)));
  return r;
}

TEST(MapTest, LoadTermSumsInputsInMemoryUnits) {
  Harness h;
  int a = h.channel(8), b = h.channel(8), out = h.channel(8);
  addMap(h, {a, b}, out, binary("mul", 16, 16));
  h.source(a, atZero(3, 16, 16, /*fromMu=*/true, {0, 0, 0}));
  h.source(b, atZero(3, 16, 16, /*fromMu=*/true, {0, 0, 0}));
  Sink &s = h.sink(out);
  h.run();
  // Load: two 16x16 f32 tiles read from memory units, 1024 B / 64 each,
  // summed: 32. Compute: 256 FLOPs / 64 = 4. No write back: 0. So 32 per
  // element from clock 1: sent at 33, 65, 97, visible one hop later.
  EXPECT_THAT(s.times(), ElementsAre(34, 66, 98));
  EXPECT_EQ(h.component(0).flops, 3 * 256);
  EXPECT_FALSE(s.records.at(0).value.readFromMu);
}

TEST(MapTest, ComputeTermWithItsOwnBandwidth) {
  Harness h;
  int a = h.channel(8), out = h.channel(8);
  RegionBuilder r;
  r.yield(r.op("silu", {r.arg(tileType(16, 16))}, tileType(16, 16)));
  proto::Operator &op = addMap(h, {a}, out, r);
  (*op.mutable_attrs())["compute_bw"] = intAttr(16);
  h.source(a, atZero(3, 16, 16, /*fromMu=*/true, {0, 0, 0}));
  Sink &s = h.sink(out);
  h.run();
  // silu: 8 FLOPs per element of 256 = 2048 / 16 = 128 cycles; the load
  // term (1024 / 64 = 16) hides under it. From clock 1: 129, 257, 385.
  EXPECT_THAT(s.times(), ElementsAre(130, 258, 386));
  EXPECT_EQ(h.component(0).computeBw, 16);
  EXPECT_EQ(h.component(0).stats.busy, 3 * 128);
}

TEST(MapTest, StoreTermWhenWrittenBack) {
  Harness h;
  int a = h.channel(8), b = h.channel(8), out = h.channel(8);
  proto::Operator &op = addMap(h, {a, b}, out, binary("add", 16, 16));
  (*op.mutable_attrs())["write_back_mu"] = boolAttr(true);
  h.source(a, atZero(3, 16, 16, false, {0, 0, 0}));
  h.source(b, atZero(3, 16, 16, false, {0, 0, 0}));
  Sink &s = h.sink(out);
  h.run();
  // Load 0 (not in memory units), compute 256 / 64 = 4, store 1024 / 64 =
  // 16: 16 per element from clock 1: 17, 33, 49.
  EXPECT_THAT(s.times(), ElementsAre(18, 34, 50));
  EXPECT_TRUE(s.records.at(0).value.readFromMu);
}

TEST(MapTest, SendsBeforeReleasingItsInputs) {
  Harness h;
  int a = h.channel(1), out = h.channel(1);
  RegionBuilder r;
  int x = r.arg(tileType(16, 16));
  r.yield(r.op("add", {x, x}, tileType(16, 16)));
  addMap(h, {a}, out, r);
  Source &src = h.source(a, atZero(3, 16, 16, false, {0, 0, 0}));
  Sink &s = h.sink(out, /*work=*/10);
  h.run();
  // 4 cycles per element (256 FLOPs / 64). Element 0: taken at 1, sent at
  // 5 (visible 6), released at 5, so the source sends element 1 at 6
  // (visible 7). The map computes until 11 but may send only when the sink
  // has released output 0 (taken 6, released 16, credit 17): visible 18,
  // and only then does it release element 1 (17): element 2 leaves the
  // source at 18, visible 19; computed by 23; output credit 18 + 10 + 1 =
  // 29: visible 30.
  EXPECT_THAT(s.times(), ElementsAre(6, 18, 30));
  EXPECT_THAT(src.sentAt, ElementsAre(0, 6, 18));
  EXPECT_EQ(h.component(0).stats.stalledOut, 6 + 6);
}

TEST(MapTest, FlopsOfAMatmulAndAnAdd) {
  Harness h;
  int a = h.channel(8), b = h.channel(8), c = h.channel(8), out = h.channel(8);
  RegionBuilder r;
  int x = r.arg(tileType(4, 8));
  int w = r.arg(tileType(8, 16));
  int bias = r.arg(tileType(4, 16));
  int mm = r.op("matmul", {x, w}, tileType(4, 16));
  r.yield(r.op("add", {mm, bias}, tileType(4, 16)));
  addMap(h, {a, b, c}, out, r);
  h.source(a, atZero(2, 4, 8, false, {0, 0}));
  h.source(b, atZero(2, 8, 16, false, {0, 0}));
  h.source(c, atZero(2, 4, 16, false, {0, 0}));
  Sink &s = h.sink(out);
  h.run();
  // Outside an accumulator the add counts: 2 * 4 * 8 * 16 + 4 * 16 = 1088
  // per element; 1088 / 64 = 17 cycles.
  EXPECT_EQ(h.component(0).flops, 2 * 1088);
  EXPECT_THAT(s.times(), ElementsAre(19, 36));
}

//===----------------------------------------------------------------------===//
// linear_load
//===----------------------------------------------------------------------===//

TEST(LinearLoadTest, StopLevelsOfAViewWithARef) {
  Harness h;
  int ref = h.channel(8), out = h.channel(8);
  proto::Operator &op = h.op("linear_load", {ref}, {out});
  auto &attrs = *op.mutable_attrs();
  attrs["tensor"] = strAttr("w");
  attrs["tensor_shape"] = intsAttr({64, 64});
  attrs["tile"] = typeAttr(tileType(16, 16));
  attrs["view"] = intsAttr({2, 3});
  // The reference stream [1, 2]: stops 0, 1.
  h.source(ref, {Item{tile(0), 0, 0, -1}, Item{tile(1), 1, 0, -1}});
  Sink &s = h.sink(out);
  h.run();
  // Per reference element the view [2, 3] (row-major); a tile's stop counts
  // the trailing view dims it ends; the last tile of the view adds the
  // reference's stop: 0 0 1 0 0 2, then 0 0 1 0 0 2+1. The stream is
  // [1, 2, 2, 3].
  EXPECT_THAT(s.stops(), ElementsAre(0, 0, 1, 0, 0, 2, 0, 0, 1, 0, 0, 3));
  EXPECT_THAT(s.stops(), ElementsAreArray(stopsOf({1, 2, 2, 3})));
  for (const Rec &r : s.records) {
    EXPECT_EQ(r.value.rows, 16);
    EXPECT_EQ(r.value.cols, 16);
    EXPECT_EQ(r.value.elemBytes, 4);
    EXPECT_TRUE(r.value.readFromMu);
  }
  // 12 tiles of 16 rows x one 64-byte request each.
  EXPECT_EQ(h.memory().getRequests(), 12u * 16u);
  EXPECT_EQ(h.context().offChipRead, 12 * 1024);
}

TEST(LinearLoadTest, FunctionalTilesFollowTheView) {
  Harness h;
  h.options.functional = true;
  step::sim::Tensor t;
  t.shape = {4, 4};
  for (int i = 0; i < 16; ++i)
    t.floats.push_back(float(i));
  h.inputs["x"] = t;
  int out = h.channel(8);
  proto::Operator &op = h.op("linear_load", {}, {out});
  auto &attrs = *op.mutable_attrs();
  attrs["tensor"] = strAttr("x");
  attrs["tensor_shape"] = intsAttr({4, 4});
  attrs["tile"] = typeAttr(tileType(2, 2));
  // The view [2, 2] with strides (1, 2): the grid read column by column.
  attrs["view"] = intsAttr({2, 2});
  attrs["stride"] = intsAttr({1, 2});
  Sink &s = h.sink(out);
  h.run();
  ASSERT_EQ(s.records.size(), 4u);
  // Grid addresses 0, 2, 1, 3: tiles (0,0), (1,0), (0,1), (1,1).
  EXPECT_THAT(*s.records[0].value.data, ElementsAre(0, 1, 4, 5));
  EXPECT_THAT(*s.records[1].value.data, ElementsAre(8, 9, 12, 13));
  EXPECT_THAT(*s.records[2].value.data, ElementsAre(2, 3, 6, 7));
  EXPECT_THAT(*s.records[3].value.data, ElementsAre(10, 11, 14, 15));
  EXPECT_THAT(s.stops(), ElementsAre(0, 1, 0, 2));
}

} // namespace
