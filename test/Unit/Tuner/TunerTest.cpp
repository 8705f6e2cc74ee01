//===- TunerTest.cpp - unit tests of the schedule search ------------------===//
//
// A toy workload (three parameters) whose metrics are a formula, so the
// search bookkeeping is tested without the simulator.
//
//===----------------------------------------------------------------------===//

#include "tuner/Evaluator.h"
#include "tuner/Mcts.h"
#include "tuner/Proposer.h"
#include "tuner/Search.h"
#include "tuner/Workload.h"

#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdio>

using namespace step::tune;

namespace {

class ToyWorkload : public Workload {
public:
  ToyWorkload() {
    Param a;
    a.name = "a";
    a.values = {"0", "1", "2", "3", "4"};
    a.hint[static_cast<int>(Pressure::OffChip)] = +1;
    a.hint[static_cast<int>(Pressure::OnChipOver)] = -1;
    Param b;
    b.name = "b";
    b.values = {"0", "1", "2", "3"};
    b.hint[static_cast<int>(Pressure::Stall)] = +1;
    b.hint[static_cast<int>(Pressure::OnChipOver)] = -1;
    Param c;
    c.name = "c";
    c.kind = Param::Kind::Categorical;
    c.values = {"x", "y"};
    sp.params = {a, b, c};
  }
  std::string kind() const override { return "toy"; }
  const Space &space() const override { return sp; }
  Schedule baseline() const override { return {0, 0, 0}; }
  Commands commands(const Schedule &s) const override {
    Commands c;
    c.gen = {"step-gen", "toy", "--a", sp.params[0].values[s[0]]};
    c.opt = {"step-opt", "--b=" + sp.params[1].values[s[1]]};
    c.sim = {"step-sim", "GRAPH"};
    return c;
  }
  std::string summary() const override { return "toy"; }
  Space sp;
};

/// cycles = 100 + 10|a-3| + 5|b-1| + 7[c = x]; a = 4, b = 3 is over the
/// on-chip limit.
Metrics toyMetrics(const Schedule &s) {
  Metrics m;
  if (s[0] == 4 && s[1] == 3) {
    m.feasible = false;
    m.pressure = Pressure::OnChipOver;
    m.reason = "over";
    return m;
  }
  m.feasible = true;
  m.cycles = 100 + 10 * std::abs(s[0] - 3) + 5 * std::abs(s[1] - 1) +
             (s[2] == 0 ? 7 : 0);
  m.pressure = s[0] < 3 ? Pressure::OffChip : Pressure::Stall;
  return m;
}

struct Toy {
  ToyWorkload workload;
  ArchLimits limits;
  Evaluator evaluator{workload, limits, "", "", 10};
  std::atomic<int> calls{0};
  Toy() {
    evaluator.fake = [this](const Schedule &s) {
      ++calls;
      return toyMetrics(s);
    };
    std::string err;
    EXPECT_TRUE(evaluator.init(err)) << err;
  }
};

std::vector<std::string> keys(const Harness &h) {
  std::vector<std::string> out;
  for (const Sample &s : h.history())
    out.push_back(h.workload().space().key(s.schedule));
  return out;
}

} // namespace

TEST(Space, ParsesTheVocabularyAndRejectsTheRest) {
  ToyWorkload w;
  const Space &sp = w.space();
  Schedule s = {0, 3, 0};
  std::string err;
  auto t = sp.parseTransformation("a=2", s, err);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->param, 0);
  EXPECT_EQ(t->value, 2);
  t = sp.parseTransformation(" a+ ", s, err);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->value, 1);
  EXPECT_FALSE(sp.parseTransformation("a-", s, err)); // below the first value
  EXPECT_NE(err.find("leaves"), std::string::npos);
  EXPECT_FALSE(sp.parseTransformation("b+", s, err));
  EXPECT_FALSE(sp.parseTransformation("a=7", s, err));
  EXPECT_NE(err.find("not a value"), std::string::npos);
  EXPECT_FALSE(sp.parseTransformation("zz=1", s, err));
  EXPECT_NE(err.find("unknown parameter"), std::string::npos);
  EXPECT_FALSE(sp.parseTransformation("c+", s, err));
  EXPECT_NE(err.find("categorical"), std::string::npos);
  EXPECT_FALSE(sp.parseTransformation("b=3", s, err)); // changes nothing
  EXPECT_FALSE(sp.parseTransformation("tile it", s, err));
  std::vector<std::string> vocab = sp.vocabulary(s);
  EXPECT_NE(std::find(vocab.begin(), vocab.end(), "a+"), vocab.end());
  EXPECT_EQ(std::find(vocab.begin(), vocab.end(), "a-"), vocab.end());
  EXPECT_NE(std::find(vocab.begin(), vocab.end(), "c=y"), vocab.end());
  EXPECT_EQ(sp.size(), 40u);
  EXPECT_EQ(sp.key(sp.decode(39)), "a=4 b=3 c=y");
}

TEST(Proposals, InvalidOnesFallBackAndAreCounted) {
  ToyWorkload w;
  const Space &sp = w.space();
  std::mt19937_64 rng(3);
  ProposalStats stats;
  Schedule from = {1, 1, 0};
  auto isNew = [&](const Schedule &s) { return s != Schedule{2, 1, 0}; };
  // One valid sequence, one unknown name, one leading to a known schedule,
  // one malformed: 1 kept, 2 invalid, 1 duplicate, 2 fallbacks for 3 slots.
  std::vector<Proposal> out = validateProposals(
      sp, from, {"a=3,c=y", "bogus=1", "a+", "!!"}, 3, isNew, rng, stats);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].schedule, (Schedule{3, 1, 1}));
  EXPECT_EQ(out[0].sequence.size(), 2u);
  EXPECT_FALSE(out[0].fallback);
  EXPECT_TRUE(out[1].fallback);
  EXPECT_TRUE(out[2].fallback);
  EXPECT_NE(out[1].schedule, out[2].schedule);
  for (const Proposal &p : out)
    EXPECT_TRUE(isNew(p.schedule));
  EXPECT_EQ(stats.invalid, 2);
  EXPECT_EQ(stats.duplicates, 1);
  EXPECT_EQ(stats.fallbacks, 2);
  EXPECT_EQ(stats.calls, 1);
  EXPECT_EQ(stats.proposals, 3);
}

TEST(Proposals, FallbacksStopWhenNothingNewIsLeft) {
  ToyWorkload w;
  std::mt19937_64 rng(1);
  ProposalStats stats;
  std::vector<Proposal> out = validateProposals(
      w.space(), {0, 0, 0}, {}, 2, [](const Schedule &) { return false; }, rng,
      stats);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(stats.fallbacks, 0);
}

TEST(Proposers, FactoryKnowsBuiltInsAndRegistrations) {
  std::string err;
  ProposerOptions o;
  EXPECT_TRUE(createProposer("heuristic", o, err));
  EXPECT_TRUE(createProposer("random", o, err));
  EXPECT_FALSE(createProposer("oracle", o, err));
  EXPECT_NE(err.find("unknown proposer"), std::string::npos);
  struct Fixed : Proposer {
    std::string name() const override { return "fixed"; }
    std::vector<std::string> propose(const ProposalContext &,
                                     std::mt19937_64 &) override {
      return {"a=1"};
    }
  };
  registerProposer("fixed", [](const ProposerOptions &, std::string &) {
    return std::unique_ptr<Proposer>(new Fixed);
  });
  auto p = createProposer("fixed", o, err);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name(), "fixed");
}

TEST(Proposers, HeuristicRelievesTheLimitFirstThenContinues) {
  ToyWorkload w;
  auto p = [] {
    std::string err;
    return createProposer("heuristic", {}, err);
  }();
  std::mt19937_64 rng(5);
  ProposalContext ctx;
  ctx.workload = &w;
  ctx.count = 2;
  // Over on-chip: both slots step a and b down (their OnChipOver hint).
  ScheduleView cur;
  cur.schedule = {4, 3, 0};
  cur.metrics = toyMetrics(cur.schedule);
  ctx.lineage = {cur};
  std::vector<std::string> out = p->propose(ctx, rng);
  ASSERT_EQ(out.size(), 2u);
  std::sort(out.begin(), out.end());
  EXPECT_EQ(out[0], "a=3");
  EXPECT_EQ(out[1], "b=2");
  // a went 1 -> 2 and helped: one more step (a=3) and the end of a's
  // range that way (a=4).
  ScheduleView parent;
  parent.schedule = {1, 0, 0};
  parent.metrics = toyMetrics(parent.schedule);
  cur.schedule = {2, 0, 0};
  cur.sequence = {{0, 2}};
  cur.metrics = toyMetrics(cur.schedule);
  ctx.lineage = {cur, parent};
  out = p->propose(ctx, rng);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], "a=3");
  EXPECT_EQ(out[1], "a=4");
  // Never the step back to the parent, never a tried step.
  ctx.tried = {{0, 3}};
  out = p->propose(ctx, rng);
  for (const std::string &s : out) {
    EXPECT_NE(s, "a=3");
    EXPECT_NE(s, "a=1");
  }
}

TEST(Mcts, UctSelectionAndBackpropagation) {
  Mcts t(std::sqrt(2.0), 2, 8);
  Metrics m;
  m.feasible = true;
  t.addRoot({0, 0, 0}, "r", m, 1.0);
  int a = t.addChild(0, {{0, 1}}, {1, 0, 0}, "a", m, 2.0);
  int b = t.addChild(0, {{1, 1}}, {0, 1, 0}, "b", m, 0.5);
  EXPECT_EQ(t.nodes[0].N, 3);
  EXPECT_DOUBLE_EQ(t.nodes[0].W, 3.5);
  // uct(a) = 2/1 + sqrt2 sqrt(ln 3 / 1)
  EXPECT_NEAR(t.uct(a), 2.0 + std::sqrt(2.0) * std::sqrt(std::log(3.0)), 1e-12);
  EXPECT_NEAR(t.uct(b), 0.5 + std::sqrt(2.0) * std::sqrt(std::log(3.0)), 1e-12);
  // Root full (B = 2): selection descends to the better child.
  EXPECT_FALSE(t.expandable(0));
  EXPECT_EQ(t.select(), a);
  int c = t.addChild(a, {{2, 1}}, {1, 0, 1}, "c", m, 3.0);
  EXPECT_EQ(t.nodes[a].N, 2);
  EXPECT_DOUBLE_EQ(t.nodes[a].W, 5.0);
  EXPECT_EQ(t.nodes[0].N, 4);
  EXPECT_DOUBLE_EQ(t.nodes[0].W, 6.5);
  EXPECT_EQ(t.nodes[c].sequence.size(), 2u);
  EXPECT_EQ(t.nodes[c].depth, 2);
  // Transposition table.
  EXPECT_EQ(t.find("c"), c);
  EXPECT_EQ(t.find("nope"), -1);
  // With c = 0 selection is greedy on mean reward: b's 0.5 loses to a's 2.5.
  Mcts g(0.0, 2, 8);
  g.addRoot({0, 0, 0}, "r", m, 1.0);
  int ga = g.addChild(0, {{0, 1}}, {1, 0, 0}, "a", m, 0.1);
  int gb = g.addChild(0, {{1, 1}}, {0, 1, 0}, "b", m, 0.9);
  EXPECT_EQ(g.select(), gb);
  // An exhausted leaf is dead; selection avoids it, and a tree with no
  // expandable node left selects nothing.
  g.markExhausted(gb);
  EXPECT_EQ(g.select(), ga);
  g.markExhausted(ga);
  EXPECT_EQ(g.select(), -1);
}

TEST(Mcts, DepthLimitStopsExpansion) {
  Mcts t(1.0, 1, 1);
  Metrics m;
  t.addRoot({0}, "r", m, 1);
  int a = t.addChild(0, {{0, 1}}, {1}, "a", m, 1);
  EXPECT_FALSE(t.expandable(a));
  EXPECT_EQ(t.select(), -1);
}

TEST(Harness, CountsDistinctSimulationsAndStopsAtTheBudget) {
  Toy toy;
  Harness h(toy.evaluator, 3, 2, "t", 1);
  auto r = h.evaluate({{0, 0, 0}, {1, 0, 0}, {0, 0, 0}});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_TRUE(r[0] && r[1] && r[2]);
  EXPECT_EQ(h.count(), 2);
  EXPECT_EQ(toy.calls, 2);
  EXPECT_EQ(h.baselineCycles, 100 + 30 + 5 + 7);
  // Only one slot left: the second new schedule is not evaluated.
  r = h.evaluate({{1, 0, 0}, {2, 0, 0}, {3, 1, 1}});
  EXPECT_TRUE(r[0]);
  EXPECT_TRUE(r[1]);
  EXPECT_FALSE(r[2]);
  EXPECT_EQ(h.count(), 3);
  EXPECT_TRUE(h.exhausted());
  EXPECT_EQ(toy.calls, 3);
  ASSERT_EQ(h.convergence.size(), 3u);
  EXPECT_EQ(h.convergence[2].first, 3);
  EXPECT_EQ(h.convergence[2].second, 100 + 10 + 5 + 7);
  // Another run on the same evaluator never simulates again.
  Harness h2(toy.evaluator, 10, 1, "t", 1);
  h2.evaluate({{0, 0, 0}, {2, 0, 0}});
  EXPECT_EQ(h2.count(), 2);
  EXPECT_EQ(toy.calls, 3);
}

TEST(Feasibility, LimitsOfTheArchitecture) {
  ArchLimits l;
  l.computeUnits = 2;
  l.flopsPerUnit = 100;
  l.memoryUnits = 4;
  l.bytesPerMemoryUnit = 10;
  l.offchipBytesPerCycle = 8;
  std::string err;
  Metrics m;
  ASSERT_TRUE(parseSimStats(
      R"({"cycles": 100, "offchip_bytes_read": 40, "offchip_bytes_written": 0,
          "peak_onchip_bytes": 40, "allocated_flops_per_cycle": 200,
          "achieved_flops_per_cycle": 50, "operators": [
          {"kind": "random_load", "busy": 90, "stalled_in": 0,
           "stalled_out": 0, "compute_bw": 0},
          {"kind": "accum", "busy": 20, "stalled_in": 5, "stalled_out": 0,
           "compute_bw": 64}]})",
      m, err))
      << err;
  Metrics ok = m;
  classify(ok, l);
  EXPECT_TRUE(ok.feasible);
  EXPECT_EQ(ok.pressure, Pressure::OffChip);
  EXPECT_DOUBLE_EQ(ok.utilization(), 0.25);
  ASSERT_EQ(ok.hottest.size(), 2u);
  EXPECT_EQ(ok.hottest[0].kind, "random_load");
  Metrics over = m;
  over.onchipBytes = 41;
  classify(over, l);
  EXPECT_FALSE(over.feasible);
  EXPECT_EQ(over.pressure, Pressure::OnChipOver);
  EXPECT_NE(over.reason.find("on-chip"), std::string::npos);
  Metrics compute = m;
  compute.allocatedFlops = 201;
  classify(compute, l);
  EXPECT_FALSE(compute.feasible);
  EXPECT_EQ(compute.pressure, Pressure::ComputeOver);
  // The JSON form of the transposition file round-trips.
  Metrics back;
  ASSERT_TRUE(Metrics::fromJson(over.toJson(), back));
  EXPECT_EQ(back.reason, over.reason);
  EXPECT_EQ(back.pressure, over.pressure);
  EXPECT_EQ(back.hottest.size(), 2u);
  EXPECT_FALSE(parseSimStats("{", m, err));
  EXPECT_FALSE(parseSimStats("{}", m, err));
}

TEST(Bo, EncodingFeasibilityAndExpectedImprovement) {
  ToyWorkload w;
  std::vector<double> x = bo::encode(w.space(), {2, 3, 1});
  ASSERT_EQ(x.size(), 4u); // a, b ordinal, c one-hot
  EXPECT_DOUBLE_EQ(x[0], 0.5);
  EXPECT_DOUBLE_EQ(x[1], 1.0);
  EXPECT_DOUBLE_EQ(x[2], 0.0);
  EXPECT_DOUBLE_EQ(x[3], 1.0);
  std::vector<std::vector<double>> xs = {{0}, {0.1}, {1}};
  std::vector<bool> feas = {false, false, true};
  EXPECT_DOUBLE_EQ(bo::feasibility(xs, feas, {0.05}, 2), 1.0 / 4.0);
  EXPECT_DOUBLE_EQ(bo::feasibility(xs, feas, {0.9}, 1), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(bo::expectedImprovement(1.0, 0.0, 2.0), 1.0);
  EXPECT_DOUBLE_EQ(bo::expectedImprovement(3.0, 0.0, 2.0), 0.0);
  EXPECT_GT(bo::expectedImprovement(3.0, 1.0, 2.0), 0.0);
}

class Determinism : public ::testing::TestWithParam<const char *> {};

TEST_P(Determinism, SameSeedSameRunWhateverTheThreads) {
  std::string strategy = GetParam();
  auto run = [&](uint64_t seed, int jobs) {
    Toy toy;
    Harness h(toy.evaluator, 25, jobs, strategy, seed);
    h.progressSeconds = 0;
    std::string err;
    auto p = createProposer("heuristic", {}, err);
    SearchOptions o;
    o.seed = seed;
    o.proposer = p.get();
    o.initialSamples = 5;
    SearchResult r;
    EXPECT_TRUE(runStrategy(strategy, h, o, r, err)) << err;
    EXPECT_EQ(h.count(), 25);
    EXPECT_EQ(h.history()[0].schedule, (Schedule{0, 0, 0}));
    return keys(h);
  };
  std::vector<std::string> a = run(7, 1);
  EXPECT_EQ(a, run(7, 4));
  EXPECT_NE(a, run(8, 1));
}

INSTANTIATE_TEST_SUITE_P(Strategies, Determinism,
                         ::testing::Values("mcts", "random", "evolutionary",
                                           "bo"));

TEST(Search, ExhaustiveAndMctsFindTheToyOptimum) {
  for (const char *strategy : {"exhaustive", "mcts"}) {
    Toy toy;
    Harness h(toy.evaluator, 40, 2, strategy, 1);
    h.progressSeconds = 0;
    std::string err;
    auto p = createProposer("heuristic", {}, err);
    SearchOptions o;
    o.proposer = p.get();
    SearchResult r;
    ASSERT_TRUE(runStrategy(strategy, h, o, r, err)) << err;
    ASSERT_TRUE(h.best());
    EXPECT_EQ(h.best()->metrics.cycles, 100) << strategy;
    // The sequence leads from the baseline to the best schedule.
    Schedule s = h.workload().baseline();
    for (const Transformation &t : r.sequence)
      s = h.workload().space().apply(s, t);
    EXPECT_EQ(s, h.best()->schedule) << strategy;
  }
}

TEST(Memory, AppendsAndReadsPerKind) {
  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("memory", "tsv", path));
  std::string file = path.str().str();
  EXPECT_TRUE(appendMemory(file, {"moe", "tiling=dyn", 1.2}));
  EXPECT_TRUE(appendMemory(file, {"attention", "regions+", 2.0}));
  EXPECT_TRUE(appendMemory(file, {"moe", "regions=16,tiling=64", 1.5}));
  std::vector<MemoryExample> moe = loadMemory(file, "moe");
  ASSERT_EQ(moe.size(), 2u);
  EXPECT_EQ(moe[0].sequence, "regions=16,tiling=64"); // best first
  EXPECT_DOUBLE_EQ(moe[1].speedup, 1.2);
  EXPECT_TRUE(loadMemory(file, "gcn").empty());
  std::remove(file.c_str());
}

TEST(Gcn, SpaceCanonicalFormAndCommands) {
  WorkloadOptions o;
  o.sourceRoot = "/src";
  o.toolsDir = "/b/bin";
  std::string err;
  auto w = createWorkload("gcn", o, err);
  ASSERT_TRUE(w) << err;
  const Space &sp = w->space();
  ASSERT_EQ(sp.params.size(), 9u);
  EXPECT_EQ(sp.params[0].name, "fusion");
  EXPECT_EQ(sp.params[1].name, "par");
  // 3 fusion plans x 5 lane counts x the order parameters of all of them;
  // (64 + 24 + 8) x 5 distinct programs.
  EXPECT_EQ(sp.size(), 3u * 5 * 2 * 2 * 2 * 8 * 3 * 8 * 8);
  EXPECT_EQ(w->baseline(), Schedule(9, 0));
  // per-layer: fusion, par and perlayer_r0/r1 are active; the others
  // canonicalize to 0.
  Schedule s = {1, 2, 1, 1, 1, 5, 2, 7, 3};
  EXPECT_TRUE(w->active(s, 1));
  EXPECT_FALSE(w->active(s, 2));
  EXPECT_TRUE(w->active(s, 6));
  EXPECT_TRUE(w->active(s, 7));
  EXPECT_FALSE(w->active(s, 8));
  Schedule c = w->canonical(s);
  EXPECT_EQ(c, (Schedule{1, 2, 0, 0, 0, 0, 2, 7, 0}));
  Commands cmd = w->commands(c);
  EXPECT_TRUE(cmd.gen.empty());
  EXPECT_EQ(cmd.stats, Commands::Stats::RunStep);
  EXPECT_EQ(cmd.workFiles, std::vector<std::string>{"gcn-per-layer"});
  EXPECT_EQ(cmd.shell(),
            "/src/frontends/torch/torch-import "
            "/src/examples/sparse_models/gcn.py --fusion per-layer -o "
            "gcn-per-layer && /src/frontends/torch/run-step gcn-per-layer "
            "--region-orders r0=2,r1=7 --par 1=4 --build /b --arch "
            "/src/arch/sn40l_like.pbtxt");
  // The heuristic proposer never steps an inactive parameter.
  auto p = createProposer("heuristic", {}, err);
  ASSERT_TRUE(p);
  std::mt19937_64 rng(3);
  ProposalContext ctx;
  ctx.workload = w.get();
  ctx.count = 40;
  ScheduleView cur;
  cur.schedule = c;
  cur.metrics.feasible = true;
  cur.metrics.cycles = 100;
  cur.metrics.pressure = Pressure::OffChip;
  ctx.lineage = {cur};
  std::vector<std::string> out = p->propose(ctx, rng);
  ASSERT_FALSE(out.empty());
  // Off-chip pressure: fuse more and add lanes (the hints' directions)
  // first, then the other steps of the plan-shaping parameters, then the
  // loop orders of the plan's regions (refinements), never an inactive
  // parameter.
  ASSERT_GE(out.size(), 4u);
  std::vector<std::string> first(out.begin(), out.begin() + 2);
  std::sort(first.begin(), first.end());
  EXPECT_EQ(first, (std::vector<std::string>{"fusion=full", "par=8"}));
  std::vector<std::string> next(out.begin() + 2, out.begin() + 4);
  std::sort(next.begin(), next.end());
  EXPECT_EQ(next, (std::vector<std::string>{"fusion=unfused", "par=2"}));
  for (size_t i = 4; i < out.size(); ++i)
    EXPECT_EQ(out[i].rfind("perlayer_", 0), 0u) << out[i];
  // Lanes were added on the way here (par 2 -> 4 helped before): a step
  // back to fewer lanes comes after the refinements.
  ScheduleView up = cur;
  up.sequence = {{0, 1}, {1, 1}, {1, 2}};
  ctx.lineage = {up};
  out = p->propose(ctx, rng);
  auto pos = [&](const std::string &t) {
    return std::find(out.begin(), out.end(), t) - out.begin();
  };
  ASSERT_LT(pos("par=2"), static_cast<long>(out.size()));
  for (size_t i = 0; i < out.size(); ++i)
    if (out[i].rfind("perlayer_", 0) == 0)
      EXPECT_LT(static_cast<long>(i), pos("par=2")) << out[i];

  // With a static estimate: a step to another fusion plan comes with that
  // plan's loop orders of least estimated work; the plan's own loop orders
  // are tried least estimated work first.
  int calls = 0;
  ctx.estimate = [&](const Schedule &e) -> std::optional<double> {
    ++calls;
    if (e[0] != 1)
      return 100.0;
    return 10.0 * (e[6] != 2) + (e[7] == 5 ? 0 : 1 + e[7]);
  };
  ScheduleView unfused;
  unfused.schedule = w->baseline();
  unfused.metrics = cur.metrics;
  ctx.lineage = {unfused};
  out = p->propose(ctx, rng);
  EXPECT_NE(std::find(out.begin(), out.end(),
                      "fusion=per-layer,perlayer_r0=2,perlayer_r1=5"),
            out.end());
  EXPECT_EQ(std::find(out.begin(), out.end(), "fusion=per-layer"), out.end());
  EXPECT_GT(calls, 0);
  ctx.lineage = {cur}; // per-layer, perlayer_r0=2, perlayer_r1=7
  out = p->propose(ctx, rng);
  std::vector<std::string> r1;
  for (const std::string &t : out)
    if (t.rfind("perlayer_r1=", 0) == 0)
      r1.push_back(t);
  ASSERT_GE(r1.size(), 3u);
  EXPECT_EQ(r1[0], "perlayer_r1=5");
  EXPECT_EQ(r1[1], "perlayer_r1=0");
  EXPECT_EQ(r1[2], "perlayer_r1=1");
  // No estimate for a schedule: the plan switch is the bare step.
  ctx.estimate = [](const Schedule &) { return std::optional<double>(); };
  ctx.lineage = {unfused};
  out = p->propose(ctx, rng);
  EXPECT_NE(std::find(out.begin(), out.end(), "fusion=per-layer"), out.end());
}

TEST(Gcn, RunStepJsonMetrics) {
  // Two regions; the second has the most cycles and a busy scanner.
  const char *json = R"({"total": {"cycles": 1000, "flops": 500,
    "bytes_read": 300, "bytes_written": 100}, "match": true,
    "regions": [
     {"region": "r0_a", "cycles": 200, "order": 1, "peak_onchip_bytes": 70,
      "allocated_flops_per_cycle": 10,
      "busiest": [{"kind": "map", "busy": 1.0, "stalled": 0.0}]},
     {"region": "r1_b", "cycles": 800, "order": 0, "peak_onchip_bytes": 50,
      "allocated_flops_per_cycle": 30,
      "busiest": [{"kind": "fiber_lookup", "busy": 0.9, "stalled": 0.1},
                  {"kind": "reduce", "busy": 0.5, "stalled": 0.0}]}]})";
  Metrics m;
  std::string err;
  ASSERT_TRUE(parseRunStepJson(json, m, err)) << err;
  EXPECT_TRUE(m.feasible);
  EXPECT_EQ(m.cycles, 1000);
  EXPECT_EQ(m.offchipBytes, 400);
  EXPECT_EQ(m.onchipBytes, 70);
  EXPECT_DOUBLE_EQ(m.allocatedFlops, 30);
  EXPECT_DOUBLE_EQ(m.achievedFlops, 0.5);
  EXPECT_EQ(m.pressure, Pressure::OffChip);
  ASSERT_EQ(m.hottest.size(), 3u);
  EXPECT_EQ(m.hottest[0].kind, "fiber_lookup");
  EXPECT_DOUBLE_EQ(m.hottest[0].utilization, 0.72);
  EXPECT_EQ(m.hottest[0].location, "@r1_b_sam (order 0, 80% of the cycles)");
  EXPECT_EQ(m.hottest[1].kind, "reduce");
  EXPECT_EQ(m.hottest[2].kind, "map");
  // Arithmetic busiest in the biggest region: compute; idle: stall.
  std::string compute = json;
  compute.replace(compute.find("fiber_lookup"), 12, "spacc");
  ASSERT_TRUE(parseRunStepJson(compute, m, err));
  EXPECT_EQ(m.pressure, Pressure::Compute);
  std::string idle = json;
  idle.replace(idle.find("0.9"), 3, "0.2");
  ASSERT_TRUE(parseRunStepJson(idle, m, err));
  EXPECT_EQ(m.pressure, Pressure::Stall);
  // Values that differ from PyTorch's: infeasible with the reason.
  std::string differ = json;
  differ.replace(differ.find("\"match\": true"), 13, "\"match\": false");
  ASSERT_TRUE(parseRunStepJson(differ, m, err));
  EXPECT_FALSE(m.feasible);
  EXPECT_NE(m.reason.find("differs from PyTorch"), std::string::npos);
  EXPECT_FALSE(parseRunStepJson("{\"regions\": []}", m, err));
  EXPECT_FALSE(parseRunStepJson("not json", m, err));
}
