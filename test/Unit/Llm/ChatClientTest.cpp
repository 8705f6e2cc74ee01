//===- ChatClientTest.cpp - the chat client against a loopback server ----===//
//
// Every failure class of tuner/llm/ChatClient against a scripted local
// server: what is sent (nested json_schema, explicit temperature, bearer
// key) and how each kind of bad answer is classified and retried. Time-outs
// are short so the whole file runs in about a second.
//
//===----------------------------------------------------------------------===//

#include "tuner/llm/ChatClient.h"
#include "tuner/llm/JsonSchema.h"
#include "tuner/llm/LlmProposer.h"

#include "Fixtures.h"
#include "LoopbackServer.h"

#include "llvm/Support/JSON.h"

#include <gtest/gtest.h>

using namespace step::llm;
using namespace step::llm::test;
namespace json = llvm::json;

namespace {

constexpr const char *keyEnv = "STEP_LLM_TEST_KEY";
constexpr const char *secret = "sk-test-0123456789abcdef";

ChatOptions fastOptions(const std::string &baseUrl) {
  ChatOptions o;
  o.baseUrl = baseUrl;
  o.apiKeyEnv = keyEnv;
  o.connectTimeoutMs = 500;
  o.totalTimeoutMs = 1000;
  o.retries = 0;
  o.backoffMs = 5;
  return o;
}

ChatRequest request() {
  return buildRequest(context(), LlmProposerOptions{"test-model"});
}

TEST(ChatClient, GoodStructuredAnswerAndRequestShape) {
  EnvGuard key(keyEnv, secret);
  LoopbackServer server;
  server.push(Behaviour::respond(200, completion(goodAnswer())));
  ChatClient client(fastOptions(server.baseUrl()));
  ChatResult r = client.complete(request());
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.content, goodAnswer());
  EXPECT_EQ(r.httpStatus, 200);
  EXPECT_EQ(r.finishReason, "stop");
  EXPECT_EQ(r.attempts, 1u);

  std::vector<CapturedRequest> seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].path, "/v1/chat/completions");
  EXPECT_EQ(seen[0].headers["authorization"], std::string("Bearer ") + secret);
  EXPECT_EQ(seen[0].headers["content-type"], "application/json");
  EXPECT_EQ(seen[0].headers.count("expect"), 0u);
  EXPECT_EQ(seen[0].body.find(secret), std::string::npos);

  llvm::Expected<json::Value> body = json::parse(seen[0].body);
  ASSERT_TRUE(bool(body));
  const json::Object *o = body->getAsObject();
  ASSERT_TRUE(o);
  EXPECT_EQ(o->getString("model"), llvm::StringRef("test-model"));
  ASSERT_TRUE(o->getNumber("temperature").has_value());
  EXPECT_DOUBLE_EQ(*o->getNumber("temperature"), 0.2);
  EXPECT_EQ(o->getBoolean("stream"), false);
  const json::Array *msgs = o->getArray("messages");
  ASSERT_TRUE(msgs);
  ASSERT_EQ(msgs->size(), 2u);
  EXPECT_EQ((*msgs)[0].getAsObject()->getString("role"),
            llvm::StringRef("system"));
  EXPECT_EQ((*msgs)[1].getAsObject()->getString("role"),
            llvm::StringRef("user"));
  // The nested form: response_format.json_schema.schema, never a flat
  // response_format.schema (which llama.cpp and Ollama ignore).
  const json::Object *rf = o->getObject("response_format");
  ASSERT_TRUE(rf);
  EXPECT_EQ(rf->getString("type"), llvm::StringRef("json_schema"));
  EXPECT_EQ(rf->get("schema"), nullptr);
  const json::Object *js = rf->getObject("json_schema");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->getString("name"), llvm::StringRef("step_schedule_proposal"));
  EXPECT_EQ(js->getBoolean("strict"), true);
  const json::Object *schema = js->getObject("schema");
  ASSERT_TRUE(schema);
  EXPECT_EQ(schema->getString("type"), llvm::StringRef("object"));
  // The schema sent accepts the good answer.
  EXPECT_EQ(checkJsonSchema(*json::parse(goodAnswer()),
                            json::Value(json::Object(*schema))),
            std::nullopt);
  // Sent in a fixed key order, the schema as written, temperature short.
  EXPECT_EQ(seen[0].body.rfind("{\"model\":\"test-model\",\"messages\":[", 0),
            0u);
  EXPECT_NE(seen[0].body.find("\"temperature\":0.2,"), std::string::npos);
  EXPECT_NE(
      seen[0].body.find("\"json_schema\":{\"name\":\"step_schedule_proposal\","
                        "\"strict\":true,\"schema\":" +
                        answerSchema(vocabulary(), 3) + "}"),
      std::string::npos);
}

TEST(ChatClient, NoKeyNoAuthorizationHeader) {
  EnvGuard key(keyEnv, nullptr);
  LoopbackServer server;
  server.push(Behaviour::respond(200, completion(goodAnswer())));
  ChatClient client(fastOptions(server.baseUrl()));
  EXPECT_TRUE(client.complete(request()).ok());
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].headers.count("authorization"), 0u);
}

TEST(ChatClient, KeyWithLineBreakIsNotSent) {
  EnvGuard key(keyEnv, "sk-abc\r\nX-Injected: 1");
  LoopbackServer server;
  server.push(Behaviour::respond(200, completion(goodAnswer())));
  ChatOptions o = fastOptions(server.baseUrl());
  o.retries = 2;
  ChatResult r = ChatClient(o).complete(request());
  EXPECT_EQ(r.kind, ErrorKind::Refused);
  EXPECT_EQ(r.message, std::string("the API key in $") + keyEnv +
                           " contains a line break; nothing was sent");
  EXPECT_EQ(r.attempts, 0u);
  EXPECT_EQ(server.requests().size(), 0u);
}

TEST(ChatClient, ErrorWithStatus200IsMalformedWithItsMessage) {
  LoopbackServer server;
  server.push(Behaviour::respond(200, R"({"error":"model not found"})"));
  ChatResult r = ChatClient(fastOptions(server.baseUrl())).complete(request());
  EXPECT_EQ(r.kind, ErrorKind::Malformed);
  EXPECT_EQ(r.message, "response has no choices[0]: model not found");
}

TEST(ChatClient, BaseUrlTrailingSlash) {
  ChatOptions o;
  o.baseUrl = "http://localhost:11434/v1/";
  EXPECT_EQ(ChatClient(o).endpoint(),
            "http://localhost:11434/v1/chat/completions");
}

TEST(ChatClient, MalformedBodyIsRetriedThenReported) {
  LoopbackServer server;
  server.push(Behaviour::respond(200, "this is not {json"));
  server.push(Behaviour::respond(200, "{\"choices\": []}"));
  ChatOptions o = fastOptions(server.baseUrl());
  o.retries = 1;
  ChatResult r = ChatClient(o).complete(request());
  EXPECT_EQ(r.kind, ErrorKind::Malformed);
  EXPECT_EQ(r.attempts, 2u);
  EXPECT_NE(r.message.find("choices[0]"), std::string::npos) << r.message;
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(ChatClient, MissingContentIsMalformed) {
  LoopbackServer server;
  server.push(Behaviour::respond(
      200, R"({"choices":[{"index":0,"message":{"role":"assistant"},)"
           R"("finish_reason":"stop"}]})"));
  ChatResult r = ChatClient(fastOptions(server.baseUrl())).complete(request());
  EXPECT_EQ(r.kind, ErrorKind::Malformed);
  EXPECT_NE(r.message.find("content"), std::string::npos) << r.message;
}

TEST(ChatClient, TruncatedBodyIsPartial) {
  LoopbackServer server;
  std::string body = completion(goodAnswer());
  server.push(Behaviour::truncate(body, body.size() / 2));
  ChatResult r = ChatClient(fastOptions(server.baseUrl())).complete(request());
  EXPECT_EQ(r.kind, ErrorKind::Partial) << r.message;
  EXPECT_EQ(r.attempts, 1u);
}

TEST(ChatClient, ClosedWithoutReplyIsPartial) {
  LoopbackServer server;
  server.push(Behaviour::close());
  ChatResult r = ChatClient(fastOptions(server.baseUrl())).complete(request());
  EXPECT_EQ(r.kind, ErrorKind::Partial) << r.message;
}

TEST(ChatClient, TokenLimitIsPartialKeepsContentAndIsNotRetried) {
  LoopbackServer server;
  server.push(Behaviour::respond(
      200, completion(R"({"reasoning":"the down proj)", "length")));
  ChatOptions o = fastOptions(server.baseUrl());
  o.retries = 2;
  ChatResult r = ChatClient(o).complete(request());
  EXPECT_EQ(r.kind, ErrorKind::Partial);
  EXPECT_EQ(r.finishReason, "length");
  EXPECT_EQ(r.content, R"({"reasoning":"the down proj)");
  EXPECT_EQ(r.attempts, 1u);
}

TEST(ChatClient, SlowAnswerTimesOut) {
  LoopbackServer server;
  // A good answer, but only after 3 s: only the time-out can make this fail.
  server.push(Behaviour::respond(200, completion(goodAnswer()), 3000));
  ChatOptions o = fastOptions(server.baseUrl());
  o.totalTimeoutMs = 300;
  ChatResult r = ChatClient(o).complete(request());
  EXPECT_EQ(r.kind, ErrorKind::Timeout) << r.message;
  EXPECT_EQ(r.httpStatus, 0);
  EXPECT_NE(r.message.find("300 ms"), std::string::npos) << r.message;
}

TEST(ChatClient, ConnectionRefusedIsRetriedThenReported) {
  ChatOptions o = fastOptions(
      "http://127.0.0.1:" + std::to_string(LoopbackServer::closedPort()) +
      "/v1");
  o.retries = 1;
  ChatResult r = ChatClient(o).complete(request());
  EXPECT_EQ(r.kind, ErrorKind::Refused);
  EXPECT_EQ(r.httpStatus, 0);
  EXPECT_EQ(r.attempts, 2u);
  EXPECT_NE(r.message.find("cannot reach"), std::string::npos) << r.message;
}

TEST(ChatClient, ServerErrorThenSuccess) {
  LoopbackServer server;
  server.push(Behaviour::respond(
      500, R"({"error":{"message":"model is loading","code":500}})"));
  server.push(Behaviour::respond(200, completion(goodAnswer())));
  ChatOptions o = fastOptions(server.baseUrl());
  o.retries = 1;
  ChatResult r = ChatClient(o).complete(request());
  EXPECT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.attempts, 2u);
  ASSERT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(server.requests()[0].body, server.requests()[1].body);
}

TEST(ChatClient, ServerErrorCarriesServerMessage) {
  LoopbackServer server;
  server.push(Behaviour::respond(
      500, R"({"error":{"message":"model is loading","code":500}})"));
  ChatResult r = ChatClient(fastOptions(server.baseUrl())).complete(request());
  EXPECT_EQ(r.kind, ErrorKind::Refused);
  EXPECT_EQ(r.httpStatus, 500);
  EXPECT_EQ(r.message, "HTTP 500: model is loading");
}

TEST(ChatClient, RateLimitIsRetried) {
  LoopbackServer server;
  // Ollama's error shape: {"error": "..."}.
  server.push(Behaviour::respond(429, R"({"error":"too many requests"})"));
  server.push(Behaviour::respond(429, R"({"error":"too many requests"})"));
  ChatOptions o = fastOptions(server.baseUrl());
  o.retries = 1;
  ChatResult r = ChatClient(o).complete(request());
  EXPECT_EQ(r.kind, ErrorKind::Refused);
  EXPECT_EQ(r.httpStatus, 429);
  EXPECT_EQ(r.attempts, 2u);
  EXPECT_EQ(r.message, "HTTP 429: too many requests");
}

TEST(ChatClient, ClientErrorIsNotRetried) {
  LoopbackServer server;
  server.push(Behaviour::respond(
      400, R"({"error":{"message":"Either \"json_schema\" or \"grammar\" )"
           R"(can be specified, but not both"}})"));
  ChatOptions o = fastOptions(server.baseUrl());
  o.retries = 3;
  ChatResult r = ChatClient(o).complete(request());
  EXPECT_EQ(r.kind, ErrorKind::Refused);
  EXPECT_EQ(r.httpStatus, 400);
  EXPECT_EQ(r.attempts, 1u);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(ChatClient, AnswerIgnoringTheSchemaIsSchemaMismatch) {
  LoopbackServer server;
  const char *answer =
      R"({"reasoning":"x","transformations":[{"name":"unroll","args":{}}]})";
  server.push(Behaviour::respond(200, completion(answer)));
  ChatOptions o = fastOptions(server.baseUrl());
  o.retries = 2;
  ChatResult r = ChatClient(o).complete(request());
  EXPECT_EQ(r.kind, ErrorKind::SchemaMismatch);
  EXPECT_EQ(r.content, answer);
  EXPECT_EQ(r.attempts, 1u);
  EXPECT_NE(r.message.find("$.transformations[0]"), std::string::npos)
      << r.message;
}

TEST(ChatClient, ProseAnswerIsSchemaMismatch) {
  LoopbackServer server;
  server.push(Behaviour::respond(200, completion("I would tile k by 128.")));
  ChatResult r = ChatClient(fastOptions(server.baseUrl())).complete(request());
  EXPECT_EQ(r.kind, ErrorKind::SchemaMismatch);
  EXPECT_NE(r.message.find("not JSON"), std::string::npos) << r.message;
}

TEST(ChatClient, CodeFenceAroundJsonIsAccepted) {
  LoopbackServer server;
  server.push(Behaviour::respond(
      200, completion(std::string("```json\n") + goodAnswer() + "\n```\n")));
  ChatResult r = ChatClient(fastOptions(server.baseUrl())).complete(request());
  EXPECT_TRUE(r.ok()) << r.message;
}

TEST(ChatClient, ErrorKindNamesRoundTrip) {
  for (ErrorKind k : {ErrorKind::None, ErrorKind::Refused, ErrorKind::Timeout,
                      ErrorKind::Malformed, ErrorKind::Partial,
                      ErrorKind::SchemaMismatch, ErrorKind::Replay})
    EXPECT_EQ(parseErrorKind(errorKindName(k)), k);
  EXPECT_EQ(parseErrorKind("bogus"), std::nullopt);
}

TEST(ChatRequest, KeyDependsOnContentOnly) {
  ChatRequest a = request(), b = request();
  EXPECT_EQ(a.key(), b.key());
  EXPECT_EQ(a.key().size(), 64u);
  b.temperature = 0.7;
  EXPECT_NE(a.key(), b.key());
}

//===----------------------------------------------------------------------===//
// The schema checker
//===----------------------------------------------------------------------===//

json::Value parse(const char *text) { return std::move(*json::parse(text)); }

TEST(JsonSchema, Keywords) {
  json::Value schema = parse(R"({"type":"object",
      "properties":{"n":{"type":"integer","minimum":1,"maximum":8},
                    "s":{"type":"string","enum":["a","b"]},
                    "l":{"type":"array","items":{"type":"boolean"},
                         "minItems":1,"maxItems":2}},
      "required":["n"],"additionalProperties":false})");
  EXPECT_EQ(checkJsonSchema(parse(R"({"n":3,"s":"a","l":[true]})"), schema),
            std::nullopt);
  EXPECT_EQ(checkJsonSchema(parse(R"({"n":3.0})"), schema), std::nullopt);
  EXPECT_EQ(checkJsonSchema(parse(R"({"n":3.5})"), schema),
            "$.n: expected integer, got 3.5");
  EXPECT_EQ(checkJsonSchema(parse(R"({"n":9})"), schema),
            "$.n: 9 is above the maximum 8");
  EXPECT_EQ(checkJsonSchema(parse(R"({"s":"a"})"), schema),
            "$: missing required property \"n\"");
  EXPECT_EQ(checkJsonSchema(parse(R"({"n":1,"x":0})"), schema),
            "$: unexpected property \"x\"");
  EXPECT_EQ(checkJsonSchema(parse(R"({"n":1,"s":"c"})"), schema),
            "$.s: \"c\" is not one of the allowed values");
  EXPECT_EQ(checkJsonSchema(parse(R"({"n":1,"l":[]})"), schema),
            "$.l: 0 items, at least 1 required");
  EXPECT_EQ(checkJsonSchema(parse(R"({"n":1,"l":[true,1]})"), schema),
            "$.l[1]: expected boolean, got 1");
}

TEST(JsonSchema, AnyOfReportsTheNamedAlternative) {
  json::Value schema = *json::parse(answerSchema(vocabulary(), 3));
  auto check = [&](const char *item) {
    std::string answer =
        std::string(R"({"reasoning":"","transformations":[)") + item + "]}";
    return checkJsonSchema(*json::parse(answer), schema).value_or("");
  };
  const std::string prefix =
      "$.transformations[0]: matches none of the 4 alternatives (closest: ";
  EXPECT_EQ(check(R"({"name":"unroll","args":{}})"),
            prefix + "$.transformations[0].name: \"unroll\" is not one of "
                     "the allowed values)");
  EXPECT_EQ(check(R"({"name":"parallelize"})"),
            prefix + "$.transformations[0]: missing required property "
                     "\"args\")");
  EXPECT_EQ(check(R"({"name":"tile","args":{"dim":"k","size":100}})"),
            prefix + "$.transformations[0].args.size: 100 is not one of the "
                     "allowed values)");
}

TEST(JsonSchema, AnyOf) {
  json::Value schema = parse(R"({"anyOf":[{"type":"string"},
      {"type":"integer","minimum":0}]})");
  EXPECT_EQ(checkJsonSchema(parse(R"("x")"), schema), std::nullopt);
  EXPECT_EQ(checkJsonSchema(parse("4"), schema), std::nullopt);
  std::optional<std::string> err = checkJsonSchema(parse("-1"), schema);
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("matches none of the 2 alternatives"), std::string::npos)
      << *err;
}

} // namespace
