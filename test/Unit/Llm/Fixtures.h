//===- Fixtures.h - shared pieces of the tuner/llm tests --------*- C++ -*-===//
//
// A small vocabulary shaped like step-tune's, a search state to prompt with,
// chat-completions bodies as the servers send them, and an environment
// variable guard for the API key.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_TEST_UNIT_LLM_FIXTURES_H
#define STEP_TEST_UNIT_LLM_FIXTURES_H

#include "tuner/llm/LlmProposer.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <string>

namespace step::llm::test {

inline std::vector<ActionSpec> vocabulary() {
  return {
      {"tile",
       "tile one dimension of the matmuls (step-dyn-tiling)",
       {ParamDomain::choice("dim", {"m", "n", "k"}),
        ParamDomain::intSet("size", {16, 32, 64, 128, 256})}},
      {"parallelize",
       "replicate the expert pipeline",
       {ParamDomain::intRange("factor", 1, 16)}},
      {"dynamic_tiling",
       "toggle dynamic tiling of the expert batch",
       {ParamDomain::boolean("enable")}},
      {"fuse_all", "fuse every elementwise op into its producer", {}},
  };
}

inline PromptContext context() {
  PromptContext c;
  c.layerKind = "moe";
  c.layerSummary = "Qwen3-30B-A3B MoE layer, B=64, 128 experts, top-8";
  c.archSummary = "1024 compute units, 64 MiB on-chip, 2 TB/s off-chip";
  ScheduleMetrics m;
  m.cycles = 120000;
  m.utilization = 0.42;
  m.offChipBytes = 3 << 20;
  m.onChipBytes = 1 << 20;
  m.bottlenecks = {"expert_down_matmul", "route_gather"};
  c.current = {"tile(dim=n, size=64); parallelize(factor=4)", m};
  ScheduleMetrics pm = m;
  pm.cycles = 150000;
  c.parent = ScheduleView{"tile(dim=n, size=64)", pm};
  ScheduleMetrics gm;
  gm.feasible = false;
  gm.infeasibleReason = "needs 1536 compute units, 1024 available";
  c.grandparent = ScheduleView{"parallelize(factor=16)", gm};
  c.vocabulary = vocabulary();
  c.examples = {
      {{"tile(dim=k, size=128)", "dynamic_tiling(enable=true)"}, 1.8}};
  return c;
}

/// A chat.completion body whose first choice carries `content`.
inline std::string completion(const std::string &content,
                              const std::string &finishReason = "stop") {
  llvm::json::Object msg{{"role", "assistant"}, {"content", content}};
  llvm::json::Object choice{{"index", 0},
                            {"message", std::move(msg)},
                            {"finish_reason", finishReason}};
  llvm::json::Object body{{"id", "chatcmpl-1"},
                          {"object", "chat.completion"},
                          {"created", 1},
                          {"model", "test-model"},
                          {"choices", llvm::json::Array{std::move(choice)}},
                          {"usage", llvm::json::Object{{"prompt_tokens", 10},
                                                       {"completion_tokens", 5},
                                                       {"total_tokens", 15}}}};
  std::string s;
  llvm::raw_string_ostream os(s);
  os << llvm::json::Value(std::move(body));
  os.flush();
  return s;
}

inline const char *goodAnswer() {
  return R"({"reasoning":"the down projection is the bottleneck",)"
         R"("transformations":[{"name":"tile","args":{"dim":"k","size":128}},)"
         R"({"name":"parallelize","args":{"factor":8}}]})";
}

/// Sets an environment variable for the scope of the guard.
class EnvGuard {
public:
  EnvGuard(const char *name, const char *value) : name(name) {
    if (const char *old = std::getenv(name))
      saved = old;
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~EnvGuard() {
    if (saved.empty())
      ::unsetenv(name);
    else
      ::setenv(name, saved.c_str(), 1);
  }

private:
  const char *name;
  std::string saved;
};

} // namespace step::llm::test

#endif // STEP_TEST_UNIT_LLM_FIXTURES_H
