//===- LlmProposerAdapterTest.cpp - the `llm` proposer in step-tune -------===//
//
// The adapter between tuner/Proposer.h and tuner/llm: the prompt state built
// from a tuner context on the real MoE space, the answers turned into texts
// that validateProposals accepts or counts as invalid (then falls back), and
// the factory's record/replay options.
//
//===----------------------------------------------------------------------===//

#include "tuner/llm/LlmProposerAdapter.h"

#include "Fixtures.h"
#include "LoopbackServer.h"

#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

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
    m.hottest = {{"map", "/tmp/step-tune-1a2b3c/e7.opt.mlir:1452:12", 0.9,
                  0.05, 1024},
                 {"accum", "expert 3", 0.5, 0, 1024}};
    tune::Metrics pm;
    pm.feasible = false;
    pm.reason = "on-chip 80 MB over 64 MB";

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
  EXPECT_NE(p.find("metrics: infeasible: on-chip 80 MB over 64 MB"),
            std::string::npos);
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

} // namespace
