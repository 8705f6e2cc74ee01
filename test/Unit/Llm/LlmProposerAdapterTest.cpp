//===- LlmProposerAdapterTest.cpp - the `llm` proposer in step-tune -------===//
//
// The adapter between tuner/Proposer.h and tuner/llm: the prompt state built
// from a tuner context on the real MoE space, the answers turned into texts
// that validateProposals accepts or counts as invalid (then falls back), the
// factory's record/replay options, and whole MCTS searches on a toy space
// (metrics from a formula) that record, replay, and survive a failing
// server.
//
//===----------------------------------------------------------------------===//

#include "tuner/llm/LlmProposerAdapter.h"
#include "tuner/Search.h"

#include "Fixtures.h"
#include "LoopbackServer.h"

#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

#include <atomic>

using namespace step;
using namespace step::llm;
using namespace step::llm::test;

namespace {

struct MoEContext {
  std::unique_ptr<tune::Workload> workload;
  tune::ProposalContext ctx;
  tune::Schedule child;

  MoEContext() {
    std::string error;
    tune::WorkloadOptions wo;
    wo.sourceRoot = STEP_SOURCE_DIR;
    workload = tune::createWorkload("moe", wo, error);
    EXPECT_TRUE(workload) << error;
    const tune::Space &sp = workload->space();
    tune::Schedule base = workload->baseline();
    int regions = sp.find("regions"), tiling = sp.find("tiling");
    tune::Transformation toP32{regions, 5}; // regions=32
    child = sp.apply(base, toP32);

    tune::Metrics m;
    m.feasible = true;
    m.cycles = 700000;
    m.offchipBytes = 5000000;
    m.onchipBytes = 300000;
    m.allocatedFlops = 1000;
    m.achievedFlops = 250;
    m.pressure = tune::Pressure::Compute;
    m.hottest = {
        {"map", "/tmp/step-tune-1a2b3c/e7.opt.mlir:1452:12", 0.9, 0.05, 1024},
        {"accum", "expert 3", 0.5, 0, 1024}};
    tune::Metrics pm;
    pm.feasible = false;
    pm.reason = "step-sim (deadlock): linear_load 'l#4' at "
                "/tmp/step-tune-7411cf/e3.opt.mlir:7:10 waits; see "
                "/tmp/step-tune-7411cf/e3.log";

    ctx.workload = workload.get();
    ctx.layerSummary = workload->summary();
    ctx.archSummary = "sn40l-like";
    ctx.lineage = {{child, {toP32}, sp.key(child), "", m},
                   {base, {}, sp.key(base), "", pm}};
    ctx.vocabulary = sp.vocabulary(child);
    ctx.tried = {{tiling, 4}}; // tiling=dyn
    ctx.examples = {{"moe", "tiling=dyn,regions=16", 1.5}};
    ctx.baselineCycles = 790000;
    ctx.count = 2;
  }
};

TEST(LlmProposerAdapter, PromptFromTunerContext) {
  MoEContext m;
  PromptContext pc = toPromptContext(m.ctx);
  const tune::Space &sp = m.workload->space();
  ASSERT_EQ(pc.vocabulary.size(), sp.params.size());
  const ActionSpec &regions = pc.vocabulary[sp.find("regions")];
  EXPECT_EQ(regions.name, "regions");
  ASSERT_EQ(regions.params.size(), 1u);
  EXPECT_EQ(regions.params[0].name, "value");
  // Every value but the current one (32).
  EXPECT_EQ(regions.params[0].choices,
            (std::vector<std::string>{"1", "2", "4", "8", "16", "64", "128"}));
  EXPECT_NE(regions.description.find("(now 32; values in order: 1, 2, 4, 8, "
                                     "16, 32, 64, 128)"),
            std::string::npos)
      << regions.description;

  std::string p = userPrompt(pc, 2, true);
  EXPECT_NE(p.find("## Layer (moe)"), std::string::npos) << p;
  EXPECT_NE(p.find("Reference schedule: 790000 cycles."), std::string::npos);
  // No checkout-specific paths: the trace is named by its file name only.
  EXPECT_NE(m.ctx.layerSummary.find(STEP_SOURCE_DIR), std::string::npos);
  EXPECT_EQ(p.find(STEP_SOURCE_DIR), std::string::npos) << p;
  EXPECT_NE(p.find(" routing_qwen_b64_synthetic_idle_regions.csv;"),
            std::string::npos)
      << p;
  EXPECT_NE(p.find("## Current schedule\n" + sp.key(m.child) +
                   "\nreached from the reference schedule by: regions=32\n"
                   "metrics: cycles=700000, utilization=25.0%, off-chip "
                   "bytes=5000000, on-chip bytes=300000, bottlenecks: "
                   "pressure compute, map at line 1452:12 (90.0% busy, 5.0% "
                   "stalled), accum at expert 3 (50.0% busy, 0.0% "
                   "stalled)"),
            std::string::npos)
      << p;
  EXPECT_NE(p.find("metrics: infeasible: step-sim (deadlock): linear_load "
                   "'l#4' at line 7:10 waits; see e3.log\n"),
            std::string::npos)
      << p;
  EXPECT_EQ(p.find("Grandparent"), std::string::npos);
  EXPECT_NE(p.find("- regions(value: one of {1, 2, 4, 8, 16, 64, 128}): "),
            std::string::npos);
  EXPECT_NE(p.find("## Already applied to the current schedule (propose "
                   "others)\n- tiling=dyn\n"),
            std::string::npos);
  EXPECT_NE(p.find("- tiling=dyn, regions=16 (1.50x fewer cycles)"),
            std::string::npos);
  EXPECT_NE(p.find("Propose 1 to 2 alternative transformations"),
            std::string::npos);
}

tune::ProposerOptions options(const std::string &url) {
  tune::ProposerOptions po;
  po.seed = 3;
  po.llmUrl = url;
  po.llmModel = "test-model";
  po.llmTimeoutSeconds = 1;
  return po;
}

const char *oneGoodOneBad =
    R"({"reasoning":"compute-bound: fewer experts per region",)"
    R"("transformations":[{"name":"regions","args":{"value":"64"}},)"
    R"({"name":"tiling","args":{"value":"128"}}]})";

TEST(LlmProposerAdapter, AnswersBecomeValidatedProposals) {
  registerLlmProposer();
  MoEContext m;
  LoopbackServer server;
  server.push(Behaviour::respond(200, completion(oneGoodOneBad)));
  std::string error;
  std::unique_ptr<tune::Proposer> proposer =
      tune::createProposer("llm", options(server.baseUrl()), error);
  ASSERT_TRUE(proposer) << error;
  EXPECT_EQ(proposer->name(), "llm");
  std::mt19937_64 rng(1);
  std::vector<std::string> raw = proposer->propose(m.ctx, rng);
  ASSERT_EQ(raw.size(), 2u);
  EXPECT_EQ(raw[0], "regions=64");
  EXPECT_EQ(raw[1].rfind("llm-invalid: ", 0), 0u) << raw[1];

  // The request: alternatives of size B, the seed, the nested schema.
  ASSERT_EQ(server.requests().size(), 1u);
  llvm::Expected<llvm::json::Value> body =
      llvm::json::parse(server.requests()[0].body);
  ASSERT_TRUE(bool(body));
  const llvm::json::Object *o = body->getAsObject();
  EXPECT_EQ(o->getInteger("seed"), 3);
  EXPECT_EQ(o->getString("model"), llvm::StringRef("test-model"));
  EXPECT_EQ(o->getObject("response_format")
                ->getObject("json_schema")
                ->getObject("schema")
                ->getObject("properties")
                ->getObject("transformations")
                ->getInteger("maxItems"),
            2);

  tune::ProposalStats stats;
  std::vector<tune::Proposal> props = tune::validateProposals(
      m.workload->space(), m.child, raw, 2,
      [](const tune::Schedule &) { return true; }, rng, stats);
  ASSERT_EQ(props.size(), 2u);
  EXPECT_FALSE(props[0].fallback);
  EXPECT_EQ(m.workload->space().text(props[0].sequence), "regions=64");
  EXPECT_TRUE(props[1].fallback);
  EXPECT_EQ(stats.invalid, 1);
  EXPECT_EQ(stats.fallbacks, 1);
}

TEST(LlmProposerAdapter, FailedExchangeFallsBackEverywhere) {
  registerLlmProposer();
  MoEContext m;
  std::string error;
  auto proposer = tune::createProposer(
      "llm",
      options("http://127.0.0.1:" +
              std::to_string(LoopbackServer::closedPort()) + "/v1"),
      error);
  ASSERT_TRUE(proposer) << error;
  std::mt19937_64 rng(1);
  std::vector<std::string> raw = proposer->propose(m.ctx, rng);
  EXPECT_TRUE(raw.empty());
  tune::ProposalStats stats;
  auto props = tune::validateProposals(
      m.workload->space(), m.child, raw, 2,
      [](const tune::Schedule &) { return true; }, rng, stats);
  EXPECT_EQ(props.size(), 2u);
  EXPECT_EQ(stats.fallbacks, 2);
}

TEST(LlmProposerAdapter, RecordThenReplayThroughTheFactory) {
  MoEContext m;
  llvm::SmallString<128> path;
  llvm::sys::fs::createTemporaryFile("step-llm-adapter", "jsonl", path);
  llvm::sys::fs::remove(path);
  std::vector<std::string> live;
  {
    LoopbackServer server;
    server.push(Behaviour::respond(200, completion(oneGoodOneBad)));
    tune::ProposerOptions po = options(server.baseUrl());
    po.recordFile = std::string(path);
    std::string error;
    auto proposer = createLlmProposer(po, error);
    ASSERT_TRUE(proposer) << error;
    std::mt19937_64 rng(1);
    live = proposer->propose(m.ctx, rng);
  }
  tune::ProposerOptions po = options("");
  po.replayFile = std::string(path);
  std::string error;
  auto replayed = createLlmProposer(po, error);
  ASSERT_TRUE(replayed) << error;
  std::mt19937_64 rng(1);
  EXPECT_EQ(replayed->propose(m.ctx, rng), live);
  // Asked again, the recording is exhausted: every slot falls back.
  EXPECT_TRUE(replayed->propose(m.ctx, rng).empty());

  po.recordFile = "other.jsonl";
  EXPECT_FALSE(createLlmProposer(po, error));
  EXPECT_EQ(error, "--llm-record and --llm-replay exclude each other");
  po.recordFile.clear();
  po.replayFile = std::string(path) + ".absent";
  EXPECT_FALSE(createLlmProposer(po, error));
  EXPECT_NE(error.find("cannot read recording"), std::string::npos) << error;
  llvm::sys::fs::remove(path);
}

//===----------------------------------------------------------------------===//
// MCTS end to end, with metrics from a formula instead of the simulator
//===----------------------------------------------------------------------===//

class ToyWorkload : public tune::Workload {
public:
  ToyWorkload() {
    tune::Param a;
    a.name = "a";
    a.values = {"0", "1", "2", "3", "4"};
    tune::Param b;
    b.name = "b";
    b.values = {"0", "1", "2", "3"};
    tune::Param c;
    c.name = "c";
    c.kind = tune::Param::Kind::Categorical;
    c.values = {"x", "y"};
    sp.params = {a, b, c};
  }
  std::string kind() const override { return "toy"; }
  const tune::Space &space() const override { return sp; }
  tune::Schedule baseline() const override { return {0, 0, 0}; }
  tune::Commands commands(const tune::Schedule &s) const override {
    tune::Commands c;
    c.gen = {"step-gen", "toy", "--a", sp.params[0].values[s[0]]};
    c.opt = {"step-opt", "--b=" + sp.params[1].values[s[1]]};
    c.sim = {"step-sim", "GRAPH"};
    return c;
  }
  std::string summary() const override { return "a toy layer"; }
  tune::Space sp;
};

tune::Metrics toyMetrics(const tune::Schedule &s) {
  tune::Metrics m;
  if (s[0] == 4 && s[1] == 3) {
    m.reason = "over the on-chip limit";
    m.pressure = tune::Pressure::OnChipOver;
    return m;
  }
  m.feasible = true;
  m.cycles = 100 + 10 * std::abs(s[0] - 3) + 5 * std::abs(s[1] - 1) +
             (s[2] == 0 ? 7 : 0);
  return m;
}

struct SearchRun {
  std::vector<std::string> keys;
  tune::ProposalStats stats;
};

SearchRun search(tune::Proposer &proposer) {
  ToyWorkload w;
  tune::ArchLimits limits;
  tune::Evaluator evaluator(w, limits, "", "", 10);
  evaluator.fake = toyMetrics;
  std::string error;
  EXPECT_TRUE(evaluator.init(error)) << error;
  tune::Harness h(evaluator, 12, 1, "mcts-llm", 5);
  h.progressEvery = 0;
  h.progressSeconds = 0;
  tune::SearchOptions so;
  so.seed = 5;
  so.proposer = &proposer;
  so.archSummary = "a toy fabric";
  tune::SearchResult r = tune::runMcts(h, so);
  SearchRun out;
  for (const tune::Sample &s : h.history())
    out.keys.push_back(w.space().key(s.schedule));
  out.stats = r.stats;
  return out;
}

/// A stand-in model: picks actions and values from the request's own
/// schema, rotating with the call number; every fourth answer starts with a
/// transformation that does not exist.
Behaviour schemaDrivenAnswer(const CapturedRequest &req, unsigned call) {
  namespace json = llvm::json;
  llvm::Expected<json::Value> body = json::parse(req.body);
  if (!body) {
    llvm::consumeError(body.takeError());
    return Behaviour::respond(400, R"({"error":"bad body"})");
  }
  const json::Object *tr = body->getAsObject()
                               ->getObject("response_format")
                               ->getObject("json_schema")
                               ->getObject("schema")
                               ->getObject("properties")
                               ->getObject("transformations");
  const json::Array &alts = *tr->getObject("items")->getArray("anyOf");
  int64_t n = *tr->getInteger("maxItems");
  json::Array items;
  for (int64_t i = 0; i < n; ++i) {
    const json::Object *props =
        alts[(call + i) % alts.size()].getAsObject()->getObject("properties");
    llvm::StringRef name =
        *(*props->getObject("name")->getArray("enum"))[0].getAsString();
    const json::Array &values = *props->getObject("args")
                                     ->getObject("properties")
                                     ->getObject("value")
                                     ->getArray("enum");
    items.push_back(json::Object{
        {"name", name},
        {"args",
         json::Object{{"value", values[(call * 3 + i) % values.size()]}}}});
  }
  if (call % 4 == 3)
    items[0] = json::Object{{"name", "unroll"}, {"args", json::Object{}}};
  std::string content;
  llvm::raw_string_ostream os(content);
  os << json::Value(json::Object{{"reasoning", "rotate"},
                                 {"transformations", std::move(items)}});
  os.flush();
  return Behaviour::respond(200, completion(content));
}

TEST(LlmProposerAdapter, MctsRecordsAndReplaysTheSameSearch) {
  llvm::SmallString<128> path;
  llvm::sys::fs::createTemporaryFile("step-llm-mcts", "jsonl", path);
  llvm::sys::fs::remove(path);

  SearchRun live;
  size_t requests = 0;
  {
    LoopbackServer server;
    auto calls = std::make_shared<std::atomic<unsigned>>(0);
    server.respondWith([calls](const CapturedRequest &req) {
      return schemaDrivenAnswer(req, (*calls)++);
    });
    tune::ProposerOptions po = options(server.baseUrl());
    po.recordFile = std::string(path);
    std::string error;
    auto proposer = createLlmProposer(po, error);
    ASSERT_TRUE(proposer) << error;
    live = search(*proposer);
    requests = server.requests().size();
  }
  // Every expansion asked the model once; the budget was spent; unknown
  // names were counted and replaced.
  EXPECT_EQ(live.keys.size(), 12u);
  EXPECT_EQ(size_t(live.stats.calls), requests);
  EXPECT_GE(live.stats.invalid, 1);
  EXPECT_GE(live.stats.fallbacks, live.stats.invalid);

  tune::ProposerOptions po = options("");
  po.replayFile = std::string(path);
  std::string error;
  auto replayed = createLlmProposer(po, error);
  ASSERT_TRUE(replayed) << error;
  SearchRun again = search(*replayed);
  EXPECT_EQ(again.keys, live.keys);
  EXPECT_EQ(again.stats.calls, live.stats.calls);
  EXPECT_EQ(again.stats.invalid, live.stats.invalid);
  EXPECT_EQ(again.stats.duplicates, live.stats.duplicates);
  EXPECT_EQ(again.stats.fallbacks, live.stats.fallbacks);
  llvm::sys::fs::remove(path);
}

TEST(LlmProposerAdapter, FailingServerIsAskedLessAndTheBudgetIsSpent) {
  // Every request fails (Ollama's answer to an unknown model): after three
  // failures in a row the proposer pauses, so 12 samples cost 3 requests,
  // not one per expansion; the budget is still spent on random moves.
  LoopbackServer server;
  server.respondWith([](const CapturedRequest &) {
    return Behaviour::respond(404, R"({"error":"model 'x' not found"})");
  });
  std::string error;
  auto proposer = createLlmProposer(options(server.baseUrl()), error);
  ASSERT_TRUE(proposer) << error;
  SearchRun run = search(*proposer);
  EXPECT_EQ(run.keys.size(), 12u);
  EXPECT_GT(run.stats.calls, 3);
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(run.stats.invalid, 0);
  EXPECT_EQ(run.stats.fallbacks, run.stats.proposals);
}

} // namespace
