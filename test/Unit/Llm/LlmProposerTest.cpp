//===- LlmProposerTest.cpp - prompt, answer schema, validation ----------===//
//
// What the model is shown, what it may answer, how answers that break the
// vocabulary are counted, and the proposer end to end against the loopback
// server (good, unknown name, bad arguments, malformed, slow, refused) and
// against a replay of its own recording.
//
//===----------------------------------------------------------------------===//

#include "tuner/llm/LlmProposer.h"
#include "tuner/llm/JsonSchema.h"
#include "tuner/llm/Recording.h"

#include "Fixtures.h"
#include "LoopbackServer.h"

#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

using namespace step::llm;
using namespace step::llm::test;
namespace json = llvm::json;

namespace {

constexpr unsigned maxActions = 3;

bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

TEST(Prompt, HoldsStateMetricsVocabularyAndExamples) {
  std::string p = userPrompt(context(), maxActions);
  EXPECT_TRUE(contains(p, "## Layer (moe)\nQwen3-30B-A3B MoE layer")) << p;
  EXPECT_TRUE(contains(p, "## Architecture\n1024 compute units")) << p;
  EXPECT_TRUE(contains(p, "## Current schedule\ntile(dim=n, size=64); "
                          "parallelize(factor=4)\nmetrics: cycles=120000, "
                          "utilization=42.0%, off-chip bytes=3145728, "
                          "on-chip bytes=1048576, bottlenecks: "
                          "expert_down_matmul, route_gather"))
      << p;
  EXPECT_TRUE(contains(p, "## Parent schedule (before the last step)\n"
                          "tile(dim=n, size=64)\nmetrics: cycles=150000"))
      << p;
  EXPECT_TRUE(contains(p, "## Grandparent schedule\nparallelize(factor=16)\n"
                          "metrics: infeasible: needs 1536 compute units"))
      << p;
  EXPECT_TRUE(contains(p, "- tile(dim: one of {m, n, k}; size: one of {16, "
                          "32, 64, 128, 256}): tile one dimension"))
      << p;
  EXPECT_TRUE(contains(p, "- parallelize(factor: integer in [1, 16])")) << p;
  EXPECT_TRUE(contains(p, "- dynamic_tiling(enable: true or false)")) << p;
  EXPECT_TRUE(contains(p, "- fuse_all(): fuse every")) << p;
  EXPECT_TRUE(contains(p, "- tile(dim=k, size=128), "
                          "dynamic_tiling(enable=true) (1.80x fewer cycles)"))
      << p;
  EXPECT_TRUE(contains(systemPrompt(maxActions), "propose 1 to 3"));
}

TEST(Prompt, WithoutAncestorsOrMetrics) {
  PromptContext c = context();
  c.parent.reset();
  c.grandparent.reset();
  c.current.metrics.reset();
  c.examples.clear();
  std::string p = userPrompt(c, maxActions);
  EXPECT_FALSE(contains(p, "Parent"));
  EXPECT_FALSE(contains(p, "Grandparent"));
  EXPECT_FALSE(contains(p, "Sequences"));
  EXPECT_TRUE(contains(p, "metrics: not simulated yet"));
}

TEST(AnswerSchema, AcceptsValidRejectsInvalid) {
  json::Value schema = *json::parse(answerSchema(vocabulary(), maxActions));
  auto check = [&](const char *answer) {
    return checkJsonSchema(*json::parse(answer), schema);
  };
  EXPECT_EQ(check(goodAnswer()), std::nullopt);
  EXPECT_EQ(check(R"({"reasoning":"","transformations":[)"
                  R"({"name":"fuse_all","args":{}},)"
                  R"({"name":"dynamic_tiling","args":{"enable":false}}]})"),
            std::nullopt);
  EXPECT_TRUE(check(R"({"reasoning":"","transformations":[]})"));
  EXPECT_TRUE(check(R"({"transformations":[{"name":"fuse_all","args":{}}]})"));
  EXPECT_TRUE(check(R"({"reasoning":"","transformations":[)"
                    R"({"name":"tile","args":{"dim":"k","size":100}}]})"));
  EXPECT_TRUE(check(R"({"reasoning":"","transformations":[)"
                    R"({"name":"parallelize","args":{"factor":4,"x":1}}]})"));
  // Each action is one anyOf alternative naming it with a one-value enum.
  const json::Array *alts = schema.getAsObject()
                                ->getObject("properties")
                                ->getObject("transformations")
                                ->getObject("items")
                                ->getArray("anyOf");
  ASSERT_TRUE(alts);
  EXPECT_EQ(alts->size(), vocabulary().size());
}

TEST(AnswerSchema, PropertiesInWritingOrder) {
  // Grammar-constrained servers emit properties in schema order: reasoning
  // before the transformations, an action's name before its arguments, and
  // arguments in vocabulary order.
  std::string s = answerSchema(vocabulary(), maxActions);
  EXPECT_EQ(
      s.rfind(R"({"type":"object","properties":{"reasoning":{"type":"string"},)"
              R"("transformations":{"type":"array","items":{"anyOf":[)"
              R"({"type":"object","properties":{"name":{"type":"string",)"
              R"("enum":["tile"]},"args":{"type":"object","properties":{)"
              R"("dim":{"type":"string","enum":["m","n","k"]},)"
              R"("size":{"type":"integer","enum":[16,32,64,128,256]}},)"
              R"("required":["dim","size"],"additionalProperties":false}},)",
              0),
      0u)
      << s;
}

TEST(ParseAnswer, ValidActionsInOrder) {
  ParsedAnswer a = parseAnswer(goodAnswer(), vocabulary(), maxActions);
  EXPECT_FALSE(a.unusable);
  EXPECT_EQ(a.invalid, 0u);
  EXPECT_EQ(a.reasoning, "the down projection is the bottleneck");
  ASSERT_EQ(a.actions.size(), 2u);
  EXPECT_EQ(a.actions[0].str(), "tile(dim=k, size=128)");
  EXPECT_EQ(a.actions[1].str(), "parallelize(factor=8)");
  EXPECT_EQ(a.actions[1].args[0].second.kind, ParamDomain::Kind::IntRange);
  EXPECT_EQ(a.actions[1].args[0].second.intValue, 8);
}

TEST(ParseAnswer, UnknownTransformationIsCounted) {
  ParsedAnswer a = parseAnswer(
      R"({"reasoning":"","transformations":[{"name":"unroll","args":{"n":4}},)"
      R"({"name":"fuse_all","args":{}}]})",
      vocabulary(), maxActions);
  EXPECT_EQ(a.invalid, 1u);
  ASSERT_EQ(a.actions.size(), 1u);
  EXPECT_EQ(a.actions[0].str(), "fuse_all()");
  ASSERT_EQ(a.problems.size(), 1u);
  EXPECT_EQ(a.problems[0],
            "transformations[0]: unknown transformation \"unroll\"");
}

TEST(ParseAnswer, BadArgumentsAreCounted) {
  ParsedAnswer a =
      parseAnswer(R"({"reasoning":"","transformations":[)"
                  R"({"name":"tile","args":{"dim":"k","size":100}},)"
                  R"({"name":"tile","args":{"dim":"q","size":64}},)"
                  R"({"name":"parallelize","args":{"factor":"8"}}]})",
                  vocabulary(), maxActions);
  EXPECT_EQ(a.invalid, 3u);
  EXPECT_TRUE(a.actions.empty());
  ASSERT_EQ(a.problems.size(), 3u);
  EXPECT_EQ(a.problems[0], "transformations[0]: \"tile\" argument \"size\": "
                           "100 is not one of {16, 32, 64, 128, 256}");
  EXPECT_EQ(a.problems[1], "transformations[1]: \"tile\" argument \"dim\": "
                           "\"q\" is not one of {m, n, k}");
  EXPECT_EQ(a.problems[2], "transformations[2]: \"parallelize\" argument "
                           "\"factor\": not an integer");

  ParsedAnswer b =
      parseAnswer(R"({"reasoning":"","transformations":[)"
                  R"({"name":"parallelize","args":{}},)"
                  R"({"name":"parallelize","args":{"factor":2,"axis":0}},)"
                  R"({"name":"dynamic_tiling"},)"
                  R"({"name":"fuse_all"}]})",
                  vocabulary(), maxActions + 1);
  EXPECT_EQ(b.invalid, 3u);
  ASSERT_EQ(b.actions.size(), 1u); // fuse_all has no parameters
  EXPECT_EQ(b.problems[0], "transformations[0]: \"parallelize\" is missing "
                           "argument \"factor\"");
  EXPECT_EQ(b.problems[1], "transformations[1]: \"parallelize\" has no "
                           "argument \"axis\"");
  EXPECT_EQ(b.problems[2], "transformations[2]: \"dynamic_tiling\" has no "
                           "\"args\" object");
}

TEST(ParseAnswer, TooManyAndUnusable) {
  ParsedAnswer a = parseAnswer(
      R"({"reasoning":"","transformations":[{"name":"fuse_all","args":{}},)"
      R"({"name":"fuse_all","args":{}},{"name":"fuse_all","args":{}}]})",
      vocabulary(), 2);
  EXPECT_EQ(a.actions.size(), 2u);
  EXPECT_EQ(a.invalid, 1u);
  EXPECT_TRUE(parseAnswer("no json here", vocabulary(), 2).unusable);
  EXPECT_TRUE(parseAnswer(R"({"reasoning":"x"})", vocabulary(), 2).unusable);
  EXPECT_TRUE(parseAnswer("[1,2]", vocabulary(), 2).unusable);
}

//===----------------------------------------------------------------------===//
// End to end against the loopback server
//===----------------------------------------------------------------------===//

ChatOptions fast(const std::string &url) {
  ChatOptions o;
  o.baseUrl = url;
  o.retries = 0;
  o.connectTimeoutMs = 500;
  o.totalTimeoutMs = 400;
  o.backoffMs = 5;
  return o;
}

TEST(LlmProposer, EndToEndCountsFallbacks) {
  LoopbackServer server;
  // 1: good.
  server.push(Behaviour::respond(200, completion(goodAnswer())));
  // 2: one unknown name next to a valid item (a schema mismatch for the
  // client; the valid item is kept).
  server.push(Behaviour::respond(
      200,
      completion(R"({"reasoning":"r","transformations":[)"
                 R"({"name":"vectorize","args":{}},)"
                 R"({"name":"dynamic_tiling","args":{"enable":true}}]})")));
  // 3: only bad arguments.
  server.push(Behaviour::respond(
      200, completion(R"({"reasoning":"r","transformations":[)"
                      R"({"name":"parallelize","args":{"factor":64}}]})")));
  // 4: malformed body.
  server.push(Behaviour::respond(200, "{\"choices\":"));
  // 5: a body cut short of its Content-Length.
  std::string body = completion(goodAnswer());
  server.push(Behaviour::truncate(body, body.size() / 2));
  // 6: the model ran out of tokens in the middle of its answer.
  server.push(Behaviour::respond(
      200, completion(R"({"reasoning":"r","transformations":[{"name":"ti)",
                      "length")));
  // 7: slow (last: the server answers one connection at a time).
  server.push(Behaviour::respond(200, completion(goodAnswer()), 2000));
  ChatClient client(fast(server.baseUrl()));
  LlmProposer proposer(client, LlmProposerOptions{"test-model"});
  PromptContext ctx = context();

  Proposal p1 = proposer.propose(ctx);
  EXPECT_EQ(p1.error, ErrorKind::None);
  EXPECT_FALSE(p1.needsFallback());
  ASSERT_EQ(p1.actions.size(), 2u);
  EXPECT_EQ(p1.actions[0].str(), "tile(dim=k, size=128)");

  Proposal p2 = proposer.propose(ctx);
  EXPECT_EQ(p2.error, ErrorKind::SchemaMismatch);
  EXPECT_EQ(p2.invalid, 1u);
  ASSERT_EQ(p2.actions.size(), 1u);
  EXPECT_EQ(p2.actions[0].str(), "dynamic_tiling(enable=true)");

  Proposal p3 = proposer.propose(ctx);
  EXPECT_EQ(p3.invalid, 1u);
  EXPECT_TRUE(p3.needsFallback());
  EXPECT_TRUE(contains(p3.message, "64 is not integer in [1, 16]"))
      << p3.message;

  Proposal p4 = proposer.propose(ctx);
  EXPECT_EQ(p4.error, ErrorKind::Malformed);
  EXPECT_TRUE(p4.needsFallback());

  Proposal p5 = proposer.propose(ctx);
  EXPECT_EQ(p5.error, ErrorKind::Partial);
  EXPECT_TRUE(p5.needsFallback());

  Proposal p6 = proposer.propose(ctx);
  EXPECT_EQ(p6.error, ErrorKind::Partial);
  EXPECT_TRUE(p6.needsFallback());
  EXPECT_TRUE(contains(p6.message, "answer is not JSON")) << p6.message;

  Proposal p7 = proposer.propose(ctx);
  EXPECT_EQ(p7.error, ErrorKind::Timeout);
  EXPECT_TRUE(p7.needsFallback());

  const ProposerStats &s = proposer.stats();
  EXPECT_EQ(s.calls, 7u);
  EXPECT_EQ(s.validActions, 3u);
  EXPECT_EQ(s.invalidActions, 2u);
  EXPECT_EQ(s.fallbacks, 5u);
  EXPECT_EQ(s.errors.at("schema-mismatch"), 2u);
  EXPECT_EQ(s.errors.at("malformed"), 1u);
  EXPECT_EQ(s.errors.at("timeout"), 1u);
  EXPECT_EQ(s.errors.at("partial"), 2u);
  EXPECT_EQ(server.requests().size(), 7u);
}

TEST(LlmProposer, RefusedServerFallsBack) {
  ChatClient client(fast("http://127.0.0.1:" +
                         std::to_string(LoopbackServer::closedPort()) + "/v1"));
  LlmProposer proposer(client, LlmProposerOptions{"test-model"});
  Proposal p = proposer.propose(context());
  EXPECT_EQ(p.error, ErrorKind::Refused);
  EXPECT_TRUE(p.needsFallback());
  EXPECT_EQ(proposer.stats().fallbacks, 1u);
  EXPECT_EQ(proposer.stats().errors.at("refused"), 1u);
}

TEST(LlmProposer, ReplayReproducesProposals) {
  llvm::SmallString<128> path;
  llvm::sys::fs::createTemporaryFile("step-llm-proposer", "jsonl", path);
  llvm::sys::fs::remove(path);
  std::string file(path);

  PromptContext a = context(), b = context();
  b.current.text = "fuse_all()";
  std::vector<Proposal> live;
  {
    LoopbackServer server;
    server.push(Behaviour::respond(200, completion(goodAnswer())));
    server.push(Behaviour::respond(
        200, completion(R"({"reasoning":"r","transformations":[)"
                        R"({"name":"vectorize","args":{}}]})")));
    ChatClient client(fast(server.baseUrl()));
    auto rec = Recorder::open(file);
    ASSERT_TRUE(bool(rec));
    RecordingBackend backend(client, **rec);
    LlmProposer proposer(backend, LlmProposerOptions{"test-model"});
    live.push_back(proposer.propose(a));
    live.push_back(proposer.propose(b));
  }
  auto rep = Replayer::open(file);
  ASSERT_TRUE(bool(rep));
  LlmProposer replayed(**rep, LlmProposerOptions{"test-model"});
  for (size_t i = 0; i < live.size(); ++i) {
    Proposal p = replayed.propose(i == 0 ? a : b);
    EXPECT_EQ(p.actions, live[i].actions);
    EXPECT_EQ(p.invalid, live[i].invalid);
    EXPECT_EQ(p.error, live[i].error);
    EXPECT_EQ(p.message, live[i].message);
  }
  EXPECT_EQ(replayed.stats().fallbacks, 1u);
  // A different temperature is a different request: not in the recording.
  LlmProposerOptions hot{"test-model"};
  hot.temperature = 0.9;
  LlmProposer other(**rep, hot);
  EXPECT_EQ(other.propose(a).error, ErrorKind::Replay);
  llvm::sys::fs::remove(file);
}

} // namespace
