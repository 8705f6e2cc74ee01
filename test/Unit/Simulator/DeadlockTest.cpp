//===- DeadlockTest.cpp - graphs that cannot make progress ----------------===//
//
// simulate() must end with a DeadlockError that names every blocked
// operator and the channel it waits on, never hang.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"

#include "simulator/Error.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace steptest;
using step::sim::DeadlockError;
using ::testing::HasSubstr;

namespace {

std::string deadlockOf(const proto::SimGraph &g) {
  try {
    step::sim::simulate(g, makeArch(ArchSpec()), {}, step::sim::SimOptions());
  } catch (const DeadlockError &e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a DeadlockError";
  return "";
}

TEST(DeadlockTest, MapFedByItsOwnOutput) {
  // load -> #0 -> map(#0, #2) -> #1 -> flatten -> #2 -> map: the map's
  // second operand can only come from its own output.
  proto::SimGraph g;
  g.set_name("cycle");
  int x = addChannel(g), y = addChannel(g), back = addChannel(g);
  addLinearLoad(g, x, "x", 1, 16, 1, 2, 1);
  proto::Operator &map = addOp(g, "map", {x, back}, {y});
  RegionBuilder r;
  int a = r.arg(tileType(1, 16));
  int b = r.arg(tileType(1, 16));
  r.yield(r.op("add", {a, b}, tileType(1, 16)));
  *map.add_regions() = r.region;
  proto::Operator &flat = addOp(g, "flatten", {y}, {back});
  (*flat.mutable_attrs())["min"] = intAttr(0);
  (*flat.mutable_attrs())["max"] = intAttr(1);

  std::string m = deadlockOf(g);
  EXPECT_THAT(m, HasSubstr("deadlock: no operator can make progress"));
  // The map took its first operand and waits for the second.
  EXPECT_THAT(m, HasSubstr("map 'map#1' at test.mlir:2:1"));
  EXPECT_THAT(m, HasSubstr("waits for input on channel '#2', empty (producer "
                           "flatten 'flatten#2', blocked)"));
  // The flatten waits for the map.
  EXPECT_THAT(m, HasSubstr("flatten 'flatten#2' at test.mlir:3:1"));
  EXPECT_THAT(m, HasSubstr("waits for input on channel '#1', empty (producer "
                           "map 'map#1', blocked)"));
  // The load holds its second tile: the first still sits in #0.
  EXPECT_THAT(m, HasSubstr("linear_load 'linear_load#0' at test.mlir:1:1"));
  EXPECT_THAT(m, HasSubstr("waits for room on channel '#0', full with 1 of 1 "
                           "tokens (consumer map 'map#1')"));
}

TEST(DeadlockTest, BroadcastToAReductionAndItsOwnConsumer) {
  // x -> broadcast -> (#1, #2); #2 is summed (accum over the row) and
  // repeated back to the row's length; a map zips #1 with that. With depth-1
  // channels the broadcast cannot send the row's second element to the
  // accum while the map holds the first waiting for the sum.
  proto::SimGraph g;
  int x = addChannel(g), b0 = addChannel(g), b1 = addChannel(g),
      sum = addChannel(g), rep = addChannel(g), out = addChannel(g);
  addLinearLoad(g, x, "x", 1, 16, 1, 4, 1);
  addOp(g, "broadcast", {x}, {b0, b1});
  proto::Operator &acc = addOp(g, "accum", {b1}, {sum});
  (*acc.mutable_attrs())["rank"] = intAttr(1);
  RegionBuilder init;
  init.yield(init.op("zeros", {}, tileType(1, 16)));
  RegionBuilder update;
  int s = update.arg(tileType(1, 16));
  int e = update.arg(tileType(1, 16));
  update.yield(update.op("add", {s, e}, tileType(1, 16)));
  *acc.add_regions() = init.region;
  *acc.add_regions() = update.region;
  proto::Operator &repeat = addOp(g, "repeat", {sum}, {rep});
  (*repeat.mutable_attrs())["count"] = intAttr(4);
  proto::Operator &map = addOp(g, "map", {b0, rep}, {out});
  RegionBuilder r;
  int a = r.arg(tileType(1, 16));
  int c = r.arg(tileType(1, 16));
  r.yield(r.op("div", {a, c}, tileType(1, 16)));
  *map.add_regions() = r.region;
  addLinearStore(g, out, "y", {1, 64}, 1);

  std::string m = deadlockOf(g);
  EXPECT_THAT(m, HasSubstr("broadcast 'broadcast#1' at test.mlir:2:1"));
  EXPECT_THAT(m, HasSubstr("waits for room on channel '#1', full with 1 of 1 "
                           "tokens (consumer map 'map#4')"));
  EXPECT_THAT(m, HasSubstr("accum 'accum#2' at test.mlir:3:1"));
  EXPECT_THAT(m, HasSubstr("waits for input on channel '#2', empty (producer "
                           "broadcast 'broadcast#1', blocked)"));
  EXPECT_THAT(m, HasSubstr("map 'map#4' at test.mlir:5:1"));
  EXPECT_THAT(m, HasSubstr("waits for input on channel '#4', empty (producer "
                           "repeat 'repeat#3', blocked)"));
}

} // namespace
