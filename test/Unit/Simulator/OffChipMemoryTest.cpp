//===- OffChipMemoryTest.cpp - the aggregate and request-level HBM models -===//
//
// The rules (docs/step-perf-semantics.md §3, OffChipMemory.h): a client's
// tile of R requests goes out in chunks of par_dispatch, chunk k visible to
// the controller at max(S + k, S + 1) for a client clock S; each cycle the
// controller takes at most one visible chunk per client (loads, then
// stores); the cycle's i-th request goes to channel (offset += i) mod C; a
// channel starts a request at max(previous start + II, T + 1) and answers
// start-up + latency later; the client sees the answer a cycle after that.
// AggregateMemory computes this arithmetically, RequestLevelMemory moves
// every request through channels: they must agree to the cycle.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <sstream>

using namespace steptest;
using ::testing::ElementsAre;

namespace {

/// Final clocks of a harness run: every operator, then the whole run (the
/// memory components themselves differ: the request-level controller ends a
/// cycle before its channel contexts, the aggregate model is one component).
std::vector<Time> finishTimes(Harness &h) {
  std::vector<Time> v;
  for (int i = 0; i < h.graph.operators_size(); ++i)
    v.push_back(h.component(i).stats.finishedAt);
  v.push_back(h.getEngine().getLastFinish());
  return v;
}

/// Builds the same graph and architecture twice and runs both models.
struct Pair {
  std::unique_ptr<Harness> aggregate, requestLevel;
};

template <typename Build> Pair runBoth(const ArchSpec &spec, Build build) {
  Pair p{std::make_unique<Harness>(spec), std::make_unique<Harness>(spec)};
  build(*p.aggregate);
  build(*p.requestLevel);
  p.aggregate->run(/*requestLevelMemory=*/false);
  p.requestLevel->run(/*requestLevelMemory=*/true);
  return p;
}

TEST(OffChipMemoryTest, OneRequestRoundTrip) {
  // One 1x16 f32 tile = 64 bytes = one request, on one channel with
  // STeP's HDL-validation timing (II 2, latency 2, start-up 14).
  ArchSpec spec;
  spec.channels = 1;
  spec.ii = 2;
  spec.latency = 2;
  spec.startUp = 14;
  for (bool requestLevel : {false, true}) {
    SCOPED_TRACE(requestLevel ? "request-level" : "aggregate");
    Harness h(spec);
    int out = h.channel(1);
    addLinearLoad(h.graph, out, "x", 1, 16, 1, 1, 1);
    Sink &s = h.sink(out);
    h.run(requestLevel);
    // Load clock S = 0: the chunk is visible to the controller at S + 1 =
    // 1, which hands it to the channel (visible there at 2); the channel
    // starts it at 2 and answers at 2 + 14 + 2 = 18; the controller
    // forwards the answer at 18 and the load sees it at 19. It sends the
    // tile at 19, visible at 20.
    EXPECT_THAT(s.times(), ElementsAre(20));
    EXPECT_EQ(h.component(0).stats.finishedAt, 19);
    // The controller notices the load's end at 20 and tells its channels,
    // which end at 21: the run's length.
    EXPECT_EQ(h.getEngine().getLastFinish(), 21);
    EXPECT_EQ(h.memory().getRequests(), 1u);
  }
}

TEST(OffChipMemoryTest, LoadThenStoreThroughSimulate) {
  ArchSpec spec;
  spec.channels = 1;
  spec.ii = 2;
  spec.latency = 2;
  spec.startUp = 14;
  proto::SimGraph g;
  int ch = addChannel(g);
  addLinearLoad(g, ch, "x", 1, 16, 1, 1, 1);
  addLinearStore(g, ch, "y", {1, 16}, 1);
  for (bool requestLevel : {false, true}) {
    SCOPED_TRACE(requestLevel ? "request-level" : "aggregate");
    step::sim::SimOptions opts;
    opts.requestLevelMemory = requestLevel;
    step::sim::SimResult r = step::sim::simulate(g, makeArch(spec), {}, opts);
    // The tile reaches the store at 20 (previous test). Its write: chunk
    // visible at 21; the channel's next start is max(2 + II, 22) = 22;
    // answer at 22 + 16 = 38, seen at 39, when the store releases the tile
    // and ends (the load ended at 19). The controller notices at 40, its
    // channels end at 41.
    EXPECT_EQ(r.cycles, 41);
    EXPECT_EQ(r.offChipBytesRead, 64);
    EXPECT_EQ(r.offChipBytesWritten, 64);
    EXPECT_EQ(r.offChipRequests, 2);
  }
}

TEST(OffChipMemoryTest, ParDispatchAndTriangularChannels) {
  // 16 requests (16 rows of 64 bytes), par_dispatch 4, 4 channels with
  // II 1, latency 1, start-up 0.
  ArchSpec spec;
  spec.channels = 4;
  spec.ii = 1;
  spec.latency = 1;
  spec.startUp = 0;
  Pair p = runBoth(spec, [](Harness &h) {
    int out = h.channel(1);
    addLinearLoad(h.graph, out, "x", 16, 16, 1, 1, 4);
    h.sink(out);
  });
  // Chunks k = 0..3 visible at max(k, 1): 1, 1, 2, 3, one per cycle from
  // this client: taken at T = 1, 2, 3, 4. Within a cycle, requests i = 0..3
  // go to offset + 0, + 1, + 3, + 6 (mod 4) from the running offset, which
  // then advances by 4: cycle 1 uses channels 0, 1, 3, 2 (offsets 0, 1, 3,
  // 6 = 2); the offset is then 2 + 4 = 6 = 2, and so on. Every cycle's 4
  // requests land on 4 distinct channels, so each channel starts one
  // request per cycle at T + 1 (II 1): the last chunk (T = 4) starts at 5,
  // answers at 6 and is seen at 7.
  EXPECT_EQ(p.aggregate->component(0).stats.finishedAt, 7);
  EXPECT_EQ(finishTimes(*p.aggregate), finishTimes(*p.requestLevel));
}

TEST(OffChipMemoryTest, ChannelQueueingWithOneChannel) {
  // The same 16 requests on one channel with II 3: the channel is the
  // bottleneck.
  ArchSpec spec;
  spec.channels = 1;
  spec.ii = 3;
  spec.latency = 1;
  spec.startUp = 2;
  Pair p = runBoth(spec, [](Harness &h) {
    int out = h.channel(1);
    addLinearLoad(h.graph, out, "x", 16, 16, 1, 1, 4);
    h.sink(out);
  });
  // The first request starts at 2 (taken at 1); request j starts at
  // 2 + 3j; the last (j = 15) at 47, answers at 47 + 2 + 1 = 50, seen 51.
  EXPECT_EQ(p.aggregate->component(0).stats.finishedAt, 51);
  EXPECT_EQ(finishTimes(*p.aggregate), finishTimes(*p.requestLevel));
}

// With latency 0 and start-up 0 (allowed by the architecture checks) a
// channel's answer still travels one channel hop (DAM stamps an enqueue at
// max(requested, clock + 1)): a request started at s is answered at s + 1
// and seen by the client at s + 2. Input: one 64-byte request on one
// channel, II 1, latency 0, start-up 0: the chunk is visible at 1, starts
// at 2, the controller has the answer at 3, the load sees it at 4.
TEST(OffChipMemoryTest, ZeroLatencyAndStartUp) {
  ArchSpec spec;
  spec.channels = 1;
  spec.ii = 1;
  spec.latency = 0;
  spec.startUp = 0;
  Pair p = runBoth(spec, [](Harness &h) {
    int out = h.channel(1);
    addLinearLoad(h.graph, out, "x", 1, 16, 1, 1, 1);
    h.sink(out);
  });
  EXPECT_EQ(p.requestLevel->component(0).stats.finishedAt, 4);
  EXPECT_EQ(p.aggregate->component(0).stats.finishedAt, 4);
  EXPECT_EQ(finishTimes(*p.aggregate), finishTimes(*p.requestLevel));
}

/// A random case: 1..4 loads, the first one stored, the others discarded,
/// on a random HBM.
struct RandomCase {
  ArchSpec spec;
  struct Load {
    int64_t rows, cols, viewRows, viewCols, par;
  };
  std::vector<Load> loads;
  int64_t storePar = 1;
  std::string describe() const {
    std::ostringstream os;
    os << "channels " << spec.channels << " II " << spec.ii << " latency "
       << spec.latency << " start-up " << spec.startUp << " depth "
       << spec.depth << "; store par " << storePar << "; loads";
    for (const Load &l : loads)
      os << " [" << l.rows << "x" << l.cols << " view " << l.viewRows << "x"
         << l.viewCols << " par " << l.par << "]";
    return os.str();
  }
  proto::SimGraph graph() const {
    proto::SimGraph g;
    int stored = addChannel(g);
    for (size_t i = 0; i < loads.size(); ++i) {
      const Load &l = loads[i];
      addLinearLoad(g, i == 0 ? stored : -1, "t" + std::to_string(i), l.rows,
                    l.cols, l.viewRows, l.viewCols, l.par);
    }
    const Load &l = loads[0];
    addLinearStore(g, stored, "out", {l.rows * l.viewRows, l.cols * l.viewCols},
                   storePar);
    return g;
  }
};

RandomCase randomCase(std::mt19937 &rng, bool allowZeroLatency) {
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  RandomCase c;
  c.spec.channels = pick(1, 8);
  c.spec.ii = pick(1, 3);
  c.spec.latency = pick(0, 4);
  c.spec.startUp = pick(0, 20);
  if (!allowZeroLatency && c.spec.latency + c.spec.startUp == 0)
    c.spec.latency = 1;
  c.spec.depth = pick(1, 2);
  const int64_t rows[] = {1, 2, 3, 4, 8, 16};
  const int64_t cols[] = {8, 16, 24, 32, 64};
  int n = static_cast<int>(pick(1, 4));
  for (int i = 0; i < n; ++i)
    c.loads.push_back({rows[pick(0, 5)], cols[pick(0, 4)], pick(1, 3),
                       pick(1, 3), pick(1, 8)});
  c.storePar = pick(1, 8);
  return c;
}

TEST(OffChipMemoryTest, AggregateEqualsRequestLevelOnRandomGraphs) {
  std::mt19937 rng(20240611);
  for (int i = 0; i < 60; ++i) {
    // (latency + start-up = 0 is the disabled case above.)
    RandomCase c = randomCase(rng, /*allowZeroLatency=*/true);
    SCOPED_TRACE("case " + std::to_string(i) + ": " + c.describe());
    proto::SimGraph g = c.graph();
    Harness a(c.spec), r(c.spec);
    a.graph = g;
    r.graph = g;
    a.run(false);
    r.run(true);
    // Every operator ends at the same cycle, and so does the memory.
    ASSERT_EQ(finishTimes(a), finishTimes(r));
    EXPECT_EQ(a.memory().getRequests(), r.memory().getRequests());
    // And simulate() reports the same cycles and traffic.
    step::sim::SimOptions agg, req;
    req.requestLevelMemory = true;
    step::sim::Architecture arch = makeArch(c.spec);
    step::sim::SimResult x = step::sim::simulate(g, arch, {}, agg);
    step::sim::SimResult y = step::sim::simulate(g, arch, {}, req);
    EXPECT_EQ(x.cycles, y.cycles);
    EXPECT_EQ(x.cycles, finishTimes(a).back());
    EXPECT_EQ(x.offChipBytesRead, y.offChipBytesRead);
    EXPECT_EQ(x.offChipBytesWritten, y.offChipBytesWritten);
    EXPECT_EQ(x.offChipRequests, y.offChipRequests);
    ASSERT_EQ(x.operators.size(), y.operators.size());
    for (size_t k = 0; k < x.operators.size(); ++k)
      EXPECT_EQ(x.operators[k].stalledOut, y.operators[k].stalledOut) << k;
  }
}

} // namespace
