//===- RecordingTest.cpp - record and replay of chat exchanges -----------===//
//
// A run recorded against the loopback server replays to the same results
// without it; the recording never holds the API key; a replay that asks for
// something else, or for more than was recorded, says so; concurrent
// appends keep whole lines.
//
//===----------------------------------------------------------------------===//

#include "tuner/llm/Recording.h"

#include "Fixtures.h"
#include "LoopbackServer.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

using namespace step::llm;
using namespace step::llm::test;
namespace json = llvm::json;

namespace {

constexpr const char *keyEnv = "STEP_LLM_TEST_KEY";
constexpr const char *secret = "sk-recording-secret-42";

/// A fresh temporary file name, removed at scope exit.
struct TempPath {
  std::string path;
  TempPath() {
    llvm::SmallString<128> p;
    llvm::sys::fs::createTemporaryFile("step-llm", "jsonl", p);
    path = std::string(p);
    llvm::sys::fs::remove(path);
  }
  ~TempPath() { llvm::sys::fs::remove(path); }
};

std::vector<std::string> lines(const std::string &path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string l; std::getline(in, l);)
    out.push_back(l);
  return out;
}

ChatRequest requestFor(unsigned i) {
  PromptContext c = context();
  c.current.text += "; step " + std::to_string(i);
  return buildRequest(c, LlmProposerOptions{"test-model"});
}

TEST(Recording, RecordThenReplayGivesEqualResults) {
  EnvGuard key(keyEnv, secret);
  TempPath file;
  std::vector<ChatRequest> requests = {requestFor(0), requestFor(1),
                                       requestFor(2), requestFor(0)};
  std::vector<ChatResult> recorded;
  {
    LoopbackServer server;
    server.push(Behaviour::respond(200, completion(goodAnswer())));
    server.push(Behaviour::respond(503, R"({"error":{"message":"busy"}})"));
    server.push(Behaviour::respond(200, "garbage"));
    // The same request as the first, answered differently this time.
    server.push(Behaviour::respond(
        200, completion(R"({"reasoning":"r","transformations":[)"
                        R"({"name":"fuse_all","args":{}}]})")));
    ChatOptions o;
    o.baseUrl = server.baseUrl();
    o.apiKeyEnv = keyEnv;
    o.retries = 0;
    o.totalTimeoutMs = 1000;
    ChatClient client(o);
    auto rec = Recorder::open(file.path, keyEnv);
    ASSERT_TRUE(bool(rec)) << llvm::toString(rec.takeError());
    RecordingBackend backend(client, **rec);
    for (const ChatRequest &r : requests)
      recorded.push_back(backend.complete(r));
    // The key went to the server...
    ASSERT_EQ(server.requests().size(), 4u);
    EXPECT_EQ(server.requests()[0].headers["authorization"],
              std::string("Bearer ") + secret);
  }
  EXPECT_TRUE(recorded[0].ok());
  EXPECT_EQ(recorded[1].kind, ErrorKind::Refused);
  EXPECT_EQ(recorded[2].kind, ErrorKind::Malformed);
  EXPECT_TRUE(recorded[3].ok());

  // ...but not into the recording, which holds one parseable line per
  // exchange with the request body and the outcome.
  std::vector<std::string> text = lines(file.path);
  ASSERT_EQ(text.size(), 4u);
  for (size_t i = 0; i < text.size(); ++i) {
    EXPECT_EQ(text[i].find(secret), std::string::npos);
    EXPECT_EQ(text[i].find("Bearer"), std::string::npos);
    llvm::Expected<json::Value> v = json::parse(text[i]);
    ASSERT_TRUE(bool(v)) << llvm::toString(v.takeError());
    const json::Object *o = v->getAsObject();
    EXPECT_EQ(o->getString("key"), llvm::StringRef(requests[i].key()));
    EXPECT_EQ(*o->get("request"), requests[i].toJson());
    EXPECT_EQ(o->getObject("response")->getString("kind"),
              llvm::StringRef(errorKindName(recorded[i].kind)));
  }

  // Replay without any server, in a different order across keys: requests
  // with the same key get their answers in recorded order.
  auto rep = Replayer::open(file.path);
  ASSERT_TRUE(bool(rep)) << llvm::toString(rep.takeError());
  Replayer &replayer = **rep;
  EXPECT_EQ(replayer.remaining(), 4u);
  EXPECT_EQ(replayer.complete(requests[2]), recorded[2]);
  EXPECT_EQ(replayer.complete(requests[0]), recorded[0]);
  EXPECT_EQ(replayer.complete(requests[1]), recorded[1]);
  EXPECT_EQ(replayer.complete(requests[0]), recorded[3]);
  EXPECT_EQ(replayer.remaining(), 0u);
  EXPECT_EQ(replayer.served(), 4u);

  ChatResult exhausted = replayer.complete(requests[0]);
  EXPECT_EQ(exhausted.kind, ErrorKind::Replay);
  EXPECT_NE(exhausted.message.find("exhausted"), std::string::npos)
      << exhausted.message;
  ChatResult mismatch = replayer.complete(requestFor(7));
  EXPECT_EQ(mismatch.kind, ErrorKind::Replay);
  EXPECT_NE(mismatch.message.find("no recorded exchange matches"),
            std::string::npos)
      << mismatch.message;
}

TEST(Recording, KeyInsideTheExchangeIsRedacted) {
  EnvGuard key(keyEnv, secret);
  TempPath file;
  auto rec = Recorder::open(file.path, keyEnv);
  ASSERT_TRUE(bool(rec));
  ChatResult echoed;
  echoed.kind = ErrorKind::Refused;
  echoed.message = std::string("HTTP 401: invalid key ") + secret;
  ASSERT_FALSE(bool((*rec)->append(requestFor(0), echoed, 3)));
  std::vector<std::string> text = lines(file.path);
  ASSERT_EQ(text.size(), 1u);
  EXPECT_EQ(text[0].find(secret), std::string::npos);
  EXPECT_NE(text[0].find("invalid key [redacted]"), std::string::npos);
}

TEST(Recording, ConcurrentAppendsKeepWholeLines) {
  TempPath file;
  constexpr unsigned threads = 4, perThread = 25;
  {
    // Two recorders on one file stand for two processes.
    auto a = Recorder::open(file.path);
    auto b = Recorder::open(file.path);
    ASSERT_TRUE(a && b);
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        Recorder &rec = t % 2 ? **a : **b;
        ChatResult r;
        r.content = std::string(3000, char('a' + t));
        for (unsigned i = 0; i < perThread; ++i)
          llvm::consumeError(rec.append(requestFor(t), r, i));
      });
    for (std::thread &t : pool)
      t.join();
  }
  std::vector<std::string> text = lines(file.path);
  ASSERT_EQ(text.size(), threads * perThread);
  for (const std::string &l : text) {
    llvm::Expected<json::Value> v = json::parse(l);
    ASSERT_TRUE(bool(v)) << llvm::toString(v.takeError());
  }
  auto rep = Replayer::open(file.path);
  ASSERT_TRUE(bool(rep));
  EXPECT_EQ((*rep)->remaining(), threads * perThread);
}

TEST(Replayer, BadFileNamesTheLine) {
  TempPath file;
  {
    std::ofstream out(file.path);
    out << exchangeLine(requestFor(0), ChatResult(), 1) << "\n\n"
        << "{\"format\":\"step-llm-exchange/1\",\"key\":\"ab\"}\n";
  }
  auto rep = Replayer::open(file.path);
  ASSERT_FALSE(bool(rep));
  std::string msg = llvm::toString(rep.takeError());
  EXPECT_NE(msg.find(file.path + ":3: missing"), std::string::npos) << msg;

  auto missing = Replayer::open(file.path + ".absent");
  ASSERT_FALSE(bool(missing));
  EXPECT_NE(llvm::toString(missing.takeError()).find("cannot read recording"),
            std::string::npos);
}

TEST(Replayer, NotJsonLine) {
  TempPath file;
  {
    std::ofstream out(file.path);
    out << "{\"format\": \n";
  }
  auto rep = Replayer::open(file.path);
  ASSERT_FALSE(bool(rep));
  std::string msg = llvm::toString(rep.takeError());
  EXPECT_NE(msg.find(":1: not JSON"), std::string::npos) << msg;
}

} // namespace
