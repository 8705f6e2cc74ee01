//===- StreamOpsTest.cpp - token sequences of the stream operators --------===//
//
// Reshape, flatten, repeat, broadcast, partition, reassemble, eager merge,
// parallelize, bufferize and streamify, each built from a SimGraph operator
// with createComponent and fed by test sources. Unless a test says
// otherwise the channels are 8 deep with latency 1 and sources request
// their tokens at spaced-out times, so no credit wait interferes and every
// expected time follows from: visible = max(requested, sender clock + 1),
// receiver clock = max(own, token time).
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"

#include "simulator/Error.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace steptest;
using step::sim::InputError;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

namespace {

/// `n` tiles tagged 0..n-1 with `stops`, requested at 10, 20, 30, ...
std::vector<Item> spaced(const std::vector<uint32_t> &stops, int64_t tag0 = 0) {
  std::vector<Item> v;
  for (size_t k = 0; k < stops.size(); ++k)
    v.push_back(
        Item{tile(tag0 + int64_t(k)), stops[k], Time(10 * (k + 1)), -1});
  return v;
}

std::vector<int64_t> validRows(const Sink &s) {
  std::vector<int64_t> v;
  for (const Rec &r : s.records)
    v.push_back(r.value.validRows);
  return v;
}

std::vector<std::vector<int32_t>> selections(const Sink &s) {
  std::vector<std::vector<int32_t>> v;
  for (const Rec &r : s.records)
    v.push_back(r.value.selected ? *r.value.selected : std::vector<int32_t>());
  return v;
}

void setInt(proto::Operator &op, const std::string &name, int64_t v) {
  (*op.mutable_attrs())[name] = intAttr(v);
}

//===----------------------------------------------------------------------===//
// reshape
//===----------------------------------------------------------------------===//

TEST(ReshapeTest, RankZeroPadsTheLastChunkAtAStop) {
  Harness h;
  int in = h.channel(8), out = h.channel(8), flags = h.channel(8);
  proto::Operator &op = h.op("reshape", {in}, {out, flags});
  setInt(op, "rank", 0);
  setInt(op, "chunk", 4);
  // [1, 6]: the sixth element ends the stream's only row (stop 1).
  h.source(in, spaced(stopsOf({1, 6})));
  Sink &data = h.sink(out);
  Sink &pad = h.sink(flags);
  h.run();
  // [1, 6] chunked by 4 is [1, 2, 4]: element 3 fills chunk 0 (stop 1);
  // element 5 (stop 1) lands in chunk 1 at position 1, so two padding
  // elements follow, the last carrying the element's stop + 1 = 2.
  EXPECT_THAT(data.stops(), ElementsAre(0, 0, 0, 1, 0, 0, 0, 2));
  EXPECT_THAT(data.stops(), ElementsAreArray(stopsOf({1, 2, 4})));
  // Padding copies the last element's shape with no valid rows.
  EXPECT_THAT(data.tags(), ElementsAre(0, 1, 2, 3, 4, 5, 5, 5));
  EXPECT_THAT(validRows(data), ElementsAre(1, 1, 1, 1, 1, 1, 0, 0));
  // Element k is dequeued at 10(k+1) and sent one hop later; the padding is
  // sent right after element 5, at the same clock 60.
  EXPECT_THAT(data.times(), ElementsAre(11, 21, 31, 41, 51, 61, 61, 61));
  // The flag stream has the same shape and says which are padding.
  EXPECT_THAT(pad.tags(), ElementsAre(0, 0, 0, 0, 0, 0, 1, 1));
  EXPECT_THAT(pad.stops(), ElementsAreArray(data.stops()));
  EXPECT_THAT(pad.times(), ElementsAreArray(data.times()));
}

TEST(ReshapeTest, RankZeroPadsTheLastChunkAtTheEnd) {
  Harness h;
  int in = h.channel(8), out = h.channel(8);
  proto::Operator &op = h.op("reshape", {in}, {out, -1});
  setInt(op, "rank", 0);
  setInt(op, "chunk", 4);
  // [6] has rank 0: no stop tokens, the stream's end closes it.
  h.source(in, spaced(stopsOf({6})));
  Sink &data = h.sink(out);
  h.run();
  // [6] -> [2, 4]: chunk 0 closes with stop 1 at element 3; the end of the
  // input ends chunk 1 after two elements, padded to 4 with stop 1 last.
  EXPECT_THAT(data.stops(), ElementsAre(0, 0, 0, 1, 0, 0, 0, 1));
  EXPECT_THAT(validRows(data), ElementsAre(1, 1, 1, 1, 1, 1, 0, 0));
  // The source ends at clock 0 (it never waits), so the reshape learns the
  // end right after taking element 5 at 60 and pads at 60.
  EXPECT_THAT(data.times(), ElementsAre(11, 21, 31, 41, 51, 61, 61, 61));
}

TEST(ReshapeTest, RankOneChunkOneRaisesEveryStop) {
  Harness h;
  int in = h.channel(8), out = h.channel(8);
  proto::Operator &op = h.op("reshape", {in}, {out, -1});
  setInt(op, "rank", 1);
  setInt(op, "chunk", 1);
  // [1, 2, 3]: stops 0 0 1 0 0 2.
  h.source(in, spaced(stopsOf({1, 2, 3})));
  Sink &data = h.sink(out);
  h.run();
  // Split dim of rank 1 into chunks of 1 ([1, 2, 1, 3]): every unit of the
  // split dimension completes a chunk, so s >= 1 becomes s + 1 and 0 stays
  // (STeP's reshape with split 1, chunk 1).
  EXPECT_THAT(data.stops(), ElementsAre(0, 0, 2, 0, 0, 3));
  EXPECT_THAT(data.stops(), ElementsAreArray(stopsOf({1, 2, 1, 3})));
  EXPECT_THAT(data.times(), ElementsAre(11, 21, 31, 41, 51, 61));
}

TEST(ReshapeTest, RankOneChunkTwo) {
  Harness h;
  int in = h.channel(8), out = h.channel(8);
  proto::Operator &op = h.op("reshape", {in}, {out, -1});
  setInt(op, "rank", 1);
  setInt(op, "chunk", 2);
  h.source(in, spaced(stopsOf({1, 4, 3})));
  Sink &data = h.sink(out);
  h.run();
  // Rows end with stops 1, 1, 1, 2. Row 0 is unit 1 of a chunk of 2: stays
  // 1; row 1 completes the chunk: 2; row 2: 1; row 3 (stop 2) ends the split
  // dimension and completes the chunk: 3. That is [1, 2, 2, 3].
  EXPECT_THAT(data.stops(), ElementsAre(0, 0, 1, 0, 0, 2, 0, 0, 1, 0, 0, 3));
  EXPECT_THAT(data.stops(), ElementsAreArray(stopsOf({1, 2, 2, 3})));
}

TEST(ReshapeTest, RankOneRejectsAPartialChunk) {
  Harness h;
  int in = h.channel(8), out = h.channel(8);
  proto::Operator &op = h.op("reshape", {in}, {out, -1});
  setInt(op, "rank", 1);
  setInt(op, "chunk", 2);
  // Three rows do not split into chunks of 2.
  h.source(in, spaced(stopsOf({1, 3, 2})));
  h.sink(out);
  try {
    h.run();
    FAIL() << "expected an InputError";
  } catch (const InputError &e) {
    EXPECT_THAT(e.what(), HasSubstr("'reshape' at test.mlir:1:1"));
    EXPECT_THAT(e.what(), HasSubstr("not a multiple of the chunk 2"));
  }
}

//===----------------------------------------------------------------------===//
// flatten
//===----------------------------------------------------------------------===//

TEST(FlattenTest, MergesRanksOneToTwo) {
  Harness h;
  int in = h.channel(8), out = h.channel(8);
  proto::Operator &op = h.op("flatten", {in}, {out});
  setInt(op, "min", 1);
  setInt(op, "max", 2);
  // [2, 2, 2, 2] (rank 3): stops 0 1 0 2 0 1 0 3, twice.
  std::vector<uint32_t> inStops = stopsOf({2, 2, 2, 2});
  ASSERT_THAT(inStops,
              ElementsAre(0, 1, 0, 2, 0, 1, 0, 3, 0, 1, 0, 2, 0, 1, 0, 3));
  h.source(in, spaced(inStops));
  Sink &data = h.sink(out);
  h.run();
  // s <= 1 stays, 1 < s <= 2 folds into 1, s > 2 drops by 2 - 1: the
  // stream [2, 4, 2].
  EXPECT_THAT(data.stops(),
              ElementsAre(0, 1, 0, 1, 0, 1, 0, 2, 0, 1, 0, 1, 0, 1, 0, 2));
  EXPECT_THAT(data.stops(), ElementsAreArray(stopsOf({2, 4, 2})));
}

TEST(FlattenTest, MergesRanksZeroToOneInOneHop) {
  Harness h;
  // Depth-1 channels: source -> flatten -> sink.
  int in = h.channel(1), out = h.channel(1);
  proto::Operator &op = h.op("flatten", {in}, {out});
  setInt(op, "min", 0);
  setInt(op, "max", 1);
  // A load's [1, 4, 1]: every element ends the inner size-1 dimension.
  std::vector<Item> it;
  std::vector<uint32_t> stops = stopsOf({1, 4, 1});
  ASSERT_THAT(stops, ElementsAre(1, 1, 1, 2));
  for (int k = 0; k < 4; ++k)
    it.push_back(Item{tile(k), stops[k], 0, -1});
  h.source(in, it);
  Sink &data = h.sink(out);
  h.run();
  // s = 1 folds into 0, s = 2 becomes 1: [1, 4].
  EXPECT_THAT(data.stops(), ElementsAre(0, 0, 0, 1));
  // Token k leaves the source at 2k (credit of the flatten's dequeue at
  // 2k - 1, + 1), is visible at 2k + 1, and is forwarded one hop later,
  // the sink's dequeue at 2k + 2 returning the credit in time: 2, 4, 6, 8.
  EXPECT_THAT(data.times(), ElementsAre(2, 4, 6, 8));
  EXPECT_EQ(h.component(0).stats.busy, 0);
}

//===----------------------------------------------------------------------===//
// repeat
//===----------------------------------------------------------------------===//

TEST(RepeatTest, CopiesAndStops) {
  Harness h;
  int in = h.channel(8), out = h.channel(8);
  proto::Operator &op = h.op("repeat", {in}, {out});
  setInt(op, "count", 3);
  // [2, 2]: stops 0 1 0 1.
  h.source(in, spaced(stopsOf({2, 2})));
  Sink &data = h.sink(out);
  h.run();
  // Each element x arriving at t (10, 20, 30, 40) is sent 3 times with
  // requested times t, t+1, t+2; the hop makes them visible at
  // max(t + i, t + 1): t+1, t+1, t+2. The last copy ends the new innermost
  // dimension: stop s + 1.
  EXPECT_THAT(data.times(),
              ElementsAre(11, 11, 12, 21, 21, 22, 31, 31, 32, 41, 41, 42));
  EXPECT_THAT(data.stops(), ElementsAre(0, 0, 1, 0, 0, 2, 0, 0, 1, 0, 0, 2));
  EXPECT_THAT(data.stops(), ElementsAreArray(stopsOf({2, 2, 3})));
  EXPECT_THAT(data.tags(), ElementsAre(0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3));
  // Then the clock advances by the count: 3 busy cycles per element.
  EXPECT_EQ(h.component(0).stats.busy, 12);
}

TEST(RepeatTest, DepthOneOutputPacesTheCopies) {
  Harness h;
  int in = h.channel(1), out = h.channel(1);
  proto::Operator &op = h.op("repeat", {in}, {out});
  setInt(op, "count", 3);
  h.source(in, {Item{tile(0), 0, 0, -1}, Item{tile(1), 1, 0, -1}});
  Sink &data = h.sink(out);
  h.run();
  // Element 0 visible at 1. Copy 0: max(1, 1 + 1) = 2. The sink takes it at
  // 2, credit at 3: copy 1 at max(2, 3 + 1) = 4; copy 2 at max(3, 5 + 1) =
  // 6. The repeat's clock is 5, + 3 = 8: it releases element 0 at 8, the
  // source sends element 1 at 9, visible 10. Copies: max(10, 11) = 11 (the
  // credit of the dequeue at 6 came at 7), then 13, 15.
  EXPECT_THAT(data.times(), ElementsAre(2, 4, 6, 11, 13, 15));
  EXPECT_THAT(data.stops(), ElementsAre(0, 0, 1, 0, 0, 2));
  // Waiting for credits: 1 -> 3, 3 -> 5, 10 -> 12, 12 -> 14.
  EXPECT_EQ(h.component(0).stats.stalledOut, 8);
  // Waiting for input: 0 -> 1 and 8 -> 10.
  EXPECT_EQ(h.component(0).stats.stalledIn, 3);
}

//===----------------------------------------------------------------------===//
// broadcast
//===----------------------------------------------------------------------===//

TEST(BroadcastTest, SendsToAllAtOnceAtTheSlowestPace) {
  Harness h;
  int in = h.channel(1), fast = h.channel(1), slow = h.channel(1);
  h.op("broadcast", {in}, {fast, slow});
  std::vector<Item> it;
  for (int k = 0; k < 4; ++k)
    it.push_back(Item{tile(k), uint32_t(k == 3), 0, -1});
  h.source(in, it);
  Sink &a = h.sink(fast);
  Sink &b = h.sink(slow, /*work=*/5);
  h.run();
  // Token 0: taken at 1, both outputs have room: visible at 2 on both.
  // Token 1: taken at 3; the slow sink took token 0 at 2 and released it at
  // 7, so its credit is at 8: both copies visible at 9. Token k >= 1: the
  // slow sink takes the previous copy at v, releases at v + 5, credit
  // v + 6, next copies visible at v + 7: 2, 9, 16, 23.
  EXPECT_THAT(a.times(), ElementsAre(2, 9, 16, 23));
  EXPECT_THAT(b.times(), ElementsAre(2, 9, 16, 23));
  EXPECT_THAT(a.tags(), ElementsAre(0, 1, 2, 3));
  EXPECT_THAT(b.tags(), ElementsAre(0, 1, 2, 3));
  EXPECT_THAT(a.stops(), ElementsAre(0, 0, 0, 1));
  EXPECT_THAT(b.stops(), ElementsAre(0, 0, 0, 1));
  // Waiting for room: 3 -> 8 for token 1; for tokens 2 and 3, 2 cycles for
  // the fast sink's credit (it takes the copy at v, credit v + 1, the
  // broadcast took the next token at v - 1) then 5 more for the slow one.
  EXPECT_EQ(h.component(0).stats.stalledOut, 5 + 7 + 7);
  EXPECT_EQ(b.stats.busy, 20);
}

//===----------------------------------------------------------------------===//
// partition
//===----------------------------------------------------------------------===//

TEST(PartitionTest, RankZeroRoutesElementsWithMultiHotSelectors) {
  Harness h;
  int in = h.channel(8), sel = h.channel(8);
  int o0 = h.channel(8), o1 = h.channel(8), o2 = h.channel(8);
  proto::Operator &op = h.op("partition", {in, sel}, {o0, o1, o2});
  setInt(op, "rank", 0);
  h.source(in, spaced(stopsOf({1, 4})));
  std::vector<Item> sels = {
      Item{selector(3, {0}), 0, 10, -1}, Item{selector(3, {2}), 0, 20, -1},
      Item{selector(3, {0, 1}), 0, 30, -1}, Item{selector(3, {1}), 1, 40, -1}};
  h.source(sel, sels);
  Sink &s0 = h.sink(o0), &s1 = h.sink(o1), &s2 = h.sink(o2);
  h.run();
  // Selector k and element k both arrive at 10(k+1); the element costs one
  // switch cycle and is sent to every selected output: visible 10(k+1) + 2.
  // Rank 0: every element is a chunk; stops are cut to min(s, 0) = 0.
  EXPECT_THAT(s0.tags(), ElementsAre(0, 2));
  EXPECT_THAT(s0.times(), ElementsAre(12, 32));
  EXPECT_THAT(s1.tags(), ElementsAre(2, 3));
  EXPECT_THAT(s1.times(), ElementsAre(32, 42));
  EXPECT_THAT(s2.tags(), ElementsAre(1));
  EXPECT_THAT(s2.times(), ElementsAre(22));
  for (Sink *s : {&s0, &s1, &s2})
    for (uint32_t stop : s->stops())
      EXPECT_EQ(stop, 0u);
  EXPECT_EQ(h.component(0).stats.busy, 4);
}

TEST(PartitionTest, RankOneRoutesRows) {
  Harness h;
  int in = h.channel(8), sel = h.channel(8);
  int o0 = h.channel(8), o1 = h.channel(8), o2 = h.channel(8);
  proto::Operator &op = h.op("partition", {in, sel}, {o0, o1, o2});
  setInt(op, "rank", 1);
  // [1, 4, 2]: rows of 2 elements; both elements of row r arrive at
  // 10(r + 1).
  std::vector<uint32_t> stops = stopsOf({1, 4, 2});
  std::vector<Item> data;
  for (int k = 0; k < 8; ++k)
    data.push_back(Item{tile(k), stops[k], Time(10 * (k / 2 + 1)), -1});
  h.source(in, data);
  h.source(sel, {Item{selector(3, {1}), 0, 10, -1},
                 Item{selector(3, {0}), 0, 20, -1},
                 Item{selector(3, {2}), 0, 30, -1},
                 Item{selector(3, {0, 2}), 1, 40, -1}});
  Sink &s0 = h.sink(o0), &s1 = h.sink(o1), &s2 = h.sink(o2);
  h.run();
  // Row r: selector and first element at t = 10(r+1); element 0 switches
  // (t+1) and is visible at t+2; element 1 is taken at t+1, switches (t+2),
  // visible at t+3 with stop min(s, 1) = 1: each output gets [P_i, 2].
  EXPECT_THAT(s0.tags(), ElementsAre(2, 3, 6, 7));
  EXPECT_THAT(s0.times(), ElementsAre(22, 23, 42, 43));
  EXPECT_THAT(s0.stops(), ElementsAre(0, 1, 0, 1));
  EXPECT_THAT(s1.tags(), ElementsAre(0, 1));
  EXPECT_THAT(s1.times(), ElementsAre(12, 13));
  EXPECT_THAT(s1.stops(), ElementsAre(0, 1));
  EXPECT_THAT(s2.tags(), ElementsAre(4, 5, 6, 7));
  EXPECT_THAT(s2.times(), ElementsAre(32, 33, 42, 43));
  EXPECT_THAT(s2.stops(), ElementsAre(0, 1, 0, 1));
}

//===----------------------------------------------------------------------===//
// reassemble
//===----------------------------------------------------------------------===//

TEST(ReassembleTest, EarliestChunkFirstThenNewDimensionStop) {
  Harness h;
  int a = h.channel(8), b = h.channel(8), sel = h.channel(8),
      out = h.channel(8);
  proto::Operator &op = h.op("reassemble", {a, b, sel}, {out});
  setInt(op, "rank", 0);
  h.source(a, {Item{tile(100), 0, 10, -1}, Item{tile(101), 0, 35, -1},
               Item{tile(102), 0, 42, -1}});
  h.source(b, {Item{tile(200), 0, 20, -1}, Item{tile(201), 0, 33, -1},
               Item{tile(202), 0, 42, -1}});
  h.source(sel, {Item{selector(2, {0}), 0, 10, -1},
                 Item{selector(2, {1}), 0, 20, -1},
                 Item{selector(2, {0, 1}), 0, 30, -1},
                 Item{selector(2, {0, 1}), 1, 40, -1}});
  Sink &data = h.sink(out);
  h.run();
  // STeP's FlatReassemble: join on every selected head, then whole chunks,
  // earliest head first; a switch cycle after a chunk's first arrival is a
  // floor (arrival + 1), not a cost per element.
  // Selector {0} at 10: head a0 at 10, floor 11: one cycle, take a0 at 11,
  // visible 12. The last chunk of a selector ends the new dimension: stop
  // rank + 1 + the selector's stop = 1.
  // Selector {1} at 20: b0 at 20, floor 21, visible 22.
  // Selector {0, 1} at 30: joining waits for a1 (35) and b1 (33); b1 is
  // earlier: floor 34 is past, taken at 35, visible 36 (stop 0, the selector
  // is not done); a1: floor 36, one cycle, visible 37 with stop 1.
  // Selector {0, 1} at 40 (stop 1): heads a2 and b2 both at 42; the tie keeps
  // selector order: a2 floor 43, one cycle, visible 44; b2 floor 43 is
  // reached, taken at 43, visible 44 with stop 0 + 1 + 1 = 2.
  EXPECT_THAT(data.tags(), ElementsAre(100, 200, 201, 101, 102, 202));
  EXPECT_THAT(data.times(), ElementsAre(12, 22, 36, 37, 44, 44));
  EXPECT_THAT(data.stops(), ElementsAre(1, 1, 0, 1, 0, 2));
  // The cycles spent reaching floors: 1 + 1 + 0 + 1 + 1 + 0.
  EXPECT_EQ(h.component(0).stats.busy, 4);
}

//===----------------------------------------------------------------------===//
// eager_merge
//===----------------------------------------------------------------------===//

TEST(EagerMergeTest, EarliestHeadFirstTiesToLowestInput) {
  Harness h;
  int a = h.channel(8), b = h.channel(8), out = h.channel(8),
      sel = h.channel(8);
  proto::Operator &op = h.op("eager_merge", {a, b}, {out, sel});
  setInt(op, "rank", 0);
  h.source(a, {Item{tile(100), 0, 10, -1}, Item{tile(101), 0, 30, -1},
               Item{tile(102), 0, 50, -1}});
  h.source(b, {Item{tile(200), 0, 20, -1}, Item{tile(201), 0, 30, -1},
               Item{tile(202), 0, 40, -1}});
  Sink &data = h.sink(out), &sels = h.sink(sel);
  h.run();
  // The sources send everything at clock 0, so the merge sees every head
  // with its timestamp. STeP's eager merge charges no cycle for the element
  // that ends a chunk, so at rank 0 merging costs nothing. Heads (10, 20):
  // a0, taken at 10, visible 11. (30, 20): b0 at 20 -> 21. (30, 30): tie,
  // input 0: a1 at 30 -> 31. (50, 30): b1 at 30 -> 31. (50, 40): b2 at 40
  // -> 41. Input b has ended: a2 at 50 -> 51.
  EXPECT_THAT(data.tags(), ElementsAre(100, 200, 101, 201, 202, 102));
  EXPECT_THAT(data.times(), ElementsAre(11, 21, 31, 31, 41, 51));
  EXPECT_THAT(selections(sels),
              ElementsAre(ElementsAre(0), ElementsAre(1), ElementsAre(0),
                          ElementsAre(1), ElementsAre(1), ElementsAre(0)));
  // With every input holding a token (or ended) the merge decides at its
  // own clock, as STeP's does (all peeks returned something): the selector
  // leaves then, possibly before the data arrives: clocks 0, 10, 20, 30,
  // 30, 40, visible one hop later.
  EXPECT_THAT(sels.times(), ElementsAre(1, 11, 21, 31, 31, 41));
  for (uint32_t s : data.stops())
    EXPECT_EQ(s, 0u);
}

TEST(EagerMergeTest, TokenArrivingOnAnEmptyInputIsTakenWhenItArrives) {
  // Input b is fed by a load whose one tile arrives from off-chip memory
  // (start-up 10); input a already holds a token for cycle 50.
  ArchSpec spec;
  spec.startUp = 10;
  Harness h(spec);
  int a = h.channel(8), b = h.channel(8), out = h.channel(8),
      sel = h.channel(8);
  addLinearLoad(h.graph, b, "t", 1, 16, 1, 1, 1);
  proto::Operator &op = h.op("eager_merge", {a, b}, {out, sel});
  setInt(op, "rank", 0);
  h.source(a, {Item{tile(100), 0, 50, -1}});
  Sink &data = h.sink(out), &sels = h.sink(sel);
  h.run();
  // The load's one request (1x16 f32 = 64 bytes) is visible to the memory
  // at 1, starts at 2, answers at 2 + 10 + 0 and the load sees it at 13;
  // its tile (tag 0) is visible at 14. While b is empty the merge cannot
  // pick a (cycle 50): something may still arrive on b earlier, and does.
  // It takes b's tile when it arrives, at 14: selector and data visible at
  // 15 (no cycle for the element that ends the chunk). Then b has ended and
  // a goes: selector at 14, visible 15, a's token taken at 50, visible 51.
  EXPECT_THAT(data.tags(), ElementsAre(0, 100));
  EXPECT_THAT(data.times(), ElementsAre(15, 51));
  EXPECT_THAT(selections(sels), ElementsAre(ElementsAre(1), ElementsAre(0)));
  EXPECT_THAT(sels.times(), ElementsAre(15, 15));
}

TEST(EagerMergeTest, SelectorLeavesNoEarlierThanItsChunkWhenWaiting) {
  // The only open input is empty until a load's tile arrives at 14.
  ArchSpec spec;
  spec.startUp = 10;
  Harness h(spec);
  int a = h.channel(8), b = h.channel(8), out = h.channel(8),
      sel = h.channel(8);
  addLinearLoad(h.graph, b, "t", 1, 16, 1, 1, 1);
  proto::Operator &op = h.op("eager_merge", {a, b}, {out, sel});
  setInt(op, "rank", 0);
  h.source(a, {}); // ends at once
  Sink &data = h.sink(out), &sels = h.sink(sel);
  h.run();
  // As above the tile is visible at 14. The merge waits for it (STeP's
  // merge keeps ticking while every input is empty) and decides at 14:
  // selector and data both visible at 15.
  EXPECT_THAT(data.times(), ElementsAre(15));
  EXPECT_THAT(sels.times(), ElementsAre(15));
  EXPECT_THAT(selections(sels), ElementsAre(ElementsAre(1)));
}

//===----------------------------------------------------------------------===//
// parallelize
//===----------------------------------------------------------------------===//

TEST(ParallelizeTest, DealsRowsRoundRobin) {
  Harness h;
  int in = h.channel(8);
  int o0 = h.channel(8), o1 = h.channel(8), o2 = h.channel(8);
  proto::Operator &op = h.op("parallelize", {in}, {o0, o1, o2});
  setInt(op, "rank", 1);
  // [1, 4, 2]: stops 0 1 0 1 0 1 0 2; element k at 10(k+1).
  h.source(in, spaced(stopsOf({1, 4, 2})));
  Sink &s0 = h.sink(o0), &s1 = h.sink(o1), &s2 = h.sink(o2);
  h.run();
  // Rows go to outputs 0, 1, 2, 0; stops are cut to min(s, 1); each
  // element is forwarded in one hop (0 cycles).
  EXPECT_THAT(s0.tags(), ElementsAre(0, 1, 6, 7));
  EXPECT_THAT(s0.stops(), ElementsAre(0, 1, 0, 1));
  EXPECT_THAT(s0.times(), ElementsAre(11, 21, 71, 81));
  EXPECT_THAT(s1.tags(), ElementsAre(2, 3));
  EXPECT_THAT(s1.times(), ElementsAre(31, 41));
  EXPECT_THAT(s2.tags(), ElementsAre(4, 5));
  EXPECT_THAT(s2.times(), ElementsAre(51, 61));
  EXPECT_EQ(h.component(0).stats.busy, 0);
}

//===----------------------------------------------------------------------===//
// bufferize + streamify
//===----------------------------------------------------------------------===//

TEST(BufferTest, BufferizeThenStreamifyRoundTrip) {
  Harness h;
  int in = h.channel(8), bufs = h.channel(8), out = h.channel(8);
  proto::Operator &bz = h.op("bufferize", {in}, {bufs});
  setInt(bz, "rank", 1);
  proto::Operator &sf = h.op("streamify", {bufs}, {out});
  (*sf.mutable_attrs())["repeat"] = intsAttr({2});
  // [1, 2, 3]; element k is a 1 x (k+1) tile (bufferize keeps the stop of
  // a buffered element in its tag field, so tiles are told apart by shape).
  std::vector<uint32_t> stops = stopsOf({1, 2, 3});
  std::vector<Item> it;
  for (int k = 0; k < 6; ++k)
    it.push_back(Item{tile(0, 1, k + 1), stops[k], Time(10 * (k + 1)), -1});
  h.source(in, it);
  Sink &data = h.sink(out);
  h.run();
  std::vector<int64_t> cols;
  for (const Rec &r : data.records)
    cols.push_back(r.value.cols);
  // Buffers of the rank-1 rows: [1, 2] of buffer<[3]>; each read twice:
  // [1, 2, 2, 3]. The second read of buffer 1 (the buffer stop 1) ends with
  // 1 (within the buffer) + 1 (the repeat) + 1 = 3.
  EXPECT_THAT(cols, ElementsAre(1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6));
  EXPECT_THAT(data.stops(), ElementsAreArray(stopsOf({1, 2, 2, 3})));
  // Bufferize is free: buffer 0 leaves with element 2 (taken at 30) and is
  // visible at 31; buffer 1 at 61. Streamify sends one element per cycle:
  // 32..37 and 62..67.
  EXPECT_THAT(data.times(),
              ElementsAre(32, 33, 34, 35, 36, 37, 62, 63, 64, 65, 66, 67));
  EXPECT_EQ(h.component(0).stats.busy, 0);
  EXPECT_EQ(h.component(1).stats.busy, 12);
}

} // namespace
