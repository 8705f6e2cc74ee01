//===- TimeMultiplexTest.cpp - components of the time-multiplexed MoE -----===//
//
// Exact token times, stops and values of expert_addr_gen and random_load,
// the two components a --step-time-multiplex region adds (step-perf's
// ExpertAddrGen and RandomOffChipLoad,
// simulator/docs/step-perf-routing-and-attention.md §1).
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"

#include "simulator/Error.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace steptest;
using ::testing::ElementsAre;

namespace {

void setInt(proto::Operator &op, const std::string &name, int64_t v) {
  (*op.mutable_attrs())[name] = intAttr(v);
}

TEST(ExpertAddrGenTest, AllAddressesAtTheSelectorsClock) {
  Harness h;
  int sel = h.channel(8), out = h.channel(8);
  proto::Operator &op = h.op("expert_addr_gen", {sel}, {out});
  setInt(op, "tiles", 3);
  setInt(op, "base", 4);
  // Selectors for local experts 1, 0, 2 at 10, 20, 30; the last ends the
  // stream's dim 1.
  h.source(sel, {Item{selector(3, {1}), 0, 10, -1},
                 Item{selector(3, {0}), 0, 20, -1},
                 Item{selector(3, {2}), 1, 30, -1}});
  Sink &s = h.sink(out);
  h.run();
  // Expert e's addresses are 4 + 3e + i; a chunk closes with the
  // selector's stop + 1.
  EXPECT_THAT(s.tags(), ElementsAre(7, 8, 9, 4, 5, 6, 10, 11, 12));
  EXPECT_THAT(s.stops(), ElementsAre(0, 0, 1, 0, 0, 1, 0, 0, 2));
  // No clock increments: with room in the FIFO all three leave at the
  // selector's clock and are visible one hop later.
  EXPECT_THAT(s.times(), ElementsAre(11, 11, 11, 21, 21, 21, 31, 31, 31));
  EXPECT_EQ(h.component(0).stats.busy, 0);
}

TEST(ExpertAddrGenTest, CreditLimited) {
  Harness h;
  int sel = h.channel(8), out = h.channel(/*depth=*/2);
  proto::Operator &op = h.op("expert_addr_gen", {sel}, {out});
  setInt(op, "tiles", 3);
  h.source(sel, {Item{selector(2, {1}), 0, 10, -1}});
  Sink &s = h.sink(out, /*work=*/3);
  h.run();
  // As EngineTest.BackPressureWithDepthTwo, shifted to the selector's 10:
  // two addresses fit (visible 11); the third waits for the sink's dequeue
  // of the first (11 + 3) and its credit (+1): sent 15, visible 16.
  EXPECT_THAT(s.tags(), ElementsAre(3, 4, 5));
  EXPECT_THAT(s.times(), ElementsAre(11, 11, 16));
}

TEST(ExpertAddrGenTest, RejectsMultiHotSelectors) {
  Harness h;
  int sel = h.channel(8), out = h.channel(8);
  proto::Operator &op = h.op("expert_addr_gen", {sel}, {out});
  setInt(op, "tiles", 2);
  h.source(sel, {Item{selector(3, {0, 2}), 0, 10, -1}});
  h.sink(out);
  EXPECT_THROW(h.run(), step::sim::InputError);
}

TEST(RandomLoadTest, OneTileInFlightKeepsTheAddressStop) {
  Harness h;
  h.options.functional = true;
  step::sim::Tensor t;
  t.shape = {4, 16};
  for (int i = 0; i < 64; ++i)
    t.floats.push_back(float(i));
  h.inputs["w"] = t;
  int addr = h.channel(8), out = h.channel(8);
  proto::Operator &op = h.op("random_load", {addr}, {out});
  (*op.mutable_attrs())["tensor"] = strAttr("w");
  (*op.mutable_attrs())["tensor_shape"] = intsAttr({4, 16});
  (*op.mutable_attrs())["tile"] = typeAttr(tileType(1, 16));
  Value a2 = tile(0, 1, 1, false, 8), a0 = tile(0, 1, 1, false, 8);
  a2.scalar = 2;
  a0.scalar = 0;
  h.source(addr, {Item{a2, 0, 10, -1}, Item{a0, 1, 11, -1}});
  Sink &s = h.sink(out);
  h.run();
  // Tile rows 2 and 0 of the tensor, with the addresses' stops, in memory
  // units (rfm).
  ASSERT_EQ(s.records.size(), 2u);
  EXPECT_EQ((*s.records[0].value.data)[0], 32.0f);
  EXPECT_EQ((*s.records[1].value.data)[15], 15.0f);
  EXPECT_TRUE(s.records[0].value.readFromMu);
  EXPECT_THAT(s.stops(), ElementsAre(0, 1));
  // One 64-byte request per tile (1x16 f32). Address 2 is dequeued at
  // S = 10: the request is visible to the controller at 11, the channel
  // starts it at 12 and answers one channel hop later (start-up and latency
  // 0) at 13, the load sees it at 14 and sends the tile, visible at 15.
  // One tile in flight: address 0 (waiting since 11) is dequeued at 14,
  // so its tile is visible at 14 + 5 = 19.
  EXPECT_THAT(s.times(), ElementsAre(15, 19));
}

TEST(RandomLoadTest, TimedLikeALinearLoadPerReference) {
  // The same requests through a linear_load driven by a reference stream
  // with the same arrival times and one tile per reference element: the
  // tiles arrive at the same clocks.
  std::vector<Time> times[2];
  for (int kind = 0; kind < 2; ++kind) {
    Harness h;
    int in = h.channel(8), out = h.channel(8);
    proto::Operator &op =
        h.op(kind ? "linear_load" : "random_load", {in}, {out});
    auto &attrs = *op.mutable_attrs();
    attrs["tensor"] = strAttr("w");
    attrs["tensor_shape"] = intsAttr({4, 64});
    attrs["tile"] = typeAttr(tileType(4, 16));
    if (kind)
      attrs["view"] = intsAttr({1, 1});
    std::vector<Item> items;
    for (int k = 0; k < 3; ++k) {
      Value a = tile(0, 1, 1, false, 8);
      a.scalar = k;
      items.push_back(Item{a, 0, Time(10 + 3 * k), -1});
    }
    h.source(in, items);
    Sink &s = h.sink(out);
    h.run();
    times[kind] = s.times();
    EXPECT_EQ(h.memory().getRequests(), 3u * 4u);
  }
  EXPECT_EQ(times[0], times[1]);
  EXPECT_EQ(times[0].size(), 3u);
}

TEST(RandomLoadTest, AddressOutsideTheTensorIsAnInputError) {
  Harness h;
  int addr = h.channel(8), out = h.channel(8);
  proto::Operator &op = h.op("random_load", {addr}, {out});
  (*op.mutable_attrs())["tensor"] = strAttr("w");
  (*op.mutable_attrs())["tensor_shape"] = intsAttr({4, 16});
  (*op.mutable_attrs())["tile"] = typeAttr(tileType(1, 16));
  Value a = tile(0, 1, 1, false, 8);
  a.scalar = 4;
  h.source(addr, {Item{a, 0, 10, -1}});
  h.sink(out);
  EXPECT_THROW(h.run(), step::sim::InputError);
}

} // namespace
