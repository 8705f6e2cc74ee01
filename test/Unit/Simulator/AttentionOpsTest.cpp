//===- AttentionOpsTest.cpp - components of the attention-decode graph ----===//
//
// cache_read_addr_gen, filter_last_tile, metadata_gen's derivations and
// slices, the one-cycle tile functions (set_offset, row_append,
// cache_write_addr, signal_req_all_read), inline select_gen targets and
// sink, with token times derived by hand from the channel rules (visible =
// max(requested, sender clock + 1)) and the timing rules of
// simulator/docs/step-perf-routing-and-attention.md §1. Channels are 8 deep.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace steptest;
using ::testing::ElementsAre;

namespace {

Value meta(int64_t v) {
  Value t = Value::tile(1, 1, 8);
  t.scalar = v;
  return t;
}

std::vector<std::vector<int32_t>> selections(const Sink &s) {
  std::vector<std::vector<int32_t>> v;
  for (const Rec &r : s.records)
    v.push_back(r.value.selected ? *r.value.selected : std::vector<int32_t>());
  return v;
}

step::sim::Tensor ints(std::vector<int64_t> v) {
  step::sim::Tensor t;
  t.isInteger = true;
  t.shape = {static_cast<int64_t>(v.size())};
  t.ints = std::move(v);
  return t;
}

TEST(CacheReadAddrGenTest, OneAddressPerCyclePerRequest) {
  Harness h;
  int idx = h.channel(8), len = h.channel(8), out = h.channel(8);
  proto::Operator &op = h.op("cache_read_addr_gen", {idx, len}, {out});
  (*op.mutable_attrs())["row_offset"] = intAttr(5);
  h.source(idx, {Item{meta(3), 0, 10, -1}, Item{meta(4), 0, 20, -1}});
  h.source(len, {Item{meta(2), 0, 10, -1}, Item{meta(3), 0, 20, -1}});
  Sink &s = h.sink(out);
  h.run();
  // Request (3, 2) is taken at 10: addresses 15, 16 requested at 10, 11,
  // visible at max(10 + i, 10 + 1) = 11, 11. Request (4, 3) at 20: 20, 21,
  // 22 visible at 21, 21, 22. The last of each closes the request.
  EXPECT_THAT(s.tags(), ElementsAre(15, 16, 20, 21, 22));
  EXPECT_THAT(s.times(), ElementsAre(11, 11, 21, 21, 22));
  EXPECT_THAT(s.stops(), ElementsAre(0, 1, 0, 0, 1));
}

TEST(FilterLastTileTest, LastTileToOutputZero) {
  Harness h;
  int len = h.channel(8), out = h.channel(8);
  h.op("filter_last_tile", {len}, {out});
  h.source(len, {Item{meta(3), 0, 10, -1}, Item{meta(1), 0, 20, -1}});
  Sink &s = h.sink(out);
  h.run();
  // seq_len 3: two selectors of output 1, then output 0 closing the
  // request, all stamped at 10 (visible 11). seq_len 1: output 0 alone.
  EXPECT_THAT(selections(s), ElementsAre(ElementsAre(1), ElementsAre(1),
                                         ElementsAre(0), ElementsAre(0)));
  EXPECT_THAT(s.times(), ElementsAre(11, 11, 11, 21));
  EXPECT_THAT(s.stops(), ElementsAre(0, 0, 1, 1));
}

TEST(MetadataGenTest, DerivesIndexTilesAndOffsetOnePerCycle) {
  for (const char *derive : {"index", "tiles32", "offset32"}) {
    Harness h;
    int out = h.channel(8, streamType({"3"}, tileType(1, 1, proto::I64)));
    proto::Operator &op = h.op("metadata_gen", {}, {out});
    (*op.mutable_attrs())["input"] = strAttr("kv");
    (*op.mutable_attrs())["derive"] = strAttr(derive);
    h.inputs["kv"] = ints({40, 70, 31});
    Sink &s = h.sink(out);
    h.run();
    // Element i requested at i: visible max(i, 0 + 1) = 1, 1, 2.
    EXPECT_THAT(s.times(), ElementsAre(1, 1, 2));
    if (std::string(derive) == "index")
      EXPECT_THAT(s.tags(), ElementsAre(0, 1, 2));
    else if (std::string(derive) == "tiles32") // ceil((x + 1) / 32)
      EXPECT_THAT(s.tags(), ElementsAre(2, 3, 1));
    else // x mod 32
      EXPECT_THAT(s.tags(), ElementsAre(8, 6, 31));
  }
}

TEST(MetadataGenTest, SliceKeepsGlobalIndices) {
  Harness h;
  int out = h.channel(8, streamType({"2"}, tileType(1, 1, proto::I64)));
  proto::Operator &op = h.op("metadata_gen", {}, {out});
  (*op.mutable_attrs())["input"] = strAttr("kv");
  (*op.mutable_attrs())["derive"] = strAttr("index");
  (*op.mutable_attrs())["slice"] = intsAttr({2, 1, 0, 1});
  h.inputs["kv"] = ints({1, 2, 3, 4});
  Sink &s = h.sink(out);
  h.run();
  // The slices in order: element 2, then element 0.
  EXPECT_THAT(s.tags(), ElementsAre(2, 0));
}

TEST(SelectGenTest, InlineTargetsWithoutStops) {
  Harness h;
  int out = h.channel(8, streamType({"3"}, selectorType(4, 1)));
  proto::Operator &op = h.op("select_gen", {}, {out});
  (*op.mutable_attrs())["input"] = strAttr("round_robin");
  (*op.mutable_attrs())["targets"] = intsAttr({2, 0, 3});
  Sink &s = h.sink(out);
  h.run();
  EXPECT_THAT(selections(s),
              ElementsAre(ElementsAre(2), ElementsAre(0), ElementsAre(3)));
  EXPECT_THAT(s.stops(), ElementsAre(0, 0, 0));
}

TEST(TileFunctionTest, SetOffsetAndRowAppendTakeOneCycleEach) {
  Harness h;
  int t = h.channel(8), off = h.channel(8), row = h.channel(8);
  int mid = h.channel(8), out = h.channel(8);
  RegionBuilder set;
  int a = set.arg(tileType(32, 64, proto::BF16));
  int o = set.arg(tileType(1, 1, proto::I64));
  set.yield(set.op("set_offset", {a, o}, tileType(32, 64, proto::BF16)));
  proto::Operator &m1 = h.op("map", {t, off}, {mid});
  *m1.add_regions() = set.region;
  RegionBuilder app;
  int b = app.arg(tileType(32, 64, proto::BF16));
  int r = app.arg(tileType(1, 64, proto::BF16));
  app.yield(app.op("row_append", {b, r}, tileType(32, 64, proto::BF16)));
  proto::Operator &m2 = h.op("map", {mid, row}, {out});
  *m2.add_regions() = app.region;
  h.source(t, {Item{tile(0, 32, 64, false, 2), 0, 0, -1}});
  h.source(off, {Item{meta(7), 0, 0, -1}});
  h.source(row, {Item{tile(0, 1, 64, false, 2), 0, 0, -1}});
  Sink &s = h.sink(out);
  h.run();
  // Inputs visible at 1; set_offset 0 FLOPs but 1 cycle: sent at 2, visible
  // 3; row_append takes it at 3, 1 cycle: visible 5. The offset advances.
  EXPECT_THAT(s.times(), ElementsAre(5));
  EXPECT_THAT(s.tags(), ElementsAre(8));
  EXPECT_EQ(h.component(0).flops + h.component(1).flops, 0);
}

TEST(TileFunctionTest, CacheWriteAddress) {
  Harness h;
  int i = h.channel(8), n = h.channel(8), out = h.channel(8);
  RegionBuilder w;
  int x = w.arg(tileType(1, 1, proto::I64));
  int y = w.arg(tileType(1, 1, proto::I64));
  int op = w.op("cache_write_addr", {x, y}, tileType(1, 1, proto::I64));
  (*w.region.mutable_ops(0)->mutable_attrs())["row_offset"] = intAttr(202);
  w.yield(op);
  proto::Operator &m = h.op("map", {i, n}, {out});
  *m.add_regions() = w.region;
  h.source(i, {Item{meta(3), 0, 0, -1}});
  h.source(n, {Item{meta(5), 0, 0, -1}});
  Sink &s = h.sink(out);
  h.run();
  EXPECT_THAT(s.tags(), ElementsAre(3 * 202 + 5));
  EXPECT_THAT(s.times(), ElementsAre(3));
}

TEST(TileFunctionTest, SignalReqAllReadPaysTheTileReads) {
  Harness h;
  int k = h.channel(8), out = h.channel(8);
  proto::Operator &op = h.op("accum", {k}, {out});
  (*op.mutable_attrs())["rank"] = intAttr(1);
  RegionBuilder init;
  init.yield(init.op("zeros", {}, tileType(1, 1, proto::I64)));
  RegionBuilder update;
  int acc = update.arg(tileType(1, 1, proto::I64));
  int t = update.arg(tileType(32, 64, proto::BF16));
  update.yield(
      update.op("signal_req_all_read", {acc, t}, tileType(1, 1, proto::I64)));
  *op.add_regions() = init.region;
  *op.add_regions() = update.region;
  // Two requests of 2 and 1 K tiles, sitting in memory units (4096 B each:
  // 64 cycles of a 64 B/cycle memory unit).
  h.source(k, {Item{tile(0, 32, 64, true, 2), 0, 0, -1},
               Item{tile(1, 32, 64, true, 2), 1, 0, -1},
               Item{tile(2, 32, 64, true, 2), 1, 0, -1}});
  Sink &s = h.sink(out);
  h.run();
  // From 1: 64 + 64 cycles, then the count of request 0 at 129 (visible
  // 130); 64 more for request 1: visible 194.
  EXPECT_THAT(s.times(), ElementsAre(130, 194));
  EXPECT_THAT(s.tags(), ElementsAre(2, 1));
}

TEST(SinkTest, TakesOnePerCycle) {
  Harness h;
  int in = h.channel(8);
  h.op("sink", {in}, {});
  h.source(in, {Item{meta(1), 0, 0, -1}, Item{meta(2), 0, 0, -1},
                Item{meta(3), 0, 0, -1}});
  h.run();
  EXPECT_EQ(h.component(0).stats.busy, 3);
}

} // namespace
